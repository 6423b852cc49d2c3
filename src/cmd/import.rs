//! `plumb import`: every source's resources, in one snapshot.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use miette::{IntoDiagnostic, Result};

use crate::error::CliError;

pub fn run(sources: &[PathBuf], output: &Path) -> Result<ExitCode> {
    let mut resources = Vec::new();
    for path in sources {
        let bytes = if path == Path::new("-") {
            let mut bytes = Vec::new();
            std::io::Read::read_to_end(&mut std::io::stdin().lock(), &mut bytes).map(|_| bytes)
        } else {
            std::fs::read(path)
        }
        .map_err(|source| CliError::Read {
            path: path.display().to_string(),
            source,
        })?;
        let imported =
            plumb_ingest::import(path, &bytes).map_err(|e| CliError::Snapshot(e.to_string()))?;
        resources.extend(imported);
    }
    let mut text = plumb_ingest::snapshot_json(&resources).into_diagnostic()?;
    text.push('\n');
    crate::output::file_or_stdout(output, text.as_bytes())?;
    if output != Path::new("-") {
        eprintln!(
            "imported {} resources into {}",
            resources.len(),
            output.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}
