//! The attribute diff of one declared and one actual resource, under the
//! noise model's tables for their type.

use plumb_runtime::value::{Object, Str, Value};

use crate::canon;
use crate::noise::{Acts, Dfa};

/// One difference found, before redaction.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Change {
    /// JSON pointer into the attributes.
    pub(crate) path: String,
    pub(crate) declared: Option<Value>,
    pub(crate) actual: Option<Value>,
    /// `declared` is the type's known default, not a declared value.
    pub(crate) default: bool,
    /// For a set: the elements only the actual side has, and those only
    /// the declared side has (canonical forms).
    pub(crate) set_delta: Option<(Vec<Value>, Vec<Value>)>,
    /// Only the actual side has this value, at a security-relevant path.
    pub(crate) undeclared: bool,
}

pub(crate) struct Differ<'d, 'r> {
    dfa: &'d mut Dfa<'r>,
    /// The actual side shows only some attributes: a declared value it does
    /// not show is not observed.
    partial: bool,
    /// Both sides list every attribute of one schema (a state and its
    /// refresh): an attribute only the actual side has is drift.
    complete: bool,
    /// The declared side lists every attribute of its schema (a Terraform
    /// state or plan): what it sets, a provider set, so the noise model's
    /// ignored paths apply to it. A declaration someone wrote (a
    /// manifest, a baseline) is compared wherever it sets a field.
    declared_complete: bool,
    /// Names of list elements an injector says it added (a sidecar).
    injected: Vec<Str>,
    pub(crate) changes: Vec<Change>,
}

/// `null`, `""`, `[]` and `{}` mean "not set" to every provider and to
/// Kubernetes: they compare equal to an absent key. So is an object whose
/// every value is one of these.
fn present(v: Option<Value>) -> Option<Value> {
    v.filter(|v| !is_empty(v))
}

fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        // Terraform writes an unset string as "".
        Value::String(s) => s.is_empty(),
        Value::List(l) => l.is_empty(),
        Value::Object(o) => o.values().all(is_empty),
        _ => false,
    }
}

/// A list index as a path segment, without allocating for small ones.
fn index(i: usize) -> std::borrow::Cow<'static, str> {
    const SMALL: [&str; 16] = [
        "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15",
    ];
    match SMALL.get(i) {
        Some(s) => std::borrow::Cow::Borrowed(s),
        None => std::borrow::Cow::Owned(i.to_string()),
    }
}

fn push_segment(path: &mut String, seg: &str) {
    path.push('/');
    for c in seg.chars() {
        match c {
            '~' => path.push_str("~0"),
            '/' => path.push_str("~1"),
            c => path.push(c),
        }
    }
}

fn canonical(acts: &Acts, v: Option<&Value>) -> Option<Value> {
    let mut v = v.cloned()?;
    for c in &acts.canons {
        v = canon::apply(*c, v);
    }
    present(Some(v))
}

impl<'d, 'r> Differ<'d, 'r> {
    pub(crate) fn new(dfa: &'d mut Dfa<'r>, partial: bool, complete: bool) -> Differ<'d, 'r> {
        Differ {
            dfa,
            partial,
            complete,
            declared_complete: complete,
            injected: Vec::new(),
            changes: Vec::new(),
        }
    }

    /// Whether the declared side lists every attribute of its schema.
    pub(crate) fn declared_complete(mut self, yes: bool) -> Self {
        self.declared_complete = yes || self.complete;
        self
    }

    /// Names of elements an injector added to the actual resource.
    pub(crate) fn injected(mut self, names: Vec<Str>) -> Self {
        self.injected = names;
        self
    }

    /// Diffs two attribute trees from the root.
    pub(crate) fn run(&mut self, declared: &Value, actual: &Value) {
        if declared == actual {
            return;
        }
        // The roots are the resources themselves, present on both sides
        // even when every attribute is empty.
        let mut path = String::new();
        let acts = self.dfa.acts(Dfa::ROOT);
        self.both(
            &mut path,
            Dfa::ROOT,
            &acts,
            declared.clone(),
            actual.clone(),
        );
    }

    /// A value only the actual side has, at a security-relevant path.
    fn undeclared(&mut self, path: &str, actual: Value) {
        self.changes.push(Change {
            path: path.to_string(),
            declared: None,
            actual: Some(actual),
            default: false,
            set_delta: None,
            undeclared: true,
        });
    }

    /// Whether an element only the actual side has is one the server or
    /// an injector adds (by the list's `server_added` entries, or by the
    /// `name` an injector's annotation lists).
    fn expected_addition(&self, acts: &Acts, element: &Value) -> bool {
        let Value::Object(o) = element else {
            return false;
        };
        let injected = o
            .get("name")
            .and_then(Value::as_str)
            .is_some_and(|n| self.injected.iter().any(|i| i == n));
        injected
            || acts.server_added.iter().any(|pattern| match pattern {
                Value::Object(p) => p
                    .iter()
                    .all(|(k, v)| o.get(k).is_some_and(|x| x.equals(v) == Some(true))),
                _ => false,
            })
    }

    /// The elements of a list only the actual side has, without those the
    /// server or an injector adds; `None` when nothing is left.
    fn unexpected(&self, acts: &Acts, v: Value) -> Option<Value> {
        match v {
            Value::List(items) if !acts.server_added.is_empty() || !self.injected.is_empty() => {
                let kept: Vec<Value> = items
                    .iter()
                    .filter(|x| !self.expected_addition(acts, x))
                    .cloned()
                    .collect();
                present(Some(Value::list(kept)))
            }
            // An element of a list reached on its own (the list was not
            // declared at all).
            other if self.expected_addition(acts, &other) => None,
            other => Some(other),
        }
    }

    fn record(
        &mut self,
        path: &str,
        declared: Option<Value>,
        actual: Option<Value>,
        default: bool,
    ) {
        self.changes.push(Change {
            path: path.to_string(),
            declared,
            actual,
            default,
            set_delta: None,
            undeclared: false,
        });
    }

    fn node(
        &mut self,
        path: &mut String,
        state: u32,
        declared: Option<&Value>,
        actual: Option<&Value>,
    ) {
        let acts = self.dfa.acts(state);
        let sec = acts.security;
        // What the noise model ignores is what nobody declared: a field
        // a person wrote into the declaration is compared all the same
        // (a headless Service's `clusterIP: None`).
        if acts.ignore && (self.declared_complete || present(declared.cloned()).is_none()) {
            return;
        }
        let d = canonical(&acts, declared);
        let a = canonical(&acts, actual);
        // A value known only after apply is never drift.
        if d.as_ref().is_some_and(Value::is_unknown) || a.as_ref().is_some_and(Value::is_unknown) {
            return;
        }
        match (d, a) {
            (None, None) => {}
            (None, Some(a)) => {
                if let Some(default) = &acts.default {
                    let default = canonical(&acts, Some(default));
                    if !same(default.as_ref(), Some(&a)) {
                        self.record(path, default, Some(a), true);
                    }
                    return;
                }
                if self.complete {
                    self.record(path, None, Some(a), false);
                    return;
                }
                // A source that lists every attribute of its schema (a
                // Terraform state) declares emptiness: its explicit `[]`,
                // `""` or `null` says "none", and a value found there is
                // drift.
                if self.declared_complete
                    && let Some(empty) = declared
                {
                    self.record(path, Some(empty.clone()), Some(a), false);
                    return;
                }
                // Not declared, at a security-relevant path: added out
                // of band, unless the server or an injector adds it.
                if sec {
                    if let Some(a) = self.unexpected(&acts, a) {
                        self.undeclared(path, a);
                    }
                    return;
                }
                // Not declared, no default here: only defaults or
                // security-relevant paths deeper down can make it drift.
                if !acts.defaults_below && !acts.security_below {
                    return;
                }
                let mut child_of = |this: &mut Self, seg: &str, v: &Value| {
                    let child = this.dfa.step(state, seg);
                    let child_acts = this.dfa.acts(child);
                    if !child_acts.defaults_below && !child_acts.security_below {
                        return;
                    }
                    let len = path.len();
                    push_segment(path, seg);
                    this.node(path, child, None, Some(v));
                    path.truncate(len);
                };
                match &a {
                    Value::Object(o) => {
                        for (k, v) in o.iter() {
                            child_of(self, k, v);
                        }
                    }
                    Value::List(l) => {
                        for (i, v) in l.iter().enumerate() {
                            child_of(self, &index(i), v);
                        }
                    }
                    _ => {}
                }
            }
            (Some(d), None) => {
                // A partial source that does not have the key at all did
                // not observe it; one that has it empty did.
                if !(self.partial && actual.is_none()) {
                    self.record(path, Some(d), None, false);
                }
            }
            (Some(d), Some(a)) => self.both(path, state, &acts, d, a),
        }
    }

    fn both(&mut self, path: &mut String, state: u32, acts: &Acts, d: Value, a: Value) {
        if d.equals(&a) != Some(false) {
            return;
        }
        match (&d, &a) {
            (Value::Object(dobj), Value::Object(aobj)) => {
                // Both objects' keys are sorted: walk them together.
                let (mut di, mut ai) = (dobj.iter().peekable(), aobj.iter().peekable());
                loop {
                    let (k, dv, av) = match (di.peek(), ai.peek()) {
                        (None, None) => break,
                        (Some((dk, _)), Some((ak, _))) if dk == ak => {
                            let (Some((k, dv)), Some((_, av))) = (di.next(), ai.next()) else {
                                break;
                            };
                            (k, Some(dv), Some(av))
                        }
                        (Some((dk, _)), Some((ak, _))) if dk < ak => match di.next() {
                            Some((k, dv)) => (k, Some(dv), None),
                            None => break,
                        },
                        (Some(_), None) => match di.next() {
                            Some((k, dv)) => (k, Some(dv), None),
                            None => break,
                        },
                        _ => match ai.next() {
                            Some((k, av)) => (k, None, Some(av)),
                            None => break,
                        },
                    };
                    // Equal values cannot drift: skip the walk below.
                    if let (Some(x), Some(y)) = (dv, av)
                        && x.equals(y) != Some(false)
                    {
                        continue;
                    }
                    let child = self.dfa.step(state, k);
                    let len = path.len();
                    push_segment(path, k);
                    self.node(path, child, dv, av);
                    path.truncate(len);
                }
            }
            (Value::List(dl), Value::List(al)) => {
                if acts.set {
                    self.set(path, state, acts, &d, &a, dl, al);
                    return;
                }
                match &acts.key {
                    Some(names) => self.keyed(path, state, acts, names, dl, al),
                    None if dl.len() != al.len() => {
                        self.record(path, Some(d.clone()), Some(a.clone()), false);
                    }
                    None => {
                        for (i, (x, y)) in dl.iter().zip(al.iter()).enumerate() {
                            let seg = index(i);
                            let child = self.dfa.step(state, &seg);
                            let len = path.len();
                            push_segment(path, &seg);
                            self.node(path, child, Some(x), Some(y));
                            path.truncate(len);
                        }
                    }
                }
            }
            _ => self.record(path, Some(d.clone()), Some(a.clone()), false),
        }
    }

    /// Lists compared as sets of canonical elements.
    #[allow(clippy::too_many_arguments, reason = "the walk's state, passed down")]
    fn set(
        &mut self,
        path: &str,
        state: u32,
        acts: &Acts,
        d: &Value,
        a: &Value,
        dl: &[Value],
        al: &[Value],
    ) {
        // Elements the server adds and the declaration does not have are
        // not compared.
        let al: Vec<Value> = al
            .iter()
            .filter(|x| {
                !self.expected_addition(acts, x) || dl.iter().any(|y| y.equals(x) == Some(true))
            })
            .cloned()
            .collect();
        let al = al.as_slice();
        let as_ = self.set_of(state, al);
        let ds = if self.partial {
            // A partial source shows some fields of each element:
            // compare those.
            let shown = shown_keys(al);
            let cut: Vec<Value> = dl.iter().map(|x| only(x, &shown)).collect();
            self.set_of(state, &cut)
        } else {
            self.set_of(state, dl)
        };
        let (Some(ds), Some(as_)) = (ds, as_) else {
            return;
        };
        if ds == as_ {
            return;
        }
        let only = |x: &[Value], y: &[Value]| -> Vec<Value> {
            x.iter()
                .filter(|v| y.binary_search_by(|w| w.total_cmp(v)).is_err())
                .cloned()
                .collect()
        };
        let delta = (only(&as_, &ds), only(&ds, &as_));
        self.record(path, Some(d.clone()), Some(a.clone()), false);
        if let Some(c) = self.changes.last_mut() {
            c.set_delta = Some(delta);
        }
    }

    /// Lists whose elements are matched by a key field (Kubernetes
    /// containers by `name`, ports by `containerPort`). Paths name the
    /// declared element's index; an element only the actual side has is
    /// named by its index there.
    #[allow(clippy::too_many_arguments, reason = "the walk's state, passed down")]
    fn keyed(
        &mut self,
        path: &mut String,
        state: u32,
        acts: &Acts,
        names: &[String],
        dl: &[Value],
        al: &[Value],
    ) {
        let key_of = |v: &Value| -> Option<Value> {
            let Value::Object(o) = v else { return None };
            names
                .iter()
                .find_map(|n| o.get(n).filter(|k| !k.is_null()).cloned())
        };
        let mut used = vec![false; al.len()];
        for (i, x) in dl.iter().enumerate() {
            let found = key_of(x).and_then(|k| {
                al.iter()
                    .enumerate()
                    .find(|(j, y)| {
                        !used.get(*j).copied().unwrap_or(true)
                            && key_of(y).is_some_and(|ky| ky.equals(&k) == Some(true))
                    })
                    .map(|(j, _)| j)
            });
            // Without a key, elements pair by position.
            let found = found.or_else(|| {
                (key_of(x).is_none()
                    && !used.get(i).copied().unwrap_or(true)
                    && al.get(i).is_some())
                .then_some(i)
            });
            let seg = index(i);
            let child = self.dfa.step(state, &seg);
            let len = path.len();
            push_segment(path, &seg);
            match found {
                Some(j) => {
                    if let Some(u) = used.get_mut(j) {
                        *u = true;
                    }
                    self.node(path, child, Some(x), al.get(j));
                }
                None => self.node(path, child, Some(x), None),
            }
            path.truncate(len);
        }
        // An element only the actual side has: drift when both sides list
        // everything; `undeclared` at a security-relevant path (an added
        // container), unless the server or an injector that says so added
        // it; otherwise another manager's, not drift.
        for (j, y) in al.iter().enumerate() {
            if used.get(j).copied().unwrap_or(true) {
                continue;
            }
            let seg = index(j);
            let child = self.dfa.step(state, &seg);
            let child_acts = self.dfa.acts(child);
            if !self.complete && (!child_acts.security || self.expected_addition(acts, y)) {
                // Not security-relevant as a whole; a part of it may be (a
                // volume's `hostPath`).
                if child_acts.security_below && !self.expected_addition(acts, y) {
                    let len = path.len();
                    push_segment(path, &seg);
                    self.node(path, child, None, Some(y));
                    path.truncate(len);
                }
                continue;
            }
            let len = path.len();
            push_segment(path, &seg);
            if let Some(y) = present(Some(y.clone())) {
                if self.complete {
                    self.record(path, None, Some(y), false);
                } else {
                    self.undeclared(path, y);
                }
            }
            path.truncate(len);
        }
    }

    /// A list as a sorted set of canonical elements; `None` when an element
    /// is not known yet.
    fn set_of(&mut self, state: u32, items: &[Value]) -> Option<Vec<Value>> {
        let mut out = Vec::with_capacity(items.len());
        for (i, x) in items.iter().enumerate() {
            let child = self.dfa.step(state, &index(i));
            out.push(self.deep(child, x)?);
        }
        canon::sort_dedup(&mut out);
        Some(out)
    }

    /// A value with every canonicalizer below it applied and ignored,
    /// defaulted or empty parts removed; `None` if it holds an unknown.
    fn deep(&mut self, state: u32, v: &Value) -> Option<Value> {
        let acts = self.dfa.acts(state);
        let v = canonical(&acts, Some(v)).unwrap_or(Value::Null);
        Some(match v {
            Value::Unknown(_) => return None,
            Value::Object(o) => {
                let mut entries = Vec::with_capacity(o.len());
                for (k, x) in o.iter() {
                    let child = self.dfa.step(state, k);
                    let child_acts = self.dfa.acts(child);
                    if child_acts.ignore {
                        continue;
                    }
                    let x = self.deep(child, x)?;
                    // A value equal to its default says nothing more than
                    // leaving it out.
                    let is_default = child_acts
                        .default
                        .as_ref()
                        .is_some_and(|d| same(canonical(&child_acts, Some(d)).as_ref(), Some(&x)));
                    if !is_default && present(Some(x.clone())).is_some() {
                        entries.push((k.clone(), x));
                    }
                }
                Value::object(Object::from_entries(entries))
            }
            Value::List(l) => {
                let mut items = Vec::with_capacity(l.len());
                for (i, x) in l.iter().enumerate() {
                    let child = self.dfa.step(state, &index(i));
                    items.push(self.deep(child, x)?);
                }
                if acts.set {
                    canon::sort_dedup(&mut items);
                }
                Value::list(items)
            }
            other => other,
        })
    }
}

/// Every key of the objects in a list.
fn shown_keys(items: &[Value]) -> Vec<Str> {
    let mut keys: Vec<Str> = items
        .iter()
        .filter_map(|x| match x {
            Value::Object(o) => Some(o.keys().cloned().collect::<Vec<_>>()),
            _ => None,
        })
        .flatten()
        .collect();
    keys.sort_unstable();
    keys.dedup();
    keys
}

/// An object cut down to the given keys (other values as they are).
fn only(v: &Value, keys: &[Str]) -> Value {
    match v {
        Value::Object(o) => Value::object(Object::from_entries(
            o.iter()
                .filter(|(k, _)| keys.binary_search(k).is_ok())
                .map(|(k, x)| (k.clone(), x.clone()))
                .collect(),
        )),
        other => other.clone(),
    }
}

fn same(a: Option<&Value>, b: Option<&Value>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(x), Some(y)) => x.equals(y) != Some(false),
        _ => false,
    }
}
