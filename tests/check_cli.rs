//! `plumb check`, `plumb compile` and `plumb test` as a user runs them:
//! exit codes, the summary line, artifacts, and test failures.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests"
)]

use std::path::{Path, PathBuf};
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

fn tmp(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("check_cli");
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn check_reports_findings_and_ends_with_the_count() {
    let out = plumb(&[
        "check",
        "-p",
        "examples/quickstart.plumb",
        "examples/snapshot.json",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = stdout(&out);
    let last = text.lines().last().unwrap();
    assert!(
        last.starts_with("4 failed, 6 passed, 0 indeterminate"),
        "{last}"
    );
    assert!(text.contains("FAIL critical sg_no_world_ssh"), "{text}");
    assert!(text.contains("ingress[*].from_port = [22]"), "{text}");
}

#[test]
fn severity_threshold_decides_the_exit_code() {
    let critical = plumb(&[
        "check",
        "-p",
        "examples/quickstart.plumb",
        "--severity-threshold",
        "critical",
        "examples/snapshot.json",
    ]);
    assert_eq!(critical.status.code(), Some(1));
    let quickstart = std::fs::read_to_string(root().join("examples/quickstart.plumb")).unwrap();
    // Only low-severity rules: nothing at or above high fails.
    let low_only = tmp("low_only.plumb");
    std::fs::write(
        &low_only,
        "rule owner_tag on aws_s3_bucket {\n  severity low\n  controls nist.CM-8\n  require exists(attributes.tags.owner)\n}\n",
    )
    .unwrap();
    let high = plumb(&[
        "check",
        "-p",
        low_only.to_str().unwrap(),
        "--severity-threshold",
        "high",
        "examples/snapshot.json",
    ]);
    assert_eq!(high.status.code(), Some(0), "{}", stdout(&high));
    assert!(quickstart.contains("rule"));
}

#[test]
fn json_output_is_one_document() {
    let out = plumb(&[
        "check",
        "-p",
        "examples/quickstart.plumb",
        "--format",
        "json",
        "examples/snapshot.json",
    ]);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("valid JSON");
    assert_eq!(doc["summary"]["failed"], 4);
    assert_eq!(doc["findings"].as_array().unwrap().len(), 4);
}

#[test]
fn compiled_artifact_gives_the_same_report_and_corruption_is_rejected() {
    let artifact = tmp("quickstart.plumbc");
    let out = plumb(&[
        "compile",
        "-p",
        "examples/quickstart.plumb",
        "-o",
        artifact.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let direct = plumb(&[
        "check",
        "-p",
        "examples/quickstart.plumb",
        "examples/snapshot.json",
    ]);
    let compiled = plumb(&[
        "check",
        "--compiled",
        artifact.to_str().unwrap(),
        "examples/snapshot.json",
    ]);
    assert_eq!(stdout(&direct), stdout(&compiled));

    let bytes = std::fs::read(&artifact).unwrap();
    // One byte flipped anywhere: header, version, checksum or payload.
    for at in [0, 9, 20, bytes.len() / 2, bytes.len() - 1] {
        let mut bad = bytes.clone();
        bad[at] ^= 0x40;
        let path = tmp(&format!("corrupt{at}.plumbc"));
        std::fs::write(&path, &bad).unwrap();
        let out = plumb(&[
            "check",
            "--compiled",
            path.to_str().unwrap(),
            "examples/snapshot.json",
        ]);
        assert_eq!(out.status.code(), Some(2), "byte {at}: {}", stderr(&out));
        let err = stderr(&out);
        assert!(
            err.contains("corrupt")
                || err.contains("not a plumb compiled policy")
                || err.contains("different plumb"),
            "byte {at}: {err}"
        );
        assert!(err.contains(path.to_str().unwrap()), "byte {at}: {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
    // Truncated, and a foreign file.
    let path = tmp("truncated.plumbc");
    std::fs::write(&path, &bytes[..bytes.len() / 3]).unwrap();
    let out = plumb(&[
        "check",
        "--compiled",
        path.to_str().unwrap(),
        "examples/snapshot.json",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let out = plumb(&[
        "check",
        "--compiled",
        "examples/snapshot.json",
        "examples/snapshot.json",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("not a plumb compiled policy"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn plumb_test_passes_on_the_bundled_rules() {
    let out = plumb(&["test", "examples/", "bench/rules/", "policies/"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    assert!(stdout(&out).lines().last().unwrap().starts_with("0 failed"));
}

#[test]
fn a_broken_test_shows_expected_and_actual() {
    let path = tmp("broken_test.plumb");
    std::fs::write(
        &path,
        r#"rule ebs_encrypted on aws_ebs_volume {
  severity high
  controls nist.SC-28
  require attributes.encrypted == true
  message "volume {id} is not encrypted"
}

test ebs_encrypted {
  resource aws_ebs_volume "plain" { encrypted: false } expect pass
  resource aws_ebs_volume "ok" { encrypted: true } expect pass
}
"#,
    )
    .unwrap();
    let out = plumb(&["test", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(text.contains("FAIL ebs_encrypted"), "{text}");
    assert!(
        text.contains("fixture \"plain\" (line 9): expected pass, got fail"),
        "{text}"
    );
    assert!(
        text.contains("message: volume plain is not encrypted"),
        "{text}"
    );
    assert!(text.contains("encrypted = false"), "{text}");
    assert!(!text.contains("fixture \"ok\""), "{text}");
}

#[test]
fn policy_and_snapshot_errors_exit_2() {
    let bad_policy = tmp("bad.plumb");
    std::fs::write(
        &bad_policy,
        "rule r on t {\n  severity hgh\n  controls nist.CM-6\n  require true\n}\n",
    )
    .unwrap();
    let out = plumb(&[
        "check",
        "-p",
        bad_policy.to_str().unwrap(),
        "examples/snapshot.json",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("E0400"), "{}", stderr(&out));

    let bad_snapshot = tmp("bad.json");
    std::fs::write(
        &bad_snapshot,
        "{\"resources\": [\n  {\"type\": \"t\" \"id\": \"x\"}\n]}",
    )
    .unwrap();
    let out = plumb(&[
        "check",
        "-p",
        "examples/quickstart.plumb",
        bad_snapshot.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("bad.json:2:16"), "{err}");
}

#[test]
fn plumb_test_now_pins_the_clock_for_fixtures_and_rules() {
    let path = tmp("dated_test.plumb");
    std::fs::write(
        &path,
        r#"/// Keys are rotated within a year, and not before they are 100 days old.
rule key_age on aws_iam_access_key {
  severity medium
  controls nist.IA-5
  require age_days(attributes.create_date) > 100 and age_days(attributes.create_date) < 365
}

test key_age {
  resource aws_iam_access_key "k" { create_date: "2029-06-01T00:00:00Z" } expect pass
  resource aws_iam_access_key "old" { create_date: "2028-06-01T00:00:00Z" } expect fail
}
"#,
    )
    .unwrap();
    let pinned = plumb(&[
        "test",
        "--now",
        "2030-01-01T00:00:00Z",
        path.to_str().unwrap(),
    ]);
    assert_eq!(
        pinned.status.code(),
        Some(0),
        "{}{}",
        stdout(&pinned),
        stderr(&pinned)
    );
    assert!(
        stdout(&pinned).contains("ok   key_age (2 fixtures"),
        "{}",
        stdout(&pinned)
    );
    // The same tests, the clock a year later: the key is too old.
    let later = plumb(&[
        "test",
        "--now",
        "2031-01-01T00:00:00Z",
        path.to_str().unwrap(),
    ]);
    assert_eq!(later.status.code(), Some(1), "{}", stdout(&later));
    assert!(
        stdout(&later).contains("fixture \"k\" (line 9): expected pass, got fail"),
        "{}",
        stdout(&later)
    );
    let bad = plumb(&["test", "--now", "next tuesday", path.to_str().unwrap()]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        stderr(&bad).contains("not an RFC 3339 timestamp"),
        "{}",
        stderr(&bad)
    );
}

/// Runs plumb with `args`, reads one line of its output and closes the
/// pipe, as `| head -1` does; returns the exit code and stderr.
fn first_line_only(args: &[&str]) -> (Option<i32>, String) {
    use std::io::{BufRead, BufReader};
    let mut child = Command::new(env!("CARGO_BIN_EXE_plumb"))
        .current_dir(root())
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).unwrap();
    // The reader is dropped here: the pipe is closed.
    let out = child.wait_with_output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn piped_into_head_every_command_exits_quietly() {
    // Outputs far larger than a pipe's buffer, so plumb is still writing
    // when the reader goes away.
    let resources: Vec<serde_json::Value> = (0..5000)
        .map(|i| {
            serde_json::json!({"type": "aws_security_group", "id": format!("sg-{i}"),
                "attributes": {"ingress": [{"from_port": 22, "to_port": 22, "cidr_blocks": ["0.0.0.0/0"]}]}})
        })
        .collect();
    let snapshot = tmp("many.json");
    std::fs::write(
        &snapshot,
        serde_json::json!({"snapshot_version": 1, "resources": resources}).to_string(),
    )
    .unwrap();
    let broken = tmp("many-errors.plumb");
    std::fs::write(
        &broken,
        (0..2000)
            .map(|i| {
                format!(
                    "rule r{i} on t {{\n  severity hgh\n  controls nist.CM-6\n  require true\n}}\n"
                )
            })
            .collect::<String>(),
    )
    .unwrap();
    let tests = tmp("many-tests.plumb");
    let mut text = String::from(
        "rule open on t {\n  severity low\n  controls nist.CM-6\n  require attributes.x == 1\n}\n",
    );
    for _ in 0..2000 {
        text.push_str("test open {\n  resource t \"a\" { x: 1 } expect pass\n}\n");
    }
    std::fs::write(&tests, text).unwrap();
    let snapshot = snapshot.to_str().unwrap();
    let cases: Vec<Vec<&str>> = vec![
        vec!["check", "-p", "examples/quickstart.plumb", snapshot],
        vec![
            "check",
            "--format",
            "json",
            "-p",
            "examples/quickstart.plumb",
            snapshot,
        ],
        vec!["lint", broken.to_str().unwrap()],
        vec!["lint", "--format", "json", broken.to_str().unwrap()],
        vec!["test", tests.to_str().unwrap()],
    ];
    for args in cases {
        let (code, stderr) = first_line_only(&args);
        assert!(
            matches!(code, Some(0 | 1)),
            "plumb {args:?} exited {code:?}: {stderr}"
        );
        assert!(
            !stderr.to_lowercase().contains("pipe"),
            "plumb {args:?}: {stderr}"
        );
        assert!(!stderr.contains("panicked"), "plumb {args:?}: {stderr}");
    }
}

#[test]
fn the_same_resources_in_another_order_give_the_same_report() {
    // Several findings of one rule, so their order shows.
    let group = |id: &str| {
        serde_json::json!({"type": "aws_security_group", "id": id, "attributes": {"ingress": [
            {"from_port": 22, "to_port": 22, "cidr_blocks": ["0.0.0.0/0"]}]}})
    };
    let ids = ["sg-c", "sg-a", "sg-d", "sg-b"];
    let write = |name: &str, order: &[&str]| {
        let path = tmp(name);
        let resources: Vec<_> = order.iter().map(|id| group(id)).collect();
        std::fs::write(
            &path,
            serde_json::json!({"snapshot_version": 1, "resources": resources}).to_string(),
        )
        .unwrap();
        path
    };
    let reversed: Vec<&str> = ids.iter().rev().copied().collect();
    let (a, b) = (
        write("order-a.json", &ids),
        write("order-b.json", &reversed),
    );
    let run = |snapshot: &std::path::Path| {
        let out = plumb(&[
            "check",
            "-p",
            "examples/quickstart.plumb",
            snapshot.to_str().unwrap(),
        ]);
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter(|l| l.starts_with("FAIL"))
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    let forward = run(&a);
    assert_eq!(forward.len(), 4, "{forward:?}");
    assert!(
        forward[0].contains("sg-a") && forward[3].contains("sg-d"),
        "{forward:?}"
    );
    assert_eq!(forward, run(&b));
}

#[test]
fn every_shipped_rule_file_lints_clean() {
    let out = plumb(&["lint", "policies/", "examples/", "bench/rules/"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let last = stdout(&out).lines().last().unwrap().to_string();
    assert!(last.starts_with("0 errors, 0 warnings"), "{}", stdout(&out));
}

#[test]
fn a_field_of_a_list_fails_closed_with_the_fix() {
    // The day-one mistake: `ingress` is a list, so `.cidr_blocks` without
    // `[*]` read null and `not in` passed a group open to the world.
    let policy = tmp("no_world.plumb");
    std::fs::write(
        &policy,
        "rule no_world on aws_security_group {\n  severity critical\n  controls nist.SC-7\n  require \"0.0.0.0/0\" not in attributes.ingress.cidr_blocks\n}\n",
    )
    .unwrap();
    let snapshot = tmp("open-group.json");
    std::fs::write(
        &snapshot,
        r#"{"resources": [{"type": "aws_security_group", "id": "sg-1", "attributes": {"ingress": [{"from_port": 22, "to_port": 22, "cidr_blocks": ["0.0.0.0/0"]}]}}]}"#,
    )
    .unwrap();
    let out = plumb(&[
        "check",
        "-p",
        policy.to_str().unwrap(),
        snapshot.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let text = stdout(&out);
    assert!(text.starts_with("ERROR critical no_world"), "{text}");
    assert!(text.contains("write `[*].cidr_blocks`"), "{text}");
}

#[test]
fn a_broken_policy_still_gives_json_on_stdout() {
    let policy = tmp("broken_json.plumb");
    std::fs::write(
        &policy,
        "rule r on aws_s3_bucket {\n  severity low\n  controls nist.CM-6\n  require attributes.acl != 'public'\n}\n",
    )
    .unwrap();
    let out = plumb(&[
        "check",
        "-p",
        policy.to_str().unwrap(),
        "examples/snapshot.json",
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let doc: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", stdout(&out)));
    assert_eq!(doc["diagnostics"][0]["code"], "E0001", "{doc}");
    assert_eq!(doc["summary"]["errors"], 1, "{doc}");
    // The text form is for people, on stderr, as before.
    assert!(stderr(&out).contains("single quotes do not make a string"));
}

#[test]
fn a_rule_defined_in_two_files_shows_both_places() {
    let a = tmp("dup_a.plumb");
    let b = tmp("dup_b.plumb");
    let text = "package dup\n\nrule twice on aws_s3_bucket {\n  severity low\n  controls nist.CM-6\n  require attributes.bucket != \"\"\n}\n";
    std::fs::write(&a, text).unwrap();
    std::fs::write(&b, text).unwrap();
    let out = plumb(&["lint", a.to_str().unwrap(), b.to_str().unwrap()]);
    let shown = stdout(&out);
    assert!(shown.contains(&format!("{}:3:6", b.display())), "{shown}");
    assert!(shown.contains(&format!("{}:3:6", a.display())), "{shown}");
    assert!(shown.contains("first defined here"), "{shown}");
    let out = plumb(&[
        "lint",
        "--format",
        "json",
        a.to_str().unwrap(),
        b.to_str().unwrap(),
    ]);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let d = doc["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "E0202")
        .unwrap();
    assert_eq!(d["file"], b.display().to_string());
    assert_eq!(d["secondary"][0]["file"], a.display().to_string());
    assert_eq!(d["secondary"][0]["start"]["line"], 3);
}

#[test]
fn a_keyword_is_a_package_segment() {
    let p = tmp("keyword_package.plumb");
    std::fs::write(
        &p,
        "package acme.test\n\nrule r on aws_s3_bucket {\n  severity low\n  controls nist.CM-6\n  require attributes.bucket != \"\"\n}\n",
    )
    .unwrap();
    let out = plumb(&["lint", p.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
}
