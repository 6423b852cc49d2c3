//! Sources never make a rule fail open: the same resource read from a
//! Terraform state, a plan and AWS Config (or Azure) pairs in `plumb drift`
//! with no drift, and the standard packs give it the same verdicts; what
//! AWS Config shows that the mapping once dropped is drift and findings;
//! types without a shape mapping keep a source's own name; a bare list of
//! configuration items imports; a file plumb does not read is described.
//! The fixtures are in `tests/import/identity/` (docs/identity.md).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests"
)]

mod support;

use std::collections::BTreeMap;
use std::path::Path;

use support::plumb;

const DIR: &str = "tests/import/identity";

fn drift(declared: &str, actual: &str) -> (i32, Vec<String>) {
    let out = plumb(&[
        "drift",
        "--declared",
        &format!("{DIR}/{declared}"),
        "--actual",
        &format!("{DIR}/{actual}"),
        "--format",
        "json",
    ]);
    let code = out.status.code().unwrap();
    assert!(
        code == 0 || code == 1,
        "exit {code}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let events = doc["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            format!(
                "{} {} {}",
                e["kind"].as_str().unwrap(),
                e["address"].as_str().unwrap(),
                e["path"].as_str().unwrap()
            )
        })
        .collect();
    (code, events)
}

/// `plumb check -p policies/aws FILE`: every finding's status by rule,
/// type and id, and the summary.
fn verdicts(
    file: &str,
) -> (
    BTreeMap<(String, String, String), String>,
    serde_json::Value,
) {
    let out = plumb(&["check", "-p", "policies/aws", file, "--format", "json"]);
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{file}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let findings = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                (
                    f["rule"].as_str().unwrap().to_string(),
                    f["resource"]["type"].as_str().unwrap().to_string(),
                    f["resource"]["id"].as_str().unwrap().to_string(),
                ),
                f["status"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    (findings, doc["summary"].clone())
}

#[test]
fn the_same_resources_from_state_plan_and_aws_config_pair_without_drift() {
    // Every mapped type: S3 buckets (and a public access block), a
    // security group, an instance, a volume, an RDS instance, a KMS key, a
    // trail, an IAM role (with an inline policy), policy and user (with an
    // attached policy).
    for declared in ["declared.tfstate", "declared.plan.json"] {
        let (code, events) = drift(declared, "actual.json");
        assert_eq!(events, Vec::<String>::new(), "{declared}");
        assert_eq!(code, 0, "{declared}");
    }
    // Azure: Resource Graph's lower-case `resourcegroups` and type.
    let (code, events) = drift("azure.tfstate", "azure.graph.json");
    assert_eq!(events, Vec::<String>::new());
    assert_eq!(code, 0);
}

#[test]
fn ids_are_terraforms() {
    let out = plumb(&["import", &format!("{DIR}/actual.json")]);
    assert_eq!(out.status.code(), Some(0));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let ids: Vec<String> = doc["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            format!(
                "{} {}",
                r["type"].as_str().unwrap(),
                r["id"].as_str().unwrap()
            )
        })
        .collect();
    for want in [
        "aws_iam_role app-role",
        "aws_iam_role_policy app-role:everything",
        "aws_iam_user alice",
        "aws_iam_policy arn:aws:iam::123456789012:policy/admin-all",
        "aws_cloudtrail arn:aws:cloudtrail:eu-west-1:123456789012:trail/org-trail",
        "aws_db_instance db-7XKQ2M4PZ3RWN5TYB6CVHD8JLE",
        "aws_s3_bucket_public_access_block acme-public-site",
    ] {
        assert!(ids.contains(&want.to_string()), "{want}: {ids:#?}");
    }
}

#[test]
fn the_standard_packs_give_the_same_verdicts_from_every_source() {
    let (state, state_summary) = verdicts(&format!("{DIR}/declared.tfstate"));
    let (plan, plan_summary) = verdicts(&format!("{DIR}/declared.plan.json"));
    let (config, config_summary) = verdicts(&format!("{DIR}/actual.json"));
    assert_eq!(state, plan);
    assert_eq!(state, config);
    assert_eq!(state_summary, plan_summary);
    assert_eq!(state_summary, config_summary);
    // The holes the issue names fail, from AWS Config too.
    for (rule, id) in [
        ("ec2_no_public_ip", "i-0a1b2c3d4e5f60789"),
        ("s3_bucket_no_public_acl", "acme-public-site"),
        ("iam_user_no_direct_policies", "alice"),
        ("iam_policy_no_admin", "app-role:everything"),
    ] {
        assert!(
            config
                .iter()
                .any(|((r, _, i), s)| r == rule && i == id && s == "fail"),
            "{rule} {id}: {config:#?}"
        );
    }
    assert_eq!(config_summary["indeterminate"], 0);
}

/// What AWS Config shows of an instance's metadata options and a bucket's
/// ACL is drift when it changes out of band, and a finding. The edited
/// items are a bare JSON array, as `--query configurationItems` prints.
#[test]
fn out_of_band_changes_aws_config_shows_are_drift_and_findings() {
    let (code, events) = drift("declared.tfstate", "actual-edited.history.json");
    let changed: Vec<&String> = events
        .iter()
        .filter(|e| !e.starts_with("deleted"))
        .collect();
    assert_eq!(
        changed,
        [
            "changed aws_instance.app /metadata_options/0/http_put_response_hop_limit",
            "changed aws_instance.app /metadata_options/0/instance_metadata_tags",
            "changed aws_s3_bucket.data /acl",
        ],
        "{events:#?}"
    );
    assert_eq!(code, 1);
    let (findings, _) = verdicts(&format!("{DIR}/actual-edited.history.json"));
    assert_eq!(
        findings.get(&(
            "s3_bucket_no_public_acl".to_string(),
            "aws_s3_bucket".to_string(),
            "acme-private-data".to_string()
        )),
        Some(&"fail".to_string())
    );
}

/// An item that does not say whether an instance has a public address, or
/// a bucket item without its ACL, is indeterminate, not passed.
#[test]
fn what_an_item_does_not_say_is_unknown() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("import-identity");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("partial.json");
    std::fs::write(
        &file,
        r#"[{"resourceType": "AWS::EC2::Instance", "resourceId": "i-1", "configurationItemCaptureTime": "2026-11-30T06:12:44.101Z",
            "configuration": {"instanceId": "i-1", "metadataOptions": {"httpTokens": "required"}}},
           {"resourceType": "AWS::S3::Bucket", "resourceId": "b", "configurationItemCaptureTime": "2026-11-30T06:12:44.101Z",
            "configuration": {"name": "b"}, "supplementaryConfiguration": {}}]"#,
    )
    .unwrap();
    let (findings, summary) = verdicts(file.to_str().unwrap());
    for (rule, id) in [
        ("ec2_no_public_ip", "i-1"),
        ("s3_bucket_no_public_acl", "b"),
    ] {
        let key = (rule.to_string(), String::new(), id.to_string());
        let status = findings
            .iter()
            .find(|((r, _, i), _)| *r == key.0 && *i == key.2)
            .map(|(_, s)| s.as_str());
        assert_eq!(status, Some("indeterminate"), "{rule}: {findings:#?}");
    }
    assert!(summary["indeterminate"].as_u64().unwrap() >= 2);
}

/// Types without a shape mapping keep a source's own name, so a rule
/// written for Terraform's shape never selects them.
#[test]
fn unmapped_types_keep_a_source_name() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("import-identity");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("unmapped.json");
    std::fs::write(
        &file,
        r#"{"configurationItems": [{"resourceType": "AWS::SNS::Topic", "resourceId": "arn:aws:sns:eu-west-1:1:t", "configuration": {"topicArn": "arn:aws:sns:eu-west-1:1:t"}}]}"#,
    )
    .unwrap();
    let arm = dir.join("arm.json");
    std::fs::write(
        &arm,
        r#"{"value": [{"id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/publicIPAddresses/ip", "name": "ip", "type": "Microsoft.Network/publicIPAddresses", "properties": {"ipAddress": "198.51.100.1"}}]}"#,
    )
    .unwrap();
    for (f, want) in [
        (&file, "config_aws_sns_topic"),
        (&arm, "arm_network_public_ip_addresses"),
    ] {
        let out = plumb(&["import", f.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(0));
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(doc["resources"][0]["type"], want);
    }
}

/// A file that is neither a source nor a snapshot is described, and the
/// message lists what plumb reads, in `plumb import` and `plumb check`.
#[test]
fn a_file_plumb_does_not_read_is_described() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("import-identity");
    std::fs::create_dir_all(&dir).unwrap();
    let cases = [
        (
            "inventory.json",
            r#"{"hosts": ["a"], "owner": "ops"}"#,
            "it is a JSON object with top-level keys `hosts`, `owner`",
        ),
        (
            "numbers.json",
            "[1, 2, 3]",
            "it is a JSON array of 3 numbers",
        ),
        (
            "values.yaml",
            "- a\n- b\n",
            "it is a YAML list of 2 strings",
        ),
    ];
    for (name, text, want) in cases {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        for args in [
            vec!["import", path.to_str().unwrap()],
            vec!["check", "-p", "policies/aws", path.to_str().unwrap()],
        ] {
            let out = plumb(&args);
            let err = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "{name}: {err}");
            assert!(err.contains(want), "{name}: {err}");
            assert!(err.contains(name), "{name}: {err}");
            assert!(!err.contains("no `resources` list"), "{name}: {err}");
            if name.ends_with(".json") {
                assert!(
                    err.contains("AWS Config items, Azure ARM resources"),
                    "{err}"
                );
            }
        }
    }
}
