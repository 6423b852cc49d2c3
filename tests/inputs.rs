//! How plumb reads its inputs (plumb-ingest's input module): each file is
//! read once, scan results included; a file is told apart by as much of
//! it as it takes, so `check`, `drift` and `import` agree on what it is;
//! `-` is standard input.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests"
)]

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use plumb_ingest::input::{InputError, Inputs};
use plumb_runtime::eval::{self, CompiledPolicy, EvalOptions};
use plumb_runtime::snapshot::LoadOptions;
use plumb_runtime::value::Str;
use plumb_runtime::{PathTree, Resource, TypePattern, Value};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn tmp(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("inputs");
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

fn policy(path: &str) -> CompiledPolicy {
    let mut sources = plumb_compiler::SourceMap::new();
    let text = std::fs::read(root().join(path)).unwrap();
    sources.add_bytes(path.to_string(), text);
    let (_, compiled) = plumb_compiler::compile(&sources);
    CompiledPolicy::new(
        compiled.unwrap().program,
        plumb_stdlib::StdBuiltins::shared(),
    )
    .unwrap()
}

/// A snapshot of several loader blocks: many buckets, then the resources
/// of a real InSpec report (scan results, which become findings).
fn snapshot_with_scan_results() -> (PathBuf, usize) {
    let report = root().join("tests/import/host/inspec5-enhanced-outcomes.json");
    let scans = plumb_ingest::import(&report, &std::fs::read(&report).unwrap()).unwrap();
    let mut resources: Vec<Resource> = (0..40_000)
        .map(|i| {
            let attrs = serde_json::json!({
                "bucket": format!("bucket-{i}"),
                "tags": {"owner": "team", "note": "x".repeat(64)},
            });
            Resource::new(
                "aws_s3_bucket",
                &format!("bucket-{i}"),
                Value::from_json(&attrs),
            )
        })
        .collect();
    let n = scans.len();
    resources.extend(scans);
    let path = tmp("with-scans.json");
    std::fs::write(&path, plumb_ingest::snapshot_json(&resources).unwrap()).unwrap();
    (path, n)
}

#[test]
fn check_reads_each_input_once_and_finds_scan_results_in_the_same_pass() {
    let (path, scans) = snapshot_with_scan_results();
    let size = std::fs::metadata(&path).unwrap().len();
    assert!(
        size > 8 << 20,
        "the snapshot should span several 4 MiB blocks"
    );
    let policy = policy("examples/quickstart.plumb");
    let scan_types = ["inspec_control", "inspec_profile", "xccdf_rule_result"];
    let mut load = LoadOptions {
        projection: policy.program().projection.clone(),
        threads: 2,
    };
    if let Some(p) = &mut load.projection.patterns {
        for t in scan_types {
            p.push((TypePattern::Exact(t.to_string()), PathTree::everything()));
        }
    }
    let options = EvalOptions {
        threads: 2,
        keep_types: scan_types.iter().map(|t| Str::from(*t)).collect(),
        ..EvalOptions::default()
    };
    let inputs = Inputs::new();
    let checked = eval::check_files::<InputError>(
        &policy,
        inputs.inputs(std::slice::from_ref(&path)).unwrap(),
        &load,
        &options,
    )
    .unwrap();
    assert_eq!(inputs.bytes_read(), size, "every byte read exactly once");
    assert_eq!(checked.kept.len(), scans);
    assert_eq!(checked.report.resources, 40_000 + scans);
    let results = plumb_ingest::host::scan_results(&checked.kept);
    assert!(results.results > 0 && !results.findings.is_empty());
}

#[test]
fn a_state_whose_telling_keys_come_late_is_a_state_for_every_command() {
    // `outputs` first, and large: `lineage` and `terraform_version` come
    // after the first 64 KiB (and the old fixed 4 KiB).
    let blob = "y".repeat(100_000);
    let state = format!(
        r#"{{"version": 4, "outputs": {{"blob": {{"value": "{blob}", "type": "string"}}}},
  "terraform_version": "1.6.0", "serial": 1, "lineage": "0c2bbf80-6ad1-4b57-a1f6-0123456789ab",
  "resources": [{{"mode": "managed", "type": "aws_s3_bucket", "name": "logs",
    "provider": "provider[\"registry.terraform.io/hashicorp/aws\"]",
    "instances": [{{"schema_version": 0, "attributes": {{"id": "logs", "bucket": "logs"}}}}]}}]}}"#
    );
    assert!(state.find("lineage").unwrap() > 64 << 10);
    let path = tmp("late-keys.json");
    std::fs::write(&path, state).unwrap();
    let inputs = Inputs::new();
    let all = inputs
        .load_all(std::slice::from_ref(&path), &LoadOptions::default())
        .unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].type_, "aws_s3_bucket");
    assert_eq!(inputs.bytes_read(), std::fs::metadata(&path).unwrap().len());
    let out = Command::new(env!("CARGO_BIN_EXE_plumb"))
        .current_dir(root())
        .args([
            "check",
            "-p",
            "examples/quickstart.plumb",
            path.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("(1 resources"));
}

#[test]
fn standard_input_is_read_once_as_a_snapshot_or_a_source() {
    let run = |stdin: &[u8]| {
        let mut child = Command::new(env!("CARGO_BIN_EXE_plumb"))
            .current_dir(root())
            .args(["check", "-p", "examples/quickstart.plumb", "-"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(stdin).unwrap();
        child.wait_with_output().unwrap()
    };
    let snapshot = std::fs::read(root().join("examples/snapshot.json")).unwrap();
    let out = run(&snapshot);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("4 failed, 6 passed"));
    let manifest = std::fs::read(root().join("tests/drift/k8s/web.manifest.yaml")).unwrap();
    let out = run(&manifest);
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Every file under `dir` with a source extension.
fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files_under(&path, out);
        } else if path.extension().and_then(|e| e.to_str()).is_some_and(|e| {
            plumb_ingest::input::SOURCE_EXTENSIONS
                .iter()
                .any(|x| e.eq_ignore_ascii_case(x))
        }) {
            out.push(path);
        }
    }
}

#[test]
fn check_drift_and_import_agree_on_what_every_real_file_is() {
    use plumb_ingest::input::Opened;
    let mut files = Vec::new();
    for dir in [
        "../shared/corpus",
        "tests/import",
        "tests/drift",
        "examples",
    ] {
        files_under(&root().join(dir), &mut files);
    }
    files.sort();
    assert!(files.len() > 40, "{} files", files.len());
    let mut checked = 0;
    for path in &files {
        let bytes = std::fs::read(path).unwrap();
        // What `plumb import` makes of the whole file...
        let imported = plumb_ingest::import(path, &bytes);
        // ...and what `plumb check` and `plumb drift` make of it.
        let opened = Inputs::new().open(path);
        match (imported, opened) {
            (Ok(resources), Ok(Opened::Resources(r))) => {
                assert_eq!(resources, r, "{}", path.display())
            }
            (Err(e), Ok(Opened::Snapshot(_))) if e.is_snapshot() => {}
            // A file that is neither: the importer refuses it, and so does
            // the snapshot loader it goes to.
            (Err(e), Ok(Opened::Snapshot(s))) => {
                let loaded = s.load(&LoadOptions::default());
                assert!(
                    loaded.is_err(),
                    "{}: import says `{e}`, check loads it as a snapshot",
                    path.display()
                );
            }
            (Err(_), Err(_)) => {}
            (Ok(_), Ok(Opened::Snapshot(_))) => {
                panic!(
                    "{}: import reads it as a source, check as a snapshot",
                    path.display()
                )
            }
            (Ok(_), Err(e)) => panic!("{}: import reads it, check says `{e}`", path.display()),
            (Err(e), Ok(Opened::Resources(_))) => {
                panic!("{}: check imports it, import says `{e}`", path.display())
            }
        }
        checked += 1;
    }
    assert_eq!(checked, files.len());
}
