//! `plumb test`: the `test` blocks of rule files, run against the policy
//! they were compiled with.
//!
//! Each test block is a snapshot of its own: its fixtures' attributes are
//! computed (by the policy's own chunks), the named rule is evaluated over
//! them, and each fixture's decision must be what it expects. The result
//! is a [`TestReport`], plain data that `plumb-report` writes.
//!
//! This crate never reads files or prints; the clock is an input
//! ([`TestOptions::now`]), so a test gives the same result on any day
//! when it is pinned.
#![forbid(unsafe_code)]

use plumb_compiler::Compiled;
use plumb_runtime::bytecode::ChunkId;
use plumb_runtime::eval::{self, CompiledPolicy, EvalOptions};
use plumb_runtime::finding::{Decision, Finding, Location};
use plumb_runtime::snapshot::{Resource, Snapshot};
use plumb_runtime::value::{Object, Str, Value};
use serde::Serialize;

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
                }
            })
            .collect();
        TestSuite { tests }
    }
}

/// How to run tests.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TestOptions {
    /// The evaluation time (seconds since the Unix epoch) of fixtures and
    /// rules alike: `age_days` and `now()` see it.
    pub now: f64,
}

/// What running every test came to.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct TestReport {
    pub tests: Vec<TestResult>,
    pub passed: usize,
    pub failed: usize,
}

/// One test block's result: it passed when `problems` is empty.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TestResult {
    pub rule: String,
    pub package: String,
    pub location: Location,
    /// Fixtures that expect a decision.
    pub fixtures: usize,
    pub problems: Vec<Problem>,
}

impl TestResult {
    pub fn passed(&self) -> bool {
        self.problems.is_empty()
    }
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
        return pointer.is_empty().then_some(Value::Unknown);
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
    let mut resources = Vec::new();
    for f in &test.fixtures {
        match fixture_resource(policy, f, options.now) {
            Ok(r) => resources.push(r),
            Err(message) => problems.push(Problem::BadFixture {
                fixture: f.id.clone(),
                line: f.line,
                message,
            }),
        }
    }
    let expecting = test.fixtures.iter().filter(|f| f.expect.is_some()).count();
    let result = |problems| TestResult {
        rule: test.rule.clone(),
        package: test.package.clone(),
        location: test.location.clone(),
        fixtures: expecting,
        problems,
    };
    let rule_index = policy
        .program()
        .rules
        .iter()
        .position(|r| r.meta.name == test.rule && r.meta.package == test.package);
    let Some(rule_index) = rule_index else {
        return result(vec![Problem::NoSuchRule]);
    };
    let snapshot = Snapshot::new(resources);
    let report = eval::evaluate(
        policy,
        &snapshot,
        &EvalOptions {
            threads: 1,
            now: options.now,
            rules: Some(vec![rule_index]),
            decisions: true,
            keep_types: Vec::new(),
        },
    );
    for f in &test.fixtures {
        let Some(expect) = &f.expect else { continue };
        let position = snapshot
            .resources
            .iter()
            .position(|r| *r.type_ == *f.resource_type && *r.id == *f.id);
        let decision = position.and_then(|ri| {
            report
                .decisions
                .iter()
                .find(|d| d.resource == ri)
                .map(|d| d.decision)
        });
        // A fixture the rule does not select is skipped.
        let actual = decision.map_or("skip", Decision::as_str);
        if actual != expect {
            let finding = report
                .findings
                .iter()
                .find(|x| *x.resource.type_ == *f.resource_type && *x.resource.id == *f.id);
            problems.push(Problem::Unexpected {
                fixture: f.id.clone(),
                line: f.line,
                expected: expect.clone(),
                actual: actual.to_string(),
                finding: finding.cloned().map(Box::new),
            });
        }
    }
    result(problems)
}
