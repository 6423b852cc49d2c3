//! String literals and message templates.
//!
//! A string lives on one line. Escapes: `\"` `\\` `\n` `\r` `\t` `\{` `\}`
//! and `\u{XXXX}`. In a `message` or `remediation` template, `{expr}`
//! inserts the value of an expression; the hole is lexed and parsed like any
//! other expression, with spans that point into the file.

use super::{Fail, PResult, Parser, diag};
use crate::ast::{Expr, Template, TemplatePart};
use crate::lexer::{Token, lex};
use crate::span::Span;

impl Parser<'_> {
    /// Decodes the string token at the cursor. An unterminated string was
    /// reported by the lexer pass and is decoded as far as it goes.
    pub(crate) fn string_literal(&mut self) -> PResult<String> {
        let parts = self.string_parts(false)?;
        Ok(parts
            .into_iter()
            .map(|p| match p {
                TemplatePart::Text(t) => t,
                TemplatePart::Hole(_) => String::new(),
            })
            .collect())
    }

    pub(crate) fn template(&mut self) -> PResult<Template> {
        let span = self.span();
        if !matches!(self.peek(), Token::Str | Token::UnterminatedStr) {
            return Err(self.unexpected("a string"));
        }
        let parts = self.string_parts(true)?;
        Ok(Template { parts, span })
    }

    fn string_parts(&mut self, template: bool) -> PResult<Vec<TemplatePart>> {
        let tok = self.peek();
        if !matches!(tok, Token::Str | Token::UnterminatedStr) {
            return Err(self.unexpected("a string"));
        }
        let span = self.bump();
        let body_start = span.start as usize + 1;
        let body_end = if tok == Token::Str {
            span.end as usize - 1
        } else {
            span.end as usize
        };
        let body = self.src.get(body_start..body_end).unwrap_or("");
        let mut parts = Vec::new();
        let mut text = String::new();
        let mut chars = body.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            match c {
                '\\' => {
                    let Some((_, e)) = chars.next() else {
                        break; // a lone trailing backslash: unterminated
                    };
                    match e {
                        '"' => text.push('"'),
                        '\\' => text.push('\\'),
                        'n' => text.push('\n'),
                        'r' => text.push('\r'),
                        't' => text.push('\t'),
                        '{' => text.push('{'),
                        '}' => text.push('}'),
                        'u' => match unicode_escape(body.get(i + 2..).unwrap_or("")) {
                            Some((ch, len)) => {
                                text.push(ch);
                                for _ in 0..len {
                                    chars.next();
                                }
                            }
                            None => {
                                let at = Span::new(body_start + i, body_start + i + 2);
                                self.diags.push(diag::invalid_escape(self.file, at, "\\u"));
                            }
                        },
                        other => {
                            let at =
                                Span::new(body_start + i, body_start + i + 1 + other.len_utf8());
                            let seq = format!("\\{other}");
                            self.diags.push(diag::invalid_escape(self.file, at, &seq));
                        }
                    }
                }
                '{' if template => {
                    let Some(len) = hole_len(body.get(i + 1..).unwrap_or("")) else {
                        let at = Span::new(body_start + i, body_start + i + 1);
                        self.diags.push(diag::invalid_template(
                            self.file,
                            at,
                            "`{` in a template is never closed",
                        ));
                        return Err(Fail);
                    };
                    let hole_start = body_start + i + 1;
                    let hole = Span::new(hole_start, hole_start + len);
                    if body
                        .get(i + 1..i + 1 + len)
                        .is_none_or(|h| h.trim().is_empty())
                    {
                        let at = Span::new(body_start + i, hole.end as usize + 1);
                        self.diags.push(diag::invalid_template(
                            self.file,
                            at,
                            "empty `{}` in a template",
                        ));
                        return Err(Fail);
                    }
                    if !text.is_empty() {
                        parts.push(TemplatePart::Text(std::mem::take(&mut text)));
                    }
                    parts.push(TemplatePart::Hole(self.hole(hole)?));
                    // Skip the hole and its closing brace.
                    while chars.peek().is_some_and(|(j, _)| *j <= i + len + 1) {
                        chars.next();
                    }
                }
                c => text.push(c),
            }
        }
        if !text.is_empty() || parts.is_empty() {
            parts.push(TemplatePart::Text(text));
        }
        Ok(parts)
    }

    /// Parses the expression inside a template hole with a parser of its
    /// own, whose spans are offsets into this file.
    fn hole(&mut self, span: Span) -> PResult<Expr> {
        let text = self.src.get(span.range()).unwrap_or("");
        let mut lexed = lex(text);
        for (_, s) in &mut lexed.tokens {
            *s = s.shift(span.start as usize);
        }
        let mut sub = Parser::new(self.file, self.src, lexed.tokens, Vec::new());
        sub.depth = self.depth;
        // Too-deep nesting is reported once per file, holes included.
        sub.too_deep_reported = self.too_deep_reported;
        sub.report_lex_errors();
        let result = sub.expr();
        let result = match result {
            Ok(e) if sub.at(Token::Eof) => Ok(e),
            Ok(_) => Err(sub.unexpected("`}` to end the template hole")),
            Err(f) => Err(f),
        };
        self.too_deep_reported = sub.too_deep_reported;
        self.diags.append(&mut sub.diags);
        result
    }
}

/// Length of a hole's text up to its matching `}`, or None if unclosed.
fn hole_len(rest: &str) -> Option<usize> {
    let mut depth = 0usize;
    for (i, c) in rest.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => return Some(i),
            '}' => depth -= 1,
            _ => {}
        }
    }
    None
}

/// `{1F600}` after `\u`: the character and how many chars the escape used
/// after the `u`.
fn unicode_escape(rest: &str) -> Option<(char, usize)> {
    let inner = rest.strip_prefix('{')?;
    let close = inner.find('}')?;
    let hex = inner.get(..close)?;
    // Digits only: `from_str_radix` would also take a leading `+`.
    if hex.is_empty() || hex.len() > 6 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let code = u32::from_str_radix(hex, 16).ok()?;
    Some((char::from_u32(code)?, close + 2))
}
