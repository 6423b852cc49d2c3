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
}

pub(crate) struct Differ<'d, 'r> {
    dfa: &'d mut Dfa<'r>,
    /// The actual side shows only some attributes: a declared value it does
    /// not show is not observed.
    partial: bool,
    /// Both sides list every attribute of one schema (a state and its
    /// refresh): an attribute only the actual side has is drift.
    complete: bool,
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
            changes: Vec::new(),
        }
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
        if acts.ignore {
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
                // Not declared, no default here: only defaults deeper
                // down can make it drift.
                if !acts.defaults_below {
                    return;
                }
                if let Value::Object(o) = &a {
                    for (k, v) in o.iter() {
                        let child = self.dfa.step(state, k);
                        if !self.dfa.acts(child).defaults_below {
                            continue;
                        }
                        let len = path.len();
                        push_segment(path, k);
                        self.node(path, child, None, Some(v));
                        path.truncate(len);
                    }
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
                    self.set(path, state, &d, &a, dl, al);
                    return;
                }
                match &acts.key {
                    Some(names) => self.keyed(path, state, names, dl, al),
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
    fn set(&mut self, path: &str, state: u32, d: &Value, a: &Value, dl: &[Value], al: &[Value]) {
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
    fn keyed(
        &mut self,
        path: &mut String,
        state: u32,
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
        // An element only the actual side has is like a key only the
        // actual side has: another manager's (a sidecar injector's, an
        // operator's), not drift, unless both sides list everything.
        if self.complete {
            for (j, y) in al.iter().enumerate() {
                if used.get(j).copied().unwrap_or(true) {
                    continue;
                }
                let len = path.len();
                push_segment(path, &index(j));
                if let Some(y) = present(Some(y.clone())) {
                    self.record(path, None, Some(y), false);
                }
                path.truncate(len);
            }
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
            Value::Unknown => return None,
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
