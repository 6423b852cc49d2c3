//! Diagnostics as plain data.
//!
//! Every problem the front end finds is a [`Diagnostic`]: a stable [`Code`],
//! a one-line message, a primary label, optional secondary labels and a help
//! line. Rendering (ariadne for terminals, JSON for tools) happens at the CLI
//! edge; this crate never prints. Constructors live next to the stage that
//! reports them (`parser/diag.rs`, `check/diag.rs`), one function per
//! diagnostic, so wording stays consistent and greppable.

mod codes;

pub use codes::{Code, Level};
use serde::Serialize;

use crate::span::{FileId, Span};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Label {
    pub span: Span,
    pub message: String,
    /// The file the span is in, when it is not the diagnostic's own (a
    /// duplicate defined in another file).
    pub file: Option<FileId>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub code: Code,
    pub level: Level,
    pub file: FileId,
    /// One line, lowercase, no final period, user input in backticks.
    pub message: String,
    pub primary: Label,
    pub secondary: Vec<Label>,
    pub help: Option<String>,
}

impl Diagnostic {
    pub fn new(code: Code, file: FileId, span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            code,
            level: code.level(),
            file,
            message: message.into(),
            primary: Label {
                span,
                message: String::new(),
                file: None,
            },
            secondary: Vec::new(),
            help: None,
        }
    }

    /// The text under the primary caret.
    pub fn label(mut self, message: impl Into<String>) -> Self {
        self.primary.message = message.into();
        self
    }

    pub fn secondary(mut self, span: Span, message: impl Into<String>) -> Self {
        self.secondary.push(Label {
            span,
            message: message.into(),
            file: None,
        });
        self
    }

    /// A secondary label in another file.
    pub fn secondary_in(mut self, file: FileId, span: Span, message: impl Into<String>) -> Self {
        self.secondary.push(Label {
            span,
            message: message.into(),
            file: Some(file),
        });
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.level == Level::Error
    }
}

/// Sorts diagnostics into the order users read them: by file, then position,
/// then code. Stable, so equal keys keep the order they were reported in.
pub fn sort(diags: &mut [Diagnostic]) {
    diags.sort_by_key(|d| (d.file, d.primary.span.start, d.primary.span.end, d.code));
}
