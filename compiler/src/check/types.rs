//! Known resource types and their attributes: W0012 (a selector naming a
//! type no source produces) and W0013 (a path into an attribute the
//! selected types do not have).
//!
//! The catalog is data in `catalog/types/*.types`, generated from the
//! providers' published schemas by `scripts/gen-type-catalog.py` (plus
//! `plumb.types`, the types plumb's own importers make), embedded here and
//! read only when a compilation has a rule or drift block: type names at
//! once, a type's attribute tree when a rule reads it. The format is
//! described in the script.
//!
//! Users declare their own types with `type NAME` or `type PREFIX*`
//! (`Item::Type`); a declared type is known, and its attributes are never
//! checked, even where the catalog has the type.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::OnceLock;

use crate::ast::*;
use crate::diagnostics::Diagnostic;
use crate::span::{FileId, Span};

use super::diag;

/// The catalog's files, in the order their attribute lists are merged.
const FILES: &[(&str, &str)] = &[
    (
        "terraform-aws",
        include_str!("../../../catalog/types/terraform-aws.types"),
    ),
    (
        "terraform-azurerm",
        include_str!("../../../catalog/types/terraform-azurerm.types"),
    ),
    (
        "terraform-google",
        include_str!("../../../catalog/types/terraform-google.types"),
    ),
    (
        "terraform-kubernetes",
        include_str!("../../../catalog/types/terraform-kubernetes.types"),
    ),
    (
        "kubernetes-kinds",
        include_str!("../../../catalog/types/kubernetes-kinds.types"),
    ),
    (
        "aws-config",
        include_str!("../../../catalog/types/aws-config.types"),
    ),
    ("plumb", include_str!("../../../catalog/types/plumb.types")),
];

/// How deep an attribute tree of the catalog may nest; deeper is a broken
/// line (the deepest real one is about 15).
const MAX_DEPTH: usize = 64;

/// What the catalog knows below an attribute.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    /// Nothing: a scalar, or a value whose shape is not recorded.
    Leaf,
    /// Keys of any name (a map, free-form JSON).
    Open,
    /// These keys and no others.
    Children(BTreeMap<String, Node>),
}

/// The embedded catalog: every known type, the namespaces whose every type
/// is known, and each type's attribute lists (unparsed until asked for).
pub struct Catalog {
    types: HashMap<&'static str, Vec<&'static str>>,
    open: Vec<&'static str>,
    names: Vec<&'static str>,
    /// Lines that did not parse, as `file:line` (the tests keep this empty).
    broken: Vec<String>,
}

impl Catalog {
    /// The embedded catalog, read on first use.
    pub fn get() -> &'static Catalog {
        static CATALOG: OnceLock<Catalog> = OnceLock::new();
        CATALOG.get_or_init(|| Catalog::parse(FILES))
    }

    fn parse(files: &[(&'static str, &'static str)]) -> Catalog {
        let mut types: HashMap<&'static str, Vec<&'static str>> = HashMap::new();
        let mut open = Vec::new();
        let mut broken = Vec::new();
        for (file, text) in files {
            for (n, line) in text.lines().enumerate() {
                if line.is_empty() || line.starts_with('#') {
                    continue;
                }
                let mut cols = line.split('\t');
                let name = cols.next().unwrap_or_default();
                let attrs = cols.next().unwrap_or_default();
                if let Some(prefix) = name.strip_suffix('*') {
                    if valid_name(prefix) && attrs.is_empty() {
                        open.push(prefix);
                    } else {
                        broken.push(format!("{file}:{}", n + 1));
                    }
                    continue;
                }
                if !valid_name(name) || parse_attrs(attrs).is_err() {
                    broken.push(format!("{file}:{}", n + 1));
                    continue;
                }
                let entry = types.entry(name).or_default();
                if !attrs.is_empty() {
                    entry.push(attrs);
                }
            }
        }
        let mut names: Vec<&'static str> = types.keys().copied().collect();
        names.sort_unstable();
        Catalog {
            types,
            open,
            names,
            broken,
        }
    }

    /// Lines of the embedded files that did not parse.
    pub fn broken(&self) -> &[String] {
        &self.broken
    }

    /// Every type the catalog names (not the open namespaces).
    pub fn names(&self) -> &[&'static str] {
        &self.names
    }

    /// Whether some source produces the type.
    pub fn knows(&self, ty: &str) -> bool {
        self.types.contains_key(ty) || self.open.iter().any(|p| ty.starts_with(p))
    }

    /// Whether some known type starts with `prefix`.
    fn knows_prefix(&self, prefix: &str) -> bool {
        let from = self.names.partition_point(|n| *n < prefix);
        self.names.get(from).is_some_and(|n| n.starts_with(prefix))
            || self
                .open
                .iter()
                .any(|p| prefix.starts_with(p) || p.starts_with(prefix))
    }

    /// The attribute tree of a type, if the catalog has its attributes.
    pub fn attributes(&self, ty: &str) -> Option<Node> {
        let lists = self.types.get(ty)?;
        let mut tree: Option<BTreeMap<String, Node>> = None;
        for list in lists {
            let parsed = parse_attrs(list).ok()?;
            tree = Some(match tree {
                None => parsed,
                Some(t) => merge_children(t, parsed),
            });
        }
        tree.map(Node::Children)
    }
}

fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

fn merge(a: Node, b: Node) -> Node {
    match (a, b) {
        (Node::Open, _) | (_, Node::Open) => Node::Open,
        (Node::Leaf, x) | (x, Node::Leaf) => x,
        (Node::Children(a), Node::Children(b)) => Node::Children(merge_children(a, b)),
    }
}

fn merge_children(
    mut a: BTreeMap<String, Node>,
    b: BTreeMap<String, Node>,
) -> BTreeMap<String, Node> {
    for (k, v) in b {
        let merged = match a.remove(&k) {
            Some(old) => merge(old, v),
            None => v,
        };
        a.insert(k, merged);
    }
    a
}

/// `a,b{c,d*},e*` as a tree.
pub fn parse_attrs(text: &str) -> Result<BTreeMap<String, Node>, String> {
    let bytes = text.as_bytes();
    let mut pos = 0;
    let out = parse_list(bytes, &mut pos, 0)?;
    if pos != bytes.len() {
        return Err(format!(
            "unexpected `{}` at {pos}",
            bytes.get(pos).map_or('?', |b| char::from(*b))
        ));
    }
    Ok(out)
}

fn parse_list(
    bytes: &[u8],
    pos: &mut usize,
    depth: usize,
) -> Result<BTreeMap<String, Node>, String> {
    if depth > MAX_DEPTH {
        return Err("nested too deep".into());
    }
    let mut out = BTreeMap::new();
    if bytes.get(*pos).is_none_or(|b| *b == b'}') {
        return Ok(out);
    }
    loop {
        let start = *pos;
        while bytes
            .get(*pos)
            .is_some_and(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'@' | b'$' | b'-'))
        {
            *pos += 1;
        }
        let name = std::str::from_utf8(bytes.get(start..*pos).unwrap_or_default())
            .map_err(|e| e.to_string())?;
        if name.is_empty() {
            return Err(format!("a name expected at {start}"));
        }
        let node = match bytes.get(*pos) {
            Some(b'*') => {
                *pos += 1;
                Node::Open
            }
            Some(b'{') => {
                *pos += 1;
                let children = parse_list(bytes, pos, depth + 1)?;
                if bytes.get(*pos) != Some(&b'}') {
                    return Err(format!("`}}` expected at {}", *pos));
                }
                *pos += 1;
                Node::Children(children)
            }
            _ => Node::Leaf,
        };
        out.insert(name.to_string(), node);
        match bytes.get(*pos) {
            Some(b',') => *pos += 1,
            _ => return Ok(out),
        }
    }
}

/// The types a compilation declares with `type`.
struct Declared(Vec<TypePattern>);

impl Declared {
    fn covers(&self, ty: &str) -> bool {
        self.0.iter().any(|p| p.matches(ty))
    }

    fn overlaps(&self, prefix: &str) -> bool {
        self.0.iter().any(|p| match &p.kind {
            TypePatternKind::Exact(t) => t.starts_with(prefix),
            TypePatternKind::Prefix(q) => q.starts_with(prefix) || prefix.starts_with(q.as_str()),
            TypePatternKind::Any => true,
        })
    }
}

/// W0012 and W0013 for every module of one compilation.
pub(crate) fn check(modules: &[Module], diags: &mut Vec<Diagnostic>) {
    // The catalog is read only for a compilation with something to check.
    if modules.iter().all(|m| m.items.is_empty()) {
        return;
    }
    let catalog = Catalog::get();
    let declared = Declared(
        modules
            .iter()
            .flat_map(|m| &m.items)
            .filter_map(|i| match i {
                Item::Type(t) => Some(t.pattern.clone()),
                _ => None,
            })
            .collect(),
    );
    let mut suggestions = HashMap::new();
    for module in modules {
        for item in &module.items {
            let mut walk = Walk {
                catalog,
                declared: &declared,
                file: module.file,
                roots: Vec::new(),
                shadowed: Vec::new(),
                reported: HashSet::new(),
                suggestions: &mut suggestions,
                diags: &mut *diags,
            };
            match item {
                Item::Rule(b) | Item::Drift(b) => {
                    let mut known = true;
                    for p in &b.selector {
                        known &= walk.pattern(p);
                    }
                    if known {
                        walk.roots = roots(catalog, &declared, &b.selector);
                    }
                    walk.block(b);
                }
                Item::Let(l) => walk.expr(&l.value),
                Item::Fn(f) => {
                    walk.shadowed
                        .extend(f.params.iter().map(|p| p.name.clone()));
                    walk.expr(&f.body);
                }
                Item::Test(_) | Item::Type(_) => {}
            }
        }
    }
}

/// The attribute trees of a selector whose every pattern is a type the
/// catalog has attributes for and the user did not declare; empty when
/// attribute paths are not to be checked.
fn roots(catalog: &Catalog, declared: &Declared, selector: &[TypePattern]) -> Vec<(String, Node)> {
    let mut out = Vec::new();
    for p in selector {
        let TypePatternKind::Exact(ty) = &p.kind else {
            return Vec::new();
        };
        if declared.covers(ty) {
            return Vec::new();
        }
        match catalog.attributes(ty) {
            Some(node) => out.push((ty.clone(), node)),
            None => return Vec::new(),
        }
    }
    out
}

/// Top-level keys under which importers keep a source's own fields whole
/// (an AWS Config item, an ARM resource's other keys), on any type.
const SOURCE_KEYS: &[&str] = &["aws_config", "arm"];

/// One step of an attribute path as written.
enum Step<'e> {
    Key(&'e str, Span),
    /// `[0]`, `[*]`: lists are transparent in the catalog.
    Element,
}

struct Walk<'a> {
    catalog: &'a Catalog,
    declared: &'a Declared,
    file: FileId,
    /// The selected types' attribute trees (empty: paths not checked).
    roots: Vec<(String, Node)>,
    /// Names bound by lambdas, comprehensions and rule `let`s.
    shadowed: Vec<String>,
    /// Unknown types (and prefixes, with their `*`) this item already has
    /// a W0012 for: one mistake, one diagnostic, however often repeated.
    reported: HashSet<String>,
    /// Did-you-means already worked out, by type or prefix: the search
    /// runs over thousands of names.
    suggestions: &'a mut HashMap<String, Option<String>>,
    diags: &'a mut Vec<Diagnostic>,
}

impl Walk<'_> {
    /// W0012 for one pattern; whether it is known.
    fn pattern(&mut self, p: &TypePattern) -> bool {
        match &p.kind {
            TypePatternKind::Any => true,
            TypePatternKind::Exact(ty) => {
                if self.catalog.knows(ty) || self.declared.covers(ty) {
                    return true;
                }
                if !self.reported.insert(ty.clone()) {
                    return false;
                }
                let catalog = self.catalog;
                let help = self
                    .suggestions
                    .entry(ty.clone())
                    .or_insert_with(|| suggest_type(catalog, ty))
                    .clone();
                self.diags.push(diag::unknown_resource_type(
                    self.file, p.span, ty, false, help,
                ));
                false
            }
            TypePatternKind::Prefix(prefix) => {
                if self.catalog.knows_prefix(prefix) || self.declared.overlaps(prefix) {
                    return true;
                }
                let key = format!("{prefix}*");
                if !self.reported.insert(key.clone()) {
                    return false;
                }
                let catalog = self.catalog;
                let help = self
                    .suggestions
                    .entry(key)
                    .or_insert_with(|| suggest_prefix(catalog, prefix))
                    .clone();
                self.diags.push(diag::unknown_resource_type(
                    self.file, p.span, prefix, true, help,
                ));
                false
            }
        }
    }

    fn block(&mut self, b: &Block) {
        let lets: Vec<String> = b
            .clauses
            .iter()
            .filter_map(|c| match &c.kind {
                ClauseKind::Let(l) => Some(l.name.name.clone()),
                _ => None,
            })
            .collect();
        self.shadowed.extend(lets);
        for clause in &b.clauses {
            match &clause.kind {
                ClauseKind::When(e) | ClauseKind::Require(e) => self.expr(e),
                ClauseKind::Let(l) => self.expr(&l.value),
                ClauseKind::Message(t) | ClauseKind::Remediation(t) => {
                    for part in &t.parts {
                        if let TemplatePart::Hole(e) = part {
                            self.expr(e);
                        }
                    }
                }
                ClauseKind::Paths(paths) => {
                    for p in paths {
                        self.drift_path(p);
                    }
                }
                ClauseKind::Severity(_) | ClauseKind::Response(_) | ClauseKind::Controls(_) => {}
            }
        }
    }

    fn drift_path(&mut self, p: &PathPattern) {
        use plumb_runtime::pattern::PathSegment;
        let mut steps = Vec::new();
        for seg in &p.segments {
            match seg {
                PathSegment::Key(k) => steps.push(Step::Key(k.as_str(), p.span)),
                PathSegment::Index(_) | PathSegment::AnyIndex => steps.push(Step::Element),
                PathSegment::AnyKey | PathSegment::Descendants => break,
            }
        }
        self.path(&steps);
    }

    fn is_free(&self, name: &str) -> bool {
        !self.shadowed.iter().any(|s| s == name)
    }

    /// The steps of `attributes.a[0].b` (or `resource.attributes...`) after
    /// `attributes`, up to the first step that cannot be followed; `None`
    /// if `e` is not such a path. Index expressions met on the way are
    /// returned for walking.
    fn chain<'e>(&self, e: &'e Expr, inner: &mut Vec<&'e Expr>) -> Option<Vec<Step<'e>>> {
        let mut rev: Vec<Step<'e>> = Vec::new();
        let mut cur = e;
        loop {
            match &cur.kind {
                ExprKind::Name(n) if n.name == "attributes" && self.is_free("attributes") => break,
                ExprKind::Field(base, id) => {
                    if id.name == "attributes"
                        && matches!(&base.kind, ExprKind::Name(n) if n.name == "resource")
                        && self.is_free("resource")
                    {
                        break;
                    }
                    rev.push(Step::Key(&id.name, id.span));
                    cur = base;
                }
                ExprKind::Index(base, index) => {
                    match &index.kind {
                        ExprKind::Str(s) => rev.push(Step::Key(s, index.span)),
                        ExprKind::Number(_) => rev.push(Step::Element),
                        _ => {
                            // A computed key: nothing after it can be checked.
                            rev.clear();
                            inner.push(index);
                        }
                    }
                    cur = base;
                }
                ExprKind::Elements(base) => {
                    rev.push(Step::Element);
                    cur = base;
                }
                ExprKind::Descendants(base) => {
                    rev.clear();
                    cur = base;
                }
                _ => return None,
            }
        }
        rev.reverse();
        Some(rev)
    }

    fn expr(&mut self, e: &Expr) {
        let mut inner = Vec::new();
        if let Some(steps) = self.chain(e, &mut inner) {
            self.path(&steps);
            for i in inner {
                self.expr(i);
            }
            return;
        }
        match &e.kind {
            ExprKind::Null
            | ExprKind::Bool(_)
            | ExprKind::Number(_)
            | ExprKind::Str(_)
            | ExprKind::Name(_)
            | ExprKind::Error => {}
            ExprKind::List(items) => items.iter().for_each(|x| self.expr(x)),
            ExprKind::Object(entries) => entries.iter().for_each(|(_, x)| self.expr(x)),
            ExprKind::Field(base, _)
            | ExprKind::Elements(base)
            | ExprKind::Descendants(base)
            | ExprKind::Unary(_, base) => self.expr(base),
            ExprKind::Index(a, b) | ExprKind::Binary(_, a, b) => {
                self.expr(a);
                self.expr(b);
            }
            ExprKind::Call { callee, args } => {
                self.expr(callee);
                args.iter().for_each(|x| self.expr(x));
            }
            ExprKind::Lambda { params, body } => {
                let n = self.shadowed.len();
                self.shadowed.extend(params.iter().map(|p| p.name.clone()));
                self.expr(body);
                self.shadowed.truncate(n);
            }
            ExprKind::If {
                cond,
                then,
                otherwise,
            } => {
                self.expr(cond);
                self.expr(then);
                self.expr(otherwise);
            }
            ExprKind::Comprehension {
                element,
                var,
                source,
                filter,
            } => {
                self.expr(source);
                let n = self.shadowed.len();
                self.shadowed.push(var.name.clone());
                self.expr(element);
                if let Some(f) = filter {
                    self.expr(f);
                }
                self.shadowed.truncate(n);
            }
            ExprKind::Resources(patterns) => {
                for p in patterns {
                    self.pattern(p);
                }
            }
        }
    }

    /// W0013 for one path, if no selected type has it.
    fn path(&mut self, steps: &[Step<'_>]) {
        if self.roots.is_empty() || steps.is_empty() {
            return;
        }
        // What an importer keeps of a source's own fields, under the
        // source's name (docs/import.md): any type may have it.
        if let Some(Step::Key(first, _)) = steps.first()
            && SOURCE_KEYS.contains(first)
        {
            return;
        }
        // Per type: how many steps it follows, and the keys it knows where
        // it stops. The path is fine if one type follows it to the end or
        // into a part whose keys are not known.
        let mut deepest: Option<(usize, Vec<&str>)> = None;
        for (_, root) in &self.roots {
            let mut node = root;
            let mut failed = None;
            for (i, step) in steps.iter().enumerate() {
                let Step::Key(key, _) = step else {
                    continue;
                };
                match node {
                    Node::Leaf | Node::Open => break,
                    Node::Children(children) => match children.get(*key) {
                        Some(child) => node = child,
                        None => {
                            failed = Some((i, children.keys().map(String::as_str).collect()));
                            break;
                        }
                    },
                }
            }
            let Some((i, keys)) = failed else {
                return;
            };
            match &mut deepest {
                Some((d, _)) if *d > i => {}
                Some((d, known)) if *d == i => known.extend(keys),
                _ => deepest = Some((i, keys)),
            }
        }
        let Some((i, known)) = deepest else {
            return;
        };
        let Some(Step::Key(key, span)) = steps.get(i) else {
            return;
        };
        let parent: Vec<&str> = steps
            .get(..i)
            .unwrap_or_default()
            .iter()
            .filter_map(|s| match s {
                Step::Key(k, _) => Some(*k),
                Step::Element => None,
            })
            .collect();
        let types: Vec<&str> = self.roots.iter().map(|(t, _)| t.as_str()).collect();
        let known: HashSet<&str> = known.into_iter().collect();
        let help = diag::did_you_mean(key, known.iter().copied());
        self.diags.push(diag::unknown_attribute(
            self.file,
            *span,
            key,
            &parent.join("."),
            &types,
            help,
        ));
    }
}

/// A did-you-mean for an unknown type: a Kubernetes kind or another
/// provider's prefix first, then the closest known name.
fn suggest_type(catalog: &Catalog, ty: &str) -> Option<String> {
    let lower = snake(ty);
    let k8s = format!("k8s_{lower}");
    if catalog.types.contains_key(k8s.as_str()) {
        return Some(format!(
            "did you mean `{k8s}`? plumb names a Kubernetes kind `k8s_` and the kind in snake_case"
        ));
    }
    if let Some((_, rest)) = lower.split_once('_') {
        for provider in ["aws", "azurerm", "google", "kubernetes", "k8s"] {
            let other = format!("{provider}_{rest}");
            if other != lower && catalog.types.contains_key(other.as_str()) {
                return Some(format!("did you mean `{other}`?"));
            }
        }
    }
    diag::did_you_mean(ty, catalog.names.iter().copied())
}

/// A did-you-mean for a prefix that matches nothing: the closest prefix,
/// up to an `_`, of a known type.
fn suggest_prefix(catalog: &Catalog, prefix: &str) -> Option<String> {
    let heads: HashSet<&str> = catalog
        .names
        .iter()
        .flat_map(|n| {
            n.match_indices('_')
                .filter_map(|(i, _)| n.get(..=i))
                .collect::<Vec<_>>()
        })
        .collect();
    let mut heads: Vec<&str> = heads.into_iter().collect();
    heads.sort_unstable();
    diag::did_you_mean(prefix, heads).map(|h| h.replace("`?", "*`?"))
}

/// `ClusterRoleBinding` → `cluster_role_binding`, as plumb's Kubernetes
/// importer writes a kind.
fn snake(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        if c.is_ascii_uppercase() {
            let prev = i.checked_sub(1).and_then(|j| chars.get(j));
            let prev_lower = prev.is_some_and(|p| p.is_ascii_lowercase() || p.is_ascii_digit());
            let next_lower = chars.get(i + 1).is_some_and(char::is_ascii_lowercase);
            if prev_lower || (prev.is_some_and(char::is_ascii_uppercase) && next_lower) {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(
        clippy::unwrap_used,
        clippy::indexing_slicing,
        clippy::panic,
        reason = "tests"
    )]

    use super::*;

    #[test]
    fn every_line_of_the_embedded_catalog_parses() {
        let c = Catalog::get();
        assert!(c.broken().is_empty(), "broken lines: {:?}", c.broken());
        assert!(c.names().len() > 4000, "{} types", c.names().len());
    }

    #[test]
    fn the_catalog_knows_the_providers_the_kinds_and_plumbs_own_types() {
        let c = Catalog::get();
        for ty in [
            "aws_s3_bucket",
            "azurerm_storage_account",
            "google_storage_bucket",
            "kubernetes_deployment",
            "k8s_deployment",
            "k8s_cluster_role_binding",
            "aws_ec2_vpc",
            "host",
            "inspec_control",
            "osquery_users",
            "cfn_aws_s3_bucket",
        ] {
            assert!(c.knows(ty), "{ty}");
        }
        for ty in ["aws_s3_buckets", "azure_storage_account", "deployment"] {
            assert!(!c.knows(ty), "{ty}");
        }
        assert!(c.knows_prefix("aws_s3_"));
        assert!(c.knows_prefix("cfn_aws_"));
        assert!(!c.knows_prefix("aws_s3x_"));
    }

    #[test]
    fn attributes_nest_and_merge_across_files() {
        let c = Catalog::get();
        let Some(Node::Children(bucket)) = c.attributes("aws_s3_bucket") else {
            panic!("aws_s3_bucket has attributes");
        };
        assert_eq!(bucket.get("tags"), Some(&Node::Open));
        assert_eq!(bucket.get("public_access_block"), Some(&Node::Open));
        let Some(Node::Children(versioning)) = bucket.get("versioning") else {
            panic!("versioning is a block");
        };
        assert!(versioning.contains_key("enabled"));
        assert!(c.attributes("host").is_none());
        assert!(c.attributes("no_such_type").is_none());
    }

    #[test]
    fn the_attribute_format_parses_and_rejects() {
        let t = parse_attrs("a,b{c,d*},e*").unwrap();
        assert_eq!(t.get("a"), Some(&Node::Leaf));
        assert_eq!(t.get("e"), Some(&Node::Open));
        assert!(matches!(t.get("b"), Some(Node::Children(c)) if c.get("d") == Some(&Node::Open)));
        assert!(parse_attrs("").unwrap().is_empty());
        for bad in ["a{b", "a,,b", "a}", "a b", "{a}"] {
            assert!(parse_attrs(bad).is_err(), "{bad}");
        }
        let deep = format!("{}x{}", "a{".repeat(100), "}".repeat(100));
        assert!(parse_attrs(&deep).is_err());
    }

    #[test]
    fn a_broken_line_is_counted_never_a_panic() {
        let c = Catalog::parse(&[("t", "ok\tx\nBad\nbad\ta{\nns*\tx\nfine_*\n")]);
        assert_eq!(c.broken(), ["t:2", "t:3", "t:4"]);
        assert!(c.knows("ok") && c.knows("fine_thing") && !c.knows("bad"));
    }

    #[test]
    fn kinds_and_other_providers_are_suggested() {
        let c = Catalog::get();
        assert!(
            suggest_type(c, "Deployment")
                .unwrap()
                .contains("`k8s_deployment`")
        );
        assert!(
            suggest_type(c, "azure_storage_account")
                .unwrap()
                .contains("`azurerm_storage_account`")
        );
        assert!(
            suggest_type(c, "aws_s3_buckets")
                .unwrap()
                .contains("`aws_s3_bucket`")
        );
        assert_eq!(
            suggest_prefix(c, "aws_s3x_").as_deref(),
            Some("did you mean `aws_s3_*`?")
        );
    }
}
