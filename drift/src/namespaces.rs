//! Kubernetes namespaces in drift. A manifest that names no namespace is
//! applied to the namespace `kubectl apply -n NS` is given; plumb's
//! importer puts it in `default` and keeps the record that it named none
//! ([`plumb_ingest::kubernetes::namespace_defaulted`]). Here such
//! resources are re-keyed into the namespace `plumb drift --namespace`
//! names before pairing, and an added and a deleted object that differ
//! only by namespace are explained instead of left as two unrelated
//! events.

use plumb_ingest::kubernetes::{namespace_defaulted, set_namespace};
use plumb_runtime::Resource;
use plumb_runtime::value::Str;

use crate::{DriftEvent, DriftKind};

/// Puts every namespaced Kubernetes object that names no namespace in
/// `namespace` (cluster-scoped kinds and objects that name their own are
/// left alone). Returns how many were re-keyed. Call it on both sides
/// before [`crate::detect`].
pub fn apply_namespace(resources: &mut [Resource], namespace: &str) -> usize {
    resources
        .iter_mut()
        .map(|r| usize::from(set_namespace(r, namespace)))
        .sum()
}

/// A deleted and an added object of one kind and name, in two namespaces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamespaceHint {
    pub type_: Str,
    /// The declared object's id (`default/Deployment/web`) and the actual
    /// one's (`team-a/Deployment/web`).
    pub declared: Str,
    pub actual: Str,
    /// The namespace to give `--namespace`, when the declared object names
    /// none (so `--namespace` would pair them).
    pub suggest: Option<String>,
}

impl NamespaceHint {
    pub fn message(&self) -> String {
        let base = format!(
            "{} (declared) and {} (actual) differ only by namespace",
            self.declared, self.actual
        );
        match &self.suggest {
            Some(ns) => format!(
                "{base}: the manifest names no namespace; to compare it as applied with `kubectl apply -n {ns}`, use --namespace {ns}"
            ),
            None => format!("{base}: the manifest names its namespace"),
        }
    }
}

impl serde::Serialize for NamespaceHint {
    /// `{type, declared, actual, suggest_namespace, message}`.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("NamespaceHint", 5)?;
        st.serialize_field("type", self.type_.as_str())?;
        st.serialize_field("declared", self.declared.as_str())?;
        st.serialize_field("actual", self.actual.as_str())?;
        st.serialize_field("suggest_namespace", &self.suggest)?;
        st.serialize_field("message", &self.message())?;
        st.end()
    }
}

/// `namespace/Kind/name` split at its first `/`.
fn split(id: &str) -> Option<(&str, &str)> {
    id.split_once('/').filter(|(_, rest)| rest.contains('/'))
}

/// Hints for the deleted and added objects (events from [`crate::detect`])
/// that differ only by namespace, in event order. Each deleted object is
/// matched with at most one added one.
pub fn namespace_hints(events: &[DriftEvent], declared: &[Resource]) -> Vec<NamespaceHint> {
    let mut used = vec![false; events.len()];
    let mut hints = Vec::new();
    for d in events.iter().filter(|e| e.kind == DriftKind::Deleted) {
        if !d.type_.starts_with("k8s_") {
            continue;
        }
        let Some((d_ns, d_rest)) = split(&d.id) else {
            continue;
        };
        let found = events.iter().enumerate().find(|(i, a)| {
            a.kind == DriftKind::Added
                && a.type_ == d.type_
                && !used.get(*i).copied().unwrap_or(true)
                && split(&a.id).is_some_and(|(a_ns, a_rest)| a_rest == d_rest && a_ns != d_ns)
        });
        let Some((i, a)) = found else {
            continue;
        };
        if let Some(u) = used.get_mut(i) {
            *u = true;
        }
        let names_none = declared
            .iter()
            .find(|r| r.type_ == d.type_ && r.id == d.id)
            .is_some_and(namespace_defaulted);
        hints.push(NamespaceHint {
            type_: d.type_.clone(),
            declared: d.id.clone(),
            actual: a.id.clone(),
            suggest: names_none
                .then(|| split(&a.id).map(|(ns, _)| ns.to_string()))
                .flatten(),
        });
    }
    hints
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, reason = "tests")]
mod tests {
    use super::*;
    use plumb_runtime::value::Value;
    use serde_json::json;

    fn object(ns: Option<&str>) -> Resource {
        let meta = match ns {
            Some(ns) => json!({"metadata": {"name": "web", "namespace": ns}}),
            None => json!({"metadata": {"name": "web"}}),
        };
        let id = format!("{}/ConfigMap/web", ns.unwrap_or("default"));
        Resource::new("k8s_config_map", &id, Value::from_json(&meta))
    }

    #[test]
    fn a_manifest_naming_its_namespace_gets_no_suggestion() {
        let declared = vec![object(Some("prod")), object(None)];
        let actual = vec![object(Some("staging"))];
        let model = crate::NoiseModel::builtin().unwrap();
        let events =
            crate::detect(&declared[..1], &actual, &model, &crate::Options::default()).unwrap();
        let hints = namespace_hints(&events, &declared);
        assert_eq!(hints.len(), 1);
        assert_eq!(hints[0].suggest, None);
        assert!(
            hints[0]
                .message()
                .ends_with("the manifest names its namespace")
        );
        let events =
            crate::detect(&declared[1..], &actual, &model, &crate::Options::default()).unwrap();
        let hints = namespace_hints(&events, &declared);
        assert_eq!(hints[0].suggest.as_deref(), Some("staging"));
        let mut moved = declared.clone();
        assert_eq!(apply_namespace(&mut moved, "staging"), 1);
        let events =
            crate::detect(&moved[1..], &actual, &model, &crate::Options::default()).unwrap();
        assert!(events.is_empty(), "{events:?}");
    }
}
