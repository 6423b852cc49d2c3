//! `plumb test` as a user runs it: `expect error` and `expect
//! indeterminate`, unknown and sensitive fixture values, the JSON and
//! JUnit formats, coverage, and the examples of docs/language.md's
//! "Tests" section.
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

fn validator() -> jsonschema::Validator {
    let text = std::fs::read_to_string(root().join("docs/test-report.schema.json")).unwrap();
    let schema: Value = serde_json::from_str(&text).unwrap();
    jsonschema::draft202012::meta::validate(&schema).unwrap();
    jsonschema::draft202012::new(&schema).unwrap()
}

/// `plumb test --format json`, validated against the schema.
fn json(path: &Path, args: &[&str]) -> (Option<i32>, Value) {
    let mut all = vec!["--format", "json"];
    all.extend_from_slice(args);
    let (code, text) = run(path, &all);
    let doc: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
    let errors: Vec<String> = validator()
        .iter_errors(&doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}\n{text}");
    (code, doc)
}

/// The fixture `id` of the document's only test block.
fn fixture<'a>(doc: &'a Value, id: &str) -> &'a Value {
    doc["tests"][0]["fixtures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == id)
        .unwrap_or_else(|| panic!("no fixture {id}: {doc:#}"))
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
    let (code, doc) = json(&swapped, &[]);
    assert_eq!(code, Some(1));
    assert_eq!(fixture(&doc, "planned")["actual"], "indeterminate");
    assert_eq!(fixture(&doc, "odd")["actual"], "error");
    assert!(
        fixture(&doc, "odd")["error"]
            .as_str()
            .unwrap()
            .contains("length"),
        "{doc:#}"
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
    let (code, doc) = json(&path, &[]);
    assert_eq!(code, Some(0), "{doc:#}");
    assert_eq!(fixture(&doc, "planned")["actual"], "indeterminate");
    assert_eq!(fixture(&doc, "half")["actual"], "indeterminate");
    assert_eq!(fixture(&doc, "known")["actual"], "fail");
}

#[test]
fn a_sensitive_fixture_value_never_appears_in_any_format() {
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
    for format in ["text", "json", "junit"] {
        let (code, text) = run(&path, &["--format", format, "--coverage"]);
        assert_eq!(code, Some(1), "{format}: {text}");
        assert!(!text.contains("hunter2"), "{format}: {text}");
        assert!(text.contains("(sensitive)"), "{format}: {text}");
    }
    let (_, text) = run(&path, &[]);
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

type t

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

#[test]
fn the_json_report_has_every_fixture_and_the_totals() {
    let path = file(
        "report.plumb",
        &format!(
            "{DB_RULE}
test db_encrypted {{
  resource aws_db_instance \"ok\" {{ storage_encrypted: true, password: \"correct-horse-battery\" }} expect pass
  resource aws_db_instance \"plain\" {{ storage_encrypted: false, password: \"correct-horse-battery\" }} expect pass
  resource aws_db_instance \"context\" {{}}
}}
"
        ),
    );
    let (code, doc) = json(&path, &[]);
    assert_eq!(code, Some(1));
    assert_eq!(doc["plumb_test_report"], 1);
    assert_eq!(
        doc["summary"],
        serde_json::json!({"tests": 1, "passed": 0, "failed": 1,
            "fixtures": 2, "fixtures_passed": 1, "fixtures_failed": 1})
    );
    assert!(doc["coverage"].is_null());
    let test = &doc["tests"][0];
    assert_eq!(test["rule"], "db_encrypted");
    assert_eq!(test["package"], "demo");
    assert_eq!(test["location"]["line"], 12);
    assert!(
        test["location"]["file"]
            .as_str()
            .unwrap()
            .ends_with("report.plumb")
    );
    assert_eq!(
        test["problems"],
        serde_json::json!(["fixture \"plain\" (line 14): expected pass, got fail"])
    );
    assert_eq!(
        fixture(&doc, "plain"),
        &serde_json::json!({"id": "plain", "type": "aws_db_instance", "line": 14,
            "expected": "pass", "actual": "fail", "passed": false,
            "message": "database plain: password correct-horse-battery is too short, or storage is not encrypted",
            "error": null, "problem": "expected pass, got fail"})
    );
    assert_eq!(fixture(&doc, "ok")["passed"], true);
    assert_eq!(fixture(&doc, "ok")["problem"], Value::Null);
    // Context fixtures are not test cases.
    assert_eq!(test["fixtures"].as_array().unwrap().len(), 2);
    // The same bytes on every run.
    assert_eq!(
        run(&path, &["--format", "json"]),
        run(&path, &["--format", "json"])
    );
}

#[test]
fn a_fixture_whose_outcome_cannot_be_established_never_passes() {
    let path = file(
        "fail_closed.plumb",
        r#"rule needs_peer on t {
  severity low
  controls nist.CM-6
  require attributes.ok != false
}

test needs_peer {
  resource peer "p" { x: {n: "s"}.n * 2 }
  resource t "a" {} expect pass
}

test needs_peer {
  resource t "a" {} expect pass
  resource t "a" { y: 1 } expect pass
}

test needs_peer {
  resource t "self" { x: {n: "s"}.n * 2 } expect skip
}
"#,
    );
    let (code, doc) = json(&path, &[]);
    assert_eq!(code, Some(1), "{doc:#}");
    let tests = doc["tests"].as_array().unwrap();
    assert_eq!(tests.len(), 3);
    for t in tests {
        assert_eq!(t["passed"], false, "{t:#}");
        for f in t["fixtures"].as_array().unwrap() {
            assert_eq!(f["passed"], false, "{f:#}");
            assert!(f["problem"].is_string(), "{f:#}");
        }
    }
    // A broken context fixture: the rule ran, but not on what the test
    // describes.
    let a = &tests[0]["fixtures"][0];
    assert_eq!(a["actual"], "pass");
    assert!(
        a["problem"]
            .as_str()
            .unwrap()
            .contains("fixture \"p\" (line 8)"),
        "{a:#}"
    );
    assert!(
        tests[1]["problems"][0]
            .as_str()
            .unwrap()
            .contains("has the type and id of the fixture on line 13"),
        "{:#}",
        tests[1]
    );
    // Its own attributes broken: no decision at all, even for `skip`.
    assert_eq!(tests[2]["fixtures"][0]["actual"], Value::Null);
    let (_, junit) = run(&path, &["--format", "junit"]);
    let xml = roxmltree::Document::parse(&junit).unwrap();
    let root = xml.root_element();
    assert_eq!(root.attribute("errors"), Some("4"), "{junit}");
    assert_eq!(root.attribute("failures"), Some("0"), "{junit}");
}

#[test]
fn junit_reports_each_fixture_as_a_testcase() {
    let path = file(
        "junit.plumb",
        r#"package ci.checks

rule tagged on aws_instance {
  severity low
  controls nist.CM-8
  require "owner" in attributes.tags
  message "instance {id} has no owner tag"
}

test tagged {
  resource aws_instance "<web & \"db\">" { tags: {owner: "ops"} } expect pass
  resource aws_instance "bare" { tags: {} } expect pass
  resource aws_instance "ctl-\u{1}" { tags: {} } expect fail
}
"#,
    );
    let (code, text) = run(&path, &["--format", "junit"]);
    assert_eq!(code, Some(1), "{text}");
    assert!(
        text.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"),
        "{text}"
    );
    let xml = roxmltree::Document::parse(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
    let root = xml.root_element();
    assert_eq!(root.tag_name().name(), "testsuites");
    assert_eq!(root.attribute("tests"), Some("3"));
    assert_eq!(root.attribute("failures"), Some("1"));
    assert_eq!(root.attribute("errors"), Some("0"));
    let suite = root.children().find(|n| n.is_element()).unwrap();
    assert_eq!(suite.tag_name().name(), "testsuite");
    assert_eq!(suite.attribute("name"), Some("ci.checks.tagged"));
    assert!(suite.attribute("file").unwrap().ends_with("junit.plumb"));
    let cases: Vec<_> = suite.children().filter(|n| n.is_element()).collect();
    assert_eq!(cases.len(), 3);
    assert_eq!(
        cases[0].attribute("name"),
        Some("aws_instance.<web & \"db\"> expect pass")
    );
    assert_eq!(cases[0].attribute("classname"), Some("ci.checks.tagged"));
    assert_eq!(cases[0].attribute("line"), Some("11"));
    assert!(cases[0].children().all(|n| !n.is_element()));
    assert_eq!(
        cases[2].attribute("name"),
        Some("aws_instance.ctl-\u{FFFD} expect fail")
    );
    let failure = cases[1]
        .children()
        .find(|n| n.has_tag_name("failure"))
        .unwrap();
    assert_eq!(
        failure.attribute("message"),
        Some("expected pass, got fail")
    );
    assert!(
        failure
            .text()
            .unwrap()
            .contains("message: instance bare has no owner tag"),
        "{text}"
    );
    assert!(!text.contains("time"), "{text}");
}

#[test]
fn coverage_is_a_reported_gap_unless_required() {
    let path = file(
        "coverage.plumb",
        &format!(
            "{DB_RULE}
test db_encrypted {{
  resource aws_db_instance \"ok\" {{ storage_encrypted: true, password: \"correct-horse-battery\" }} expect pass
}}

rule untested on aws_s3_bucket {{
  severity low
  controls nist.CM-6
  require attributes.acl == \"private\"
}}

rule covered on aws_s3_bucket {{
  severity low
  controls nist.CM-6
  require attributes.acl == \"private\"
}}

test covered {{
  resource aws_s3_bucket \"a\" {{ acl: \"private\" }} expect pass
  resource aws_s3_bucket \"b\" {{ acl: \"public\" }} expect fail
}}
"
        ),
    );
    let (code, text) = run(&path, &["--coverage"]);
    assert_eq!(code, Some(0), "{text}");
    let lines: Vec<&str> = text.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.starts_with("coverage:"))
        .unwrap();
    assert_eq!(
        lines[at],
        "coverage: 1 of 3 rules shown both passing and failing"
    );
    assert!(
        lines[at + 1].starts_with("  gap  db_encrypted (")
            && lines[at + 1].ends_with(":4): no met `expect fail` fixture"),
        "{text}"
    );
    assert!(lines[at + 2].ends_with(":16): no test"), "{text}");
    assert!(
        lines.last().unwrap().starts_with("0 failed, 2 passed"),
        "{text}"
    );
    let (code, _) = run(&path, &["--coverage-required"]);
    assert_eq!(code, Some(1));

    let (code, doc) = json(&path, &["--coverage-required"]);
    assert_eq!(code, Some(1));
    let coverage = &doc["coverage"];
    assert_eq!(coverage["rules"], 3);
    assert_eq!(coverage["covered"], 1);
    let entries = coverage["entries"].as_array().unwrap();
    assert_eq!(
        entries
            .iter()
            .map(|e| (e["rule"].as_str().unwrap(), e["covered"].as_bool().unwrap()))
            .collect::<Vec<_>>(),
        [
            ("db_encrypted", false),
            ("untested", false),
            ("covered", true)
        ]
    );
    assert_eq!(entries[1]["tests"], 0);
    assert_eq!(entries[0]["pass"], true);
    assert_eq!(entries[0]["fail"], false);

    for (flag, element) in [
        ("--coverage", "skipped"),
        ("--coverage-required", "failure"),
    ] {
        let (_, text) = run(&path, &["--format", "junit", flag]);
        let xml = roxmltree::Document::parse(&text).unwrap();
        let suite = xml
            .descendants()
            .find(|n| n.has_tag_name("testsuite") && n.attribute("name") == Some("coverage"))
            .unwrap_or_else(|| panic!("{text}"));
        let gaps = suite
            .descendants()
            .filter(|n| n.has_tag_name(element))
            .count();
        assert_eq!(gaps, 2, "{flag}: {text}");
    }
}

#[test]
fn a_failing_expectation_does_not_count_as_coverage() {
    let path = file(
        "coverage_unmet.plumb",
        &format!(
            "{DB_RULE}
test db_encrypted {{
  resource aws_db_instance \"ok\" {{ storage_encrypted: true, password: \"correct-horse-battery\" }} expect pass
  resource aws_db_instance \"wrong\" {{ storage_encrypted: true, password: \"correct-horse-battery\" }} expect fail
}}
"
        ),
    );
    let (code, doc) = json(&path, &["--coverage"]);
    assert_eq!(code, Some(1));
    assert_eq!(doc["coverage"]["entries"][0]["fail"], false);
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

/// `plumb test ... | head -1` in the JSON and JUnit formats: exit 0 or
/// 1, nothing said about the pipe.
#[test]
fn piped_into_head_every_format_exits_quietly() {
    use std::io::{BufRead, BufReader};
    let mut text = String::from(
        "rule open on t {\n  severity low\n  controls nist.CM-6\n  require attributes.x == 1\n}\n",
    );
    // Far more output than a pipe's buffer in either format.
    for _ in 0..600 {
        text.push_str("test open {\n  resource t \"a\" { x: 1 } expect pass\n  resource t \"b\" { x: 2 } expect pass\n}\n");
    }
    let path = file("many_tests.plumb", &text);
    let path = path.to_str().unwrap();
    // Text is in tests/check_cli.rs.
    for format in ["json", "junit"] {
        for coverage in [false, true] {
            let mut args = vec!["test", "--format", format, path];
            if coverage {
                args.push("--coverage");
            }
            let mut child = Command::new(env!("CARGO_BIN_EXE_plumb"))
                .current_dir(root())
                .args(&args)
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap();
            let out = child.stdout.take().unwrap();
            let mut line = String::new();
            BufReader::new(out).read_line(&mut line).unwrap();
            // The reader is dropped here: the pipe is closed.
            let done = child.wait_with_output().unwrap();
            let err = String::from_utf8_lossy(&done.stderr);
            assert!(
                matches!(done.status.code(), Some(0 | 1)),
                "plumb {args:?} exited {:?}: {err}",
                done.status.code()
            );
            assert!(
                !err.to_lowercase().contains("pipe"),
                "plumb {args:?}: {err}"
            );
            assert!(!err.contains("panicked"), "plumb {args:?}: {err}");
        }
    }
}

#[test]
fn an_evaluation_error_never_quotes_a_sensitive_value() {
    // A built-in's error quotes its argument; the argument is a password.
    let path = file(
        "leak.plumb",
        r#"package leak

rule password_is_not_an_address on aws_db_instance {
  severity high
  controls nist.SC-7
  require cidr_contains(attributes.password, "10.0.0.1")
}

test password_is_not_an_address {
  resource aws_db_instance "a" { password: sensitive("hunter2") } expect error
}
"#,
    );
    for format in ["text", "json", "junit"] {
        let out = plumb(&["test", "--format", format, path.to_str().unwrap()]);
        let text = stdout(&out);
        assert_eq!(out.status.code(), Some(0), "{format}: {text}");
        assert!(!text.contains("hunter2"), "{format}: {text}");
    }
    let out = plumb(&["test", "--format", "json", path.to_str().unwrap()]);
    assert!(
        stdout(&out).contains("`(sensitive)` is not an IP address or CIDR block"),
        "{}",
        stdout(&out)
    );
}
