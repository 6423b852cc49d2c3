#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

use super::*;

fn s(x: &str) -> Value {
    Value::string(x)
}

fn n(x: f64) -> Value {
    Value::Number(x)
}

fn ok(name: &str, args: &[Value]) -> Value {
    call(
        name,
        args,
        &CallContext {
            now: 1_700_000_000.0,
            data: Value::Null,
        },
    )
    .unwrap()
}

fn fails(name: &str, args: &[Value]) -> String {
    call(
        name,
        args,
        &CallContext {
            now: 0.0,
            data: Value::Null,
        },
    )
    .unwrap_err()
}

#[test]
fn every_declared_builtin_is_implemented() {
    let lambda_only = ["all", "any", "none", "one"];
    for b in BUILTINS {
        if lambda_only.contains(&b.name) {
            continue;
        }
        let args: Vec<Value> = (0..b.min_args()).map(|_| Value::Null).collect();
        let r = call(
            b.name,
            &args,
            &CallContext {
                now: 0.0,
                data: Value::Null,
            },
        );
        assert!(
            !matches!(&r, Err(m) if m.contains("not called directly")),
            "{} has no implementation",
            b.name
        );
    }
}

#[test]
fn strings() {
    assert_eq!(ok("lower", &[s("AbC")]), s("abc"));
    assert_eq!(ok("upper", &[Value::Null]), Value::Null);
    assert_eq!(ok("trim", &[s("  x ")]), s("x"));
    assert_eq!(
        ok("starts_with", &[s("arn:aws"), s("arn:")]),
        Value::Bool(true)
    );
    assert_eq!(ok("ends_with", &[Value::Null, s("x")]), Value::Bool(false));
    assert_eq!(
        ok("split", &[s("a,b"), s(",")]),
        Value::list(vec![s("a"), s("b")])
    );
    assert_eq!(
        ok("join", &[Value::list(vec![s("a"), n(1.0)]), s("-")]),
        s("a-1")
    );
    assert_eq!(ok("format", &[s("{} of {}"), n(2.0), s("x")]), s("2 of x"));
    assert!(fails("format", &[s("{} {}"), n(1.0)]).contains("2 `{}`"));
    assert!(fails("lower", &[n(1.0)]).contains("expects a string"));
    assert_eq!(ok("to_string", &[Value::list(vec![n(1.0)])]), s("[1]"));
    assert_eq!(ok("to_number", &[s(" 42 ")]), n(42.0));
    assert_eq!(ok("to_number", &[s("x")]), Value::Null);
    assert_eq!(ok("length", &[s("héllo")]), n(5.0));
    assert_eq!(ok("count", &[Value::Null]), n(0.0));
}

#[test]
fn regexes() {
    assert_eq!(
        ok("matches", &[s("ami-123"), s("^ami-[0-9]+$")]),
        Value::Bool(true)
    );
    assert_eq!(
        ok("capture", &[s("v1.2"), s(r"v(\d+)\.(\d+)(x)?")]),
        Value::list(vec![s("1"), s("2"), Value::Null])
    );
    assert_eq!(ok("capture", &[s("no"), s("(x)")]), Value::Null);
    assert!(fails("matches", &[s("a"), s("(")]).contains("not a valid regular expression"));
}

#[test]
fn networks() {
    assert_eq!(
        ok("cidr_contains", &[s("10.0.0.0/8"), s("10.1.2.3")]),
        Value::Bool(true)
    );
    assert_eq!(
        ok("cidr_contains", &[s("10.0.0.0/8"), s("0.0.0.0/0")]),
        Value::Bool(false)
    );
    assert_eq!(
        ok("cidr_overlaps", &[s("10.0.0.0/8"), s("10.2.0.0/16")]),
        Value::Bool(true)
    );
    assert_eq!(
        ok("cidr_overlaps", &[s("10.0.0.0/8"), s("192.168.0.0/16")]),
        Value::Bool(false)
    );
    assert_eq!(ok("cidr_is_public", &[s("0.0.0.0/0")]), Value::Bool(true));
    assert_eq!(ok("cidr_is_public", &[s("10.0.0.0/8")]), Value::Bool(false));
    assert_eq!(ok("cidr_is_public", &[s("::/0")]), Value::Bool(true));
    assert_eq!(ok("cidr_is_public", &[s("fd00::/8")]), Value::Bool(false));
    assert!(fails("cidr_is_public", &[s("10.0.0.300/8")]).contains("not an IP address"));
}

#[test]
fn times_versions_json() {
    assert_eq!(ok("time_parse", &[s("1970-01-02T00:00:00Z")]), n(86_400.0));
    assert_eq!(ok("time_parse", &[s("yesterday")]), Value::Null);
    assert_eq!(
        ok(
            "time_before",
            &[s("2020-01-01T00:00:00Z"), s("2021-01-01T00:00:00+02:00")]
        ),
        Value::Bool(true)
    );
    assert_eq!(ok("age_days", &[s("2023-11-13T22:13:20Z")]), n(1.0));
    assert_eq!(ok("semver_compare", &[s("1.10.0"), s("1.9")]), n(1.0));
    assert_eq!(ok("semver_compare", &[s("v2.0.0"), s("2.0.0")]), n(0.0));
    assert!(fails("semver_compare", &[s("x"), s("1")]).contains("not a semantic version"));
    assert_eq!(
        ok("json_decode", &[s(r#"{"a": [1, null]}"#)]),
        object(&[("a", Value::list(vec![n(1.0), Value::Null]))])
    );
    assert_eq!(ok("json_decode", &[s("{")]), Value::Null);
    assert_eq!(ok("json_decode", &[s("NaN")]), Value::Null);
}

#[test]
fn collections_and_unknown() {
    let o = object(&[("b", n(2.0)), ("a", n(1.0))]);
    assert_eq!(
        ok("keys", std::slice::from_ref(&o)),
        Value::list(vec![s("a"), s("b")])
    );
    assert_eq!(
        ok("values", std::slice::from_ref(&o)),
        Value::list(vec![n(1.0), n(2.0)])
    );
    assert_eq!(ok("contains", &[o, s("a")]), Value::Bool(true));
    assert_eq!(ok("max", &[Value::list(vec![n(1.0), n(3.0)])]), n(3.0));
    assert_eq!(ok("min", &[Value::list(vec![])]), Value::Null);
    assert_eq!(ok("sum", &[Value::list(vec![n(1.0), n(3.0)])]), n(4.0));
    assert!(fails("sum", &[Value::list(vec![s("1")])]).contains("list of numbers"));
    assert_eq!(
        ok("glob_match", &[s("prod-db"), s("prod-*")]),
        Value::Bool(true)
    );
    assert_eq!(ok("type_of", &[Value::Unknown(None)]), Value::Unknown(None));
    assert_eq!(ok("exists", &[Value::Unknown(None)]), Value::Unknown(None));
    assert_eq!(ok("exists", &[Value::Null]), Value::Bool(false));
    assert_eq!(ok("lower", &[Value::Unknown(None)]), Value::Unknown(None));
}

#[test]
fn data_reads_keys_and_paths_and_fails_closed_on_a_missing_one() {
    let data = Value::from_json(
        &serde_json::from_str(r#"{"max_age": 90, "limits": {"cpu": 2}}"#).unwrap(),
    );
    let ctx = CallContext { now: 0.0, data };
    let get = |args: &[Value]| call("data", args, &ctx);
    assert_eq!(get(&[Value::string("max_age")]), Ok(Value::Number(90.0)));
    assert_eq!(get(&[Value::string("limits.cpu")]), Ok(Value::Number(2.0)));
    let e = get(&[Value::string("max_agee")]).unwrap_err();
    assert!(
        e.contains("no `max_agee`") && e.contains("`max_age`"),
        "{e}"
    );
    let e = get(&[Value::string("max_age.days")]).unwrap_err();
    assert!(e.contains("`max_age` in the data is number"), "{e}");
    // A default stands in for what is missing, never for what is there.
    assert_eq!(
        get(&[Value::string("retention"), Value::Number(7.0)]),
        Ok(Value::Number(7.0))
    );
    assert_eq!(
        get(&[Value::string("max_age"), Value::Number(7.0)]),
        Ok(Value::Number(90.0))
    );
    let none = CallContext {
        now: 0.0,
        data: Value::Null,
    };
    let e = call("data", &[Value::string("x")], &none).unwrap_err();
    assert!(e.contains("no data was given"), "{e}");
}
