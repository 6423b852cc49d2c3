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
pub use plumb_stdlib::controls::Catalogs;
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

/// Parses and checks every file of `sources` as one compilation, with
/// citations checked against the built-in control catalogs.
pub fn analyze(sources: &SourceMap) -> Analysis {
    analyze_with(sources, &Catalogs::default())
}

/// [`analyze`], with citations checked against `catalogs`: the built-in
/// frameworks and the user catalogs the caller read.
pub fn analyze_with(sources: &SourceMap, catalogs: &Catalogs) -> Analysis {
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
    diagnostics.extend(check::check_with(&modules, catalogs));
    diagnostics::sort(&mut diagnostics);
    Analysis {
        modules,
        diagnostics,
    }
}

pub mod backend;
pub mod ir;

/// Why a set of sources could not be compiled to bytecode.
#[derive(Debug, thiserror::Error)]
pub enum CompileError {
    /// The sources have errors; they are in the diagnostics.
    #[error("the policy has {0} error(s)")]
    Diagnostics(usize),
    #[error(transparent)]
    Lower(#[from] ir::lower::LowerError),
    #[error(transparent)]
    Codegen(#[from] backend::bytecode::CodegenError),
}

/// A compiled policy and the IR it came from (the tests need both).
pub struct Compiled {
    pub program: plumb_runtime::bytecode::Program,
    pub ir: ir::IrProgram,
    /// Per test block (in `ir.tests` order), the chunk computing each
    /// fixture's attributes.
    pub fixtures: Vec<Vec<plumb_runtime::bytecode::ChunkId>>,
}

/// Parses, checks, lowers and generates bytecode for `sources`. The
/// analysis is returned too, so callers can render its diagnostics
/// (warnings) even on success. Citations are checked against the built-in
/// control catalogs.
pub fn compile(sources: &SourceMap) -> (Analysis, Result<Compiled, CompileError>) {
    compile_with(sources, &Catalogs::default())
}

/// [`compile`], with citations checked against `catalogs`.
pub fn compile_with(
    sources: &SourceMap,
    catalogs: &Catalogs,
) -> (Analysis, Result<Compiled, CompileError>) {
    let analysis = analyze_with(sources, catalogs);
    if analysis.has_errors() {
        let n = analysis.diagnostics.iter().filter(|d| d.is_error()).count();
        return (analysis, Err(CompileError::Diagnostics(n)));
    }
    let result = compile_checked(sources, &analysis, catalogs);
    (analysis, result)
}

fn compile_checked(
    sources: &SourceMap,
    analysis: &Analysis,
    catalogs: &Catalogs,
) -> Result<Compiled, CompileError> {
    let ir = ir::lower(&analysis.modules, sources, catalogs)?;
    let facts = ir::analyze(&ir);
    let (program, fixtures) = backend::bytecode::generate(&ir, &facts)?;
    Ok(Compiled {
        program,
        ir,
        fixtures,
    })
}
