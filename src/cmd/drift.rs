//! `plumb drift`: declared against actual resources, or a plan's
//! `resource_drift`, as drift events classified by a policy's drift
//! blocks (docs/drift.md).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use miette::Result;
use plumb_drift::{DriftReport, NoiseModel, RunOptions};
use plumb_ingest::input::Inputs;
use plumb_runtime::snapshot::LoadOptions;

use crate::cli::Format;
use crate::error::CliError;

pub struct DriftArgs {
    pub plan: Option<PathBuf>,
    pub declared: Vec<PathBuf>,
    pub actual: Vec<PathBuf>,
    pub noise: Vec<PathBuf>,
    /// Rule files whose drift blocks classify the events.
    pub policies: Vec<PathBuf>,
    /// The namespace of manifests that name none.
    pub namespace: String,
    pub now: Option<f64>,
    pub format: Format,
    pub threads: usize,
    /// The frameworks rules may cite (built-in and `--catalog`).
    pub catalogs: plumb_compiler::Catalogs,
}

fn noise_model(files: &[PathBuf]) -> Result<NoiseModel> {
    let mut model = NoiseModel::builtin().map_err(|e| CliError::Snapshot(e.to_string()))?;
    for path in files {
        let bytes = std::fs::read(path).map_err(|source| CliError::Read {
            path: path.display().to_string(),
            source,
        })?;
        model
            .add_yaml(&path.display().to_string(), &bytes)
            .map_err(|e| CliError::Snapshot(e.to_string()))?;
    }
    Ok(model)
}

pub fn run(args: &DriftArgs) -> Result<ExitCode> {
    let model = noise_model(&args.noise)?;
    let policy = match args.policies.is_empty() {
        true => None,
        false => Some(crate::policy::bind(
            crate::policy::compile_files(&args.policies, &args.catalogs)?.program,
        )?),
    };
    let threads = crate::output::threads(args.threads);
    let options = RunOptions {
        model: &model,
        policy: policy.as_ref(),
        namespace: &args.namespace,
        threads,
        now: crate::output::now(args.now),
    };
    let report = match &args.plan {
        Some(plan) => plan_drift(plan, &options)?,
        None => {
            let load = LoadOptions {
                threads,
                ..LoadOptions::default()
            };
            let inputs = Inputs::new();
            // The two sides load side by side.
            let (declared, actual) = std::thread::scope(|s| {
                let declared = s.spawn(|| inputs.load_all(&args.declared, &load));
                let actual = inputs.load_all(&args.actual, &load);
                (declared.join(), actual)
            });
            let declared = declared
                .map_err(|_| CliError::Snapshot("loading the declared side failed".into()))?
                .map_err(CliError::from)?;
            let actual = actual.map_err(CliError::from)?;
            plumb_drift::report::run(declared, actual, &options)
                .map_err(|e| CliError::Snapshot(e.to_string()))?
        }
    };
    crate::output::stdout(|out| match args.format {
        Format::Json => plumb_report::drift_json::write(out, &report),
        Format::Text => plumb_report::drift_text::write(out, &report),
    })?;
    Ok(if report.events.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// A plan's `resource_drift`.
fn plan_drift(plan: &Path, options: &RunOptions<'_>) -> Result<DriftReport> {
    let bytes = std::fs::read(plan).map_err(|source| CliError::Read {
        path: plan.display().to_string(),
        source,
    })?;
    let entries = plumb_ingest::terraform_plan::resource_drift_of(plan, &bytes)
        .map_err(|e| CliError::Snapshot(e.to_string()))?;
    Ok(plumb_drift::report::run_plan(&entries, options))
}
