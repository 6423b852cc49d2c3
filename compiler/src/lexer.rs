//! Tokens of the plumb language, produced by logos.
//!
//! The lexer never fails: characters it cannot place become [`Token::Error`]
//! tokens (one per run of bad characters) and an unterminated string becomes
//! [`Token::UnterminatedStr`]. The parser reports each once and never reports
//! a second error caused by the same token. Ordinary comments are dropped;
//! doc comments (`///`) are returned beside the tokens so items can carry them.

use logos::Logos;

use crate::span::Span;

#[derive(Logos, Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[logos(skip r"[ \t\r\n\f]+")]
#[logos(skip(r"//([^/\n][^\n]*)?|////[^\n]*", allow_greedy = true))]
pub enum Token {
    #[regex(r"///([^/\n][^\n]*)?", allow_greedy = true)]
    DocComment,

    // Keywords. Clause words such as `severity`, `controls` or `paths` are not
    // keywords: they are recognised only at the start of a clause, so they
    // stay usable as attribute names (`x.message`).
    #[token("package")]
    Package,
    #[token("import")]
    Import,
    #[token("as")]
    As,
    #[token("rule")]
    Rule,
    #[token("drift")]
    Drift,
    #[token("test")]
    Test,
    #[token("let")]
    Let,
    #[token("fn")]
    Fn,
    #[token("when")]
    When,
    #[token("require")]
    Require,
    #[token("and")]
    And,
    #[token("or")]
    Or,
    #[token("not")]
    Not,
    #[token("in")]
    In,
    #[token("if")]
    If,
    #[token("then")]
    Then,
    #[token("else")]
    Else,
    #[token("for")]
    For,
    #[token("true")]
    True,
    #[token("false")]
    False,
    #[token("null")]
    Null,
    #[token("resources")]
    Resources,

    #[regex(r"[A-Za-z_][A-Za-z0-9_]*")]
    Ident,
    #[regex(r"[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?")]
    Number,
    #[regex(r#""([^"\\\n]|\\[^\n])*""#, allow_greedy = true)]
    Str,
    #[regex(r#""([^"\\\n]|\\[^\n])*\\?"#, allow_greedy = true)]
    UnterminatedStr,

    #[token("{")]
    LBrace,
    #[token("}")]
    RBrace,
    #[token("(")]
    LParen,
    #[token(")")]
    RParen,
    #[token("[")]
    LBracket,
    #[token("]")]
    RBracket,
    #[token(",")]
    Comma,
    #[token(".")]
    Dot,
    #[token(":")]
    Colon,
    #[token("=")]
    Eq,
    #[token("==")]
    EqEq,
    #[token("!=")]
    NotEq,
    #[token("<")]
    Lt,
    #[token("<=")]
    Le,
    #[token(">")]
    Gt,
    #[token(">=")]
    Ge,
    #[token("+")]
    Plus,
    #[token("-")]
    Minus,
    #[token("*")]
    Star,
    #[token("**")]
    StarStar,
    #[token("/")]
    Slash,
    #[token("%")]
    Percent,
    #[token("=>")]
    Arrow,

    /// A run of characters that start no token.
    Error,
    /// End of input; always the last token.
    Eof,
}

impl Token {
    /// How the token is named in messages: `` `{` ``, `identifier`, ...
    pub fn describe(self) -> &'static str {
        match self {
            Token::DocComment => "doc comment",
            Token::Package => "`package`",
            Token::Import => "`import`",
            Token::As => "`as`",
            Token::Rule => "`rule`",
            Token::Drift => "`drift`",
            Token::Test => "`test`",
            Token::Let => "`let`",
            Token::Fn => "`fn`",
            Token::When => "`when`",
            Token::Require => "`require`",
            Token::And => "`and`",
            Token::Or => "`or`",
            Token::Not => "`not`",
            Token::In => "`in`",
            Token::If => "`if`",
            Token::Then => "`then`",
            Token::Else => "`else`",
            Token::For => "`for`",
            Token::True => "`true`",
            Token::False => "`false`",
            Token::Null => "`null`",
            Token::Resources => "`resources`",
            Token::Ident => "identifier",
            Token::Number => "number",
            Token::Str | Token::UnterminatedStr => "string",
            Token::LBrace => "`{`",
            Token::RBrace => "`}`",
            Token::LParen => "`(`",
            Token::RParen => "`)`",
            Token::LBracket => "`[`",
            Token::RBracket => "`]`",
            Token::Comma => "`,`",
            Token::Dot => "`.`",
            Token::Colon => "`:`",
            Token::Eq => "`=`",
            Token::EqEq => "`==`",
            Token::NotEq => "`!=`",
            Token::Lt => "`<`",
            Token::Le => "`<=`",
            Token::Gt => "`>`",
            Token::Ge => "`>=`",
            Token::Plus => "`+`",
            Token::Minus => "`-`",
            Token::Star => "`*`",
            Token::StarStar => "`**`",
            Token::Slash => "`/`",
            Token::Percent => "`%`",
            Token::Arrow => "`=>`",
            Token::Error => "invalid character",
            Token::Eof => "end of file",
        }
    }

    /// Keywords may be used as attribute names after a `.`.
    pub fn is_keyword(self) -> bool {
        matches!(
            self,
            Token::Package
                | Token::Import
                | Token::As
                | Token::Rule
                | Token::Drift
                | Token::Test
                | Token::Let
                | Token::Fn
                | Token::When
                | Token::Require
                | Token::And
                | Token::Or
                | Token::Not
                | Token::In
                | Token::If
                | Token::Then
                | Token::Else
                | Token::For
                | Token::True
                | Token::False
                | Token::Null
                | Token::Resources
        )
    }
}

/// The lexer's output: tokens (ending with [`Token::Eof`]) and doc comments.
#[derive(Debug, Default)]
pub struct Lexed {
    pub tokens: Vec<(Token, Span)>,
    pub docs: Vec<Span>,
}

/// Splits `source` into tokens. Adjacent invalid characters are merged into
/// one [`Token::Error`] so that `@@@` is one mistake, not three.
pub fn lex(source: &str) -> Lexed {
    let mut out = Lexed::default();
    let mut lexer = Token::lexer(source);
    while let Some(result) = lexer.next() {
        let range = lexer.span();
        let span = Span::new(range.start, range.end);
        match result {
            Ok(Token::DocComment) => out.docs.push(span),
            Ok(token) => out.tokens.push((token, span)),
            Err(()) => match out.tokens.last_mut() {
                Some((Token::Error, prev)) if prev.end == span.start => prev.end = span.end,
                _ => out.tokens.push((Token::Error, span)),
            },
        }
    }
    merge_single_quoted(source, &mut out.tokens);
    let end = Span::new(source.len(), source.len());
    out.tokens.push((Token::Eof, end));
    out
}

/// `'public-read'`: a string in single quotes, which plumb does not have,
/// becomes one [`Token::Error`] from quote to quote (on one line), so it is
/// one mistake with one diagnostic, not one per quote and a cascade between.
fn merge_single_quoted(source: &str, tokens: &mut Vec<(Token, Span)>) {
    let mut out: Vec<(Token, Span)> = Vec::with_capacity(tokens.len());
    let mut i = 0;
    while let Some(&(tok, span)) = tokens.get(i) {
        let range = span.range();
        let starts_quote = source
            .get(range.clone())
            .is_some_and(|t| t.starts_with('\''));
        if tok == Token::Error && starts_quote {
            // The closing quote: the next one on the same line.
            let line_end = source
                .get(range.start..)
                .and_then(|rest| rest.find('\n'))
                .map_or(source.len(), |n| range.start + n);
            let close = source
                .get(range.start + 1..line_end)
                .and_then(|rest| rest.find('\''))
                .map(|n| range.start + 1 + n + 1);
            if let Some(end) = close {
                let mut j = i + 1;
                while tokens.get(j).is_some_and(|(_, s)| s.range().end <= end) {
                    j += 1;
                }
                out.push((Token::Error, Span::new(range.start, end.max(range.end))));
                i = j;
                continue;
            }
        }
        out.push((tok, span));
        i += 1;
    }
    *tokens = out;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(src: &str) -> Vec<Token> {
        lex(src).tokens.into_iter().map(|(t, _)| t).collect()
    }

    #[test]
    fn keywords_idents_and_operators() {
        assert_eq!(
            kinds("rule a on b { require x.y >= 2 }"),
            vec![
                Token::Rule,
                Token::Ident,
                Token::Ident,
                Token::Ident,
                Token::LBrace,
                Token::Require,
                Token::Ident,
                Token::Dot,
                Token::Ident,
                Token::Ge,
                Token::Number,
                Token::RBrace,
                Token::Eof
            ]
        );
    }

    #[test]
    fn comments_and_docs() {
        let l = lex("// c\n/// doc\n//// not doc\nrule");
        assert_eq!(l.docs.len(), 1);
        assert_eq!(l.tokens.len(), 2);
    }

    #[test]
    fn strings() {
        assert_eq!(kinds(r#""a\"b""#), vec![Token::Str, Token::Eof]);
        assert_eq!(kinds("\"abc\n"), vec![Token::UnterminatedStr, Token::Eof]);
        assert_eq!(kinds("\"abc\\"), vec![Token::UnterminatedStr, Token::Eof]);
    }

    #[test]
    fn bad_characters_merge() {
        assert_eq!(
            kinds("a @@@ b"),
            vec![Token::Ident, Token::Error, Token::Ident, Token::Eof]
        );
        assert_eq!(kinds("é"), vec![Token::Error, Token::Eof]);
    }
}
