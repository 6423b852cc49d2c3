//! YAML and Kubernetes sources through the binary: `plumb import` turns
//! manifests and live objects into snapshots (golden files beside the
//! inputs), `plumb check` runs rules over them, and bad YAML exits 2 with
//! the file, the line and column, and the cause.
//!
//! Every file of the shared corpus (`../shared/corpus/kubernetes`) is
//! imported when that folder is present; their expected snapshots are in
//! `tests/import/kubernetes/corpus/`. `PLUMB_BLESS=1` regenerates the
//! expected files; review the diff.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests"
)]

mod support;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use support::{golden, plumb, root};

fn tmp(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("import_yaml");
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

#[test]
fn kubernetes_sources_import_as_expected() {
    let dir = root().join("tests/import/kubernetes");
    let mut failures = Vec::new();
    for name in ["handwritten.yaml", "typed-list.json"] {
        failures.extend(golden(
            &dir.join(name),
            &dir.join(format!("{name}.snapshot.json")),
        ));
    }
    let shared = root().join("../shared/corpus/kubernetes");
    if shared.is_dir() {
        let mut files: Vec<PathBuf> = std::fs::read_dir(&shared)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.is_file())
            .collect();
        files.sort();
        assert!(!files.is_empty());
        for f in files {
            let name = f.file_name().unwrap().to_string_lossy().into_owned();
            failures.extend(golden(
                &f,
                &dir.join("corpus").join(format!("{name}.snapshot.json")),
            ));
        }
    } else {
        eprintln!(
            "import_yaml: ../shared/corpus/kubernetes not found; only the hand-written manifests are checked"
        );
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// What the hand-written manifest imports to, beyond the golden file: the
/// properties a reviewer would check by eye.
#[test]
fn handwritten_manifest_has_the_expected_identities() {
    let out = plumb(&["import", "tests/import/kubernetes/handwritten.yaml"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let rows: Vec<(String, String, u64)> = doc["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["type"].as_str().unwrap().to_string(),
                r["address"].as_str().unwrap().to_string(),
                r["source"]["line"].as_u64().unwrap(),
            )
        })
        .collect();
    let want = [
        ("k8s_namespace", "Namespace/shop", 5),
        ("k8s_secret", "shop/Secret/db-credentials", 12),
        ("k8s_cluster_role", "ClusterRole/secret-reader", 27),
        ("k8s_config_map", "default/ConfigMap/shop-config", 34),
        ("k8s_deployment", "shop/Deployment/checkout", 41),
        ("k8s_job", "shop/Job/migrate-*", 69),
    ];
    let want: Vec<(String, String, u64)> = want
        .iter()
        .map(|(t, a, l)| (t.to_string(), a.to_string(), *l))
        .collect();
    assert_eq!(rows, want);
    let secret = &doc["resources"][1];
    assert_eq!(
        secret["sensitive"],
        serde_json::json!([
            "/data",
            "/stringData",
            "/metadata/annotations/kubectl.kubernetes.io~1last-applied-configuration"
        ])
    );
    let deployment = &doc["resources"][4]["attributes"];
    let pod = &deployment["spec"]["template"]["spec"];
    // The alias and the merge key: the sidecar is the app container with
    // its own name and security context.
    assert_eq!(pod["containers"][1]["image"], pod["containers"][0]["image"]);
    assert_eq!(pod["containers"][1]["name"], "sidecar");
    // YAML 1.1, as kubectl reads it.
    assert_eq!(pod["volumes"][0]["secret"]["defaultMode"], 256);
    assert_eq!(pod["hostNetwork"], false);
    // The default namespace is in the id only.
    assert!(
        doc["resources"][3]["attributes"]["metadata"]
            .get("namespace")
            .is_none()
    );
}

#[test]
fn check_finds_a_privileged_container_in_a_manifest() {
    let out = plumb(&[
        "check",
        "-p",
        "tests/import/kubernetes/privileged.plumb",
        "tests/import/kubernetes/handwritten.yaml",
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains("FAIL critical k8s_no_privileged_containers shop/Deployment/checkout"),
        "{text}"
    );
    assert!(
        text.contains("runs privileged containers [\"app\"]"),
        "{text}"
    );
    assert!(
        text.contains("source: tests/import/kubernetes/handwritten.yaml:41"),
        "{text}"
    );
    // The Job's only container is not privileged.
    assert!(
        !text.contains("FAIL critical k8s_no_privileged_containers shop/Job"),
        "{text}"
    );
    // The Secret's data is never printed.
    assert!(!text.contains("hunter2"), "{text}");
}

/// Runs `plumb import` on a file that must be refused: exit 2, and stderr
/// names the file, `line:column` and the cause.
fn refused(name: &str, bytes: &[u8], position: Option<(usize, usize)>, cause: &str) -> String {
    let path = tmp(name);
    std::fs::write(&path, bytes).unwrap();
    let started = Instant::now();
    let out = plumb(&["import", path.to_str().unwrap(), "-o", "-"]);
    let took = started.elapsed();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{name}: {err}");
    assert!(out.stdout.is_empty(), "{name}");
    assert!(err.contains(name), "{name}: {err}");
    if let Some((line, column)) = position {
        assert!(
            err.contains(&format!("{name}:{line}:{column}: ")),
            "{name}: wanted {line}:{column}: {err}"
        );
    }
    assert!(err.contains(cause), "{name}: wanted {cause:?}: {err}");
    assert!(took < Duration::from_secs(20), "{name} took {took:?}");
    err.into_owned()
}

#[test]
fn bad_yaml_is_refused_with_the_position_and_the_cause() {
    let _ = refused(
        "truncated.yaml",
        b"apiVersion: v1\nkind: Pod\nmetadata:\n  name: \"web\n",
        Some((4, 9)),
        "invalid YAML: while scanning a quoted scalar, found unexpected end of stream",
    );
    let _ = refused(
        "truncated-flow.yaml",
        b"apiVersion: v1\nkind: Pod\nmetadata: {name: web,\n",
        Some((4, 1)),
        "invalid YAML",
    );
    let _ = refused(
        "duplicate.yaml",
        b"apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n  labels: {app: x}\n  name: b\n",
        Some((6, 3)),
        "duplicate key \"name\" in a mapping",
    );
    let _ = refused(
        "not-utf8.yaml",
        b"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: caf\xe9}\n",
        Some((3, 21)),
        "invalid UTF-8 at byte offset 51",
    );
    let _ = refused(
        "nan.yaml",
        b"apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  priority: .nan\n",
        Some((5, 13)),
        "\".nan\" is not a number JSON can hold",
    );
    let _ = refused("empty.yaml", b"", None, "the file is empty");
    let _ = refused(
        "comments-only.yaml",
        b"# nothing here\n---\n",
        None,
        "holds no YAML document",
    );
    let _ = refused(
        "not-kubernetes.yaml",
        b"apiVersion: v1\nkind: Pod\nmetadata: {name: a}\n---\n# a values file\nreplicas: 3\nimage: nginx\n",
        Some((6, 1)),
        "neither a Kubernetes object",
    );
    let _ = refused(
        "no-name.yaml",
        b"apiVersion: v1\nkind: Pod\nmetadata: {name: a}\n---\napiVersion: v1\nkind: Pod\nspec: {}\n",
        Some((5, 1)),
        "this Pod has no metadata.name",
    );
    let _ = refused(
        "complex-key.yaml",
        b"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata:\n  ? [a, b]\n  : c\n",
        Some((5, 5)),
        "a list cannot be a mapping key",
    );
}

#[test]
fn alias_bombs_are_refused_quickly() {
    // Ten lists of ten aliases of the previous one: 10^10 nodes expanded.
    let mut text = String::from(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: lol}\ndata:\n  l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n",
    );
    for i in 1..10 {
        let p = i - 1;
        text.push_str(&format!(
            "  l{i}: &l{i} [*l{p}, *l{p}, *l{p}, *l{p}, *l{p}, *l{p}, *l{p}, *l{p}, *l{p}, *l{p}]\n"
        ));
    }
    let _ = refused(
        "billion-laughs.yaml",
        text.as_bytes(),
        None,
        "alias expansion exceeds 1000000 nodes",
    );
    // The same with big strings: bounded by bytes too.
    let big = "x".repeat(1 << 20);
    let mut text = format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: big}}\ndata:\n  a: &a {big}\n  b: ["
    );
    text.push_str(&"*a, ".repeat(100));
    text.push_str("]\n");
    let _ = refused(
        "big-aliases.yaml",
        text.as_bytes(),
        Some((6, 7 + 4 * 63)),
        "alias expansion exceeds 67108864 bytes",
    );
}

#[test]
fn deep_nesting_is_refused_without_crashing() {
    // The scanner reads flow collections ahead (one may be a key) and
    // stops at its own limit, 255, on the line.
    for (name, open) in [("deep-flow.yaml", "["), ("deep-flow-mapping.yaml", "{a: ")] {
        let err = refused(
            name,
            format!("k: {}", open.repeat(100_000)).as_bytes(),
            None,
            "nested more than 128 deep",
        );
        assert!(err.contains(&format!("{name}:1:")), "{err}");
    }
    // A `*.yaml` file that starts like JSON and is not JSON: the YAML
    // error is the one reported (the scanner stops ahead of the parser,
    // so the column is past the 129th bracket).
    let _ = refused(
        "deep-brackets.yaml",
        "[".repeat(100_000).as_bytes(),
        None,
        "deep-brackets.yaml:1:",
    );
    // Named `*.json`, the same bytes get the JSON error.
    let _ = refused(
        "deep-brackets.json",
        "[".repeat(100_000).as_bytes(),
        Some((1, 128)),
        "recursion limit exceeded",
    );
    let _ = refused(
        "deep-sequence.yaml",
        format!("{}x\n", "- ".repeat(100_000)).as_bytes(),
        Some((1, 1 + 2 * 128)),
        "nested more than 128 deep",
    );
    // A block mapping indented one more space on each line.
    let text: String = (0..3000)
        .map(|i| format!("{}k{i}:\n", " ".repeat(i)))
        .collect();
    let _ = refused(
        "deep-block.yaml",
        text.as_bytes(),
        Some((129, 129)),
        "nested more than 128 deep",
    );
    // JSON is read by serde_json, which has its own limit.
    let path = tmp("deep.json");
    std::fs::write(&path, "[".repeat(100_000)).unwrap();
    let out = plumb(&["import", path.to_str().unwrap(), "-o", "-"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("deep.json:1:"));
}

#[test]
fn random_yaml_never_crashes_the_binary() {
    // Mutations of a manifest through the binary: exit 0 or 2, never a
    // crash, and an error always names the file.
    let seed = std::fs::read("tests/import/kubernetes/handwritten.yaml")
        .or_else(|_| std::fs::read(root().join("tests/import/kubernetes/handwritten.yaml")))
        .unwrap();
    let mut x: u64 = 0x2545_F491_4F6C_DD1D;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let path = tmp("mutant.yaml");
    for _ in 0..40 {
        let mut bytes = seed.clone();
        for _ in 0..(1 + next() % 4) {
            let at = (next() % bytes.len() as u64) as usize;
            let byte = b"-:?[]{},&*!|>'\"# \n\t"[(next() % 19) as usize];
            match next() % 3 {
                0 => bytes[at] = byte,
                1 => bytes.insert(at, byte),
                _ => {
                    bytes.remove(at);
                }
            }
        }
        std::fs::write(&path, &bytes).unwrap();
        let out = plumb(&["import", path.to_str().unwrap(), "-o", "-"]);
        let code = out.status.code();
        assert!(
            code == Some(0) || code == Some(2),
            "exit {code:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        if code == Some(2) {
            assert!(String::from_utf8_lossy(&out.stderr).contains("mutant.yaml"));
        }
    }
}
