//! Drift that must never be missed: privileges, network exposure and
//! access added out of band (docs/drift.md, "Security-relevant values").
//! Each case is one an attacker or a hurried engineer makes; each must be
//! reported, and the sidecar an injector says it added must not be.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests"
)]

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn tmp(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("drift_security");
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

/// `plumb drift --format json` of two files: the exit code and the events
/// as `KIND PATH`.
fn drift(declared: &Path, actual: &Path) -> (i32, Vec<String>, Value) {
    let out = Command::new(env!("CARGO_BIN_EXE_plumb"))
        .current_dir(root())
        .args(["drift", "--format", "json", "--declared"])
        .arg(declared)
        .arg("--actual")
        .arg(actual)
        .output()
        .unwrap();
    let doc: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    let events = doc["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            format!(
                "{} {}",
                e["kind"].as_str().unwrap(),
                e["path"].as_str().unwrap()
            )
        })
        .collect();
    (out.status.code().unwrap(), events, doc)
}

fn case(name: &str) -> PathBuf {
    root().join("tests/drift/security").join(name)
}

#[test]
fn a_deployment_run_privileged_on_the_host_network_with_a_miner() {
    let (code, events, doc) = drift(
        &case("deployment.manifest.yaml"),
        &case("deployment.live.yaml"),
    );
    assert_eq!(code, 1);
    assert_eq!(
        events,
        [
            "undeclared /spec/template/spec/containers/0/securityContext",
            "undeclared /spec/template/spec/containers/1",
            "undeclared /spec/template/spec/hostNetwork",
            "undeclared /spec/template/spec/securityContext",
            "undeclared /spec/template/spec/serviceAccountName",
        ],
        "{doc:#}"
    );
    let miner = &doc["events"][1]["actual"];
    assert_eq!(miner["image"], "evil/miner:latest");
    assert_eq!(doc["summary"]["undeclared"], 5);
    // Each names who wrote it: managedFields say kubectl-edit.
    for e in doc["events"].as_array().unwrap() {
        assert_eq!(e["written_by"], serde_json::json!(["kubectl-edit"]), "{e}");
    }
    // Scaled from 2 to 6 by the autoscaler (kube-controller-manager, a
    // trusted controller): not drift, by that evidence. Without the
    // evidence the same change is drift.
    let text = std::fs::read_to_string(case("deployment.live.yaml")).unwrap();
    let cut = text
        .find("  managedFields:")
        .and_then(|start| {
            text[start..]
                .find("\nspec:")
                .map(|end| (start, start + end + 1))
        })
        .unwrap();
    let without = tmp("deployment.no-managed-fields.yaml");
    std::fs::write(&without, format!("{}{}", &text[..cut.0], &text[cut.1..])).unwrap();
    let (_, events, doc) = drift(&case("deployment.manifest.yaml"), &without);
    assert!(
        events.contains(&"changed /spec/replicas".to_string()),
        "{doc:#}"
    );
    assert_eq!(events.len(), 6);
}

#[test]
fn a_toleration_of_every_taint_is_drift_and_the_admission_defaults_are_not() {
    let (code, events, doc) = drift(&case("pod.manifest.yaml"), &case("pod.live.yaml"));
    assert_eq!(code, 1);
    assert_eq!(events, ["undeclared /spec/tolerations"]);
    assert_eq!(
        doc["events"][0]["actual"],
        serde_json::json!([{"operator": "Exists"}])
    );
}

#[test]
fn a_headless_service_given_an_address_is_drift() {
    let (code, events, doc) = drift(&case("service.manifest.yaml"), &case("service.live.yaml"));
    assert_eq!(code, 1);
    assert_eq!(events, ["changed /spec/clusterIP"]);
    assert_eq!(doc["events"][0]["declared"], "None");
    assert_eq!(doc["events"][0]["actual"], "10.96.0.15");
}

#[test]
fn a_sidecar_its_injector_names_is_not_drift_and_the_same_one_unnamed_is() {
    let (code, events, _) = drift(&case("pod.manifest.yaml"), &case("pod.istio.live.yaml"));
    assert_eq!((code, events.len()), (0, 0), "{events:?}");
    // The same containers, without the annotation Istio's injector leaves.
    let text = std::fs::read_to_string(case("pod.istio.live.yaml")).unwrap();
    let unmarked = tmp("pod.unmarked.yaml");
    std::fs::write(
        &unmarked,
        text.replace("sidecar.istio.io/status", "example.com/note"),
    )
    .unwrap();
    let (code, events, _) = drift(&case("pod.manifest.yaml"), &unmarked);
    assert_eq!(code, 1);
    assert_eq!(
        events,
        [
            "undeclared /spec/containers/1",
            "undeclared /spec/initContainers/0"
        ]
    );
    // The annotation is there, but managedFields say the proxy container
    // was written by `kubectl-edit`: added by hand, not injected.
    let edited = tmp("pod.edited.yaml");
    std::fs::write(
        &edited,
        text.replace(
            "  annotations:\n",
            "  managedFields:\n    - manager: kubectl-edit\n      operation: Update\n      apiVersion: v1\n      fieldsType: FieldsV1\n      fieldsV1:\n        f:spec:\n          f:containers:\n            k:{\"name\":\"istio-proxy\"}:\n              .: {}\n              f:image: {}\n  annotations:\n",
        ),
    )
    .unwrap();
    let (code, events, doc) = drift(&case("pod.manifest.yaml"), &edited);
    assert_eq!(code, 1);
    assert_eq!(events, ["undeclared /spec/containers/1"], "{doc:#}");
    assert_eq!(
        doc["events"][0]["written_by"],
        serde_json::json!(["kubectl-edit"])
    );
}

/// The Terraform state of tests/drift/aws with the group's ingress rules
/// and the bucket's policy emptied: "no rules", "no policy".
fn state_without_rules_or_policy() -> PathBuf {
    let text = std::fs::read_to_string(root().join("tests/drift/aws/declared.tfstate")).unwrap();
    let mut state: Value = serde_json::from_str(&text).unwrap();
    for r in state["resources"].as_array_mut().unwrap() {
        for i in r["instances"].as_array_mut().unwrap() {
            let a = &mut i["attributes"];
            if a.get("ingress").is_some() {
                a["ingress"] = serde_json::json!([]);
            }
            if a.get("policy").is_some() {
                a["policy"] = serde_json::json!("");
            }
        }
    }
    let path = tmp("emptied.tfstate");
    std::fs::write(&path, serde_json::to_string_pretty(&state).unwrap()).unwrap();
    path
}

#[test]
fn a_state_with_no_rules_and_no_policy_against_aws_config_showing_both() {
    let (code, events, doc) = drift(
        &state_without_rules_or_policy(),
        &root().join("tests/drift/aws/actual.json"),
    );
    assert_eq!(code, 1);
    // A state lists every attribute: its `[]` and `""` declare "none",
    // so what AWS Config shows there is a change from them.
    assert_eq!(events, ["changed /policy", "changed /ingress"], "{doc:#}");
    assert_eq!(doc["events"][0]["declared"], "");
    assert_eq!(doc["events"][1]["declared"], serde_json::json!([]));
}

#[test]
fn snapshots_with_a_public_bucket_policy_and_world_ssh_added() {
    let declared = serde_json::json!({"snapshot_version": 1, "resources": [
        {"type": "aws_s3_bucket", "id": "data", "attributes": {"bucket": "data", "policy": ""}},
        {"type": "aws_security_group", "id": "sg-1", "attributes": {"name": "app", "ingress": []}}
    ]});
    let actual = serde_json::json!({"snapshot_version": 1, "resources": [
        {"type": "aws_s3_bucket", "id": "data", "attributes": {"bucket": "data",
            "policy": "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"s3:GetObject\",\"Resource\":\"arn:aws:s3:::data/*\"}]}"}},
        {"type": "aws_security_group", "id": "sg-1", "attributes": {"name": "app", "ingress": [
            {"from_port": 22, "to_port": 22, "protocol": "tcp", "cidr_blocks": ["0.0.0.0/0"]}
        ]}}
    ]});
    let (d, a) = (tmp("declared.json"), tmp("actual.json"));
    std::fs::write(&d, declared.to_string()).unwrap();
    std::fs::write(&a, actual.to_string()).unwrap();
    let (code, events, doc) = drift(&d, &a);
    assert_eq!(code, 1);
    assert_eq!(
        events,
        ["undeclared /policy", "undeclared /ingress"],
        "{doc:#}"
    );
    // A value nobody declared and nothing marks as security-relevant
    // stays quiet, as before.
    let quiet = serde_json::json!({"snapshot_version": 1, "resources": [
        {"type": "aws_s3_bucket", "id": "data", "attributes": {"bucket": "data", "policy": "", "request_payer": "BucketOwner"}},
        {"type": "aws_security_group", "id": "sg-1", "attributes": {"name": "app", "ingress": [], "description": "x"}}
    ]});
    std::fs::write(&a, quiet.to_string()).unwrap();
    let (code, events, _) = drift(&d, &a);
    assert_eq!((code, events.len()), (0, 0), "{events:?}");
}

#[test]
fn undeclared_events_are_classified_like_any_other() {
    let out = Command::new(env!("CARGO_BIN_EXE_plumb"))
        .current_dir(root())
        .args([
            "drift",
            "--format",
            "json",
            "-p",
            "policies/kubernetes",
            "--declared",
        ])
        .arg(case("deployment.manifest.yaml"))
        .arg("--actual")
        .arg(case("deployment.live.yaml"))
        .output()
        .unwrap();
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let class = |path: &str| {
        doc["events"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["path"] == path)
            .map(|e| e["classification"].clone())
            .unwrap()
    };
    let host = class("/spec/template/spec/hostNetwork");
    assert_eq!(host["drift"], "workload_security", "{doc:#}");
    assert_eq!(host["severity"], "critical");
    assert_eq!(host["response"], "review");
    // No block of the pack names service accounts: it says so.
    assert!(class("/spec/template/spec/serviceAccountName").is_null());
}

/// The Terraform state of tests/drift/aws, its group's rules and its
/// bucket's policy moved to separate resources (`aws_security_group_rule`,
/// `aws_s3_bucket_policy`), as provider v4 and later recommend; `rules`
/// says which of the two rules to keep.
fn state_with_child_resources(rules: &[u16]) -> PathBuf {
    let text = std::fs::read_to_string(root().join("tests/drift/aws/declared.tfstate")).unwrap();
    let mut state: Value = serde_json::from_str(&text).unwrap();
    let mut children = Vec::new();
    for r in state["resources"].as_array_mut().unwrap() {
        let kind = r["type"].as_str().unwrap().to_string();
        let provider = r["provider"].clone();
        let a = &mut r["instances"][0]["attributes"];
        if kind == "aws_security_group" {
            let group = a["id"].clone();
            for (i, rule) in a["ingress"].as_array().unwrap().iter().enumerate() {
                if !rules.contains(&(rule["from_port"].as_u64().unwrap() as u16)) {
                    continue;
                }
                children.push(serde_json::json!({
                    "mode": "managed", "type": "aws_security_group_rule", "name": format!("in{i}"),
                    "provider": provider,
                    "instances": [{"schema_version": 2, "attributes": {
                        "id": format!("sgrule-{i}"), "type": "ingress", "security_group_id": group,
                        "cidr_blocks": rule["cidr_blocks"], "ipv6_cidr_blocks": [],
                        "from_port": rule["from_port"], "to_port": rule["to_port"],
                        "protocol": rule["protocol"], "description": rule["description"],
                        "prefix_list_ids": [], "self": false, "source_security_group_id": null
                    }}]
                }));
            }
            a["ingress"] = serde_json::json!([]);
        }
        if kind == "aws_s3_bucket" {
            children.push(serde_json::json!({
                "mode": "managed", "type": "aws_s3_bucket_policy", "name": "audit",
                "provider": provider,
                "instances": [{"schema_version": 0, "attributes": {
                    "id": a["id"], "bucket": a["id"], "policy": a["policy"]
                }}]
            }));
            a["policy"] = serde_json::json!("");
        }
    }
    state["resources"].as_array_mut().unwrap().extend(children);
    let path = tmp(&format!("children-{rules:?}.tfstate").replace([' ', '[', ']', ','], ""));
    std::fs::write(&path, serde_json::to_string_pretty(&state).unwrap()).unwrap();
    path
}

#[test]
fn rules_and_policies_declared_as_child_resources_are_not_drift() {
    let actual = root().join("tests/drift/aws/actual.json");
    let (code, events, doc) = drift(&state_with_child_resources(&[22, 443]), &actual);
    assert_eq!((code, events.len()), (0, 0), "{doc:#}");
    // The SSH rule is not declared anywhere: AWS Config's is drift.
    let (code, events, doc) = drift(&state_with_child_resources(&[443]), &actual);
    assert_eq!(code, 1);
    assert_eq!(events, ["changed /ingress"], "{doc:#}");
    assert_eq!(doc["events"][0]["added_elements"][0]["from_port"], 22);
}

/// Ansible facts of `web-1` with `getent_passwd` (the getent module) and
/// `tcp_listen` (listen_ports_facts) added.
fn facts_with(users: Value, tcp: Value) -> PathBuf {
    let text = std::fs::read_to_string(root().join("tests/drift/host/web-1.facts.json")).unwrap();
    let mut doc: Value = serde_json::from_str(&text).unwrap();
    doc["ansible_facts"]["getent_passwd"] = users;
    doc["ansible_facts"]["tcp_listen"] = tcp;
    let path = tmp("web-1.facts.json");
    std::fs::write(&path, doc.to_string()).unwrap();
    path
}

fn baseline(exclusive: &str) -> PathBuf {
    let path = tmp(&format!("baseline-{}.yaml", exclusive.len()));
    std::fs::write(
        &path,
        format!(
            "plumb_baseline: 1\ngroups:\n  web:\n    hosts: [web-1.example.com]\n    users:\n      root: {{uid: 0}}\n      games: absent\n    ports:\n      tcp/22: listening\n      tcp/443: listening\n{exclusive}"
        ),
    )
    .unwrap();
    path
}

#[test]
fn an_exclusive_baseline_reports_a_second_root_user_and_a_new_listening_port() {
    let users = serde_json::json!({
        "root": ["x", "0", "0", "root", "/root", "/bin/bash"],
        "toor": ["x", "0", "0", "", "/root", "/bin/sh"],
        "nginx": ["x", "994", "992", "", "/var/lib/nginx", "/sbin/nologin"]
    });
    let tcp = serde_json::json!([
        {"port": 22, "protocol": "tcp", "address": "0.0.0.0", "name": "sshd", "pid": 900},
        {"port": 4444, "protocol": "tcp", "address": "0.0.0.0", "name": "nc", "pid": 31337}
    ]);
    let facts = facts_with(users, tcp);
    let (code, events, doc) = drift(&baseline("    exclusive: [users, ports]\n"), &facts);
    assert_eq!(code, 1);
    // tcp/443 is declared listening and is not: changed. tcp/4444 and the
    // second uid-0 user are declared nowhere: undeclared. A user without
    // uid 0 (nginx) is not drift, even in an exclusive section.
    assert_eq!(
        events,
        [
            "changed /ports/tcp~1443",
            "undeclared /ports/tcp~14444",
            "undeclared /users/toor"
        ],
        "{doc:#}"
    );
    // Without `exclusive`, only what is declared is compared.
    let (_, events, _) = drift(&baseline(""), &facts);
    assert_eq!(events, ["changed /ports/tcp~1443"]);
}

/// The real live ReplicationController of the shared corpus
/// (kubectl-live-rc-managedfields.yaml, as imported in
/// tests/import/kubernetes/corpus), declared by its own last-applied
/// configuration, then edited with `kubectl edit`: privileged, on the host
/// network, another service account, a miner beside it, each field in
/// managedFields under `kubectl-edit`.
#[test]
fn a_real_live_object_edited_with_kubectl_edit_names_the_editor() {
    let golden = root()
        .join("tests/import/kubernetes/corpus/kubectl-live-rc-managedfields.yaml.snapshot.json");
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(golden).unwrap()).unwrap();
    let mut live = doc["resources"][0].clone();
    let applied = live["attributes"]["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"]
        .as_str()
        .unwrap()
        .to_string();
    // Unchanged, the live object is its declaration: no drift.
    let declared = tmp("rc.manifest.json");
    std::fs::write(&declared, &applied).unwrap();
    let unchanged = tmp("rc.live.json");
    std::fs::write(&unchanged, json_snapshot(&live)).unwrap();
    let (code, events, doc) = drift(&declared, &unchanged);
    assert_eq!((code, events.len()), (0, 0), "{doc:#}");

    let attrs = &mut live["attributes"];
    let spec = &mut attrs["spec"]["template"]["spec"];
    spec["hostNetwork"] = serde_json::json!(true);
    spec["serviceAccountName"] = serde_json::json!("builder");
    spec["containers"][0]["securityContext"] = serde_json::json!({"privileged": true});
    spec["containers"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!({"name": "miner", "image": "evil/miner:latest"}));
    attrs["metadata"]["managedFields"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!({
            "manager": "kubectl-edit", "operation": "Update", "apiVersion": "v1",
            "fieldsType": "FieldsV1",
            "fieldsV1": {"f:spec": {"f:template": {"f:spec": {
                "f:hostNetwork": {}, "f:serviceAccountName": {},
                "f:containers": {
                    "k:{\"name\":\"test-rc\"}": {"f:securityContext": {".": {}, "f:privileged": {}}},
                    "k:{\"name\":\"miner\"}": {".": {}, "f:image": {}, "f:name": {}}
                }
            }}}}
        }));
    let edited = tmp("rc.live-edited.json");
    std::fs::write(&edited, json_snapshot(&live)).unwrap();
    let (code, events, doc) = drift(&declared, &edited);
    assert_eq!(code, 1);
    assert_eq!(
        events,
        [
            "undeclared /spec/template/spec/containers/0/securityContext",
            "undeclared /spec/template/spec/containers/1",
            "undeclared /spec/template/spec/hostNetwork",
            "undeclared /spec/template/spec/serviceAccountName",
        ],
        "{doc:#}"
    );
    for e in doc["events"].as_array().unwrap() {
        assert_eq!(e["written_by"], serde_json::json!(["kubectl-edit"]), "{e}");
    }
}

fn json_snapshot(resource: &Value) -> String {
    serde_json::json!({"snapshot_version": 1, "resources": [resource]}).to_string()
}

#[test]
fn azure_rules_declared_as_child_resources_fold_into_their_group() {
    let group = "/subscriptions/0000/resourceGroups/rg/providers/Microsoft.Network/networkSecurityGroups/web";
    let rule = |name: &str, port: &str, source: &str| {
        serde_json::json!({"name": name, "priority": 100, "direction": "Inbound", "access": "Allow",
            "protocol": "Tcp", "source_port_range": "*", "destination_port_range": port,
            "source_address_prefix": source, "destination_address_prefix": "*"})
    };
    let state = |format: &str| {
        serde_json::json!({"type": "azurerm_network_security_group", "id": group,
        "source": {"format": format}, "attributes": {"name": "web", "security_rule": []}})
    };
    let mut child = rule("https", "443", "10.0.0.0/8");
    child["id"] = serde_json::json!(format!("{group}/securityRules/https"));
    let declared = serde_json::json!({"snapshot_version": 1, "resources": [
        state("terraform-state"),
        {"type": "azurerm_network_security_rule", "id": format!("{group}/securityRules/https"),
         "source": {"format": "terraform-state"}, "attributes": child}
    ]});
    let live = |rules: Vec<Value>| {
        serde_json::json!({"snapshot_version": 1, "resources": [
            {"type": "azurerm_network_security_group", "id": group, "source": {"format": "azure"},
             "attributes": {"name": "web", "security_rule": rules}}
        ]})
    };
    let (d, a) = (tmp("nsg.declared.json"), tmp("nsg.actual.json"));
    std::fs::write(&d, declared.to_string()).unwrap();
    std::fs::write(
        &a,
        live(vec![rule("https", "443", "10.0.0.0/8")]).to_string(),
    )
    .unwrap();
    let (code, events, doc) = drift(&d, &a);
    assert_eq!((code, events.len()), (0, 0), "{doc:#}");
    std::fs::write(
        &a,
        live(vec![
            rule("https", "443", "10.0.0.0/8"),
            rule("rdp", "3389", "*"),
        ])
        .to_string(),
    )
    .unwrap();
    let (code, events, doc) = drift(&d, &a);
    assert_eq!(code, 1);
    assert_eq!(events, ["changed /security_rule"], "{doc:#}");
}
