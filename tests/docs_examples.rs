//! The examples in the language and built-in references stay true.
//!
//! * `examples_lint_as_documented`: every fenced block tagged `plumb` in
//!   `docs/language.md`, `docs/builtins.md`, `docs/import.md` and `README.md` is a complete
//!   file that lints clean (no error, no warning). A block tagged
//!   `plumb,error` must give at least one error; its first line is a comment
//!   naming the codes it demonstrates (`// E0403`), every one of them must
//!   appear, and no other code may. A block may hold several files: a line
//!   `// file: NAME` starts each, and the files are checked together (for
//!   imports). A failure names the document and the line in it.
//! * `builtins_page_matches_the_table`: `docs/builtins.md` has one section
//!   per entry of `plumb_stdlib::builtins::BUILTINS`, in the table's order,
//!   each with the signature the checker uses, its null and error behaviour,
//!   and an example that calls it.
//! * `links_into_the_references_resolve`: every `language.md#...` and
//!   `builtins.md#...` link in the repository's Markdown names a heading
//!   that exists.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests"
)]

use std::collections::{BTreeSet, HashMap};
use std::fmt::Write as _;
use std::path::{Component, Path, PathBuf};

use plumb_compiler::{Code, Level, SourceMap, analyze};
use plumb_stdlib::builtins::{BUILTINS, Builtin, Param, Ty};

/// The documents whose `plumb` examples are checked.
const DOCS: &[&str] = &[
    "docs/language.md",
    "docs/builtins.md",
    "docs/import.md",
    "README.md",
];

/// Markdown files whose links into the references are checked.
const LINKING_DOCS: &[&str] = &[
    "README.md",
    "ARCHITECTURE.md",
    "docs/language.md",
    "docs/builtins.md",
    "docs/diagnostics.md",
    "docs/import.md",
    "policies/README.md",
    "bench/rules/README.md",
    "examples/README.md",
];

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(root().join(rel)).unwrap_or_else(|e| panic!("read {rel}: {e}"))
}

// ---------------------------------------------------------------------------
// Fenced blocks
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    Clean,
    Error,
}

/// One fenced code block.
#[derive(Debug)]
struct Fence {
    /// The info string after the backticks (`plumb`, `text`, ...).
    info: String,
    /// 1-based line of the opening fence in the document.
    line: usize,
    /// The content lines, with the fence's indentation removed.
    lines: Vec<String>,
}

/// Every fenced block of a Markdown document. Panics on an unclosed fence.
fn fences(doc: &str, text: &str) -> Vec<Fence> {
    let mut out = Vec::new();
    let mut lines = text.lines().enumerate();
    while let Some((i, line)) = lines.next() {
        let trimmed = line.trim_start();
        let ticks = trimmed.chars().take_while(|&c| c == '`').count();
        if ticks < 3 {
            continue;
        }
        let indent = line.len() - trimmed.len();
        let info = trimmed[ticks..].trim().to_string();
        let mut body = Vec::new();
        let mut closed = false;
        for (_, inner) in lines.by_ref() {
            let t = inner.trim_start();
            if t.chars().take_while(|&c| c == '`').count() >= ticks
                && t.trim_start_matches('`').trim().is_empty()
            {
                closed = true;
                break;
            }
            let strip = inner.len() - t.len();
            body.push(inner[strip.min(indent)..].to_string());
        }
        assert!(closed, "{doc}:{}: code block is never closed", i + 1);
        out.push(Fence {
            info,
            line: i + 1,
            lines: body,
        });
    }
    out
}

/// A `plumb` example: what it must give, and its files.
struct Example {
    doc: &'static str,
    /// Line of the opening fence.
    line: usize,
    expect: Expect,
    /// Codes named on the first line of an error example.
    codes: Vec<Code>,
    files: Vec<ExampleFile>,
}

struct ExampleFile {
    name: String,
    text: String,
    /// Document line of the file's first line.
    first_line: usize,
}

fn examples(doc: &'static str) -> Vec<Example> {
    let text = read(doc);
    let mut out = Vec::new();
    for fence in fences(doc, &text) {
        let expect = match fence.info.as_str() {
            "plumb" => Expect::Clean,
            "plumb,error" => Expect::Error,
            other if other.starts_with("plumb") => panic!(
                "{doc}:{}: unknown tag `{other}`; use `plumb` or `plumb,error`",
                fence.line
            ),
            _ => continue,
        };
        let codes = match expect {
            Expect::Clean => Vec::new(),
            Expect::Error => {
                let first = fence.lines.first().map(String::as_str).unwrap_or("");
                let codes: Vec<Code> = first
                    .strip_prefix("//")
                    .unwrap_or("")
                    .split(|c: char| c.is_whitespace() || c == ',')
                    .filter_map(Code::parse)
                    .collect();
                assert!(
                    !codes.is_empty(),
                    "{doc}:{}: a `plumb,error` example starts with a comment naming \
                     the codes it shows, such as `// E0403`; found `{first}`",
                    fence.line + 1
                );
                codes
            }
        };
        out.push(Example {
            doc,
            line: fence.line,
            expect,
            codes,
            files: split_files(&fence),
        });
    }
    out
}

/// Splits a block at its `// file: NAME` lines; a block without them is one
/// file.
fn split_files(fence: &Fence) -> Vec<ExampleFile> {
    let mut files: Vec<ExampleFile> = Vec::new();
    for (i, line) in fence.lines.iter().enumerate() {
        let doc_line = fence.line + 1 + i;
        if let Some(name) = line.trim().strip_prefix("// file:") {
            files.push(ExampleFile {
                name: name.trim().to_string(),
                text: String::new(),
                first_line: doc_line,
            });
        } else if files.is_empty() {
            files.push(ExampleFile {
                name: "example.plumb".to_string(),
                text: String::new(),
                first_line: doc_line,
            });
        }
        let file = files.last_mut().unwrap();
        file.text.push_str(line);
        file.text.push('\n');
    }
    files
}

/// Lints one example; returns what is wrong with it, if anything.
fn check_example(example: &Example) -> Option<String> {
    let mut sources = SourceMap::new();
    let ids: Vec<_> = example
        .files
        .iter()
        .map(|f| sources.add(f.name.clone(), f.text.clone()))
        .collect();
    let analysis = analyze(&sources);
    let mut found = String::new();
    for d in &analysis.diagnostics {
        let (line, col) = sources.line_col(d.file, d.primary.span.start);
        let first = ids
            .iter()
            .position(|id| *id == d.file)
            .map_or(example.line + 1, |i| example.files[i].first_line);
        let level = match d.level {
            Level::Error => "error",
            Level::Warning => "warning",
        };
        let _ = writeln!(
            found,
            "    {}:{}:{col}: {level} [{} {}] {}",
            example.doc,
            first + line - 1,
            d.code,
            d.code.name(),
            d.message
        );
    }
    let codes: BTreeSet<Code> = analysis.diagnostics.iter().map(|d| d.code).collect();
    let problem = match example.expect {
        Expect::Clean if !analysis.diagnostics.is_empty() => {
            "must lint clean (0 errors, 0 warnings)".to_string()
        }
        Expect::Clean => return None,
        Expect::Error if !analysis.has_errors() => "must give at least one error".to_string(),
        Expect::Error => {
            let missing: Vec<String> = example
                .codes
                .iter()
                .filter(|c| !codes.contains(c))
                .map(|c| c.to_string())
                .collect();
            let extra: Vec<String> = codes
                .iter()
                .filter(|c| !example.codes.contains(c))
                .map(|c| c.to_string())
                .collect();
            if missing.is_empty() && extra.is_empty() {
                return None;
            }
            let mut p = String::new();
            if !missing.is_empty() {
                let _ = write!(p, "must give {}", missing.join(", "));
            }
            if !extra.is_empty() {
                if !p.is_empty() {
                    p.push_str("; ");
                }
                let _ = write!(p, "gives {} not named on its first line", extra.join(", "));
            }
            p
        }
    };
    let found = if found.is_empty() {
        "    (no diagnostics)\n".to_string()
    } else {
        found
    };
    Some(format!(
        "{}:{}: example {problem}; lint gives:\n{found}",
        example.doc, example.line
    ))
}

#[test]
fn examples_lint_as_documented() {
    let mut failures = Vec::new();
    for doc in DOCS {
        let examples = examples(doc);
        assert!(
            !examples.is_empty(),
            "{doc} has no `plumb` examples; are the blocks still tagged ```plumb?"
        );
        failures.extend(examples.iter().filter_map(check_example));
    }
    assert!(
        failures.is_empty(),
        "{} documented example(s) are wrong:\n\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn multi_file_examples_are_split() {
    let fence = Fence {
        info: "plumb".to_string(),
        line: 10,
        lines: vec![
            "// file: a.plumb".to_string(),
            "package a".to_string(),
            "// file: b.plumb".to_string(),
            "package b".to_string(),
        ],
    };
    let files = split_files(&fence);
    let names: Vec<&str> = files.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["a.plumb", "b.plumb"]);
    assert_eq!(files[1].first_line, 13);
    assert_eq!(files[1].text, "// file: b.plumb\npackage b\n");
}

// ---------------------------------------------------------------------------
// docs/builtins.md against the signature table
// ---------------------------------------------------------------------------

fn ty(t: Ty) -> &'static str {
    match t {
        Ty::Any => "any",
        Ty::Null => "null",
        Ty::Bool => "bool",
        Ty::Number => "number",
        Ty::String => "string",
        Ty::List => "list",
        Ty::Object => "object",
        Ty::Collection => "string | list | object",
        Ty::Container => "list | object",
    }
}

/// The signature as `docs/builtins.md` writes it:
/// `count(items: string | list | object, predicate?: x => bool) -> number`.
fn signature(b: &Builtin) -> String {
    let n = b.params.len();
    let required = n - b.optional.min(n);
    let params: Vec<String> = b
        .params
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let variadic = b.variadic && i + 1 == n;
            let optional = if i >= required && !variadic { "?" } else { "" };
            let dots = if variadic { "..." } else { "" };
            match p {
                Param::Value(name, t) => format!("{dots}{name}{optional}: {}", ty(*t)),
                Param::Lambda(name, arity) => {
                    let args = if *arity == 1 {
                        "x".to_string()
                    } else {
                        let xs: Vec<String> = (1..=*arity).map(|k| format!("x{k}")).collect();
                        format!("({})", xs.join(", "))
                    };
                    format!("{dots}{name}{optional}: {args} => bool")
                }
            }
        })
        .collect();
    format!("{}({}) -> {}", b.name, params.join(", "), ty(b.returns))
}

/// The level-2 sections of a document outside code blocks: heading text and
/// body.
fn sections(text: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    let mut in_code = false;
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            in_code = !in_code;
        }
        if !in_code && let Some(h) = line.strip_prefix("## ") {
            out.push((h.trim().to_string(), String::new()));
            continue;
        }
        if let Some((_, body)) = out.last_mut() {
            body.push_str(line);
            body.push('\n');
        }
    }
    out
}

#[test]
fn builtins_page_matches_the_table() {
    let doc = read("docs/builtins.md");
    let documented: Vec<(String, String)> = sections(&doc)
        .into_iter()
        .filter_map(|(h, body)| {
            let name = h.strip_prefix('`')?.strip_suffix('`')?;
            (!name.contains(' ')).then(|| (name.to_string(), body))
        })
        .collect();
    let names: Vec<&str> = documented.iter().map(|(n, _)| n.as_str()).collect();
    let table: Vec<&str> = BUILTINS.iter().map(|b| b.name).collect();
    assert_eq!(
        names, table,
        "docs/builtins.md needs one `## \\`name\\`` section per built-in of \
         stdlib/src/builtins.rs, in the same (alphabetical) order"
    );
    assert!(
        doc.contains(&format!("{} built-in functions", BUILTINS.len())),
        "docs/builtins.md should say how many built-ins there are ({})",
        BUILTINS.len()
    );
    let mut failures = Vec::new();
    for (b, (_, body)) in BUILTINS.iter().zip(&documented) {
        let sig = format!("`{}`", signature(b));
        if !body.contains(&sig) {
            failures.push(format!("`{}`: section lacks the signature {sig}", b.name));
        }
        for part in ["- Null:", "- Errors:"] {
            if !body.contains(part) {
                failures.push(format!("`{}`: section lacks a `{part}` line", b.name));
            }
        }
        let example = body
            .split("```plumb")
            .nth(1)
            .and_then(|rest| rest.split("```").next());
        match example {
            None => failures.push(format!("`{}`: section has no ```plumb example", b.name)),
            Some(code) if !code.contains(&format!("{}(", b.name)) => {
                failures.push(format!("`{}`: its example never calls it", b.name));
            }
            Some(_) => {}
        }
        let row = format!("| [`{0}`](#{0}) |", b.name);
        if !doc.contains(&row) {
            failures.push(format!("`{}`: no row `{row}` in the index table", b.name));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

// ---------------------------------------------------------------------------
// Links
// ---------------------------------------------------------------------------

/// GitHub's anchor for a heading: lower case, punctuation other than `-`
/// and `_` dropped, spaces as `-`.
fn slug(heading: &str) -> String {
    heading
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            '-' | '_' => Some(c),
            c if c.is_alphanumeric() => Some(c),
            _ => None,
        })
        .flat_map(char::to_lowercase)
        .collect()
}

/// Every anchor of a document, with GitHub's `-1`, `-2` suffixes for
/// repeated headings.
fn anchors(text: &str) -> BTreeSet<String> {
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut out = BTreeSet::new();
    let mut in_code = false;
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            in_code = !in_code;
            continue;
        }
        if in_code {
            continue;
        }
        let hashes = line.chars().take_while(|&c| c == '#').count();
        if !(1..=6).contains(&hashes) || !line[hashes..].starts_with(' ') {
            continue;
        }
        let base = slug(line[hashes..].trim());
        let n = seen.entry(base.clone()).or_insert(0);
        out.insert(if *n == 0 {
            base.clone()
        } else {
            format!("{base}-{n}")
        });
        *n += 1;
    }
    out
}

/// `a/b/../c` without touching the file system.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// The targets of the inline links `[text](target)` of a line.
fn link_targets(line: &str) -> Vec<&str> {
    line.match_indices("](")
        .filter_map(|(i, _)| {
            let rest = &line[i + 2..];
            rest.find(')').map(|end| &rest[..end])
        })
        .collect()
}

#[test]
fn links_into_the_references_resolve() {
    let targets = ["docs/language.md", "docs/builtins.md"];
    let anchors: HashMap<PathBuf, BTreeSet<String>> = targets
        .iter()
        .map(|t| (PathBuf::from(t), anchors(&read(t))))
        .collect();
    let mut failures = Vec::new();
    for doc in LINKING_DOCS {
        if !root().join(doc).exists() {
            continue;
        }
        let text = read(doc);
        let dir = Path::new(doc).parent().unwrap_or(Path::new(""));
        let mut in_code = false;
        for (i, line) in text.lines().enumerate() {
            if line.trim_start().starts_with("```") {
                in_code = !in_code;
            }
            if in_code {
                continue;
            }
            for target in link_targets(line) {
                let Some((path, anchor)) = target.split_once('#') else {
                    continue;
                };
                let file = if path.is_empty() {
                    PathBuf::from(doc)
                } else {
                    normalize(&dir.join(path))
                };
                let Some(known) = anchors.get(&file) else {
                    continue;
                };
                if !known.contains(anchor) {
                    failures.push(format!(
                        "{doc}:{}: `{target}`: {} has no heading with anchor `#{anchor}`",
                        i + 1,
                        file.display()
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn slugs_follow_github() {
    assert_eq!(
        slug("Missing attributes and null"),
        "missing-attributes-and-null"
    );
    assert_eq!(slug("`age_days`"), "age_days");
    assert_eq!(slug("Rule-level `let`"), "rule-level-let");
    assert_eq!(
        slug("Membership: `in` and `not in`"),
        "membership-in-and-not-in"
    );
    let a = anchors("# T\n## Same\n```\n## not a heading\n```\n## Same\n");
    assert!(a.contains("same") && a.contains("same-1") && !a.contains("not-a-heading"));
}

/// Every clean example with `test` blocks passes them under `plumb test`,
/// so what the documents show a rule deciding is what it decides.
#[test]
fn examples_tests_pass() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("docs_examples_tests");
    let mut failures = Vec::new();
    let mut ran = 0;
    for doc in DOCS {
        for (n, example) in examples(doc).iter().enumerate() {
            if !matches!(example.expect, Expect::Clean)
                || !example
                    .files
                    .iter()
                    .any(|f| f.text.lines().any(|l| l.starts_with("test ")))
            {
                continue;
            }
            let case = dir.join(format!("{}-{n}", doc.replace('/', "_")));
            let _ = std::fs::remove_dir_all(&case);
            std::fs::create_dir_all(&case).unwrap();
            let mut paths = Vec::new();
            for f in &example.files {
                let path = case.join(&f.name);
                if let Some(parent) = path.parent() {
                    std::fs::create_dir_all(parent).unwrap();
                }
                std::fs::write(&path, &f.text).unwrap();
                paths.push(path.display().to_string());
            }
            let mut args = vec![
                "test".to_string(),
                "--now".to_string(),
                "2026-01-01T00:00:00Z".to_string(),
            ];
            args.extend(paths);
            let out = std::process::Command::new(env!("CARGO_BIN_EXE_plumb"))
                .args(&args)
                .output()
                .expect("run plumb");
            ran += 1;
            if out.status.code() != Some(0) {
                failures.push(format!(
                    "{}:{}: `plumb test` exits {:?}:\n{}{}",
                    example.doc,
                    example.line,
                    out.status.code(),
                    String::from_utf8_lossy(&out.stdout),
                    String::from_utf8_lossy(&out.stderr)
                ));
            }
        }
    }
    assert!(ran > 10, "only {ran} examples with tests");
    assert!(
        failures.is_empty(),
        "{} documented example(s) fail their tests:\n\n{}",
        failures.len(),
        failures.join("\n")
    );
}
