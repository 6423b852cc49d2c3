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
}

pub fn run(args: &TestArgs) -> Result<ExitCode> {
    let compiled = crate::policy::compile_files(&args.paths)?;
    let suite = TestSuite::of(&compiled);
    let policy = crate::policy::bind(compiled.program)?;
    let options = TestOptions {
        now: crate::output::now(args.now),
    };
    let report = plumb_testing::run(&policy, &suite, &options);
    crate::output::stdout(|out| match args.format {
        TestFormat::Text => plumb_report::test_text::write(out, &report),
        TestFormat::Json => plumb_report::test_json::write(out, &report),
        TestFormat::Junit => plumb_report::test_junit::write(out, &report),
    })?;
    Ok(if report.failed > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
