//! Kubernetes objects: manifests and live objects, in YAML (one or more
//! documents) or JSON (`kubectl get -o json`), alone or in a `List`.
//!
//! Each object becomes one resource:
//!
//! - `type`: `k8s_` and the kind in snake_case (`Deployment` →
//!   `k8s_deployment`, `ClusterRoleBinding` → `k8s_cluster_role_binding`,
//!   `APIService` → `k8s_api_service`).
//! - `id` and `address`: `namespace/Kind/name` for namespaced objects,
//!   `Kind/name` for cluster-scoped ones (see [`cluster_scoped`]). A
//!   namespaced object without `metadata.namespace` (a manifest) is in
//!   `default`, where `kubectl apply` puts it without `-n`; the attributes
//!   are left as written, which is the record that the namespace was
//!   defaulted: [`namespace_defaulted`] reads it, and [`set_namespace`]
//!   re-keys such a resource into the namespace `kubectl apply -n NS`
//!   would put it in (what `plumb drift --namespace` does). A cluster-scoped object's namespace, if written,
//!   is ignored, as the API server ignores it. An object with
//!   `metadata.generateName` and no name is named by the prefix and `*`
//!   (`job-*`); its `name` is null.
//! - `name`: `metadata.name`. `provider`: `kubernetes`. `source`: the file,
//!   the line the object starts on, format `kubernetes`.
//! - `attributes`: the object exactly as written, with Kubernetes' own
//!   field names (`apiVersion`, `metadata`, `spec`, `status`...). YAML
//!   scalars are read the way kubectl reads them (YAML 1.1, go-yaml v2:
//!   `defaultMode: 0644` is 420, `yes` is true; see
//!   [`crate::yaml::Schema::Yaml11`]).
//! - `sensitive`: for a `Secret`, `/data`, `/stringData` and the
//!   `kubectl.kubernetes.io/last-applied-configuration` annotation (which
//!   holds a copy of the data), those of them it has.
//!
//! A `List` (`kind: List`, what `kubectl get -o json` prints for several
//! objects) and a typed list (`ServiceAccountList`: a kind ending in
//! `List`, with an `items` list and no `spec`, what the API returns) become
//! one resource per item, each with the line of its own item. Items of a
//! typed list may leave out `apiVersion` and `kind`: they are the list's
//! API version and its kind without `List`, and are added to the item's
//! attributes.

use std::path::Path;

use plumb_runtime::value::{Str, Value};
use plumb_runtime::{Resource, Source};
use serde_json::{Map, Value as Json};

use crate::yaml::{self, Position, Schema};
use crate::{ImportError, snake};

/// Whether a document is a Kubernetes object or list: it has a string
/// `apiVersion` and a string `kind`.
pub fn looks_like(doc: &Json) -> bool {
    doc.get("apiVersion").is_some_and(Json::is_string)
        && doc.get("kind").is_some_and(Json::is_string)
}

/// A JSON source (`kubectl get -o json`): `doc` is `bytes` parsed; the
/// bytes give each object's line.
pub fn import_json(file: &Path, bytes: &[u8], doc: &Json) -> Result<Vec<Resource>, ImportError> {
    let (root, items) = json_positions(bytes);
    let mut out = Vec::new();
    collect(file, doc, root, &|i| items.get(i).copied(), &mut out)?;
    Ok(out)
}

/// One YAML document.
pub fn import_yaml(file: &Path, doc: &yaml::Document) -> Result<Vec<Resource>, ImportError> {
    let root = Position {
        line: doc.line,
        column: doc.column,
    };
    let mut out = Vec::new();
    collect(
        file,
        doc.value_in(Schema::Yaml11),
        root,
        &|i| doc.position(&format!("/items/{i}")),
        &mut out,
    )?;
    Ok(out)
}

fn fail(file: &Path, at: Position, message: impl Into<String>) -> ImportError {
    ImportError {
        kind: crate::ImportErrorKind::Invalid,
        file: file.to_path_buf(),
        line: at.line,
        column: at.column,
        message: message.into(),
    }
}

/// A list: `kind: List`, or a typed list (`PodList`) with `items` and no
/// `spec` (a custom kind may end in `List` and be an object).
fn is_list(obj: &Map<String, Json>) -> bool {
    let Some(kind) = obj.get("kind").and_then(Json::as_str) else {
        return false;
    };
    kind == "List"
        || (kind.len() > 4
            && kind.ends_with("List")
            && obj.get("items").is_some_and(Json::is_array)
            && !obj.contains_key("spec"))
}

/// The resources of an object or a list (whose items may be lists too).
fn collect(
    file: &Path,
    doc: &Json,
    at: Position,
    item_at: &dyn Fn(usize) -> Option<Position>,
    out: &mut Vec<Resource>,
) -> Result<(), ImportError> {
    let Json::Object(obj) = doc else {
        return Err(fail(file, at, "a Kubernetes object must be a mapping"));
    };
    if !is_list(obj) {
        out.push(resource(file, obj, at)?);
        return Ok(());
    }
    let list_kind = obj.get("kind").and_then(Json::as_str).unwrap_or("List");
    let items = match obj.get("items") {
        None | Some(Json::Null) => return Ok(()),
        Some(Json::Array(items)) => items,
        Some(_) => {
            return Err(fail(
                file,
                at,
                format!("the items of a {list_kind} must be a list"),
            ));
        }
    };
    // A typed list's items may leave out their API version and kind.
    let implied = (list_kind != "List").then(|| {
        (
            obj.get("apiVersion").cloned(),
            list_kind.strip_suffix("List").unwrap_or(list_kind),
        )
    });
    for (i, item) in items.iter().enumerate() {
        let item_pos = item_at(i).unwrap_or(at);
        let Json::Object(fields) = item else {
            return Err(fail(
                file,
                item_pos,
                format!("item {i} of the {list_kind} is not a Kubernetes object (a mapping)"),
            ));
        };
        let mut fields = fields.clone();
        if let Some((api_version, kind)) = &implied {
            if !fields.contains_key("kind") {
                fields.insert("kind".into(), Json::String((*kind).to_string()));
            }
            if let Some(v) = api_version
                && !fields.contains_key("apiVersion")
            {
                fields.insert("apiVersion".into(), v.clone());
            }
        }
        if !fields.get("kind").is_some_and(Json::is_string) {
            return Err(fail(
                file,
                item_pos,
                format!("item {i} of the {list_kind} has no kind"),
            ));
        }
        // A list inside a list: its items have no positions of their own.
        collect(file, &Json::Object(fields), item_pos, &|_| None, out)?;
    }
    Ok(())
}

/// `apps/v1` → `apps`; `v1` → the core group, `""`.
fn group(api_version: &str) -> &str {
    api_version.rsplit_once('/').map_or("", |(g, _)| g)
}

/// Cluster-scoped kinds by API group: the built-in ones, and those of
/// widely used add-ons. `*` stands for every kind of the group. Any other
/// kind is taken to be namespaced.
const CLUSTER_SCOPED: &[(&str, &str)] = &[
    ("", "ComponentStatus"),
    ("", "Namespace"),
    ("", "Node"),
    ("", "PersistentVolume"),
    ("admissionregistration.k8s.io", "MutatingAdmissionPolicy"),
    (
        "admissionregistration.k8s.io",
        "MutatingAdmissionPolicyBinding",
    ),
    (
        "admissionregistration.k8s.io",
        "MutatingWebhookConfiguration",
    ),
    ("admissionregistration.k8s.io", "ValidatingAdmissionPolicy"),
    (
        "admissionregistration.k8s.io",
        "ValidatingAdmissionPolicyBinding",
    ),
    (
        "admissionregistration.k8s.io",
        "ValidatingWebhookConfiguration",
    ),
    ("apiextensions.k8s.io", "CustomResourceDefinition"),
    ("apiregistration.k8s.io", "APIService"),
    ("authentication.k8s.io", "SelfSubjectReview"),
    ("authentication.k8s.io", "TokenReview"),
    ("authorization.k8s.io", "SelfSubjectAccessReview"),
    ("authorization.k8s.io", "SelfSubjectRulesReview"),
    ("authorization.k8s.io", "SubjectAccessReview"),
    ("certificates.k8s.io", "CertificateSigningRequest"),
    ("certificates.k8s.io", "ClusterTrustBundle"),
    ("extensions", "PodSecurityPolicy"),
    ("flowcontrol.apiserver.k8s.io", "FlowSchema"),
    ("flowcontrol.apiserver.k8s.io", "PriorityLevelConfiguration"),
    ("internal.apiserver.k8s.io", "StorageVersion"),
    ("metrics.k8s.io", "NodeMetrics"),
    ("networking.k8s.io", "IPAddress"),
    ("networking.k8s.io", "IngressClass"),
    ("networking.k8s.io", "ServiceCIDR"),
    ("node.k8s.io", "RuntimeClass"),
    ("policy", "PodSecurityPolicy"),
    ("rbac.authorization.k8s.io", "ClusterRole"),
    ("rbac.authorization.k8s.io", "ClusterRoleBinding"),
    ("resource.k8s.io", "DeviceClass"),
    ("resource.k8s.io", "ResourceSlice"),
    ("scheduling.k8s.io", "PriorityClass"),
    ("storage.k8s.io", "CSIDriver"),
    ("storage.k8s.io", "CSINode"),
    ("storage.k8s.io", "StorageClass"),
    ("storage.k8s.io", "VolumeAttachment"),
    ("storage.k8s.io", "VolumeAttributesClass"),
    ("storagemigration.k8s.io", "StorageVersionMigration"),
    // Add-ons.
    ("cert-manager.io", "ClusterIssuer"),
    ("cilium.io", "CiliumClusterwideNetworkPolicy"),
    ("constraints.gatekeeper.sh", "*"),
    ("crd.projectcalico.org", "GlobalNetworkPolicy"),
    ("external-secrets.io", "ClusterExternalSecret"),
    ("external-secrets.io", "ClusterSecretStore"),
    ("gateway.networking.k8s.io", "GatewayClass"),
    ("karpenter.k8s.aws", "EC2NodeClass"),
    ("karpenter.sh", "NodeClaim"),
    ("karpenter.sh", "NodePool"),
    ("kyverno.io", "ClusterCleanupPolicy"),
    ("kyverno.io", "ClusterPolicy"),
    ("projectcalico.org", "GlobalNetworkPolicy"),
    ("security.openshift.io", "SecurityContextConstraints"),
    ("snapshot.storage.k8s.io", "VolumeSnapshotClass"),
    ("snapshot.storage.k8s.io", "VolumeSnapshotContent"),
    ("templates.gatekeeper.sh", "ConstraintTemplate"),
    ("wgpolicyk8s.io", "ClusterPolicyReport"),
];

/// Whether objects of a kind (in the API group of `api_version`) are
/// cluster-scoped.
pub fn cluster_scoped(api_version: &str, kind: &str) -> bool {
    let g = group(api_version);
    CLUSTER_SCOPED
        .iter()
        .any(|&(cg, ck)| cg == g && (ck == kind || ck == "*"))
}

/// The resource type of a kind: `k8s_` and the kind in snake_case; a
/// character that cannot be in a type name becomes `_`.
pub fn type_name(kind: &str) -> String {
    let snake: String = snake(kind)
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    format!("k8s_{snake}")
}

const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

fn resource(file: &Path, obj: &Map<String, Json>, at: Position) -> Result<Resource, ImportError> {
    let kind = match obj.get("kind") {
        Some(Json::String(k)) if !k.is_empty() => k.as_str(),
        _ => return Err(fail(file, at, "a Kubernetes object needs a kind")),
    };
    let api_version = obj.get("apiVersion").and_then(Json::as_str).unwrap_or("");
    let metadata = match obj.get("metadata") {
        None | Some(Json::Null) => None,
        Some(Json::Object(m)) => Some(m),
        Some(_) => {
            return Err(fail(
                file,
                at,
                format!("the metadata of this {kind} must be a mapping"),
            ));
        }
    };
    let text = |key: &str| -> Result<Option<&str>, ImportError> {
        match metadata.and_then(|m| m.get(key)) {
            None | Some(Json::Null) => Ok(None),
            Some(Json::String(s)) if s.is_empty() => Ok(None),
            Some(Json::String(s)) => Ok(Some(s.as_str())),
            Some(other) => {
                let hint = match other {
                    Json::Bool(_) => {
                        " (kubectl reads an unquoted yes, no, on, off, y or n as a boolean: quote it)"
                    }
                    Json::Number(_) => " (quote it)",
                    _ => "",
                };
                Err(fail(
                    file,
                    at,
                    format!("metadata.{key} of this {kind} must be a string, not {other}{hint}"),
                ))
            }
        }
    };
    let name = text("name")?;
    let shown_name = match (name, text("generateName")?) {
        (Some(n), _) => n.to_string(),
        (None, Some(prefix)) => format!("{prefix}*"),
        (None, None) => {
            return Err(fail(
                file,
                at,
                format!(
                    "this {kind} has no metadata.name (nor metadata.generateName): every Kubernetes object needs a name"
                ),
            ));
        }
    };
    let id = if cluster_scoped(api_version, kind) {
        format!("{kind}/{shown_name}")
    } else {
        let namespace = text("namespace")?.unwrap_or("default");
        format!("{namespace}/{kind}/{shown_name}")
    };
    let attributes = Value::from_json(&Json::Object(obj.clone()));
    let mut r = Resource::new(&type_name(kind), &id, attributes);
    r.name = name.map(Str::from);
    r.address = Some(Str::from(id.as_str()));
    r.provider = Some(Str::from("kubernetes"));
    r.source = Some(Source {
        file: Some(Str::from(file.display().to_string())),
        line: u32::try_from(at.line).ok(),
        format: Some(Str::from("kubernetes")),
    });
    if kind == "Secret" {
        r.sensitive = secret_pointers(obj, metadata);
    }
    Ok(r)
}

/// Whether this is a namespaced Kubernetes object whose manifest names no
/// namespace (its attributes, kept as written, have no
/// `metadata.namespace`): the importer put it in `default`, and
/// [`set_namespace`] may put it elsewhere.
pub fn namespace_defaulted(r: &Resource) -> bool {
    let from_kubernetes = r
        .source
        .as_ref()
        .and_then(|s| s.format.as_deref())
        .is_none_or(|f| f == "kubernetes");
    from_kubernetes
        && r.type_.starts_with("k8s_")
        && r.id.splitn(3, '/').count() == 3
        && matches!(
            r.attributes.field("metadata").field("namespace"),
            Value::Null
        )
}

/// Puts a resource whose manifest names no namespace
/// ([`namespace_defaulted`]) in `namespace`: its id and address become
/// `namespace/Kind/name`. The attributes are not changed. Any other
/// resource is left alone; returns whether it was re-keyed.
pub fn set_namespace(r: &mut Resource, namespace: &str) -> bool {
    if !namespace_defaulted(r) {
        return false;
    }
    let Some((_, rest)) = r.id.split_once('/') else {
        return false;
    };
    let id = Str::from(format!("{namespace}/{rest}"));
    r.address = Some(id.clone());
    r.id = id;
    true
}

/// What a Secret holds: its data, and the copy of it kubectl keeps in an
/// annotation.
fn secret_pointers(obj: &Map<String, Json>, metadata: Option<&Map<String, Json>>) -> Vec<String> {
    let mut out = Vec::new();
    for key in ["data", "stringData"] {
        if obj.get(key).is_some_and(|v| !v.is_null()) {
            out.push(format!("/{key}"));
        }
    }
    let annotated = metadata
        .and_then(|m| m.get("annotations"))
        .and_then(|a| a.get(LAST_APPLIED))
        .is_some();
    if annotated {
        out.push(format!(
            "/metadata/annotations/{}",
            LAST_APPLIED.replace('~', "~0").replace('/', "~1")
        ));
    }
    out
}

/// Where a JSON document's top-level value starts, and where each element
/// of its top-level `items` list does (the last `items`, as the parser
/// keeps the last of duplicate keys). One pass over the bytes; the JSON
/// is known to be valid. Columns count characters.
fn json_positions(bytes: &[u8]) -> (Position, Vec<Position>) {
    let (mut line, mut column) = (1usize, 0usize);
    let mut root = None;
    let mut depth = 0usize;
    let (mut in_string, mut escaped) = (false, false);
    // The start of the string being read, when it is a key of the top-level object.
    let mut key_start: Option<usize> = None;
    let mut expect_key = false;
    let mut key_is_items = false;
    let mut items_value_next = false;
    let mut in_items = false;
    let mut expect_element = false;
    let (mut items, mut current) = (Vec::new(), Vec::new());
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'\n' {
            line += 1;
            column = 0;
            continue;
        }
        if b & 0xC0 != 0x80 {
            column += 1;
        }
        if in_string {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
                if let Some(s) = key_start.take() {
                    key_is_items = bytes.get(s..i) == Some(b"items".as_slice());
                }
            }
            continue;
        }
        if b.is_ascii_whitespace() {
            continue;
        }
        let at = Position { line, column };
        root.get_or_insert(at);
        if expect_element {
            expect_element = false;
            if b != b']' {
                current.push(at);
            }
        }
        if items_value_next {
            items_value_next = false;
            if b == b'[' && depth == 1 {
                in_items = true;
                current = Vec::new();
                expect_element = true;
                depth += 1;
                continue;
            }
        }
        match b {
            b'"' => {
                in_string = true;
                if depth == 1 && expect_key {
                    key_start = Some(i + 1);
                    expect_key = false;
                }
            }
            b'{' | b'[' => {
                depth += 1;
                if depth == 1 && b == b'{' {
                    expect_key = true;
                }
            }
            b'}' | b']' => {
                if in_items && depth == 2 {
                    in_items = false;
                    items = std::mem::take(&mut current);
                }
                depth = depth.saturating_sub(1);
            }
            b',' if depth == 1 => expect_key = true,
            b',' if depth == 2 && in_items => expect_element = true,
            b':' if depth == 1 => {
                items_value_next = key_is_items;
                key_is_items = false;
            }
            _ => {}
        }
    }
    (root.unwrap_or(Position { line: 1, column: 1 }), items)
}

#[cfg(test)]
#[allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests"
)]
mod tests {
    use super::*;

    fn yaml(s: &str) -> Result<Vec<Resource>, ImportError> {
        let file = Path::new("m.yaml");
        let mut out = Vec::new();
        for doc in yaml::parse_documents(file, s.as_bytes())? {
            out.extend(import_yaml(file, &doc)?);
        }
        Ok(out)
    }

    #[test]
    fn a_defaulted_namespace_is_recorded_and_can_be_set() {
        let mut rs = yaml("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: b, namespace: default}\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: c}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: d, namespace: prod}\n").unwrap();
        let defaulted: Vec<bool> = rs.iter().map(namespace_defaulted).collect();
        assert_eq!(defaulted, [true, false, false, false]);
        let set: Vec<bool> = rs.iter_mut().map(|r| set_namespace(r, "team-a")).collect();
        assert_eq!(set, [true, false, false, false]);
        assert_eq!(rs[0].id, "team-a/ConfigMap/a");
        assert_eq!(rs[0].address.as_deref(), Some("team-a/ConfigMap/a"));
        assert_eq!(rs[1].id, "default/ConfigMap/b");
        assert_eq!(rs[2].id, "ClusterRole/c");
        assert_eq!(rs[3].id, "prod/Pod/d");
        // It still names none: it can be put elsewhere again.
        assert!(namespace_defaulted(&rs[0]));
        assert!(set_namespace(&mut rs[0], "other"));
        assert_eq!(rs[0].id, "other/ConfigMap/a");
    }

    fn ids(rs: &[Resource]) -> Vec<(String, String, u32)> {
        rs.iter()
            .map(|r| {
                (
                    r.type_.to_string(),
                    r.id.to_string(),
                    r.source.as_ref().and_then(|s| s.line).unwrap_or(0),
                )
            })
            .collect()
    }

    #[test]
    fn types() {
        assert_eq!(type_name("Deployment"), "k8s_deployment");
        assert_eq!(type_name("NetworkPolicy"), "k8s_network_policy");
        assert_eq!(type_name("ClusterRoleBinding"), "k8s_cluster_role_binding");
        assert_eq!(type_name("APIService"), "k8s_api_service");
        assert_eq!(type_name("CSIDriver"), "k8s_csi_driver");
        assert_eq!(type_name("EC2NodeClass"), "k8s_ec2_node_class");
        assert_eq!(type_name("K8sRequiredLabels"), "k8s_k8s_required_labels");
        assert_eq!(type_name("Odd-Kind.x"), "k8s_odd_kind_x");
    }

    #[test]
    fn ids_and_scopes() {
        let rs = yaml(
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: b\n  namespace: prod\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: c, namespace: ignored}\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: d}\n---\napiVersion: batch/v1\nkind: Job\nmetadata: {generateName: job-}\n---\napiVersion: example.com/v1\nkind: Namespace\nmetadata: {name: e}\n",
        )
        .unwrap();
        assert_eq!(
            ids(&rs),
            vec![
                ("k8s_config_map".into(), "default/ConfigMap/a".into(), 1),
                ("k8s_pod".into(), "prod/Pod/b".into(), 5),
                ("k8s_cluster_role".into(), "ClusterRole/c".into(), 11),
                ("k8s_namespace".into(), "Namespace/d".into(), 15),
                ("k8s_job".into(), "default/Job/job-*".into(), 19),
                ("k8s_namespace".into(), "default/Namespace/e".into(), 23),
            ]
        );
        assert_eq!(rs[0].name.as_deref(), Some("a"));
        assert_eq!(rs[4].name, None);
        assert_eq!(rs[0].address.as_deref(), Some("default/ConfigMap/a"));
        assert_eq!(rs[0].provider.as_deref(), Some("kubernetes"));
        // The namespace is not added to the attributes.
        assert_eq!(
            rs[0].attributes.to_json(),
            serde_json::json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}})
        );
    }

    #[test]
    fn lists() {
        let rs = yaml(
            "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Pod\n  metadata: {name: a, namespace: ns}\n-\n  apiVersion: v1\n  kind: List\n  items:\n  - {apiVersion: v1, kind: Secret, metadata: {name: s}}\n",
        )
        .unwrap();
        assert_eq!(
            ids(&rs),
            vec![
                ("k8s_pod".into(), "ns/Pod/a".into(), 4),
                ("k8s_secret".into(), "default/Secret/s".into(), 8),
            ]
        );
        let rs = yaml("apiVersion: v1\nkind: ServiceAccountList\nmetadata: {resourceVersion: '1'}\nitems:\n- metadata: {name: x, namespace: team}\n").unwrap();
        assert_eq!(
            ids(&rs),
            vec![(
                "k8s_service_account".into(),
                "team/ServiceAccount/x".into(),
                5
            )]
        );
        assert_eq!(
            rs[0].attributes.field("kind").to_json(),
            serde_json::json!("ServiceAccount")
        );
        assert_eq!(
            rs[0].attributes.field("apiVersion").to_json(),
            serde_json::json!("v1")
        );
        // A custom kind ending in List, with a spec, is an object.
        let rs =
            yaml("apiVersion: x.io/v1\nkind: AccessList\nmetadata: {name: a}\nspec: {items: []}\n")
                .unwrap();
        assert_eq!(
            ids(&rs),
            vec![("k8s_access_list".into(), "default/AccessList/a".into(), 1)]
        );
        assert!(
            yaml("apiVersion: v1\nkind: List\nitems: []\n")
                .unwrap()
                .is_empty()
        );
        let e = yaml("apiVersion: v1\nkind: List\nitems:\n- {metadata: {name: a}}\n").unwrap_err();
        assert_eq!((e.line, e.column), (4, 3));
        assert!(
            e.message.contains("item 0 of the List has no kind"),
            "{}",
            e.message
        );
    }

    #[test]
    fn secrets_are_sensitive() {
        let rs = yaml("apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\n  annotations:\n    kubectl.kubernetes.io/last-applied-configuration: '{}'\ndata: {k: dg==}\nstringData: {p: x}\n").unwrap();
        assert_eq!(
            rs[0].sensitive,
            vec![
                "/data",
                "/stringData",
                "/metadata/annotations/kubectl.kubernetes.io~1last-applied-configuration"
            ]
        );
        let rs =
            yaml("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {k: v}\n").unwrap();
        assert!(rs[0].sensitive.is_empty());
    }

    #[test]
    fn kubectl_reads_yaml_1_1() {
        let rs = yaml("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  volumes:\n  - secret: {defaultMode: 0400}\n  hostNetwork: yes\n").unwrap();
        let a = rs[0].attributes.to_json();
        assert_eq!(
            a["spec"]["volumes"][0]["secret"]["defaultMode"],
            serde_json::json!(256)
        );
        assert_eq!(a["spec"]["hostNetwork"], serde_json::json!(true));
    }

    #[test]
    fn bad_objects() {
        let e = yaml("apiVersion: v1\nkind: Pod\nspec: {}\n").unwrap_err();
        assert_eq!((e.line, e.column), (1, 1));
        assert!(e.message.contains("no metadata.name"), "{}", e.message);
        let e = yaml("apiVersion: v1\nkind: Pod\nmetadata: {name: a}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: [x]}\n").unwrap_err();
        assert_eq!(e.line, 5);
        assert!(e.message.contains("must be a string"), "{}", e.message);
        // As kubectl reads it, an unquoted `no` is false.
        let e =
            yaml("apiVersion: v1\nkind: Pod\nmetadata: {name: a, namespace: no}\n").unwrap_err();
        assert!(
            e.message.contains("not false (kubectl reads"),
            "{}",
            e.message
        );
        let e = yaml("apiVersion: v1\nkind: Pod\nmetadata: 5\n").unwrap_err();
        assert!(e.message.contains("must be a mapping"), "{}", e.message);
    }

    #[test]
    fn json_lines() {
        let text = "{\n  \"apiVersion\": \"v1\",\n  \"kind\": \"List\",\n  \"x\": {\"items\": [1]},\n  \"items\": [\n    {\"apiVersion\": \"v1\", \"kind\": \"Pod\", \"metadata\": {\"name\": \"a\", \"namespace\": \"n\"}},\n\n    {\"apiVersion\": \"v1\", \"kind\": \"Pod\",\n     \"metadata\": {\"name\": \"\\\"é\\\"\"}}\n  ]\n}\n";
        let (root, items) = json_positions(text.as_bytes());
        assert_eq!((root.line, root.column), (1, 1));
        assert_eq!(
            items.iter().map(|p| (p.line, p.column)).collect::<Vec<_>>(),
            vec![(6, 5), (8, 5)]
        );
        let doc: Json = serde_json::from_str(text).unwrap();
        let rs = import_json(Path::new("l.json"), text.as_bytes(), &doc).unwrap();
        assert_eq!(
            ids(&rs),
            vec![
                ("k8s_pod".into(), "n/Pod/a".into(), 6),
                ("k8s_pod".into(), "default/Pod/\"é\"".into(), 8),
            ]
        );
        let (_, items) = json_positions(b"{\"items\": []}");
        assert!(items.is_empty());
    }
}
