//! `plumb test --format json`: one JSON document, described by
//! `docs/test-report.schema.json`.
//!
//! Per test block its rule and place, per fixture what it expected, what
//! the rule decided and whether that met it; totals; and, with
//! `--coverage`, each rule's coverage. Test blocks are in the order the
//! files were given and written, so the document is the same on every
//! run; there is no timestamp.

use std::io::{self, Write};

use plumb_runtime::finding::Location;
use plumb_testing::{FixtureResult, RuleCoverage, TestReport, TestResult};
use serde::Serialize;

/// The version this module writes, the document's `plumb_test_report`
/// field.
pub const VERSION: u32 = 1;

/// The whole document.
#[derive(Debug, Serialize)]
pub struct TestDocument<'a> {
    pub plumb_test_report: u32,
    pub summary: TestSummary,
    pub tests: Vec<TestEntry<'a>>,
    /// `None` unless coverage was asked for.
    pub coverage: Option<CoverageEntry<'a>>,
}

/// Counts of test blocks and of fixtures that expect a decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct TestSummary {
    pub tests: usize,
    pub passed: usize,
    pub failed: usize,
    pub fixtures: usize,
    pub fixtures_passed: usize,
    pub fixtures_failed: usize,
}

/// One test block.
#[derive(Debug, Serialize)]
pub struct TestEntry<'a> {
    pub rule: &'a str,
    pub package: &'a str,
    pub location: &'a Location,
    pub passed: bool,
    /// Every reason the block failed, one line each.
    pub problems: Vec<String>,
    pub fixtures: Vec<FixtureEntry<'a>>,
}

/// One fixture that expects a decision.
#[derive(Debug, Serialize)]
pub struct FixtureEntry<'a> {
    pub id: &'a str,
    #[serde(rename = "type")]
    pub resource_type: &'a str,
    pub line: u32,
    pub expected: &'a str,
    pub actual: Option<&'a str>,
    pub passed: bool,
    /// The rule's rendered message, when it made a finding.
    pub message: Option<&'a str>,
    /// The evaluation error, for an `error` decision.
    pub error: Option<&'a str>,
    /// Why the fixture did not pass.
    pub problem: Option<&'a str>,
}

/// `--coverage`: how many rules are covered, and each rule.
#[derive(Debug, Serialize)]
pub struct CoverageEntry<'a> {
    pub rules: usize,
    pub covered: usize,
    pub entries: Vec<RuleEntry<'a>>,
}

/// One rule's coverage.
#[derive(Debug, Serialize)]
pub struct RuleEntry<'a> {
    pub rule: &'a str,
    pub package: &'a str,
    pub location: &'a Location,
    pub tests: usize,
    pub pass: bool,
    pub fail: bool,
    pub covered: bool,
    pub gap: Option<&'static str>,
}

impl<'a> TestDocument<'a> {
    pub fn new(report: &'a TestReport, coverage: Option<&'a [RuleCoverage]>) -> TestDocument<'a> {
        let fixtures = report.fixtures();
        let fixtures_passed = report.fixtures_passed();
        TestDocument {
            plumb_test_report: VERSION,
            summary: TestSummary {
                tests: report.tests.len(),
                passed: report.passed,
                failed: report.failed,
                fixtures,
                fixtures_passed,
                fixtures_failed: fixtures - fixtures_passed,
            },
            tests: report.tests.iter().map(test_entry).collect(),
            coverage: coverage.map(|rules| CoverageEntry {
                rules: rules.len(),
                covered: rules.iter().filter(|r| r.covered()).count(),
                entries: rules
                    .iter()
                    .map(|r| RuleEntry {
                        rule: &r.rule,
                        package: &r.package,
                        location: &r.location,
                        tests: r.tests,
                        pass: r.pass,
                        fail: r.fail,
                        covered: r.covered(),
                        gap: r.gap(),
                    })
                    .collect(),
            }),
        }
    }
}

fn test_entry(t: &TestResult) -> TestEntry<'_> {
    TestEntry {
        rule: &t.rule,
        package: &t.package,
        location: &t.location,
        passed: t.passed(),
        problems: t.problems.iter().map(|p| p.describe(&t.rule)).collect(),
        fixtures: t.fixtures.iter().map(fixture_entry).collect(),
    }
}

fn fixture_entry(f: &FixtureResult) -> FixtureEntry<'_> {
    FixtureEntry {
        id: &f.id,
        resource_type: &f.resource_type,
        line: f.line,
        expected: &f.expected,
        actual: f.actual.as_deref(),
        passed: f.passed,
        message: f.finding.as_ref().map(|x| x.message.as_str()),
        error: f.finding.as_ref().and_then(|x| x.error.as_deref()),
        problem: f.problem.as_deref(),
    }
}

/// Writes the document, pretty-printed, and a final newline.
pub fn write(
    out: &mut dyn Write,
    report: &TestReport,
    coverage: Option<&[RuleCoverage]>,
) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &TestDocument::new(report, coverage))
        .map_err(crate::json_io_error)?;
    writeln!(out)
}
