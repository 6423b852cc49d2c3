//! Attribute path patterns, the one kind plumb has: the `paths` of the
//! language's drift blocks (`ingress[*].cidr_blocks`, `tags.**`) and the
//! paths of drift's noise model (`spec.replicas`, or as a JSON pointer
//! `/spec/replicas`) are both a [`PathPattern`].
//!
//! A pattern is matched against a concrete path given as JSON pointer
//! segments (unescaped), the form drift events carry. Segments carry no
//! type, so a list index is a segment of ASCII digits: `[3]` matches the
//! segment `3`, `[*]` any all-digit segment, `.*` any one segment.
//!
//! This module owns the syntax (both spellings), its errors and its
//! printing; it never allocates per matched segment.

use std::fmt;

use serde::{Deserialize, Serialize};

/// One step of a pattern.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum PathSegment {
    /// `.name` or `["name"]` (a JSON pointer segment): the key `name`, or,
    /// written as a pointer segment of digits, that list index too.
    Key(String),
    /// `[3]`: the list element at index 3.
    Index(u64),
    /// `.*` (`*` in a JSON pointer): any one key or index.
    AnyKey,
    /// `[*]`: any one list element.
    AnyIndex,
    /// `.**` (`**` in a JSON pointer): any number of steps, none included.
    Descendants,
}

impl PathSegment {
    /// Whether this segment (not `Descendants`, which spans steps) accepts
    /// one concrete step.
    pub fn matches_step(&self, step: &str) -> bool {
        match self {
            PathSegment::Key(k) => k == step,
            PathSegment::Index(n) => is_index(step) && step.parse::<u64>().ok() == Some(*n),
            PathSegment::AnyKey => true,
            PathSegment::AnyIndex => is_index(step),
            PathSegment::Descendants => false,
        }
    }
}

/// A step that can be a list index: ASCII digits.
pub fn is_index(step: &str) -> bool {
    !step.is_empty() && step.bytes().all(|b| b.is_ascii_digit())
}

/// A path pattern: steps from the resource's `attributes`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PathPattern {
    pub segments: Vec<PathSegment>,
}

/// Why a pattern does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{text}` is not a path pattern: {reason}")]
pub struct PatternError {
    pub text: String,
    pub reason: String,
}

impl PathPattern {
    pub fn new(segments: Vec<PathSegment>) -> PathPattern {
        PathPattern { segments }
    }

    /// Parses either spelling: a JSON pointer when `text` starts with `/`
    /// (or is empty: the whole of the attributes), else the dotted syntax
    /// of drift blocks.
    pub fn parse(text: &str) -> Result<PathPattern, PatternError> {
        if text.is_empty() || text.starts_with('/') {
            Ok(PathPattern::parse_pointer(text))
        } else {
            PathPattern::parse_dotted(text)
        }
    }

    /// A JSON pointer (RFC 6901, `~1` is `/`, `~0` is `~`) whose segments
    /// may be `*` and `**`. Every pointer parses; one not starting with `/`
    /// is read as if it did.
    pub fn parse_pointer(text: &str) -> PathPattern {
        if text.is_empty() {
            return PathPattern::default();
        }
        let rest = text.strip_prefix('/').unwrap_or(text);
        let segments = rest
            .split('/')
            .map(|s| match s {
                "*" => PathSegment::AnyKey,
                "**" => PathSegment::Descendants,
                s => PathSegment::Key(s.replace("~1", "/").replace("~0", "~")),
            })
            .collect();
        PathPattern { segments }
    }

    /// The dotted syntax (docs/language.md, "Drift blocks"): a name, `*`,
    /// `**` or a quoted key, then `.name`, `.*`, `.**`, `[3]`, `[*]` or
    /// `["key"]` steps.
    pub fn parse_dotted(text: &str) -> Result<PathPattern, PatternError> {
        let err = |reason: String| PatternError {
            text: text.to_string(),
            reason,
        };
        let mut p = Dotted {
            text,
            chars: text.char_indices().peekable(),
        };
        let mut segments = Vec::new();
        let mut first = true;
        loop {
            let seg = match p.peek() {
                None if first => return Err(err("it is empty".to_string())),
                None => break,
                Some('[') => {
                    p.bump();
                    let seg =
                        match p.peek() {
                            Some('*') => {
                                p.bump();
                                PathSegment::AnyIndex
                            }
                            Some('"') => PathSegment::Key(p.quoted().map_err(err)?),
                            Some(c) if c.is_ascii_digit() => {
                                let digits = p.take_while(|c| c.is_ascii_digit());
                                PathSegment::Index(digits.parse::<u64>().map_err(|_| {
                                    err(format!("the index `{digits}` is too large"))
                                })?)
                            }
                            _ => {
                                return Err(err(format!(
                                    "`[` at offset {} opens `[*]`, `[N]` or `[\"key\"]`",
                                    p.offset().saturating_sub(1)
                                )));
                            }
                        };
                    if p.peek() != Some(']') {
                        return Err(err(format!("a `]` is missing at offset {}", p.offset())));
                    }
                    p.bump();
                    seg
                }
                Some('.') if !first => {
                    p.bump();
                    p.name().map_err(err)?
                }
                Some('"') if first => PathSegment::Key(p.quoted().map_err(err)?),
                Some(_) if first => p.name().map_err(err)?,
                Some(c) => {
                    return Err(err(format!(
                        "`{c}` at offset {}: a step is `.name`, `.*`, `.**`, `[N]`, `[*]` or `[\"key\"]`",
                        p.offset()
                    )));
                }
            };
            segments.push(seg);
            first = false;
        }
        Ok(PathPattern { segments })
    }

    /// Whether the pattern matches exactly this path (JSON pointer
    /// segments, unescaped).
    pub fn matches<'s>(&self, path: impl IntoIterator<Item = &'s str>) -> bool {
        self.run(path).last().copied().unwrap_or(false)
    }

    /// Whether the pattern matches this path or a path below it: a change
    /// of the value at `path` may be a change of what the pattern names.
    /// The empty path (a whole resource) covers every pattern.
    pub fn covers<'s>(&self, path: impl IntoIterator<Item = &'s str>) -> bool {
        self.run(path).iter().any(|&b| b)
    }

    /// The positions reached in the pattern after the path, as flags
    /// (`len + 1` of them, the last being "matched"), closed over `**`.
    fn run<'s>(&self, path: impl IntoIterator<Item = &'s str>) -> Vec<bool> {
        let n = self.segments.len();
        let mut states = vec![false; n + 1];
        self.close(&mut states, 0);
        for step in path {
            let mut next = vec![false; n + 1];
            for (pos, seg) in self.segments.iter().enumerate() {
                if !states.get(pos).copied().unwrap_or(false) {
                    continue;
                }
                match seg {
                    PathSegment::Descendants => self.close(&mut next, pos),
                    s if s.matches_step(step) => self.close(&mut next, pos + 1),
                    _ => {}
                }
            }
            states = next;
            if !states.iter().any(|&b| b) {
                break;
            }
        }
        states
    }

    fn close(&self, states: &mut [bool], mut pos: usize) {
        while let Some(flag) = states.get_mut(pos) {
            *flag = true;
            if self.segments.get(pos) == Some(&PathSegment::Descendants) {
                pos += 1;
            } else {
                break;
            }
        }
    }

    /// The pattern as a JSON pointer (`*` for `.*` and `[*]`, `**`).
    pub fn to_pointer(&self) -> String {
        let mut out = String::new();
        for s in &self.segments {
            out.push('/');
            match s {
                PathSegment::Key(k) => out.push_str(&k.replace('~', "~0").replace('/', "~1")),
                PathSegment::Index(i) => out.push_str(&i.to_string()),
                PathSegment::AnyKey | PathSegment::AnyIndex => out.push('*'),
                PathSegment::Descendants => out.push_str("**"),
            }
        }
        out
    }
}

/// The dotted syntax.
impl fmt::Display for PathPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, s) in self.segments.iter().enumerate() {
            let dot = if i == 0 { "" } else { "." };
            match s {
                PathSegment::Key(k) if is_name(k) => write!(f, "{dot}{k}")?,
                PathSegment::Key(k) => {
                    // A quoted key starts a pattern bare (`"odd key".x`),
                    // as the language writes it; later it is `["odd key"]`.
                    f.write_str(if i == 0 { "\"" } else { "[\"" })?;
                    for c in k.chars() {
                        match c {
                            '"' => f.write_str("\\\"")?,
                            '\\' => f.write_str("\\\\")?,
                            '\n' => f.write_str("\\n")?,
                            '\t' => f.write_str("\\t")?,
                            c => write!(f, "{c}")?,
                        }
                    }
                    f.write_str(if i == 0 { "\"" } else { "\"]" })?;
                }
                PathSegment::Index(n) => write!(f, "[{n}]")?,
                PathSegment::AnyKey => write!(f, "{dot}*")?,
                PathSegment::AnyIndex => f.write_str("[*]")?,
                PathSegment::Descendants => write!(f, "{dot}**")?,
            }
        }
        Ok(())
    }
}

/// An identifier: an ASCII letter or `_`, then letters, digits and `_`.
fn is_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

struct Dotted<'t> {
    text: &'t str,
    chars: std::iter::Peekable<std::str::CharIndices<'t>>,
}

impl Dotted<'_> {
    fn peek(&mut self) -> Option<char> {
        self.chars.peek().map(|&(_, c)| c)
    }

    fn offset(&mut self) -> usize {
        let len = self.text.len();
        self.chars.peek().map_or(len, |&(i, _)| i)
    }

    fn bump(&mut self) -> Option<char> {
        self.chars.next().map(|(_, c)| c)
    }

    fn take_while(&mut self, f: impl Fn(char) -> bool) -> String {
        let mut out = String::new();
        while let Some(c) = self.peek().filter(|&c| f(c)) {
            out.push(c);
            self.bump();
        }
        out
    }

    /// A name, `*` or `**`.
    fn name(&mut self) -> Result<PathSegment, String> {
        let at = self.offset();
        if self.peek() == Some('*') {
            self.bump();
            if self.peek() == Some('*') {
                self.bump();
                return Ok(PathSegment::Descendants);
            }
            return Ok(PathSegment::AnyKey);
        }
        let name = self.take_while(|c| c.is_ascii_alphanumeric() || c == '_');
        if is_name(&name) {
            Ok(PathSegment::Key(name))
        } else {
            Err(format!(
                "expected an attribute name, `*` or `**` at offset {at} (write other keys as `[\"key\"]`)"
            ))
        }
    }

    /// A double-quoted key with `\"`, `\\`, `\n` and `\t` escapes.
    fn quoted(&mut self) -> Result<String, String> {
        let at = self.offset();
        self.bump();
        let mut out = String::new();
        loop {
            match self.bump() {
                None => return Err(format!("the string at offset {at} is not closed")),
                Some('"') => return Ok(out),
                Some('\\') => match self.bump() {
                    Some('"') => out.push('"'),
                    Some('\\') => out.push('\\'),
                    Some('n') => out.push('\n'),
                    Some('t') => out.push('\t'),
                    other => {
                        return Err(format!(
                            "unknown escape `\\{}` in the string at offset {at}",
                            other.map(String::from).unwrap_or_default()
                        ));
                    }
                },
                Some(c) => out.push(c),
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests")]
mod tests {
    use super::*;

    fn p(text: &str) -> PathPattern {
        PathPattern::parse(text).unwrap()
    }

    fn steps(pointer: &str) -> Vec<&str> {
        pointer.split('/').skip(1).collect()
    }

    #[test]
    fn both_spellings_parse_to_one_pattern() {
        assert_eq!(p("spec.replicas"), p("/spec/replicas"));
        assert_eq!(p("spec.containers.*.image"), p("/spec/containers/*/image"));
        assert_eq!(p("a.**"), p("/a/**"));
        assert_eq!(
            p(r#"metadata.annotations["kubectl.kubernetes.io/last-applied-configuration"]"#),
            p("/metadata/annotations/kubectl.kubernetes.io~1last-applied-configuration")
        );
        assert_eq!(p("").segments, vec![]);
        assert_eq!(
            p(r#"ingress[*].cidr_blocks[3]["odd key"]"#).segments,
            vec![
                PathSegment::Key("ingress".into()),
                PathSegment::AnyIndex,
                PathSegment::Key("cidr_blocks".into()),
                PathSegment::Index(3),
                PathSegment::Key("odd key".into()),
            ]
        );
        assert_eq!(p(r#""odd key".x"#).segments.len(), 2);
    }

    #[test]
    fn display_is_the_dotted_syntax_and_round_trips() {
        for text in [
            "ingress[*].cidr_blocks",
            "tags.**",
            "a.*.b",
            "a[3]",
            r#""odd key".x"#,
            r#"a["quote \" and \\"]"#,
            "**.creationTimestamp",
        ] {
            let pattern = p(text);
            assert_eq!(pattern.to_string(), text);
            assert_eq!(p(&pattern.to_string()), pattern);
        }
        assert_eq!(p("/a/0/b").to_string(), r#"a["0"].b"#);
        assert_eq!(p(r#"["odd key"].x"#).to_string(), r#""odd key".x"#);
        assert_eq!(p("a[*].b.**").to_pointer(), "/a/*/b/**");
    }

    #[test]
    fn bad_patterns_say_why() {
        for (text, why) in [
            ("a..b", "expected an attribute name"),
            ("a[", "opens `[*]`"),
            ("a[1", "`]` is missing"),
            ("a[1.5]", "`]` is missing"),
            (r#"a["x]"#, "not closed"),
            ("a b", "a step is"),
            ("-a", "expected an attribute name"),
            (r#"a["\q"]"#, "unknown escape"),
            ("a[99999999999999999999999]", "too large"),
        ] {
            let e = PathPattern::parse(text).unwrap_err();
            assert!(e.to_string().contains(why), "{text}: {e}");
            assert!(e.to_string().starts_with(&format!("`{text}`")), "{e}");
        }
    }

    #[test]
    fn matching_is_step_by_step() {
        assert!(p("tags").matches(steps("/tags")));
        assert!(!p("tags").matches(steps("/tags/env")));
        assert!(p("tags.**").matches(steps("/tags")));
        assert!(p("tags.**").matches(steps("/tags/env")));
        assert!(p("ingress[*].from_port").matches(steps("/ingress/2/from_port")));
        assert!(!p("ingress[*].from_port").matches(steps("/ingress/x/from_port")));
        assert!(p("ingress[2]").matches(steps("/ingress/2")));
        assert!(!p("ingress[2]").matches(steps("/ingress/3")));
        assert!(!p("ingress[2]").matches(steps("/ingress/02x")));
        assert!(p("a.*").matches(steps("/a/0")));
        assert!(p("a.*").matches(steps("/a/k")));
        assert!(p("/**/creationTimestamp").matches(steps("/a/b/creationTimestamp")));
        assert!(p("/**/creationTimestamp").matches(steps("/creationTimestamp")));
        assert!(p("/a/0").matches(steps("/a/0")));
    }

    #[test]
    fn a_change_above_a_pattern_covers_it() {
        assert!(p("ingress[*].cidr_blocks").covers(steps("/ingress")));
        assert!(p("ingress[*].cidr_blocks").covers(steps("/ingress/0/cidr_blocks")));
        assert!(!p("ingress[*].cidr_blocks").covers(steps("/ingress/0/cidr_blocks/1")));
        assert!(!p("ingress[*].cidr_blocks").covers(steps("/egress")));
        assert!(p("tags").covers(std::iter::empty()));
    }
}
