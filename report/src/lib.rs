//! plumb's report writers: findings, drift events, test results and
//! diagnostics, each written in one format by one module.
//!
//! Every writer takes plain data (a [`plumb_runtime::Report`], a slice of
//! [`plumb_drift::DriftEvent`]s, a [`TestReport`]...) and an
//! `io::Write`; none of them evaluates, loads or decides anything, and
//! none builds JSON by hand: JSON documents are serde types, described by
//! the JSON Schemas in `docs/`.
//!
//! **API Boundary:** the JSON documents are versioned (`plumb_report`,
//! `drift_version`); a change that removes or renames a field bumps the
//! version and the schema.
#![forbid(unsafe_code)]

pub mod check_json;
pub mod check_text;
pub mod diagnostics;
pub mod drift_json;
pub mod drift_text;
pub mod test_json;
pub mod test_junit;
pub mod test_text;

pub use plumb_testing::TestReport;

/// A JSON writer's error as the I/O error it is: a reader that went away
/// (`| head -1`) stays a broken pipe, which callers treat as no error.
pub(crate) fn json_io_error(e: serde_json::Error) -> std::io::Error {
    std::io::Error::new(e.io_error_kind().unwrap_or(std::io::ErrorKind::Other), e)
}

/// `N thing` or `N things`.
pub(crate) fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}
