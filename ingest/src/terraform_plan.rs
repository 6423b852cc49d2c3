//! Terraform / OpenTofu plan JSON (`terraform show -json PLANFILE`),
//! `format_version` 1.x, and 0.1 (Terraform 0.12 to 0.14) and 0.2
//! (Terraform 0.15 and 1.0).
//!
//! Format 0.1 has no `after_sensitive`: which values are sensitive is not
//! known, so every attribute of such a plan is sensitive (never printed).
//! `resource_drift` came with Terraform 0.15.2: `plumb drift PLAN` refuses
//! an older plan rather than report no drift.
//!
//! The resources are what the plan would leave: each entry of
//! `resource_changes` whose actions are not a plain `delete` (nor a
//! `forget`), with `change.after` as its attributes. Values known only
//! after apply (`after_unknown`) are unknown, so rules that depend on them
//! are indeterminate rather than failing; `after_sensitive` values are
//! sensitive. A plan without `resource_changes` falls back to
//! `planned_values` (`root_module` and its `child_modules`).

use std::path::Path;

use plumb_runtime::value::{Object, Str, Value};
use plumb_runtime::{Resource, Source};
use serde_json::Value as Json;

use crate::ImportError;

mod references;

pub fn import(file: &Path, doc: &Json) -> Result<Vec<Resource>, ImportError> {
    let bad = |m: String| ImportError::at(file, m);
    let version = check_version(file, doc)?;
    let source = source(file);
    let symbols = references::symbols(doc);
    let mut out = Vec::new();
    let all_sensitive = version == Version::Zero1;
    match doc.get("resource_changes") {
        Some(Json::Array(changes)) => {
            for (i, rc) in changes.iter().enumerate() {
                let actions: Vec<&str> = rc
                    .pointer("/change/actions")
                    .and_then(Json::as_array)
                    .map(|a| a.iter().filter_map(Json::as_str).collect())
                    .unwrap_or_default();
                if actions == ["delete"] || actions == ["forget"] || rc.get("deposed").is_some() {
                    continue;
                }
                let change = rc.get("change").unwrap_or(&Json::Null);
                let mut resource = build(
                    rc,
                    change.get("after"),
                    change.get("after_unknown"),
                    change.get("after_sensitive"),
                    &source,
                    &symbols,
                )
                .map_err(|m| bad(format!("resource_changes[{i}]: {m}")))?;
                if all_sensitive {
                    every_attribute_sensitive(&mut resource);
                }
                out.push(resource);
            }
        }
        None | Some(Json::Null) => {
            if let Some(root) = doc.pointer("/planned_values/root_module") {
                planned(root, &source, &mut out).map_err(bad)?;
                if all_sensitive {
                    out.iter_mut().for_each(every_attribute_sensitive);
                }
            }
        }
        Some(_) => return Err(bad("`resource_changes` must be a list".to_string())),
    }
    Ok(out)
}

/// `terraform show -json` of a state (`{format_version, values:
/// {root_module}}`), the representation a plan's `prior_state` also uses:
/// the modules' resources with their `values` and `sensitive_values`.
pub fn import_shown_state(file: &Path, doc: &Json) -> Result<Vec<Resource>, ImportError> {
    let version = check_version(file, doc)?;
    let source = Source {
        format: Some(Str::from("terraform-state")),
        ..source(file)
    };
    let mut out = Vec::new();
    match doc.pointer("/values/root_module") {
        Some(root @ Json::Object(_)) => {
            planned(root, &source, &mut out)
                .map_err(|m| ImportError::at(file, format!("/values/root_module: {m}")))?;
            // Before 0.15 (format 0.1) `sensitive_values` is not written.
            if version == Version::Zero1 {
                out.iter_mut().for_each(every_attribute_sensitive);
            }
        }
        // An empty state shows no `values`.
        None | Some(Json::Null) => {}
        Some(_) => {
            return Err(ImportError::at(
                file,
                "/values/root_module: the root module must be an object",
            ));
        }
    }
    Ok(out)
}

/// One entry of a plan's `resource_drift`: what Terraform found changed
/// outside it when it refreshed. `before` is the last state, `after` the
/// refreshed object (`None` when the object was deleted out of band).
#[derive(Debug, Clone)]
pub struct DriftEntry {
    pub address: String,
    pub before: Option<Resource>,
    pub after: Option<Resource>,
}

/// The `resource_drift` entries of a plan file's bytes; a file that is
/// not a Terraform/OpenTofu plan is an error that says what to give
/// instead.
pub fn resource_drift_of(file: &Path, bytes: &[u8]) -> Result<Vec<DriftEntry>, ImportError> {
    let doc = crate::parse_json(file, bytes)?;
    if crate::detect(&doc) != Some(crate::Format::TerraformPlan) {
        return Err(ImportError::at(
            file,
            "not a Terraform/OpenTofu plan (`terraform show -json PLANFILE`): give declared and actual sources with --declared and --actual",
        ));
    }
    resource_drift(file, &doc)
}

/// The plan's `resource_drift` entries, in the plan's order. A plan
/// without `resource_drift` has none.
pub fn resource_drift(file: &Path, doc: &Json) -> Result<Vec<DriftEntry>, ImportError> {
    let bad = |m: String| ImportError::at(file, m);
    let version = check_version(file, doc)?;
    if version != Version::One {
        let tf = doc
            .get("terraform_version")
            .and_then(Json::as_str)
            .unwrap_or_default();
        if version == Version::Zero1 || !at_least(tf, [0, 15, 2]) {
            let written_by = if tf.is_empty() {
                String::new()
            } else {
                format!(" (written by Terraform {tf})")
            };
            return Err(bad(format!(
                "this plan{written_by} cannot show resource drift: Terraform writes `resource_drift` from 0.15.2 on; make the plan with a newer Terraform, or give declared and actual sources with --declared and --actual"
            )));
        }
    }
    let source = source(file);
    let entries = match doc.get("resource_drift") {
        None | Some(Json::Null) => return Ok(Vec::new()),
        Some(Json::Array(entries)) => entries,
        Some(_) => return Err(bad("`resource_drift` must be a list".to_string())),
    };
    let mut out = Vec::new();
    let no_symbols = references::Symbols::new();
    for (i, rc) in entries.iter().enumerate() {
        let at = |m: String| bad(format!("resource_drift[{i}]: {m}"));
        let change = rc.get("change").unwrap_or(&Json::Null);
        let side = |value: &str, sensitive: &str| -> Result<Option<Resource>, ImportError> {
            match change.get(value) {
                None | Some(Json::Null) => Ok(None),
                Some(v) => build(
                    rc,
                    Some(v),
                    None,
                    change.get(sensitive),
                    &source,
                    &no_symbols,
                )
                .map(Some)
                .map_err(at),
            }
        };
        let before = side("before", "before_sensitive")?;
        let after = side("after", "after_sensitive")?;
        let address = rc
            .get("address")
            .and_then(Json::as_str)
            .ok_or_else(|| at("an entry without `address`".to_string()))?;
        out.push(DriftEntry {
            address: address.to_string(),
            before,
            after,
        });
    }
    Ok(out)
}

fn source(file: &Path) -> Source {
    Source {
        file: Some(Str::from(file.display().to_string())),
        line: None,
        format: Some(Str::from("terraform-plan")),
    }
}

/// The plan format versions plumb reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Version {
    /// 0.1: Terraform 0.12 to 0.14; no `after_sensitive`.
    Zero1,
    /// 0.2: Terraform 0.15 and 1.0.
    Zero2,
    /// 1.x: Terraform 1.1 and later, OpenTofu.
    One,
}

fn check_version(file: &Path, doc: &Json) -> Result<Version, ImportError> {
    match doc.get("format_version").and_then(Json::as_str) {
        Some(v) if v == "1" || v.starts_with("1.") => Ok(Version::One),
        Some("0.1") => Ok(Version::Zero1),
        Some("0.2") => Ok(Version::Zero2),
        Some(v) => Err(ImportError::at(
            file,
            format!(
                "plan format_version {v} is not supported: plumb reads formats 0.1, 0.2 and 1.x"
            ),
        )),
        None => Err(ImportError::at(
            file,
            match doc.get("format_version") {
                Some(v) => {
                    format!("the plan's `format_version` must be a string such as \"1.2\", not {v}")
                }
                None => "the plan has no `format_version`".to_string(),
            },
        )),
    }
}

/// Whether a version such as `0.15.4` or `1.0.0-beta1` is at least `min`.
/// An unreadable version is not.
fn at_least(version: &str, min: [u64; 3]) -> bool {
    let mut parts = version
        .split(|c: char| !c.is_ascii_digit())
        .take(3)
        .map(|p| p.parse::<u64>());
    let mut have = [0_u64; 3];
    for slot in &mut have {
        match parts.next() {
            Some(Ok(n)) => *slot = n,
            Some(Err(_)) => return false,
            None => break,
        }
    }
    !version.is_empty() && have >= min
}

/// Every top-level attribute marked sensitive: the plan does not say
/// which are.
fn every_attribute_sensitive(r: &mut Resource) {
    if let Value::Object(o) = &r.attributes {
        r.sensitive = o
            .iter()
            .map(|(k, _)| format!("/{}", k.replace('~', "~0").replace('/', "~1")))
            .collect();
    }
}

fn planned(module: &Json, source: &Source, out: &mut Vec<Resource>) -> Result<(), String> {
    let no_symbols = references::Symbols::new();
    for r in module
        .get("resources")
        .and_then(Json::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default()
    {
        out.push(build(
            r,
            r.get("values"),
            None,
            r.get("sensitive_values"),
            source,
            &no_symbols,
        )?);
    }
    for child in module
        .get("child_modules")
        .and_then(Json::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default()
    {
        planned(child, source, out)?;
    }
    Ok(())
}

/// One resource from an entry with `address`, `type`, `name`,
/// `provider_name` and its attribute, unknown and sensitive trees. A
/// top-level unknown attribute gets a symbol: the one its configuration
/// reference resolves to (`symbols`), else its own `ADDRESS.ATTRIBUTE`.
fn build(
    entry: &Json,
    after: Option<&Json>,
    unknown: Option<&Json>,
    sensitive: Option<&Json>,
    source: &Source,
    symbols: &references::Symbols,
) -> Result<Resource, String> {
    let field = |k: &str| entry.get(k).and_then(Json::as_str);
    let (Some(address), Some(ty)) = (field("address"), field("type")) else {
        return Err("an entry without `address` or `type`".to_string());
    };
    let mut attributes = match after {
        Some(a @ Json::Object(_)) => Value::from_json(a),
        None | Some(Json::Null) => Value::object(Object::new()),
        Some(_) => return Err(format!("{address}: the planned values must be an object")),
    };
    let mut unknown_paths = Vec::new();
    if let Some(u) = unknown {
        flags(u, String::new(), &mut unknown_paths);
    }
    let referenced = symbols.get(address);
    for p in &unknown_paths {
        let symbol = p
            .strip_prefix('/')
            .filter(|key| !key.contains('/'))
            .map(|key| {
                let key = key.replace("~1", "/").replace("~0", "~");
                referenced
                    .and_then(|r| r.get(&key))
                    .cloned()
                    .unwrap_or_else(|| Str::from(format!("{address}.{key}")))
            });
        attributes = set_unknown(attributes, p, symbol);
    }
    let mut sensitive_paths = Vec::new();
    if let Some(s) = sensitive {
        flags(s, String::new(), &mut sensitive_paths);
    }
    let id = match attributes.field("id") {
        Value::String(s) if !s.is_empty() => s,
        _ => Str::from(address),
    };
    let mut r = Resource::new(ty, &id, attributes);
    r.name = field("name").map(Str::from);
    r.address = Some(Str::from(address));
    r.provider = field("provider_name").map(Str::from);
    r.source = Some(source.clone());
    r.sensitive = sensitive_paths;
    Ok(r)
}

/// The JSON pointers where a flag tree (`after_unknown`, `after_sensitive`)
/// holds `true`.
fn flags(v: &Json, at: String, out: &mut Vec<String>) {
    match v {
        Json::Bool(true) => out.push(at),
        Json::Array(items) => {
            for (i, x) in items.iter().enumerate() {
                flags(x, format!("{at}/{i}"), out);
            }
        }
        Json::Object(o) => {
            for (k, x) in o {
                flags(
                    x,
                    format!("{at}/{}", k.replace('~', "~0").replace('/', "~1")),
                    out,
                );
            }
        }
        _ => {}
    }
}

/// Sets the value at a JSON pointer to unknown (with `symbol`), creating
/// objects (or extending lists) on the way: the key is often absent from
/// `after`.
fn set_unknown(v: Value, pointer: &str, symbol: Option<Str>) -> Value {
    let segments: Vec<String> = pointer
        .split('/')
        .skip(1)
        .map(|s| s.replace("~1", "/").replace("~0", "~"))
        .collect();
    set(v, &segments, &symbol)
}

fn set(v: Value, path: &[String], symbol: &Option<Str>) -> Value {
    let Some((first, rest)) = path.split_first() else {
        return Value::Unknown(symbol.clone());
    };
    match v {
        Value::List(items) => {
            let mut items = items.to_vec();
            if let Ok(i) = first.parse::<usize>() {
                while items.len() <= i {
                    items.push(Value::Null);
                }
                if let Some(slot) = items.get_mut(i) {
                    *slot = set(std::mem::take(slot), rest, symbol);
                }
            }
            Value::list(items)
        }
        Value::Object(mut o) => {
            let child = o.get(first).cloned().unwrap_or(Value::Null);
            o.insert(Str::from(first.as_str()), set(child, rest, symbol));
            Value::Object(o)
        }
        Value::Unknown(_) => Value::Unknown(None),
        // Missing (null) or a scalar: an object that holds the path.
        _ => {
            let mut o = Object::new();
            o.insert(Str::from(first.as_str()), set(Value::Null, rest, symbol));
            Value::Object(o)
        }
    }
}
