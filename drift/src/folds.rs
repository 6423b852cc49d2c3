//! Child resources folded into their parent before comparing: a Terraform
//! state that manages a group's rules through `aws_security_group_rule`,
//! or a bucket's policy through `aws_s3_bucket_policy`, declares them on
//! the child, while AWS Config shows them on the group or the bucket. The
//! noise file's `folds` say, as data, which child type adds what to which
//! parent attribute; the declared parent is compared with what it and its
//! children declare together, so a rule declared separately is not drift
//! and one added out of band is.

use std::collections::HashMap;

use plumb_runtime::Resource;
use plumb_runtime::value::{Object, Str, Value};
use serde_json::Value as Json;

/// One fold: where a child's contribution goes.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Fold {
    pub(crate) child: String,
    pub(crate) parent: String,
    /// Pointer into the child's attributes to the parent's id.
    pub(crate) parent_id: String,
    /// The parent's id is the text there before the last occurrence of
    /// this (an ARM child id: `.../networkSecurityGroups/nsg` before
    /// `/securityRules/rule`).
    pub(crate) parent_id_before: Option<String>,
    pub(crate) into: Into,
    /// What the child contributes: a JSON template whose strings that
    /// start with `/` are pointers into the child's attributes, and
    /// `{"$list": "/x"}` the value at `/x` as a one-element list (empty
    /// when unset).
    pub(crate) value: Json,
}

/// Where a child's contribution goes in the parent.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Into {
    /// Appended to the list at this top-level attribute.
    Append(String),
    /// Appended to the list the child's attribute at this pointer names
    /// (`type: ingress`).
    AppendNamedBy(String),
    /// Set as this top-level attribute.
    Set(String),
}

/// Parses the noise file's `folds`; errors name the entry.
pub(crate) fn parse(v: &Json, at: &str) -> Result<Vec<Fold>, (String, String)> {
    let Some(items) = v.as_array() else {
        return Err((at.to_string(), "`folds` is a list".to_string()));
    };
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let here = format!("{at}/{i}");
        let Some(o) = item.as_object() else {
            return Err((here, "expected an object".to_string()));
        };
        let text = |k: &str| -> Result<Option<String>, (String, String)> {
            match o.get(k) {
                None => Ok(None),
                Some(Json::String(s)) => Ok(Some(s.clone())),
                Some(_) => Err((format!("{here}/{k}"), "expected a string".to_string())),
            }
        };
        for k in o.keys() {
            if !matches!(
                k.as_str(),
                "child"
                    | "parent"
                    | "parent_id"
                    | "parent_id_before"
                    | "append"
                    | "append_named_by"
                    | "set"
                    | "value"
            ) {
                return Err((
                    format!("{here}/{k}"),
                    "unknown key: a fold has `child`, `parent`, `parent_id` (and `parent_id_before`), one of `append`, `append_named_by` and `set`, and `value`".to_string(),
                ));
            }
        }
        let need = |k: &str| -> Result<String, (String, String)> {
            text(k)?.ok_or_else(|| (here.clone(), format!("a fold needs `{k}`")))
        };
        let into = match (text("append")?, text("append_named_by")?, text("set")?) {
            (Some(a), None, None) => Into::Append(a),
            (None, Some(p), None) => Into::AppendNamedBy(p),
            (None, None, Some(s)) => Into::Set(s),
            _ => {
                return Err((
                    here,
                    "a fold needs exactly one of `append`, `append_named_by` and `set`".to_string(),
                ));
            }
        };
        let Some(value) = o.get("value").cloned() else {
            return Err((here, "a fold needs `value`".to_string()));
        };
        out.push(Fold {
            child: need("child")?,
            parent: need("parent")?,
            parent_id: need("parent_id")?,
            parent_id_before: text("parent_id_before")?,
            into,
            value,
        });
    }
    Ok(out)
}

/// The value at a JSON pointer of a value.
fn at(v: &Value, pointer: &str) -> Value {
    pointer
        .split('/')
        .skip(1)
        .fold(v.clone(), |v, step| match &v {
            Value::List(l) => step
                .parse::<usize>()
                .ok()
                .and_then(|i| l.get(i).cloned())
                .unwrap_or(Value::Null),
            _ => v.field(&step.replace("~1", "/").replace("~0", "~")),
        })
}

/// A template filled in from a child's attributes.
fn fill(template: &Json, child: &Value) -> Value {
    match template {
        Json::String(s) if s.starts_with('/') => at(child, s),
        Json::Object(o) if o.len() == 1 && o.contains_key("$list") => {
            let v = o.get("$list").map_or(Value::Null, |t| fill(t, child));
            match v {
                Value::Null => Value::list(Vec::new()),
                Value::String(s) if s.is_empty() => Value::list(Vec::new()),
                other => Value::list(vec![other]),
            }
        }
        Json::Object(o) => Value::object(Object::from_entries(
            o.iter()
                .map(|(k, t)| (Str::from(k.as_str()), fill(t, child)))
                .collect(),
        )),
        Json::Array(a) => Value::list(a.iter().map(|t| fill(t, child)).collect()),
        other => Value::from_json(other),
    }
}

/// Folds the declared children into their declared parents. A child whose
/// parent is not declared stays as it is. Children are then left out of
/// the comparison when the actual side has no resources of their type
/// (AWS Config shows rules on the group, not as resources): what they
/// declare is compared on the parent.
pub(crate) fn apply(folds: &[Fold], declared: &mut Vec<Resource>, actual: &[Resource]) {
    if folds.is_empty() {
        return;
    }
    let parents: HashMap<(String, String), usize> = declared
        .iter()
        .enumerate()
        .map(|(i, r)| ((r.type_.to_string(), r.id.to_string()), i))
        .collect();
    let mut folded = vec![false; declared.len()];
    let mut additions: Vec<(usize, &Fold, Value, Option<String>)> = Vec::new();
    for (ci, child) in declared.iter().enumerate() {
        for fold in folds.iter().filter(|f| f.child == child.type_.as_str()) {
            let id = at(&child.attributes, &fold.parent_id);
            let Some(mut id) = id.as_str() else { continue };
            if let Some(sep) = &fold.parent_id_before {
                match id.rfind(sep.as_str()) {
                    Some(i) => id = id.get(..i).unwrap_or(id),
                    None => continue,
                }
            }
            let Some(&pi) = parents.get(&(fold.parent.clone(), id.to_string())) else {
                continue;
            };
            let named = match &fold.into {
                Into::AppendNamedBy(p) => match at(&child.attributes, p).as_str() {
                    Some(name) => Some(name.to_string()),
                    // A child that does not say which list: compared as
                    // it is, not folded.
                    None => continue,
                },
                _ => None,
            };
            additions.push((pi, fold, fill(&fold.value, &child.attributes), named));
            if let Some(f) = folded.get_mut(ci) {
                *f = true;
            }
        }
    }
    for (pi, fold, value, named) in additions {
        let Some(parent) = declared.get_mut(pi) else {
            continue;
        };
        let (key, append) = match (&fold.into, named) {
            (Into::Append(k), _) => (k.clone(), true),
            (Into::Set(k), _) => (k.clone(), false),
            (Into::AppendNamedBy(_), Some(name)) => (name, true),
            (Into::AppendNamedBy(_), None) => continue,
        };
        let Value::Object(attrs) = &parent.attributes else {
            continue;
        };
        let mut entries: Vec<(Str, Value)> =
            attrs.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        match entries.iter_mut().find(|(k, _)| k.as_str() == key) {
            Some((_, existing)) if append => {
                let mut items: Vec<Value> = match existing {
                    Value::List(l) => l.to_vec(),
                    _ => Vec::new(),
                };
                items.push(value);
                *existing = Value::list(items);
            }
            Some((_, existing)) => *existing = value,
            None if append => entries.push((Str::from(key), Value::list(vec![value]))),
            None => entries.push((Str::from(key), value)),
        }
        parent.attributes = Value::object(Object::from_entries(entries));
    }
    // A child type the actual side shows is compared as such, unless the
    // actual side's are only derived from their parents (AWS Config's
    // user attachments, marked `derived_from`): the parents hold the same.
    let kept_types: std::collections::HashSet<&str> = actual
        .iter()
        .filter(|r| r.attributes.field("derived_from").is_null())
        .map(|r| r.type_.as_str())
        .collect();
    let mut i = 0;
    declared.retain(|r| {
        let drop =
            folded.get(i).copied().unwrap_or(false) && !kept_types.contains(r.type_.as_str());
        i += 1;
        !drop
    });
}
