//! AWS Config configuration items: one item, a list of them (a bare JSON
//! array, as `--query configurationItems` prints), a `configurationItems`
//! list (history or a delivered configuration snapshot), or the SNS change
//! notification that carries one (`Message` holds the item as JSON text).
//!
//! What this module owns, and must never get wrong:
//!
//! - **Ids agree with Terraform's.** A mapped item's id is the `id` the
//!   Terraform AWS provider gives the same object (an IAM role's name, an
//!   IAM policy's ARN...), so `plumb drift` pairs it with a state or plan
//!   (docs/identity.md has the table).
//! - **Mapped types have Terraform's shapes.** Every attribute the standard
//!   packs read is mapped (see `map_*`), and settings Terraform keeps in
//!   resources of their own become those resources (a bucket's public
//!   access block, an IAM user's policy attachments).
//! - **Nothing is dropped.** Beside the mapped attributes, the item's
//!   `configuration` keys in snake_case, and the whole item as AWS Config
//!   wrote it under `aws_config`.
//! - **Other types never take a Terraform name.** They are
//!   `config_aws_<service>_<type>`, so a rule written for Terraform's shape
//!   never misreads AWS Config's.
//!
//! Deleted and not-recorded items are left out.

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

/// Whether a top-level list is a list of configuration items
/// (`get-resource-config-history --query configurationItems`).
pub fn looks_like_list(items: &[Json]) -> bool {
    items.first().and_then(Json::as_object).is_some_and(|o| {
        o.contains_key("resourceType")
            && (o.contains_key("configurationItemCaptureTime")
                || o.contains_key("configuration")
                || o.contains_key("resourceId"))
    })
}

pub fn import(file: &Path, doc: &Json) -> Result<Vec<Resource>, ImportError> {
    let bad = |m: String| ImportError::at(file, m);
    // Borrowed from the document: a snapshot file holds thousands of items.
    let inner: Json;
    let selected: Vec<Json>;
    let mut items: Vec<&Json> = Vec::new();
    if let Json::Array(list) = doc {
        items.extend(list.iter());
    } else if let Some(list) = doc
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
        let Json::Object(fields) = item else {
            return Err(bad(format!(
                "configuration item {i} must be an object, found {}",
                crate::host::kind(item)
            )));
        };
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
        let config = match item.get("configuration") {
            Some(Json::String(s)) => serde_json::from_str(s).map_err(|e| {
                bad(format!(
                    "configuration item {i} ({rtype}): its `configuration` is text that is not JSON: {e}"
                ))
            })?,
            Some(c) => c.clone(),
            None => Json::Null,
        };
        let supplementary = decode_strings(
            item.get("supplementaryConfiguration")
                .cloned()
                .unwrap_or(Json::Null),
        );
        let tags = tags(item.get("tags").or_else(|| config.get("tags")));
        let arn = item
            .get("ARN")
            .or_else(|| item.get("arn"))
            .or_else(|| config.get("arn"))
            .and_then(Json::as_str);
        let ci = Item {
            rtype,
            rid: item
                .get("resourceId")
                .and_then(Json::as_str)
                .unwrap_or_default(),
            arn,
            name: item.get("resourceName").and_then(Json::as_str),
            c: &config,
            s: &supplementary,
        };
        let mapped = map(&ci);
        // The item as AWS Config wrote it, JSON text decoded: what the
        // mapping does not name is still there.
        let mut whole = fields.clone();
        if whole.contains_key("configuration") {
            whole.insert("configuration".into(), config.clone());
        }
        if whole.contains_key("supplementaryConfiguration") {
            whole.insert("supplementaryConfiguration".into(), supplementary.clone());
        }
        let mut entries: Vec<(Str, Value)> = match snake_value(&config) {
            Value::Object(o) => o.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
            _ => Vec::new(),
        };
        entries.extend(
            mapped
                .attributes
                .iter()
                .map(|(k, v)| (Str::from(k.as_str()), Value::from_json(v))),
        );
        entries.extend(
            mapped
                .unknown
                .iter()
                .map(|k| (Str::from(*k), Value::Unknown(None))),
        );
        entries.push((Str::from("tags"), Value::from_json(&tags)));
        entries.push((
            Str::from("aws_config"),
            Value::from_json(&Json::Object(whole)),
        ));
        let id = mapped.id.as_deref().unwrap_or(match (ci.rid, arn) {
            ("", Some(arn)) => arn,
            ("", None) => rtype,
            (rid, _) => rid,
        });
        let mut r = Resource::new(&mapped.ty, id, Value::object(Object::from_entries(entries)));
        r.name = ci.name.map(Str::from);
        r.address = arn.map(Str::from);
        r.provider = Some(Str::from("aws"));
        r.source = Some(source.clone());
        out.push(r);
        for d in mapped.derived {
            let mut attributes = d.attributes;
            if let Json::Object(o) = &mut attributes {
                // What the resource was derived from (drift never reports
                // it added: its parent holds the same).
                o.insert("derived_from".into(), json!({"type": mapped.ty, "id": id}));
            }
            let mut r = Resource::new(d.ty, &d.id, Value::from_json(&attributes));
            r.name = d.name.map(|n| Str::from(n.as_str()));
            r.address = arn.map(|a| Str::from(format!("{a}#{}", d.ty).as_str()));
            r.provider = Some(Str::from("aws"));
            r.source = Some(source.clone());
            out.push(r);
        }
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

/// One configuration item, its JSON text decoded.
struct Item<'a> {
    rtype: &'a str,
    rid: &'a str,
    arn: Option<&'a str>,
    name: Option<&'a str>,
    /// `configuration`.
    c: &'a Json,
    /// `supplementaryConfiguration`.
    s: &'a Json,
}

/// What an item maps to.
struct Mapped {
    ty: String,
    /// Terraform's id, when it is not `resourceId`.
    id: Option<String>,
    /// Terraform attributes, beside (and over) the snake_case configuration.
    attributes: Vec<(String, Json)>,
    /// Attributes whose value the item does not decide.
    unknown: Vec<&'static str>,
    /// Resources Terraform keeps apart (a bucket's public access block).
    derived: Vec<Derived>,
}

struct Derived {
    ty: &'static str,
    id: String,
    name: Option<String>,
    attributes: Json,
}

impl Mapped {
    fn new(ty: &str) -> Mapped {
        Mapped {
            ty: ty.to_string(),
            id: None,
            attributes: Vec::new(),
            unknown: Vec::new(),
            derived: Vec::new(),
        }
    }

    fn set(&mut self, k: &str, v: Json) {
        self.attributes.push((k.to_string(), v));
    }

    /// Sets `k` only when the item has the value: an absent one was not
    /// observed.
    fn set_present(&mut self, k: &str, v: &Json) {
        if !v.is_null() {
            self.set(k, v.clone());
        }
    }
}

/// The plumb type of an AWS Config type that has no Terraform mapping:
/// `config_aws_<service>_<type>`, never one of Terraform's names.
pub fn unmapped_type_name(rtype: &str) -> String {
    let mut out = String::from("config");
    for part in rtype.split("::") {
        out.push('_');
        out.extend(snake(part).chars().map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        }));
    }
    out
}

/// The AWS Config types with a Terraform shape, and their Terraform types.
pub const MAPPED: &[(&str, &str)] = &[
    ("AWS::S3::Bucket", "aws_s3_bucket"),
    ("AWS::EC2::SecurityGroup", "aws_security_group"),
    ("AWS::EC2::Volume", "aws_ebs_volume"),
    ("AWS::EC2::Instance", "aws_instance"),
    ("AWS::RDS::DBInstance", "aws_db_instance"),
    ("AWS::KMS::Key", "aws_kms_key"),
    ("AWS::IAM::Role", "aws_iam_role"),
    ("AWS::IAM::User", "aws_iam_user"),
    ("AWS::IAM::Group", "aws_iam_group"),
    ("AWS::IAM::Policy", "aws_iam_policy"),
    ("AWS::CloudTrail::Trail", "aws_cloudtrail"),
];

/// The Terraform type and attributes of an item.
fn map(item: &Item<'_>) -> Mapped {
    let ty = MAPPED
        .iter()
        .find(|(aws, _)| aws.eq_ignore_ascii_case(item.rtype))
        .map(|(_, tf)| *tf);
    let Some(ty) = ty else {
        return Mapped::new(&unmapped_type_name(item.rtype));
    };
    let mut m = Mapped::new(ty);
    let c = item.c;
    match ty {
        "aws_s3_bucket" => map_s3_bucket(item, &mut m),
        "aws_security_group" => map_security_group(c, &mut m),
        "aws_ebs_volume" => {
            m.set("id", get(c, "volumeId").clone());
            m.set("encrypted", get(c, "encrypted").clone());
            m.set("kms_key_id", get(c, "kmsKeyId").clone());
            m.set("type", get(c, "volumeType").clone());
            m.set_present("size", get(c, "size"));
            m.set_present("availability_zone", get(c, "availabilityZone"));
            m.set_present("snapshot_id", get(c, "snapshotId"));
        }
        "aws_instance" => map_instance(c, &mut m),
        "aws_db_instance" => {
            // Terraform's id is the DbiResourceId since provider 5.0, the
            // `resourceId` of the item.
            m.set("identifier", get(c, "dBInstanceIdentifier").clone());
            m.set("storage_encrypted", get(c, "storageEncrypted").clone());
            m.set("publicly_accessible", get(c, "publiclyAccessible").clone());
            m.set("kms_key_id", get(c, "kmsKeyId").clone());
            m.set(
                "backup_retention_period",
                get(c, "backupRetentionPeriod").clone(),
            );
            m.set_present("deletion_protection", get(c, "deletionProtection"));
            m.set_present(
                "iam_database_authentication_enabled",
                get(c, "iAMDatabaseAuthenticationEnabled"),
            );
            m.set_present("engine", get(c, "engine"));
            m.set_present("instance_class", get(c, "dBInstanceClass"));
            m.set_present("multi_az", get(c, "multiAZ"));
            m.set_present("resource_id", get(c, "dbiResourceId"));
            if item.rid.is_empty() {
                m.id = get(c, "dbiResourceId").as_str().map(str::to_string);
            }
        }
        "aws_kms_key" => {
            m.set("key_id", get(c, "keyId").clone());
            let rotation = match get(item.s, "KeyRotationStatus") {
                Json::String(s) if s.eq_ignore_ascii_case("true") => json!(true),
                Json::String(s) if s.eq_ignore_ascii_case("false") => json!(false),
                other => other.clone(),
            };
            m.set("enable_key_rotation", rotation);
            m.set_present("key_usage", get(c, "keyUsage"));
            m.set_present("customer_master_key_spec", get(c, "customerMasterKeySpec"));
            m.set_present("is_enabled", get(c, "enabled"));
        }
        "aws_iam_role" | "aws_iam_user" | "aws_iam_group" => map_iam_principal(item, &mut m),
        "aws_iam_policy" => {
            // Terraform's id for a managed policy is its ARN.
            m.id = item.arn.map(str::to_string);
            m.set("name", get(c, "policyName").clone());
            m.set_present("path", get(c, "path"));
            m.set_present("description", get(c, "description"));
            let doc = get(c, "policyVersionList")
                .as_array()
                .and_then(|vs| {
                    vs.iter()
                        .find(|v| get(v, "isDefaultVersion").as_bool() == Some(true))
                })
                .map(|v| decode_policy(get(v, "document")))
                .unwrap_or(Json::Null);
            m.set("policy", doc);
        }
        "aws_cloudtrail" => {
            // Terraform's id for a trail is its ARN (older providers wrote
            // the name).
            m.id = item.arn.map(str::to_string);
            m.set("name", get(c, "name").clone());
            m.set(
                "enable_log_file_validation",
                get(c, "logFileValidationEnabled").clone(),
            );
            m.set(
                "is_multi_region_trail",
                get(c, "isMultiRegionTrail").clone(),
            );
            m.set("kms_key_id", get(c, "kmsKeyId").clone());
            m.set_present("s3_bucket_name", get(c, "s3BucketName"));
            m.set_present("s3_key_prefix", get(c, "s3KeyPrefix"));
            m.set_present(
                "include_global_service_events",
                get(c, "includeGlobalServiceEvents"),
            );
            m.set_present("is_organization_trail", get(c, "isOrganizationTrail"));
        }
        _ => {}
    }
    m
}

fn map_s3_bucket(item: &Item<'_>, m: &mut Mapped) {
    let s = item.s;
    let bucket = item.rid;
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
    m.set("bucket", json!(bucket));
    m.set("server_side_encryption_configuration", json!(sse));
    if let Some(v) = s.get("BucketVersioningConfiguration") {
        m.set(
            "versioning",
            json!([{
                "enabled": get(v, "status").as_str() == Some("Enabled"),
                "mfa_delete": get(v, "isMfaDeleteEnabled").as_bool().unwrap_or(false),
            }]),
        );
    }
    // Absent from the item: not observed (so not drift); present without a
    // target bucket: observed off.
    if let Some(l) = s.get("BucketLoggingConfiguration") {
        let logging = if get(l, "destinationBucketName").is_null() {
            json!([])
        } else {
            json!([{"target_bucket": get(l, "destinationBucketName"), "target_prefix": get(l, "logFilePrefix")}])
        };
        m.set("logging", logging);
    }
    m.set("policy", get(get(s, "BucketPolicy"), "policyText").clone());
    match s.get("AccessControlList") {
        Some(acl @ Json::Object(_)) => {
            let (grant, canned) = grants(acl);
            m.set("grant", grant);
            if let Some(canned) = canned {
                m.set("acl", json!(canned));
            }
        }
        // Not recorded: whether the bucket is public through its ACL is
        // not known.
        _ => m.unknown.push("acl"),
    }
    if let Some(p) = s.get("PublicAccessBlockConfiguration") {
        m.set("public_access_block", snake_keys(p));
        let flag = |k: &str| get(p, k).as_bool().map_or(Json::Null, Json::Bool);
        m.derived.push(Derived {
            ty: "aws_s3_bucket_public_access_block",
            id: bucket.to_string(),
            name: None,
            attributes: json!({
                "id": bucket,
                "bucket": bucket,
                "block_public_acls": flag("blockPublicAcls"),
                "block_public_policy": flag("blockPublicPolicy"),
                "ignore_public_acls": flag("ignorePublicAcls"),
                "restrict_public_buckets": flag("restrictPublicBuckets"),
            }),
        });
    }
}

const ALL_USERS: &str = "http://acs.amazonaws.com/groups/global/AllUsers";
const AUTHENTICATED_USERS: &str = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers";
const LOG_DELIVERY: &str = "http://acs.amazonaws.com/groups/s3/LogDelivery";

/// A bucket's ACL (AWS Config's `AccessControlList`) as Terraform's
/// `grant` list (one entry per grantee, permissions sorted), and the canned
/// ACL it amounts to when it makes the bucket public: `public-read-write`
/// for everyone with write (or the right to change the ACL),
/// `public-read` for everyone with read, `authenticated-read` for any AWS
/// account. AWS does not say which canned ACL set a bucket's grants, so a
/// private one is not named.
fn grants(acl: &Json) -> (Json, Option<&'static str>) {
    let mut by_grantee: Vec<(String, String, String, Vec<String>)> = Vec::new();
    let mut canned: Option<&'static str> = None;
    let rank = |c: Option<&str>| match c {
        Some("public-read-write") => 3,
        Some("public-read") => 2,
        Some("authenticated-read") => 1,
        _ => 0,
    };
    let list = get(acl, "grantList")
        .as_array()
        .or_else(|| get(acl, "grantSet").as_array())
        .map(Vec::as_slice)
        .unwrap_or_default();
    for g in list {
        let grantee = get(g, "grantee");
        let (kind, id, uri) = match grantee {
            Json::String(group) => ("Group", String::new(), group_uri(group)),
            Json::Object(o) => match o.get("id").or_else(|| o.get("identifier")) {
                Some(Json::String(id)) if !id.starts_with("http") => {
                    ("CanonicalUser", id.clone(), String::new())
                }
                Some(Json::String(uri)) => ("Group", String::new(), group_uri(uri)),
                _ => ("CanonicalUser", String::new(), String::new()),
            },
            _ => ("CanonicalUser", String::new(), String::new()),
        };
        let permission = match get(g, "permission").as_str().unwrap_or_default() {
            "FullControl" | "FULL_CONTROL" => "FULL_CONTROL",
            "Read" | "READ" => "READ",
            "Write" | "WRITE" => "WRITE",
            "ReadAcp" | "READ_ACP" => "READ_ACP",
            "WriteAcp" | "WRITE_ACP" => "WRITE_ACP",
            other => other,
        }
        .to_string();
        let public = match (uri.as_str(), permission.as_str()) {
            (ALL_USERS, "WRITE" | "WRITE_ACP" | "FULL_CONTROL") => Some("public-read-write"),
            (ALL_USERS, _) => Some("public-read"),
            (AUTHENTICATED_USERS, _) => Some("authenticated-read"),
            _ => None,
        };
        if rank(public) > rank(canned) {
            canned = public;
        }
        match by_grantee
            .iter_mut()
            .find(|(k, i, u, _)| k == kind && *i == id && *u == uri)
        {
            Some((_, _, _, perms)) => perms.push(permission),
            None => by_grantee.push((kind.to_string(), id, uri, vec![permission])),
        }
    }
    let grant = by_grantee
        .into_iter()
        .map(|(kind, id, uri, mut perms)| {
            perms.sort();
            perms.dedup();
            json!({"type": kind, "id": id, "uri": uri, "permissions": perms})
        })
        .collect();
    (Json::Array(grant), canned)
}

/// A group grantee as its URI: AWS Config writes the group's name
/// (`AllUsers`), S3 its URI.
fn group_uri(group: &str) -> String {
    match group {
        "AllUsers" => ALL_USERS.to_string(),
        "AuthenticatedUsers" => AUTHENTICATED_USERS.to_string(),
        "LogDelivery" => LOG_DELIVERY.to_string(),
        other => other.to_string(),
    }
}

fn map_security_group(c: &Json, m: &mut Mapped) {
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
    // A VPC's default group is `aws_default_security_group` in Terraform.
    if get(c, "groupName").as_str() == Some("default") {
        m.ty = "aws_default_security_group".to_string();
    }
    m.set("id", get(c, "groupId").clone());
    m.set("name", get(c, "groupName").clone());
    m.set("vpc_id", get(c, "vpcId").clone());
    m.set("ingress", rules("ipPermissions"));
    m.set("egress", rules("ipPermissionsEgress"));
}

fn map_instance(c: &Json, m: &mut Mapped) {
    m.set("id", get(c, "instanceId").clone());
    m.set("ami", get(c, "imageId").clone());
    m.set("instance_type", get(c, "instanceType").clone());
    if let Json::Object(mo) = get(c, "metadataOptions") {
        // Terraform's names are the snake_case of AWS's; `state` (whether
        // a change is applied) is not Terraform's and stays in `aws_config`.
        let mut opts = Map::new();
        for (k, v) in mo {
            let k = snake(k);
            if matches!(
                k.as_str(),
                "http_tokens"
                    | "http_endpoint"
                    | "http_put_response_hop_limit"
                    | "instance_metadata_tags"
                    | "http_protocol_ipv6"
            ) && !v.is_null()
            {
                opts.insert(k, v.clone());
            }
        }
        m.set("metadata_options", json!([opts]));
    }
    // The public address: `publicIpAddress`, or an association of a
    // network interface. An item with neither field does not say.
    let nis = get(c, "networkInterfaces").as_array();
    let ni_public = nis.and_then(|nis| {
        nis.iter()
            .find_map(|ni| get(get(ni, "association"), "publicIp").as_str())
    });
    let public_ip = match (c.get("publicIpAddress"), ni_public) {
        (Some(Json::String(ip)), _) if !ip.is_empty() => Some(Some(ip.as_str())),
        (_, Some(ip)) if !ip.is_empty() => Some(Some(ip)),
        (Some(_), _) => Some(None),
        (None, _) if nis.is_some() => Some(None),
        (None, _) => None,
    };
    match public_ip {
        Some(Some(ip)) => {
            m.set("associate_public_ip_address", json!(true));
            m.set("public_ip", json!(ip));
        }
        Some(None) => {
            m.set("associate_public_ip_address", json!(false));
            m.set("public_ip", json!(""));
        }
        None => {
            m.unknown.push("associate_public_ip_address");
            m.unknown.push("public_ip");
        }
    }
    m.set_present("private_ip", get(c, "privateIpAddress"));
    m.set_present("subnet_id", get(c, "subnetId"));
    m.set_present("key_name", get(c, "keyName"));
    m.set_present("ebs_optimized", get(c, "ebsOptimized"));
    m.set_present("source_dest_check", get(c, "sourceDestCheck"));
    m.set_present(
        "availability_zone",
        get(get(c, "placement"), "availabilityZone"),
    );
    m.set_present("tenancy", get(get(c, "placement"), "tenancy"));
    if let Some(state) = get(get(c, "monitoring"), "state").as_str() {
        m.set("monitoring", json!(state == "enabled"));
    }
    if let Some(groups) = get(c, "securityGroups").as_array() {
        let ids: Vec<&Json> = groups
            .iter()
            .map(|g| get(g, "groupId"))
            .filter(|g| !g.is_null())
            .collect();
        m.set("vpc_security_group_ids", json!(ids));
    }
    // Terraform holds the instance profile's name; AWS Config its ARN.
    if let Some(arn) = get(get(c, "iamInstanceProfile"), "arn").as_str() {
        let name = arn.rsplit('/').next().unwrap_or(arn);
        m.set("iam_instance_profile", json!(name));
    }
}

/// An IAM role, user or group: Terraform's id is the name; inline
/// policies are also `aws_iam_<kind>_policy` resources (id
/// `<name>:<policy>`), and a user's attached managed policies
/// `aws_iam_user_policy_attachment`s, which the packs read.
fn map_iam_principal(item: &Item<'_>, m: &mut Mapped) {
    let c = item.c;
    let (kind, name_key, inline_key) = match m.ty.as_str() {
        "aws_iam_role" => ("role", "roleName", "rolePolicyList"),
        "aws_iam_user" => ("user", "userName", "userPolicyList"),
        _ => ("group", "groupName", "groupPolicyList"),
    };
    let name = get(c, name_key)
        .as_str()
        .or(item.name)
        .unwrap_or(item.rid)
        .to_string();
    m.id = Some(name.clone());
    m.set("name", json!(name));
    m.set_present("path", get(c, "path"));
    m.set_present(
        "unique_id",
        get(
            c,
            match kind {
                "role" => "roleId",
                "user" => "userId",
                _ => "groupId",
            },
        ),
    );
    if kind == "role" {
        m.set(
            "assume_role_policy",
            decode_policy(get(c, "assumeRolePolicyDocument")),
        );
        m.set_present("description", get(c, "description"));
        m.set_present("max_session_duration", get(c, "maxSessionDuration"));
    }
    if kind != "group" {
        if let Some(arn) = get(get(c, "permissionsBoundary"), "permissionsBoundaryArn").as_str() {
            m.set("permissions_boundary", json!(arn));
        } else if c.get("permissionsBoundary").is_some() {
            m.set("permissions_boundary", json!(""));
        }
    }
    let attached: Option<Vec<&str>> = get(c, "attachedManagedPolicies").as_array().map(|list| {
        list.iter()
            .filter_map(|p| get(p, "policyArn").as_str())
            .collect()
    });
    let inline: Option<Vec<(&str, Json)>> = get(c, inline_key).as_array().map(|list| {
        list.iter()
            .filter_map(|p| {
                let n = get(p, "policyName").as_str()?;
                Some((n, decode_policy(get(p, "policyDocument"))))
            })
            .collect()
    });
    if kind != "group"
        && let Some(arns) = &attached
    {
        m.set("managed_policy_arns", json!(arns));
    }
    if kind == "role"
        && let Some(inline) = &inline
    {
        let list: Vec<Json> = inline
            .iter()
            .map(|(n, p)| json!({"name": n, "policy": p}))
            .collect();
        m.set("inline_policy", Json::Array(list));
    }
    for (policy, doc) in inline.unwrap_or_default() {
        let ty = match kind {
            "role" => "aws_iam_role_policy",
            "user" => "aws_iam_user_policy",
            _ => "aws_iam_group_policy",
        };
        let id = format!("{name}:{policy}");
        m.derived.push(Derived {
            ty,
            id: id.clone(),
            name: Some(policy.to_string()),
            attributes: json!({"id": id, "name": policy, kind: name, "policy": doc}),
        });
    }
    if kind == "user" {
        for arn in attached.unwrap_or_default() {
            // Terraform gives an attachment a generated id; this is the id
            // `terraform import` takes.
            let id = format!("{name}/{arn}");
            m.derived.push(Derived {
                ty: "aws_iam_user_policy_attachment",
                id: id.clone(),
                name: None,
                attributes: json!({"id": id, "user": name, "policy_arn": arn}),
            });
        }
    }
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing, reason = "tests")]
    use super::*;

    #[test]
    fn unmapped_types_never_take_a_terraform_name() {
        assert_eq!(
            unmapped_type_name("AWS::Lambda::Function"),
            "config_aws_lambda_function"
        );
        assert_eq!(
            unmapped_type_name("AWS::EC2::NetworkInterface"),
            "config_aws_ec2_network_interface"
        );
        for (aws, tf) in MAPPED {
            assert!(tf.starts_with("aws_"), "{aws}");
        }
    }

    #[test]
    fn acl_grants_say_whether_a_bucket_is_public() {
        let owner =
            json!({"grantee": {"id": "abc", "displayName": null}, "permission": "FullControl"});
        let read = json!({"grantee": "AllUsers", "permission": "Read"});
        let write = json!({"grantee": "AllUsers", "permission": "Write"});
        let auth = json!({"grantee": "AuthenticatedUsers", "permission": "Read"});
        let case = |list: Vec<Json>| grants(&json!({"grantList": list})).1;
        assert_eq!(case(vec![owner.clone()]), None);
        assert_eq!(case(vec![owner.clone(), read.clone()]), Some("public-read"));
        assert_eq!(case(vec![read, write]), Some("public-read-write"));
        assert_eq!(case(vec![owner.clone(), auth]), Some("authenticated-read"));
        let (grant, _) = grants(&json!({"grantList": [owner]}));
        assert_eq!(
            grant,
            json!([{"type": "CanonicalUser", "id": "abc", "uri": "", "permissions": ["FULL_CONTROL"]}])
        );
    }
}
