//! Host facts and scan results: Ansible facts (`ansible`), osquery results
//! (`osquery`), InSpec JSON reports (`inspec`), XCCDF results (`xccdf`) and
//! plumb's own host baselines (`baseline`, docs/baseline.md).
//!
//! Facts become resources that rules check (`host`, `osquery_<query>`).
//! Scan results are findings another tool already made: each InSpec
//! control and XCCDF rule result is imported as a resource
//! (`inspec_control`, `xccdf_rule_result`), so rules can read them, and
//! [`scan_results`] turns them into plumb findings directly, so a scan's
//! failures appear in `plumb check` beside the rules' own.
//!
//! What the importers share lives here: format detection, JSON pointers,
//! NIST SP 800-53 references normalised to plumb's citations (`nist.AC-6(1)`,
//! checked against the embedded rev5 catalog), and severities.

use std::path::Path;
use std::sync::Arc;

use plumb_runtime::bytecode::{Response, Severity};
use plumb_runtime::eval::{Evidence, Finding, Report, Status, Subject};
use plumb_runtime::value::{Str, Value};
use plumb_runtime::{Resource, Source};
use plumb_stdlib::controls::{Framework, LookupError, lookup};
use serde_json::Value as Json;

use crate::Format;

pub mod ansible;
pub mod baseline;
pub mod inspec;
pub mod osquery;
pub mod xccdf;

/// Recognises a host source from its parsed top level (XCCDF is XML and is
/// told from its first byte instead).
pub fn detect(doc: &Json) -> Option<Format> {
    if baseline::looks_like(doc) {
        return Some(Format::Baseline);
    }
    if inspec::looks_like(doc) {
        return Some(Format::Inspec);
    }
    if osquery::looks_like(doc) {
        return Some(Format::Osquery);
    }
    if ansible::looks_like(doc) {
        return Some(Format::AnsibleFacts);
    }
    None
}

// ---------------------------------------------------------------------------
// Shared helpers.
// ---------------------------------------------------------------------------

pub(crate) fn source(file: &Path, format: &str, line: Option<u32>) -> Source {
    Source {
        file: Some(Str::from(file.display().to_string())),
        line,
        format: Some(Str::from(format)),
    }
}

/// One RFC 6901 reference token: `~` is `~0`, `/` is `~1`.
pub(crate) fn escape_pointer(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// `base` + `/key`, escaped.
pub(crate) fn pointer(base: &str, key: &str) -> String {
    format!("{base}/{}", escape_pointer(key))
}

/// What a JSON value is, for messages: "a list", "an object", ...
pub(crate) fn kind(v: &Json) -> &'static str {
    match v {
        Json::Null => "null",
        Json::Bool(_) => "a bool",
        Json::Number(_) => "a number",
        Json::String(_) => "a string",
        Json::Array(_) => "a list",
        Json::Object(_) => "an object",
    }
}

/// Whitespace runs (newlines included) as one space, and at most `max`
/// characters (an ellipsis marks a cut).
pub(crate) fn one_line(text: &str, max: usize) -> String {
    let mut out = String::with_capacity(text.len().min(max + 4));
    let mut count = 0_usize;
    for word in text.split_whitespace() {
        if !out.is_empty() {
            if count >= max {
                out.push('…');
                return out;
            }
            out.push(' ');
            count += 1;
        }
        for ch in word.chars() {
            if count >= max {
                out.push('…');
                return out;
            }
            out.push(ch);
            count += 1;
        }
    }
    out
}

/// `Rev_4`, `Rev4`, `rev 5`, `Rev_5`: the revision markers SAF profiles put
/// beside their NIST tags.
fn revision_marker(text: &str) -> bool {
    let lower = text.trim().to_ascii_lowercase();
    let Some(rest) = lower.strip_prefix("rev") else {
        return false;
    };
    let rest = rest.trim_start_matches(['_', ' ', '-', '.']);
    !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_digit())
}

/// NIST SP 800-53 references as written by scanners (`AC-6`, `AC-6 (1)`,
/// `AC-6(1)`, `SC-28 a`, `AC-17(a),CM-7(a)`, `Rev_4`) to plumb citations
/// (`nist.AC-6`, `nist.AC-6(1)`, `nist.SC-28`, `nist.AC-17`, `nist.CM-7`),
/// appended to `out` without repeats.
///
/// Each entry may hold several ids separated by `,` or `;`. A statement part
/// (`SC-28 a`) cites its control; a control withdrawn in rev5 cites the
/// controls it was incorporated into or moved to (rev4 profiles still cite
/// them: `SA-7` → `nist.CM-11`, `nist.SI-7`); revision markers and anything
/// that is not an entry of the embedded rev5 catalog are dropped.
pub fn nist_citations(raw: &str, out: &mut Vec<String>) {
    for part in raw.split([',', ';', '\n']) {
        let part = part.trim();
        if part.is_empty() || revision_marker(part) {
            continue;
        }
        for id in nist_ids(part) {
            let citation = format!("nist.{id}");
            if !out.contains(&citation) {
                out.push(citation);
            }
        }
    }
}

/// Whether `raw` reads as NIST ids only (each part an id, a statement part or
/// a withdrawn control): a `reference` without an `800-53` href is taken as
/// NIST only then.
pub(crate) fn all_nist(raw: &str) -> bool {
    let mut any = false;
    for part in raw.split([',', ';', '\n']) {
        let part = part.trim();
        if part.is_empty() {
            continue;
        }
        match lookup(Framework::Nist, part) {
            Ok(_) | Err(LookupError::StatementPart { control: Some(_) }) => any = true,
            Err(LookupError::Withdrawn { .. }) => any = true,
            Err(_) => return false,
        }
    }
    any
}

fn nist_ids(part: &str) -> Vec<String> {
    match lookup(Framework::Nist, part) {
        Ok(control) => vec![control.id.clone()],
        Err(LookupError::StatementPart {
            control: Some(enclosing),
        }) => match lookup(Framework::Nist, &enclosing) {
            Ok(control) => vec![control.id.clone()],
            Err(LookupError::Withdrawn { to, .. }) => active(&to),
            Err(_) => Vec::new(),
        },
        Err(LookupError::Withdrawn { to, .. }) => active(&to),
        Err(_) => Vec::new(),
    }
}

/// The targets of a withdrawn control that are active controls (a target
/// may be a whole family, `SR`, which is not a citation).
fn active(targets: &[String]) -> Vec<String> {
    targets
        .iter()
        .filter_map(|t| lookup(Framework::Nist, t).ok())
        .map(|c| c.id.clone())
        .collect()
}

/// A severity word as scanners write it: plumb's own words, `none`,
/// `informational`, `moderate`, `minor`/`major`, DISA's `CAT I`..`CAT III`.
pub fn severity_word(word: &str) -> Option<Severity> {
    let lower = word.trim().to_ascii_lowercase();
    let lower = lower.split_whitespace().collect::<Vec<_>>().join(" ");
    Some(match lower.as_str() {
        "none" | "info" | "informational" => Severity::Info,
        "low" | "minor" | "cat iii" | "category iii" => Severity::Low,
        "medium" | "moderate" | "cat ii" | "category ii" => Severity::Medium,
        "high" | "major" | "important" | "cat i" | "category i" => Severity::High,
        "critical" => Severity::Critical,
        _ => return None,
    })
}

/// InSpec's impact (0.0 to 1.0) as a severity, with InSpec's own bands:
/// below 0.01 none (info), below 0.4 low, below 0.7 medium, below 0.9
/// high, from 0.9 critical.
pub fn severity_from_impact(impact: f64) -> Severity {
    if impact < 0.01 {
        Severity::Info
    } else if impact < 0.4 {
        Severity::Low
    } else if impact < 0.7 {
        Severity::Medium
    } else if impact < 0.9 {
        Severity::High
    } else {
        Severity::Critical
    }
}

// ---------------------------------------------------------------------------
// Scan results as findings.
// ---------------------------------------------------------------------------

/// The findings a set of imported scan results makes, and how many results
/// passed or were skipped: what `plumb check` adds to its own report.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ScanResults {
    /// Sorted by rule name, then resource order (like the evaluator's).
    pub findings: Vec<Finding>,
    pub passed: usize,
    pub failed: usize,
    pub indeterminate: usize,
    pub errors: usize,
    /// Not applicable, not checked, not selected, informational, skipped,
    /// waived, or without results.
    pub skipped: usize,
    /// Scan results read (the sum of the five counts).
    pub results: usize,
}

impl ScanResults {
    /// Adds these results to an evaluator's report: counts, and findings
    /// merged so the report stays sorted by rule name (each rule's
    /// findings keep their order).
    pub fn add_to(self, report: &mut Report) {
        report.passed += self.passed;
        report.failed += self.failed;
        report.indeterminate += self.indeterminate;
        report.errors += self.errors;
        report.skipped += self.skipped;
        report.findings.extend(self.findings);
        // As the evaluator orders its own: rule name, package, then
        // resource type and id (stable, so equal ones keep their order).
        report.findings.sort_by(|a, b| {
            (&a.rule, &a.package, &a.resource.type_, &a.resource.id).cmp(&(
                &b.rule,
                &b.package,
                &b.resource.type_,
                &b.resource.id,
            ))
        });
    }
}

/// The resource types of imported scan results: what [`scan_results`]
/// reads. A loader that projects attributes keeps these whole.
pub const SCAN_TYPES: [&str; 3] = ["inspec_control", "inspec_profile", "xccdf_rule_result"];

/// What the scan results among `resources` say (other resources are
/// ignored): each failed InSpec control (`inspec_control`) or XCCDF rule
/// result (`xccdf_rule_result`) is a finding, and so is an InSpec profile
/// that failed to load (`inspec_profile`).
///
/// | source | finding | counted as |
/// | --- | --- | --- |
/// | InSpec control `failed` | fail | failed |
/// | InSpec control `error` | error | errors |
/// | InSpec control `passed` | - | passed |
/// | InSpec control `skipped`, `not_applicable`, `no_results`, waived | - | skipped |
/// | InSpec profile `failed` | error | errors |
/// | XCCDF `fail` | fail | failed |
/// | XCCDF `error` | error | errors |
/// | XCCDF `unknown` (or a result word XCCDF does not define) | indeterminate | indeterminate |
/// | XCCDF `pass`, `fixed` | - | passed |
/// | XCCDF `notapplicable`, `notchecked`, `notselected`, `informational` | - | skipped |
///
/// Rules are named `inspec.<profile>.<control id>` (`inspec.<profile>` for
/// a profile) and `xccdf.<rule idref>`; the package is the profile or the
/// benchmark id. The resources' attributes must be whole: a snapshot loaded
/// with a projection that drops them gives no findings.
pub fn scan_results(resources: &[Resource]) -> ScanResults {
    let mut out = ScanResults::default();
    for r in resources {
        let outcome = match r.type_.as_str() {
            "inspec_control" => inspec::outcome(r),
            "inspec_profile" => inspec::profile_outcome(r),
            "xccdf_rule_result" => xccdf::outcome(r),
            _ => continue,
        };
        let Some(outcome) = outcome else { continue };
        match outcome {
            Outcome::Passed => out.passed += 1,
            Outcome::Skipped => out.skipped += 1,
            Outcome::Finding(f) => {
                match f.status {
                    Status::Fail => out.failed += 1,
                    Status::Error => out.errors += 1,
                    Status::Indeterminate => out.indeterminate += 1,
                    Status::Pass => out.passed += 1,
                }
                out.findings.push(*f);
            }
        }
        out.results += 1;
    }
    out.findings.sort_by(|a, b| a.rule.cmp(&b.rule));
    out
}

/// The findings of [`scan_results`].
pub fn findings(resources: &[Resource]) -> Vec<Finding> {
    scan_results(resources).findings
}

/// What one scan result says.
pub(crate) enum Outcome {
    Passed,
    Skipped,
    Finding(Box<Finding>),
}

/// The parts of a finding that differ between scanners.
pub(crate) struct FindingParts {
    pub rule: String,
    pub package: String,
    pub status: Status,
    pub severity: Severity,
    pub controls: Vec<Str>,
    pub message: String,
    pub remediation: Option<String>,
    pub evidence: Vec<(String, Json)>,
    pub error: Option<String>,
}

pub(crate) fn finding(r: &Resource, parts: FindingParts) -> Outcome {
    Outcome::Finding(Box::new(Finding {
        rule: Str::from(parts.rule),
        package: Str::from(parts.package),
        rule_location: None,
        status: parts.status,
        severity: parts.severity,
        controls: Arc::from(parts.controls),
        response: Response::Review,
        resource: Subject {
            type_: r.type_.clone(),
            id: r.id.clone(),
            name: r.name.clone(),
            address: r.address.clone(),
            source: r.source.clone(),
        },
        message: parts.message,
        remediation: parts.remediation,
        condition: None,
        evidence: parts
            .evidence
            .into_iter()
            .map(|(path, value)| Evidence {
                value: (!r.is_sensitive(&json_path_pointer(&path)))
                    .then(|| Value::from_json(&value)),
                path: Str::from(path),
            })
            .collect(),
        error: parts.error,
    }))
}

/// `results[2].message` → `/results/2/message`, to test against the
/// resource's sensitive pointers.
fn json_path_pointer(path: &str) -> String {
    let mut out = String::new();
    for part in path.split('.') {
        match part.split_once('[') {
            Some((name, rest)) => {
                out.push('/');
                out.push_str(&escape_pointer(name));
                for index in rest.split('[') {
                    out.push('/');
                    out.push_str(index.trim_end_matches(']'));
                }
            }
            None => {
                out.push('/');
                out.push_str(&escape_pointer(part));
            }
        }
    }
    out
}

/// The string list at `key` of an attributes object.
pub(crate) fn str_list(attrs: &Json, key: &str) -> Vec<Str> {
    attrs
        .get(key)
        .and_then(Json::as_array)
        .map(|a| a.iter().filter_map(Json::as_str).map(Str::from).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests;
