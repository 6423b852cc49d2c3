//! AWS CloudFormation templates, JSON or YAML (AWS Config conformance packs
//! are templates too): each entry of `Resources` becomes a resource.
//!
//! - Type: `cfn_` and every part of the CloudFormation type in snake_case
//!   (`AWS::S3::Bucket` → `cfn_aws_s3_bucket`, `AWS::EC2::SecurityGroup` →
//!   `cfn_aws_ec2_security_group`, `Custom::Thing` → `cfn_custom_thing`).
//!   Never Terraform's names: the attributes have CloudFormation's shapes,
//!   so a rule written for Terraform's `aws_s3_bucket` must not select a
//!   template's bucket and misread it. Id, name and address are the
//!   logical id; provider `aws` for `AWS::` types, else `cloudformation`.
//! - Attributes: `Properties` with keys in snake_case, except where keys
//!   are data: the keys of a `Tags` object (`Tags: {CostCenter: "1"}`; a
//!   `Tags` list of `{Key, Value}` is snake_cased like any list) and of IAM
//!   policy documents (an object of `Version`, `Id` and `Statement`), which
//!   stay as written, as in Terraform's policy JSON (`aws:SecureTransport`
//!   is a condition key, not a property). Beside them, `cfn`:
//!   `logical_id`, `type`, and `condition`, `depends_on` (a list),
//!   `deletion_policy`, `update_replace_policy`, `creation_policy`,
//!   `update_policy` and `metadata` (keys as written) when the template
//!   has them.
//! - Intrinsic functions (long form; YAML's short form `!Ref` arrives as
//!   the long form, see [`crate::yaml`]) are evaluated as far as the
//!   template itself says: `Ref` to a parameter is its `Default` (split at
//!   commas for list types; an SSM parameter type's default names a
//!   parameter, so it is unknown), `Ref: AWS::NoValue` removes the value,
//!   `Fn::If` takes the branch its condition picks when the condition
//!   (`Fn::Equals`, `Fn::Not`, `Fn::And`, `Fn::Or`, `Condition`) can be
//!   decided, and `Fn::Join`, `Fn::Sub`, `Fn::Select`, `Fn::Split`,
//!   `Fn::FindInMap` and `Fn::Base64` are computed when their arguments are
//!   known. Everything else is **unknown**: `Ref` to a resource or a pseudo
//!   parameter (`AWS::Region`), a parameter without a default,
//!   `Fn::GetAtt`, `Fn::ImportValue`, `Fn::GetAZs`, `Fn::Cidr`,
//!   `Fn::Transform`, and any function whose arguments are unknown; a rule
//!   that depends on such a value is indeterminate, not failed. A value
//!   that a `NoEcho` parameter's default flows into is sensitive.
//! - `Fn::ForEach` (the `AWS::LanguageExtensions` transform) in
//!   `Resources` is expanded when its collection is known.
//! - Errors name the JSON pointer of the offending node (`/Resources`,
//!   `/Resources/Bucket/Type`); in YAML they carry the line as well.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use plumb_runtime::value::{Object, Str, Value};
use plumb_runtime::{Resource, Source};
use serde_json::{Map, Value as Json};

use crate::host::{escape_pointer, kind};
use crate::yaml::{Document, Position};
use crate::{ImportError, snake};

/// Deepest nesting of evaluation (values, functions and conditions
/// together); deeper is unknown.
const MAX_EVAL_DEPTH: usize = 400;
/// Longest chain of conditions naming conditions that is followed.
const MAX_CONDITION_CHAIN: usize = 32;

/// Whether a document is a CloudFormation template: it has
/// `AWSTemplateFormatVersion`, or a `Resources` object with at least one
/// resource whose `Type` reads `Vendor::Service::Type`.
pub fn looks_like(doc: &Json) -> bool {
    let Some(obj) = doc.as_object() else {
        return false;
    };
    if obj.contains_key("AWSTemplateFormatVersion") {
        return true;
    }
    obj.get("Resources")
        .and_then(Json::as_object)
        .is_some_and(|resources| {
            resources.values().any(|r| {
                r.get("Type")
                    .and_then(Json::as_str)
                    .is_some_and(is_qualified_type)
            })
        })
}

/// `Vendor::Service::Type` (or longer): three or more parts of letters,
/// digits, `_`, `-`, `@` or `.`.
fn is_qualified_type(t: &str) -> bool {
    let parts: Vec<&str> = t.split("::").collect();
    parts.len() >= 3
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '@' | '.'))
        })
}

/// The plumb type of a CloudFormation resource type, or `None` if it is
/// not one (`Vendor::Name` at least, no empty part).
pub fn type_name(cfn: &str) -> Option<String> {
    let parts: Vec<&str> = cfn.split("::").collect();
    if parts.len() < 2 || parts.iter().any(|p| p.trim().is_empty()) {
        return None;
    }
    let mut out = String::from("cfn");
    for part in parts {
        out.push('_');
        out.extend(snake(part).chars().map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        }));
    }
    Some(out)
}

/// A JSON template (no lines).
pub fn import(file: &Path, doc: &Json) -> Result<Vec<Resource>, ImportError> {
    import_with(file, doc, &|_| None)
}

/// A YAML template: resources and errors carry their lines.
pub fn import_yaml(file: &Path, doc: &Document) -> Result<Vec<Resource>, ImportError> {
    import_with(file, &doc.value, &|p| doc.position(p))
}

/// The position of the node at `pointer`, or of its nearest ancestor that
/// has one.
fn nearest(position: &dyn Fn(&str) -> Option<Position>, pointer: &str) -> Option<Position> {
    let mut p = pointer;
    loop {
        if let Some(at) = position(p) {
            return Some(at);
        }
        let i = p.rfind('/')?;
        p = p.get(..i)?;
    }
}

fn import_with(
    file: &Path,
    doc: &Json,
    position: &dyn Fn(&str) -> Option<Position>,
) -> Result<Vec<Resource>, ImportError> {
    let fail = |pointer: &str, message: String| {
        let at = nearest(position, pointer);
        ImportError {
            kind: crate::ImportErrorKind::Invalid,
            file: file.to_path_buf(),
            line: at.map_or(0, |p| p.line),
            column: at.map_or(0, |p| p.column),
            message: if pointer.is_empty() {
                message
            } else {
                format!("{pointer}: {message}")
            },
        }
    };
    let Some(top) = doc.as_object() else {
        return Err(fail(
            "",
            format!(
                "a CloudFormation template must be an object, not {}",
                kind(doc)
            ),
        ));
    };
    let section = |name: &str| -> Result<Option<&Map<String, Json>>, ImportError> {
        match top.get(name) {
            None | Some(Json::Null) => Ok(None),
            Some(Json::Object(o)) => Ok(Some(o)),
            Some(other) => Err(fail(
                &format!("/{name}"),
                format!("`{name}` must be an object, not {}", kind(other)),
            )),
        }
    };
    let resources = match top.get("Resources") {
        Some(Json::Object(r)) => r,
        Some(other) => {
            return Err(fail(
                "/Resources",
                format!(
                    "a template's `Resources` is a mapping of logical ids to resources, not {}",
                    kind(other)
                ),
            ));
        }
        None => {
            return Err(fail(
                "",
                "this CloudFormation template has no `Resources` section".to_string(),
            ));
        }
    };
    let mut params = HashMap::new();
    for (name, p) in section("Parameters")?.into_iter().flatten() {
        let Json::Object(p) = p else {
            return Err(fail(
                &format!("/Parameters/{}", escape_pointer(name)),
                format!("a parameter must be an object, not {}", kind(p)),
            ));
        };
        params.insert(name.as_str(), Param::read(p));
    }
    let template = Template {
        params,
        conditions: section("Conditions")?,
        mappings: section("Mappings")?,
    };
    let mut eval = Eval::new(&template);
    let mut out = Vec::new();
    for (logical_id, def) in resources {
        let pointer = format!("/Resources/{}", escape_pointer(logical_id));
        if let Some(loop_name) = logical_id.strip_prefix("Fn::ForEach::") {
            eval.for_each(loop_name, def, &pointer, &mut |eval, id, def, pointer| {
                let line = nearest(position, pointer).map(|p| p.line);
                let r = eval
                    .resource(file, id, def, line)
                    .map_err(|(at, m)| fail(&format!("{pointer}{at}"), m))?;
                out.push(r);
                Ok(())
            })
            .map_err(|e| match e {
                Expand::Bad(at, m) => fail(&at, m),
                Expand::Error(e) => e,
            })?;
            continue;
        }
        let line = position(&pointer).map(|p| p.line);
        let r = eval
            .resource(file, logical_id, def, line)
            .map_err(|(at, m)| fail(&format!("{pointer}{at}"), m))?;
        out.push(r);
    }
    Ok(out)
}

/// Why a `Fn::ForEach` could not be expanded.
enum Expand {
    /// At a pointer, with a message.
    Bad(String, String),
    /// A resource inside it was bad.
    Error(ImportError),
}

/// What a `Ref` to a parameter gives.
enum Param {
    /// Its default, and whether it is `NoEcho`.
    Known(Json, bool),
    Unknown,
}

impl Param {
    fn read(p: &Map<String, Json>) -> Param {
        let ty = p.get("Type").and_then(Json::as_str).unwrap_or("String");
        let no_echo = matches!(p.get("NoEcho"), Some(Json::Bool(true)))
            || p.get("NoEcho")
                .and_then(Json::as_str)
                .is_some_and(|s| s.eq_ignore_ascii_case("true"));
        let Some(default) = p.get("Default") else {
            return Param::Unknown;
        };
        // The default of an SSM parameter type is the parameter's name.
        if ty.starts_with("AWS::SSM::Parameter::Value<") {
            return Param::Unknown;
        }
        let list = ty == "CommaDelimitedList" || ty.starts_with("List<");
        let value = match default {
            Json::String(s) if list => Json::Array(
                s.split(',')
                    .map(|x| Json::String(x.trim().to_string()))
                    .collect(),
            ),
            other => other.clone(),
        };
        Param::Known(value, no_echo)
    }
}

struct Template<'a> {
    params: HashMap<&'a str, Param>,
    conditions: Option<&'a Map<String, Json>>,
    mappings: Option<&'a Map<String, Json>>,
}

/// How object keys are written.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Keys {
    Snake,
    AsWritten,
}

impl Keys {
    fn apply(self, k: &str) -> String {
        match self {
            Keys::Snake => snake(k),
            Keys::AsWritten => k.to_string(),
        }
    }
}

/// The evaluator: the template, decided conditions, and what the value
/// being built so far has met.
struct Eval<'a> {
    t: &'a Template<'a>,
    conditions: HashMap<String, Option<bool>>,
    pending: HashSet<String>,
    depth: usize,
    /// `Fn::ForEach` identifiers and their current items.
    bindings: Vec<(String, String)>,
    /// Where the value being built goes (output keys), for sensitive
    /// pointers.
    path: Vec<String>,
    /// Whether sensitive pointers are recorded here (not inside a
    /// function's arguments, whose result is marked as a whole).
    record: bool,
    /// A `NoEcho` default flowed into the value being built.
    secret: bool,
    sensitive: Vec<String>,
}

/// A function call: an object of one key, `Ref` or `Fn::...`.
fn call(v: &Json) -> Option<(&str, &Json)> {
    let o = v.as_object()?;
    if o.len() != 1 {
        return None;
    }
    let (k, arg) = o.iter().next()?;
    (k == "Ref" || k.starts_with("Fn::")).then_some((k.as_str(), arg))
}

/// An IAM policy document: keys `Version`, `Id` and `Statement` only, with
/// `Statement`.
fn is_policy_document(o: &Map<String, Json>) -> bool {
    o.contains_key("Statement")
        && o.keys()
            .all(|k| matches!(k.as_str(), "Version" | "Id" | "Statement"))
}

/// A scalar as CloudFormation turns it into text (`Fn::Join`, `Fn::Sub`,
/// `Fn::Equals`).
fn text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(_) => Some(v.to_json().to_string()),
        _ => None,
    }
}

fn loose_equals(a: &Value, b: &Value) -> Option<bool> {
    if a.contains_unknown() || b.contains_unknown() {
        return None;
    }
    match (text(a), text(b)) {
        (Some(x), Some(y)) => Some(x == y),
        _ => a.equals(b),
    }
}

fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let digit = |n: u32| char::from(ALPHABET.get((n & 63) as usize).copied().unwrap_or(b'='));
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = |i: usize| u32::from(chunk.get(i).copied().unwrap_or(0));
        let n = (b(0) << 16) | (b(1) << 8) | b(2);
        out.push(digit(n >> 18));
        out.push(digit(n >> 12));
        out.push(if chunk.len() > 1 { digit(n >> 6) } else { '=' });
        out.push(if chunk.len() > 2 { digit(n) } else { '=' });
    }
    out
}

/// A `&{Identifier}` substitution: the item without its non-alphanumeric
/// characters.
fn alphanumeric(s: &str) -> String {
    s.chars().filter(char::is_ascii_alphanumeric).collect()
}

type Emit<'e, 'a> = dyn FnMut(&mut Eval<'a>, &str, &Json, &str) -> Result<(), ImportError> + 'e;

impl<'a> Eval<'a> {
    fn new(t: &'a Template<'a>) -> Eval<'a> {
        Eval {
            t,
            conditions: HashMap::new(),
            pending: HashSet::new(),
            depth: 0,
            bindings: Vec::new(),
            path: Vec::new(),
            record: true,
            secret: false,
            sensitive: Vec::new(),
        }
    }

    /// One resource. Errors are a pointer below the resource and a message.
    fn resource(
        &mut self,
        file: &Path,
        logical_id: &str,
        def: &Json,
        line: Option<usize>,
    ) -> Result<Resource, (String, String)> {
        let Json::Object(def) = def else {
            return Err((
                String::new(),
                format!(
                    "a resource must be an object with a `Type`, not {}",
                    kind(def)
                ),
            ));
        };
        let cfn_type = match def.get("Type") {
            Some(Json::String(t)) => t.as_str(),
            Some(other) => {
                return Err((
                    "/Type".to_string(),
                    format!(
                        "a resource's `Type` must be a string such as AWS::S3::Bucket, not {}",
                        kind(other)
                    ),
                ));
            }
            None => {
                return Err((
                    String::new(),
                    "the resource has no `Type` (such as AWS::S3::Bucket)".to_string(),
                ));
            }
        };
        let vendor_aws = cfn_type.starts_with("AWS::");
        let Some(ty) = type_name(cfn_type) else {
            return Err((
                "/Type".to_string(),
                format!(
                    "`{cfn_type}` is not a resource type: expected `Vendor::Service::Type` such as AWS::S3::Bucket"
                ),
            ));
        };
        self.path.clear();
        self.sensitive.clear();
        self.record = true;
        self.secret = false;
        let mut attributes = match def.get("Properties") {
            None | Some(Json::Null) => Value::object(Object::new()),
            Some(p @ Json::Object(_)) => self.eval(p, Keys::Snake).unwrap_or_default(),
            Some(other) => {
                return Err((
                    String::new(),
                    format!(
                        "`Properties` is a mapping of property names to values, not {}",
                        kind(other)
                    ),
                ));
            }
        };
        if self.secret {
            // A function computed the properties as a whole.
            self.sensitive.push(String::new());
        }
        if attributes.is_null() {
            attributes = Value::object(Object::new());
        }
        let mut cfn = vec![
            (Str::from("logical_id"), Value::string(logical_id)),
            (Str::from("type"), Value::string(cfn_type)),
        ];
        for (key, name, keys) in [
            ("Condition", "condition", Keys::AsWritten),
            ("DependsOn", "depends_on", Keys::AsWritten),
            ("DeletionPolicy", "deletion_policy", Keys::AsWritten),
            (
                "UpdateReplacePolicy",
                "update_replace_policy",
                Keys::AsWritten,
            ),
            ("CreationPolicy", "creation_policy", Keys::Snake),
            ("UpdatePolicy", "update_policy", Keys::Snake),
            ("Metadata", "metadata", Keys::AsWritten),
        ] {
            let Some(v) = def.get(key) else {
                continue;
            };
            let v = match (key, v) {
                ("DependsOn", Json::String(s)) => Json::Array(vec![Json::String(s.clone())]),
                _ => v.clone(),
            };
            self.path = vec!["cfn".to_string(), name.to_string()];
            if let Some(v) = self.child(&v, keys) {
                cfn.push((Str::from(name), v));
            }
        }
        self.path.clear();
        let cfn = Value::object(Object::from_entries(cfn));
        let attributes = match attributes {
            Value::Object(mut o) => {
                o.insert(Str::from("cfn"), cfn);
                Value::Object(o)
            }
            // Computed as a whole (`Fn::If` of two unknown objects...).
            _ => Value::Unknown(None),
        };
        let mut r = Resource::new(&ty, logical_id, attributes);
        r.name = Some(Str::from(logical_id));
        r.address = Some(Str::from(logical_id));
        r.provider = Some(Str::from(if vendor_aws { "aws" } else { "cloudformation" }));
        r.source = Some(Source {
            file: Some(Str::from(file.display().to_string())),
            line: line.and_then(|l| u32::try_from(l).ok()),
            format: Some(Str::from("cloudformation")),
        });
        self.sensitive.sort();
        self.sensitive.dedup();
        r.sensitive = std::mem::take(&mut self.sensitive);
        Ok(r)
    }

    /// Expands `Fn::ForEach::<loop_name>: [identifier, collection,
    /// {logical id template: resource}]`, handing each resource to `emit`.
    fn for_each(
        &mut self,
        loop_name: &str,
        def: &Json,
        pointer: &str,
        emit: &mut Emit<'_, 'a>,
    ) -> Result<(), Expand> {
        let bad = |m: String| Expand::Bad(pointer.to_string(), m);
        let Some([identifier, collection, fragment]) = def
            .as_array()
            .and_then(|l| <&[Json; 3]>::try_from(l.as_slice()).ok())
        else {
            return Err(bad(format!(
                "`Fn::ForEach::{loop_name}` must be a list of an identifier, a collection and a resource template"
            )));
        };
        let (Some(identifier), Some(fragment)) = (identifier.as_str(), fragment.as_object()) else {
            return Err(bad(format!(
                "`Fn::ForEach::{loop_name}` must be a list of an identifier (a string), a collection and a resource template (an object)"
            )));
        };
        let items = match self.arg(collection) {
            Value::List(items) => items
                .iter()
                .map(text)
                .collect::<Option<Vec<String>>>()
                .ok_or_else(|| {
                    bad(format!(
                        "the collection of `Fn::ForEach::{loop_name}` is not known from the template, so its resources cannot be told"
                    ))
                })?,
            _ => {
                return Err(bad(format!(
                    "the collection of `Fn::ForEach::{loop_name}` is not a list known from the template, so its resources cannot be told"
                )));
            }
        };
        if self.bindings.len() >= MAX_CONDITION_CHAIN {
            return Err(bad("`Fn::ForEach` is nested too deep".to_string()));
        }
        for item in items {
            self.bindings.push((identifier.to_string(), item.clone()));
            let result = (|| {
                for (key, resource) in fragment {
                    let at = format!("{pointer}/2/{}", escape_pointer(key));
                    if let Some(inner) = key.strip_prefix("Fn::ForEach::") {
                        self.for_each(inner, resource, &at, emit)?;
                        continue;
                    }
                    let id = self.substitute_key(key);
                    emit(self, &id, resource, &at).map_err(Expand::Error)?;
                }
                Ok(())
            })();
            self.bindings.pop();
            result?;
        }
        Ok(())
    }

    /// A logical id template with `${Identifier}` and `&{Identifier}`
    /// replaced by the current items.
    fn substitute_key(&self, key: &str) -> String {
        let mut id = key.to_string();
        for (name, item) in self.bindings.iter().rev() {
            id = id
                .replace(&format!("${{{name}}}"), item)
                .replace(&format!("&{{{name}}}"), &alphanumeric(item));
        }
        id
    }

    /// A value; `None` is `AWS::NoValue` (the value is left out).
    fn eval(&mut self, v: &Json, keys: Keys) -> Option<Value> {
        if self.depth >= MAX_EVAL_DEPTH {
            return Some(Value::Unknown(None));
        }
        self.depth += 1;
        let r = self.eval_node(v, keys);
        self.depth -= 1;
        r
    }

    fn eval_node(&mut self, v: &Json, keys: Keys) -> Option<Value> {
        if let Some((name, arg)) = call(v) {
            return self.call(name, arg, keys);
        }
        match v {
            Json::Object(o) => {
                let keys = if is_policy_document(o) {
                    Keys::AsWritten
                } else {
                    keys
                };
                let mut entries = Vec::with_capacity(o.len());
                for (k, child) in o {
                    let key = keys.apply(k);
                    self.path.push(key.clone());
                    let value = match (keys, k.as_str()) {
                        // Tag keys are data: never snake_cased.
                        (Keys::Snake, "Tags") if child.is_object() && call(child).is_none() => {
                            self.child(child, Keys::AsWritten)
                        }
                        _ => self.child(child, keys),
                    };
                    self.path.pop();
                    if let Some(value) = value {
                        entries.push((Str::from(key), value));
                    }
                }
                Some(Value::object(Object::from_entries(entries)))
            }
            Json::Array(items) => {
                let mut out = Vec::with_capacity(items.len());
                for item in items {
                    self.path.push(out.len().to_string());
                    let value = self.child(item, keys);
                    self.path.pop();
                    if let Some(value) = value {
                        out.push(value);
                    }
                }
                Some(Value::list(out))
            }
            other => Some(Value::from_json(other)),
        }
    }

    /// A value inside an object or a list, whose pointer is recorded if a
    /// `NoEcho` default flows into it.
    fn child(&mut self, v: &Json, keys: Keys) -> Option<Value> {
        let outer = std::mem::replace(&mut self.secret, false);
        let r = self.eval(v, keys);
        if self.secret && self.record {
            if r.is_some() {
                let pointer: String = self
                    .path
                    .iter()
                    .map(|s| format!("/{}", escape_pointer(s)))
                    .collect();
                self.sensitive.push(pointer);
            }
            self.secret = outer;
        } else {
            self.secret |= outer;
        }
        r
    }

    /// A function's argument: evaluated where no pointer is recorded (a
    /// `NoEcho` default marks the function's result), `AWS::NoValue` as
    /// unknown.
    fn arg(&mut self, v: &Json) -> Value {
        let record = std::mem::replace(&mut self.record, false);
        let r = self.eval(v, Keys::AsWritten);
        self.record = record;
        r.unwrap_or(Value::Unknown(None))
    }

    fn call(&mut self, name: &str, arg: &Json, keys: Keys) -> Option<Value> {
        match name {
            "Ref" => match arg {
                Json::String(s) => self.reference(s),
                _ => Some(Value::Unknown(None)),
            },
            "Fn::If" => {
                let Some([condition, then, otherwise]) = arg
                    .as_array()
                    .and_then(|l| <&[Json; 3]>::try_from(l.as_slice()).ok())
                else {
                    return Some(Value::Unknown(None));
                };
                match condition.as_str().and_then(|c| self.condition(c)) {
                    Some(true) => self.eval(then, keys),
                    Some(false) => self.eval(otherwise, keys),
                    None => Some(Value::Unknown(None)),
                }
            }
            "Fn::Equals" | "Fn::Not" | "Fn::And" | "Fn::Or" => {
                let record = std::mem::replace(&mut self.record, false);
                let mut m = Map::new();
                m.insert(name.to_string(), arg.clone());
                let r = self.truth(&Json::Object(m));
                self.record = record;
                Some(r.map_or(Value::Unknown(None), Value::Bool))
            }
            "Fn::Join" => Some(self.join(arg)),
            "Fn::Sub" => Some(self.sub(arg)),
            "Fn::Select" => Some(self.select(arg)),
            "Fn::Split" => Some(self.split(arg)),
            "Fn::Base64" => Some(match self.arg(arg) {
                Value::String(s) => Value::string(&base64(s.as_bytes())),
                _ => Value::Unknown(None),
            }),
            "Fn::FindInMap" => self.find_in_map(arg, keys),
            // Fn::GetAtt, Fn::ImportValue, Fn::GetAZs, Fn::Cidr,
            // Fn::Transform, Fn::Length, Fn::ToJsonString, and functions
            // plumb does not know: known only once the stack exists.
            _ => Some(Value::Unknown(None)),
        }
    }

    /// `Ref`: a `Fn::ForEach` identifier, a parameter's default,
    /// `AWS::NoValue` (left out), else unknown (a resource, a pseudo
    /// parameter, a parameter without a default).
    fn reference(&mut self, name: &str) -> Option<Value> {
        if let Some((_, item)) = self.bindings.iter().rev().find(|(n, _)| n == name) {
            return Some(Value::string(item));
        }
        if name == "AWS::NoValue" {
            return None;
        }
        match self.t.params.get(name) {
            Some(Param::Known(v, secret)) => {
                self.secret |= *secret;
                Some(Value::from_json(v))
            }
            _ => Some(Value::Unknown(None)),
        }
    }

    fn join(&mut self, arg: &Json) -> Value {
        let Some([delimiter, list]) = arg
            .as_array()
            .and_then(|l| <&[Json; 2]>::try_from(l.as_slice()).ok())
        else {
            return Value::Unknown(None);
        };
        let (Value::String(delimiter), Value::List(items)) = (self.arg(delimiter), self.arg(list))
        else {
            return Value::Unknown(None);
        };
        match items.iter().map(text).collect::<Option<Vec<String>>>() {
            Some(parts) => Value::string(&parts.join(&delimiter)),
            None => Value::Unknown(None),
        }
    }

    fn select(&mut self, arg: &Json) -> Value {
        let Some([index, list]) = arg
            .as_array()
            .and_then(|l| <&[Json; 2]>::try_from(l.as_slice()).ok())
        else {
            return Value::Unknown(None);
        };
        let index = match self.arg(index) {
            Value::Number(n) if n >= 0.0 && n.fract() == 0.0 => Some(n),
            Value::String(s) => s.trim().parse::<f64>().ok(),
            _ => None,
        };
        match (index, self.arg(list)) {
            #[allow(
                clippy::cast_possible_truncation,
                clippy::cast_sign_loss,
                reason = "a whole, non-negative index"
            )]
            (Some(i), Value::List(items)) if i >= 0.0 && i.fract() == 0.0 => items
                .get(i as usize)
                .cloned()
                .unwrap_or(Value::Unknown(None)),
            _ => Value::Unknown(None),
        }
    }

    fn split(&mut self, arg: &Json) -> Value {
        let Some([delimiter, source]) = arg
            .as_array()
            .and_then(|l| <&[Json; 2]>::try_from(l.as_slice()).ok())
        else {
            return Value::Unknown(None);
        };
        match (self.arg(delimiter), self.arg(source)) {
            (Value::String(d), Value::String(s)) if !d.is_empty() => {
                Value::list(s.split(d.as_str()).map(Value::string).collect())
            }
            _ => Value::Unknown(None),
        }
    }

    /// `Fn::Sub`: a string, or `[string, {name: value}]`. `${Name}` is a
    /// variable, a parameter or a `Fn::ForEach` identifier; `${!Literal}`
    /// is `${Literal}`; anything else (`${AWS::Region}`, `${Res.Arn}`)
    /// makes the result unknown.
    fn sub(&mut self, arg: &Json) -> Value {
        let (template, vars) = match arg {
            Json::String(s) => (s.as_str(), None),
            Json::Array(l) => match l.as_slice() {
                [Json::String(s), Json::Object(vars)] => (s.as_str(), Some(vars)),
                [Json::String(s)] => (s.as_str(), None),
                _ => return Value::Unknown(None),
            },
            _ => return Value::Unknown(None),
        };
        let mut values = HashMap::new();
        for (k, v) in vars.into_iter().flatten() {
            values.insert(k.as_str(), self.arg(v));
        }
        let mut out = String::with_capacity(template.len());
        let mut rest = template;
        while let Some(i) = rest.find("${") {
            out.push_str(rest.get(..i).unwrap_or_default());
            let after = rest.get(i + 2..).unwrap_or_default();
            if let Some(literal) = after.strip_prefix('!') {
                out.push_str("${");
                rest = literal;
                continue;
            }
            let Some(end) = after.find('}') else {
                out.push_str(rest.get(i..).unwrap_or_default());
                rest = "";
                break;
            };
            let name = after.get(..end).unwrap_or_default().trim();
            rest = after.get(end + 1..).unwrap_or_default();
            let value = match values.get(name) {
                Some(v) => v.clone(),
                None if name.contains('.') => Value::Unknown(None),
                None => self.reference(name).unwrap_or(Value::Unknown(None)),
            };
            match text(&value) {
                Some(t) => out.push_str(&t),
                None => return Value::Unknown(None),
            }
        }
        out.push_str(rest);
        Value::string(&out)
    }

    /// `Fn::FindInMap: [map, top-level key, second-level key]`, with an
    /// optional `{DefaultValue: v}` (language extensions).
    fn find_in_map(&mut self, arg: &Json, keys: Keys) -> Option<Value> {
        let Some(list) = arg.as_array() else {
            return Some(Value::Unknown(None));
        };
        let (names, default) = match list.as_slice() {
            [a, b, c] => ([a, b, c], None),
            [a, b, c, Json::Object(d)] => ([a, b, c], d.get("DefaultValue")),
            _ => return Some(Value::Unknown(None)),
        };
        let mut texts = Vec::with_capacity(3);
        for n in names {
            match text(&self.arg(n)) {
                Some(t) => texts.push(t),
                None => return Some(Value::Unknown(None)),
            }
        }
        let found = match texts.as_slice() {
            [map, top, second] => self
                .t
                .mappings
                .and_then(|m| m.get(map))
                .and_then(|m| m.get(top))
                .and_then(|m| m.get(second)),
            _ => None,
        };
        match (found, default) {
            (Some(v), _) | (None, Some(v)) => self.eval(v, keys),
            (None, None) => Some(Value::Unknown(None)),
        }
    }

    /// A named condition, decided once.
    fn condition(&mut self, name: &str) -> Option<bool> {
        if let Some(known) = self.conditions.get(name) {
            return *known;
        }
        if self.pending.contains(name) || self.pending.len() >= MAX_CONDITION_CHAIN {
            return None;
        }
        let def = self.t.conditions.and_then(|c| c.get(name))?;
        self.pending.insert(name.to_string());
        let record = std::mem::replace(&mut self.record, false);
        let secret = self.secret;
        let r = self.truth(def);
        self.secret = secret;
        self.record = record;
        self.pending.remove(name);
        self.conditions.insert(name.to_string(), r);
        r
    }

    /// A condition function's truth, `None` when the template does not
    /// decide it.
    fn truth(&mut self, v: &Json) -> Option<bool> {
        if self.depth >= MAX_EVAL_DEPTH {
            return None;
        }
        self.depth += 1;
        let r = self.truth_node(v);
        self.depth -= 1;
        r
    }

    fn truth_node(&mut self, v: &Json) -> Option<bool> {
        match v {
            Json::Bool(b) => return Some(*b),
            Json::String(s) if s == "true" || s == "false" => return Some(s == "true"),
            _ => {}
        }
        let o = v.as_object().filter(|o| o.len() == 1)?;
        let (name, arg) = o.iter().next()?;
        let args = arg.as_array();
        match name.as_str() {
            "Condition" => arg.as_str().and_then(|c| self.condition(c)),
            "Fn::Equals" => match args?.as_slice() {
                [a, b] => {
                    let a = self.arg(a);
                    let b = self.arg(b);
                    loose_equals(&a, &b)
                }
                _ => None,
            },
            "Fn::Not" => match args?.as_slice() {
                [c] => self.truth(c).map(|b| !b),
                _ => None,
            },
            "Fn::And" | "Fn::Or" => {
                let all = name == "Fn::And";
                let mut undecided = false;
                for c in args? {
                    match self.truth(c) {
                        Some(b) if b != all => return Some(b),
                        Some(_) => {}
                        None => undecided = true,
                    }
                }
                if undecided { None } else { Some(all) }
            }
            _ => match self.arg(v) {
                Value::Bool(b) => Some(b),
                _ => None,
            },
        }
    }
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
    use serde_json::json;

    fn one(doc: Json) -> Vec<Resource> {
        assert!(looks_like(&doc), "{doc}");
        import(Path::new("t.json"), &doc).unwrap()
    }

    #[test]
    fn type_names() {
        assert_eq!(type_name("AWS::S3::Bucket").unwrap(), "cfn_aws_s3_bucket");
        assert_eq!(
            type_name("AWS::Config::ConfigRule").unwrap(),
            "cfn_aws_config_config_rule"
        );
        assert_eq!(
            type_name("AWS::EC2::SecurityGroup").unwrap(),
            "cfn_aws_ec2_security_group"
        );
        assert_eq!(
            type_name("AWS::ElasticLoadBalancingV2::LoadBalancer").unwrap(),
            "cfn_aws_elastic_load_balancing_v2_load_balancer"
        );
        assert_eq!(
            type_name("AWS::RDS::DBInstance").unwrap(),
            "cfn_aws_rds_db_instance"
        );
        assert_eq!(
            type_name("Custom::My-Thing").unwrap(),
            "cfn_custom_my_thing"
        );
        assert_eq!(
            type_name("Acme::Net::Vpc::MODULE").unwrap(),
            "cfn_acme_net_vpc_module"
        );
        assert_eq!(type_name("AWS::Foo").unwrap(), "cfn_aws_foo");
        assert_eq!(type_name("Bucket"), None);
        assert_eq!(type_name("AWS::::Bucket"), None);
    }

    #[test]
    fn detection() {
        assert!(looks_like(
            &json!({"AWSTemplateFormatVersion": "2010-09-09"})
        ));
        assert!(looks_like(
            &json!({"Resources": {"B": {"Type": "AWS::S3::Bucket"}}})
        ));
        assert!(!looks_like(
            &json!({"Resources": {"B": {"Type": "Bucket"}}})
        ));
        assert!(!looks_like(&json!({"Resources": []})));
        assert!(!looks_like(&json!({"resources": []})));
        assert!(!looks_like(
            &json!({"resourceType": "AWS::S3::Bucket", "configuration": {}})
        ));
        assert!(!looks_like(&json!([1])));
    }

    #[test]
    fn properties_and_cfn_attributes() {
        let rs = one(json!({
            "Resources": {
                "Logs": {
                    "Type": "AWS::S3::Bucket",
                    "Condition": "IsProd",
                    "DependsOn": "Key",
                    "DeletionPolicy": "Retain",
                    "Metadata": {"cfn_nag": {"rules_to_suppress": [{"id": "W35"}]}},
                    "Properties": {
                        "BucketName": "acme-logs",
                        "VersioningConfiguration": {"Status": "Enabled"},
                        "Tags": [{"Key": "CostCenter", "Value": "42"}]
                    }
                }
            }
        }));
        assert_eq!(rs.len(), 1);
        let r = &rs[0];
        assert_eq!(
            (r.type_.as_str(), r.id.as_str()),
            ("cfn_aws_s3_bucket", "Logs")
        );
        assert_eq!(r.address.as_deref(), Some("Logs"));
        assert_eq!(r.provider.as_deref(), Some("aws"));
        let custom = one(
            json!({"Resources": {"C": {"Type": "Custom::Thing"}, "B": {"Type": "AWS::SNS::Topic"}}}),
        );
        assert_eq!(custom[1].provider.as_deref(), Some("cloudformation"));
        let s = r.source.as_ref().unwrap();
        assert_eq!(
            (s.line, s.format.as_deref()),
            (None, Some("cloudformation"))
        );
        assert_eq!(
            r.attributes.to_json(),
            json!({
                "bucket_name": "acme-logs",
                "versioning_configuration": {"status": "Enabled"},
                "tags": [{"key": "CostCenter", "value": "42"}],
                "cfn": {
                    "logical_id": "Logs",
                    "type": "AWS::S3::Bucket",
                    "condition": "IsProd",
                    "depends_on": ["Key"],
                    "deletion_policy": "Retain",
                    "metadata": {"cfn_nag": {"rules_to_suppress": [{"id": "W35"}]}}
                }
            })
        );
    }

    #[test]
    fn parameters_conditions_and_functions() {
        let rs = one(json!({
            "AWSTemplateFormatVersion": "2010-09-09",
            "Parameters": {
                "Env": {"Type": "String", "Default": "prod"},
                "Days": {"Type": "Number", "Default": 90},
                "Cidrs": {"Type": "CommaDelimitedList", "Default": "10.0.0.0/8, 192.168.0.0/16"},
                "Ami": {"Type": "AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>", "Default": "/aws/ami"},
                "Owner": {"Type": "String"},
                "Password": {"Type": "String", "NoEcho": true, "Default": "hunter2"}
            },
            "Mappings": {"Sizes": {"prod": {"Instance": "m5.large"}}},
            "Conditions": {
                "IsProd": {"Fn::Equals": [{"Ref": "Env"}, "prod"]},
                "NotProd": {"Fn::Not": [{"Condition": "IsProd"}]},
                "Both": {"Fn::And": [{"Condition": "IsProd"}, {"Fn::Equals": ["90", {"Ref": "Days"}]}]},
                "Unknowable": {"Fn::Equals": [{"Ref": "Owner"}, "me"]},
                "Loop": {"Condition": "Loop"}
            },
            "Resources": {
                "R": {
                    "Type": "Custom::Thing",
                    "Properties": {
                        "Env": {"Ref": "Env"},
                        "Days": {"Ref": "Days"},
                        "Cidrs": {"Ref": "Cidrs"},
                        "Ami": {"Ref": "Ami"},
                        "Owner": {"Ref": "Owner"},
                        "Region": {"Ref": "AWS::Region"},
                        "Other": {"Ref": "Q"},
                        "Arn": {"Fn::GetAtt": ["Q", "Arn"]},
                        "Size": {"Fn::If": ["IsProd", {"Fn::FindInMap": ["Sizes", {"Ref": "Env"}, "Instance"]}, "t3.micro"]},
                        "Gone": {"Fn::If": ["NotProd", "x", {"Ref": "AWS::NoValue"}]},
                        "Both": {"Fn::If": ["Both", true, false]},
                        "Maybe": {"Fn::If": ["Unknowable", 1, 2]},
                        "Loop": {"Fn::If": ["Loop", 1, 2]},
                        "List": ["a", {"Ref": "AWS::NoValue"}, "b"],
                        "Name": {"Fn::Sub": "${Env}-logs-${!Literal}"},
                        "Vars": {"Fn::Sub": ["${X}/${Days}", {"X": {"Fn::Join": ["-", ["a", {"Ref": "Env"}]]}}]},
                        "Here": {"Fn::Sub": "${AWS::Region}-x"},
                        "First": {"Fn::Select": [1, {"Fn::Split": [",", "a,b,c"]}]},
                        "Data": {"Fn::Base64": "hi!"},
                        "Secret": {"Fn::Join": [":", ["user", {"Ref": "Password"}]]},
                        "Nested": {"Inner": {"Ref": "Password"}}
                    }
                }
            }
        }));
        let r = &rs[0];
        assert_eq!(r.type_.as_str(), "cfn_custom_thing");
        let a = &r.attributes;
        let get = |k: &str| a.field(k);
        assert_eq!(get("env"), Value::string("prod"));
        assert_eq!(get("days"), Value::Number(90.0));
        assert_eq!(
            get("cidrs").to_json(),
            json!(["10.0.0.0/8", "192.168.0.0/16"])
        );
        for k in [
            "ami", "owner", "region", "other", "arn", "maybe", "loop", "here",
        ] {
            assert!(get(k).is_unknown(), "{k}: {:?}", get(k));
        }
        assert_eq!(get("size"), Value::string("m5.large"));
        assert!(!a.to_json().as_object().unwrap().contains_key("gone"));
        assert_eq!(get("both"), Value::Bool(true));
        assert_eq!(get("list").to_json(), json!(["a", "b"]));
        assert_eq!(get("name"), Value::string("prod-logs-${Literal}"));
        assert_eq!(get("vars"), Value::string("a-prod/90"));
        assert_eq!(get("first"), Value::string("b"));
        assert_eq!(get("data"), Value::string("aGkh"));
        assert_eq!(get("secret"), Value::string("user:hunter2"));
        assert_eq!(r.sensitive, vec!["/nested/inner", "/secret"]);
    }

    #[test]
    fn policy_documents_and_tag_maps_keep_their_keys() {
        let rs = one(json!({
            "Resources": {
                "P": {
                    "Type": "AWS::IAM::Role",
                    "Properties": {
                        "AssumeRolePolicyDocument": {
                            "Version": "2012-10-17",
                            "Statement": [{"Effect": "Allow", "Condition": {"Bool": {"aws:SecureTransport": "true"}}}]
                        },
                        "Tags": {"CostCenter": "1"},
                        "LaunchTemplateData": {"TagSpecifications": [{"Tags": [{"Key": "A", "Value": {"Ref": "AWS::StackName"}}]}]}
                    }
                }
            }
        }));
        let a = rs[0].attributes.to_json();
        assert_eq!(
            a["assume_role_policy_document"]["Statement"][0]["Condition"]["Bool"]["aws:SecureTransport"],
            json!("true")
        );
        assert_eq!(a["tags"], json!({"CostCenter": "1"}));
        let spec = rs[0]
            .attributes
            .field("launch_template_data")
            .field("tag_specifications");
        assert_eq!(spec.to_json()[0]["tags"][0]["key"], json!("A"));
        assert!(spec.to_json()[0]["tags"][0]["value"] == json!("(known after apply)"));
    }

    #[test]
    fn for_each_is_expanded_over_a_known_collection() {
        let rs = one(json!({
            "Transform": "AWS::LanguageExtensions",
            "Parameters": {"Names": {"Type": "CommaDelimitedList", "Default": "a-1,b"}},
            "Resources": {
                "Fn::ForEach::Buckets": ["Name", {"Ref": "Names"}, {
                    "Bucket&{Name}": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": {"Fn::Sub": "logs-${Name}"}, "Tag": {"Ref": "Name"}}}
                }],
                "Plain": {"Type": "AWS::SNS::Topic"}
            }
        }));
        let ids: Vec<&str> = rs.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["Bucketa1", "Bucketb", "Plain"]);
        assert_eq!(
            rs[0].attributes.field("bucket_name"),
            Value::string("logs-a-1")
        );
        assert_eq!(rs[1].attributes.field("tag"), Value::string("b"));
        let e = import(
            Path::new("t.json"),
            &json!({"Resources": {"Fn::ForEach::X": ["N", {"Ref": "Nope"}, {}], "B": {"Type": "AWS::S3::Bucket"}}}),
        )
        .unwrap_err();
        assert!(e.message.contains("/Resources/Fn::ForEach::X"), "{e}");
    }

    #[test]
    fn errors_name_the_pointer() {
        let bad = |doc: Json, want: &str| {
            let e = import(Path::new("t.json"), &doc).unwrap_err();
            assert!(e.message.contains(want), "{want}: {e}");
            assert_eq!(e.line, 0);
        };
        bad(
            json!({"AWSTemplateFormatVersion": "2010-09-09", "Resources": []}),
            "/Resources: a template's `Resources` is a mapping",
        );
        bad(
            json!({"AWSTemplateFormatVersion": "2010-09-09"}),
            "no `Resources`",
        );
        bad(
            json!({"Resources": {"A": {"Type": "AWS::S3::Bucket"}, "B": {"Properties": {}}}}),
            "/Resources/B: the resource has no `Type`",
        );
        bad(
            json!({"Resources": {"A": {"Type": "AWS::S3::Bucket"}, "B": {"Type": 5}}}),
            "/Resources/B/Type",
        );
        bad(
            json!({"Resources": {"A": {"Type": "AWS::S3::Bucket"}, "B": {"Type": "Bucket"}}}),
            "/Resources/B/Type: `Bucket` is not a resource type",
        );
        bad(
            json!({"Resources": {"A": {"Type": "AWS::S3::Bucket", "Properties": []}}}),
            "/Resources/A: `Properties` is a mapping",
        );
        bad(
            json!({"Resources": {"A": {"Type": "AWS::S3::Bucket"}, "a/b": 7}}),
            "/Resources/a~1b: a resource must be an object",
        );
        bad(
            json!({"Parameters": [], "Resources": {"A": {"Type": "AWS::S3::Bucket"}}}),
            "/Parameters",
        );
    }

    #[test]
    fn yaml_templates_have_lines() {
        let text = "AWSTemplateFormatVersion: '2010-09-09'\nParameters:\n  Env: {Type: String, Default: prod}\nResources:\n  Bucket:\n    Type: AWS::S3::Bucket\n    Properties:\n      BucketName: !Sub '${Env}-logs'\n      Arn: !GetAtt Other.Arn\n  Broken:\n    Properties: {}\n";
        let docs = crate::yaml::parse_documents(Path::new("t.yaml"), text.as_bytes()).unwrap();
        let e = import_yaml(Path::new("t.yaml"), &docs[0]).unwrap_err();
        assert_eq!(e.line, 11, "{e}");
        assert!(
            e.message
                .contains("/Resources/Broken: the resource has no `Type`"),
            "{e}"
        );
        let fixed = text.replace("  Broken:\n    Properties: {}\n", "");
        let docs = crate::yaml::parse_documents(Path::new("t.yaml"), fixed.as_bytes()).unwrap();
        let rs = import_yaml(Path::new("t.yaml"), &docs[0]).unwrap();
        assert_eq!(rs[0].source.as_ref().unwrap().line, Some(6));
        assert_eq!(
            rs[0].attributes.field("bucket_name"),
            Value::string("prod-logs")
        );
        assert!(rs[0].attributes.field("arn").is_unknown());
    }

    #[test]
    fn deep_and_cyclic_input_is_bounded() {
        let mut v = json!("x");
        for _ in 0..120 {
            v = json!({"Fn::If": ["C", v, "y"]});
        }
        let mut conditions = Map::new();
        for i in 0..200 {
            conditions.insert(format!("C{i}"), json!({"Condition": format!("C{}", i + 1)}));
        }
        conditions.insert("C".into(), json!({"Fn::Equals": ["a", "a"]}));
        let rs = one(json!({
            "Conditions": conditions,
            "Resources": {"R": {"Type": "AWS::S3::Bucket", "Properties": {"V": v, "W": {"Fn::If": ["C0", 1, 2]}}}}
        }));
        assert_eq!(rs[0].attributes.field("v"), Value::string("x"));
        assert!(rs[0].attributes.field("w").is_unknown());
    }

    #[test]
    fn base64_encodes() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"#!/bin/sh\n"), "IyEvYmluL3NoCg==");
    }
}
