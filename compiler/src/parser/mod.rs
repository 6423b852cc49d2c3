//! The hand-written parser: recursive descent for items and clauses,
//! precedence climbing for expressions.
//!
//! Parsing never fails: [`parse`] always returns a [`Module`] and the
//! diagnostics found on the way. Error recovery is built around two rules:
//! one mistake gives one diagnostic (after an error, the parser skips to the
//! next clause or item without reporting anything in between; a token the
//! lexer already reported is never reported again), and independent mistakes
//! are all reported, in source order. Nesting is bounded by
//! [`MAX_NESTING`], so no input can overflow the stack.

mod diag;
mod expr;
mod strings;

use crate::ast::*;
use crate::diagnostics::Diagnostic;
use crate::lexer::{Token, lex};
use crate::span::{FileId, Span};

/// Deepest expression tree the parser builds. Real rules rarely pass 10;
/// the bound keeps every recursive pass over the tree well inside a 2 MiB
/// thread stack even in debug builds.
pub const MAX_NESTING: usize = 96;

/// A parsed file and what was wrong with it.
#[derive(Debug)]
pub struct Parsed {
    pub module: Module,
    pub diagnostics: Vec<Diagnostic>,
}

/// An error that has been reported (or deliberately not reported because an
/// earlier diagnostic covers it). The caller recovers by skipping tokens.
#[derive(Debug)]
pub(crate) struct Fail;

pub(crate) type PResult<T> = Result<T, Fail>;

/// Clause words are not keywords; they open a clause only at its start.
const CLAUSE_WORDS: &[&str] = &[
    "severity",
    "controls",
    "response",
    "message",
    "remediation",
    "paths",
];

/// Parses one source file.
pub fn parse(file: FileId, source: &str) -> Parsed {
    let lexed = lex(source);
    let mut p = Parser::new(file, source, lexed.tokens, lexed.docs);
    p.report_lex_errors();
    let module = p.module();
    let mut diagnostics = p.diags;
    crate::diagnostics::sort(&mut diagnostics);
    Parsed {
        module,
        diagnostics,
    }
}

pub(crate) fn invalid_utf8(file: FileId, offset: usize) -> Diagnostic {
    diag::invalid_utf8(file, offset)
}

/// What follows `on` in a block's header.
enum Header {
    Types(Vec<TypePattern>),
    /// `on snapshot`, with the span of `snapshot`.
    Snapshot(Span),
}

pub(crate) struct Parser<'s> {
    file: FileId,
    src: &'s str,
    tokens: Vec<(Token, Span)>,
    docs: Vec<Span>,
    pos: usize,
    diags: Vec<Diagnostic>,
    /// Depth of the expression tree being built, see [`MAX_NESTING`].
    depth: usize,
    too_deep_reported: bool,
    /// Brackets reported unclosed (E0101) since the last recovery, per
    /// kind `(`, `[`, `{`: recovery must not look for their closers.
    abandoned: [usize; 3],
    /// The last failure was too-deep nesting: recovery must skip the
    /// closers of every bracket the construct opened.
    failed_deep: bool,
    /// A `let` or `fn` whose name parsed but whose rest did not: recovery
    /// still defines the name (with an error body), so its uses are not
    /// reported as unknown.
    broken: Option<Item>,
}

impl<'s> Parser<'s> {
    fn new(file: FileId, src: &'s str, tokens: Vec<(Token, Span)>, docs: Vec<Span>) -> Self {
        Parser {
            file,
            src,
            tokens,
            docs,
            pos: 0,
            diags: Vec::new(),
            depth: 0,
            too_deep_reported: false,
            abandoned: [0; 3],
            failed_deep: false,
            broken: None,
        }
    }

    fn report_lex_errors(&mut self) {
        for i in 0..self.tokens.len() {
            let Some(&(tok, span)) = self.tokens.get(i) else {
                continue;
            };
            match tok {
                Token::Error => {
                    let text = self.text(span).to_string();
                    self.diags
                        .push(diag::invalid_character(self.file, span, &text));
                }
                Token::UnterminatedStr => {
                    self.diags.push(diag::unterminated_string(self.file, span));
                }
                _ => {}
            }
        }
    }

    // ----- token cursor -------------------------------------------------

    fn peek(&self) -> Token {
        self.nth(0)
    }

    fn nth(&self, n: usize) -> Token {
        self.tokens
            .get(self.pos + n)
            .or(self.tokens.last())
            .map_or(Token::Eof, |t| t.0)
    }

    fn span(&self) -> Span {
        self.nth_span(0)
    }

    fn nth_span(&self, n: usize) -> Span {
        self.tokens
            .get(self.pos + n)
            .or(self.tokens.last())
            .map_or(Span::default(), |t| t.1)
    }

    fn prev_span(&self) -> Span {
        self.pos
            .checked_sub(1)
            .and_then(|i| self.tokens.get(i))
            .map_or(Span::default(), |t| t.1)
    }

    fn text(&self, span: Span) -> &'s str {
        self.src.get(span.range()).unwrap_or("")
    }

    fn at(&self, tok: Token) -> bool {
        self.peek() == tok
    }

    fn at_word(&self, word: &str) -> bool {
        self.peek() == Token::Ident && self.text(self.span()) == word
    }

    fn bump(&mut self) -> Span {
        let span = self.span();
        if self.pos < self.tokens.len().saturating_sub(1) {
            self.pos += 1;
        }
        span
    }

    fn eat(&mut self, tok: Token) -> Option<Span> {
        if self.at(tok) {
            Some(self.bump())
        } else {
            None
        }
    }

    /// True if the current token is the first on its line.
    fn at_line_start(&self) -> bool {
        let start = self.span().start as usize;
        let prev_end = self.prev_span().end as usize;
        self.pos == 0
            || self
                .src
                .get(prev_end..start)
                .is_some_and(|gap| gap.contains('\n'))
    }

    fn at_item_keyword(&self) -> bool {
        matches!(
            self.peek(),
            Token::Rule | Token::Drift | Token::Test | Token::Fn | Token::Package | Token::Import
        )
    }

    fn at_clause_start(&self) -> bool {
        match self.peek() {
            Token::When | Token::Require | Token::Let => true,
            Token::Ident => CLAUSE_WORDS.contains(&self.text(self.span())),
            _ => false,
        }
    }

    /// Where a broken construct most likely ended: the end of input, a
    /// closing brace, or a new clause or item on a line of its own.
    fn at_boundary(&self) -> bool {
        match self.peek() {
            Token::Eof | Token::RBrace => true,
            _ => self.at_line_start() && (self.at_clause_start() || self.at_item_keyword()),
        }
    }

    // ----- errors -------------------------------------------------------

    fn describe_current(&self) -> String {
        let tok = self.peek();
        match tok {
            Token::Ident | Token::Number => format!("`{}`", self.text(self.span())),
            Token::Str => "a string".to_string(),
            _ => tok.describe().to_string(),
        }
    }

    /// Reports "expected X, found Y" at the current token, unless that
    /// token was already reported by the lexer.
    fn unexpected(&mut self, expected: &str) -> Fail {
        if !matches!(self.peek(), Token::Error | Token::UnterminatedStr) {
            let found = self.describe_current();
            let mut d = diag::unexpected(self.file, self.span(), expected, &found);
            // `x -> ...`: another language's lambda arrow.
            let prev = self.pos.checked_sub(1).and_then(|i| self.tokens.get(i));
            if self.at(Token::Gt)
                && prev.is_some_and(|&(t, span)| t == Token::Minus && span.end == self.span().start)
            {
                d.help = Some("a lambda's arrow is `=>`: `any(items, x => x.enabled)`".to_string());
            }
            self.diags.push(d);
        }
        Fail
    }

    fn expect(&mut self, tok: Token, expected: &str) -> PResult<Span> {
        match self.eat(tok) {
            Some(span) => Ok(span),
            None => Err(self.unexpected(expected)),
        }
    }

    /// Expects the closing delimiter for `open`; reports an unclosed
    /// delimiter if the construct evidently ended without it.
    fn expect_close(&mut self, close: Token, open: Span, delim: &str) -> PResult<Span> {
        if let Some(span) = self.eat(close) {
            return Ok(span);
        }
        if self.at_boundary() && !(close == Token::RBrace && self.at(Token::RBrace)) {
            let what = if self.at(Token::Eof) {
                "the file ends"
            } else {
                "the construct ends"
            };
            self.diags
                .push(diag::unclosed(self.file, open, delim, self.span(), what));
            if let Some(n) = bracket_slot(close).and_then(|k| self.abandoned.get_mut(k)) {
                *n += 1;
            }
            return Err(Fail);
        }
        let expected = format!("`,` or {}", close.describe());
        let fail = self.unexpected(&expected);
        if let Some(last) = self.diags.last_mut()
            && last.code == crate::diagnostics::Code::UnexpectedToken
        {
            last.secondary.push(crate::diagnostics::Label {
                span: open,
                message: format!("to close this `{delim}`"),
                file: None,
            });
        }
        Err(fail)
    }

    fn ident(&mut self, expected: &str) -> PResult<Ident> {
        if self.at(Token::Ident) {
            let span = self.bump();
            Ok(Ident {
                name: self.text(span).to_string(),
                span,
            })
        } else {
            Err(self.unexpected(expected))
        }
    }

    // ----- recovery -------------------------------------------------------

    /// Skips tokens after an error in the construct that began at token
    /// `from`. Brackets are counted from `from`, so the closers of brackets
    /// opened before the failure are skipped rather than taken for the end
    /// of the block; brackets already reported unclosed are not waited for.
    /// `stop` (a clause, fixture or `let` boundary at a line start) is
    /// honoured outside braces: parentheses and lists that a mistake left
    /// open rarely span clauses, objects often span lines. After too-deep
    /// nesting, which is one long construct, `stop` waits for every bracket.
    /// An item keyword at a line start always stops: items never nest, so
    /// an unclosed bracket cannot swallow the rest of the file. A `}` that
    /// closes nothing counted here stops when `stop_at_close` (it ends the
    /// enclosing block).
    fn sync(&mut self, from: usize, stop_at_close: bool, stop: fn(&Self) -> bool) {
        // Open (, [ and { counted per kind: a mismatched closer is skipped,
        // never taken for another kind's.
        let mut open = [0usize; 3];
        let slot = bracket_slot;
        let is_open = |tok: Token| matches!(tok, Token::LParen | Token::LBracket | Token::LBrace);
        let deep = std::mem::take(&mut self.failed_deep);
        for &(tok, _) in self.tokens.get(from..self.pos).unwrap_or_default() {
            if let Some(k) = slot(tok)
                && let Some(n) = open.get_mut(k)
            {
                *n = if is_open(tok) {
                    *n + 1
                } else {
                    n.saturating_sub(1)
                };
            }
        }
        // Brackets already reported unclosed are not waited for.
        for (n, gone) in open.iter_mut().zip(std::mem::take(&mut self.abandoned)) {
            *n = n.saturating_sub(gone);
        }
        loop {
            let tok = self.peek();
            if tok == Token::Eof {
                return;
            }
            if self.pos > from && self.at_item_keyword() && self.at_line_start() {
                return;
            }
            if let Some(k) = slot(tok)
                && let Some(n) = open.get_mut(k)
            {
                if is_open(tok) {
                    *n += 1;
                } else if *n > 0 {
                    *n -= 1;
                } else if tok == Token::RBrace && stop_at_close {
                    return;
                }
            } else if self.pos > from && quiet(open, deep) && stop(self) {
                return;
            }
            self.bump();
        }
    }

    /// Skips to the next item outside any brackets.
    fn sync_item(&mut self, from: usize) {
        self.sync(from, false, |p| p.at(Token::Let) && p.at_line_start());
    }

    /// Skips to the next clause of the current block, or to its end.
    fn sync_clause(&mut self, from: usize) {
        self.sync(from, true, |p| p.at_line_start() && p.at_clause_start());
    }

    /// Skips to the next fixture of a test block, or to its end.
    fn sync_fixture(&mut self, from: usize) {
        self.sync(from, true, |p| p.at_line_start() && p.at_word("resource"));
    }

    /// The `///` lines right above the current token.
    fn take_doc(&mut self) -> Option<String> {
        let start = self.span().start;
        let prev_end = if self.pos == 0 {
            0
        } else {
            self.prev_span().end
        };
        // Doc comments are in source order: find the first one after the
        // previous token by binary search, so items cost O(log n) each.
        let first = self.docs.partition_point(|d| d.start < prev_end);
        let lines: Vec<&str> = self
            .docs
            .get(first..)
            .unwrap_or_default()
            .iter()
            .take_while(|d| d.end <= start)
            .map(|d| {
                let text = self.text(*d);
                let text = text.strip_prefix("///").unwrap_or(text);
                text.strip_prefix(' ').unwrap_or(text).trim_end()
            })
            .collect();
        if lines.is_empty() {
            None
        } else {
            Some(lines.join("\n"))
        }
    }

    // ----- items ----------------------------------------------------------

    fn module(&mut self) -> Module {
        let mut module = Module {
            file: self.file,
            package: None,
            imports: Vec::new(),
            items: Vec::new(),
        };
        let mut first_item: Option<Span> = None;
        loop {
            let start = self.pos;
            let result = match self.peek() {
                Token::Eof => break,
                Token::Package => self.package_decl(&mut module, first_item).map(|()| None),
                Token::Import => self.import_decl(&mut module, first_item).map(|()| None),
                Token::Rule => self.block(BlockKind::Rule).map(|b| Some(Item::Rule(b))),
                Token::Drift => self.block(BlockKind::Drift).map(|b| Some(Item::Drift(b))),
                Token::Test => self.test_block().map(|t| Some(Item::Test(t))),
                Token::Let => self.let_decl().map(|l| Some(Item::Let(l))),
                Token::Fn => self.fn_decl().map(|f| Some(Item::Fn(f))),
                Token::Ident if self.at_word("type") => {
                    self.type_decl().map(|t| Some(Item::Type(t)))
                }
                _ => Err(self.unexpected(
                    "an item (`rule`, `drift`, `test`, `let`, `fn`, `type`, `package` or `import`)",
                )),
            };
            match result {
                Ok(Some(item)) => {
                    first_item.get_or_insert(item_span(&item));
                    module.items.push(item);
                }
                Ok(None) => {}
                Err(Fail) => {
                    if let Some(item) = self.broken.take() {
                        first_item.get_or_insert(item_span(&item));
                        module.items.push(item);
                    }
                    self.sync_item(start);
                    // Always make progress, even on a stray token.
                    if self.pos == start && !self.at(Token::Eof) {
                        self.bump();
                        self.sync_item(start);
                    }
                }
            }
        }
        module
    }

    fn package_decl(&mut self, module: &mut Module, first_item: Option<Span>) -> PResult<()> {
        let kw = self.bump();
        let path = self.dotted_path("a package name such as `aws.storage`")?;
        let span = kw.to(self.prev_span());
        if let Some(prev) = &module.package {
            self.diags
                .push(diag::duplicate_package(self.file, span, prev.span));
        } else if first_item.is_some() || !module.imports.is_empty() {
            self.diags.push(diag::misplaced_package(
                self.file, span, "package", first_item,
            ));
            module.package = Some(Package { path, span });
        } else {
            module.package = Some(Package { path, span });
        }
        Ok(())
    }

    fn import_decl(&mut self, module: &mut Module, first_item: Option<Span>) -> PResult<()> {
        let kw = self.bump();
        let path = self.dotted_path("a package name such as `aws.common`")?;
        let alias = if self.eat(Token::As).is_some() {
            Some(self.ident("a name for the import")?)
        } else {
            None
        };
        let span = kw.to(self.prev_span());
        if first_item.is_some() {
            self.diags.push(diag::misplaced_package(
                self.file, span, "import", first_item,
            ));
        }
        module.imports.push(Import { path, alias, span });
        Ok(())
    }

    /// `a.b.c`. Segments after the first may be keywords (`acme.test`),
    /// as attribute names after a `.` may.
    fn dotted_path(&mut self, expected: &str) -> PResult<Vec<Ident>> {
        let mut path = vec![self.ident(expected)?];
        while self.at(Token::Dot) && (self.nth(1) == Token::Ident || self.nth(1).is_keyword()) {
            self.bump();
            let span = self.bump();
            path.push(Ident {
                name: self.text(span).to_string(),
                span,
            });
        }
        Ok(path)
    }

    fn block(&mut self, kind: BlockKind) -> PResult<Block> {
        let doc = self.take_doc();
        let kw = self.bump();
        let name = self.ident(&format!("a name for the {}", kind.keyword()))?;
        // A broken header still has a body worth checking (and a name that
        // tests refer to): skip to its `{` on the same line.
        let header = self.block_header().and_then(|header| {
            if self.at(Token::LBrace) {
                Ok(header)
            } else {
                Err(self.unexpected("`{`"))
            }
        });
        let (selector, snapshot, header_ok) = match header {
            Ok(Header::Snapshot(span)) => (Vec::new(), Some(span), true),
            Ok(Header::Types(selector)) => (selector, None, true),
            Err(fail) => {
                while !self.at(Token::LBrace) && !self.at(Token::Eof) && !self.at_line_start() {
                    self.bump();
                }
                if !self.at(Token::LBrace) {
                    return Err(fail);
                }
                (Vec::new(), None, false)
            }
        };
        let open = self.expect(Token::LBrace, "`{`")?;
        let (clauses, body_errors) = self.clauses(open);
        let has_errors = body_errors || !header_ok;
        Ok(Block {
            kind,
            doc,
            name,
            selector,
            snapshot,
            clauses,
            span: kw.to(self.prev_span()),
            has_errors,
        })
    }

    /// `type NAME` or `type PREFIX*`: a resource type of the user's own.
    fn type_decl(&mut self) -> PResult<TypeDecl> {
        let kw = self.bump();
        let pattern = self.type_pattern()?;
        Ok(TypeDecl {
            pattern,
            span: kw.to(self.prev_span()),
        })
    }

    /// `on TYPE, TYPE...` or `on snapshot` after a block's name.
    fn block_header(&mut self) -> PResult<Header> {
        if !self.at_word("on") {
            return Err(self.unexpected("`on` and the resource types it applies to"));
        }
        self.bump();
        if self.at_word("snapshot") && self.nth(1) == Token::LBrace {
            return Ok(Header::Snapshot(self.bump()));
        }
        self.type_patterns().map(Header::Types)
    }

    pub(crate) fn type_patterns(&mut self) -> PResult<Vec<TypePattern>> {
        let mut patterns = vec![self.type_pattern()?];
        while self.eat(Token::Comma).is_some() {
            patterns.push(self.type_pattern()?);
        }
        Ok(patterns)
    }

    fn type_pattern(&mut self) -> PResult<TypePattern> {
        let expected = "a resource type such as `aws_s3_bucket` or `aws_s3_*`";
        let pattern = match self.peek() {
            Token::Star => {
                let span = self.bump();
                TypePattern {
                    kind: TypePatternKind::Any,
                    span,
                }
            }
            Token::Ident => {
                let span = self.bump();
                let name = self.text(span).to_string();
                if self.at(Token::Star) && self.span().start == span.end {
                    let star = self.bump();
                    TypePattern {
                        kind: TypePatternKind::Prefix(name),
                        span: span.to(star),
                    }
                } else {
                    TypePattern {
                        kind: TypePatternKind::Exact(name),
                        span,
                    }
                }
            }
            Token::StarStar => {
                let span = self.bump();
                self.diags.push(diag::invalid_type_pattern(self.file, span));
                return Err(Fail);
            }
            _ => return Err(self.unexpected(expected)),
        };
        // `aws_*_bucket`: something glued to the star.
        if matches!(
            pattern.kind,
            TypePatternKind::Prefix(_) | TypePatternKind::Any
        ) && matches!(self.peek(), Token::Ident | Token::Star | Token::Number)
            && self.span().start == pattern.span.end
        {
            let span = pattern.span.to(self.span());
            self.diags.push(diag::invalid_type_pattern(self.file, span));
            return Err(Fail);
        }
        Ok(pattern)
    }

    /// The clauses of a rule or drift block, up to and including its `}`.
    fn clauses(&mut self, open: Span) -> (Vec<Clause>, bool) {
        let mut clauses = Vec::new();
        let mut has_errors = false;
        loop {
            if self.eat(Token::RBrace).is_some() {
                break;
            }
            if self.at(Token::Eof) || (self.at_item_keyword() && self.at_line_start()) {
                let what = if self.at(Token::Eof) {
                    "the file ends"
                } else {
                    "the next item starts"
                };
                self.diags
                    .push(diag::unclosed(self.file, open, "{", self.span(), what));
                has_errors = true;
                break;
            }
            let start = self.pos;
            match self.clause() {
                Ok(clause) => clauses.push(clause),
                Err(Fail) => {
                    has_errors = true;
                    if let Some(Item::Let(l)) = self.broken.take() {
                        let span = l.span;
                        clauses.push(Clause {
                            kind: ClauseKind::Let(l),
                            keyword: span,
                            span,
                        });
                    }
                    self.sync_clause(start);
                    if self.pos == start {
                        self.bump();
                        self.sync_clause(start);
                    }
                }
            }
        }
        (clauses, has_errors)
    }

    fn clause(&mut self) -> PResult<Clause> {
        let keyword = self.span();
        let kind = match self.peek() {
            Token::When => {
                self.bump();
                ClauseKind::When(self.expr()?)
            }
            Token::Require => {
                self.bump();
                ClauseKind::Require(self.expr()?)
            }
            Token::Let => ClauseKind::Let(self.let_decl()?),
            Token::Ident => match self.text(keyword) {
                "severity" => {
                    self.bump();
                    ClauseKind::Severity(
                        self.ident("a severity (`critical`, `high`, `medium`, `low` or `info`)")?,
                    )
                }
                "response" => {
                    self.bump();
                    ClauseKind::Response(self.ident("a response (`auto`, `review` or `alert`)")?)
                }
                "controls" => {
                    self.bump();
                    ClauseKind::Controls(self.control_refs()?)
                }
                "message" => {
                    self.bump();
                    ClauseKind::Message(self.template()?)
                }
                "remediation" => {
                    self.bump();
                    ClauseKind::Remediation(self.template()?)
                }
                "paths" => {
                    self.bump();
                    ClauseKind::Paths(self.path_patterns()?)
                }
                _ => return Err(self.unexpected_clause()),
            },
            _ => return Err(self.unexpected_clause()),
        };
        Ok(Clause {
            kind,
            keyword,
            span: keyword.to(self.prev_span()),
        })
    }

    fn unexpected_clause(&mut self) -> Fail {
        const CLAUSES: [&str; 9] = [
            "require",
            "when",
            "let",
            "severity",
            "controls",
            "response",
            "message",
            "remediation",
            "paths",
        ];
        // A misspelt clause word (`requre`, `mesage`) gets a did-you-mean.
        let suggestion = if self.at(Token::Ident) {
            let found = self.text(self.span()).to_ascii_lowercase();
            CLAUSES
                .iter()
                .map(|w| (strsim::levenshtein(&found, w), *w))
                .filter(|(d, w)| *d <= 2 && *d < w.len() / 2)
                .min()
                .map(|(_, w)| w)
        } else {
            None
        };
        let fail = self.unexpected("`}` or a clause (`require`, `when`, `let`, `severity`, `controls`, `response`, `message`, `remediation`, `paths`)");
        if let (Some(word), Some(d)) = (suggestion, self.diags.last_mut()) {
            d.help = Some(format!("did you mean `{word}`?"));
        }
        fail
    }

    fn control_refs(&mut self) -> PResult<Vec<ControlRef>> {
        let mut refs = vec![self.control_ref()?];
        while self.eat(Token::Comma).is_some() {
            refs.push(self.control_ref()?);
        }
        Ok(refs)
    }

    /// `nist.AC-2(1)`, `pci.2.2.1`: read as raw text, because control IDs
    /// are not made of plumb tokens. The ID runs to the first character that
    /// cannot be part of one.
    fn control_ref(&mut self) -> PResult<ControlRef> {
        let framework = self.ident("a control such as `nist.CM-6`")?;
        let start = framework.span.start as usize;
        let is_id_char =
            |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '(' | ')' | ':');
        let rest = self.src.get(framework.span.end as usize..).unwrap_or("");
        let len = rest.find(|c: char| !is_id_char(c)).unwrap_or(rest.len());
        let mut end = framework.span.end as usize + len;
        // Consume every token that starts inside the run.
        while !self.at(Token::Eof) && (self.span().start as usize) < end {
            let span = self.bump();
            end = end.max(span.end as usize);
        }
        let span = Span::new(start, end);
        let text = self.src.get(start..end).unwrap_or("");
        let after = text.get(framework.name.len()..).unwrap_or("");
        match after.strip_prefix('.') {
            Some(id) if !id.is_empty() => Ok(ControlRef {
                framework,
                id: id.to_string(),
                id_span: Span::new(start + framework_len(text) + 1, end),
                span,
            }),
            _ => {
                self.diags
                    .push(diag::invalid_control_ref(self.file, span, text));
                Err(Fail)
            }
        }
    }

    fn path_patterns(&mut self) -> PResult<Vec<PathPattern>> {
        let mut paths = vec![self.path_pattern()?];
        while self.eat(Token::Comma).is_some() {
            paths.push(self.path_pattern()?);
        }
        Ok(paths)
    }

    fn path_pattern(&mut self) -> PResult<PathPattern> {
        let start = self.span();
        let mut segments = vec![self.path_name_segment(true)?];
        loop {
            if self.eat(Token::Dot).is_some() {
                segments.push(self.path_name_segment(false)?);
            } else if self.at(Token::LBracket) {
                let open = self.bump();
                let seg = match self.peek() {
                    Token::Star => {
                        self.bump();
                        PathSegment::AnyIndex
                    }
                    Token::Number => {
                        let span = self.bump();
                        match self.text(span).parse::<u64>() {
                            Ok(n) => PathSegment::Index(n),
                            Err(_) => {
                                self.diags.push(diag::invalid_path_pattern(
                                    self.file,
                                    span,
                                    "a list index is a whole number",
                                ));
                                return Err(Fail);
                            }
                        }
                    }
                    Token::Str => PathSegment::Key(self.string_literal()?),
                    _ => return Err(self.unexpected("`*`, an index or a quoted key")),
                };
                self.expect_close(Token::RBracket, open, "[")?;
                segments.push(seg);
            } else {
                break;
            }
        }
        Ok(PathPattern {
            segments,
            span: start.to(self.prev_span()),
        })
    }

    fn path_name_segment(&mut self, first: bool) -> PResult<PathSegment> {
        let tok = self.peek();
        if tok == Token::Ident || tok.is_keyword() {
            let span = self.bump();
            return Ok(PathSegment::Key(self.text(span).to_string()));
        }
        match tok {
            Token::Star => {
                self.bump();
                Ok(PathSegment::AnyKey)
            }
            Token::StarStar => {
                self.bump();
                Ok(PathSegment::Descendants)
            }
            Token::Str if first => Ok(PathSegment::Key(self.string_literal()?)),
            _ => Err(self.unexpected("an attribute name, `*` or `**`")),
        }
    }

    fn let_decl(&mut self) -> PResult<LetDecl> {
        let doc = self.take_doc();
        let kw = self.bump();
        let name = self.ident("a name for the constant")?;
        let value = match self.expect(Token::Eq, "`=`").and_then(|_| self.expr()) {
            Ok(value) => value,
            Err(fail) => {
                let span = kw.to(name.span);
                self.broken = Some(Item::Let(LetDecl {
                    doc,
                    name,
                    value: Expr::error(span),
                    span,
                }));
                return Err(fail);
            }
        };
        Ok(LetDecl {
            doc,
            name,
            value,
            span: kw.to(self.prev_span()),
        })
    }

    fn fn_decl(&mut self) -> PResult<FnDecl> {
        let doc = self.take_doc();
        let kw = self.bump();
        let name = self.ident("a name for the function")?;
        let mut params = Vec::new();
        let mut arity_known = false;
        let rest = self.fn_rest(&mut params, &mut arity_known);
        match rest {
            Ok(body) => Ok(FnDecl {
                doc,
                name,
                params,
                arity_known: true,
                body,
                span: kw.to(self.prev_span()),
            }),
            Err(fail) => {
                let span = kw.to(name.span);
                self.broken = Some(Item::Fn(FnDecl {
                    doc,
                    name,
                    params,
                    arity_known,
                    body: Expr::error(span),
                    span,
                }));
                Err(fail)
            }
        }
    }

    /// A function's parameter list and body; `arity_known` is set once the
    /// parameter list is complete.
    fn fn_rest(&mut self, params: &mut Vec<Ident>, arity_known: &mut bool) -> PResult<Expr> {
        let open = self.expect(Token::LParen, "`(`")?;
        if !self.at(Token::RParen) {
            params.push(self.ident("a parameter name")?);
            while self.eat(Token::Comma).is_some() {
                if self.at(Token::RParen) {
                    break;
                }
                params.push(self.ident("a parameter name")?);
            }
        }
        self.expect_close(Token::RParen, open, "(")?;
        *arity_known = true;
        self.expect(Token::Eq, "`=` and the function body")?;
        self.expr()
    }

    fn test_block(&mut self) -> PResult<TestBlock> {
        let doc = self.take_doc();
        let kw = self.bump();
        let name = self.ident("the name of the rule under test")?;
        let open = self.expect(Token::LBrace, "`{`")?;
        let mut fixtures = Vec::new();
        let mut expect = None;
        let mut has_errors = false;
        loop {
            if self.eat(Token::RBrace).is_some() {
                break;
            }
            // `expect WORD` on its own: the snapshot's expectation (for a
            // rule `on snapshot`). Given twice, the second is an error.
            if self.at_word("expect") && expect.is_none() {
                self.bump();
                match self.ident("`pass`, `fail`, `skip`, `error` or `indeterminate`") {
                    Ok(word) => expect = Some(word),
                    Err(Fail) => has_errors = true,
                }
                continue;
            }
            if self.at(Token::Eof) || (self.at_item_keyword() && self.at_line_start()) {
                let what = if self.at(Token::Eof) {
                    "the file ends"
                } else {
                    "the next item starts"
                };
                self.diags
                    .push(diag::unclosed(self.file, open, "{", self.span(), what));
                has_errors = true;
                break;
            }
            let start = self.pos;
            match self.fixture() {
                Ok(f) => fixtures.push(f),
                Err(Fail) => {
                    has_errors = true;
                    self.sync_fixture(start);
                    if self.pos == start {
                        self.bump();
                        self.sync_fixture(start);
                    }
                }
            }
        }
        Ok(TestBlock {
            doc,
            name,
            fixtures,
            expect,
            span: kw.to(self.prev_span()),
            has_errors,
        })
    }

    fn fixture(&mut self) -> PResult<Fixture> {
        if !self.at_word("resource") {
            return Err(self.unexpected("`resource` or `}`"));
        }
        let kw = self.bump();
        let resource_type = self.ident("a resource type")?;
        if !self.at(Token::Str) {
            return Err(self.unexpected("the resource id as a string"));
        }
        let id_span = self.span();
        let id = self.string_literal()?;
        if !self.at(Token::LBrace) {
            return Err(self.unexpected("`{` and the resource's attributes"));
        }
        // An object literal, not an expression that starts with one.
        let attributes = self.object()?;
        // On the fixture's line; `expect` starting a line of its own is the
        // test block's (a rule `on snapshot`).
        let expect = if self.at_word("expect") && !self.at_line_start() {
            self.bump();
            Some(self.ident("`pass`, `fail`, `skip`, `error` or `indeterminate`")?)
        } else {
            None
        };
        Ok(Fixture {
            resource_type,
            id,
            id_span,
            attributes,
            expect,
            span: kw.to(self.prev_span()),
        })
    }
}

/// Whether a recovery boundary counts with `open` brackets still open.
fn quiet(open: [usize; 3], deep: bool) -> bool {
    if deep {
        open == [0, 0, 0]
    } else {
        open[2] == 0
    }
}

/// Which of `(`, `[`, `{` a bracket token is.
fn bracket_slot(tok: Token) -> Option<usize> {
    match tok {
        Token::LParen | Token::RParen => Some(0),
        Token::LBracket | Token::RBracket => Some(1),
        Token::LBrace | Token::RBrace => Some(2),
        _ => None,
    }
}

fn framework_len(text: &str) -> usize {
    text.find('.').unwrap_or(text.len())
}

fn item_span(item: &Item) -> Span {
    match item {
        Item::Let(l) => l.span,
        Item::Rule(b) | Item::Drift(b) => b.span,
        Item::Fn(f) => f.span,
        Item::Test(t) => t.span,
        Item::Type(t) => t.span,
    }
}
