//! Who wrote a part of a live Kubernetes object, read from its
//! `metadata.managedFields` (server-side apply's field ownership): the
//! evidence that tells a trusted controller's write from a person's.
//!
//! A manager wrote the value at a path when its `fieldsV1` tree reaches
//! that path: `f:NAME` for an object's field, `k:{...}` for a list element
//! matched by its key fields, `v:VALUE` for an element of a set of
//! scalars, `i:N` for an element by index.

use plumb_runtime::Resource;
use plumb_runtime::value::{Str, Value};

/// The `managedFields` entries of one object: each manager's tree.
pub(crate) struct Owners {
    entries: Vec<(Str, Value)>,
}

impl Owners {
    /// The managers of `r`, or `None` when it has no `managedFields`.
    pub(crate) fn of(r: &Resource) -> Option<Owners> {
        let fields = r.attributes.field("metadata").field("managedFields");
        let Value::List(items) = fields else {
            return None;
        };
        let entries: Vec<(Str, Value)> = items
            .iter()
            .filter_map(|e| {
                let manager = e.field("manager");
                let name = manager.as_str()?;
                Some((Str::from(name), e.field("fieldsV1")))
            })
            .collect();
        (!entries.is_empty()).then_some(Owners { entries })
    }

    /// The managers (sorted, once each) whose fields reach `pointer` in
    /// `attributes` (the value there or something below it).
    pub(crate) fn writers(&self, attributes: &Value, pointer: &str) -> Vec<Str> {
        let steps: Vec<String> = pointer
            .split('/')
            .skip(1)
            .map(|s| s.replace("~1", "/").replace("~0", "~"))
            .collect();
        let mut out: Vec<Str> = self
            .entries
            .iter()
            .filter(|(_, tree)| reaches(tree, attributes, &steps))
            .map(|(m, _)| m.clone())
            .collect();
        out.sort();
        out.dedup();
        out
    }
}

impl Owners {
    /// The managers whose fields hold a list element keyed by this name
    /// (`k:{"name":"istio-proxy"}`) anywhere in the object.
    pub(crate) fn element_writers(&self, name: &str) -> Vec<Str> {
        let key = format!("k:{}", serde_json::json!({"name": name}));
        self.entries
            .iter()
            .filter(|(_, tree)| holds_key(tree, &key, 0))
            .map(|(m, _)| m.clone())
            .collect()
    }
}

fn holds_key(tree: &Value, key: &str, depth: usize) -> bool {
    let Value::Object(o) = tree else {
        return false;
    };
    depth < 64
        && o.iter()
            .any(|(k, v)| k == key || holds_key(v, key, depth + 1))
}

/// Whether a `fieldsV1` tree reaches the path `steps` of `value`.
fn reaches(tree: &Value, value: &Value, steps: &[String]) -> bool {
    let Some((step, rest)) = steps.split_first() else {
        return true;
    };
    let Value::Object(node) = tree else {
        return false;
    };
    match value {
        Value::List(items) => {
            let Some(element) = step.parse::<usize>().ok().and_then(|i| items.get(i)) else {
                return false;
            };
            node.iter().any(|(k, sub)| {
                element_key_matches(k, element, step) && reaches(sub, element, rest)
            })
        }
        _ => match node.get(&format!("f:{step}")) {
            Some(sub) => reaches(sub, &value.field(step), rest),
            None => false,
        },
    }
}

/// Whether a `fieldsV1` key names this list element.
fn element_key_matches(key: &str, element: &Value, index: &str) -> bool {
    if let Some(json) = key.strip_prefix("k:") {
        let Ok(serde_json::Value::Object(fields)) = serde_json::from_str::<serde_json::Value>(json)
        else {
            return false;
        };
        return !fields.is_empty()
            && fields.iter().all(|(f, v)| {
                element
                    .field(f)
                    .equals(&Value::from_json(v))
                    .unwrap_or(false)
            });
    }
    if let Some(json) = key.strip_prefix("v:") {
        return serde_json::from_str::<serde_json::Value>(json)
            .is_ok_and(|v| element.equals(&Value::from_json(&v)) == Some(true));
    }
    key.strip_prefix("i:") == Some(index)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests")]
    use super::*;

    fn object() -> Resource {
        let attrs = serde_json::json!({
            "metadata": {"managedFields": [
                {"manager": "kubectl-client-side-apply", "operation": "Update", "fieldsV1": {
                    "f:spec": {"f:replicas": {}, "f:template": {"f:spec": {"f:containers": {
                        "k:{\"name\":\"web\"}": {".": {}, "f:image": {}}
                    }}}}
                }},
                {"manager": "kubectl-edit", "operation": "Update", "fieldsV1": {
                    "f:spec": {"f:template": {"f:spec": {"f:hostNetwork": {}, "f:containers": {
                        "k:{\"name\":\"helper\"}": {".": {}, "f:image": {}, "f:name": {}}
                    }}}}
                }}
            ]},
            "spec": {"replicas": 2, "template": {"spec": {"hostNetwork": true, "containers": [
                {"name": "web", "image": "web:1"},
                {"name": "helper", "image": "evil/miner:latest"}
            ]}}}
        });
        Resource::new("k8s_deployment", "d", Value::from_json(&attrs))
    }

    #[test]
    fn managers_are_found_by_field_and_by_element_key() {
        let r = object();
        let o = Owners::of(&r).unwrap();
        let w = |p: &str| o.writers(&r.attributes, p);
        assert_eq!(w("/spec/replicas"), ["kubectl-client-side-apply"]);
        assert_eq!(w("/spec/template/spec/hostNetwork"), ["kubectl-edit"]);
        assert_eq!(w("/spec/template/spec/containers/1"), ["kubectl-edit"]);
        assert_eq!(
            w("/spec/template/spec/containers/0/image"),
            ["kubectl-client-side-apply"]
        );
        assert!(w("/spec/template/spec/serviceAccountName").is_empty());
        // Both wrote something under the template.
        assert_eq!(w("/spec/template").len(), 2);
    }
}
