//! The value model: what attributes, constants and intermediate results
//! are. Plain JSON values plus `Unknown` (a value known only after apply,
//! from Terraform plans). Containers are reference-counted so a value read
//! from the snapshot is shared, never copied.
//!
//! Objects keep their entries sorted by key: lookup is a binary search and
//! iteration and printing are in key order, so output never depends on the
//! order of a source file's keys.

use std::cmp::Ordering;
use std::fmt::{self, Write as _};
use std::sync::Arc;

/// Strings: up to 23 bytes inline, longer ones shared; cloning never
/// copies the text.
pub type Str = smol_str::SmolStr;

#[derive(Debug, Clone, Default)]
pub enum Value {
    #[default]
    Null,
    Bool(bool),
    Number(f64),
    String(Str),
    List(Arc<[Value]>),
    Object(Object),
    /// Known only after apply. Operations on it give `Unknown`; a rule whose
    /// outcome depends on it is indeterminate. The symbol, where the source
    /// knows one, names what the value will be: `aws_s3_bucket.logs.id` for
    /// the id of a resource a plan creates and for every attribute that
    /// references it, so two unknowns with one symbol are equal (see
    /// [`Value::equals`]).
    Unknown(Option<Str>),
}

/// An object: entries sorted by key, keys unique, in one shared
/// allocation (cloning an object copies a pointer).
#[derive(Debug, Clone, PartialEq)]
pub struct Object {
    entries: Arc<[(Str, Value)]>,
}

impl Default for Object {
    fn default() -> Self {
        Object {
            entries: Arc::from([]),
        }
    }
}

impl Object {
    pub fn new() -> Object {
        Object::default()
    }

    /// Builds an object from entries in any order; for a repeated key the
    /// last entry wins (as in JSON parsers that accept duplicates).
    pub fn from_entries(mut entries: Vec<(Str, Value)>) -> Object {
        // JSON objects usually arrive sorted or nearly so: check first.
        if !entries.windows(2).all(|w| matches!(w, [a, b] if a.0 < b.0)) {
            // A stable sort keeps repeated keys in source order; reversing
            // first makes the last of them come first, and dedup keeps it.
            entries.reverse();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            entries.dedup_by(|later, kept| later.0 == kept.0);
        }
        Object {
            entries: entries.into(),
        }
    }

    /// Builds an object from the entries at the end of `stack` (from
    /// `start`), removing them: one allocation, no intermediate vector.
    /// The snapshot loader builds nested objects on one stack this way.
    pub fn from_tail(stack: &mut Vec<(Str, Value)>, start: usize) -> Object {
        if let Some(tail) = stack.get_mut(start..)
            && !tail.windows(2).all(|w| matches!(w, [a, b] if a.0 < b.0))
        {
            tail.reverse();
            tail.sort_by(|a, b| a.0.cmp(&b.0));
            // Repeated keys (the last written came first): keep the first.
            let mut keep = start;
            let mut i = start;
            while i < stack.len() {
                let dup =
                    keep > start && stack.get(keep - 1).map(|e| &e.0) == stack.get(i).map(|e| &e.0);
                if !dup {
                    stack.swap(keep, i);
                    keep += 1;
                }
                i += 1;
            }
            stack.truncate(keep);
        }
        let entries: Arc<[(Str, Value)]> = stack.drain(start.min(stack.len())..).collect();
        Object { entries }
    }

    pub fn get(&self, key: &str) -> Option<&Value> {
        // Most objects are small: a scan that compares lengths first beats
        // a binary search of string comparisons.
        if self.entries.len() <= 12 {
            return self
                .entries
                .iter()
                .find(|(k, _)| k.len() == key.len() && k.as_str() == key)
                .map(|(_, v)| v);
        }
        self.entries
            .binary_search_by(|(k, _)| k.as_str().cmp(key))
            .ok()
            .and_then(|i| self.entries.get(i))
            .map(|(_, v)| v)
    }

    /// The value of the `i`-th entry in key order.
    pub fn value_at(&self, i: usize) -> Option<&Value> {
        self.entries.get(i).map(|(_, v)| v)
    }

    pub fn contains_key(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// Inserts or replaces (copies the entries: objects are shared).
    pub fn insert(&mut self, key: Str, value: Value) {
        let mut entries = self.entries.to_vec();
        match entries.binary_search_by(|(k, _)| k.cmp(&key)) {
            Ok(i) => {
                if let Some(e) = entries.get_mut(i) {
                    e.1 = value;
                }
            }
            Err(i) => entries.insert(i, (key, value)),
        }
        self.entries = entries.into();
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&Str, &Value)> {
        self.entries.iter().map(|(k, v)| (k, v))
    }

    pub fn keys(&self) -> impl ExactSizeIterator<Item = &Str> {
        self.entries.iter().map(|(k, _)| k)
    }

    pub fn values(&self) -> impl ExactSizeIterator<Item = &Value> {
        self.entries.iter().map(|(_, v)| v)
    }
}

/// The name of a value's type, as `type_of` returns it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum TypeName {
    Null,
    Bool,
    Number,
    String,
    List,
    Object,
    Unknown,
}

impl TypeName {
    pub fn as_str(self) -> &'static str {
        match self {
            TypeName::Null => "null",
            TypeName::Bool => "bool",
            TypeName::Number => "number",
            TypeName::String => "string",
            TypeName::List => "list",
            TypeName::Object => "object",
            TypeName::Unknown => "unknown",
        }
    }
}

impl Value {
    pub fn string(s: &str) -> Value {
        Value::String(Str::from(s))
    }

    pub fn list(items: Vec<Value>) -> Value {
        Value::List(items.into())
    }

    pub fn object(obj: Object) -> Value {
        Value::Object(obj)
    }

    pub fn type_name(&self) -> TypeName {
        match self {
            Value::Null => TypeName::Null,
            Value::Bool(_) => TypeName::Bool,
            Value::Number(_) => TypeName::Number,
            Value::String(_) => TypeName::String,
            Value::List(_) => TypeName::List,
            Value::Object(_) => TypeName::Object,
            Value::Unknown(_) => TypeName::Unknown,
        }
    }

    /// Conditions hold only for `true`.
    pub fn is_true(&self) -> bool {
        matches!(self, Value::Bool(true))
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    pub fn is_unknown(&self) -> bool {
        matches!(self, Value::Unknown(_))
    }

    /// True if the value is unknown or contains an unknown anywhere.
    pub fn contains_unknown(&self) -> bool {
        match self {
            Value::Unknown(_) => true,
            Value::List(l) => l.iter().any(Value::contains_unknown),
            Value::Object(o) => o.values().any(Value::contains_unknown),
            _ => false,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_number(&self) -> Option<f64> {
        match self {
            Value::Number(n) => Some(*n),
            _ => None,
        }
    }

    /// `.key`: the field of an object; `null` for anything else.
    pub fn field(&self, key: &str) -> Value {
        match self {
            Value::Object(o) => o.get(key).cloned().unwrap_or(Value::Null),
            Value::Unknown(_) => Value::Unknown(None),
            _ => Value::Null,
        }
    }

    /// Deep, typed equality. `None` when the answer depends on an unknown.
    /// Two unknowns with one symbol are equal (the same value after apply);
    /// the ids (or ARNs) of two different resources of one type differ.
    pub fn equals(&self, other: &Value) -> Option<bool> {
        match (self, other) {
            (Value::Unknown(Some(a)), Value::Unknown(Some(b))) => {
                if a == b {
                    Some(true)
                } else if distinct_identities(a, b) {
                    Some(false)
                } else {
                    None
                }
            }
            (Value::Unknown(_), _) | (_, Value::Unknown(_)) => None,
            (Value::Null, Value::Null) => Some(true),
            (Value::Bool(a), Value::Bool(b)) => Some(a == b),
            (Value::Number(a), Value::Number(b)) => Some(a == b),
            (Value::String(a), Value::String(b)) => Some(a == b),
            (Value::List(a), Value::List(b)) => {
                if a.len() != b.len() {
                    return Some(false);
                }
                let mut unknown = false;
                for (x, y) in a.iter().zip(b.iter()) {
                    match x.equals(y) {
                        Some(false) => return Some(false),
                        None => unknown = true,
                        Some(true) => {}
                    }
                }
                if unknown { None } else { Some(true) }
            }
            (Value::Object(a), Value::Object(b)) => {
                if a.len() != b.len() || a.keys().zip(b.keys()).any(|(x, y)| x != y) {
                    return Some(false);
                }
                let mut unknown = false;
                for (x, y) in a.values().zip(b.values()) {
                    match x.equals(y) {
                        Some(false) => return Some(false),
                        None => unknown = true,
                        Some(true) => {}
                    }
                }
                if unknown { None } else { Some(true) }
            }
            _ => Some(false),
        }
    }

    /// A total order over all values, for sorting and deterministic output:
    /// by type (null, bool, number, string, list, object, unknown), then by
    /// value.
    pub fn total_cmp(&self, other: &Value) -> Ordering {
        match (self, other) {
            (Value::Bool(a), Value::Bool(b)) => a.cmp(b),
            (Value::Number(a), Value::Number(b)) => a.total_cmp(b),
            (Value::String(a), Value::String(b)) => a.cmp(b),
            (Value::List(a), Value::List(b)) => {
                for (x, y) in a.iter().zip(b.iter()) {
                    let c = x.total_cmp(y);
                    if c != Ordering::Equal {
                        return c;
                    }
                }
                a.len().cmp(&b.len())
            }
            (Value::Object(a), Value::Object(b)) => {
                for ((ka, va), (kb, vb)) in a.iter().zip(b.iter()) {
                    let c = ka.cmp(kb).then_with(|| va.total_cmp(vb));
                    if c != Ordering::Equal {
                        return c;
                    }
                }
                a.len().cmp(&b.len())
            }
            _ => self.type_name().cmp(&other.type_name()),
        }
    }

    /// Renders the value in plumb literal syntax: `null`, `true`, `1.5`,
    /// `"text"`, `[1, 2]`, `{a: 1, "b c": 2}`.
    pub fn literal(&self) -> String {
        let mut out = String::new();
        self.write_literal(&mut out);
        out
    }

    /// Renders for a message template: strings as they are, everything
    /// else as a literal.
    pub fn display(&self) -> String {
        match self {
            Value::String(s) => s.to_string(),
            other => other.literal(),
        }
    }

    fn write_literal(&self, out: &mut String) {
        match self {
            Value::Null => out.push_str("null"),
            Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Value::Number(n) => write_number(out, *n),
            Value::String(s) => write_quoted(out, s),
            Value::List(items) => {
                out.push('[');
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    v.write_literal(out);
                }
                out.push(']');
            }
            Value::Object(o) => {
                out.push('{');
                for (i, (k, v)) in o.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    if is_plain_key(k) {
                        out.push_str(k);
                    } else {
                        write_quoted(out, k);
                    }
                    out.push_str(": ");
                    v.write_literal(out);
                }
                out.push('}');
            }
            Value::Unknown(_) => out.push_str("(known after apply)"),
        }
    }

    /// The value as JSON. `Unknown` becomes the string
    /// `"(known after apply)"`: JSON has no such value.
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Value::Null => serde_json::Value::Null,
            Value::Bool(b) => serde_json::Value::Bool(*b),
            Value::Number(n) => number_to_json(*n),
            Value::String(s) => serde_json::Value::String(s.to_string()),
            Value::List(items) => {
                serde_json::Value::Array(items.iter().map(Value::to_json).collect())
            }
            Value::Object(o) => serde_json::Value::Object(
                o.iter()
                    .map(|(k, v)| (k.to_string(), v.to_json()))
                    .collect(),
            ),
            Value::Unknown(_) => serde_json::Value::String("(known after apply)".to_string()),
        }
    }

    /// A value from a JSON value (every number as f64).
    pub fn from_json(v: &serde_json::Value) -> Value {
        match v {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(b) => Value::Bool(*b),
            serde_json::Value::Number(n) => Value::Number(n.as_f64().unwrap_or(f64::NAN)),
            serde_json::Value::String(s) => Value::string(s),
            serde_json::Value::Array(a) => Value::list(a.iter().map(Value::from_json).collect()),
            serde_json::Value::Object(o) => Value::object(Object::from_entries(
                o.iter()
                    .map(|(k, v)| (Str::from(k.as_str()), Value::from_json(v)))
                    .collect(),
            )),
        }
    }
}

/// Numbers print as integers when they are whole and small enough to be
/// exact, otherwise in Rust's shortest round-trip form.
fn write_number(out: &mut String, n: f64) {
    if n.fract() == 0.0 && n.abs() < 9.007_199_254_740_992e15 {
        let _ = write!(out, "{}", n as i64);
    } else {
        // serde_json prints the shortest form that reads back the same.
        match serde_json::Number::from_f64(n) {
            Some(num) => {
                let _ = write!(out, "{num}");
            }
            None => out.push_str("null"),
        }
    }
}

fn number_to_json(n: f64) -> serde_json::Value {
    if n.fract() == 0.0 && n.abs() < 9.007_199_254_740_992e15 {
        serde_json::Value::from(n as i64)
    } else {
        serde_json::Number::from_f64(n).map_or(serde_json::Value::Null, serde_json::Value::Number)
    }
}

fn is_plain_key(k: &str) -> bool {
    let mut chars = k.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn write_quoted(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '{' => out.push_str("\\{"),
            '}' => out.push_str("\\}"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.literal())
    }
}

/// Whether two unknown symbols are the identities (`id` or `arn`) of two
/// different resources of one type: `aws_s3_bucket.a.id` and
/// `module.m.aws_s3_bucket.b[0].id` are, and so never equal.
fn distinct_identities(a: &str, b: &str) -> bool {
    fn split(symbol: &str) -> Option<(&str, &str, &str)> {
        let (address, attr) = symbol.rsplit_once('.')?;
        if attr != "id" && attr != "arn" {
            return None;
        }
        // The type is the segment before the name: skip `module.NAME.` pairs.
        let mut rest = address;
        while let Some(after) = rest.strip_prefix("module.") {
            rest = after.split_once('.')?.1;
        }
        let (ty, _) = rest.split_once('.')?;
        Some((ty, address, attr))
    }
    match (split(a), split(b)) {
        (Some((ta, aa, xa)), Some((tb, ab, xb))) => ta == tb && xa == xb && aa != ab,
        _ => false,
    }
}

/// Equality for tests and containers: `Unknown` equals `Unknown` here.
impl PartialEq for Value {
    fn eq(&self, other: &Value) -> bool {
        self.total_cmp(other) == Ordering::Equal
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests")]
    use super::*;

    fn obj(entries: &[(&str, Value)]) -> Value {
        Value::object(Object::from_entries(
            entries
                .iter()
                .map(|(k, v)| (Str::from(*k), v.clone()))
                .collect(),
        ))
    }

    #[test]
    fn equality_is_typed_and_deep() {
        assert_eq!(
            Value::Bool(true).equals(&Value::string("true")),
            Some(false)
        );
        assert_eq!(Value::Number(1.0).equals(&Value::string("1")), Some(false));
        assert_eq!(Value::Null.equals(&Value::Null), Some(true));
        let a = obj(&[
            ("x", Value::Number(1.0)),
            ("y", Value::list(vec![Value::Null])),
        ]);
        let b = obj(&[
            ("y", Value::list(vec![Value::Null])),
            ("x", Value::Number(1.0)),
        ]);
        assert_eq!(a.equals(&b), Some(true));
        assert_eq!(Value::Unknown(None).equals(&Value::Null), None);
        let sym = |s: &str| Value::Unknown(Some(Str::from(s)));
        assert_eq!(
            sym("aws_s3_bucket.a.id").equals(&sym("aws_s3_bucket.a.id")),
            Some(true)
        );
        assert_eq!(
            sym("aws_s3_bucket.a.id").equals(&sym("module.m.aws_s3_bucket.b[0].id")),
            Some(false)
        );
        // Different types, or attributes that are not identities: unknown.
        assert_eq!(
            sym("aws_s3_bucket.a.id").equals(&sym("aws_iam_role.a.id")),
            None
        );
        assert_eq!(
            sym("aws_s3_bucket.a.region").equals(&sym("aws_s3_bucket.b.region")),
            None
        );
        assert_eq!(
            sym("aws_s3_bucket.a.id").equals(&Value::Unknown(None)),
            None
        );
        assert_eq!(sym("aws_s3_bucket.a.id").equals(&Value::string("a")), None);
        let with_unknown = Value::list(vec![Value::Number(1.0), Value::Unknown(None)]);
        let other = Value::list(vec![Value::Number(2.0), Value::Unknown(None)]);
        assert_eq!(with_unknown.equals(&other), Some(false));
    }

    #[test]
    fn literals_render_in_plumb_syntax() {
        let v = obj(&[
            ("b c", Value::Number(2.0)),
            (
                "a",
                Value::list(vec![Value::Number(1.5), Value::string("x\"{")]),
            ),
        ]);
        assert_eq!(v.literal(), r#"{a: [1.5, "x\"\{"], "b c": 2}"#);
        assert_eq!(Value::string("plain").display(), "plain");
        assert_eq!(Value::Number(-0.0).literal(), "0");
        assert_eq!(Value::Number(1e300).literal(), "1e+300");
    }

    #[test]
    fn repeated_keys_keep_the_last() {
        let o = Object::from_entries(vec![
            (Str::from("k"), Value::Number(1.0)),
            (Str::from("a"), Value::Null),
            (Str::from("k"), Value::Number(2.0)),
        ]);
        assert_eq!(o.len(), 2);
        assert_eq!(o.get("k"), Some(&Value::Number(2.0)));
    }
}
