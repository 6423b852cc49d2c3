//! Projection: which parts of each resource a compiled policy can read.
//!
//! The compiler knows every attribute path its rules read, so the loader
//! keeps only those and skips the rest of the snapshot without building
//! it. A [`PathTree`] is rooted at a resource's `attributes`: `fields`
//! names the keys read below a node, `each` what is read of every element
//! of a list (or value of an object), and `all` marks a subtree read as a
//! whole (compared, printed, passed to a built-in).
//!
//! **Invariant:** projection never changes a result. Every value a rule can
//! observe is kept: scalars are always kept whole, a list keeps all of its
//! elements (so its length is right), and a container read as a whole is
//! kept whole.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

/// What is read below one node of a resource's attributes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PathTree {
    /// The whole subtree is read.
    pub all: bool,
    pub fields: BTreeMap<String, PathTree>,
    /// Read of every element of a list, or every value of an object.
    pub each: Option<Box<PathTree>>,
}

impl PathTree {
    pub fn everything() -> PathTree {
        PathTree {
            all: true,
            ..PathTree::default()
        }
    }

    pub fn is_empty(&self) -> bool {
        !self.all && self.fields.is_empty() && self.each.is_none()
    }

    /// Adds everything `other` reads.
    pub fn merge(&mut self, other: &PathTree) {
        if self.all {
            return;
        }
        if other.all {
            *self = PathTree::everything();
            return;
        }
        for (k, t) in &other.fields {
            self.fields.entry(k.clone()).or_default().merge(t);
        }
        if let Some(e) = &other.each {
            self.each.get_or_insert_with(Box::default).merge(e);
        }
    }

    /// Makes `each` apply to the named fields too (a value of an object is
    /// both a field and one of "each value"), so the loader looks at one
    /// node per key. Call once the tree is complete.
    pub fn normalize(&mut self) {
        if self.all {
            self.fields.clear();
            self.each = None;
            return;
        }
        if let Some(each) = &mut self.each {
            each.normalize();
            let each = each.as_ref().clone();
            for t in self.fields.values_mut() {
                t.merge(&each);
            }
        }
        for t in self.fields.values_mut() {
            t.normalize();
        }
    }
}

/// A resource type pattern, as a rule's selector writes it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum TypePattern {
    Exact(String),
    Prefix(String),
    Any,
}

impl TypePattern {
    pub fn matches(&self, ty: &str) -> bool {
        match self {
            TypePattern::Exact(t) => t == ty,
            TypePattern::Prefix(p) => ty.starts_with(p.as_str()),
            TypePattern::Any => true,
        }
    }
}

impl std::fmt::Display for TypePattern {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TypePattern::Exact(t) => f.write_str(t),
            TypePattern::Prefix(p) => write!(f, "{p}*"),
            TypePattern::Any => f.write_str("*"),
        }
    }
}

/// The attribute trees to keep, per type pattern. `None` keeps everything.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Projection {
    /// `None`: keep every attribute of every resource.
    pub patterns: Option<Vec<(TypePattern, PathTree)>>,
}

impl Projection {
    /// Keeps everything (for imports, drift, tests).
    pub fn everything() -> Projection {
        Projection { patterns: None }
    }

    /// The tree for one resource type: the union of every pattern that
    /// matches it.
    pub fn for_type(&self, ty: &str) -> Arc<PathTree> {
        let Some(patterns) = &self.patterns else {
            return Arc::new(PathTree::everything());
        };
        let mut tree = PathTree::default();
        for (p, t) in patterns {
            if p.matches(ty) {
                tree.merge(t);
            }
        }
        tree.normalize();
        Arc::new(tree)
    }
}
