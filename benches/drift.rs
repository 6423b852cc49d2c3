//! Import and drift speed against the time to merely parse the same files
//! (docs/performance.md, "Import and drift").
//!
//! Builds, from a fixed pattern, two workloads of N resources each side:
//!
//! - **aws**: a Terraform state of S3 buckets and security groups
//!   (declared) and an AWS Config snapshot of the same resources (actual);
//! - **k8s**: Deployment manifests (declared) and the live objects as the
//!   API server returns them (actual), multi-document YAML;
//!
//! with 1% of the actual resources changed. Then times, each the median of
//! several runs in one process: parsing both files to JSON values (the
//! floor: `serde_json` for JSON, plumb's YAML reader for YAML), importing
//! both (`plumb_ingest::import`), and the whole `plumb drift` command
//! (the release binary, one and two threads). Prints the ratios.
//!
//! `cargo bench --bench drift` (N = 100,000); `-- --size N` for another N;
//! `-- --runs R` for another number of runs; `-- --generate-only` writes
//! the files and prints where.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "bench"
)]

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

fn tfstate(n: usize) -> String {
    let mut s = String::with_capacity(n * 1500);
    s.push_str("{\"version\":4,\"terraform_version\":\"1.9.8\",\"serial\":7,\"lineage\":\"5f0e2b1c-0d3e-4f5a-8b6c-7d8e9f0a1b2c\",\"outputs\":{},\"resources\":[\n");
    for i in 0..n {
        if i > 0 {
            s.push_str(",\n");
        }
        if i % 2 == 0 {
            write!(s, r#"{{"mode":"managed","type":"aws_s3_bucket","name":"b{i}","provider":"provider[\"registry.terraform.io/hashicorp/aws\"]","instances":[{{"schema_version":0,"attributes":{{"acceleration_status":"","acl":null,"arn":"arn:aws:s3:::bucket-{i}","bucket":"bucket-{i}","bucket_domain_name":"bucket-{i}.s3.amazonaws.com","bucket_prefix":"","force_destroy":false,"hosted_zone_id":"Z1BKCTXD74EZPE","id":"bucket-{i}","logging":[{{"target_bucket":"logs","target_prefix":"b{i}/"}}],"object_lock_enabled":false,"policy":"","region":"eu-west-1","server_side_encryption_configuration":[{{"rule":[{{"apply_server_side_encryption_by_default":[{{"kms_master_key_id":"","sse_algorithm":"AES256"}}],"bucket_key_enabled":false}}]}}],"tags":{{"team":"t{t}","app":"a{i}"}},"tags_all":{{"team":"t{t}","app":"a{i}"}},"timeouts":null,"versioning":[{{"enabled":true,"mfa_delete":false}}]}},"sensitive_attributes":[]}}]}}"#, t = i % 17).unwrap();
        } else {
            write!(s, r#"{{"mode":"managed","type":"aws_security_group","name":"g{i}","provider":"provider[\"registry.terraform.io/hashicorp/aws\"]","instances":[{{"schema_version":1,"attributes":{{"arn":"arn:aws:ec2:eu-west-1:123456789012:security-group/sg-{i:017x}","description":"group {i}","egress":[{{"cidr_blocks":["0.0.0.0/0"],"description":"","from_port":0,"ipv6_cidr_blocks":[],"prefix_list_ids":[],"protocol":"-1","security_groups":[],"self":false,"to_port":0}}],"id":"sg-{i:017x}","ingress":[{{"cidr_blocks":["10.{a}.0.0/16"],"description":"app","from_port":443,"ipv6_cidr_blocks":[],"prefix_list_ids":[],"protocol":"tcp","security_groups":[],"self":false,"to_port":443}},{{"cidr_blocks":["203.0.113.0/24"],"description":"","from_port":22,"ipv6_cidr_blocks":[],"prefix_list_ids":[],"protocol":"tcp","security_groups":[],"self":false,"to_port":22}}],"name":"g{i}","name_prefix":"","owner_id":"123456789012","revoke_rules_on_delete":false,"tags":{{"Name":"g{i}"}},"tags_all":{{"Name":"g{i}"}},"timeouts":null,"vpc_id":"vpc-0f1e2d3c4b5a69788"}},"sensitive_attributes":[]}}]}}"#, a = i % 250).unwrap();
        }
    }
    s.push_str("\n]}\n");
    s
}

fn aws_config(n: usize) -> String {
    let mut s = String::with_capacity(n * 1500);
    s.push_str("{\"fileVersion\":\"1.0\",\"configSnapshotId\":\"0\",\"configurationItems\":[\n");
    for i in 0..n {
        if i > 0 {
            s.push_str(",\n");
        }
        // 1% drifted: versioning suspended, or SSH opened to the world.
        let drifted = i % 100 == 7;
        if i % 2 == 0 {
            let status = if drifted { "Suspended" } else { "Enabled" };
            write!(s, r#"{{"version":"1.3","accountId":"123456789012","configurationItemCaptureTime":"2026-11-30T06:12:44.101Z","configurationItemStatus":"OK","configurationStateId":"1","arn":"arn:aws:s3:::bucket-{i}","resourceType":"AWS::S3::Bucket","resourceId":"bucket-{i}","resourceName":"bucket-{i}","awsRegion":"eu-west-1","availabilityZone":"Regional","tags":{{"team":"t{t}","app":"a{i}"}},"relatedEvents":[],"relationships":[],"configuration":{{"name":"bucket-{i}","owner":{{"displayName":null,"id":"8ac813c84b8ad4d9"}},"creationDate":"2025-03-02T10:01:17.000Z"}},"supplementaryConfiguration":{{"BucketLoggingConfiguration":{{"destinationBucketName":"logs","logFilePrefix":"b{i}/"}},"BucketVersioningConfiguration":{{"status":"{status}","isMfaDeleteEnabled":null}},"IsRequesterPaysEnabled":false,"ServerSideEncryptionConfiguration":{{"rules":[{{"applyServerSideEncryptionByDefault":{{"sseAlgorithm":"AES256","kmsMasterKeyID":null}},"bucketKeyEnabled":false}}]}}}}}}"#, t = i % 17).unwrap();
        } else {
            let ssh = if drifted {
                "0.0.0.0/0"
            } else {
                "203.0.113.0/24"
            };
            write!(s, r#"{{"version":"1.3","accountId":"123456789012","configurationItemCaptureTime":"2026-11-30T06:12:44.517Z","configurationItemStatus":"OK","configurationStateId":"1","arn":"arn:aws:ec2:eu-west-1:123456789012:security-group/sg-{i:017x}","resourceType":"AWS::EC2::SecurityGroup","resourceId":"sg-{i:017x}","resourceName":"g{i}","awsRegion":"eu-west-1","availabilityZone":"Not Applicable","tags":{{"Name":"g{i}"}},"relatedEvents":[],"relationships":[],"configuration":{{"description":"group {i}","groupName":"g{i}","ownerId":"123456789012","groupId":"sg-{i:017x}","vpcId":"vpc-0f1e2d3c4b5a69788","ipPermissions":[{{"fromPort":22,"ipProtocol":"tcp","ipv6Ranges":[],"prefixListIds":[],"toPort":22,"userIdGroupPairs":[],"ipv4Ranges":[{{"cidrIp":"{ssh}"}}]}},{{"fromPort":443,"ipProtocol":"tcp","ipv6Ranges":[],"prefixListIds":[],"toPort":443,"userIdGroupPairs":[],"ipv4Ranges":[{{"cidrIp":"10.{a}.0.0/16"}}]}}],"ipPermissionsEgress":[{{"ipProtocol":"-1","ipv6Ranges":[],"prefixListIds":[],"userIdGroupPairs":[],"ipv4Ranges":[{{"cidrIp":"0.0.0.0/0"}}]}}],"tags":[{{"key":"Name","value":"g{i}"}}]}},"supplementaryConfiguration":{{}}}}"#, a = i % 250).unwrap();
        }
    }
    s.push_str("\n]}\n");
    s
}

fn deployment(i: usize, live: bool) -> String {
    let replicas = if live && i % 100 == 7 { 5 } else { 2 };
    let mut s = String::new();
    s.push_str("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n");
    if live {
        write!(s, "  annotations:\n    deployment.kubernetes.io/revision: \"3\"\n  creationTimestamp: \"2026-11-20T09:14:03Z\"\n  generation: 3\n  managedFields:\n    - apiVersion: apps/v1\n      fieldsType: FieldsV1\n      fieldsV1:\n        f:spec:\n          f:replicas: {{}}\n      manager: kubectl\n      operation: Update\n      time: \"2026-11-20T09:14:03Z\"\n").unwrap();
    }
    write!(
        s,
        "  labels:\n    app: app-{i}\n  name: app-{i}\n  namespace: team-{t}\n",
        t = i % 40
    )
    .unwrap();
    if live {
        write!(
            s,
            "  resourceVersion: \"{}\"\n  uid: 6f1c2a8e-1d0b-4c55-9a51-{i:012x}\n",
            40_000 + i
        )
        .unwrap();
    }
    s.push_str("spec:\n");
    if live {
        s.push_str("  progressDeadlineSeconds: 600\n");
    }
    writeln!(s, "  replicas: {replicas}").unwrap();
    if live {
        s.push_str("  revisionHistoryLimit: 10\n");
    }
    write!(s, "  selector:\n    matchLabels:\n      app: app-{i}\n").unwrap();
    if live {
        s.push_str("  strategy:\n    rollingUpdate:\n      maxSurge: 25%\n      maxUnavailable: 25%\n    type: RollingUpdate\n");
    }
    write!(s, "  template:\n    metadata:\n").unwrap();
    if live {
        s.push_str("      creationTimestamp: null\n");
    }
    write!(s, "      labels:\n        app: app-{i}\n    spec:\n      containers:\n        - name: app\n          image: registry.example.com/app-{i}:1.{v}.0\n", v = i % 9).unwrap();
    if live {
        s.push_str("          imagePullPolicy: IfNotPresent\n");
    }
    s.push_str("          ports:\n            - containerPort: 8080\n");
    if live {
        s.push_str("              protocol: TCP\n");
    }
    s.push_str("          resources:\n            requests:\n              cpu: 250m\n              memory: 128Mi\n          securityContext:\n            runAsNonRoot: true\n");
    if live {
        s.push_str("          terminationMessagePath: /dev/termination-log\n          terminationMessagePolicy: File\n      dnsPolicy: ClusterFirst\n      restartPolicy: Always\n      schedulerName: default-scheduler\n      securityContext: {}\n      terminationGracePeriodSeconds: 30\nstatus:\n  availableReplicas: 2\n  observedGeneration: 3\n  readyReplicas: 2\n  replicas: 2\n");
    }
    s
}

fn k8s(n: usize, live: bool) -> String {
    let mut s = String::with_capacity(n * if live { 1300 } else { 500 });
    for i in 0..n {
        s.push_str("---\n");
        s.push_str(&deployment(i, live));
    }
    s
}

fn median(mut f: impl FnMut(), runs: usize) -> Duration {
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect();
    times.sort();
    times[times.len() / 2]
}

fn drift_command(declared: &Path, actual: &Path, threads: usize) -> usize {
    let out = Command::new(env!("CARGO_BIN_EXE_plumb"))
        .args([
            "drift",
            "--format",
            "json",
            "--threads",
            &threads.to_string(),
        ])
        .arg("--declared")
        .arg(declared)
        .arg("--actual")
        .arg(actual)
        .output()
        .expect("run plumb");
    assert!(
        out.status.code() == Some(1),
        "plumb drift: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    doc["events"].as_array().map_or(0, Vec::len)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n = args
        .iter()
        .position(|a| a == "--size")
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let runs = args
        .iter()
        .position(|a| a == "--runs")
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(5);
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("drift-bench-{n}"));
    std::fs::create_dir_all(&dir).unwrap();
    let files = [
        ("declared.tfstate", tfstate(n)),
        ("actual.json", aws_config(n)),
        ("manifests.yaml", k8s(n, false)),
        ("live.yaml", k8s(n, true)),
    ];
    for (name, text) in &files {
        let path = dir.join(name);
        if std::fs::read(&path).ok().as_deref() != Some(text.as_bytes()) {
            std::fs::write(&path, text).unwrap();
        }
    }
    if args.iter().any(|a| a == "--generate-only") {
        println!("{}", dir.display());
        return;
    }
    let size = |f: &str| std::fs::metadata(dir.join(f)).unwrap().len() as f64 / 1e6;
    println!("drift bench: {n} resources a side, 1% changed, median of {runs} runs");
    for (label, declared, actual, json) in [
        (
            "aws: tfstate vs AWS Config",
            "declared.tfstate",
            "actual.json",
            true,
        ),
        (
            "k8s: manifests vs live",
            "manifests.yaml",
            "live.yaml",
            false,
        ),
    ] {
        let (dp, ap) = (dir.join(declared), dir.join(actual));
        let (db, ab) = (std::fs::read(&dp).unwrap(), std::fs::read(&ap).unwrap());
        let parse = median(
            || {
                for (p, b) in [(&dp, &db), (&ap, &ab)] {
                    if json {
                        let v: serde_json::Value = serde_json::from_slice(b).unwrap();
                        std::hint::black_box(v);
                    } else {
                        let v = plumb_ingest::yaml::parse_documents(p, b).unwrap();
                        std::hint::black_box(v);
                    }
                }
            },
            runs,
        );
        let import = median(
            || {
                for (p, b) in [(&dp, &db), (&ap, &ab)] {
                    std::hint::black_box(plumb_ingest::import(p, b).unwrap());
                }
            },
            runs,
        );
        let mut events = 0;
        let drift1 = median(|| events = drift_command(&dp, &ap, 1), runs);
        let drift2 = median(|| events = drift_command(&dp, &ap, 2), runs);
        println!(
            "{label}: {:.1} MB + {:.1} MB, {events} events",
            size(declared),
            size(actual)
        );
        let ms = |d: Duration| d.as_secs_f64() * 1e3;
        let ratio = |d: Duration| d.as_secs_f64() / parse.as_secs_f64();
        println!("  parse both (floor)       {:>9.1} ms  1.00x", ms(parse));
        println!(
            "  import both              {:>9.1} ms  {:.2}x",
            ms(import),
            ratio(import)
        );
        println!(
            "  plumb drift, 1 thread    {:>9.1} ms  {:.2}x",
            ms(drift1),
            ratio(drift1)
        );
        println!(
            "  plumb drift, 2 threads   {:>9.1} ms  {:.2}x",
            ms(drift2),
            ratio(drift2)
        );
    }
}
