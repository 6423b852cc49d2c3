//! AWS Config configuration items: one item, a `configurationItems` list
//! (history or a delivered configuration snapshot), or the SNS change
//! notification that carries one (`Message` holds the item as JSON text).
//!
//! Items are mapped to the Terraform type names and attribute shapes, so
//! one rule covers a resource whether it came from a plan, a state or AWS
//! Config: `AWS::S3::Bucket` is an `aws_s3_bucket` whose
//! `server_side_encryption_configuration` is `[{rule: [{apply_server_side_
//! encryption_by_default: [{sse_algorithm, kms_master_key_id}]}]}]`, and so
//! on (see `map_*`). Other resource types keep their `configuration` with
//! keys in snake_case under `aws_<service>_<type>`. Deleted and
//! not-recorded items are left out.

use std::path::Path;

use plumb_runtime::value::{Object, Str, Value};
use plumb_runtime::{Resource, Source};
use serde_json::{Map, Value as Json, json};

use crate::{ImportError, snake, snake_keys, snake_value};

/// Whether a document looks like AWS Config output.
pub fn looks_like(obj: &Map<String, Json>) -> bool {
    obj.contains_key("configurationItems")
        || obj.contains_key("configurationItem")
        // BatchGetResourceConfig.
        || obj.contains_key("baseConfigurationItems")
        // SelectResourceConfig / SelectAggregateResourceConfig.
        || (obj.contains_key("Results") && obj.contains_key("QueryInfo"))
        || (obj.contains_key("resourceType") && obj.contains_key("configuration"))
        || match obj.get("Message") {
            Some(Json::String(m)) => m.contains("configurationItem"),
            Some(Json::Object(m)) => m.contains_key("configurationItem"),
            _ => false,
        }
}

pub fn import(file: &Path, doc: &Json) -> Result<Vec<Resource>, ImportError> {
    let bad = |m: String| ImportError::at(file, m);
    // Borrowed from the document: a snapshot file holds thousands of items.
    let inner: Json;
    let selected: Vec<Json>;
    let mut items: Vec<&Json> = Vec::new();
    if let Some(list) = doc
        .get("configurationItems")
        .or_else(|| doc.get("baseConfigurationItems"))
    {
        let Json::Array(list) = list else {
            return Err(bad("the configuration items must be a list".to_string()));
        };
        items.extend(list.iter());
    } else if let (Some(results), Some(_)) = (doc.get("Results"), doc.get("QueryInfo")) {
        // Advanced queries give each row as JSON text with the fields the
        // query selected; a row must select `resourceType`.
        let Json::Array(rows) = results else {
            return Err(bad("`Results` must be a list".to_string()));
        };
        selected = rows
            .iter()
            .enumerate()
            .map(|(i, r)| match r {
                Json::String(text) => serde_json::from_str(text)
                    .map_err(|e| bad(format!("/Results/{i} is not JSON: {e}"))),
                other => Ok(other.clone()),
            })
            .collect::<Result<_, _>>()?;
        items.extend(selected.iter());
    } else if let Some(item) = doc.get("configurationItem") {
        items.push(item);
    } else if let Some(message) = doc.get("Message") {
        // SNS delivers the message as JSON text; some tools decode it.
        inner = match message {
            Json::String(text) => serde_json::from_str(text)
                .map_err(|e| bad(format!("the notification's `Message` is not JSON: {e}")))?,
            other => other.clone(),
        };
        match inner.get("configurationItem") {
            Some(item) => items.push(item),
            None => {
                return Err(bad(
                    "the notification carries no `configurationItem`".to_string()
                ));
            }
        }
    } else {
        items.push(doc);
    }
    let source = Source {
        file: Some(Str::from(file.display().to_string())),
        line: None,
        format: Some(Str::from("aws-config")),
    };
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let status = item
            .get("configurationItemStatus")
            .and_then(Json::as_str)
            .unwrap_or("OK");
        if status.starts_with("ResourceDeleted") || status == "ResourceNotRecorded" {
            continue;
        }
        let Some(rtype) = item.get("resourceType").and_then(Json::as_str) else {
            return Err(bad(format!("configuration item {i} has no `resourceType`")));
        };
        let rid = item
            .get("resourceId")
            .and_then(Json::as_str)
            .unwrap_or_default();
        let parsed;
        let config = match item.get("configuration") {
            Some(Json::String(s)) => {
                parsed = serde_json::from_str(s).unwrap_or(Json::Null);
                &parsed
            }
            Some(c) => c,
            None => &Json::Null,
        };
        let supplementary = decode_strings(
            item.get("supplementaryConfiguration")
                .cloned()
                .unwrap_or(Json::Null),
        );
        let tags = tags(item.get("tags").or_else(|| config.get("tags")));
        let (ty, attributes) = map(rtype, rid, config, &supplementary, &tags);
        let arn = item
            .get("ARN")
            .or_else(|| item.get("arn"))
            .and_then(Json::as_str);
        let id = if rid.is_empty() {
            arn.unwrap_or(rtype)
        } else {
            rid
        };
        let mut r = Resource::new(&ty, id, attributes);
        r.name = item
            .get("resourceName")
            .and_then(Json::as_str)
            .map(Str::from);
        r.address = arn.map(Str::from);
        r.provider = Some(Str::from("aws"));
        r.source = Some(source.clone());
        out.push(r);
    }
    Ok(out)
}

/// Supplementary configuration values are often JSON written as strings.
fn decode_strings(v: Json) -> Json {
    match v {
        Json::Object(o) => Json::Object(
            o.into_iter()
                .map(|(k, v)| {
                    let v = match v {
                        Json::String(s) if s.starts_with('{') || s.starts_with('[') => {
                            serde_json::from_str(&s).unwrap_or(Json::String(s))
                        }
                        other => other,
                    };
                    (k, v)
                })
                .collect(),
        ),
        other => other,
    }
}

/// Tags as an object: AWS Config writes `{k: v}` or `[{key, value}]`.
fn tags(v: Option<&Json>) -> Json {
    match v {
        Some(Json::Object(o)) => Json::Object(o.clone()),
        Some(Json::Array(list)) => Json::Object(
            list.iter()
                .filter_map(|t| {
                    let k = t.get("key").or_else(|| t.get("Key"))?.as_str()?;
                    let v = t
                        .get("value")
                        .or_else(|| t.get("Value"))
                        .cloned()
                        .unwrap_or(Json::Null);
                    Some((k.to_string(), v))
                })
                .collect(),
        ),
        _ => Json::Object(Map::new()),
    }
}

fn get<'a>(v: &'a Json, k: &str) -> &'a Json {
    v.get(k).unwrap_or(&Json::Null)
}

/// The Terraform type and attributes of an item.
fn map(rtype: &str, rid: &str, c: &Json, s: &Json, tags: &Json) -> (String, Value) {
    // The configuration in snake_case, then the mapped attributes, which
    // win over a configuration key of the same name.
    let mut a: Vec<(String, Json)> = Vec::new();
    let ty = match rtype {
        "AWS::S3::Bucket" => {
            let sse = s
                .get("ServerSideEncryptionConfiguration")
                .and_then(|x| x.get("rules"))
                .and_then(Json::as_array)
                .map(|rules| {
                    rules
                        .iter()
                        .map(|r| {
                            let d = get(r, "applyServerSideEncryptionByDefault");
                            json!({
                                "apply_server_side_encryption_by_default": [{
                                    "sse_algorithm": get(d, "sseAlgorithm"),
                                    "kms_master_key_id": get(d, "kmsMasterKeyID"),
                                }],
                                "bucket_key_enabled": get(r, "bucketKeyEnabled"),
                            })
                        })
                        .collect::<Vec<_>>()
                })
                .map(|rules| vec![json!({ "rule": rules })])
                .unwrap_or_default();
            let versioning = s.get("BucketVersioningConfiguration").map(|v| {
                vec![json!({
                    "enabled": get(v, "status").as_str() == Some("Enabled"),
                    "mfa_delete": get(v, "isMfaDeleteEnabled").as_bool().unwrap_or(false),
                })]
            });
            // Absent from the item: not observed (so not drift); present
            // without a target bucket: observed off.
            let logging = s.get("BucketLoggingConfiguration").map(|l| {
                if get(l, "destinationBucketName").is_null() {
                    Vec::new()
                } else {
                    vec![json!({"target_bucket": get(l, "destinationBucketName"), "target_prefix": get(l, "logFilePrefix")})]
                }
            });
            let pab = s.get("PublicAccessBlockConfiguration");
            set(&mut a, "bucket", json!(rid));
            set(&mut a, "server_side_encryption_configuration", json!(sse));
            if let Some(v) = versioning {
                set(&mut a, "versioning", json!(v));
            }
            if let Some(l) = logging {
                set(&mut a, "logging", json!(l));
            }
            set(
                &mut a,
                "policy",
                get(get(s, "BucketPolicy"), "policyText").clone(),
            );
            if let Some(p) = pab {
                set(&mut a, "public_access_block", snake_keys(p));
            }
            "aws_s3_bucket".to_string()
        }
        "AWS::EC2::SecurityGroup" => {
            let rules = |k: &str| -> Json {
                Json::Array(
                    get(c, k)
                        .as_array()
                        .map(Vec::as_slice)
                        .unwrap_or_default()
                        .iter()
                        .map(|p| {
                            let v4: Vec<Json> = match (p.get("ipv4Ranges"), p.get("ipRanges")) {
                                (Some(Json::Array(r)), _) if !r.is_empty() => {
                                    r.iter().map(|x| get(x, "cidrIp").clone()).collect()
                                }
                                (_, Some(Json::Array(r))) => r.clone(),
                                _ => Vec::new(),
                            };
                            let v6: Vec<Json> = get(p, "ipv6Ranges")
                                .as_array()
                                .map(|r| r.iter().map(|x| get(x, "cidrIpv6").clone()).collect())
                                .unwrap_or_default();
                            let proto = get(p, "ipProtocol");
                            let all = proto.as_str() == Some("-1");
                            json!({
                                "protocol": proto,
                                "from_port": if all { json!(0) } else { get(p, "fromPort").clone() },
                                "to_port": if all { json!(0) } else { get(p, "toPort").clone() },
                                "cidr_blocks": v4,
                                "ipv6_cidr_blocks": v6,
                            })
                        })
                        .collect(),
                )
            };
            set(&mut a, "id", get(c, "groupId").clone());
            set(&mut a, "name", get(c, "groupName").clone());
            set(&mut a, "vpc_id", get(c, "vpcId").clone());
            set(&mut a, "ingress", rules("ipPermissions"));
            set(&mut a, "egress", rules("ipPermissionsEgress"));
            "aws_security_group".to_string()
        }
        "AWS::EC2::Volume" => {
            set(&mut a, "id", get(c, "volumeId").clone());
            set(&mut a, "encrypted", get(c, "encrypted").clone());
            set(&mut a, "kms_key_id", get(c, "kmsKeyId").clone());
            set(&mut a, "type", get(c, "volumeType").clone());
            "aws_ebs_volume".to_string()
        }
        "AWS::EC2::Instance" => {
            set(&mut a, "id", get(c, "instanceId").clone());
            set(&mut a, "ami", get(c, "imageId").clone());
            set(&mut a, "instance_type", get(c, "instanceType").clone());
            let mo = get(c, "metadataOptions");
            if !mo.is_null() {
                set(
                    &mut a,
                    "metadata_options",
                    json!([{"http_tokens": get(mo, "httpTokens"), "http_endpoint": get(mo, "httpEndpoint")}]),
                );
            }
            "aws_instance".to_string()
        }
        "AWS::RDS::DBInstance" => {
            set(&mut a, "identifier", get(c, "dBInstanceIdentifier").clone());
            set(
                &mut a,
                "storage_encrypted",
                get(c, "storageEncrypted").clone(),
            );
            set(
                &mut a,
                "publicly_accessible",
                get(c, "publiclyAccessible").clone(),
            );
            set(&mut a, "kms_key_id", get(c, "kmsKeyId").clone());
            set(
                &mut a,
                "backup_retention_period",
                get(c, "backupRetentionPeriod").clone(),
            );
            "aws_db_instance".to_string()
        }
        "AWS::KMS::Key" => {
            set(&mut a, "key_id", get(c, "keyId").clone());
            set(
                &mut a,
                "enable_key_rotation",
                get(s, "KeyRotationStatus").clone(),
            );
            "aws_kms_key".to_string()
        }
        "AWS::IAM::Role" => {
            set(&mut a, "name", get(c, "roleName").clone());
            set(
                &mut a,
                "assume_role_policy",
                decode_policy(get(c, "assumeRolePolicyDocument")),
            );
            "aws_iam_role".to_string()
        }
        "AWS::IAM::Policy" => {
            set(&mut a, "name", get(c, "policyName").clone());
            let doc = get(c, "policyVersionList")
                .as_array()
                .and_then(|vs| {
                    vs.iter()
                        .find(|v| get(v, "isDefaultVersion").as_bool() == Some(true))
                })
                .map(|v| decode_policy(get(v, "document")))
                .unwrap_or(Json::Null);
            set(&mut a, "policy", doc);
            "aws_iam_policy".to_string()
        }
        "AWS::CloudTrail::Trail" => {
            set(
                &mut a,
                "enable_log_file_validation",
                get(c, "logFileValidationEnabled").clone(),
            );
            set(
                &mut a,
                "is_multi_region_trail",
                get(c, "isMultiRegionTrail").clone(),
            );
            set(&mut a, "kms_key_id", get(c, "kmsKeyId").clone());
            "aws_cloudtrail".to_string()
        }
        other => {
            let parts: Vec<String> = other.split("::").skip(1).map(snake).collect();
            format!("aws_{}", parts.join("_"))
        }
    };
    set(&mut a, "tags", tags.clone());
    let mut entries: Vec<(Str, Value)> = match snake_value(c) {
        Value::Object(o) => o.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
        _ => Vec::new(),
    };
    entries.extend(
        a.iter()
            .map(|(k, v)| (Str::from(k.as_str()), Value::from_json(v))),
    );
    (ty, Value::object(Object::from_entries(entries)))
}

/// IAM documents in AWS Config are URL-encoded JSON; Terraform holds them
/// as JSON strings. Decoded and re-encoded so `json_decode` reads them.
fn decode_policy(v: &Json) -> Json {
    match v {
        Json::String(s) => {
            let decoded = percent_decode(s);
            match serde_json::from_str::<Json>(&decoded) {
                Ok(doc) => Json::String(doc.to_string()),
                Err(_) => Json::String(decoded),
            }
        }
        Json::Object(_) => Json::String(v.to_string()),
        other => other.clone(),
    }
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%'
            && let Some(hex) = bytes.get(i + 1..i + 3)
            && let Ok(h) = u8::from_str_radix(std::str::from_utf8(hex).unwrap_or("zz"), 16)
        {
            out.push(h);
            i += 3;
            continue;
        }
        out.push(if b == b'+' { b' ' } else { b });
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn set(a: &mut Vec<(String, Json)>, k: &str, v: Json) {
    a.push((k.to_string(), v));
}
