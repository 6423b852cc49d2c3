//! Importers: each turns one source format into plumb's resource model
//! ([`plumb_runtime::Resource`]), so one rule set covers a resource
//! whichever source it came from. Pure: handed bytes, returns resources.
//!
//! Sources: Terraform / OpenTofu state version 4 and plan JSON, AWS Config
//! items, Azure ARM resources, Kubernetes objects, and host facts and scan
//! results (Ansible, osquery, InSpec, XCCDF, plumb baselines).
#![forbid(unsafe_code)]

pub mod aws_config;
pub mod azure;
pub mod cloudformation;
pub mod data;
pub mod host;
pub mod input;
mod json;
pub mod kubernetes;
pub mod reference;
pub mod terraform_plan;
pub mod terraform_state;
pub mod yaml;

use std::path::{Path, PathBuf};

use plumb_runtime::Resource;

/// Why a source could not be imported: the file, where, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{}: {message}", file.display(), position(*line, *column))]
pub struct ImportError {
    pub kind: ImportErrorKind,
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

/// What kind of import error: callers that read snapshots and sources
/// alike match on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ImportErrorKind {
    /// The file is not a valid source (syntax, shape, an unknown format).
    Invalid,
    /// The file is a plumb snapshot, not a source to import.
    AlreadySnapshot,
}

const ALREADY_A_SNAPSHOT: &str =
    "this is already a plumb snapshot: give it to `plumb check` as it is";

impl ImportError {
    /// The file is a plumb snapshot, not a source to import.
    pub fn is_snapshot(&self) -> bool {
        self.kind == ImportErrorKind::AlreadySnapshot
    }

    fn at(file: &Path, message: impl Into<String>) -> ImportError {
        ImportError {
            kind: crate::ImportErrorKind::Invalid,
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
    /// A Kubernetes object or `List` (manifest or live, YAML or JSON).
    Kubernetes,
    /// Ansible `setup` facts (ad-hoc output or the jsonfile fact cache).
    AnsibleFacts,
    /// osquery results (result log lines or `osqueryi --json` rows).
    Osquery,
    /// An InSpec JSON report.
    Inspec,
    /// plumb's host baseline (YAML; docs/baseline.md).
    Baseline,
    /// An AWS CloudFormation template (JSON or YAML), AWS Config
    /// conformance packs among them.
    CloudFormation,
    /// Reference data rather than resources: a compliance framework's
    /// mapping of requirements to checks (Prowler), or an AWS Config
    /// resource schema (property paths and their types).
    Reference,
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

/// A JSON value as a plumb value with every object key in `snake_case`,
/// in one pass.
pub(crate) fn snake_value(v: &serde_json::Value) -> plumb_runtime::Value {
    use plumb_runtime::value::{Object, Str, Value};
    match v {
        serde_json::Value::Object(o) => Value::object(Object::from_entries(
            o.iter()
                .map(|(k, v)| (Str::from(snake(k)), snake_value(v)))
                .collect(),
        )),
        serde_json::Value::Array(a) => Value::list(a.iter().map(snake_value).collect()),
        other => Value::from_json(other),
    }
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
    // Before osquery's rows, which are lists of objects too.
    if let serde_json::Value::Array(items) = doc
        && aws_config::looks_like_list(items)
    {
        return Some(Format::AwsConfig);
    }
    if azure::looks_like(doc) {
        return Some(Format::Azure);
    }
    if kubernetes::looks_like(doc) {
        return Some(Format::Kubernetes);
    }
    if let Some(format) = host::detect(doc) {
        return Some(format);
    }
    if cloudformation::looks_like(doc) {
        return Some(Format::CloudFormation);
    }
    if reference::looks_like(doc) {
        return Some(Format::Reference);
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
    if obj.contains_key("lineage")
        || obj.contains_key("terraform_version")
        || (obj.contains_key("format_version") && obj.contains_key("values"))
    {
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

/// Top-level keys (and key prefixes) of the JSON sources plumb reads, as
/// they appear in a file's first bytes: the CLI's cheap test of whether a
/// JSON object is a source to import or a plumb snapshot. A snapshot whose
/// attributes happen to hold one of these is still read as a snapshot
/// (through [`ImportError::is_snapshot`]), only more slowly.
const SOURCE_KEYS: &[&[u8]] = &[
    // Terraform state and plans.
    b"\"lineage\"",
    b"\"terraform_version\"",
    b"\"format_version\"",
    // AWS Config.
    b"\"configurationItem",
    b"\"baseConfigurationItems\"",
    b"\"QueryInfo\"",
    b"\"resourceType\"",
    // Azure.
    b"/providers/Microsoft.",
    b"\"totalRecords\"",
    // Kubernetes.
    b"\"apiVersion\"",
    // Ansible, osquery, InSpec (json and json-min), baselines.
    b"\"ansible_",
    b"\"hostIdentifier\"",
    b"\"diffResults\"",
    b"\"calendarTime\"",
    b"\"profiles\"",
    b"\"profile_id\"",
    b"\"platform\"",
    b"\"plumb_baseline\"",
    // CloudFormation, Prowler compliance mappings.
    b"\"AWSTemplateFormatVersion\"",
    b"\"Resources\"",
    b"\"Requirements\"",
];

/// Whether the first bytes of a JSON object name a source format's keys.
pub fn names_a_source_key(head: &[u8]) -> bool {
    SOURCE_KEYS
        .iter()
        .any(|k| memchr::memmem::find(head, k).is_some())
}

/// Parses a JSON source, with the error placed in the file.
pub fn parse_json(file: &Path, bytes: &[u8]) -> Result<serde_json::Value, ImportError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ImportError::at(file, "the file is empty"));
    }
    serde_json::from_slice::<json::Strict>(bytes)
        .map(|s| s.0)
        .map_err(|e| ImportError {
            kind: crate::ImportErrorKind::Invalid,
            file: file.to_path_buf(),
            line: e.line(),
            column: e.column(),
            message: strip_position(&e.to_string()),
        })
}

/// Imports one source file's bytes. The syntax is told from the first
/// byte and the name: `<` is XML (XCCDF results); `{` or `[`, or a file
/// named `*.json`, `*.tfstate`, `*.jsonl` or `*.ndjson`, is JSON (one
/// document, or one per line as osquery logs them); anything else is YAML
/// (Kubernetes manifests, plumb baselines). A file that starts like JSON
/// but is not JSON is read as YAML (flow style), unless its name says
/// JSON.
pub fn import(file: &Path, bytes: &[u8]) -> Result<Vec<Resource>, ImportError> {
    // A byte-order mark says UTF-8 or UTF-16. JSON parsers refuse it; the
    // YAML reader reads UTF-16, and the XML reader says to convert it.
    let utf16 = bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]);
    let xml16 = utf16 && bytes.get(2..4).is_some_and(|b| b.contains(&b'<'));
    if xml16 {
        return host::xccdf::import(file, bytes);
    }
    let text = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let Some(&first) = text.iter().find(|b| !b.is_ascii_whitespace()) else {
        return Err(ImportError::at(file, "the file is empty"));
    };
    if first == b'<' {
        return host::xccdf::import(file, bytes);
    }
    let bytes = if utf16 { bytes } else { text };
    let named = |exts: &[&str]| {
        file.extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| exts.iter().any(|x| e.eq_ignore_ascii_case(x)))
    };
    let json_named = named(&["json", "tfstate", "jsonl", "ndjson"]);
    match first {
        _ if json_named || first == b'{' || first == b'[' => {
            match parse_json_documents(file, bytes) {
                Ok(docs) => {
                    let mut out = Vec::new();
                    for (doc, line) in &docs {
                        out.extend(import_json(file, bytes, doc, docs.len() > 1).map_err(
                            |mut e| {
                                // An error about one line of a log names it.
                                if e.line == 0 && *line > 0 {
                                    e.line = *line;
                                    e.column = 1;
                                }
                                e
                            },
                        )?);
                    }
                    Ok(out)
                }
                // A file named `*.json` is JSON; another that starts like
                // JSON but is not may be YAML in flow style.
                Err(json_error) if json_named => Err(json_error),
                // A `*.yaml` file's YAML error; another file's JSON error.
                Err(json_error) => import_yaml(file, bytes).map_err(|yaml_error| {
                    if named(&["yaml", "yml"]) {
                        yaml_error
                    } else {
                        json_error
                    }
                }),
            }
        }
        _ => import_yaml(file, bytes),
    }
}

/// Every JSON document in the file: one, or one per line (JSON lines).
fn parse_json_documents(
    file: &Path,
    bytes: &[u8],
) -> Result<Vec<(serde_json::Value, usize)>, ImportError> {
    let first = parse_json(file, bytes);
    match first {
        Ok(doc) => Ok(vec![(doc, 0)]),
        Err(e) if e.message.starts_with("trailing characters") => {
            // One document per line (a result log): each keeps the line it
            // starts on, for the errors about it.
            let mut docs = Vec::new();
            let mut stream =
                serde_json::Deserializer::from_slice(bytes).into_iter::<json::Strict>();
            loop {
                let start = stream.byte_offset();
                let Some(doc) = stream.next() else { break };
                let doc = doc.map(|s| s.0).map_err(|e| ImportError {
                    kind: crate::ImportErrorKind::Invalid,
                    file: file.to_path_buf(),
                    line: e.line(),
                    column: e.column(),
                    message: strip_position(&e.to_string()),
                })?;
                let skipped = bytes
                    .get(start..)
                    .unwrap_or_default()
                    .iter()
                    .take_while(|b| b.is_ascii_whitespace())
                    .count();
                let line = 1 + memchr::memchr_iter(
                    b'\n',
                    bytes.get(..start + skipped).unwrap_or_default(),
                )
                .count();
                docs.push((doc, line));
            }
            Ok(docs)
        }
        Err(e) => Err(e),
    }
}

fn strip_position(t: &str) -> String {
    t.rfind(" at line ")
        .map_or(t.to_string(), |i| t.get(..i).unwrap_or(t).to_string())
}

/// One JSON document of a source file. `many`: the file holds several
/// (JSON lines), so only formats that are logged that way are accepted.
fn import_json(
    file: &Path,
    bytes: &[u8],
    doc: &serde_json::Value,
    many: bool,
) -> Result<Vec<Resource>, ImportError> {
    match detect(doc) {
        Some(Format::Osquery) => host::osquery::import(file, doc),
        Some(_) if many => Err(ImportError::at(
            file,
            "several JSON documents in one file: only osquery result logs are read that way",
        )),
        Some(Format::TerraformState) => terraform_state::import(file, doc),
        Some(Format::TerraformPlan) => terraform_plan::import(file, doc),
        Some(Format::AwsConfig) => aws_config::import(file, doc),
        Some(Format::Azure) => azure::import(file, doc),
        Some(Format::Kubernetes) => kubernetes::import_json(file, bytes, doc),
        Some(Format::AnsibleFacts) => host::ansible::import(file, doc),
        Some(Format::Inspec) => host::inspec::import(file, doc),
        Some(Format::Baseline) => host::baseline::import(file, doc),
        Some(Format::CloudFormation) => cloudformation::import(file, doc),
        Some(Format::Reference) => reference::import(file, doc),
        Some(Format::Snapshot) => Err(ImportError {
            kind: ImportErrorKind::AlreadySnapshot,
            ..ImportError::at(file, ALREADY_A_SNAPSHOT)
        }),
        None => Err(unrecognised(file, &describe_json(doc))),
    }
}

/// A YAML source: every document is a Kubernetes object (or `List`) or a
/// plumb baseline.
fn import_yaml(file: &Path, bytes: &[u8]) -> Result<Vec<Resource>, ImportError> {
    let docs = yaml::parse_documents(file, bytes)?;
    let mut out = Vec::new();
    for doc in &docs {
        if doc.value.is_null() {
            // `---` with nothing after it.
            continue;
        }
        match detect(&doc.value) {
            Some(Format::Kubernetes) => out.extend(kubernetes::import_yaml(file, doc)?),
            Some(Format::Baseline) => out.extend(host::baseline::import(file, &doc.value)?),
            Some(Format::CloudFormation) => out.extend(cloudformation::import_yaml(file, doc)?),
            _ => {
                return Err(ImportError {
                    kind: crate::ImportErrorKind::Invalid,
                    file: file.to_path_buf(),
                    line: doc.line,
                    column: 1,
                    message: format!(
                        "this YAML document is neither a Kubernetes object (apiVersion, kind), a CloudFormation template (Resources) nor a plumb baseline: it is {}",
                        describe(&doc.value, "YAML")
                    ),
                });
            }
        }
    }
    if out.is_empty() && docs.iter().all(|d| d.value.is_null()) {
        return Err(ImportError::at(file, "the file holds no YAML document"));
    }
    Ok(out)
}

/// What plumb reads, for the message about a file it does not.
pub const FORMATS_READ: &str = "Terraform/OpenTofu state (version 4), Terraform/OpenTofu plan JSON (format 0.1 to 1.x), AWS Config items, Azure ARM resources, Kubernetes objects, Ansible facts, osquery results, InSpec JSON reports, XCCDF results, plumb baselines, CloudFormation templates, Prowler compliance frameworks, AWS Config resource schemas and plumb snapshots";

fn unrecognised(file: &Path, what: &str) -> ImportError {
    ImportError::at(
        file,
        format!(
            "unrecognised source: it is {what}, which is none of the formats plumb reads: {FORMATS_READ}"
        ),
    )
}

/// A JSON document described in a few words.
pub fn describe_json(doc: &serde_json::Value) -> String {
    describe(doc, "JSON")
}

/// A document described in a few words, for a message about a file that
/// is not what plumb reads: `a JSON object with top-level keys `a`, `b``,
/// `a YAML list of 3 strings`.
pub fn describe(doc: &serde_json::Value, syntax: &str) -> String {
    use serde_json::Value as Json;
    const SHOWN: usize = 8;
    match doc {
        Json::Object(o) if o.is_empty() => format!("an empty {syntax} object"),
        Json::Object(o) => {
            let mut keys: Vec<String> = o.keys().take(SHOWN).map(|k| format!("`{k}`")).collect();
            if o.len() > SHOWN {
                keys.push(format!("and {} more", o.len() - SHOWN));
            }
            let word = if syntax == "YAML" {
                "mapping"
            } else {
                "object"
            };
            let noun = if o.len() == 1 { "key" } else { "keys" };
            format!(
                "a {syntax} {word} with top-level {noun} {}",
                keys.join(", ")
            )
        }
        Json::Array(items) if items.is_empty() => format!("an empty {syntax} list"),
        Json::Array(items) => {
            let first = host::kind(items.first().unwrap_or(&Json::Null));
            let same = items.iter().all(|i| host::kind(i) == first);
            let what = if !same {
                "values of several kinds".to_string()
            } else {
                plural(first, items.len())
            };
            let n = items.len();
            let head = if syntax == "JSON" {
                "a JSON array"
            } else {
                "a YAML list"
            };
            match items.first() {
                Some(Json::Object(o)) if same => {
                    let keys: Vec<String> =
                        o.keys().take(SHOWN).map(|k| format!("`{k}`")).collect();
                    format!(
                        "{head} of {n} {what}, the first with keys {}",
                        keys.join(", ")
                    )
                }
                _ => format!("{head} of {n} {what}"),
            }
        }
        Json::String(_) => format!("a {syntax} string"),
        Json::Number(_) => format!("a {syntax} number"),
        Json::Bool(_) => format!("a {syntax} boolean"),
        Json::Null => format!("{syntax} null"),
    }
}

/// `a number` → `numbers`, `an object` → `objects` (`1 object`).
fn plural(kind: &str, n: usize) -> String {
    let noun = kind
        .strip_prefix("an ")
        .or_else(|| kind.strip_prefix("a "))
        .unwrap_or(kind);
    match (n, noun) {
        (1, _) => noun.to_string(),
        (_, "null") => "nulls".to_string(),
        (_, "list") => "lists".to_string(),
        _ => format!("{noun}s"),
    }
}

/// Resources as a plumb snapshot document (docs/snapshot.md), pretty
/// JSON without a final newline: what `plumb import` writes.
pub fn snapshot_json(resources: &[Resource]) -> serde_json::Result<String> {
    let doc = serde_json::json!({
        "snapshot_version": plumb_runtime::snapshot::SNAPSHOT_VERSION,
        "resources": resources.iter().map(Resource::to_json).collect::<Vec<_>>(),
    });
    serde_json::to_string_pretty(&doc)
}
