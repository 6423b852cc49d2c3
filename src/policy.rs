//! Loading a policy for `check`, `compile` and `test`: rule files compiled
//! on the spot, or a `.plumbc` artifact.

use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use miette::Result;
use plumb_compiler::{Compiled, Level};
use plumb_runtime::eval::CompiledPolicy;

use crate::{CliError, render};

/// Compiles the rule files under `paths`. Diagnostics go to stderr;
/// errors stop here (exit 2: the policy, not the snapshot, is wrong).
pub fn compile_files(paths: &[PathBuf]) -> Result<Compiled> {
    let sources = crate::read_sources(paths)?;
    let (analysis, result) = plumb_compiler::compile(&sources);
    let color =
        io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let errors = analysis
        .diagnostics
        .iter()
        .filter(|d| d.level == Level::Error)
        .count();
    if errors > 0 {
        let stderr = io::stderr();
        let mut err = stderr.lock();
        for d in analysis
            .diagnostics
            .iter()
            .filter(|d| d.level == Level::Error)
        {
            let _ = render::text(&mut err, &sources, d, color);
        }
        let _ = err.flush();
    }
    match result {
        Ok(c) => Ok(c),
        Err(e) => Err(CliError::Policy(e.to_string()).into()),
    }
}

/// Reads a `.plumbc` artifact.
pub fn read_artifact(path: &Path) -> Result<plumb_runtime::bytecode::Program> {
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

/// Binds a program to the standard built-ins.
pub fn bind(program: plumb_runtime::bytecode::Program) -> Result<CompiledPolicy> {
    CompiledPolicy::new(program, Arc::new(plumb_stdlib::StdBuiltins))
        .map_err(|e| CliError::Policy(e.to_string()).into())
}
