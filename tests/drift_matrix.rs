//! The false-negative matrix of docs/drift.md: for each pair of sources and
//! each security category, a value added, removed and changed out of band
//! must each be reported. (The zero-noise side of the matrix is the
//! worked cases, the Argo CD and corpus pairs in tests/drift.rs.)
//!
//! Cloud categories run with plumb snapshots whose sources say what they
//! are (`terraform-state`, `aws-config`, `azure`), so the comparison rules
//! for complete and partial sources apply exactly as to imported files
//! (the importers' mapping is tested in tests/import.rs), and as a plan's
//! `resource_drift`. Kubernetes categories run with manifests and live
//! objects as kubectl writes them (JSON), with and without the
//! `managedFields` that name who wrote a change.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests"
)]

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{Value, json};

fn tmp(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("drift_matrix");
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

/// One category: a declared resource and three actual ones.
struct Cell {
    category: &'static str,
    type_: &'static str,
    /// Where its events must be (the event's path is this or below it).
    path: &'static str,
    base: Value,
    added: Value,
    removed: Value,
    changed: Value,
}

fn sg_rule(port: u16, cidr: &str) -> Value {
    json!({"from_port": port, "to_port": port, "protocol": "tcp", "cidr_blocks": [cidr]})
}

fn policy(statements: Value) -> Value {
    Value::String(json!({"Version": "2012-10-17", "Statement": statements}).to_string())
}

fn cloud_cells() -> Vec<Cell> {
    let assume = json!({"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"});
    let anyone = json!({"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"});
    let nsg = |name: &str, port: &str, source: &str| {
        json!({"name": name, "access": "Allow", "direction": "Inbound", "priority": 100, "protocol": "Tcp",
               "destination_port_range": port, "source_address_prefix": source})
    };
    vec![
        Cell {
            category: "network rules",
            type_: "aws_security_group",
            path: "/ingress",
            base: json!({"name": "app", "ingress": [sg_rule(443, "10.0.0.0/8")]}),
            added: json!({"name": "app", "ingress": [sg_rule(443, "10.0.0.0/8"), sg_rule(22, "0.0.0.0/0")]}),
            removed: json!({"name": "app", "ingress": []}),
            changed: json!({"name": "app", "ingress": [sg_rule(443, "0.0.0.0/0")]}),
        },
        Cell {
            category: "network ACLs",
            type_: "aws_network_acl",
            path: "/egress",
            base: json!({"vpc_id": "vpc-1", "egress": [sg_rule(443, "10.0.0.0/8")]}),
            added: json!({"vpc_id": "vpc-1", "egress": [sg_rule(443, "10.0.0.0/8"), sg_rule(0, "0.0.0.0/0")]}),
            removed: json!({"vpc_id": "vpc-1", "egress": []}),
            changed: json!({"vpc_id": "vpc-1", "egress": [sg_rule(443, "0.0.0.0/0")]}),
        },
        Cell {
            category: "policies (IAM)",
            type_: "aws_iam_role",
            path: "/assume_role_policy",
            base: json!({"name": "app", "assume_role_policy": policy(json!([assume]))}),
            added: json!({"name": "app", "assume_role_policy": policy(json!([assume, anyone]))}),
            removed: json!({"name": "app", "assume_role_policy": ""}),
            changed: json!({"name": "app", "assume_role_policy": policy(json!([anyone]))}),
        },
        Cell {
            category: "public access",
            type_: "aws_s3_bucket_public_access_block",
            path: "",
            base: json!({"bucket": "b", "block_public_acls": true, "block_public_policy": true}),
            added: json!({"bucket": "b", "block_public_acls": true, "block_public_policy": true, "restrict_public_buckets": false}),
            removed: json!({"bucket": "b", "block_public_acls": true, "block_public_policy": null}),
            changed: json!({"bucket": "b", "block_public_acls": false, "block_public_policy": true}),
        },
        Cell {
            category: "encryption",
            type_: "aws_ebs_volume",
            path: "",
            base: json!({"size": 10, "encrypted": true}),
            added: json!({"size": 10, "encrypted": true, "kms_key_id": "arn:aws:kms:eu-west-1:999999999999:key/x"}),
            removed: json!({"size": 10, "encrypted": null}),
            changed: json!({"size": 10, "encrypted": false}),
        },
        Cell {
            category: "logging",
            type_: "aws_cloudtrail",
            path: "",
            base: json!({"name": "t", "enable_logging": true, "is_multi_region_trail": true}),
            added: json!({"name": "t", "enable_logging": true, "is_multi_region_trail": true, "kms_key_id": "k"}),
            removed: json!({"name": "t", "enable_logging": true, "is_multi_region_trail": null}),
            changed: json!({"name": "t", "enable_logging": false, "is_multi_region_trail": true}),
        },
        Cell {
            category: "network rules (Azure)",
            type_: "azurerm_network_security_group",
            path: "/security_rule",
            base: json!({"name": "nsg", "security_rule": [nsg("https", "443", "10.0.0.0/8")]}),
            added: json!({"name": "nsg", "security_rule": [nsg("https", "443", "10.0.0.0/8"), nsg("rdp", "3389", "*")]}),
            removed: json!({"name": "nsg", "security_rule": []}),
            changed: json!({"name": "nsg", "security_rule": [nsg("https", "443", "*")]}),
        },
        Cell {
            category: "public access (Azure)",
            type_: "azurerm_storage_account",
            path: "",
            base: json!({"name": "sa", "public_network_access_enabled": false, "min_tls_version": "TLS1_2"}),
            added: json!({"name": "sa", "public_network_access_enabled": false, "min_tls_version": "TLS1_2", "allow_nested_items_to_be_public": true}),
            removed: json!({"name": "sa", "public_network_access_enabled": false, "min_tls_version": null}),
            changed: json!({"name": "sa", "public_network_access_enabled": true, "min_tls_version": "TLS1_2"}),
        },
    ]
}

/// Runs `plumb drift --format json` and returns its events.
fn run(args: &[&str]) -> Vec<Value> {
    let out = Command::new(env!("CARGO_BIN_EXE_plumb"))
        .args(["drift", "--format", "json"])
        .args(args)
        .output()
        .unwrap();
    let doc: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    doc["events"].as_array().unwrap().clone()
}

fn snapshot(name: &str, type_: &str, attrs: &Value, format: Option<&str>) -> PathBuf {
    let mut r =
        json!({"type": type_, "id": "r1", "address": format!("{type_}.r1"), "attributes": attrs});
    if let Some(f) = format {
        r["source"] = json!({"file": name, "format": f});
    }
    let path = tmp(name);
    std::fs::write(
        &path,
        json!({"snapshot_version": 1, "resources": [r]}).to_string(),
    )
    .unwrap();
    path
}

fn plan(name: &str, type_: &str, before: &Value, after: &Value) -> PathBuf {
    let doc = json!({"format_version": "1.2", "planned_values": {"root_module": {}}, "resource_drift": [{
        "address": format!("{type_}.r1"), "mode": "managed", "type": type_, "name": "r1",
        "provider_name": "registry.terraform.io/hashicorp/aws",
        "change": {"actions": ["update"], "before": before, "after": after}
    }]});
    let path = tmp(name);
    std::fs::write(&path, doc.to_string()).unwrap();
    path
}

/// Whether some event is at `path` or below it (or a whole-resource one
/// for the empty path).
fn reported(events: &[Value], path: &str) -> bool {
    events.iter().any(|e| {
        let p = e["path"].as_str().unwrap_or_default();
        p == path || p.starts_with(&format!("{path}/")) || (path.is_empty() && !p.is_empty())
    })
}

#[test]
fn every_cloud_cell_is_reported() {
    let mut missed = Vec::new();
    let mut count = 0;
    for cell in cloud_cells() {
        let actual_format = if cell.type_.starts_with("azurerm_") {
            "azure"
        } else {
            "aws-config"
        };
        for (change, actual) in [
            ("added", &cell.added),
            ("removed", &cell.removed),
            ("changed", &cell.changed),
        ] {
            let stem = format!("{}-{change}", cell.type_);
            let pairs: Vec<(&str, Vec<Value>)> = vec![
                ("state ↔ AWS Config / Azure", {
                    let d = snapshot(
                        &format!("{stem}-d1.json"),
                        cell.type_,
                        &cell.base,
                        Some("terraform-state"),
                    );
                    let a = snapshot(
                        &format!("{stem}-a1.json"),
                        cell.type_,
                        actual,
                        Some(actual_format),
                    );
                    run(&[
                        "--declared",
                        d.to_str().unwrap(),
                        "--actual",
                        a.to_str().unwrap(),
                    ])
                }),
                ("state ↔ state", {
                    let d = snapshot(
                        &format!("{stem}-d2.json"),
                        cell.type_,
                        &cell.base,
                        Some("terraform-state"),
                    );
                    let a = snapshot(
                        &format!("{stem}-a2.json"),
                        cell.type_,
                        actual,
                        Some("terraform-state"),
                    );
                    run(&[
                        "--declared",
                        d.to_str().unwrap(),
                        "--actual",
                        a.to_str().unwrap(),
                    ])
                }),
                ("snapshot ↔ snapshot", {
                    let d = snapshot(&format!("{stem}-d3.json"), cell.type_, &cell.base, None);
                    let a = snapshot(&format!("{stem}-a3.json"), cell.type_, actual, None);
                    run(&[
                        "--declared",
                        d.to_str().unwrap(),
                        "--actual",
                        a.to_str().unwrap(),
                    ])
                }),
                ("plan resource_drift", {
                    let p = plan(&format!("{stem}-plan.json"), cell.type_, &cell.base, actual);
                    run(&[p.to_str().unwrap()])
                }),
            ];
            for (pair, events) in pairs {
                count += 1;
                if !reported(&events, cell.path) {
                    missed.push(format!("{pair}: {} {change}: {events:?}", cell.category));
                }
            }
        }
    }
    assert!(
        missed.is_empty(),
        "missed {} of {count} cells:\n{}",
        missed.len(),
        missed.join("\n")
    );
    assert_eq!(count, 8 * 3 * 4);
}

/// A Deployment with `spec` as given.
fn deployment(spec: &Value, managed: Option<&Value>) -> Value {
    let mut d = json!({"apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "app", "namespace": "prod"},
        "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "app"}},
                 "template": {"metadata": {"labels": {"app": "app"}}, "spec": spec}}});
    if let Some(fields) = managed {
        d["metadata"]["managedFields"] = json!([{"manager": "kubectl-edit", "operation": "Update",
            "apiVersion": "apps/v1", "fieldsType": "FieldsV1", "fieldsV1": fields}]);
    }
    d
}

/// The `fieldsV1` tree of a value: every field and list element (by
/// index) owned.
fn fields_of(v: &Value) -> Value {
    match v {
        Value::Object(o) => Value::Object(
            o.iter()
                .map(|(k, x)| (format!("f:{k}"), fields_of(x)))
                .collect(),
        ),
        Value::Array(a) => Value::Object(
            a.iter()
                .enumerate()
                .map(|(i, x)| (format!("i:{i}"), fields_of(x)))
                .collect(),
        ),
        _ => json!({}),
    }
}

fn container(name: &str, image: &str) -> Value {
    json!({"name": name, "image": image})
}

struct K8sCell {
    category: &'static str,
    kind: &'static str,
    path: &'static str,
    base: Value,
    added: Value,
    removed: Value,
    changed: Value,
}

fn k8s_cells() -> Vec<K8sCell> {
    let c = |sc: Value| json!({"containers": [{"name": "app", "image": "app:1", "securityContext": sc}]});
    let pod = |extra: Value| {
        let mut s = json!({"containers": [container("app", "app:1")]});
        for (k, v) in extra.as_object().unwrap() {
            s[k] = v.clone();
        }
        s
    };
    let tol = |value: &str| json!({"key": "dedicated", "operator": "Equal", "value": value, "effect": "NoSchedule"});
    let rule = |verbs: Value| json!({"apiGroups": [""], "resources": ["pods"], "verbs": verbs});
    let subject = |name: &str| json!({"kind": "ServiceAccount", "name": name, "namespace": "prod"});
    let role_ref =
        json!({"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "view"});
    vec![
        K8sCell {
            category: "container securityContext",
            kind: "Deployment",
            path: "/spec/template/spec/containers/0/securityContext",
            base: c(json!({"runAsNonRoot": true})),
            added: c(json!({"runAsNonRoot": true, "privileged": true})),
            removed: json!({"containers": [container("app", "app:1")]}),
            changed: c(json!({"runAsNonRoot": false})),
        },
        K8sCell {
            category: "host namespaces",
            kind: "Deployment",
            path: "/spec/template/spec",
            base: pod(json!({"hostNetwork": false})),
            added: pod(json!({"hostNetwork": false, "hostPID": true})),
            removed: pod(json!({})),
            changed: pod(json!({"hostNetwork": true})),
        },
        K8sCell {
            category: "hostPath volumes",
            kind: "Deployment",
            path: "/spec/template/spec/volumes",
            base: pod(json!({"volumes": [{"name": "data", "emptyDir": {}}]})),
            added: pod(
                json!({"volumes": [{"name": "data", "emptyDir": {}}, {"name": "root", "hostPath": {"path": "/"}}]}),
            ),
            removed: pod(json!({"volumes": []})),
            changed: pod(
                json!({"volumes": [{"name": "data", "hostPath": {"path": "/var/run/docker.sock"}}]}),
            ),
        },
        K8sCell {
            category: "service account",
            kind: "Deployment",
            path: "/spec/template/spec",
            base: pod(json!({"serviceAccountName": "app"})),
            added: pod(json!({"serviceAccountName": "app", "automountServiceAccountToken": true})),
            removed: pod(json!({})),
            changed: pod(json!({"serviceAccountName": "admin"})),
        },
        K8sCell {
            category: "tolerations",
            kind: "Deployment",
            path: "/spec/template/spec/tolerations",
            base: pod(json!({"tolerations": [tol("app")]})),
            added: pod(json!({"tolerations": [tol("app"), {"operator": "Exists"}]})),
            removed: pod(json!({"tolerations": []})),
            changed: pod(json!({"tolerations": [tol("other")]})),
        },
        K8sCell {
            category: "node placement",
            kind: "Deployment",
            path: "/spec/template/spec",
            base: pod(json!({"nodeSelector": {"pool": "app"}})),
            added: pod(json!({"nodeSelector": {"pool": "app"}, "nodeName": "control-plane-1"})),
            removed: pod(json!({"nodeSelector": {}})),
            changed: pod(json!({"nodeSelector": {"pool": "control-plane"}})),
        },
        K8sCell {
            category: "containers and images",
            kind: "Deployment",
            path: "/spec/template/spec/containers",
            base: json!({"containers": [container("app", "app:1"), container("log", "log:1")]}),
            added: json!({"containers": [container("app", "app:1"), container("log", "log:1"), container("miner", "evil/miner:latest")]}),
            removed: json!({"containers": [container("app", "app:1")]}),
            changed: json!({"containers": [container("app", "app:2"), container("log", "log:1")]}),
        },
        K8sCell {
            category: "RBAC rules",
            kind: "ClusterRole",
            path: "/rules",
            base: json!({"rules": [rule(json!(["get"]))]}),
            added: json!({"rules": [rule(json!(["get"])), {"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}]}),
            removed: json!({"rules": []}),
            changed: json!({"rules": [rule(json!(["*"]))]}),
        },
        K8sCell {
            category: "RBAC subjects",
            kind: "ClusterRoleBinding",
            path: "/subjects",
            base: json!({"roleRef": role_ref, "subjects": [subject("app")]}),
            added: json!({"roleRef": role_ref, "subjects": [subject("app"), {"kind": "User", "name": "mallory", "apiGroup": "rbac.authorization.k8s.io"}]}),
            removed: json!({"roleRef": role_ref, "subjects": []}),
            changed: json!({"roleRef": role_ref, "subjects": [subject("admin")]}),
        },
    ]
}

/// A Kubernetes object of `kind` whose body (spec, or rules/subjects) is
/// `body`.
fn object(kind: &str, body: &Value, managed: bool) -> Value {
    if kind == "Deployment" {
        let fields = managed.then(|| fields_of(&json!({"spec": {"template": {"spec": body}}})));
        return deployment(body, fields.as_ref());
    }
    let mut o = json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": kind, "metadata": {"name": "app"}});
    for (k, v) in body.as_object().unwrap() {
        o[k] = v.clone();
    }
    if managed {
        o["metadata"]["managedFields"] = json!([{"manager": "kubectl-edit", "operation": "Update",
            "apiVersion": "rbac.authorization.k8s.io/v1", "fieldsType": "FieldsV1", "fieldsV1": fields_of(body)}]);
    }
    o
}

#[test]
fn every_kubernetes_cell_is_reported_with_who_wrote_it_where_shown() {
    let mut missed = Vec::new();
    let mut count = 0;
    for cell in k8s_cells() {
        for (change, actual) in [
            ("added", &cell.added),
            ("removed", &cell.removed),
            ("changed", &cell.changed),
        ] {
            for managed in [false, true] {
                count += 1;
                let stem = format!("{}-{change}-{managed}", cell.category.replace(' ', "-"));
                let d = tmp(&format!("{stem}.manifest.json"));
                let a = tmp(&format!("{stem}.live.json"));
                std::fs::write(&d, object(cell.kind, &cell.base, false).to_string()).unwrap();
                std::fs::write(&a, object(cell.kind, actual, managed).to_string()).unwrap();
                let events = run(&[
                    "--declared",
                    d.to_str().unwrap(),
                    "--actual",
                    a.to_str().unwrap(),
                ]);
                let pair = if managed {
                    "manifest ↔ live with managedFields"
                } else {
                    "manifest ↔ live"
                };
                if !reported(&events, cell.path) {
                    missed.push(format!("{pair}: {} {change}: {events:?}", cell.category));
                    continue;
                }
                // Where the live object says who wrote a value that is
                // still there, the event names kubectl-edit.
                if managed && change != "removed" {
                    let named = events
                        .iter()
                        .any(|e| e["written_by"] == json!(["kubectl-edit"]));
                    if !named {
                        missed.push(format!(
                            "{pair}: {} {change}: no writer named: {events:?}",
                            cell.category
                        ));
                    }
                }
            }
        }
    }
    assert!(
        missed.is_empty(),
        "missed {} of {count} cells:\n{}",
        missed.len(),
        missed.join("\n")
    );
    assert_eq!(count, 9 * 3 * 2);
}

/// Host facts as Ansible writes them for `h1.example.com`.
fn host_facts(name: &str, extra: &Value) -> PathBuf {
    let mut facts = json!({"ansible_hostname": "h1", "ansible_fqdn": "h1.example.com",
        "ansible_system": "Linux"});
    for (k, v) in extra.as_object().unwrap() {
        facts[k] = v.clone();
    }
    let path = tmp(name);
    std::fs::write(&path, json!({"ansible_facts": facts}).to_string()).unwrap();
    path
}

fn passwd(users: &[(&str, u32)]) -> Value {
    Value::Object(
        users
            .iter()
            .map(|(n, uid)| {
                (
                    n.to_string(),
                    json!(["x", uid.to_string(), "0", "", "/", "/bin/sh"]),
                )
            })
            .collect(),
    )
}

fn listening(ports: &[u16]) -> Value {
    Value::Array(
        ports
            .iter()
            .map(|p| json!({"port": p, "protocol": "tcp", "name": "svc"}))
            .collect(),
    )
}

/// (category, baseline group body, path, base facts, added, removed,
/// changed facts); `None`: a cell plumb cannot tell yet.
type HostCell = (
    &'static str,
    &'static str,
    &'static str,
    Value,
    Option<Value>,
    Value,
    Value,
);

#[test]
fn every_host_cell_is_reported() {
    let cells: Vec<HostCell> = vec![
        (
            "users with uid 0",
            "    users:\n      root: {uid: 0}\n    exclusive: [users]\n",
            "/users",
            json!({"getent_passwd": passwd(&[("root", 0), ("daemon", 2)])}),
            Some(json!({"getent_passwd": passwd(&[("root", 0), ("daemon", 2), ("toor", 0)])})),
            json!({"getent_passwd": passwd(&[("daemon", 2)])}),
            json!({"getent_passwd": passwd(&[("root", 1000), ("daemon", 2)])}),
        ),
        (
            "listening ports",
            "    ports:\n      tcp/22: listening\n      tcp/23: closed\n    exclusive: [ports]\n",
            "/ports",
            json!({"tcp_listen": listening(&[22])}),
            Some(json!({"tcp_listen": listening(&[22, 4444])})),
            json!({"tcp_listen": listening(&[])}),
            json!({"tcp_listen": listening(&[22, 23])}),
        ),
        (
            "SSH configuration",
            "    sshd:\n      PermitRootLogin: \"no\"\n      PasswordAuthentication: \"no\"\n    exclusive: [sshd]\n",
            "/sshd",
            json!({"sshd": {"PermitRootLogin": "no", "PasswordAuthentication": "no"}}),
            Some(
                json!({"sshd": {"PermitRootLogin": "no", "PasswordAuthentication": "no", "PermitEmptyPasswords": "yes"}}),
            ),
            json!({"sshd": {"PermitRootLogin": "no"}}),
            json!({"sshd": {"PermitRootLogin": "yes", "PasswordAuthentication": "no"}}),
        ),
        (
            "sudoers",
            "    sudoers:\n      \"%wheel\": present\n      deploy: absent\n    exclusive: [sudoers]\n",
            "/sudoers",
            json!({"sudoers": {"%wheel": ["ALL=(ALL) ALL"]}}),
            Some(
                json!({"sudoers": {"%wheel": ["ALL=(ALL) ALL"], "mallory": ["ALL=(ALL) NOPASSWD: ALL"]}}),
            ),
            json!({"sudoers": {}}),
            json!({"sudoers": {"%wheel": ["ALL=(ALL) ALL"], "deploy": ["ALL=(ALL) NOPASSWD: ALL"]}}),
        ),
    ];
    let mut missed = Vec::new();
    let mut count = 0;
    for (category, body, path, base, added, removed, changed) in cells {
        let baseline = tmp(&format!("{}.baseline.yaml", category.replace(' ', "-")));
        std::fs::write(
            &baseline,
            format!("plumb_baseline: 1\ngroups:\n  all:\n    hosts: [h1.example.com]\n{body}"),
        )
        .unwrap();
        let quiet = host_facts(&format!("{}-base.json", category.replace(' ', "-")), &base);
        let events = run(&[
            "--declared",
            baseline.to_str().unwrap(),
            "--actual",
            quiet.to_str().unwrap(),
        ]);
        assert!(
            events.is_empty(),
            "{category}: the declared state itself drifts: {events:?}"
        );
        for (change, facts) in [
            ("added", added),
            ("removed", Some(removed)),
            ("changed", Some(changed)),
        ] {
            let Some(facts) = facts else { continue };
            count += 1;
            let file = host_facts(
                &format!("{}-{change}.json", category.replace(' ', "-")),
                &facts,
            );
            let events = run(&[
                "--declared",
                baseline.to_str().unwrap(),
                "--actual",
                file.to_str().unwrap(),
            ]);
            if !reported(&events, path) {
                missed.push(format!("baseline ↔ facts: {category} {change}: {events:?}"));
            }
        }
    }
    assert!(
        missed.is_empty(),
        "missed {} of {count} cells:\n{}",
        missed.len(),
        missed.join("\n")
    );
    assert_eq!(count, 12);
}

/// The same categories with native files: the Terraform state of
/// tests/drift/aws against its AWS Config snapshot, edited as AWS Config
/// would show each change.
#[test]
fn native_state_and_aws_config_cells_are_reported() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let declared = root.join("tests/drift/aws/declared.tfstate");
    let base: Value = serde_json::from_str(
        &std::fs::read_to_string(root.join("tests/drift/aws/actual.json")).unwrap(),
    )
    .unwrap();
    type Edit = fn(&mut Value);
    fn sup(d: &mut Value) -> &mut Value {
        &mut d["configurationItems"][0]["supplementaryConfiguration"]
    }
    fn group(d: &mut Value) -> &mut Value {
        &mut d["configurationItems"][1]["configuration"]["ipPermissions"]
    }
    fn policy_doc(d: &mut Value) -> Value {
        serde_json::from_str(sup(d)["BucketPolicy"]["policyText"].as_str().unwrap()).unwrap()
    }
    fn set_policy(d: &mut Value, p: &Value) {
        sup(d)["BucketPolicy"]["policyText"] = Value::String(p.to_string());
    }
    let cells: Vec<(&str, &str, &str, Edit)> = vec![
        ("network rules", "added", "/ingress", |d| {
            group(d).as_array_mut().unwrap().push(json!({"fromPort": 3389, "toPort": 3389,
                "ipProtocol": "tcp", "ipv4Ranges": [{"cidrIp": "0.0.0.0/0"}], "ipRanges": ["0.0.0.0/0"],
                "ipv6Ranges": [], "prefixListIds": [], "userIdGroupPairs": []}));
        }),
        ("network rules", "removed", "/ingress", |d| {
            *group(d) = json!([])
        }),
        ("network rules", "changed", "/ingress", |d| {
            group(d)[1]["ipv4Ranges"] = json!([{"cidrIp": "0.0.0.0/0"}]);
            group(d)[1]["ipRanges"] = json!(["0.0.0.0/0"]);
        }),
        ("bucket policy", "added", "/policy", |d| {
            let mut p = policy_doc(d);
            let first = p["Statement"].clone();
            p["Statement"] = json!([first, {"Sid": "Public", "Effect": "Allow", "Principal": "*",
                "Action": "s3:GetObject", "Resource": "arn:aws:s3:::acme-audit-logs/*"}]);
            set_policy(d, &p);
        }),
        ("bucket policy", "removed", "/policy", |d| {
            sup(d)["BucketPolicy"] = json!({"policyText": null})
        }),
        ("bucket policy", "changed", "/policy", |d| {
            let mut p = policy_doc(d);
            p["Statement"]["Effect"] = json!("Allow");
            set_policy(d, &p);
        }),
        (
            "encryption",
            "added",
            "/server_side_encryption_configuration",
            |d| {
                sup(d)["ServerSideEncryptionConfiguration"]["rules"][0]["applyServerSideEncryptionByDefault"]
                    ["kmsMasterKeyID"] = json!("arn:aws:kms:eu-west-1:999999999999:key/x");
            },
        ),
        (
            "encryption",
            "removed",
            "/server_side_encryption_configuration",
            |d| {
                sup(d)["ServerSideEncryptionConfiguration"] = json!({"rules": []});
            },
        ),
        (
            "encryption",
            "changed",
            "/server_side_encryption_configuration",
            |d| {
                sup(d)["ServerSideEncryptionConfiguration"]["rules"][0]["applyServerSideEncryptionByDefault"]
                    ["sseAlgorithm"] = json!("aws:kms");
            },
        ),
        ("logging", "removed", "/logging", |d| {
            sup(d)["BucketLoggingConfiguration"] =
                json!({"destinationBucketName": null, "logFilePrefix": null});
        }),
        ("logging", "changed", "/logging", |d| {
            sup(d)["BucketLoggingConfiguration"]["destinationBucketName"] = json!("evil-bucket");
        }),
    ];
    let mut missed = Vec::new();
    for (category, change, path, edit) in &cells {
        let mut actual = base.clone();
        edit(&mut actual);
        let file = tmp(&format!(
            "native-{}-{change}.json",
            category.replace(' ', "-")
        ));
        std::fs::write(&file, actual.to_string()).unwrap();
        let events = run(&[
            "--declared",
            declared.to_str().unwrap(),
            "--actual",
            file.to_str().unwrap(),
        ]);
        if !reported(&events, path) {
            missed.push(format!(
                "tfstate ↔ AWS Config: {category} {change}: {events:?}"
            ));
        }
    }
    assert!(missed.is_empty(), "missed:\n{}", missed.join("\n"));
}
