//! Findings and reports: what the evaluator (and the scan-result
//! importers) hand to every later stage, as plain serde data.
//!
//! This module owns the shape of a finding; the report writers
//! (`plumb-report`) and the evidence store read it and never build their
//! own copies. It never evaluates anything.
//!
//! **API Boundary:** the JSON these types serialize to is the `findings`
//! part of `plumb check --format json` (docs/check-report.schema.json):
//! renaming a field is a breaking change of that document.

use std::fmt;
use std::sync::Arc;

use serde::ser::{SerializeStruct, Serializer};
use serde::{Deserialize, Serialize};

use crate::bytecode::{Response, Severity};
use crate::snapshot::Source;
use crate::value::{Str, Value};

/// What a rule decided for one resource, as reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Pass,
    Fail,
    /// The outcome depends on a value known only after apply.
    Indeterminate,
    /// Evaluation failed (a type error, a bad regex...).
    Error,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail => "fail",
            Status::Indeterminate => "indeterminate",
            Status::Error => "error",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Printed (and serialized) in place of a sensitive value.
pub const SENSITIVE: &str = "(sensitive)";

/// An attribute path a failing condition read, and what it found.
#[derive(Debug, Clone, PartialEq)]
pub struct Evidence {
    /// `ingress[*].from_port`
    pub path: Str,
    /// `None` when the value is sensitive.
    pub value: Option<Value>,
}

impl Serialize for Evidence {
    /// `{path, value, sensitive}`; a sensitive value is the string
    /// `(sensitive)`, never the value.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("Evidence", 3)?;
        st.serialize_field("path", self.path.as_str())?;
        match &self.value {
            Some(v) => st.serialize_field("value", v)?,
            None => st.serialize_field("value", SENSITIVE)?,
        }
        st.serialize_field("sensitive", &self.value.is_none())?;
        st.end()
    }
}

/// The resource a finding is about.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Subject {
    #[serde(rename = "type")]
    pub type_: Str,
    pub id: Str,
    pub name: Option<Str>,
    pub address: Option<Str>,
    pub source: Option<Source>,
}

impl Subject {
    /// The address where there is one, else `TYPE ID` (`snapshot` for a
    /// rule `on snapshot`): how text reports name a resource.
    pub fn label(&self) -> String {
        match &self.address {
            Some(a) => a.to_string(),
            None if self.type_.as_str() == "snapshot" && self.id.as_str() == "snapshot" => {
                "snapshot".to_string()
            }
            None => format!("{} {}", self.type_, self.id),
        }
    }
}

/// A place in a rule file: the file as it was named to the compiler and
/// a 1-based line.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Location {
    pub file: Str,
    pub line: u32,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file, self.line)
    }
}

/// The `require` that failed (or was indeterminate), as written.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Condition {
    pub text: Str,
    /// Its line in the rule's file.
    pub line: u32,
}

/// A rule's decision for one resource that did not pass.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    pub rule: Str,
    pub package: Str,
    /// Where the rule is written; `None` for findings another tool made
    /// (InSpec, XCCDF results).
    pub rule_location: Option<Location>,
    pub status: Status,
    pub severity: Severity,
    /// Shared by every finding of the rule.
    pub controls: Arc<[Str]>,
    pub response: Response,
    pub resource: Subject,
    pub message: String,
    pub remediation: Option<String>,
    pub condition: Option<Condition>,
    pub evidence: Vec<Evidence>,
    /// For status `error`: what went wrong.
    pub error: Option<String>,
}

/// What a rule decided for one resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Decision {
    Pass,
    Skip,
    Fail,
    Indeterminate,
    Error,
}

impl Decision {
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Pass => "pass",
            Decision::Skip => "skip",
            Decision::Fail => "fail",
            Decision::Indeterminate => "indeterminate",
            Decision::Error => "error",
        }
    }
}

/// One (rule, resource) decision, recorded when asked for (`plumb test`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct DecisionRecord {
    /// Index of the rule in the program.
    pub rule: usize,
    /// Index of the resource in the snapshot.
    pub resource: usize,
    pub decision: Decision,
}

/// The outcome of evaluating a policy over a snapshot.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Report {
    /// Every outcome that is not a pass, sorted by rule name, then the
    /// resource's type and id (input order only between equal ones).
    pub findings: Vec<Finding>,
    pub passed: usize,
    pub failed: usize,
    pub indeterminate: usize,
    pub errors: usize,
    /// (rule, resource) pairs a `when` guard left out.
    pub skipped: usize,
    pub resources: usize,
    /// Resource types present in the inputs that no rule selects, sorted:
    /// what this policy did not check at all.
    #[serde(default)]
    pub unchecked_types: Vec<Str>,
    /// With `EvalOptions::decisions`: every pair evaluated, in snapshot
    /// order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub decisions: Vec<DecisionRecord>,
}

impl Serialize for Value {
    /// As JSON; `Unknown` is the string `(known after apply)` (JSON has no
    /// such value), as in [`Value::to_json`].
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{SerializeMap, SerializeSeq};
        match self {
            Value::Null => s.serialize_unit(),
            Value::Bool(b) => s.serialize_bool(*b),
            Value::Number(_) => self.to_json().serialize(s),
            Value::String(x) => s.serialize_str(x),
            Value::List(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for v in items.iter() {
                    seq.serialize_element(v)?;
                }
                seq.end()
            }
            Value::Object(o) => {
                let mut map = s.serialize_map(None)?;
                for (k, v) in o.iter() {
                    map.serialize_entry(k.as_str(), v)?;
                }
                map.end()
            }
            Value::Unknown(_) => s.serialize_str("(known after apply)"),
        }
    }
}

impl Serialize for Source {
    /// `{file, line, format}`, each `null` when unknown.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("Source", 3)?;
        st.serialize_field("file", &self.file.as_deref())?;
        st.serialize_field("line", &self.line)?;
        st.serialize_field("format", &self.format.as_deref())?;
        st.end()
    }
}

impl fmt::Display for Source {
    /// `file:line`, `file`, or the format in parentheses when there is no
    /// file (`(aws-config)`); `(unknown source)` when nothing is known.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.file, self.line, &self.format) {
            (Some(file), Some(line), _) => write!(f, "{file}:{line}"),
            (Some(file), None, _) => f.write_str(file),
            (None, _, Some(format)) => write!(f, "({format})"),
            (None, _, None) => f.write_str("(unknown source)"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_display_as_file_and_line() {
        let s = |file: Option<&str>, line, format: Option<&str>| Source {
            file: file.map(Str::from),
            line,
            format: format.map(Str::from),
        };
        assert_eq!(s(Some("a.yaml"), Some(3), None).to_string(), "a.yaml:3");
        assert_eq!(s(Some("a.json"), None, None).to_string(), "a.json");
        assert_eq!(
            s(None, None, Some("aws-config")).to_string(),
            "(aws-config)"
        );
        assert_eq!(s(None, None, None).to_string(), "(unknown source)");
    }

    #[test]
    fn sensitive_evidence_never_serializes_its_value() {
        let e = Evidence {
            path: Str::from("password"),
            value: None,
        };
        let json = serde_json::to_value(&e).unwrap_or_default();
        assert_eq!(
            json,
            serde_json::json!({"path": "password", "value": "(sensitive)", "sensitive": true})
        );
    }

    #[test]
    fn values_serialize_as_their_json() {
        let v = Value::from_json(&serde_json::json!({"a": [1, 2.5, "x", null, true]}));
        assert_eq!(serde_json::to_value(&v).unwrap_or_default(), v.to_json());
        assert_eq!(
            serde_json::to_value(Value::Unknown(None)).unwrap_or_default(),
            serde_json::json!("(known after apply)")
        );
    }
}
