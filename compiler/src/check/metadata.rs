//! Checking rule and drift blocks: which clauses each may hold, their
//! values, control IDs against the catalogs, and the guard and requirement
//! warnings.

use std::collections::HashMap;

use plumb_stdlib::controls::LookupError;

use super::expr::{LocalKind, Scope};
use super::{Checker, diag, fold};
use crate::ast::*;
use crate::diagnostics::Code;
use crate::span::{FileId, Span};

pub const SEVERITIES: &[&str] = &["critical", "high", "medium", "low", "info"];
pub const RESPONSES: &[&str] = &["auto", "review", "alert"];

impl Checker<'_> {
    pub(crate) fn check_block(&mut self, file: FileId, pkg: usize, module: usize, block: &Block) {
        let kind = block.kind.keyword();
        let mut first: HashMap<&'static str, Span> = HashMap::new();
        let mut cited: HashMap<String, Span> = HashMap::new();
        let mut scope = Scope::new(file, pkg, module, Some(block));
        let mut has_require = false;
        let mut has_paths = false;
        let mut has_controls = false;
        let mut has_severity = false;

        for clause in &block.clauses {
            let word = clause.kind.keyword();
            let single = !matches!(
                clause.kind,
                ClauseKind::When(_)
                    | ClauseKind::Require(_)
                    | ClauseKind::Let(_)
                    | ClauseKind::Controls(_)
            );
            if single {
                if let Some(prev) = first.get(word) {
                    self.diags
                        .push(diag::duplicate_clause(file, clause.keyword, word, *prev));
                } else {
                    first.insert(word, clause.keyword);
                }
            }
            match &clause.kind {
                ClauseKind::Severity(v) => {
                    has_severity = true;
                    if !SEVERITIES.contains(&v.name.as_str()) {
                        let s = diag::did_you_mean(&v.name, SEVERITIES.iter().copied());
                        self.diags
                            .push(diag::unknown_severity(file, v.span, &v.name, s));
                    }
                }
                ClauseKind::Response(v) => {
                    if !RESPONSES.contains(&v.name.as_str()) {
                        let s = diag::did_you_mean(&v.name, RESPONSES.iter().copied());
                        self.diags
                            .push(diag::unknown_response(file, v.span, &v.name, s));
                    }
                }
                ClauseKind::Controls(refs) => {
                    has_controls = true;
                    for r in refs {
                        if let Some(canonical) = self.check_control(file, r) {
                            if let Some(prev) = cited.get(&canonical) {
                                self.diags
                                    .push(diag::duplicate_control(file, r.span, &canonical, *prev));
                            } else {
                                cited.insert(canonical, r.span);
                            }
                        }
                    }
                }
                ClauseKind::When(e) => {
                    self.expr(&mut scope, e);
                    self.check_guard(file, block, e);
                }
                ClauseKind::Require(e) => {
                    has_require = true;
                    if block.kind == BlockKind::Drift {
                        self.diags.push(diag::clause_not_allowed(
                            file,
                            clause.keyword,
                            "require",
                            kind,
                            "a drift block classifies changes; write checks in a `rule`",
                        ));
                    }
                    self.expr(&mut scope, e);
                    if fold(e).is_some_and(|c| c.holds()) {
                        self.diags.push(diag::require_always_holds(file, e.span));
                    }
                }
                ClauseKind::Let(l) => {
                    self.expr(&mut scope, &l.value);
                    self.bind(&mut scope, &l.name, LocalKind::RuleLet);
                }
                ClauseKind::Message(t) | ClauseKind::Remediation(t) => {
                    let mut after_dollar = false;
                    for part in &t.parts {
                        match part {
                            TemplatePart::Hole(e) => {
                                if after_dollar {
                                    self.diags.push(diag::dollar_before_hole(file, e.span));
                                }
                                self.expr(&mut scope, e);
                                after_dollar = false;
                            }
                            TemplatePart::Text(text) => after_dollar = text.ends_with('$'),
                        }
                    }
                }
                ClauseKind::Paths(_) => {
                    has_paths = true;
                    if block.kind == BlockKind::Rule {
                        self.diags.push(diag::clause_not_allowed(
                            file,
                            clause.keyword,
                            "paths",
                            kind,
                            "`paths` belongs in a `drift` block",
                        ));
                    }
                }
            }
        }

        // A syntax error may have swallowed the use of a `let`.
        for local in scope.locals.iter().filter(|_| !block.has_errors) {
            if local.kind == LocalKind::RuleLet && !local.used && !local.name.starts_with('_') {
                self.diags
                    .push(diag::unused_let(file, local.span, &local.name));
            }
        }

        // A block with a syntax error may have lost the clause it seems to
        // lack: say nothing rather than something wrong.
        if block.has_errors {
            return;
        }
        let name = &block.name.name;
        if !has_severity {
            self.diags.push(diag::missing_clause(
                file,
                Code::MissingSeverity,
                block.name.span,
                kind,
                name,
                "severity",
                "add `severity critical|high|medium|low|info`",
            ));
        }
        match block.kind {
            BlockKind::Rule if !has_require => self.diags.push(diag::missing_clause(
                file,
                Code::MissingRequire,
                block.name.span,
                kind,
                name,
                "require",
                "add `require CONDITION`: the rule fails a resource when the condition does not hold",
            )),
            BlockKind::Drift if !has_paths => self.diags.push(diag::missing_clause(
                file,
                Code::MissingPaths,
                block.name.span,
                kind,
                name,
                "paths",
                "add `paths ATTRIBUTE, ...`: the attribute paths whose drift this block classifies",
            )),
            _ => {}
        }
        if !has_controls {
            self.diags
                .push(diag::missing_controls(file, block.name.span, kind, name));
        }
        if let (BlockKind::Drift, Some(span)) = (block.kind, block.snapshot) {
            self.diags.push(diag::snapshot_drift(file, span));
        }
    }

    /// Checks one control reference; returns its canonical form if valid.
    fn check_control(&mut self, file: FileId, r: &ControlRef) -> Option<String> {
        let catalogs = self.catalogs;
        let Some(framework) = catalogs.framework(&r.framework.name) else {
            let s = diag::did_you_mean(&r.framework.name, catalogs.names());
            self.diags.push(diag::unknown_framework(
                file,
                r.framework.span,
                &r.framework.name,
                s,
                catalogs,
            ));
            return None;
        };
        let alias = framework.alias();
        match framework.lookup(&r.id) {
            Ok(id) => Some(format!("{alias}.{id}")),
            Err(LookupError::Unknown { suggestions, .. }) => {
                let help = match suggestions.as_slice() {
                    [] => framework.listed_in(),
                    [one] => format!("did you mean `{alias}.{one}`?"),
                    many => format!(
                        "did you mean {}?",
                        many.iter()
                            .map(|s| format!("`{alias}.{s}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                };
                self.diags
                    .push(diag::unknown_control(file, r.id_span, alias, &r.id, help));
                None
            }
            Err(LookupError::Malformed { hint }) => {
                self.diags.push(diag::unknown_control(
                    file,
                    r.id_span,
                    alias,
                    &r.id,
                    hint.to_string(),
                ));
                None
            }
            Err(LookupError::Withdrawn { id, relation, to }) => {
                let help = if to.is_empty() {
                    format!("`{id}` was withdrawn with no replacement; cite a current control")
                } else {
                    format!(
                        "{} {}",
                        relation.replace(['-', '/'], " "),
                        to.iter()
                            .map(|t| format!("`{alias}.{t}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                };
                self.diags
                    .push(diag::withdrawn_control(file, r.id_span, alias, &r.id, help));
                None
            }
            Err(LookupError::StatementPart { control }) => {
                self.diags.push(diag::statement_part(
                    file,
                    r.id_span,
                    alias,
                    &r.id,
                    control.as_deref(),
                ));
                None
            }
            Err(LookupError::Corrupt(why)) => {
                self.diags.push(diag::unknown_control(
                    file,
                    r.id_span,
                    alias,
                    &r.id,
                    format!("the embedded catalog could not be read: {why}"),
                ));
                None
            }
        }
    }

    fn check_guard(&mut self, file: FileId, block: &Block, e: &Expr) {
        if let Some(c) = fold(e) {
            if !c.holds() {
                self.diags
                    .push(diag::guard_never_holds(file, e.span, "always false"));
            }
            return;
        }
        // `type == "x"` where the selector never selects `x`.
        if let ExprKind::Binary(BinaryOp::Eq, a, b) = &e.kind {
            let literal = match (&a.kind, &b.kind) {
                (ExprKind::Name(n), ExprKind::Str(s)) | (ExprKind::Str(s), ExprKind::Name(n))
                    if n.name == "type" =>
                {
                    Some(s)
                }
                _ => None,
            };
            if let Some(ty) = literal
                && !block.selector.iter().any(|p| p.matches(ty))
            {
                self.diags.push(diag::guard_never_holds(
                    file,
                    e.span,
                    &format!("the rule never selects a `{ty}`"),
                ));
            }
        }
    }
}
