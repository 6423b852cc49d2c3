//! User control catalogs (`--catalog FILE`, plumb.toml's `catalogs`): each
//! file read and parsed here (JSON, or YAML with one document), checked by
//! `plumb-stdlib`, and handed to the compiler as one `Catalogs`. A file
//! that does not load stops the command (exit 2): a citation that cannot be
//! checked is never accepted.

use std::path::{Path, PathBuf};

use miette::Result;
use plumb_compiler::Catalogs;
use plumb_stdlib::controls::UserCatalog;
use serde_json::Value as Json;

use crate::error::CliError;

/// The built-in frameworks and the catalogs in `files` (a file named twice
/// is read once).
pub fn load(files: &[PathBuf]) -> Result<Catalogs> {
    let mut seen = std::collections::HashSet::new();
    let mut user = Vec::with_capacity(files.len());
    for path in files {
        if !seen.insert(path.canonicalize().unwrap_or_else(|_| path.clone())) {
            continue;
        }
        let name = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|source| CliError::Read {
            path: name.clone(),
            source,
        })?;
        let doc = parse(path, &bytes)?;
        let catalog =
            UserCatalog::from_json(&name, &doc).map_err(|e| CliError::Catalog(e.to_string()))?;
        user.push(catalog);
    }
    Catalogs::new(user).map_err(|e| CliError::Catalog(e.to_string()).into())
}

/// JSON if the file starts with `{` or `[`, else YAML (one document).
fn parse(path: &Path, bytes: &[u8]) -> Result<Json, CliError> {
    let text = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let first = text.iter().find(|b| !b.is_ascii_whitespace());
    if matches!(first, Some(b'{' | b'[')) {
        return plumb_ingest::parse_json(path, text).map_err(|e| CliError::Catalog(e.to_string()));
    }
    let docs = plumb_ingest::yaml::parse_documents(path, text)
        .map_err(|e| CliError::Catalog(e.to_string()))?;
    match <[_; 1]>::try_from(docs) {
        Ok([doc]) => Ok(doc.value),
        Err(docs) => Err(CliError::Catalog(format!(
            "control catalog `{}`: a catalog is one document, and this file has {}",
            path.display(),
            docs.len()
        ))),
    }
}
