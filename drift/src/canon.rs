//! Canonicalizers: each maps the spellings of one value to one form, so
//! that a declared and an actual value that mean the same compare equal.
//! Each is applied to both sides; a value it does not understand is left
//! as it is.

use std::net::IpAddr;

use plumb_runtime::value::{Object, Str, Value};

use crate::noise::Canon;

pub(crate) fn apply(canon: Canon, v: Value) -> Value {
    match canon {
        Canon::Scalar => scalar(v),
        Canon::Tags => tags(v),
        Canon::IamPolicy => iam_policy(v),
        Canon::Json => json_string(v),
        Canon::Cidr => cidr(v),
        Canon::Quantity => quantity(v),
        Canon::Lowercase => match &v {
            Value::String(s) if s.chars().any(char::is_uppercase) => {
                Value::String(Str::from(s.to_lowercase()))
            }
            _ => v,
        },
    }
}

/// `"80"` → `80`, `"true"` → `true`. Only plain decimal spellings: `"0x10"`,
/// `"1e3"`, `" 1"` and `"01"` stay strings (a file mode `"0644"` is not the
/// number 644).
fn scalar(v: Value) -> Value {
    let Value::String(s) = &v else {
        return v;
    };
    match s.as_str() {
        "true" => return Value::Bool(true),
        "false" => return Value::Bool(false),
        _ => {}
    }
    if is_plain_number(s)
        && let Ok(n) = s.parse::<f64>()
        && n.is_finite()
    {
        return Value::Number(n);
    }
    v
}

fn is_plain_number(s: &str) -> bool {
    let digits = s.strip_prefix('-').unwrap_or(s);
    let (int, frac) = match digits.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (digits, None),
    };
    !int.is_empty()
        && int.bytes().all(|b| b.is_ascii_digit())
        && (int == "0" || !int.starts_with('0'))
        && frac.is_none_or(|f| !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()))
}

/// `[{Key: k, Value: v}]` (any capitalisation) → `{k: v}`.
fn tags(v: Value) -> Value {
    let Value::List(items) = &v else {
        return v;
    };
    let mut entries = Vec::with_capacity(items.len());
    for item in items.iter() {
        let Value::Object(o) = item else {
            return v;
        };
        let find = |names: [&str; 2]| names.iter().find_map(|n| o.get(n)).cloned();
        let (Some(Value::String(k)), value) = (find(["Key", "key"]), find(["Value", "value"]))
        else {
            return v;
        };
        entries.push((k, value.unwrap_or(Value::Null)));
    }
    Value::object(Object::from_entries(entries))
}

/// A string holding a JSON object or list → that value.
fn json_string(v: Value) -> Value {
    match &v {
        Value::String(s) if s.trim_start().starts_with(['{', '[']) => {
            serde_json::from_str::<serde_json::Value>(s).map_or(v, |j| Value::from_json(&j))
        }
        _ => v,
    }
}

/// An IAM policy document in one form: parsed from JSON (or URL-encoded
/// JSON), `Statement` always a list, sorted; in each statement the values
/// of `Action`, `NotAction`, `Resource`, `NotResource` and of each
/// `Principal` kind always sorted lists without repeats; condition values
/// likewise.
fn iam_policy(v: Value) -> Value {
    let v = match &v {
        Value::String(s) => {
            let text = if s.contains('%') {
                percent_decode(s).unwrap_or_else(|| s.to_string())
            } else {
                s.to_string()
            };
            match serde_json::from_str::<serde_json::Value>(&text) {
                Ok(j) => Value::from_json(&j),
                Err(_) => return v,
            }
        }
        _ => v,
    };
    let Value::Object(doc) = &v else {
        return v;
    };
    let mut out = doc.clone();
    if let Some(st) = doc.get("Statement") {
        let mut statements: Vec<Value> = match st {
            Value::List(items) => items.iter().map(statement).collect(),
            one => vec![statement(one)],
        };
        sort_dedup(&mut statements);
        out.insert(Str::from("Statement"), Value::list(statements));
    }
    Value::Object(out)
}

fn statement(s: &Value) -> Value {
    let Value::Object(o) = s else {
        return s.clone();
    };
    let mut out = o.clone();
    for key in ["Action", "NotAction", "Resource", "NotResource"] {
        if let Some(v) = o.get(key) {
            out.insert(Str::from(key), as_set(v));
        }
    }
    for key in ["Principal", "NotPrincipal"] {
        match o.get(key) {
            Some(Value::Object(p)) => {
                let entries = p.iter().map(|(k, v)| (k.clone(), as_set(v))).collect();
                out.insert(Str::from(key), Value::object(Object::from_entries(entries)));
            }
            // `"*"` and `{"AWS": "*"}` grant the same.
            Some(Value::String(s)) if s.as_str() == "*" => {
                let entries = vec![(Str::from("AWS"), as_set(&Value::string("*")))];
                out.insert(Str::from(key), Value::object(Object::from_entries(entries)));
            }
            _ => {}
        }
    }
    if let Some(Value::Object(c)) = o.get("Condition") {
        let ops = c
            .iter()
            .map(|(op, keys)| {
                let keys = match keys {
                    Value::Object(k) => Value::object(Object::from_entries(
                        k.iter().map(|(k, v)| (k.clone(), as_set(v))).collect(),
                    )),
                    other => other.clone(),
                };
                (op.clone(), keys)
            })
            .collect();
        out.insert(
            Str::from("Condition"),
            Value::object(Object::from_entries(ops)),
        );
    }
    Value::Object(out)
}

fn as_set(v: &Value) -> Value {
    let mut items = match v {
        Value::List(items) => items.to_vec(),
        one => vec![one.clone()],
    };
    sort_dedup(&mut items);
    Value::list(items)
}

pub(crate) fn sort_dedup(items: &mut Vec<Value>) {
    items.sort_by(Value::total_cmp);
    items.dedup_by(|a, b| a.total_cmp(b).is_eq());
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'%' => {
                let hex = s.get(i + 1..i + 3)?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            _ => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

/// `10.0.0.7/24` → `10.0.0.0/24`; `10.0.0.7` → `10.0.0.7/32`;
/// `2001:DB8:0::/32` → `2001:db8::/32`.
fn cidr(v: Value) -> Value {
    let Value::String(s) = &v else {
        return v;
    };
    let (addr, prefix) = match s.split_once('/') {
        Some((a, p)) => (a, p.parse::<u8>().ok()),
        None => (s.as_str(), None),
    };
    let Ok(ip) = addr.trim().parse::<IpAddr>() else {
        return v;
    };
    let text = match ip {
        IpAddr::V4(a) => {
            let p = prefix.unwrap_or(32);
            if p > 32 {
                return v;
            }
            let mask = if p == 0 {
                0
            } else {
                u32::MAX << (32 - u32::from(p))
            };
            format!("{}/{p}", std::net::Ipv4Addr::from(u32::from(a) & mask))
        }
        IpAddr::V6(a) => {
            let p = prefix.unwrap_or(128);
            if p > 128 {
                return v;
            }
            let mask = if p == 0 {
                0
            } else {
                u128::MAX << (128 - u32::from(p))
            };
            format!("{}/{p}", std::net::Ipv6Addr::from(u128::from(a) & mask))
        }
    };
    Value::String(Str::from(text))
}

/// A Kubernetes quantity as a number: `1000m` = `1`, `1Ki` = `1024`,
/// `1k` = `1000`, `1e3` = `1000`. Numbers stay numbers.
fn quantity(v: Value) -> Value {
    let Value::String(s) = &v else {
        return v;
    };
    let s = s.trim();
    let split = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '+' || c == '-'))
        .unwrap_or(s.len());
    let (num, suffix) = s.split_at(split);
    let Ok(n) = num.parse::<f64>() else {
        return v;
    };
    let factor = match suffix {
        "" => 1.0,
        "n" => 1e-9,
        "u" => 1e-6,
        "m" => 1e-3,
        "k" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        "T" => 1e12,
        "P" => 1e15,
        "E" => 1e18,
        "Ki" => 1024.0,
        "Mi" => 1024f64.powi(2),
        "Gi" => 1024f64.powi(3),
        "Ti" => 1024f64.powi(4),
        "Pi" => 1024f64.powi(5),
        "Ei" => 1024f64.powi(6),
        e if e.starts_with(['e', 'E']) => match e.get(1..).and_then(|x| x.parse::<i32>().ok()) {
            Some(exp) => 10f64.powi(exp),
            None => return v,
        },
        _ => return v,
    };
    let q = n * factor;
    // Rounded to nano-units so that `0.1` and `100m` agree.
    let q = (q * 1e9).round() / 1e9;
    if q.is_finite() { Value::Number(q) } else { v }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests")]
mod tests {
    use super::*;

    fn s(x: &str) -> Value {
        Value::string(x)
    }

    fn j(x: serde_json::Value) -> Value {
        Value::from_json(&x)
    }

    #[test]
    fn scalars() {
        assert_eq!(scalar(s("80")), Value::Number(80.0));
        assert_eq!(scalar(s("-1.5")), Value::Number(-1.5));
        assert_eq!(scalar(s("true")), Value::Bool(true));
        assert_eq!(scalar(s("0644")), s("0644"));
        assert_eq!(scalar(s("1e3")), s("1e3"));
        assert_eq!(scalar(s("")), s(""));
        assert_eq!(scalar(s("1.")), s("1."));
        assert_eq!(scalar(s("web")), s("web"));
    }

    #[test]
    fn tag_lists_are_maps() {
        let list =
            j(serde_json::json!([{"Key": "env", "Value": "prod"}, {"key": "team", "value": "a"}]));
        assert_eq!(
            tags(list),
            j(serde_json::json!({"env": "prod", "team": "a"}))
        );
        let map = j(serde_json::json!({"env": "prod"}));
        assert_eq!(tags(map.clone()), map);
        let odd = j(serde_json::json!([1, 2]));
        assert_eq!(tags(odd.clone()), odd);
    }

    #[test]
    fn policies_in_one_form() {
        let a = s(
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":["arn:b","arn:a"],"Principal":"*"}}"#,
        );
        let b = j(
            serde_json::json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": ["arn:a", "arn:b", "arn:a"], "Principal": {"AWS": ["*"]}}]}),
        );
        assert_eq!(iam_policy(a), iam_policy(b));
        let encoded = s("%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%5D%7D");
        assert_eq!(
            iam_policy(encoded),
            j(serde_json::json!({"Version": "2012-10-17", "Statement": []}))
        );
        let c = j(serde_json::json!({"Statement": [{"Action": "a"}, {"Action": "b"}]}));
        let d = j(serde_json::json!({"Statement": [{"Action": ["b"]}, {"Action": "a"}]}));
        assert_eq!(iam_policy(c), iam_policy(d));
    }

    #[test]
    fn cidrs() {
        assert_eq!(cidr(s("10.0.0.7/24")), s("10.0.0.0/24"));
        assert_eq!(cidr(s("10.0.0.7")), s("10.0.0.7/32"));
        assert_eq!(cidr(s("0.0.0.0/0")), s("0.0.0.0/0"));
        assert_eq!(cidr(s("2001:DB8:0:0::1/32")), s("2001:db8::/32"));
        assert_eq!(cidr(s("sg-123")), s("sg-123"));
        assert_eq!(cidr(s("10.0.0.0/33")), s("10.0.0.0/33"));
    }

    #[test]
    fn quantities() {
        assert_eq!(quantity(s("1000m")), quantity(s("1")));
        assert_eq!(quantity(s("100m")), quantity(s("0.1")));
        assert_eq!(quantity(s("1Ki")), Value::Number(1024.0));
        assert_eq!(quantity(s("1k")), Value::Number(1000.0));
        assert_eq!(quantity(s("1e3")), Value::Number(1000.0));
        assert_eq!(quantity(s("128Mi")), Value::Number(134_217_728.0));
        assert_eq!(quantity(Value::Number(2.0)), Value::Number(2.0));
        assert_eq!(quantity(s("lots")), s("lots"));
        assert_eq!(quantity(s("1Xi")), s("1Xi"));
    }

    #[test]
    fn json_strings() {
        assert_eq!(
            json_string(s(r#"{"a": 1}"#)),
            j(serde_json::json!({"a": 1}))
        );
        assert_eq!(json_string(s("{not json")), s("{not json"));
    }
}
