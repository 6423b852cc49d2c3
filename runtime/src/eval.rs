//! The parallel evaluator: a compiled policy over a snapshot.
//!
//! [`evaluate`] is a pure function of the policy, the snapshot and the
//! options. Resources are spread over threads with rayon; each resource
//! meets only the rules whose selector matches its type (an index built
//! once per snapshot), and findings are sorted (rule name, then snapshot
//! order) before they are returned.
//!
//! **Architecture Invariant:** the report is byte-identical at any thread
//! count.

use std::collections::HashMap;
use std::sync::Arc;

use rayon::prelude::*;

use crate::bytecode::{Program, Response, RuleInfo, Severity, TemplatePart};
use crate::snapshot::{Resource, Snapshot, Source};
use crate::value::{Str, Value};
use crate::vm::{Builtins, CallContext, Env, Frame, Machine, VmError};

/// A program ready to evaluate: constants materialised, built-ins bound.
/// Immutable, `Send + Sync`: compile once, evaluate many snapshots.
pub struct CompiledPolicy {
    program: Program,
    consts: Vec<Value>,
    builtins: Arc<dyn Builtins>,
    builtin_ids: Vec<u32>,
}

/// Why a program cannot be bound to a built-in table.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BindError {
    #[error("the policy calls the built-in `{0}`, which this plumb does not have")]
    UnknownBuiltin(String),
}

impl CompiledPolicy {
    pub fn new(program: Program, builtins: Arc<dyn Builtins>) -> Result<CompiledPolicy, BindError> {
        let consts = program
            .consts
            .iter()
            .map(|c| match c {
                crate::bytecode::Const::Number(n) => Value::Number(*n),
                crate::bytecode::Const::String(s) => Value::String(Str::from(s.as_str())),
            })
            .collect();
        let builtin_ids = program
            .builtins
            .iter()
            .map(|name| {
                builtins
                    .resolve(name)
                    .ok_or_else(|| BindError::UnknownBuiltin(name.clone()))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(CompiledPolicy {
            program,
            consts,
            builtins,
            builtin_ids,
        })
    }

    pub fn program(&self) -> &Program {
        &self.program
    }
}

#[derive(Debug, Clone)]
pub struct EvalOptions {
    /// Threads; 0 means all cores.
    pub threads: usize,
    /// Evaluation time, seconds since the Unix epoch.
    pub now: f64,
    /// Evaluate only these rules (by index); `None` for all.
    pub rules: Option<Vec<usize>>,
    /// Also record every (rule, resource) decision, passes and skips
    /// included, in [`Report::decisions`] (for `plumb test`).
    pub decisions: bool,
}

impl Default for EvalOptions {
    fn default() -> Self {
        EvalOptions {
            threads: 0,
            now: 0.0,
            rules: None,
            decisions: false,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Status {
    Pass,
    Fail,
    /// The outcome depends on a value known only after apply.
    Indeterminate,
    /// Evaluation failed (a type error, a bad regex...).
    Error,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail => "fail",
            Status::Indeterminate => "indeterminate",
            Status::Error => "error",
        }
    }
}

/// An attribute path a failing condition read, and what it found.
#[derive(Debug, Clone, PartialEq)]
pub struct Evidence {
    /// `ingress[*].from_port`
    pub path: String,
    /// `None` when the value is sensitive.
    pub value: Option<Value>,
}

/// The resource a finding is about.
#[derive(Debug, Clone, PartialEq)]
pub struct Subject {
    pub type_: Str,
    pub id: Str,
    pub name: Option<Str>,
    pub address: Option<Str>,
    pub source: Option<Source>,
}

/// A rule's decision for one resource that did not pass.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub rule: String,
    pub package: String,
    pub status: Status,
    pub severity: Severity,
    pub controls: Vec<String>,
    pub response: Response,
    pub resource: Subject,
    pub message: String,
    pub remediation: Option<String>,
    /// The condition that failed (or was indeterminate), as written, and
    /// its line in the rule file.
    pub condition: Option<(String, u32)>,
    pub evidence: Vec<Evidence>,
    /// For status `error`: what went wrong.
    pub error: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Report {
    /// Every outcome that is not a pass, sorted by rule name, then
    /// snapshot order.
    pub findings: Vec<Finding>,
    pub passed: usize,
    pub failed: usize,
    pub indeterminate: usize,
    pub errors: usize,
    /// (rule, resource) pairs a `when` guard left out.
    pub skipped: usize,
    pub resources: usize,
    /// With [`EvalOptions::decisions`]: (rule index, resource index,
    /// decision) for every pair evaluated, in snapshot order.
    pub decisions: Vec<(usize, usize, Decision)>,
}

/// What a rule decided for one resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Pass,
    Skip,
    Fail,
    Indeterminate,
    Error,
}

impl Decision {
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Pass => "pass",
            Decision::Skip => "skip",
            Decision::Fail => "fail",
            Decision::Indeterminate => "indeterminate",
            Decision::Error => "error",
        }
    }
}

/// Evaluates `policy` over `snapshot`.
pub fn evaluate(policy: &CompiledPolicy, snapshot: &Snapshot, options: &EvalOptions) -> Report {
    let threads = if options.threads == 0 {
        std::thread::available_parallelism().map_or(1, usize::from)
    } else {
        options.threads
    };
    match rayon::ThreadPoolBuilder::new().num_threads(threads).build() {
        Ok(pool) => pool.install(|| evaluate_in_pool(policy, snapshot, options)),
        // No threads to be had: evaluate on this one.
        Err(_) => evaluate_in_pool(policy, snapshot, options),
    }
}

/// Runs one chunk that reads no resource (a test fixture's attributes),
/// with the program's globals computed over an empty snapshot.
pub fn run_chunk(
    policy: &CompiledPolicy,
    chunk: crate::bytecode::ChunkId,
    now: f64,
) -> Result<Value, VmError> {
    let program = &policy.program;
    let mut env = Env {
        program,
        consts: &policy.consts,
        builtins: policy.builtins.as_ref(),
        builtin_ids: &policy.builtin_ids,
        globals: &[],
        indexes: &[],
        queries: &[],
        ctx: CallContext { now },
    };
    let empty = Snapshot::default();
    let queries = build_queries(program, &empty);
    env.queries = &queries;
    let globals = compute_globals(&env);
    env.globals = &globals;
    let frame_size = program.chunks.get(chunk as usize).map_or(0, |c| c.frame);
    let mut frame = Frame::new(frame_size, 0);
    Machine::new().run(&env, None, None, chunk, &mut frame)
}

/// What one (rule, resource) pair came to.
enum Outcome {
    Pass,
    Skip,
    Finding(Box<Finding>),
}

fn evaluate_in_pool(policy: &CompiledPolicy, snapshot: &Snapshot, options: &EvalOptions) -> Report {
    let program = &policy.program;
    let ctx = CallContext { now: options.now };
    let queries = build_queries(program, snapshot);
    let mut env = Env {
        program,
        consts: &policy.consts,
        builtins: policy.builtins.as_ref(),
        builtin_ids: &policy.builtin_ids,
        globals: &[],
        indexes: &[],
        queries: &queries,
        ctx,
    };
    let globals = compute_globals(&env);
    env.globals = &globals;
    let indexes: Vec<std::sync::OnceLock<crate::vm::Membership>> = (0..globals.len())
        .map(|_| std::sync::OnceLock::new())
        .collect();
    env.indexes = &indexes;
    let index = RuleIndex::new(program, snapshot, options.rules.as_deref());

    // Rule order for the report: by name (then by position, for equal
    // names in different packages).
    let mut order: Vec<usize> = (0..program.rules.len()).collect();
    order.sort_by(|&a, &b| {
        let key = |i: usize| {
            program
                .rules
                .get(i)
                .map(|r| (r.name.as_str(), r.package.as_str(), i))
        };
        key(a).cmp(&key(b))
    });
    let mut rank = vec![0usize; program.rules.len()];
    for (pos, &r) in order.iter().enumerate() {
        if let Some(slot) = rank.get_mut(r) {
            *slot = pos;
        }
    }

    let record = options.decisions;
    let results: Vec<PerResource> = snapshot
        .resources
        .par_iter()
        .enumerate()
        .with_min_len(64)
        .map_init(
            || (Machine::new(), Frame::new(0, 0)),
            |(machine, frame), (ri, resource)| {
                let mut counts = Counts::default();
                let mut found = Vec::new();
                let mut decided = Vec::new();
                for &rule in index.rules_for(&resource.type_) {
                    let decision = match evaluate_rule(&env, machine, frame, rule, resource) {
                        Outcome::Pass => {
                            counts.passed += 1;
                            Decision::Pass
                        }
                        Outcome::Skip => {
                            counts.skipped += 1;
                            Decision::Skip
                        }
                        Outcome::Finding(f) => {
                            let d = match f.status {
                                Status::Fail => {
                                    counts.failed += 1;
                                    Decision::Fail
                                }
                                Status::Indeterminate => {
                                    counts.indeterminate += 1;
                                    Decision::Indeterminate
                                }
                                Status::Error => {
                                    counts.errors += 1;
                                    Decision::Error
                                }
                                Status::Pass => {
                                    counts.passed += 1;
                                    Decision::Pass
                                }
                            };
                            found.push((rank.get(rule).copied().unwrap_or(0), ri, *f));
                            d
                        }
                    };
                    if record {
                        decided.push((rule, ri, decision));
                    }
                }
                (counts, found, decided)
            },
        )
        .collect();

    let mut report = Report {
        resources: snapshot.len(),
        ..Report::default()
    };
    let mut all = Vec::new();
    for (c, f, d) in results {
        report.decisions.extend(d);
        report.passed += c.passed;
        report.failed += c.failed;
        report.indeterminate += c.indeterminate;
        report.errors += c.errors;
        report.skipped += c.skipped;
        all.extend(f);
    }
    all.par_sort_by_key(|(rank, ri, _)| (*rank, *ri));
    report.findings = all.into_iter().map(|(_, _, f)| f).collect();
    report
}

/// What one resource's rules came to: counts, findings (with their sort
/// keys) and, if recorded, every decision.
type PerResource = (
    Counts,
    Vec<(usize, usize, Finding)>,
    Vec<(usize, usize, Decision)>,
);

#[derive(Default)]
struct Counts {
    passed: usize,
    failed: usize,
    indeterminate: usize,
    errors: usize,
    skipped: usize,
}

/// Which rules select each resource type of the snapshot.
struct RuleIndex {
    by_type: HashMap<Str, Vec<usize>>,
}

impl RuleIndex {
    fn new(program: &Program, snapshot: &Snapshot, only: Option<&[usize]>) -> RuleIndex {
        let mut by_type: HashMap<Str, Vec<usize>> = HashMap::new();
        for r in &snapshot.resources {
            if by_type.contains_key(&r.type_) {
                continue;
            }
            let rules = program
                .rules
                .iter()
                .enumerate()
                .filter(|(i, _)| only.is_none_or(|o| o.contains(i)))
                .filter(|(_, rule)| rule.selector.iter().any(|p| p.matches(&r.type_)))
                .map(|(i, _)| i)
                .collect();
            by_type.insert(r.type_.clone(), rules);
        }
        RuleIndex { by_type }
    }

    fn rules_for(&self, ty: &Str) -> &[usize] {
        self.by_type.get(ty).map_or(&[], Vec::as_slice)
    }
}

/// `resources(...)`: per query, the matching resources in (type, id)
/// order, as values.
fn build_queries(program: &Program, snapshot: &Snapshot) -> Vec<Value> {
    program
        .queries
        .iter()
        .map(|patterns| {
            let mut matched: Vec<&Resource> = snapshot
                .resources
                .iter()
                .filter(|r| patterns.iter().any(|p| p.matches(&r.type_)))
                .collect();
            matched.sort_by(|a, b| (&a.type_, &a.id).cmp(&(&b.type_, &b.id)));
            Value::list(matched.into_iter().map(Resource::to_value).collect())
        })
        .collect()
}

/// Globals in program order (the compiler orders them so each reads only
/// earlier ones).
fn compute_globals(env: &Env<'_>) -> Vec<Result<Value, VmError>> {
    let mut globals: Vec<Result<Value, VmError>> = Vec::with_capacity(env.program.globals.len());
    let mut machine = Machine::new();
    for g in &env.program.globals {
        let frame_size = env
            .program
            .chunks
            .get(g.chunk as usize)
            .map_or(0, |c| c.frame);
        let mut frame = Frame::new(frame_size, 0);
        let genv = Env {
            globals: &globals,
            ..*env
        };
        let v = machine.run(&genv, None, None, g.chunk, &mut frame);
        globals.push(v);
    }
    globals
}

fn evaluate_rule(
    env: &Env<'_>,
    machine: &mut Machine,
    frame: &mut Frame,
    rule_index: usize,
    resource: &Resource,
) -> Outcome {
    let Some(rule) = env.program.rules.get(rule_index) else {
        return Outcome::Skip;
    };
    frame.reset(rule.frame, rule.lets.len());
    let run = |machine: &mut Machine, frame: &mut Frame, chunk| {
        machine.run(env, Some(resource), Some(rule_index), chunk, frame)
    };
    for &guard in &rule.guards {
        match run(machine, frame, guard) {
            Ok(v) if v.is_true() => {}
            Ok(Value::Unknown) => {
                return finding(
                    env,
                    machine,
                    frame,
                    rule_index,
                    rule,
                    resource,
                    Status::Indeterminate,
                    None,
                    None,
                );
            }
            Ok(_) => return Outcome::Skip,
            Err(e) => {
                return finding(
                    env,
                    machine,
                    frame,
                    rule_index,
                    rule,
                    resource,
                    Status::Error,
                    None,
                    Some(e),
                );
            }
        }
    }
    let mut indeterminate = None;
    for (i, req) in rule.requires.iter().enumerate() {
        match run(machine, frame, req.chunk) {
            Ok(v) if v.is_true() => {}
            Ok(Value::Unknown) => {
                indeterminate.get_or_insert(i);
            }
            Ok(_) => {
                return finding(
                    env,
                    machine,
                    frame,
                    rule_index,
                    rule,
                    resource,
                    Status::Fail,
                    Some(i),
                    None,
                );
            }
            Err(e) => {
                return finding(
                    env,
                    machine,
                    frame,
                    rule_index,
                    rule,
                    resource,
                    Status::Error,
                    Some(i),
                    Some(e),
                );
            }
        }
    }
    match indeterminate {
        Some(i) => finding(
            env,
            machine,
            frame,
            rule_index,
            rule,
            resource,
            Status::Indeterminate,
            Some(i),
            None,
        ),
        None => Outcome::Pass,
    }
}

#[expect(clippy::too_many_arguments, reason = "the pieces of one finding")]
fn finding(
    env: &Env<'_>,
    machine: &mut Machine,
    frame: &mut Frame,
    rule_index: usize,
    rule: &RuleInfo,
    resource: &Resource,
    status: Status,
    require: Option<usize>,
    error: Option<VmError>,
) -> Outcome {
    let mut render = |parts: &[TemplatePart]| {
        let mut out = String::new();
        for part in parts {
            match part {
                TemplatePart::Text(t) => out.push_str(t),
                TemplatePart::Hole { chunk, paths } => {
                    if paths.iter().any(|p| path_is_sensitive(resource, p)) {
                        out.push_str("(sensitive)");
                        continue;
                    }
                    match machine.run(env, Some(resource), Some(rule_index), *chunk, frame) {
                        Ok(v) => out.push_str(&v.display()),
                        Err(e) => {
                            out.push_str("(error: ");
                            out.push_str(&e.message);
                            out.push(')');
                        }
                    }
                }
            }
        }
        out
    };
    let message = match &rule.message {
        Some(parts) => render(parts),
        None => format!(
            "{} failed for {} {}",
            rule.name, resource.type_, resource.id
        ),
    };
    let remediation = rule.remediation.as_ref().map(|parts| render(parts));
    let req = require.and_then(|i| rule.requires.get(i));
    let evidence = req
        .map(|r| {
            r.paths
                .iter()
                .map(|p| Evidence {
                    path: p.clone(),
                    value: if path_is_sensitive(resource, p) {
                        None
                    } else {
                        Some(read_path(&resource.attributes, p))
                    },
                })
                .collect()
        })
        .unwrap_or_default();
    Outcome::Finding(Box::new(Finding {
        rule: rule.name.clone(),
        package: rule.package.clone(),
        status,
        severity: rule.severity,
        controls: rule.controls.clone(),
        response: rule.response,
        resource: Subject {
            type_: resource.type_.clone(),
            id: resource.id.clone(),
            name: resource.name.clone(),
            address: resource.address.clone(),
            source: resource.source.clone(),
        },
        message,
        remediation,
        condition: req.map(|r| (r.text.clone(), r.line)),
        evidence,
        error: error.map(|e| e.message),
    }))
}

/// One step of an evidence path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathStep {
    Key(String),
    Each,
}

/// Parses `a.b[*].c` / `a["odd key"]`.
pub fn parse_path(path: &str) -> Vec<PathStep> {
    let mut steps = Vec::new();
    let mut rest = path;
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix("[*]") {
            steps.push(PathStep::Each);
            rest = r;
        } else if let Some(r) = rest.strip_prefix("[\"") {
            let end = r.find("\"]").unwrap_or(r.len());
            steps.push(PathStep::Key(
                r.get(..end).unwrap_or("").replace("\\\"", "\""),
            ));
            rest = r.get(end + 2..).unwrap_or("");
        } else {
            let r = rest.strip_prefix('.').unwrap_or(rest);
            let end = r.find(['.', '[']).unwrap_or(r.len());
            steps.push(PathStep::Key(r.get(..end).unwrap_or("").to_string()));
            rest = r.get(end..).unwrap_or("");
        }
    }
    steps
}

/// Reads an evidence path with the language's projection semantics.
pub fn read_path(attributes: &Value, path: &str) -> Value {
    let mut current = attributes.clone();
    let mut projected = false;
    for step in parse_path(path) {
        current = match (step, projected) {
            (PathStep::Key(k), false) => current.field(&k),
            (PathStep::Key(k), true) => match &current {
                Value::List(l) => Value::list(
                    l.iter()
                        .map(|v| v.field(&k))
                        .filter(|v| !v.is_null())
                        .collect(),
                ),
                other => other.clone(),
            },
            (PathStep::Each, false) => {
                projected = true;
                crate::vm::elements(&current)
            }
            (PathStep::Each, true) => match &current {
                Value::List(l) => {
                    let mut out = Vec::new();
                    for v in l.iter() {
                        match crate::vm::elements(v) {
                            Value::List(inner) => out.extend(inner.iter().cloned()),
                            other => out.push(other),
                        }
                    }
                    Value::list(out)
                }
                other => other.clone(),
            },
        };
    }
    current
}

/// The JSON pointer of a path up to its first `[*]`.
fn pointer_prefix(path: &str) -> String {
    let mut out = String::new();
    for step in parse_path(path) {
        match step {
            PathStep::Key(k) => {
                out.push('/');
                out.push_str(&k.replace('~', "~0").replace('/', "~1"));
            }
            PathStep::Each => break,
        }
    }
    out
}

/// A path is sensitive if it is inside a sensitive value or contains one.
fn path_is_sensitive(resource: &Resource, path: &str) -> bool {
    if resource.sensitive.is_empty() {
        return false;
    }
    let p = pointer_prefix(path);
    resource.sensitive.iter().any(|s| {
        let inside =
            p == *s || (p.starts_with(s.as_str()) && p.as_bytes().get(s.len()) == Some(&b'/'));
        let contains =
            s.starts_with(p.as_str()) && (p.is_empty() || s.as_bytes().get(p.len()) == Some(&b'/'));
        inside || contains
    })
}
