//! `plumb check --format json`: one JSON document, described by
//! `docs/check-report.schema.json`.

use std::io::{self, Write};

use plumb_runtime::finding::{Finding, Report};
use serde::Serialize;

/// The version this module writes, the document's `plumb_report` field.
/// Version 1 gained `rule_location` in each finding (an added field).
pub const VERSION: u32 = 1;

/// The whole document.
#[derive(Debug, Serialize)]
pub struct CheckDocument<'a> {
    pub plumb_report: u32,
    pub summary: CheckSummary,
    pub findings: &'a [Finding],
}

/// The counts of the report, and how many rules ran.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckSummary {
    pub failed: usize,
    pub passed: usize,
    pub indeterminate: usize,
    pub errors: usize,
    pub skipped: usize,
    pub resources: usize,
    pub rules: usize,
    /// Resource types in the inputs that no rule selects.
    pub unchecked_types: Vec<String>,
}

impl<'a> CheckDocument<'a> {
    pub fn new(report: &'a Report, rules: usize) -> CheckDocument<'a> {
        CheckDocument {
            plumb_report: VERSION,
            summary: CheckSummary {
                failed: report.failed,
                passed: report.passed,
                indeterminate: report.indeterminate,
                errors: report.errors,
                skipped: report.skipped,
                resources: report.resources,
                rules,
                unchecked_types: report
                    .unchecked_types
                    .iter()
                    .map(ToString::to_string)
                    .collect(),
            },
            findings: &report.findings,
        }
    }
}

/// Writes the document, pretty-printed, and a final newline.
pub fn write(out: &mut dyn Write, report: &Report, rules: usize) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &CheckDocument::new(report, rules))
        .map_err(crate::json_io_error)?;
    writeln!(out)
}
