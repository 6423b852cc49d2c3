//! `plumb lint`: parse and check rule files without evaluating them.

use std::io::{self, IsTerminal};
use std::path::PathBuf;
use std::process::ExitCode;

use miette::Result;
use plumb_compiler::{Catalogs, Level};
use plumb_report::diagnostics::{self, Summary};

use crate::cli::{ColorChoice, Format};

pub fn run(
    paths: &[PathBuf],
    format: Format,
    color: ColorChoice,
    catalogs: &Catalogs,
) -> Result<ExitCode> {
    let sources = crate::policy::read_sources(paths)?;
    let analysis = plumb_compiler::analyze_with(&sources, catalogs);
    let count = |level| {
        analysis
            .diagnostics
            .iter()
            .filter(|d| d.level == level)
            .count()
    };
    let summary = Summary {
        files: sources.len(),
        errors: count(Level::Error),
        warnings: count(Level::Warning),
    };
    let color = match color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => crate::output::color_for(io::stdout().is_terminal()),
    };
    crate::output::stdout(|out| match format {
        Format::Json => diagnostics::json(out, &sources, &analysis.diagnostics, &summary),
        Format::Text => {
            for d in &analysis.diagnostics {
                diagnostics::text(out, &sources, d, color)?;
            }
            writeln!(out, "{}", diagnostics::summary_line(&summary))
        }
    })?;
    Ok(if summary.errors > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
