//! The plumb language front end: lexer, parser, checker and diagnostics.
//!
//! The crate is pure: it reads source text handed to it and returns data
//! (syntax trees, diagnostics). It never prints and never touches the file
//! system; the CLI renders diagnostics at the edge.
#![forbid(unsafe_code)]

pub mod ast;
pub mod check;
pub mod diagnostics;
pub mod lexer;
pub mod parser;
pub mod source;
pub mod span;

pub use diagnostics::{Code, Diagnostic, Level};
pub use parser::{Parsed, parse};
pub use source::{SourceFile, SourceMap};
pub use span::{FileId, Span};

/// The front end's result for a set of files: one module per file (in
/// [`SourceMap`] order) and every diagnostic, sorted by file and position.
#[derive(Debug)]
pub struct Analysis {
    pub modules: Vec<ast::Module>,
    pub diagnostics: Vec<Diagnostic>,
}

impl Analysis {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// Parses and checks every file of `sources` as one compilation.
pub fn analyze(sources: &SourceMap) -> Analysis {
    let mut modules = Vec::with_capacity(sources.len());
    let mut diagnostics = Vec::new();
    for (id, file) in sources.iter() {
        let parsed = match file.utf8_error {
            Some(offset) => parser::Parsed {
                module: ast::Module {
                    file: id,
                    package: None,
                    imports: Vec::new(),
                    items: Vec::new(),
                },
                diagnostics: vec![parser::invalid_utf8(id, offset)],
            },
            None => parse(id, &file.text),
        };
        modules.push(parsed.module);
        diagnostics.extend(parsed.diagnostics);
    }
    diagnostics.extend(check::check(&modules));
    diagnostics::sort(&mut diagnostics);
    Analysis {
        modules,
        diagnostics,
    }
}
