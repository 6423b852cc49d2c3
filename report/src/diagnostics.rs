//! Rendering diagnostics for people (ariadne) and for tools (JSON).
//!
//! The compiler hands over plain data; this module is the only place that
//! knows how a diagnostic looks on a terminal.

use std::io::{self, Write};

use ariadne::{Color, Config, IndexType, Label, Report, ReportKind};
use plumb_compiler::{Diagnostic, Level, SourceMap};
use serde::Serialize;

/// Writes one diagnostic as ariadne renders it: header with code, source
/// excerpt with labels, help line.
pub fn text(
    out: &mut dyn Write,
    sources: &SourceMap,
    d: &Diagnostic,
    color: bool,
) -> io::Result<()> {
    let name = sources.name(d.file).to_string();
    let text = sources.text(d.file);
    let kind = match d.level {
        Level::Error => ReportKind::Error,
        Level::Warning => ReportKind::Warning,
    };
    let primary_color = match d.level {
        Level::Error => Color::Red,
        Level::Warning => Color::Yellow,
    };
    let range = clamp(d.primary.span.range(), text.len());
    // Labels in file order: ariadne starts a new excerpt, headed with the
    // primary's line, whenever a label sits above the one before it, so
    // any other order would show a secondary under the primary's line.
    let order = |start: usize| i32::try_from(start).unwrap_or(i32::MAX);
    let config = Config::default()
        .with_color(color)
        .with_index_type(IndexType::Byte);
    let mut report = Report::build(kind, (name.clone(), range.clone()))
        .with_config(config)
        .with_code(format!("{} {}", d.code.as_str(), d.code.name()))
        .with_message(&d.message)
        .with_label(
            Label::new((name.clone(), range.clone()))
                .with_message(&d.primary.message)
                .with_color(primary_color)
                .with_order(order(range.start)),
        );
    let mut others = Vec::new();
    for label in &d.secondary {
        let (label_name, label_text) = match label.file {
            Some(f) if f != d.file => {
                let other = sources.name(f).to_string();
                if !others.iter().any(|(n, _)| *n == other) {
                    others.push((other.clone(), sources.text(f).to_string()));
                }
                (other, sources.text(f))
            }
            _ => (name.clone(), text),
        };
        let span = clamp(label.span.range(), label_text.len());
        report = report.with_label(
            Label::new((label_name, span.clone()))
                .with_message(&label.message)
                .with_color(Color::Blue)
                .with_order(order(span.start)),
        );
    }
    if let Some(help) = &d.help {
        report = report.with_help(help);
    }
    if others.is_empty() {
        return report
            .finish()
            .write((name, ariadne::Source::from(text)), out);
    }
    // Labels in other files: every file the report shows, by name.
    let mut files = vec![(name, text.to_string())];
    files.extend(others);
    report.finish().write(ariadne::sources(files), out)
}

fn clamp(range: std::ops::Range<usize>, len: usize) -> std::ops::Range<usize> {
    let start = range.start.min(len);
    start..range.end.clamp(start, len)
}

#[derive(Serialize)]
struct JsonPosition {
    line: usize,
    column: usize,
    offset: u32,
}

#[derive(Serialize)]
struct JsonLabel<'a> {
    /// The file of the span: the diagnostic's, or another's.
    file: &'a str,
    message: &'a str,
    start: JsonPosition,
    end: JsonPosition,
}

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    code: &'static str,
    name: &'static str,
    level: Level,
    file: &'a str,
    message: &'a str,
    line: usize,
    column: usize,
    primary: JsonLabel<'a>,
    secondary: Vec<JsonLabel<'a>>,
    help: Option<&'a str>,
}

#[derive(Serialize)]
pub struct Summary {
    pub files: usize,
    pub errors: usize,
    pub warnings: usize,
}

#[derive(Serialize)]
struct JsonReport<'a> {
    diagnostics: Vec<JsonDiagnostic<'a>>,
    summary: &'a Summary,
}

fn label<'a>(
    sources: &'a SourceMap,
    d: &Diagnostic,
    l: &'a plumb_compiler::diagnostics::Label,
) -> JsonLabel<'a> {
    let file = l.file.unwrap_or(d.file);
    let (line, column) = sources.line_col(file, l.span.start);
    let (end_line, end_column) = sources.line_col(file, l.span.end);
    JsonLabel {
        file: sources.name(file),
        message: &l.message,
        start: JsonPosition {
            line,
            column,
            offset: l.span.start,
        },
        end: JsonPosition {
            line: end_line,
            column: end_column,
            offset: l.span.end,
        },
    }
}

/// The whole lint result as one JSON document, for editors and CI.
pub fn json(
    out: &mut dyn Write,
    sources: &SourceMap,
    diags: &[Diagnostic],
    summary: &Summary,
) -> io::Result<()> {
    let diagnostics = diags
        .iter()
        .map(|d| {
            let primary = label(sources, d, &d.primary);
            JsonDiagnostic {
                code: d.code.as_str(),
                name: d.code.name(),
                level: d.level,
                file: sources.name(d.file),
                message: &d.message,
                line: primary.start.line,
                column: primary.start.column,
                primary,
                secondary: d.secondary.iter().map(|l| label(sources, d, l)).collect(),
                help: d.help.as_deref(),
            }
        })
        .collect();
    let report = JsonReport {
        diagnostics,
        summary,
    };
    serde_json::to_writer_pretty(&mut *out, &report).map_err(crate::json_io_error)?;
    writeln!(out)
}

/// `1 error, 2 warnings, 3 files checked`.
pub fn summary_line(s: &Summary) -> String {
    format!(
        "{}, {}, {} checked",
        crate::plural(s.errors, "error"),
        crate::plural(s.warnings, "warning"),
        crate::plural(s.files, "file")
    )
}
