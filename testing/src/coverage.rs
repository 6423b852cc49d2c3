//! `plumb test --coverage`: per rule, whether its tests show it both
//! passing and failing a resource.
//!
//! A rule is covered when some fixture of its tests expects `pass` and
//! met it, and some fixture expects `fail` and met it: an expectation the
//! rule did not meet shows nothing about the rule, so it never counts.
//! This module only reads a [`TestReport`] and the policy's rules; it
//! decides no exit code.

use plumb_runtime::eval::CompiledPolicy;
use plumb_runtime::finding::Location;
use serde::Serialize;

use crate::TestReport;

/// One rule's coverage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuleCoverage {
    pub rule: String,
    pub package: String,
    /// Where the rule is written.
    pub location: Location,
    /// Test blocks naming the rule.
    pub tests: usize,
    /// A fixture expecting `pass` met its expectation.
    pub pass: bool,
    /// A fixture expecting `fail` met its expectation.
    pub fail: bool,
}

impl RuleCoverage {
    /// Shown both passing and failing a resource.
    pub fn covered(&self) -> bool {
        self.pass && self.fail
    }

    /// What is missing, in words: `no test`, `no passing fixture`...;
    /// `None` when the rule is covered.
    pub fn gap(&self) -> Option<&'static str> {
        match (self.tests, self.pass, self.fail) {
            (0, _, _) => Some("no test"),
            (_, true, true) => None,
            (_, false, false) => Some("no met `expect pass` or `expect fail` fixture"),
            (_, false, true) => Some("no met `expect pass` fixture"),
            (_, true, false) => Some("no met `expect fail` fixture"),
        }
    }
}

/// Every rule of `policy` (in the policy's order: files in the order
/// given, rules as written), with what `report` shows of it.
pub fn coverage(policy: &CompiledPolicy, report: &TestReport) -> Vec<RuleCoverage> {
    policy
        .program()
        .rules
        .iter()
        .map(|r| {
            let tests: Vec<_> = report
                .tests
                .iter()
                .filter(|t| t.rule == r.meta.name && t.package == r.meta.package)
                .collect();
            let met = |word: &str| {
                tests
                    .iter()
                    .flat_map(|t| &t.fixtures)
                    .any(|f| f.passed && f.expected == word)
            };
            RuleCoverage {
                rule: r.meta.name.clone(),
                package: r.meta.package.clone(),
                location: r.meta.location(),
                tests: tests.len(),
                pass: met("pass"),
                fail: met("fail"),
            }
        })
        .collect()
}
