//! Joins on Terraform plans: an attribute set from another resource's id
//! (both unknown until apply) joins through the plan's configuration
//! references, so the join decides instead of being indeterminate.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests"
)]

use std::path::{Path, PathBuf};

mod support;
use support::{plumb, root};

use serde_json::Value;

fn write(name: &str, text: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("plan_joins");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// Both forms of the join: with the bucket's `attributes.id` and with its
/// `id`.
const POLICY: &str = r#"package joins

rule pab_by_attribute on aws_s3_bucket {
  severity high
  controls nist.AC-3
  let pab = one(resources(aws_s3_bucket_public_access_block), b => b.attributes.bucket == attributes.id)
  require pab.attributes.block_public_acls == true
}

rule pab_by_id on aws_s3_bucket {
  severity high
  controls nist.AC-3
  let pab = one(resources(aws_s3_bucket_public_access_block), b => b.attributes.bucket == id)
  require pab.attributes.block_public_acls == true
}
"#;

/// (rule, resource address) -> status, for every decision with a finding,
/// and the summary.
fn check(policy: &Path, plan: &Path) -> (Vec<(String, String, String)>, Value) {
    let out = plumb(&[
        "check",
        "-p",
        policy.to_str().unwrap(),
        plan.to_str().unwrap(),
        "--format",
        "json",
    ]);
    let report: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!("{e}: {}", String::from_utf8_lossy(&out.stderr));
    });
    let findings = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["resource"]["address"].as_str().unwrap_or("").to_string(),
                f["status"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    (findings, report["summary"].clone())
}

/// A plan creating two buckets, each with an access block that references
/// it; one block allows public ACLs. Everything the join compares is
/// unknown until apply.
fn plan(second_block_references: &str) -> String {
    let rc = |address: &str, ty: &str, name: &str, after: &str, unknown: &str| {
        format!(
            r#"{{"address":"{address}","mode":"managed","type":"{ty}","name":"{name}","provider_name":"registry.terraform.io/hashicorp/aws","change":{{"actions":["create"],"before":null,"after":{after},"after_unknown":{unknown},"before_sensitive":false,"after_sensitive":{{}}}}}}"#
        )
    };
    let changes = [
        rc(
            "aws_s3_bucket.logs",
            "aws_s3_bucket",
            "logs",
            r#"{"bucket":"logs"}"#,
            r#"{"id":true,"arn":true}"#,
        ),
        rc(
            "aws_s3_bucket.site",
            "aws_s3_bucket",
            "site",
            r#"{"bucket":"site"}"#,
            r#"{"id":true,"arn":true}"#,
        ),
        rc(
            "aws_s3_bucket_public_access_block.logs",
            "aws_s3_bucket_public_access_block",
            "logs",
            r#"{"block_public_acls":true}"#,
            r#"{"id":true,"bucket":true}"#,
        ),
        rc(
            "aws_s3_bucket_public_access_block.site",
            "aws_s3_bucket_public_access_block",
            "site",
            r#"{"block_public_acls":false}"#,
            r#"{"id":true,"bucket":true}"#,
        ),
    ];
    format!(
        r#"{{"format_version":"1.2","terraform_version":"1.6.0","resource_changes":[{}],
        "configuration":{{"root_module":{{"resources":[
          {{"address":"aws_s3_bucket_public_access_block.logs","mode":"managed","type":"aws_s3_bucket_public_access_block","name":"logs",
            "expressions":{{"bucket":{{"references":["aws_s3_bucket.logs.id","aws_s3_bucket.logs"]}}}}}},
          {{"address":"aws_s3_bucket_public_access_block.site","mode":"managed","type":"aws_s3_bucket_public_access_block","name":"site",
            "expressions":{{"bucket":{{"references":{second_block_references}}}}}}}
        ]}}}}}}"#,
        changes.join(",")
    )
}

#[test]
fn a_join_through_references_decides_pass_and_fail() {
    let policy = write("joins.plumb", POLICY);
    let plan = write(
        "two-buckets.plan.json",
        &plan(r#"["aws_s3_bucket.site.id","aws_s3_bucket.site"]"#),
    );
    let (findings, summary) = check(&policy, &plan);
    assert_eq!(
        findings,
        vec![
            (
                "pab_by_attribute".to_string(),
                "aws_s3_bucket.site".to_string(),
                "fail".to_string()
            ),
            (
                "pab_by_id".to_string(),
                "aws_s3_bucket.site".to_string(),
                "fail".to_string()
            ),
        ],
        "{summary}"
    );
    assert_eq!(summary["passed"], 2, "{summary}");
    assert_eq!(summary["indeterminate"], 0, "{summary}");
}

#[test]
fn an_expression_reading_two_things_stays_indeterminate() {
    // `var.on ? aws_s3_bucket.site.id : aws_s3_bucket.logs.id`: which
    // bucket it names is not known, so the site bucket's join cannot decide
    // (the logs bucket's does: `one` takes the first block that matches,
    // and its own block comes first).
    let policy = write("joins2.plumb", POLICY);
    let plan = write(
        "conditional.plan.json",
        &plan(
            r#"["var.on","aws_s3_bucket.site.id","aws_s3_bucket.site","aws_s3_bucket.logs.id","aws_s3_bucket.logs"]"#,
        ),
    );
    let (findings, summary) = check(&policy, &plan);
    assert_eq!(summary["failed"], 0, "{summary}");
    assert_eq!(summary["indeterminate"], 2, "{summary}");
    assert!(
        findings
            .iter()
            .all(|(_, a, s)| s == "indeterminate" && a == "aws_s3_bucket.site"),
        "{findings:?}"
    );
}

#[test]
fn the_corpus_plan_decides_the_access_block_join() {
    let plan =
        root().join("../shared/corpus/terraform/checkov-plan-nested-child-modules.plan.json");
    if !plan.exists() {
        eprintln!("skipped: ../shared/corpus is not here");
        return;
    }
    let policy = write("corpus-joins.plumb", POLICY);
    let (findings, summary) = check(&policy, &plan);
    // The root module's bucket has an access block that references it:
    // both joins pass on it. The other buckets' joins meet the
    // `s3_bucket` module's block, whose bucket is a conditional over two
    // resources, and stay indeterminate; nothing fails.
    assert_eq!(summary["passed"], 2, "{summary}");
    assert_eq!(summary["failed"], 0, "{summary}");
    assert!(
        !findings
            .iter()
            .any(|(_, address, _)| address == "aws_s3_bucket.root_bucket"),
        "{findings:?}"
    );
}
