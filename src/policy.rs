//! Loading a policy for a command: rule files compiled on the spot, or a
//! `.plumbc` artifact. Compile errors are rendered to stderr here (exit
//! 2: the policy, not the input, is wrong).

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use miette::Result;
use plumb_compiler::{Catalogs, Compiled, Level, SourceMap};
use plumb_runtime::bytecode::Program;
use plumb_runtime::eval::CompiledPolicy;

use crate::error::CliError;

/// The rule files under `paths` (files, or directories searched for
/// `*.plumb`), read into one compilation.
pub fn read_sources(paths: &[PathBuf]) -> Result<SourceMap> {
    let files = collect(paths)?;
    if files.is_empty() {
        let paths = paths
            .iter()
            .map(|p| format!("`{}`", p.display()))
            .collect::<Vec<_>>()
            .join(", ");
        return Err(CliError::NoInput { paths }.into());
    }
    let mut sources = SourceMap::new();
    for path in &files {
        let bytes = std::fs::read(path).map_err(|source| CliError::Read {
            path: path.display().to_string(),
            source,
        })?;
        sources.add_bytes(path.display().to_string(), bytes);
    }
    Ok(sources)
}

/// Explicit files as given, directories searched recursively for
/// `*.plumb`, in a stable order; a file named twice is read once.
fn collect(paths: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for path in paths {
        let meta = std::fs::metadata(path).map_err(|source| CliError::Read {
            path: path.display().to_string(),
            source,
        })?;
        if meta.is_dir() {
            walk(path, &mut files)?;
        } else {
            files.push(path.clone());
        }
    }
    let mut seen = std::collections::HashSet::new();
    files.retain(|f| seen.insert(f.canonicalize().unwrap_or_else(|_| f.clone())));
    Ok(files)
}

fn walk(dir: &Path, files: &mut Vec<PathBuf>) -> Result<()> {
    let read = |source| CliError::Read {
        path: dir.display().to_string(),
        source,
    };
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(read)?
        .map(|e| e.map(|e| e.path()))
        .collect::<io::Result<_>>()
        .map_err(read)?;
    entries.sort();
    for path in entries {
        if path.is_dir() {
            walk(&path, files)?;
        } else if path.extension().is_some_and(|e| e == "plumb") {
            files.push(path);
        }
    }
    Ok(())
}

/// Compiles the rule files under `paths`, their citations checked against
/// `catalogs`; error diagnostics go to stderr.
pub fn compile_files(paths: &[PathBuf], catalogs: &Catalogs) -> Result<Compiled> {
    compile_files_as(paths, catalogs, false)
}

/// [`compile_files`]; with `json`, a policy that does not compile also
/// writes its errors to stdout as `plumb lint --format json` does, so a
/// tool reading a command's JSON gets a document either way.
pub fn compile_files_as(paths: &[PathBuf], catalogs: &Catalogs, json: bool) -> Result<Compiled> {
    let sources = read_sources(paths)?;
    let (analysis, result) = plumb_compiler::compile_with(&sources, catalogs);
    if json && result.is_err() {
        let errors: Vec<_> = analysis
            .diagnostics
            .iter()
            .filter(|d| d.level == Level::Error)
            .cloned()
            .collect();
        let summary = plumb_report::diagnostics::Summary {
            files: sources.len(),
            errors: errors.len(),
            warnings: 0,
        };
        crate::output::stdout(|out| {
            plumb_report::diagnostics::json(out, &sources, &errors, &summary)
        })?;
    }
    let color = crate::output::stderr_color();
    let stderr = io::stderr();
    let mut err = stderr.lock();
    for d in analysis
        .diagnostics
        .iter()
        .filter(|d| d.level == Level::Error)
    {
        let _ = plumb_report::diagnostics::text(&mut err, &sources, d, color);
    }
    let _ = err.flush();
    result.map_err(|e| CliError::Policy(e.to_string()).into())
}

/// Reads a `.plumbc` artifact.
pub fn read_artifact(path: &Path) -> Result<Program> {
    let bytes = std::fs::read(path).map_err(|source| CliError::Read {
        path: path.display().to_string(),
        source,
    })?;
    plumb_runtime::artifact::read(&bytes).map_err(|e| {
        CliError::Artifact {
            path: path.display().to_string(),
            message: e.to_string(),
        }
        .into()
    })
}

/// The program of `--compiled FILE`, else of the rule files with the
/// library files `libs` (`--lib`): compiled together, so the rule files can
/// import the libraries' packages, but with the libraries' rules and drift
/// blocks left out.
pub fn program_with_libs(
    policies: &[PathBuf],
    libs: &[PathBuf],
    compiled: Option<&Path>,
    catalogs: &Catalogs,
    json: bool,
) -> Result<Program> {
    if let Some(path) = compiled {
        return read_artifact(path);
    }
    if libs.is_empty() {
        return Ok(compile_files_as(policies, catalogs, json)?.program);
    }
    let lib_files: std::collections::HashSet<String> = collect(libs)?
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    let own: std::collections::HashSet<String> = collect(policies)?
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    let all: Vec<PathBuf> = policies.iter().chain(libs).cloned().collect();
    let mut program = compile_files_as(&all, catalogs, json)?.program;
    // A file named both as a policy and as a library is a policy.
    let library = |file: &str| lib_files.contains(file) && !own.contains(file);
    program.rules.retain(|r| !library(&r.meta.file));
    program.drifts.retain(|d| !library(&d.rule.meta.file));
    Ok(program)
}

/// Binds a program to the standard built-ins.
pub fn bind(program: Program) -> Result<CompiledPolicy> {
    CompiledPolicy::new(program, Arc::new(plumb_stdlib::StdBuiltins))
        .map_err(|e| CliError::Policy(e.to_string()).into())
}
