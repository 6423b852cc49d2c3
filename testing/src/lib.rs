//! `plumb test`: the `test` blocks of rule files, run against the policy
//! they were compiled with.
//!
//! Each test block is a snapshot of its own: its fixtures' attributes are
//! computed (by the policy's own chunks), the named rule is evaluated over
//! them, and each fixture's decision must be what it expects. The result
//! is a [`TestReport`], plain data that `plumb-report` writes.
//!
//! Fixtures fail closed: one whose outcome cannot be established (its
//! own or a context fixture's attributes could not be computed, the rule
//! is missing, two fixtures share a type and id) never counts as passed.
//!
//! This crate never reads files or prints; the clock is an input
//! ([`TestOptions::now`]), so a test gives the same result on any day
//! when it is pinned.
#![forbid(unsafe_code)]

use std::collections::HashMap;

use plumb_compiler::Compiled;
use plumb_runtime::bytecode::ChunkId;
use plumb_runtime::eval::{self, CompiledPolicy, EvalOptions};
use plumb_runtime::finding::{Finding, Location};
use plumb_runtime::snapshot::{Resource, Snapshot};
use plumb_runtime::value::{Object, Str, Value};
use serde::Serialize;

mod coverage;

pub use coverage::{RuleCoverage, coverage};

/// The test blocks of a compilation, as the runner needs them: which
/// rule, and per fixture the chunk computing its attributes.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TestSuite {
    pub tests: Vec<TestCase>,
}

/// One `test RULE { ... }` block.
#[derive(Debug, Clone, PartialEq)]
pub struct TestCase {
    pub rule: String,
    pub package: String,
    pub location: Location,
    pub fixtures: Vec<Fixture>,
    /// `expect WORD` on its own line: what a rule `on snapshot` decides for
    /// the test's snapshot, and the line.
    pub expect: Option<(String, u32)>,
}

/// One `resource TYPE "ID" { ... } expect ...` of a test block.
#[derive(Debug, Clone, PartialEq)]
pub struct Fixture {
    pub resource_type: String,
    pub id: String,
    /// Computes the fixture's attributes; `None` if the compiler gave none.
    pub chunk: Option<ChunkId>,
    /// `pass`, `fail`, `skip`, `indeterminate`, `error`; `None` for a
    /// context fixture that only other rules' queries read.
    pub expect: Option<String>,
    pub line: u32,
    /// JSON pointers (into the attributes) of `unknown()` markers.
    pub unknown: Vec<String>,
    /// JSON pointers of `sensitive(...)` markers.
    pub sensitive: Vec<String>,
}

impl TestSuite {
    /// The test blocks of `compiled`, in source order.
    pub fn of(compiled: &Compiled) -> TestSuite {
        let tests = compiled
            .ir
            .tests
            .iter()
            .enumerate()
            .map(|(t, test)| {
                let chunks = compiled
                    .fixtures
                    .get(t)
                    .map(Vec::as_slice)
                    .unwrap_or_default();
                TestCase {
                    rule: test.rule.clone(),
                    package: test.package.clone(),
                    location: Location {
                        file: Str::from(test.file.as_str()),
                        line: test.line,
                    },
                    fixtures: test
                        .fixtures
                        .iter()
                        .enumerate()
                        .map(|(i, f)| Fixture {
                            resource_type: f.resource_type.clone(),
                            id: f.id.clone(),
                            chunk: chunks.get(i).copied(),
                            expect: f.expect.clone(),
                            line: f.line,
                            unknown: f.unknown.clone(),
                            sensitive: f.sensitive.clone(),
                        })
                        .collect(),
                    expect: test.expect.clone(),
                }
            })
            .collect();
        TestSuite { tests }
    }
}

/// How to run tests.
#[derive(Debug, Clone, PartialEq)]
pub struct TestOptions {
    /// The evaluation time (seconds since the Unix epoch) of fixtures and
    /// rules alike: `age_days` and `now()` see it.
    pub now: f64,
    /// The data document rules read with `data(...)` (`--data`); `null`
    /// for none, so defaults apply.
    pub data: Value,
}

/// What running every test came to.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct TestReport {
    pub tests: Vec<TestResult>,
    /// Test blocks every fixture of which met its expectation.
    pub passed: usize,
    pub failed: usize,
}

impl TestReport {
    /// Fixtures that expect a decision, over every test block.
    pub fn fixtures(&self) -> usize {
        self.tests.iter().map(|t| t.fixtures.len()).sum()
    }

    /// Fixtures that met their expectation.
    pub fn fixtures_passed(&self) -> usize {
        self.tests
            .iter()
            .flat_map(|t| &t.fixtures)
            .filter(|f| f.passed)
            .count()
    }
}

/// One test block's result: it passed when `problems` is empty.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TestResult {
    pub rule: String,
    pub package: String,
    pub location: Location,
    /// Every fixture that expects a decision, in source order.
    pub fixtures: Vec<FixtureResult>,
    /// Why the test failed, in source order; empty when it passed.
    pub problems: Vec<Problem>,
}

impl TestResult {
    pub fn passed(&self) -> bool {
        self.problems.is_empty()
    }
}

/// What became of one fixture that expects a decision.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FixtureResult {
    pub id: String,
    #[serde(rename = "type")]
    pub resource_type: String,
    pub line: u32,
    /// `pass`, `fail`, `skip`, `error` or `indeterminate`.
    pub expected: String,
    /// What the rule decided; `None` when that could not be established.
    pub actual: Option<String>,
    /// The rule decided what the fixture expects, and nothing in the
    /// test block stood in the way (see [`Problem`]).
    pub passed: bool,
    /// The rule's finding for the fixture, if it made one (fail, error,
    /// indeterminate): its message and evidence, sensitive values never
    /// shown.
    pub finding: Option<Box<Finding>>,
    /// Why the fixture did not pass; `None` when it passed.
    pub problem: Option<String>,
}

/// Why a test failed.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Problem {
    /// The test names a rule the policy does not have.
    NoSuchRule,
    /// A fixture's attributes could not be computed, or are not an object.
    BadFixture {
        fixture: String,
        line: u32,
        message: String,
    },
    /// Two fixtures of the block have the same type and id: which of them
    /// a decision is about cannot be told.
    DuplicateFixture {
        fixture: String,
        line: u32,
        first_line: u32,
    },
    /// The rule decided otherwise than the fixture expects.
    Unexpected {
        fixture: String,
        line: u32,
        expected: String,
        /// `pass`, `fail`, `indeterminate`, `error`, or `skip` (the rule
        /// does not select the fixture, or a guard left it out).
        actual: String,
        /// The rule's finding for the fixture, if it made one: why.
        finding: Option<Box<Finding>>,
    },
}

impl Problem {
    /// One line saying what went wrong.
    pub fn describe(&self, rule: &str) -> String {
        match self {
            Problem::NoSuchRule => format!("no rule `{rule}` in the test's package"),
            Problem::BadFixture {
                fixture,
                line,
                message,
            } => format!("fixture \"{fixture}\" (line {line}): {message}"),
            Problem::DuplicateFixture {
                fixture,
                line,
                first_line,
            } => format!(
                "fixture \"{fixture}\" (line {line}) has the type and id of the fixture on line {first_line}"
            ),
            Problem::Unexpected {
                fixture,
                line,
                expected,
                actual,
                ..
            } => format!("fixture \"{fixture}\" (line {line}): expected {expected}, got {actual}"),
        }
    }
}

/// Runs every test of `suite` against `policy` (the policy the suite was
/// compiled with).
pub fn run(policy: &CompiledPolicy, suite: &TestSuite, options: &TestOptions) -> TestReport {
    let mut report = TestReport::default();
    for test in &suite.tests {
        let result = run_one(policy, test, options);
        if result.passed() {
            report.passed += 1;
        } else {
            report.failed += 1;
        }
        report.tests.push(result);
    }
    report
}

/// A fixture's attributes as a resource, or why they are not one.
fn fixture_resource(policy: &CompiledPolicy, f: &Fixture, now: f64) -> Result<Resource, String> {
    let chunk = f
        .chunk
        .ok_or_else(|| "its attributes were not compiled".to_string())?;
    let mut attrs = match eval::run_chunk(policy, chunk, now) {
        Ok(attrs @ Value::Object(_)) => attrs,
        Ok(other) => {
            return Err(format!(
                "its attributes are a {}, not an object",
                other.type_name().as_str()
            ));
        }
        Err(e) => return Err(e.message),
    };
    for pointer in &f.unknown {
        attrs = set_unknown(attrs, pointer)
            .ok_or_else(|| format!("no value at `{pointer}` to make unknown"))?;
    }
    let mut r = Resource::new(&f.resource_type, &f.id, attrs);
    r.name = Some(f.id.as_str().into());
    r.address = Some(format!("{}.{}", f.resource_type, f.id).into());
    r.sensitive = f.sensitive.clone();
    Ok(r)
}

/// `v` with the value at the JSON pointer `pointer` made unknown; `None`
/// if there is no value there (the compiler put `null` at every marker,
/// so that would be a compiler bug, and the fixture fails closed).
fn set_unknown(v: Value, pointer: &str) -> Option<Value> {
    let Some(rest) = pointer.strip_prefix('/') else {
        return pointer.is_empty().then_some(Value::Unknown(None));
    };
    let (segment, tail) = match rest.find('/') {
        Some(i) => (rest.get(..i)?, rest.get(i..)?),
        None => (rest, ""),
    };
    let key = segment.replace("~1", "/").replace("~0", "~");
    match v {
        Value::Object(o) => {
            let child = o.get(&key)?.clone();
            let mut entries: Vec<(Str, Value)> =
                o.iter().map(|(k, x)| (k.clone(), x.clone())).collect();
            let slot = entries.iter_mut().find(|(k, _)| **k == *key)?;
            slot.1 = set_unknown(child, tail)?;
            Some(Value::object(Object::from_entries(entries)))
        }
        Value::List(items) => {
            let i: usize = key.parse().ok()?;
            let mut items = items.to_vec();
            let slot = items.get_mut(i)?;
            *slot = set_unknown(std::mem::take(slot), tail)?;
            Some(Value::list(items))
        }
        _ => None,
    }
}

fn run_one(policy: &CompiledPolicy, test: &TestCase, options: &TestOptions) -> TestResult {
    let mut problems = Vec::new();
    // The problem that stops every fixture of the block, by index.
    let mut block_stopped: Option<usize> = None;
    let rule_index = policy
        .program()
        .rules
        .iter()
        .position(|r| r.meta.name == test.rule && r.meta.package == test.package);
    if rule_index.is_none() {
        problems.push(Problem::NoSuchRule);
        block_stopped = Some(0);
    }
    let mut resources = Vec::new();
    // Per fixture: its index in the snapshot, if it is in it, and the
    // problem of its own that stops it.
    let mut placed: Vec<Option<usize>> = Vec::with_capacity(test.fixtures.len());
    let mut stopped: Vec<Option<usize>> = Vec::with_capacity(test.fixtures.len());
    let mut seen: HashMap<(&str, &str), u32> = HashMap::new();
    for f in &test.fixtures {
        if let Some(&first_line) = seen.get(&(f.resource_type.as_str(), f.id.as_str())) {
            problems.push(Problem::DuplicateFixture {
                fixture: f.id.clone(),
                line: f.line,
                first_line,
            });
            // The rule's decisions for the two cannot be told apart.
            block_stopped.get_or_insert(problems.len() - 1);
        } else {
            seen.insert((&f.resource_type, &f.id), f.line);
        }
        match fixture_resource(policy, f, options.now) {
            Ok(r) => {
                placed.push(Some(resources.len()));
                stopped.push(None);
                resources.push(r);
            }
            Err(message) => {
                problems.push(Problem::BadFixture {
                    fixture: f.id.clone(),
                    line: f.line,
                    message,
                });
                let index = problems.len() - 1;
                placed.push(None);
                stopped.push(Some(index));
                // A missing context fixture changes what the rule sees
                // of every other one.
                if f.expect.is_none() {
                    block_stopped.get_or_insert(index);
                }
            }
        }
    }
    let snapshot = Snapshot::new(resources);
    let report = rule_index.map(|rule| {
        eval::evaluate(
            policy,
            &snapshot,
            &EvalOptions {
                threads: 1,
                now: options.now,
                rules: Some(vec![rule]),
                decisions: true,
                data: options.data.clone(),
                ..EvalOptions::default()
            },
        )
    });
    let decisions: HashMap<usize, &str> = report
        .iter()
        .flat_map(|r| &r.decisions)
        .map(|d| (d.resource, d.decision.as_str()))
        .collect();
    let findings: HashMap<(&str, &str), &Finding> = report
        .iter()
        .flat_map(|r| &r.findings)
        .map(|x| ((&*x.resource.type_, &*x.resource.id), x))
        .collect();
    let mut fixtures = Vec::new();
    for (i, f) in test.fixtures.iter().enumerate() {
        let Some(expect) = &f.expect else { continue };
        let position = placed.get(i).copied().flatten();
        let actual = match (&report, position) {
            // A fixture the rule does not select is skipped.
            (Some(_), Some(ri)) => Some(decisions.get(&ri).copied().unwrap_or("skip").to_string()),
            _ => None,
        };
        let finding = position
            .and_then(|_| findings.get(&(f.resource_type.as_str(), f.id.as_str())))
            .copied();
        let stop = stopped.get(i).copied().flatten().or(block_stopped);
        let mut problem = stop
            .and_then(|p| problems.get(p))
            .map(|p| p.describe(&test.rule));
        if let Some(actual) = &actual
            && actual != expect
        {
            let unexpected = Problem::Unexpected {
                fixture: f.id.clone(),
                line: f.line,
                expected: expect.clone(),
                actual: actual.clone(),
                finding: finding.cloned().map(Box::new),
            };
            problem.get_or_insert_with(|| format!("expected {expect}, got {actual}"));
            problems.push(unexpected);
        }
        fixtures.push(FixtureResult {
            id: f.id.clone(),
            resource_type: f.resource_type.clone(),
            line: f.line,
            expected: expect.clone(),
            passed: problem.is_none() && actual.is_some(),
            problem: match (&problem, &actual) {
                (None, None) => Some("its outcome could not be established".to_string()),
                _ => problem,
            },
            actual,
            finding: finding.cloned().map(Box::new),
        });
    }
    // A rule `on snapshot`: one decision, recorded after every resource.
    if let Some((expect, line)) = &test.expect {
        let actual = report.as_ref().map(|_| {
            decisions
                .get(&(eval::SNAPSHOT_POSITION))
                .copied()
                .unwrap_or("skip")
                .to_string()
        });
        let finding = findings.get(&("snapshot", "snapshot")).copied();
        let mut problem = block_stopped
            .and_then(|p| problems.get(p))
            .map(|p| p.describe(&test.rule));
        if let Some(actual) = &actual
            && actual != expect
        {
            problem.get_or_insert_with(|| format!("expected {expect}, got {actual}"));
            problems.push(Problem::Unexpected {
                fixture: "snapshot".to_string(),
                line: *line,
                expected: expect.clone(),
                actual: actual.clone(),
                finding: finding.cloned().map(Box::new),
            });
        }
        fixtures.push(FixtureResult {
            id: "snapshot".to_string(),
            resource_type: "snapshot".to_string(),
            line: *line,
            expected: expect.clone(),
            passed: problem.is_none() && actual.is_some(),
            problem: match (&problem, &actual) {
                (None, None) => Some("its outcome could not be established".to_string()),
                _ => problem,
            },
            actual,
            finding: finding.cloned().map(Box::new),
        });
    }
    TestResult {
        rule: test.rule.clone(),
        package: test.package.clone(),
        location: test.location.clone(),
        fixtures,
        problems,
    }
}
