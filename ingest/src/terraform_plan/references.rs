//! A plan's configuration references, followed so that joins decide.
//!
//! A plan does not know the id of a resource it creates, nor any attribute
//! set from it: `aws_s3_bucket_public_access_block.b.bucket =
//! aws_s3_bucket.b.id` is unknown on both sides. The plan's
//! `configuration` says where each such value comes from
//! (`expressions.bucket.references = ["aws_s3_bucket.b.id",
//! "aws_s3_bucket.b"]`), so each unknown value gets a *symbol* naming what
//! it will be after apply: the bucket's `id` is `aws_s3_bucket.b.id`, and
//! so is the access block's `bucket`. Two unknowns with one symbol are
//! equal (see `Value::equals`), so the join decides on the plan.
//!
//! Only a reference that is the whole of an expression's references is
//! followed: an expression reading two things (`var.on ? a.id : b.id`)
//! keeps no symbol and stays unknown. A reference through a module input
//! (`var.bucket`) is followed to the module call's expression in the
//! parent module. References by `count.index` or `each.key`, to data
//! sources and to locals are not followed.

use std::collections::{HashMap, HashSet};

use plumb_runtime::value::Str;
use serde_json::Value as Json;

/// Per resource instance address: top-level attribute → the symbol of
/// the value it references.
pub type Symbols = HashMap<String, HashMap<String, Str>>;

/// The symbols of every `resource_changes` entry's referencing
/// attributes, from the plan's `configuration`.
pub fn symbols(doc: &Json) -> Symbols {
    let mut out = Symbols::new();
    let Some(root) = doc.pointer("/configuration/root_module") else {
        return out;
    };
    let changes: &[Json] = doc
        .get("resource_changes")
        .and_then(Json::as_array)
        .map_or(&[], Vec::as_slice);
    let addresses: HashSet<&str> = changes
        .iter()
        .filter_map(|rc| rc.get("address").and_then(Json::as_str))
        .collect();
    for rc in changes {
        let field = |k: &str| rc.get(k).and_then(Json::as_str);
        let (Some(address), Some(ty), Some(name)) =
            (field("address"), field("type"), field("name"))
        else {
            continue;
        };
        if field("mode") == Some("data") {
            continue;
        }
        let scope = Scope::of(field("module_address").unwrap_or(""));
        let Some(module) = scope.config(root) else {
            continue;
        };
        let config_address = format!("{ty}.{name}");
        let Some(expressions) = module
            .get("resources")
            .and_then(Json::as_array)
            .and_then(|rs| {
                rs.iter()
                    .find(|r| r.get("address").and_then(Json::as_str) == Some(&config_address))
            })
            .and_then(|r| r.get("expressions"))
            .and_then(Json::as_object)
        else {
            continue;
        };
        let mut attrs = HashMap::new();
        for (attr, expr) in expressions {
            if let Some(symbol) = resolve(expr, &scope, root, &addresses, 0) {
                attrs.insert(attr.clone(), Str::from(symbol));
            }
        }
        if !attrs.is_empty() {
            out.insert(address.to_string(), attrs);
        }
    }
    out
}

/// A module instance: its address prefix as `resource_changes` write it
/// (`module.a["x"].module.b.`) and the module calls' names on the way
/// (`a`, `b`).
#[derive(Debug, Clone)]
struct Scope {
    /// `module.a["x"].` (empty for the root module).
    prefix: String,
    /// Per step: the call's name and its instance address
    /// (`module.a["x"]`).
    calls: Vec<(String, String)>,
}

impl Scope {
    fn of(module_address: &str) -> Scope {
        let mut calls = Vec::new();
        let mut rest = module_address;
        while let Some(after) = rest.strip_prefix("module.") {
            let name_end = after.find(['.', '[']).unwrap_or(after.len());
            let (name, tail) = after.split_at(name_end);
            let key_end = if tail.starts_with('[') {
                bracket_end(tail).unwrap_or(tail.len())
            } else {
                0
            };
            let consumed = module_address.len() - rest.len() + "module.".len() + name_end + key_end;
            calls.push((
                name.to_string(),
                module_address
                    .get(..consumed)
                    .unwrap_or_default()
                    .to_string(),
            ));
            rest = tail.get(key_end..).unwrap_or_default();
            rest = rest.strip_prefix('.').unwrap_or(rest);
        }
        let prefix = if module_address.is_empty() {
            String::new()
        } else {
            format!("{module_address}.")
        };
        Scope { prefix, calls }
    }

    /// The module's configuration.
    fn config<'a>(&self, root: &'a Json) -> Option<&'a Json> {
        let mut module = root;
        for (name, _) in &self.calls {
            module = module.pointer(&format!("/module_calls/{}/module", escape(name)))?;
        }
        Some(module)
    }

    /// The calling module's scope, and this module's call name.
    fn parent(&self) -> Option<(Scope, &str)> {
        let (name, _) = self.calls.last()?;
        let parent_address = self
            .calls
            .len()
            .checked_sub(2)
            .and_then(|i| self.calls.get(i))
            .map_or("", |(_, a)| a.as_str());
        Some((Scope::of(parent_address), name.as_str()))
    }
}

/// The symbol an expression's value will have after apply, if it is one
/// reference to a resource's top-level attribute that can be followed.
fn resolve(
    expr: &Json,
    scope: &Scope,
    root: &Json,
    addresses: &HashSet<&str>,
    depth: usize,
) -> Option<String> {
    // Module inputs nest at most as deep as modules do; a bound keeps a
    // hostile file from recursing without end.
    if depth > 64 {
        return None;
    }
    let refs: Vec<&str> = expr
        .get("references")?
        .as_array()?
        .iter()
        .filter_map(Json::as_str)
        .collect();
    let first = *refs.first()?;
    // Every other reference must be a step on the way to the first (the
    // plan lists `a.b.id`, `a.b`): otherwise the expression reads two
    // things.
    if !refs.iter().all(|r| is_prefix(r, first)) {
        return None;
    }
    if let Some(var) = first.strip_prefix("var.") {
        if var.contains(['.', '[']) {
            return None;
        }
        let (parent, call) = scope.parent()?;
        let module = parent.config(root)?;
        let input = module.pointer(&format!(
            "/module_calls/{}/expressions/{}",
            escape(call),
            escape(var)
        ))?;
        return resolve(input, &parent, root, addresses, depth + 1);
    }
    let (target, attr) = first.rsplit_once('.')?;
    if attr.contains('[') || target.contains(['(', ' ']) {
        return None;
    }
    let (ty, name) = target.split_once('.')?;
    if matches!(
        ty,
        "data" | "local" | "each" | "count" | "path" | "module" | "self" | "terraform" | "var"
    ) || name.contains('.')
    {
        return None;
    }
    let address = format!("{}{target}", scope.prefix);
    addresses
        .contains(address.as_str())
        .then(|| format!("{address}.{attr}"))
}

/// Whether `short` is `long` or a traversal step on the way to it.
fn is_prefix(short: &str, long: &str) -> bool {
    long.strip_prefix(short)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with(['.', '[']))
}

/// The length of a `[...]` group at the start of `s`, string keys with
/// brackets inside included.
fn bracket_end(s: &str) -> Option<usize> {
    let mut in_string = false;
    let mut escaped = false;
    for (i, c) in s.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if in_string => escaped = true,
            '"' => in_string = !in_string,
            ']' if !in_string => return Some(i + 1),
            _ => {}
        }
    }
    None
}

/// A JSON pointer segment.
fn escape(s: &str) -> String {
    s.replace('~', "~0").replace('/', "~1")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing, reason = "tests")]
    use super::*;

    #[test]
    fn scopes_split_module_addresses_with_keys() {
        let s = Scope::of(r#"module.a["x.y]"].module.b"#);
        assert_eq!(s.prefix, r#"module.a["x.y]"].module.b."#);
        assert_eq!(
            s.calls,
            vec![
                ("a".to_string(), r#"module.a["x.y]"]"#.to_string()),
                ("b".to_string(), r#"module.a["x.y]"].module.b"#.to_string()),
            ]
        );
        let (parent, call) = s.parent().unwrap();
        assert_eq!(call, "b");
        assert_eq!(parent.prefix, r#"module.a["x.y]"]."#);
        assert!(Scope::of("").calls.is_empty());
    }

    #[test]
    fn only_a_single_reference_is_followed() {
        let doc: Json = serde_json::from_str(
            r#"{
              "resource_changes": [
                {"address": "aws_s3_bucket.b", "type": "aws_s3_bucket", "name": "b"},
                {"address": "aws_s3_bucket_public_access_block.one", "type": "aws_s3_bucket_public_access_block", "name": "one"},
                {"address": "aws_s3_bucket_public_access_block.two", "type": "aws_s3_bucket_public_access_block", "name": "two"}
              ],
              "configuration": {"root_module": {"resources": [
                {"address": "aws_s3_bucket_public_access_block.one",
                 "expressions": {"bucket": {"references": ["aws_s3_bucket.b.id", "aws_s3_bucket.b"]}}},
                {"address": "aws_s3_bucket_public_access_block.two",
                 "expressions": {"bucket": {"references": ["var.on", "aws_s3_bucket.b.id", "aws_s3_bucket.b"]}}}
              ]}}
            }"#,
        )
        .unwrap();
        let s = symbols(&doc);
        assert_eq!(
            s["aws_s3_bucket_public_access_block.one"]["bucket"],
            "aws_s3_bucket.b.id"
        );
        assert!(!s.contains_key("aws_s3_bucket_public_access_block.two"));
    }
}
