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

use crate::bytecode::{Program, RuleInfo, TemplatePart};
pub use crate::finding::{
    Condition, Decision, DecisionRecord, Evidence, Finding, Location, Report, Status, Subject,
};
use crate::snapshot::{LoadOptions, Resource, Snapshot, SnapshotError};
use crate::value::{Str, Value};
use crate::vm::{Builtins, CallContext, Env, Frame, Machine, VmError};

pub mod blocks;

/// A program ready to evaluate: constants materialised, built-ins bound.
/// Immutable, `Send + Sync`: compile once, evaluate many snapshots.
pub struct CompiledPolicy {
    program: Program,
    /// Per rule: the strings every finding of it carries, made once.
    meta: Vec<RuleStrings>,
    consts: Vec<Value>,
    builtins: Arc<dyn Builtins>,
    builtin_ids: Vec<u32>,
    plan: Plan,
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
        let plan = Plan::new(&program);
        let meta = program.rules.iter().map(RuleStrings::new).collect();
        Ok(CompiledPolicy {
            program,
            meta,
            consts,
            builtins,
            builtin_ids,
            plan,
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
    /// Resource types [`check_files`] hands back whole (scan results,
    /// which become findings of their own).
    pub keep_types: Vec<Str>,
    /// The data document rules read with `data(...)` (`--data`): an
    /// object, or `null` for none.
    pub data: Value,
}

impl Default for EvalOptions {
    fn default() -> Self {
        EvalOptions {
            threads: 0,
            now: 0.0,
            rules: None,
            decisions: false,
            keep_types: Vec::new(),
            data: Value::Null,
        }
    }
}

/// Evaluates `policy` over `snapshot`.
pub fn evaluate(policy: &CompiledPolicy, snapshot: &Snapshot, options: &EvalOptions) -> Report {
    in_pool(options.threads, || {
        let keys: Vec<Key> = (0..snapshot.len())
            .map(|i| (0, 0, u32::try_from(i).unwrap_or(u32::MAX)))
            .collect();
        let statics = StaticEnv::new(policy, options.now, &options.data);
        let mut acc = Acc::default();
        statics.finish(policy, &snapshot.resources, &keys, options, None, &mut acc);
        let seen: std::collections::BTreeSet<Str> =
            snapshot.resources.iter().map(|r| r.type_.clone()).collect();
        let mut report = acc.into_report(snapshot.len());
        report.unchecked_types = unchecked_types(&policy.program, seen, options);
        report
    })
}

/// `plumb check`'s path: loads each input and evaluates while loading.
/// Rules that need the whole snapshot (they read `resources(...)`, directly
/// or through a `let`) run after loading, over the resources they select
/// and the ones their queries read; every other rule runs on the loader's
/// threads as each batch is parsed, and its resources are dropped right
/// away. The report is the one [`evaluate`] gives for the same resources.
/// Resources of the types in [`EvalOptions::keep_types`] are handed back
/// too (in input order), so a caller can read them without loading the
/// inputs again.
pub fn check_files<E: From<SnapshotError> + Send>(
    policy: &CompiledPolicy,
    inputs: impl IntoIterator<Item = Result<crate::snapshot::SnapshotInput, E>> + Send,
    load: &LoadOptions,
    options: &EvalOptions,
) -> Result<Checked, E> {
    in_pool(options.threads, || {
        let statics = StaticEnv::new(policy, options.now, &options.data);
        let mut acc = Acc::default();
        let mut kept: Vec<Resource> = Vec::new();
        let mut keys: Vec<Key> = Vec::new();
        let mut total = 0;
        let mut seen = std::collections::BTreeSet::new();
        for (file_no, input) in inputs.into_iter().enumerate() {
            let input = input?;
            let sink = CheckSink {
                policy,
                env: statics.env(policy),
                file: u32::try_from(file_no).unwrap_or(u32::MAX),
                options,
            };
            let streamed = input.stream(load, &sink)?;
            total += streamed.total;
            for state in streamed.states {
                acc.absorb(state.acc);
                seen.extend(state.types.into_keys());
            }
            for ((seq, pos), r) in streamed.kept {
                keys.push((sink.file, seq, pos));
                kept.push(r);
            }
        }
        statics.finish(
            policy,
            &kept,
            &keys,
            options,
            Some(&policy.plan.deferred),
            &mut acc,
        );
        let extra = kept
            .into_iter()
            .filter(|r| options.keep_types.contains(&r.type_))
            .collect();
        let mut report = acc.into_report(total);
        report.unchecked_types = unchecked_types(&policy.program, seen, options);
        Ok(Checked {
            report,
            kept: extra,
        })
    })
}

/// The types of `seen` that no rule the options run selects (scan
/// results, kept whole to become findings, aside).
fn unchecked_types(
    program: &Program,
    seen: std::collections::BTreeSet<Str>,
    options: &EvalOptions,
) -> Vec<Str> {
    seen.into_iter()
        .filter(|ty| {
            !options.keep_types.contains(ty)
                && !program.rules.iter().enumerate().any(|(i, r)| {
                    options.rules.as_ref().is_none_or(|o| o.contains(&i)) && r.meta.selects(ty)
                })
        })
        .collect()
}

/// What [`check_files`] gives: the report, and the resources of the
/// types the options asked to keep.
#[derive(Debug, Clone, Default)]
pub struct Checked {
    pub report: Report,
    pub kept: Vec<Resource>,
}

fn in_pool<T: Send>(threads: usize, f: impl FnOnce() -> T + Send) -> T {
    let threads = if threads == 0 {
        std::thread::available_parallelism().map_or(1, usize::from)
    } else {
        threads
    };
    match rayon::ThreadPoolBuilder::new().num_threads(threads).build() {
        Ok(pool) => pool.install(f),
        // No threads to be had: evaluate on this one.
        Err(_) => f(),
    }
}

/// Where a resource is in the input: file, batch, position. Findings are
/// sorted by rule and then by this, which is input order.
type Key = (u32, u32, u32);

/// What the evaluation of some resources came to.
#[derive(Default)]
struct Acc {
    counts: Counts,
    /// Boxed: sorting moves these, and a finding is large.
    found: Vec<(usize, Key, Box<Finding>)>,
    decided: Vec<(usize, Key, Decision)>,
}

impl Acc {
    fn absorb(&mut self, other: Acc) {
        self.counts.add(&other.counts);
        self.found.extend(other.found);
        self.decided.extend(other.decided);
    }

    fn into_report(mut self, resources: usize) -> Report {
        // By rule, then by the resource (type, id), which does not depend
        // on where it sits in the input; input position only breaks ties
        // (one id given twice).
        self.found.par_sort_by(|(ra, ka, fa), (rb, kb, fb)| {
            (ra, &fa.resource.type_, &fa.resource.id, ka).cmp(&(
                rb,
                &fb.resource.type_,
                &fb.resource.id,
                kb,
            ))
        });
        self.decided.sort_by_key(|(rule, key, _)| (*key, *rule));
        Report {
            findings: self.found.into_iter().map(|(_, _, f)| *f).collect(),
            passed: self.counts.passed,
            failed: self.counts.failed,
            indeterminate: self.counts.indeterminate,
            errors: self.counts.errors,
            skipped: self.counts.skipped,
            resources,
            unchecked_types: Vec::new(),
            decisions: self
                .decided
                .into_iter()
                .map(|(rule, key, decision)| DecisionRecord {
                    rule,
                    resource: key.2 as usize,
                    decision,
                })
                .collect(),
        }
    }
}

/// Which rules and globals can be evaluated before the snapshot is
/// complete: a global is dynamic if it reads `resources(...)` (directly,
/// through a function or through another global); a rule is deferred if
/// any of its chunks reads a dynamic global or `resources(...)`.
#[derive(Debug, Clone, Default)]
pub(crate) struct Plan {
    dynamic: Vec<bool>,
    deferred: Vec<bool>,
    /// Rule position in report order (by name).
    rank: Vec<usize>,
}

impl Plan {
    fn new(program: &Program) -> Plan {
        let mut fn_dynamic = vec![false; program.fns.len()];
        let mut dynamic = vec![false; program.globals.len()];
        let chunk_dynamic = |chunk: u32, fns: &[bool], globals: &[bool]| {
            program.chunks.get(chunk as usize).is_some_and(|c| {
                c.code.iter().any(|op| match op {
                    crate::bytecode::Op::Resources(_) => true,
                    crate::bytecode::Op::Global(g) | crate::bytecode::Op::InGlobal(g) => {
                        globals.get(*g as usize).copied().unwrap_or(true)
                    }
                    crate::bytecode::Op::Call(f, _) => {
                        fns.get(*f as usize).copied().unwrap_or(true)
                    }
                    crate::bytecode::Op::Lookup(l, _) => {
                        match program.lookups.get(*l as usize).map(|x| x.source) {
                            Some(crate::bytecode::LookupSource::Global(g)) => {
                                globals.get(g as usize).copied().unwrap_or(true)
                            }
                            _ => true,
                        }
                    }
                    _ => false,
                })
            })
        };
        // A fixpoint: each round can only turn flags on, and there are
        // finitely many.
        loop {
            let mut changed = false;
            for (i, f) in program.fns.iter().enumerate() {
                if !fn_dynamic.get(i).copied().unwrap_or(true)
                    && chunk_dynamic(f.chunk, &fn_dynamic, &dynamic)
                {
                    if let Some(x) = fn_dynamic.get_mut(i) {
                        *x = true;
                    }
                    changed = true;
                }
            }
            for (i, g) in program.globals.iter().enumerate() {
                if !dynamic.get(i).copied().unwrap_or(true)
                    && chunk_dynamic(g.chunk, &fn_dynamic, &dynamic)
                {
                    if let Some(x) = dynamic.get_mut(i) {
                        *x = true;
                    }
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
        let deferred = program
            .rules
            .iter()
            .map(|r| {
                let holes = r
                    .message
                    .iter()
                    .chain(r.remediation.iter())
                    .flatten()
                    .filter_map(|p| match p {
                        TemplatePart::Hole { chunk, .. } => Some(*chunk),
                        TemplatePart::Text(_) => None,
                    });
                // A rule `on snapshot` needs every resource in first.
                r.meta.snapshot
                    || r.guards
                        .iter()
                        .copied()
                        .chain(r.requires.iter().map(|q| q.chunk))
                        .chain(r.lets.iter().map(|l| l.1))
                        .chain(holes)
                        .any(|c| chunk_dynamic(c, &fn_dynamic, &dynamic))
            })
            .collect();
        let mut order: Vec<usize> = (0..program.rules.len()).collect();
        order.sort_by(|&a, &b| {
            let key = |i: usize| {
                program
                    .rules
                    .get(i)
                    .map(|r| (r.meta.name.as_str(), r.meta.package.as_str(), i))
            };
            key(a).cmp(&key(b))
        });
        let mut rank = vec![0usize; program.rules.len()];
        for (pos, &r) in order.iter().enumerate() {
            if let Some(slot) = rank.get_mut(r) {
                *slot = pos;
            }
        }
        Plan {
            dynamic,
            deferred,
            rank,
        }
    }
}

/// The globals that need no snapshot, computed once.
struct StaticEnv {
    globals: Vec<Result<Value, VmError>>,
    indexes: Vec<std::sync::OnceLock<crate::vm::Membership>>,
    ctx: CallContext,
}

impl StaticEnv {
    fn new(policy: &CompiledPolicy, now: f64, data: &Value) -> StaticEnv {
        let ctx = CallContext {
            now,
            data: data.clone(),
        };
        let program = &policy.program;
        let env = Env {
            program,
            meta: &policy.meta,
            consts: &policy.consts,
            builtins: policy.builtins.as_ref(),
            builtin_ids: &policy.builtin_ids,
            globals: &[],
            indexes: &[],
            queries: &[],
            sensitive_queries: &[],
            lookups: &[],
            ctx: &ctx,
        };
        let globals = compute_globals(&env, &policy.plan.dynamic, false, Vec::new());
        let indexes = (0..globals.len())
            .map(|_| std::sync::OnceLock::new())
            .collect();
        StaticEnv {
            globals,
            indexes,
            ctx,
        }
    }

    fn env<'a>(&'a self, policy: &'a CompiledPolicy) -> Env<'a> {
        Env {
            program: &policy.program,
            meta: &policy.meta,
            consts: &policy.consts,
            builtins: policy.builtins.as_ref(),
            builtin_ids: &policy.builtin_ids,
            globals: &self.globals,
            indexes: &self.indexes,
            queries: &[],
            sensitive_queries: &[],
            lookups: &[],
            ctx: &self.ctx,
        }
    }

    /// Computes the dynamic globals over `resources` and evaluates the rules
    /// `only` allows (all if `None`) over them, in parallel.
    fn finish(
        &self,
        policy: &CompiledPolicy,
        resources: &[Resource],
        keys: &[Key],
        options: &EvalOptions,
        only: Option<&[bool]>,
        acc: &mut Acc,
    ) {
        let program = &policy.program;
        let queries = build_queries(program, resources);
        let sensitive_queries = sensitive_queries(program, resources);
        let base = Env {
            queries: &queries,
            sensitive_queries: &sensitive_queries,
            ..self.env(policy)
        };
        let globals = compute_globals(&base, &policy.plan.dynamic, true, self.globals.clone());
        let indexes: Vec<std::sync::OnceLock<crate::vm::Membership>> = (0..globals.len())
            .map(|_| std::sync::OnceLock::new())
            .collect();
        let lookups: Vec<std::sync::OnceLock<crate::vm::KeyIndex>> = (0..program.lookups.len())
            .map(|_| std::sync::OnceLock::new())
            .collect();
        let env = Env {
            globals: &globals,
            indexes: &indexes,
            lookups: &lookups,
            ..base
        };
        let allowed = |i: usize| {
            only.is_none_or(|o| o.get(i).copied().unwrap_or(false))
                && options.rules.as_ref().is_none_or(|r| r.contains(&i))
        };
        let index = RuleIndex::new(program, resources.iter(), allowed);
        let record = options.decisions;
        let rank = &policy.plan.rank;
        let part = resources
            .par_iter()
            .zip(keys.par_iter())
            .with_min_len(64)
            .fold(
                || (Acc::default(), Machine::new(), Frame::new(0, 0)),
                |(mut acc, mut machine, mut frame), (resource, key)| {
                    for &rule in index.rules_for(&resource.type_) {
                        eval_pair(
                            &env,
                            &mut machine,
                            &mut frame,
                            rule,
                            resource,
                            *key,
                            rank,
                            record,
                            &mut acc,
                        );
                    }
                    (acc, machine, frame)
                },
            )
            .map(|(acc, _, _)| acc)
            .reduce(Acc::default, |mut a, b| {
                a.absorb(b);
                a
            });
        acc.absorb(part);
        // Rules `on snapshot`: once each, after every resource is in.
        let subject = snapshot_subject();
        let (mut machine, mut frame) = (Machine::new(), Frame::new(0, 0));
        for (i, rule) in program.rules.iter().enumerate() {
            if rule.meta.snapshot && allowed(i) {
                eval_pair(
                    &env,
                    &mut machine,
                    &mut frame,
                    i,
                    &subject,
                    SNAPSHOT_KEY,
                    rank,
                    record,
                    acc,
                );
            }
        }
    }
}

/// The input position a rule `on snapshot` is recorded at: after every
/// resource.
pub(crate) const SNAPSHOT_KEY: Key = (u32::MAX, u32::MAX, u32::MAX);

/// [`DecisionRecord::resource`] of a rule `on snapshot`'s decision.
pub const SNAPSHOT_POSITION: usize = SNAPSHOT_KEY.2 as usize;

/// The subject of a rule `on snapshot`: type and id `snapshot`, no
/// attributes (the checker rejects reading them).
fn snapshot_subject() -> Resource {
    Resource::new(
        "snapshot",
        "snapshot",
        Value::object(crate::value::Object::default()),
    )
}

/// Evaluates one rule for one resource into `acc`.
#[expect(
    clippy::too_many_arguments,
    reason = "the hot path: passed, not bundled"
)]
fn eval_pair(
    env: &Env<'_>,
    machine: &mut Machine,
    frame: &mut Frame,
    rule: usize,
    resource: &Resource,
    key: Key,
    rank: &[usize],
    record: bool,
    acc: &mut Acc,
) {
    let decision = match evaluate_rule(env, machine, frame, rule, resource) {
        Outcome::Pass => {
            acc.counts.passed += 1;
            Decision::Pass
        }
        Outcome::Skip => {
            acc.counts.skipped += 1;
            Decision::Skip
        }
        Outcome::Finding(f) => {
            let d = match f.status {
                Status::Fail => {
                    acc.counts.failed += 1;
                    Decision::Fail
                }
                Status::Indeterminate => {
                    acc.counts.indeterminate += 1;
                    Decision::Indeterminate
                }
                Status::Error => {
                    acc.counts.errors += 1;
                    Decision::Error
                }
                Status::Pass => {
                    acc.counts.passed += 1;
                    Decision::Pass
                }
            };
            acc.found
                .push((rank.get(rule).copied().unwrap_or(0), key, f));
            d
        }
    };
    if record {
        acc.decided.push((rule, key, decision));
    }
}

/// The loader's sink for `check_files`: evaluates the rules that need no
/// complete snapshot, keeps the resources later rules and queries need.
struct CheckSink<'a> {
    policy: &'a CompiledPolicy,
    env: Env<'a>,
    file: u32,
    options: &'a EvalOptions,
}

struct SinkState {
    acc: Acc,
    machine: Machine,
    frame: Frame,
    /// Per type: the rules to run now, and whether to keep the resource.
    types: HashMap<Str, (Vec<usize>, bool)>,
}

impl crate::snapshot::Sink for CheckSink<'_> {
    type State = SinkState;

    fn state(&self) -> SinkState {
        SinkState {
            acc: Acc::default(),
            machine: Machine::new(),
            frame: Frame::new(0, 0),
            types: HashMap::new(),
        }
    }

    fn consume(&self, st: &mut SinkState, seq: u32, batch: Vec<Resource>) -> Vec<(u32, Resource)> {
        let program = &self.policy.program;
        let plan = &self.policy.plan;
        let mut kept = Vec::new();
        for (pos, resource) in batch.into_iter().enumerate() {
            let pos = u32::try_from(pos).unwrap_or(u32::MAX);
            if !st.types.contains_key(&resource.type_) {
                let ty = &resource.type_;
                let selects = |r: &RuleInfo| r.meta.selector.iter().any(|p| p.matches(ty));
                let now: Vec<usize> = program
                    .rules
                    .iter()
                    .enumerate()
                    .filter(|(i, r)| {
                        !plan.deferred.get(*i).copied().unwrap_or(true)
                            && self.options.rules.as_ref().is_none_or(|o| o.contains(i))
                            && selects(r)
                    })
                    .map(|(i, _)| i)
                    .collect();
                let keep = program
                    .rules
                    .iter()
                    .enumerate()
                    .any(|(i, r)| plan.deferred.get(i).copied().unwrap_or(true) && selects(r))
                    || program.queries.iter().flatten().any(|p| p.matches(ty))
                    || self.options.keep_types.contains(ty);
                st.types.insert(resource.type_.clone(), (now, keep));
            }
            let Some((now, keep)) = st.types.get(&resource.type_) else {
                continue;
            };
            let key = (self.file, seq, pos);
            for &rule in now {
                eval_pair(
                    &self.env,
                    &mut st.machine,
                    &mut st.frame,
                    rule,
                    &resource,
                    key,
                    &plan.rank,
                    self.options.decisions,
                    &mut st.acc,
                );
            }
            if *keep {
                kept.push((pos, resource));
            }
        }
        kept
    }
}

/// A rule's strings in shared form: a finding clones them without copying.
pub(crate) struct RuleStrings {
    name: Str,
    package: Str,
    file: Str,
    controls: Arc<[Str]>,
    /// Per `require`: its text and its evidence paths.
    requires: Vec<(Str, Vec<Str>)>,
}

impl RuleStrings {
    fn new(rule: &RuleInfo) -> RuleStrings {
        RuleStrings {
            name: Str::from(rule.meta.name.as_str()),
            package: Str::from(rule.meta.package.as_str()),
            file: Str::from(rule.meta.file.as_str()),
            controls: rule
                .meta
                .controls
                .iter()
                .map(|c| Str::from(c.as_str()))
                .collect(),
            requires: rule
                .requires
                .iter()
                .map(|r| {
                    (
                        Str::from(r.text.as_str()),
                        r.paths.iter().map(|p| Str::from(p.as_str())).collect(),
                    )
                })
                .collect(),
        }
    }
}

/// Runs one chunk that reads no resource (a test fixture's attributes),
/// with the program's static globals.
pub fn run_chunk(
    policy: &CompiledPolicy,
    chunk: crate::bytecode::ChunkId,
    now: f64,
) -> Result<Value, VmError> {
    let statics = StaticEnv::new(policy, now, &Value::Null);
    let env = statics.env(policy);
    let frame_size = policy
        .program
        .chunks
        .get(chunk as usize)
        .map_or(0, |c| c.frame);
    let mut frame = Frame::new(frame_size, 0);
    Machine::new().run(&env, None, None, chunk, &mut frame)
}

/// What one (rule, resource) pair came to.
enum Outcome {
    Pass,
    Skip,
    Finding(Box<Finding>),
}

#[derive(Default)]
struct Counts {
    passed: usize,
    failed: usize,
    indeterminate: usize,
    errors: usize,
    skipped: usize,
}

impl Counts {
    fn add(&mut self, o: &Counts) {
        self.passed += o.passed;
        self.failed += o.failed;
        self.indeterminate += o.indeterminate;
        self.errors += o.errors;
        self.skipped += o.skipped;
    }
}

/// Which rules select each resource type.
struct RuleIndex {
    by_type: HashMap<Str, Vec<usize>>,
}

impl RuleIndex {
    fn new<'r>(
        program: &Program,
        resources: impl Iterator<Item = &'r Resource>,
        allowed: impl Fn(usize) -> bool,
    ) -> RuleIndex {
        let mut by_type: HashMap<Str, Vec<usize>> = HashMap::new();
        for r in resources {
            if by_type.contains_key(&r.type_) {
                continue;
            }
            let rules = program
                .rules
                .iter()
                .enumerate()
                .filter(|(i, rule)| {
                    allowed(*i) && rule.meta.selector.iter().any(|p| p.matches(&r.type_))
                })
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
/// Per query: whether a resource it yields has sensitive values (a
/// message or evidence reading through it prints `(sensitive)`).
pub(crate) fn sensitive_queries(program: &Program, resources: &[Resource]) -> Vec<bool> {
    program
        .queries
        .iter()
        .map(|patterns| {
            resources
                .iter()
                .any(|r| !r.sensitive.is_empty() && patterns.iter().any(|p| p.matches(&r.type_)))
        })
        .collect()
}

fn build_queries(program: &Program, resources: &[Resource]) -> Vec<Value> {
    program
        .queries
        .iter()
        .map(|patterns| {
            let mut matched: Vec<&Resource> = resources
                .iter()
                .filter(|r| patterns.iter().any(|p| p.matches(&r.type_)))
                .collect();
            matched.sort_by(|a, b| (&a.type_, &a.id).cmp(&(&b.type_, &b.id)));
            Value::list(matched.into_iter().map(Resource::to_value).collect())
        })
        .collect()
}

/// Globals in program order (the compiler orders them so each reads only
/// earlier ones): the static ones (`dynamic[i]` false) when `dynamic_pass`
/// is false, the dynamic ones, on top of `done`, when it is true.
fn compute_globals(
    env: &Env<'_>,
    dynamic: &[bool],
    dynamic_pass: bool,
    mut done: Vec<Result<Value, VmError>>,
) -> Vec<Result<Value, VmError>> {
    let mut machine = Machine::new();
    for (i, g) in env.program.globals.iter().enumerate() {
        let is_dynamic = dynamic.get(i).copied().unwrap_or(true);
        if is_dynamic != dynamic_pass {
            if done.len() <= i {
                done.push(Err(VmError {
                    message: "needs the whole snapshot".to_string(),
                    rule: None,
                    chunk: g.chunk,
                    pc: 0,
                }));
            }
            continue;
        }
        let frame_size = env
            .program
            .chunks
            .get(g.chunk as usize)
            .map_or(0, |c| c.frame);
        let mut frame = Frame::new(frame_size, 0);
        let genv = Env {
            globals: &done,
            ..*env
        };
        let v = machine.run(&genv, None, None, g.chunk, &mut frame);
        match done.get_mut(i) {
            Some(slot) => *slot = v,
            None => done.push(v),
        }
    }
    done
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
    match decide(env, machine, frame, rule_index, rule, resource) {
        Verdict::Pass => Outcome::Pass,
        Verdict::Skip => Outcome::Skip,
        Verdict::Found(status, require, error) => finding(
            env, machine, frame, rule_index, rule, resource, status, require, error,
        ),
    }
}

/// What a rule's guards and requires decide, before a finding is built.
enum Verdict {
    Pass,
    Skip,
    /// The status, the deciding `require` (none for a guard), the error.
    Found(Status, Option<usize>, Option<VmError>),
}

fn decide(
    env: &Env<'_>,
    machine: &mut Machine,
    frame: &mut Frame,
    rule_index: usize,
    rule: &RuleInfo,
    resource: &Resource,
) -> Verdict {
    let mut run = |chunk| machine.run(env, Some(resource), Some(rule_index), chunk, frame);
    for &guard in &rule.guards {
        match run(guard) {
            Ok(v) if v.is_true() => {}
            Ok(Value::Unknown(_)) => return Verdict::Found(Status::Indeterminate, None, None),
            Ok(_) => return Verdict::Skip,
            Err(e) => return Verdict::Found(Status::Error, None, Some(e)),
        }
    }
    let mut indeterminate = None;
    for (i, req) in rule.requires.iter().enumerate() {
        match run(req.chunk) {
            Ok(v) if v.is_true() => {}
            Ok(Value::Unknown(_)) => {
                indeterminate.get_or_insert(i);
            }
            Ok(_) => return Verdict::Found(Status::Fail, Some(i), None),
            Err(e) => return Verdict::Found(Status::Error, Some(i), Some(e)),
        }
    }
    match indeterminate {
        Some(i) => Verdict::Found(Status::Indeterminate, Some(i), None),
        None => Verdict::Pass,
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
    let mut render =
        |parts: &[TemplatePart]| render_template(env, machine, frame, rule_index, resource, parts);
    let message = match &rule.message {
        Some(parts) => render(parts),
        None if rule.meta.snapshot => format!("{} failed for the snapshot", rule.meta.name),
        None => format!(
            "{} failed for {} {}",
            rule.meta.name, resource.type_, resource.id
        ),
    };
    let remediation = rule.remediation.as_ref().map(|parts| render(parts));
    let req = require.and_then(|i| rule.requires.get(i));
    let meta = env.meta.get(rule_index);
    let req_meta = require.and_then(|i| meta.and_then(|m| m.requires.get(i)));
    let evidence = req_meta
        .map(|(_, paths)| {
            paths
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
        rule: meta.map_or_else(|| Str::from(rule.meta.name.as_str()), |m| m.name.clone()),
        package: meta.map_or_else(
            || Str::from(rule.meta.package.as_str()),
            |m| m.package.clone(),
        ),
        rule_location: Some(Location {
            file: meta.map_or_else(|| Str::from(rule.meta.file.as_str()), |m| m.file.clone()),
            line: rule.meta.line,
        }),
        status,
        severity: rule.meta.severity,
        controls: meta.map_or_else(|| Arc::from([]), |m| Arc::clone(&m.controls)),
        response: rule.meta.response,
        resource: Subject {
            type_: resource.type_.clone(),
            id: resource.id.clone(),
            name: resource.name.clone(),
            address: resource.address.clone(),
            source: resource.source.clone(),
        },
        message,
        remediation,
        condition: req.map(|r| Condition {
            text: req_meta.map_or_else(|| Str::from(r.text.as_str()), |(t, _)| t.clone()),
            line: r.line,
        }),
        evidence,
        error: error.map(|e| redact(e.message, resource, env.sensitive_queries)),
    }))
}

/// A message or remediation template over one resource. A hole reading a
/// sensitive value (of the resource, or of a query with sensitive
/// resources) prints `(sensitive)`; one that fails prints the error.
fn render_template(
    env: &Env<'_>,
    machine: &mut Machine,
    frame: &mut Frame,
    rule_index: usize,
    resource: &Resource,
    parts: &[TemplatePart],
) -> String {
    let mut out = String::new();
    for part in parts {
        match part {
            TemplatePart::Text(t) => out.push_str(t),
            TemplatePart::Hole { chunk, paths } => {
                let through_query = |p: &str| {
                    p.strip_prefix('?')
                        .and_then(|q| q.parse::<usize>().ok())
                        .is_some_and(|q| env.sensitive_queries.get(q).copied().unwrap_or(true))
                };
                if paths.iter().any(|p| {
                    through_query(p) || (!p.starts_with('?') && path_is_sensitive(resource, p))
                }) {
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
}

/// One step of an evidence path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathStep {
    Key(String),
    /// `[3]`, `[-1]`
    Index(i64),
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
        } else if let Some((n, r)) = rest
            .strip_prefix('[')
            .and_then(|r| r.split_once(']'))
            .and_then(|(n, r)| n.parse::<i64>().ok().map(|n| (n, r)))
        {
            steps.push(PathStep::Index(n));
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
            (PathStep::Index(i), false) => {
                crate::vm::index_value(&current, &Value::Number(i as f64))
            }
            (PathStep::Index(i), true) => match &current {
                Value::List(l) => Value::list(
                    l.iter()
                        .map(|v| crate::vm::index_value(v, &Value::Number(i as f64)))
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

/// A path is sensitive if it is inside a sensitive value or contains one.
/// `[*]` matches any index; `""` is the whole attributes.
/// An evaluation error's message with no sensitive value in it: a
/// built-in's error quotes its argument (`` `hunter2` is not an IP
/// address ``), and the argument may be a password. Each sensitive scalar
/// of the resource is replaced by `(sensitive)`; where the rule's queries
/// yield resources with sensitive values, every quoted value is.
fn redact(message: String, resource: &Resource, sensitive_queries: &[bool]) -> String {
    let mut out = message;
    for pointer in &resource.sensitive {
        let mut secrets = Vec::new();
        scalars(&at_pointer(&resource.attributes, pointer), &mut secrets);
        for secret in secrets {
            if !secret.is_empty() {
                out = out.replace(&secret, crate::finding::SENSITIVE);
            }
        }
    }
    if sensitive_queries.iter().any(|s| *s) {
        let mut redacted = String::with_capacity(out.len());
        for (i, part) in out.split('`').enumerate() {
            if i > 0 {
                redacted.push('`');
            }
            // Odd parts are between backticks: quoted values.
            redacted.push_str(if i % 2 == 1 {
                crate::finding::SENSITIVE
            } else {
                part
            });
        }
        out = redacted;
    }
    out
}

/// The value at a JSON pointer (`null` where there is none).
fn at_pointer(v: &Value, pointer: &str) -> Value {
    let mut at = v.clone();
    for seg in pointer.split('/').skip(1) {
        let key = seg.replace("~1", "/").replace("~0", "~");
        at = match &at {
            Value::List(items) => key
                .parse::<usize>()
                .ok()
                .and_then(|i| items.get(i).cloned())
                .unwrap_or(Value::Null),
            other => other.field(&key),
        };
    }
    at
}

/// Every scalar under `v`, as text (strings as they are, numbers and
/// bools as written).
fn scalars(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::String(s) => out.push(s.to_string()),
        Value::Number(_) | Value::Bool(_) => out.push(v.literal()),
        Value::List(items) => items.iter().for_each(|x| scalars(x, out)),
        Value::Object(o) => o.values().for_each(|x| scalars(x, out)),
        Value::Null | Value::Unknown(_) => {}
    }
}

fn path_is_sensitive(resource: &Resource, path: &str) -> bool {
    if resource.sensitive.is_empty() {
        return false;
    }
    let steps = parse_path(path);
    resource.sensitive.iter().any(|pointer| {
        let segments = pointer
            .split('/')
            .skip(1)
            .map(|s| s.replace("~1", "/").replace("~0", "~"));
        // Overlap: one is a prefix of the other, step by step.
        steps.iter().zip(segments).all(|(step, seg)| match step {
            // A negative index could be any element.
            PathStep::Each => true,
            PathStep::Index(i) => *i < 0 || seg == i.to_string(),
            PathStep::Key(k) => *k == seg,
        })
    })
}
