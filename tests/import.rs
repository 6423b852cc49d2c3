//! Importers through the binary: `plumb import` turns each source into a
//! plumb snapshot (golden files beside the inputs), and `plumb check` reads
//! the result. Bad sources exit 2 with the file and the cause.
//!
//! The Terraform files of the shared corpus (`../shared/corpus/terraform`)
//! are imported too when that folder is present; their expected snapshots
//! are in `tests/import/terraform/corpus/`. `PLUMB_BLESS=1` regenerates
//! the expected files; review the diff.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests"
)]

mod support;

use std::path::{Path, PathBuf};
use std::process::Output;
use support::{golden, plumb, root};

#[test]
fn terraform_sources_import_as_expected() {
    let mut failures = Vec::new();
    let dir = root().join("tests/import/terraform");
    failures.extend(golden(
        &dir.join("handwritten.tfstate"),
        &dir.join("handwritten.snapshot.json"),
    ));
    failures.extend(golden(
        &dir.join("handwritten.plan.json"),
        &dir.join("handwritten.plan.snapshot.json"),
    ));
    // `terraform show -json` of a state.
    failures.extend(golden(
        &dir.join("shown.state.json"),
        &dir.join("shown.state.snapshot.json"),
    ));
    let config = root().join("tests/import/aws-config");
    // A snapshot item; BatchGetResourceConfig's items (configuration as
    // JSON text); an advanced query's rows.
    for name in ["unencrypted-bucket", "batch-get", "select"] {
        failures.extend(golden(
            &config.join(format!("{name}.json")),
            &config.join(format!("{name}.snapshot.json")),
        ));
    }
    let shared = root().join("../shared/corpus/aws-config");
    if shared.is_dir() {
        // The configuration items; the folder also holds mappings and
        // schemas, which are not resource sources.
        for name in [
            "awsdocs-ci-change-notification-ec2-instance.json",
            "awsdocs-configuration-snapshot-example.json",
            "rdk-ci-ec2-security-group.json",
            "rdk-ci-iam-role.json",
            "rdk-ci-s3-bucket.json",
        ] {
            failures.extend(golden(
                &shared.join(name),
                &config.join("corpus").join(format!("{name}.snapshot.json")),
            ));
        }
    }
    let azure = root().join("tests/import/azure");
    failures.extend(golden(
        &azure.join("resources.json"),
        &azure.join("resources.snapshot.json"),
    ));
    let shared_azure = root().join("../shared/corpus/azure");
    if shared_azure.is_dir() {
        let mut files: Vec<PathBuf> = std::fs::read_dir(&shared_azure)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect();
        files.sort();
        for f in files {
            let name = f.file_name().unwrap().to_string_lossy().into_owned();
            failures.extend(golden(
                &f,
                &azure.join("corpus").join(format!("{name}.snapshot.json")),
            ));
        }
    }
    let corpus = root().join("../shared/corpus/terraform");
    if corpus.is_dir() {
        let mut files: Vec<PathBuf> = std::fs::read_dir(&corpus)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| {
                p.extension().is_some_and(|e| e == "tfstate")
                    || p.to_string_lossy().ends_with(".plan.json")
            })
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
            "import: ../shared/corpus/terraform not found; only the hand-written state is checked"
        );
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn imported_state_is_checked_by_rules() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("import");
    std::fs::create_dir_all(&dir).unwrap();
    let snapshot = dir.join("state.json");
    let out = plumb(&[
        "import",
        "tests/import/terraform/handwritten.tfstate",
        "-o",
        snapshot.to_str().unwrap(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let policy = dir.join("rds.plumb");
    std::fs::write(
        &policy,
        "rule rds_encrypted on aws_db_instance {\n  severity high\n  controls nist.SC-28\n  require attributes.storage_encrypted == true\n  message \"{address} is not encrypted; its password is {attributes.password}\"\n}\n",
    )
    .unwrap();
    let out = plumb(&[
        "check",
        "-p",
        policy.to_str().unwrap(),
        snapshot.to_str().unwrap(),
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("aws_db_instance.main is not encrypted; its password is (sensitive)"),
        "{text}"
    );
    assert!(!text.contains("hunter2"), "{text}");
    assert!(
        text.starts_with("FAIL high rds_encrypted aws_db_instance.main"),
        "{text}"
    );
}

#[test]
fn bad_sources_exit_2_with_the_cause() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("import-bad");
    std::fs::create_dir_all(&dir).unwrap();
    let cases = [
        (
            "v3.tfstate",
            "{\"version\": 3, \"terraform_version\": \"0.11.14\", \"modules\": []}",
            "version 3",
        ),
        (
            "v5.tfstate",
            "{\"version\": 5, \"terraform_version\": \"2.0.0\", \"resources\": []}",
            "version 5",
        ),
        (
            "truncated.tfstate",
            "{\"version\": 4, \"lineage\": \"x\", \"resources\": [",
            "truncated.tfstate:1:",
        ),
        ("empty.tfstate", "", "empty"),
        ("list.json", "[1, 2]", "unrecognised"),
        (
            "config.json",
            "{\"configurationItems\": [{\"configuration\": {}}]}",
            "resourceType",
        ),
        ("snapshot.json", "{\"resources\": []}", "already a plumb"),
        (
            "bad-index.tfstate",
            "{\"version\": 4, \"lineage\": \"x\", \"resources\": [{\"mode\": \"managed\", \"type\": \"t\", \"name\": \"n\", \"instances\": [{\"index_key\": true}]}]}",
            "index_key",
        ),
    ];
    let deep = "[".repeat(100_000);
    let cases: Vec<(&str, Vec<u8>, &str)> = cases
        .into_iter()
        .map(|(n, t, w)| (n, t.as_bytes().to_vec(), w))
        .chain([
            (
                "v2.plan.json",
                b"{\"format_version\": \"2.0\", \"resource_changes\": []}".to_vec(),
                "format_version 2.0 is not supported",
            ),
            (
                "duplicate.tfstate",
                b"{\"version\": 4, \"lineage\": \"x\",\n \"resources\": [],\n \"resources\": []}"
                    .to_vec(),
                "duplicate.tfstate:3:",
            ),
            (
                "nan.json",
                b"{\"format_version\": \"1.2\", \"resource_changes\": [NaN]}".to_vec(),
                "nan.json:1:",
            ),
            (
                "huge.tfstate",
                b"{\"version\": 4, \"lineage\": \"x\", \"serial\": 1e400, \"resources\": []}"
                    .to_vec(),
                "number out of range",
            ),
            (
                "latin1.tfstate",
                b"{\"version\": 4, \"lineage\": \"caf\xe9\", \"resources\": []}".to_vec(),
                "latin1.tfstate:1:",
            ),
            ("deep.json", deep.into_bytes(), "recursion limit"),
            (
                "shape.tfstate",
                b"{\"version\": 4, \"lineage\": \"x\", \"resources\": {}}".to_vec(),
                "resources",
            ),
            ("string.json", b"\"just a string\"".to_vec(), "unrecognised"),
            (
                "results.log",
                b"{\"name\":\"q\",\"hostIdentifier\":\"h\",\"action\":\"added\",\"columns\":{\"a\":\"1\"},\"unixTime\":1}\n\n{\"name\":\"q\",\"hostIdentifier\":\"h\",\"action\":\"added\",\"columns\":7,\"unixTime\":1}\n".to_vec(),
                // The bad line of a result log is named.
                "results.log:3:1: `/columns` must be an object",
            ),
            (
                "changes.plan.json",
                b"{\"format_version\": \"1.2\", \"resource_changes\": 7}".to_vec(),
                "must be a list",
            ),
        ])
        .collect();
    for (name, text, want) in cases {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        let out = plumb(&["import", path.to_str().unwrap()]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{name}: {err}");
        assert!(err.contains(want), "{name}: {err}");
        assert!(err.contains(name), "{name}: {err}");
        assert!(!err.contains("panicked"), "{name}: {err}");
    }
}

#[test]
fn check_reads_a_terraform_state_directly() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("import-direct");
    std::fs::create_dir_all(&dir).unwrap();
    let policy = dir.join("sg.plumb");
    std::fs::write(
        &policy,
        "rule sg_world_ssh on aws_security_group {\n  severity critical\n  controls nist.SC-7\n  require none(attributes.ingress[*], r => r.from_port == 22 and \"0.0.0.0/0\" in r.cidr_blocks)\n}\n",
    )
    .unwrap();
    let out = plumb(&[
        "check",
        "-p",
        policy.to_str().unwrap(),
        "tests/import/terraform/handwritten.tfstate",
        "examples/snapshot.json",
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains(
            "FAIL critical sg_world_ssh module.net[\"eu\"].aws_security_group.web[\"a\"]"
        ),
        "{text}"
    );
    assert!(
        text.lines().last().unwrap().starts_with("2 failed"),
        "{text}"
    );
}

/// One rule over the same unencrypted bucket in a plan, a state and an AWS
/// Config item: all three fail; a bucket whose encryption is known only after apply is
/// indeterminate, not failed; a sensitive planned value is never printed.
#[test]
fn one_rule_over_a_plan_and_a_state() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("import-plan");
    std::fs::create_dir_all(&dir).unwrap();
    let policy = dir.join("s3.plumb");
    std::fs::write(
        &policy,
        "rule s3_encrypted on aws_s3_bucket {\n  severity critical\n  controls nist.SC-28\n  require count(attributes.server_side_encryption_configuration) > 0\n  message \"{address} has no default encryption\"\n}\n\
         rule rds_note on aws_db_instance {\n  severity info\n  controls nist.SC-28\n  require attributes.storage_encrypted != true\n  message \"{attributes.password}\"\n}\n",
    )
    .unwrap();
    for (file, want) in [
        (
            "tests/import/terraform/handwritten.plan.json",
            "aws_s3_bucket.logs has no default encryption",
        ),
        (
            "tests/import/terraform/unencrypted_bucket.tfstate",
            "aws_s3_bucket.logs has no default encryption",
        ),
        (
            "tests/import/aws-config/unencrypted-bucket.json",
            "arn:aws:s3:::acme-logs has no default encryption",
        ),
    ] {
        let out = plumb(&["check", "-p", policy.to_str().unwrap(), file]);
        let text = String::from_utf8_lossy(&out.stdout);
        assert_eq!(
            out.status.code(),
            Some(1),
            "{file}: {text}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(text.contains(want), "{file}: {text}");
        assert!(!text.contains("hunter2"), "{file}: {text}");
    }
    let out = plumb(&[
        "check",
        "-p",
        policy.to_str().unwrap(),
        "tests/import/terraform/handwritten.plan.json",
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("INDETERMINATE critical s3_encrypted aws_s3_bucket.new"),
        "{text}"
    );
    assert!(text.contains("(sensitive)"), "{text}");
    assert!(
        text.lines()
            .last()
            .unwrap()
            .starts_with("2 failed, 0 passed, 1 indeterminate"),
        "{text}"
    );
}

#[test]
fn azure_resources_are_checked_with_azurerm_names() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("import-azure");
    std::fs::create_dir_all(&dir).unwrap();
    let policy = dir.join("azure.plumb");
    std::fs::write(
        &policy,
        "rule storage_https_only on azurerm_storage_account {\n  severity high\n  controls nist.SC-8\n  require attributes.https_traffic_only_enabled == true\n}\n\
         rule nsg_no_open_ssh on azurerm_network_security_group {\n  severity critical\n  controls nist.SC-7\n  require none(attributes.security_rule[*], r => r.direction == \"Inbound\" and r.access == \"Allow\" and r.destination_port_range == \"22\" and r.source_address_prefix in [\"*\", \"0.0.0.0/0\", \"Internet\"])\n}\n",
    )
    .unwrap();
    let out = plumb(&[
        "check",
        "-p",
        policy.to_str().unwrap(),
        "tests/import/azure/resources.json",
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("FAIL high storage_https_only"), "{text}");
    assert!(text.contains("FAIL critical nsg_no_open_ssh"), "{text}");
    assert!(
        text.lines().last().unwrap().starts_with("2 failed"),
        "{text}"
    );
    // The imported snapshot mentions `/providers/Microsoft.` too: it still
    // loads as a snapshot, with the same findings.
    let snapshot = dir.join("azure.snapshot.json");
    let out = plumb(&[
        "import",
        "tests/import/azure/resources.json",
        "-o",
        snapshot.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0));
    let again = plumb(&[
        "check",
        "-p",
        policy.to_str().unwrap(),
        snapshot.to_str().unwrap(),
    ]);
    // Identical, down to each finding's source file: import keeps it.
    assert_eq!(String::from_utf8_lossy(&again.stdout), text);
}

/// InSpec and XCCDF results are findings another tool made: `plumb check`
/// reports them beside its rules' own, with the controls the scan cites,
/// whether it reads the report itself or a snapshot imported from it.
#[test]
fn scan_results_are_findings_read_directly_or_imported() {
    let inputs = [
        "tests/import/host/inspec4-json-min.json",
        "tests/import/host/openscap-arf-xccdf12.xml",
    ];
    let findings = |out: &Output| -> Vec<String> {
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                let controls: Vec<&str> = f["controls"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|c| c.as_str().unwrap())
                    .collect();
                format!(
                    "{} {} {}",
                    f["status"].as_str().unwrap(),
                    f["rule"].as_str().unwrap(),
                    controls.join(",")
                )
            })
            .collect()
    };
    let mut args = vec![
        "check",
        "-p",
        "examples/quickstart.plumb",
        "--format",
        "json",
    ];
    args.extend(inputs);
    let direct = plumb(&args);
    assert_eq!(
        direct.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&direct.stderr)
    );
    let want = [
        "fail inspec.ssh-baseline.sshd-05 ",
        "indeterminate xccdf.xccdf_org.ssgproject.content_rule_audit_rules_immutable ",
        "error xccdf.xccdf_org.ssgproject.content_rule_package_telnet-server_removed nist.CM-7",
        "fail xccdf.xccdf_org.ssgproject.content_rule_sshd_disable_root_login nist.AC-6(2),nist.AC-17,nist.IA-2,nist.IA-2(5),nist.CM-7,nist.CM-6",
    ];
    assert_eq!(findings(&direct), want);
    let snapshot = Path::new(env!("CARGO_TARGET_TMPDIR")).join("scans.snapshot.json");
    let mut import = vec!["import"];
    import.extend(inputs);
    import.extend(["-o", snapshot.to_str().unwrap()]);
    assert_eq!(plumb(&import).status.code(), Some(0));
    let imported = plumb(&[
        "check",
        "-p",
        "examples/quickstart.plumb",
        "--format",
        "json",
        snapshot.to_str().unwrap(),
    ]);
    assert_eq!(findings(&imported), want);
    let summary = |out: &Output| {
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        doc["summary"].clone()
    };
    assert_eq!(summary(&direct), summary(&imported));
}

/// A UTF-8 byte-order mark is read past; UTF-16 XML gets a clear error.
#[test]
fn byte_order_marks() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("import-bom");
    std::fs::create_dir_all(&dir).unwrap();
    let state = dir.join("bom.tfstate");
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend_from_slice(
        br#"{"version": 4, "lineage": "x", "resources": [{"mode": "managed", "type": "aws_s3_bucket", "name": "b", "instances": [{"attributes": {"id": "b"}}]}]}"#,
    );
    std::fs::write(&state, bytes).unwrap();
    let out = plumb(&["import", state.to_str().unwrap()]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("aws_s3_bucket"));
    let xml = dir.join("utf16.xml");
    let text = "<?xml version=\"1.0\" encoding=\"UTF-16\"?><TestResult/>";
    let mut bytes = vec![0xFF, 0xFE];
    for unit in text.encode_utf16() {
        bytes.extend_from_slice(&unit.to_le_bytes());
    }
    std::fs::write(&xml, bytes).unwrap();
    let out = plumb(&["import", xml.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("utf16.xml") && err.contains("UTF-16"), "{err}");
}

/// Plans of format 0.1 (Terraform 0.12 to 0.14) and 0.2 (0.15, 1.0)
/// import. 0.1 does not say which values are sensitive, so none is
/// printed; neither has `resource_drift` before Terraform 0.15.2, so
/// `plumb drift PLAN` refuses such a plan rather than report no drift.
#[test]
fn plans_of_format_0_x_import() {
    let out = plumb(&["import", "tests/import/terraform/format-0.1.plan.json"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let db = &doc["resources"][0];
    assert_eq!(db["type"], "aws_db_instance");
    let sensitive: Vec<&str> = db["sensitive"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    assert!(sensitive.contains(&"/password"), "{sensitive:?}");
    assert!(sensitive.contains(&"/storage_encrypted"), "{sensitive:?}");
    let out = plumb(&[
        "check",
        "-p",
        "policies/aws",
        "tests/import/terraform/format-0.1.plan.json",
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("FAIL high rds_storage_encrypted"), "{text}");
    assert!(!text.contains("hunter2"), "{text}");
    let out = plumb(&["drift", "tests/import/terraform/format-0.1.plan.json"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("written by Terraform 0.12.31"), "{err}");
    assert!(err.contains("from 0.15.2"), "{err}");
    // 0.2 from Terraform 0.15.5 has its resource drift.
    let out = plumb(&[
        "drift",
        "tests/import/terraform/format-0.2.plan.json",
        "--format",
        "json",
    ]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["events"][0]["path"], "/tags/owner");
    let out = plumb(&["import", "tests/import/terraform/format-0.2.plan.json"]);
    assert_eq!(out.status.code(), Some(0));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(doc["resources"][0]["sensitive"].is_null(), "{doc:#}");
}
