#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
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
    assert!(e.message.contains("nested more than 128 deep"), "{e}");
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

/// A projection that keeps nothing of any resource's attributes.
fn nothing() -> Projection {
    Projection {
        patterns: Some(Vec::new()),
    }
}

fn error_with(text: &[u8], projection: Projection) -> SnapshotError {
    load_slice(
        Path::new("test.json"),
        text,
        &LoadOptions {
            projection,
            threads: 1,
        },
    )
    .unwrap_err()
}

#[test]
fn columns_count_characters_not_bytes() {
    // `ü` is two bytes; the stray `"x"` starts at character 40.
    let e = error("{\"resources\": [{\"type\": \"ü\", \"id\": \"1\" \"x\": 1}]}");
    assert_eq!((e.line, e.column), (1, 40), "{e}");
    let e = error("{\"resources\": [\n  {\"type\": \"t\",\n   \"name\": \"üüü\", \"id\": 1.5}]}");
    assert_eq!((e.line, e.column), (3, 27), "{e}");
    // A byte-order mark is not a column.
    let e = error("\u{feff}{\"resources\": 1}");
    assert_eq!((e.line, e.column), (1, 15), "{e}");
}

#[test]
fn attributes_before_the_type_report_the_same_place() {
    // The same bad number, once after `type` and once before it, at the
    // same column.
    let after = error(
        "{\"resources\": [{\"type\": \"t\", \"id\": \"1\", \"attributes\": {\"n\": 1e999}}]}",
    );
    let before = error(
        "{\"resources\": [{\"attributes\": {\"n\": 1e999}, \"type\": \"t\", \"id\": \"1\"}]}",
    );
    assert_eq!((after.line, after.column), (1, 65), "{after}");
    assert_eq!((before.line, before.column), (1, 41), "{before}");
    assert_eq!(after.message, before.message);
    assert_eq!(after.message, "number out of range");
}

#[test]
fn what_the_projection_skips_is_checked_too() {
    // Whether a file loads never depends on the policy: every bad value
    // fails whether its attribute is kept or skipped, at the same place.
    let deep = |n: usize| {
        format!(
            "{{\"resources\": [{{\"type\": \"t\", \"id\": \"1\", \"attributes\": {{\"a\": {}1{}}}}}]}}",
            "[".repeat(n),
            "]".repeat(n)
        )
    };
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (
            br#"{"resources": [{"type": "t", "id": "1", "attributes": {"a": 1e999}}]}"#.to_vec(),
            "number out of range",
        ),
        (
            br#"{"resources": [{"type": "t", "id": "1", "attributes": {"a": {"b": 1, "b": 2}}}]}"#
                .to_vec(),
            "duplicate key `b`",
        ),
        (
            b"{\"resources\": [{\"type\": \"t\", \"id\": \"1\", \"attributes\": {\"a\": \"\xff\"}}]}"
                .to_vec(),
            "invalid UTF-8",
        ),
        (
            br#"{"resources": [{"type": "t", "id": "1", "attributes": {"a": "\ud800"}}]}"#.to_vec(),
            "invalid UTF-8 or `\\u` escape in a string",
        ),
        // Depth 4 is `attributes`; 125 lists inside it reach 129.
        (
            deep(125).into_bytes(),
            "lists and objects are nested more than 128 deep",
        ),
        (deep(100_000).into_bytes(), "nested more than 128 deep"),
    ];
    for (text, want) in &cases {
        let kept = error_with(text, Projection::everything());
        let skipped = error_with(text, nothing());
        assert!(kept.message.contains(want), "{kept}");
        assert_eq!(kept, skipped);
    }
    // 128 deep loads, kept or skipped.
    for projection in [Projection::everything(), nothing()] {
        let text = deep(124);
        let s = load_slice(
            Path::new("test.json"),
            text.as_bytes(),
            &LoadOptions {
                projection,
                threads: 1,
            },
        );
        assert!(s.is_ok(), "{:?}", s.err());
    }
}

#[test]
fn other_top_level_values_and_unknown_keys_are_checked() {
    for (text, want, at) in [
        (
            r#"{"a": 1, "a": 2, "resources": []}"#,
            "duplicate key `a`",
            (1, 10),
        ),
        (
            r#"{"x": 1e999, "resources": []}"#,
            "number out of range",
            (1, 11),
        ),
        (
            r#"{"x": {"k": 1, "k": 2}, "resources": []}"#,
            "duplicate key `k`",
            (1, 18),
        ),
        (
            r#"{"resources": [{"type": "t", "id": "1", "x": 1, "x": 2}]}"#,
            "duplicate key `x`",
            (1, 51),
        ),
        (
            r#"{"resources": [{"type": "t", "id": "1", "source": {"line": 1, "x": 1e999}}]}"#,
            "number out of range",
            (1, 72),
        ),
        (
            r#"{"resources": [{"type": "t", "id": "1", "source": {"file": "a", "file": "b"}}]}"#,
            "duplicate key `file`",
            (1, 70),
        ),
    ] {
        let e = error(text);
        assert!(e.message.contains(want), "{e}");
        assert_eq!((e.line, e.column), at, "{e}");
    }
    let e = error_with(
        b"{\"x\": \"\xff\", \"resources\": []}",
        Projection::everything(),
    );
    assert!(e.message.contains("UTF-8"), "{e}");
    let deep = format!(
        "{{\"x\": {}{}, \"resources\": []}}",
        "[".repeat(128),
        "]".repeat(128)
    );
    let e = error(&deep);
    assert!(e.message.contains("nested more than 128 deep"), "{e}");
    assert_eq!((e.line, e.column), (1, 134), "{e}");
}

#[test]
fn the_first_error_in_the_file_is_reported() {
    // A bad resource, then trailing garbage: the resource's error comes
    // first in the file, so it is the one reported, whatever the threads.
    for threads in [1, 2, 4] {
        let e = load(
            "{\"resources\": [{\"type\": \"t\"}]} garbage",
            threads,
            Projection::everything(),
        )
        .unwrap_err();
        assert!(e.message.contains("no `id`"), "{threads}: {e}");
    }
}

#[test]
fn invalid_utf8_is_reported_at_the_byte() {
    let e = error_with(
        b"{\"resources\": [{\"type\": \"t\",\n \"id\": \"ab\xffc\"}]}",
        Projection::everything(),
    );
    assert_eq!(e.message, "invalid UTF-8");
    assert_eq!((e.line, e.column), (2, 11), "{e}");
}

/// Batches are guessed at `},{`; a guess inside a string makes a batch fail
/// to parse and the file is loaded again without guessing. Either way the
/// resources are the same as one thread finding every boundary.
#[test]
fn guessed_batch_ends_inside_strings_fall_back_to_exact_splitting() {
    let mut text = String::from("{\"resources\": [\n");
    for i in 0..6000 {
        if i > 0 {
            text.push_str(",\n");
        }
        // Every value ends with `},{` inside its string.
        text.push_str(&format!(
            r#"{{"type": "t", "id": "r{i}", "attributes": {{"v": "x}},{{", "n": {i}, "pad": "{}"}}}}"#,
            "p".repeat(40)
        ));
    }
    text.push_str("]}\n");
    let one = load(&text, 1, Projection::everything()).unwrap();
    let two = load(&text, 2, Projection::everything()).unwrap();
    assert_eq!(one.len(), 6000);
    assert_eq!(one.resources, two.resources);
    assert_eq!(
        one.resources[5999].attributes.field("v"),
        Value::string("x},{")
    );

    // And a plain file, where the guesses hold: same result as well.
    let plain = text.replace("x},{", "x");
    let a = load(&plain, 1, Projection::everything()).unwrap();
    let b = load(&plain, 3, Projection::everything()).unwrap();
    assert_eq!(a.resources, b.resources);
    assert_eq!(a.len(), 6000);
}

/// A malformed resource deep in a large file is reported at the same place
/// whether or not batches were guessed.
#[test]
fn errors_in_guessed_batches_are_reported_exactly() {
    let mut text = String::from("{\"resources\": [\n");
    for i in 0..6000 {
        if i > 0 {
            text.push_str(",\n");
        }
        if i == 4321 {
            text.push_str(r#"{"type": "t", "id": "bad" "attributes": {}}"#);
        } else {
            text.push_str(&format!(
                r#"{{"type": "t", "id": "r{i}", "attributes": {{"pad": "{}"}}}}"#,
                "p".repeat(60)
            ));
        }
    }
    text.push_str("]}\n");
    let e = load(&text, 2, Projection::everything()).unwrap_err();
    assert_eq!(e.line, 4322 + 1, "{e}");
    assert_eq!(e.column, 27, "{e}");
}

/// Mutated snapshots (bytes flipped, deleted, inserted, structural
/// characters dropped in) never panic, and loading them with one thread
/// (no guessing pays off) and with three (guessed batches checked by
/// parsing) gives the same resources or the same error at the same place.
#[test]
fn mutated_snapshots_load_the_same_at_any_thread_count() {
    let mut base = String::from("{\"snapshot_version\": 1, \"resources\": [\n");
    for i in 0..2000 {
        if i > 0 {
            base.push_str(",\n");
        }
        base.push_str(&format!(
            r#"{{"type": "aws_s3_bucket", "id": "b{i}", "attributes": {{"tags": {{"env": "prod", "n": {i}}}, "ingress": [{{"from": 1}}, {{"to": [2, 3]}}], "s": "x\"y\\z"}}}}"#
        ));
    }
    base.push_str("\n]}\n");
    let bytes = base.into_bytes();
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move |n: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % n as u64) as usize
    };
    let structural = b"{}[],:\"\\ 0tn";
    for round in 0..80 {
        let mut m = bytes.clone();
        for _ in 0..1 + next(3) {
            let at = next(m.len());
            match next(4) {
                0 => m[at] ^= 1 << next(8),
                1 => {
                    m.remove(at);
                }
                2 => m.insert(at, structural[next(structural.len())]),
                _ => m.truncate(at.max(1)),
            }
        }
        let options = |threads| LoadOptions {
            projection: Projection::everything(),
            threads,
        };
        let one = load_slice(Path::new("m.json"), &m, &options(1));
        let three = load_slice(Path::new("m.json"), &m, &options(3));
        match (&one, &three) {
            (Ok(a), Ok(b)) => assert_eq!(a.resources, b.resources, "round {round}"),
            (Err(a), Err(b)) => assert_eq!(a, b, "round {round}"),
            _ => panic!("round {round}: {one:?} vs {three:?}"),
        }
    }
}
