//! Lowering checked modules to the IR. The checker has accepted the
//! modules, so a name that does not resolve here is an internal error
//! ([`LowerError`]), never a user-facing diagnostic.

use plumb_runtime::meta::RuleMeta;
use std::collections::{HashMap, HashSet};

use plumb_runtime::bytecode::{BinOp, IterKind, ResourceField, Response, Severity};
use plumb_runtime::projection::TypePattern;
use plumb_stdlib::controls::{Catalogs, Cited, normalize};

use super::*;
use crate::ast::{
    self, BinaryOp, ClauseKind, Expr, ExprKind, FixtureMarker, Item, Module, UnaryOp,
};
use crate::source::SourceMap;

/// Lowering failed on something the checker should have rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("internal compiler error in {file}: {message}")]
pub struct LowerError {
    pub file: String,
    pub message: String,
}

type Res<T> = Result<T, LowerError>;

struct Pkg {
    name: String,
    /// name -> (module, item index)
    values: HashMap<String, (usize, usize)>,
}

struct Lowerer<'a> {
    /// The frameworks citations name (checked before lowering).
    catalogs: &'a Catalogs,
    modules: &'a [Module],
    sources: &'a SourceMap,
    module_pkg: Vec<usize>,
    packages: Vec<Pkg>,
    /// Per module: import alias -> package.
    imports: Vec<HashMap<String, usize>>,
    globals: Vec<IrGlobal>,
    global_ids: HashMap<(usize, String), u32>,
    fns: Vec<IrFn>,
    fn_ids: HashMap<(usize, String), u32>,
    in_progress: HashSet<(usize, String)>,
    queries: Vec<Vec<TypePattern>>,
}

/// Names in scope while lowering one body.
struct Scope {
    module: usize,
    pkg: usize,
    in_block: bool,
    /// Innermost last.
    locals: Vec<(String, u16)>,
    /// Rule `let`s defined so far: name and what they lowered to.
    rule_lets: Vec<(String, Ir)>,
    next_slot: u16,
    frame: u16,
}

impl Scope {
    fn new(module: usize, pkg: usize, in_block: bool) -> Scope {
        Scope {
            module,
            pkg,
            in_block,
            locals: Vec::new(),
            rule_lets: Vec::new(),
            next_slot: 0,
            frame: 0,
        }
    }

    fn slot(&mut self) -> u16 {
        let s = self.next_slot;
        self.next_slot = self.next_slot.saturating_add(1);
        self.frame = self.frame.max(self.next_slot);
        s
    }
}

/// Lowers every rule, drift block, test and what they use.
pub fn lower(
    modules: &[Module],
    sources: &SourceMap,
    catalogs: &Catalogs,
) -> Result<IrProgram, LowerError> {
    let mut l = Lowerer {
        catalogs,
        modules,
        sources,
        module_pkg: Vec::new(),
        packages: Vec::new(),
        imports: Vec::new(),
        globals: Vec::new(),
        global_ids: HashMap::new(),
        fns: Vec::new(),
        fn_ids: HashMap::new(),
        in_progress: HashSet::new(),
        queries: Vec::new(),
    };
    l.collect();
    let mut rules = Vec::new();
    let mut drifts = Vec::new();
    let mut tests = Vec::new();
    for (m, module) in modules.iter().enumerate() {
        for item in &module.items {
            match item {
                Item::Rule(b) => rules.push(l.rule(m, b)?),
                Item::Drift(b) => drifts.push(l.drift(m, b)?),
                Item::Test(t) => tests.push(l.test(m, t)?),
                _ => {}
            }
        }
    }
    Ok(IrProgram {
        rules,
        drifts,
        fns: l.fns,
        globals: l.globals,
        queries: l.queries,
        tests,
    })
}

/// Where a fixture's markers stand, as JSON pointers into its attributes.
#[derive(Debug, Default)]
struct FixtureMarks {
    unknown: Vec<String>,
    sensitive: Vec<String>,
}

/// A key as one JSON pointer segment (RFC 6901: `~` and `/` escaped).
fn pointer_segment(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

fn type_pattern(p: &ast::TypePattern) -> TypePattern {
    match &p.kind {
        ast::TypePatternKind::Exact(t) => TypePattern::Exact(t.clone()),
        ast::TypePatternKind::Prefix(t) => TypePattern::Prefix(t.clone()),
        ast::TypePatternKind::Any => TypePattern::Any,
    }
}

impl<'a> Lowerer<'a> {
    fn collect(&mut self) {
        let mut by_name: HashMap<String, usize> = HashMap::new();
        for module in self.modules {
            let index = match &module.package {
                Some(p) => *by_name.entry(p.dotted()).or_insert_with(|| {
                    self.packages.push(Pkg {
                        name: p.dotted(),
                        values: HashMap::new(),
                    });
                    self.packages.len() - 1
                }),
                None => {
                    self.packages.push(Pkg {
                        name: String::new(),
                        values: HashMap::new(),
                    });
                    self.packages.len() - 1
                }
            };
            self.module_pkg.push(index);
        }
        for (m, module) in self.modules.iter().enumerate() {
            let pkg = self.module_pkg.get(m).copied().unwrap_or(0);
            for (i, item) in module.items.iter().enumerate() {
                let name = match item {
                    Item::Let(l) => &l.name.name,
                    Item::Fn(f) => &f.name.name,
                    _ => continue,
                };
                if let Some(p) = self.packages.get_mut(pkg) {
                    p.values.entry(name.clone()).or_insert((m, i));
                }
            }
        }
        for module in self.modules {
            let mut map = HashMap::new();
            for import in &module.imports {
                let dotted = ast::dotted(&import.path);
                let target = self
                    .packages
                    .iter()
                    .position(|p| !p.name.is_empty() && p.name == dotted);
                if let (Some(local), Some(target)) = (import.local_name(), target) {
                    map.insert(local.name.clone(), target);
                }
            }
            self.imports.push(map);
        }
    }

    fn file_name(&self, m: usize) -> String {
        self.modules
            .get(m)
            .map(|module| self.sources.name(module.file).to_string())
            .unwrap_or_default()
    }

    fn line(&self, m: usize, span: crate::span::Span) -> u32 {
        let Some(module) = self.modules.get(m) else {
            return 0;
        };
        let (line, _) = self.sources.line_col(module.file, span.start);
        u32::try_from(line).unwrap_or(u32::MAX)
    }

    fn text(&self, m: usize, span: crate::span::Span) -> String {
        self.modules
            .get(m)
            .and_then(|module| self.sources.get(module.file))
            .and_then(|f| f.text.get(span.range()))
            .map(|t| t.split_whitespace().collect::<Vec<_>>().join(" "))
            .unwrap_or_default()
    }

    fn fail(&self, m: usize, message: impl Into<String>) -> LowerError {
        LowerError {
            file: self.file_name(m),
            message: message.into(),
        }
    }

    fn query(&mut self, patterns: Vec<TypePattern>) -> u32 {
        if let Some(i) = self.queries.iter().position(|q| *q == patterns) {
            return i as u32;
        }
        self.queries.push(patterns);
        (self.queries.len() - 1) as u32
    }

    // ----- package-level definitions ------------------------------------

    fn item(&self, pkg: usize, name: &str) -> Option<(usize, &'a Item)> {
        let modules = self.modules;
        let &(m, i) = self.packages.get(pkg)?.values.get(name)?;
        Some((m, modules.get(m)?.items.get(i)?))
    }

    fn global(&mut self, pkg: usize, name: &str, from: usize) -> Res<u32> {
        let key = (pkg, name.to_string());
        if let Some(&g) = self.global_ids.get(&key) {
            return Ok(g);
        }
        let Some((m, Item::Let(l))) = self.item(pkg, name) else {
            return Err(self.fail(from, format!("`{name}` is not a constant")));
        };
        if !self.in_progress.insert(key.clone()) {
            return Err(self.fail(m, format!("`{name}` depends on itself")));
        }
        let mut scope = Scope::new(m, pkg, false);
        let value = self.expr(&mut scope, &l.value)?;
        self.in_progress.remove(&key);
        self.globals.push(IrGlobal {
            name: name.to_string(),
            frame: scope.frame,
            value,
        });
        let g = (self.globals.len() - 1) as u32;
        self.global_ids.insert(key, g);
        Ok(g)
    }

    fn function(&mut self, pkg: usize, name: &str, from: usize) -> Res<u32> {
        let key = (pkg, name.to_string());
        if let Some(&f) = self.fn_ids.get(&key) {
            return Ok(f);
        }
        let Some((m, Item::Fn(f))) = self.item(pkg, name) else {
            return Err(self.fail(from, format!("`{name}` is not a function")));
        };
        if !self.in_progress.insert(key.clone()) {
            return Err(self.fail(m, format!("`{name}` calls itself")));
        }
        let mut scope = Scope::new(m, pkg, false);
        for p in &f.params {
            let slot = scope.slot();
            scope.locals.push((p.name.clone(), slot));
        }
        let body = self.expr(&mut scope, &f.body)?;
        self.in_progress.remove(&key);
        self.fns.push(IrFn {
            name: name.to_string(),
            params: u16::try_from(f.params.len()).unwrap_or(u16::MAX),
            frame: scope.frame,
            body,
        });
        let id = (self.fns.len() - 1) as u32;
        self.fn_ids.insert(key, id);
        Ok(id)
    }

    // ----- rules ----------------------------------------------------------

    /// A drift block: its metadata, guards, `let`s and templates lower as
    /// a rule's do (it has no `require`), with its path patterns.
    fn drift(&mut self, m: usize, b: &ast::Block) -> Res<IrDrift> {
        let rule = self.rule(m, b)?;
        let paths = b
            .clauses
            .iter()
            .filter_map(|c| match &c.kind {
                ClauseKind::Paths(p) => Some(p),
                _ => None,
            })
            .flatten()
            .map(|p| plumb_runtime::pattern::PathPattern::new(p.segments.clone()))
            .collect();
        Ok(IrDrift { rule, paths })
    }

    /// A rule, or the rule part of a drift block.
    fn rule(&mut self, m: usize, b: &ast::Block) -> Res<IrRule> {
        let pkg = self.module_pkg.get(m).copied().unwrap_or(0);
        let mut scope = Scope::new(m, pkg, true);
        let mut severity = None;
        let mut response = Response::Review;
        let mut controls = Vec::new();
        let mut guards = Vec::new();
        let mut requires = Vec::new();
        let mut lets: Vec<(u16, Ir)> = Vec::new();
        let mut message = None;
        let mut remediation = None;
        for clause in &b.clauses {
            match &clause.kind {
                ClauseKind::Severity(s) => severity = Severity::parse(&s.name),
                ClauseKind::Response(r) => {
                    response =
                        Response::parse(&r.name).ok_or_else(|| self.fail(m, "bad response"))?;
                }
                ClauseKind::Controls(refs) => {
                    for c in refs {
                        controls.push(self.control(m, c)?);
                    }
                }
                ClauseKind::When(e) => guards.push(self.expr(&mut scope, e)?),
                ClauseKind::Require(e) => requires.push(IrRequire {
                    ir: self.expr(&mut scope, e)?,
                    text: self.text(m, e.span),
                    line: self.line(m, e.span),
                }),
                ClauseKind::Let(l) => {
                    let value = self.expr(&mut scope, &l.value)?;
                    let lowered = if reads_resource(&value) {
                        let slot = scope.slot();
                        lets.push((slot, value));
                        Ir::RuleLet((lets.len() - 1) as u16)
                    } else {
                        // Reads nothing of the resource: computed once
                        // per snapshot.
                        self.globals.push(IrGlobal {
                            name: format!("{}.{}", b.name.name, l.name.name),
                            frame: scope.frame,
                            value,
                        });
                        Ir::Global((self.globals.len() - 1) as u32)
                    };
                    scope.rule_lets.push((l.name.name.clone(), lowered));
                }
                ClauseKind::Message(t) => message = Some(self.template(&mut scope, t)?),
                ClauseKind::Remediation(t) => remediation = Some(self.template(&mut scope, t)?),
                ClauseKind::Paths(_) => {}
            }
        }
        let package = self
            .packages
            .get(pkg)
            .map(|p| p.name.clone())
            .unwrap_or_default();
        Ok(IrRule {
            meta: RuleMeta {
                name: b.name.name.clone(),
                package,
                doc: b.doc.clone(),
                file: self.file_name(m),
                line: self.line(m, b.name.span),
                selector: b.selector.iter().map(type_pattern).collect(),
                snapshot: b.snapshot.is_some(),
                severity: severity.ok_or_else(|| {
                    self.fail(m, format!("{} without a severity", b.kind.keyword()))
                })?,
                controls,
                response,
            },
            frame: scope.frame,
            guards,
            requires,
            lets,
            message,
            remediation,
        })
    }

    fn control(&self, m: usize, c: &ast::ControlRef) -> Res<String> {
        let framework = self
            .catalogs
            .framework(&c.framework.name)
            .ok_or_else(|| self.fail(m, format!("unknown framework `{}`", c.framework.name)))?;
        let id = match framework {
            Cited::Builtin(builtin) => normalize(builtin, &c.id),
            Cited::User(_) => framework.lookup(&c.id).ok().map(str::to_owned),
        }
        .ok_or_else(|| self.fail(m, format!("unknown control `{}`", c.id)))?;
        Ok(format!("{}.{}", framework.alias(), id))
    }

    fn template(&mut self, scope: &mut Scope, t: &ast::Template) -> Res<Vec<IrPart>> {
        t.parts
            .iter()
            .map(|p| {
                Ok(match p {
                    ast::TemplatePart::Text(s) => IrPart::Text(s.clone()),
                    ast::TemplatePart::Hole(e) => IrPart::Hole(self.expr(scope, e)?),
                })
            })
            .collect()
    }

    fn test(&mut self, m: usize, t: &ast::TestBlock) -> Res<IrTest> {
        let pkg = self.module_pkg.get(m).copied().unwrap_or(0);
        let mut fixtures = Vec::new();
        for f in &t.fixtures {
            let mut scope = Scope::new(m, pkg, false);
            let mut marks = FixtureMarks::default();
            let attributes = self.fixture_value(&mut scope, &f.attributes, "", &mut marks)?;
            fixtures.push(IrFixture {
                resource_type: f.resource_type.name.clone(),
                id: f.id.clone(),
                attributes,
                frame: scope.frame,
                unknown: marks.unknown,
                sensitive: marks.sensitive,
                expect: f.expect.as_ref().map(|e| e.name.clone()),
                line: self.line(m, f.span),
            });
        }
        Ok(IrTest {
            rule: t.name.name.clone(),
            package: self
                .packages
                .get(pkg)
                .map(|p| p.name.clone())
                .unwrap_or_default(),
            file: self.file_name(m),
            line: self.line(m, t.name.span),
            fixtures,
            expect: t
                .expect
                .as_ref()
                .map(|e| (e.name.clone(), self.line(m, e.span))),
        })
    }

    /// A value of a fixture's attributes at the JSON pointer `at`: object
    /// and list literals are lowered here so markers at any depth are
    /// found with their place; a marker's place is recorded and
    /// `unknown()` computes `null` (the runner makes it unknown).
    fn fixture_value(
        &mut self,
        scope: &mut Scope,
        e: &Expr,
        at: &str,
        marks: &mut FixtureMarks,
    ) -> Res<Ir> {
        Ok(match &e.kind {
            ExprKind::Object(entries) => {
                // A repeated key: the last entry is the value, so only its
                // markers count.
                let last: HashMap<&str, usize> = entries
                    .iter()
                    .enumerate()
                    .map(|(i, (k, _))| (k.name.as_str(), i))
                    .collect();
                let mut lowered = Vec::with_capacity(entries.len());
                for (i, (k, v)) in entries.iter().enumerate() {
                    let overridden = last.get(k.name.as_str()) != Some(&i);
                    let pointer = format!("{at}/{}", pointer_segment(&k.name));
                    let ir = if overridden {
                        self.fixture_value(scope, v, &pointer, &mut FixtureMarks::default())?
                    } else {
                        self.fixture_value(scope, v, &pointer, marks)?
                    };
                    lowered.push((k.name.clone(), ir));
                }
                Ir::Object(lowered)
            }
            ExprKind::List(items) => Ir::List(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, x)| self.fixture_value(scope, x, &format!("{at}/{i}"), marks))
                    .collect::<Res<Vec<_>>>()?,
            ),
            _ => match FixtureMarker::of(e) {
                Some((FixtureMarker::Unknown, _, _)) => {
                    marks.unknown.push(at.to_string());
                    Ir::Null
                }
                Some((FixtureMarker::Sensitive, _, [value])) => {
                    marks.sensitive.push(at.to_string());
                    self.fixture_value(scope, value, at, marks)?
                }
                Some((marker, _, _)) => {
                    return Err(self.fail(
                        scope.module,
                        format!("`{}` with the wrong number of arguments", marker.name()),
                    ));
                }
                None => self.expr(scope, e)?,
            },
        })
    }

    // ----- expressions --------------------------------------------------

    fn expr(&mut self, scope: &mut Scope, e: &Expr) -> Res<Ir> {
        Ok(self.expr_proj(scope, e)?.0)
    }

    /// Lowers an expression; the flag says whether it is a projection
    /// (a path with `[*]` or `.**` in it), whose further steps map.
    fn expr_proj(&mut self, scope: &mut Scope, e: &Expr) -> Res<(Ir, bool)> {
        let m = scope.module;
        let ir = match &e.kind {
            ExprKind::Null => Ir::Null,
            ExprKind::Bool(b) => Ir::Bool(*b),
            ExprKind::Number(n) => Ir::Number(*n),
            ExprKind::Str(s) => Ir::Str(s.clone()),
            ExprKind::List(items) => Ir::List(
                items
                    .iter()
                    .map(|i| self.expr(scope, i))
                    .collect::<Res<Vec<_>>>()?,
            ),
            ExprKind::Object(entries) => Ir::Object(
                entries
                    .iter()
                    .map(|(k, v)| Ok((k.name.clone(), self.expr(scope, v)?)))
                    .collect::<Res<Vec<_>>>()?,
            ),
            ExprKind::Name(ident) => self.name(scope, &ident.name)?,
            ExprKind::Field(base, member) => {
                if let Some(ir) = self.qualified_value(scope, base, &member.name)? {
                    return Ok((ir, false));
                }
                let (b, proj) = self.expr_proj(scope, base)?;
                return Ok(if proj {
                    (Ir::MapField(Box::new(b), member.name.clone()), true)
                } else {
                    (Ir::Field(Box::new(b), member.name.clone()), false)
                });
            }
            ExprKind::Index(base, index) => {
                let (b, proj) = self.expr_proj(scope, base)?;
                let i = self.expr(scope, index)?;
                return Ok(if proj {
                    (Ir::MapIndex(Box::new(b), Box::new(i)), true)
                } else {
                    (Ir::Index(Box::new(b), Box::new(i)), false)
                });
            }
            ExprKind::Elements(base) => {
                let (b, proj) = self.expr_proj(scope, base)?;
                return Ok(if proj {
                    (Ir::MapElements(Box::new(b)), true)
                } else {
                    (Ir::Elements(Box::new(b)), true)
                });
            }
            ExprKind::Descendants(base) => {
                let (b, proj) = self.expr_proj(scope, base)?;
                return Ok(if proj {
                    (Ir::MapDescendants(Box::new(b)), true)
                } else {
                    (Ir::Descendants(Box::new(b)), true)
                });
            }
            ExprKind::Call { callee, args } => self.call(scope, callee, args)?,
            ExprKind::Lambda { .. } => {
                return Err(self.fail(m, "a lambda outside a quantifier"));
            }
            ExprKind::Unary(op, operand) => {
                let o = Box::new(self.expr(scope, operand)?);
                match op {
                    UnaryOp::Not => Ir::Not(o),
                    UnaryOp::Neg => Ir::Neg(o),
                }
            }
            ExprKind::Binary(op, a, b) => {
                let a = Box::new(self.expr(scope, a)?);
                let b = Box::new(self.expr(scope, b)?);
                match op {
                    BinaryOp::And => Ir::And(a, b),
                    BinaryOp::Or => Ir::Or(a, b),
                    BinaryOp::NotIn => Ir::Not(Box::new(Ir::Bin(BinOp::In, a, b))),
                    BinaryOp::Eq => Ir::Bin(BinOp::Eq, a, b),
                    BinaryOp::NotEq => Ir::Bin(BinOp::Ne, a, b),
                    BinaryOp::Lt => Ir::Bin(BinOp::Lt, a, b),
                    BinaryOp::Le => Ir::Bin(BinOp::Le, a, b),
                    BinaryOp::Gt => Ir::Bin(BinOp::Gt, a, b),
                    BinaryOp::Ge => Ir::Bin(BinOp::Ge, a, b),
                    BinaryOp::In => Ir::Bin(BinOp::In, a, b),
                    BinaryOp::Add => Ir::Bin(BinOp::Add, a, b),
                    BinaryOp::Sub => Ir::Bin(BinOp::Sub, a, b),
                    BinaryOp::Mul => Ir::Bin(BinOp::Mul, a, b),
                    BinaryOp::Div => Ir::Bin(BinOp::Div, a, b),
                    BinaryOp::Rem => Ir::Bin(BinOp::Rem, a, b),
                }
            }
            ExprKind::If {
                cond,
                then,
                otherwise,
            } => Ir::If(
                Box::new(self.expr(scope, cond)?),
                Box::new(self.expr(scope, then)?),
                Box::new(self.expr(scope, otherwise)?),
            ),
            ExprKind::Comprehension {
                element,
                var,
                source,
                filter,
            } => {
                let source = Box::new(self.expr(scope, source)?);
                let slot = scope.slot();
                scope.locals.push((var.name.clone(), slot));
                let filter = match filter {
                    Some(f) => Some(Box::new(self.expr(scope, f)?)),
                    None => None,
                };
                let body = Box::new(self.expr(scope, element)?);
                scope.locals.pop();
                Ir::Iter {
                    kind: IterKind::Collect,
                    source,
                    slot,
                    filter,
                    body,
                }
            }
            ExprKind::Resources(patterns) => {
                Ir::Resources(self.query(patterns.iter().map(type_pattern).collect()))
            }
            ExprKind::Error => return Err(self.fail(m, "an expression with a syntax error")),
        };
        Ok((ir, false))
    }

    fn name(&mut self, scope: &mut Scope, name: &str) -> Res<Ir> {
        if let Some((_, slot)) = scope.locals.iter().rev().find(|(n, _)| n == name) {
            return Ok(Ir::Local(*slot));
        }
        if let Some((_, ir)) = scope.rule_lets.iter().rev().find(|(n, _)| n == name) {
            return Ok(ir.clone());
        }
        if let Some((_, Item::Let(_))) = self.item(scope.pkg, name) {
            return Ok(Ir::Global(self.global(scope.pkg, name, scope.module)?));
        }
        if scope.in_block {
            let field = match name {
                "resource" => Some(ResourceField::Whole),
                "attributes" => Some(ResourceField::Attributes),
                "id" => Some(ResourceField::Id),
                "type" => Some(ResourceField::Type),
                "name" => Some(ResourceField::Name),
                "address" => Some(ResourceField::Address),
                "provider" => Some(ResourceField::Provider),
                _ => None,
            };
            if let Some(f) = field {
                return Ok(Ir::Resource(f));
            }
        }
        Err(self.fail(scope.module, format!("unresolved name `{name}`")))
    }

    /// `alias.name` for an imported package's constant.
    fn qualified_value(&mut self, scope: &mut Scope, base: &Expr, member: &str) -> Res<Option<Ir>> {
        let Some(target) = self.import_target(scope, base) else {
            return Ok(None);
        };
        Ok(Some(Ir::Global(self.global(
            target,
            member,
            scope.module,
        )?)))
    }

    fn import_target(&self, scope: &Scope, base: &Expr) -> Option<usize> {
        let ExprKind::Name(alias) = &base.kind else {
            return None;
        };
        if scope.locals.iter().any(|(n, _)| *n == alias.name)
            || scope.rule_lets.iter().any(|(n, _)| *n == alias.name)
            || self.item(scope.pkg, &alias.name).is_some()
        {
            return None;
        }
        self.imports.get(scope.module)?.get(&alias.name).copied()
    }

    fn call(&mut self, scope: &mut Scope, callee: &Expr, args: &[Expr]) -> Res<Ir> {
        let m = scope.module;
        let (pkg, name) = match &callee.kind {
            ExprKind::Name(ident) => (scope.pkg, ident.name.as_str()),
            ExprKind::Field(base, member) => match self.import_target(scope, base) {
                Some(target) => (target, member.name.as_str()),
                None => return Err(self.fail(m, "a call of something that is not a function")),
            },
            _ => return Err(self.fail(m, "a call of something that is not a function")),
        };
        let is_local = matches!(&callee.kind, ExprKind::Name(_))
            && scope.locals.iter().any(|(n, _)| n == name);
        if !is_local && let Some((_, Item::Fn(_))) = self.item(pkg, name) {
            let f = self.function(pkg, name, m)?;
            let args = args
                .iter()
                .map(|a| self.expr(scope, a))
                .collect::<Res<Vec<_>>>()?;
            return Ok(Ir::Call(f, args));
        }
        if plumb_stdlib::builtins::lookup(name).is_none() {
            return Err(self.fail(m, format!("unknown function `{name}`")));
        }
        let kind = match name {
            "all" => Some(IterKind::All),
            "any" => Some(IterKind::Any),
            "none" => Some(IterKind::None),
            "one" => Some(IterKind::One),
            "count" if args.len() == 2 => Some(IterKind::Count),
            _ => None,
        };
        if let Some(kind) = kind {
            let (Some(source), Some(lambda)) = (args.first(), args.get(1)) else {
                return Err(self.fail(m, format!("`{name}` without its lambda")));
            };
            let ExprKind::Lambda { params, body } = &lambda.kind else {
                return Err(self.fail(m, format!("`{name}` without its lambda")));
            };
            let source = Box::new(self.expr(scope, source)?);
            let slot = scope.slot();
            let Some(param) = params.first() else {
                return Err(self.fail(m, "a lambda without a parameter"));
            };
            scope.locals.push((param.name.clone(), slot));
            let body = Box::new(self.expr(scope, body)?);
            scope.locals.pop();
            return Ok(Ir::Iter {
                kind,
                source,
                slot,
                filter: None,
                body,
            });
        }
        let args = args
            .iter()
            .map(|a| self.expr(scope, a))
            .collect::<Res<Vec<_>>>()?;
        Ok(Ir::Builtin(name.to_string(), args))
    }
}

/// Whether an expression reads the resource under evaluation (directly or
/// through a rule `let` that does). Calls do not: functions only see their
/// arguments.
fn reads_resource(ir: &Ir) -> bool {
    match ir {
        Ir::Resource(_) | Ir::RuleLet(_) => true,
        other => other.children().into_iter().any(reads_resource),
    }
}
