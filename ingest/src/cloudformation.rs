//! AWS CloudFormation templates (JSON or YAML), AWS Config conformance
//! packs among them.
//!
//! Each entry of `Resources` becomes one resource: type `aws_` and the
//! snake_case service and type for `AWS::` types (`AWS::S3::Bucket` is
//! `aws_s3_bucket`, `AWS::Config::ConfigRule` is `aws_config_config_rule`),
//! `cfn_<vendor>_<service>_<type>` for others; id, address and name the
//! logical id. Attributes are the `Properties` with snake_case keys, and
//! `cfn: {logical_id, type, condition, depends_on, deletion_policy,
//! update_replace_policy}` as the template gives them.
//!
//! A value an intrinsic function computes (`Fn::GetAtt`, `Fn::Sub`,
//! `Fn::If`, ...) is not known from the template: it is unknown, so rules
//! that depend on it are indeterminate rather than failing. A `Ref` to a
//! parameter with a plain `Default` is that default; any other `Ref` (a
//! resource, a pseudo parameter such as `AWS::Region`) is unknown. YAML's
//! short forms (`!Ref`, `!Sub`...) read as the long forms (ingest/src/yaml.rs).

use std::path::Path;

use plumb_runtime::value::{Object, Str, Value};
use plumb_runtime::{Resource, Source};
use serde_json::{Map, Value as Json};

use crate::{ImportError, snake, yaml};

/// Whether a document is a CloudFormation template: it says so, or its
/// `Resources` are objects with a `Type` such as `AWS::S3::Bucket`.
pub fn looks_like(doc: &Json) -> bool {
    let Some(o) = doc.as_object() else {
        return false;
    };
    if o.contains_key("AWSTemplateFormatVersion") {
        return true;
    }
    o.get("Resources")
        .and_then(Json::as_object)
        .is_some_and(|r| {
            !r.is_empty()
                && r.values().all(|v| {
                    v.get("Type")
                        .and_then(Json::as_str)
                        .is_some_and(|t| t.split("::").count() == 3)
                })
        })
}

/// A template read from JSON (no lines).
pub fn import(file: &Path, doc: &Json) -> Result<Vec<Resource>, ImportError> {
    template(file, doc, |_| None)
}

/// A template read from YAML: each resource keeps its line.
pub fn import_yaml(file: &Path, doc: &yaml::Document) -> Result<Vec<Resource>, ImportError> {
    template(file, &doc.value, |logical| {
        doc.position(&format!(
            "/Resources/{}",
            logical.replace('~', "~0").replace('/', "~1")
        ))
        .map(|p| p.line)
    })
}

fn template(
    file: &Path,
    doc: &Json,
    line: impl Fn(&str) -> Option<usize>,
) -> Result<Vec<Resource>, ImportError> {
    let bad = |m: String| ImportError::at(file, m);
    let Some(top) = doc.as_object() else {
        return Err(bad("a CloudFormation template is a mapping".to_string()));
    };
    let resources = match top.get("Resources") {
        Some(Json::Object(r)) => r,
        Some(_) => {
            return Err(bad(
                "/Resources: a template's `Resources` is a mapping of logical ids to resources"
                    .to_string(),
            ));
        }
        None => return Err(bad("the template has no `Resources`".to_string())),
    };
    let empty = Map::new();
    let parameters = top
        .get("Parameters")
        .and_then(Json::as_object)
        .unwrap_or(&empty);
    let mut out = Vec::with_capacity(resources.len());
    for (logical, r) in resources {
        let at = |m: &str| bad(format!("/Resources/{logical}: {m}"));
        let Some(r) = r.as_object() else {
            return Err(at("a resource is a mapping with `Type` and `Properties`"));
        };
        let Some(cfn_type) = r.get("Type").and_then(Json::as_str) else {
            return Err(at("the resource has no `Type`"));
        };
        let properties = match r.get("Properties") {
            None | Some(Json::Null) => Value::object(Object::new()),
            Some(p @ Json::Object(_)) => value(p, parameters),
            Some(_) => return Err(at("`Properties` is a mapping")),
        };
        let mut attributes = match properties {
            Value::Object(o) => o,
            _ => Object::new(),
        };
        let mut cfn = Object::new();
        cfn.insert(Str::from("logical_id"), Value::string(logical));
        cfn.insert(Str::from("type"), Value::string(cfn_type));
        for (key, name) in [
            ("Condition", "condition"),
            ("DependsOn", "depends_on"),
            ("DeletionPolicy", "deletion_policy"),
            ("UpdateReplacePolicy", "update_replace_policy"),
        ] {
            if let Some(v) = r.get(key) {
                cfn.insert(Str::from(name), Value::from_json(v));
            }
        }
        attributes.insert(Str::from("cfn"), Value::Object(cfn));
        let mut resource = Resource::new(&type_name(cfn_type), logical, Value::Object(attributes));
        resource.name = Some(Str::from(logical.as_str()));
        resource.address = Some(Str::from(logical.as_str()));
        resource.provider = Some(Str::from(if cfn_type.starts_with("AWS::") {
            "aws"
        } else {
            "cloudformation"
        }));
        resource.source = Some(Source {
            file: Some(Str::from(file.display().to_string())),
            line: line(logical).and_then(|l| u32::try_from(l).ok()),
            format: Some(Str::from("cloudformation")),
        });
        out.push(resource);
    }
    Ok(out)
}

/// `AWS::S3::Bucket` → `aws_s3_bucket`; `Alexa::ASK::Skill` →
/// `cfn_alexa_ask_skill`.
pub fn type_name(cfn_type: &str) -> String {
    let parts: Vec<String> = cfn_type.split("::").map(snake).collect();
    match parts.split_first() {
        Some((vendor, rest)) if vendor == "aws" => format!("aws_{}", rest.join("_")),
        _ => format!("cfn_{}", parts.join("_")),
    }
}

/// A property value with snake_case keys; intrinsic functions resolved
/// where the template says what they give, unknown elsewhere.
fn value(v: &Json, parameters: &Map<String, Json>) -> Value {
    match v {
        Json::Object(o) if o.len() == 1 => {
            let Some((k, arg)) = o.iter().next() else {
                return Value::Null;
            };
            if k == "Ref" {
                return arg
                    .as_str()
                    .and_then(|p| parameters.get(p))
                    .and_then(|p| p.get("Default"))
                    .filter(|d| !d.is_object() && !d.is_array())
                    .map_or(Value::Unknown, Value::from_json);
            }
            if k.starts_with("Fn::") || k == "Condition" {
                return Value::Unknown;
            }
            object(o, parameters)
        }
        Json::Object(o) => object(o, parameters),
        Json::Array(items) => Value::list(items.iter().map(|x| value(x, parameters)).collect()),
        other => Value::from_json(other),
    }
}

fn object(o: &Map<String, Json>, parameters: &Map<String, Json>) -> Value {
    Value::object(Object::from_entries(
        o.iter()
            .map(|(k, x)| (Str::from(snake(k)), value(x, parameters)))
            .collect(),
    ))
}

#[cfg(test)]
#[allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "tests"
)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn type_names() {
        assert_eq!(type_name("AWS::S3::Bucket"), "aws_s3_bucket");
        assert_eq!(
            type_name("AWS::Config::ConfigRule"),
            "aws_config_config_rule"
        );
        assert_eq!(
            type_name("AWS::EC2::SecurityGroup"),
            "aws_ec2_security_group"
        );
        assert_eq!(type_name("Alexa::ASK::Skill"), "cfn_alexa_ask_skill");
    }

    #[test]
    fn intrinsics_are_unknown_unless_a_default_says() {
        let doc = json!({
            "Parameters": {"Env": {"Type": "String", "Default": "prod"}, "Key": {"Type": "String"}},
            "Resources": {"B": {"Type": "AWS::S3::Bucket", "Properties": {
                "BucketName": {"Fn::Sub": "${AWS::StackName}-logs"},
                "Tags": [{"Key": "env", "Value": {"Ref": "Env"}}, {"Key": "k", "Value": {"Ref": "Key"}}],
                "VersioningConfiguration": {"Status": "Enabled"}
            }, "DeletionPolicy": "Retain"}}
        });
        assert!(looks_like(&doc));
        let r = import(Path::new("t.json"), &doc).unwrap();
        let a = &r[0].attributes;
        assert_eq!(r[0].type_.as_str(), "aws_s3_bucket");
        assert!(a.field("bucket_name").is_unknown());
        let tags = a.field("tags");
        let Value::List(tags) = tags else { panic!() };
        assert_eq!(tags[0].field("value"), Value::string("prod"));
        assert!(tags[1].field("value").is_unknown());
        assert_eq!(
            a.field("versioning_configuration").field("status"),
            Value::string("Enabled")
        );
        assert_eq!(
            a.field("cfn").field("deletion_policy"),
            Value::string("Retain")
        );
    }

    #[test]
    fn bad_shapes_name_the_pointer() {
        let e = import(
            Path::new("t.json"),
            &json!({"AWSTemplateFormatVersion": "2010-09-09", "Resources": []}),
        )
        .unwrap_err();
        assert!(e.message.contains("/Resources"), "{e}");
        let e = import(Path::new("t.json"), &json!({"AWSTemplateFormatVersion": "2010-09-09", "Resources": {"X": {"Properties": {}}}})).unwrap_err();
        assert!(
            e.message
                .contains("/Resources/X: the resource has no `Type`"),
            "{e}"
        );
        assert!(!looks_like(&json!({"Resources": {"X": {"Type": "nope"}}})));
    }
}
