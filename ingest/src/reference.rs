//! Reference data rather than infrastructure: imported so rules and reports
//! can join against it.
//!
//! - **Prowler compliance frameworks** (`prowler/compliance/<provider>/*.json`:
//!   `Framework`, `Name`, `Version`, `Provider`, `Requirements[]`): one
//!   `compliance_requirement` resource per requirement, id
//!   `<Framework>/<Id>`, with `framework`, `framework_name`, `version`,
//!   `provider`, `id`, `name`, `description`, `checks` (Prowler check ids),
//!   `attributes` and `config_requirements` (keys in snake_case), and
//!   `controls`: the plumb citations the requirement names. For NIST SP
//!   800-53 frameworks the id is read with [`crate::host::nist_citations`]
//!   (`ac_2_3_a` → `nist.AC-2(3)`, statement parts cite their control,
//!   withdrawn controls their successors), after correcting the five ids of
//!   Prowler's rev5 mapping that lost a trailing zero (see
//!   [`PROWLER_NIST_REV5_FIXES`]); for SOC 2 it is looked up in the SOC 2
//!   catalog (`cc_7_1` → `soc2.CC7.1`). Other frameworks have no controls.
//! - **AWS Config resource schemas** (`awslabs/aws-config-resource-schema`,
//!   `config/properties/resource-types/AWS::S3::Bucket.properties.json`: a
//!   flat object of configuration item property paths to type words): one
//!   `aws_config_resource_schema` resource whose id is the AWS resource
//!   type, read from the file name (`AWS::S3::Bucket.properties.json`, or
//!   `...-AWS-S3-Bucket.properties.json` where `:` cannot be in a name;
//!   else the name without `.properties.json`), with `resource_type` and
//!   `properties: {path: type}`.

use std::path::Path;

use plumb_runtime::value::{Str, Value};
use plumb_runtime::{Resource, Source};
use plumb_stdlib::controls::{Framework, lookup};
use serde_json::{Map, Value as Json, json};

use crate::host::{kind, nist_citations};
use crate::{ImportError, snake_keys};

/// The type words of AWS Config resource schemas: every word in
/// awslabs/aws-config-resource-schema's `config/properties` (`string`,
/// `integer`, `boolean`, `date`, `float`, `ip`, `cidr_block`), and the
/// other numeric words a schema could use.
const SCHEMA_TYPES: &[&str] = &[
    "string",
    "integer",
    "boolean",
    "date",
    "float",
    "ip",
    "cidr_block",
    "long",
    "double",
    "number",
];

/// Requirement ids of Prowler's `nist_800_53_revision_5_aws.json` that
/// lost a trailing zero (`ac_3_1` is described as AC-3(10)), with the ids
/// their descriptions name; shared/catalogs/README.md, "Validation".
pub const PROWLER_NIST_REV5_FIXES: [(&str, &str); 5] = [
    ("ac_3_1", "ac_3_10"),
    ("sc_7_2", "sc_7_20"),
    ("cp_1_2", "cp_10_2"),
    ("sa_1_1", "sa_10_1"),
    ("si_1_1_c", "si_10_1_c"),
];

/// Whether a document is reference data plumb reads.
pub fn looks_like(doc: &Json) -> bool {
    doc.as_object()
        .is_some_and(|o| is_framework(o) || is_schema(o))
}

/// A Prowler compliance framework: a `Framework` name and `Requirements`.
fn is_framework(o: &Map<String, Json>) -> bool {
    o.get("Framework").is_some_and(Json::is_string)
        && o.get("Requirements").is_some_and(Json::is_array)
}

/// An AWS Config resource schema: every value a type word, and the keys of
/// a configuration item's envelope among the keys. (A configuration item
/// has the same keys, but its values are the item's: a `configuration`
/// object, a resource type such as `AWS::S3::Bucket`, a capture time.)
fn is_schema(o: &Map<String, Json>) -> bool {
    o.contains_key("configurationItemCaptureTime")
        && o.contains_key("resourceType")
        && o.values()
            .all(|v| v.as_str().is_some_and(|t| SCHEMA_TYPES.contains(&t)))
}

pub fn import(file: &Path, doc: &Json) -> Result<Vec<Resource>, ImportError> {
    match doc.as_object() {
        Some(o) if is_framework(o) => framework(file, o),
        Some(o) if is_schema(o) => Ok(vec![schema(file, o)]),
        _ => Err(ImportError::at(
            file,
            "neither a Prowler compliance framework (Framework, Requirements) nor an AWS Config resource schema",
        )),
    }
}

fn source(file: &Path, format: &str) -> Source {
    Source {
        file: Some(Str::from(file.display().to_string())),
        line: None,
        format: Some(Str::from(format)),
    }
}

/// Which catalog a framework's requirement ids are read against.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Catalog {
    Nist { rev5: bool },
    Soc2,
    None,
}

fn catalog(framework: &str) -> Catalog {
    let f = framework.to_ascii_lowercase();
    if f.contains("800-53") || f.contains("800_53") {
        Catalog::Nist {
            rev5: f.contains("revision-5") || f.contains("rev5") || f.contains("rev-5"),
        }
    } else if f == "soc2" || f == "soc-2" || f == "soc_2" {
        Catalog::Soc2
    } else {
        Catalog::None
    }
}

/// The plumb citations of a requirement.
fn controls(catalog: Catalog, id: &str, name: &str) -> Vec<String> {
    let mut out = Vec::new();
    match catalog {
        Catalog::Nist { rev5 } => {
            let id = PROWLER_NIST_REV5_FIXES
                .iter()
                .find(|(wrong, _)| rev5 && wrong.eq_ignore_ascii_case(id))
                .map_or(id, |(_, right)| *right);
            nist_citations(id, &mut out);
        }
        Catalog::Soc2 => {
            // The id (`cc_7_1`), else the criterion that starts the Name.
            let first = name.split_whitespace().next().unwrap_or_default();
            if let Some(c) = [id, first]
                .into_iter()
                .find_map(|raw| lookup(Framework::Soc2, raw).ok())
            {
                out.push(c.citation());
            }
        }
        Catalog::None => {}
    }
    out
}

fn framework(file: &Path, o: &Map<String, Json>) -> Result<Vec<Resource>, ImportError> {
    let text = |v: Option<&Json>| v.and_then(Json::as_str).unwrap_or_default().to_string();
    let framework = text(o.get("Framework"));
    let catalog = catalog(&framework);
    let requirements = o
        .get("Requirements")
        .and_then(Json::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let bad = |i: usize, at: &str, m: String| {
        ImportError::at(file, format!("/Requirements/{i}{at}: {m}"))
    };
    let mut out = Vec::with_capacity(requirements.len());
    for (i, r) in requirements.iter().enumerate() {
        let Json::Object(r) = r else {
            return Err(bad(
                i,
                "",
                format!("a requirement must be an object, not {}", kind(r)),
            ));
        };
        let id = match r.get("Id") {
            Some(Json::String(s)) if !s.is_empty() => s.clone(),
            Some(Json::Number(n)) => n.to_string(),
            other => {
                return Err(bad(
                    i,
                    "/Id",
                    format!(
                        "a requirement needs an `Id` (a string), not {}",
                        other.map_or("nothing", kind)
                    ),
                ));
            }
        };
        let checks = match r.get("Checks") {
            None | Some(Json::Null) => Vec::new(),
            Some(Json::Array(list)) => {
                let mut checks = Vec::with_capacity(list.len());
                for (j, c) in list.iter().enumerate() {
                    let Json::String(c) = c else {
                        return Err(bad(
                            i,
                            &format!("/Checks/{j}"),
                            format!("a check is a Prowler check id (a string), not {}", kind(c)),
                        ));
                    };
                    checks.push(Json::String(c.clone()));
                }
                checks
            }
            Some(other) => {
                return Err(bad(
                    i,
                    "/Checks",
                    format!("`Checks` must be a list of check ids, not {}", kind(other)),
                ));
            }
        };
        let name = text(r.get("Name"));
        let mut attributes = json!({
            "framework": framework,
            "framework_name": o.get("Name").cloned().unwrap_or(Json::Null),
            "version": o.get("Version").cloned().unwrap_or(Json::Null),
            "provider": o.get("Provider").cloned().unwrap_or(Json::Null),
            "id": id,
            "name": r.get("Name").cloned().unwrap_or(Json::Null),
            "description": r.get("Description").cloned().unwrap_or(Json::Null),
            "checks": checks,
            "attributes": r.get("Attributes").map_or_else(|| json!([]), snake_keys),
            "controls": controls(catalog, &id, &name),
        });
        if let (Some(c), Json::Object(a)) = (r.get("ConfigRequirements"), &mut attributes) {
            a.insert("config_requirements".to_string(), snake_keys(c));
        }
        let rid = format!("{framework}/{id}");
        let mut res = Resource::new(
            "compliance_requirement",
            &rid,
            Value::from_json(&attributes),
        );
        res.name = (!name.is_empty()).then(|| Str::from(name.as_str()));
        res.address = Some(Str::from(rid.as_str()));
        // Reference data from Prowler, not a resource of the provider it
        // covers (that is the `provider` attribute).
        res.provider = Some(Str::from("prowler"));
        res.source = Some(source(file, "prowler-compliance"));
        out.push(res);
    }
    Ok(out)
}

/// The resource type a schema file's name gives: `AWS::S3::Bucket` from
/// `AWS::S3::Bucket.properties.json` or `x-AWS-S3-Bucket.properties.json`.
fn type_from_name(stem: &str) -> Option<String> {
    let word = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric());
    if stem.contains("::") {
        let parts: Vec<&str> = stem.split("::").collect();
        return (parts.len() == 3 && parts.iter().all(|p| word(p))).then(|| stem.to_string());
    }
    let parts: Vec<&str> = stem.split('-').collect();
    match parts.as_slice() {
        [.., vendor, service, ty] if *vendor == "AWS" && word(service) && word(ty) => {
            Some(format!("AWS::{service}::{ty}"))
        }
        _ => None,
    }
}

fn schema(file: &Path, o: &Map<String, Json>) -> Resource {
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let stem = name
        .strip_suffix(".properties.json")
        .or_else(|| name.strip_suffix(".json"))
        .unwrap_or(&name);
    let id = type_from_name(stem).unwrap_or_else(|| stem.to_string());
    let attributes = json!({
        "resource_type": id,
        "properties": Json::Object(o.clone()),
    });
    let mut r = Resource::new(
        "aws_config_resource_schema",
        &id,
        Value::from_json(&attributes),
    );
    r.name = Some(Str::from(id.as_str()));
    r.address = Some(Str::from(id.as_str()));
    r.provider = Some(Str::from("aws"));
    r.source = Some(source(file, "aws-config-schema"));
    r
}

#[cfg(test)]
#[allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests"
)]
mod tests {
    use super::*;

    #[test]
    fn detection() {
        assert!(looks_like(
            &json!({"Framework": "SOC2", "Requirements": []})
        ));
        assert!(!looks_like(&json!({"Framework": "SOC2"})));
        let schema = json!({"resourceType": "string", "configurationItemCaptureTime": "date", "configuration.name": "string", "configuration.ip": "cidr_block"});
        assert!(looks_like(&schema));
        // Configuration items never match.
        assert!(!looks_like(&json!({
            "resourceType": "AWS::S3::Bucket",
            "configurationItemCaptureTime": "2024-01-01T00:00:00Z",
            "configuration": {}
        })));
        assert!(!looks_like(
            &json!({"resourceType": "string", "configurationItemCaptureTime": "string", "configuration": "string", "x": "AWS::S3::Bucket"})
        ));
        assert!(!looks_like(
            &json!({"resourceType": "string", "configuration.name": "string"})
        ));
        assert!(!looks_like(&json!(["string"])));
    }

    #[test]
    fn nist_requirements_cite_plumb_controls() {
        let doc = json!({
            "Framework": "NIST-800-53-Revision-5",
            "Name": "NIST",
            "Version": "",
            "Provider": "AWS",
            "Requirements": [
                {"Id": "ac_2_1", "Name": "AC-2(1) Automated", "Description": "d", "Attributes": [{"ItemId": "ac_2_1", "SubSection": "x"}], "Checks": ["a", "b"]},
                {"Id": "ac_2_3_a", "Attributes": [], "Checks": []},
                {"Id": "ac_2_d_1", "Checks": []},
                {"Id": "ac_3_1", "Checks": [], "ConfigRequirements": [{"ConfigKey": "k", "Value": false}]},
                {"Id": "zz_1", "Checks": []}
            ]
        });
        let rs = import(Path::new("p.json"), &doc).unwrap();
        let controls: Vec<Json> = rs
            .iter()
            .map(|r| r.attributes.field("controls").to_json())
            .collect();
        assert_eq!(
            controls,
            vec![
                json!(["nist.AC-2(1)"]),
                json!(["nist.AC-2(3)"]),
                json!(["nist.AC-2"]),
                json!(["nist.AC-3(10)"]),
                json!([]),
            ]
        );
        let r = &rs[0];
        assert_eq!(r.type_.as_str(), "compliance_requirement");
        assert_eq!(r.id.as_str(), "NIST-800-53-Revision-5/ac_2_1");
        assert_eq!(r.name.as_deref(), Some("AC-2(1) Automated"));
        assert_eq!(r.provider.as_deref(), Some("prowler"));
        assert_eq!(
            r.attributes.field("attributes").to_json(),
            json!([{"item_id": "ac_2_1", "sub_section": "x"}])
        );
        assert_eq!(r.attributes.field("checks").to_json(), json!(["a", "b"]));
        assert_eq!(
            rs[3].attributes.field("config_requirements").to_json(),
            json!([{"config_key": "k", "value": false}])
        );
        assert_eq!(
            rs[3].source.as_ref().unwrap().format.as_deref(),
            Some("prowler-compliance")
        );
    }

    #[test]
    fn soc2_and_other_frameworks() {
        let doc = json!({"Framework": "SOC2", "Provider": "AWS", "Requirements": [
            {"Id": "cc_7_1", "Name": "CC7.1 x", "Checks": []},
            {"Id": "cc_a_1_1", "Name": "A1.2 y", "Checks": []}
        ]});
        let rs = import(Path::new("s.json"), &doc).unwrap();
        assert_eq!(
            rs[0].attributes.field("controls").to_json(),
            json!(["soc2.CC7.1"])
        );
        assert_eq!(
            rs[1].attributes.field("controls").to_json(),
            json!(["soc2.A1.2"])
        );
        let doc = json!({"Framework": "CIS", "Requirements": [{"Id": "1.1", "Checks": []}]});
        let rs = import(Path::new("c.json"), &doc).unwrap();
        assert_eq!(rs[0].attributes.field("controls").to_json(), json!([]));
        assert!(rs[0].attributes.field("provider").is_null());
    }

    #[test]
    fn bad_requirements_name_the_pointer() {
        for (doc, want) in [
            (
                json!({"Framework": "F", "Requirements": [7]}),
                "/Requirements/0:",
            ),
            (
                json!({"Framework": "F", "Requirements": [{"Checks": []}]}),
                "/Requirements/0/Id",
            ),
            (
                json!({"Framework": "F", "Requirements": [{"Id": "a", "Checks": "x"}]}),
                "/Requirements/0/Checks",
            ),
            (
                json!({"Framework": "F", "Requirements": [{"Id": "a", "Checks": [1]}]}),
                "/Requirements/0/Checks/0",
            ),
        ] {
            let e = import(Path::new("f.json"), &doc).unwrap_err();
            assert!(e.message.contains(want), "{want}: {e}");
        }
    }

    #[test]
    fn schema_ids_come_from_the_file_name() {
        assert_eq!(
            type_from_name("AWS::S3::Bucket").as_deref(),
            Some("AWS::S3::Bucket")
        );
        assert_eq!(
            type_from_name("resource-schema-AWS-S3-Bucket").as_deref(),
            Some("AWS::S3::Bucket")
        );
        assert_eq!(type_from_name("AWS"), None);
        assert_eq!(type_from_name("my-schema"), None);
        let doc = json!({"resourceType": "string", "configurationItemCaptureTime": "date", "configuration.name": "string"});
        for (name, id) in [
            ("AWS::EC2::VPC.properties.json", "AWS::EC2::VPC"),
            ("x-AWS-EC2-VPC.properties.json", "AWS::EC2::VPC"),
            ("AWS.properties.json", "AWS"),
        ] {
            let rs = import(Path::new(name), &doc).unwrap();
            assert_eq!(rs.len(), 1);
            let r = &rs[0];
            assert_eq!(
                (r.type_.as_str(), r.id.as_str()),
                ("aws_config_resource_schema", id)
            );
            assert_eq!(
                r.attributes.field("properties").field("configuration.name"),
                Value::string("string")
            );
            assert_eq!(
                r.source.as_ref().unwrap().format.as_deref(),
                Some("aws-config-schema")
            );
        }
    }
}
