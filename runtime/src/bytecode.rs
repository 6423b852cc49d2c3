//! The bytecode: what the compiler emits and the VM runs. Plain data, so a
//! compiled policy can be written to a `.plumbc` artifact and loaded
//! without the compiler (see [`crate::artifact`]).
//!
//! A [`Program`] has chunks of stack code. A rule's conditions, `let`s and
//! message holes are chunks that share the rule's frame (one slot per
//! `let`, lambda parameter and comprehension variable); each `fn` has its
//! own frame whose first slots are its parameters. Globals (package
//! `let`s, and rule `let`s that read nothing of the resource) are computed
//! once per snapshot. docs/vm.md has one row per instruction.

use serde::{Deserialize, Serialize};

use crate::pattern::PathPattern;
use crate::projection::{Projection, TypePattern};

/// Index of a chunk in [`Program::chunks`].
pub type ChunkId = u32;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Program {
    /// Constants: literals and field names, pooled.
    pub consts: Vec<Const>,
    pub chunks: Vec<Chunk>,
    pub rules: Vec<RuleInfo>,
    /// Drift blocks, in declaration order (files in the order compiled):
    /// classification rules for drift events (docs/drift.md).
    pub drifts: Vec<DriftInfo>,
    pub fns: Vec<FnInfo>,
    pub globals: Vec<GlobalInfo>,
    /// `resources(...)` queries: the patterns of each.
    pub queries: Vec<Vec<TypePattern>>,
    /// What the loader must keep of each resource.
    pub projection: Projection,
    /// The built-ins the program calls, by name; `Op::Builtin` indexes
    /// this table, so the artifact does not depend on a numbering.
    pub builtins: Vec<String>,
    /// Joins compiled to hash lookups: `any(resources(T), b =>
    /// b.attributes.k == e)` and the like (see [`Op::Lookup`]).
    pub lookups: Vec<LookupInfo>,
}

/// A list that does not change during an evaluation, looked up by the value
/// at `path` of each element.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LookupInfo {
    pub source: LookupSource,
    /// Field names from the element to its key.
    pub path: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum LookupSource {
    Query(u32),
    Global(u32),
}

/// A constant. Lists and objects of constants are built at run time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Const {
    Number(f64),
    String(String),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Chunk {
    pub code: Vec<Op>,
    /// Frame slots the chunk needs (for a rule's chunks: the rule's).
    pub frame: u16,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Critical => "critical",
            Severity::High => "high",
            Severity::Medium => "medium",
            Severity::Low => "low",
            Severity::Info => "info",
        }
    }

    pub fn parse(s: &str) -> Option<Severity> {
        Some(match s {
            "critical" => Severity::Critical,
            "high" => Severity::High,
            "medium" => Severity::Medium,
            "low" => Severity::Low,
            "info" => Severity::Info,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Response {
    Auto,
    Review,
    Alert,
}

impl Response {
    pub fn as_str(self) -> &'static str {
        match self {
            Response::Auto => "auto",
            Response::Review => "review",
            Response::Alert => "alert",
        }
    }

    pub fn parse(s: &str) -> Option<Response> {
        Some(match s {
            "auto" => Response::Auto,
            "review" => Response::Review,
            "alert" => Response::Alert,
            _ => return None,
        })
    }
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::fmt::Display for Response {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A piece of a message template.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum TemplatePart {
    Text(String),
    /// A hole: the chunk computes its value; `paths` are the attribute
    /// paths it reads (a hole reading a sensitive value prints
    /// `(sensitive)`).
    Hole {
        chunk: ChunkId,
        paths: Vec<String>,
    },
}

/// One `require` of a rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Require {
    pub chunk: ChunkId,
    /// The condition as written, for findings.
    pub text: String,
    /// The resource attribute paths it reads (`ingress[*].from_port`),
    /// reported with their actual values when it fails.
    pub paths: Vec<String>,
    /// Source line of the `require`, for findings and reports.
    pub line: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleInfo {
    /// What the rule says about itself (name, place, selector, severity,
    /// controls, response); the rest of this struct is its code.
    pub meta: crate::meta::RuleMeta,
    /// Frame slots of the rule's chunks.
    pub frame: u16,
    pub guards: Vec<ChunkId>,
    pub requires: Vec<Require>,
    /// Rule `let`s: slot `lets[i].0` is computed by chunk `lets[i].1` when
    /// first read.
    pub lets: Vec<(u16, ChunkId)>,
    pub message: Option<Vec<TemplatePart>>,
    pub remediation: Option<Vec<TemplatePart>>,
}

/// A compiled drift block: a rule without `require`s (its name, package,
/// file and line, selector, `when` guards, `let`s, severity, controls,
/// response, message and remediation are a [`RuleInfo`]'s) and the
/// attribute paths whose drift it classifies.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DriftInfo {
    pub rule: RuleInfo,
    pub paths: Vec<PathPattern>,
}

impl Program {
    /// A block by the index the VM runs it under: rules first, then drift
    /// blocks (`rules.len() + d` is drift block `d`).
    pub fn block(&self, index: usize) -> Option<&RuleInfo> {
        match index.checked_sub(self.rules.len()) {
            None => self.rules.get(index),
            Some(d) => self.drifts.get(d).map(|d| &d.rule),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FnInfo {
    pub name: String,
    pub params: u16,
    pub chunk: ChunkId,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GlobalInfo {
    pub name: String,
    pub chunk: ChunkId,
}

/// The fields of the resource under evaluation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ResourceField {
    /// The whole resource as an object (`resource`), as `resources(...)`
    /// yields it.
    Whole,
    Attributes,
    Id,
    Type,
    Name,
    Address,
    Provider,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum BinOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    In,
    Add,
    Sub,
    Mul,
    Div,
    Rem,
}

/// What an iteration computes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum IterKind {
    All,
    Any,
    None,
    Count,
    One,
    /// A comprehension: collects the pushed elements.
    Collect,
}

/// One instruction. Jump targets are absolute indexes into the chunk.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum Op {
    Null,
    True,
    False,
    Const(u32),
    Resource(ResourceField),
    /// Push frame slot.
    Load(u16),
    /// Pop into frame slot.
    Store(u16),
    /// Push rule `let` number `n` (see [`RuleInfo::lets`]), computing it on
    /// first use.
    Let(u16),
    Global(u32),
    /// `.name`, the name being string constant `n`.
    Field(u32),
    /// `attributes.name`: `Resource(Attributes)` then `Field(n)`, without
    /// copying the attributes.
    AttrField(u32),
    /// `Load(slot)` then `Field(n)`.
    LoadField(u16, u32),
    /// `== constant n` / `!= constant n`, comparing in place.
    EqConst(u32),
    NeConst(u32),
    /// `type_of(x)`, inline.
    TypeOf,
    Index,
    Elements,
    Descendants,
    /// The same four applied to each element of a projection (the list a
    /// `[*]` made): null results are dropped, `[*]` and `.**` flatten.
    MapField(u32),
    MapIndex,
    MapElements,
    MapDescendants,
    Not,
    Neg,
    Bin(BinOp),
    /// Pops `x`; pushes `x in global n`, through a hash index of the
    /// global built once per snapshot (joins are not quadratic).
    InGlobal(u32),
    /// `a and b`: pops `a`; if it is neither `true` nor unknown, pushes
    /// `false` and jumps; otherwise pushes it back and goes on to `b`.
    AndJump(u32),
    /// Pops `b` and `a`, pushes `a and b` (three-valued).
    And,
    OrJump(u32),
    Or,
    /// Pops a condition: `true` goes on, unknown pushes unknown and jumps
    /// to the second target, anything else jumps to the first.
    Branch(u32, u32),
    Jump(u32),
    /// Pops the arguments, calls fn `n`.
    Call(u32, u8),
    /// Pops the arguments, calls built-in `n` of [`Program::builtins`].
    Builtin(u32, u8),
    List(u32),
    /// Pops `n` (key, value) pairs pushed in order.
    Object(u32),
    Resources(u32),
    /// Pops a key; computes iteration `kind` (`Any`, `None`, `One` or
    /// `Count`) of "element's path == key" over lookup `n`'s list, through
    /// a hash index built once per snapshot: the same result as the
    /// iteration, unknown values included.
    Lookup(u32, IterKind),
    /// Pops the source; starts an iteration.
    IterBegin(IterKind),
    /// Stores the next element in the slot, or jumps when there is none.
    IterNext(u16, u32),
    /// Pops a predicate result; jumps out when the result is decided.
    IterFeed(u32),
    /// Pops a comprehension filter: `true` goes on, anything else jumps
    /// back to the loop (unknown makes the result unknown).
    IterFilter(u32),
    /// Pops a comprehension element and collects it.
    IterPush,
    /// Ends the iteration and pushes its result.
    IterEnd,
    /// Discards the top of the stack.
    Pop,
    Return,
}
