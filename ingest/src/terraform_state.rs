//! Terraform / OpenTofu state, version 4 (`terraform.tfstate`).
//!
//! Each instance of each resource is one plumb resource: `type` is the
//! Terraform type, `address` the Terraform address
//! (`module.net.aws_security_group.web["eu"]`, `data.` for data sources),
//! `id` the `id` attribute (the address when there is none), `provider` the
//! provider's source address, and `attributes` the instance's attributes.
//! `sensitive_attributes` become JSON pointers marked sensitive. Legacy
//! `attributes_flat` (flatmap strings) are expanded into nested values.
//! Deposed objects (pending destruction by `create_before_destroy`) are not
//! the resource's current state and are left out.

use std::path::Path;

use plumb_runtime::value::{Object, Str, Value};
use plumb_runtime::{Resource, Source};
use serde_json::Value as Json;

use crate::ImportError;

pub fn import(file: &Path, doc: &Json) -> Result<Vec<Resource>, ImportError> {
    let bad = |m: String| ImportError::at(file, m);
    // `terraform show -json` of a state: the JSON representation, not the
    // raw file.
    if doc.get("format_version").is_some() && doc.get("version").is_none() {
        return crate::terraform_plan::import_shown_state(file, doc);
    }
    let version = doc.get("version").and_then(Json::as_u64);
    match version {
        Some(4) => {}
        Some(3) => {
            return Err(bad(
                "Terraform state version 3 (Terraform 0.11 or older) is not supported: \
                 run `terraform state pull` with Terraform 0.12 or newer to upgrade it to version 4"
                    .to_string(),
            ));
        }
        Some(v) => {
            return Err(bad(format!(
                "Terraform state version {v} is not supported: plumb reads version 4"
            )));
        }
        None => return Err(bad("the state has no numeric `version`".to_string())),
    }
    let Some(resources) = doc.get("resources").and_then(Json::as_array) else {
        return match doc.get("resources") {
            None | Some(Json::Null) => Ok(Vec::new()),
            Some(_) => Err(bad("`resources` must be a list".to_string())),
        };
    };
    let file_name: Str = Str::from(file.display().to_string());
    let mut out = Vec::new();
    for (i, r) in resources.iter().enumerate() {
        let field = |k: &str| r.get(k).and_then(Json::as_str);
        let (Some(ty), Some(name)) = (field("type"), field("name")) else {
            return Err(bad(format!("resources[{i}] has no `type` or `name`")));
        };
        let data = field("mode") == Some("data");
        let module = field("module");
        let provider = field("provider").map(provider_source);
        let base = {
            let mut a = String::new();
            if let Some(m) = module {
                a.push_str(m);
                a.push('.');
            }
            if data {
                a.push_str("data.");
            }
            a.push_str(ty);
            a.push('.');
            a.push_str(name);
            a
        };
        let instances = r
            .get("instances")
            .and_then(Json::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default();
        for inst in instances {
            if inst.get("deposed").is_some() {
                continue;
            }
            let address = match inst.get("index_key") {
                None | Some(Json::Null) => base.clone(),
                Some(Json::Number(n)) => format!("{base}[{n}]"),
                Some(Json::String(k)) => format!("{base}[{}]", Json::String(k.clone())),
                Some(other) => {
                    return Err(bad(format!(
                        "{base}: index_key must be a number or a string, found {other}"
                    )));
                }
            };
            let attributes = match (inst.get("attributes"), inst.get("attributes_flat")) {
                (Some(a @ Json::Object(_)), _) => Value::from_json(a),
                (_, Some(Json::Object(flat))) => expand_flatmap(flat),
                (None | Some(Json::Null), None | Some(Json::Null)) => Value::object(Object::new()),
                _ => return Err(bad(format!("{address}: attributes must be an object"))),
            };
            let id = match attributes.field("id") {
                Value::String(s) if !s.is_empty() => s,
                _ => Str::from(address.as_str()),
            };
            let mut resource = Resource::new(ty, &id, attributes);
            resource.name = Some(Str::from(name));
            resource.address = Some(Str::from(address.as_str()));
            resource.provider = provider.as_deref().map(Str::from);
            resource.source = Some(Source {
                file: Some(file_name.clone()),
                line: None,
                format: Some(Str::from("terraform-state")),
            });
            resource.sensitive = sensitive_pointers(inst.get("sensitive_attributes"));
            out.push(resource);
        }
    }
    Ok(out)
}

/// `provider["registry.terraform.io/hashicorp/aws"].west` → the source
/// address with its alias; `provider.aws` (Terraform 0.12) → `aws`.
fn provider_source(p: &str) -> String {
    if let Some(rest) = p.strip_prefix("provider[\"")
        && let Some((source, alias)) = rest.split_once("\"]")
    {
        return format!("{source}{alias}");
    }
    p.strip_prefix("provider.").unwrap_or(p).to_string()
}

/// `sensitive_attributes`: a list of paths, each a list of steps
/// (`{"type": "get_attr", "value": "password"}`, `{"type": "index",
/// "value": {"value": 0, "type": "number"}}`), as JSON pointers.
fn sensitive_pointers(v: Option<&Json>) -> Vec<String> {
    let Some(Json::Array(paths)) = v else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for path in paths {
        let Json::Array(steps) = path else { continue };
        let mut pointer = String::new();
        for step in steps {
            let seg = match step.get("value") {
                Some(Json::String(s)) => s.clone(),
                Some(Json::Object(o)) => match o.get("value") {
                    Some(Json::String(s)) => s.clone(),
                    Some(Json::Number(n)) => n.to_string(),
                    _ => continue,
                },
                Some(Json::Number(n)) => n.to_string(),
                _ => continue,
            };
            pointer.push('/');
            pointer.push_str(&seg.replace('~', "~0").replace('/', "~1"));
        }
        out.push(pointer);
    }
    out.sort();
    out.dedup();
    out
}

/// Expands a legacy flatmap (`tags.%`, `tags.Name`, `list.#`, `list.0`):
/// `%` marks a map and `#` a list; values stay strings, as written.
fn expand_flatmap(flat: &serde_json::Map<String, Json>) -> Value {
    let mut root = Node::Map(Vec::new());
    for (key, value) in flat {
        let text = match value {
            Json::String(s) => s.clone(),
            other => other.to_string(),
        };
        let parts: Vec<&str> = key.split('.').collect();
        if parts.last().is_some_and(|p| *p == "%" || *p == "#") {
            let kind_list = parts.last() == Some(&"#");
            root.ensure(parts.get(..parts.len() - 1).unwrap_or_default(), kind_list);
            continue;
        }
        root.set(&parts, Value::string(&text));
    }
    root.into_value()
}

enum Node {
    Leaf(Value),
    Map(Vec<(String, Node)>),
    List(Vec<(String, Node)>),
}

impl Node {
    fn child(&mut self, key: &str, list: bool) -> Option<&mut Node> {
        let entries = match self {
            Node::Map(e) | Node::List(e) => e,
            Node::Leaf(_) => return None,
        };
        let i = match entries.iter().position(|(k, _)| k == key) {
            Some(i) => i,
            None => {
                entries.push((
                    key.to_string(),
                    if list {
                        Node::List(Vec::new())
                    } else {
                        Node::Map(Vec::new())
                    },
                ));
                entries.len() - 1
            }
        };
        entries.get_mut(i).map(|(_, n)| n)
    }

    fn ensure(&mut self, path: &[&str], list: bool) {
        let Some((first, rest)) = path.split_first() else {
            return;
        };
        if let Some(c) = self.child(first, rest.is_empty() && list) {
            if rest.is_empty() {
                if list && matches!(c, Node::Map(e) if e.is_empty()) {
                    *c = Node::List(Vec::new());
                }
            } else {
                c.ensure(rest, list);
            }
        }
    }

    fn set(&mut self, path: &[&str], v: Value) {
        let Some((first, rest)) = path.split_first() else {
            return;
        };
        if rest.is_empty() {
            let entries = match self {
                Node::Map(e) | Node::List(e) => e,
                Node::Leaf(_) => return,
            };
            match entries.iter_mut().find(|(k, _)| k == first) {
                Some((_, n)) => *n = Node::Leaf(v),
                None => entries.push(((*first).to_string(), Node::Leaf(v))),
            }
        } else if let Some(c) = self.child(first, false) {
            c.set(rest, v);
        }
    }

    fn into_value(self) -> Value {
        match self {
            Node::Leaf(v) => v,
            Node::Map(entries) => Value::object(Object::from_entries(
                entries
                    .into_iter()
                    .map(|(k, n)| (Str::from(k), n.into_value()))
                    .collect(),
            )),
            Node::List(mut entries) => {
                entries.sort_by_key(|(k, _)| k.parse::<usize>().unwrap_or(usize::MAX));
                Value::list(entries.into_iter().map(|(_, n)| n.into_value()).collect())
            }
        }
    }
}
