//! Name resolution and checking.
//!
//! Takes every parsed module of one compilation, resolves packages and
//! imports, then checks each item: names, calls and arity, literal types,
//! rule metadata, control IDs against the embedded catalogs, cycles between
//! `let`s and `fn`s, and the warnings (unused `let`s and imports, guards that
//! never hold, shadowing). It collects every diagnostic and never stops at
//! the first. Blocks that failed to parse are checked only for what they
//! contain, never for what they lack, so a syntax error does not cascade.

mod diag;
mod expr;
mod fold;
mod metadata;
pub mod types;

use std::collections::{BTreeMap, HashMap, HashSet};

use plumb_stdlib::controls::Catalogs;

use crate::ast::*;
use crate::diagnostics::Diagnostic;
use crate::span::{FileId, Span};

pub use fold::{Const, fold};

/// What a test fixture can expect the rule to decide (`expect WORD`): the
/// runtime's decisions, by the names they print with.
pub const EXPECTATIONS: &[&str] = &["pass", "fail", "skip", "error", "indeterminate"];

/// The names every rule and drift block can read about the resource it is
/// evaluating.
pub const RESOURCE_NAMES: &[&str] = &[
    "resource",
    "attributes",
    "id",
    "type",
    "name",
    "address",
    "provider",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ValueKind {
    Let,
    /// `None` when the function's parameter list did not parse.
    Fn {
        arity: Option<usize>,
    },
}

#[derive(Debug, Clone)]
struct ValueDef {
    kind: ValueKind,
    file: FileId,
    span: Span,
}

#[derive(Debug, Clone)]
struct BlockDef {
    file: FileId,
    span: Span,
    module: usize,
    item: usize,
}

#[derive(Debug, Default)]
struct PackageInfo {
    /// The dotted name; empty for a file without `package`.
    name: String,
    values: BTreeMap<String, ValueDef>,
    blocks: BTreeMap<String, BlockDef>,
    /// Whether another file can import this package (it has a name).
    importable: bool,
}

#[derive(Debug)]
struct ImportInfo {
    package: Option<usize>,
    dotted: String,
    span: Span,
}

/// A reference from one package-level definition to another, for cycle
/// detection.
type Node = (usize, String);

pub(crate) struct Checker<'m> {
    modules: &'m [Module],
    packages: Vec<PackageInfo>,
    /// The package of each module.
    module_package: Vec<usize>,
    /// Per module: local import name -> import.
    imports: Vec<HashMap<String, ImportInfo>>,
    used_imports: HashSet<(usize, String)>,
    used_values: HashSet<Node>,
    edges: BTreeMap<Node, Vec<(Node, FileId, Span)>>,
    diags: Vec<Diagnostic>,
    /// The frameworks `controls` may cite.
    catalogs: &'m Catalogs,
}

/// Checks a set of parsed modules together: imports resolve across them.
/// Citations are checked against the built-in control catalogs only.
pub fn check(modules: &[Module]) -> Vec<Diagnostic> {
    check_with(modules, &Catalogs::default())
}

/// [`check`], with citations checked against `catalogs` (the built-in
/// frameworks and the user's own).
pub fn check_with(modules: &[Module], catalogs: &Catalogs) -> Vec<Diagnostic> {
    let mut checker = Checker {
        catalogs,
        modules,
        packages: Vec::new(),
        module_package: Vec::new(),
        imports: Vec::new(),
        used_imports: HashSet::new(),
        used_values: HashSet::new(),
        edges: BTreeMap::new(),
        diags: Vec::new(),
    };
    checker.collect_packages();
    checker.collect_definitions();
    checker.resolve_imports();
    for m in 0..modules.len() {
        checker.check_module(m);
    }
    checker.report_cycles();
    checker.report_unused();
    let mut diags = checker.diags;
    types::check(modules, &mut diags);
    crate::diagnostics::sort(&mut diags);
    diags
}

impl<'m> Checker<'m> {
    fn collect_packages(&mut self) {
        let mut by_name: HashMap<String, usize> = HashMap::new();
        for module in self.modules {
            let index = match &module.package {
                Some(p) => {
                    let name = p.dotted();
                    *by_name.entry(name.clone()).or_insert_with(|| {
                        self.packages.push(PackageInfo {
                            name,
                            importable: true,
                            ..PackageInfo::default()
                        });
                        self.packages.len() - 1
                    })
                }
                None => {
                    self.packages.push(PackageInfo::default());
                    self.packages.len() - 1
                }
            };
            self.module_package.push(index);
        }
    }

    fn collect_definitions(&mut self) {
        for (m, module) in self.modules.iter().enumerate() {
            let pkg = self.module_package.get(m).copied().unwrap_or(0);
            for (i, item) in module.items.iter().enumerate() {
                match item {
                    Item::Let(l) => self.define_value(pkg, module.file, &l.name, ValueKind::Let),
                    Item::Fn(f) => {
                        if plumb_stdlib::builtins::lookup(&f.name.name).is_some() {
                            self.diags.push(diag::builtin_redefined(
                                module.file,
                                f.name.span,
                                &f.name.name,
                            ));
                        } else {
                            let kind = ValueKind::Fn {
                                arity: f.arity_known.then_some(f.params.len()),
                            };
                            self.define_value(pkg, module.file, &f.name, kind);
                        }
                    }
                    Item::Rule(b) | Item::Drift(b) => self.define_block(pkg, m, i, module.file, b),
                    Item::Test(_) | Item::Type(_) => {}
                }
            }
        }
    }

    fn define_value(&mut self, pkg: usize, file: FileId, name: &Ident, kind: ValueKind) {
        let Some(info) = self.packages.get_mut(pkg) else {
            return;
        };
        if let Some(first) = info.values.get(&name.name) {
            let what = match kind {
                ValueKind::Let => "constant",
                ValueKind::Fn { .. } => "function",
            };
            let same = first.file == file;
            self.diags.push(diag::duplicate(
                file, name.span, what, &name.name, first.file, first.span, same,
            ));
            return;
        }
        info.values.insert(
            name.name.clone(),
            ValueDef {
                kind,
                file,
                span: name.span,
            },
        );
    }

    fn define_block(
        &mut self,
        pkg: usize,
        module: usize,
        item: usize,
        file: FileId,
        block: &Block,
    ) {
        let Some(info) = self.packages.get_mut(pkg) else {
            return;
        };
        let name = &block.name;
        if let Some(first) = info.blocks.get(&name.name) {
            let same = first.file == file;
            self.diags.push(diag::duplicate(
                file,
                name.span,
                block.kind.keyword(),
                &name.name,
                first.file,
                first.span,
                same,
            ));
            return;
        }
        info.blocks.insert(
            name.name.clone(),
            BlockDef {
                file,
                span: name.span,
                module,
                item,
            },
        );
    }

    fn resolve_imports(&mut self) {
        let names: Vec<String> = self
            .packages
            .iter()
            .filter(|p| p.importable)
            .map(|p| p.name.clone())
            .collect();
        for module in self.modules {
            let mut map: HashMap<String, ImportInfo> = HashMap::new();
            for import in &module.imports {
                let dotted = dotted(&import.path);
                let package = self
                    .packages
                    .iter()
                    .position(|p| p.importable && p.name == dotted);
                if package.is_none() {
                    let suggestion = diag::did_you_mean(&dotted, names.iter().map(String::as_str));
                    self.diags.push(diag::unresolved_import(
                        module.file,
                        import.span,
                        &dotted,
                        suggestion,
                    ));
                }
                let Some(local) = import.local_name() else {
                    continue;
                };
                // Named after its last segment, which an expression must
                // be able to use: not a keyword (`import acme.test`).
                if import.alias.is_none()
                    && crate::lexer::lex(&local.name)
                        .tokens
                        .first()
                        .is_some_and(|(t, _)| t.is_keyword())
                {
                    self.diags.push(diag::keyword_import_name(
                        module.file,
                        local.span,
                        &local.name,
                    ));
                    continue;
                }
                if let Some(first) = map.get(&local.name) {
                    self.diags.push(diag::duplicate(
                        module.file,
                        local.span,
                        "import",
                        &local.name,
                        module.file,
                        first.span,
                        true,
                    ));
                    continue;
                }
                map.insert(
                    local.name.clone(),
                    ImportInfo {
                        package,
                        dotted,
                        span: import.span,
                    },
                );
            }
            self.imports.push(map);
        }
    }

    fn check_module(&mut self, m: usize) {
        let Some(module) = self.modules.get(m) else {
            return;
        };
        let pkg = self.module_package.get(m).copied().unwrap_or(0);
        for item in &module.items {
            match item {
                Item::Let(l) => {
                    let mut scope = expr::Scope::new(module.file, pkg, m, None);
                    scope.current = Some((pkg, l.name.name.clone()));
                    self.expr(&mut scope, &l.value);
                }
                Item::Fn(f) => {
                    let mut scope = expr::Scope::new(module.file, pkg, m, None);
                    scope.current = Some((pkg, f.name.name.clone()));
                    self.bind_params(&mut scope, &f.params);
                    self.expr(&mut scope, &f.body);
                }
                Item::Rule(b) | Item::Drift(b) => self.check_block(module.file, pkg, m, b),
                Item::Test(t) => self.check_test(module.file, pkg, m, t),
                Item::Type(_) => {}
            }
        }
    }

    fn check_test(&mut self, file: FileId, pkg: usize, m: usize, test: &TestBlock) {
        let rule = self
            .packages
            .get(pkg)
            .and_then(|p| p.blocks.get(&test.name.name))
            .and_then(|def| self.modules.get(def.module)?.items.get(def.item));
        let rule = match rule {
            Some(Item::Rule(b)) => Some(b),
            _ => {
                let candidates: Vec<&str> = self
                    .packages
                    .get(pkg)
                    .map(|p| p.blocks.keys().map(String::as_str).collect())
                    .unwrap_or_default();
                let suggestion = diag::did_you_mean(&test.name.name, candidates);
                self.diags.push(diag::unknown_rule(
                    file,
                    test.name.span,
                    &test.name.name,
                    suggestion,
                ));
                None
            }
        };
        if let Some(expect) = &test.expect {
            if !EXPECTATIONS.contains(&expect.name.as_str()) {
                let suggestion = diag::did_you_mean(&expect.name, EXPECTATIONS.iter().copied());
                self.diags.push(diag::invalid_expectation(
                    file,
                    expect.span,
                    &expect.name,
                    suggestion,
                ));
            } else if let Some(rule) = rule
                && rule.snapshot.is_none()
            {
                self.diags
                    .push(diag::misplaced_expectation(file, expect.span, false));
            }
        }
        for fixture in &test.fixtures {
            let mut scope = expr::Scope::new(file, pkg, m, None);
            self.fixture_value(&mut scope, &fixture.attributes);
            let Some(expect) = &fixture.expect else {
                continue;
            };
            if let Some(rule) = rule
                && rule.snapshot.is_some()
            {
                self.diags
                    .push(diag::misplaced_expectation(file, expect.span, true));
                continue;
            }
            if !EXPECTATIONS.contains(&expect.name.as_str()) {
                let suggestion = diag::did_you_mean(&expect.name, EXPECTATIONS.iter().copied());
                self.diags.push(diag::invalid_expectation(
                    file,
                    expect.span,
                    &expect.name,
                    suggestion,
                ));
                continue;
            }
            if let Some(rule) = rule {
                let ty = &fixture.resource_type.name;
                // An empty selector is a header that did not parse.
                if expect.name != "skip"
                    && !rule.selector.is_empty()
                    && !rule.selector.iter().any(|p| p.matches(ty))
                {
                    let selector = rule
                        .selector
                        .iter()
                        .fold(None::<Span>, |acc, p| {
                            Some(acc.map_or(p.span, |s| s.to(p.span)))
                        })
                        .unwrap_or(rule.name.span);
                    let selector_file = self
                        .packages
                        .get(pkg)
                        .and_then(|p| p.blocks.get(&test.name.name))
                        .map(|d| d.file);
                    let mut d = diag::fixture_not_selected(
                        file,
                        fixture.resource_type.span,
                        ty,
                        &rule.name.name,
                        selector,
                    );
                    if let Some(other) = selector_file.filter(|f| *f != file) {
                        for l in &mut d.secondary {
                            l.file = Some(other);
                        }
                    }
                    self.diags.push(d);
                }
            }
        }
    }

    /// Reports each cycle once, at the member defined first in the source.
    fn report_cycles(&mut self) {
        let nodes: Vec<Node> = self.edges.keys().cloned().collect();
        let mut done: HashSet<Node> = HashSet::new();
        for start in nodes {
            if done.contains(&start) {
                continue;
            }
            if let Some(cycle) = self.find_cycle(&start) {
                for n in &cycle {
                    done.insert(n.clone());
                }
                self.report_cycle(&cycle);
            }
            done.insert(start);
        }
    }

    /// A path from `start` back to itself, by iterative depth-first search.
    fn find_cycle(&self, start: &Node) -> Option<Vec<Node>> {
        let mut stack: Vec<(Node, usize)> = vec![(start.clone(), 0)];
        let mut on_path: HashSet<Node> = HashSet::from([start.clone()]);
        let mut visited: HashSet<Node> = HashSet::new();
        while let Some((node, next)) = stack.last().cloned() {
            let succ = self
                .edges
                .get(&node)
                .and_then(|e| e.get(next))
                .map(|e| e.0.clone());
            match succ {
                None => {
                    stack.pop();
                    on_path.remove(&node);
                    visited.insert(node);
                }
                Some(succ) => {
                    if let Some(top) = stack.last_mut() {
                        top.1 += 1;
                    }
                    if &succ == start {
                        return Some(stack.into_iter().map(|(n, _)| n).collect());
                    }
                    if !on_path.contains(&succ) && !visited.contains(&succ) {
                        on_path.insert(succ.clone());
                        stack.push((succ, 0));
                    }
                }
            }
        }
        None
    }

    fn report_cycle(&mut self, cycle: &[Node]) {
        let defs: Vec<(&Node, &ValueDef)> = cycle
            .iter()
            .filter_map(|n| Some((n, self.packages.get(n.0)?.values.get(&n.1)?)))
            .collect();
        let Some(&(_, first)) = defs.iter().min_by_key(|(_, d)| (d.file, d.span.start)) else {
            return;
        };
        let mut chain: Vec<String> = cycle.iter().map(|n| format!("`{}`", n.1)).collect();
        if let Some(head) = chain.first().cloned() {
            chain.push(head);
        }
        let others: Vec<(Span, String)> = defs
            .iter()
            .filter(|(_, d)| d.file == first.file && d.span != first.span)
            .map(|(n, d)| (d.span, n.1.clone()))
            .collect();
        self.diags.push(diag::cycle(
            first.file,
            first.span,
            &chain.join(" → "),
            &others,
        ));
    }

    fn report_unused(&mut self) {
        for (m, module) in self.modules.iter().enumerate() {
            if let Some(map) = self.imports.get(m) {
                let mut unused: Vec<(&String, &ImportInfo)> = map
                    .iter()
                    .filter(|(name, info)| {
                        info.package.is_some() && !self.used_imports.contains(&(m, (*name).clone()))
                    })
                    .collect();
                unused.sort_by_key(|(_, i)| i.span.start);
                for (_, info) in unused {
                    self.diags
                        .push(diag::unused_import(module.file, info.span, &info.dotted));
                }
            }
            // A named package is a library: others may use its constants
            // even if no loaded file does. Only file-local constants are
            // reported unused.
            let pkg = self.module_package.get(m).copied().unwrap_or(0);
            let importable = self.packages.get(pkg).is_some_and(|p| p.importable);
            if importable {
                continue;
            }
            for item in &module.items {
                if let Item::Let(l) = item {
                    let node = (pkg, l.name.name.clone());
                    // A broken value already has its error.
                    let broken = matches!(l.value.kind, ExprKind::Error);
                    if !broken && !self.used_values.contains(&node) && !l.name.name.starts_with('_')
                    {
                        self.diags
                            .push(diag::unused_let(module.file, l.name.span, &l.name.name));
                    }
                }
            }
        }
    }
}
