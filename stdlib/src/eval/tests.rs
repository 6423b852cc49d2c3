#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests"
)]

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
    // A default never hides data shaped otherwise than the path says.
    let e = get(&[Value::string("max_age.days"), Value::Number(1.0)]).unwrap_err();
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

fn list(items: Vec<Value>) -> Value {
    Value::list(items)
}

fn unknown() -> Value {
    Value::Unknown(None)
}

fn symbol(s: &str) -> Value {
    Value::Unknown(Some(Str::from(s)))
}

#[test]
fn replace_is_literal_and_replaces_every_occurrence() {
    assert_eq!(ok("replace", &[s("a.b.c"), s("."), s("-")]), s("a-b-c"));
    assert_eq!(ok("replace", &[s("aaa"), s("aa"), s("b")]), s("ba"));
    assert_eq!(ok("replace", &[s("abc"), s("x"), s("y")]), s("abc"));
    assert_eq!(ok("replace", &[s("ab"), s(""), s("-")]), s("-a-b-"));
    assert_eq!(ok("replace", &[s("ÉTÉ été"), s("é"), s("e")]), s("ÉTÉ ete"));
    assert_eq!(ok("replace", &[s("x"), s("x"), s("")]), s(""));
    assert_eq!(ok("replace", &[Value::Null, s("a"), s("b")]), Value::Null);
    assert_eq!(ok("replace", &[s("a"), s("a"), Value::Null]), Value::Null);
    assert_eq!(ok("replace", &[s("a"), unknown(), s("b")]), unknown());
    assert!(
        fails("replace", &[s("a"), s("a"), n(1.0)]).contains("expects a string, found a number")
    );
    assert!(fails("replace", &[n(1.0), s("a"), s("b")]).contains("expects a string"));
}

#[test]
fn replace_refuses_to_build_huge_strings() {
    let text = s(&"a".repeat(1000));
    let big = s(&"b".repeat(20_000));
    assert!(fails("replace", &[text.clone(), s("a"), big.clone()]).contains("longer than"));
    assert!(fails("replace", &[text, s(""), big]).contains("longer than"));
    let fits = ok(
        "replace",
        &[s(&"a".repeat(100)), s("a"), s(&"b".repeat(100))],
    );
    assert_eq!(fits.as_str().map(str::len), Some(10_000));
}

#[test]
fn substr_counts_characters() {
    assert_eq!(ok("substr", &[s("héllo"), n(1.0), n(3.0)]), s("éll"));
    assert_eq!(ok("substr", &[s("héllo"), n(1.0)]), s("éllo"));
    assert_eq!(ok("substr", &[s("héllo"), n(0.0), n(0.0)]), s(""));
    assert_eq!(ok("substr", &[s("héllo"), n(5.0)]), s(""));
    assert_eq!(ok("substr", &[s("héllo"), n(99.0), n(2.0)]), s(""));
    assert_eq!(ok("substr", &[s("héllo"), n(2.0), n(1e300)]), s("llo"));
    assert_eq!(ok("substr", &[s("héllo"), n(1e300)]), s(""));
    assert_eq!(ok("substr", &[s(""), n(0.0)]), s(""));
    assert_eq!(ok("substr", &[s("🦀x"), n(0.0), n(1.0)]), s("🦀"));
    assert_eq!(ok("substr", &[Value::Null, n(0.0)]), Value::Null);
    assert_eq!(ok("substr", &[s("abc"), Value::Null]), Value::Null);
    assert_eq!(ok("substr", &[s("abc"), n(0.0), Value::Null]), Value::Null);
    assert_eq!(ok("substr", &[s("abc"), n(0.0), unknown()]), unknown());
    assert!(
        fails("substr", &[s("abc"), n(-1.0)])
            .contains("start must be a whole number, 0 or more, found -1")
    );
    assert!(
        fails("substr", &[s("abc"), n(0.0), n(-1.0)]).contains("length must be a whole number")
    );
    assert!(fails("substr", &[s("abc"), n(0.5)]).contains("found 0.5"));
    assert!(
        fails("substr", &[s("abc"), s("1")]).contains("expects a number as start, found a string")
    );
    assert!(fails("substr", &[n(1.0), n(0.0)]).contains("expects a string"));
}

#[test]
fn sort_orders_by_type_then_value() {
    assert_eq!(
        ok("sort", &[list(vec![n(10.0), n(9.0), n(-1.5)])]),
        list(vec![n(-1.5), n(9.0), n(10.0)])
    );
    assert_eq!(
        ok("sort", &[list(vec![s("b"), s("a"), s("B"), s("é")])]),
        list(vec![s("B"), s("a"), s("b"), s("é")])
    );
    let mixed = list(vec![
        object(&[("a", n(1.0))]),
        list(vec![n(2.0)]),
        s("x"),
        n(1.0),
        Value::Bool(true),
        Value::Bool(false),
        Value::Null,
        list(vec![n(1.0), n(5.0)]),
    ]);
    assert_eq!(
        ok("sort", &[mixed]),
        list(vec![
            Value::Null,
            Value::Bool(false),
            Value::Bool(true),
            n(1.0),
            s("x"),
            list(vec![n(1.0), n(5.0)]),
            list(vec![n(2.0)]),
            object(&[("a", n(1.0))]),
        ])
    );
    assert_eq!(ok("sort", &[list(vec![])]), list(vec![]));
    assert_eq!(ok("sort", &[Value::Null]), Value::Null);
    assert_eq!(ok("sort", &[list(vec![n(1.0), unknown()])]), unknown());
    assert_eq!(
        ok("sort", &[list(vec![list(vec![unknown()]), n(1.0)])]),
        unknown()
    );
    assert_eq!(ok("sort", &[list(vec![unknown()])]), list(vec![unknown()]));
    assert!(fails("sort", &[object(&[])]).contains("expects a list, found a object"));
    assert!(fails("sort", &[s("ba")]).contains("expects a list"));
}

#[test]
fn unique_keeps_first_occurrences_in_order() {
    assert_eq!(
        ok(
            "unique",
            &[list(vec![s("b"), s("a"), s("b"), s("c"), s("a")])]
        ),
        list(vec![s("b"), s("a"), s("c")])
    );
    // Deep, typed equality: 1 and 1.0 are one number, 0 and -0 too, "1" is not 1.
    assert_eq!(
        ok(
            "unique",
            &[list(vec![n(1.0), s("1"), n(1.0), n(0.0), n(-0.0)])]
        ),
        list(vec![n(1.0), s("1"), n(0.0)])
    );
    let o1 = object(&[("a", list(vec![n(1.0)])), ("b", Value::Null)]);
    let o2 = object(&[("b", Value::Null), ("a", list(vec![n(1.0)]))]);
    assert_eq!(
        ok(
            "unique",
            &[list(vec![o1.clone(), o2, Value::Null, Value::Null])]
        ),
        list(vec![o1, Value::Null])
    );
    assert_eq!(ok("unique", &[list(vec![])]), list(vec![]));
    assert_eq!(ok("unique", &[Value::Null]), Value::Null);
    assert!(fails("unique", &[n(1.0)]).contains("expects a list"));
}

#[test]
fn unique_with_unknowns_decides_only_what_it_can() {
    // An unknown may equal anything.
    assert_eq!(ok("unique", &[list(vec![s("a"), unknown()])]), unknown());
    assert_eq!(
        ok("unique", &[list(vec![unknown()])]),
        list(vec![unknown()])
    );
    // ... unless it is the identity of one resource and the others are
    // identities of other resources of the same type.
    let a = symbol("aws_security_group.a.id");
    let b = symbol("aws_security_group.b.id");
    assert_eq!(
        ok("unique", &[list(vec![a.clone(), b.clone(), a.clone()])]),
        list(vec![a.clone(), b])
    );
    assert_eq!(
        ok("unique", &[list(vec![a, symbol("aws_vpc.main.id")])]),
        unknown()
    );
    // A known element that differs in shape is decided without the unknown.
    assert_eq!(
        ok(
            "unique",
            &[list(vec![
                object(&[("k", unknown())]),
                object(&[("j", n(1.0))])
            ])]
        ),
        list(vec![object(&[("k", unknown())]), object(&[("j", n(1.0))])])
    );
}

#[test]
fn flatten_splices_one_level() {
    assert_eq!(
        ok(
            "flatten",
            &[list(vec![
                list(vec![n(1.0), list(vec![n(2.0)])]),
                n(3.0),
                Value::Null,
                list(vec![]),
                object(&[("a", list(vec![n(4.0)]))]),
            ])]
        ),
        list(vec![
            n(1.0),
            list(vec![n(2.0)]),
            n(3.0),
            Value::Null,
            object(&[("a", list(vec![n(4.0)]))]),
        ])
    );
    assert_eq!(ok("flatten", &[list(vec![])]), list(vec![]));
    assert_eq!(ok("flatten", &[Value::Null]), Value::Null);
    assert_eq!(
        ok("flatten", &[list(vec![list(vec![unknown()]), n(1.0)])]),
        list(vec![unknown(), n(1.0)])
    );
    assert_eq!(ok("flatten", &[list(vec![unknown(), n(1.0)])]), unknown());
    assert!(fails("flatten", &[object(&[])]).contains("expects a list"));
}

#[test]
fn coalesce_gives_the_first_value_that_is_not_null() {
    assert_eq!(ok("coalesce", &[Value::Null, s("x"), s("y")]), s("x"));
    assert_eq!(
        ok("coalesce", &[Value::Bool(false), s("x")]),
        Value::Bool(false)
    );
    assert_eq!(ok("coalesce", &[s(""), s("x")]), s(""));
    assert_eq!(ok("coalesce", &[Value::Null, Value::Null]), Value::Null);
    // An unknown after the answer does not matter; one before it does.
    assert_eq!(ok("coalesce", &[n(1.0), unknown()]), n(1.0));
    assert_eq!(ok("coalesce", &[Value::Null, unknown(), n(1.0)]), unknown());
    let id = symbol("aws_s3_bucket.logs.id");
    assert_eq!(ok("coalesce", &[id.clone(), n(1.0)]), unknown());
    assert!(matches!(
        ok("coalesce", &[id.clone(), Value::Null]),
        Value::Unknown(Some(_))
    ));
    assert_eq!(
        ok("coalesce", &[list(vec![unknown()]), n(1.0)]),
        list(vec![unknown()])
    );
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    fn value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            prop_oneof![Just(0.0), Just(-0.0), Just(1.0), Just(1.5), Just(-3.0)]
                .prop_map(Value::Number),
            "[aé🦀]{0,3}".prop_map(|x| Value::string(&x)),
        ];
        leaf.prop_recursive(3, 24, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::list),
                prop::collection::vec(("[ab]", inner), 0..3).prop_map(|kv| {
                    Value::object(Object::from_entries(
                        kv.into_iter().map(|(k, v)| (Str::from(k), v)).collect(),
                    ))
                }),
            ]
        })
    }

    /// `unique` as its definition says, quadratically.
    fn naive_unique(items: &[Value]) -> Vec<Value> {
        let mut out: Vec<Value> = Vec::new();
        for v in items {
            if !out.iter().any(|o| o.equals(v) == Some(true)) {
                out.push(v.clone());
            }
        }
        out
    }

    proptest! {
        #[test]
        fn sort_is_an_ordered_permutation(items in prop::collection::vec(value(), 0..12)) {
            let sorted = ok("sort", &[Value::list(items.clone())]);
            let Value::List(sorted) = sorted else { panic!("not a list") };
            prop_assert_eq!(sorted.len(), items.len());
            for pair in sorted.windows(2) {
                if let [a, b] = pair {
                    prop_assert!(a.total_cmp(b) != std::cmp::Ordering::Greater);
                }
            }
            for v in &items {
                prop_assert!(sorted.iter().any(|x| x.total_cmp(v) == std::cmp::Ordering::Equal));
            }
        }

        #[test]
        fn unique_agrees_with_its_definition(items in prop::collection::vec(value(), 0..12)) {
            let got = ok("unique", &[Value::list(items.clone())]);
            prop_assert_eq!(got, Value::list(naive_unique(&items)));
        }

        #[test]
        fn flatten_keeps_every_element(items in prop::collection::vec(value(), 0..8)) {
            let Value::List(flat) = ok("flatten", &[Value::list(items.clone())]) else {
                panic!("not a list")
            };
            let expected: usize = items.iter().map(|v| match v {
                Value::List(l) => l.len(),
                _ => 1,
            }).sum();
            prop_assert_eq!(flat.len(), expected);
        }

        #[test]
        fn substr_never_panics(text in "\\PC{0,8}", start in any::<f64>(), length in any::<f64>()) {
            let r = call("substr", &[s(&text), n(start), n(length)], &CallContext { now: 0.0, data: Value::Null });
            if let Ok(Value::String(out)) = &r {
                prop_assert!(out.chars().count() <= text.chars().count());
                prop_assert!(text.contains(out.as_str()));
            }
            prop_assert_eq!(ok("substr", &[s(&text), n(0.0)]), s(&text));
        }

        #[test]
        fn replacing_a_string_by_itself_changes_nothing(text in "\\PC{0,12}", old in "\\PC{0,2}") {
            prop_assert_eq!(ok("replace", &[s(&text), s(&old), s(&old)]), s(&text));
            let removed = ok("replace", &[s(&text), s(&old), s("")]);
            let matches = if old.is_empty() { 0 } else { text.matches(old.as_str()).count() };
            prop_assert_eq!(removed.as_str().map(str::len), Some(text.len() - matches * old.len()));
        }
    }
}
