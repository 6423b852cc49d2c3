//! Signatures of plumb's built-in functions.
//!
//! The checker uses this table for arity, lambda and literal-type checks;
//! the runtime implements each entry (evaluation issue). Keeping the table
//! here, in the crate both depend on, means a built-in cannot exist on one
//! side only. `docs/builtins.md` documents every entry.

/// The static type of a value, as far as the checker can know it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Ty {
    /// Anything, including `null`.
    Any,
    Null,
    Bool,
    Number,
    String,
    List,
    Object,
    /// A string, a list or an object (things with a length).
    Collection,
    /// A list or an object.
    Container,
}

impl Ty {
    pub fn name(self) -> &'static str {
        match self {
            Ty::Any => "any value",
            Ty::Null => "null",
            Ty::Bool => "bool",
            Ty::Number => "number",
            Ty::String => "string",
            Ty::List => "list",
            Ty::Object => "object",
            Ty::Collection => "string, list or object",
            Ty::Container => "list or object",
        }
    }

    /// Whether a value of the concrete type `actual` may be passed where
    /// `self` is expected. `null` is accepted everywhere: a missing
    /// attribute flows through built-ins as `null` and they define a result
    /// for it.
    pub fn accepts(self, actual: Ty) -> bool {
        match (self, actual) {
            (Ty::Any, _) | (_, Ty::Any) | (_, Ty::Null) => true,
            (Ty::Collection, Ty::String | Ty::List | Ty::Object) => true,
            (Ty::Container, Ty::List | Ty::Object) => true,
            (expected, actual) => expected == actual,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Param {
    /// A value of the given type.
    Value(&'static str, Ty),
    /// A lambda taking this many parameters.
    Lambda(&'static str, usize),
}

#[derive(Debug, Clone, Copy)]
pub struct Builtin {
    pub name: &'static str,
    pub params: &'static [Param],
    /// How many of the trailing `params` may be left out.
    pub optional: usize,
    /// The last parameter repeats (`format`).
    pub variadic: bool,
    /// The result type when every argument is present; `Any` if it varies.
    pub returns: Ty,
    pub summary: &'static str,
}

impl Builtin {
    pub fn min_args(&self) -> usize {
        self.params.len() - self.optional.min(self.params.len())
    }

    /// `None` when variadic.
    pub fn max_args(&self) -> Option<usize> {
        if self.variadic {
            None
        } else {
            Some(self.params.len())
        }
    }

    /// The parameter an argument at `index` binds to.
    pub fn param(&self, index: usize) -> Option<Param> {
        match self.params.get(index) {
            Some(p) => Some(*p),
            None if self.variadic => self.params.last().copied(),
            None => None,
        }
    }
}

use Param::{Lambda, Value};

macro_rules! builtin {
    ($name:literal, [$($p:expr),*], $opt:literal, $var:literal, $ret:expr, $summary:literal) => {
        Builtin { name: $name, params: &[$($p),*], optional: $opt, variadic: $var, returns: $ret, summary: $summary }
    };
}

/// Every built-in, sorted by name.
pub const BUILTINS: &[Builtin] = &[
    builtin!(
        "age_days",
        [Value("time", Ty::String)],
        0,
        false,
        Ty::Number,
        "days from a timestamp to the snapshot's evaluation time"
    ),
    builtin!(
        "all",
        [Value("items", Ty::Container), Lambda("predicate", 1)],
        0,
        false,
        Ty::Bool,
        "true if the predicate holds for every element"
    ),
    builtin!(
        "any",
        [Value("items", Ty::Container), Lambda("predicate", 1)],
        0,
        false,
        Ty::Bool,
        "true if the predicate holds for some element"
    ),
    builtin!(
        "capture",
        [Value("text", Ty::String), Value("pattern", Ty::String)],
        0,
        false,
        Ty::Any,
        "the capture groups of the first regex match, or null"
    ),
    builtin!(
        "cidr_contains",
        [Value("cidr", Ty::String), Value("address", Ty::String)],
        0,
        false,
        Ty::Bool,
        "true if the network contains the address or network"
    ),
    builtin!(
        "cidr_is_public",
        [Value("cidr", Ty::String)],
        0,
        false,
        Ty::Bool,
        "true if the network includes publicly routable addresses"
    ),
    builtin!(
        "cidr_overlaps",
        [Value("a", Ty::String), Value("b", Ty::String)],
        0,
        false,
        Ty::Bool,
        "true if two networks share an address"
    ),
    builtin!(
        "coalesce",
        [Value("value", Ty::Any), Value("defaults", Ty::Any)],
        0,
        true,
        Ty::Any,
        "the first argument that is not null"
    ),
    builtin!(
        "contains",
        [Value("haystack", Ty::Collection), Value("needle", Ty::Any)],
        0,
        false,
        Ty::Bool,
        "substring, list element or object key test"
    ),
    builtin!(
        "count",
        [Value("items", Ty::Collection), Lambda("predicate", 1)],
        1,
        false,
        Ty::Number,
        "the number of elements, or of elements for which the predicate holds"
    ),
    builtin!(
        "data",
        [Value("key", Ty::String), Value("default", Ty::Any)],
        1,
        false,
        Ty::Any,
        "a value from the data files given with --data, or the default when they do not have it"
    ),
    builtin!(
        "ends_with",
        [Value("text", Ty::String), Value("suffix", Ty::String)],
        0,
        false,
        Ty::Bool,
        "true if the text ends with the suffix"
    ),
    builtin!(
        "exists",
        [Value("value", Ty::Any)],
        0,
        false,
        Ty::Bool,
        "true if the value is present and not null"
    ),
    builtin!(
        "flatten",
        [Value("items", Ty::List)],
        0,
        false,
        Ty::List,
        "the elements of a list's lists spliced into it, one level"
    ),
    builtin!(
        "format",
        [Value("template", Ty::String), Value("values", Ty::Any)],
        1,
        true,
        Ty::String,
        "fills each `{}` in the template with the next value"
    ),
    builtin!(
        "glob_match",
        [Value("text", Ty::String), Value("pattern", Ty::String)],
        0,
        false,
        Ty::Bool,
        "shell-style glob match (`*`, `?`, `[a-z]`)"
    ),
    builtin!(
        "join",
        [Value("items", Ty::List), Value("separator", Ty::String)],
        0,
        false,
        Ty::String,
        "joins strings with a separator"
    ),
    builtin!(
        "json_decode",
        [Value("text", Ty::String)],
        0,
        false,
        Ty::Any,
        "parses a JSON string, or null if it is not JSON"
    ),
    builtin!(
        "keys",
        [Value("object", Ty::Object)],
        0,
        false,
        Ty::List,
        "the keys of an object, sorted"
    ),
    builtin!(
        "length",
        [Value("value", Ty::Collection)],
        0,
        false,
        Ty::Number,
        "characters of a string, elements of a list, keys of an object"
    ),
    builtin!(
        "lower",
        [Value("text", Ty::String)],
        0,
        false,
        Ty::String,
        "lower-cases a string"
    ),
    builtin!(
        "matches",
        [Value("text", Ty::String), Value("pattern", Ty::String)],
        0,
        false,
        Ty::Bool,
        "true if the regular expression matches somewhere in the text"
    ),
    builtin!(
        "max",
        [Value("numbers", Ty::List)],
        0,
        false,
        Ty::Any,
        "the largest number, or null for an empty list"
    ),
    builtin!(
        "min",
        [Value("numbers", Ty::List)],
        0,
        false,
        Ty::Any,
        "the smallest number, or null for an empty list"
    ),
    builtin!(
        "none",
        [Value("items", Ty::Container), Lambda("predicate", 1)],
        0,
        false,
        Ty::Bool,
        "true if the predicate holds for no element"
    ),
    builtin!(
        "one",
        [Value("items", Ty::Container), Lambda("predicate", 1)],
        0,
        false,
        Ty::Any,
        "the first element for which the predicate holds, or null"
    ),
    builtin!(
        "replace",
        [
            Value("text", Ty::String),
            Value("old", Ty::String),
            Value("new", Ty::String)
        ],
        0,
        false,
        Ty::String,
        "replaces every occurrence of a literal string"
    ),
    builtin!(
        "semver_compare",
        [Value("a", Ty::String), Value("b", Ty::String)],
        0,
        false,
        Ty::Number,
        "-1, 0 or 1 as version a is lower, equal or higher"
    ),
    builtin!(
        "sort",
        [Value("items", Ty::List)],
        0,
        false,
        Ty::List,
        "the elements of a list in ascending order"
    ),
    builtin!(
        "split",
        [Value("text", Ty::String), Value("separator", Ty::String)],
        0,
        false,
        Ty::List,
        "splits a string at every separator"
    ),
    builtin!(
        "starts_with",
        [Value("text", Ty::String), Value("prefix", Ty::String)],
        0,
        false,
        Ty::Bool,
        "true if the text starts with the prefix"
    ),
    builtin!(
        "substr",
        [
            Value("text", Ty::String),
            Value("start", Ty::Number),
            Value("length", Ty::Number)
        ],
        1,
        false,
        Ty::String,
        "the characters of a string from a position, optionally up to a length"
    ),
    builtin!(
        "sum",
        [Value("numbers", Ty::List)],
        0,
        false,
        Ty::Number,
        "the sum of a list of numbers"
    ),
    builtin!(
        "time_after",
        [Value("a", Ty::String), Value("b", Ty::String)],
        0,
        false,
        Ty::Bool,
        "true if timestamp a is later than b"
    ),
    builtin!(
        "time_before",
        [Value("a", Ty::String), Value("b", Ty::String)],
        0,
        false,
        Ty::Bool,
        "true if timestamp a is earlier than b"
    ),
    builtin!(
        "time_parse",
        [Value("text", Ty::String)],
        0,
        false,
        Ty::Any,
        "seconds since the Unix epoch of an RFC 3339 timestamp, or null"
    ),
    builtin!(
        "to_number",
        [Value("value", Ty::Any)],
        0,
        false,
        Ty::Any,
        "a number from a number or numeric string, or null"
    ),
    builtin!(
        "to_string",
        [Value("value", Ty::Any)],
        0,
        false,
        Ty::String,
        "the value as text"
    ),
    builtin!(
        "trim",
        [Value("text", Ty::String)],
        0,
        false,
        Ty::String,
        "removes leading and trailing whitespace"
    ),
    builtin!(
        "type_of",
        [Value("value", Ty::Any)],
        0,
        false,
        Ty::String,
        "`null`, `bool`, `number`, `string`, `list` or `object`"
    ),
    builtin!(
        "unique",
        [Value("items", Ty::List)],
        0,
        false,
        Ty::List,
        "the list without repeated elements, first occurrences in order"
    ),
    builtin!(
        "upper",
        [Value("text", Ty::String)],
        0,
        false,
        Ty::String,
        "upper-cases a string"
    ),
    builtin!(
        "values",
        [Value("object", Ty::Object)],
        0,
        false,
        Ty::List,
        "the values of an object, in key order"
    ),
];

pub fn lookup(name: &str) -> Option<&'static Builtin> {
    BUILTINS
        .binary_search_by(|b| b.name.cmp(name))
        .ok()
        .and_then(|i| BUILTINS.get(i))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_and_unique() {
        for pair in BUILTINS.windows(2) {
            if let [a, b] = pair {
                assert!(a.name < b.name, "{} before {}", a.name, b.name);
            }
        }
    }

    #[test]
    fn lookup_finds_every_entry() {
        for b in BUILTINS {
            assert_eq!(lookup(b.name).map(|x| x.name), Some(b.name));
        }
        assert!(lookup("nope").is_none());
    }

    #[test]
    fn arity() {
        let count = lookup("count").map(|b| (b.min_args(), b.max_args()));
        assert_eq!(count, Some((1, Some(2))));
        let format = lookup("format").map(|b| (b.min_args(), b.max_args()));
        assert_eq!(format, Some((1, None)));
        let coalesce = lookup("coalesce").map(|b| (b.min_args(), b.max_args()));
        assert_eq!(coalesce, Some((2, None)));
        let substr = lookup("substr").map(|b| (b.min_args(), b.max_args()));
        assert_eq!(substr, Some((2, Some(3))));
    }
}
