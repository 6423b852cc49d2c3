//! Importers: each turns one source format into plumb's resource model
//! ([`plumb_runtime::Resource`]), so one rule set covers a resource
//! whichever source it came from. Pure: handed bytes, returns resources.
//!
//! Today: Terraform / OpenTofu state version 4 and plan JSON. Kubernetes,
//! AWS Config, Azure and host facts follow (docs/known-issues.md).
#![forbid(unsafe_code)]

pub mod aws_config;
pub mod azure;
pub mod terraform_plan;
pub mod terraform_state;

use std::path::{Path, PathBuf};

use plumb_runtime::Resource;

/// Why a source could not be imported: the file, where, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{}: {message}", file.display(), position(*line, *column))]
pub struct ImportError {
    pub file: PathBuf,
    /// 1-based; 0 when there is no position.
    pub line: usize,
    pub column: usize,
    pub message: String,
}

fn position(line: usize, column: usize) -> String {
    if line == 0 {
        String::new()
    } else {
        format!(":{line}:{column}")
    }
}

impl ImportError {
    fn at(file: &Path, message: impl Into<String>) -> ImportError {
        ImportError {
            file: file.to_path_buf(),
            line: 0,
            column: 0,
            message: message.into(),
        }
    }
}

/// The source formats plumb recognises.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// plumb's own snapshot (`{"resources": [{type, id, attributes}]}`).
    Snapshot,
    TerraformState,
    TerraformPlan,
    AwsConfig,
    Azure,
}

/// `camelCase` / `PascalCase` / `HTTPTokens` to `snake_case`, as the
/// Terraform providers name attributes.
pub(crate) fn snake(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 4);
    let chars: Vec<char> = s.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if c.is_ascii_uppercase() {
            let prev = i.checked_sub(1).and_then(|j| chars.get(j));
            let prev_lower = prev.is_some_and(|p| p.is_ascii_lowercase() || p.is_ascii_digit());
            let next_lower = chars.get(i + 1).is_some_and(char::is_ascii_lowercase);
            if prev_lower || (prev.is_some_and(char::is_ascii_uppercase) && next_lower) {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// A JSON value with every object key in `snake_case`.
pub(crate) fn snake_keys(v: &serde_json::Value) -> serde_json::Value {
    match v {
        serde_json::Value::Object(o) => {
            serde_json::Value::Object(o.iter().map(|(k, v)| (snake(k), snake_keys(v))).collect())
        }
        serde_json::Value::Array(a) => serde_json::Value::Array(a.iter().map(snake_keys).collect()),
        other => other.clone(),
    }
}

/// Recognises a source from its parsed top level.
pub fn detect(doc: &serde_json::Value) -> Option<Format> {
    if azure::looks_like(doc) {
        return Some(Format::Azure);
    }
    let obj = doc.as_object()?;
    if obj.contains_key("format_version")
        && (obj.contains_key("resource_changes")
            || obj.contains_key("planned_values")
            || obj.contains_key("prior_state"))
    {
        return Some(Format::TerraformPlan);
    }
    if aws_config::looks_like(obj) {
        return Some(Format::AwsConfig);
    }
    if obj.contains_key("lineage") || obj.contains_key("terraform_version") {
        return Some(Format::TerraformState);
    }
    if obj
        .get("resources")
        .is_some_and(serde_json::Value::is_array)
    {
        return Some(Format::Snapshot);
    }
    None
}

/// Parses a JSON source, with the error placed in the file.
pub fn parse_json(file: &Path, bytes: &[u8]) -> Result<serde_json::Value, ImportError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ImportError::at(file, "the file is empty"));
    }
    serde_json::from_slice(bytes).map_err(|e| ImportError {
        file: file.to_path_buf(),
        line: e.line(),
        column: e.column(),
        message: {
            let t = e.to_string();
            t.rfind(" at line ")
                .map_or(t.clone(), |i| t.get(..i).unwrap_or(&t).to_string())
        },
    })
}

/// Imports one source file's bytes.
pub fn import(file: &Path, bytes: &[u8]) -> Result<Vec<Resource>, ImportError> {
    let doc = parse_json(file, bytes)?;
    match detect(&doc) {
        Some(Format::TerraformState) => terraform_state::import(file, &doc),
        Some(Format::TerraformPlan) => terraform_plan::import(file, &doc),
        Some(Format::AwsConfig) => aws_config::import(file, &doc),
        Some(Format::Azure) => azure::import(file, &doc),
        Some(Format::Snapshot) => Err(ImportError::at(
            file,
            "this is already a plumb snapshot: give it to `plumb check` as it is",
        )),
        None => Err(ImportError::at(
            file,
            "unrecognised source: plumb imports Terraform/OpenTofu state (version 4), plan JSON (format 1.x), AWS Config items and Azure ARM resources today",
        )),
    }
}
