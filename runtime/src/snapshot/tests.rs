#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "tests"
)]

use super::*;
use crate::projection::TypePattern;

fn load(text: &str, threads: usize, projection: Projection) -> Result<Snapshot, SnapshotError> {
    load_slice(
        Path::new("test.json"),
        text.as_bytes(),
        &LoadOptions {
            projection,
            threads,
        },
    )
}

fn tree(paths: &[&str]) -> PathTree {
    let mut t = PathTree::default();
    for p in paths {
        let mut node = &mut t;
        for seg in p.split('.') {
            node = if seg == "*" {
                node.each.get_or_insert_with(Box::default)
            } else {
                node.fields.entry(seg.to_string()).or_default()
            };
        }
        node.all = true;
    }
    t
}

#[test]
fn loads_the_bench_shape() {
    let s = load(
        r#"{"resources":[{"type":"aws_s3_bucket","id":"b1","name":"x","attributes":{"acl":"private","tags":{"a":1}}},
           {"type":"aws_kms_key","id":"k","attributes":null}]}"#,
        1,
        Projection::everything(),
    )
    .unwrap();
    assert_eq!(s.len(), 2);
    assert_eq!(&*s.resources[0].type_, "aws_s3_bucket");
    assert_eq!(
        s.resources[0].attributes.field("acl"),
        Value::string("private")
    );
    assert_eq!(s.resources[1].attributes, Value::object(Object::new()));
}

#[test]
fn projection_keeps_only_what_is_read() {
    let projection = Projection {
        patterns: Some(vec![(
            TypePattern::Exact("t".into()),
            tree(&["a.b", "l.*.x"]),
        )]),
    };
    let s = load(
        r#"{"resources":[{"type":"t","id":"1","attributes":{"a":{"b":[1],"c":2},"z":"big","l":[{"x":1,"y":2},3]}},
                         {"type":"u","id":"2","attributes":{"a":1}}]}"#,
        1,
        projection,
    )
    .unwrap();
    assert_eq!(
        s.resources[0].attributes.literal(),
        "{a: {b: [1]}, l: [{x: 1}, 3]}"
    );
    assert_eq!(s.resources[1].attributes.literal(), "{}");
}

#[test]
fn attributes_before_type_are_projected_too() {
    let projection = Projection {
        patterns: Some(vec![(TypePattern::Exact("t".into()), tree(&["a"]))]),
    };
    let s = load(
        r#"{"resources":[{"attributes":{"a":1,"b":2},"id":"1","type":"t"}]}"#,
        1,
        projection,
    )
    .unwrap();
    assert_eq!(s.resources[0].attributes.literal(), "{a: 1}");
}

#[test]
fn any_thread_count_gives_the_same_resources_in_file_order() {
    let mut text = String::from("{\"resources\":[\n");
    for i in 0..20_000 {
        if i > 0 {
            text.push_str(",\n");
        }
        text.push_str(&format!(
            r#"{{"type":"t{}","id":"r{i}","attributes":{{"n":{i},"s":"x\"}}]{{"}}}}"#,
            i % 7
        ));
    }
    text.push_str("]}\n");
    let one = load(&text, 1, Projection::everything()).unwrap();
    for threads in [2, 3, 8] {
        let many = load(&text, threads, Projection::everything()).unwrap();
        assert_eq!(one.resources, many.resources, "threads {threads}");
    }
    assert_eq!(one.len(), 20_000);
    assert_eq!(&*one.resources[19_999].id, "r19999");
}

#[test]
fn unknown_pointers_mark_values_and_create_parents() {
    let s = load(
        r#"{"resources":[{"type":"t","id":"1","attributes":{"a":{"b":1}},"unknown":["/a/b","/c/d"],"sensitive":["/a"]}]}"#,
        1,
        Projection::everything(),
    )
    .unwrap();
    let a = &s.resources[0].attributes;
    assert!(a.field("a").field("b").is_unknown());
    assert!(a.field("c").field("d").is_unknown());
    assert!(s.resources[0].is_sensitive("/a/b"));
    assert!(!s.resources[0].is_sensitive("/ab"));
}

fn error(text: &str) -> SnapshotError {
    load(text, 2, Projection::everything()).unwrap_err()
}

#[test]
fn bad_input_names_the_line_column_and_cause() {
    let e = error(
        "{\"resources\": [\n{\"type\": \"t\", \"id\": \"1\"},\n{\"type\": \"t\" \"id\": 2}]}",
    );
    assert_eq!((e.line, e.column), (3, 14), "{e}");
    assert!(e.message.contains("expected"), "{e}");

    let e = error("");
    assert!(e.message.contains("empty"), "{e}");
    let e = error("[]");
    assert!(e.message.contains("not a list"), "{e}");
    let e = error("{\"resources\": [{\"id\": \"1\"}]}");
    assert!(e.message.contains("no `type`"), "{e}");
    let e = error("{\"resources\": [{\"type\": \"t\"}]}");
    assert!(e.message.contains("no `id`"), "{e}");
    let e = error("{\"resources\": [{\"type\": \"t\", \"id\": \"1\"");
    assert!(e.message.contains("ends"), "{e}");
    let e = error(
        "{\"resources\": [{\"type\": \"t\", \"id\": \"1\", \"attributes\": {\"a\": 1, \"a\": 2}}]}",
    );
    assert!(e.message.contains("duplicate key"), "{e}");
    let e = error("{\"resources\": [{\"type\": \"t\", \"id\": \"1\", \"attributes\": [1]}]}");
    assert!(e.message.contains("must be an object"), "{e}");
    let e = error("{\"snapshot_version\": 2, \"resources\": []}");
    assert!(e.message.contains("unsupported snapshot_version 2"), "{e}");
    let e = error("{\"resources\": []} x");
    assert!(e.message.contains("after the snapshot"), "{e}");
    let e = error("{}");
    assert!(e.message.contains("no `resources`"), "{e}");
    let e = error(
        "{\"resources\": [{\"type\": \"t\", \"id\": \"1\", \"attributes\": {\"n\": 1e999}}]}",
    );
    assert!(e.message.contains("out of range"), "{e}");
    let deep = format!(
        "{{\"resources\": [{{\"type\": \"t\", \"id\": \"1\", \"attributes\": {{\"a\": {}1{}}}}}]}}",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    let e = error(&deep);
    assert!(
        e.message.contains("recursion limit") || e.message.contains("too deeply"),
        "{e}"
    );
    let e = load_slice(
        Path::new("x.json"),
        b"{\"resources\": [{\"type\": \"t\", \"id\": \"\xff\"}]}",
        &LoadOptions::default(),
    )
    .unwrap_err();
    assert!(
        e.message.contains("UTF-8") || e.message.contains("utf-8"),
        "{e}"
    );
}
