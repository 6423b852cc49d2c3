//! Constructors for every diagnostic the lexer and parser report, one
//! function each, so their wording lives in one place.

use crate::diagnostics::{Code, Diagnostic};
use crate::span::{FileId, Span};

pub fn invalid_character(file: FileId, span: Span, text: &str) -> Diagnostic {
    if text.len() > 1 && text.starts_with('\'') && text.ends_with('\'') {
        let inner = text.get(1..text.len() - 1).unwrap_or_default();
        return Diagnostic::new(
            Code::InvalidCharacter,
            file,
            span,
            "single quotes do not make a string",
        )
        .label("a string in single quotes")
        .help(format!(
            "strings go in double quotes: \"{}\"",
            inner.escape_debug()
        ));
    }
    let shown: String = text.chars().take(8).collect();
    // Other languages' operators, each with plumb's word for it.
    let help = match text {
        "&&" | "&" => "plumb writes `and`",
        "||" | "|" => "plumb writes `or`",
        "!" => "plumb writes `not` (and `!=` for not equal)",
        "??" | "?" => {
            "plumb has no `??`: `coalesce(value, default)` gives the first value that is not null"
        }
        "'" => "strings go in double quotes",
        "#" => "comments start with `//`",
        _ => "strings go in double quotes; comments start with `//`",
    };
    Diagnostic::new(
        Code::InvalidCharacter,
        file,
        span,
        format!("invalid character `{}` in source", shown.escape_debug()),
    )
    .label("no token starts with this")
    .help(help)
}

pub fn unterminated_string(file: FileId, span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::UnterminatedString,
        file,
        span,
        "string literal is never closed",
    )
    .label("this string has no closing `\"` on its line")
    .help("strings end on the line they start; add the closing `\"`")
}

pub fn invalid_escape(file: FileId, span: Span, seq: &str) -> Diagnostic {
    Diagnostic::new(
        Code::InvalidEscape,
        file,
        span,
        format!("unknown escape sequence `{seq}`"),
    )
    .label("not a valid escape")
    .help(r#"valid escapes are `\"`, `\\`, `\n`, `\r`, `\t`, `\{`, `\}` and `\u{...}`"#)
}

pub fn unexpected(file: FileId, span: Span, expected: &str, found: &str) -> Diagnostic {
    Diagnostic::new(
        Code::UnexpectedToken,
        file,
        span,
        format!("expected {expected}, found {found}"),
    )
    .label(format!("expected {expected}"))
}

pub fn unclosed(file: FileId, open: Span, delim: &str, at: Span, at_what: &str) -> Diagnostic {
    Diagnostic::new(
        Code::UnclosedDelimiter,
        file,
        open,
        format!("unclosed `{delim}`"),
    )
    .label(format!("this `{delim}` is never closed"))
    .secondary(at, format!("{at_what} here"))
    .help(format!("add the matching `{}`", closing(delim)))
}

fn closing(delim: &str) -> &'static str {
    match delim {
        "(" => ")",
        "[" => "]",
        _ => "}",
    }
}

pub fn nesting_too_deep(file: FileId, span: Span, limit: usize) -> Diagnostic {
    Diagnostic::new(
        Code::NestingTooDeep,
        file,
        span,
        format!("expression is nested more than {limit} levels deep"),
    )
    .label("nesting limit reached here")
    .help("split the expression with `let` or a helper `fn`")
}

pub fn chained_comparison(file: FileId, first: Span, second: Span) -> Diagnostic {
    Diagnostic::new(
        Code::ChainedComparison,
        file,
        second,
        "comparison operators cannot be chained",
    )
    .label("second comparison")
    .secondary(first, "first comparison")
    .help("write `a < b and b < c`, or add parentheses")
}

pub fn invalid_control_ref(file: FileId, span: Span, text: &str) -> Diagnostic {
    Diagnostic::new(
        Code::InvalidControlRef,
        file,
        span,
        format!("`{text}` is not a control reference"),
    )
    .label("expected `framework.ID`")
    .help("cite controls as `nist.CM-6`, `nist.AC-2(1)`, `soc2.CC7.1` or `pci.2.2.1`")
}

pub fn invalid_template(file: FileId, span: Span, what: &str) -> Diagnostic {
    Diagnostic::new(Code::InvalidTemplate, file, span, what.to_string())
        .label("in this template")
        .help(r"`{expr}` inserts a value; write `\{` for a literal brace")
}

pub fn misplaced_package(
    file: FileId,
    span: Span,
    what: &str,
    first_item: Option<Span>,
) -> Diagnostic {
    let d = Diagnostic::new(
        Code::MisplacedPackage,
        file,
        span,
        format!("`{what}` must come before every rule, test, `let` and `fn`"),
    )
    .label(format!("`{what}` declared here"))
    .help("put `package` first, then the imports, then the items");
    match first_item {
        Some(item) => d.secondary(item, "first item"),
        None => d,
    }
}

pub fn duplicate_package(file: FileId, span: Span, first: Span) -> Diagnostic {
    Diagnostic::new(
        Code::MisplacedPackage,
        file,
        span,
        "a file declares its `package` once",
    )
    .label("second `package`")
    .secondary(first, "first declared here")
    .help("split the file in two if it holds two packages")
}

pub fn invalid_type_pattern(file: FileId, span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::InvalidTypePattern,
        file,
        span,
        "`*` may only end a resource type pattern",
    )
    .label("not a type name or prefix pattern")
    .help("write a type (`aws_s3_bucket`), a prefix (`aws_s3_*`) or `*` for every type")
}

pub fn invalid_path_pattern(file: FileId, span: Span, why: &str) -> Diagnostic {
    Diagnostic::new(Code::InvalidPathPattern, file, span, why.to_string())
        .label("in this path pattern")
        .help("write attribute paths like `encrypted`, `ingress[*].cidr_blocks` or `tags.**`")
}

pub fn number_out_of_range(file: FileId, span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::NumberOutOfRange,
        file,
        span,
        "number literal is too large",
    )
    .label("does not fit a 64-bit float")
}

pub fn invalid_utf8(file: FileId, offset: usize) -> Diagnostic {
    Diagnostic::new(
        Code::InvalidUtf8,
        file,
        Span::new(offset, offset),
        format!("source is not valid UTF-8 (first bad byte at offset {offset})"),
    )
    .label("invalid byte")
    .help("save the file as UTF-8")
}
