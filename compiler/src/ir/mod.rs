//! The IR: checked rules lowered to a tree where every name is resolved
//! (to a frame slot, a rule `let`, a global, a function or a built-in),
//! projections (`x[*].y`) are explicit and quantifiers are iterations.
//! Both backends (bytecode, WASM) start here, and the projection analysis
//! (what the loader must keep) runs on it.

mod analysis;
pub mod lower;

pub use analysis::{Analysis, analyze};
pub use lower::lower;

use plumb_runtime::bytecode::{BinOp, IterKind, ResourceField};
use plumb_runtime::projection::TypePattern;

#[derive(Debug, Clone, PartialEq)]
pub enum Ir {
    Null,
    Bool(bool),
    Number(f64),
    Str(String),
    List(Vec<Ir>),
    Object(Vec<(String, Ir)>),
    Resource(ResourceField),
    /// A frame slot: a parameter, lambda or comprehension variable.
    Local(u16),
    /// A rule `let`, by index into [`IrRule::lets`].
    RuleLet(u16),
    Global(u32),
    Field(Box<Ir>, String),
    Index(Box<Ir>, Box<Ir>),
    Elements(Box<Ir>),
    Descendants(Box<Ir>),
    MapField(Box<Ir>, String),
    MapIndex(Box<Ir>, Box<Ir>),
    MapElements(Box<Ir>),
    MapDescendants(Box<Ir>),
    Not(Box<Ir>),
    Neg(Box<Ir>),
    And(Box<Ir>, Box<Ir>),
    Or(Box<Ir>, Box<Ir>),
    Bin(BinOp, Box<Ir>, Box<Ir>),
    If(Box<Ir>, Box<Ir>, Box<Ir>),
    Call(u32, Vec<Ir>),
    Builtin(String, Vec<Ir>),
    /// An iteration over `source`, binding each element to `slot`: the
    /// body is the predicate (quantifiers) or the element (`Collect`).
    Iter {
        kind: IterKind,
        source: Box<Ir>,
        slot: u16,
        filter: Option<Box<Ir>>,
        body: Box<Ir>,
    },
    Resources(u32),
}

#[derive(Debug, Clone, PartialEq)]
pub enum IrPart {
    Text(String),
    Hole(Ir),
}

#[derive(Debug, Clone, PartialEq)]
pub struct IrRequire {
    pub ir: Ir,
    pub text: String,
    pub line: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct IrRule {
    /// Name, place, selector, severity, controls, response: what the
    /// bytecode's `RuleInfo` carries as it is.
    pub meta: plumb_runtime::meta::RuleMeta,
    pub frame: u16,
    pub guards: Vec<Ir>,
    pub requires: Vec<IrRequire>,
    /// Slot and value of each rule `let` that reads the resource. `let`s
    /// that do not are globals.
    pub lets: Vec<(u16, Ir)>,
    pub message: Option<Vec<IrPart>>,
    pub remediation: Option<Vec<IrPart>>,
}

/// A drift block: a rule without `require`s, and its path patterns.
#[derive(Debug, Clone, PartialEq)]
pub struct IrDrift {
    pub rule: IrRule,
    pub paths: Vec<plumb_runtime::pattern::PathPattern>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct IrFn {
    pub name: String,
    pub params: u16,
    pub frame: u16,
    pub body: Ir,
}

#[derive(Debug, Clone, PartialEq)]
pub struct IrGlobal {
    pub name: String,
    pub frame: u16,
    pub value: Ir,
}

/// A test fixture, lowered: its attributes are a constant expression.
#[derive(Debug, Clone, PartialEq)]
pub struct IrFixture {
    pub resource_type: String,
    pub id: String,
    pub attributes: Ir,
    /// Frame slots its attributes expression needs.
    pub frame: u16,
    /// JSON pointers (into the attributes) of `unknown()` markers: the
    /// attributes expression computes `null` there, and the test runner
    /// puts the runtime's unknown value in its place.
    pub unknown: Vec<String>,
    /// JSON pointers of `sensitive(...)` markers: the resource's
    /// sensitive paths, as an importer records them.
    pub sensitive: Vec<String>,
    /// `pass`, `fail`, `skip`, `error`, `indeterminate`, or `None` for
    /// context fixtures.
    pub expect: Option<String>,
    pub line: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct IrTest {
    pub rule: String,
    pub package: String,
    pub file: String,
    pub line: u32,
    pub fixtures: Vec<IrFixture>,
    /// The test's own `expect` (a rule `on snapshot`) and its line.
    pub expect: Option<(String, u32)>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct IrProgram {
    pub rules: Vec<IrRule>,
    /// Drift blocks in declaration order. Analysed and run as blocks
    /// `rules.len() + d` (see [`IrProgram::block`]).
    pub drifts: Vec<IrDrift>,
    pub fns: Vec<IrFn>,
    pub globals: Vec<IrGlobal>,
    pub queries: Vec<Vec<TypePattern>>,
    pub tests: Vec<IrTest>,
}

impl IrProgram {
    /// Rules, then drift blocks, by one index.
    pub fn block(&self, index: usize) -> Option<&IrRule> {
        match index.checked_sub(self.rules.len()) {
            None => self.rules.get(index),
            Some(d) => self.drifts.get(d).map(|d| &d.rule),
        }
    }

    /// Every block: rules, then drift blocks.
    pub fn blocks(&self) -> impl Iterator<Item = &IrRule> {
        self.rules.iter().chain(self.drifts.iter().map(|d| &d.rule))
    }
}

impl Ir {
    /// The direct children of a node, for walks.
    pub fn children(&self) -> Vec<&Ir> {
        match self {
            Ir::Null
            | Ir::Bool(_)
            | Ir::Number(_)
            | Ir::Str(_)
            | Ir::Resource(_)
            | Ir::Local(_)
            | Ir::RuleLet(_)
            | Ir::Global(_)
            | Ir::Resources(_) => Vec::new(),
            Ir::List(items) | Ir::Call(_, items) | Ir::Builtin(_, items) => items.iter().collect(),
            Ir::Object(entries) => entries.iter().map(|(_, v)| v).collect(),
            Ir::Field(e, _)
            | Ir::Elements(e)
            | Ir::Descendants(e)
            | Ir::MapField(e, _)
            | Ir::MapElements(e)
            | Ir::MapDescendants(e)
            | Ir::Not(e)
            | Ir::Neg(e) => vec![e],
            Ir::Index(a, b)
            | Ir::MapIndex(a, b)
            | Ir::And(a, b)
            | Ir::Or(a, b)
            | Ir::Bin(_, a, b) => {
                vec![a, b]
            }
            Ir::If(a, b, c) => vec![a, b, c],
            Ir::Iter {
                source,
                filter,
                body,
                ..
            } => {
                let mut v: Vec<&Ir> = vec![source];
                if let Some(f) = filter {
                    v.push(f);
                }
                v.push(body);
                v
            }
        }
    }
}
