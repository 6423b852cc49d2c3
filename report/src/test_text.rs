//! `plumb test`'s text report: `ok` or `FAIL` per test block, with what
//! each failing fixture expected, what the rule decided and why.

use std::io::{self, Write};

use plumb_testing::{Problem, TestReport, TestResult};

/// Every test, then `N failed, M passed (K tests)`.
pub fn write(out: &mut dyn Write, report: &TestReport) -> io::Result<()> {
    for t in &report.tests {
        write_test(out, t)?;
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
