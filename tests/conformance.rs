//! The conformance suite: one corpus of evaluation cases that every backend
//! must pass unchanged (docs: `tests/conformance/README.md`).
//!
//! Each case is a directory `tests/conformance/NNN_what/` holding one or
//! more `*.plumb` files (all compiled together), `snapshot.json` and
//! `expected.json`, the `plumb check --format json` report that
//! docs/language.md and docs/builtins.md say the case must give, with the
//! evaluation time pinned to [`NOW_RFC3339`].
//!
//! A [`Backend`] turns a case directory into that report. The bytecode VM is
//! the one backend today; the WASM backend will implement the same trait and
//! run the same cases, and its reports must be identical. Reports are
//! compared in canonical form ([`canonical`]: parsed and printed again as
//! sorted, pretty JSON), and every failing case is printed with a unified
//! diff, not just the first.
//!
//! `PLUMB_BLESS=1 cargo test --test conformance` rewrites `expected.json`
//! from the reference backend. The expectations come from the docs, not from
//! the implementation: review every rewritten file against the docs before
//! committing it. `PLUMB_CASE=substring` runs (or blesses) only the cases
//! whose name contains it.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests"
)]

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

use plumb_compiler::SourceMap;
use plumb_runtime::eval::{self, CompiledPolicy, EvalOptions, Report};
use plumb_runtime::snapshot::{self, LoadOptions};

/// Where the cases live, relative to the repository root.
const CASES_DIR: &str = "tests/conformance";

/// The evaluation time of every case (`age_days`), as `plumb check --now`
/// takes it and as seconds since the Unix epoch.
const NOW_RFC3339: &str = "2026-01-01T00:00:00Z";
const NOW: f64 = 1_767_225_600.0;

/// The issue asks for at least 60 cases; fewer means cases went missing.
const MIN_CASES: usize = 60;

/// Something that evaluates a case: compiles every `*.plumb` file of the
/// directory, evaluates them over `snapshot.json` at [`NOW`], and returns
/// the report as `plumb check --format json` prints it.
trait Backend: Sync {
    fn name(&self) -> &str;
    fn run(&self, case_dir: &Path) -> Result<String, String>;
}

/// Every backend, the reference (whose output blessing writes) first.
fn backends() -> Vec<Box<dyn Backend>> {
    vec![Box::new(BytecodeVm)]
}

/// The bytecode VM, driven two ways that must agree:
///
/// - through the library: `plumb_compiler::compile` and
///   `plumb_runtime::eval`, with `evaluate` at one and two threads, over
///   the snapshot loaded with the policy's projection and loaded whole, and
///   with `check_files` (the streaming path) at one and two threads; every
///   one of these reports must be equal;
/// - through the `plumb` binary, `plumb check --format json` at
///   `--threads 1` and `--threads 2`, whose outputs must be byte-identical
///   to each other and to what `plumb-report` writes for the library's
///   report. The report crate's JSON is what the backend returns: it holds
///   the one definition of the report format.
///
/// The library's report and the binary's JSON are then checked against each
/// other finding by finding.
struct BytecodeVm;

impl Backend for BytecodeVm {
    fn name(&self) -> &str {
        "bytecode-vm"
    }

    fn run(&self, case_dir: &Path) -> Result<String, String> {
        let (report, rules) = library_report(case_dir)?;
        let mut written = Vec::new();
        plumb_report::check_json::write(&mut written, &report, rules)
            .map_err(|e| format!("write the report: {e}"))?;
        let written = String::from_utf8(written).map_err(|e| e.to_string())?;
        let json = cli_report(case_dir)?;
        if json != written {
            return Err(format!(
                "the binary's JSON is not the report crate's:\n{}",
                unified_diff(&written, &json)
            ));
        }
        cross_check(&report, &json)?;
        Ok(written)
    }
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn blessing() -> bool {
    std::env::var_os("PLUMB_BLESS").is_some_and(|v| !v.is_empty() && v != "0")
}

fn case_filter() -> Option<String> {
    std::env::var("PLUMB_CASE").ok().filter(|s| !s.is_empty())
}

/// The `*.plumb` files of a case, sorted.
fn policy_files(case_dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(case_dir)
        .unwrap_or_else(|e| panic!("read {}: {e}", case_dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "plumb"))
        .collect();
    files.sort();
    files
}

fn compile(case_dir: &Path) -> Result<plumb_compiler::Compiled, String> {
    let mut sources = SourceMap::new();
    for path in policy_files(case_dir) {
        let bytes = std::fs::read(&path).map_err(|e| format!("read {}: {e}", path.display()))?;
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        sources.add_bytes(name, bytes);
    }
    let (analysis, result) = plumb_compiler::compile(&sources);
    let mut errors = String::new();
    for d in analysis.diagnostics.iter().filter(|d| d.is_error()) {
        let (line, col) = sources.line_col(d.file, d.primary.span.start);
        let file = sources.name(d.file);
        writeln!(
            errors,
            "{file}:{line}:{col}: {} {}",
            d.code.as_str(),
            d.message
        )
        .unwrap();
    }
    match result {
        Ok(compiled) if errors.is_empty() => Ok(compiled),
        Ok(_) => Err(format!("the policy has errors:\n{errors}")),
        Err(e) => Err(format!("the policy does not compile: {e}\n{errors}")),
    }
}

fn options(threads: usize) -> EvalOptions {
    EvalOptions {
        threads,
        now: NOW,
        rules: None,
        decisions: false,
        keep_types: Vec::new(),
        data: plumb_runtime::value::Value::Null,
    }
}

/// The library's report and how many rules ran; an error if its
/// evaluation paths disagree.
fn library_report(case_dir: &Path) -> Result<(Report, usize), String> {
    let program = compile(case_dir)?.program;
    let rules = program.rules.len();
    let projection = program.projection.clone();
    let policy = CompiledPolicy::new(program, plumb_stdlib::StdBuiltins::shared())
        .map_err(|e| format!("bind: {e}"))?;
    let path = case_dir.join("snapshot.json");
    let load = |projection: &plumb_runtime::Projection, threads| LoadOptions {
        projection: projection.clone(),
        threads,
    };
    let projected = snapshot::load_file(&path, &load(&projection, 1)).map_err(|e| e.to_string())?;
    let whole = snapshot::load_file(&path, &LoadOptions::default()).map_err(|e| e.to_string())?;
    let streamed = |threads| {
        let inputs = plumb_ingest::input::Inputs::new();
        let opened = inputs
            .inputs(std::slice::from_ref(&path))
            .map_err(|e| e.to_string())?;
        eval::check_files::<plumb_ingest::input::InputError>(
            &policy,
            opened,
            &load(&projection, threads),
            &options(threads),
        )
        .map(|checked| checked.report)
        .map_err(|e| e.to_string())
    };
    let reference = eval::evaluate(&policy, &projected, &options(1));
    let others = [
        (
            "evaluate, threads 2",
            eval::evaluate(&policy, &projected, &options(2)),
        ),
        (
            "evaluate over the whole snapshot (no projection)",
            eval::evaluate(&policy, &whole, &options(1)),
        ),
        ("check_files, threads 1", streamed(1)?),
        ("check_files, threads 2", streamed(2)?),
    ];
    for (what, report) in &others {
        if *report != reference {
            return Err(format!(
                "the library's reports differ: `{what}` is not `evaluate, threads 1`:\n{}",
                unified_diff(&format!("{reference:#?}\n"), &format!("{report:#?}\n"))
            ));
        }
    }
    Ok((reference, rules))
}

/// `plumb check --format json` at one and two threads: byte-identical, or
/// an error.
fn cli_report(case_dir: &Path) -> Result<String, String> {
    let run = |threads: &str| -> Result<String, String> {
        // Run in the case's directory, naming each rule file as the
        // library's compilation does, so rule locations agree.
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_plumb"));
        cmd.current_dir(case_dir).arg("check");
        for file in policy_files(case_dir) {
            cmd.arg("-p").arg(file.file_name().unwrap());
        }
        let out = cmd
            .arg("snapshot.json")
            .args([
                "--format",
                "json",
                "--now",
                NOW_RFC3339,
                "--threads",
                threads,
            ])
            .env("NO_COLOR", "1")
            .output()
            .map_err(|e| format!("run plumb: {e}"))?;
        let stderr = String::from_utf8_lossy(&out.stderr);
        match out.status.code() {
            Some(0 | 1) if stderr.is_empty() => {
                String::from_utf8(out.stdout).map_err(|_| "plumb printed non-UTF-8".to_string())
            }
            code => Err(format!(
                "`plumb check --threads {threads}` exited with {code:?}:\n{stderr}"
            )),
        }
    };
    let one = run("1")?;
    let two = run("2")?;
    if one != two {
        return Err(format!(
            "`plumb check --format json` differs between --threads 1 and --threads 2:\n{}",
            unified_diff(&one, &two)
        ));
    }
    Ok(one)
}

/// The library's report and the binary's JSON tell the same story.
fn cross_check(report: &Report, json: &str) -> Result<(), String> {
    let doc: serde_json::Value =
        serde_json::from_str(json).map_err(|e| format!("plumb printed invalid JSON: {e}"))?;
    let summary = &doc["summary"];
    let counts = [
        ("failed", report.failed),
        ("passed", report.passed),
        ("indeterminate", report.indeterminate),
        ("errors", report.errors),
        ("skipped", report.skipped),
        ("resources", report.resources),
    ];
    for (key, n) in counts {
        if summary[key].as_u64() != Some(n as u64) {
            return Err(format!(
                "summary.{key}: the binary says {}, the library {n}",
                summary[key]
            ));
        }
    }
    let findings = doc["findings"].as_array().cloned().unwrap_or_default();
    if findings.len() != report.findings.len() {
        return Err(format!(
            "the binary reports {} findings, the library {}",
            findings.len(),
            report.findings.len()
        ));
    }
    for (i, (j, f)) in findings.iter().zip(&report.findings).enumerate() {
        let same = j["rule"] == f.rule.as_str()
            && j["package"] == f.package.as_str()
            && j["status"] == f.status.as_str()
            && j["severity"] == f.severity.as_str()
            && j["resource"]["type"] == f.resource.type_.as_str()
            && j["resource"]["id"] == f.resource.id.as_str()
            && j["message"] == f.message.as_str()
            && j["remediation"].as_str() == f.remediation.as_deref()
            && j["error"].as_str() == f.error.as_deref()
            && j["evidence"].as_array().map(Vec::len) == Some(f.evidence.len());
        if !same {
            return Err(format!(
                "finding {i} differs between the binary and the library:\n  binary:  {j}\n  library: {f:?}"
            ));
        }
    }
    Ok(())
}

/// A report in canonical form: parsed, then printed as pretty JSON with
/// sorted keys and a final newline, so two backends that format their JSON
/// differently still compare equal when they say the same thing.
fn canonical(text: &str) -> Result<String, String> {
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
    let mut out = serde_json::to_string_pretty(&value).map_err(|e| e.to_string())?;
    out.push('\n');
    Ok(out)
}

fn unified_diff(expected: &str, actual: &str) -> String {
    similar::TextDiff::from_lines(expected, actual)
        .unified_diff()
        .context_radius(3)
        .header("expected", "actual")
        .to_string()
}

/// The case directories, sorted by name (filtered by `PLUMB_CASE`).
fn case_dirs() -> Vec<PathBuf> {
    let dir = root().join(CASES_DIR);
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}

fn case_name(dir: &Path) -> String {
    dir.file_name().unwrap().to_string_lossy().into_owned()
}

/// What is wrong with a case directory's layout, if anything.
fn layout_problems(dir: &Path) -> Vec<String> {
    let name = case_name(dir);
    let mut problems = Vec::new();
    let numbered = name.len() > 4
        && name.as_bytes()[..3].iter().all(u8::is_ascii_digit)
        && name.as_bytes()[3] == b'_';
    if !numbered {
        problems.push("the directory must be named NNN_what".to_string());
    }
    for file in ["policy.plumb", "snapshot.json"] {
        if !dir.join(file).is_file() {
            problems.push(format!("no {file}"));
        }
    }
    let policy = std::fs::read_to_string(dir.join("policy.plumb")).unwrap_or_default();
    if !policy.is_empty() && !policy.starts_with("//") {
        problems.push(
            "policy.plumb must start with `//` comments saying what the case tests and what the docs say"
                .to_string(),
        );
    }
    if !blessing() && !dir.join("expected.json").is_file() {
        problems.push(format!(
            "no expected.json; write it from the docs (or PLUMB_BLESS=1 PLUMB_CASE={name} cargo test --test conformance, then review it)"
        ));
    }
    problems
}

/// Runs `backend` over `cases` on all cores; results in case order.
fn run_all(backend: &dyn Backend, cases: &[PathBuf]) -> Vec<Result<String, String>> {
    let next = AtomicUsize::new(0);
    let workers = std::thread::available_parallelism()
        .map_or(4, usize::from)
        .min(cases.len().max(1));
    let mut results: Vec<Option<Result<String, String>>> = vec![None; cases.len()];
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                s.spawn(|| {
                    let mut done = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(dir) = cases.get(i) else { break };
                        let result = backend.run(dir).and_then(|json| canonical(&json));
                        done.push((i, result));
                    }
                    done
                })
            })
            .collect();
        for h in handles {
            for (i, r) in h.join().unwrap() {
                results[i] = Some(r);
            }
        }
    });
    results.into_iter().map(Option::unwrap).collect()
}

#[test]
fn conformance() {
    let all = case_dirs();
    assert!(
        all.len() >= MIN_CASES,
        "expected at least {MIN_CASES} cases in {CASES_DIR}, found {}",
        all.len()
    );
    let filter = case_filter();
    let cases: Vec<PathBuf> = all
        .into_iter()
        .filter(|d| filter.as_ref().is_none_or(|f| case_name(d).contains(f)))
        .collect();
    assert!(!cases.is_empty(), "PLUMB_CASE={filter:?} matches no case");
    let mut failures: Vec<(String, String)> = Vec::new();
    for dir in &cases {
        let problems = layout_problems(dir);
        if !problems.is_empty() {
            failures.push((case_name(dir), problems.join("\n") + "\n"));
        }
    }
    for (b, backend) in backends().iter().enumerate() {
        let results = run_all(backend.as_ref(), &cases);
        for (dir, result) in cases.iter().zip(results) {
            let name = case_name(dir);
            let tag = format!("{name} [{}]", backend.name());
            let actual = match result {
                Ok(json) => json,
                Err(e) => {
                    failures.push((tag, format!("{e}\n")));
                    continue;
                }
            };
            let path = dir.join("expected.json");
            if blessing() && b == 0 {
                std::fs::write(&path, &actual).unwrap();
                continue;
            }
            let Ok(text) = std::fs::read_to_string(&path) else {
                continue; // reported by layout_problems
            };
            match canonical(&text) {
                Err(e) => failures.push((tag, format!("expected.json: {e}\n"))),
                Ok(expected) if expected != actual => failures.push((
                    tag,
                    format!(
                        "the report differs from expected.json:\n{}",
                        unified_diff(&expected, &actual)
                    ),
                )),
                Ok(_) => {}
            }
        }
    }
    if blessing() {
        eprintln!(
            "blessed {} cases: review `git diff {CASES_DIR}` against docs/language.md and docs/builtins.md",
            cases.len()
        );
    }
    if !failures.is_empty() {
        let mut report = String::new();
        for (tag, problems) in &failures {
            writeln!(report, "---- {tag}\n{problems}").unwrap();
        }
        let list: Vec<&str> = failures.iter().map(|(t, _)| t.as_str()).collect();
        panic!(
            "{report}\n{} of {} conformance cases failed:\n  {}\n\
             expected.json holds what the docs say; fix the implementation (or, if the docs \
             changed, the expectation). See tests/conformance/README.md.",
            failures.len(),
            cases.len(),
            list.join("\n  ")
        );
    }
}

/// Every built-in of the checker's table is called by some case.
#[test]
fn every_builtin_is_exercised() {
    let mut text = String::new();
    for dir in case_dirs() {
        for file in policy_files(&dir) {
            text.push_str(&std::fs::read_to_string(file).unwrap());
        }
    }
    let missing: Vec<&str> = plumb_stdlib::builtins::BUILTINS
        .iter()
        .map(|b| b.name)
        .filter(|name| {
            !text.match_indices(&format!("{name}(")).any(|(i, _)| {
                // Not the tail of a longer name (`length(` in `max_length(`).
                i == 0 || {
                    let before = text.as_bytes()[i - 1];
                    !(before.is_ascii_alphanumeric() || before == b'_' || before == b'.')
                }
            })
        })
        .collect();
    assert!(
        missing.is_empty(),
        "no conformance case calls these built-ins; add a case for each:\n  {}",
        missing.join("\n  ")
    );
}

/// A small deterministic generator (SplitMix64): the large snapshot is the
/// same on every run without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }
}

/// The resource types the benchmark rules read, and one they do not.
const LARGE_TYPES: &[&str] = &[
    "aws_s3_bucket",
    "aws_s3_bucket_public_access_block",
    "aws_security_group",
    "aws_ebs_volume",
    "aws_db_instance",
    "aws_iam_policy",
    "aws_kms_key",
    "aws_cloudtrail",
    "aws_instance",
    "k8s_pod",
];

/// `resources` resources of [`LARGE_TYPES`] with attributes drawn at
/// random: present, missing, of the wrong type, unknown or sensitive. Ids
/// repeat across types, as in real snapshots, and buckets are joined with
/// public access blocks by id.
fn large_snapshot(resources: usize, seed: u64) -> serde_json::Value {
    let mut rng = Rng(seed);
    let ids = resources as u64 / 2;
    let resources: Vec<serde_json::Value> = (0..resources)
        .map(|i| {
            let ty = rng.pick(LARGE_TYPES);
            let mut attributes = random_attributes(ty, ids, &mut rng);
            if rng.chance(80) {
                let mut tags = serde_json::Map::new();
                if rng.chance(70) {
                    tags.insert("owner".into(), rng.pick(&["payments", "data"]).into());
                }
                if rng.chance(70) {
                    tags.insert("env".into(), rng.pick(&["prod", "dev"]).into());
                }
                attributes.insert("tags".into(), tags.into());
            }
            let mut resource = serde_json::json!({
                "type": ty,
                "id": format!("r{}", rng.below(ids)),
                "name": format!("n{i}"),
                "address": format!("{ty}.n{i}"),
            });
            if rng.chance(5)
                && let Some(key) = attributes.keys().next()
            {
                resource["unknown"] = serde_json::json!([format!("/{key}")]);
            }
            if ty == "aws_db_instance" {
                resource["sensitive"] = serde_json::json!(["/password"]);
            }
            resource["attributes"] = attributes.into();
            resource
        })
        .collect();
    serde_json::json!({ "resources": resources })
}

/// The attributes of one generated resource of type `ty`.
fn random_attributes(
    ty: &str,
    ids: u64,
    rng: &mut Rng,
) -> serde_json::Map<String, serde_json::Value> {
    use serde_json::{Value, json};
    let flag = |rng: &mut Rng| match rng.below(4) {
        0 => json!(true),
        1 => json!(false),
        2 => json!("true"),
        _ => Value::Null,
    };
    let value = match ty {
        "aws_s3_bucket" => {
            let algorithm = rng.pick(&["AES256", "aws:kms", "aes256", "aws:kms:dsse"]);
            let sse = json!([{"rule": [{"apply_server_side_encryption_by_default": [{"sse_algorithm": algorithm}]}]}]);
            json!({
                "acl": rng.pick(&["private", "public-read", "public-read-write", "authenticated-read"]),
                "server_side_encryption_configuration": if rng.chance(70) { sse } else { Value::Null },
                "versioning": [{"enabled": flag(rng)}],
            })
        }
        "aws_s3_bucket_public_access_block" => json!({
            "bucket": format!("r{}", rng.below(ids)),
            "block_public_acls": rng.chance(85),
            "block_public_policy": rng.chance(85),
            "ignore_public_acls": rng.chance(85),
            "restrict_public_buckets": rng.chance(85),
        }),
        "aws_security_group" => {
            let ingress: Vec<Value> = (0..rng.below(4))
                .map(|_| {
                    let from = [0u64, 22, 80, 443, 3389][rng.below(5) as usize];
                    json!({
                        "from_port": from,
                        "to_port": from + rng.below(3000),
                        "protocol": rng.pick(&["tcp", "-1", "udp"]),
                        "cidr_blocks": [rng.pick(&["0.0.0.0/0", "10.0.0.0/8", "192.168.0.0/16"])],
                    })
                })
                .collect();
            json!({ "ingress": ingress })
        }
        "aws_ebs_volume" => json!({"encrypted": flag(rng), "size": rng.below(2000)}),
        "aws_db_instance" => json!({
            "storage_encrypted": flag(rng),
            "publicly_accessible": flag(rng),
            "password": format!("secret-{}", rng.below(1000)),
        }),
        "aws_iam_policy" => {
            let statement = json!({
                "Effect": rng.pick(&["Allow", "Deny"]),
                "Action": rng.pick(&["*", "s3:GetObject", "iam:*"]),
                "Resource": rng.pick(&["*", "arn:aws:s3:::b/*"]),
            });
            json!({ "policy": json!({"Statement": [statement]}).to_string() })
        }
        "aws_kms_key" => json!({"enable_key_rotation": flag(rng)}),
        "aws_cloudtrail" => json!({"enable_log_file_validation": flag(rng)}),
        "aws_instance" => {
            json!({"metadata_options": {"http_tokens": rng.pick(&["required", "optional"])}})
        }
        _ => json!({"spec": {"containers": [{"name": "c"}]}}),
    };
    match value {
        Value::Object(map) => map,
        _ => serde_json::Map::new(),
    }
}

/// `plumb check --format json` over a large generated snapshot with the 14
/// benchmark rules is byte-identical at 1, 2 and 4 threads.
#[test]
fn large_snapshot_is_identical_at_any_thread_count() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("conformance");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("large-snapshot.json");
    let doc = large_snapshot(20_000, 0x5EED_2026);
    std::fs::write(&path, serde_json::to_vec(&doc).unwrap()).unwrap();
    let run = |threads: &str| {
        let out = Command::new(env!("CARGO_BIN_EXE_plumb"))
            .current_dir(root())
            .args([
                "check",
                "-p",
                "bench/rules/",
                "--format",
                "json",
                "--now",
                NOW_RFC3339,
                "--threads",
                threads,
            ])
            .arg(&path)
            .output()
            .expect("run plumb");
        assert!(
            matches!(out.status.code(), Some(0 | 1)),
            "--threads {threads}: exit {:?}\n{}",
            out.status.code(),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("UTF-8")
    };
    let one = run("1");
    for threads in ["2", "4"] {
        let other = run(threads);
        assert!(
            one == other,
            "the report differs between --threads 1 and --threads {threads}:\n{}",
            unified_diff(&one, &other)
        );
    }
    let report: serde_json::Value = serde_json::from_str(&one).unwrap();
    let summary = &report["summary"];
    assert_eq!(summary["resources"], 20_000);
    assert_eq!(summary["rules"], 14);
    for key in ["failed", "passed", "indeterminate", "skipped"] {
        assert!(
            summary[key].as_u64().unwrap() > 0,
            "the generated snapshot should give some `{key}` outcomes: {summary}"
        );
    }
    assert!(
        !one.contains("secret-"),
        "a sensitive password reached the report"
    );
}
