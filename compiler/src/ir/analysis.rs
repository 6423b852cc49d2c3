//! Projection analysis: an abstract evaluation of the IR that finds every
//! attribute path a rule can read, so the loader keeps exactly those
//! (plumb-runtime's `projection` module), and the paths each `require`
//! reads, which a failing finding reports with their values.
//!
//! An abstract value is where a runtime value may come from: paths into a
//! resource (the one under evaluation, or one yielded by `resources(...)`),
//! plus the parts of lists and objects built by the policy. Reading a field
//! extends a path; iterating or `[*]` adds an "each" step; any other use of
//! a value (comparing, printing, passing it to a built-in) reads it whole.
//!
//! **Invariant:** the analysis over-approximates: if it is unsure, it keeps
//! more. A budget bounds its work; past it, everything is kept.

use std::collections::BTreeMap;

use plumb_runtime::projection::{PathTree, Projection, TypePattern};

use super::{Ir, IrPart, IrProgram};

/// Where a value is read from.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Root {
    /// The resource being evaluated by rule `n`.
    Current(usize),
    /// An element of query `n`.
    Query(u32),
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Step {
    Key(String),
    /// A constant list index (evidence shows it; the loader keeps every
    /// element, as for `Each`).
    Index(i64),
    Each,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Path {
    root: Root,
    /// From the resource object: `attributes`, then its keys.
    steps: Vec<Step>,
    /// A path that exists only because `x[*]` may be `x` itself: kept, but
    /// not reported as evidence (its `[*]` twin is).
    shadow: bool,
}

#[derive(Debug, Clone, Default)]
struct Abs {
    paths: Vec<Path>,
    /// Elements of a list the policy built.
    elems: Option<Box<Abs>>,
    /// Fields of an object the policy built.
    fields: BTreeMap<String, Abs>,
}

impl Abs {
    fn union(mut self, other: Abs) -> Abs {
        self.paths.extend(other.paths);
        self.paths.sort();
        self.paths.dedup();
        self.elems = match (self.elems, other.elems) {
            (Some(a), Some(b)) => Some(Box::new(a.union(*b))),
            (a, b) => a.or(b),
        };
        for (k, v) in other.fields {
            let merged = match self.fields.remove(&k) {
                Some(mine) => mine.union(v),
                None => v,
            };
            self.fields.insert(k, merged);
        }
        self
    }

    fn list_of(elem: Abs) -> Abs {
        Abs {
            elems: Some(Box::new(elem)),
            ..Abs::default()
        }
    }
}

/// Per rule `let`: its abstract value and the paths computing it read.
type Lets = Vec<Option<(Abs, Vec<Path>)>>;

/// Work the analysis may do before it gives up and keeps everything.
const BUDGET: usize = 2_000_000;

/// What the analysis found.
#[derive(Debug, Clone, PartialEq)]
pub struct Analysis {
    pub projection: Projection,
    /// Per block (rules, then drift blocks), per `require`: the attribute
    /// paths it reads.
    pub require_paths: Vec<Vec<Vec<String>>>,
    /// Per block: per message/remediation hole, the paths it reads.
    pub hole_paths: Vec<Vec<Vec<String>>>,
}

struct Analyzer<'p> {
    program: &'p IrProgram,
    /// Trees per root.
    trees: BTreeMap<Root, PathTree>,
    steps: usize,
    over_budget: bool,
    /// Paths read, collected for the `require` being analysed.
    reads: Vec<Path>,
    /// Abstract values of globals, computed once.
    globals: Vec<Option<Abs>>,
}

/// Runs the analysis over a whole program.
pub fn analyze(program: &IrProgram) -> Analysis {
    let mut a = Analyzer {
        program,
        trees: BTreeMap::new(),
        steps: 0,
        over_budget: false,
        reads: Vec::new(),
        globals: vec![None; program.globals.len()],
    };
    let mut require_paths = Vec::new();
    let mut hole_paths = Vec::new();
    // Drift blocks are analysed for their message holes' paths (what a
    // message must not print); the loader's projection is for `check`,
    // which does not run them.
    for (r, rule) in program.blocks().enumerate() {
        let mut lets: Lets = vec![None; rule.lets.len()];
        let mut env: Vec<Abs> = vec![Abs::default(); usize::from(rule.frame)];
        let mut per_require = Vec::new();
        for g in &rule.guards {
            let v = a.eval(r, g, &mut env, &mut lets);
            a.whole(&v);
        }
        for req in &rule.requires {
            a.reads.clear();
            let v = a.eval(r, &req.ir, &mut env, &mut lets);
            a.whole(&v);
            per_require.push(evidence(&a.reads, r));
        }
        let mut holes = Vec::new();
        for parts in rule.message.iter().chain(rule.remediation.iter()) {
            for part in parts {
                if let IrPart::Hole(ir) = part {
                    a.reads.clear();
                    let v = a.eval(r, ir, &mut env, &mut lets);
                    a.whole(&v);
                    holes.push(hole_reads(&a.reads, r));
                }
            }
        }
        require_paths.push(per_require);
        hole_paths.push(holes);
    }
    let projection = if a.over_budget {
        Projection::everything()
    } else {
        let mut patterns: Vec<(TypePattern, PathTree)> = Vec::new();
        for (root, tree) in std::mem::take(&mut a.trees) {
            let selector: &[TypePattern] = match root {
                Root::Current(r) => program.rules.get(r).map_or(&[], |rule| &rule.meta.selector),
                Root::Query(q) => program.queries.get(q as usize).map_or(&[], Vec::as_slice),
            };
            for p in selector {
                match patterns.iter_mut().find(|(q, _)| q == p) {
                    Some((_, t)) => t.merge(&tree),
                    None => patterns.push((p.clone(), tree.clone())),
                }
            }
        }
        patterns.sort_by(|a, b| a.0.cmp(&b.0));
        Projection {
            patterns: Some(patterns),
        }
    };
    Analysis {
        projection,
        require_paths,
        hole_paths,
    }
}

/// What a message hole reads, for redaction: the evidence paths, `""` if
/// it reads the resource's attributes (or the resource) whole, and `?N`
/// for each query `N` it reads through (another resource's sensitive
/// value must not be printed either).
fn hole_reads(reads: &[Path], rule: usize) -> Vec<String> {
    let mut out = evidence(reads, rule);
    let whole = reads.iter().any(|p| {
        p.root == Root::Current(rule)
            && match p.steps.as_slice() {
                [] => true,
                [Step::Key(k)] => k == "attributes",
                _ => false,
            }
    });
    if whole {
        out.push(String::new());
    }
    let mut queries: Vec<u32> = reads
        .iter()
        .filter_map(|p| match p.root {
            Root::Query(q) => Some(q),
            Root::Current(_) => None,
        })
        .collect();
    queries.sort_unstable();
    queries.dedup();
    out.extend(queries.into_iter().map(|q| format!("?{q}")));
    out
}

/// The maximal non-shadow paths of the rule's own resource, as text.
fn evidence(reads: &[Path], rule: usize) -> Vec<String> {
    let mut paths: Vec<&[Step]> = reads
        .iter()
        .filter(|p| p.root == Root::Current(rule) && !p.shadow)
        .filter_map(|p| match p.steps.split_first() {
            Some((Step::Key(k), rest)) if k == "attributes" && !rest.is_empty() => Some(rest),
            _ => None,
        })
        .collect();
    paths.sort();
    paths.dedup();
    let maximal: Vec<&[Step]> = paths
        .iter()
        .filter(|p| !paths.iter().any(|q| q.len() > p.len() && q.starts_with(p)))
        .copied()
        .collect();
    maximal.into_iter().map(render).collect()
}

fn render(steps: &[Step]) -> String {
    let mut out = String::new();
    for s in steps {
        match s {
            Step::Key(k) => {
                let plain = k
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                    && k.chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
                if plain {
                    if !out.is_empty() {
                        out.push('.');
                    }
                    out.push_str(k);
                } else {
                    out.push_str("[\"");
                    out.push_str(&k.replace('"', "\\\""));
                    out.push_str("\"]");
                }
            }
            Step::Each => out.push_str("[*]"),
            Step::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    out
}

impl Analyzer<'_> {
    fn tree(&mut self, root: &Root) -> &mut PathTree {
        self.trees.entry(root.clone()).or_default()
    }

    /// The tree node for a path (below `attributes`), created if missing.
    /// `None` for paths that are not into attributes (top-level fields are
    /// always loaded).
    fn node(&mut self, p: &Path) -> Option<&mut PathTree> {
        let (first, rest) = p.steps.split_first()?;
        if *first != Step::Key("attributes".to_string()) {
            return None;
        }
        let mut node = self.tree(&p.root);
        for s in rest {
            if node.all {
                break;
            }
            node = match s {
                Step::Key(k) => node.fields.entry(k.clone()).or_default(),
                Step::Each | Step::Index(_) => node.each.get_or_insert_with(Box::default),
            };
        }
        Some(node)
    }

    /// Records that a path is read (at least its shape).
    fn touch(&mut self, p: &Path) {
        self.node(p);
        self.reads.push(p.clone());
    }

    /// The value is read whole.
    fn whole(&mut self, v: &Abs) {
        for p in &v.paths {
            if p.steps.len() <= 1
                && p.steps
                    .first()
                    .is_none_or(|s| *s == Step::Key("attributes".to_string()))
            {
                // The whole resource, or all its attributes.
                let root = p.root.clone();
                *self.tree(&root) = PathTree::everything();
            } else if let Some(n) = self.node(p) {
                *n = PathTree::everything();
            }
            self.reads.push(p.clone());
        }
        if let Some(e) = &v.elems {
            self.whole(e);
        }
        for f in v.fields.values() {
            self.whole(f);
        }
    }

    fn extend(&mut self, v: &Abs, step: Step, shadow_self: bool) -> Abs {
        let mut out = Abs::default();
        for p in &v.paths {
            let mut q = p.clone();
            q.steps.push(step.clone());
            self.touch(&q);
            out.paths.push(q);
            if shadow_self {
                let mut s = p.clone();
                s.shadow = true;
                out.paths.push(s);
            }
        }
        out
    }

    fn field(&mut self, v: &Abs, k: &str) -> Abs {
        let mut out = self.extend(v, Step::Key(k.to_string()), false);
        if let Some(f) = v.fields.get(k) {
            out = out.union(f.clone());
        }
        out
    }

    /// One element of `v` when iterated or `[*]`-ed: list elements, object
    /// values, or (for `[*]`) `v` itself.
    fn element(&mut self, v: &Abs) -> Abs {
        let mut out = self.extend(v, Step::Each, true);
        if let Some(e) = &v.elems {
            out = out.union((**e).clone());
        }
        for f in v.fields.values() {
            out = out.union(f.clone());
        }
        out
    }

    fn eval(&mut self, rule: usize, ir: &Ir, env: &mut Vec<Abs>, lets: &mut Lets) -> Abs {
        self.steps += 1;
        if self.steps > BUDGET {
            self.over_budget = true;
            return Abs::default();
        }
        match ir {
            Ir::Null | Ir::Bool(_) | Ir::Number(_) | Ir::Str(_) => Abs::default(),
            Ir::List(items) => {
                let mut elem = Abs::default();
                for i in items {
                    let v = self.eval(rule, i, env, lets);
                    elem = elem.union(v);
                }
                Abs::list_of(elem)
            }
            Ir::Object(entries) => {
                let mut out = Abs::default();
                for (k, v) in entries {
                    let v = self.eval(rule, v, env, lets);
                    out.fields.insert(k.clone(), v);
                }
                out
            }
            Ir::Resource(field) => {
                let steps = match field {
                    plumb_runtime::bytecode::ResourceField::Attributes => {
                        vec![Step::Key("attributes".to_string())]
                    }
                    plumb_runtime::bytecode::ResourceField::Whole => Vec::new(),
                    _ => return Abs::default(),
                };
                Abs {
                    paths: vec![Path {
                        root: Root::Current(rule),
                        steps,
                        shadow: false,
                    }],
                    ..Abs::default()
                }
            }
            Ir::Local(slot) => env.get(usize::from(*slot)).cloned().unwrap_or_default(),
            Ir::RuleLet(i) => {
                let i = usize::from(*i);
                if let Some(Some((v, reads))) = lets.get(i) {
                    // Every require that uses the let reads what it reads.
                    self.reads.extend(reads.iter().cloned());
                    return v.clone();
                }
                let Some((_, value)) = self.program.block(rule).and_then(|r| r.lets.get(i)) else {
                    return Abs::default();
                };
                let before = self.reads.len();
                let v = self.eval(rule, value, env, lets);
                let reads = self.reads.get(before..).unwrap_or_default().to_vec();
                if let Some(slot) = lets.get_mut(i) {
                    *slot = Some((v.clone(), reads));
                }
                v
            }
            Ir::Global(g) => {
                let g = *g as usize;
                if let Some(Some(v)) = self.globals.get(g) {
                    return v.clone();
                }
                let Some(global) = self.program.globals.get(g) else {
                    return Abs::default();
                };
                let mut genv = vec![Abs::default(); usize::from(global.frame)];
                let mut no_lets = Vec::new();
                let saved = std::mem::take(&mut self.reads);
                let v = self.eval(rule, &global.value, &mut genv, &mut no_lets);
                self.reads = saved;
                if let Some(slot) = self.globals.get_mut(g) {
                    *slot = Some(v.clone());
                }
                v
            }
            Ir::Field(e, k) => {
                let v = self.eval(rule, e, env, lets);
                self.field(&v, k)
            }
            Ir::Index(e, i) => {
                let v = self.eval(rule, e, env, lets);
                let iv = self.eval(rule, i, env, lets);
                self.whole(&iv);
                match &**i {
                    Ir::Str(k) => self.field(&v, k),
                    Ir::Number(n) if n.fract() == 0.0 && n.abs() < 1e15 => {
                        let mut out = self.extend(&v, Step::Index(*n as i64), false);
                        if let Some(e) = &v.elems {
                            out = out.union((**e).clone());
                        }
                        out
                    }
                    _ => {
                        let mut out = self.extend(&v, Step::Each, false);
                        if let Some(e) = &v.elems {
                            out = out.union((**e).clone());
                        }
                        out
                    }
                }
            }
            Ir::Elements(e) => {
                let v = self.eval(rule, e, env, lets);
                let elem = self.element(&v);
                Abs::list_of(elem)
            }
            Ir::Descendants(e) => {
                let v = self.eval(rule, e, env, lets);
                self.whole(&v);
                Abs::default()
            }
            Ir::MapField(e, k) => {
                let v = self.eval(rule, e, env, lets);
                let elem = self.element_of_projection(&v);
                let f = self.field(&elem, k);
                Abs::list_of(f)
            }
            Ir::MapIndex(e, i) => {
                let v = self.eval(rule, e, env, lets);
                let iv = self.eval(rule, i, env, lets);
                self.whole(&iv);
                let elem = self.element_of_projection(&v);
                let each = self.element(&elem);
                Abs::list_of(each)
            }
            Ir::MapElements(e) => {
                let v = self.eval(rule, e, env, lets);
                let elem = self.element_of_projection(&v);
                let each = self.element(&elem);
                Abs::list_of(each)
            }
            Ir::MapDescendants(e) => {
                let v = self.eval(rule, e, env, lets);
                self.whole(&v);
                Abs::default()
            }
            Ir::Not(e) | Ir::Neg(e) => {
                let v = self.eval(rule, e, env, lets);
                self.whole(&v);
                Abs::default()
            }
            Ir::And(a, b) | Ir::Or(a, b) | Ir::Bin(_, a, b) => {
                let va = self.eval(rule, a, env, lets);
                self.whole(&va);
                let vb = self.eval(rule, b, env, lets);
                self.whole(&vb);
                Abs::default()
            }
            Ir::If(c, t, e) => {
                let vc = self.eval(rule, c, env, lets);
                self.whole(&vc);
                let vt = self.eval(rule, t, env, lets);
                let ve = self.eval(rule, e, env, lets);
                vt.union(ve)
            }
            Ir::Call(f, args) => {
                let vals: Vec<Abs> = args.iter().map(|a| self.eval(rule, a, env, lets)).collect();
                let Some(func) = self.program.fns.get(*f as usize) else {
                    return Abs::default();
                };
                let mut fenv = vec![Abs::default(); usize::from(func.frame.max(func.params))];
                for (slot, v) in fenv.iter_mut().zip(vals) {
                    *slot = v;
                }
                let mut no_lets = Vec::new();
                self.eval(rule, &func.body, &mut fenv, &mut no_lets)
            }
            Ir::Builtin(name, args) => {
                let shape_only = matches!(name.as_str(), "type_of" | "exists");
                for a in args {
                    let v = self.eval(rule, a, env, lets);
                    if shape_only {
                        for p in &v.paths {
                            self.touch(p);
                        }
                    } else {
                        self.whole(&v);
                    }
                }
                Abs::default()
            }
            Ir::Iter {
                kind,
                source,
                slot,
                filter,
                body,
            } => {
                let src = self.eval(rule, source, env, lets);
                let elem = self.element_of_projection(&src);
                if let Some(s) = env.get_mut(usize::from(*slot)) {
                    *s = elem.clone();
                }
                if let Some(f) = filter {
                    let v = self.eval(rule, f, env, lets);
                    self.whole(&v);
                }
                let b = self.eval(rule, body, env, lets);
                match kind {
                    plumb_runtime::bytecode::IterKind::Collect => Abs::list_of(b),
                    plumb_runtime::bytecode::IterKind::One => {
                        self.whole(&b);
                        elem
                    }
                    _ => {
                        self.whole(&b);
                        Abs::default()
                    }
                }
            }
            Ir::Resources(q) => Abs::list_of(Abs {
                paths: vec![Path {
                    root: Root::Query(*q),
                    steps: Vec::new(),
                    shadow: false,
                }],
                ..Abs::default()
            }),
        }
    }

    /// An element of something iterated: a built list's elements, or each
    /// element/value of a path.
    fn element_of_projection(&mut self, v: &Abs) -> Abs {
        let mut out = Abs::default();
        if let Some(e) = &v.elems {
            out = out.union((**e).clone());
        }
        for f in v.fields.values() {
            out = out.union(f.clone());
        }
        let each = self.extend(
            &Abs {
                paths: v.paths.clone(),
                ..Abs::default()
            },
            Step::Each,
            false,
        );
        out.union(each)
    }
}
