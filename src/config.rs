//! `plumb.toml`: the project's configuration, read from the working
//! directory when it is there. Paths in it are relative to its directory.
//! An unknown key is an error, so a misspelt setting never goes unnoticed.

use std::path::{Path, PathBuf};

use miette::Result;
use serde::Deserialize;

use crate::error::CliError;

/// The file's name, looked for in the working directory.
pub const FILE: &str = "plumb.toml";

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Data files rules read with `data(...)`, before any `--data`.
    #[serde(default)]
    pub data: Vec<PathBuf>,
    /// Rule files compiled for their functions and constants only
    /// (`--lib`): their rules do not run.
    #[serde(default)]
    pub lib: Vec<PathBuf>,
    /// Control catalogs of the user's own, before any `--catalog`.
    #[serde(default)]
    pub catalogs: Vec<PathBuf>,
}

/// `plumb.toml` of the working directory, or the defaults without one.
pub fn load() -> Result<Config> {
    load_from(Path::new(FILE))
}

fn load_from(path: &Path) -> Result<Config> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Config::default()),
        Err(source) => {
            return Err(CliError::Read {
                path: path.display().to_string(),
                source,
            }
            .into());
        }
    };
    let mut config: Config = toml::from_str(&text).map_err(|e| CliError::Config {
        path: path.display().to_string(),
        message: e.to_string(),
    })?;
    let base = path.parent().unwrap_or(Path::new(""));
    let paths = config.data.iter_mut().chain(config.lib.iter_mut());
    for p in paths.chain(config.catalogs.iter_mut()) {
        if p.is_relative() {
            *p = base.join(&*p);
        }
    }
    Ok(config)
}
