//! `plumb test --format junit`: JUnit XML, what CI systems (GitLab,
//! Jenkins, GitHub actions that read test reports) show as test results.
//!
//! One `<testsuite>` per test block (named `package.rule`, the rule's
//! file in `file`), one `<testcase>` per fixture that expects a decision
//! (classname `package.rule`, so Jenkins groups by package and rule).
//! A fixture the rule decided otherwise for is a `<failure>`; one whose
//! outcome could not be established (its attributes, a context
//! fixture's, a missing rule, a repeated id) is an `<error>`. A block
//! that failed without any fixture to show it gets one `<testcase>` of
//! its own. With `--coverage`, a last `<testsuite name="coverage">` has
//! one `<testcase>` per rule: a rule not covered is `<skipped>`, or a
//! `<failure>` when coverage is required. No `time` or `timestamp`
//! attributes: the document is the same on every run. The XML is written,
//! and escaped, by quick-xml.

use std::borrow::Cow;
use std::io::{self, Write};

use plumb_testing::{FixtureResult, RuleCoverage, TestReport, TestResult};
use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesText, Event};

/// How `--coverage` shows in the document.
#[derive(Debug, Clone, Copy)]
pub struct CoverageCases<'a> {
    pub rules: &'a [RuleCoverage],
    /// A gap is a failure (`--coverage-required`), not a skip.
    pub required: bool,
}

/// Writes the document and a final newline.
pub fn write(
    out: &mut dyn Write,
    report: &TestReport,
    coverage: Option<CoverageCases<'_>>,
) -> io::Result<()> {
    let mut suites: Vec<Suite<'_>> = report.tests.iter().map(Suite::of).collect();
    if let Some(c) = coverage {
        suites.push(Suite::coverage(c));
    }
    let count = |f: fn(&Case) -> bool| {
        suites
            .iter()
            .flat_map(|s| &s.cases)
            .filter(|c| f(c))
            .count()
            .to_string()
    };
    let tests = count(|_| true);
    let failures = count(|c| matches!(c.outcome, Outcome::Failure { .. }));
    let errors = count(|c| matches!(c.outcome, Outcome::Error { .. }));
    let skipped = count(|c| matches!(c.outcome, Outcome::Skipped { .. }));
    let mut w = Writer::new_with_indent(&mut *out, b' ', 2);
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    w.create_element("testsuites")
        .with_attributes([
            ("name", "plumb test"),
            ("tests", tests.as_str()),
            ("failures", failures.as_str()),
            ("errors", errors.as_str()),
            ("skipped", skipped.as_str()),
        ])
        .write_inner_content(|w| {
            for s in &suites {
                write_suite(w, s)?;
            }
            Ok(())
        })?;
    writeln!(out)
}

/// A test block as JUnit sees it.
struct Suite<'a> {
    name: String,
    /// The rule file, for a test block.
    file: Option<&'a str>,
    cases: Vec<Case<'a>>,
}

struct Case<'a> {
    name: String,
    /// Where the case is, when the suite has no one file.
    file: Option<&'a str>,
    line: u32,
    outcome: Outcome,
}

enum Outcome {
    Passed,
    Failure {
        kind: &'static str,
        message: String,
        body: String,
    },
    Error {
        message: String,
        body: String,
    },
    Skipped {
        message: String,
    },
}

impl<'a> Suite<'a> {
    fn of(t: &'a TestResult) -> Suite<'a> {
        let name = if t.package.is_empty() {
            t.rule.clone()
        } else {
            format!("{}.{}", t.package, t.rule)
        };
        let mut cases: Vec<Case<'a>> = t.fixtures.iter().map(case).collect();
        if !t.passed() && cases.iter().all(|c| matches!(c.outcome, Outcome::Passed)) {
            let problems: Vec<String> = t.problems.iter().map(|p| p.describe(&t.rule)).collect();
            cases.push(Case {
                name: "test block".to_string(),
                file: None,
                line: t.location.line,
                outcome: Outcome::Error {
                    message: problems.first().cloned().unwrap_or_default(),
                    body: problems.join("\n"),
                },
            });
        }
        Suite {
            name,
            file: Some(&t.location.file),
            cases,
        }
    }
}

impl Suite<'_> {
    fn coverage(c: CoverageCases<'_>) -> Suite<'_> {
        let cases = c
            .rules
            .iter()
            .map(|r| {
                let rule = if r.package.is_empty() {
                    r.rule.clone()
                } else {
                    format!("{}.{}", r.package, r.rule)
                };
                let outcome = match r.gap() {
                    None => Outcome::Passed,
                    Some(gap) if c.required => Outcome::Failure {
                        kind: "coverage gap",
                        message: gap.to_string(),
                        body: format!("{rule} ({}): {gap}", r.location),
                    },
                    Some(gap) => Outcome::Skipped {
                        message: gap.to_string(),
                    },
                };
                Case {
                    name: rule,
                    file: Some(&*r.location.file),
                    line: r.location.line,
                    outcome,
                }
            })
            .collect();
        Suite {
            name: "coverage".to_string(),
            file: None,
            cases,
        }
    }
}

fn case(f: &FixtureResult) -> Case<'_> {
    let message = f.problem.clone().unwrap_or_default();
    let mut body = Vec::new();
    if let Some(finding) = &f.finding {
        // Writing to a vector cannot fail.
        let _ = writeln!(body, "message: {}", finding.message);
        let _ = crate::check_text::write_details(&mut body, finding, "");
    }
    let body = String::from_utf8_lossy(&body).into_owned();
    let outcome = match (&f.actual, f.passed) {
        (_, true) => Outcome::Passed,
        (Some(actual), false) if *actual != f.expected => Outcome::Failure {
            kind: "unexpected decision",
            message,
            body,
        },
        _ => Outcome::Error { message, body },
    };
    Case {
        name: format!("{}.{} expect {}", f.resource_type, f.id, f.expected),
        file: None,
        line: f.line,
        outcome,
    }
}

fn write_suite<W: Write>(w: &mut Writer<W>, s: &Suite<'_>) -> io::Result<()> {
    let count = |f: fn(&Outcome) -> bool| s.cases.iter().filter(|c| f(&c.outcome)).count();
    let tests = s.cases.len().to_string();
    let failures = count(|o| matches!(o, Outcome::Failure { .. })).to_string();
    let errors = count(|o| matches!(o, Outcome::Error { .. })).to_string();
    let skipped = count(|o| matches!(o, Outcome::Skipped { .. })).to_string();
    let name = xml_text(&s.name);
    let suite_file = s.file.map(xml_text);
    let mut attributes = vec![
        ("name", &*name),
        ("tests", tests.as_str()),
        ("failures", failures.as_str()),
        ("errors", errors.as_str()),
        ("skipped", skipped.as_str()),
    ];
    if let Some(file) = &suite_file {
        attributes.push(("file", file));
    }
    w.create_element("testsuite")
        .with_attributes(attributes)
        .write_inner_content(|w| {
            for c in &s.cases {
                write_case(w, &name, suite_file.as_deref(), c)?;
            }
            Ok(())
        })?;
    Ok(())
}

fn write_case<W: Write>(
    w: &mut Writer<W>,
    classname: &str,
    suite_file: Option<&str>,
    c: &Case<'_>,
) -> io::Result<()> {
    let name = xml_text(&c.name);
    let file = c.file.map(xml_text);
    let line = c.line.to_string();
    let mut attributes = vec![("name", &*name), ("classname", classname)];
    if let Some(file) = file.as_deref().or(suite_file) {
        attributes.push(("file", file));
    }
    attributes.push(("line", &line));
    let element = w.create_element("testcase").with_attributes(attributes);
    let (tag, kind, message, body) = match &c.outcome {
        Outcome::Passed => {
            element.write_empty()?;
            return Ok(());
        }
        Outcome::Failure {
            kind,
            message,
            body,
        } => ("failure", *kind, message, body.as_str()),
        Outcome::Error { message, body } => ("error", "not established", message, body.as_str()),
        Outcome::Skipped { message } => ("skipped", "", message, ""),
    };
    element.write_inner_content(|w| {
        let message = xml_text(message);
        let mut attributes = vec![("message", &*message)];
        if !kind.is_empty() {
            attributes.push(("type", kind));
        }
        let child = w.create_element(tag).with_attributes(attributes);
        if body.is_empty() {
            child.write_empty()?;
        } else {
            child.write_text_content(BytesText::new(&xml_text(body)))?;
        }
        Ok(())
    })?;
    Ok(())
}

/// `s` with the characters XML 1.0 cannot carry at all, even escaped
/// (control characters other than tab and newlines, and U+FFFE/U+FFFF),
/// replaced by U+FFFD; escaping is quick-xml's.
fn xml_text(s: &str) -> Cow<'_, str> {
    let allowed = |c: char| {
        matches!(c, '\t' | '\n' | '\r') || (c >= ' ' && !matches!(c, '\u{FFFE}' | '\u{FFFF}'))
    };
    if s.chars().all(allowed) {
        Cow::Borrowed(s)
    } else {
        Cow::Owned(
            s.chars()
                .map(|c| if allowed(c) { c } else { '\u{FFFD}' })
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::xml_text;

    #[test]
    fn characters_xml_cannot_carry_are_replaced() {
        assert_eq!(xml_text("a\u{1}b\tc\u{FFFF}"), "a\u{FFFD}b\tc\u{FFFD}");
        assert!(matches!(
            xml_text("plain <&>"),
            std::borrow::Cow::Borrowed(_)
        ));
    }
}
