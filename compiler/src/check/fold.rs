//! Constant folding, used only to warn about guards that can never hold and
//! requirements that can never fail. It folds literals and operators over
//! them; anything that reads a resource or a name is not constant.

use crate::ast::{BinaryOp, Expr, ExprKind, UnaryOp};

#[derive(Debug, Clone, PartialEq)]
pub enum Const {
    Null,
    Bool(bool),
    Number(f64),
    Str(String),
    List(Vec<Const>),
}

impl Const {
    /// plumb's conditions hold only for the boolean `true`.
    pub fn holds(&self) -> bool {
        matches!(self, Const::Bool(true))
    }
}

pub fn fold(e: &Expr) -> Option<Const> {
    Some(match &e.kind {
        ExprKind::Null => Const::Null,
        ExprKind::Bool(b) => Const::Bool(*b),
        ExprKind::Number(n) => Const::Number(*n),
        ExprKind::Str(s) => Const::Str(s.clone()),
        ExprKind::List(items) => Const::List(items.iter().map(fold).collect::<Option<_>>()?),
        ExprKind::Unary(UnaryOp::Not, x) => Const::Bool(!fold(x)?.holds()),
        ExprKind::Unary(UnaryOp::Neg, x) => match fold(x)? {
            Const::Number(n) => Const::Number(-n),
            _ => return None,
        },
        ExprKind::If {
            cond,
            then,
            otherwise,
        } => {
            if fold(cond)?.holds() {
                fold(then)?
            } else {
                fold(otherwise)?
            }
        }
        ExprKind::Binary(op, a, b) => binary(*op, a, b)?,
        _ => return None,
    })
}

fn binary(op: BinaryOp, a: &Expr, b: &Expr) -> Option<Const> {
    // `false and x` is false whatever `x` is; likewise `true or x`.
    match op {
        BinaryOp::And => {
            let l = fold(a);
            let r = fold(b);
            if l.as_ref().is_some_and(|c| !c.holds()) || r.as_ref().is_some_and(|c| !c.holds()) {
                return Some(Const::Bool(false));
            }
            return Some(Const::Bool(l?.holds() && r?.holds()));
        }
        BinaryOp::Or => {
            let l = fold(a);
            let r = fold(b);
            if l.as_ref().is_some_and(Const::holds) || r.as_ref().is_some_and(Const::holds) {
                return Some(Const::Bool(true));
            }
            return Some(Const::Bool(l?.holds() || r?.holds()));
        }
        _ => {}
    }
    let l = fold(a)?;
    let r = fold(b)?;
    Some(match (op, &l, &r) {
        (BinaryOp::Eq, _, _) => Const::Bool(l == r),
        (BinaryOp::NotEq, _, _) => Const::Bool(l != r),
        (BinaryOp::Lt, Const::Number(x), Const::Number(y)) => Const::Bool(x < y),
        (BinaryOp::Le, Const::Number(x), Const::Number(y)) => Const::Bool(x <= y),
        (BinaryOp::Gt, Const::Number(x), Const::Number(y)) => Const::Bool(x > y),
        (BinaryOp::Ge, Const::Number(x), Const::Number(y)) => Const::Bool(x >= y),
        (BinaryOp::Lt, Const::Str(x), Const::Str(y)) => Const::Bool(x < y),
        (BinaryOp::Le, Const::Str(x), Const::Str(y)) => Const::Bool(x <= y),
        (BinaryOp::Gt, Const::Str(x), Const::Str(y)) => Const::Bool(x > y),
        (BinaryOp::Ge, Const::Str(x), Const::Str(y)) => Const::Bool(x >= y),
        (BinaryOp::In, _, Const::List(items)) => Const::Bool(items.contains(&l)),
        (BinaryOp::NotIn, _, Const::List(items)) => Const::Bool(!items.contains(&l)),
        (BinaryOp::Add, Const::Number(x), Const::Number(y)) => Const::Number(x + y),
        (BinaryOp::Sub, Const::Number(x), Const::Number(y)) => Const::Number(x - y),
        (BinaryOp::Mul, Const::Number(x), Const::Number(y)) => Const::Number(x * y),
        (BinaryOp::Add, Const::Str(x), Const::Str(y)) => Const::Str(format!("{x}{y}")),
        _ => return None,
    })
}
