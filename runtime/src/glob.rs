//! Shell-style globs, the one implementation plumb has: the language's
//! `glob_match`, baseline `match` and version patterns, and the noise
//! model's type globs all match through [`Glob`], so a pattern means the
//! same wherever it is written (docs/builtins.md, `glob_match`).
//!
//! `*` matches any run of characters (none included, `/` included), `?`
//! exactly one, `[abc]` and `[a-z]` one of the set, `[!a-z]` one not in
//! it; every other character matches itself, and a literal `*`, `?` or `[`
//! is written in brackets (`[*]`). Matching is case-sensitive. `**` is two
//! `*`, as in a shell without `globstar`.

use std::fmt;

/// A compiled glob.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Glob {
    pattern: glob::Pattern,
}

/// Why a glob does not compile.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{reason}")]
pub struct GlobError {
    /// What is wrong (`invalid range pattern` for an unclosed `[`).
    pub reason: String,
}

impl Glob {
    pub fn new(pattern: &str) -> Result<Glob, GlobError> {
        // Runs of `*` are one `*`: the glob crate would reject `a**b`
        // (its `**` means "any directories", which a glob here does not).
        let mut collapsed = String::with_capacity(pattern.len());
        for c in pattern.chars() {
            if !(c == '*' && collapsed.ends_with('*')) {
                collapsed.push(c);
            }
        }
        glob::Pattern::new(&collapsed)
            .map(|pattern| Glob { pattern })
            .map_err(|e| GlobError {
                reason: e.msg.to_string(),
            })
    }

    /// Whether the whole of `text` matches.
    pub fn matches(&self, text: &str) -> bool {
        self.pattern.matches(text)
    }
}

impl fmt::Display for Glob {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.pattern.as_str())
    }
}

/// Whether `text` matches `pattern`; a pattern that does not compile
/// matches nothing (callers that take patterns from users compile them
/// first, with [`Glob::new`], and report the error).
pub fn matches(pattern: &str, text: &str) -> bool {
    Glob::new(pattern).is_ok_and(|g| g.matches(text))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests")]
mod tests {
    use super::*;

    #[test]
    fn the_documented_syntax() {
        assert!(matches("*", ""));
        assert!(matches("k8s_*", "k8s_deployment"));
        assert!(!matches("k8s_*", "aws_s3_bucket"));
        assert!(matches("a*b*c", "aXbYc"));
        assert!(!matches("a*b*c", "aXbY"));
        assert!(matches("a**b", "a/x/b"));
        assert!(matches("web-?", "web-1"));
        assert!(!matches("web-?", "web-12"));
        assert!(matches("web-[a-c]", "web-b"));
        assert!(!matches("web-[!a-c]", "web-b"));
        assert!(matches("[*]", "*"));
        assert!(!matches("[*]", "x"));
        assert!(!matches("Web-1", "web-1"));
        assert!(matches("c6i.[0-9]xlarge", "c6i.2xlarge"));
    }

    #[test]
    fn an_unclosed_bracket_is_an_error() {
        let e = Glob::new("t3.[abc").unwrap_err();
        assert_eq!(e.to_string(), "invalid range pattern");
        assert!(!matches("t3.[abc", "t3.[abc"));
    }
}
