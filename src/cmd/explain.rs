//! `plumb explain CODE`: prints a code's section of docs/diagnostics.md,
//! which is embedded so the binary needs no files beside it.

use std::process::ExitCode;

use miette::Result;
use plumb_compiler::Code;

use crate::error::CliError;

const DOC: &str = include_str!("../../docs/diagnostics.md");

/// The section of `docs/diagnostics.md` headed `## CODE name`, without the
/// heading line's markup.
pub fn section(code: Code) -> Option<String> {
    let heading = format!("## {} {}", code.as_str(), code.name());
    let start = DOC.find(&heading)?;
    let body = DOC.get(start + heading.len()..)?;
    let end = body.find("\n## ").unwrap_or(body.len());
    let text = body.get(..end)?.trim();
    Some(format!(
        "{} {}: {}\n\n{}\n",
        code.as_str(),
        code.name(),
        code.title(),
        text
    ))
}

pub fn run(code: &str) -> Result<ExitCode> {
    let Some(code) = Code::parse(code) else {
        return Err(CliError::UnknownCode(code.to_string()).into());
    };
    match section(code) {
        Some(text) => print!("{text}"),
        None => println!("{} {}: {}", code.as_str(), code.name(), code.title()),
    }
    Ok(ExitCode::SUCCESS)
}
