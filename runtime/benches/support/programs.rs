//! Hand-built bytecode for the VM benches. The runtime must not depend on
//! the compiler, so each program is assembled here as the bytecode backend
//! (compiler/src/backend/bytecode.rs) lays out the plumb source quoted
//! above each builder, in the base instruction forms: `Resource` + `Field`
//! and `Const` + `Bin(Eq)`, not the fused `AttrField`, `LoadField` and
//! `EqConst` the backend now also emits. Every program is checked with
//! `artifact::verify` and against each resource's expected outcome before
//! it is timed.

use std::collections::HashMap;

use plumb_runtime::TypePattern;
use plumb_runtime::bytecode::{
    BinOp, Chunk, ChunkId, Const, FnInfo, GlobalInfo, IterKind, Op, Program, Require,
    ResourceField, Response, RuleInfo, Severity, TemplatePart,
};
use plumb_runtime::projection::Projection;

use super::data::{Flags, OWNERS};

/// The resource type every bench rule selects.
pub const TYPE: &str = "aws_security_group";

/// Constants and built-in names, pooled as the backend pools them.
#[derive(Default)]
struct Pool {
    consts: Vec<Const>,
    strings: HashMap<String, u32>,
    numbers: HashMap<u64, u32>,
    builtins: Vec<String>,
}

impl Pool {
    fn string(&mut self, s: &str) -> u32 {
        if let Some(&i) = self.strings.get(s) {
            return i;
        }
        let i = self.consts.len() as u32;
        self.consts.push(Const::String(s.to_string()));
        self.strings.insert(s.to_string(), i);
        i
    }

    fn number(&mut self, n: f64) -> u32 {
        if let Some(&i) = self.numbers.get(&n.to_bits()) {
            return i;
        }
        let i = self.consts.len() as u32;
        self.consts.push(Const::Number(n));
        self.numbers.insert(n.to_bits(), i);
        i
    }

    fn builtin(&mut self, name: &str) -> u32 {
        if let Some(i) = self.builtins.iter().position(|b| b == name) {
            return i as u32;
        }
        self.builtins.push(name.to_string());
        (self.builtins.len() - 1) as u32
    }
}

/// One chunk being assembled. Forward jumps are emitted with target 0 and
/// patched to "here" once the target is reached.
pub struct Asm<'p> {
    pool: &'p mut Pool,
    code: Vec<Op>,
}

impl Asm<'_> {
    fn op(&mut self, op: Op) -> usize {
        self.code.push(op);
        self.code.len() - 1
    }

    fn here(&self) -> u32 {
        self.code.len() as u32
    }

    fn patch(&mut self, at: usize) {
        let t = self.here();
        self.code[at] = match self.code[at] {
            Op::AndJump(_) => Op::AndJump(t),
            Op::OrJump(_) => Op::OrJump(t),
            Op::Jump(_) => Op::Jump(t),
            Op::IterNext(slot, _) => Op::IterNext(slot, t),
            Op::IterFeed(_) => Op::IterFeed(t),
            other => other,
        };
    }

    fn string(&mut self, s: &str) {
        let k = self.pool.string(s);
        self.op(Op::Const(k));
    }

    fn number(&mut self, n: f64) {
        let k = self.pool.number(n);
        self.op(Op::Const(k));
    }

    fn field(&mut self, name: &str) {
        let k = self.pool.string(name);
        self.op(Op::Field(k));
    }

    /// `attributes.a.b...`
    fn attr(&mut self, path: &[&str]) {
        self.op(Op::Resource(ResourceField::Attributes));
        for k in path {
            self.field(k);
        }
    }

    /// Slot `slot`, then `.a.b...`
    fn local(&mut self, slot: u16, path: &[&str]) {
        self.op(Op::Load(slot));
        for k in path {
            self.field(k);
        }
    }

    fn bin(&mut self, op: BinOp) {
        self.op(Op::Bin(op));
    }

    fn builtin(&mut self, name: &str, argc: u8) {
        let b = self.pool.builtin(name);
        self.op(Op::Builtin(b, argc));
    }

    /// `a and b`, as the backend emits it.
    fn and(&mut self, a: impl FnOnce(&mut Self), b: impl FnOnce(&mut Self)) {
        a(self);
        let jump = self.op(Op::AndJump(0));
        b(self);
        self.op(Op::And);
        self.patch(jump);
    }

    /// `a or b`.
    fn or(&mut self, a: impl FnOnce(&mut Self), b: impl FnOnce(&mut Self)) {
        a(self);
        let jump = self.op(Op::OrJump(0));
        b(self);
        self.op(Op::Or);
        self.patch(jump);
    }

    /// An iteration over `source` binding `slot`: a quantifier (`body` is
    /// the predicate) or, for `Collect`, a comprehension.
    fn iter(
        &mut self,
        kind: IterKind,
        slot: u16,
        source: impl FnOnce(&mut Self),
        filter: Option<&dyn Fn(&mut Self)>,
        body: impl FnOnce(&mut Self),
    ) {
        source(self);
        self.op(Op::IterBegin(kind));
        let top = self.here();
        let next = self.op(Op::IterNext(slot, 0));
        if let Some(f) = filter {
            f(self);
            self.op(Op::IterFilter(top));
        }
        body(self);
        let feed = if kind == IterKind::Collect {
            self.op(Op::IterPush);
            None
        } else {
            Some(self.op(Op::IterFeed(0)))
        };
        self.op(Op::Jump(top));
        self.patch(next);
        if let Some(feed) = feed {
            self.patch(feed);
        }
        self.op(Op::IterEnd);
    }
}

/// A program being assembled: one rule over [`TYPE`] at a time.
#[derive(Default)]
struct Build {
    pool: Pool,
    chunks: Vec<Chunk>,
    fns: Vec<FnInfo>,
    globals: Vec<GlobalInfo>,
    rules: Vec<RuleInfo>,
}

impl Build {
    fn chunk(&mut self, frame: u16, f: impl FnOnce(&mut Asm<'_>)) -> ChunkId {
        let mut asm = Asm {
            pool: &mut self.pool,
            code: Vec::new(),
        };
        f(&mut asm);
        asm.code.push(Op::Return);
        let code = asm.code;
        self.chunks.push(Chunk { code, frame });
        (self.chunks.len() - 1) as ChunkId
    }

    fn function(&mut self, name: &str, params: u16, f: impl FnOnce(&mut Asm<'_>)) -> u32 {
        let chunk = self.chunk(params, f);
        self.fns.push(FnInfo {
            name: name.to_string(),
            params,
            chunk,
        });
        (self.fns.len() - 1) as u32
    }

    fn global(&mut self, name: &str, f: impl FnOnce(&mut Asm<'_>)) -> u32 {
        let chunk = self.chunk(0, f);
        self.globals.push(GlobalInfo {
            name: name.to_string(),
            chunk,
        });
        (self.globals.len() - 1) as u32
    }

    fn rule(&mut self, name: &str, frame: u16, requires: Vec<ChunkId>) -> &mut RuleInfo {
        self.rules.push(RuleInfo {
            meta: plumb_runtime::meta::RuleMeta {
                name: name.to_string(),
                package: "bench".to_string(),
                doc: None,
                file: "bench.plumb".to_string(),
                line: 1,
                selector: vec![TypePattern::Exact(TYPE.to_string())],
                snapshot: false,
                severity: Severity::High,
                controls: vec!["nist.SC-7".to_string(), "pci.1.3.1".to_string()],
                response: Response::Review,
            },
            frame,
            guards: Vec::new(),
            requires: requires
                .into_iter()
                .map(|chunk| Require {
                    chunk,
                    text: name.to_string(),
                    paths: Vec::new(),
                    line: 2,
                })
                .collect(),
            lets: Vec::new(),
            message: None,
            remediation: None,
        });
        let last = self.rules.len() - 1;
        &mut self.rules[last]
    }

    fn finish(self) -> Program {
        Program {
            drifts: Vec::new(),
            consts: self.pool.consts,
            chunks: self.chunks,
            rules: self.rules,
            fns: self.fns,
            globals: self.globals,
            queries: Vec::new(),
            projection: Projection::everything(),
            builtins: self.pool.builtins,
            lookups: Vec::new(),
        }
    }
}

/// A bench case: a program, and for each bench resource whether its one
/// rule passes (`true`) or fails (`false`) it.
pub struct Case {
    pub name: &'static str,
    pub program: Program,
    pub expect: fn(&Flags) -> bool,
}

/// `require true`: what one (rule, resource) pair costs with no work in it.
pub fn pair_overhead() -> Case {
    let mut b = Build::default();
    let c = b.chunk(0, |a| {
        a.op(Op::True);
    });
    b.rule("pair_overhead", 0, vec![c]);
    Case {
        name: "pair_overhead",
        program: b.finish(),
        expect: |_| true,
    }
}

/// `require false`: every pair becomes a finding with the default message
/// ("RULE failed for TYPE ID"), so this is what a finding costs.
pub fn fail_plain() -> Case {
    let mut b = Build::default();
    let c = b.chunk(0, |a| {
        a.op(Op::False);
    });
    b.rule("fail_plain", 0, vec![c]);
    Case {
        name: "fail_plain",
        program: b.finish(),
        expect: |_| false,
    }
}

/// `require attributes.meta.a.b.c.d == "x"`
pub fn field_chain() -> Case {
    let mut b = Build::default();
    let c = b.chunk(0, |a| {
        a.attr(&["meta", "a", "b", "c", "d"]);
        a.string("x");
        a.bin(BinOp::Eq);
    });
    b.rule("field_chain", 0, vec![c]);
    Case {
        name: "field_chain",
        program: b.finish(),
        expect: |f| f.deep_x,
    }
}

/// ```plumb
/// require none(attributes.ingress[*], r =>
///   r.from_port <= 22 and r.to_port >= 22 and "0.0.0.0/0" in r.cidr_blocks[*])
/// ```
pub fn quantifier() -> Case {
    let mut b = Build::default();
    let c = b.chunk(1, |a| {
        a.iter(
            IterKind::None,
            0,
            |a| {
                a.attr(&["ingress"]);
                a.op(Op::Elements);
            },
            None,
            |a| {
                a.and(
                    |a| {
                        a.and(
                            |a| {
                                a.local(0, &["from_port"]);
                                a.number(22.0);
                                a.bin(BinOp::Le);
                            },
                            |a| {
                                a.local(0, &["to_port"]);
                                a.number(22.0);
                                a.bin(BinOp::Ge);
                            },
                        );
                    },
                    |a| {
                        a.string("0.0.0.0/0");
                        a.local(0, &["cidr_blocks"]);
                        a.op(Op::Elements);
                        a.bin(BinOp::In);
                    },
                );
            },
        );
    });
    b.rule("quantifier", 1, vec![c]);
    Case {
        name: "quantifier",
        program: b.finish(),
        expect: |f| !f.open_ssh,
    }
}

/// ```plumb
/// let tcp_ports = [r.from_port for r in attributes.ingress[*] if r.protocol == "tcp"]
/// require tcp_ports != []
/// ```
/// The comprehension is a rule `let` (slot 1), computed on first use.
pub fn comprehension() -> Case {
    let mut b = Build::default();
    let value = b.chunk(2, |a| {
        a.iter(
            IterKind::Collect,
            0,
            |a| {
                a.attr(&["ingress"]);
                a.op(Op::Elements);
            },
            Some(&|a: &mut Asm<'_>| {
                a.local(0, &["protocol"]);
                a.string("tcp");
                a.bin(BinOp::Eq);
            }),
            |a| a.local(0, &["from_port"]),
        );
    });
    let req = b.chunk(2, |a| {
        a.op(Op::Let(0));
        a.op(Op::List(0));
        a.bin(BinOp::Ne);
    });
    b.rule("comprehension", 2, vec![req]).lets = vec![(1, value)];
    Case {
        name: "comprehension",
        program: b.finish(),
        expect: |f| f.any_tcp,
    }
}

/// ```plumb
/// fn port_range_ok(from, to) = from <= to and to < 65536
/// require all(attributes.ingress[*], r => port_range_ok(r.from_port, r.to_port))
/// ```
/// Eight calls per resource.
pub fn fn_call() -> Case {
    let mut b = Build::default();
    let f = b.function("port_range_ok", 2, |a| {
        a.and(
            |a| {
                a.op(Op::Load(0));
                a.op(Op::Load(1));
                a.bin(BinOp::Le);
            },
            |a| {
                a.op(Op::Load(1));
                a.number(65536.0);
                a.bin(BinOp::Lt);
            },
        );
    });
    let c = b.chunk(1, |a| {
        a.iter(
            IterKind::All,
            0,
            |a| {
                a.attr(&["ingress"]);
                a.op(Op::Elements);
            },
            None,
            |a| {
                a.local(0, &["from_port"]);
                a.local(0, &["to_port"]);
                a.op(Op::Call(f, 2));
            },
        );
    });
    b.rule("fn_call", 1, vec![c]);
    Case {
        name: "fn_call",
        program: b.finish(),
        expect: |_| true,
    }
}

/// ```plumb
/// require all(attributes.ingress[*], r => starts_with(r.protocol, "t") or r.protocol == "udp")
/// ```
/// Eight built-in calls per resource, through plumb-stdlib's table.
pub fn builtin_call() -> Case {
    let mut b = Build::default();
    let c = b.chunk(1, |a| {
        a.iter(
            IterKind::All,
            0,
            |a| {
                a.attr(&["ingress"]);
                a.op(Op::Elements);
            },
            None,
            |a| {
                a.or(
                    |a| {
                        a.local(0, &["protocol"]);
                        a.string("t");
                        a.builtin("starts_with", 2);
                    },
                    |a| {
                        a.local(0, &["protocol"]);
                        a.string("udp");
                        a.bin(BinOp::Eq);
                    },
                );
            },
        );
    });
    b.rule("builtin_call", 1, vec![c]);
    Case {
        name: "builtin_call",
        program: b.finish(),
        expect: |_| true,
    }
}

/// `let allowed = ["team-0", "team-2", ...]` (10,000 strings, a package
/// constant) and `require attributes.owner in allowed`: with `hashed`,
/// `InGlobal` (the backend's form); without, `Global` + `Bin(In)`, the
/// linear scan `InGlobal` replaces.
pub fn membership(hashed: bool) -> Case {
    let mut b = Build::default();
    let g = b.global("allowed", |a| {
        for k in (0..OWNERS).step_by(2) {
            a.string(&format!("team-{k}"));
        }
        a.op(Op::List((OWNERS / 2) as u32));
    });
    let c = b.chunk(0, |a| {
        a.attr(&["owner"]);
        if hashed {
            a.op(Op::InGlobal(g));
        } else {
            a.op(Op::Global(g));
            a.bin(BinOp::In);
        }
    });
    let name = if hashed {
        "in_global_10k"
    } else {
        "bin_in_scan_10k"
    };
    b.rule(name, 0, vec![c]);
    Case {
        name,
        program: b.finish(),
        expect: |f| f.owner_allowed,
    }
}

/// A rule that fails every resource, so each one renders
/// `message "security group {id} in {attributes.region} opens port {attributes.port} for {attributes.owner}"`
/// and `remediation "close port {attributes.port} on {name}"`, with
/// evidence for `size`.
pub fn template() -> Case {
    let mut b = Build::default();
    let c = b.chunk(0, |a| {
        a.attr(&["size"]);
        a.number(0.0);
        a.bin(BinOp::Lt);
    });
    let id = b.chunk(0, |a| {
        a.op(Op::Resource(ResourceField::Id));
    });
    let region = b.chunk(0, |a| a.attr(&["region"]));
    let port = b.chunk(0, |a| a.attr(&["port"]));
    let owner = b.chunk(0, |a| a.attr(&["owner"]));
    let name = b.chunk(0, |a| {
        a.op(Op::Resource(ResourceField::Name));
    });
    let text = |s: &str| TemplatePart::Text(s.to_string());
    let hole = |chunk, path: &str| TemplatePart::Hole {
        chunk,
        paths: if path.is_empty() {
            Vec::new()
        } else {
            vec![path.to_string()]
        },
    };
    let rule = b.rule("template", 0, vec![c]);
    rule.requires[0].paths = vec!["size".to_string()];
    rule.message = Some(vec![
        text("security group "),
        hole(id, ""),
        text(" in "),
        hole(region, "region"),
        text(" opens port "),
        hole(port, "port"),
        text(" for "),
        hole(owner, "owner"),
    ]);
    rule.remediation = Some(vec![
        text("close port "),
        hole(port, "port"),
        text(" on "),
        hole(name, ""),
    ]);
    Case {
        name: "template",
        program: b.finish(),
        expect: |_| false,
    }
}
