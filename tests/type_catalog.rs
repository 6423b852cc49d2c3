//! The type catalog (`catalog/types/`, read by `plumb lint` for W0012 and
//! W0013) knows every type plumb's importers produce: each fixture under
//! `tests/import/` is imported and every resource type it yields must be
//! known, so a rule on an importer's output is never called unknown. And
//! the catalog's Kubernetes kinds are named the way the importer names them.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests"
)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use plumb_compiler::check::types::Catalog;

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files(&path, out);
        } else {
            out.push(path);
        }
    }
}

#[test]
fn every_type_the_importers_make_from_the_fixtures_is_known() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut paths = Vec::new();
    files(&root.join("tests/import"), &mut paths);
    paths.sort();
    let catalog = Catalog::get();
    let mut seen = BTreeSet::new();
    let mut unknown = BTreeSet::new();
    for path in &paths {
        let bytes = std::fs::read(path).unwrap();
        // Some fixtures are deliberately broken: only what imports counts.
        let Ok(resources) = plumb_ingest::import(path, &bytes) else {
            continue;
        };
        for r in resources {
            let ty = r.type_.to_string();
            if !catalog.knows(&ty) {
                unknown.insert(format!("{ty} (from {})", path.display()));
            }
            seen.insert(ty);
        }
    }
    assert!(
        seen.len() > 20,
        "the fixtures should yield many types: {seen:?}"
    );
    assert!(unknown.is_empty(), "types not in the catalog: {unknown:#?}");
}

#[test]
fn catalogued_kinds_are_named_as_the_kubernetes_importer_names_them() {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("catalog/types/kubernetes-kinds.types"),
    )
    .unwrap();
    let mut checked = 0;
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let cols: Vec<&str> = line.split('\t').collect();
        let note = cols.get(2).expect("every kind has its API versions");
        for api in note.split("; ") {
            let kind = api.split(' ').nth(1).unwrap();
            assert_eq!(plumb_ingest::kubernetes::type_name(kind), cols[0], "{api}");
            checked += 1;
        }
    }
    assert!(checked > 100, "{checked} kinds");
}
