//! `plumb drift` through the binary: the worked cases of docs/drift.md.
//! Each names the exact events expected; a case without drift expects
//! none at all (no noise from defaults, computed fields or spellings).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests"
)]

use std::path::Path;
use std::process::{Command, Output};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn plumb(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_plumb"))
        .current_dir(root())
        .args(args)
        .output()
        .expect("run plumb")
}

/// Runs `plumb drift ARGS --format json` and returns the exit code and the
/// events as `kind address path` lines.
fn drift(args: &[&str]) -> (i32, Vec<String>, serde_json::Value) {
    let mut all = vec!["drift"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--format", "json"]);
    let out = plumb(&all);
    let code = out.status.code().unwrap();
    assert!(
        code == 0 || code == 1,
        "exit {code}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let lines = doc["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            format!(
                "{} {} {}",
                e["kind"].as_str().unwrap(),
                e["address"].as_str().unwrap(),
                e["path"].as_str().unwrap()
            )
        })
        .collect();
    (code, lines, doc)
}

fn event<'a>(doc: &'a serde_json::Value, path: &str) -> &'a serde_json::Value {
    doc["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["path"] == path)
        .unwrap_or_else(|| panic!("no event at {path}: {doc:#}"))
}

#[test]
fn kubernetes_manifest_against_its_live_object_has_no_noise() {
    let (code, events, doc) = drift(&[
        "--declared",
        "tests/drift/k8s/web.manifest.yaml",
        "--actual",
        "tests/drift/k8s/web.live.yaml",
    ]);
    assert_eq!(events, Vec::<String>::new(), "{doc:#}");
    assert_eq!(code, 0);
    assert_eq!(doc["summary"]["declared"], 2);
    assert_eq!(doc["summary"]["actual"], 3);
}

#[test]
fn kubernetes_edits_made_out_of_band_are_found_exactly() {
    let (code, events, doc) = drift(&[
        "--declared",
        "tests/drift/k8s/web.manifest.yaml",
        "--actual",
        "tests/drift/k8s/web.live-edited.yaml",
    ]);
    assert_eq!(
        events,
        [
            "changed default/Deployment/web /spec/replicas",
            "changed default/Deployment/web /spec/template/spec/containers/0/image",
            "changed default/Deployment/web /spec/template/spec/containers/0/securityContext",
        ],
        "{doc:#}"
    );
    assert_eq!(code, 1);
    let replicas = event(&doc, "/spec/replicas");
    assert_eq!(replicas["declared"], 2);
    assert_eq!(replicas["actual"], 5);
    let image = event(&doc, "/spec/template/spec/containers/0/image");
    assert_eq!(image["actual"], "registry.example.com/web:1.5.0-debug");
    let sc = event(&doc, "/spec/template/spec/containers/0/securityContext");
    assert_eq!(sc["declared"]["runAsNonRoot"], true);
    assert!(sc.get("actual").is_none(), "removed: no actual value");
    // Both sides say where they came from.
    assert!(
        sc["declared_source"]["file"]
            .as_str()
            .unwrap()
            .ends_with("web.manifest.yaml")
    );
    assert!(sc["declared_source"]["line"].as_u64().is_some());
}

#[test]
fn terraform_state_against_aws_config_has_no_noise() {
    let (code, events, doc) = drift(&[
        "--declared",
        "tests/drift/aws/declared.tfstate",
        "--actual",
        "tests/drift/aws/actual.json",
    ]);
    assert_eq!(events, Vec::<String>::new(), "{doc:#}");
    assert_eq!(code, 0);
}

#[test]
fn terraform_state_against_edited_aws_config() {
    let (code, events, doc) = drift(&[
        "--declared",
        "tests/drift/aws/declared.tfstate",
        "--actual",
        "tests/drift/aws/actual-edited.json",
    ]);
    assert_eq!(
        events,
        [
            "changed aws_s3_bucket.audit /server_side_encryption_configuration",
            "changed aws_s3_bucket.audit /versioning/0/enabled",
            "changed aws_security_group.bastion /ingress",
        ],
        "{doc:#}"
    );
    assert_eq!(code, 1);
    assert_eq!(event(&doc, "/versioning/0/enabled")["actual"], false);
    let ingress = event(&doc, "/ingress");
    assert_eq!(ingress["actual"].as_array().unwrap().len(), 3);
}

#[test]
fn a_plans_resource_drift_is_reproduced_exactly() {
    let (code, events, doc) = drift(&["tests/drift/plan/refresh.plan.json"]);
    assert_eq!(
        events,
        [
            "deleted aws_instance.worker ",
            "changed aws_s3_bucket.audit /tags/data",
            "changed aws_s3_bucket.audit /tags/owner",
            "changed aws_security_group.bastion /ingress",
            "changed aws_ssm_parameter.db_password /value",
        ],
        "{doc:#}"
    );
    assert_eq!(code, 1);
    let owner = event(&doc, "/tags/owner");
    assert!(owner.get("declared").is_none());
    assert_eq!(owner["actual"], "bob");
    // The parameter's value is sensitive on both sides.
    let value = event(&doc, "/value");
    assert_eq!(value["declared"], "(sensitive)");
    assert_eq!(value["actual"], "(sensitive)");
    let text = serde_json::to_string(&doc).unwrap();
    assert!(!text.contains("Summer2026"), "a sensitive value leaked");
    assert!(!text.contains("correct-horse"), "a sensitive value leaked");
}

#[test]
fn a_baseline_against_host_facts() {
    let (code, events, doc) = drift(&[
        "--declared",
        "tests/drift/host/baseline.yaml",
        "--actual",
        "tests/drift/host/web-1.facts.json",
    ]);
    assert_eq!(
        events,
        [
            "changed web-1.example.com /packages/nginx",
            "changed web-1.example.com /packages/telnet-server",
            "changed web-1.example.com /services/telnet.socket",
        ],
        "{doc:#}"
    );
    assert_eq!(code, 1);
    // Without facts for it, a declared host is deleted; facts of a host no
    // baseline covers are an added host.
    let dir = tempdir();
    let other = dir.join("db-1.facts.json");
    std::fs::write(
        &other,
        r#"{"ansible_facts": {"ansible_hostname": "db-1", "ansible_fqdn": "db-1.example.com"}}"#,
    )
    .unwrap();
    let (_, events, _) = drift(&[
        "--declared",
        "tests/drift/host/baseline.yaml",
        "--actual",
        other.to_str().unwrap(),
    ]);
    assert_eq!(
        events,
        ["added db-1.example.com ", "deleted web-1.example.com "]
    );
}

#[test]
fn text_output_and_exit_codes() {
    let out = plumb(&[
        "drift",
        "--declared",
        "tests/drift/k8s/web.manifest.yaml",
        "--actual",
        "tests/drift/k8s/web.live-edited.yaml",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("changed  default/Deployment/web /spec/replicas: 2 -> 5"),
        "{text}"
    );
    assert!(
        text.ends_with(
            "3 drift events (0 added, 0 deleted, 3 changed) in 2 declared and 3 actual resources\n"
        ),
        "{text}"
    );
    let out = plumb(&[
        "drift",
        "--declared",
        "tests/drift/k8s/web.manifest.yaml",
        "--actual",
        "tests/drift/k8s/web.live.yaml",
    ]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "no drift: 2 declared and 3 actual resources compared\n"
    );
}

#[test]
fn output_is_the_same_at_any_thread_count() {
    let run = |threads: &str| {
        plumb(&[
            "drift",
            "--declared",
            "tests/drift/aws/declared.tfstate",
            "tests/drift/k8s/web.manifest.yaml",
            "--actual",
            "tests/drift/aws/actual-edited.json",
            "tests/drift/k8s/web.live-edited.yaml",
            "--format",
            "json",
            "--threads",
            threads,
        ])
        .stdout
    };
    let one = run("1");
    assert!(!one.is_empty());
    assert_eq!(one, run("2"));
    assert_eq!(one, run("4"));
}

#[test]
fn added_and_deleted_resources() {
    let dir = tempdir();
    let declared = dir.join("declared.yaml");
    let actual = dir.join("actual.yaml");
    std::fs::write(
        &declared,
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: app}\ndata: {a: '1'}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: gone}\n",
    )
    .unwrap();
    std::fs::write(
        &actual,
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: app, namespace: default}\ndata: {a: '1'}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: debug, namespace: default}\n---\napiVersion: v1\nkind: Event\nmetadata: {name: x.1, namespace: default}\n",
    )
    .unwrap();
    let (code, events, _) = drift(&[
        "--declared",
        declared.to_str().unwrap(),
        "--actual",
        actual.to_str().unwrap(),
    ]);
    assert_eq!(code, 1);
    assert_eq!(
        events,
        [
            "added default/ConfigMap/debug ",
            "deleted default/ConfigMap/gone ",
        ]
    );
}

#[test]
fn a_noise_file_of_ones_own_extends_the_tables() {
    let dir = tempdir();
    let noise = dir.join("noise.yaml");
    // A default of one's own makes an undeclared value drift; an ignored
    // path hides only what the declaration does not set: the manifest
    // declares `replicas`, so it is still compared.
    std::fs::write(
        &noise,
        "noise_version: 1\ntypes:\n  - match: k8s_deployment\n    ignore: [/spec/replicas]\n    defaults:\n      /spec/template/spec/containers/*/imagePullPolicy: Always\n",
    )
    .unwrap();
    let (_, events, _) = drift(&[
        "--declared",
        "tests/drift/k8s/web.manifest.yaml",
        "--actual",
        "tests/drift/k8s/web.live-edited.yaml",
        "--noise",
        noise.to_str().unwrap(),
    ]);
    assert_eq!(events.len(), 4, "{events:?}");
    assert!(events.iter().any(|e| e.ends_with("/spec/replicas")));
    assert!(
        events.iter().any(|e| e.ends_with("/imagePullPolicy")),
        "{events:?}"
    );
}

#[test]
fn bad_input_exits_2_naming_the_file() {
    let dir = tempdir();
    let noise = dir.join("noise.yaml");
    std::fs::write(
        &noise,
        "noise_version: 1\ntypes:\n  - match: x\n    canonicalize: {/a: rot13}\n",
    )
    .unwrap();
    let out = plumb(&[
        "drift",
        "--declared",
        "tests/drift/k8s/web.manifest.yaml",
        "--actual",
        "tests/drift/k8s/web.live.yaml",
        "--noise",
        noise.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("noise.yaml") && err.contains("rot13"), "{err}");
    // Not a plan.
    let out = plumb(&["drift", "tests/drift/aws/declared.tfstate"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a Terraform/OpenTofu plan"));
    // Declared without actual.
    let out = plumb(&["drift", "--declared", "tests/drift/aws/declared.tfstate"]);
    assert_eq!(out.status.code(), Some(2));
    // The same resource twice.
    let out = plumb(&[
        "drift",
        "--declared",
        "tests/drift/aws/declared.tfstate",
        "tests/drift/aws/declared.tfstate",
        "--actual",
        "tests/drift/aws/actual.json",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("given twice"));
}

/// The shared corpus' Argo CD pairs (desired and live), when present.
#[test]
fn corpus_kubernetes_pairs() {
    let dir = root().join("../shared/corpus/kubernetes");
    if !dir.exists() {
        eprintln!("skipped: ../shared/corpus is not here");
        return;
    }
    let cases: [(&str, &str, &[&str]); 4] = [
        (
            "argocd-pair1-deployment.target.yaml",
            "argocd-pair1-deployment.live.yaml",
            // The live object was scaled and re-annotated by hand.
            &[
                "changed default/Deployment/kustomize-guestbook-ui /metadata/annotations/iksm-version",
                "changed default/Deployment/kustomize-guestbook-ui /spec/replicas",
            ],
        ),
        (
            // The live container has an env var another manager added.
            "argocd-pair2-deployment.config.json",
            "argocd-pair2-deployment.live.json",
            &[],
        ),
        (
            "argocd-pair3-service.config.yaml",
            "argocd-pair3-service.live.yaml",
            // Port `rtmp` targets 1936 in git, 1935 live.
            &["changed default/Service/multiple-protocol-port-svc /spec/ports/1/targetPort"],
        ),
        (
            "argocd-pair4-endpoints.config.json",
            "argocd-pair4-endpoints.live.json",
            &[],
        ),
    ];
    for (declared, actual, want) in cases {
        let (_, events, doc) = drift(&[
            "--declared",
            dir.join(declared).to_str().unwrap(),
            "--actual",
            dir.join(actual).to_str().unwrap(),
        ]);
        assert_eq!(events, want, "{declared}: {doc:#}");
    }
}

fn tempdir() -> std::path::PathBuf {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "plumb-drift-test-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Every `console` block of docs/drift.md is run, and prints exactly what
/// the block shows.
#[test]
fn docs_drift_md_cases_print_what_the_doc_shows() {
    let doc = std::fs::read_to_string(root().join("docs/drift.md")).unwrap();
    let mut blocks = 0;
    let mut rest = doc.as_str();
    while let Some(start) = rest.find("```console\n") {
        let body = &rest[start + "```console\n".len()..];
        let end = body.find("```").unwrap();
        let block = &body[..end];
        rest = &body[end + 3..];
        let (command, expected) = block.split_once('\n').unwrap();
        let args: Vec<&str> = command
            .strip_prefix("$ plumb ")
            .expect("a console block starts with `$ plumb`")
            .split_whitespace()
            .collect();
        let out = plumb(&args);
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            expected,
            "docs/drift.md: `{command}` prints something else"
        );
        let code = out.status.code().unwrap();
        let want = if expected.starts_with("no drift") {
            0
        } else {
            1
        };
        assert_eq!(code, want, "`{command}`");
        blocks += 1;
    }
    assert_eq!(blocks, 9, "docs/drift.md has nine worked cases");
}

/// A Secret's data changed by hand is drift, and never printed.
#[test]
fn a_changed_secret_is_found_and_redacted() {
    let dir = tempdir();
    let (declared, actual) = (dir.join("secret.yaml"), dir.join("live.yaml"));
    std::fs::write(
        &declared,
        "apiVersion: v1\nkind: Secret\nmetadata: {name: db}\ndata: {password: aHVudGVyMg==}\n",
    )
    .unwrap();
    std::fs::write(
        &actual,
        "apiVersion: v1\nkind: Secret\nmetadata: {name: db, namespace: default, uid: u1}\ntype: Opaque\ndata: {password: c3VtbWVy}\n",
    )
    .unwrap();
    let (code, events, doc) = drift(&[
        "--declared",
        declared.to_str().unwrap(),
        "--actual",
        actual.to_str().unwrap(),
    ]);
    assert_eq!(code, 1);
    assert_eq!(events, ["changed default/Secret/db /data/password"]);
    let text = serde_json::to_string(&doc).unwrap();
    assert!(
        !text.contains("aHVudGVyMg") && !text.contains("c3VtbWVy"),
        "{text}"
    );
    assert_eq!(event(&doc, "/data/password")["declared"], "(sensitive)");
}

/// A baseline group's `match` globs are plumb's one glob: `?` and `[a-z]`
/// mean in drift what they mean at import (and in `glob_match`).
#[test]
fn baseline_match_globs_cover_hosts_as_at_import() {
    let dir = tempdir();
    let baseline = dir.join("baseline.yaml");
    std::fs::write(
        &baseline,
        "plumb_baseline: 1\ngroups:\n  web:\n    match: [\"web-?.example.com\"]\n    packages: {telnet-server: absent}\n  \
         letters:\n    match: \"[a-z]eb-[0-9].example.[!x]om\"\n    services: {telnet.socket: stopped}\n  \
         other:\n    match: [\"web-??.example.com\", \"db-[a-z]\"]\n    packages: {nginx: absent}\n",
    )
    .unwrap();
    let imported = plumb(&["import", baseline.to_str().unwrap()]);
    assert!(
        imported.status.success(),
        "{}",
        String::from_utf8_lossy(&imported.stderr)
    );
    let (code, events, doc) = drift(&[
        "--declared",
        baseline.to_str().unwrap(),
        "--actual",
        "tests/drift/host/web-1.facts.json",
    ]);
    // `web` and `letters` cover web-1 (so it is not an added host);
    // `other` covers no host, and says nothing.
    assert_eq!(
        events,
        [
            "changed web-1.example.com /packages/telnet-server",
            "changed web-1.example.com /services/telnet.socket",
        ],
        "{doc:#}"
    );
    assert_eq!(code, 1);
}

/// `-p` compiles the policy's drift blocks and classifies every event by
/// the first block whose selector, paths and `when` take it; an event no
/// block takes says so.
#[test]
fn drift_blocks_classify_events() {
    let args = [
        "-p",
        "tests/drift/policy/aws.plumb",
        "--declared",
        "tests/drift/aws/declared.tfstate",
        "--actual",
        "tests/drift/aws/actual-edited.json",
    ];
    let (code, events, doc) = drift(&args);
    assert_eq!(code, 1);
    assert_eq!(events.len(), 3, "{doc:#}");
    let class = |path: &str| event(&doc, path)["classification"].clone();
    assert_eq!(
        class("/server_side_encryption_configuration"),
        serde_json::json!({
            "drift": "encryption_changed",
            "package": "aws.drift_classes",
            "file": "tests/drift/policy/aws.plumb",
            "line": 4,
            "severity": "critical",
            "controls": ["nist.CM-6", "soc2.CC7.1"],
            "response": "review",
            "message": "encryption of bucket acme-audit-logs changed outside Terraform",
        })
    );
    // A change of the whole `ingress` set covers `ingress[*].cidr_blocks`.
    let ingress = class("/ingress");
    assert_eq!(ingress["drift"], "ingress_changed");
    assert_eq!(ingress["severity"], "high");
    assert_eq!(
        ingress["controls"],
        serde_json::json!(["nist.SC-7", "nist.CM-3"])
    );
    assert_eq!(ingress["response"], "alert");
    assert_eq!(
        ingress["message"],
        "network access of bastion changed outside Terraform"
    );
    assert_eq!(class("/versioning/0/enabled"), serde_json::Value::Null);

    let mut all = vec!["drift"];
    all.extend_from_slice(&args);
    let out = plumb(&all);
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 7, "{text}");
    assert!(
        lines[0].starts_with("changed  aws_s3_bucket.audit /server_side_encryption_configuration:")
    );
    assert_eq!(
        lines[1],
        "         drift encryption_changed (tests/drift/policy/aws.plumb:4): critical, controls nist.CM-6, soc2.CC7.1, response review: encryption of bucket acme-audit-logs changed outside Terraform"
    );
    assert_eq!(
        lines[2],
        "changed  aws_s3_bucket.audit /versioning/0/enabled: true -> false"
    );
    assert_eq!(lines[3], "         unclassified: no drift block matches");
    assert_eq!(
        lines[5],
        "         drift ingress_changed (tests/drift/policy/aws.plumb:13): high, controls nist.SC-7, nist.CM-3, response alert: network access of bastion changed outside Terraform"
    );

    // A block whose `when` is false for the resource lets the event fall
    // through to the next block, here to none.
    let dir = tempdir();
    let policy = dir.join("scratch.plumb");
    std::fs::write(
        &policy,
        "package aws.scratch\n\ndrift scratch_only on aws_security_group {\n  paths ingress.**\n  severity low\n  when attributes.name == \"scratch\"\n}\n\ndrift anything on aws_* {\n  paths **\n  severity info\n  controls nist.CM-3\n  response auto\n}\n",
    )
    .unwrap();
    let (_, _, doc) = drift(&[
        "-p",
        policy.to_str().unwrap(),
        "--declared",
        "tests/drift/aws/declared.tfstate",
        "--actual",
        "tests/drift/aws/actual-edited.json",
    ]);
    for e in doc["events"].as_array().unwrap() {
        assert_eq!(e["classification"]["drift"], "anything", "{e:#}");
        assert_eq!(
            e["classification"]["message"],
            format!(
                "anything: drift of {} {}",
                e["type"].as_str().unwrap(),
                e["id"].as_str().unwrap()
            )
        );
    }
    // Without `-p`, events carry no classification at all.
    let (_, _, doc) = drift(&args[2..]);
    assert!(doc["events"][0].get("classification").is_none());
}

/// A policy that does not compile is exit 2 with its diagnostics, before
/// any source is read.
#[test]
fn a_drift_policy_that_does_not_compile_exits_2() {
    let dir = tempdir();
    let policy = dir.join("bad.plumb");
    std::fs::write(&policy, "drift d on aws_s3_bucket {\n  severity high\n}\n").unwrap();
    let out = plumb(&[
        "drift",
        "-p",
        policy.to_str().unwrap(),
        "--declared",
        "tests/drift/aws/declared.tfstate",
        "--actual",
        "tests/drift/aws/actual-edited.json",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("E0410"), "{err}");
}

/// A manifest that names no namespace is compared as `kubectl apply -n NS`
/// would apply it with `--namespace NS`; without it, the add and delete it
/// gives are explained, with the flag to use.
#[test]
fn a_manifest_without_a_namespace_and_its_live_object_in_team_a() {
    let dir = tempdir();
    let live = dir.join("web.live.yaml");
    let text = std::fs::read_to_string(root().join("tests/drift/k8s/web.live.yaml")).unwrap();
    std::fs::write(
        &live,
        text.replace("namespace: default", "namespace: team-a")
            .replace("\"namespace\":\"default\"", "\"namespace\":\"team-a\""),
    )
    .unwrap();
    let live = live.to_str().unwrap();
    let base = [
        "--declared",
        "tests/drift/k8s/web.manifest.yaml",
        "--actual",
        live,
    ];
    let mut with_ns = base.to_vec();
    with_ns.extend_from_slice(&["--namespace", "team-a"]);
    let (code, events, doc) = drift(&with_ns);
    assert_eq!((code, events.len()), (0, 0), "{doc:#}");
    assert_eq!(doc["namespace_hints"], serde_json::json!([]));

    let (code, events, doc) = drift(&base);
    assert_eq!(code, 1);
    assert_eq!(
        events,
        [
            "deleted default/Deployment/web ",
            "deleted default/Service/web ",
            "added team-a/Deployment/web ",
            "added team-a/Service/web ",
        ]
    );
    assert_eq!(
        doc["namespace_hints"][0],
        serde_json::json!({
            "type": "k8s_deployment",
            "declared": "default/Deployment/web",
            "actual": "team-a/Deployment/web",
            "suggest_namespace": "team-a",
            "message": "default/Deployment/web (declared) and team-a/Deployment/web (actual) differ only by namespace: the manifest names no namespace; to compare it as applied with `kubectl apply -n team-a`, use --namespace team-a",
        })
    );
    assert_eq!(doc["namespace_hints"].as_array().unwrap().len(), 2);
    let mut args = vec!["drift"];
    args.extend_from_slice(&base);
    let text = String::from_utf8(plumb(&args).stdout).unwrap();
    assert!(
        text.contains("hint: default/Service/web (declared) and team-a/Service/web (actual) differ only by namespace: the manifest names no namespace; to compare it as applied with `kubectl apply -n team-a`, use --namespace team-a\n"),
        "{text}"
    );
    // A namespace for manifests that name none leaves those that name one
    // alone: the live objects (which do) are not moved.
    let mut other = base.to_vec();
    other.extend_from_slice(&["--namespace", "team-b"]);
    let (_, events, doc) = drift(&other);
    assert_eq!(events.len(), 4);
    assert_eq!(
        doc["namespace_hints"][0]["declared"],
        "team-b/Deployment/web"
    );
}
