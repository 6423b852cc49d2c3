//! The VM's hot paths and the snapshot loader.
//!
//! ```sh
//! cargo bench -p plumb-runtime --bench vm
//! ```
//!
//! `vm/*`: one hand-assembled rule (runtime/benches/support/programs.rs;
//! the runtime cannot use the compiler) evaluated with
//! `plumb_runtime::eval::evaluate` over 4,000 synthetic security groups on
//! one thread, plumb-stdlib's built-ins bound. One iteration is a whole
//! `evaluate` call: the thread pool, the globals, the rule index, every
//! (rule, resource) pair, the findings and their sort. Nine pairs in ten
//! pass; `vm/fail_plain` and `vm/template` fail every one, to price a
//! finding. `vm/empty_snapshot` is the fixed cost of one call.
//!
//! `vm_hot/*`: the same 4,000 pairs over only 100 distinct attribute trees,
//! which stay in cache, so the difference from `vm/*` is memory latency.
//!
//! `loader/*`: `snapshot::load_slice` of a generated 5 MB snapshot, keeping
//! everything or only what the quantifier and membership rules read, on
//! one and two threads.
//!
//! Every program is verified as an artifact would be, and each rule's
//! outcome on every resource is checked once before anything is timed.
#![allow(
    clippy::indexing_slicing,
    clippy::panic,
    reason = "bench fixtures index their own tables and stop on a wrong setup"
)]

#[path = "support/data.rs"]
mod data;
#[path = "support/programs.rs"]
mod programs;

use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

use criterion::{
    BenchmarkId, Criterion, SamplingMode, Throughput, criterion_group, criterion_main,
};
use plumb_runtime::eval::{CompiledPolicy, EvalOptions, evaluate};
use plumb_runtime::snapshot::{LoadOptions, load_slice};
use plumb_runtime::{Projection, Snapshot, artifact};
use plumb_stdlib::StdBuiltins;

/// Resources per `vm/*` iteration.
const RESOURCES: usize = 4_000;
/// Distinct resources in the `vm_hot/*` snapshot.
const HOT_DISTINCT: usize = 100;
/// Size of the loader's snapshot.
const SNAPSHOT_BYTES: usize = 5_000_000;

fn options() -> EvalOptions {
    EvalOptions {
        threads: 1,
        ..EvalOptions::default()
    }
}

/// Binds a case's program and checks it: it passes artifact verification
/// and survives an artifact round trip, and its rule decides every
/// resource as the case says, without errors.
fn compile(case: &programs::Case, snapshot: &Snapshot, flags: &[data::Flags]) -> CompiledPolicy {
    let program = &case.program;
    if let Err(e) = artifact::verify(program) {
        panic!("{}: the program does not verify: {e}", case.name);
    }
    let bytes = artifact::write(program).unwrap_or_default();
    assert_eq!(
        artifact::read(&bytes).as_ref(),
        Ok(program),
        "{}: artifact round trip",
        case.name
    );
    let policy = match CompiledPolicy::new(program.clone(), StdBuiltins::shared()) {
        Ok(p) => p,
        Err(e) => panic!("{}: {e}", case.name),
    };
    let report = evaluate(&policy, snapshot, &options());
    let passes = flags.iter().filter(|f| (case.expect)(f)).count();
    assert_eq!(
        report.errors,
        0,
        "{}: {:?}",
        case.name,
        report.findings.first()
    );
    assert_eq!(report.indeterminate, 0, "{}", case.name);
    assert_eq!(
        (report.passed, report.failed),
        (passes, flags.len() - passes),
        "{}: passed and failed",
        case.name
    );
    if case.name == "template" {
        let f = &report.findings[0];
        assert!(
            f.message
                .starts_with("security group sg-000000 in eu-west-1 opens port 80 for team-"),
            "template: rendered message {:?}",
            f.message
        );
        assert_eq!(
            f.remediation.as_deref(),
            Some("close port 80 on prod-sg-0"),
            "template: rendered remediation"
        );
        assert_eq!(f.evidence.len(), 1, "template: evidence");
    }
    policy
}

fn vm(c: &mut Criterion) {
    let (snapshot, flags) = data::resources(RESOURCES);
    let cases = [
        programs::pair_overhead(),
        programs::fail_plain(),
        programs::field_chain(),
        programs::quantifier(),
        programs::comprehension(),
        programs::fn_call(),
        programs::builtin_call(),
        programs::membership(true),
        programs::membership(false),
        programs::template(),
    ];
    let policies: Vec<(&str, CompiledPolicy)> = cases
        .iter()
        .map(|case| (case.name, compile(case, &snapshot, &flags)))
        .collect();

    let mut group = c.benchmark_group("vm");
    group.throughput(Throughput::Elements(RESOURCES as u64));
    group.sample_size(30);
    group.warm_up_time(Duration::from_millis(800));
    group.measurement_time(Duration::from_secs(3));
    for (name, policy) in &policies {
        if *name == "bin_in_scan_10k" {
            // Tens of milliseconds an iteration: flat sampling keeps it
            // within the measurement time.
            group.sampling_mode(SamplingMode::Flat);
            group.sample_size(10);
        }
        group.bench_function(*name, |b| {
            b.iter(|| evaluate(policy, black_box(&snapshot), &options()))
        });
        group.sampling_mode(SamplingMode::Auto);
        group.sample_size(30);
    }
    group.throughput(Throughput::Elements(1));
    let empty = Snapshot::default();
    if let Some((_, policy)) = policies.iter().find(|(n, _)| *n == "quantifier") {
        group.bench_function("empty_snapshot", |b| {
            b.iter(|| evaluate(policy, black_box(&empty), &options()))
        });
    }
    group.finish();

    // The same number of (rule, resource) pairs over only HOT_DISTINCT
    // distinct attribute trees (the resources share them), which stay in
    // cache: the VM's own cost, without the memory latency of walking
    // 4,000 separately allocated trees.
    let hot = Snapshot::new(
        (0..RESOURCES)
            .map(|i| snapshot.resources[i % HOT_DISTINCT].clone())
            .collect(),
    );
    let hot_flags: Vec<data::Flags> = (0..RESOURCES).map(|i| flags[i % HOT_DISTINCT]).collect();
    let mut group = c.benchmark_group("vm_hot");
    group.throughput(Throughput::Elements(RESOURCES as u64));
    group.sample_size(30);
    group.warm_up_time(Duration::from_millis(800));
    group.measurement_time(Duration::from_secs(3));
    for case in [
        programs::field_chain(),
        programs::quantifier(),
        programs::fn_call(),
    ] {
        let policy = compile(&case, &hot, &hot_flags);
        group.bench_function(case.name, |b| {
            b.iter(|| evaluate(&policy, black_box(&hot), &options()))
        });
    }
    group.finish();
}

fn loader(c: &mut Criterion) {
    let (bytes, total) = data::snapshot_json(SNAPSHOT_BYTES);
    let name = Path::new("bench.json");
    let projected = data::projection();
    for projection in [Projection::everything(), projected.clone()] {
        let opts = LoadOptions {
            projection,
            threads: 2,
        };
        match load_slice(name, &bytes, &opts) {
            Ok(s) => assert_eq!(s.len(), total, "the loader keeps every resource"),
            Err(e) => panic!("the generated snapshot does not load: {e}"),
        }
    }
    eprintln!(
        "loader: {total} resources, {} bytes ({:.2} MB)",
        bytes.len(),
        bytes.len() as f64 / 1e6
    );

    let mut group = c.benchmark_group("loader");
    group.throughput(Throughput::Bytes(bytes.len() as u64));
    group.sample_size(20);
    group.warm_up_time(Duration::from_millis(800));
    group.measurement_time(Duration::from_secs(3));
    for (label, projection) in [
        ("everything", Projection::everything()),
        ("projected", projected),
    ] {
        for threads in [1, 2] {
            let opts = LoadOptions {
                projection: projection.clone(),
                threads,
            };
            group.bench_with_input(
                BenchmarkId::new(label, format!("threads={threads}")),
                &opts,
                |b, opts| b.iter(|| load_slice(name, black_box(&bytes), opts)),
            );
        }
    }
    group.finish();
}

criterion_group!(benches, vm, loader);

criterion_main!(benches);
