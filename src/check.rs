//! `plumb check`, `plumb compile` and `plumb test`.

use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use miette::{IntoDiagnostic, Result};
use plumb_runtime::bytecode::Severity;
use plumb_runtime::eval::{self, EvalOptions, Finding, Report, Status};
use plumb_runtime::snapshot::{LoadOptions, Resource, Snapshot};
use plumb_runtime::value::Value;
use plumb_runtime::{PathTree, Projection, TypePattern};
use serde_json::json;

use crate::{CliError, policy};

pub struct CheckArgs {
    pub policies: Vec<PathBuf>,
    pub compiled: Option<PathBuf>,
    pub snapshots: Vec<PathBuf>,
    pub json: bool,
    pub threshold: Severity,
    pub threads: usize,
    pub fail_indeterminate: bool,
    pub now: Option<f64>,
}

fn threads(n: usize) -> usize {
    if n == 0 {
        std::thread::available_parallelism().map_or(1, usize::from)
    } else {
        n
    }
}

fn now(pinned: Option<f64>) -> f64 {
    pinned.unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0.0, |d| d.as_secs_f64())
    })
}

pub fn check(args: &CheckArgs) -> Result<ExitCode> {
    let program = match &args.compiled {
        Some(path) => policy::read_artifact(path)?,
        None => policy::compile_files(&args.policies)?.program,
    };
    let policy = policy::bind(program)?;
    let threads = threads(args.threads);
    let mut load = LoadOptions {
        projection: policy.program().projection.clone(),
        threads,
    };
    if let Some(patterns) = &mut load.projection.patterns {
        for ty in SCAN_TYPES {
            patterns.push((TypePattern::Exact(ty.to_string()), PathTree::everything()));
        }
    }
    let options = EvalOptions {
        threads,
        now: now(args.now),
        rules: None,
        decisions: false,
    };
    let snapshots = expand(&args.snapshots)?;
    let sources = snapshots
        .iter()
        .map(|p| is_source_file(p))
        .collect::<Result<Vec<bool>>>()?;
    let (mut report, scans) = if sources.contains(&true) {
        // Source files (a Terraform state...) are imported first; then
        // everything is evaluated together, in the order given.
        let resources = load_resources(&snapshots, &load)?;
        let scans = plumb_ingest::host::scan_results(&resources);
        (
            eval::evaluate(&policy, &Snapshot::new(resources), &options),
            scans,
        )
    } else {
        let report = eval::check_files(&policy, &snapshots, &load, &options)
            .map_err(|e| CliError::Snapshot(e.to_string()))?;
        (report, snapshot_scan_results(&snapshots, threads)?)
    };
    // InSpec and XCCDF results are findings another tool made: they join
    // the rules' own (docs/import.md, "Scan results are findings").
    scans.add_to(&mut report);
    let stdout = io::stdout();
    let mut out = io::BufWriter::with_capacity(1 << 16, stdout.lock());
    let written = if args.json {
        write_json(&mut out, &report, policy.program().rules.len())
    } else {
        write_text(&mut out, &report, policy.program().rules.len())
    }
    .and_then(|()| out.flush());
    match written {
        Ok(()) => {}
        // The reader went away (`| head`): not an error of ours.
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {}
        Err(e) => return Err(e).into_diagnostic(),
    }
    let failing = report.findings.iter().any(|f| {
        f.severity >= args.threshold
            && match f.status {
                Status::Fail | Status::Error => true,
                Status::Indeterminate => args.fail_indeterminate,
                Status::Pass => false,
            }
    });
    Ok(if failing {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// The types of imported scan results (InSpec, XCCDF), kept whole when a
/// snapshot is loaded: they become findings.
const SCAN_TYPES: [&str; 3] = ["inspec_control", "inspec_profile", "xccdf_rule_result"];

/// The scan results in snapshot files (an imported InSpec report...). A
/// file that does not name a scan type anywhere has none, and is not
/// loaded again.
fn snapshot_scan_results(
    paths: &[PathBuf],
    threads: usize,
) -> Result<plumb_ingest::host::ScanResults> {
    let mut resources = Vec::new();
    let only_scans = LoadOptions {
        projection: Projection {
            patterns: Some(
                SCAN_TYPES
                    .iter()
                    .map(|t| (TypePattern::Exact((*t).to_string()), PathTree::everything()))
                    .collect(),
            ),
        },
        threads,
    };
    for path in paths {
        let bytes = std::fs::read(path).map_err(|source| CliError::Read {
            path: path.display().to_string(),
            source,
        })?;
        let names_a_scan = SCAN_TYPES
            .iter()
            .any(|t| memchr::memmem::find(&bytes, format!("\"{t}\"").as_bytes()).is_some());
        if names_a_scan {
            let s = plumb_runtime::snapshot::load_slice(path, &bytes, &only_scans)
                .map_err(|e| CliError::Snapshot(e.to_string()))?;
            resources.extend(
                s.resources
                    .into_iter()
                    .filter(|r| SCAN_TYPES.contains(&r.type_.as_str())),
            );
        }
    }
    Ok(plumb_ingest::host::scan_results(&resources))
}

/// Every resource of the given files, in order: plumb snapshots are
/// loaded (projected as `load` says), other sources imported.
/// A directory stands for every source file under it (`*.json`, `*.yaml`,
/// `*.yml`, `*.tfstate`, `*.xml`), in name order.
pub fn load_resources(paths: &[PathBuf], load: &LoadOptions) -> Result<Vec<Resource>> {
    let mut resources = Vec::new();
    for path in &expand(paths)? {
        if is_source_file(path)? {
            let bytes = std::fs::read(path).map_err(|source| CliError::Read {
                path: path.display().to_string(),
                source,
            })?;
            match plumb_ingest::import(path, &bytes) {
                Ok(imported) => resources.extend(imported),
                // The first bytes only hinted at a source: a plumb
                // snapshot may mention the same words in its attributes.
                Err(e) if e.is_snapshot() => {
                    let s = plumb_runtime::snapshot::load_slice(path, &bytes, load)
                        .map_err(|e| CliError::Snapshot(e.to_string()))?;
                    resources.extend(s.resources);
                }
                Err(e) => return Err(CliError::Snapshot(e.to_string()).into()),
            }
        } else {
            let s = plumb_runtime::snapshot::load_file(path, load)
                .map_err(|e| CliError::Snapshot(e.to_string()))?;
            resources.extend(s.resources);
        }
    }
    Ok(resources)
}

/// The files named, with each directory replaced by the source files
/// under it.
fn expand(paths: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            let before = files.len();
            source_files(path, &mut files)?;
            if files.len() == before {
                return Err(CliError::Snapshot(format!(
                    "{}: the directory holds no snapshot or source files (*.json, *.yaml, *.yml, *.tfstate, *.xml)",
                    path.display()
                ))
                .into());
            }
        } else {
            files.push(path.clone());
        }
    }
    Ok(files)
}

fn source_files(dir: &std::path::Path, out: &mut Vec<PathBuf>) -> Result<()> {
    let read = |source| CliError::Read {
        path: dir.display().to_string(),
        source,
    };
    let mut entries = std::fs::read_dir(dir)
        .map_err(read)?
        .map(|e| e.map(|e| e.path()))
        .collect::<io::Result<Vec<_>>>()
        .map_err(read)?;
    entries.sort();
    for path in entries {
        if path.is_dir() {
            source_files(&path, out)?;
        } else if path.extension().and_then(|e| e.to_str()).is_some_and(|e| {
            ["json", "yaml", "yml", "tfstate", "xml"]
                .iter()
                .any(|x| e.eq_ignore_ascii_case(x))
        }) {
            out.push(path);
        }
    }
    Ok(())
}

/// Whether a file is a source to import (a Terraform state, a Kubernetes
/// manifest...) rather than a plumb snapshot, told from its first bytes:
/// a JSON object that names none of the source formats' keys is a
/// snapshot, and so is a list of `{type, id}` objects (for the snapshot
/// loader's error); YAML and XML are sources. (An imported file that turns
/// out to be a snapshot is still read as one.)
fn is_source_file(path: &std::path::Path) -> Result<bool> {
    use std::io::Read as _;
    let mut head = vec![0u8; 4096];
    // A file that cannot be read is left to the snapshot loader, whose
    // error names it and the cause.
    let Ok(n) = std::fs::File::open(path).and_then(|mut f| f.read(&mut head)) else {
        return Ok(false);
    };
    let head = head.get(..n).unwrap_or_default();
    // A UTF-8 byte-order mark says nothing of the format.
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let Some(&first) = head.iter().find(|b| !b.is_ascii_whitespace()) else {
        // Empty: the snapshot loader says so.
        return Ok(false);
    };
    let has = |k: &[u8]| head.windows(k.len()).any(|w| w == k);
    let json_named = path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("json") || e.eq_ignore_ascii_case("tfstate"));
    Ok(match first {
        // An object is a snapshot unless it names a source format's keys.
        b'{' => plumb_ingest::names_a_source_key(head),
        // A list of resources (a snapshot without its envelope) is left to
        // the snapshot loader, whose error says what is missing; other
        // lists (osquery rows, ARM resources) are sources.
        b'[' => has(b"/providers/Microsoft.") || !(has(b"\"type\"") && has(b"\"id\"")),
        b'<' => true,
        // Not JSON at all: YAML, unless the name says JSON, whose error the
        // snapshot loader gives.
        _ => !json_named,
    })
}

fn status_word(s: Status) -> &'static str {
    match s {
        Status::Fail => "FAIL",
        Status::Error => "ERROR",
        Status::Indeterminate => "UNKNOWN",
        Status::Pass => "PASS",
    }
}

fn evidence_value(v: &Option<Value>) -> String {
    match v {
        Some(v) => v.literal(),
        None => "(sensitive)".to_string(),
    }
}

pub fn summary(report: &Report, rules: usize) -> String {
    format!(
        "{} failed, {} passed, {} indeterminate, {} errors, {} skipped ({} resources, {} rules)",
        report.failed,
        report.passed,
        report.indeterminate,
        report.errors,
        report.skipped,
        report.resources,
        rules
    )
}

fn write_text(out: &mut dyn Write, report: &Report, rules: usize) -> io::Result<()> {
    for f in &report.findings {
        write_finding(out, f)?;
    }
    writeln!(out, "{}", summary(report, rules))
}

fn write_finding(out: &mut dyn Write, f: &Finding) -> io::Result<()> {
    let r = &f.resource;
    let subject = match &r.address {
        Some(a) => a.to_string(),
        None => format!("{} {}", r.type_, r.id),
    };
    writeln!(
        out,
        "{} {} {} {}: {}",
        status_word(f.status),
        f.severity.as_str(),
        f.rule,
        subject,
        f.message
    )?;
    if let Some((cond, line)) = &f.condition {
        writeln!(out, "    condition (line {line}): {cond}")?;
    }
    for e in &f.evidence {
        writeln!(out, "    {} = {}", e.path, evidence_value(&e.value))?;
    }
    if let Some(err) = &f.error {
        writeln!(out, "    error: {err}")?;
    }
    if !f.controls.is_empty() {
        writeln!(
            out,
            "    controls: {} (response: {})",
            f.controls.join(", "),
            f.response.as_str()
        )?;
    }
    if let Some(src) = &r.source
        && let Some(file) = &src.file
    {
        match src.line {
            Some(line) => writeln!(out, "    source: {file}:{line}")?,
            None => writeln!(out, "    source: {file}")?,
        }
    }
    Ok(())
}

fn finding_json(f: &Finding) -> serde_json::Value {
    let r = &f.resource;
    json!({
        "rule": f.rule.as_str(),
        "package": f.package.as_str(),
        "status": f.status.as_str(),
        "severity": f.severity.as_str(),
        "controls": f.controls.iter().map(|c| c.as_str()).collect::<Vec<_>>(),
        "response": f.response.as_str(),
        "resource": {
            "type": r.type_.as_str(),
            "id": r.id.as_str(),
            "name": r.name.as_ref().map(|s| s.as_str()),
            "address": r.address.as_ref().map(|s| s.as_str()),
            "source": r.source.as_ref().map(|s| json!({
                "file": s.file.as_ref().map(|x| x.as_str()),
                "line": s.line,
                "format": s.format.as_ref().map(|x| x.as_str()),
            })),
        },
        "message": f.message,
        "remediation": f.remediation,
        "condition": f.condition.as_ref().map(|(text, line)| json!({"text": text.as_str(), "line": line})),
        "evidence": f.evidence.iter().map(|e| json!({
            "path": e.path.as_str(),
            "value": e.value.as_ref().map_or(json!("(sensitive)"), Value::to_json),
            "sensitive": e.value.is_none(),
        })).collect::<Vec<_>>(),
        "error": f.error,
    })
}

fn write_json(out: &mut dyn Write, report: &Report, rules: usize) -> io::Result<()> {
    let doc = json!({
        "plumb_report": 1,
        "summary": {
            "failed": report.failed,
            "passed": report.passed,
            "indeterminate": report.indeterminate,
            "errors": report.errors,
            "skipped": report.skipped,
            "resources": report.resources,
            "rules": rules,
        },
        "findings": report.findings.iter().map(finding_json).collect::<Vec<_>>(),
    });
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}

pub fn compile(policies: &[PathBuf], output: &PathBuf) -> Result<ExitCode> {
    let compiled = policy::compile_files(policies)?;
    let bytes = plumb_runtime::artifact::write(&compiled.program)
        .map_err(|e| CliError::Policy(e.to_string()))?;
    std::fs::write(output, bytes).map_err(|source| CliError::Write {
        path: output.display().to_string(),
        source,
    })?;
    eprintln!(
        "compiled {} rules into {}",
        compiled.program.rules.len(),
        output.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// `plumb test`: each test block is its own snapshot of its fixtures; the
/// named rule's decision for each fixture must be what it expects.
pub fn test(paths: &[PathBuf]) -> Result<ExitCode> {
    let compiled = policy::compile_files(paths)?;
    let ir = compiled.ir;
    let fixtures = compiled.fixtures;
    let policy = policy::bind(compiled.program)?;
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let (mut passed, mut failed) = (0usize, 0usize);
    for (t, test) in ir.tests.iter().enumerate() {
        let rule_index = policy
            .program()
            .rules
            .iter()
            .position(|r| r.name == test.rule && r.package == test.package);
        let mut problems: Vec<String> = Vec::new();
        let mut resources = Vec::new();
        let chunks = fixtures.get(t).map(Vec::as_slice).unwrap_or_default();
        for (f, chunk) in test.fixtures.iter().zip(chunks) {
            match eval::run_chunk(&policy, *chunk, 0.0) {
                Ok(attrs @ Value::Object(_)) => {
                    let mut r = Resource::new(&f.resource_type, &f.id, attrs);
                    r.name = Some(f.id.as_str().into());
                    r.address = Some(format!("{}.{}", f.resource_type, f.id).into());
                    resources.push(r);
                }
                Ok(other) => problems.push(format!(
                    "fixture \"{}\" (line {}): its attributes are a {}, not an object",
                    f.id,
                    f.line,
                    other.type_name().as_str()
                )),
                Err(e) => problems.push(format!(
                    "fixture \"{}\" (line {}): {}",
                    f.id, f.line, e.message
                )),
            }
        }
        let Some(rule_index) = rule_index else {
            writeln!(
                out,
                "FAIL {} ({}:{}): no such rule",
                test.rule, test.file, test.line
            )
            .into_diagnostic()?;
            failed += 1;
            continue;
        };
        let snapshot = Snapshot::new(resources);
        let report = eval::evaluate(
            &policy,
            &snapshot,
            &EvalOptions {
                threads: 1,
                now: now(None),
                rules: Some(vec![rule_index]),
                decisions: true,
            },
        );
        for f in &test.fixtures {
            let Some(expect) = &f.expect else { continue };
            let position = snapshot
                .resources
                .iter()
                .position(|r| *r.type_ == *f.resource_type && *r.id == *f.id);
            let decision = position.and_then(|ri| {
                report
                    .decisions
                    .iter()
                    .find(|(_, r, _)| *r == ri)
                    .map(|(_, _, d)| *d)
            });
            // A fixture the rule does not select is skipped.
            let actual = decision.map_or("skip", eval::Decision::as_str);
            if actual != expect {
                let mut line = format!(
                    "fixture \"{}\" (line {}): expected {expect}, got {actual}",
                    f.id, f.line
                );
                let finding = report
                    .findings
                    .iter()
                    .find(|x| *x.resource.type_ == *f.resource_type && *x.resource.id == *f.id);
                if let Some(x) = finding {
                    line.push_str(&format!("\n        message: {}", x.message));
                    if let Some((cond, l)) = &x.condition {
                        line.push_str(&format!("\n        condition (line {l}): {cond}"));
                    }
                    for e in &x.evidence {
                        line.push_str(&format!(
                            "\n        {} = {}",
                            e.path,
                            evidence_value(&e.value)
                        ));
                    }
                    if let Some(err) = &x.error {
                        line.push_str(&format!("\n        error: {err}"));
                    }
                }
                problems.push(line);
            }
        }
        let n = test.fixtures.iter().filter(|f| f.expect.is_some()).count();
        if problems.is_empty() {
            passed += 1;
            writeln!(
                out,
                "ok   {} ({} fixtures, {}:{})",
                test.rule, n, test.file, test.line
            )
            .into_diagnostic()?;
        } else {
            failed += 1;
            writeln!(out, "FAIL {} ({}:{})", test.rule, test.file, test.line).into_diagnostic()?;
            for p in &problems {
                writeln!(out, "    {p}").into_diagnostic()?;
            }
        }
    }
    writeln!(
        out,
        "{failed} failed, {passed} passed ({} tests)",
        ir.tests.len()
    )
    .into_diagnostic()?;
    out.flush().into_diagnostic()?;
    Ok(if failed > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// `plumb import`: every source's resources, in one snapshot.
pub fn import(sources: &[PathBuf], output: &std::path::Path) -> Result<ExitCode> {
    let mut resources = Vec::new();
    for path in sources {
        let bytes = std::fs::read(path).map_err(|source| CliError::Read {
            path: path.display().to_string(),
            source,
        })?;
        let imported =
            plumb_ingest::import(path, &bytes).map_err(|e| CliError::Snapshot(e.to_string()))?;
        resources.extend(imported);
    }
    let doc = json!({
        "snapshot_version": 1,
        "resources": resources.iter().map(Resource::to_json).collect::<Vec<_>>(),
    });
    let mut text = serde_json::to_string_pretty(&doc).into_diagnostic()?;
    text.push('\n');
    if output == std::path::Path::new("-") {
        let stdout = io::stdout();
        let mut out = stdout.lock();
        match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {}
            Err(e) => return Err(e).into_diagnostic(),
        }
    } else {
        std::fs::write(output, text).map_err(|source| CliError::Write {
            path: output.display().to_string(),
            source,
        })?;
        eprintln!(
            "imported {} resources into {}",
            resources.len(),
            output.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}
