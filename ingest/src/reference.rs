//! Reference data rather than resources, imported so rules and reports can
//! join it with resources and findings:
//!
//! - a Prowler compliance framework (`Framework`, `Requirements[]` with
//!   `Id`, `Name`, `Description`, `Attributes`, `Checks`): one
//!   `compliance_requirement` per requirement, id `<Framework>/<Id>`, with
//!   the requirement's NIST SP 800-53 control as `controls` when the
//!   framework is NIST's;
//! - an AWS Config resource schema (a map of configuration item property
//!   paths to type words): one `aws_config_resource_schema`, id the AWS
//!   resource type named by the file (`AWS::S3::Bucket.properties.json`,
//!   or `...AWS-S3-Bucket.properties.json`).

use std::path::Path;

use plumb_runtime::value::{Object, Str, Value};
use plumb_runtime::{Resource, Source};
use serde_json::Value as Json;

use crate::{ImportError, host, snake_keys};

/// The type words of AWS Config resource schemas.
const SCHEMA_TYPES: &[&str] = &[
    "string",
    "date",
    "boolean",
    "integer",
    "long",
    "float",
    "double",
    "number",
    "ip",
    "cidr_block",
];

fn is_prowler(doc: &Json) -> bool {
    doc.get("Framework").is_some_and(Json::is_string)
        && doc.get("Requirements").is_some_and(Json::is_array)
}

fn is_config_schema(doc: &Json) -> bool {
    let Some(o) = doc.as_object() else {
        return false;
    };
    o.contains_key("configurationItemCaptureTime")
        && o.contains_key("resourceType")
        && o.values()
            .all(|v| v.as_str().is_some_and(|t| SCHEMA_TYPES.contains(&t)))
}

pub fn looks_like(doc: &Json) -> bool {
    is_prowler(doc) || is_config_schema(doc)
}

fn source(file: &Path, format: &str) -> Source {
    Source {
        file: Some(Str::from(file.display().to_string())),
        line: None,
        format: Some(Str::from(format)),
    }
}

pub fn import(file: &Path, doc: &Json) -> Result<Vec<Resource>, ImportError> {
    if is_prowler(doc) {
        prowler(file, doc)
    } else if is_config_schema(doc) {
        config_schema(file, doc)
    } else {
        Err(ImportError::at(
            file,
            "neither a Prowler compliance framework nor an AWS Config resource schema",
        ))
    }
}

fn prowler(file: &Path, doc: &Json) -> Result<Vec<Resource>, ImportError> {
    let text = |v: &Json, k: &str| {
        v.get(k)
            .and_then(Json::as_str)
            .unwrap_or_default()
            .to_string()
    };
    let framework = text(doc, "Framework");
    let nist = framework.to_ascii_uppercase().contains("800-53");
    let empty = Vec::new();
    let requirements = doc
        .get("Requirements")
        .and_then(Json::as_array)
        .unwrap_or(&empty);
    let mut out = Vec::with_capacity(requirements.len());
    for (i, req) in requirements.iter().enumerate() {
        let id = text(req, "Id");
        if id.is_empty() {
            return Err(ImportError::at(
                file,
                format!("/Requirements/{i}: a requirement without `Id`"),
            ));
        }
        let name = text(req, "Name");
        let mut controls = Vec::new();
        if nist && let Some(control) = control_in(&name) {
            // `AC-2(1) Automated ...`, `Least Privilege (AC-6)`.
            host::nist_citations(control, &mut controls);
        }
        let checks = req
            .get("Checks")
            .cloned()
            .unwrap_or(Json::Array(Vec::new()));
        let attrs = serde_json::json!({
            "framework": framework,
            "provider": text(doc, "Provider"),
            "id": id,
            "name": name,
            "description": text(req, "Description"),
            "checks": checks,
            "attributes": snake_keys(req.get("Attributes").unwrap_or(&Json::Null)),
            "controls": controls,
        });
        let rid = format!("{framework}/{id}");
        let mut r = Resource::new("compliance_requirement", &rid, Value::from_json(&attrs));
        r.name = Some(Str::from(name.as_str()));
        r.address = Some(Str::from(rid.as_str()));
        r.provider = Some(Str::from("prowler"));
        r.source = Some(source(file, "prowler-compliance"));
        out.push(r);
    }
    Ok(out)
}

/// The first NIST control id in a text: two capital letters, `-`, digits,
/// and an optional enhancement `(n)`.
fn control_in(text: &str) -> Option<&str> {
    let b = text.as_bytes();
    (0..b.len()).find_map(|i| {
        let rest = b.get(i..)?;
        let [f1, f2, b'-', d, ..] = rest else {
            return None;
        };
        let starts_word = i == 0 || !b.get(i - 1)?.is_ascii_alphanumeric();
        if !(starts_word
            && f1.is_ascii_uppercase()
            && f2.is_ascii_uppercase()
            && d.is_ascii_digit())
        {
            return None;
        }
        let mut end = 3 + rest
            .get(3..)?
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .count();
        if rest.get(end) == Some(&b'(') {
            let n = rest
                .get(end + 1..)?
                .iter()
                .take_while(|c| c.is_ascii_digit())
                .count();
            if n > 0 && rest.get(end + 1 + n) == Some(&b')') {
                end += n + 2;
            }
        }
        text.get(i..i + end)
    })
}

fn config_schema(file: &Path, doc: &Json) -> Result<Vec<Resource>, ImportError> {
    let stem = file
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    let stem = stem.strip_suffix(".properties.json").unwrap_or(stem);
    // `AWS::S3::Bucket`, or a name that spells it with dashes.
    let rtype = match stem.find("AWS::").or_else(|| stem.find("AWS-")) {
        Some(i) => {
            let t = stem.get(i..).unwrap_or(stem);
            if t.contains("::") {
                t.to_string()
            } else {
                t.replace('-', "::")
            }
        }
        None => stem.to_string(),
    };
    let properties = doc
        .as_object()
        .map(|o| {
            Object::from_entries(
                o.iter()
                    .map(|(k, v)| (Str::from(k.as_str()), Value::from_json(v)))
                    .collect(),
            )
        })
        .unwrap_or_default();
    let mut attrs = Object::new();
    attrs.insert(Str::from("resource_type"), Value::string(&rtype));
    attrs.insert(Str::from("properties"), Value::Object(properties));
    let mut r = Resource::new("aws_config_resource_schema", &rtype, Value::Object(attrs));
    r.name = Some(Str::from(rtype.as_str()));
    r.address = Some(Str::from(rtype.as_str()));
    r.provider = Some(Str::from("aws"));
    r.source = Some(source(file, "aws-config-schema"));
    Ok(vec![r])
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, reason = "tests")]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_configuration_item_is_not_a_schema() {
        let item = json!({"resourceType": "AWS::S3::Bucket", "configurationItemCaptureTime": "2026-01-01T00:00:00Z", "configuration": {}});
        assert!(!looks_like(&item));
        let schema = json!({"resourceType": "string", "configurationItemCaptureTime": "string", "configuration.name": "string"});
        assert!(looks_like(&schema));
        let r = import(Path::new("x/AWS::S3::Bucket.properties.json"), &schema).unwrap();
        assert_eq!(r[0].id.as_str(), "AWS::S3::Bucket");
        let r = import(
            Path::new("resource-schema-AWS-S3-Bucket.properties.json"),
            &schema,
        )
        .unwrap();
        assert_eq!(r[0].id.as_str(), "AWS::S3::Bucket");
    }

    #[test]
    fn prowler_requirements_cite_their_control() {
        let doc = json!({"Framework": "NIST-800-53-Revision-5", "Provider": "AWS", "Requirements": [
            {"Id": "ac_2_1", "Name": "AC-2(1) Automated System Account Management", "Checks": ["iam_x"], "Attributes": [{"ItemId": "ac_2_1"}]}
        ]});
        let r = import(Path::new("p.json"), &doc).unwrap();
        assert_eq!(r[0].id.as_str(), "NIST-800-53-Revision-5/ac_2_1");
        assert_eq!(
            r[0].attributes.field("controls"),
            Value::list(vec![Value::string("nist.AC-2(1)")])
        );
        assert_eq!(control_in("Least Privilege (AC-6)"), Some("AC-6"));
        assert_eq!(control_in("CP-1(2)"), Some("CP-1(2)"));
        assert_eq!(control_in("SC-7(4) External"), Some("SC-7(4)"));
        assert_eq!(control_in("no control here"), None);
        let bad = json!({"Framework": "F", "Requirements": [{"Name": "x"}]});
        assert!(
            import(Path::new("p.json"), &bad)
                .unwrap_err()
                .message
                .contains("/Requirements/0")
        );
    }
}
