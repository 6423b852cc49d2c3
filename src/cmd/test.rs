//! `plumb test`: the `test` blocks of rule files.

use std::path::PathBuf;
use std::process::ExitCode;

use miette::Result;
use plumb_testing::{TestOptions, TestSuite};

use crate::cli::TestFormat;

pub struct TestArgs {
    pub paths: Vec<PathBuf>,
    pub now: Option<f64>,
    pub format: TestFormat,
    /// Report each rule's coverage (text and JSON).
    pub coverage: bool,
    /// Exit 1 when a rule is not covered.
    pub coverage_required: bool,
    /// The frameworks rules may cite (built-in and `--catalog`).
    pub catalogs: plumb_compiler::Catalogs,
    /// Data files, in the order they merge.
    pub data: Vec<PathBuf>,
}

pub fn run(args: &TestArgs) -> Result<ExitCode> {
    let compiled = crate::policy::compile_files_as(
        &args.paths,
        &args.catalogs,
        matches!(args.format, TestFormat::Json),
    )?;
    let suite = TestSuite::of(&compiled);
    let policy = crate::policy::bind(compiled.program)?;
    let options = TestOptions {
        now: crate::output::now(args.now),
        data: plumb_ingest::data::load(&args.data, |p| std::fs::read(p))
            .map_err(|e| crate::error::CliError::Data(e.to_string()))?,
    };
    let report = plumb_testing::run(&policy, &suite, &options);
    let coverage = args
        .coverage
        .then(|| plumb_testing::coverage(&policy, &report));
    let coverage = coverage.as_deref();
    crate::output::stdout(|out| match args.format {
        TestFormat::Text => plumb_report::test_text::write(out, &report, coverage),
        TestFormat::Json => plumb_report::test_json::write(out, &report, coverage),
        TestFormat::Junit => plumb_report::test_junit::write(
            out,
            &report,
            coverage.map(|rules| plumb_report::test_junit::CoverageCases {
                rules,
                required: args.coverage_required,
            }),
        ),
    })?;
    let gap = args.coverage_required && coverage.is_some_and(|c| c.iter().any(|r| !r.covered()));
    Ok(if report.failed > 0 || gap {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
