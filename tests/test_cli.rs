//! `plumb test` as a user runs it: `expect error` and `expect
//! indeterminate`, unknown and sensitive fixture values, and the examples
//! of docs/language.md's "Tests" section.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests"
)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

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

/// Writes `text` to a fresh file named `name` and returns its path.
fn file(name: &str, text: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("test_cli");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// `plumb test ARGS... PATH`: the exit code and standard output.
fn run(path: &Path, args: &[&str]) -> (Option<i32>, String) {
    let mut all = vec!["test"];
    all.extend_from_slice(args);
    all.push(path.to_str().unwrap());
    let out = plumb(&all);
    assert!(
        !stderr(&out).contains("panicked"),
        "plumb {all:?}: {}",
        stderr(&out)
    );
    (out.status.code(), stdout(&out))
}

const DB_RULE: &str = r#"package demo

/// Databases are encrypted at rest, with a long master password.
rule db_encrypted on aws_db_instance {
  severity high
  controls nist.SC-28
  require attributes.storage_encrypted == true
  require length(attributes.password) >= 12
  message "database {id}: password {attributes.password} is too short, or storage is not encrypted"
}
"#;

#[test]
fn error_and_indeterminate_are_expectations_a_rule_can_meet() {
    let path = file(
        "outcomes.plumb",
        &format!(
            "{DB_RULE}
test db_encrypted {{
  resource aws_db_instance \"planned\" {{ storage_encrypted: unknown(), password: \"correct-horse-battery\" }} expect indeterminate
  resource aws_db_instance \"odd\" {{ storage_encrypted: true, password: 12 }} expect error
}}
"
        ),
    );
    let (code, text) = run(&path, &[]);
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("ok   db_encrypted (2 fixtures"), "{text}");
    // The same decisions no longer meet other expectations.
    let swapped = file(
        "outcomes_swapped.plumb",
        &format!(
            "{DB_RULE}
test db_encrypted {{
  resource aws_db_instance \"planned\" {{ storage_encrypted: unknown(), password: \"correct-horse-battery\" }} expect fail
  resource aws_db_instance \"odd\" {{ storage_encrypted: true, password: 12 }} expect indeterminate
}}
"
        ),
    );
    let (code, text) = run(&swapped, &[]);
    assert_eq!(code, Some(1));
    assert!(
        text.contains("fixture \"planned\" (line 13): expected fail, got indeterminate"),
        "{text}"
    );
    assert!(
        text.contains("fixture \"odd\" (line 14): expected indeterminate, got error"),
        "{text}"
    );
}

#[test]
fn a_rule_reading_an_unknown_fixture_value_is_indeterminate() {
    let path = file(
        "unknown.plumb",
        r#"rule open_to_world on aws_security_group {
  severity high
  controls nist.SC-7
  require not ("0.0.0.0/0" in attributes.ingress[*].cidr_blocks[*])
}

test open_to_world {
  resource aws_security_group "planned" { ingress: [{cidr_blocks: unknown()}] } expect indeterminate
  resource aws_security_group "half" { ingress: [{cidr_blocks: ["10.0.0.0/8", unknown()]}] } expect indeterminate
  resource aws_security_group "known" { ingress: [{cidr_blocks: ["0.0.0.0/0", unknown()]}] } expect fail
  resource aws_security_group "closed" { ingress: [] } expect pass
}
"#,
    );
    let (code, text) = run(&path, &[]);
    assert_eq!(code, Some(0), "{text}");
}

#[test]
fn a_sensitive_fixture_value_never_appears_in_the_report() {
    let path = file(
        "sensitive.plumb",
        &format!(
            "{DB_RULE}
test db_encrypted {{
  resource aws_db_instance \"short\" {{ storage_encrypted: true, password: sensitive(\"hunter2\") }} expect pass
  resource aws_db_instance \"nested\" {{ storage_encrypted: true, password: sensitive([\"hunter2\"]) }} expect pass
  resource aws_db_instance \"met\" {{ storage_encrypted: false, password: sensitive(\"hunter2\") }} expect fail
}}
"
        ),
    );
    let (code, text) = run(&path, &[]);
    assert_eq!(code, Some(1), "{text}");
    assert!(!text.contains("hunter2"), "{text}");
    assert!(
        text.contains("message: database short: password (sensitive) is too short"),
        "{text}"
    );
    assert!(text.contains("password = (sensitive)"), "{text}");
}

#[test]
fn markers_outside_a_fixture_value_are_errors() {
    let path = file(
        "misplaced.plumb",
        r#"package misplaced

let planned = unknown()

rule r on t {
  severity low
  controls nist.CM-6
  require attributes.x == sensitive("a")
}

test r {
  resource t "a" { x: "p" + sensitive("a") } expect pass
  resource t "b" { x: unknown(1), y: sensitive() } expect pass
}
"#,
    );
    let out = plumb(&["lint", "--format", "json", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let doc: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let codes: Vec<(&str, u64)> = doc["diagnostics"]
        .as_array()
        .unwrap_or_else(|| panic!("{doc:#}"))
        .iter()
        .map(|d| (d["code"].as_str().unwrap(), d["line"].as_u64().unwrap()))
        .collect();
    let of = |code: &str| codes.iter().filter(|(c, _)| *c == code).count();
    assert_eq!(of("E0412"), 3, "{codes:?}");
    assert_eq!(of("E0205"), 2, "{codes:?}");
    assert_eq!(codes.len(), 5, "{codes:?}");
}

/// Every `plumb` example of the "Tests" section of docs/language.md
/// that holds a test block passes `plumb test`.
#[test]
fn the_language_reference_test_examples_pass() {
    let doc = std::fs::read_to_string(root().join("docs/language.md")).unwrap();
    let start = doc.find("\n## Tests\n").unwrap();
    let end = start + doc[start + 1..].find("\n## ").unwrap() + 1;
    let section = &doc[start..end];
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in section.lines() {
        match (&mut current, line.trim_end()) {
            (None, "```plumb") => current = Some(String::new()),
            (Some(text), "```") => {
                blocks.push(std::mem::take(text));
                current = None;
            }
            (Some(text), l) => {
                text.push_str(l);
                text.push('\n');
            }
            (None, _) => {}
        }
    }
    let with_tests: Vec<_> = blocks.iter().filter(|b| b.contains("\ntest ")).collect();
    assert!(with_tests.len() >= 2, "{blocks:?}");
    for (i, block) in with_tests.iter().enumerate() {
        let path = file(&format!("language_tests_{i}.plumb"), block);
        let (code, text) = run(&path, &[]);
        assert_eq!(code, Some(0), "{block}\n{text}");
        assert!(text.contains("0 failed"), "{text}");
    }
}
