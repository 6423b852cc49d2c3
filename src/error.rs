//! The CLI's own errors: usage, I/O and the stages' errors, as miette
//! reports (exit 2).

use std::io;

use miette::Diagnostic;

#[derive(Debug, thiserror::Error, Diagnostic)]
pub enum CliError {
    #[error("cannot read `{path}`")]
    #[diagnostic(code(plumb::io))]
    Read {
        path: String,
        #[source]
        source: io::Error,
    },
    #[error("no `.plumb` files found in {paths}")]
    #[diagnostic(
        code(plumb::no_input),
        help("pass rule files or directories that contain them")
    )]
    NoInput { paths: String },
    #[error("unknown diagnostic code `{0}`")]
    #[diagnostic(
        code(plumb::unknown_code),
        help("codes look like E0403 or W0001; docs/diagnostics.md lists them all")
    )]
    UnknownCode(String),
    #[error("the policy does not compile: {0}")]
    #[diagnostic(code(plumb::policy))]
    Policy(String),
    #[error("cannot load `{path}`: {message}")]
    #[diagnostic(code(plumb::artifact), help("recompile it with `plumb compile`"))]
    Artifact { path: String, message: String },
    #[error("{0}")]
    #[diagnostic(code(plumb::snapshot))]
    Snapshot(String),
    #[error("cannot write `{path}`")]
    #[diagnostic(code(plumb::io))]
    Write {
        path: String,
        #[source]
        source: io::Error,
    },
    #[error("`{path}` is not a valid plumb configuration: {message}")]
    #[diagnostic(
        code(plumb::config),
        help(
            "plumb.toml takes `data = [\"FILE\", ...]`, `lib = [\"PATH\", ...]` and `catalogs = [\"FILE\", ...]`; docs/language.md#data-files"
        )
    )]
    Config { path: String, message: String },
    #[error("{0}")]
    #[diagnostic(code(plumb::data))]
    Data(String),
    #[error("{0}")]
    #[diagnostic(
        code(plumb::catalog),
        help(
            "docs/language.md#catalogs-of-your-own describes the format; docs/control-catalog.schema.json is its schema"
        )
    )]
    Catalog(String),
    #[error("`{0}` is not an RFC 3339 timestamp")]
    #[diagnostic(code(plumb::usage), help("write it like 2026-01-31T00:00:00Z"))]
    BadTime(String),
}

impl From<plumb_ingest::input::InputError> for CliError {
    /// Input errors name the file and the place themselves.
    fn from(e: plumb_ingest::input::InputError) -> CliError {
        CliError::Snapshot(e.to_string())
    }
}
