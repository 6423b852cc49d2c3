//! `plumb test`'s text report: `ok` or `FAIL` per test block, with what
//! each failing fixture expected, what the rule decided and why; with
//! `--coverage`, which rules lack a passing or a failing fixture.

use std::io::{self, Write};

use plumb_testing::{Problem, RuleCoverage, TestReport, TestResult};

/// Every test, the coverage when asked for, then `N failed, M passed (K
/// tests)`.
pub fn write(
    out: &mut dyn Write,
    report: &TestReport,
    coverage: Option<&[RuleCoverage]>,
) -> io::Result<()> {
    for t in &report.tests {
        write_test(out, t)?;
    }
    if let Some(rules) = coverage {
        write_coverage(out, rules)?;
    }
    writeln!(
        out,
        "{} failed, {} passed ({} tests)",
        report.failed,
        report.passed,
        report.tests.len()
    )
}

fn write_test(out: &mut dyn Write, t: &TestResult) -> io::Result<()> {
    if t.passed() {
        return writeln!(
            out,
            "ok   {} ({} fixtures, {})",
            t.rule,
            t.fixtures.len(),
            t.location
        );
    }
    if t.problems.contains(&Problem::NoSuchRule) {
        return writeln!(out, "FAIL {} ({}): no such rule", t.rule, t.location);
    }
    writeln!(out, "FAIL {} ({})", t.rule, t.location)?;
    for p in &t.problems {
        match p {
            Problem::NoSuchRule => {}
            Problem::BadFixture {
                fixture,
                line,
                message,
            } => writeln!(out, "    fixture \"{fixture}\" (line {line}): {message}")?,
            Problem::DuplicateFixture { .. } => writeln!(out, "    {}", p.describe(&t.rule))?,
            Problem::Unexpected {
                fixture,
                line,
                expected,
                actual,
                finding,
            } => {
                writeln!(
                    out,
                    "    fixture \"{fixture}\" (line {line}): expected {expected}, got {actual}"
                )?;
                if let Some(f) = finding {
                    writeln!(out, "        message: {}", f.message)?;
                    crate::check_text::write_details(out, f, "        ")?;
                }
            }
        }
    }
    Ok(())
}

/// `coverage: N of M rules shown both passing and failing`, then one line
/// per rule with a gap (covered rules are not listed).
fn write_coverage(out: &mut dyn Write, rules: &[RuleCoverage]) -> io::Result<()> {
    let covered = rules.iter().filter(|r| r.covered()).count();
    writeln!(
        out,
        "coverage: {covered} of {} shown both passing and failing",
        crate::plural(rules.len(), "rule")
    )?;
    for r in rules {
        if let Some(gap) = r.gap() {
            writeln!(out, "  gap  {} ({}): {gap}", r.rule, r.location)?;
        }
    }
    Ok(())
}
