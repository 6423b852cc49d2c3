//! Running a compiled drift block ([`crate::bytecode::DriftInfo`]) on one
//! resource: its `when` guards, then its message and remediation, with
//! the VM and the same environment a rule gets (globals, `resources(...)`
//! over the resources given, built-ins, the clock). plumb-drift decides
//! which block classifies which drift event; this module only evaluates.
//!
//! It never panics on input: a block index out of range is a guard error.

use crate::bytecode::TemplatePart;
use crate::snapshot::Resource;
use crate::value::Value;
use crate::vm::{Env, Frame, Machine, VmError};

use super::{CompiledPolicy, StaticEnv, build_queries, compute_globals, render_template};

/// What a block's `when` guards decide for one resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Guard {
    /// Every guard is true (or there is none).
    Holds,
    /// Some guard is false (or null): the block does not apply.
    Fails,
    /// Some guard is unknown (a value known only after apply).
    Unknown,
    /// A guard failed to evaluate.
    Error(String),
}

/// A drift block run on one resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockRun {
    pub guard: Guard,
    /// The rendered `message` (none when the block has none or its guard
    /// fails).
    pub message: Option<String>,
    pub remediation: Option<String>,
}

/// The environment drift blocks run in: the policy's globals computed
/// over `resources`, which `resources(...)` in a block also yields.
pub struct BlockEnv<'p> {
    policy: &'p CompiledPolicy,
    statics: StaticEnv,
    globals: Vec<Result<Value, VmError>>,
    indexes: Vec<std::sync::OnceLock<crate::vm::Membership>>,
    lookups: Vec<std::sync::OnceLock<crate::vm::KeyIndex>>,
    queries: Vec<Value>,
    sensitive_queries: Vec<bool>,
}

impl<'p> BlockEnv<'p> {
    /// `now` is the evaluation time, seconds since the Unix epoch.
    pub fn new(policy: &'p CompiledPolicy, resources: &[Resource], now: f64) -> BlockEnv<'p> {
        let program = &policy.program;
        let statics = StaticEnv::new(policy, now, &Value::Null);
        let queries = build_queries(program, resources);
        let sensitive_queries = super::sensitive_queries(program, resources);
        let globals = {
            let base = Env {
                queries: &queries,
                sensitive_queries: &sensitive_queries,
                ..statics.env(policy)
            };
            compute_globals(&base, &policy.plan.dynamic, true, statics.globals.clone())
        };
        let indexes = (0..globals.len())
            .map(|_| std::sync::OnceLock::new())
            .collect();
        let lookups = (0..program.lookups.len())
            .map(|_| std::sync::OnceLock::new())
            .collect();
        BlockEnv {
            policy,
            statics,
            globals,
            indexes,
            lookups,
            queries,
            sensitive_queries,
        }
    }

    fn env(&self) -> Env<'_> {
        Env {
            globals: &self.globals,
            indexes: &self.indexes,
            lookups: &self.lookups,
            queries: &self.queries,
            sensitive_queries: &self.sensitive_queries,
            ..self.statics.env(self.policy)
        }
    }

    /// Runs drift block `drift` (an index into `Program::drifts`) on
    /// `resource`: its guards, then, unless one fails, its templates.
    pub fn run(&self, drift: usize, resource: &Resource) -> BlockRun {
        let program = &self.policy.program;
        let index = program.rules.len() + drift;
        let Some(block) = program.drifts.get(drift).map(|d| &d.rule) else {
            return BlockRun {
                guard: Guard::Error(format!("the policy has no drift block {drift}")),
                message: None,
                remediation: None,
            };
        };
        let env = self.env();
        let mut machine = Machine::new();
        let mut frame = Frame::new(block.frame, block.lets.len());
        let mut guard = Guard::Holds;
        for &chunk in &block.guards {
            match machine.run(&env, Some(resource), Some(index), chunk, &mut frame) {
                Ok(v) if v.is_true() => {}
                Ok(Value::Unknown(_)) => {
                    if guard == Guard::Holds {
                        guard = Guard::Unknown;
                    }
                }
                Ok(_) => {
                    guard = Guard::Fails;
                    break;
                }
                Err(e) => {
                    guard = Guard::Error(e.message);
                    break;
                }
            }
        }
        if guard == Guard::Fails {
            return BlockRun {
                guard,
                message: None,
                remediation: None,
            };
        }
        let mut render = |parts: &Option<Vec<TemplatePart>>| {
            parts.as_ref().map(|parts| {
                render_template(&env, &mut machine, &mut frame, index, resource, parts)
            })
        };
        let message = render(&block.message);
        let remediation = render(&block.remediation);
        BlockRun {
            guard,
            message,
            remediation,
        }
    }
}
