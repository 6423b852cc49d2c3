//! Resolving and typing expressions.
//!
//! Scopes, innermost first: lambda and comprehension variables, function
//! parameters and a rule's `let`s (each visible after its definition), the
//! package's `let`s and `fn`s, imported packages (as `alias.name`), the
//! resource names of a rule or drift block, and the built-ins. Types are
//! tracked only as far as literals and built-in results make them certain;
//! a type error is reported only when it is certain.

use std::collections::HashMap;

use plumb_stdlib::builtins::{self, Param, Ty};

use super::{Checker, Node, RESOURCE_NAMES, ValueKind, diag};
use crate::ast::*;
use crate::span::{FileId, Span};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LocalKind {
    Param,
    RuleLet,
}

#[derive(Debug)]
pub(crate) struct Local {
    pub name: String,
    pub span: Span,
    pub kind: LocalKind,
    pub used: bool,
}

pub(crate) struct Scope<'a> {
    pub file: FileId,
    pub pkg: usize,
    pub module: usize,
    /// The rule or drift block being checked: its resource names are in
    /// scope.
    pub block: Option<&'a Block>,
    pub locals: Vec<Local>,
    /// The package-level definition whose body is being checked.
    pub current: Option<Node>,
}

impl<'a> Scope<'a> {
    pub fn new(file: FileId, pkg: usize, module: usize, block: Option<&'a Block>) -> Self {
        Scope {
            file,
            pkg,
            module,
            block,
            locals: Vec::new(),
            current: None,
        }
    }

    fn local(&mut self, name: &str) -> Option<&mut Local> {
        self.locals.iter_mut().rev().find(|l| l.name == name)
    }
}

/// What a plain name refers to.
enum Resolved {
    Local,
    Value(ValueKind),
    Import,
    Resource,
    /// A resource name in a rule `on snapshot` (the span of `snapshot`).
    SnapshotResource(Span),
    Builtin,
    Unknown,
}

impl Checker<'_> {
    /// Adds a local, warning when it hides another name.
    pub(crate) fn bind(&mut self, scope: &mut Scope<'_>, ident: &Ident, kind: LocalKind) {
        let visible = scope.locals.len();
        self.bind_hiding(scope, ident, kind, visible);
    }

    /// Adds a local; only the first `visible` locals can be hidden by it.
    fn bind_hiding(
        &mut self,
        scope: &mut Scope<'_>,
        ident: &Ident,
        kind: LocalKind,
        visible: usize,
    ) {
        let name = ident.name.as_str();
        let outer = scope.locals.get(..visible).unwrap_or_default();
        let hidden = if let Some(l) = outer.iter().rev().find(|l| l.name == name) {
            Some((format!("an outer `{name}`"), Some(l.span)))
        } else if let Some(def) = self
            .packages
            .get(scope.pkg)
            .and_then(|p| p.values.get(name))
        {
            let same_file = def.file == scope.file;
            Some((
                format!("the package-level `{name}`"),
                same_file.then_some(def.span),
            ))
        } else if scope.block.is_some() && RESOURCE_NAMES.contains(&name) {
            Some((format!("the resource's `{name}`"), None))
        } else {
            None
        };
        if let Some((what, span)) = hidden
            && !name.starts_with('_')
        {
            self.diags
                .push(diag::shadowed(scope.file, ident.span, name, &what, span));
        }
        scope.locals.push(Local {
            name: ident.name.clone(),
            span: ident.span,
            kind,
            used: false,
        });
    }

    /// Binds a parameter list. A name declared twice is one mistake, however
    /// many copies follow: it is reported at the first repeat, and repeats
    /// are not also reported as hiding anything. Linear in the list's length.
    pub(crate) fn bind_params(&mut self, scope: &mut Scope<'_>, params: &[Ident]) {
        let mut seen: HashMap<&str, Span> = HashMap::with_capacity(params.len());
        let mut reported = false;
        // Siblings never hide each other (a repeat is its own error).
        let outer = scope.locals.len();
        for p in params {
            if let Some(first) = seen.get(p.name.as_str()) {
                if !reported {
                    reported = true;
                    self.diags.push(diag::duplicate_parameter(
                        scope.file, p.span, &p.name, *first,
                    ));
                }
                scope.locals.push(Local {
                    name: p.name.clone(),
                    span: p.span,
                    kind: LocalKind::Param,
                    used: true,
                });
                continue;
            }
            seen.insert(&p.name, p.span);
            self.bind_hiding(scope, p, LocalKind::Param, outer);
        }
    }

    fn resolve(&mut self, scope: &mut Scope<'_>, name: &str) -> Resolved {
        if let Some(local) = scope.local(name) {
            local.used = true;
            return Resolved::Local;
        }
        if let Some(def) = self
            .packages
            .get(scope.pkg)
            .and_then(|p| p.values.get(name))
        {
            let kind = def.kind;
            let node = (scope.pkg, name.to_string());
            self.note_use(scope, node, def.span);
            return Resolved::Value(kind);
        }
        if self
            .imports
            .get(scope.module)
            .is_some_and(|m| m.contains_key(name))
        {
            return Resolved::Import;
        }
        if let Some(block) = scope.block
            && RESOURCE_NAMES.contains(&name)
        {
            return match block.snapshot {
                Some(header) => Resolved::SnapshotResource(header),
                None => Resolved::Resource,
            };
        }
        if builtins::lookup(name).is_some() {
            return Resolved::Builtin;
        }
        Resolved::Unknown
    }

    fn note_use(&mut self, scope: &Scope<'_>, node: Node, span: Span) {
        if let Some(from) = &scope.current {
            self.edges
                .entry(from.clone())
                .or_default()
                .push((node.clone(), scope.file, span));
        }
        self.used_values.insert(node);
    }

    fn value_candidates(&self, scope: &Scope<'_>) -> Vec<String> {
        let mut names: Vec<String> = scope.locals.iter().map(|l| l.name.clone()).collect();
        if let Some(p) = self.packages.get(scope.pkg) {
            names.extend(
                p.values
                    .iter()
                    .filter(|(_, d)| d.kind == ValueKind::Let)
                    .map(|(n, _)| n.clone()),
            );
        }
        if scope.block.is_some() {
            names.extend(RESOURCE_NAMES.iter().map(|s| s.to_string()));
        }
        names
    }

    fn function_candidates(&self, scope: &Scope<'_>) -> Vec<String> {
        let mut names: Vec<String> = builtins::BUILTINS
            .iter()
            .map(|b| b.name.to_string())
            .collect();
        if let Some(p) = self.packages.get(scope.pkg) {
            names.extend(
                p.values
                    .iter()
                    .filter(|(_, d)| matches!(d.kind, ValueKind::Fn { .. }))
                    .map(|(n, _)| n.clone()),
            );
        }
        names
    }

    /// If `e` is `alias.member` for an import alias not hidden by a local,
    /// resolves the member and returns what it is.
    fn qualified(&mut self, scope: &mut Scope<'_>, e: &Expr) -> Option<Option<ValueKind>> {
        let ExprKind::Field(base, member) = &e.kind else {
            return None;
        };
        let ExprKind::Name(alias) = &base.kind else {
            return None;
        };
        if scope.local(&alias.name).is_some()
            || self
                .packages
                .get(scope.pkg)
                .is_some_and(|p| p.values.contains_key(&alias.name))
        {
            return None;
        }
        let import = self.imports.get(scope.module)?.get(&alias.name)?;
        let target = import.package;
        let dotted = import.dotted.clone();
        self.used_imports.insert((scope.module, alias.name.clone()));
        let Some(target) = target else {
            // Unresolved: already reported at the import.
            return Some(None);
        };
        let def = self
            .packages
            .get(target)
            .and_then(|p| p.values.get(&member.name))
            .map(|d| (d.kind, d.span));
        match def {
            Some((kind, span)) => {
                self.note_use(scope, (target, member.name.clone()), span);
                Some(Some(kind))
            }
            None => {
                let candidates: Vec<String> = self
                    .packages
                    .get(target)
                    .map(|p| p.values.keys().cloned().collect())
                    .unwrap_or_default();
                let suggestion =
                    diag::did_you_mean(&member.name, candidates.iter().map(String::as_str));
                self.diags.push(diag::unknown_member(
                    scope.file,
                    member.span,
                    &dotted,
                    &member.name,
                    suggestion,
                ));
                Some(None)
            }
        }
    }

    /// Resolves `e` and returns its type, as far as it is certain.
    pub(crate) fn expr(&mut self, scope: &mut Scope<'_>, e: &Expr) -> Ty {
        match &e.kind {
            ExprKind::Null => Ty::Null,
            ExprKind::Bool(_) => Ty::Bool,
            ExprKind::Number(_) => Ty::Number,
            ExprKind::Str(_) => Ty::String,
            ExprKind::Error => Ty::Any,
            ExprKind::List(items) => {
                for item in items {
                    self.expr(scope, item);
                }
                Ty::List
            }
            ExprKind::Object(entries) => {
                for (_, value) in entries {
                    self.expr(scope, value);
                }
                Ty::Object
            }
            ExprKind::Name(ident) => {
                match self.resolve(scope, &ident.name) {
                    Resolved::Local | Resolved::Resource => {}
                    Resolved::SnapshotResource(header) => {
                        self.diags.push(diag::resource_in_snapshot_rule(
                            scope.file,
                            ident.span,
                            &ident.name,
                            header,
                        ));
                    }
                    Resolved::Value(ValueKind::Let) => {}
                    Resolved::Value(ValueKind::Fn { .. }) | Resolved::Builtin => {
                        self.diags.push(diag::function_as_value(
                            scope.file,
                            ident.span,
                            &ident.name,
                        ));
                    }
                    Resolved::Import => {
                        self.diags.push(diag::package_as_value(
                            scope.file,
                            ident.span,
                            &ident.name,
                        ));
                    }
                    Resolved::Unknown => {
                        let candidates = self.value_candidates(scope);
                        let suggestion =
                            diag::did_you_mean(&ident.name, candidates.iter().map(String::as_str));
                        self.diags.push(diag::unknown_name(
                            scope.file,
                            ident.span,
                            &ident.name,
                            suggestion,
                        ));
                    }
                }
                if scope.block.is_some() && ident.name == "type" {
                    Ty::String
                } else {
                    Ty::Any
                }
            }
            ExprKind::Field(base, field) => {
                match self.qualified(scope, e) {
                    Some(Some(ValueKind::Fn { .. })) => {
                        self.diags.push(diag::function_as_value(
                            scope.file,
                            field.span,
                            &field.name,
                        ));
                    }
                    Some(_) => {}
                    None => {
                        self.expr(scope, base);
                    }
                }
                Ty::Any
            }
            ExprKind::Index(base, index) => {
                self.expr(scope, base);
                self.expr(scope, index);
                Ty::Any
            }
            ExprKind::Elements(base) => {
                self.expr(scope, base);
                Ty::List
            }
            ExprKind::Descendants(base) => {
                self.expr(scope, base);
                Ty::List
            }
            ExprKind::Call { callee, args } => self.call(scope, e, callee, args),
            ExprKind::Lambda { body, .. } => {
                self.diags.push(diag::misplaced_lambda(scope.file, e.span));
                // Still check the body, so its own mistakes are reported.
                let mark = scope.locals.len();
                if let ExprKind::Lambda { params, .. } = &e.kind {
                    for p in params {
                        scope.locals.push(Local {
                            name: p.name.clone(),
                            span: p.span,
                            kind: LocalKind::Param,
                            used: true,
                        });
                    }
                }
                self.expr(scope, body);
                scope.locals.truncate(mark);
                Ty::Any
            }
            ExprKind::Unary(op, operand) => {
                let ty = self.expr(scope, operand);
                match op {
                    UnaryOp::Not => {
                        self.expect_bool(scope.file, operand, ty, "`not`");
                        Ty::Bool
                    }
                    UnaryOp::Neg => {
                        if is_certain(ty) && ty != Ty::Number {
                            self.diags.push(diag::type_mismatch(
                                scope.file,
                                operand.span,
                                format!("cannot negate a {}", ty.name()),
                                format!("this is a {}", ty.name()),
                            ));
                        }
                        Ty::Number
                    }
                }
            }
            ExprKind::Binary(op, a, b) => {
                // `tags.owner-id`: a field, the operator and a name written
                // together read as arithmetic on what looks like a key.
                if let (
                    BinaryOp::Sub | BinaryOp::Div,
                    ExprKind::Field(_, field),
                    ExprKind::Name(name),
                ) = (op, &a.kind, &b.kind)
                    && a.span.end + 1 == b.span.start
                {
                    self.diags.push(diag::key_read_as_arithmetic(
                        scope.file,
                        e.span,
                        &field.name,
                        op.symbol(),
                        &name.name,
                    ));
                }
                let ta = self.expr(scope, a);
                let tb = self.expr(scope, b);
                self.binary(scope.file, *op, e, (a, ta), (b, tb))
            }
            ExprKind::If {
                cond,
                then,
                otherwise,
            } => {
                let tc = self.expr(scope, cond);
                self.expect_bool(scope.file, cond, tc, "`if`");
                let t1 = self.expr(scope, then);
                let t2 = self.expr(scope, otherwise);
                if t1 == t2 { t1 } else { Ty::Any }
            }
            ExprKind::Comprehension {
                element,
                var,
                source,
                filter,
            } => {
                let ts = self.expr(scope, source);
                if is_certain(ts) && !Ty::Container.accepts(ts) {
                    self.diags.push(diag::type_mismatch(
                        scope.file,
                        source.span,
                        format!("cannot iterate over a {}", ts.name()),
                        "expected a list or an object".to_string(),
                    ));
                }
                let mark = scope.locals.len();
                self.bind(scope, var, LocalKind::Param);
                if let Some(filter) = filter {
                    let tf = self.expr(scope, filter);
                    self.expect_bool(scope.file, filter, tf, "a comprehension's `if`");
                }
                self.expr(scope, element);
                scope.locals.truncate(mark);
                Ty::List
            }
            ExprKind::Resources(_) => Ty::List,
        }
    }

    fn expect_bool(&mut self, file: FileId, e: &Expr, ty: Ty, context: &str) {
        if is_certain(ty) && ty != Ty::Bool {
            self.diags.push(diag::type_mismatch(
                file,
                e.span,
                format!("{context} needs a bool, found a {}", ty.name()),
                format!("this is a {}", ty.name()),
            ));
        }
    }

    fn binary(
        &mut self,
        file: FileId,
        op: BinaryOp,
        e: &Expr,
        (a, ta): (&Expr, Ty),
        (b, tb): (&Expr, Ty),
    ) -> Ty {
        let certain = is_certain(ta) && is_certain(tb);
        match op {
            BinaryOp::And | BinaryOp::Or => {
                self.expect_bool(file, a, ta, &format!("`{}`", op.symbol()));
                self.expect_bool(file, b, tb, &format!("`{}`", op.symbol()));
                Ty::Bool
            }
            BinaryOp::Eq | BinaryOp::NotEq => {
                // Equality is typed: a number never equals a string, so
                // `length(x) == "0"` is always false and a `!=` rule
                // always passes.
                let scalar = |t: Ty| matches!(t, Ty::Number | Ty::String);
                if certain && scalar(ta) && scalar(tb) && ta != tb {
                    self.diags.push(diag::mixed_comparison(
                        file,
                        e.span,
                        op.symbol(),
                        ta.name(),
                        tb.name(),
                    ));
                }
                Ty::Bool
            }
            BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge => {
                let ordered = |t: Ty| matches!(t, Ty::Number | Ty::String);
                if (is_certain(ta) && !ordered(ta))
                    || (is_certain(tb) && !ordered(tb))
                    || (certain && ta != tb)
                {
                    self.diags.push(diag::type_mismatch(
                        file,
                        e.span,
                        format!(
                            "cannot order a {} and a {} with `{}`",
                            describe(ta),
                            describe(tb),
                            op.symbol()
                        ),
                        "`<`, `<=`, `>` and `>=` compare two numbers or two strings".to_string(),
                    ));
                }
                Ty::Bool
            }
            BinaryOp::In | BinaryOp::NotIn => {
                if is_certain(tb) && !matches!(tb, Ty::List | Ty::Object) {
                    self.diags.push(diag::type_mismatch(
                        file,
                        b.span,
                        format!(
                            "`{}` needs a list or an object on its right, found a {}",
                            op.symbol(),
                            tb.name()
                        ),
                        format!("this is a {}", tb.name()),
                    ));
                }
                Ty::Bool
            }
            BinaryOp::Add => {
                let addable = |t: Ty| matches!(t, Ty::Number | Ty::String | Ty::List);
                if (is_certain(ta) && !addable(ta))
                    || (is_certain(tb) && !addable(tb))
                    || (certain && ta != tb)
                {
                    self.diags.push(diag::type_mismatch(
                        file,
                        e.span,
                        format!("cannot add a {} and a {}", describe(ta), describe(tb)),
                        "`+` adds numbers and joins two strings or two lists".to_string(),
                    ));
                    return Ty::Any;
                }
                if certain { ta } else { Ty::Any }
            }
            BinaryOp::Sub | BinaryOp::Mul | BinaryOp::Div | BinaryOp::Rem => {
                for (x, t) in [(a, ta), (b, tb)] {
                    if is_certain(t) && t != Ty::Number {
                        self.diags.push(diag::type_mismatch(
                            file,
                            x.span,
                            format!("`{}` needs numbers, found a {}", op.symbol(), t.name()),
                            format!("this is a {}", t.name()),
                        ));
                        return Ty::Number;
                    }
                }
                Ty::Number
            }
        }
    }

    fn call(&mut self, scope: &mut Scope<'_>, e: &Expr, callee: &Expr, args: &[Expr]) -> Ty {
        match &callee.kind {
            ExprKind::Name(ident) => match self.resolve(scope, &ident.name) {
                Resolved::Builtin if scope.local(&ident.name).is_none() => {
                    self.builtin_call(scope, e, ident, args)
                }
                Resolved::Value(ValueKind::Fn { arity }) => {
                    self.fn_call(scope, ident, arity, args);
                    Ty::Any
                }
                Resolved::Unknown if FixtureMarker::named(&ident.name).is_some() => {
                    let form =
                        FixtureMarker::named(&ident.name).map_or("", FixtureMarker::call_form);
                    self.diags
                        .push(diag::misplaced_fixture_marker(scope.file, e.span, form));
                    self.args(scope, args);
                    Ty::Any
                }
                Resolved::Unknown => {
                    let candidates = self.function_candidates(scope);
                    let suggestion =
                        diag::did_you_mean(&ident.name, candidates.iter().map(String::as_str));
                    self.diags.push(diag::unknown_function(
                        scope.file,
                        ident.span,
                        &ident.name,
                        suggestion,
                    ));
                    self.args(scope, args);
                    Ty::Any
                }
                _ => {
                    self.diags.push(diag::not_a_function(
                        scope.file,
                        ident.span,
                        &format!("`{}`", ident.name),
                    ));
                    self.args(scope, args);
                    Ty::Any
                }
            },
            ExprKind::Field(_, member) => match self.qualified(scope, callee) {
                Some(Some(ValueKind::Fn { arity })) => {
                    self.fn_call(scope, member, arity, args);
                    Ty::Any
                }
                Some(None) => {
                    self.args(scope, args);
                    Ty::Any
                }
                Some(Some(ValueKind::Let)) | None => {
                    if !matches!(self.qualified_peek(scope, callee), Some(())) {
                        self.expr(scope, callee);
                    }
                    self.diags.push(diag::not_a_function(
                        scope.file,
                        callee.span,
                        "this expression",
                    ));
                    self.args(scope, args);
                    Ty::Any
                }
            },
            _ => {
                self.expr(scope, callee);
                self.diags.push(diag::not_a_function(
                    scope.file,
                    callee.span,
                    "this expression",
                ));
                self.args(scope, args);
                Ty::Any
            }
        }
    }

    /// Whether `callee` is `alias.member` of an import (without reporting).
    fn qualified_peek(&self, scope: &Scope<'_>, callee: &Expr) -> Option<()> {
        let ExprKind::Field(base, _) = &callee.kind else {
            return None;
        };
        let ExprKind::Name(alias) = &base.kind else {
            return None;
        };
        self.imports.get(scope.module)?.get(&alias.name).map(|_| ())
    }

    /// A value in a test fixture's attributes: object and list literals
    /// are walked, so a marker (`unknown()`, `sensitive(v)`) can stand
    /// at any depth; everything else is an ordinary expression.
    pub(crate) fn fixture_value(&mut self, scope: &mut Scope<'_>, e: &Expr) {
        match &e.kind {
            ExprKind::Object(entries) => {
                for (_, value) in entries {
                    self.fixture_value(scope, value);
                }
            }
            ExprKind::List(items) => {
                for item in items {
                    self.fixture_value(scope, item);
                }
            }
            _ => match FixtureMarker::of(e) {
                Some((marker, _, args)) if args.len() == marker.arity() => {
                    for arg in args {
                        self.fixture_value(scope, arg);
                    }
                }
                Some((marker, name, args)) => {
                    let expected = match marker.arity() {
                        0 => "no arguments".to_string(),
                        n => plural(n, "argument"),
                    };
                    self.diags.push(diag::wrong_arity(
                        scope.file,
                        name.span,
                        &name.name,
                        &expected,
                        args.len(),
                    ));
                    self.args(scope, args);
                }
                None => {
                    self.expr(scope, e);
                }
            },
        }
    }

    fn args(&mut self, scope: &mut Scope<'_>, args: &[Expr]) {
        for arg in args {
            if let ExprKind::Lambda { params, body } = &arg.kind {
                self.diags
                    .push(diag::misplaced_lambda(scope.file, arg.span));
                let mark = scope.locals.len();
                for p in params {
                    scope.locals.push(Local {
                        name: p.name.clone(),
                        span: p.span,
                        kind: LocalKind::Param,
                        used: true,
                    });
                }
                self.expr(scope, body);
                scope.locals.truncate(mark);
            } else {
                self.expr(scope, arg);
            }
        }
    }

    fn fn_call(
        &mut self,
        scope: &mut Scope<'_>,
        name: &Ident,
        arity: Option<usize>,
        args: &[Expr],
    ) {
        if let Some(arity) = arity
            && args.len() != arity
        {
            let expected = plural(arity, "argument");
            self.diags.push(diag::wrong_arity(
                scope.file,
                name.span,
                &name.name,
                &expected,
                args.len(),
            ));
        }
        self.args(scope, args);
    }

    fn builtin_call(&mut self, scope: &mut Scope<'_>, e: &Expr, name: &Ident, args: &[Expr]) -> Ty {
        let Some(builtin) = builtins::lookup(&name.name) else {
            return Ty::Any;
        };
        let min = builtin.min_args();
        let arity_ok = args.len() >= min && builtin.max_args().is_none_or(|max| args.len() <= max);
        if !arity_ok {
            let expected = match builtin.max_args() {
                Some(max) if max == min => plural(min, "argument"),
                Some(max) => format!("{min} to {max} arguments"),
                None => format!("at least {}", plural(min, "argument")),
            };
            self.diags.push(diag::wrong_arity(
                scope.file,
                name.span,
                &name.name,
                &expected,
                args.len(),
            ));
        }
        let _ = e;
        for (i, arg) in args.iter().enumerate() {
            match builtin.param(i) {
                Some(Param::Lambda(pname, arity)) => match &arg.kind {
                    ExprKind::Lambda { params, body } => {
                        if params.len() != arity {
                            self.diags.push(diag::lambda_arity(
                                scope.file,
                                arg.span,
                                arity,
                                params.len(),
                            ));
                        }
                        let mark = scope.locals.len();
                        self.bind_params(scope, params);
                        self.expr(scope, body);
                        scope.locals.truncate(mark);
                    }
                    _ => {
                        self.expr(scope, arg);
                        self.diags.push(diag::expected_lambda(
                            scope.file,
                            arg.span,
                            builtin.name,
                            pname,
                        ));
                    }
                },
                Some(Param::Value(pname, expected)) => {
                    if matches!(arg.kind, ExprKind::Lambda { .. }) {
                        self.args(scope, std::slice::from_ref(arg));
                        continue;
                    }
                    let ty = self.expr(scope, arg);
                    if pname == "pattern"
                        && let ExprKind::Str(pattern) = &arg.kind
                        && let Some(reason) = pattern_error(builtin.name, pattern)
                    {
                        self.diags.push(diag::invalid_pattern(
                            scope.file,
                            arg.span,
                            builtin.name,
                            &reason,
                        ));
                    }
                    if is_certain(ty) && !expected.accepts(ty) {
                        self.diags.push(diag::invalid_argument(
                            scope.file,
                            arg.span,
                            builtin.name,
                            pname,
                            expected.name(),
                            ty.name(),
                        ));
                    }
                }
                None => self.args(scope, std::slice::from_ref(arg)),
            }
        }
        builtin.returns
    }
}

/// Why a literal pattern does not compile, if it does not. The runtime
/// compiles patterns with the same functions.
fn pattern_error(function: &str, pattern: &str) -> Option<String> {
    match function {
        "matches" | "capture" => plumb_stdlib::eval::compile_regex(pattern).err().map(|e| {
            // compile_regex names the pattern; the label already points at it.
            e.split_once(": ")
                .map_or(e.clone(), |(_, why)| why.to_string())
        }),
        "glob_match" => plumb_stdlib::eval::compile_glob(pattern).err(),
        _ => None,
    }
}

/// A type the checker is sure of. `null` flows anywhere (a missing
/// attribute is `null`) and `Any` is unknown, so neither is certain.
fn is_certain(ty: Ty) -> bool {
    !matches!(ty, Ty::Any | Ty::Null | Ty::Collection | Ty::Container)
}

fn describe(ty: Ty) -> &'static str {
    if is_certain(ty) { ty.name() } else { "value" }
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}
