//! The noise model: what is never drift, as data.
//!
//! A noise file (YAML or JSON; the built-in one is `drift/noise/default.yaml`)
//! holds an ordered list of tables, each for the resource types its
//! `match` globs name. Every table that matches a type applies; a user's
//! file adds tables after the built-in ones. A table holds:
//!
//! - `ignore`: paths that are computed or owned by the provider or server
//!   (ids, ARNs, timestamps, `status`, `managedFields`): never compared;
//! - `defaults`: path → the value the server fills in when the
//!   declaration leaves it out; a path absent from the declaration is drift
//!   only when its actual value differs from this default;
//! - `keys`: path of a list → the field that identifies its elements
//!   (Kubernetes containers by `name`): elements are matched by key, not by
//!   position;
//! - `sets`: paths of lists compared as sets (order and repeats ignored);
//! - `canonicalize`: path → canonicalizer name(s), applied to both sides
//!   before comparing (see [`Canon`]);
//! - `unmanaged_if`: paths that, when set on an actual resource (a
//!   Kubernetes `ownerReferences`), mean a controller made it: it is never
//!   reported as added out of band;
//! - `report_added`: `false` for types whose objects come and go on their
//!   own (events, leases).
//!
//! Paths are patterns into the attributes ([`plumb_runtime::pattern`]),
//! written as JSON pointers whose segments may be `*` (any one key or
//! index) or `**` (any number of segments), or in the dotted syntax of
//! drift blocks (`spec.containers[*].image`, `tags.**`).
//!
//! At the top level, `partial_sources` names source formats that show only
//! some attributes of a resource (AWS Config, Azure listings): a declared
//! attribute they do not show is not observed, rather than deleted; and
//! `complete_sources` those that list every attribute of their schema
//! (Terraform state and plans): between two of these, an attribute only
//! the actual side has is drift too.

use serde_json::Value as Json;

/// Why a noise file could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{origin}: {pointer}: {message}")]
pub struct NoiseError {
    /// The file (or `built-in`).
    pub origin: String,
    /// A JSON pointer into the file's document.
    pub pointer: String,
    pub message: String,
}

/// A path pattern: plumb-runtime's, the one the language's drift blocks
/// use; written in a noise file as a JSON pointer or in the dotted syntax.
pub(crate) use plumb_runtime::pattern::{PathPattern as Pattern, PathSegment as Seg};

/// A canonicalizer: a function applied to both sides before comparing, so
/// that two spellings of one value compare equal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Canon {
    /// A string holding a number or a boolean is that number or boolean
    /// (`"80"` = `80`, `"true"` = `true`).
    Scalar,
    /// A tag list (`[{Key, Value}]`, `[{key, value}]`) is a map.
    Tags,
    /// An IAM policy document (an object, a JSON string or a URL-encoded
    /// one): statements as a set, single values as one-element sets.
    IamPolicy,
    /// A string holding JSON is that JSON.
    Json,
    /// A CIDR block or address: host bits cleared, a bare address gets its
    /// full prefix, IPv6 in its canonical text.
    Cidr,
    /// A Kubernetes quantity (`1000m`, `1Gi`, `0.5`) is its number.
    Quantity,
    /// Strings compare without case (Azure locations and ids).
    Lowercase,
}

impl Canon {
    fn parse(name: &str) -> Option<Canon> {
        Some(match name {
            "scalar" => Canon::Scalar,
            "tags" => Canon::Tags,
            "iam_policy" => Canon::IamPolicy,
            "json" => Canon::Json,
            "cidr" => Canon::Cidr,
            "quantity" => Canon::Quantity,
            "lowercase" => Canon::Lowercase,
            _ => return None,
        })
    }

    const NAMES: &'static str = "scalar, tags, iam_policy, json, cidr, quantity, lowercase";
}

/// What a path pattern does.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Action {
    Ignore,
    Default(plumb_runtime::value::Value),
    Key(Vec<String>),
    Set,
    Canon(Canon),
    /// Security-relevant: a value here (or below) that only the actual
    /// side has is reported as `undeclared`.
    Security,
    /// Elements of the list here that the server adds by itself: never
    /// drift when only the actual side has them. Each is an object whose
    /// fields an element must have, with these values.
    ServerAdded(Vec<plumb_runtime::value::Value>),
}

/// One table of a noise file.
#[derive(Debug, Clone, Default)]
struct Table {
    /// The `match` globs.
    types: Vec<plumb_runtime::glob::Glob>,
    entries: Vec<(Pattern, Action)>,
    unmanaged_if: Vec<Pattern>,
    report_added: Option<bool>,
    injectors: Vec<Injector>,
    trusted_managers: Vec<String>,
    editors: Vec<String>,
}

/// A sidecar injector, recognised by the annotation it leaves on what it
/// changed: the names of the list elements it added are then not drift.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Injector {
    /// The annotation (under `metadata.annotations`).
    pub(crate) annotation: String,
    /// The names it injects whenever the annotation is there.
    pub(crate) names: Vec<String>,
    /// Fields of the annotation's value (a JSON object) that list the
    /// names it injected (Istio's `sidecar.istio.io/status`:
    /// `containers`, `initContainers`, `volumes`).
    pub(crate) lists: Vec<String>,
}

/// The noise model: every table of the built-in file and the user's.
#[derive(Debug, Clone, Default)]
pub struct NoiseModel {
    tables: Vec<Table>,
    pub(crate) folds: Vec<crate::folds::Fold>,
    partial_sources: Vec<String>,
    complete_sources: Vec<String>,
}

/// The tables that apply to one resource type, merged.
#[derive(Debug, Clone, Default)]
pub struct TypeRules {
    pub(crate) entries: Vec<(Pattern, Action)>,
    pub(crate) unmanaged_if: Vec<Pattern>,
    pub(crate) report_added: bool,
    pub(crate) injectors: Vec<Injector>,
    /// `managedFields` managers whose writes are never drift.
    pub(crate) trusted_managers: Vec<String>,
    /// Interactive editors (`kubectl-edit`): an element one of them wrote
    /// was not injected, whatever an injector's annotation lists.
    pub(crate) editors: Vec<String>,
}

/// The built-in noise file.
pub const DEFAULT_NOISE: &str = include_str!("../noise/default.yaml");

impl NoiseModel {
    /// The built-in tables.
    pub fn builtin() -> Result<NoiseModel, NoiseError> {
        let mut model = NoiseModel::default();
        model.add_yaml("built-in", DEFAULT_NOISE.as_bytes())?;
        Ok(model)
    }

    /// Adds the tables of a noise file (YAML, or JSON, which is YAML).
    pub fn add_yaml(&mut self, origin: &str, bytes: &[u8]) -> Result<(), NoiseError> {
        let docs = plumb_ingest::yaml::parse_documents(std::path::Path::new(origin), bytes)
            .map_err(|e| NoiseError {
                origin: origin.to_string(),
                pointer: String::new(),
                message: e.to_string(),
            })?;
        let mut any = false;
        for doc in docs {
            if doc.value.is_null() {
                continue;
            }
            self.add(origin, &doc.value)?;
            any = true;
        }
        if any {
            Ok(())
        } else {
            Err(NoiseError {
                origin: origin.to_string(),
                pointer: String::new(),
                message: "the file is empty".to_string(),
            })
        }
    }

    /// Adds the tables of one parsed noise document.
    pub fn add(&mut self, origin: &str, doc: &Json) -> Result<(), NoiseError> {
        let err = |pointer: &str, message: String| NoiseError {
            origin: origin.to_string(),
            pointer: pointer.to_string(),
            message,
        };
        let Some(top) = doc.as_object() else {
            return Err(err("", "a noise file is a mapping".to_string()));
        };
        for key in top.keys() {
            if !matches!(
                key.as_str(),
                "noise_version" | "types" | "partial_sources" | "complete_sources" | "folds"
            ) {
                return Err(err(
                    &format!("/{key}"),
                    "unknown key: a noise file has `noise_version`, `types`, `partial_sources`, `complete_sources` and `folds`"
                        .to_string(),
                ));
            }
        }
        match top.get("noise_version") {
            Some(v) if v.as_u64() == Some(1) => {}
            Some(v) => {
                return Err(err(
                    "/noise_version",
                    format!("noise_version {v} is not supported: plumb reads version 1"),
                ));
            }
            None => return Err(err("", "`noise_version: 1` is missing".to_string())),
        }
        if let Some(p) = top.get("partial_sources") {
            self.partial_sources
                .extend(strings(p).map_err(|m| err("/partial_sources", m))?);
        }
        if let Some(p) = top.get("complete_sources") {
            self.complete_sources
                .extend(strings(p).map_err(|m| err("/complete_sources", m))?);
        }
        if let Some(f) = top.get("folds") {
            self.folds
                .extend(crate::folds::parse(f, "/folds").map_err(|(p, m)| err(&p, m))?);
        }
        let tables = match top.get("types") {
            None => return Ok(()),
            Some(Json::Array(t)) => t,
            Some(_) => return Err(err("/types", "`types` is a list of tables".to_string())),
        };
        for (i, t) in tables.iter().enumerate() {
            let at = format!("/types/{i}");
            self.tables
                .push(table(t, &at).map_err(|(p, m)| err(&p, m))?);
        }
        Ok(())
    }

    /// Whether actual resources from this source format show only some
    /// attributes.
    pub fn is_partial(&self, format: &str) -> bool {
        self.partial_sources.iter().any(|s| s == format)
    }

    /// Whether resources from this source format list every attribute of
    /// their schema (Terraform state and plans).
    pub fn is_complete(&self, format: &str) -> bool {
        self.complete_sources.iter().any(|s| s == format)
    }

    /// The merged tables for one type.
    pub fn rules_for(&self, type_: &str) -> TypeRules {
        let mut rules = TypeRules {
            report_added: true,
            ..TypeRules::default()
        };
        for t in &self.tables {
            if t.types.iter().any(|g| g.matches(type_)) {
                rules.entries.extend(t.entries.iter().cloned());
                rules.unmanaged_if.extend(t.unmanaged_if.iter().cloned());
                rules.injectors.extend(t.injectors.iter().cloned());
                rules
                    .trusted_managers
                    .extend(t.trusted_managers.iter().cloned());
                rules.editors.extend(t.editors.iter().cloned());
                if let Some(r) = t.report_added {
                    rules.report_added = r;
                }
            }
        }
        rules
    }
}

fn strings(v: &Json) -> Result<Vec<String>, String> {
    match v {
        Json::String(s) => Ok(vec![s.clone()]),
        Json::Array(items) => items
            .iter()
            .map(|x| {
                x.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| format!("expected a string, found {x}"))
            })
            .collect(),
        other => Err(format!(
            "expected a string or a list of strings, found {other}"
        )),
    }
}

fn table(t: &Json, at: &str) -> Result<Table, (String, String)> {
    let e = |k: &str, m: String| (format!("{at}/{k}"), m);
    let Some(o) = t.as_object() else {
        return Err((at.to_string(), "a table is a mapping".to_string()));
    };
    let mut table = Table::default();
    for (k, v) in o {
        let pattern = |p: &str| {
            Pattern::parse(p).map_err(|m| (format!("{at}/{k}/{}", escape(p)), m.to_string()))
        };
        match k.as_str() {
            "match" => {
                for (i, g) in strings(v).map_err(|m| e(k, m))?.iter().enumerate() {
                    let glob = plumb_runtime::glob::Glob::new(g).map_err(|err| {
                        let at = if v.is_array() {
                            format!("{at}/match/{i}")
                        } else {
                            format!("{at}/match")
                        };
                        (at, format!("`{g}` is not a glob pattern: {err}"))
                    })?;
                    table.types.push(glob);
                }
            }
            "ignore" => {
                for p in strings(v).map_err(|m| e(k, m))? {
                    table.entries.push((pattern(&p)?, Action::Ignore));
                }
            }
            "sets" => {
                for p in strings(v).map_err(|m| e(k, m))? {
                    table.entries.push((pattern(&p)?, Action::Set));
                }
            }
            "defaults" => {
                let Some(m) = v.as_object() else {
                    return Err(e(k, "`defaults` maps paths to values".to_string()));
                };
                for (p, d) in m {
                    table.entries.push((
                        pattern(p)?,
                        Action::Default(plumb_runtime::value::Value::from_json(d)),
                    ));
                }
            }
            "keys" => {
                let Some(m) = v.as_object() else {
                    return Err(e(k, "`keys` maps list paths to key fields".to_string()));
                };
                for (p, key) in m {
                    let names =
                        strings(key).map_err(|m| (format!("{at}/keys/{}", escape(p)), m))?;
                    table.entries.push((pattern(p)?, Action::Key(names)));
                }
            }
            "canonicalize" => {
                let Some(m) = v.as_object() else {
                    return Err(e(
                        k,
                        "`canonicalize` maps paths to canonicalizers".to_string(),
                    ));
                };
                for (p, names) in m {
                    let here = format!("{at}/canonicalize/{}", escape(p));
                    for name in strings(names).map_err(|m| (here.clone(), m))? {
                        let Some(c) = Canon::parse(&name) else {
                            return Err((
                                here,
                                format!(
                                    "unknown canonicalizer `{name}`: plumb has {}",
                                    Canon::NAMES
                                ),
                            ));
                        };
                        table.entries.push((pattern(p)?, Action::Canon(c)));
                    }
                }
            }
            "unmanaged_if" => {
                for p in strings(v).map_err(|m| e(k, m))? {
                    table.unmanaged_if.push(pattern(&p)?);
                }
            }
            "security" => {
                for p in strings(v).map_err(|m| e(k, m))? {
                    table.entries.push((pattern(&p)?, Action::Security));
                }
            }
            "server_added" => {
                let Some(m) = v.as_object() else {
                    return Err(e(
                        k,
                        "`server_added` maps list paths to the elements the server adds"
                            .to_string(),
                    ));
                };
                for (p, items) in m {
                    let here = format!("{at}/server_added/{}", escape(p));
                    let Some(items) = items.as_array() else {
                        return Err((here, "expected a list of objects".to_string()));
                    };
                    let mut values = Vec::new();
                    for (i, item) in items.iter().enumerate() {
                        if !item.is_object() {
                            return Err((format!("{here}/{i}"), "expected an object".to_string()));
                        }
                        values.push(plumb_runtime::value::Value::from_json(item));
                    }
                    table
                        .entries
                        .push((pattern(p)?, Action::ServerAdded(values)));
                }
            }
            "trusted_managers" => {
                table.trusted_managers = strings(v).map_err(|m| e(k, m))?;
            }
            "editors" => {
                table.editors = strings(v).map_err(|m| e(k, m))?;
            }
            "injectors" => {
                let Some(items) = v.as_array() else {
                    return Err(e(k, "`injectors` is a list".to_string()));
                };
                for (i, item) in items.iter().enumerate() {
                    let here = format!("{at}/injectors/{i}");
                    let Some(o) = item.as_object() else {
                        return Err((here, "expected an object".to_string()));
                    };
                    let mut injector = Injector {
                        annotation: String::new(),
                        names: Vec::new(),
                        lists: Vec::new(),
                    };
                    for (key, val) in o {
                        let at = format!("{here}/{key}");
                        match key.as_str() {
                            "annotation" => {
                                injector.annotation = val
                                    .as_str()
                                    .ok_or_else(|| (at.clone(), "expected a string".to_string()))?
                                    .to_string();
                            }
                            "names" => {
                                injector.names = strings(val).map_err(|m| (at.clone(), m))?
                            }
                            "lists" => {
                                injector.lists = strings(val).map_err(|m| (at.clone(), m))?
                            }
                            _ => {
                                return Err((
                                    at,
                                    "unknown key: an injector has `annotation`, `names` and `lists`"
                                        .to_string(),
                                ));
                            }
                        }
                    }
                    if injector.annotation.is_empty() {
                        return Err((here, "an injector needs `annotation`".to_string()));
                    }
                    table.injectors.push(injector);
                }
            }
            "report_added" => {
                table.report_added = Some(
                    v.as_bool()
                        .ok_or_else(|| e(k, "expected true or false".to_string()))?,
                );
            }
            _ => {
                return Err(e(
                    k,
                    "unknown key: a table has `match`, `ignore`, `defaults`, `keys`, `sets`, `canonicalize`, `security`, `server_added`, `injectors`, `trusted_managers`, `editors`, `unmanaged_if` and `report_added`".to_string(),
                ));
            }
        }
    }
    if table.types.is_empty() {
        return Err((
            at.to_string(),
            "a table needs `match`: the resource types it applies to (globs such as `k8s_*`)"
                .to_string(),
        ));
    }
    Ok(table)
}

fn escape(p: &str) -> String {
    p.replace('~', "~0").replace('/', "~1")
}

/// The set of table entries a path has reached: a small NFA over the
/// patterns, advanced one segment at a time as the diff descends.
#[derive(Debug, Clone, Default)]
pub(crate) struct States {
    /// (entry, position in its pattern), epsilon-closed over `**`.
    states: Vec<(u32, u32)>,
}

impl States {
    pub(crate) fn root(rules: &TypeRules) -> States {
        let mut s = States::default();
        for i in 0..rules.entries.len() {
            s.add(rules, i, 0);
        }
        s
    }

    fn add(&mut self, rules: &TypeRules, entry: usize, pos: usize) {
        let key = (entry as u32, pos as u32);
        if self.states.contains(&key) {
            return;
        }
        self.states.push(key);
        if let Some((p, _)) = rules.entries.get(entry)
            && p.segments.get(pos) == Some(&Seg::Descendants)
        {
            self.add(rules, entry, pos + 1);
        }
    }

    /// The states after one more segment.
    pub(crate) fn step(&self, rules: &TypeRules, seg: &str) -> States {
        let mut next = States::default();
        for &(e, pos) in &self.states {
            let (e, pos) = (e as usize, pos as usize);
            let Some((p, _)) = rules.entries.get(e) else {
                continue;
            };
            match p.segments.get(pos) {
                Some(Seg::Descendants) => next.add(rules, e, pos),
                Some(s) if s.matches_step(seg) => next.add(rules, e, pos + 1),
                _ => {}
            }
        }
        next
    }

    /// The actions of the patterns that end here, in table order.
    pub(crate) fn actions<'r>(&self, rules: &'r TypeRules) -> Vec<&'r Action> {
        let mut hits: Vec<usize> = self
            .states
            .iter()
            .filter(|&&(e, pos)| {
                rules
                    .entries
                    .get(e as usize)
                    .is_some_and(|(p, _)| p.segments.len() == pos as usize)
            })
            .map(|&(e, _)| e as usize)
            .collect();
        hits.sort_unstable();
        hits.dedup();
        hits.iter()
            .filter_map(|&e| rules.entries.get(e).map(|(_, a)| a))
            .collect()
    }
}

/// What the patterns that end at one path say, merged in table order.
#[derive(Debug, Clone, Default)]
pub(crate) struct Acts {
    pub(crate) ignore: bool,
    pub(crate) set: bool,
    /// The first table's default.
    pub(crate) default: Option<plumb_runtime::value::Value>,
    /// The first table's key fields.
    pub(crate) key: Option<Vec<String>>,
    pub(crate) canons: Vec<Canon>,
    /// A default may still match at or below this path.
    pub(crate) defaults_below: bool,
    /// A `security` pattern ends here: a value here only the actual side
    /// has is `undeclared` (a pattern ending in `/**` covers a subtree).
    pub(crate) security: bool,
    /// A `security` pattern may still match below this path.
    pub(crate) security_below: bool,
    /// Elements the server adds to the list here.
    pub(crate) server_added: Vec<plumb_runtime::value::Value>,
}

/// The NFA of [`States`] made deterministic as the diff goes: each set of
/// states reached is numbered once, with its actions and its transitions
/// by segment remembered. One per type per thread.
#[derive(Debug)]
pub(crate) struct Dfa<'r> {
    rules: &'r TypeRules,
    states: Vec<(States, std::rc::Rc<Acts>)>,
    index: std::collections::HashMap<Vec<(u32, u32)>, u32>,
    /// Per state, its transitions by segment.
    trans: Vec<std::collections::HashMap<plumb_runtime::value::Str, u32>>,
    /// No pattern names one index (`[3]`, or a numeric pointer segment),
    /// so list indexes all step alike: one transition serves every index.
    indexes_alike: bool,
}

impl<'r> Dfa<'r> {
    pub(crate) fn new(rules: &'r TypeRules) -> Dfa<'r> {
        let indexes_alike = !rules.entries.iter().any(|(p, _)| {
            p.segments.iter().any(|s| match s {
                Seg::Key(k) => plumb_runtime::pattern::is_index(k),
                Seg::Index(_) => true,
                _ => false,
            })
        });
        let mut dfa = Dfa {
            rules,
            states: Vec::new(),
            index: std::collections::HashMap::new(),
            trans: Vec::new(),
            indexes_alike,
        };
        let root = States::root(rules);
        dfa.intern(root);
        dfa
    }

    pub(crate) const ROOT: u32 = 0;

    /// The tables this automaton was made from.
    pub(crate) fn rules(&self) -> &'r TypeRules {
        self.rules
    }

    fn intern(&mut self, mut s: States) -> u32 {
        s.states.sort_unstable();
        if let Some(&id) = self.index.get(&s.states) {
            return id;
        }
        let mut acts = Acts::default();
        for a in s.actions(self.rules) {
            match a {
                Action::Ignore => acts.ignore = true,
                Action::Set => acts.set = true,
                Action::Default(v) => {
                    if acts.default.is_none() {
                        acts.default = Some(v.clone());
                    }
                }
                Action::Key(k) => {
                    if acts.key.is_none() {
                        acts.key = Some(k.clone());
                    }
                }
                Action::Canon(c) => acts.canons.push(*c),
                Action::Security => acts.security = true,
                Action::ServerAdded(v) => acts.server_added.extend(v.iter().cloned()),
            }
        }
        acts.defaults_below = s.states.iter().any(|&(e, _)| {
            matches!(
                self.rules.entries.get(e as usize),
                Some((_, Action::Default(_)))
            )
        });
        acts.security_below = s.states.iter().any(|&(e, _)| {
            matches!(
                self.rules.entries.get(e as usize),
                Some((_, Action::Security))
            )
        });
        let id = self.states.len() as u32;
        self.index.insert(s.states.clone(), id);
        self.states.push((s, std::rc::Rc::new(acts)));
        self.trans.push(std::collections::HashMap::new());
        id
    }

    pub(crate) fn acts(&self, state: u32) -> std::rc::Rc<Acts> {
        self.states
            .get(state as usize)
            .map(|(_, a)| a.clone())
            .unwrap_or_default()
    }

    pub(crate) fn step(&mut self, state: u32, seg: &str) -> u32 {
        let class =
            if self.indexes_alike && !seg.is_empty() && seg.bytes().all(|b| b.is_ascii_digit()) {
                "0"
            } else {
                seg
            };
        if let Some(&next) = self.trans.get(state as usize).and_then(|t| t.get(class)) {
            return next;
        }
        let next = match self.states.get(state as usize) {
            Some((s, _)) => s.step(self.rules, class),
            None => States::default(),
        };
        let id = self.intern(next);
        if let Some(t) = self.trans.get_mut(state as usize) {
            t.insert(plumb_runtime::value::Str::from(class), id);
        }
        id
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests")]
mod tests {
    use super::*;

    fn rules(patterns: &[&str]) -> TypeRules {
        TypeRules {
            entries: patterns
                .iter()
                .map(|p| (Pattern::parse(p).unwrap_or_default(), Action::Ignore))
                .collect(),
            ..TypeRules::default()
        }
    }

    fn hits(r: &TypeRules, path: &[&str]) -> usize {
        let mut s = States::root(r);
        for seg in path {
            s = s.step(r, seg);
        }
        s.actions(r).len()
    }

    #[test]
    fn patterns_match_segments() {
        let r = rules(&["/metadata/uid"]);
        assert_eq!(hits(&r, &["metadata", "uid"]), 1);
        assert_eq!(hits(&r, &["metadata"]), 0);
        assert_eq!(hits(&r, &["metadata", "uid", "x"]), 0);
        let r = rules(&["/spec/containers/*/image"]);
        assert_eq!(hits(&r, &["spec", "containers", "3", "image"]), 1);
        assert_eq!(hits(&r, &["spec", "containers", "image"]), 0);
        let r = rules(&["/**/creationTimestamp"]);
        assert_eq!(hits(&r, &["creationTimestamp"]), 1);
        assert_eq!(hits(&r, &["a", "b", "creationTimestamp"]), 1);
        assert_eq!(hits(&r, &["a", "b"]), 0);
        let r = rules(&["spec.containers[*].image", "metadata.labels.*"]);
        assert_eq!(hits(&r, &["spec", "containers", "3", "image"]), 1);
        assert_eq!(hits(&r, &["spec", "containers", "x", "image"]), 0);
        assert_eq!(hits(&r, &["metadata", "labels", "app"]), 1);
        let r = rules(&["/a/**"]);
        assert_eq!(hits(&r, &["a"]), 1);
        assert_eq!(hits(&r, &["a", "x", "y"]), 1);
        let r = rules(&["/annotations/kubectl.kubernetes.io~1last-applied-configuration"]);
        assert_eq!(
            hits(
                &r,
                &[
                    "annotations",
                    "kubectl.kubernetes.io/last-applied-configuration"
                ]
            ),
            1
        );
    }

    #[test]
    fn bad_tables_name_the_pointer() {
        let mut m = NoiseModel::default();
        let doc = serde_json::json!({"noise_version": 1, "types": [{"match": "x", "canonicalize": {"/a": "rot13"}}]});
        let e = m.add("mine.yaml", &doc).unwrap_err();
        assert_eq!(e.pointer, "/types/0/canonicalize/~1a");
        assert!(e.message.contains("unknown canonicalizer `rot13`"), "{e}");
        let doc = serde_json::json!({"noise_version": 1, "types": [{"ignore": ["/a"]}]});
        assert!(
            m.add("mine.yaml", &doc)
                .unwrap_err()
                .message
                .contains("needs `match`")
        );
        let doc =
            serde_json::json!({"noise_version": 1, "types": [{"match": "x", "ignore": ["a..b"]}]});
        let e = m.add("mine.yaml", &doc).unwrap_err();
        assert_eq!(e.pointer, "/types/0/ignore/a..b");
        assert!(e.message.contains("`a..b` is not a path pattern"), "{e}");
        let doc =
            serde_json::json!({"noise_version": 1, "types": [{"match": ["k8s_*", "aws_[s3"]}]});
        let e = m.add("mine.yaml", &doc).unwrap_err();
        assert_eq!(e.pointer, "/types/0/match/1");
        assert!(e.message.contains("not a glob pattern"), "{e}");
        let doc = serde_json::json!({"noise_version": 2});
        assert!(
            m.add("mine.yaml", &doc)
                .unwrap_err()
                .message
                .contains("not supported")
        );
        let doc = serde_json::json!({"noise_version": 1, "tables": []});
        assert!(
            m.add("mine.yaml", &doc)
                .unwrap_err()
                .message
                .contains("unknown key")
        );
    }
}
