//! Front-end throughput: lex, parse, check and analyze (parse + check) over
//! 10,000 generated rules (about 100k lines in 100 files, plus the shared
//! library file), reported in MB/s.
//!
//! ```sh
//! cargo bench --bench frontend
//! ```
//!
//! With `PLUMB_WORKLOAD_DIR=DIR` set, the bench writes that same workload as
//! `.plumb` files under `DIR` and exits without measuring, so the release
//! binary can be timed end to end on it (`plumb lint DIR`; see
//! `docs/performance.md`).
//!
//! The workload is checked once before measuring: it must lint without
//! errors, or the figures would time the error paths instead.
#![allow(
    clippy::indexing_slicing,
    reason = "the shared generator indexes its constant tables"
)]

#[path = "support/workload.rs"]
mod workload;

use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group};
use plumb_compiler::{SourceMap, analyze, check, lexer, parse};

const RULES: usize = 10_000;
const FILES: usize = 100;

fn frontend(c: &mut Criterion) {
    let files = workload::generate(RULES, FILES);
    let (bytes, lines) = workload::size(&files);
    let mut sources = SourceMap::new();
    for f in &files {
        sources.add(f.name.clone(), f.text.clone());
    }
    let analysis = analyze(&sources);
    let errors = analysis.diagnostics.iter().filter(|d| d.is_error()).count();
    assert_eq!(errors, 0, "the generated workload must lint without errors");
    eprintln!(
        "workload: {RULES} rules in {} files, {lines} lines, {bytes} bytes ({:.2} MB), {} warnings",
        files.len(),
        bytes as f64 / 1e6,
        analysis.diagnostics.len()
    );

    let mut group = c.benchmark_group("frontend");
    group.throughput(Throughput::Bytes(bytes as u64));
    // One iteration is the whole 100k-line workload (tens of milliseconds),
    // so a few dozen samples give a stable median in a few seconds each.
    group.sample_size(20);
    group.warm_up_time(Duration::from_secs(2));
    group.measurement_time(Duration::from_secs(8));

    group.bench_function("lex", |b| {
        b.iter(|| {
            let mut tokens = 0;
            for (_, file) in sources.iter() {
                tokens += lexer::lex(black_box(&file.text)).tokens.len();
            }
            tokens
        })
    });
    group.bench_function("parse", |b| {
        b.iter(|| {
            sources
                .iter()
                .map(|(id, file)| parse(id, black_box(&file.text)))
                .collect::<Vec<_>>()
        })
    });
    group.bench_function("check", |b| {
        b.iter(|| check::check(black_box(&analysis.modules)))
    });
    group.bench_function("analyze", |b| b.iter(|| analyze(black_box(&sources))));
    group.finish();
}

/// Writes the benchmark's workload under `dir`, keeping the generator's
/// relative paths (`lib/common.plumb`, `aws/storage/rules_00.plumb`, ...).
fn write_workload(dir: &Path) -> std::io::Result<()> {
    let files = workload::generate(RULES, FILES);
    for f in &files {
        let path = dir.join(&f.name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&path, &f.text)?;
    }
    let (bytes, lines) = workload::size(&files);
    eprintln!(
        "wrote {RULES} rules in {} files ({lines} lines, {bytes} bytes) under {}",
        files.len(),
        dir.display()
    );
    Ok(())
}

criterion_group!(benches, frontend);

// `criterion_main!` plus the `PLUMB_WORKLOAD_DIR` switch.
fn main() -> std::io::Result<()> {
    if let Some(dir) = std::env::var_os("PLUMB_WORKLOAD_DIR") {
        return write_workload(Path::new(&dir));
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
    Ok(())
}
