#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "tests"
)]

use std::path::Path;

use serde_json::json;

use super::*;

fn cites(raw: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    for r in raw {
        nist_citations(r, &mut out);
    }
    out
}

#[test]
fn nist_references_become_catalog_citations() {
    assert_eq!(cites(&["AC-6", "Rev_4"]), ["nist.AC-6"]);
    assert_eq!(
        cites(&["AC-6 (1)", "AC-6(1)", "ac-06(01)"]),
        ["nist.AC-6(1)"]
    );
    assert_eq!(
        cites(&["SC-28 a", "AC-8 a", "AU-12 c"]),
        ["nist.SC-28", "nist.AC-8", "nist.AU-12"]
    );
    assert_eq!(
        cites(&["AC-17(a),CM-7(a); CM-6 b"]),
        ["nist.AC-17", "nist.CM-7", "nist.CM-6"]
    );
    assert_eq!(cites(&["AC-16 (5)"]), ["nist.AC-16(5)"]);
    // Not NIST, or not in the catalog.
    assert!(
        cites(&[
            "Rev_5",
            "rev4",
            "CCI-000366",
            "XY-1",
            "AC-999",
            "unmapped",
            ""
        ])
        .is_empty()
    );
    // SA-7 was withdrawn in rev5, incorporated into CM-11 and SI-7.
    assert_eq!(cites(&["SA-7", "Rev_4"]), ["nist.CM-11", "nist.SI-7"]);
}

#[test]
fn severity_words_and_impacts() {
    assert_eq!(severity_word("CAT I"), Some(Severity::High));
    assert_eq!(severity_word(" cat  iii "), Some(Severity::Low));
    assert_eq!(severity_word("none"), Some(Severity::Info));
    assert_eq!(severity_word("moderate"), Some(Severity::Medium));
    assert_eq!(severity_word("Critical"), Some(Severity::Critical));
    assert_eq!(severity_word("whatever"), None);
    let bands = [
        (0.0, Severity::Info),
        (0.009, Severity::Info),
        (0.01, Severity::Low),
        (0.3, Severity::Low),
        (0.4, Severity::Medium),
        (0.5, Severity::Medium),
        (0.7, Severity::High),
        (0.89, Severity::High),
        (0.9, Severity::Critical),
        (1.0, Severity::Critical),
    ];
    for (impact, want) in bands {
        assert_eq!(severity_from_impact(impact), want, "{impact}");
    }
}

fn inspec_report(controls: serde_json::Value) -> Vec<Resource> {
    let doc = json!({
        "platform": {"name": "ubuntu", "release": "22.04", "target_id": "t1"},
        "version": "5.22.3",
        "statistics": {"duration": 1.0},
        "profiles": [{"name": "base", "version": "1.0.0", "sha256": "x", "status": "loaded",
                      "supports": [], "attributes": [], "groups": [], "controls": controls}]
    });
    assert_eq!(detect(&doc), Some(Format::Inspec));
    inspec::import(Path::new("report.json"), &doc).unwrap()
}

fn control(
    id: &str,
    impact: f64,
    tags: serde_json::Value,
    results: serde_json::Value,
) -> serde_json::Value {
    json!({"id": id, "title": format!("Title of\n  {id}"), "desc": "d", "impact": impact,
           "refs": [], "tags": tags, "code": "control ...", "source_location": {"ref": "c.rb", "line": 1},
           "results": results})
}

#[test]
fn inspec_statuses_severities_and_controls() {
    let passed = json!({"status": "passed", "code_desc": "ok", "run_time": 0.1, "start_time": "t"});
    let failed = json!({"status": "failed", "code_desc": "File /etc/shadow mode should cmp == \"0640\"",
                        "message": "\nexpected: \"0640\"\n     got: \"0644\"\n", "run_time": 0.1, "start_time": "t"});
    let skipped = json!({"status": "skipped", "code_desc": "s", "skip_message": "no", "run_time": 0.1, "start_time": "t"});
    let raised = json!({"status": "failed", "code_desc": "Command x", "message": "boom",
                        "exception": "RuntimeError", "backtrace": ["a.rb:1"], "run_time": 0.1, "start_time": "t"});
    let r = inspec_report(json!([
        control(
            "c-fail",
            0.7,
            json!({"nist": ["AC-6 (1)", "Rev_4"], "severity": "CAT I"}),
            json!([passed, failed])
        ),
        control("c-error", 0.5, json!({}), json!([passed, raised])),
        control("c-fail-and-error", 0.5, json!({}), json!([raised, failed])),
        control("c-skip", 0.5, json!({}), json!([skipped])),
        control("c-partly-skipped", 0.5, json!({}), json!([skipped, passed])),
        control("c-na", 0.0, json!({}), json!([failed])),
        control("c-empty", 0.95, json!({}), json!([])),
        control("c-pass", 0.3, json!({}), json!([passed])),
    ]));
    let status: Vec<(String, String, String)> = r
        .iter()
        .filter(|r| r.type_ == "inspec_control")
        .map(|r| {
            let a = r.attributes.to_json();
            (
                r.id.to_string(),
                a["status"].as_str().unwrap().to_string(),
                a["severity"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let want = [
        ("base/c-fail", "failed", "high"),
        ("base/c-error", "error", "medium"),
        ("base/c-fail-and-error", "failed", "medium"),
        ("base/c-skip", "skipped", "medium"),
        ("base/c-partly-skipped", "passed", "medium"),
        ("base/c-na", "not_applicable", "info"),
        ("base/c-empty", "no_results", "critical"),
        ("base/c-pass", "passed", "low"),
    ];
    let want: Vec<(String, String, String)> = want
        .iter()
        .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
        .collect();
    assert_eq!(status, want);

    let scan = scan_results(&r);
    assert_eq!(
        (
            scan.passed,
            scan.failed,
            scan.errors,
            scan.indeterminate,
            scan.skipped,
            scan.results
        ),
        (2, 2, 1, 0, 3, 8)
    );
    let rules: Vec<&str> = scan.findings.iter().map(|f| f.rule.as_str()).collect();
    assert_eq!(
        rules,
        [
            "inspec.base.c-error",
            "inspec.base.c-fail",
            "inspec.base.c-fail-and-error"
        ]
    );
    let fail = &scan.findings[1];
    assert_eq!(fail.status, Status::Fail);
    assert_eq!(fail.severity, Severity::High);
    assert_eq!(fail.package.as_str(), "base");
    assert_eq!(&*fail.controls, &[Str::from("nist.AC-6(1)")]);
    assert_eq!(
        fail.message,
        "Title of c-fail: File /etc/shadow mode should cmp == \"0640\" (expected: \"0640\" got: \"0644\")"
    );
    assert_eq!(fail.resource.address.as_deref(), Some("base/c-fail"));
    assert_eq!(fail.evidence[0].path.as_str(), "results[1].code_desc");
    let error = &scan.findings[0];
    assert_eq!(error.status, Status::Error);
    assert_eq!(error.error.as_deref(), Some("RuntimeError: boom"));
}

#[test]
fn inspec_enhanced_outcomes_and_waivers() {
    let failed = json!({"status": "failed", "code_desc": "x", "run_time": 0.1, "start_time": "t"});
    let mut own = control("own", 0.5, json!({}), json!([failed]));
    own["status"] = json!("not_reviewed");
    let mut waived = control("waived", 0.5, json!({}), json!([failed]));
    waived["waiver_data"] = json!({"justification": "accepted risk", "run": true, "skipped_due_to_waiver": false, "message": ""});
    let mut expired = control("expired", 0.5, json!({}), json!([failed]));
    expired["waiver_data"] = json!({"justification": "old", "run": true, "skipped_due_to_waiver": false,
                                    "message": "Waiver expired on 2020-01-01, evaluating control normally"});
    let r = inspec_report(json!([own, waived, expired]));
    let scan = scan_results(&r);
    assert_eq!(scan.skipped, 2);
    assert_eq!(scan.failed, 1);
    assert_eq!(scan.findings[0].rule.as_str(), "inspec.base.expired");
    let own = r
        .iter()
        .find(|r| r.id == "base/own")
        .unwrap()
        .attributes
        .to_json();
    assert_eq!(own["status"], "skipped");
}

#[test]
fn a_failed_profile_is_an_error() {
    let doc = json!({"platform": {"name": "x", "release": "1"}, "version": "4.0.0",
        "profiles": [{"name": "p", "status": "failed", "status_message": "cannot load\n dependency", "controls": []}]});
    let r = inspec::import(Path::new("r.json"), &doc).unwrap();
    let scan = scan_results(&r);
    assert_eq!(scan.errors, 1);
    assert_eq!(scan.findings[0].rule.as_str(), "inspec.p");
    assert_eq!(
        scan.findings[0].message,
        "the InSpec profile p failed: cannot load dependency"
    );
}

#[test]
fn inspec_shapes_are_checked() {
    let bad = |doc: serde_json::Value, want: &str| {
        let e = inspec::import(Path::new("r.json"), &doc).unwrap_err();
        assert!(e.message.contains(want), "{e} (wanted {want})");
    };
    bad(
        json!({"profiles": {}, "version": "1"}),
        "`/profiles` must be a list of profiles, found an object",
    );
    bad(
        json!({"profiles": [1], "version": "1"}),
        "`/profiles/0` must be an object",
    );
    bad(
        json!({"profiles": [{"controls": []}], "version": "1"}),
        "`/profiles/0` has no `name`",
    );
    bad(
        json!({"profiles": [{"name": "p", "controls": {}}], "version": "1"}),
        "`/profiles/0/controls` must be a list",
    );
    bad(
        json!({"profiles": [{"name": "p", "controls": [{"title": "t"}]}], "version": "1"}),
        "`/profiles/0/controls/0` has no `id`",
    );
    bad(
        json!({"profiles": [{"name": "p", "controls": [{"id": "c", "results": {}}]}], "version": "1"}),
        "`/profiles/0/controls/0/results` must be a list",
    );
    bad(
        json!({"profiles": [], "platform": "linux"}),
        "`/platform` must be an object",
    );
}

fn xccdf_resources(results: &[&str]) -> Vec<Resource> {
    let mut xml = String::from(
        "<Benchmark xmlns=\"http://checklists.nist.gov/xccdf/1.2\" id=\"xccdf_b_benchmark_b\">\n",
    );
    for (i, _) in results.iter().enumerate() {
        xml.push_str(&format!(
            "<Rule id=\"r{i}\" severity=\"{}\"><title>Rule {i}</title><fixtext>Fix {i}</fixtext>\
             <reference href=\"https://csrc.nist.gov/pubs/sp/800-53/r5\">CM-6</reference></Rule>\n",
            ["high", "low", "medium", "info", "unknown"][i % 5]
        ));
    }
    xml.push_str("<TestResult id=\"t\">\n");
    for (i, result) in results.iter().enumerate() {
        xml.push_str(&format!(
            "<rule-result idref=\"r{i}\"><result>{result}</result><message severity=\"error\">msg {i}</message></rule-result>\n"
        ));
    }
    xml.push_str("</TestResult></Benchmark>\n");
    xccdf::import(Path::new("r.xml"), xml.as_bytes()).unwrap()
}

#[test]
fn xccdf_results_map_to_statuses() {
    let words = [
        "fail",
        "error",
        "unknown",
        "pass",
        "fixed",
        "notapplicable",
        "notchecked",
        "notselected",
        "informational",
        "bogus",
    ];
    let r = xccdf_resources(&words);
    let scan = scan_results(&r);
    assert_eq!(
        (
            scan.passed,
            scan.failed,
            scan.errors,
            scan.indeterminate,
            scan.skipped
        ),
        (2, 1, 1, 2, 4)
    );
    let got: Vec<(&str, Status, Severity)> = scan
        .findings
        .iter()
        .map(|f| (f.rule.as_str(), f.status, f.severity))
        .collect();
    assert_eq!(
        got,
        [
            ("xccdf.r0", Status::Fail, Severity::High),
            ("xccdf.r1", Status::Error, Severity::Low),
            ("xccdf.r2", Status::Indeterminate, Severity::Medium),
            ("xccdf.r9", Status::Indeterminate, Severity::Medium),
        ]
    );
    let fail = &scan.findings[0];
    assert_eq!(fail.message, "Rule 0: msg 0");
    assert_eq!(fail.package.as_str(), "xccdf_b_benchmark_b");
    assert_eq!(&*fail.controls, &[Str::from("nist.CM-6")]);
    assert_eq!(fail.remediation.as_deref(), Some("Fix 0"));
    assert_eq!(fail.resource.address.as_deref(), Some("t/r0"));
    assert_eq!(scan.findings[1].error.as_deref(), Some("msg 1"));
}

#[test]
fn scan_results_merge_into_a_report_in_rule_order() {
    let r = xccdf_resources(&["fail", "pass"]);
    let mut report = Report {
        passed: 3,
        ..Report::default()
    };
    let mut existing = findings(&xccdf_resources(&["pass", "fail"]));
    existing[0].rule = Str::from("zzz");
    report.findings = existing;
    scan_results(&r).add_to(&mut report);
    let rules: Vec<&str> = report.findings.iter().map(|f| f.rule.as_str()).collect();
    assert_eq!(rules, ["xccdf.r0", "zzz"]);
    assert_eq!((report.passed, report.failed), (4, 1));
}

#[test]
fn other_resources_are_not_scan_results() {
    let r = vec![Resource::new(
        "host",
        "h",
        Value::from_json(&json!({"status": "failed"})),
    )];
    assert_eq!(scan_results(&r), ScanResults::default());
}

#[test]
fn one_line_collapses_and_cuts() {
    assert_eq!(one_line("  a\n  b\tc ", 10), "a b c");
    assert_eq!(one_line("abcdef ghi", 5), "abcde…");
    assert_eq!(one_line("abc def", 4), "abc …");
}

#[test]
fn evidence_paths_check_sensitivity() {
    assert_eq!(
        json_path_pointer("results[2].message"),
        "/results/2/message"
    );
    assert_eq!(json_path_pointer("result"), "/result");
}

#[test]
fn inspec_json_min_groups_results_into_controls() {
    let doc = json!({"controls": [
        {"id": "sshd-01", "profile_id": "ssh-baseline", "profile_sha256": "x", "status": "passed", "code_desc": "a"},
        {"id": "sshd-02", "profile_id": "ssh-baseline", "profile_sha256": "x", "status": "failed", "code_desc": "b", "message": "m"},
        {"id": "sshd-01", "profile_id": "ssh-baseline", "profile_sha256": "x", "status": "failed", "code_desc": "c"}
    ], "statistics": {"duration": 0.1}, "version": "4.18.24"});
    assert_eq!(detect(&doc), Some(Format::Inspec));
    let r = inspec::import(Path::new("min.json"), &doc).unwrap();
    let got: Vec<(String, String)> = r
        .iter()
        .map(|r| {
            (
                r.id.to_string(),
                r.attributes.to_json()["status"]
                    .as_str()
                    .unwrap()
                    .to_string(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("ssh-baseline/sshd-01".to_string(), "failed".to_string()),
            ("ssh-baseline/sshd-02".to_string(), "failed".to_string())
        ]
    );
    assert_eq!(
        r[0].attributes.to_json()["results"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
}
