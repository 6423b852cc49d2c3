//! What the importer tests share: running the binary, and golden
//! snapshots (`PLUMB_BLESS=1` regenerates them; review the diff).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    dead_code,
    reason = "tests; each test file uses a part"
)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

pub fn plumb(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_plumb"))
        .current_dir(root())
        .args(args)
        .output()
        .expect("run plumb")
}

pub fn bless() -> bool {
    std::env::var_os("PLUMB_BLESS").is_some_and(|v| !v.is_empty() && v != "0")
}

/// The source files of a directory (not the goldens), sorted.
pub fn files_in(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file() && !p.to_string_lossy().ends_with(".snapshot.json"))
        .collect();
    files.sort();
    files
}

/// Imports `input` and compares with `expected` (a snapshot file); what
/// differs, if anything.
pub fn golden(input: &Path, expected: &Path) -> Option<String> {
    let out = plumb(&["import", input.to_str().unwrap(), "-o", "-"]);
    if out.status.code() != Some(0) {
        return Some(format!(
            "{}: exit {:?}: {}",
            input.display(),
            out.status.code(),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    // Source file names differ between machines: compare without them.
    let mut doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for r in doc["resources"].as_array_mut().unwrap() {
        r["source"]["file"] = serde_json::Value::from("INPUT");
    }
    let actual = serde_json::to_string_pretty(&doc).unwrap() + "\n";
    if bless() {
        std::fs::create_dir_all(expected.parent().unwrap()).unwrap();
        std::fs::write(expected, &actual).unwrap();
        return None;
    }
    let want = std::fs::read_to_string(expected).unwrap_or_default();
    (want != actual).then(|| {
        let diff = similar::TextDiff::from_lines(&want, &actual);
        format!(
            "{} differs from {}:\n{}",
            input.display(),
            expected.display(),
            diff.unified_diff().header("expected", "actual")
        )
    })
}
