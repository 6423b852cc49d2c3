//! The implementations of the built-ins declared in [`crate::builtins`],
//! over the runtime's values. docs/builtins.md documents each; the tests
//! below and the conformance suite check them.
//!
//! Shared rules: an unknown argument makes the result unknown; a `null` where text or a list is expected gives `null`, or
//! `false` for a predicate and `0` for a count. Anything else that does not
//! fit is an evaluation error, never a panic.

use std::cell::RefCell;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Arc;

use ipnet::IpNet;
use plumb_runtime::value::{Object, Str, Value};
use plumb_runtime::vm::{BuiltinError, Builtins, CallContext};

use crate::builtins::BUILTINS;

/// The standard built-in table.
#[derive(Debug, Default, Clone, Copy)]
pub struct StdBuiltins;

impl StdBuiltins {
    pub fn shared() -> Arc<dyn Builtins> {
        Arc::new(StdBuiltins)
    }
}

impl Builtins for StdBuiltins {
    fn resolve(&self, name: &str) -> Option<u32> {
        BUILTINS
            .binary_search_by(|b| b.name.cmp(name))
            .ok()
            .and_then(|i| u32::try_from(i).ok())
    }

    fn call(&self, id: u32, args: &[Value], ctx: &CallContext) -> Result<Value, BuiltinError> {
        let Some(b) = BUILTINS.get(id as usize) else {
            return Err(BuiltinError::UnknownId(id));
        };
        call(b.name, args, ctx).map_err(BuiltinError::Argument)
    }
}

type R = Result<Value, String>;

/// Calls the built-in `name`.
pub fn call(name: &str, args: &[Value], ctx: &CallContext) -> R {
    // `coalesce` is decided by its first argument that is not null: an
    // unknown after it does not matter.
    if name == "coalesce" {
        return Ok(coalesce(args));
    }
    if args.iter().any(Value::is_unknown) {
        return Ok(Value::Unknown(None));
    }
    let a = arg(args, 0);
    let b = arg(args, 1);
    match name {
        "type_of" => Ok(Value::String(Str::new_static(a.type_name().as_str()))),
        "exists" => Ok(Value::Bool(!a.is_null())),
        "length" | "count" => length(name, a),
        "lower" => text_map(name, a, |s| s.to_lowercase()),
        "upper" => text_map(name, a, |s| s.to_uppercase()),
        "trim" => text_map(name, a, |s| s.trim().to_string()),
        "starts_with" => text_pred(name, a, b, |s, p| s.starts_with(p)),
        "ends_with" => text_pred(name, a, b, |s, p| s.ends_with(p)),
        "contains" => Ok(match a {
            Value::Null => Value::Bool(false),
            Value::List(_) | Value::Object(_) | Value::String(_) => {
                plumb_runtime::vm::contains(a, b)
            }
            other => return Err(wrong(name, "a string, list or object", other)),
        }),
        "split" => match (a, b) {
            (Value::Null, _) | (_, Value::Null) => Ok(Value::Null),
            (Value::String(s), Value::String(sep)) => {
                if sep.is_empty() {
                    return Ok(Value::list(
                        s.chars()
                            .map(|c| Value::string(c.encode_utf8(&mut [0; 4])))
                            .collect(),
                    ));
                }
                Ok(Value::list(
                    s.split(sep.as_str()).map(Value::string).collect(),
                ))
            }
            (Value::String(_), other) | (other, _) => Err(wrong(name, "a string", other)),
        },
        "join" => match (a, b) {
            (Value::Null, _) | (_, Value::Null) => Ok(Value::Null),
            (Value::List(items), Value::String(sep)) => {
                let parts: Vec<String> = items.iter().map(Value::display).collect();
                Ok(Value::string(&parts.join(sep)))
            }
            (Value::List(_), other) => Err(wrong(name, "a string separator", other)),
            (other, _) => Err(wrong(name, "a list", other)),
        },
        "format" => format(a, args.get(1..).unwrap_or_default()),
        "replace" => match (a, b, arg(args, 2)) {
            (Value::Null, _, _) | (_, Value::Null, _) | (_, _, Value::Null) => Ok(Value::Null),
            (Value::String(text), Value::String(old), Value::String(new)) => {
                replace(text, old, new)
            }
            (Value::String(_), Value::String(_), other)
            | (Value::String(_), other, _)
            | (other, _, _) => Err(wrong(name, "a string", other)),
        },
        "substr" => substr(a, b, args.get(2)),
        "sort" => list_arg(name, a, sort),
        "unique" => list_arg(name, a, unique),
        "flatten" => list_arg(name, a, flatten),
        "to_string" => Ok(Value::string(&a.display())),
        "to_number" => Ok(match a {
            Value::Number(_) => a.clone(),
            Value::String(s) => match s.trim().parse::<f64>() {
                Ok(n) if n.is_finite() && !s.trim().is_empty() => Value::Number(n),
                _ => Value::Null,
            },
            _ => Value::Null,
        }),
        "keys" => match a {
            Value::Null => Ok(Value::Null),
            Value::Object(o) => Ok(Value::list(
                o.keys().map(|k| Value::String(k.clone())).collect(),
            )),
            other => Err(wrong(name, "an object", other)),
        },
        "values" => match a {
            Value::Null => Ok(Value::Null),
            Value::Object(o) => Ok(Value::list(o.values().cloned().collect())),
            other => Err(wrong(name, "an object", other)),
        },
        "min" | "max" | "sum" => numbers(name, a),
        "json_decode" => match a {
            Value::Null => Ok(Value::Null),
            Value::String(s) => Ok(match serde_json::from_str::<serde_json::Value>(s) {
                Ok(v) => Value::from_json(&v),
                Err(_) => Value::Null,
            }),
            other => Err(wrong(name, "a string", other)),
        },
        "matches" => match (a, b) {
            (Value::Null, _) | (_, Value::Null) => Ok(Value::Bool(false)),
            (Value::String(text), Value::String(pattern)) => {
                with_regex(pattern, |re| Value::Bool(re.is_match(text)))
            }
            (Value::String(_), other) => Err(wrong(name, "a pattern string", other)),
            (other, _) => Err(wrong(name, "a string", other)),
        },
        "capture" => match (a, b) {
            (Value::Null, _) | (_, Value::Null) => Ok(Value::Null),
            (Value::String(text), Value::String(pattern)) => with_regex(pattern, |re| {
                re.captures(text).map_or(Value::Null, |caps| {
                    Value::list(
                        caps.iter()
                            .skip(1)
                            .map(|m| m.map_or(Value::Null, |m| Value::string(m.as_str())))
                            .collect(),
                    )
                })
            }),
            (Value::String(_), other) => Err(wrong(name, "a pattern string", other)),
            (other, _) => Err(wrong(name, "a string", other)),
        },
        "glob_match" => match (a, b) {
            (Value::Null, _) | (_, Value::Null) => Ok(Value::Bool(false)),
            (Value::String(text), Value::String(pattern)) => match compile_glob(pattern) {
                Ok(p) => Ok(Value::Bool(p.matches(text))),
                Err(e) => Err(format!("`{pattern}` is not a glob pattern: {e}")),
            },
            (Value::String(_), other) => Err(wrong(name, "a pattern string", other)),
            (other, _) => Err(wrong(name, "a string", other)),
        },
        "cidr_contains" | "cidr_overlaps" => match (a, b) {
            (Value::Null, _) | (_, Value::Null) => Ok(Value::Null),
            (Value::String(x), Value::String(y)) => {
                let (x, y) = (net(x)?, net(y)?);
                Ok(Value::Bool(if name == "cidr_contains" {
                    x.contains(&y)
                } else {
                    x.contains(&y.network()) || y.contains(&x.network())
                }))
            }
            (Value::String(_), other) | (other, _) => Err(wrong(name, "a CIDR string", other)),
        },
        "cidr_is_public" => match a {
            Value::Null => Ok(Value::Null),
            Value::String(s) => Ok(Value::Bool(is_public(&net(s)?))),
            other => Err(wrong(name, "a CIDR string", other)),
        },
        "time_parse" => match a {
            Value::Null => Ok(Value::Null),
            Value::String(s) => Ok(timestamp(s).map_or(Value::Null, Value::Number)),
            other => Err(wrong(name, "a string", other)),
        },
        "time_before" | "time_after" => match (a, b) {
            (Value::Null, _) | (_, Value::Null) => Ok(Value::Bool(false)),
            (Value::String(x), Value::String(y)) => {
                Ok(Value::Bool(match (timestamp(x), timestamp(y)) {
                    (Some(tx), Some(ty)) if name == "time_before" => tx < ty,
                    (Some(tx), Some(ty)) => tx > ty,
                    // Text that is not a timestamp is before and after nothing.
                    _ => false,
                }))
            }
            (Value::String(_), other) | (other, _) => Err(wrong(name, "a timestamp string", other)),
        },
        "data" => match a {
            Value::String(key) => match data_read(&ctx.data, key) {
                Ok(v) => Ok(v),
                // A default stands in for what is missing, never for data
                // shaped otherwise than the rule expects.
                Err(DataMiss::Missing(_)) if args.len() > 1 => Ok(b.clone()),
                Err(DataMiss::Missing(e) | DataMiss::NotAnObject(e)) => Err(e),
            },
            other => Err(wrong(name, "a key string", other)),
        },
        "age_days" => match a {
            Value::Null => Ok(Value::Null),
            Value::String(s) => Ok(timestamp(s).map_or(Value::Null, |t| {
                Value::Number(((ctx.now - t) / 86_400.0).floor())
            })),
            other => Err(wrong(name, "a string", other)),
        },
        "semver_compare" => match (a, b) {
            (Value::Null, _) | (_, Value::Null) => Ok(Value::Null),
            (Value::String(x), Value::String(y)) => {
                let vx = version(x)?;
                let vy = version(y)?;
                // Precedence ignores build metadata (SemVer 2.0.0, 10).
                Ok(Value::Number(match vx.cmp_precedence(&vy) {
                    std::cmp::Ordering::Less => -1.0,
                    std::cmp::Ordering::Equal => 0.0,
                    std::cmp::Ordering::Greater => 1.0,
                }))
            }
            (Value::String(_), other) | (other, _) => Err(wrong(name, "a version string", other)),
        },
        _ => Err(format!(
            "`{name}` takes a lambda and is not called directly"
        )),
    }
}

/// Why `data(key)` found no value: the key is not there (a default may
/// stand in), or a step of the path is not an object (always an error).
enum DataMiss {
    Missing(String),
    NotAnObject(String),
}

/// The value rules read as `data(key)`: `key` is a name, or a dotted path
/// into nested objects (`thresholds.max_age`). Where a step is missing the
/// error names it and what there is instead.
fn data_read(data: &Value, key: &str) -> Result<Value, DataMiss> {
    let mut at = data;
    let mut walked = String::new();
    for step in key.split('.') {
        let Value::Object(o) = at else {
            return Err(if walked.is_empty() {
                DataMiss::Missing(
                    "no data was given (pass a file with --data, or set `data` in plumb.toml)"
                        .to_string(),
                )
            } else {
                DataMiss::NotAnObject(format!(
                    "`{walked}` in the data is {}, not an object",
                    at.type_name().as_str()
                ))
            });
        };
        let Some(next) = o.get(step) else {
            let known: Vec<String> = o.keys().map(|k| format!("`{k}`")).collect();
            let path = if walked.is_empty() {
                step.to_string()
            } else {
                format!("{walked}.{step}")
            };
            return Err(DataMiss::Missing(format!(
                "the data has no `{path}`{}",
                if known.is_empty() {
                    String::new()
                } else {
                    format!(" (it has {})", known.join(", "))
                }
            )));
        };
        if !walked.is_empty() {
            walked.push('.');
        }
        walked.push_str(step);
        at = next;
    }
    Ok(at.clone())
}

fn arg(args: &[Value], i: usize) -> &Value {
    static NULL: Value = Value::Null;
    args.get(i).unwrap_or(&NULL)
}

fn wrong(name: &str, expected: &str, found: &Value) -> String {
    format!(
        "`{name}` expects {expected}, found a {}",
        found.type_name().as_str()
    )
}

fn length(name: &str, v: &Value) -> R {
    Ok(Value::Number(match v {
        Value::Null => 0.0,
        Value::String(s) => s.chars().count() as f64,
        Value::List(l) => l.len() as f64,
        Value::Object(o) => o.len() as f64,
        other => return Err(wrong(name, "a string, list or object", other)),
    }))
}

fn text_map(name: &str, v: &Value, f: impl Fn(&str) -> String) -> R {
    match v {
        Value::Null => Ok(Value::Null),
        Value::String(s) => Ok(Value::String(Str::from(f(s)))),
        other => Err(wrong(name, "a string", other)),
    }
}

fn text_pred(name: &str, a: &Value, b: &Value, f: impl Fn(&str, &str) -> bool) -> R {
    match (a, b) {
        (Value::Null, _) | (_, Value::Null) => Ok(Value::Bool(false)),
        (Value::String(x), Value::String(y)) => Ok(Value::Bool(f(x, y))),
        (Value::String(_), other) | (other, _) => Err(wrong(name, "a string", other)),
    }
}

fn numbers(name: &str, v: &Value) -> R {
    let items = match v {
        Value::Null => return Ok(Value::Null),
        Value::List(l) => l,
        other => return Err(wrong(name, "a list of numbers", other)),
    };
    let mut acc: Option<f64> = None;
    for item in items.iter() {
        let Value::Number(n) = item else {
            return Err(format!(
                "`{name}` expects a list of numbers, found a {} in it",
                item.type_name().as_str()
            ));
        };
        acc = Some(match (acc, name) {
            (None, _) => *n,
            (Some(a), "min") => a.min(*n),
            (Some(a), "max") => a.max(*n),
            (Some(a), _) => a + n,
        });
    }
    match acc {
        Some(n) if n.is_finite() => Ok(Value::Number(n)),
        Some(_) => Err("number out of range".to_string()),
        None if name == "sum" => Ok(Value::Number(0.0)),
        None => Ok(Value::Null),
    }
}

fn format(template: &Value, values: &[Value]) -> R {
    let Value::String(t) = template else {
        if template.is_null() {
            return Ok(Value::Null);
        }
        return Err(wrong("format", "a template string", template));
    };
    let pieces: Vec<&str> = t.split("{}").collect();
    let holes = pieces.len() - 1;
    if holes != values.len() {
        return Err(format!(
            "`format` template has {holes} `{{}}` but {} value{} were given",
            values.len(),
            if values.len() == 1 { "" } else { "s" }
        ));
    }
    let mut out = String::new();
    for (i, piece) in pieces.iter().enumerate() {
        out.push_str(piece);
        if let Some(v) = values.get(i) {
            out.push_str(&v.display());
        }
    }
    Ok(Value::String(Str::from(out)))
}

/// The longest string `replace` builds: text from a snapshot is far
/// shorter, and a replacement repeated at every match must not be able to
/// exhaust memory.
pub const MAX_REPLACE_BYTES: usize = 1 << 24;

/// Every occurrence of `old`, left to right and not overlapping, replaced by
/// `new`. An empty `old` matches before every character and at the end.
fn replace(text: &str, old: &str, new: &str) -> R {
    let matches = if old.is_empty() {
        text.chars().count() + 1
    } else {
        text.matches(old).count()
    };
    // The matches do not overlap, so they are at most the whole text.
    let kept = text.len().saturating_sub(matches.saturating_mul(old.len()));
    let size = matches
        .checked_mul(new.len())
        .and_then(|added| kept.checked_add(added));
    match size {
        Some(n) if n <= MAX_REPLACE_BYTES => Ok(Value::String(Str::from(text.replace(old, new)))),
        _ => Err(format!(
            "`replace` would build a string longer than {MAX_REPLACE_BYTES} bytes"
        )),
    }
}

/// `substr(text, start, length?)`, by characters.
fn substr(text: &Value, start: &Value, length: Option<&Value>) -> R {
    if text.is_null() || start.is_null() || length.is_some_and(Value::is_null) {
        return Ok(Value::Null);
    }
    let Value::String(s) = text else {
        return Err(wrong("substr", "a string", text));
    };
    let start = char_count("start", start)?;
    let chars = s.chars().skip(start);
    Ok(Value::String(Str::from(match length {
        None => chars.collect::<String>(),
        Some(n) => chars.take(char_count("length", n)?).collect::<String>(),
    })))
}

/// A position or length in characters: a whole number, 0 or more. Past
/// `usize::MAX` it saturates, which is past the end of any string.
fn char_count(what: &str, v: &Value) -> Result<usize, String> {
    match v {
        Value::Number(n) if *n >= 0.0 && n.fract() == 0.0 => Ok(if *n >= usize::MAX as f64 {
            usize::MAX
        } else {
            *n as usize
        }),
        Value::Number(_) => Err(format!(
            "`substr` {what} must be a whole number, 0 or more, found {}",
            v.literal()
        )),
        other => Err(wrong("substr", &format!("a number as {what}"), other)),
    }
}

/// The list functions: `null` gives `null`, anything but a list is an error.
fn list_arg(name: &str, v: &Value, f: impl FnOnce(&[Value]) -> Value) -> R {
    match v {
        Value::Null => Ok(Value::Null),
        Value::List(items) => Ok(f(items)),
        other => Err(wrong(name, "a list", other)),
    }
}

/// The first argument that is not null. An unknown before it may be null
/// after apply, so the result is unknown; it keeps its symbol only if it is
/// the result either way (every later argument is null).
fn coalesce(args: &[Value]) -> Value {
    for (i, a) in args.iter().enumerate() {
        match a {
            Value::Null => {}
            Value::Unknown(_) => {
                let rest = args.get(i + 1..).unwrap_or_default();
                return if rest.iter().all(Value::is_null) {
                    a.clone()
                } else {
                    Value::Unknown(None)
                };
            }
            other => return other.clone(),
        }
    }
    Value::Null
}

/// Ascending by [`Value::total_cmp`]: by type (null, bool, number, string,
/// list, object), then by value. An unknown element's place is unknown.
fn sort(items: &[Value]) -> Value {
    if items.len() > 1 && items.iter().any(Value::contains_unknown) {
        return Value::Unknown(None);
    }
    let mut sorted = items.to_vec();
    sorted.sort_by(Value::total_cmp);
    Value::list(sorted)
}

/// The first occurrence of each value, in order, by deep typed equality.
/// Values without unknowns are grouped by sorting (so a long list is not
/// quadratic); each element holding an unknown is compared with every other
/// element, and if one comparison cannot be decided neither can the result.
fn unique(items: &[Value]) -> Value {
    let mut keep = vec![true; items.len()];
    let mut known: Vec<(usize, &Value)> = Vec::with_capacity(items.len());
    let mut unknown: Vec<(usize, &Value)> = Vec::new();
    for (i, v) in items.iter().enumerate() {
        if v.contains_unknown() {
            unknown.push((i, v));
        } else {
            known.push((i, v));
        }
    }
    for &(i, u) in &unknown {
        for (j, other) in items.iter().enumerate() {
            if i == j {
                continue;
            }
            match u.equals(other) {
                None => return Value::Unknown(None),
                Some(true) if j < i => {
                    if let Some(k) = keep.get_mut(i) {
                        *k = false;
                    }
                }
                Some(_) => {}
            }
        }
    }
    known.sort_by(|(i, a), (j, b)| equality_order(a, b).then(i.cmp(j)));
    for pair in known.windows(2) {
        if let [(_, a), (j, b)] = pair
            && equality_order(a, b) == std::cmp::Ordering::Equal
            && let Some(k) = keep.get_mut(*j)
        {
            *k = false;
        }
    }
    Value::list(
        items
            .iter()
            .zip(keep)
            .filter(|(_, k)| *k)
            .map(|(v, _)| v.clone())
            .collect(),
    )
}

/// [`Value::total_cmp`] with numbers compared by value, so that values are
/// `Equal` exactly when [`Value::equals`] says they are (`0` and `-0` are one
/// number). For values without unknowns.
fn equality_order(a: &Value, b: &Value) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.partial_cmp(y).unwrap_or_else(|| x.total_cmp(y)),
        (Value::List(x), Value::List(y)) => x
            .iter()
            .zip(y.iter())
            .map(|(p, q)| equality_order(p, q))
            .find(|o| *o != Ordering::Equal)
            .unwrap_or_else(|| x.len().cmp(&y.len())),
        (Value::Object(x), Value::Object(y)) => x
            .iter()
            .zip(y.iter())
            .map(|((ka, va), (kb, vb))| ka.cmp(kb).then_with(|| equality_order(va, vb)))
            .find(|o| *o != Ordering::Equal)
            .unwrap_or_else(|| x.len().cmp(&y.len())),
        _ => a.total_cmp(b),
    }
}

/// One level: each element that is a list is replaced by its elements;
/// other elements, `null` included, stay. Whether an unknown element is a
/// list is unknown.
fn flatten(items: &[Value]) -> Value {
    if items.iter().any(Value::is_unknown) {
        return Value::Unknown(None);
    }
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        match item {
            Value::List(inner) => out.extend(inner.iter().cloned()),
            other => out.push(other.clone()),
        }
    }
    Value::list(out)
}

thread_local! {
    /// Compiled regexes, per thread: a pattern is compiled once however
    /// many resources it meets.
    static REGEXES: RefCell<HashMap<Str, Result<Arc<regex::Regex>, String>>> = RefCell::new(HashMap::new());
}

/// Bound on the cache, so a policy building patterns from data cannot grow
/// it without limit.
const MAX_CACHED_REGEXES: usize = 4096;

fn with_regex(pattern: &Str, f: impl FnOnce(&regex::Regex) -> Value) -> R {
    let compiled = REGEXES.with(|cache| {
        let mut cache = cache.borrow_mut();
        if let Some(r) = cache.get(pattern) {
            return r.clone();
        }
        let r = compile_regex(pattern).map(Arc::new);
        if cache.len() >= MAX_CACHED_REGEXES {
            cache.clear();
        }
        cache.insert(pattern.clone(), r.clone());
        r
    })?;
    Ok(f(&compiled))
}

/// Compiles a pattern with the limits plumb uses everywhere (the compiler
/// checks literal patterns with this too).
pub fn compile_regex(pattern: &str) -> Result<regex::Regex, String> {
    regex::RegexBuilder::new(pattern)
        .size_limit(1 << 20)
        .build()
        .map_err(|e| {
            format!(
                "`{pattern}` is not a valid regular expression: {}",
                first_line(&e.to_string())
            )
        })
}

/// The regex crate's message is a drawing of the pattern and then the
/// reason, `error: ...`: keep the reason.
fn first_line(s: &str) -> String {
    let last = s.lines().last().unwrap_or(s).trim();
    last.strip_prefix("error: ").unwrap_or(last).to_string()
}

/// Compiles a glob (the runtime's [`plumb_runtime::glob::Glob`], the one
/// implementation baselines and the noise model use too).
pub fn compile_glob(pattern: &str) -> Result<plumb_runtime::glob::Glob, String> {
    plumb_runtime::glob::Glob::new(pattern).map_err(|e| e.reason)
}

fn net(s: &str) -> Result<IpNet, String> {
    let t = s.trim();
    if let Ok(n) = t.parse::<IpNet>() {
        return Ok(n);
    }
    match t.parse::<IpAddr>() {
        Ok(a) => Ok(IpNet::from(a)),
        Err(_) => Err(format!("`{s}` is not an IP address or CIDR block")),
    }
}

/// True unless the whole network lies in ranges that are not routable on
/// the public internet (private, loopback, link-local, shared, documentation,
/// multicast, reserved).
fn is_public(n: &IpNet) -> bool {
    const V4: &[&str] = &[
        "0.0.0.0/8",
        "10.0.0.0/8",
        "100.64.0.0/10",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "172.16.0.0/12",
        "192.0.0.0/24",
        "192.0.2.0/24",
        "192.168.0.0/16",
        "198.18.0.0/15",
        "198.51.100.0/24",
        "203.0.113.0/24",
        "224.0.0.0/4",
        "240.0.0.0/4",
    ];
    const V6: &[&str] = &[
        "::/128",
        "::1/128",
        "fc00::/7",
        "fe80::/10",
        "ff00::/8",
        "2001:db8::/32",
    ];
    let ranges = match n {
        IpNet::V4(_) => V4,
        IpNet::V6(_) => V6,
    };
    // Adjacent ranges (224/4 and 240/4) together cover more than either:
    // merge them first.
    let parsed: Vec<IpNet> = ranges
        .iter()
        .filter_map(|r| r.parse::<IpNet>().ok())
        .collect();
    !IpNet::aggregate(&parsed).iter().any(|r| r.contains(n))
}

/// An RFC 3339 timestamp (`2024-05-01T12:00:00Z`, `...T12:00:00.5+02:00`):
/// seconds since the epoch. Other ISO 8601 forms are not timestamps here.
fn timestamp(s: &str) -> Option<f64> {
    if !is_rfc3339(s) {
        return None;
    }
    let t: jiff::Timestamp = s.parse().ok()?;
    Some(t.as_second() as f64 + f64::from(t.subsec_nanosecond()) / 1e9)
}

fn is_rfc3339(s: &str) -> bool {
    let b = s.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| b.get(r).is_some_and(|d| d.iter().all(u8::is_ascii_digit));
    let at = |i: usize, c: &[u8]| b.get(i).is_some_and(|x| c.contains(x));
    if !(digits(0..4)
        && at(4, b"-")
        && digits(5..7)
        && at(7, b"-")
        && digits(8..10)
        && at(10, b"Tt")
        && digits(11..13)
        && at(13, b":")
        && digits(14..16)
        && at(16, b":")
        && digits(17..19))
    {
        return false;
    }
    let mut i = 19;
    if at(i, b".") {
        i += 1;
        let start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == start {
            return false;
        }
    }
    match b.get(i) {
        Some(b'Z' | b'z') => i + 1 == b.len(),
        Some(b'+' | b'-') => {
            digits(i + 1..i + 3) && at(i + 3, b":") && digits(i + 4..i + 6) && i + 6 == b.len()
        }
        _ => false,
    }
}

fn version(s: &str) -> Result<semver::Version, String> {
    let t = s.trim().strip_prefix('v').unwrap_or(s.trim());
    if let Ok(v) = semver::Version::parse(t) {
        return Ok(v);
    }
    // `1.2` and `1`: missing parts are zero.
    let parts: Vec<&str> = t.split('.').collect();
    if (1..=2).contains(&parts.len())
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
    {
        let mut full = parts.join(".");
        for _ in parts.len()..3 {
            full.push_str(".0");
        }
        if let Ok(v) = semver::Version::parse(&full) {
            return Ok(v);
        }
    }
    Err(format!("`{s}` is not a semantic version"))
}

/// A value for tests: `{k: v}` from pairs.
#[doc(hidden)]
pub fn object(pairs: &[(&str, Value)]) -> Value {
    Value::object(Object::from_entries(
        pairs
            .iter()
            .map(|(k, v)| (Str::from(*k), v.clone()))
            .collect(),
    ))
}

#[cfg(test)]
mod tests;
