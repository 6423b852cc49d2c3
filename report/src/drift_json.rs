//! `plumb drift --format json`: one JSON document, described by
//! `docs/drift-report.schema.json`.

use std::io::{self, Write};

use plumb_drift::{Classification, DriftEvent, DriftReport, NamespaceHint};
use serde::Serialize;

use crate::drift_text::Counts;

/// The version this module writes, the document's `drift_version` field.
/// Version 1 gained `classification` in each event (with a policy) and
/// `namespace_hints` (added fields).
pub const VERSION: u32 = 1;

/// The whole document.
#[derive(Debug, Serialize)]
pub struct DriftDocument<'a> {
    pub drift_version: u32,
    pub events: Vec<Event<'a>>,
    pub namespace_hints: &'a [NamespaceHint],
    pub summary: DriftSummary,
}

/// One event, and with a policy the drift block that classified it
/// (`null`: none did).
#[derive(Debug, Serialize)]
pub struct Event<'a> {
    #[serde(flatten)]
    pub event: &'a DriftEvent,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub classification: Option<Option<&'a Classification>>,
}

/// How many resources each side had, and the events by kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct DriftSummary {
    pub declared: usize,
    pub actual: usize,
    pub added: usize,
    pub deleted: usize,
    pub changed: usize,
    pub undeclared: usize,
}

impl<'a> DriftDocument<'a> {
    pub fn new(report: &'a DriftReport) -> DriftDocument<'a> {
        let c = Counts::of(&report.events);
        DriftDocument {
            drift_version: VERSION,
            events: report
                .classified()
                .map(|(event, classification)| Event {
                    event,
                    classification,
                })
                .collect(),
            namespace_hints: &report.namespace_hints,
            summary: DriftSummary {
                declared: report.declared,
                actual: report.actual,
                added: c.added,
                deleted: c.deleted,
                changed: c.changed,
                undeclared: c.undeclared,
            },
        }
    }
}

/// Writes the document, pretty-printed, and a final newline.
pub fn write(out: &mut dyn Write, report: &DriftReport) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &DriftDocument::new(report))
        .map_err(crate::json_io_error)?;
    writeln!(out)
}
