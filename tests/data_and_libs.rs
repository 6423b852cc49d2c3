//! `plumb check --data`, `--lib`, `plumb.toml`, `--color` and the
//! resource types no rule checked.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests"
)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn dir(name: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("data_and_libs")
        .join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn plumb_in(cwd: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_plumb"))
        .current_dir(cwd)
        .args(args)
        .env_remove("NO_COLOR")
        .output()
        .expect("run plumb")
}

fn text(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr)
}

const RULES: &str = r#"package acme.keys

/// Keys are rotated within the organisation's limit.
rule key_rotated on aws_iam_access_key {
  severity medium
  controls nist.IA-5
  require attributes.age <= data("max_key_age_days", 90)
}

/// Buckets live in an allowed region; the list has no default.
rule bucket_region on aws_s3_bucket {
  severity medium
  controls nist.SC-7
  require attributes.region in data("allowed_regions")
}
"#;

const SNAPSHOT: &str = r#"{"resources":[
  {"type":"aws_iam_access_key","id":"k","attributes":{"age":60}},
  {"type":"aws_s3_bucket","id":"b","attributes":{"region":"us-east-1"}},
  {"type":"aws_sqs_queue","id":"q","attributes":{}}
]}"#;

fn setup(name: &str) -> PathBuf {
    let d = dir(name);
    std::fs::write(d.join("rules.plumb"), RULES).unwrap();
    std::fs::write(d.join("snap.json"), SNAPSHOT).unwrap();
    d
}

#[test]
fn data_files_set_values_and_a_missing_key_is_an_error() {
    let d = setup("data");
    // No data: the default holds for the key, the list without one errors.
    let out = plumb_in(&d, &["check", "-p", "rules.plumb", "snap.json"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let t = text(&out);
    assert!(t.contains("ERROR medium bucket_region"), "{t}");
    assert!(t.contains("no data was given"), "{t}");

    std::fs::write(
        d.join("common.yaml"),
        "allowed_regions: [us-east-1]\nmax_key_age_days: 90\n",
    )
    .unwrap();
    std::fs::write(d.join("prod.json"), r#"{"max_key_age_days": 30}"#).unwrap();
    let out = plumb_in(
        &d,
        &[
            "check",
            "-p",
            "rules.plumb",
            "--data",
            "common.yaml",
            "--data",
            "prod.json",
            "snap.json",
        ],
    );
    let t = text(&out);
    // The later file's 30 wins: a 60-day-old key fails.
    assert!(t.contains("FAIL medium key_rotated"), "{t}");
    assert!(!t.contains("bucket_region"), "{t}");

    // A misspelt key, read without a default, names what there is.
    std::fs::write(d.join("typo.yaml"), "allowed_region: [us-east-1]\n").unwrap();
    let out = plumb_in(
        &d,
        &[
            "check",
            "-p",
            "rules.plumb",
            "--data",
            "typo.yaml",
            "snap.json",
        ],
    );
    let t = text(&out);
    assert!(
        t.contains("the data has no `allowed_regions` (it has `allowed_region`)"),
        "{t}"
    );

    // A data file that is not an object is refused, naming it.
    std::fs::write(d.join("list.yaml"), "- a\n- b\n").unwrap();
    let out = plumb_in(
        &d,
        &[
            "check",
            "-p",
            "rules.plumb",
            "--data",
            "list.yaml",
            "snap.json",
        ],
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("list.yaml"), "{}", text(&out));
}

#[test]
fn plumb_toml_gives_data_and_libraries_and_refuses_unknown_keys() {
    let d = setup("toml");
    std::fs::create_dir_all(d.join("shared")).unwrap();
    std::fs::write(
        d.join("shared/helpers.plumb"),
        "package acme.helpers\n\nlet eu = [\"eu-west-1\"]\n\nrule never_run on aws_sqs_queue {\n  severity high\n  controls nist.SC-7\n  require false\n}\n",
    )
    .unwrap();
    std::fs::write(
        d.join("queues.plumb"),
        "package acme.queues\n\nimport acme.helpers\n\nrule queue_region on aws_sqs_queue {\n  severity low\n  controls nist.SC-7\n  require coalesce_region(attributes) in helpers.eu\n}\n\nfn coalesce_region(a) = if exists(a.region) then a.region else \"eu-west-1\"\n",
    )
    .unwrap();
    std::fs::write(d.join("regions.yaml"), "allowed_regions: [us-east-1]\n").unwrap();
    std::fs::write(
        d.join("plumb.toml"),
        "data = [\"regions.yaml\"]\nlib = [\"shared\"]\n",
    )
    .unwrap();
    let out = plumb_in(
        &d,
        &[
            "check",
            "-p",
            "rules.plumb",
            "-p",
            "queues.plumb",
            "snap.json",
            "--format",
            "json",
        ],
    );
    let report: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&out)));
    // The library's rule did not run; its constant served the import.
    assert_eq!(report["summary"]["rules"], 3, "{report}");
    assert_eq!(report["summary"]["failed"], 0, "{report}");
    assert_eq!(report["summary"]["passed"], 3, "{report}");

    std::fs::write(d.join("plumb.toml"), "datas = [\"regions.yaml\"]\n").unwrap();
    let out = plumb_in(&d, &["check", "-p", "rules.plumb", "snap.json"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("plumb.toml"), "{}", text(&out));
    assert!(text(&out).contains("datas"), "{}", text(&out));
}

#[test]
fn unchecked_types_are_listed_and_color_is_chosen() {
    let d = setup("unchecked");
    std::fs::write(d.join("d.yaml"), "allowed_regions: [eu-west-1]\n").unwrap();
    let args = [
        "check",
        "-p",
        "rules.plumb",
        "--data",
        "d.yaml",
        "snap.json",
    ];
    let out = plumb_in(&d, &args);
    let t = text(&out);
    assert!(
        t.contains("not checked by any rule: aws_sqs_queue\n"),
        "{t}"
    );
    assert!(!t.contains('\u{1b}'), "no color on a pipe: {t}");
    let json = plumb_in(&d, &[&args[..], &["--format", "json"]].concat());
    let report: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(
        report["summary"]["unchecked_types"],
        serde_json::json!(["aws_sqs_queue"])
    );

    let colored = plumb_in(&d, &[&args[..], &["--color", "always"]].concat());
    let t = text(&colored);
    assert!(
        t.contains("\u{1b}[1;31mFAIL\u{1b}[0m medium bucket_region"),
        "{t}"
    );
    let never = plumb_in(&d, &[&args[..], &["--color", "never"]].concat());
    assert!(!text(&never).contains('\u{1b}'));
}

#[test]
fn plumb_test_reads_data_files_too() {
    let d = setup("test_data");
    std::fs::write(
        d.join("tested.plumb"),
        format!(
            "{RULES}\ntest key_rotated {{\n  resource aws_iam_access_key \"k\" {{ age: 60 }} expect fail\n}}\n"
        ),
    )
    .unwrap();
    std::fs::write(d.join("strict.yaml"), "max_key_age_days: 30\n").unwrap();
    // With the data, 30 days: a 60-day-old key fails, as the test expects.
    let out = plumb_in(&d, &["test", "--data", "strict.yaml", "tested.plumb"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    // Without it, the default 90 holds and the expectation is not met.
    let out = plumb_in(&d, &["test", "tested.plumb"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
}
