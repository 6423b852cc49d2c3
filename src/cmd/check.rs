//! `plumb check`: a policy over snapshots and sources, as a report.

use std::path::PathBuf;
use std::process::ExitCode;

use miette::Result;
use plumb_ingest::host::SCAN_TYPES;
use plumb_ingest::input::{InputError, Inputs};
use plumb_runtime::bytecode::Severity;
use plumb_runtime::eval::{self, EvalOptions};
use plumb_runtime::finding::Status;
use plumb_runtime::snapshot::LoadOptions;
use plumb_runtime::value::Str;
use plumb_runtime::{PathTree, TypePattern};

use crate::cli::{ColorChoice, Format};
use crate::error::CliError;
use crate::output;

pub struct CheckArgs {
    pub policies: Vec<PathBuf>,
    /// Rule files whose functions and constants `policies` import; their
    /// rules do not run.
    pub libs: Vec<PathBuf>,
    pub compiled: Option<PathBuf>,
    pub snapshots: Vec<PathBuf>,
    pub format: Format,
    pub threshold: Severity,
    pub threads: usize,
    pub fail_indeterminate: bool,
    pub now: Option<f64>,
    /// Data files, in the order they merge.
    pub data: Vec<PathBuf>,
    pub color: ColorChoice,
    /// The frameworks rules may cite (built-in and `--catalog`).
    pub catalogs: plumb_compiler::Catalogs,
}

pub fn run(args: &CheckArgs) -> Result<ExitCode> {
    let policy = crate::policy::bind(crate::policy::program_with_libs(
        &args.policies,
        &args.libs,
        args.compiled.as_deref(),
        &args.catalogs,
        matches!(args.format, Format::Json),
    )?)?;
    let data = plumb_ingest::data::load(&args.data, |p| std::fs::read(p))
        .map_err(|e| CliError::Data(e.to_string()))?;
    let threads = output::threads(args.threads);
    let mut load = LoadOptions {
        projection: policy.program().projection.clone(),
        threads,
    };
    // Scan results (InSpec, XCCDF) are kept whole while loading: they
    // become findings of their own.
    if let Some(patterns) = &mut load.projection.patterns {
        for ty in SCAN_TYPES {
            patterns.push((TypePattern::Exact(ty.to_string()), PathTree::everything()));
        }
    }
    let options = EvalOptions {
        threads,
        now: output::now(args.now),
        rules: None,
        decisions: false,
        keep_types: SCAN_TYPES.iter().map(|t| Str::from(*t)).collect(),
        data,
    };
    let inputs = Inputs::new();
    let checked = eval::check_files::<InputError>(
        &policy,
        inputs.inputs(&args.snapshots).map_err(CliError::from)?,
        &load,
        &options,
    )
    .map_err(CliError::from)?;
    let mut report = checked.report;
    // InSpec and XCCDF results are findings another tool made: they join
    // the rules' own (docs/import.md, "Scan results are findings").
    plumb_ingest::host::scan_results(&checked.kept).add_to(&mut report);
    let rules = policy.program().rules.len();
    output::stdout(|out| match args.format {
        Format::Json => plumb_report::check_json::write(out, &report, rules),
        Format::Text => {
            let color = match args.color {
                ColorChoice::Always => true,
                ColorChoice::Never => false,
                ColorChoice::Auto => {
                    output::color_for(std::io::IsTerminal::is_terminal(&std::io::stdout()))
                }
            };
            plumb_report::check_text::write(out, &report, rules, color)
        }
    })?;
    let failing = report.findings.iter().any(|f| {
        f.severity >= args.threshold
            && match f.status {
                Status::Fail | Status::Error => true,
                Status::Indeterminate => args.fail_indeterminate,
                Status::Pass => false,
            }
    });
    // The process ends next: freeing every finding and kept resource one
    // by one would only delay it.
    std::mem::forget(report);
    std::mem::forget(policy);
    Ok(if failing {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
