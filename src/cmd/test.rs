//! `plumb test`: the `test` blocks of rule files.

use std::path::PathBuf;
use std::process::ExitCode;

use miette::Result;
use plumb_testing::{TestOptions, TestSuite};

pub fn run(paths: &[PathBuf], now: Option<f64>) -> Result<ExitCode> {
    let compiled = crate::policy::compile_files(paths)?;
    let suite = TestSuite::of(&compiled);
    let policy = crate::policy::bind(compiled.program)?;
    let options = TestOptions {
        now: crate::output::now(now),
    };
    let report = plumb_testing::run(&policy, &suite, &options);
    crate::output::stdout(|out| plumb_report::test_text::write(out, &report))?;
    Ok(if report.failed > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
