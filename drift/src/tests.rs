use plumb_runtime::Resource;
use plumb_runtime::value::Value;
use serde_json::json;

use super::*;

fn model(tables: serde_json::Value) -> NoiseModel {
    let mut m = NoiseModel::default();
    m.add("test", &json!({"noise_version": 1, "types": tables}))
        .unwrap();
    m
}

fn res(ty: &str, id: &str, attrs: serde_json::Value) -> Resource {
    Resource::new(ty, id, Value::from_json(&attrs))
}

fn events(m: &NoiseModel, d: Vec<Resource>, a: Vec<Resource>) -> Vec<serde_json::Value> {
    detect(&d, &a, m, &Options::default())
        .unwrap()
        .iter()
        .map(|e| {
            let mut j = e.to_json();
            j.as_object_mut().unwrap().remove("type");
            j.as_object_mut().unwrap().remove("id");
            j
        })
        .collect()
}

#[test]
fn added_deleted_changed() {
    let m = model(json!([]));
    let got = events(
        &m,
        vec![
            res("t", "a", json!({"x": 1})),
            res("t", "b", json!({"x": 1})),
        ],
        vec![res("t", "b", json!({"x": 2})), res("t", "c", json!({}))],
    );
    assert_eq!(
        got,
        vec![
            json!({"kind": "deleted", "address": "a", "path": "", "declared": {"x": 1}}),
            json!({"kind": "changed", "address": "b", "path": "/x", "declared": 1, "actual": 2}),
            json!({"kind": "added", "address": "c", "path": "", "actual": {}}),
        ]
    );
}

#[test]
fn absent_from_the_declaration_is_drift_only_against_a_default() {
    let m = model(json!([{"match": "t", "defaults": {"/replicas": 1, "/s/type": "R"}}]));
    let d = || vec![res("t", "a", json!({"name": "x"}))];
    // Server fills defaults and computed fields: no drift.
    assert!(
        events(
            &m,
            d(),
            vec![res(
                "t",
                "a",
                json!({"name": "x", "replicas": 1, "s": {"type": "R"}, "other": 7})
            )]
        )
        .is_empty()
    );
    // Someone scaled it.
    let got = events(
        &m,
        d(),
        vec![res("t", "a", json!({"name": "x", "replicas": 3}))],
    );
    assert_eq!(
        got,
        vec![
            json!({"kind": "changed", "address": "a", "path": "/replicas", "declared": 1, "declared_default": true, "actual": 3})
        ]
    );
    let got = events(
        &m,
        d(),
        vec![res("t", "a", json!({"name": "x", "s": {"type": "Q"}}))],
    );
    assert_eq!(got.len(), 1);
    assert_eq!(got[0]["path"], "/s/type");
}

#[test]
fn declared_but_gone_is_drift_unless_the_source_is_partial() {
    let m = model(json!([]));
    let d = || vec![res("t", "a", json!({"sc": {"runAsNonRoot": true}, "x": 1}))];
    let got = events(&m, d(), vec![res("t", "a", json!({"x": 1}))]);
    assert_eq!(
        got,
        vec![
            json!({"kind": "changed", "address": "a", "path": "/sc", "declared": {"runAsNonRoot": true}})
        ]
    );
    let mut m = NoiseModel::default();
    m.add(
        "t",
        &json!({"noise_version": 1, "partial_sources": ["aws-config"]}),
    )
    .unwrap();
    let mut a = res("t", "a", json!({"x": 1, "empty": []}));
    a.source = Some(Source {
        file: None,
        line: None,
        format: Some("aws-config".into()),
    });
    assert!(
        detect(&d(), std::slice::from_ref(&a), &m, &Options::default())
            .unwrap()
            .is_empty()
    );
    // Observed empty is observed.
    let d2 = vec![res("t", "a", json!({"x": 1, "empty": [1]}))];
    assert_eq!(detect(&d2, &[a], &m, &Options::default()).unwrap().len(), 1);
}

#[test]
fn null_empty_and_absent_are_one() {
    let m = model(json!([]));
    assert!(
        events(
            &m,
            vec![res(
                "t",
                "a",
                json!({"a": null, "b": [], "c": {}, "d": {"e": null}})
            )],
            vec![res("t", "a", json!({"d": {}}))]
        )
        .is_empty()
    );
}

#[test]
fn unknown_values_are_never_drift() {
    let m = model(json!([]));
    let mut d = res("t", "a", json!({"x": 1, "l": [1, 2]}));
    d.attributes = Value::from_json(&json!({"x": 1, "l": [1, 2]}));
    if let Value::Object(mut o) = d.attributes.clone() {
        o.insert("x".into(), Value::Unknown(None));
        o.insert(
            "l".into(),
            Value::list(vec![Value::Unknown(None), Value::Number(2.0)]),
        );
        d.attributes = Value::Object(o);
    }
    assert!(
        events(
            &m,
            vec![d],
            vec![res("t", "a", json!({"x": 5, "l": [9, 2]}))]
        )
        .is_empty()
    );
}

#[test]
fn ignored_paths() {
    let m = model(
        json!([{"match": "k8s_*", "ignore": ["/status", "/metadata/uid", "/**/creationTimestamp"]}]),
    );
    assert!(events(
        &m,
        vec![res("k8s_pod", "a", json!({"metadata": {"name": "a"}, "spec": {"t": {"metadata": {}}}}))],
        vec![res("k8s_pod", "a", json!({"metadata": {"name": "a", "uid": "u"}, "status": {"phase": "Running"}, "spec": {"t": {"metadata": {"creationTimestamp": "now"}}}}))]
    )
    .is_empty());
}

#[test]
fn keyed_lists_match_by_key() {
    let m = model(json!([{"match": "*", "keys": {"/c": "name"}}]));
    let d = vec![res(
        "t",
        "a",
        json!({"c": [{"name": "web", "image": "a:1"}, {"name": "log", "image": "b:1"}]}),
    )];
    let a = vec![res(
        "t",
        "a",
        json!({"c": [{"name": "log", "image": "b:1", "pull": "IfNotPresent"}, {"name": "web", "image": "a:2"}, {"name": "debug", "image": "x"}]}),
    )];
    let got = events(&m, d, a);
    // `debug` is another manager's element: like a key the declaration
    // does not have, not drift.
    assert_eq!(
        got,
        vec![
            json!({"kind": "changed", "address": "a", "path": "/c/0/image", "declared": "a:1", "actual": "a:2"})
        ]
    );
}

#[test]
fn sets_ignore_order_and_canonicalizers_apply() {
    let m = model(
        json!([{"match": "*", "sets": ["/rules", "/rules/*/cidrs"], "canonicalize": {"/**": "scalar", "/rules/*/cidrs/*": "cidr", "/tags": "tags"}}]),
    );
    let d = vec![res(
        "t",
        "a",
        json!({"rules": [{"port": 22, "cidrs": ["10.0.0.0/8"]}, {"port": 443, "cidrs": ["0.0.0.0/0", "10.1.2.3/16"]}], "tags": {"env": "prod"}}),
    )];
    let a = vec![res(
        "t",
        "a",
        json!({"rules": [{"port": "443", "cidrs": ["10.1.0.0/16", "0.0.0.0/0"]}, {"port": 22, "cidrs": ["10.0.0.0/8"]}], "tags": [{"Key": "env", "Value": "prod"}]}),
    )];
    assert!(events(&m, d.clone(), a).is_empty());
    let a = vec![res(
        "t",
        "a",
        json!({"rules": [{"port": 22, "cidrs": ["0.0.0.0/0"]}, {"port": 443, "cidrs": ["0.0.0.0/0", "10.1.0.0/16"]}], "tags": {"env": "prod"}}),
    )];
    let got = events(&m, d, a);
    assert_eq!(got.len(), 1);
    assert_eq!(got[0]["path"], "/rules");
}

#[test]
fn sets_from_partial_sources_compare_the_keys_they_show() {
    let mut m = model(json!([{"match": "*", "sets": ["/ingress"]}]));
    m.add(
        "t",
        &json!({"noise_version": 1, "partial_sources": ["aws-config"]}),
    )
    .unwrap();
    let d = vec![res(
        "t",
        "a",
        json!({"ingress": [{"port": 22, "description": "", "self": false}]}),
    )];
    let mut a = res("t", "a", json!({"ingress": [{"port": 22}]}));
    a.source = Some(Source {
        file: None,
        line: None,
        format: Some("aws-config".into()),
    });
    assert!(
        detect(&d, std::slice::from_ref(&a), &m, &Options::default())
            .unwrap()
            .is_empty()
    );
    a.attributes = Value::from_json(&json!({"ingress": [{"port": 23}]}));
    assert_eq!(detect(&d, &[a], &m, &Options::default()).unwrap().len(), 1);
}

#[test]
fn sensitive_values_are_redacted() {
    let m = model(json!([]));
    let mut d = res(
        "t",
        "a",
        json!({"password": "hunter2", "conn": {"user": "u", "pw": "x"}}),
    );
    d.sensitive = vec!["/password".into(), "/conn/pw".into()];
    let mut a = res(
        "t",
        "a",
        json!({"password": "hunter3", "conn": {"user": "v", "pw": "y"}}),
    );
    a.sensitive = vec!["/password".into()];
    let got = events(&m, vec![d], vec![a]);
    let text = serde_json::to_string(&got).unwrap();
    assert!(!text.contains("hunter"), "{text}");
    assert!(text.contains(REDACTED));
    // The changed user is shown; the changed pw is redacted on the declared side.
    assert!(text.contains("\"u\""));
}

#[test]
fn duplicates_are_an_error() {
    let m = model(json!([]));
    let e = detect(
        &[res("t", "a", json!({})), res("t", "a", json!({}))],
        &[],
        &m,
        &Options::default(),
    )
    .unwrap_err();
    assert!(e.to_string().contains("given twice"), "{e}");
}

#[test]
fn output_is_the_same_at_any_thread_count() {
    let m = model(json!([{"match": "*", "keys": {"/c": "name"}}]));
    let d: Vec<Resource> = (0..2000)
        .map(|i| {
            res(
                "t",
                &format!("r{i}"),
                json!({"n": i, "c": [{"name": "x", "v": i}]}),
            )
        })
        .collect();
    let a: Vec<Resource> = (0..2000)
        .map(|i| {
            res(
                "t",
                &format!("r{i}"),
                json!({"n": if i % 7 == 0 { i + 1 } else { i }, "c": [{"name": "x", "v": i % 3}]}),
            )
        })
        .collect();
    let one = detect(&d, &a, &m, &Options { threads: 1 }).unwrap();
    let two = detect(&d, &a, &m, &Options { threads: 2 }).unwrap();
    assert_eq!(one, two);
    assert!(one.len() > 100);
}

#[test]
fn the_builtin_tables_load() {
    let m = NoiseModel::builtin().unwrap();
    assert!(m.is_partial("aws-config"));
    assert!(!m.rules_for("k8s_deployment").entries.is_empty());
}

mod properties {
    use proptest::prelude::*;
    use serde_json::Value as Json;

    use super::*;

    fn json() -> impl Strategy<Value = Json> {
        let leaf = prop_oneof![
            Just(Json::Null),
            any::<bool>().prop_map(Json::Bool),
            (-1000i64..1000).prop_map(|n| json!(n)),
            "[a-z0-9/.:* -]{0,8}".prop_map(Json::String),
        ];
        leaf.prop_recursive(4, 48, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..5).prop_map(Json::Array),
                prop::collection::btree_map(
                    prop_oneof![
                        "[a-z]{1,6}",
                        Just("name".to_string()),
                        Just("tags".to_string()),
                        Just("spec".to_string()),
                        Just("containers".to_string()),
                        Just("ingress".to_string()),
                        Just("cidr_blocks".to_string()),
                        Just("policy".to_string()),
                    ],
                    inner,
                    0..5
                )
                .prop_map(|m| Json::Object(m.into_iter().collect())),
            ]
        })
    }

    const TYPES: [&str; 4] = ["aws_security_group", "k8s_deployment", "aws_s3_bucket", "x"];

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// Under the built-in tables, anything compared with itself has no
        /// drift, whatever the type and source.
        #[test]
        fn nothing_drifts_from_itself(v in json(), t in 0usize..4, partial in any::<bool>()) {
            let m = NoiseModel::builtin().unwrap();
            let mut d = res(TYPES[t], "r", json!({"a": v}));
            let format = if partial { "aws-config" } else { "terraform-state" };
            d.source = Some(Source { file: None, line: None, format: Some(format.into()) });
            let events = detect(std::slice::from_ref(&d), std::slice::from_ref(&d), &m, &Options::default()).unwrap();
            prop_assert!(events.is_empty(), "{events:?}");
        }

        /// Any two values compare without a panic, the same at one and two
        /// threads, and every event's path is under the attribute compared.
        #[test]
        fn any_pair_compares(a in json(), b in json(), t in 0usize..4) {
            let m = NoiseModel::builtin().unwrap();
            let d: Vec<Resource> = (0..300).map(|i| res(TYPES[t], &format!("r{i}"), json!({"v": a.clone()}))).collect();
            let x: Vec<Resource> = (0..300).map(|i| res(TYPES[t], &format!("r{i}"), json!({"v": b.clone()}))).collect();
            let one = detect(&d, &x, &m, &Options { threads: 1 }).unwrap();
            let two = detect(&d, &x, &m, &Options { threads: 2 }).unwrap();
            prop_assert_eq!(&one, &two);
            for e in &one {
                prop_assert!(e.path == "/v" || e.path.starts_with("/v/"), "{}", e.path);
            }
            // Equal sides never drift; different ones may.
            if a == b {
                prop_assert!(one.is_empty());
            }
        }
    }
}
