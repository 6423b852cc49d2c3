//! Rules `on snapshot`: decided once per snapshot, through queries, with
//! the snapshot as the finding's subject.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests"
)]

use std::path::{Path, PathBuf};

mod support;
use support::plumb;

fn write(name: &str, text: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("snapshot_rules");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

const TRAIL_RULE: &str = r#"package estate

/// At least one CloudTrail trail records every region.
rule multi_region_trail on snapshot {
  severity high
  controls nist.AU-2, pci.10.2.1
  when count(resources(aws_*)) > 0
  require any(resources(aws_cloudtrail), t => t.attributes.is_multi_region_trail == true)
  message "none of the {count(resources(aws_cloudtrail))} trails records every region"
}
"#;

fn snapshot(trails: &[bool]) -> String {
    let mut resources: Vec<String> = trails
        .iter()
        .enumerate()
        .map(|(i, multi)| {
            format!(
                r#"{{"type":"aws_cloudtrail","id":"trail-{i}","attributes":{{"is_multi_region_trail":{multi}}}}}"#
            )
        })
        .collect();
    resources.push(r#"{"type":"aws_s3_bucket","id":"logs","attributes":{}}"#.to_string());
    format!(r#"{{"resources":[{}]}}"#, resources.join(","))
}

fn check_json(policy: &Path, input: &Path) -> (Option<i32>, serde_json::Value) {
    let out = plumb(&[
        "check",
        "-p",
        policy.to_str().unwrap(),
        input.to_str().unwrap(),
        "--format",
        "json",
    ]);
    let report = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code(), report)
}

#[test]
fn multi_region_trail_passes_with_one_and_fails_without() {
    let policy = write("trail.plumb", TRAIL_RULE);
    let with = write("with.json", &snapshot(&[false, true]));
    let (code, report) = check_json(&policy, &with);
    assert_eq!(code, Some(0), "{report}");
    assert_eq!(report["summary"]["passed"], 1, "{report}");
    assert_eq!(report["findings"].as_array().unwrap().len(), 0);

    let without = write("without.json", &snapshot(&[false, false]));
    let (code, report) = check_json(&policy, &without);
    assert_eq!(code, Some(1), "{report}");
    assert_eq!(report["summary"]["failed"], 1, "{report}");
    let finding = &report["findings"][0];
    assert_eq!(finding["rule"], "multi_region_trail");
    assert_eq!(finding["resource"]["type"], "snapshot");
    assert_eq!(finding["resource"]["id"], "snapshot");
    assert_eq!(
        finding["message"],
        "none of the 2 trails records every region"
    );

    // No trail at all fails too; a snapshot with nothing of AWS skips.
    let none = write("none.json", &snapshot(&[]));
    assert_eq!(check_json(&policy, &none).1["summary"]["failed"], 1);
    let empty = write("empty.json", r#"{"resources":[]}"#);
    let (code, report) = check_json(&policy, &empty);
    assert_eq!(code, Some(0));
    assert_eq!(report["summary"]["skipped"], 1, "{report}");
}

#[test]
fn a_snapshot_rule_sees_every_input_file_and_reports_once() {
    let policy = write("trail2.plumb", TRAIL_RULE);
    let a = write("a.json", &snapshot(&[false]));
    let b = write(
        "b.json",
        r#"{"resources":[{"type":"aws_cloudtrail","id":"org","attributes":{"is_multi_region_trail":true}}]}"#,
    );
    let out = plumb(&[
        "check",
        "-p",
        policy.to_str().unwrap(),
        a.to_str().unwrap(),
        b.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("0 failed, 1 passed"), "{text}");

    let out = plumb(&["check", "-p", policy.to_str().unwrap(), a.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.starts_with("FAIL high multi_region_trail snapshot: none of the 1 trails"),
        "{text}"
    );
}

#[test]
fn reading_the_resource_in_a_snapshot_rule_is_an_error() {
    let policy = write(
        "bad.plumb",
        "rule trail on snapshot {\n  severity high\n  controls nist.AU-2\n  require attributes.is_multi_region_trail == true\n}\n",
    );
    let out = plumb(&["lint", policy.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(text.contains("E0212"), "{text}");
    assert!(text.contains("resources(aws_cloudtrail)"), "{text}");

    let drift = write(
        "drift.plumb",
        "drift d on snapshot {\n  severity high\n  controls nist.AU-2\n  paths x\n}\n",
    );
    let out = plumb(&["lint", drift.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(text.contains("E0107"), "{text}");
}

#[test]
fn tests_exercise_a_snapshot_rule_with_the_blocks_own_expectation() {
    let policy = write(
        "trail_tests.plumb",
        &format!(
            "{TRAIL_RULE}
test multi_region_trail {{
  resource aws_cloudtrail \"org\" {{ is_multi_region_trail: true }}
  expect pass
}}

test multi_region_trail {{
  resource aws_cloudtrail \"home\" {{ is_multi_region_trail: false }}
  expect fail
}}

test multi_region_trail {{
  expect skip
}}
"
        ),
    );
    let out = plumb(&["test", "--coverage", policy.to_str().unwrap()]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("0 failed, 3 passed (3 tests)"), "{text}");
    assert!(
        text.contains("coverage: 1 of 1 rule shown both passing and failing"),
        "{text}"
    );

    // A wrong expectation fails the test, naming the snapshot.
    let wrong = write(
        "trail_wrong.plumb",
        &format!(
            "{TRAIL_RULE}
test multi_region_trail {{
  resource aws_cloudtrail \"home\" {{ is_multi_region_trail: false }}
  expect pass
}}
"
        ),
    );
    let out = plumb(&["test", wrong.to_str().unwrap()]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("fixture \"snapshot\" (line 14): expected pass, got fail"),
        "{text}"
    );

    // A fixture's own expectation cannot be met by a snapshot rule.
    let misplaced = write(
        "trail_misplaced.plumb",
        &format!(
            "{TRAIL_RULE}
test multi_region_trail {{
  resource aws_cloudtrail \"home\" {{ is_multi_region_trail: false }} expect fail
}}
"
        ),
    );
    let out = plumb(&["lint", misplaced.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(text.contains("E0411"), "{text}");
    assert!(text.contains("line of its own"), "{text}");
}
