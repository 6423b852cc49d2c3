//! `docs/diagnostics.md` documents every diagnostic code exactly once, its
//! examples trigger the code they document, and `plumb explain` and
//! `plumb lint --format json` behave as the page says.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests"
)]

use std::path::Path;
use std::process::{Command, Output};

use plumb_compiler::Code;

const DOC: &str = include_str!("../docs/diagnostics.md");

fn plumb(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_plumb"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .env_remove("NO_COLOR")
        .output()
        .expect("run the plumb binary")
}

fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).expect("UTF-8 stdout")
}

/// `E0403` or `W0001`: a letter and four digits.
fn looks_like_code(word: &str) -> bool {
    let mut chars = word.chars();
    matches!(chars.next(), Some('E' | 'W')) && word.len() == 5 && chars.all(|c| c.is_ascii_digit())
}

/// Every level-2 heading (`## ...`), without the `## `.
fn headings() -> Vec<&'static str> {
    DOC.lines().filter_map(|l| l.strip_prefix("## ")).collect()
}

/// The body of a code's section, as `plumb explain` prints it: from after
/// the heading line to the next level-2 heading, trimmed.
fn section(code: Code) -> &'static str {
    let heading = format!("## {} {}", code.as_str(), code.name());
    let start = DOC
        .lines()
        .position(|l| l == heading)
        .unwrap_or_else(|| panic!("no `{heading}` heading"));
    let offset: usize = DOC.lines().take(start).map(|l| l.len() + 1).sum::<usize>() + heading.len();
    let body = &DOC[offset..];
    let end = body.find("\n## ").unwrap_or(body.len());
    body[..end].trim()
}

#[test]
fn every_code_has_exactly_one_section() {
    let headings = headings();
    for code in Code::ALL {
        let want = format!("{} {}", code.as_str(), code.name());
        let n = headings.iter().filter(|h| **h == want).count();
        assert_eq!(
            n, 1,
            "docs/diagnostics.md needs exactly one `## {want}`, found {n}"
        );
    }
}

#[test]
fn every_code_heading_names_a_real_code_in_code_order() {
    let mut seen = Vec::new();
    let mut in_codes = false;
    for heading in headings() {
        let first = heading.split_whitespace().next().unwrap_or("");
        if !looks_like_code(first) {
            assert!(
                !in_codes,
                "`## {heading}` after the first code section would end the previous \
                 section early in `plumb explain`; use `###` inside sections"
            );
            continue;
        }
        in_codes = true;
        let code = Code::parse(first)
            .unwrap_or_else(|| panic!("`## {heading}` names no code in codes.rs"));
        assert_eq!(
            heading,
            format!("{} {}", code.as_str(), code.name()),
            "a code heading is exactly `## CODE name`"
        );
        seen.push(code);
    }
    assert_eq!(seen, Code::ALL, "sections follow the order of codes.rs");
}

#[test]
fn every_section_is_concise_and_has_an_example_and_a_fix() {
    for &code in Code::ALL {
        let body = section(code);
        let lines = body.lines().count();
        assert!(
            (5..=20).contains(&lines),
            "{code}: section has {lines} lines; keep it to 5-20 lines"
        );
        assert!(
            body.contains("```plumb") || body.contains("```text"),
            "{code}: section needs an example"
        );
        assert!(
            body.contains("Fix:"),
            "{code}: section needs a `Fix:` paragraph"
        );
    }
}

/// Diagnostics that the checker currently reports in addition to the
/// documented code for one mistake (cascades to be fixed in the compiler);
/// an example may show these, and nothing else.
const KNOWN_EXTRAS: &[(Code, Code)] = &[
    // `7 <= x <= 35` also gives a type mismatch for `(7 <= x) <= 35`.
    (Code::ChainedComparison, Code::TypeMismatch),
    // A repeated parameter is also reported as hiding the first one.
    (Code::DuplicateParameter, Code::ShadowedName),
];

/// Each section's ```plumb example, linted on its own, reports the code it
/// documents and no other. E0004 (invalid UTF-8) and E0102 (100 nested
/// brackets) cannot be shown as readable plumb; their examples are ```text.
#[test]
fn every_plumb_example_triggers_its_code() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("docs_examples");
    std::fs::create_dir_all(&dir).unwrap();
    let mut failures = Vec::new();
    for &code in Code::ALL {
        let body = section(code);
        let Some(start) = body.find("```plumb\n") else {
            assert!(
                matches!(code, Code::InvalidUtf8 | Code::NestingTooDeep),
                "{code}: no ```plumb example"
            );
            continue;
        };
        let rest = &body[start + "```plumb\n".len()..];
        let example = &rest[..rest.find("```").expect("a closed code block")];
        let path = dir.join(format!("{}.plumb", code.as_str()));
        std::fs::write(&path, example).unwrap();
        let out = plumb(&["lint", "--format", "json", path.to_str().unwrap()]);
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let codes: Vec<&str> = report["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["code"].as_str().unwrap())
            .collect();
        let extra = codes.iter().any(|c| {
            *c != code.as_str()
                && !KNOWN_EXTRAS
                    .iter()
                    .any(|(doc, other)| *doc == code && other.as_str() == *c)
        });
        if !codes.contains(&code.as_str()) || extra {
            failures.push(format!("{code}: the example reports {codes:?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn explain_prints_the_section() {
    let out = plumb(&["explain", "E0403"]);
    assert_eq!(out.status.code(), Some(0));
    let text = stdout(&out);
    let code = Code::UnknownControl;
    assert_eq!(
        text,
        format!(
            "E0403 unknown-control: {}\n\n{}\n",
            code.title(),
            section(code)
        )
    );
    assert!(text.contains("```plumb"), "the example is printed");
    assert!(text.contains("Fix:"), "the fix is printed");
}

#[test]
fn explain_accepts_names_and_lower_case_codes() {
    let by_code = stdout(&plumb(&["explain", "E0403"]));
    for alias in ["unknown-control", "e0403"] {
        let out = plumb(&["explain", alias]);
        assert_eq!(out.status.code(), Some(0), "plumb explain {alias}");
        assert_eq!(stdout(&out), by_code, "plumb explain {alias}");
    }
}

#[test]
fn explain_works_for_every_code() {
    for &code in Code::ALL {
        let out = plumb(&["explain", code.as_str()]);
        assert_eq!(out.status.code(), Some(0), "plumb explain {code}");
        let text = stdout(&out);
        assert!(
            text.starts_with(&format!("{} {}: ", code.as_str(), code.name())),
            "plumb explain {code} starts with the code and name: {text}"
        );
        assert!(
            text.contains(section(code)),
            "plumb explain {code} prints the whole section"
        );
    }
}

#[test]
fn explain_rejects_unknown_codes() {
    let out = plumb(&["explain", "E9999"]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "an unknown code is a usage error"
    );
    assert!(out.stdout.is_empty(), "nothing on stdout");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("unknown diagnostic code `E9999`"),
        "stderr names the code: {stderr}"
    );
    assert!(
        stderr.contains("E0403"),
        "stderr shows what a code looks like: {stderr}"
    );
}

#[test]
fn lint_json_has_positions_and_files() {
    let file = "tests/diagnostics/e0403_unknown_control.plumb";
    let out = plumb(&["lint", "--format", "json", file]);
    assert_eq!(out.status.code(), Some(1));
    let report: serde_json::Value =
        serde_json::from_slice(&out.stdout).expect("`--format json` prints valid JSON");
    let diags = report["diagnostics"]
        .as_array()
        .expect("a diagnostics array");
    assert!(!diags.is_empty());
    for d in diags {
        assert_eq!(d["code"].as_str(), Some("E0403"));
        assert_eq!(d["name"].as_str(), Some("unknown-control"));
        assert_eq!(d["level"].as_str(), Some("error"));
        assert_eq!(d["file"].as_str(), Some(file));
        assert!(d["message"].is_string());
        assert!(d["help"].is_string() || d["help"].is_null());
        assert!(d["secondary"].is_array());
        let line = d["line"].as_u64().expect("line");
        let column = d["column"].as_u64().expect("column");
        assert!(line >= 1 && column >= 1, "positions count from 1");
        assert_eq!(d["primary"]["start"]["line"].as_u64(), Some(line));
        assert_eq!(d["primary"]["start"]["column"].as_u64(), Some(column));
        assert!(d["primary"]["start"]["offset"].is_u64());
        assert!(d["primary"]["end"]["offset"].as_u64() >= d["primary"]["start"]["offset"].as_u64());
    }
    // The first diagnostic is `nist.AC-99` on line 4, column 17, as the
    // text output shows it.
    assert_eq!(diags[0]["line"].as_u64(), Some(4));
    assert_eq!(diags[0]["column"].as_u64(), Some(17));
    let text = stdout(&plumb(&["lint", "--color", "never", file]));
    assert!(text.contains(&format!("{file}:4:17")), "{text}");
    assert_eq!(report["summary"]["files"].as_u64(), Some(1));
    assert_eq!(
        report["summary"]["errors"].as_u64(),
        Some(diags.len() as u64)
    );
    assert_eq!(report["summary"]["warnings"].as_u64(), Some(0));
}
