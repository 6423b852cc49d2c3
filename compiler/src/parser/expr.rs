//! Expressions: precedence climbing over binary operators, recursive descent
//! for everything else. The tree depth is tracked in `Parser::depth`: every
//! node on the way down, including each link of a left-leaning chain such
//! as `a.b.c` or `a + b + c`, counts one level.
//!
//! Precedence, loosest first: `=>` (lambda), `or`, `and`, `not`,
//! comparisons (`==` `!=` `<` `<=` `>` `>=` `in` `not in`, not chainable),
//! `+` `-`, `*` `/` `%`, unary `-`, postfix (`.name`, `[i]`, `[*]`, `.**`,
//! calls).

use super::{Fail, MAX_NESTING, PResult, Parser, diag};
use crate::ast::*;
use crate::lexer::Token;
use crate::span::Span;

const PREC_OR: u8 = 1;
const PREC_AND: u8 = 2;
const PREC_CMP: u8 = 4;
const PREC_ADD: u8 = 5;
const PREC_MUL: u8 = 6;

impl Parser<'_> {
    /// Enters one level of nesting, reporting (once per file) and failing
    /// when the limit is passed.
    fn enter(&mut self) -> PResult<()> {
        self.depth += 1;
        if self.depth > MAX_NESTING {
            self.failed_deep = true;
            if !self.too_deep_reported {
                self.too_deep_reported = true;
                self.diags
                    .push(diag::nesting_too_deep(self.file, self.span(), MAX_NESTING));
            }
            self.depth -= 1;
            return Err(Fail);
        }
        Ok(())
    }

    fn leave(&mut self, levels: usize) {
        self.depth = self.depth.saturating_sub(levels);
    }

    pub(crate) fn expr(&mut self) -> PResult<Expr> {
        self.enter()?;
        let result = self.expr_inner();
        self.leave(1);
        result
    }

    fn expr_inner(&mut self) -> PResult<Expr> {
        if self.at(Token::Ident) && self.nth(1) == Token::Arrow {
            let param = self.ident("a parameter")?;
            return self.lambda(vec![param]);
        }
        if self.at(Token::LParen) && self.lambda_ahead() {
            let open = self.bump();
            let mut params = Vec::new();
            while self.at(Token::Ident) {
                params.push(self.ident("a parameter")?);
                if self.eat(Token::Comma).is_none() {
                    break;
                }
            }
            self.expect_close(Token::RParen, open, "(")?;
            let mut lambda = self.lambda(params)?;
            lambda.span = open.to(lambda.span);
            return Ok(lambda);
        }
        if self.at(Token::If) {
            let kw = self.bump();
            let cond = self.expr()?;
            self.expect(Token::Then, "`then`")?;
            let then = self.expr()?;
            self.expect(Token::Else, "`else`")?;
            let otherwise = self.expr()?;
            let span = kw.to(otherwise.span);
            return Ok(Expr::new(
                ExprKind::If {
                    cond: Box::new(cond),
                    then: Box::new(then),
                    otherwise: Box::new(otherwise),
                },
                span,
            ));
        }
        self.binary(PREC_OR)
    }

    /// `(a, b) =>`: a parenthesised list of names followed by an arrow.
    fn lambda_ahead(&self) -> bool {
        let mut n = 1;
        if self.nth(n) == Token::RParen {
            return self.nth(n + 1) == Token::Arrow;
        }
        loop {
            if self.nth(n) != Token::Ident {
                return false;
            }
            match self.nth(n + 1) {
                Token::Comma => n += 2,
                Token::RParen => return self.nth(n + 2) == Token::Arrow,
                _ => return false,
            }
        }
    }

    fn lambda(&mut self, params: Vec<Ident>) -> PResult<Expr> {
        let start = params.first().map_or(self.span(), |p| p.span);
        self.expect(Token::Arrow, "`=>`")?;
        let body = self.expr()?;
        let span = start.to(body.span);
        Ok(Expr::new(
            ExprKind::Lambda {
                params,
                body: Box::new(body),
            },
            span,
        ))
    }

    fn binary_op(&self) -> Option<(BinaryOp, u8, usize)> {
        let op = match self.peek() {
            Token::Or => (BinaryOp::Or, PREC_OR, 1),
            Token::And => (BinaryOp::And, PREC_AND, 1),
            Token::EqEq => (BinaryOp::Eq, PREC_CMP, 1),
            Token::NotEq => (BinaryOp::NotEq, PREC_CMP, 1),
            Token::Lt => (BinaryOp::Lt, PREC_CMP, 1),
            Token::Le => (BinaryOp::Le, PREC_CMP, 1),
            Token::Gt => (BinaryOp::Gt, PREC_CMP, 1),
            Token::Ge => (BinaryOp::Ge, PREC_CMP, 1),
            Token::In => (BinaryOp::In, PREC_CMP, 1),
            Token::Not if self.nth(1) == Token::In => (BinaryOp::NotIn, PREC_CMP, 2),
            Token::Plus => (BinaryOp::Add, PREC_ADD, 1),
            Token::Minus => (BinaryOp::Sub, PREC_ADD, 1),
            Token::Star => (BinaryOp::Mul, PREC_MUL, 1),
            Token::Slash => (BinaryOp::Div, PREC_MUL, 1),
            Token::Percent => (BinaryOp::Rem, PREC_MUL, 1),
            _ => return None,
        };
        Some(op)
    }

    fn binary(&mut self, min_prec: u8) -> PResult<Expr> {
        let mut lhs = self.prefix()?;
        let saved = self.depth;
        let mut last_comparison: Option<Span> = None;
        // Once a chain of comparisons is reported, the rest of it is parsed
        // (for its own mistakes) but folded into one error node: one
        // diagnostic per chain, and no tree to grow deep.
        let mut chained = false;
        let result = loop {
            let Some((op, prec, len)) = self.binary_op() else {
                break Ok(lhs);
            };
            if prec < min_prec {
                break Ok(lhs);
            }
            let mut op_span = self.bump();
            if len == 2 {
                op_span = op_span.to(self.bump());
            }
            if op.is_comparison() {
                if let Some(first) = last_comparison
                    && !chained
                {
                    chained = true;
                    self.diags
                        .push(diag::chained_comparison(self.file, first, op_span));
                }
                last_comparison = Some(op_span);
            }
            if chained {
                match self.binary(prec + 1) {
                    Ok(rhs) => {
                        lhs = Expr::error(lhs.span.to(rhs.span));
                        continue;
                    }
                    Err(fail) => break Err(fail),
                }
            }
            if let Err(fail) = self.enter() {
                break Err(fail);
            }
            let rhs = match self.binary(prec + 1) {
                Ok(rhs) => rhs,
                Err(fail) => break Err(fail),
            };
            let span = lhs.span.to(rhs.span);
            lhs = Expr::new(ExprKind::Binary(op, Box::new(lhs), Box::new(rhs)), span);
        };
        self.depth = saved;
        result
    }

    fn prefix(&mut self) -> PResult<Expr> {
        let (op, operand_prec) = match self.peek() {
            // `not a == b` is `not (a == b)`; `not a and b` is `(not a) and b`.
            Token::Not => (UnaryOp::Not, Some(PREC_CMP)),
            Token::Minus => (UnaryOp::Neg, None),
            _ => return self.postfix(),
        };
        let op_span = self.bump();
        self.enter()?;
        let operand = match operand_prec {
            Some(prec) => self.binary(prec),
            None => self.prefix(),
        };
        self.leave(1);
        let operand = operand?;
        let span = op_span.to(operand.span);
        Ok(Expr::new(ExprKind::Unary(op, Box::new(operand)), span))
    }

    fn postfix(&mut self) -> PResult<Expr> {
        let mut e = self.primary()?;
        let saved = self.depth;
        let result = loop {
            let kind = match self.peek() {
                Token::Dot => {
                    self.bump();
                    let tok = self.peek();
                    if tok == Token::StarStar {
                        self.bump();
                        ExprKind::Descendants(Box::new(e))
                    } else if tok == Token::Ident || tok.is_keyword() {
                        let span = self.bump();
                        let name = Ident {
                            name: self.text(span).to_string(),
                            span,
                        };
                        ExprKind::Field(Box::new(e), name)
                    } else {
                        break Err(self.unexpected("an attribute name or `**`"));
                    }
                }
                Token::LBracket => {
                    let open = self.bump();
                    if self.at(Token::Star) && self.nth(1) == Token::RBracket {
                        self.bump();
                        self.bump();
                        ExprKind::Elements(Box::new(e))
                    } else {
                        let index = match self.expr() {
                            Ok(index) => index,
                            Err(fail) => break Err(fail),
                        };
                        if let Err(fail) = self.expect_close(Token::RBracket, open, "[") {
                            break Err(fail);
                        }
                        ExprKind::Index(Box::new(e), Box::new(index))
                    }
                }
                Token::LParen => {
                    let open = self.bump();
                    let args = match self.args(open) {
                        Ok(args) => args,
                        Err(fail) => break Err(fail),
                    };
                    ExprKind::Call {
                        callee: Box::new(e),
                        args,
                    }
                }
                _ => break Ok(e),
            };
            let span = self.span_of_kind(&kind).to(self.prev_span());
            e = Expr::new(kind, span);
            if let Err(fail) = self.enter() {
                break Err(fail);
            }
        };
        self.depth = saved;
        result
    }

    fn span_of_kind(&self, kind: &ExprKind) -> Span {
        match kind {
            ExprKind::Descendants(e) | ExprKind::Elements(e) | ExprKind::Field(e, _) => e.span,
            ExprKind::Index(e, _) => e.span,
            ExprKind::Call { callee, .. } => callee.span,
            _ => self.prev_span(),
        }
    }

    fn args(&mut self, open: Span) -> PResult<Vec<Expr>> {
        let mut args = Vec::new();
        loop {
            if self.eat(Token::RParen).is_some() {
                return Ok(args);
            }
            args.push(self.expr()?);
            if self.eat(Token::Comma).is_none() {
                self.expect_close(Token::RParen, open, "(")?;
                return Ok(args);
            }
        }
    }

    fn primary(&mut self) -> PResult<Expr> {
        let span = self.span();
        let kind = match self.peek() {
            Token::Null => {
                self.bump();
                ExprKind::Null
            }
            Token::True => {
                self.bump();
                ExprKind::Bool(true)
            }
            Token::False => {
                self.bump();
                ExprKind::Bool(false)
            }
            Token::Number => {
                self.bump();
                match self.text(span).parse::<f64>() {
                    Ok(n) if n.is_finite() => ExprKind::Number(n),
                    _ => {
                        self.diags.push(diag::number_out_of_range(self.file, span));
                        ExprKind::Error
                    }
                }
            }
            Token::Str | Token::UnterminatedStr => ExprKind::Str(self.string_literal()?),
            Token::Ident => {
                self.bump();
                ExprKind::Name(Ident {
                    name: self.text(span).to_string(),
                    span,
                })
            }
            Token::LParen => {
                let open = self.bump();
                let inner = self.expr()?;
                let close = self.expect_close(Token::RParen, open, "(")?;
                // Parentheses only group; the span covers them for labels.
                return Ok(Expr::new(inner.kind, open.to(close)));
            }
            Token::LBracket => return self.list(),
            Token::LBrace => return self.object(),
            Token::Resources => {
                self.bump();
                let open = self.expect(Token::LParen, "`(`")?;
                let types = self.type_patterns()?;
                let close = self.expect_close(Token::RParen, open, "(")?;
                return Ok(Expr::new(ExprKind::Resources(types), span.to(close)));
            }
            _ => return Err(self.unexpected("an expression")),
        };
        Ok(Expr::new(kind, span))
    }

    fn list(&mut self) -> PResult<Expr> {
        let open = self.bump();
        let mut items = Vec::new();
        loop {
            if let Some(close) = self.eat(Token::RBracket) {
                return Ok(Expr::new(ExprKind::List(items), open.to(close)));
            }
            let item = self.expr()?;
            if items.is_empty() && self.at(Token::For) {
                return self.comprehension(open, item);
            }
            items.push(item);
            if self.eat(Token::Comma).is_none() {
                let close = self.expect_close(Token::RBracket, open, "[")?;
                return Ok(Expr::new(ExprKind::List(items), open.to(close)));
            }
        }
    }

    fn comprehension(&mut self, open: Span, element: Expr) -> PResult<Expr> {
        self.bump();
        let var = self.ident("a variable name")?;
        self.expect(Token::In, "`in`")?;
        let source = self.expr()?;
        let filter = if self.eat(Token::If).is_some() {
            Some(Box::new(self.expr()?))
        } else {
            None
        };
        let close = self.expect_close(Token::RBracket, open, "[")?;
        Ok(Expr::new(
            ExprKind::Comprehension {
                element: Box::new(element),
                var,
                source: Box::new(source),
                filter,
            },
            open.to(close),
        ))
    }

    /// `{ key: value, ... }`; also a test fixture's attributes.
    pub(super) fn object(&mut self) -> PResult<Expr> {
        let open = self.bump();
        let mut entries = Vec::new();
        loop {
            if let Some(close) = self.eat(Token::RBrace) {
                return Ok(Expr::new(ExprKind::Object(entries), open.to(close)));
            }
            let key_span = self.span();
            let tok = self.peek();
            let key = if tok == Token::Ident || tok.is_keyword() {
                self.bump();
                self.text(key_span).to_string()
            } else if tok == Token::Str {
                self.string_literal()?
            } else {
                return Err(self.unexpected("a key (a name or a string) or `}`"));
            };
            self.expect(Token::Colon, "`:`")?;
            let value = self.expr()?;
            entries.push((
                ObjectKey {
                    name: key,
                    span: key_span,
                },
                value,
            ));
            if self.eat(Token::Comma).is_none() {
                let close = self.expect_close(Token::RBrace, open, "{")?;
                return Ok(Expr::new(ExprKind::Object(entries), open.to(close)));
            }
        }
    }
}
