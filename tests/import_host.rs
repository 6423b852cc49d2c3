//! Host importers through the binary: Ansible facts, osquery results,
//! InSpec reports, XCCDF results and plumb baselines become plumb
//! snapshots (golden files beside the inputs), `plumb check` reads them,
//! and bad sources exit 2 with the file, the position where there is one,
//! and the cause.
//!
//! Every file of the shared corpus's `host/` folder is imported when the
//! folder is present (`../shared/corpus/host`); the expected snapshots are
//! in `tests/import/host/corpus/<format>/`. The hand-written inputs in
//! `tests/import/host/` cover what the corpus lacks (osqueryi rows, a
//! result log of several lines, the Ansible json callback, InSpec's
//! enhanced outcomes and errors, XCCDF 1.2 in an ARF report, a baseline).
//! `PLUMB_BLESS=1` regenerates the expected files; review the diff.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests"
)]

mod support;

use std::path::{Path, PathBuf};
use support::{files_in, golden, plumb, root};

#[test]
fn hand_written_host_sources_import_as_expected() {
    let dir = root().join("tests/import/host");
    let mut files = files_in(&dir);
    // `osqueryi --json` output is typed by its file's stem: `users.json`.
    files.extend(files_in(&dir.join("osqueryi")));
    assert!(files.len() >= 6, "{files:?}");
    let mut failures = Vec::new();
    for f in files {
        let name = f.file_name().unwrap().to_string_lossy().into_owned();
        let expected = f.with_file_name(format!("{name}.snapshot.json"));
        failures.extend(golden(&f, &expected));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_host_corpus_file_imports_as_expected() {
    let corpus = root().join("../shared/corpus/host");
    if !corpus.is_dir() {
        eprintln!(
            "import_host: ../shared/corpus/host not found; only the hand-written inputs are checked"
        );
        return;
    }
    let expected = root().join("tests/import/host/corpus");
    let mut failures = Vec::new();
    let mut count = 0;
    let mut formats: Vec<PathBuf> = std::fs::read_dir(&corpus)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    formats.sort();
    for format in formats {
        let sub = format.file_name().unwrap().to_string_lossy().into_owned();
        for f in files_in(&format) {
            let name = f.file_name().unwrap().to_string_lossy().into_owned();
            count += 1;
            failures.extend(golden(
                &f,
                &expected.join(&sub).join(format!("{name}.snapshot.json")),
            ));
        }
    }
    // ansible 3, inspec 3, osquery 4, xccdf 2 when this test was written.
    assert!(count >= 12, "only {count} corpus files");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn imported_host_facts_are_checked_by_rules() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("import-host");
    std::fs::create_dir_all(&dir).unwrap();
    let snapshot = dir.join("hosts.json");
    let out = plumb(&[
        "import",
        "tests/import/host/ansible-json-callback.json",
        "tests/import/host/osqueryd-results.log",
        "tests/import/host/baseline.yaml",
        "-o",
        snapshot.to_str().unwrap(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let policy = dir.join("hosts.plumb");
    std::fs::write(
        &policy,
        "rule selinux_enforcing on host {\n  severity high\n  controls nist.AC-3\n  require attributes.selinux.status == \"enabled\" and attributes.selinux.mode == \"enforcing\"\n  message \"{id} runs {attributes.os.distribution} {attributes.os.version} without SELinux enforcing; its env is {attributes.env}\"\n}\n\
         rule no_telnet_listener on osquery_pack_hardening_listening_ports {\n  severity critical\n  controls nist.CM-7\n  when attributes.action != \"removed\"\n  require attributes.port != 23\n  message \"{attributes.host_identifier} listens on telnet\"\n}\n\
         rule baseline_forbids_telnet on host_baseline {\n  severity medium\n  controls nist.CM-7\n  when attributes.host != null\n  require attributes.packages[\"telnet-server\"].state == \"absent\"\n}\n",
    )
    .unwrap();
    let out = plumb(&[
        "check",
        "-p",
        policy.to_str().unwrap(),
        snapshot.to_str().unwrap(),
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains("FAIL critical no_telnet_listener osquery_pack_hardening_listening_ports web-1.example.com/"),
        "{text}"
    );
    assert!(
        text.contains(
            "FAIL high selinux_enforcing db-1: db-1 runs Ubuntu 22.04 without SELinux enforcing"
        ),
        "{text}"
    );
    assert!(
        !text.contains("selinux_enforcing web-1.example.com"),
        "{text}"
    );
    // The Vault token in web-1's environment is never printed.
    assert!(!text.contains("hvs.not-a-real-token"), "{text}");
    assert!(
        text.lines().last().unwrap().starts_with(
            "2 failed, 3 passed, 0 indeterminate, 0 errors, 3 skipped (11 resources, 3 rules)"
        ),
        "{text}"
    );
}

#[test]
fn bad_host_sources_exit_2_with_the_cause() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("import-host-bad");
    std::fs::create_dir_all(&dir).unwrap();
    let mut bomb =
        String::from("<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n <!ENTITY lol \"lol\">\n");
    for i in 1..10 {
        let prev = if i == 1 {
            "lol".to_string()
        } else {
            format!("lol{}", i - 1)
        };
        bomb.push_str(&format!(
            " <!ENTITY lol{i} \"{}\">\n",
            format!("&{prev};").repeat(10)
        ));
    }
    bomb.push_str("]>\n<TestResult xmlns=\"http://checklists.nist.gov/xccdf/1.2\" id=\"t\">&lol9;</TestResult>\n");
    let external = "<?xml version=\"1.0\"?>\n<!DOCTYPE r [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>\n<r>&x;</r>\n";
    let cases: Vec<(&str, String, Vec<&str>)> = vec![
        // XML
        (
            "malformed.xml",
            "<TestResult xmlns=\"http://checklists.nist.gov/xccdf/1.2\" id=\"t\">\n  <rule-result idref=\"r\"><result>fail</result></rule-reslt>\n</TestResult>\n".into(),
            vec!["malformed.xml:2:", "malformed XML"],
        ),
        ("bomb.xml", bomb, vec!["bomb.xml:2:1:", "DTD"]),
        ("external-entity.xml", external.into(), vec!["external-entity.xml:2:1:", "DTD"]),
        (
            "truncated.xml",
            "<Benchmark xmlns=\"http://checklists.nist.gov/xccdf/1.1\" id=\"b\">\n<TestResult id=\"t\">\n".into(),
            vec!["truncated.xml:3:", "ends before"],
        ),
        (
            "not-xccdf.xml",
            "<html><body>hello</body></html>\n".into(),
            vec!["not-xccdf.xml:1:1:", "not XCCDF results"],
        ),
        (
            "benchmark-only.xml",
            "<Benchmark xmlns=\"http://checklists.nist.gov/xccdf/1.2\" id=\"b\"><Rule id=\"r\"/></Benchmark>\n".into(),
            vec!["no TestResult"],
        ),
        (
            "no-idref.xml",
            "<TestResult xmlns=\"http://checklists.nist.gov/xccdf/1.2\" id=\"t\">\n\n  <rule-result><result>fail</result></rule-result>\n</TestResult>\n".into(),
            vec!["no-idref.xml:3:3:", "no `idref`"],
        ),
        // JSON
        (
            "truncated-inspec.json",
            "{\"platform\": {\"name\": \"ubuntu\"},\n \"profiles\": [{\"name\": \"p\", \"controls\": [\n".into(),
            vec!["truncated-inspec.json:3:"],
        ),
        (
            "inspec-shape.json",
            "{\"platform\": {\"name\": \"x\", \"release\": \"1\"}, \"version\": \"4.0\", \"profiles\": {\"p\": {}}}".into(),
            vec!["`/profiles` must be a list of profiles, found an object"],
        ),
        (
            "inspec-results.json",
            "{\"version\": \"4.0\", \"profiles\": [{\"name\": \"p\", \"controls\": [{\"id\": \"c\", \"results\": \"passed\"}]}]}".into(),
            vec!["`/profiles/0/controls/0/results` must be a list"],
        ),
        (
            "ansible-shape.json",
            "{\"ansible_facts\": [\"ansible_hostname\"], \"changed\": false}".into(),
            vec!["`/ansible_facts` must be an object, found a list"],
        ),
        (
            "osquery-shape.json",
            "{\"name\": \"pack_x_y\", \"hostIdentifier\": \"h\", \"snapshot\": {\"pid\": \"1\"}}".into(),
            vec!["`/snapshot` must be a list of rows, found an object"],
        ),
        (
            "osquery-lines.log",
            "{\"name\": \"q\", \"hostIdentifier\": \"h\", \"columns\": {\"a\": \"1\"}}\n{\"name\": \"q\", \"hostIdentifier\": \"h\", \"columns\": [\"a\"]}\n".into(),
            vec!["`/columns` must be an object"],
        ),
        (
            "osquery-truncated.log",
            "{\"name\": \"q\", \"hostIdentifier\": \"h\", \"columns\": {\"a\": \"1\"}}\n{\"name\": \"q\", \"hostIdentifier\": \"h\", \"col".into(),
            vec!["osquery-truncated.log:2:"],
        ),
        // Baselines
        (
            "baseline-unknown-key.yaml",
            "plumb_baseline: 1\ngroups:\n  web:\n    hosts: [web-1]\n    pakages: {nginx: present}\n".into(),
            vec!["`/groups/web/pakages`: unknown key `pakages` in a group; did you mean `packages`?"],
        ),
        (
            "baseline-version.yaml",
            "plumb_baseline: 2\ngroups: {}\n".into(),
            vec!["unsupported plumb_baseline 2: this plumb reads version 1"],
        ),
        (
            "baseline-mode.yaml",
            "plumb_baseline: 1\ngroups:\n  web:\n    hosts: [web-1]\n    files:\n      /etc/shadow: {mode: 0640}\n".into(),
            vec!["`/groups/web/files/~1etc~1shadow/mode`: quote the mode"],
        ),
        (
            "baseline-shape.json",
            "{\"plumb_baseline\": 1, \"groups\": {\"web\": {\"hosts\": [\"a\"], \"services\": {\"sshd\": true}}}}".into(),
            vec!["`/groups/web/services/sshd`: a service is"],
        ),
    ];
    for (name, text, wants) in cases {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        let start = std::time::Instant::now();
        let out = plumb(&["import", path.to_str().unwrap(), "-o", "-"]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{name}: {err}");
        assert!(
            start.elapsed().as_secs() < 10,
            "{name} took {:?}",
            start.elapsed()
        );
        assert!(err.contains(name), "{name}: {err}");
        for want in wants {
            assert!(err.contains(want), "{name}: wanted {want:?} in {err}");
        }
        assert!(!err.contains("panicked"), "{name}: {err}");
        assert!(out.stdout.is_empty(), "{name}");
    }
}

/// The fenced blocks of `docs/baseline.md` tagged `tag`, in order.
fn doc_blocks(tag: &str) -> Vec<String> {
    let text = std::fs::read_to_string(root().join("docs/baseline.md")).unwrap();
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        match &mut current {
            None if line.trim_end() == format!("```{tag}") => current = Some(String::new()),
            None => {}
            Some(_) if line.trim_end() == "```" => blocks.push(current.take().unwrap()),
            Some(body) => {
                body.push_str(line);
                body.push('\n');
            }
        }
    }
    blocks
}

/// The example baseline and rule of docs/baseline.md work as the page says.
#[test]
fn baseline_doc_examples_work() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("import-host-doc");
    std::fs::create_dir_all(&dir).unwrap();
    let yaml = doc_blocks("yaml");
    assert_eq!(yaml.len(), 1);
    let baseline = dir.join("baseline.yaml");
    std::fs::write(&baseline, &yaml[0]).unwrap();
    let snapshot = dir.join("snapshot.json");
    let out = plumb(&[
        "import",
        baseline.to_str().unwrap(),
        "tests/import/host/ansible-json-callback.json",
        "-o",
        snapshot.to_str().unwrap(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&snapshot).unwrap()).unwrap();
    let ids: Vec<(&str, &str)> = doc["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["type"].as_str().unwrap(), r["id"].as_str().unwrap()))
        .collect();
    assert_eq!(
        ids,
        [
            ("host_baseline", "group:edge"),
            ("host_baseline", "web-1.example.com"),
            ("host_baseline", "db-1"),
            ("host", "db-1"),
            ("host", "web-1.example.com"),
        ]
    );
    let rules = doc_blocks("plumb");
    assert_eq!(rules.len(), 1);
    let policy = dir.join("baseline.plumb");
    std::fs::write(&policy, &rules[0]).unwrap();
    let out = plumb(&[
        "check",
        "-p",
        policy.to_str().unwrap(),
        snapshot.to_str().unwrap(),
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    // web-1 has telnet-server, which the `linux` group forbids.
    assert!(
        text.starts_with("FAIL high baseline_forbidden_packages web-1.example.com: web-1.example.com has a package its baseline forbids"),
        "{text}"
    );
    assert!(
        text.lines()
            .last()
            .unwrap()
            .starts_with("1 failed, 1 passed"),
        "{text}"
    );
}

/// An InSpec report of a wrapper profile lists every control twice: in
/// the wrapper, without results (with its overrides), and in the
/// dependency that ran it. Each is one control, counted once: the
/// dependency's results with the wrapper's impact and title.
#[test]
fn a_wrapper_profile_is_merged_with_its_dependency() {
    let out = plumb(&["import", "tests/import/host/inspec4-wrapper.json"]);
    assert_eq!(out.status.code(), Some(0));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let controls: Vec<&serde_json::Value> = doc["resources"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["type"] == "inspec_control")
        .collect();
    let ids: Vec<&str> = controls.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(
        ids,
        ["acme-linux/os-01", "acme-linux/os-02", "acme-linux/acme-01"]
    );
    let os01 = &controls[0]["attributes"];
    assert_eq!(os01["status"], "failed");
    assert_eq!(os01["impact"], 0.1);
    assert_eq!(os01["title"], "Trusted hosts login (lowered by ACME)");
    assert_eq!(os01["from_profile"], "linux-baseline");
    assert_eq!(os01["results"].as_array().unwrap().len(), 1);
    assert_eq!(controls[1]["attributes"]["status"], "passed");
    let out = plumb(&[
        "check",
        "-p",
        "policies/aws",
        "tests/import/host/inspec4-wrapper.json",
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.lines()
            .last()
            .unwrap()
            .starts_with("1 failed, 2 passed"),
        "{text}"
    );
}
