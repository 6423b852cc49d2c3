//! `plumb check`'s text report: one block per finding, then a summary
//! line that starts with the number of failing findings.

use std::io::{self, Write};

use plumb_runtime::finding::{Finding, Report, SENSITIVE, Status};
use plumb_runtime::value::Value;

/// The word a finding's line starts with.
pub fn status_word(s: Status) -> &'static str {
    match s {
        Status::Fail => "FAIL",
        Status::Error => "ERROR",
        Status::Indeterminate => "INDETERMINATE",
        Status::Pass => "PASS",
    }
}

/// An evidence value as plumb writes literals; a sensitive one as
/// `(sensitive)`.
pub fn evidence_value(v: &Option<Value>) -> String {
    match v {
        Some(v) => v.literal(),
        None => SENSITIVE.to_string(),
    }
}

/// `412 failed, 9588 passed, 3 indeterminate, 0 errors, 0 skipped (10000
/// resources, 14 rules)`.
pub fn summary(report: &Report, rules: usize) -> String {
    format!(
        "{} failed, {} passed, {} indeterminate, {} errors, {} skipped ({} resources, {} rules)",
        report.failed,
        report.passed,
        report.indeterminate,
        report.errors,
        report.skipped,
        report.resources,
        rules
    )
}

/// The whole report: every finding, then the types no rule selected, then
/// the summary line. `color` paints the status words (for a terminal).
pub fn write(out: &mut dyn Write, report: &Report, rules: usize, color: bool) -> io::Result<()> {
    for f in &report.findings {
        if color {
            write_finding_colored(out, f)?;
        } else {
            write_finding(out, f)?;
        }
    }
    if !report.unchecked_types.is_empty() {
        let types: Vec<&str> = report.unchecked_types.iter().map(|t| t.as_str()).collect();
        writeln!(out, "not checked by any rule: {}", types.join(", "))?;
    }
    writeln!(out, "{}", summary(report, rules))
}

/// [`write_finding`] with the status word in the color of its status.
fn write_finding_colored(out: &mut dyn Write, f: &Finding) -> io::Result<()> {
    let mut plain = Vec::new();
    write_finding(&mut plain, f)?;
    let word = status_word(f.status);
    let code = match f.status {
        Status::Fail => "31",
        Status::Error => "35",
        Status::Indeterminate => "33",
        Status::Pass => "32",
    };
    let rest = plain.get(word.len()..).unwrap_or_default();
    write!(out, "\x1b[1;{code}m{word}\x1b[0m")?;
    out.write_all(rest)
}

/// One finding: status, severity, rule, resource and message on the first
/// line; then the condition, evidence, error, controls and source.
pub fn write_finding(out: &mut dyn Write, f: &Finding) -> io::Result<()> {
    writeln!(
        out,
        "{} {} {} {}: {}",
        status_word(f.status),
        f.severity,
        f.rule,
        f.resource.label(),
        f.message
    )?;
    write_details(out, f, "    ")?;
    // The rule by its package (two packages may have rules of one name)
    // and where it is written.
    match &f.rule_location {
        Some(at) => writeln!(out, "    rule: {}.{} ({at})", f.package, f.rule)?,
        None => writeln!(out, "    rule: {}.{}", f.package, f.rule)?,
    }
    if !f.controls.is_empty() {
        writeln!(
            out,
            "    controls: {} (response: {})",
            f.controls.join(", "),
            f.response
        )?;
    }
    if let Some(src) = &f.resource.source
        && src.file.is_some()
    {
        writeln!(out, "    source: {src}")?;
    }
    Ok(())
}

/// Why a finding is what it is: the condition, the evidence and the
/// error, each on a line of its own under `indent` (also what `plumb
/// test` shows for a fixture that did not get what it expected).
pub fn write_details(out: &mut dyn Write, f: &Finding, indent: &str) -> io::Result<()> {
    if let Some(c) = &f.condition {
        // The condition's own file:line (the rule's file), so an editor
        // can jump to it.
        match &f.rule_location {
            Some(at) => writeln!(
                out,
                "{indent}condition ({}:{}): {}",
                at.file, c.line, c.text
            )?,
            None => writeln!(out, "{indent}condition (line {}): {}", c.line, c.text)?,
        }
    }
    for e in &f.evidence {
        writeln!(out, "{indent}{} = {}", e.path, evidence_value(&e.value))?;
    }
    if let Some(err) = &f.error {
        writeln!(out, "{indent}error: {err}")?;
    }
    Ok(())
}
