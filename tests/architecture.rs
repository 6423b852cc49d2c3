//! ARCHITECTURE.md stays true: the dependency rules between crates hold,
//! the binary stays small, and the code map names every module.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests"
)]

use std::path::{Path, PathBuf};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The names in a Cargo.toml's `[dependencies]` table (not dev or build
/// dependencies).
fn dependencies(manifest: &str) -> Vec<String> {
    let text = std::fs::read_to_string(root().join(manifest)).unwrap();
    let mut out = Vec::new();
    let mut inside = false;
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            inside = line == "[dependencies]";
            continue;
        }
        if inside && let Some((name, _)) = line.split_once('=') {
            let name = name.trim().trim_end_matches(".workspace").to_string();
            if !name.is_empty() && !name.starts_with('#') {
                out.push(name);
            }
        }
    }
    out
}

fn plumb_deps(manifest: &str) -> Vec<String> {
    dependencies(manifest)
        .into_iter()
        .filter(|d| d.starts_with("plumb"))
        .collect()
}

#[test]
fn crates_depend_only_as_the_architecture_allows() {
    let allowed: &[(&str, &[&str])] = &[
        ("runtime/Cargo.toml", &[]),
        ("stdlib/Cargo.toml", &["plumb-runtime"]),
        ("compiler/Cargo.toml", &["plumb-runtime", "plumb-stdlib"]),
        ("ingest/Cargo.toml", &["plumb-runtime", "plumb-stdlib"]),
        ("drift/Cargo.toml", &["plumb-runtime", "plumb-ingest"]),
        ("testing/Cargo.toml", &["plumb-compiler", "plumb-runtime"]),
        (
            "report/Cargo.toml",
            &[
                "plumb-compiler",
                "plumb-runtime",
                "plumb-drift",
                "plumb-testing",
            ],
        ),
    ];
    for (manifest, ok) in allowed {
        for dep in plumb_deps(manifest) {
            assert!(
                ok.contains(&dep.as_str()),
                "{manifest} depends on {dep}, which ARCHITECTURE.md does not allow"
            );
        }
    }
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn no_file_of_the_binary_is_over_300_lines() {
    let mut files = Vec::new();
    rust_files(&root().join("src"), &mut files);
    for f in files {
        let lines = std::fs::read_to_string(&f).unwrap().lines().count();
        assert!(lines <= 300, "{} has {lines} lines", f.display());
    }
}

#[test]
fn the_code_map_names_every_module() {
    let map = std::fs::read_to_string(root().join("ARCHITECTURE.md")).unwrap();
    for dir in [
        "compiler/src",
        "runtime/src",
        "stdlib/src",
        "ingest/src",
        "drift/src",
        "report/src",
        "testing/src",
        "src",
    ] {
        assert!(
            map.contains(&format!("`{}/`", dir.trim_end_matches("/src"))),
            "{dir}"
        );
        let mut files = Vec::new();
        rust_files(&root().join(dir), &mut files);
        for f in files {
            let name = f.file_name().unwrap().to_str().unwrap();
            if matches!(name, "lib.rs" | "mod.rs" | "tests.rs") {
                continue;
            }
            let parent = f.parent().unwrap().file_name().unwrap().to_str().unwrap();
            // A module is named by its file (`input.rs`) or, inside a
            // folder of its own, by the folder (`parser/`).
            let named = map.contains(&format!("`{name}`"))
                || map.contains(&format!("{name}`"))
                || (parent != "src" && map.contains(&format!("`{parent}/`")))
                || map.contains(&format!("({name}"));
            assert!(
                named,
                "ARCHITECTURE.md's code map does not name {}",
                f.display()
            );
        }
    }
}
