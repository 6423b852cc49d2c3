//! Classification: which drift block of a compiled policy an event
//! falls under (docs/drift.md, "Classifying drift with a policy").
//!
//! A block classifies an event when its selector names the event's type,
//! one of its `paths` covers the event's path, and its `when` guards do
//! not fail on the resource. Blocks are tried in declaration order (files
//! in the order they were compiled, blocks in file order); the first that
//! applies wins. An event no block takes is unclassified (`None`), never
//! dropped. A guard that cannot be decided (unknown, or an error) does not
//! let the event fall through to a later block: the block classifies it,
//! with [`Classification::undecided`] saying why (fail closed).
//!
//! A path pattern covers an event when the event's path matches it, or
//! the path is above what it matches and the changed value (either side)
//! has something there: a change of the whole `ingress` list holding
//! rules is a change of `ingress[*].cidr_blocks`, and an added container
//! is a change of `spec.**.image`, but a changed `serviceAccountName` is
//! not one of `spec.**.hostNetwork`. An added or deleted resource (the
//! empty path) is a change of everything in it, so every block that
//! selects its type covers it.

use std::collections::HashMap;

use plumb_runtime::Resource;
use plumb_runtime::bytecode::{Response, Severity};
use plumb_runtime::eval::CompiledPolicy;
use plumb_runtime::eval::blocks::{BlockEnv, Guard};
use plumb_runtime::value::Value;
use serde_json::json;

use crate::{DriftEvent, DriftKind};

/// The drift block that classified an event.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Classification {
    /// The block's name.
    pub drift: String,
    pub package: String,
    pub file: String,
    pub line: u32,
    pub severity: Severity,
    /// Normalised, framework-qualified: `nist.CM-6`.
    pub controls: Vec<String>,
    pub response: Response,
    /// The block's rendered `message`, or `NAME: drift of TYPE ID`.
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remediation: Option<String>,
    /// The block's `when` could not be decided for this resource (a value
    /// known only after apply, or an evaluation error): why. The block
    /// classifies the event all the same.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub undecided: Option<String>,
}

/// Classifies each event under the policy's drift blocks: one entry per
/// event, in order, `None` for an unclassified one. `declared` and
/// `actual` are the resources the events came from: a block runs on the
/// actual resource (the declared one for a deleted resource), and
/// `resources(...)` in a block yields the actual resources. `now` is the
/// evaluation time, seconds since the Unix epoch.
pub fn classify(
    policy: &CompiledPolicy,
    events: &[DriftEvent],
    declared: &[Resource],
    actual: &[Resource],
    now: f64,
) -> Vec<Option<Classification>> {
    let program = policy.program();
    if program.drifts.is_empty() {
        return vec![None; events.len()];
    }
    let env = BlockEnv::new(policy, actual, now);
    let (declared_index, actual_index) = (by_key(declared), by_key(actual));
    events
        .iter()
        .map(|e| {
            let key = (e.type_.as_str(), e.id.as_str());
            let found = match e.kind {
                DriftKind::Deleted => declared_index.get(&key).and_then(|&i| declared.get(i)),
                _ => actual_index
                    .get(&key)
                    .and_then(|&i| actual.get(i))
                    .or_else(|| declared_index.get(&key).and_then(|&i| declared.get(i))),
            };
            let stand_in;
            let resource = match found {
                Some(r) => r,
                None => {
                    // A baseline event names the host, not a resource of
                    // its own: the block reads what the event carries.
                    let value = e.actual.as_ref().or(e.declared.as_ref());
                    let attributes = match (e.path.is_empty(), value) {
                        (true, Some(v)) => Value::from_json(v),
                        _ => Value::from_json(&json!({})),
                    };
                    stand_in = Resource::new(&e.type_, &e.id, attributes);
                    &stand_in
                }
            };
            classify_one(&env, policy, e, resource)
        })
        .collect()
}

fn by_key(side: &[Resource]) -> HashMap<(&str, &str), usize> {
    side.iter()
        .enumerate()
        .map(|(i, r)| ((r.type_.as_str(), r.id.as_str()), i))
        .collect()
}

/// Whether `pattern` covers the event at `steps` (see the module doc).
fn covers_event(
    pattern: &plumb_runtime::pattern::PathPattern,
    steps: &[String],
    event: &DriftEvent,
) -> bool {
    let at = || steps.iter().map(String::as_str);
    if steps.is_empty() || pattern.matches(at()) {
        return true;
    }
    if !pattern.covers(at()) {
        return false;
    }
    let mut path: Vec<String> = steps.to_vec();
    [&event.declared, &event.actual]
        .into_iter()
        .flatten()
        .any(|v| reaches(pattern, &mut path, v, 0))
}

/// Whether some value inside `v` (at `path` and below) is at a path the
/// pattern matches.
fn reaches(
    pattern: &plumb_runtime::pattern::PathPattern,
    path: &mut Vec<String>,
    v: &serde_json::Value,
    depth: usize,
) -> bool {
    if pattern.matches(path.iter().map(String::as_str)) {
        return true;
    }
    // Values are bounded by the loaders' nesting limit; this is a guard.
    if depth > 256 || !pattern.covers(path.iter().map(String::as_str)) {
        return false;
    }
    let child = |path: &mut Vec<String>, key: String, c: &serde_json::Value| {
        path.push(key);
        let hit = reaches(pattern, path, c, depth + 1);
        path.pop();
        hit
    };
    match v {
        serde_json::Value::Object(o) => o.iter().any(|(k, c)| child(path, k.clone(), c)),
        serde_json::Value::Array(a) => a
            .iter()
            .enumerate()
            .any(|(i, c)| child(path, i.to_string(), c)),
        _ => false,
    }
}

fn classify_one(
    env: &BlockEnv<'_>,
    policy: &CompiledPolicy,
    event: &DriftEvent,
    resource: &Resource,
) -> Option<Classification> {
    let steps: Vec<String> = event
        .path
        .split('/')
        .skip(1)
        .map(|s| s.replace("~1", "/").replace("~0", "~"))
        .collect();
    for (d, block) in policy.program().drifts.iter().enumerate() {
        let rule = &block.rule;
        if !rule.meta.selector.iter().any(|p| p.matches(&event.type_)) {
            continue;
        }
        if !block.paths.iter().any(|p| covers_event(p, &steps, event)) {
            continue;
        }
        let run = env.run(d, resource);
        let undecided = match run.guard {
            Guard::Fails => continue,
            Guard::Holds => None,
            Guard::Unknown => Some("its `when` is unknown for this resource".to_string()),
            Guard::Error(e) => Some(format!("its `when` failed: {e}")),
        };
        return Some(Classification {
            drift: rule.meta.name.clone(),
            package: rule.meta.package.clone(),
            file: rule.meta.file.clone(),
            line: rule.meta.line,
            severity: rule.meta.severity,
            controls: rule.meta.controls.clone(),
            response: rule.meta.response,
            message: run.message.unwrap_or_else(|| {
                format!("{}: drift of {} {}", rule.meta.name, event.type_, event.id)
            }),
            remediation: run.remediation,
            undecided,
        });
    }
    None
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, reason = "tests")]
mod tests {
    use super::*;
    use plumb_runtime::value::{Object, Str};
    use std::sync::Arc;

    fn policy(src: &str) -> CompiledPolicy {
        let mut sources = plumb_compiler::SourceMap::new();
        sources.add("p.plumb", src);
        let (_, compiled) = plumb_compiler::compile(&sources);
        CompiledPolicy::new(
            compiled.unwrap().program,
            Arc::new(plumb_stdlib::StdBuiltins),
        )
        .unwrap()
    }

    fn event(kind: DriftKind, id: &str, path: &str) -> DriftEvent {
        DriftEvent {
            kind,
            type_: Str::from("aws_s3_bucket"),
            id: Str::from(id),
            address: Str::from(id),
            path: path.to_string(),
            declared: None,
            actual: None,
            declared_default: false,
            declared_source: None,
            actual_source: None,
            set_delta: None,
            written_by: Vec::new(),
        }
    }

    const POLICY: &str = "package t.classes\n\n\
        drift guarded on aws_s3_bucket {\n  paths versioning.**\n  severity high\n  controls nist.CM-3\n  \
        when attributes.env == \"prod\"\n  message \"{id} in {attributes.env}\"\n}\n\n\
        drift rest on aws_s3_bucket {\n  paths tags\n  severity low\n  controls nist.CM-8\n  response auto\n}\n";

    #[test]
    fn first_block_that_takes_the_event_wins_and_undecided_guards_still_classify() {
        let p = policy(POLICY);
        let bucket = |id: &str, env: Value| {
            Resource::new(
                "aws_s3_bucket",
                id,
                Value::object(Object::from_entries(vec![(Str::from("env"), env)])),
            )
        };
        let actual = vec![
            bucket("prod", Value::string("prod")),
            bucket("dev", Value::string("dev")),
            bucket("later", Value::Unknown(None)),
        ];
        let events = vec![
            event(DriftKind::Changed, "prod", "/versioning/0/enabled"),
            event(DriftKind::Changed, "dev", "/versioning/0/enabled"),
            event(DriftKind::Changed, "later", "/versioning"),
            event(DriftKind::Added, "dev", ""),
            event(DriftKind::Changed, "dev", "/tags/env"),
        ];
        let c = classify(&p, &events, &[], &actual, 0.0);
        let c0 = c[0].as_ref().unwrap();
        assert_eq!(
            (c0.drift.as_str(), c0.message.as_str()),
            ("guarded", "prod in prod")
        );
        assert_eq!(c0.undecided, None);
        // `when` false: on to the next block, whose paths do not cover it.
        assert_eq!(c[1], None);
        let c2 = c[2].as_ref().unwrap();
        assert_eq!(c2.drift, "guarded");
        assert!(c2.undecided.as_ref().unwrap().contains("unknown"), "{c2:?}");
        // A whole resource: the guard fails for dev, the next block takes it.
        let c3 = c[3].as_ref().unwrap();
        assert_eq!((c3.drift.as_str(), c3.response), ("rest", Response::Auto));
        assert_eq!(c3.message, "rest: drift of aws_s3_bucket dev");
        assert_eq!(c[4], None);
        assert_eq!(c.len(), events.len());
    }

    #[test]
    fn a_deleted_resource_is_read_from_the_declared_side() {
        let p = policy(POLICY);
        let declared = vec![Resource::new(
            "aws_s3_bucket",
            "gone",
            Value::from_json(&json!({"env": "prod"})),
        )];
        let c = classify(
            &p,
            &[event(DriftKind::Deleted, "gone", "")],
            &declared,
            &[],
            0.0,
        );
        assert_eq!(c[0].as_ref().unwrap().message, "gone in prod");
    }
}
