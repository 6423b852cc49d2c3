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
    for name in ["template.json", "template.yaml"] {
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
    assert_eq!(data["type"], "aws_s3_bucket");
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
    assert_eq!(role["type"], "aws_iam_role");
    assert!(
        role["unknown"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p.as_str().unwrap().ends_with("/principal/service"))
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
