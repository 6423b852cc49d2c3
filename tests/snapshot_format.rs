//! The snapshot format as `docs/snapshot.md` and `docs/snapshot.schema.json`
//! describe it, checked against the real loader:
//!
//! * the schema is valid draft 2020-12 and accepts every snapshot the docs
//!   show, `examples/snapshot.json` and a generated bench snapshot, all of
//!   which `plumb check` loads;
//! * what the schema rejects, `plumb check` rejects too, and the limits the
//!   schema says it cannot state are exactly the cases it accepts and the
//!   loader rejects;
//! * the complete example and the error example in the docs print what the
//!   docs say;
//! * every class of bad input makes `plumb check` exit 2 with a message
//!   that names the file and the line and column, quickly and without a
//!   panic.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests"
)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::Value;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn tmp_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("snapshot_format");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn write(name: &str, content: &[u8]) -> PathBuf {
    let path = tmp_dir().join(name);
    std::fs::write(&path, content).unwrap();
    path
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(root().join(rel)).unwrap_or_else(|e| panic!("read {rel}: {e}"))
}

/// Longest a run may take. Every bad input here is rejected in well under
/// a second; the margin is for a loaded CI machine and a debug build.
const DEADLINE: Duration = Duration::from_secs(30);

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// Runs plumb in the repository root and kills it if it runs past
/// `DEADLINE`. Output goes to files, so a long report cannot fill a pipe
/// while the run is being timed.
fn plumb(args: &[&str]) -> Run {
    static RUNS: AtomicUsize = AtomicUsize::new(0);
    let n = RUNS.fetch_add(1, Ordering::Relaxed);
    let out_path = tmp_dir().join(format!("run-{}-{n}.stdout", std::process::id()));
    let err_path = tmp_dir().join(format!("run-{}-{n}.stderr", std::process::id()));
    let mut child = Command::new(env!("CARGO_BIN_EXE_plumb"))
        .current_dir(root())
        .args(args)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out_path).unwrap())
        .stderr(std::fs::File::create(&err_path).unwrap())
        .spawn()
        .expect("run plumb");
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > DEADLINE {
            let _ = child.kill();
            let _ = child.wait();
            panic!("plumb {args:?} still runs after {DEADLINE:?}");
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let run = Run {
        code: status.code(),
        stdout: String::from_utf8_lossy(&std::fs::read(&out_path).unwrap()).into_owned(),
        stderr: String::from_utf8_lossy(&std::fs::read(&err_path).unwrap()).into_owned(),
    };
    let _ = std::fs::remove_file(out_path);
    let _ = std::fs::remove_file(err_path);
    run
}

fn check(snapshot: &Path) -> Run {
    plumb(&[
        "check",
        "-p",
        "examples/quickstart.plumb",
        snapshot.to_str().unwrap(),
    ])
}

/// Text without whitespace and the renderer's box drawing. The renderer
/// wraps a long message wherever Unicode allows a line break (between `}`
/// and a backquote too), so messages are compared in this form.
fn squash(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '│' | '×'))
        .collect()
}

/// True if stderr shows `want`, however the renderer wrapped it.
fn shows(stderr: &str, want: &str) -> bool {
    squash(stderr).contains(&squash(want))
}

// ---------------------------------------------------------------------------
// The schema
// ---------------------------------------------------------------------------

fn schema() -> jsonschema::Validator {
    let schema: Value = serde_json::from_str(&read("docs/snapshot.schema.json")).unwrap();
    if let Err(e) = jsonschema::draft202012::meta::validate(&schema) {
        panic!("docs/snapshot.schema.json is not a valid draft 2020-12 schema: {e}");
    }
    jsonschema::draft202012::new(&schema).unwrap()
}

fn schema_errors(validator: &jsonschema::Validator, text: &str) -> Vec<String> {
    let instance: Value = serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"));
    validator
        .iter_errors(&instance)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

/// The fenced blocks of a Markdown text with the given info string, each
/// with the `## ` heading it is under.
fn blocks(markdown: &str, tag: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut section = String::new();
    // Inside a fence: its body if it has the tag, `None` if not.
    let mut fence: Option<Option<String>> = None;
    for line in markdown.lines() {
        match &mut fence {
            Some(body) if line == "```" => {
                if let Some(body) = body.take() {
                    out.push((section.clone(), body));
                }
                fence = None;
            }
            Some(Some(body)) => {
                body.push_str(line);
                body.push('\n');
            }
            Some(None) => {}
            None if line.starts_with("```") => {
                let info = line.trim_start_matches('`');
                fence = Some((info == tag).then(String::new));
            }
            None if line.starts_with("## ") => section = line.to_string(),
            None => {}
        }
    }
    out
}

/// The blocks of `docs/snapshot.md` with the given tag, in one section.
fn doc_blocks(section: &str, tag: &str) -> Vec<String> {
    blocks(&read("docs/snapshot.md"), tag)
        .into_iter()
        .filter(|(s, _)| s == section)
        .map(|(_, b)| b)
        .collect()
}

fn assert_valid_and_loads(validator: &jsonschema::Validator, name: &str, text: &str) {
    let errors = schema_errors(validator, text);
    assert!(
        errors.is_empty(),
        "{name}: the schema rejects it: {errors:?}"
    );
    let path = write(name, text.as_bytes());
    let run = check(&path);
    assert!(
        matches!(run.code, Some(0 | 1)),
        "{name}: plumb check does not load it (exit {:?}): {}",
        run.code,
        run.stderr
    );
}

#[test]
fn the_schema_accepts_the_documented_and_generated_snapshots() {
    let validator = schema();
    assert_valid_and_loads(&validator, "example.json", &read("examples/snapshot.json"));
    let docs = blocks(&read("docs/snapshot.md"), "json");
    assert!(
        docs.len() >= 4,
        "docs/snapshot.md has {} json blocks",
        docs.len()
    );
    for (i, (section, text)) in docs.iter().enumerate() {
        assert_valid_and_loads(&validator, &format!("doc-{i}.json"), text);
        assert!(!section.is_empty(), "block {i}");
    }
}

#[test]
fn the_schema_accepts_a_generated_bench_snapshot() {
    let generator = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/bench/gen/gen.py")
        .canonicalize();
    let Ok(generator) = generator else {
        eprintln!("skipped: ../shared/bench/gen/gen.py is not there");
        return;
    };
    let out = tmp_dir().join("bench");
    std::fs::create_dir_all(&out).unwrap();
    let ran = Command::new("python3")
        .arg(&generator)
        .args([
            "--n",
            "200",
            "--seed",
            "42",
            "--formats",
            "snapshot",
            "--out",
        ])
        .arg(&out)
        .output();
    let ran = match ran {
        Ok(ran) => ran,
        Err(e) => {
            eprintln!("skipped: python3 cannot be run ({e})");
            return;
        }
    };
    assert!(
        ran.status.success(),
        "gen.py failed: {}",
        String::from_utf8_lossy(&ran.stderr)
    );
    let path = out.join("snapshot.json");
    let text = std::fs::read_to_string(&path).unwrap();
    let errors = schema_errors(&schema(), &text);
    assert!(errors.is_empty(), "{errors:?}");
    let run = check(&path);
    assert!(matches!(run.code, Some(0 | 1)), "{}", run.stderr);
    assert!(run.stdout.contains("resources, 4 rules)"), "{}", run.stdout);
}

/// What the schema can express of the bad inputs: the schema and the
/// loader both reject each.
const SCHEMA_REJECTS: &[&str] = &[
    r#"[]"#,
    r#""resources""#,
    r#"{}"#,
    r#"{"resources": null}"#,
    r#"{"resources": {}}"#,
    r#"{"resources": [1]}"#,
    r#"{"resources": [[]]}"#,
    r#"{"resources": [{"id": "1"}]}"#,
    r#"{"resources": [{"type": "t"}]}"#,
    r#"{"resources": [{"type": null, "id": "1"}]}"#,
    r#"{"resources": [{"type": 7, "id": "1"}]}"#,
    r#"{"resources": [{"type": "t", "id": null}]}"#,
    r#"{"resources": [{"type": "t", "id": true}]}"#,
    r#"{"resources": [{"type": "t", "id": 1.5}]}"#,
    r#"{"resources": [{"type": "t", "id": 18446744073709551616000}]}"#,
    r#"{"resources": [{"type": "t", "id": -9223372036854775809000}]}"#,
    r#"{"resources": [{"type": "t", "id": {"a": 1}}]}"#,
    r#"{"resources": [{"type": "t", "id": "1", "name": 1}]}"#,
    r#"{"resources": [{"type": "t", "id": "1", "address": []}]}"#,
    r#"{"resources": [{"type": "t", "id": "1", "provider": false}]}"#,
    r#"{"resources": [{"type": "t", "id": "1", "source": "main.tf"}]}"#,
    r#"{"resources": [{"type": "t", "id": "1", "source": {"line": -1}}]}"#,
    r#"{"resources": [{"type": "t", "id": "1", "source": {"line": 4294967296}}]}"#,
    r#"{"resources": [{"type": "t", "id": "1", "source": {"line": "3"}}]}"#,
    r#"{"resources": [{"type": "t", "id": "1", "source": {"file": 1}}]}"#,
    r#"{"resources": [{"type": "t", "id": "1", "source": {"format": {}}}]}"#,
    r#"{"resources": [{"type": "t", "id": "1", "attributes": [1]}]}"#,
    r#"{"resources": [{"type": "t", "id": "1", "attributes": "a=1"}]}"#,
    r#"{"resources": [{"type": "t", "id": "1", "attributes": 0}]}"#,
    r#"{"resources": [{"type": "t", "id": "1", "unknown": null}]}"#,
    r#"{"resources": [{"type": "t", "id": "1", "unknown": "/a"}]}"#,
    r#"{"resources": [{"type": "t", "id": "1", "unknown": ["a"]}]}"#,
    r#"{"resources": [{"type": "t", "id": "1", "unknown": [1]}]}"#,
    r#"{"resources": [{"type": "t", "id": "1", "sensitive": null}]}"#,
    r#"{"resources": [{"type": "t", "id": "1", "sensitive": ["password"]}]}"#,
    r#"{"snapshot_version": 2, "resources": []}"#,
    r#"{"snapshot_version": "1", "resources": []}"#,
    r#"{"snapshot_version": null, "resources": []}"#,
    r#"{"snapshot_version": 0, "resources": []}"#,
];

/// The documented limits JSON Schema cannot state: the schema accepts each
/// (as far as a JSON parser lets it see the text), the loader does not.
const ONLY_THE_LOADER_REJECTS: &[&str] = &[
    r#"{"resources": [], "resources": []}"#,
    r#"{"a": 1, "a": 2, "resources": []}"#,
    r#"{"resources": [{"type": "t", "type": "t", "id": "1"}]}"#,
    r#"{"resources": [{"type": "t", "id": "1", "x": 1, "x": 2}]}"#,
    r#"{"resources": [{"type": "t", "id": "1", "attributes": {"a": 1, "a": 2}}]}"#,
    r#"{"resources": [{"type": "t", "id": 1.0}]}"#,
    r#"{"resources": [{"type": "t", "id": 1e3}]}"#,
    r#"{"snapshot_version": 1.0, "resources": []}"#,
    r#"{"resources": [{"type": "t", "id": "1", "source": {"line": 3.0}}]}"#,
    // Read as a float, this is -2^63, the smallest id there is.
    r#"{"resources": [{"type": "t", "id": -9223372036854775809}]}"#,
];

#[test]
fn what_the_schema_rejects_the_loader_rejects() {
    let validator = schema();
    for (i, text) in SCHEMA_REJECTS.iter().enumerate() {
        assert!(
            !schema_errors(&validator, text).is_empty(),
            "the schema accepts {text}"
        );
        let run = check(&write(&format!("rejects-{i}.json"), text.as_bytes()));
        assert_eq!(run.code, Some(2), "the loader accepts {text}");
        assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    }
    for (i, text) in ONLY_THE_LOADER_REJECTS.iter().enumerate() {
        let errors = schema_errors(&validator, text);
        assert!(errors.is_empty(), "{text}: {errors:?}");
        let run = check(&write(&format!("loader-rejects-{i}.json"), text.as_bytes()));
        assert_eq!(run.code, Some(2), "the loader accepts {text}");
    }
}

// ---------------------------------------------------------------------------
// The examples in the docs
// ---------------------------------------------------------------------------

#[test]
fn the_complete_example_prints_what_the_docs_show() {
    let section = "## A complete example";
    let policy = doc_blocks(section, "plumb");
    let snapshot = doc_blocks(section, "json");
    let output = doc_blocks(section, "text");
    assert_eq!((policy.len(), snapshot.len(), output.len()), (1, 1, 1));
    let policy_path = write("complete-example.plumb", policy[0].as_bytes());
    let snapshot_path = write("complete-example.json", snapshot[0].as_bytes());
    let run = plumb(&[
        "check",
        "-p",
        policy_path.to_str().unwrap(),
        snapshot_path.to_str().unwrap(),
    ]);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    // The docs name the rule file as `plumb check -p policy.plumb` does.
    let stdout = run
        .stdout
        .replace(policy_path.to_str().unwrap(), "policy.plumb");
    assert_eq!(stdout, output[0]);
}

#[test]
fn the_error_example_prints_what_the_docs_show() {
    let text = doc_blocks("## Errors", "text");
    let path = write("snapshot.json", text[0].as_bytes());
    let run = check(&path);
    assert_eq!(run.code, Some(2));
    let want = text[1].replacen("snapshot.json", path.to_str().unwrap(), 1);
    assert!(shows(&run.stderr, &want), "{}", run.stderr);

    let missing = root().join("missing.json");
    let run = check(&missing);
    let want = text[2].replacen("missing.json", missing.to_str().unwrap(), 1);
    assert!(shows(&run.stderr, &want), "{}", run.stderr);

    let versioned = write(
        "versioned.json",
        br#"{"snapshot_version": 2, "resources": []}"#,
    );
    let run = check(&versioned);
    let want = &doc_blocks("## Versioning", "text")[0];
    let want = want.replacen("snapshot.json", versioned.to_str().unwrap(), 1);
    assert!(shows(&run.stderr, &want), "{}", run.stderr);
}

// ---------------------------------------------------------------------------
// Bad input through the binary
// ---------------------------------------------------------------------------

/// Where a bad input's error must point.
#[derive(Clone, Copy)]
enum Place {
    /// This line and column.
    At(usize, usize),
    /// Some line and column.
    Any,
    /// No position: the file could not be read.
    None,
}

use Place::{Any, At};

/// One class of bad input: a name, the file's bytes, how the message
/// starts, and where it points.
type Bad = (&'static str, Vec<u8>, &'static str, Place);

fn bad(name: &'static str, content: &str, message: &'static str, place: Place) -> Bad {
    (name, content.as_bytes().to_vec(), message, place)
}

fn nested(open: &str, close: &str, n: usize) -> String {
    format!("{}1{}", open.repeat(n), close.repeat(n))
}

fn bad_inputs() -> Vec<Bad> {
    let list = nested("[", "]", 100_000);
    let object = nested("{\"a\": ", "}", 100_000);
    let too_deep = "lists and objects are nested more than 128 deep";
    vec![
        // The document.
        bad("empty", "", "the file is empty: expected a JSON object", At(1, 1)),
        bad("blank", "  \n\t", "the file is empty", At(2, 2)),
        bad(
            "truncated",
            r#"{"resources": [{"type": "t""#,
            "the file ends in the middle of a value",
            At(1, 28),
        ),
        bad(
            "truncated after the list",
            r#"{"resources": []"#,
            "the file ends before the snapshot object is closed",
            At(1, 17),
        ),
        bad(
            "truncated in the list",
            "{\"resources\": [\n",
            "the file ends inside the `resources` list",
            At(2, 1),
        ),
        bad(
            "truncated in a string",
            r#"{"resources": [{"type": "t", "id": "1"#,
            "the file ends in the middle of a value",
            Any,
        ),
        bad(
            "top-level list",
            r#"[{"type": "t", "id": "1"}]"#,
            "a snapshot is an object with a `resources` list, not a list",
            At(1, 1),
        ),
        bad(
            "top-level string",
            r#""resources""#,
            "expected a JSON object, found a string",
            At(1, 1),
        ),
        bad(
            "missing resources",
            r#"{"snapshot_version": 1}"#,
            "the snapshot has no `resources` list",
            At(1, 1),
        ),
        bad(
            "resources an object",
            r#"{"resources": {}}"#,
            "`resources` must be a list of resources, found an object",
            At(1, 15),
        ),
        bad(
            "resources null",
            r#"{"resources": null}"#,
            "`resources` must be a list of resources, found null",
            At(1, 15),
        ),
        bad(
            "trailing garbage",
            r#"{"resources": []} x"#,
            "found `x` after the snapshot object",
            At(1, 19),
        ),
        bad(
            "a second object",
            "{\"resources\": []}\n{\"resources\": []}\n",
            "found an object after the snapshot object",
            At(2, 1),
        ),
        // Resources.
        bad(
            "resource a number",
            r#"{"resources": [{"type": "t", "id": "1"}, 42]}"#,
            "each resource must be an object, found a number",
            At(1, 42),
        ),
        bad(
            "resource a string",
            r#"{"resources": ["t"]}"#,
            "each resource must be an object, found a string",
            At(1, 16),
        ),
        bad(
            "missing type",
            r#"{"resources": [{"id": "1"}]}"#,
            "the resource has no `type`",
            At(1, 26),
        ),
        bad(
            "missing id",
            "{\"resources\": [\n  {\"type\": \"aws_s3_bucket\", \"name\": \"logs\"}\n]}",
            "the `aws_s3_bucket` resource has no `id`",
            At(2, 43),
        ),
        bad(
            "type null",
            r#"{"resources": [{"type": null, "id": "1"}]}"#,
            "invalid type: null, expected a string",
            At(1, 28),
        ),
        bad(
            "id a float",
            r#"{"resources": [{"type": "t", "id": 1.5}]}"#,
            "invalid type: floating point `1.5`, expected a string or integer id",
            At(1, 38),
        ),
        bad(
            "attributes a list",
            r#"{"resources": [{"type": "t", "id": "1", "attributes": [1]}]}"#,
            "`attributes` of `t` `1` must be an object, found list",
            At(1, 58),
        ),
        bad(
            "attributes a string",
            r#"{"resources": [{"type": "aws_s3_bucket", "id": "b", "attributes": "acl"}]}"#,
            "`attributes` of `aws_s3_bucket` `b` must be an object, found string",
            Any,
        ),
        bad(
            "pointer without a slash",
            r#"{"resources": [{"type": "t", "id": "1", "unknown": ["a"]}]}"#,
            "`a` is not a JSON pointer (it must start with `/`)",
            Any,
        ),
        bad(
            "source line negative",
            r#"{"resources": [{"type": "t", "id": "1", "source": {"line": -1}}]}"#,
            "invalid value: integer `-1`",
            Any,
        ),
        // Duplicate keys, wherever they are.
        bad(
            "duplicate top-level key",
            r#"{"resources": [], "resources": []}"#,
            "duplicate key `resources`",
            At(1, 19),
        ),
        bad(
            "duplicate ignored top-level key",
            r#"{"a": 1, "resources": [], "a": 2}"#,
            "duplicate key `a`",
            At(1, 27),
        ),
        bad(
            "duplicate key in an ignored value",
            r#"{"meta": {"k": 1, "k": 2}, "resources": []}"#,
            "duplicate key `k`",
            Any,
        ),
        bad(
            "duplicate key in a resource",
            r#"{"resources": [{"type": "t", "id": "1", "type": "u"}]}"#,
            "duplicate key `type`",
            At(1, 46),
        ),
        bad(
            "duplicate ignored key in a resource",
            r#"{"resources": [{"type": "t", "id": "1", "x": 1, "x": 2}]}"#,
            "duplicate key `x`",
            At(1, 51),
        ),
        bad(
            "duplicate attribute a rule reads",
            "{\"resources\": [\n {\"type\": \"aws_s3_bucket\", \"id\": \"b\",\n  \"attributes\": \
             {\"tags\": {\"env\": \"prod\", \"env\": \"dev\"}}}]}",
            "duplicate key `env`",
            At(3, 46),
        ),
        bad(
            "duplicate attribute no rule reads",
            r#"{"resources": [{"type": "t", "id": "1", "attributes": {"a": {"b": 1, "b": 2}}}]}"#,
            "duplicate key `b`",
            At(1, 72),
        ),
        bad(
            "duplicate attribute before the type",
            r#"{"resources": [{"attributes": {"a": 1, "a": 2}, "type": "t", "id": "1"}]}"#,
            "duplicate key `a`",
            At(1, 42),
        ),
        // Encoding.
        (
            "invalid UTF-8 in an id",
            b"{\"resources\": [{\"type\": \"t\", \"id\": \"ab\xffc\"}]}".to_vec(),
            "invalid UTF-8",
            At(1, 39),
        ),
        (
            "invalid UTF-8 in an attribute no rule reads",
            b"{\"resources\": [{\"type\": \"t\", \"id\": \"1\", \"attributes\": {\"a\": \"\xc3\"}}]}"
                .to_vec(),
            "invalid UTF-8",
            At(1, 62),
        ),
        (
            "invalid UTF-8 in an ignored value",
            b"{\"note\": \"\xfe\", \"resources\": []}".to_vec(),
            "invalid UTF-8",
            Any,
        ),
        (
            "invalid UTF-8 between values",
            b"{\"resources\": [] \xff}".to_vec(),
            "expected `,` or `}`, found the byte 0xff",
            At(1, 18),
        ),
        bad(
            "lone surrogate",
            r#"{"resources": [{"type": "t", "id": "\ud800"}]}"#,
            "invalid UTF-8 or `\\u` escape in a string",
            Any,
        ),
        bad(
            "columns count characters",
            r#"{"resources": [{"type": "ü", "id": "1" "x": 1}]}"#,
            "expected `,` or `}`",
            At(1, 40),
        ),
        bad(
            "byte-order mark",
            "\u{feff}{\"resources\": 1}",
            "`resources` must be a list of resources, found a number",
            At(1, 15),
        ),
        // Syntax.
        bad(
            "mismatched brackets",
            r#"{"resources": [{"type": "t", "id": "1"]}"#,
            "expected `,` or `}`",
            Any,
        ),
        bad(
            "missing comma",
            "{\"resources\": [\n{\"type\": \"t\", \"id\": \"1\"},\n{\"type\": \"t\" \"id\": 2}]}",
            "expected `,` or `}`",
            At(3, 14),
        ),
        // Versions.
        bad(
            "snapshot_version 2",
            r#"{"snapshot_version": 2, "resources": []}"#,
            "unsupported snapshot_version 2: this plumb reads version 1",
            At(1, 22),
        ),
        bad(
            "snapshot_version a string",
            r#"{"snapshot_version": "1", "resources": []}"#,
            "unsupported snapshot_version \"1\"",
            At(1, 22),
        ),
        bad(
            "snapshot_version 1.0",
            r#"{"resources": [], "snapshot_version": 1.0}"#,
            "unsupported snapshot_version 1.0",
            At(1, 39),
        ),
        // Numbers.
        bad(
            "NaN",
            r#"{"resources": [{"type": "t", "id": "1", "attributes": {"n": NaN}}]}"#,
            "expected a JSON value",
            At(1, 61),
        ),
        bad(
            "Infinity",
            r#"{"resources": [{"type": "aws_s3_bucket", "id": "1", "attributes": {"tags": Infinity}}]}"#,
            "expected a JSON value",
            Any,
        ),
        bad(
            "1e999 a rule reads",
            r#"{"resources": [{"type": "aws_s3_bucket", "id": "1", "attributes": {"tags": {"env": 1e999}}}]}"#,
            "number out of range",
            At(1, 88),
        ),
        bad(
            "1e999 no rule reads",
            r#"{"resources": [{"type": "t", "id": "1", "attributes": {"n": 1e999}}]}"#,
            "number out of range",
            At(1, 65),
        ),
        bad(
            "1e999 ignored",
            r#"{"max": -1e999, "resources": []}"#,
            "number out of range",
            Any,
        ),
        bad(
            "1e999 as an id",
            r#"{"resources": [{"type": "t", "id": 1e999}]}"#,
            "number out of range",
            Any,
        ),
        // 100,000-deep nesting.
        bad(
            "deep attribute a rule reads",
            &format!(
                r#"{{"resources": [{{"type": "aws_s3_bucket", "id": "1", "attributes": {{"tags": {list}}}}}]}}"#
            ),
            too_deep,
            // The 125th `[`: depth 129.
            At(1, 200),
        ),
        bad(
            "deep attribute no rule reads",
            &format!(
                r#"{{"resources": [{{"type": "t", "id": "1", "attributes": {{"a": {object}}}}}]}}"#
            ),
            too_deep,
            Any,
        ),
        bad(
            "deep attribute before the type",
            &format!(r#"{{"resources": [{{"attributes": {{"a": {list}}}, "type": "t", "id": "1"}}]}}"#),
            too_deep,
            Any,
        ),
        bad(
            "deep ignored key",
            &format!(r#"{{"resources": [{{"type": "t", "id": "1", "x": {list}}}]}}"#),
            too_deep,
            Any,
        ),
        bad(
            "deep ignored value",
            &format!(r#"{{"x": {list}, "resources": []}}"#),
            too_deep,
            // The 128th `[`: depth 129.
            At(1, 134),
        ),
        bad(
            "deep resources",
            &format!(r#"{{"resources": {list}}}"#),
            "each resource must be an object, found a list",
            At(1, 16),
        ),
        bad(
            "deep and unclosed",
            &format!(
                r#"{{"resources": [{{"type": "t", "id": "1", "attributes": {{"a": {}"#,
                "[".repeat(100_000)
            ),
            "the file ends in the middle of a value",
            Any,
        ),
    ]
}

#[test]
fn every_bad_input_exits_2_naming_the_file_and_place() {
    let mut failures = Vec::new();
    for (i, (name, content, message, place)) in bad_inputs().into_iter().enumerate() {
        let path = write(&format!("bad-{i:02}.json"), &content);
        failures.extend(expect_rejected(name, &path, message, place));
    }
    let missing = tmp_dir().join("does-not-exist.json");
    failures.extend(expect_rejected(
        "nonexistent file",
        &missing,
        "cannot read the file:",
        Place::None,
    ));
    let dir = tmp_dir().join("a-directory.json");
    std::fs::create_dir_all(&dir).unwrap();
    // A directory stands for the source files in it; none is an error.
    failures.extend(expect_rejected(
        "a directory",
        &dir,
        "the directory holds no snapshot or source files",
        Place::None,
    ));
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

/// Runs `plumb check` on `path`; what is wrong with the outcome, if
/// anything.
fn expect_rejected(name: &str, path: &Path, message: &str, place: Place) -> Vec<String> {
    let start = Instant::now();
    let run = check(path);
    let took = start.elapsed();
    let mut wrong = Vec::new();
    if run.code != Some(2) {
        wrong.push(format!("{name}: exit {:?}, not 2", run.code));
    }
    if run.stderr.contains("panicked") {
        wrong.push(format!("{name}: panicked: {}", run.stderr));
    }
    if !run.stdout.is_empty() {
        wrong.push(format!("{name}: printed findings: {}", run.stdout));
    }
    if took > Duration::from_secs(10) {
        wrong.push(format!("{name}: took {took:?}"));
    }
    // `FILE:LINE:COLUMN: MESSAGE`, or `FILE: MESSAGE` without a position.
    let file = path.to_str().unwrap();
    let want = match place {
        At(line, column) => format!("{file}:{line}:{column}: {message}"),
        Any => format!("{file}:LINE:COLUMN: {message}"),
        Place::None => format!("{file}: {message}"),
    };
    let shown = match place {
        At(..) | Place::None => shows(&run.stderr, &want),
        Any => {
            let stderr = squash(&run.stderr);
            let prefix = squash(&format!("{file}:"));
            stderr
                .find(&prefix)
                .and_then(|at| {
                    let rest = stderr.get(at + prefix.len()..)?;
                    let (line, rest) = rest.split_once(':')?;
                    let (column, rest) = rest.split_once(':')?;
                    let number = |n: &str| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit());
                    Some(number(line) && number(column) && rest.starts_with(&squash(message)))
                })
                .unwrap_or(false)
        }
    };
    if !shown {
        wrong.push(format!("{name}: wanted `{want}` in:\n{}", run.stderr));
    }
    wrong
}
