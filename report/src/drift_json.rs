//! `plumb drift --format json`: one JSON document, described by
//! `docs/drift-report.schema.json`.

use std::io::{self, Write};

use plumb_drift::DriftEvent;
use serde::Serialize;

use crate::drift_text::Counts;

/// The version this module writes, the document's `drift_version` field.
pub const VERSION: u32 = 1;

/// The whole document.
#[derive(Debug, Serialize)]
pub struct DriftDocument<'a> {
    pub drift_version: u32,
    pub events: &'a [DriftEvent],
    pub summary: DriftSummary,
}

/// How many resources each side had, and the events by kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct DriftSummary {
    pub declared: usize,
    pub actual: usize,
    pub added: usize,
    pub deleted: usize,
    pub changed: usize,
}

impl<'a> DriftDocument<'a> {
    pub fn new(events: &'a [DriftEvent], declared: usize, actual: usize) -> DriftDocument<'a> {
        let c = Counts::of(events);
        DriftDocument {
            drift_version: VERSION,
            events,
            summary: DriftSummary {
                declared,
                actual,
                added: c.added,
                deleted: c.deleted,
                changed: c.changed,
            },
        }
    }
}

/// Writes the document, pretty-printed, and a final newline.
pub fn write(
    out: &mut dyn Write,
    events: &[DriftEvent],
    declared: usize,
    actual: usize,
) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &DriftDocument::new(events, declared, actual))
        .map_err(io::Error::other)?;
    writeln!(out)
}
