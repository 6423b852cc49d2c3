//! Writing a report to standard output, and the few settings every
//! command shares (threads, the clock, colour).

use std::io::{self, IsTerminal, Write};
use std::path::Path;

use miette::{IntoDiagnostic, Result};

use crate::error::CliError;

/// Runs `write` on a buffered standard output. A reader that went away
/// (`| head`) is not an error of ours.
pub fn stdout(write: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> Result<()> {
    let stdout = io::stdout();
    let mut out = io::BufWriter::with_capacity(1 << 16, stdout.lock());
    match write(&mut out).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(e).into_diagnostic(),
    }
}

/// Writes `text` to `path`, or to standard output for `-`.
pub fn file_or_stdout(path: &Path, text: &[u8]) -> Result<()> {
    if path == Path::new("-") {
        return stdout(|out| out.write_all(text));
    }
    std::fs::write(path, text).map_err(|source| {
        CliError::Write {
            path: path.display().to_string(),
            source,
        }
        .into()
    })
}

/// `--threads 0`: every core.
pub fn threads(n: usize) -> usize {
    if n == 0 {
        std::thread::available_parallelism().map_or(1, usize::from)
    } else {
        n
    }
}

/// The pinned time (`--now`), else the clock, in seconds since the epoch.
pub fn now(pinned: Option<f64>) -> f64 {
    pinned.unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0.0, |d| d.as_secs_f64())
    })
}

/// `--now TIME` as seconds since the epoch.
pub fn parse_time(text: &str) -> Result<f64> {
    let call = plumb_stdlib::eval::call(
        "time_parse",
        &[plumb_runtime::value::Value::string(text)],
        &plumb_runtime::vm::CallContext {
            now: 0.0,
            data: plumb_runtime::value::Value::Null,
        },
    );
    match call {
        Ok(plumb_runtime::value::Value::Number(n)) => Ok(n),
        _ => Err(CliError::BadTime(text.to_string()).into()),
    }
}

/// Whether to colour what goes to a stream: a terminal, and `NO_COLOR`
/// unset or empty.
pub fn color_for(is_terminal: bool) -> bool {
    is_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// Whether standard error is a terminal that takes colour.
pub fn stderr_color() -> bool {
    color_for(io::stderr().is_terminal())
}
