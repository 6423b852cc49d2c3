//! CloudFormation templates (AWS Config conformance packs among them) and
//! reference data (Prowler compliance mappings, AWS Config resource
//! schemas) through the binary, against golden snapshots beside the
//! inputs; the shared corpus' files when `../shared/corpus` is present
//! (goldens in `tests/import/aws-config/corpus/`). `PLUMB_BLESS=1`
//! regenerates the expected files; review the diff.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests"
)]

mod support;

use support::{golden, plumb, root};

#[test]
fn templates_and_reference_data_import_as_expected() {
    let mut failures = Vec::new();
    let dir = root().join("tests/import/cloudformation");
    for name in [
        "template.json",
        "template.yaml",
        "buckets-and-sg.json",
        "short-forms.yaml",
    ] {
        failures.extend(golden(
            &dir.join(name),
            &dir.join(format!("{name}.snapshot.json")),
        ));
    }
    let corpus = root().join("../shared/corpus/aws-config");
    if corpus.exists() {
        for name in [
            "conformance-pack-nist-800-53-rev-5.yaml",
            "conformance-pack-pci-dss-v4.0-including-global.yaml",
            "prowler-nist-800-53-rev5-aws-mapping.json",
            "resource-schema-AWS-S3-Bucket.properties.json",
        ] {
            failures.extend(golden(
                &corpus.join(name),
                &root().join(format!(
                    "tests/import/aws-config/corpus/{name}.snapshot.json"
                )),
            ));
        }
    } else {
        eprintln!("skipped the corpus files: ../shared/corpus is not here");
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// What an intrinsic function computes is unknown; a `Ref` to a parameter
/// with a default is the default; YAML's short forms read as the long.
#[test]
fn intrinsic_functions_are_unknown_unless_the_template_says() {
    let out = plumb(&["import", "tests/import/cloudformation/template.yaml"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let data = &doc["resources"][0];
    assert_eq!(data["id"], "Data");
    assert_eq!(data["type"], "cfn_aws_s3_bucket");
    assert_eq!(data["source"]["line"], 6);
    assert_eq!(data["attributes"]["tags"][0]["value"], "dev");
    let unknown: Vec<&str> = data["unknown"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(unknown, ["/bucket_name"]);
    let role = &doc["resources"][1];
    assert_eq!(role["type"], "cfn_aws_iam_role");
    assert!(
        role["unknown"]
            .as_array()
            .unwrap()
            .iter()
            // An IAM policy document keeps its keys as written.
            .any(|p| p
                .as_str()
                .unwrap()
                .ends_with("/Statement/0/Principal/Service"))
    );
}

#[test]
fn check_fails_the_template_bucket_without_encryption() {
    let out = plumb(&[
        "check",
        "-p",
        "tests/import/cloudformation/encrypted.plumb",
        "tests/import/cloudformation/template.json",
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("FAIL high cfn_bucket_encrypted Logs"),
        "{text}"
    );
    assert!(!text.contains("cfn_bucket_encrypted Audit"), "{text}");
    assert!(text.contains("1 failed, 1 passed"), "{text}");
}

/// One template with an unencrypted bucket, an encrypted one, one whose
/// encryption hangs on a parameter without a default, a bucket that
/// exists only under a condition, and a security group open to SSH: the
/// rules fail the first and the group, are indeterminate on the third,
/// and never print the `NoEcho` parameter's default.
#[test]
fn check_over_a_template_fails_and_is_indeterminate_where_it_should() {
    let out = plumb(&[
        "check",
        "-p",
        "tests/import/cloudformation/s3-encryption.plumb",
        "tests/import/cloudformation/buckets-and-sg.json",
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for want in [
        "FAIL high cfn_s3_bucket_encrypted LogsBucket: LogsBucket has no default encryption",
        "INDETERMINATE high cfn_s3_bucket_encrypted ArchiveBucket",
        "FAIL critical cfn_sg_no_world_ssh AdminSecurityGroup",
        "source: tests/import/cloudformation/buckets-and-sg.json",
    ] {
        assert!(text.contains(want), "{want}: {text}");
    }
    for not in ["DataBucket", "ProdOnlyBucket", "hunter2"] {
        assert!(!text.contains(not), "{not}: {text}");
    }
    assert!(
        text.lines()
            .last()
            .unwrap()
            .starts_with("2 failed, 2 passed, 1 indeterminate"),
        "{text}"
    );
    // The YAML template (short forms) passes both rules.
    let out = plumb(&[
        "check",
        "-p",
        "tests/import/cloudformation/s3-encryption.plumb",
        "tests/import/cloudformation/short-forms.yaml",
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("0 failed, 2 passed"), "{text}");
}

/// What the short forms and the parameters give: defaults, mappings,
/// conditions decided by defaults, `Fn::ForEach` expanded, an SSM
/// parameter's default unknown, a policy document's keys as written.
#[test]
fn yaml_short_forms_are_evaluated_as_far_as_the_template_says() {
    let out = plumb(&["import", "tests/import/cloudformation/short-forms.yaml"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let by_id = |id: &str| {
        doc["resources"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == id)
            .unwrap_or_else(|| panic!("no {id}"))
            .clone()
    };
    let unknown = |r: &serde_json::Value| -> Vec<String> {
        r["unknown"]
            .as_array()
            .map(|u| u.iter().map(|p| p.as_str().unwrap().to_string()).collect())
            .unwrap_or_default()
    };
    let bucket = by_id("Bucket");
    assert_eq!(bucket["type"], "cfn_aws_s3_bucket");
    assert_eq!(bucket["source"]["line"], 28);
    let a = &bucket["attributes"];
    assert_eq!(
        a["bucket_encryption"]["server_side_encryption_configuration"][0]["server_side_encryption_by_default"]
            ["sse_algorithm"],
        "AES256"
    );
    assert_eq!(
        a["lifecycle_configuration"]["rules"][0]["expiration_in_days"],
        30
    );
    assert_eq!(unknown(&bucket), ["/bucket_name"]);
    let policy = by_id("BucketPolicy");
    assert_eq!(
        policy["attributes"]["policy_document"]["Statement"][0]["Condition"]["Bool"]["aws:SecureTransport"],
        "false"
    );
    assert_eq!(
        unknown(&policy),
        ["/bucket", "/policy_document/Statement/0/Resource"]
    );
    let instance = by_id("Instance");
    let a = &instance["attributes"];
    assert_eq!(a["instance_type"], "t3.micro");
    assert_eq!(a["metadata_options"], serde_json::json!({}));
    assert_eq!(a["user_data"], "IyEvYmluL3NoCmVjaG8gaGVsbG8K");
    assert_eq!(
        unknown(&instance),
        ["/image_id", "/security_group_ids/0", "/subnet_id"]
    );
    for (id, name) in [
        ("ordersQueue", "dev-orders"),
        ("invoicesQueue", "dev-invoices"),
    ] {
        let q = by_id(id);
        assert_eq!(q["type"], "cfn_aws_sqs_queue");
        assert_eq!(q["attributes"]["queue_name"], name);
    }
    let sg = by_id("WebSecurityGroup");
    assert_eq!(sg["attributes"]["group_description"], "web dev");
    assert_eq!(unknown(&sg), ["/vpc_id"]);
}

#[test]
fn prowler_requirements_cite_nist_controls() {
    let corpus =
        root().join("../shared/corpus/aws-config/prowler-nist-800-53-rev5-aws-mapping.json");
    if !corpus.exists() {
        eprintln!("skipped: ../shared/corpus is not here");
        return;
    }
    let out = plumb(&["import", corpus.to_str().unwrap(), "-o", "-"]);
    assert_eq!(out.status.code(), Some(0));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let rs = doc["resources"].as_array().unwrap();
    assert_eq!(rs.len(), 288);
    assert!(
        rs.iter()
            .all(|r| r["attributes"]["controls"].as_array().unwrap().len() == 1),
        "every requirement cites one control"
    );
    let controls = |id: &str| {
        rs.iter()
            .find(|r| r["id"] == format!("NIST-800-53-Revision-5/{id}"))
            .unwrap()["attributes"]["controls"]
            .clone()
    };
    assert_eq!(controls("ac_2_1"), serde_json::json!(["nist.AC-2(1)"]));
    assert_eq!(controls("ac_2_3_a"), serde_json::json!(["nist.AC-2(3)"]));
    // Prowler lost a trailing zero: its description is AC-3(10)'s.
    assert_eq!(controls("ac_3_1"), serde_json::json!(["nist.AC-3(10)"]));
}

#[test]
fn bad_templates_exit_2_with_the_cause() {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("import-cfn-bad");
    std::fs::create_dir_all(&dir).unwrap();
    let cases = [
        (
            "list.json",
            r#"{"AWSTemplateFormatVersion": "2010-09-09", "Resources": []}"#,
            "/Resources: a template's `Resources` is a mapping",
        ),
        (
            "untyped.json",
            r#"{"AWSTemplateFormatVersion": "2010-09-09", "Resources": {"B": {"Properties": {}}}}"#,
            "/Resources/B: the resource has no `Type`",
        ),
        (
            "typeless.yaml",
            "Resources:\n  A:\n    Type: AWS::S3::Bucket\n  B:\n    Properties: {}\n",
            "typeless.yaml:5:5: /Resources/B: the resource has no `Type`",
        ),
        (
            "badtype.json",
            r#"{"AWSTemplateFormatVersion": "2010-09-09", "Resources": {"B": {"Type": "Bucket"}}}"#,
            "/Resources/B/Type: `Bucket` is not a resource type",
        ),
        (
            "notobject.json",
            r#"{"AWSTemplateFormatVersion": "2010-09-09", "Resources": {"B": ["AWS::S3::Bucket"]}}"#,
            "/Resources/B: a resource must be an object",
        ),
        (
            "params.json",
            r#"{"AWSTemplateFormatVersion": "2010-09-09", "Parameters": [], "Resources": {}}"#,
            "/Parameters: `Parameters` must be an object",
        ),
        (
            "props.yaml",
            "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  B:\n    Type: AWS::S3::Bucket\n    Properties: [1]\n",
            "/Resources/B: `Properties` is a mapping",
        ),
    ];
    for (name, text, want) in cases {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        let out = plumb(&["import", path.to_str().unwrap()]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{name}: {err}");
        assert!(err.contains(name) && err.contains(want), "{name}: {err}");
    }
}
