//! `plumb compile`: rule files to a versioned, checksummed `.plumbc`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use miette::Result;
use plumb_compiler::Catalogs;

use crate::error::CliError;

pub fn run(policies: &[PathBuf], output: &Path, catalogs: &Catalogs) -> Result<ExitCode> {
    let compiled = crate::policy::compile_files(policies, catalogs)?;
    let bytes = plumb_runtime::artifact::write(&compiled.program)
        .map_err(|e| CliError::Policy(e.to_string()))?;
    std::fs::write(output, bytes).map_err(|source| CliError::Write {
        path: output.display().to_string(),
        source,
    })?;
    eprintln!(
        "compiled {} rules into {}",
        compiled.program.rules.len(),
        output.display()
    );
    Ok(ExitCode::SUCCESS)
}
