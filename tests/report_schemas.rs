//! `plumb check --format json` and `plumb drift --format json` are
//! versioned documents described by JSON Schemas in `docs/`: every
//! document the binary prints here, over the bundled example, the policy
//! packs against the shared corpus, and the drift cases, must validate.
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

fn corpus() -> PathBuf {
    root().join("../shared/corpus")
}

fn validator(name: &str) -> jsonschema::Validator {
    let text = std::fs::read_to_string(root().join("docs").join(name)).unwrap();
    let schema: Value = serde_json::from_str(&text).unwrap();
    if let Err(e) = jsonschema::draft202012::meta::validate(&schema) {
        panic!("docs/{name} is not a valid draft 2020-12 schema: {e}");
    }
    jsonschema::draft202012::new(&schema).unwrap()
}

/// Runs plumb with `args` (relative paths from the repository root) and
/// returns its JSON output; exit 0 or 1 is required.
fn run(args: &[&str]) -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_plumb"))
        .current_dir(root())
        .args(args)
        .args(["--format", "json"])
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "plumb {args:?} exited {:?}: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("plumb {args:?} printed invalid JSON: {e}"))
}

fn assert_valid(validator: &jsonschema::Validator, what: &str, doc: &Value) {
    let errors: Vec<String> = validator
        .iter_errors(doc)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .take(10)
        .collect();
    assert!(errors.is_empty(), "{what}: {errors:#?}");
}

#[test]
fn check_reports_validate_and_name_each_rules_package_and_place() {
    let schema = validator("check-report.schema.json");
    let mut cases: Vec<Vec<String>> = vec![
        vec![
            "examples/quickstart.plumb".into(),
            "examples/snapshot.json".into(),
        ],
        vec!["policies/aws".into(), "tests/import/aws-config".into()],
        vec!["policies/aws".into(), "tests/import/terraform".into()],
        vec![
            "policies/kubernetes".into(),
            "tests/import/kubernetes".into(),
        ],
        vec!["policies/aws".into(), "tests/import/host".into()],
    ];
    let corpus = corpus();
    if corpus.is_dir() {
        let corpus = corpus.to_str().unwrap();
        for (policy, dir) in [
            ("policies/aws", "aws-config"),
            ("policies/aws", "terraform"),
            ("policies/kubernetes", "kubernetes"),
            ("policies/aws", "host"),
        ] {
            cases.push(vec![policy.into(), format!("{corpus}/{dir}")]);
        }
    } else {
        eprintln!("skipped the shared corpus: ../shared/corpus is not here");
    }
    let mut findings = 0;
    for case in &cases {
        let args = [
            "check",
            "-p",
            &case[0],
            &case[1],
            "--now",
            "2026-01-01T00:00:00Z",
        ];
        let doc = run(&args);
        assert_valid(&schema, &format!("plumb {args:?}"), &doc);
        for f in doc["findings"].as_array().unwrap() {
            findings += 1;
            assert!(f["package"].is_string(), "{f}");
            if f["rule"]
                .as_str()
                .is_some_and(|r| r.starts_with("inspec.") || r.starts_with("xccdf."))
            {
                // A scan result: another tool's finding, not a rule's.
                assert!(f["rule_location"].is_null(), "{f}");
                continue;
            }
            let file = f["rule_location"]["file"].as_str().unwrap();
            let line = f["rule_location"]["line"].as_u64().unwrap() as usize;
            // The line is the rule's own: `rule NAME` is written there.
            let text = std::fs::read_to_string(root().join(file)).unwrap();
            let written = text.lines().nth(line - 1).unwrap_or_default();
            let name = f["rule"].as_str().unwrap();
            assert!(
                written.contains(&format!("rule {name}")),
                "{file}:{line} is not where rule {name} is written: {written:?}"
            );
        }
    }
    assert!(findings > 10, "the cases should give findings to check");
}

#[test]
fn drift_reports_validate() {
    let schema = validator("drift-report.schema.json");
    let corpus = corpus();
    let k8s = |f: &str| {
        corpus
            .join("kubernetes")
            .join(f)
            .to_str()
            .unwrap()
            .to_string()
    };
    let mut cases: Vec<Vec<String>> = vec![
        vec![
            "drift".into(),
            "--declared".into(),
            "tests/drift/aws/declared.tfstate".into(),
            "--actual".into(),
            "tests/drift/aws/actual-edited.json".into(),
        ],
        vec![
            "drift".into(),
            "--declared".into(),
            "tests/drift/k8s/web.manifest.yaml".into(),
            "--actual".into(),
            "tests/drift/k8s/web.live-edited.yaml".into(),
        ],
        vec![
            "drift".into(),
            "--declared".into(),
            "tests/drift/host/baseline.yaml".into(),
            "--actual".into(),
            "tests/drift/host/web-1.facts.json".into(),
        ],
        vec!["drift".into(), "tests/drift/plan/refresh.plan.json".into()],
        vec![
            "drift".into(),
            "-p".into(),
            "tests/drift/policy/aws.plumb".into(),
            "--declared".into(),
            "tests/drift/aws/declared.tfstate".into(),
            "--actual".into(),
            "tests/drift/aws/actual-edited.json".into(),
        ],
        vec![
            "drift".into(),
            "-p".into(),
            "policies/kubernetes".into(),
            "--declared".into(),
            "tests/drift/k8s/web.manifest.yaml".into(),
            "--actual".into(),
            "tests/drift/k8s/web.live-edited.yaml".into(),
        ],
        // Namespaces that differ: a hint.
        vec![
            "drift".into(),
            "--namespace".into(),
            "team-a".into(),
            "--declared".into(),
            "tests/drift/k8s/web.manifest.yaml".into(),
            "--actual".into(),
            "tests/drift/k8s/web.live.yaml".into(),
        ],
    ];
    if corpus.is_dir() {
        for (declared, actual) in [
            (
                "argocd-pair1-deployment.target.yaml",
                "argocd-pair1-deployment.live.yaml",
            ),
            (
                "argocd-pair3-service.config.yaml",
                "argocd-pair3-service.live.yaml",
            ),
        ] {
            cases.push(vec![
                "drift".into(),
                "--declared".into(),
                k8s(declared),
                "--actual".into(),
                k8s(actual),
            ]);
        }
    } else {
        eprintln!("skipped the shared corpus: ../shared/corpus is not here");
    }
    let (mut events, mut classified, mut hints) = (0, 0, 0);
    for case in &cases {
        let args: Vec<&str> = case.iter().map(String::as_str).collect();
        let doc = run(&args);
        assert_valid(&schema, &format!("plumb {args:?}"), &doc);
        let list = doc["events"].as_array().unwrap();
        events += list.len();
        classified += list
            .iter()
            .filter(|e| e["classification"].is_object())
            .count();
        hints += doc["namespace_hints"].as_array().unwrap().len();
    }
    assert!(events > 5, "the cases should give events to check");
    assert!(classified > 0, "some events should be classified");
    assert!(hints > 0, "a namespace case should give a hint");
}

#[test]
fn the_schemas_reject_what_they_must() {
    let check = validator("check-report.schema.json");
    let bad = serde_json::json!({"plumb_report": 2, "summary": {}, "findings": []});
    assert!(!check.is_valid(&bad));
    let drift = validator("drift-report.schema.json");
    let bad = serde_json::json!({
        "drift_version": 1,
        "events": [{"kind": "added", "type": "t", "id": "i", "address": "a", "path": "/x"}],
        "summary": {"declared": 0, "actual": 1, "added": 1, "deleted": 0, "changed": 0}
    });
    assert!(!drift.is_valid(&bad), "an added resource has an empty path");
}
