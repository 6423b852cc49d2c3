//! The syntax tree. Every node carries its [`Span`]. The parser always
//! returns a tree, even for broken input: a part that could not be parsed is
//! an [`ExprKind::Error`] node or is left out, and its block is marked
//! `has_errors`, so later stages skip it instead of reporting a cascade.

use crate::span::{FileId, Span};

#[derive(Debug, Clone, PartialEq)]
pub struct Ident {
    pub name: String,
    pub span: Span,
}

/// One parsed source file.
#[derive(Debug, Clone, PartialEq)]
pub struct Module {
    pub file: FileId,
    pub package: Option<Package>,
    pub imports: Vec<Import>,
    pub items: Vec<Item>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Package {
    /// `aws.storage` as `["aws", "storage"]`.
    pub path: Vec<Ident>,
    pub span: Span,
}

impl Package {
    pub fn dotted(&self) -> String {
        dotted(&self.path)
    }
}

pub fn dotted(path: &[Ident]) -> String {
    path.iter()
        .map(|i| i.name.as_str())
        .collect::<Vec<_>>()
        .join(".")
}

#[derive(Debug, Clone, PartialEq)]
pub struct Import {
    pub path: Vec<Ident>,
    pub alias: Option<Ident>,
    pub span: Span,
}

impl Import {
    /// The name the import is known by in this file: its alias, or the last
    /// segment of its path.
    pub fn local_name(&self) -> Option<&Ident> {
        self.alias.as_ref().or(self.path.last())
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    Rule(Block),
    Drift(Block),
    Let(LetDecl),
    Fn(FnDecl),
    Test(TestBlock),
    Type(TypeDecl),
}

/// `type acme_widget` or `type acme_*`: resource types the user's own
/// sources produce, so selectors naming them are not unknown (W0012) and
/// their attributes are not checked against the catalog (W0013).
#[derive(Debug, Clone, PartialEq)]
pub struct TypeDecl {
    pub pattern: TypePattern,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlockKind {
    Rule,
    Drift,
}

impl BlockKind {
    pub fn keyword(self) -> &'static str {
        match self {
            BlockKind::Rule => "rule",
            BlockKind::Drift => "drift",
        }
    }
}

/// A `rule` or a `drift` block: both select resources and carry metadata;
/// which clauses each may hold is checked later, so one parser serves both.
#[derive(Debug, Clone, PartialEq)]
pub struct Block {
    pub kind: BlockKind,
    /// The `///` comment lines above the block, without the slashes.
    pub doc: Option<String>,
    pub name: Ident,
    pub selector: Vec<TypePattern>,
    /// `on snapshot`: the rule is decided once for the whole snapshot, not
    /// per resource (the span of the word `snapshot`; `selector` is empty).
    pub snapshot: Option<Span>,
    pub clauses: Vec<Clause>,
    pub span: Span,
    /// A syntax error was reported inside the block.
    pub has_errors: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub enum TypePatternKind {
    /// `aws_s3_bucket`
    Exact(String),
    /// `aws_s3_*`: every type starting with the prefix.
    Prefix(String),
    /// `*`: every type.
    Any,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TypePattern {
    pub kind: TypePatternKind,
    pub span: Span,
}

impl TypePattern {
    pub fn matches(&self, ty: &str) -> bool {
        match &self.kind {
            TypePatternKind::Exact(t) => t == ty,
            TypePatternKind::Prefix(p) => ty.starts_with(p.as_str()),
            TypePatternKind::Any => true,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Clause {
    pub kind: ClauseKind,
    /// The span of the clause's keyword (`severity`, `require`, ...).
    pub keyword: Span,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ClauseKind {
    Severity(Ident),
    Response(Ident),
    Controls(Vec<ControlRef>),
    When(Expr),
    Require(Expr),
    Let(LetDecl),
    Message(Template),
    Remediation(Template),
    Paths(Vec<PathPattern>),
}

impl ClauseKind {
    pub fn keyword(&self) -> &'static str {
        match self {
            ClauseKind::Severity(_) => "severity",
            ClauseKind::Response(_) => "response",
            ClauseKind::Controls(_) => "controls",
            ClauseKind::When(_) => "when",
            ClauseKind::Require(_) => "require",
            ClauseKind::Let(_) => "let",
            ClauseKind::Message(_) => "message",
            ClauseKind::Remediation(_) => "remediation",
            ClauseKind::Paths(_) => "paths",
        }
    }
}

/// `nist.AC-2(1)` as written: the framework word and the raw ID text. The
/// checker normalises and resolves it against the catalogs.
#[derive(Debug, Clone, PartialEq)]
pub struct ControlRef {
    pub framework: Ident,
    pub id: String,
    pub id_span: Span,
    pub span: Span,
}

/// A drift path pattern such as `ingress[*].cidr_blocks` or `tags.**`.
#[derive(Debug, Clone, PartialEq)]
pub struct PathPattern {
    pub segments: Vec<PathSegment>,
    pub span: Span,
}

/// The steps of a pattern are plumb-runtime's, so what the parser builds
/// is what the drift noise model and the compiled program carry.
pub use plumb_runtime::pattern::PathSegment;

/// A `message` or `remediation` text: literal parts and `{expr}` holes.
#[derive(Debug, Clone, PartialEq)]
pub struct Template {
    pub parts: Vec<TemplatePart>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum TemplatePart {
    Text(String),
    Hole(Expr),
}

#[derive(Debug, Clone, PartialEq)]
pub struct LetDecl {
    pub doc: Option<String>,
    pub name: Ident,
    pub value: Expr,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct FnDecl {
    pub doc: Option<String>,
    pub name: Ident,
    pub params: Vec<Ident>,
    /// False when the parameter list itself was broken: calls are then
    /// not checked for arity.
    pub arity_known: bool,
    pub body: Expr,
    pub span: Span,
}

/// `test rule_name { resource TYPE "id" { ... } expect fail ... }`
#[derive(Debug, Clone, PartialEq)]
pub struct TestBlock {
    pub doc: Option<String>,
    /// The rule under test.
    pub name: Ident,
    pub fixtures: Vec<Fixture>,
    /// `expect pass` on a line of its own: what a rule `on snapshot`
    /// decides for the test's snapshot.
    pub expect: Option<Ident>,
    pub span: Span,
    pub has_errors: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Fixture {
    pub resource_type: Ident,
    pub id: String,
    pub id_span: Span,
    /// The attributes, an object literal.
    pub attributes: Expr,
    pub expect: Option<Ident>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

/// A marker that gives a test fixture's attribute the kind of value a
/// Terraform plan has: `unknown()` (known only after apply) or
/// `sensitive(value)`. Markers stand only where a fixture's attributes
/// object literal holds a value (an attribute or a list element, however
/// nested); anywhere else they are E0412.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FixtureMarker {
    Unknown,
    Sensitive,
}

impl FixtureMarker {
    /// Every marker, by the name it is called with.
    pub const ALL: [FixtureMarker; 2] = [FixtureMarker::Unknown, FixtureMarker::Sensitive];

    pub fn name(self) -> &'static str {
        match self {
            FixtureMarker::Unknown => "unknown",
            FixtureMarker::Sensitive => "sensitive",
        }
    }

    /// How it is written, for messages: `unknown()`, `sensitive(...)`.
    pub fn call_form(self) -> &'static str {
        match self {
            FixtureMarker::Unknown => "unknown()",
            FixtureMarker::Sensitive => "sensitive(...)",
        }
    }

    /// How many arguments the marker takes.
    pub fn arity(self) -> usize {
        match self {
            FixtureMarker::Unknown => 0,
            FixtureMarker::Sensitive => 1,
        }
    }

    /// The marker a plain name calls, if it is one.
    pub fn named(name: &str) -> Option<FixtureMarker> {
        FixtureMarker::ALL.into_iter().find(|m| m.name() == name)
    }

    /// `e` as a marker call: the marker, the callee's name and the
    /// arguments. A marker is known by its syntax alone, so the checker
    /// and the lowering always agree on what is one.
    pub fn of(e: &Expr) -> Option<(FixtureMarker, &Ident, &[Expr])> {
        let ExprKind::Call { callee, args } = &e.kind else {
            return None;
        };
        let ExprKind::Name(ident) = &callee.kind else {
            return None;
        };
        Some((FixtureMarker::named(&ident.name)?, ident, args))
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    Null,
    Bool(bool),
    Number(f64),
    Str(String),
    List(Vec<Expr>),
    Object(Vec<(ObjectKey, Expr)>),
    /// A plain name: a local, a parameter, a `let`, or a resource field.
    Name(Ident),
    /// `e.name`
    Field(Box<Expr>, Ident),
    /// `e[index]`
    Index(Box<Expr>, Box<Expr>),
    /// `e[*]`: the elements of `e`.
    Elements(Box<Expr>),
    /// `e.**`: `e` and every value nested in it.
    Descendants(Box<Expr>),
    Call {
        callee: Box<Expr>,
        args: Vec<Expr>,
    },
    Lambda {
        params: Vec<Ident>,
        body: Box<Expr>,
    },
    Unary(UnaryOp, Box<Expr>),
    Binary(BinaryOp, Box<Expr>, Box<Expr>),
    If {
        cond: Box<Expr>,
        then: Box<Expr>,
        otherwise: Box<Expr>,
    },
    /// `[element for var in source if filter]`
    Comprehension {
        element: Box<Expr>,
        var: Ident,
        source: Box<Expr>,
        filter: Option<Box<Expr>>,
    },
    /// `resources(aws_s3_bucket_public_access_block)`: every resource of the
    /// snapshot whose type matches.
    Resources(Vec<TypePattern>),
    /// Could not be parsed; the error is already reported.
    Error,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ObjectKey {
    pub name: String,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnaryOp {
    Not,
    Neg,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinaryOp {
    Or,
    And,
    Eq,
    NotEq,
    Lt,
    Le,
    Gt,
    Ge,
    In,
    NotIn,
    Add,
    Sub,
    Mul,
    Div,
    Rem,
}

impl BinaryOp {
    pub fn symbol(self) -> &'static str {
        match self {
            BinaryOp::Or => "or",
            BinaryOp::And => "and",
            BinaryOp::Eq => "==",
            BinaryOp::NotEq => "!=",
            BinaryOp::Lt => "<",
            BinaryOp::Le => "<=",
            BinaryOp::Gt => ">",
            BinaryOp::Ge => ">=",
            BinaryOp::In => "in",
            BinaryOp::NotIn => "not in",
            BinaryOp::Add => "+",
            BinaryOp::Sub => "-",
            BinaryOp::Mul => "*",
            BinaryOp::Div => "/",
            BinaryOp::Rem => "%",
        }
    }

    pub fn is_comparison(self) -> bool {
        matches!(
            self,
            BinaryOp::Eq
                | BinaryOp::NotEq
                | BinaryOp::Lt
                | BinaryOp::Le
                | BinaryOp::Gt
                | BinaryOp::Ge
                | BinaryOp::In
                | BinaryOp::NotIn
        )
    }
}

impl Expr {
    pub fn new(kind: ExprKind, span: Span) -> Expr {
        Expr { kind, span }
    }

    pub fn error(span: Span) -> Expr {
        Expr::new(ExprKind::Error, span)
    }
}
