//! `plumb drift`'s text report: one line per event, then a summary line.

use std::io::{self, Write};

use plumb_drift::{Classification, DriftEvent, DriftKind, DriftReport};

/// Events by kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub added: usize,
    pub deleted: usize,
    pub changed: usize,
    pub undeclared: usize,
}

impl Counts {
    pub fn of(events: &[DriftEvent]) -> Counts {
        let mut c = Counts::default();
        for e in events {
            match e.kind {
                DriftKind::Added => c.added += 1,
                DriftKind::Deleted => c.deleted += 1,
                DriftKind::Changed => c.changed += 1,
                DriftKind::Undeclared => c.undeclared += 1,
            }
        }
        c
    }
}

/// The last line: `no drift: ...` or `N drift events (...) in ...`.
pub fn summary(events: &[DriftEvent], declared: usize, actual: usize) -> String {
    let c = Counts::of(events);
    let plural = |n: usize| if n == 1 { "" } else { "s" };
    if events.is_empty() {
        return format!(
            "no drift: {declared} declared and {actual} actual resource{} compared",
            plural(actual)
        );
    }
    // `undeclared` appears in the counts when there are any, so the line
    // reads as before for drift without them.
    let undeclared = if c.undeclared > 0 {
        format!(", {} undeclared", c.undeclared)
    } else {
        String::new()
    };
    format!(
        "{} drift event{} ({} added, {} deleted, {} changed{undeclared}) in {declared} declared and {actual} actual resource{}",
        events.len(),
        plural(events.len()),
        c.added,
        c.deleted,
        c.changed,
        plural(actual)
    )
}

/// A value on one line, shortened past 120 characters (the JSON output
/// has it whole).
fn short(v: &serde_json::Value) -> String {
    let text = v.to_string();
    if text.chars().count() <= 120 {
        text
    } else {
        let cut: String = text.chars().take(117).collect();
        format!("{cut}...")
    }
}

/// Where a side of an event comes from, when a file is known.
fn place(s: &Option<plumb_runtime::Source>) -> Option<String> {
    s.as_ref()
        .filter(|s| s.file.is_some())
        .map(|s| s.to_string())
}

/// Every event (with its classification under it, when a policy was
/// given), the namespace hints, then the summary line.
pub fn write(out: &mut dyn Write, report: &DriftReport) -> io::Result<()> {
    for (e, class) in report.classified() {
        write_event(out, e)?;
        if !e.written_by.is_empty() {
            writeln!(out, "         written by {}", e.written_by.join(", "))?;
        }
        if let Some(class) = class {
            writeln!(out, "{}", classification_line(class))?;
        }
    }
    for h in &report.namespace_hints {
        writeln!(out, "hint: {}", h.message())?;
    }
    writeln!(
        out,
        "{}",
        summary(&report.events, report.declared, report.actual)
    )
}

/// Under an event: the drift block that classified it, or `unclassified`.
pub fn classification_line(c: Option<&Classification>) -> String {
    let Some(c) = c else {
        return "         unclassified: no drift block matches".to_string();
    };
    let undecided = c
        .undecided
        .as_ref()
        .map_or(String::new(), |u| format!(" (undecided: {u})"));
    format!(
        "         drift {} ({}:{}): {}, controls {}, response {}: {}{undecided}",
        c.drift,
        c.file,
        c.line,
        c.severity,
        c.controls.join(", "),
        c.response,
        c.message
    )
}

/// One event on one line.
pub fn write_event(out: &mut dyn Write, e: &DriftEvent) -> io::Result<()> {
    match e.kind {
        DriftKind::Added => {
            write!(out, "added    {} ({})", e.address, e.type_)?;
            if let Some(p) = place(&e.actual_source) {
                write!(out, "  actual {p}")?;
            }
            writeln!(out)
        }
        DriftKind::Deleted => {
            write!(out, "deleted  {} ({})", e.address, e.type_)?;
            if let Some(p) = place(&e.declared_source) {
                write!(out, "  declared {p}")?;
            }
            writeln!(out)
        }
        DriftKind::Undeclared => {
            let actual = e.actual.as_ref().map_or_else(|| "(absent)".into(), short);
            writeln!(out, "undeclared {} {}: {}", e.address, e.path, actual)
        }
        DriftKind::Changed => {
            if let Some(delta) = &e.set_delta {
                write!(out, "changed  {} {}:", e.address, e.path)?;
                for v in &delta.added {
                    write!(out, " +{}", short(v))?;
                }
                for v in &delta.removed {
                    write!(out, " -{}", short(v))?;
                }
                return writeln!(out);
            }
            let side =
                |v: &Option<serde_json::Value>| v.as_ref().map_or_else(|| "(absent)".into(), short);
            let default = if e.declared_default { " (default)" } else { "" };
            writeln!(
                out,
                "changed  {} {}: {}{default} -> {}",
                e.address,
                e.path,
                side(&e.declared),
                side(&e.actual)
            )
        }
    }
}
