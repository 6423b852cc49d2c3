//! The command line as users and CI see it: exit codes, version, help,
//! color handling.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests"
)]

use std::path::PathBuf;
use std::process::{Command, Output};

fn plumb(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_plumb"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("NO_COLOR")
        .output()
        .expect("run plumb")
}

fn temp_file(name: &str, content: &[u8]) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("cli");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, content).unwrap();
    path
}

const CLEAN: &str = "rule r on aws_s3_bucket {\n  severity low\n  controls nist.CM-6\n  require attributes.acl != \"public-read\"\n}\n";

#[test]
fn clean_file_exits_0() {
    let path = temp_file("clean.plumb", CLEAN.as_bytes());
    let out = plumb(&["lint", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.ends_with("0 errors, 0 warnings, 1 file checked\n"),
        "{stdout}"
    );
}

#[test]
fn warnings_alone_exit_0_errors_exit_1() {
    let warn = temp_file(
        "warn.plumb",
        b"rule r on t {\n  severity low\n  require attributes.x == 1\n}\n",
    );
    let out = plumb(&["lint", warn.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("W0003"));

    let err = temp_file(
        "err.plumb",
        b"rule r on t {\n  severity low\n  controls nist.CM-66\n  require attributes.x == 1\n}\n",
    );
    let out = plumb(&["lint", err.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("E0403 unknown-control"), "{stdout}");
    assert!(stdout.contains("did you mean `nist.CM-6`"), "{stdout}");
}

#[test]
fn missing_path_and_bad_usage_exit_2() {
    let out = plumb(&["lint", "does/not/exist.plumb"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("does/not/exist.plumb"), "{stderr}");

    assert_eq!(plumb(&["lint"]).status.code(), Some(2));
    assert_eq!(plumb(&["frobnicate"]).status.code(), Some(2));
    assert_eq!(
        plumb(&["lint", "--format", "xml", "x"]).status.code(),
        Some(2)
    );
}

#[test]
fn directory_without_rule_files_exits_2() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("cli-empty");
    std::fs::create_dir_all(&dir).unwrap();
    let out = plumb(&["lint", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no `.plumb` files"));
}

#[test]
fn version_and_help() {
    let out = plumb(&["--version"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        format!("plumb {}", env!("CARGO_PKG_VERSION"))
    );
    let out = plumb(&["--help"]);
    assert_eq!(out.status.code(), Some(0));
    let help = String::from_utf8_lossy(&out.stdout);
    for needle in ["lint", "explain", "Examples:", "Exit codes:"] {
        assert!(help.contains(needle), "help lacks {needle}: {help}");
    }
}

#[test]
fn color_only_when_asked_or_on_a_terminal() {
    let err = temp_file(
        "color.plumb",
        b"rule r on t {\n  severity hgh\n  controls nist.CM-6\n  require attributes.x == 1\n}\n",
    );
    let path = err.to_str().unwrap();
    // Output is a pipe here, so `auto` means no color.
    let plain = plumb(&["lint", path]);
    assert!(!plain.stdout.contains(&0x1b));
    let colored = plumb(&["lint", "--color", "always", path]);
    assert!(colored.stdout.contains(&0x1b));
}

#[test]
fn invalid_utf8_is_a_diagnostic_not_a_crash() {
    let path = temp_file("bad.plumb", b"rule r on t {\n  severity \xff\xfe low\n}\n");
    let out = plumb(&["lint", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("E0004"), "{stdout}");
    assert!(stdout.contains("offset 25"), "{stdout}");
}

#[test]
fn files_are_reported_in_path_order() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("cli-order");
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    let bad =
        "rule r on host {\n  severity hgh\n  controls nist.CM-6\n  require attributes.x == 1\n}\n";
    std::fs::write(dir.join("b.plumb"), bad).unwrap();
    std::fs::write(dir.join("a.plumb"), bad).unwrap();
    std::fs::write(dir.join("sub/c.plumb"), bad).unwrap();
    std::fs::write(dir.join("notes.txt"), "not a rule file").unwrap();
    let out = plumb(&["lint", "--format", "json", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let files: Vec<String> = json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            let f = d["file"].as_str().unwrap();
            f.rsplit('/').next().unwrap().to_string()
        })
        .collect();
    assert_eq!(files, vec!["a.plumb", "b.plumb", "c.plumb"]);
    assert_eq!(json["summary"]["files"], 3);
}
