//! The bytecode backend: IR to a [`Program`] for plumb-runtime's VM.
//! Constants are pooled; every chunk ends in `Return`; jumps are absolute.

use std::collections::HashMap;

use plumb_runtime::bytecode::{
    BinOp, Chunk, ChunkId, Const, DriftInfo, FnInfo, GlobalInfo, IterKind, LookupInfo,
    LookupSource, Op, Program, Require, ResourceField, RuleInfo, TemplatePart,
};

use crate::ir::{Analysis, Ir, IrPart, IrProgram, IrRule};

/// Why a checked program cannot be written as bytecode.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CodegenError {
    /// The program is too large for the bytecode's index widths.
    #[error("the policy is too large to compile: more than the bytecode allows of {what}")]
    TooLarge { what: &'static str },
}

type Res<T> = Result<T, CodegenError>;

struct Gen {
    consts: Vec<Const>,
    strings: HashMap<String, u32>,
    numbers: HashMap<u64, u32>,
    chunks: Vec<Chunk>,
    builtins: Vec<String>,
    lookups: Vec<LookupInfo>,
}

fn too_large(what: &'static str) -> CodegenError {
    CodegenError::TooLarge { what }
}

fn u32_of(n: usize, what: &'static str) -> Res<u32> {
    u32::try_from(n).map_err(|_| too_large(what))
}

/// Compiles a lowered, analysed program. Also returns, per test block,
/// the chunks that compute its fixtures' attributes.
pub fn generate(ir: &IrProgram, analysis: &Analysis) -> Res<(Program, Vec<Vec<ChunkId>>)> {
    let mut g = Gen {
        consts: Vec::new(),
        strings: HashMap::new(),
        numbers: HashMap::new(),
        chunks: Vec::new(),
        builtins: Vec::new(),
        lookups: Vec::new(),
    };
    let mut fns = Vec::new();
    for f in &ir.fns {
        let chunk = g.chunk(&f.body, f.frame.max(f.params))?;
        fns.push(FnInfo {
            name: f.name.clone(),
            params: f.params,
            chunk,
        });
    }
    let mut globals = Vec::new();
    for gl in &ir.globals {
        let chunk = g.chunk(&gl.value, gl.frame)?;
        globals.push(GlobalInfo {
            name: gl.name.clone(),
            chunk,
        });
    }
    let mut rules = Vec::new();
    for (r, rule) in ir.rules.iter().enumerate() {
        rules.push(g.rule(r, rule, analysis)?);
    }
    let mut drifts = Vec::new();
    for (d, drift) in ir.drifts.iter().enumerate() {
        drifts.push(DriftInfo {
            rule: g.rule(ir.rules.len() + d, &drift.rule, analysis)?,
            paths: drift.paths.clone(),
        });
    }
    let mut fixtures = Vec::new();
    for t in &ir.tests {
        let chunks = t
            .fixtures
            .iter()
            .map(|f| g.chunk(&f.attributes, f.frame))
            .collect::<Res<Vec<_>>>()?;
        fixtures.push(chunks);
    }
    let program = Program {
        consts: g.consts,
        chunks: g.chunks,
        rules,
        drifts,
        fns,
        globals,
        queries: ir.queries.clone(),
        projection: analysis.projection.clone(),
        builtins: g.builtins,
        lookups: g.lookups,
    };
    Ok((program, fixtures))
}

impl Gen {
    /// A rule, or the rule part of a drift block; `r` is its block index
    /// (rules, then drift blocks), as the analysis numbers them.
    fn rule(&mut self, r: usize, rule: &IrRule, analysis: &Analysis) -> Res<RuleInfo> {
        let g = self;
        let guards = rule
            .guards
            .iter()
            .map(|e| g.chunk(e, rule.frame))
            .collect::<Res<Vec<_>>>()?;
        let paths = analysis.require_paths.get(r);
        let mut requires = Vec::new();
        for (i, req) in rule.requires.iter().enumerate() {
            requires.push(Require {
                chunk: g.chunk(&req.ir, rule.frame)?,
                text: req.text.clone(),
                paths: paths.and_then(|p| p.get(i)).cloned().unwrap_or_default(),
                line: req.line,
            });
        }
        let lets = rule
            .lets
            .iter()
            .map(|(slot, e)| Ok((*slot, g.chunk(e, rule.frame)?)))
            .collect::<Res<Vec<_>>>()?;
        let mut holes = analysis
            .hole_paths
            .get(r)
            .map(|h| h.iter())
            .into_iter()
            .flatten();
        let mut template =
            |g: &mut Gen, parts: &Option<Vec<IrPart>>| -> Res<Option<Vec<TemplatePart>>> {
                let Some(parts) = parts else {
                    return Ok(None);
                };
                let mut out = Vec::new();
                for p in parts {
                    out.push(match p {
                        IrPart::Text(t) => TemplatePart::Text(t.clone()),
                        IrPart::Hole(e) => TemplatePart::Hole {
                            chunk: g.chunk(e, rule.frame)?,
                            paths: holes.next().cloned().unwrap_or_default(),
                        },
                    });
                }
                Ok(Some(out))
            };
        let message = template(g, &rule.message)?;
        let remediation = template(g, &rule.remediation)?;
        Ok(RuleInfo {
            meta: rule.meta.clone(),
            frame: rule.frame,
            guards,
            requires,
            lets,
            message,
            remediation,
        })
    }

    fn string(&mut self, s: &str) -> Res<u32> {
        if let Some(&i) = self.strings.get(s) {
            return Ok(i);
        }
        let i = u32_of(self.consts.len(), "constants")?;
        self.consts.push(Const::String(s.to_string()));
        self.strings.insert(s.to_string(), i);
        Ok(i)
    }

    fn number(&mut self, n: f64) -> Res<u32> {
        if let Some(&i) = self.numbers.get(&n.to_bits()) {
            return Ok(i);
        }
        let i = u32_of(self.consts.len(), "constants")?;
        self.consts.push(Const::Number(n));
        self.numbers.insert(n.to_bits(), i);
        Ok(i)
    }

    fn builtin(&mut self, name: &str) -> Res<u32> {
        if let Some(i) = self.builtins.iter().position(|b| b == name) {
            return u32_of(i, "built-ins");
        }
        self.builtins.push(name.to_string());
        u32_of(self.builtins.len() - 1, "built-ins")
    }

    fn chunk(&mut self, ir: &Ir, frame: u16) -> Res<ChunkId> {
        let mut code = Vec::new();
        self.emit(ir, &mut code)?;
        code.push(Op::Return);
        let id = u32_of(self.chunks.len(), "chunks")?;
        self.chunks.push(Chunk { code, frame });
        Ok(id)
    }

    fn here(code: &[Op]) -> Res<u32> {
        u32_of(code.len(), "instructions in one chunk")
    }

    /// Patches the jump at `at` to point at the end of `code`.
    fn patch(code: &mut [Op], at: usize) -> Res<()> {
        let target = Self::here(code)?;
        if let Some(op) = code.get_mut(at) {
            *op = match *op {
                Op::AndJump(_) => Op::AndJump(target),
                Op::OrJump(_) => Op::OrJump(target),
                Op::Jump(_) => Op::Jump(target),
                Op::IterNext(slot, _) => Op::IterNext(slot, target),
                Op::IterFeed(_) => Op::IterFeed(target),
                other => other,
            };
        }
        Ok(())
    }

    fn emit(&mut self, ir: &Ir, code: &mut Vec<Op>) -> Res<()> {
        match ir {
            Ir::Null => code.push(Op::Null),
            Ir::Bool(true) => code.push(Op::True),
            Ir::Bool(false) => code.push(Op::False),
            Ir::Number(n) => code.push(Op::Const(self.number(*n)?)),
            Ir::Str(s) => code.push(Op::Const(self.string(s)?)),
            Ir::List(items) => {
                for i in items {
                    self.emit(i, code)?;
                }
                code.push(Op::List(u32_of(items.len(), "list items")?));
            }
            Ir::Object(entries) => {
                for (k, v) in entries {
                    code.push(Op::Const(self.string(k)?));
                    self.emit(v, code)?;
                }
                code.push(Op::Object(u32_of(entries.len(), "object entries")?));
            }
            Ir::Resource(f) => code.push(Op::Resource(*f)),
            Ir::Local(s) => code.push(Op::Load(*s)),
            Ir::RuleLet(i) => code.push(Op::Let(*i)),
            Ir::Global(g) => code.push(Op::Global(*g)),
            Ir::Field(e, k) => match &**e {
                Ir::Resource(ResourceField::Attributes) => {
                    code.push(Op::AttrField(self.string(k)?))
                }
                Ir::Local(slot) => code.push(Op::LoadField(*slot, self.string(k)?)),
                _ => {
                    self.emit(e, code)?;
                    code.push(Op::Field(self.string(k)?));
                }
            },
            Ir::Index(e, i) => {
                self.emit(e, code)?;
                self.emit(i, code)?;
                code.push(Op::Index);
            }
            Ir::Elements(e) => {
                self.emit(e, code)?;
                code.push(Op::Elements);
            }
            Ir::Descendants(e) => {
                self.emit(e, code)?;
                code.push(Op::Descendants);
            }
            Ir::MapField(e, k) => {
                self.emit(e, code)?;
                code.push(Op::MapField(self.string(k)?));
            }
            Ir::MapIndex(e, i) => {
                self.emit(e, code)?;
                self.emit(i, code)?;
                code.push(Op::MapIndex);
            }
            Ir::MapElements(e) => {
                self.emit(e, code)?;
                code.push(Op::MapElements);
            }
            Ir::MapDescendants(e) => {
                self.emit(e, code)?;
                code.push(Op::MapDescendants);
            }
            Ir::Not(e) => {
                self.emit(e, code)?;
                code.push(Op::Not);
            }
            Ir::Neg(e) => {
                self.emit(e, code)?;
                code.push(Op::Neg);
            }
            Ir::And(a, b) => {
                self.emit(a, code)?;
                let jump = code.len();
                code.push(Op::AndJump(0));
                self.emit(b, code)?;
                code.push(Op::And);
                Self::patch(code, jump)?;
            }
            Ir::Or(a, b) => {
                self.emit(a, code)?;
                let jump = code.len();
                code.push(Op::OrJump(0));
                self.emit(b, code)?;
                code.push(Op::Or);
                Self::patch(code, jump)?;
            }
            Ir::Bin(BinOp::In, a, b) if matches!(**b, Ir::Global(_)) => {
                self.emit(a, code)?;
                if let Ir::Global(g) = **b {
                    code.push(Op::InGlobal(g));
                }
            }
            Ir::Bin(op @ (BinOp::Eq | BinOp::Ne), a, b)
                if matches!(**b, Ir::Str(_) | Ir::Number(_)) =>
            {
                self.emit(a, code)?;
                let k = match &**b {
                    Ir::Str(s) => self.string(s)?,
                    Ir::Number(n) => self.number(*n)?,
                    _ => 0,
                };
                code.push(if *op == BinOp::Eq {
                    Op::EqConst(k)
                } else {
                    Op::NeConst(k)
                });
            }
            Ir::Builtin(name, args) if name == "type_of" && args.len() == 1 => {
                if let Some(a) = args.first() {
                    self.emit(a, code)?;
                }
                code.push(Op::TypeOf);
            }
            Ir::Bin(op, a, b) => {
                self.emit(a, code)?;
                self.emit(b, code)?;
                code.push(Op::Bin(*op));
            }
            Ir::If(c, t, e) => {
                self.emit(c, code)?;
                let branch = code.len();
                code.push(Op::Branch(0, 0));
                self.emit(t, code)?;
                let skip = code.len();
                code.push(Op::Jump(0));
                let otherwise = Self::here(code)?;
                self.emit(e, code)?;
                let end = Self::here(code)?;
                if let Some(op) = code.get_mut(branch) {
                    *op = Op::Branch(otherwise, end);
                }
                Self::patch(code, skip)?;
            }
            Ir::Call(f, args) => {
                for a in args {
                    self.emit(a, code)?;
                }
                let argc = u8::try_from(args.len()).map_err(|_| too_large("arguments"))?;
                code.push(Op::Call(*f, argc));
            }
            Ir::Builtin(name, args) => {
                for a in args {
                    self.emit(a, code)?;
                }
                let argc = u8::try_from(args.len()).map_err(|_| too_large("arguments"))?;
                let b = self.builtin(name)?;
                code.push(Op::Builtin(b, argc));
            }
            Ir::Iter {
                kind,
                source,
                slot,
                filter: None,
                body,
            } if lookup_form(*kind, source, *slot, body).is_some() => {
                if let Some((lookup, key)) = lookup_form(*kind, source, *slot, body) {
                    self.emit(key, code)?;
                    let l = match self.lookups.iter().position(|x| *x == lookup) {
                        Some(i) => i,
                        None => {
                            self.lookups.push(lookup);
                            self.lookups.len() - 1
                        }
                    };
                    code.push(Op::Lookup(u32_of(l, "lookups")?, *kind));
                }
            }
            Ir::Iter {
                kind,
                source,
                slot,
                filter,
                body,
            } => {
                self.emit(source, code)?;
                code.push(Op::IterBegin(*kind));
                let top = Self::here(code)?;
                let next = code.len();
                code.push(Op::IterNext(*slot, 0));
                if let Some(f) = filter {
                    self.emit(f, code)?;
                    code.push(Op::IterFilter(top));
                }
                self.emit(body, code)?;
                let feed = code.len();
                if *kind == IterKind::Collect {
                    code.push(Op::IterPush);
                } else {
                    code.push(Op::IterFeed(0));
                }
                code.push(Op::Jump(top));
                Self::patch(code, next)?;
                if *kind != IterKind::Collect {
                    Self::patch(code, feed)?;
                }
                code.push(Op::IterEnd);
            }
            Ir::Resources(q) => code.push(Op::Resources(*q)),
        }
        Ok(())
    }
}

/// `any(SOURCE, x => x.a.b == KEY)` (or `KEY == x.a.b`; also `none`, `one`,
/// `count`) over `resources(...)` or a global, where `KEY` does not read
/// `x`: a join that a hash index answers. Returns the lookup and the key.
fn lookup_form<'i>(
    kind: IterKind,
    source: &Ir,
    slot: u16,
    body: &'i Ir,
) -> Option<(LookupInfo, &'i Ir)> {
    if !matches!(
        kind,
        IterKind::Any | IterKind::None | IterKind::One | IterKind::Count
    ) {
        return None;
    }
    let source = match source {
        Ir::Resources(q) => LookupSource::Query(*q),
        Ir::Global(g) => LookupSource::Global(*g),
        _ => return None,
    };
    let Ir::Bin(BinOp::Eq, a, b) = body else {
        return None;
    };
    let (path, key) = match (field_path(a, slot), field_path(b, slot)) {
        (Some(p), None) if !reads_slot(b, slot) => (p, &**b),
        (None, Some(p)) if !reads_slot(a, slot) => (p, &**a),
        _ => return None,
    };
    Some((LookupInfo { source, path }, key))
}

/// `x.a.b` for the local `x` in `slot`: the field names.
fn field_path(ir: &Ir, slot: u16) -> Option<Vec<String>> {
    match ir {
        Ir::Local(s) if *s == slot => Some(Vec::new()),
        Ir::Field(base, k) => {
            let mut p = field_path(base, slot)?;
            p.push(k.clone());
            Some(p)
        }
        _ => None,
    }
}

fn reads_slot(ir: &Ir, slot: u16) -> bool {
    match ir {
        Ir::Local(s) => *s == slot,
        other => other.children().into_iter().any(|c| reads_slot(c, slot)),
    }
}
