//! Drift detection: declared resources (Terraform state, Kubernetes
//! manifests, plumb baselines...) against actual ones (AWS Config items,
//! live objects, host facts, a plan's refresh), reported as
//! [`DriftEvent`]s: a resource added or deleted out of band, or an
//! attribute changed, each with a JSON-pointer path and both values.
//!
//! Noise (computed attributes, server defaults, spellings of one value) is
//! removed by the [`NoiseModel`], which is data: docs/drift.md.
#![forbid(unsafe_code)]

pub mod baseline;
mod canon;
pub mod classify;
mod diff;
mod folds;
mod managers;
pub mod namespaces;
pub mod noise;
pub mod report;

use std::collections::HashMap;
use std::fmt;

use plumb_runtime::value::{Str, Value};
use plumb_runtime::{Resource, Source};
use rayon::prelude::*;
use serde::Serialize;
use serde_json::{Value as Json, json};

pub use classify::{Classification, classify};
pub use namespaces::{NamespaceHint, apply_namespace, namespace_hints};
pub use noise::{Canon, NoiseError, NoiseModel};
pub use report::{DriftReport, RunOptions};

/// What kind of drift.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DriftKind {
    /// Present, but not declared: made out of band.
    Added,
    /// Declared, but not present: deleted out of band.
    Deleted,
    /// Present and declared, with an attribute that differs.
    Changed,
    /// Present and declared, with a security-relevant value (a field, a
    /// list element) only the actual side has: added out of band.
    Undeclared,
}

impl DriftKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DriftKind::Added => "added",
            DriftKind::Deleted => "deleted",
            DriftKind::Changed => "changed",
            DriftKind::Undeclared => "undeclared",
        }
    }
}

impl fmt::Display for DriftKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Printed in place of a sensitive value.
pub const REDACTED: &str = "(sensitive)";

/// One drift. Serialized as one event of `plumb drift --format json`
/// (docs/drift-report.schema.json); absent values are left out.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DriftEvent {
    pub kind: DriftKind,
    #[serde(rename = "type")]
    pub type_: Str,
    pub id: Str,
    /// The declared resource's address (or the actual one's, for an added
    /// resource), else its id.
    pub address: Str,
    /// A JSON pointer into the attributes; empty for a whole resource.
    pub path: String,
    /// The declared value (absent: not declared); sensitive parts redacted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub declared: Option<Json>,
    /// The actual value (absent: not there); sensitive parts redacted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actual: Option<Json>,
    /// `declared` is the type's known default: the declaration leaves the
    /// attribute out.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub declared_default: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub declared_source: Option<Source>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actual_source: Option<Source>,
    /// For a list compared as a set: what only one side has.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub set_delta: Option<SetDelta>,
    /// Who wrote the actual value, where the source shows it (a live
    /// Kubernetes object's `managedFields` managers: `kubectl-edit`, an
    /// operator), sorted.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub written_by: Vec<Str>,
}

/// The elements of a list compared as a set that only one side has,
/// canonical.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SetDelta {
    /// Only the actual side has these.
    #[serde(rename = "added_elements")]
    pub added: Vec<Json>,
    /// Only the declared side has these.
    #[serde(rename = "removed_elements")]
    pub removed: Vec<Json>,
}

impl DriftEvent {
    /// The event as its JSON value.
    pub fn to_json(&self) -> Json {
        serde_json::to_value(self).unwrap_or(Json::Null)
    }
}

/// Why drift could not be computed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DriftError {
    #[error("{side} resource {type_} `{id}` is given twice ({first} and {second})")]
    Duplicate {
        side: &'static str,
        type_: String,
        id: String,
        first: String,
        second: String,
    },
    #[error("baseline `{id}` ({at}): `{glob}` is not a glob pattern: {reason}")]
    BadGlob {
        id: String,
        glob: String,
        reason: String,
        at: String,
    },
}

/// Options for [`detect`].
#[derive(Debug, Clone)]
pub struct Options {
    pub threads: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options { threads: 1 }
    }
}

fn where_from(r: &Resource) -> String {
    match &r.source {
        Some(Source {
            file: Some(f),
            line: Some(l),
            ..
        }) => format!("{f}:{l}"),
        Some(Source { file: Some(f), .. }) => f.to_string(),
        _ => "an unnamed source".to_string(),
    }
}

fn index<'a>(
    side: &'static str,
    resources: &'a [Resource],
) -> Result<HashMap<(&'a str, &'a str), &'a Resource>, DriftError> {
    let mut map: HashMap<(&str, &str), &Resource> = HashMap::with_capacity(resources.len());
    for r in resources {
        if let Some(first) = map.insert((r.type_.as_str(), r.id.as_str()), r) {
            return Err(DriftError::Duplicate {
                side,
                type_: r.type_.to_string(),
                id: r.id.to_string(),
                first: where_from(first),
                second: where_from(r),
            });
        }
    }
    Ok(map)
}

/// The drift of `actual` against `declared`. Resources pair by type and
/// id. Events are sorted by address, type, id, kind and path, so the
/// output is the same at any thread count.
pub fn detect(
    declared: &[Resource],
    actual: &[Resource],
    model: &NoiseModel,
    options: &Options,
) -> Result<Vec<DriftEvent>, DriftError> {
    let declared_index = index("declared", declared)?;
    let actual_index = index("actual", actual)?;
    let mut rules: HashMap<&str, noise::TypeRules> = HashMap::new();
    for r in declared.iter().chain(actual) {
        rules
            .entry(r.type_.as_str())
            .or_insert_with(|| model.rules_for(&r.type_));
    }
    let mut events = Vec::new();
    let mut pairs = Vec::new();
    // Hosts a baseline covers: declared, though not as `host`.
    let mut covered: std::collections::HashSet<&str> = std::collections::HashSet::new();
    for d in declared {
        if d.type_.as_str() == BASELINE {
            let hosts = baseline_hosts(d, actual)?;
            if hosts.is_empty() && !d.id.starts_with("group:") {
                events.push(whole(DriftKind::Deleted, d));
            }
            for h in hosts {
                covered.insert(h.id.as_str());
                events.extend(baseline_events(d, h));
            }
            continue;
        }
        match actual_index.get(&(d.type_.as_str(), d.id.as_str())) {
            Some(a) => pairs.push((d, *a)),
            None => events.push(whole(DriftKind::Deleted, d)),
        }
    }
    for a in actual {
        if declared_index.contains_key(&(a.type_.as_str(), a.id.as_str()))
            || (a.type_.as_str() == HOST && covered.contains(a.id.as_str()))
        {
            continue;
        }
        let Some(r) = rules.get(a.type_.as_str()) else {
            continue;
        };
        if r.report_added && !unmanaged(r, a) {
            events.push(whole(DriftKind::Added, a));
        }
    }
    // Each worker keeps one automaton per type across the pairs it diffs.
    let rules = &rules;
    let sequential = || {
        let mut cache = Cache::new();
        pairs
            .iter()
            .map(|(d, a)| diff_one(&mut cache, rules, model, d, a))
            .collect()
    };
    let changed: Vec<Vec<DriftEvent>> = if options.threads > 1 && pairs.len() > 256 {
        match rayon::ThreadPoolBuilder::new()
            .num_threads(options.threads)
            .build()
        {
            Ok(pool) => pool.install(|| {
                pairs
                    .par_iter()
                    .with_min_len(256)
                    .map_init(Cache::new, |cache, (d, a)| {
                        diff_one(cache, rules, model, d, a)
                    })
                    .collect()
            }),
            Err(_) => sequential(),
        }
    } else {
        sequential()
    };
    events.extend(changed.into_iter().flatten());
    sort(&mut events);
    Ok(events)
}

/// A plumb baseline's declaration for one host (or a `match` group), and
/// the facts it is compared with (docs/baseline.md).
const BASELINE: &str = "host_baseline";
const HOST: &str = "host";

/// The actual hosts a baseline declares: the host of its id, or for a
/// `match` group every host whose id one of its globs matches.
fn baseline_hosts<'a>(
    b: &Resource,
    actual: &'a [Resource],
) -> Result<Vec<&'a Resource>, DriftError> {
    // The importer checks every glob; one from a snapshot written by hand
    // may still not compile, which is an error, not a group of no hosts.
    let field = b.attributes.field("match");
    let texts: Vec<&str> = match &field {
        Value::List(l) => l.iter().filter_map(Value::as_str).collect(),
        Value::String(s) => vec![s.as_str()],
        _ => Vec::new(),
    };
    let globs = texts
        .iter()
        .map(|g| {
            plumb_runtime::glob::Glob::new(g).map_err(|e| DriftError::BadGlob {
                id: b.id.to_string(),
                glob: g.to_string(),
                reason: e.reason,
                at: where_from(b),
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(actual
        .iter()
        .filter(|h| h.type_.as_str() == HOST)
        .filter(|h| {
            if globs.is_empty() {
                h.id == b.id
            } else {
                globs.iter().any(|g| g.matches(&h.id))
            }
        })
        .collect())
}

/// What a host's facts contradict in its baseline, as changed events.
/// Declarations the facts say nothing about are not drift.
fn baseline_events(b: &Resource, h: &Resource) -> Vec<DriftEvent> {
    baseline::compare(b, h)
        .deviations
        .into_iter()
        .map(|d| DriftEvent {
            kind: if d.undeclared {
                DriftKind::Undeclared
            } else {
                DriftKind::Changed
            },
            type_: b.type_.clone(),
            id: h.id.clone(),
            address: h.address.clone().unwrap_or_else(|| h.id.clone()),
            path: d.path,
            declared: (!d.undeclared).then_some(d.declared),
            actual: d.actual,
            declared_default: false,
            declared_source: b.source.clone(),
            actual_source: h.source.clone(),
            set_delta: None,
            written_by: Vec::new(),
        })
        .collect()
}

type Cache<'r> = HashMap<&'r str, noise::Dfa<'r>>;

fn diff_one<'r>(
    cache: &mut Cache<'r>,
    rules: &'r HashMap<&str, noise::TypeRules>,
    model: &NoiseModel,
    d: &Resource,
    a: &Resource,
) -> Vec<DriftEvent> {
    let Some((ty, r)) = rules.get_key_value(d.type_.as_str()) else {
        return Vec::new();
    };
    let dfa = cache.entry(ty).or_insert_with(|| noise::Dfa::new(r));
    changes(dfa, model, d, a)
}

/// The names of the list elements (containers, volumes) that the
/// injectors the tables know say, by their annotations on `r`, they
/// added.
fn injected_names(rules: &noise::TypeRules, r: &Resource) -> Vec<Str> {
    let mut names = Vec::new();
    if rules.injectors.is_empty() {
        return names;
    }
    let annotations = r.attributes.field("metadata").field("annotations");
    for injector in &rules.injectors {
        let value = annotations.field(&injector.annotation);
        if value.is_null() {
            continue;
        }
        names.extend(injector.names.iter().map(|n| Str::from(n.as_str())));
        if injector.lists.is_empty() {
            continue;
        }
        // The annotation's value is JSON text naming what was injected.
        let Some(text) = value.as_str() else { continue };
        let Ok(Json::Object(status)) = serde_json::from_str::<Json>(text) else {
            continue;
        };
        for list in &injector.lists {
            if let Some(Json::Array(items)) = status.get(list) {
                names.extend(items.iter().filter_map(Json::as_str).map(Str::from));
            }
        }
    }
    // The annotation says what the injector added; managedFields may say
    // someone edited it in by hand afterwards (the same container written
    // by `kubectl-edit`): that one was not injected.
    if let Some(owners) = managers::Owners::of(r) {
        names.retain(|n| {
            !owners
                .element_writers(n)
                .iter()
                .any(|m| rules.editors.iter().any(|e| e == m.as_str()))
        });
    }
    names
}

/// A plan's `resource_drift`: what Terraform found changed outside it
/// when it refreshed, as events under the same noise model.
pub fn plan_drift(
    entries: &[plumb_ingest::terraform_plan::DriftEntry],
    model: &NoiseModel,
) -> Vec<DriftEvent> {
    let mut events = Vec::new();
    for e in entries {
        match (&e.before, &e.after) {
            (Some(d), Some(a)) => {
                let r = model.rules_for(&d.type_);
                let mut dfa = noise::Dfa::new(&r);
                events.extend(changes(&mut dfa, model, d, a));
            }
            (Some(d), None) => events.push(whole(DriftKind::Deleted, d)),
            (None, Some(a)) => events.push(whole(DriftKind::Added, a)),
            (None, None) => {}
        }
    }
    sort(&mut events);
    events
}

/// The resources a plan's `resource_drift` compares: the `before` of
/// each entry (declared) and its `after` (actual), for [`classify`].
pub fn plan_sides(
    entries: &[plumb_ingest::terraform_plan::DriftEntry],
) -> (Vec<Resource>, Vec<Resource>) {
    (
        entries.iter().filter_map(|e| e.before.clone()).collect(),
        entries.iter().filter_map(|e| e.after.clone()).collect(),
    )
}

fn sort(events: &mut [DriftEvent]) {
    events.sort_by(|a, b| {
        (&a.address, &a.type_, &a.id, a.kind, &a.path)
            .cmp(&(&b.address, &b.type_, &b.id, b.kind, &b.path))
    });
}

fn unmanaged(rules: &noise::TypeRules, r: &Resource) -> bool {
    rules
        .unmanaged_if
        .iter()
        .any(|p| any_set(&r.attributes, &p.segments))
}

/// Whether some value at a path the segments match is set (not null, not
/// an empty list or object).
fn any_set(v: &Value, segs: &[noise::Seg]) -> bool {
    let children = |v: &Value, f: &mut dyn FnMut(&str, &Value) -> bool| -> bool {
        match v {
            Value::Object(o) => o.iter().any(|(k, c)| f(k, c)),
            Value::List(l) => l.iter().enumerate().any(|(i, c)| f(&i.to_string(), c)),
            _ => false,
        }
    };
    match segs.split_first() {
        None => match v {
            Value::Null => false,
            Value::List(l) => !l.is_empty(),
            Value::Object(o) => !o.is_empty(),
            _ => true,
        },
        Some((noise::Seg::Descendants, rest)) => {
            any_set(v, rest) || children(v, &mut |_, c| any_set(c, segs))
        }
        Some((seg, rest)) => children(v, &mut |k, c| seg.matches_step(k) && any_set(c, rest)),
    }
}

fn address(r: &Resource) -> Str {
    r.address.clone().unwrap_or_else(|| r.id.clone())
}

fn whole(kind: DriftKind, r: &Resource) -> DriftEvent {
    let value = Some(redact(&r.attributes, "", &r.sensitive));
    let (declared, actual, declared_source, actual_source) = match kind {
        DriftKind::Deleted => (value, None, r.source.clone(), None),
        _ => (None, value, None, r.source.clone()),
    };
    DriftEvent {
        kind,
        type_: r.type_.clone(),
        id: r.id.clone(),
        address: address(r),
        path: String::new(),
        declared,
        actual,
        declared_default: false,
        declared_source,
        actual_source,
        set_delta: None,
        written_by: Vec::new(),
    }
}

fn changes(
    dfa: &mut noise::Dfa<'_>,
    model: &NoiseModel,
    d: &Resource,
    a: &Resource,
) -> Vec<DriftEvent> {
    let format = |r: &Resource| {
        r.source
            .as_ref()
            .and_then(|s| s.format.as_deref())
            .map(str::to_string)
            .unwrap_or_default()
    };
    let partial = model.is_partial(&format(a));
    let complete = model.is_complete(&format(d)) && model.is_complete(&format(a));
    let injected = injected_names(dfa.rules(), a);
    let dfa_trusted: Vec<Str> = dfa
        .rules()
        .trusted_managers
        .iter()
        .map(|m| Str::from(m.as_str()))
        .collect();
    let mut differ = diff::Differ::new(dfa, partial, complete)
        .declared_complete(model.is_complete(&format(d)))
        .injected(injected);
    differ.run(&d.attributes, &a.attributes);
    let owners = managers::Owners::of(a);
    let trusted = &dfa_trusted;
    differ
        .changes
        .into_iter()
        .filter_map(|c| {
            let written_by = owners
                .as_ref()
                .map(|o| o.writers(&a.attributes, &c.path))
                .unwrap_or_default();
            // Written only by controllers the tables trust (an
            // autoscaler, the scheduler): not drift, by evidence.
            if !written_by.is_empty() && written_by.iter().all(|m| trusted.contains(m)) {
                return None;
            }
            Some((c, written_by))
        })
        .map(|(c, written_by)| DriftEvent {
            written_by,
            kind: if c.undeclared {
                DriftKind::Undeclared
            } else {
                DriftKind::Changed
            },
            type_: d.type_.clone(),
            id: d.id.clone(),
            address: address(d),
            declared: c
                .declared
                .as_ref()
                .map(|v| redact(v, &c.path, &d.sensitive)),
            actual: c.actual.as_ref().map(|v| redact(v, &c.path, &a.sensitive)),
            set_delta: c.set_delta.map(|(added, removed)| {
                let hidden = d
                    .sensitive
                    .iter()
                    .chain(&a.sensitive)
                    .any(|s| is_within(s, &c.path) || is_within(&c.path, s));
                let show = |v: Vec<Value>| -> Vec<Json> {
                    v.iter()
                        .map(|x| if hidden { json!(REDACTED) } else { x.to_json() })
                        .collect()
                };
                SetDelta {
                    added: show(added),
                    removed: show(removed),
                }
            }),
            path: c.path,
            declared_default: c.default,
            declared_source: d.source.clone(),
            actual_source: a.source.clone(),
        })
        .collect()
}

/// A value as JSON with every part at or under a sensitive pointer
/// replaced by [`REDACTED`]. `at` is the value's own pointer.
fn redact(v: &Value, at: &str, sensitive: &[String]) -> Json {
    if sensitive.iter().any(|s| is_within(at, s)) {
        return json!(REDACTED);
    }
    if !sensitive.iter().any(|s| is_within(s, at)) {
        return v.to_json();
    }
    match v {
        Value::Object(o) => Json::Object(
            o.iter()
                .map(|(k, x)| {
                    let p = format!("{at}/{}", k.replace('~', "~0").replace('/', "~1"));
                    (k.to_string(), redact(x, &p, sensitive))
                })
                .collect(),
        ),
        Value::List(l) => Json::Array(
            l.iter()
                .enumerate()
                .map(|(i, x)| redact(x, &format!("{at}/{i}"), sensitive))
                .collect(),
        ),
        other => other.to_json(),
    }
}

/// Whether pointer `p` is `base` or under it.
fn is_within(p: &str, base: &str) -> bool {
    p == base
        || (p.starts_with(base) && p.as_bytes().get(base.len()) == Some(&b'/'))
        || base.is_empty()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, reason = "tests")]
mod tests;
