//! The bytecode VM: a stack machine over [`Value`]s.
//!
//! One [`Machine`] per thread is reused for every rule and resource, so
//! evaluation allocates only the values it makes. The VM never panics on
//! any program: every index is checked, and a bad one is a [`VmError`]
//! naming the chunk and instruction (a program that passed
//! [`crate::artifact`]'s verification never has one).

use std::sync::Arc;

use crate::bytecode::{BinOp, ChunkId, IterKind, Op, Program, ResourceField};
use crate::snapshot::Resource;
use crate::value::{Object, Str, Value};

/// Deepest chain of `fn` calls and lazy `let`s. The compiler rejects
/// recursion, so only a hostile artifact can reach it.
const MAX_CALL_DEPTH: usize = 256;

/// An evaluation error: a type mismatch, a division by zero, a built-in
/// that failed. The finding gets status `error` with this message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VmError {
    pub message: String,
    /// The rule being evaluated, when the error happened in one (its
    /// guard, a `require`, a `let`, a message, or what they call).
    pub rule: Option<String>,
    pub chunk: ChunkId,
    pub pc: usize,
}

impl std::fmt::Display for VmError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.rule {
            Some(rule) => write!(f, "rule `{rule}`: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

/// How the VM calls built-ins (plumb-stdlib implements it).
pub trait Builtins: Send + Sync {
    /// Resolves a built-in name to the id `call` takes, or `None`.
    fn resolve(&self, name: &str) -> Option<u32>;
    /// Calls built-in `id`. An `Err` becomes an evaluation error.
    fn call(&self, id: u32, args: &[Value], ctx: &CallContext) -> Result<Value, BuiltinError>;
}

/// Why a built-in call failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BuiltinError {
    /// No built-in has this id: the program was bound to another table.
    #[error("no built-in number {0}")]
    UnknownId(u32),
    /// The built-in refused its arguments (a type it does not take, a bad
    /// regex, a timestamp it cannot read...): the message says which.
    #[error("{0}")]
    Argument(String),
}

/// What built-ins may know about the evaluation.
#[derive(Debug, Clone)]
pub struct CallContext {
    /// The evaluation time, seconds since the Unix epoch (`age_days`).
    pub now: f64,
    /// The data document given with `--data` (`data(...)`): an object, or
    /// `null` when none was given.
    pub data: Value,
}

/// Everything shared by all evaluations over one snapshot.
pub struct Env<'a> {
    pub program: &'a Program,
    /// Per rule, the strings its findings share (filled by the evaluator).
    pub(crate) meta: &'a [crate::eval::RuleStrings],
    pub consts: &'a [Value],
    pub builtins: &'a dyn Builtins,
    /// Built-in ids, by [`Program::builtins`] index.
    pub builtin_ids: &'a [u32],
    pub globals: &'a [Result<Value, VmError>],
    /// Per global, its membership index, built on first use.
    pub indexes: &'a [std::sync::OnceLock<Membership>],
    pub queries: &'a [Value],
    /// Per lookup, its index, built on first use.
    pub lookups: &'a [std::sync::OnceLock<KeyIndex>],
    /// Per query: whether any resource it yields has sensitive values.
    pub sensitive_queries: &'a [bool],
    pub ctx: &'a CallContext,
}

/// The slots of one rule evaluation or one call.
pub struct Frame {
    pub slots: Vec<Value>,
    /// Per rule `let`: 0 not computed, 1 being computed, 2 done.
    lets: Vec<u8>,
}

impl Frame {
    pub fn new(size: u16, lets: usize) -> Frame {
        Frame {
            slots: vec![Value::Null; usize::from(size)],
            lets: vec![0; lets],
        }
    }

    /// Clears the frame for the next resource, keeping its allocation.
    pub fn reset(&mut self, size: u16, lets: usize) {
        self.slots.clear();
        self.slots.resize(usize::from(size), Value::Null);
        self.lets.clear();
        self.lets.resize(lets, 0);
    }
}

/// What an iteration walks: shared with the value it came from, never
/// copied.
enum Items {
    None,
    List(Arc<[Value]>),
    Values(Object),
}

impl Items {
    fn get(&self, i: usize) -> Option<&Value> {
        match self {
            Items::None => None,
            Items::List(l) => l.get(i),
            Items::Values(o) => o.value_at(i),
        }
    }
}

struct Iter {
    kind: IterKind,
    items: Items,
    pos: usize,
    unknown: bool,
    count: f64,
    /// The decided result (`one`'s element, an early `any`/`all`), if any.
    result: Option<Value>,
    collected: Vec<Value>,
}

/// A reusable evaluation machine.
#[derive(Default)]
pub struct Machine {
    stack: Vec<Value>,
    iters: Vec<Iter>,
    depth: usize,
    /// Frames of finished calls, reused by the next ones.
    frames: Vec<Frame>,
}

struct Cursor {
    chunk: ChunkId,
    pc: usize,
}

impl Machine {
    pub fn new() -> Machine {
        Machine::default()
    }

    /// Runs `chunk` in `frame` and returns the value it computes.
    /// `rule` is the index of the rule whose frame this is (for `let`s).
    pub fn run(
        &mut self,
        env: &Env<'_>,
        resource: Option<&Resource>,
        rule: Option<usize>,
        chunk: ChunkId,
        frame: &mut Frame,
    ) -> Result<Value, VmError> {
        if self.depth >= MAX_CALL_DEPTH {
            return Err(VmError {
                message: "calls are nested too deeply".to_string(),
                rule: None,
                chunk,
                pc: 0,
            });
        }
        self.depth += 1;
        let stack_base = self.stack.len();
        let iter_base = self.iters.len();
        let mut result = self.exec(env, resource, rule, chunk, frame);
        if let (Err(e), Some(r)) = (&mut result, rule)
            && e.rule.is_none()
        {
            e.rule = env.program.block(r).map(|info| info.meta.name.clone());
        }
        self.stack.truncate(stack_base);
        self.iters.truncate(iter_base);
        self.depth -= 1;
        result
    }

    fn pop(&mut self, at: &Cursor) -> Result<Value, VmError> {
        self.stack.pop().ok_or_else(|| err(at, "stack underflow"))
    }

    fn top(&mut self, at: &Cursor) -> Result<&mut Value, VmError> {
        self.stack
            .last_mut()
            .ok_or_else(|| err(at, "stack underflow"))
    }

    fn iter(&mut self, at: &Cursor) -> Result<&mut Iter, VmError> {
        self.iters
            .last_mut()
            .ok_or_else(|| err(at, "no iteration in progress"))
    }

    #[expect(
        clippy::too_many_lines,
        reason = "one arm per instruction reads best in one match"
    )]
    fn exec(
        &mut self,
        env: &Env<'_>,
        resource: Option<&Resource>,
        rule: Option<usize>,
        chunk_id: ChunkId,
        frame: &mut Frame,
    ) -> Result<Value, VmError> {
        let mut at = Cursor {
            chunk: chunk_id,
            pc: 0,
        };
        let code = &env
            .program
            .chunks
            .get(chunk_id as usize)
            .ok_or_else(|| err(&at, "no such chunk"))?
            .code;
        loop {
            let op = *code
                .get(at.pc)
                .ok_or_else(|| err(&at, "ran off the end of the chunk"))?;
            at.pc += 1;
            match op {
                Op::Null => self.stack.push(Value::Null),
                Op::True => self.stack.push(Value::Bool(true)),
                Op::False => self.stack.push(Value::Bool(false)),
                Op::Const(i) => {
                    let v = env
                        .consts
                        .get(i as usize)
                        .ok_or_else(|| err(&at, "no such constant"))?;
                    self.stack.push(v.clone());
                }
                Op::Resource(field) => {
                    let r = resource.ok_or_else(|| err(&at, "no resource in this context"))?;
                    let opt = |s: &Option<Str>| {
                        s.as_ref().map_or(Value::Null, |s| Value::String(s.clone()))
                    };
                    self.stack.push(match field {
                        ResourceField::Whole => r.to_value(),
                        ResourceField::Attributes => r.attributes.clone(),
                        ResourceField::Id => r.id_value(),
                        ResourceField::Type => Value::String(r.type_.clone()),
                        ResourceField::Name => opt(&r.name),
                        ResourceField::Address => opt(&r.address),
                        ResourceField::Provider => opt(&r.provider),
                    });
                }
                Op::Load(slot) => {
                    let v = frame
                        .slots
                        .get(usize::from(slot))
                        .ok_or_else(|| err(&at, "no such slot"))?;
                    self.stack.push(v.clone());
                }
                Op::Store(slot) => {
                    let v = self.pop(&at)?;
                    let s = frame
                        .slots
                        .get_mut(usize::from(slot))
                        .ok_or_else(|| err(&at, "no such slot"))?;
                    *s = v;
                }
                Op::Let(n) => {
                    let v = self.rule_let(env, resource, rule, n, frame, &at)?;
                    self.stack.push(v);
                }
                Op::Global(g) => match env.globals.get(g as usize) {
                    Some(Ok(v)) => self.stack.push(v.clone()),
                    Some(Err(e)) => return Err(e.clone()),
                    None => return Err(err(&at, "no such global")),
                },
                Op::AttrField(k) => {
                    let r = resource.ok_or_else(|| err(&at, "no resource in this context"))?;
                    let key = const_str(env, k, &at)?;
                    self.stack.push(r.attributes.field(key));
                }
                Op::LoadField(slot, k) => {
                    let key = const_str(env, k, &at)?;
                    let base = frame
                        .slots
                        .get(usize::from(slot))
                        .ok_or_else(|| err(&at, "no such slot"))?;
                    let v = field_of(base, key, &at)?;
                    self.stack.push(v);
                }
                Op::EqConst(k) | Op::NeConst(k) => {
                    let c = env
                        .consts
                        .get(k as usize)
                        .ok_or_else(|| err(&at, "no such constant"))?;
                    let top = self.top(&at)?;
                    *top = match top.equals(c) {
                        None => Value::Unknown(None),
                        Some(eq) => Value::Bool(eq == matches!(op, Op::EqConst(_))),
                    };
                }
                Op::TypeOf => {
                    let top = self.top(&at)?;
                    if !top.is_unknown() {
                        *top = Value::String(Str::new_static(top.type_name().as_str()));
                    }
                }
                Op::Field(k) => {
                    let key = const_str(env, k, &at)?;
                    let top = self.top(&at)?;
                    *top = field_of(top, key, &at)?;
                }
                Op::Index => {
                    let index = self.pop(&at)?;
                    let top = self.top(&at)?;
                    *top = index_value(top, &index);
                }
                Op::Elements => {
                    let top = self.top(&at)?;
                    *top = elements(top);
                }
                Op::Descendants => {
                    let top = self.top(&at)?;
                    if !top.is_unknown() {
                        let mut out = Vec::new();
                        descendants(top, &mut out);
                        *top = Value::list(out);
                    }
                }
                Op::MapField(k) => {
                    let key = const_str(env, k, &at)?;
                    let top = self.top(&at)?;
                    *top = map_projection(top, |v, out| {
                        let f = v.field(key);
                        if !f.is_null() {
                            out.push(f);
                        }
                    });
                }
                Op::MapIndex => {
                    let index = self.pop(&at)?;
                    let top = self.top(&at)?;
                    *top = map_projection(top, |v, out| {
                        let f = index_value(v, &index);
                        if !f.is_null() {
                            out.push(f);
                        }
                    });
                }
                Op::MapElements => {
                    let top = self.top(&at)?;
                    *top = map_projection(top, |v, out| match elements(v) {
                        Value::List(l) => out.extend(l.iter().cloned()),
                        other => out.push(other),
                    });
                }
                Op::MapDescendants => {
                    let top = self.top(&at)?;
                    *top = map_projection(top, descendants);
                }
                Op::Not => {
                    let top = self.top(&at)?;
                    *top = match &*top {
                        Value::Unknown(_) => Value::Unknown(None),
                        v => Value::Bool(!v.is_true()),
                    };
                }
                Op::Neg => {
                    let top = self.top(&at)?;
                    *top = match &*top {
                        Value::Number(n) => Value::Number(-*n),
                        Value::Null => Value::Null,
                        Value::Unknown(_) => Value::Unknown(None),
                        other => {
                            return Err(err(
                                &at,
                                &format!("cannot negate a {}", other.type_name().as_str()),
                            ));
                        }
                    };
                }
                Op::Bin(op) => {
                    let b = self.pop(&at)?;
                    let a = self.pop(&at)?;
                    let v = binary(op, &a, &b).map_err(|m| err(&at, &m))?;
                    self.stack.push(v);
                }
                Op::InGlobal(g) => {
                    let needle = self.pop(&at)?;
                    let v = match env.globals.get(g as usize) {
                        Some(Ok(hay)) => match env.indexes.get(g as usize) {
                            Some(cell) => cell
                                .get_or_init(|| Membership::new(hay))
                                .contains(hay, &needle),
                            None => contains(hay, &needle),
                        },
                        Some(Err(e)) => return Err(e.clone()),
                        None => return Err(err(&at, "no such global")),
                    };
                    self.stack.push(v);
                }
                Op::AndJump(target) => {
                    let top = self.top(&at)?;
                    if !top.is_true() && !top.is_unknown() {
                        *top = Value::Bool(false);
                        at.pc = target as usize;
                    }
                }
                Op::And => {
                    let b = self.pop(&at)?;
                    let a = self.pop(&at)?;
                    self.stack.push(match (a.is_true(), b) {
                        (_, Value::Unknown(_)) => Value::Unknown(None),
                        (true, b) => Value::Bool(b.is_true()),
                        // `a` was unknown: only a false `b` decides.
                        (false, b) => {
                            if b.is_true() {
                                Value::Unknown(None)
                            } else {
                                Value::Bool(false)
                            }
                        }
                    });
                }
                Op::OrJump(target) => {
                    let top = self.top(&at)?;
                    if top.is_true() {
                        at.pc = target as usize;
                    }
                }
                Op::Or => {
                    let b = self.pop(&at)?;
                    let a = self.pop(&at)?;
                    self.stack.push(match (a, b) {
                        (_, b) if b.is_true() => Value::Bool(true),
                        (Value::Unknown(_), _) | (_, Value::Unknown(_)) => Value::Unknown(None),
                        _ => Value::Bool(false),
                    });
                }
                Op::Branch(otherwise, unknown) => {
                    let c = self.pop(&at)?;
                    if c.is_unknown() {
                        self.stack.push(Value::Unknown(None));
                        at.pc = unknown as usize;
                    } else if !c.is_true() {
                        at.pc = otherwise as usize;
                    }
                }
                Op::Jump(target) => at.pc = target as usize,
                Op::Call(f, argc) => {
                    let info = env
                        .program
                        .fns
                        .get(f as usize)
                        .ok_or_else(|| err(&at, "no such function"))?;
                    let size = env
                        .program
                        .chunks
                        .get(info.chunk as usize)
                        .map_or(0, |c| c.frame)
                        .max(u16::from(argc));
                    let mut callee = self.frames.pop().unwrap_or_else(|| Frame::new(0, 0));
                    callee.reset(size, 0);
                    let base = self
                        .stack
                        .len()
                        .checked_sub(usize::from(argc))
                        .ok_or_else(|| err(&at, "stack underflow"))?;
                    for (slot, a) in callee.slots.iter_mut().zip(self.stack.drain(base..)) {
                        *slot = a;
                    }
                    let v = self.run(env, resource, None, info.chunk, &mut callee);
                    self.frames.push(callee);
                    self.stack.push(v?);
                }
                Op::Builtin(b, argc) => {
                    let id = *env
                        .builtin_ids
                        .get(b as usize)
                        .ok_or_else(|| err(&at, "no such built-in"))?;
                    let base = self
                        .stack
                        .len()
                        .checked_sub(usize::from(argc))
                        .ok_or_else(|| err(&at, "stack underflow"))?;
                    let args = self.stack.get(base..).unwrap_or_default();
                    let v = env
                        .builtins
                        .call(id, args, env.ctx)
                        .map_err(|e| err(&at, &e.to_string()))?;
                    self.stack.truncate(base);
                    self.stack.push(v);
                }
                Op::List(n) => {
                    let items = self.pop_n(n as usize, &at)?;
                    self.stack.push(Value::list(items));
                }
                Op::Object(n) => {
                    let flat = self.pop_n(2 * n as usize, &at)?;
                    let mut entries = Vec::with_capacity(n as usize);
                    let mut it = flat.into_iter();
                    while let (Some(k), Some(v)) = (it.next(), it.next()) {
                        let Value::String(k) = k else {
                            return Err(err(&at, "object key is not a string"));
                        };
                        entries.push((k, v));
                    }
                    self.stack
                        .push(Value::object(Object::from_entries(entries)));
                }
                Op::Lookup(l, kind) => {
                    let needle = self.pop(&at)?;
                    let info = env
                        .program
                        .lookups
                        .get(l as usize)
                        .ok_or_else(|| err(&at, "no such lookup"))?;
                    let list = match info.source {
                        crate::bytecode::LookupSource::Query(q) => env
                            .queries
                            .get(q as usize)
                            .cloned()
                            .ok_or_else(|| err(&at, "no such query"))?,
                        crate::bytecode::LookupSource::Global(g) => {
                            match env.globals.get(g as usize) {
                                Some(Ok(v)) => v.clone(),
                                Some(Err(e)) => return Err(e.clone()),
                                None => return Err(err(&at, "no such global")),
                            }
                        }
                    };
                    let index = match env.lookups.get(l as usize) {
                        Some(cell) => cell.get_or_init(|| KeyIndex::new(&list, &info.path)),
                        None => return Err(err(&at, "no such lookup")),
                    };
                    let v = index.answer(&needle, kind).map_err(|m| err(&at, &m))?;
                    self.stack.push(v);
                }
                Op::Resources(q) => {
                    let v = env
                        .queries
                        .get(q as usize)
                        .ok_or_else(|| err(&at, "no such query"))?;
                    self.stack.push(v.clone());
                }
                Op::IterBegin(kind) => {
                    let source = self.pop(&at)?;
                    let (items, unknown) = match source {
                        Value::Null => (Items::None, false),
                        Value::Unknown(_) => (Items::None, true),
                        Value::List(l) => (Items::List(l), false),
                        Value::Object(o) => (Items::Values(o), false),
                        other => {
                            return Err(err(
                                &at,
                                &format!("cannot iterate over a {}", other.type_name().as_str()),
                            ));
                        }
                    };
                    self.iters.push(Iter {
                        kind,
                        items,
                        pos: 0,
                        unknown,
                        count: 0.0,
                        result: None,
                        collected: Vec::new(),
                    });
                }
                Op::IterNext(slot, end) => {
                    let it = self.iter(&at)?;
                    match it.items.get(it.pos) {
                        Some(v) => {
                            let v = v.clone();
                            it.pos += 1;
                            let s = frame
                                .slots
                                .get_mut(usize::from(slot))
                                .ok_or_else(|| err(&at, "no such slot"))?;
                            *s = v;
                        }
                        None => at.pc = end as usize,
                    }
                }
                Op::IterFeed(exit) => {
                    let p = self.pop(&at)?;
                    let it = self.iter(&at)?;
                    if p.is_unknown() {
                        it.unknown = true;
                    } else if p.is_true() {
                        match it.kind {
                            IterKind::Any => {
                                it.result = Some(Value::Bool(true));
                                at.pc = exit as usize;
                            }
                            IterKind::None => {
                                it.result = Some(Value::Bool(false));
                                at.pc = exit as usize;
                            }
                            IterKind::Count => it.count += 1.0,
                            IterKind::One => {
                                let current = it
                                    .items
                                    .get(it.pos.wrapping_sub(1))
                                    .cloned()
                                    .unwrap_or_default();
                                it.result = Some(if it.unknown {
                                    Value::Unknown(None)
                                } else {
                                    current
                                });
                                at.pc = exit as usize;
                            }
                            IterKind::All | IterKind::Collect => {}
                        }
                    } else if it.kind == IterKind::All {
                        it.result = Some(Value::Bool(false));
                        at.pc = exit as usize;
                    }
                }
                Op::IterFilter(back) => {
                    let p = self.pop(&at)?;
                    let it = self.iter(&at)?;
                    if p.is_unknown() {
                        it.unknown = true;
                        at.pc = back as usize;
                    } else if !p.is_true() {
                        at.pc = back as usize;
                    }
                }
                Op::IterPush => {
                    let v = self.pop(&at)?;
                    self.iter(&at)?.collected.push(v);
                }
                Op::IterEnd => {
                    let it = self
                        .iters
                        .pop()
                        .ok_or_else(|| err(&at, "no iteration in progress"))?;
                    let v = match it.result {
                        Some(v) => v,
                        None if it.unknown => Value::Unknown(None),
                        None => match it.kind {
                            IterKind::All | IterKind::None => Value::Bool(true),
                            IterKind::Any => Value::Bool(false),
                            IterKind::Count => Value::Number(it.count),
                            IterKind::One => Value::Null,
                            IterKind::Collect => Value::list(it.collected),
                        },
                    };
                    self.stack.push(v);
                }
                Op::Pop => {
                    self.pop(&at)?;
                }
                Op::Return => return self.pop(&at),
            }
        }
    }

    fn pop_n(&mut self, n: usize, at: &Cursor) -> Result<Vec<Value>, VmError> {
        let base = self
            .stack
            .len()
            .checked_sub(n)
            .ok_or_else(|| err(at, "stack underflow"))?;
        Ok(self.stack.split_off(base))
    }

    fn rule_let(
        &mut self,
        env: &Env<'_>,
        resource: Option<&Resource>,
        rule: Option<usize>,
        n: u16,
        frame: &mut Frame,
        at: &Cursor,
    ) -> Result<Value, VmError> {
        let info = rule
            .and_then(|r| env.program.block(r))
            .ok_or_else(|| err(at, "a rule `let` outside a rule"))?;
        let &(slot, chunk) = info
            .lets
            .get(usize::from(n))
            .ok_or_else(|| err(at, "no such let"))?;
        let state = frame.lets.get(usize::from(n)).copied().unwrap_or(0);
        match state {
            2 => frame
                .slots
                .get(usize::from(slot))
                .cloned()
                .ok_or_else(|| err(at, "no such slot")),
            1 => Err(err(at, "a `let` depends on itself")),
            _ => {
                if let Some(s) = frame.lets.get_mut(usize::from(n)) {
                    *s = 1;
                }
                let v = match self.run(env, resource, rule, chunk, frame) {
                    Ok(v) => v,
                    Err(e) => {
                        // Not computed after all: the next read fails the
                        // same way, with the same reason.
                        if let Some(s) = frame.lets.get_mut(usize::from(n)) {
                            *s = 0;
                        }
                        return Err(e);
                    }
                };
                if let Some(s) = frame.slots.get_mut(usize::from(slot)) {
                    *s = v.clone();
                }
                if let Some(s) = frame.lets.get_mut(usize::from(n)) {
                    *s = 2;
                }
                Ok(v)
            }
        }
    }
}

/// A field of a value. A field of a list is an error, never a silent
/// `null`: `attributes.ingress.cidr_blocks` on a list of rules would
/// otherwise read null and pass a `not in` or `none` rule.
fn field_of(v: &Value, key: &str, at: &Cursor) -> Result<Value, VmError> {
    match v {
        Value::List(_) => Err(err(
            at,
            &format!(
                "reads the field `{key}` of a list: a list has elements, not fields; write `[*].{key}` for the field of each element"
            ),
        )),
        other => Ok(other.field(key)),
    }
}

fn err(at: &Cursor, message: &str) -> VmError {
    VmError {
        message: message.to_string(),
        rule: None,
        chunk: at.chunk,
        pc: at.pc.saturating_sub(1),
    }
}

fn const_str<'e>(env: &'e Env<'_>, k: u32, at: &Cursor) -> Result<&'e str, VmError> {
    env.consts
        .get(k as usize)
        .and_then(Value::as_str)
        .ok_or_else(|| err(at, "field name is not a string constant"))
}

/// `x[i]`: a list index (negative counts from the end), an object key;
/// `null` for anything else or out of range.
pub fn index_value(v: &Value, index: &Value) -> Value {
    match (v, index) {
        (Value::Unknown(_), _) | (_, Value::Unknown(_)) => Value::Unknown(None),
        (Value::List(l), Value::Number(n)) if n.fract() == 0.0 => {
            let len = l.len() as f64;
            let i = if *n < 0.0 { len + n } else { *n };
            if i >= 0.0 && i < len {
                l.get(i as usize).cloned().unwrap_or_default()
            } else {
                Value::Null
            }
        }
        (Value::Object(o), Value::String(k)) => o.get(k).cloned().unwrap_or_default(),
        _ => Value::Null,
    }
}

/// `x[*]`: nothing for null, the elements of a list, the value alone
/// otherwise.
pub fn elements(v: &Value) -> Value {
    match v {
        Value::Null => Value::list(Vec::new()),
        Value::List(_) | Value::Unknown(_) => v.clone(),
        other => Value::list(vec![other.clone()]),
    }
}

/// Every value nested under `v`, in document order (lists by index,
/// objects by key), not `v` itself.
pub fn descendants(v: &Value, out: &mut Vec<Value>) {
    match v {
        Value::List(l) => {
            for x in l.iter() {
                out.push(x.clone());
                descendants(x, out);
            }
        }
        Value::Object(o) => {
            for x in o.values() {
                out.push(x.clone());
                descendants(x, out);
            }
        }
        _ => {}
    }
}

fn map_projection(v: &Value, mut f: impl FnMut(&Value, &mut Vec<Value>)) -> Value {
    match v {
        Value::List(l) => {
            let mut out = Vec::with_capacity(l.len());
            for x in l.iter() {
                if x.is_unknown() {
                    out.push(Value::Unknown(None));
                } else {
                    f(x, &mut out);
                }
            }
            Value::list(out)
        }
        Value::Unknown(_) => Value::Unknown(None),
        // A projection is always a list; anything else is read as one
        // element.
        other => {
            let mut out = Vec::new();
            f(other, &mut out);
            Value::list(out)
        }
    }
}

/// The binary operators' semantics (docs/language.md).
pub fn binary(op: BinOp, a: &Value, b: &Value) -> Result<Value, String> {
    use Value::{Null, Number, String as S, Unknown};
    Ok(match op {
        BinOp::Eq => a.equals(b).map_or(Unknown(None), Value::Bool),
        BinOp::Ne => a.equals(b).map_or(Unknown(None), |e| Value::Bool(!e)),
        BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => {
            let ord = match (a, b) {
                (Unknown(_), _) | (_, Unknown(_)) => return Ok(Unknown(None)),
                (Number(x), Number(y)) => x.partial_cmp(y),
                (S(x), S(y)) => Some(x.as_str().cmp(y.as_str())),
                _ => None,
            };
            let Some(ord) = ord else {
                return Ok(Value::Bool(false));
            };
            Value::Bool(match op {
                BinOp::Lt => ord.is_lt(),
                BinOp::Le => ord.is_le(),
                BinOp::Gt => ord.is_gt(),
                _ => ord.is_ge(),
            })
        }
        BinOp::In => contains(b, a),
        BinOp::Add => match (a, b) {
            (Unknown(_), _) | (_, Unknown(_)) => Unknown(None),
            (Null, _) | (_, Null) => Null,
            (Number(x), Number(y)) => finite(x + y)?,
            (S(x), S(y)) => {
                let mut s = String::with_capacity(x.len() + y.len());
                s.push_str(x);
                s.push_str(y);
                Value::String(Str::from(s))
            }
            (Value::List(x), Value::List(y)) => {
                Value::list(x.iter().chain(y.iter()).cloned().collect())
            }
            _ => return Err(mismatch("add", a, b)),
        },
        BinOp::Sub | BinOp::Mul | BinOp::Div | BinOp::Rem => match (a, b) {
            (Unknown(_), _) | (_, Unknown(_)) => Unknown(None),
            (Null, _) | (_, Null) => Null,
            (Number(x), Number(y)) => match op {
                BinOp::Sub => finite(x - y)?,
                BinOp::Mul => finite(x * y)?,
                _ if *y == 0.0 => return Err("division by zero".to_string()),
                BinOp::Div => finite(x / y)?,
                _ => finite(x % y)?,
            },
            _ => {
                let verb = match op {
                    BinOp::Sub => "subtract",
                    BinOp::Mul => "multiply",
                    _ => "divide",
                };
                return Err(mismatch(verb, a, b));
            }
        },
    })
}

fn finite(n: f64) -> Result<Value, String> {
    if n.is_finite() {
        Ok(Value::Number(n))
    } else {
        Err("number out of range".to_string())
    }
}

fn mismatch(verb: &str, a: &Value, b: &Value) -> String {
    format!(
        "cannot {verb} a {} and a {}",
        a.type_name().as_str(),
        b.type_name().as_str()
    )
}

/// `needle in haystack`.
pub fn contains(haystack: &Value, needle: &Value) -> Value {
    match (haystack, needle) {
        (Value::Unknown(_), _) => Value::Unknown(None),
        (Value::List(l), n) => {
            let mut unknown = false;
            for x in l.iter() {
                match x.equals(n) {
                    Some(true) => return Value::Bool(true),
                    None => unknown = true,
                    Some(false) => {}
                }
            }
            if unknown {
                Value::Unknown(None)
            } else {
                Value::Bool(false)
            }
        }
        (Value::Object(_) | Value::String(_), Value::Unknown(_)) => Value::Unknown(None),
        (Value::Object(o), Value::String(k)) => Value::Bool(o.contains_key(k)),
        (Value::String(s), Value::String(sub)) => Value::Bool(s.contains(sub.as_str())),
        _ => Value::Bool(false),
    }
}

/// A hashable scalar.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    Null,
    Bool(bool),
    Number(u64),
    String(Str),
}

fn key(v: &Value) -> Option<Key> {
    Some(match v {
        Value::Null => Key::Null,
        Value::Bool(b) => Key::Bool(*b),
        // -0 and 0 are equal numbers.
        Value::Number(n) => Key::Number(if *n == 0.0 { 0 } else { n.to_bits() }),
        Value::String(s) => Key::String(s.clone()),
        _ => return None,
    })
}

/// `x in list` for a list that does not change during evaluation: a hash
/// set of its scalar elements, the rest kept for a linear scan.
#[derive(Debug, Default)]
pub struct Membership {
    /// `None` when the value is not a list worth indexing.
    scalars: Option<std::collections::HashSet<Key>>,
    others: Vec<Value>,
    unknown: bool,
}

impl Membership {
    pub fn new(hay: &Value) -> Membership {
        let Value::List(items) = hay else {
            return Membership::default();
        };
        let mut scalars = std::collections::HashSet::with_capacity(items.len());
        let mut others = Vec::new();
        let mut unknown = false;
        for item in items.iter() {
            match key(item) {
                Some(k) => {
                    scalars.insert(k);
                }
                None if item.is_unknown() => unknown = true,
                None => others.push(item.clone()),
            }
        }
        Membership {
            scalars: Some(scalars),
            others,
            unknown,
        }
    }

    pub fn contains(&self, hay: &Value, needle: &Value) -> Value {
        let Some(scalars) = &self.scalars else {
            return contains(hay, needle);
        };
        if needle.is_unknown() {
            // Nothing is in an empty list, whatever the needle.
            return if scalars.is_empty() && self.others.is_empty() && !self.unknown {
                Value::Bool(false)
            } else {
                Value::Unknown(None)
            };
        }
        let found = match key(needle) {
            Some(k) => scalars.contains(&k),
            None => {
                let mut unknown = false;
                for o in &self.others {
                    match o.equals(needle) {
                        Some(true) => return Value::Bool(true),
                        None => unknown = true,
                        Some(false) => {}
                    }
                }
                if unknown {
                    return Value::Unknown(None);
                }
                false
            }
        };
        // A scalar never equals a list or an object, so only unknown
        // elements of the list itself leave the answer open.
        if found {
            Value::Bool(true)
        } else if self.unknown {
            Value::Unknown(None)
        } else {
            Value::Bool(false)
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests")]
    use super::*;

    fn s(x: &str) -> Value {
        Value::string(x)
    }

    /// `InGlobal` (through `Membership`) and `Bin(In)` agree on every
    /// pairing, unknown values included.
    #[test]
    fn membership_index_agrees_with_a_scan() {
        let needles = [
            Value::Null,
            Value::Unknown(None),
            s("a"),
            Value::Number(0.0),
            Value::Number(-0.0),
            Value::Bool(true),
            Value::list(vec![s("x"), Value::Unknown(None)]),
            Value::list(vec![s("x")]),
        ];
        let hays = [
            Value::list(vec![]),
            Value::list(vec![s("a"), s("b")]),
            Value::list(vec![Value::Unknown(None)]),
            Value::list(vec![Value::list(vec![s("x"), Value::Unknown(None)])]),
            Value::list(vec![Value::list(vec![s("x")]), Value::Number(0.0)]),
            Value::list(vec![Value::Null, Value::Bool(true)]),
        ];
        for hay in &hays {
            let index = Membership::new(hay);
            for needle in &needles {
                assert_eq!(
                    index.contains(hay, needle),
                    contains(hay, needle),
                    "{needle} in {hay}"
                );
            }
        }
    }

    /// What the plain iteration gives for `kind(list, x => x.k == needle)`,
    /// following `IterFeed`/`IterEnd`.
    fn iterate(list: &[Value], needle: &Value, kind: IterKind) -> Value {
        let mut unknown = false;
        let mut count = 0.0;
        for e in list {
            match e.field("k").equals(needle) {
                None => unknown = true,
                Some(true) => match kind {
                    IterKind::Any => return Value::Bool(true),
                    IterKind::None => return Value::Bool(false),
                    IterKind::One => {
                        return if unknown {
                            Value::Unknown(None)
                        } else {
                            e.clone()
                        };
                    }
                    _ => count += 1.0,
                },
                Some(false) => {}
            }
        }
        if unknown {
            return Value::Unknown(None);
        }
        match kind {
            IterKind::Any => Value::Bool(false),
            IterKind::None => Value::Bool(true),
            IterKind::One => Value::Null,
            _ => Value::Number(count),
        }
    }

    #[test]
    fn lookups_agree_with_iterating() {
        let obj = |k: Value| {
            Value::object(crate::value::Object::from_entries(vec![(
                Str::from("k"),
                k,
            )]))
        };
        let lists = [
            vec![],
            vec![obj(s("a")), obj(s("b")), obj(s("a"))],
            vec![obj(Value::Unknown(None)), obj(s("a"))],
            vec![obj(s("a")), obj(Value::Unknown(None))],
            vec![Value::Unknown(None), obj(s("b"))],
            vec![
                obj(Value::list(vec![s("a"), Value::Unknown(None)])),
                obj(Value::Number(1.0)),
            ],
            vec![
                obj(Value::Null),
                s("not an object"),
                obj(Value::Number(-0.0)),
            ],
        ];
        let needles = [
            s("a"),
            s("z"),
            Value::Null,
            Value::Number(0.0),
            Value::Unknown(None),
            Value::list(vec![s("a"), Value::Unknown(None)]),
            Value::list(vec![s("a"), s("b")]),
        ];
        let path = vec!["k".to_string()];
        for list in &lists {
            let value = Value::list(list.clone());
            let index = KeyIndex::new(&value, &path);
            for needle in &needles {
                for kind in [
                    IterKind::Any,
                    IterKind::None,
                    IterKind::One,
                    IterKind::Count,
                ] {
                    assert_eq!(
                        index.answer(needle, kind).unwrap(),
                        iterate(list, needle, kind),
                        "{kind:?} over {value} for {needle}"
                    );
                }
            }
        }
    }

    #[test]
    fn descendants_of_unknown_stay_unknown() {
        let mut out = Vec::new();
        descendants(&Value::Unknown(None), &mut out);
        assert!(out.is_empty());
        // The op keeps the unknown itself (checked through `elements` and
        // the projection helpers, which share the rule).
        assert!(elements(&Value::Unknown(None)).is_unknown());
        assert!(map_projection(&Value::Unknown(None), descendants).is_unknown());
    }
}

/// The index of one lookup: each element's key (the value at the lookup's
/// path), and the positions of the scalar keys.
#[derive(Debug)]
pub struct KeyIndex {
    /// The elements iterated (a list's elements, an object's values).
    items: Vec<Value>,
    keys: Vec<Value>,
    positions: std::collections::HashMap<Key, Vec<usize>>,
    /// Positions whose key is unknown.
    unknown: Vec<usize>,
    /// The source cannot be iterated: null, unknown, or (an error) a
    /// scalar.
    not_a_list: Option<Value>,
}

impl KeyIndex {
    pub fn new(list: &Value, path: &[String]) -> KeyIndex {
        let items: Vec<Value> = match list {
            Value::List(items) => items.to_vec(),
            Value::Object(o) => o.values().cloned().collect(),
            other => {
                return KeyIndex {
                    items: Vec::new(),
                    keys: Vec::new(),
                    positions: std::collections::HashMap::new(),
                    unknown: Vec::new(),
                    not_a_list: Some(other.clone()),
                };
            }
        };
        let mut keys = Vec::with_capacity(items.len());
        let mut positions: std::collections::HashMap<Key, Vec<usize>> =
            std::collections::HashMap::new();
        let mut unknown = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let mut k = item.clone();
            for f in path {
                k = k.field(f);
            }
            // Only an unknown key can leave `key == scalar` undecided; a
            // list or object holding one is still not equal to a scalar.
            if k.is_unknown() {
                unknown.push(i);
            } else if let Some(h) = key(&k) {
                positions.entry(h).or_default().push(i);
            }
            keys.push(k);
        }
        KeyIndex {
            items,
            keys,
            positions,
            unknown,
            not_a_list: None,
        }
    }

    /// What iteration `kind` of `key_i == needle` over the list gives.
    fn answer(&self, needle: &Value, kind: IterKind) -> Result<Value, String> {
        if let Some(source) = &self.not_a_list {
            return match source {
                Value::Null => Ok(match kind {
                    IterKind::Any => Value::Bool(false),
                    IterKind::None => Value::Bool(true),
                    IterKind::Count => Value::Number(0.0),
                    _ => Value::Null,
                }),
                Value::Unknown(_) => Ok(Value::Unknown(None)),
                other => Err(format!(
                    "cannot iterate over a {}",
                    other.type_name().as_str()
                )),
            };
        }
        // Matches, in order, and whether some comparison was undecided.
        let (matches, undecided): (Vec<usize>, Vec<usize>) = if needle.contains_unknown() {
            if self.keys.is_empty() {
                (Vec::new(), Vec::new())
            } else {
                // Every comparison is undecided or false.
                let mut m = Vec::new();
                let mut u = Vec::new();
                for (i, k) in self.keys.iter().enumerate() {
                    match k.equals(needle) {
                        Some(true) => m.push(i),
                        None => u.push(i),
                        Some(false) => {}
                    }
                }
                (m, u)
            }
        } else if let Some(h) = key(needle) {
            (
                self.positions.get(&h).cloned().unwrap_or_default(),
                self.unknown.clone(),
            )
        } else {
            let mut m = Vec::new();
            let mut u = Vec::new();
            for (i, k) in self.keys.iter().enumerate() {
                match k.equals(needle) {
                    Some(true) => m.push(i),
                    None => u.push(i),
                    Some(false) => {}
                }
            }
            (m, u)
        };
        let first_match = matches.first().copied();
        let first_undecided = undecided.first().copied();
        Ok(match kind {
            IterKind::Any => match (first_match, first_undecided) {
                (Some(_), _) => Value::Bool(true),
                (None, Some(_)) => Value::Unknown(None),
                (None, None) => Value::Bool(false),
            },
            IterKind::None => match (first_match, first_undecided) {
                (Some(_), _) => Value::Bool(false),
                (None, Some(_)) => Value::Unknown(None),
                (None, None) => Value::Bool(true),
            },
            IterKind::Count => {
                if undecided.is_empty() {
                    Value::Number(matches.len() as f64)
                } else {
                    Value::Unknown(None)
                }
            }
            IterKind::One => match (first_match, first_undecided) {
                (Some(m), Some(u)) if u < m => Value::Unknown(None),
                (Some(m), _) => self.items.get(m).cloned().unwrap_or_default(),
                (None, Some(_)) => Value::Unknown(None),
                (None, None) => Value::Null,
            },
            IterKind::All | IterKind::Collect => {
                return Err("this iteration cannot use a lookup".to_string());
            }
        })
    }
}
