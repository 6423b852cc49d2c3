//! `docs/grammar.pest` and the real lexer and parser accept the same
//! programs: for every input, pest accepts it, and its parse tree is within
//! the two limits the grammar documents but cannot express (number range,
//! `MAX_NESTING`, checked here on pest's tree the way the parser counts),
//! exactly when `plumb_compiler::parse` reports no lexical (E00xx) or syntax
//! (E01xx) diagnostic. Checker diagnostics (E02xx and up, warnings) do not
//! count.
//!
//! * `edge_cases_agree`: a table of the odd corners of the syntax, each with
//!   the verdict the grammar's comments promise.
//! * `value_limits_agree`: list indices around `u64::MAX` and `\u{...}`
//!   escapes around every Unicode boundary, the two value limits the
//!   grammar spells out.
//! * `nesting_limit_agrees`: every nesting form in every expression context,
//!   just below and just above `MAX_NESTING`.
//! * `repository_files_agree`: every `*.plumb` file under the repository
//!   (target/ and hidden directories skipped), including the deliberately
//!   broken ones in `tests/diagnostics/`.
//! * `mutants_agree`: seeded token-level mutants (deleted, duplicated,
//!   swapped, inserted and replaced tokens, changed spacing and comments
//!   between tokens, edits inside string literals) of those files and of the
//!   generated workload in `benches/support/workload.rs`.
//! * `generated_programs_agree`: proptest-generated files covering the whole
//!   grammar (far below the nesting limit), each with a few mutants, and
//!   small near misses with frequent deliberate mistakes.
//!
//! Everything is seeded, so a run is deterministic. A disagreement prints the
//! input and both verdicts and writes the input under
//! `target/tmp/grammar_differential/` (the file name is in the message), so
//! it can be replayed with `plumb lint` or added to the edge-case table.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests"
)]

#[path = "../benches/support/workload.rs"]
#[allow(
    dead_code,
    reason = "shared with the benches; not every part is used here"
)]
mod workload;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

use pest::Parser as _;
use pest::iterators::Pair;
use plumb_compiler::FileId;
use plumb_compiler::parser::MAX_NESTING;
use workload::Rng;

/// The grammar under test. pest_derive looks for the file relative to
/// `CARGO_MANIFEST_DIR` first and relative to `src/` second, so the
/// repository-relative path works without climbing out of `src/`.
#[derive(pest_derive::Parser)]
#[grammar = "docs/grammar.pest"]
struct Grammar;

// ---------------------------------------------------------------------------
// Verdicts
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq)]
enum Verdict {
    Accept,
    /// Why: the diagnostic codes, or pest's error.
    Reject(String),
}

impl Verdict {
    fn accepts(&self) -> bool {
        *self == Verdict::Accept
    }
}

impl std::fmt::Display for Verdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Verdict::Accept => f.write_str("accepts"),
            Verdict::Reject(why) => write!(f, "rejects: {why}"),
        }
    }
}

/// The real parser's verdict: parse-stage diagnostics are E00xx and E01xx.
fn parser_verdict(src: &str) -> Verdict {
    let parsed = plumb_compiler::parse(FileId(0), src);
    let syntax: Vec<String> = parsed
        .diagnostics
        .iter()
        .filter(|d| {
            let code = d.code.as_str();
            code.starts_with("E00") || code.starts_with("E01")
        })
        .map(|d| format!("{} at {} {}", d.code, d.primary.span.start, d.message))
        .collect();
    if syntax.is_empty() {
        Verdict::Accept
    } else {
        Verdict::Reject(syntax.join("; "))
    }
}

/// pest's verdict: the grammar, then the limits its comments describe.
fn grammar_verdict(src: &str) -> Verdict {
    match Grammar::parse(Rule::file, src) {
        Err(e) => {
            let text = e.to_string();
            // pest stops at its own recursion guard instead of overflowing;
            // that says nothing about the input, so it must never happen
            // here (the checks run on a large stack).
            assert!(
                !text.contains("limit reached"),
                "pest hit its call or stack limit: {text}"
            );
            let at = match e.line_col {
                pest::error::LineColLocation::Pos((l, c))
                | pest::error::LineColLocation::Span((l, c), _) => format!("{l}:{c}"),
            };
            Verdict::Reject(format!("pest error at {at}"))
        }
        Ok(pairs) => {
            let mut limits = Limits::default();
            for pair in pairs {
                limits.visit(pair);
            }
            limits.verdict()
        }
    }
}

// ---------------------------------------------------------------------------
// The limits the grammar states in comments: number range and nesting
// ---------------------------------------------------------------------------

/// Checks a parse tree against the two limits that are not syntax: every
/// `number` is a finite f64 (E0005), and the expression nesting, counted the
/// way `parser/expr.rs` counts it, stays within `MAX_NESTING` (E0102).
#[derive(Default)]
struct Limits {
    deepest: usize,
    bad_number: Option<String>,
}

impl Limits {
    fn verdict(&self) -> Verdict {
        if let Some(n) = &self.bad_number {
            Verdict::Reject(format!("number `{n}` is not a finite f64 (E0005 limit)"))
        } else if self.deepest > MAX_NESTING {
            Verdict::Reject(format!(
                "nesting {} exceeds {MAX_NESTING} (E0102 limit)",
                self.deepest
            ))
        } else {
            Verdict::Accept
        }
    }

    /// Outside expressions: every expression (clause, `let`, `fn` body,
    /// fixture, template hole) starts at depth 0, as in the parser.
    fn visit(&mut self, pair: Pair<'_, Rule>) {
        if pair.as_rule() == Rule::expr {
            self.expr(pair, 0);
        } else {
            for inner in pair.into_inner() {
                self.visit(inner);
            }
        }
    }

    /// One nesting level entered; the parser fails once it passes the limit.
    fn enter(&mut self, depth: usize) {
        self.deepest = self.deepest.max(depth);
    }

    /// `Parser::expr`: one level, then a lambda, an `if` or a binary chain.
    fn expr(&mut self, pair: Pair<'_, Rule>, depth: usize) {
        let depth = depth + 1;
        self.enter(depth);
        let inner = pair.into_inner().next().unwrap();
        match inner.as_rule() {
            Rule::lambda | Rule::if_expr => {
                for e in inner.into_inner().filter(|p| p.as_rule() == Rule::expr) {
                    self.expr(e, depth);
                }
            }
            Rule::or_expr => self.binary(inner, depth),
            other => panic!("unexpected {other:?} in expr"),
        }
    }

    /// `Parser::binary`: precedence climbing consumes the operators on the
    /// left spine of the layered tree in one loop; the k-th of them adds k
    /// levels for its right operand, which is a climb of its own.
    fn binary(&mut self, pair: Pair<'_, Rule>, depth: usize) {
        let mut right = Vec::new();
        let leaf = spine(pair, &mut right);
        self.unary(leaf, depth);
        for (k, operand) in right.into_iter().enumerate() {
            let depth = depth + k + 1;
            self.enter(depth);
            self.binary(operand, depth);
        }
    }

    /// `Parser::prefix`: `not` and `-` add a level for their operand.
    fn unary(&mut self, pair: Pair<'_, Rule>, depth: usize) {
        let mut inner = pair.into_inner();
        let first = inner.next().unwrap();
        match first.as_rule() {
            Rule::kw_not => {
                self.enter(depth + 1);
                self.binary(inner.next().unwrap(), depth + 1);
            }
            Rule::unary => {
                self.enter(depth + 1);
                self.unary(first, depth + 1);
            }
            Rule::postfix => self.postfix(first, depth),
            other => panic!("unexpected {other:?} in unary"),
        }
    }

    /// `Parser::postfix`: the k-th postfix operation's own expressions are
    /// parsed k levels down, and each operation adds a level.
    fn postfix(&mut self, pair: Pair<'_, Rule>, depth: usize) {
        let mut inner = pair.into_inner();
        self.primary(inner.next().unwrap(), depth);
        for (k, op) in inner.enumerate() {
            for e in op.into_inner().filter(|p| p.as_rule() == Rule::expr) {
                self.expr(e, depth + k);
            }
            self.enter(depth + k + 1);
        }
    }

    /// `Parser::primary`: brackets parse their contents at the same depth.
    fn primary(&mut self, pair: Pair<'_, Rule>, depth: usize) {
        let inner = pair.into_inner().next().unwrap();
        if inner.as_rule() == Rule::number {
            let text = inner.as_str();
            if !text.parse::<f64>().is_ok_and(f64::is_finite) && self.bad_number.is_none() {
                self.bad_number = Some(text.to_string());
            }
        }
        self.nested(inner, depth);
    }

    /// Every expression inside a list, comprehension, object or parentheses.
    fn nested(&mut self, pair: Pair<'_, Rule>, depth: usize) {
        for inner in pair.into_inner() {
            if inner.as_rule() == Rule::expr {
                self.expr(inner, depth);
            } else {
                self.nested(inner, depth);
            }
        }
    }
}

/// The leftmost operand of a layered binary tree (a `unary`), collecting
/// the right operands of the operators above it, innermost first: the order
/// in which the parser's climbing loop meets them.
fn spine<'i>(pair: Pair<'i, Rule>, right: &mut Vec<Pair<'i, Rule>>) -> Pair<'i, Rule> {
    if pair.as_rule() == Rule::unary {
        return pair;
    }
    let mut operands = pair.into_inner().filter(|p| {
        matches!(
            p.as_rule(),
            Rule::and_expr | Rule::cmp_expr | Rule::add_expr | Rule::mul_expr | Rule::unary
        )
    });
    let leaf = spine(operands.next().unwrap(), right);
    right.extend(operands);
    leaf
}

// ---------------------------------------------------------------------------
// Harness
// ---------------------------------------------------------------------------

/// Runs inputs through both sides and collects disagreements.
struct Differential {
    test: &'static str,
    runs: usize,
    accepted: usize,
    mismatches: Vec<String>,
}

impl Differential {
    fn new(test: &'static str) -> Differential {
        Differential {
            test,
            runs: 0,
            accepted: 0,
            mismatches: Vec::new(),
        }
    }

    /// Compares the two verdicts on `src`; returns the parser's.
    fn check(&mut self, origin: &str, src: &str) -> Verdict {
        self.runs += 1;
        let parser = parser_verdict(src);
        let grammar = grammar_verdict(src);
        if parser.accepts() {
            self.accepted += 1;
        }
        if parser.accepts() != grammar.accepts() {
            let path = save(self.test, self.mismatches.len(), src);
            let report = mismatch_report(origin, src, &parser, &grammar, &path);
            // A broken grammar disagrees on thousands of inputs: show a
            // few in full, the rest are in their files.
            if self.mismatches.len() < 5 {
                eprintln!("{report}");
            } else {
                eprintln!(
                    "grammar/parser disagreement on {origin}: {}",
                    path.display()
                );
            }
            self.mismatches.push(report);
        }
        parser
    }

    fn finish(self, started: Instant) {
        eprintln!(
            "{}: {} inputs, {} accepted by the parser, {} disagreements, {:.1?}",
            self.test,
            self.runs,
            self.accepted,
            self.mismatches.len(),
            started.elapsed()
        );
        assert!(
            self.mismatches.is_empty(),
            "{} of {} inputs got different verdicts from docs/grammar.pest and the parser; \
             the first:\n{}",
            self.mismatches.len(),
            self.runs,
            self.mismatches[0]
        );
    }
}

fn mismatch_report(
    origin: &str,
    src: &str,
    parser: &Verdict,
    grammar: &Verdict,
    saved: &Path,
) -> String {
    format!(
        "grammar/parser disagreement on {origin} (saved as {})\n\
         --- input ---\n{src}\n--- end of input ---\n\
         parser:  {parser}\ngrammar: {grammar}\n",
        saved.display()
    )
}

/// Writes a disagreeing input under `target/tmp/grammar_differential/`.
fn save(test: &str, n: usize, src: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("grammar_differential");
    std::fs::create_dir_all(&dir).expect("create target/tmp/grammar_differential");
    let path = dir.join(format!("{test}-{n}.plumb"));
    std::fs::write(&path, src).expect("write the disagreeing input");
    path
}

/// pest recurses once per grammar rule, so deeply nested inputs (the
/// 100-deep list in `tests/diagnostics/`, and its mutants) need more stack
/// than the default test thread has.
fn on_big_stack(f: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new()
        .stack_size(16 << 20)
        .spawn(f)
        .expect("spawn the test thread")
        .join()
        .unwrap_or_else(|e| std::panic::resume_unwind(e));
}

/// Every `*.plumb` file of the repository, in sorted order, as text. A
/// file that is not UTF-8 (the E0004 case) is read lossily: the
/// replacement character is an invalid character to both sides.
fn repository_files() -> Vec<(String, String)> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            if path.is_dir() {
                if !name.starts_with('.') && name != "target" {
                    walk(&path, out);
                }
            } else if name.ends_with(".plumb") {
                out.push(path);
            }
        }
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut paths = Vec::new();
    walk(root, &mut paths);
    paths.sort();
    paths
        .into_iter()
        .map(|p| {
            let bytes = std::fs::read(&p).expect("read a .plumb file");
            let name = p.strip_prefix(root).unwrap_or(&p).display().to_string();
            (name, String::from_utf8_lossy(&bytes).into_owned())
        })
        .collect()
}

// ---------------------------------------------------------------------------
// Token-level mutation
// ---------------------------------------------------------------------------

/// A token and the text (spaces, comments) before it.
#[derive(Clone)]
struct Tok {
    gap: String,
    text: String,
}

fn tokenize(src: &str) -> (Vec<Tok>, String) {
    let lexed = plumb_compiler::lexer::lex(src);
    let mut toks = Vec::new();
    let mut last = 0;
    for (tok, span) in &lexed.tokens {
        if *tok == plumb_compiler::lexer::Token::Eof {
            break;
        }
        let (start, end) = (span.start as usize, span.end as usize);
        toks.push(Tok {
            gap: src[last..start].to_string(),
            text: src[start..end].to_string(),
        });
        last = end;
    }
    (toks, src[last..].to_string())
}

fn render(toks: &[Tok], tail: &str) -> String {
    let mut out = String::new();
    for t in toks {
        out.push_str(&t.gap);
        out.push_str(&t.text);
    }
    out.push_str(tail);
    out
}

/// Tokens to insert or substitute: every keyword and operator, words with
/// a meaning somewhere, numbers at the edges of the limits, raw control
/// references and invalid characters (whitespace-separated), then strings
/// that exercise the escape and template rules, and comments.
const VOCABULARY: &str = "package import as rule drift test let fn when require and or not in \
    if then else for true false null resources x attributes on resource expect severity response \
    controls message remediation paths high pass aws_s3_bucket aws_s3_ aws_s3_* { } ( ) [ ] , . : \
    = == != < <= > >= + - * ** / % => 0 1 2.5 1e3 1e309 007 18446744073709551615 \
    18446744073709551616 nist.AC-2(1) pci.2.2.1 pci.1e+5 nist. @ ! ' é";
const VOCABULARY_STRINGS: &[&str] = &[
    "\"s\"",
    "\"\"",
    "\"{x}\"",
    "\"{ a.b }\"",
    "\"{x // c}\"",
    "\"\\{\"",
    "\"\\u{41}\"",
    "\"\\u{+41}\"",
    "\"\\u{D800}\"",
    "\"\\q\"",
    "\"{\"",
    "\"{}\"",
    "\"open",
    "// note\n",
    "/// doc\n",
];

fn vocabulary_token(rng: &mut Rng) -> String {
    if rng.chance(80) {
        let words: Vec<&str> = VOCABULARY.split_whitespace().collect();
        pick(rng, &words).to_string()
    } else {
        pick(rng, VOCABULARY_STRINGS).to_string()
    }
}

/// Separators between tokens, including none at all (which can glue two
/// tokens into one) and comments.
const GAPS: &[&str] = &[
    "",
    " ",
    "\n",
    "\t",
    " // note\n",
    "\n/// doc\n",
    "\r\n",
    "\x0C",
];

/// Edits inside a string literal, to exercise escapes and template holes.
const STRING_EDITS: &[&str] = &[
    "{",
    "}",
    "\\",
    "\"",
    "//",
    "{x}",
    "{ a.b }",
    "{x // c}",
    "\\{",
    "\\}",
    "\\u{41}",
    "\\u{",
    "\\n",
    "\\q",
    " ",
    "\n",
    "{[1, 2][0]}",
    "{f(x)}",
    "{{a: 1}.a}",
];

fn pick<'a>(rng: &mut Rng, items: &[&'a str]) -> &'a str {
    items[rng.below(items.len())]
}

/// Applies one to three random token-level edits to `src`.
fn mutate(src: &str, rng: &mut Rng) -> String {
    let (mut toks, tail) = tokenize(src);
    let edits = match rng.below(10) {
        0..=5 => 1,
        6..=8 => 2,
        _ => 3,
    };
    for _ in 0..edits {
        if toks.is_empty() {
            toks.push(Tok {
                gap: String::new(),
                text: vocabulary_token(rng),
            });
            continue;
        }
        let i = rng.below(toks.len());
        match rng.below(9) {
            0 => {
                toks.remove(i);
            }
            1 => {
                let mut copy = toks[i].clone();
                copy.gap = pick(rng, &["", " "]).to_string();
                toks.insert(i + 1, copy);
            }
            2 | 3 => {
                // Adjacent or anywhere.
                let j = if rng.chance(50) {
                    (i + 1).min(toks.len() - 1)
                } else {
                    rng.below(toks.len())
                };
                let text = toks[i].text.clone();
                toks[i].text = std::mem::replace(&mut toks[j].text, text);
            }
            4 => toks.insert(
                i,
                Tok {
                    gap: pick(rng, &["", " ", "\n"]).to_string(),
                    text: vocabulary_token(rng),
                },
            ),
            5 => toks[i].text = vocabulary_token(rng),
            6 => toks[i].gap = pick(rng, GAPS).to_string(),
            7 => {
                let j = rng.below(toks.len());
                let copy = Tok {
                    gap: " ".to_string(),
                    text: toks[j].text.clone(),
                };
                toks.insert(i, copy);
            }
            _ => edit_string(&mut toks, i, rng),
        }
    }
    render(&toks, &tail)
}

/// Inserts into, or deletes a character from, the first string literal at
/// or after token `i` (if there is one).
fn edit_string(toks: &mut [Tok], i: usize, rng: &mut Rng) {
    let Some(tok) = toks.iter_mut().skip(i).find(|t| t.text.starts_with('"')) else {
        return;
    };
    let bounds: Vec<usize> = tok
        .text
        .char_indices()
        .map(|(k, _)| k)
        .filter(|&k| k > 0)
        .collect();
    let Some(&at) = bounds.get(rng.below(bounds.len())) else {
        return;
    };
    if rng.chance(25) {
        tok.text.remove(at);
    } else {
        tok.text.insert_str(at, pick(rng, STRING_EDITS));
    }
}

// ---------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------

/// The corners of the syntax the grammar's comments describe, with the
/// verdict both sides must give.
const EDGE_CASES: &[(bool, &str)] = &[
    // Files and items.
    (true, ""),
    (true, "// only a comment"),
    (true, "package a.b\nimport c.d as e\nimport f\nlet x = 1"),
    (false, "let x = 1\npackage a"),
    (false, "package a\npackage b"),
    (false, "import a\npackage b"),
    (false, "let x = 1\nimport a"),
    (true, "package a . b // spaced"),
    // Segments after the first may be keywords, as after any `.`.
    (true, "package a.if"),
    (false, "package a."),
    (true, "fn f(a, b,) = a"),
    (true, "fn f() = 1"),
    (false, "fn f(,) = 1"),
    (false, "let x == 1"),
    (false, "let x => 1"),
    // Declared types.
    (true, "type acme_widget"),
    (true, "type acme_*\ntype type\nrule r on acme_widget {}"),
    (true, "let x = 2\ntype t"),
    (false, "type"),
    (false, "type rule"),
    (false, "type a b"),
    (false, "type acme_*_x"),
    (false, "type \"t\""),
    (false, "rule r on t { type x }"),
    // Blocks and clauses.
    (true, "rule r on t { severity high require x }"),
    (true, "rule on on on {}"),
    (true, "drift d on t { paths a }"),
    (false, "rule r t {}"),
    (false, "rule r on t { fn f() = 1 }"),
    (
        true,
        "rule r on t { let message = attributes.message\n require message }",
    ),
    (false, "rule r on t { severity true }"),
    (true, "rule r on t { severity message }"),
    // Type patterns.
    (true, "rule r on aws_s3_*, *, aws_s3_bucket {}"),
    (true, "rule r on aws_*{}"),
    (false, "rule r on aws_ * {}"),
    (false, "rule r on aws_*_bucket {}"),
    (false, "rule r on *_bucket {}"),
    (false, "rule r on ** {}"),
    (false, "rule r on aws_** {}"),
    (false, "rule r on aws_*in {}"),
    (false, "rule r on if {}"),
    (true, "let x = resources(aws_*, *)"),
    (false, "let x = resources(aws_*,)"),
    // Control references.
    (
        true,
        "rule r on t { controls nist.AC-2(1), pci.2.2.1, soc2.CC6.1 }",
    ),
    (true, "rule r on t { controls nist.AC-2// why\n}"),
    (true, "rule r on t { controls nist..x, nist.) }"),
    (false, "rule r on t { controls nist. }"),
    (false, "rule r on t { controls nist .AC-2 }"),
    (false, "rule r on t { controls nist. AC-2 }"),
    (false, "rule r on t { controls nist.AC-2, }"),
    (true, "rule r on t { controls pci.1e+5 }"),
    (false, "rule r on t { controls pci.1e+5.x }"),
    (true, "rule r on t { controls pci.1e+5severity high }"),
    (true, "rule r on t { controls pci.1e-5x }"),
    (false, "rule r on t { controls pci.x1e+5 }"),
    (false, "rule r on t { controls not.x }"),
    // Drift paths.
    (
        true,
        "drift d on t { paths a.b[*].c, tags.*, x.**, \"k\"[\"j\"], *, ** }",
    ),
    (
        true,
        "drift d on t { paths a[0][007], b.if.not, a . b [ 1 ] }",
    ),
    (true, "drift d on t { paths a[18446744073709551615] }"),
    (
        true,
        "drift d on t { paths a[00000000000000000000018446744073709551615] }",
    ),
    (false, "drift d on t { paths a[18446744073709551616] }"),
    (false, "drift d on t { paths a[99999999999999999999] }"),
    (false, "drift d on t { paths a[0.5] }"),
    (false, "drift d on t { paths a[1e3] }"),
    (false, "drift d on t { paths a[-1] }"),
    (false, "drift d on t { paths a[**] }"),
    (false, "drift d on t { paths a.\"k\" }"),
    (false, "drift d on t { paths a, }"),
    // Expressions.
    (true, "let x = 1and 2"),
    (true, "let x = a.if.not.true.resources"),
    (true, "let x = a == not b == c"),
    (false, "let x = not a == b == c"),
    (false, "let x = a < b < c"),
    (true, "let x = (a < b) == c"),
    (true, "let x = a not in b"),
    (false, "let x = a not b"),
    (true, "let x = a * not b + c"),
    (true, "let x = - - a.b[0](1)[*].**"),
    (true, "let x = a.** * b"),
    (false, "let x = a ** b"),
    (false, "let x = a.****"),
    (true, "let x = a // b"),
    (true, "let x = f(a,)(b)[1]"),
    (false, "let x = f(,)"),
    (true, "let x = [1, 2,] + [] + [x for x in y if x > 1]"),
    (false, "let x = [1, 2 for x in y]"),
    (false, "let x = [,]"),
    (true, "let x = {a: 1, if: 2, \"c d\": 3,}.a"),
    (false, "let x = {1: 2}"),
    (true, "let x = (a, b) => a + b"),
    (true, "let x = () => 1"),
    (false, "let x = (a,) => 1"),
    (true, "let x = if a then b else c or d"),
    (false, "let x = a + if b then c else d"),
    (true, "let x = a + (if b then c else d)"),
    (false, "let x = a + y => 1"),
    (true, "let x = 1.5.x"),
    (false, "let x = 1."),
    (false, "let x = .5"),
    (true, "let x = 1e308"),
    (false, "let x = 1e309"),
    (true, "let x = 1e-400"),
    (false, "let x = a ! b"),
    (false, "let x = a === b"),
    // Fixtures.
    (
        true,
        "test r { resource t \"i\" { a: 1 } expect pass\n resource t \"j\" {} }",
    ),
    (
        false,
        "test r { resource t \"i\" {a: 1}.a == 1 expect pass }",
    ),
    (false, "test r { resource t \"i\" {} + {} }"),
    (false, "test r { resource t \"i\" [1] }"),
    (false, "test r { resource t i {} }"),
    (false, "test r { resource t \"i\" {} expect }"),
    (false, "test r { resource resources \"i\" {} }"),
    // Strings.
    (
        true,
        r#"let x = "\" \\ \n \r \t \{ \} \u{41} \u{1F600} \u{10FFFF} \u{0} \u{00D7FF} { } //""#,
    ),
    (false, r#"let x = "\q""#),
    (false, r#"let x = "\u00e9""#),
    (false, r#"let x = "\u{}""#),
    (false, r#"let x = "\u{D800}""#),
    (false, r#"let x = "\u{dfff}""#),
    (false, r#"let x = "\u{110000}""#),
    (false, r#"let x = "\u{0000041}""#),
    (false, r#"let x = "\u{+41}""#),
    (false, "let x = \"open"),
    (false, "let x = \"two\nlines\""),
    (true, "let x = \"tab\tand\rcr\""),
    // Templates.
    (
        true,
        r#"rule r on t { message "id {id} is {attributes.x + 1}, not \{x\} }" }"#,
    ),
    (
        true,
        r#"rule r on t { message "{ {a: 1}.a } {[1, 2][0]} {f(x, y)}" }"#,
    ),
    (true, r#"rule r on t { message "{x // a comment}" }"#),
    (
        true,
        r#"rule r on t { message "{x // {balanced} \" \\ }" }"#,
    ),
    (true, r#"rule r on t { message "{x // \} y}" }"#),
    (false, r#"rule r on t { message "{x // \{ }" }"#),
    (false, r#"rule r on t { message "{ {a: 1 // } }" }"#),
    (false, r#"rule r on t { message "{a + // b}" }"#),
    (false, r#"rule r on t { message "{ // only a comment }" }"#),
    (false, r#"rule r on t { message "{}" }"#),
    (false, r#"rule r on t { message "{ }" }"#),
    (false, r#"rule r on t { message "{id" }"#),
    (false, r#"rule r on t { message "{tags[\"Name\"]}" }"#),
    (false, r#"rule r on t { message "{a \\ b}" }"#),
    (true, r#"rule r on t { message "a } b" }"#),
    (true, r#"rule r on t { remediation "{x}{y}" }"#),
    (false, r#"rule r on t { message x }"#),
    (true, r#"let x = "{not a hole""#),
    // Lexical.
    (false, "let x = a @ b"),
    (false, "let é = 1"),
    (false, "let x = 'a'"),
    (false, "let x = \u{a0}1"),
    (false, "let x = 1\u{b}"),
    (true, "let\u{c}x\r\n=\t1 /// doc\n//// not doc"),
    (false, "\u{feff}let x = 1"),
    (true, "let x = 1 // no newline at the end"),
];

#[test]
fn edge_cases_agree() {
    on_big_stack(|| {
        let started = Instant::now();
        let mut diff = Differential::new("edge_cases_agree");
        let mut wrong = String::new();
        for (n, &(accept, src)) in EDGE_CASES.iter().enumerate() {
            let verdict = diff.check(&format!("edge case {n}"), src);
            if verdict.accepts() != accept {
                let _ = writeln!(
                    wrong,
                    "edge case {n} {src:?}: expected {}, parser {verdict}",
                    if accept { "accept" } else { "reject" }
                );
            }
        }
        assert!(
            wrong.is_empty(),
            "edge cases whose verdict is not the documented one:\n{wrong}"
        );
        diff.finish(started);
    });
}

/// The value limits the grammar spells out, swept over their boundaries
/// against the parser: list indices in drift paths fit in a u64, and
/// `\u{...}` escapes name a Unicode scalar value in at most six digits.
#[test]
fn value_limits_agree() {
    on_big_stack(|| {
        let started = Instant::now();
        let mut diff = Differential::new("value_limits_agree");
        // u64::MAX with each digit replaced by each digit (every branch of
        // `u64_20_digits`), its neighbours, and every length from 1 to 21.
        let max = u64::MAX.to_string();
        let mut indices: Vec<String> = Vec::new();
        for k in 0..max.len() {
            for d in b'0'..=b'9' {
                let mut digits = max.clone().into_bytes();
                digits[k] = d;
                indices.push(String::from_utf8(digits).unwrap());
            }
        }
        let wide = u128::from(u64::MAX);
        for delta in 0..3 {
            indices.push((wide + delta).to_string());
            indices.push((wide - delta).to_string());
        }
        for len in 1..=21 {
            indices.push("9".repeat(len));
            indices.push(format!("1{}", "0".repeat(len - 1)));
        }
        indices.push("0".to_string());
        for n in &indices {
            for zeros in ["", "0", "000"] {
                let src = format!("drift d on t {{ paths a[{zeros}{n}] }}");
                diff.check(&format!("index {zeros}{n}"), &src);
            }
        }
        // Code points at every boundary, written with 1 to 7 digits, in
        // both cases, and a few things that are not hex digits.
        let points: [u32; 18] = [
            0, 1, 0x7f, 0xfff, 0x1000, 0xcfff, 0xd7ff, 0xd800, 0xdbff, 0xdfff, 0xe000, 0xffff,
            0x10000, 0xfffff, 0x100000, 0x10ffff, 0x110000, 0xffffff,
        ];
        let mut escapes: Vec<String> = Vec::new();
        for p in points {
            for width in 1..=7 {
                let hex = format!("{p:0width$x}");
                escapes.push(hex.to_uppercase());
                escapes.push(hex);
            }
        }
        escapes.extend(["", "+41", "-41", " 41", "4 1", "g", "0x41", "41 "].map(String::from));
        for hex in &escapes {
            let src = format!("let x = \"\\u{{{hex}}}\"");
            diff.check(&format!("escape \\u{{{hex}}}"), &src);
        }
        assert!(diff.accepted > 100 && diff.accepted + 100 < diff.runs);
        diff.finish(started);
    });
}

/// The nesting limit, which the grammar can only describe, holds at its
/// boundary for every nesting form in every expression context: each form
/// is deepened until the parser reports E0102, and the verdicts just below
/// and just above must agree with the depth the test computes from pest's
/// tree.
#[test]
fn nesting_limit_agrees() {
    type Form = fn(usize) -> String;
    const FORMS: &[(&str, Form)] = &[
        ("list", |n| format!("{}1{}", "[".repeat(n), "]".repeat(n))),
        ("parens", |n| format!("{}1{}", "(".repeat(n), ")".repeat(n))),
        ("object", |n| {
            format!("{}1{}", "{a: ".repeat(n), "}".repeat(n))
        }),
        ("not", |n| format!("{}x", "not ".repeat(n))),
        ("not ==", |n| format!("{}x", "not a == ".repeat(n))),
        ("minus", |n| format!("{}x", "- ".repeat(n))),
        ("fields", |n| format!("x{}", ".y".repeat(n))),
        ("postfix mix", |n| format!("x{}", ".**[*][0](1)".repeat(n))),
        ("or chain", |n| vec!["x"; n + 1].join(" or ")),
        ("mixed chain", |n| {
            format!("x{}", " + y * z == w and v".repeat(n))
        }),
        ("calls", |n| format!("{}x{}", "f(".repeat(n), ")".repeat(n))),
        ("indexes", |n| {
            format!("{}0{}", "x[".repeat(n), "]".repeat(n))
        }),
        ("lambdas", |n| format!("{}x", "x => ".repeat(n))),
        ("paren lambdas", |n| format!("{}x", "(a, b) => ".repeat(n))),
        ("ifs", |n| {
            format!("{}b{}", "if a then ".repeat(n), " else c".repeat(n))
        }),
        ("else ifs", |n| {
            format!("{}c", "if a then b else ".repeat(n))
        }),
        ("comprehensions", |n| {
            format!("{}y{}", "[x for x in ".repeat(n), " if x]".repeat(n))
        }),
        ("right-nested", |n| {
            format!("{}x{}", "a - (".repeat(n), ")".repeat(n))
        }),
    ];
    type Context = fn(&str) -> String;
    const CONTEXTS: &[(&str, Context)] = &[
        ("let", |e| format!("let v = {e}\n")),
        ("require", |e| format!("rule r on t {{ require {e} }}\n")),
        ("hole", |e| {
            format!("rule r on t {{ message \"{{{e}}}\" }}\n")
        }),
        ("fixture", |e| {
            format!("test r {{ resource t \"i\" {{ a: {e} }} }}\n")
        }),
        ("fn", |e| format!("fn f(a) = a.b[{e}]\n")),
    ];
    on_big_stack(|| {
        let started = Instant::now();
        let mut diff = Differential::new("nesting_limit_agrees");
        for (form, build) in FORMS {
            for (context, wrap) in CONTEXTS {
                let src = |n: usize| wrap(&build(n));
                let limit = (1..400)
                    .find(|&n| !parser_verdict(&src(n)).accepts())
                    .unwrap_or_else(|| panic!("{form} in {context} never gets too deep"));
                let Verdict::Reject(why) = parser_verdict(&src(limit)) else {
                    unreachable!()
                };
                assert!(why.contains("E0102"), "{form} in {context}: {why}");
                for n in limit.saturating_sub(3)..=limit + 2 {
                    diff.check(&format!("{form} {n} deep in {context}"), &src(n));
                }
            }
        }
        diff.finish(started);
    });
}

#[test]
fn repository_files_agree() {
    on_big_stack(|| {
        let started = Instant::now();
        let files = repository_files();
        assert!(files.len() > 20, "found only {} .plumb files", files.len());
        let mut diff = Differential::new("repository_files_agree");
        for (name, text) in &files {
            diff.check(name, text);
        }
        // The corpus holds both kinds, so neither side can pass by always
        // saying the same thing.
        assert!(diff.accepted > 10 && diff.accepted + 10 < diff.runs);
        diff.finish(started);
    });
}

/// Mutants per seed file.
const MUTANTS_PER_FILE: usize = 60;

#[test]
fn mutants_agree() {
    on_big_stack(|| {
        let started = Instant::now();
        let mut seeds = repository_files();
        for f in workload::generate(24, 3) {
            seeds.push((format!("workload {}", f.name), f.text));
        }
        let mut rng = Rng::new(0x6772_616d_6d61_7221);
        let mut diff = Differential::new("mutants_agree");
        for (name, text) in &seeds {
            for m in 0..MUTANTS_PER_FILE {
                let mutant = mutate(text, &mut rng);
                diff.check(&format!("mutant {m} of {name}"), &mutant);
            }
        }
        assert!(diff.accepted > 0 && diff.accepted < diff.runs);
        diff.finish(started);
    });
}

/// Generated files, generated near misses, and mutants per generated file.
const GENERATED_FILES: u32 = 500;
const NEAR_MISSES: u32 = 3_000;
const MUTANTS_PER_GENERATED: usize = 6;

#[test]
fn generated_programs_agree() {
    on_big_stack(|| {
        let started = Instant::now();
        let mut files = generate::Counts::default();
        generate::run(
            "generated_programs_agree",
            generate::files(),
            GENERATED_FILES,
            MUTANTS_PER_GENERATED,
            0x0070_6c75_6d62,
            &mut files,
        );
        let mut near = generate::Counts::default();
        generate::run(
            "generated_near_misses_agree",
            generate::near_misses(),
            NEAR_MISSES,
            0,
            0x6e65_6172,
            &mut near,
        );
        eprintln!(
            "generated_programs_agree: {} files ({} accepted by the parser), {} of their \
             mutants ({} accepted), {} near misses ({} accepted), 0 disagreements, {:.1?}",
            files.programs,
            files.programs_accepted,
            files.mutants,
            files.mutants_accepted,
            near.programs,
            near.programs_accepted,
            started.elapsed()
        );
        // Both verdicts must be well represented, or agreeing proves
        // little: generated files mostly parse, mutants mostly do not, near
        // misses go both ways.
        let share = |part: usize, all: usize| part * 100 / all.max(1);
        assert!(
            share(files.programs_accepted, files.programs) >= 80,
            "only {} of {} generated files parse: the generator has drifted",
            files.programs_accepted,
            files.programs
        );
        assert!(share(files.mutants_accepted, files.mutants) >= 5);
        let near_share = share(near.programs_accepted, near.programs);
        assert!(
            (25..=75).contains(&near_share),
            "{near_share}% of the near misses parse; the mistake rate needs tuning"
        );
    });
}

// ---------------------------------------------------------------------------
// Program generator
// ---------------------------------------------------------------------------

/// proptest strategies for plumb files: every item, clause and expression
/// form, with the grammar's odd corners (keywords as attribute names, `not`
/// as an operand, holes with comments, trailing commas, ...) mixed in.
/// Expressions are built with their binding strength so that operands are
/// parenthesised where the grammar needs it; recursion is shallow, far
/// below `MAX_NESTING`.
///
/// Every choice that can break a program (an invalid escape, a glued type
/// pattern, a chained comparison, a newline in a hole, ...) is taken with
/// weight `odd` against 100. Whole files use a low rate, so most of them
/// parse and every construct is exercised on the accepting side; small
/// "near-miss" files use a high rate, so the boundary between accepted
/// and rejected is probed densely.
mod generate {
    use std::cell::RefCell;

    use proptest::prelude::*;
    use proptest::test_runner::{Config, RngSeed, TestCaseError, TestError, TestRunner};

    use super::{Rng, grammar_verdict, mismatch_report, mutate, parser_verdict, save};

    /// Mistake weights (against 100) of whole files and of near-miss files.
    const ODD_FILES: u32 = 1;
    const ODD_NEAR_MISS: u32 = 20;

    #[derive(Default)]
    pub struct Counts {
        pub programs: usize,
        pub programs_accepted: usize,
        pub mutants: usize,
        pub mutants_accepted: usize,
    }

    /// Checks `cases` files drawn from `files`, each with `mutants` mutants,
    /// adding to `counts`. A disagreement fails the run with the shrunk
    /// input.
    pub fn run(
        name: &'static str,
        files: BoxedStrategy<String>,
        cases: u32,
        mutants: usize,
        seed: u64,
        counts: &mut Counts,
    ) {
        let config = Config {
            cases,
            rng_seed: RngSeed::Fixed(seed),
            failure_persistence: None,
            max_shrink_iters: 2_000,
            ..Config::default()
        };
        let mut runner = TestRunner::new(config);
        let shared = RefCell::new(std::mem::take(counts));
        let result = runner.run(&(files, any::<u64>()), |(src, seed)| {
            let mut rng = Rng::new(seed);
            let mut inputs = vec![src.clone()];
            inputs.extend((0..mutants).map(|_| mutate(&src, &mut rng)));
            for (n, input) in inputs.iter().enumerate() {
                let parser = parser_verdict(input);
                let grammar = grammar_verdict(input);
                let mut c = shared.borrow_mut();
                let accepted = usize::from(parser.accepts());
                if n == 0 {
                    c.programs += 1;
                    c.programs_accepted += accepted;
                } else {
                    c.mutants += 1;
                    c.mutants_accepted += accepted;
                }
                if parser.accepts() != grammar.accepts() {
                    let path = save(name, 0, input);
                    let report = mismatch_report(name, input, &parser, &grammar, &path);
                    return Err(TestCaseError::fail(report));
                }
            }
            Ok(())
        });
        *counts = shared.into_inner();
        match result {
            Ok(()) => {}
            Err(TestError::Fail(why, (src, seed))) => panic!(
                "{why}\n(the smallest failing case proptest found: the generated file below, \
                 or its mutant with seed {seed})\n{src}"
            ),
            Err(e) => panic!("{e}"),
        }
    }

    /// `normal` with weight 100, `mistake` with weight `odd`.
    fn or_odd<T: std::fmt::Debug + Clone + 'static>(
        odd: u32,
        normal: impl Strategy<Value = T> + 'static,
        mistake: impl Strategy<Value = T> + 'static,
    ) -> BoxedStrategy<T> {
        prop_oneof![100 => normal, odd => mistake].boxed()
    }

    /// One of the `|`-separated `items`.
    fn words(items: &'static str) -> BoxedStrategy<String> {
        prop::sample::select(items.split('|').collect::<Vec<_>>())
            .prop_map(str::to_string)
            .boxed()
    }

    // ----- words and tokens ------------------------------------------------

    fn ident() -> BoxedStrategy<String> {
        words(
            "x|y|id|attributes|name|tags|_tmp|a1|notx|inx|iff|on|resource|expect|severity|message|paths|controls",
        )
    }

    /// Attribute names and object keys: identifiers and keywords.
    fn name() -> BoxedStrategy<String> {
        prop_oneof![
            4 => ident(),
            1 => words("if|not|in|true|null|resources|rule|let|for|as"),
        ]
        .boxed()
    }

    fn number(odd: u32) -> BoxedStrategy<String> {
        let normal = prop_oneof![
            4 => (0u32..2000).prop_map(|n| n.to_string()),
            1 => words("3.14|0.5|1e3|2.5E-3|007|1e308|6E+2|1e-400"),
        ];
        or_odd(odd, normal, words("1e999|1.|1e|2e+"))
    }

    fn string_piece(odd: u32) -> BoxedStrategy<String> {
        let normal = words(
            "abc| |-|\\\"|\\\\|\\n|\\t|\\r|\\{|\\}|{|}|\\u{41}|\\u{1F600}|\\u{10FFFF}|\\u{0}|\\u{d7ff}|\\u{E000}|é|//|'|\t",
        );
        let mistake = words("\\q|\\u{D800}|\\u{110000}|\\u{+41}|\\u{1234567}|\\u00e9|\\u{}|\n|\\");
        or_odd(odd, normal, mistake)
    }

    fn string(odd: u32) -> BoxedStrategy<String> {
        prop::collection::vec(string_piece(odd), 0..4)
            .prop_map(|p| format!("\"{}\"", p.concat()))
            .boxed()
    }

    fn type_pattern(odd: u32) -> BoxedStrategy<String> {
        let normal = words("aws_s3_bucket|aws_security_group|on|t1|aws_s3_*|aws_*|k8s_*|*");
        let mistake = words("aws_*_bucket|**|aws_ *|if|*x|aws_**|\"t\"");
        or_odd(odd, normal, mistake)
    }

    fn type_patterns(odd: u32) -> BoxedStrategy<String> {
        prop::collection::vec(type_pattern(odd), 1..3)
            .prop_map(|t| t.join(", "))
            .boxed()
    }

    fn control_ref(odd: u32) -> BoxedStrategy<String> {
        let normal = words(
            "nist.AC-2(1)|nist.CM-6|pci.2.2.1|soc2.CC6.1|nist.SC-28(1)|pci.10.2.1|cis.1:2|nist..x|pci.1e+5|pci.1e-5x|nist.AC_2|nist.AC-2// why\n",
        );
        let mistake =
            words("nist.|nist .AC-2|nist. AC-2|pci.1e+5.x|pci.2.1e+5(1)|pci.x1e+5|if.x|nist.AC-2,");
        or_odd(odd, normal, mistake)
    }

    fn path_pattern(odd: u32) -> BoxedStrategy<String> {
        let first = prop_oneof![
            6 => name(),
            1 => Just("*".to_string()),
            1 => Just("**".to_string()),
            1 => Just("\"a key\"".to_string()),
        ];
        let step = prop_oneof![
            4 => name().prop_map(|n| format!(".{n}")),
            2 => Just(".*".to_string()),
            2 => Just(".**".to_string()),
            3 => Just("[*]".to_string()),
            2 => (0u64..100).prop_map(|n| format!("[{n}]")),
            1 => words("[18446744073709551615]|[007]|[\"k\"]| . x [ 0 ]"),
        ];
        let mistake = words("[0.5]|[1e3]|[18446744073709551616]|.\"k\"|[-1]|[**]|.***|[]");
        let step = or_odd(odd, step, mistake);
        (first, prop::collection::vec(step, 0..4))
            .prop_map(|(f, s)| format!("{f}{}", s.concat()))
            .boxed()
    }

    // ----- expressions -------------------------------------------------------

    /// Binding strength of an expression's outermost construct.
    const LOOSE: u8 = 0; // lambda, if
    const OR: u8 = 1;
    const AND: u8 = 2;
    const NOT: u8 = 3;
    const CMP: u8 = 4;
    const ADD: u8 = 5;
    const MUL: u8 = 6;
    const UNARY: u8 = 7;
    const ATOM: u8 = 8;

    #[derive(Clone, Debug)]
    struct E {
        text: String,
        prec: u8,
    }

    fn e(text: String, prec: u8) -> E {
        E { text, prec }
    }

    /// `x` as an operand that needs at least binding strength `min`.
    fn operand(x: &E, min: u8) -> String {
        if x.prec >= min {
            x.text.clone()
        } else {
            format!("({})", x.text)
        }
    }

    fn join(items: &[E], trailing: bool) -> String {
        let mut s = items
            .iter()
            .map(|i| i.text.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        if trailing && !items.is_empty() {
            s.push(',');
        }
        s
    }

    /// Expressions; `in_hole` leaves out what a template hole cannot hold
    /// (string literals), unless by mistake.
    fn expr(in_hole: bool, odd: u32) -> BoxedStrategy<E> {
        let atom = |s: BoxedStrategy<String>| s.prop_map(|t| e(t, ATOM)).boxed();
        let string = if in_hole {
            or_odd(odd, Just("x".to_string()), Just("\"s\"".to_string()))
        } else {
            string(odd)
        };
        let leaf = prop_oneof![
            5 => atom(ident()),
            3 => atom(number(odd)),
            2 => atom(string),
            1 => atom(words("true|false|null")),
            1 => atom(type_patterns(odd).prop_map(|t| format!("resources({t})")).boxed()),
        ];
        let key = prop_oneof![4 => name(), 1 => Just("\"a key\"".to_string())].boxed();
        let key = if in_hole { name() } else { key };
        leaf.prop_recursive(4, 48, 4, move |inner| {
            let binary_ops = prop::sample::select(vec![
                ("or", OR),
                ("and", AND),
                ("==", CMP),
                ("!=", CMP),
                ("<", CMP),
                ("<=", CMP),
                (">", CMP),
                (">=", CMP),
                ("in", CMP),
                ("not in", CMP),
                ("+", ADD),
                ("-", ADD),
                ("*", MUL),
                ("/", MUL),
                ("%", MUL),
            ]);
            let bare = or_odd(odd, Just(false), Just(true));
            let comma = any::<bool>();
            prop_oneof![
                6 => (inner.clone(), binary_ops, inner.clone(), bare.clone()).prop_map(
                    |(l, (op, prec), r, bare)| {
                        // Comparisons do not chain: the left operand of one
                        // must bind tighter. By mistake, leave it bare.
                        let lmin = match (prec, bare) {
                            (_, true) => LOOSE,
                            (CMP, false) => ADD,
                            _ => prec,
                        };
                        e(format!("{} {op} {}", operand(&l, lmin), operand(&r, prec + 1)), prec)
                    }
                ),
                // `not` takes a comparison. As a right operand it may stay
                // bare (`a * not b`) and then still reads to the end of the
                // comparison: the result is open to the right like a `not`.
                // By mistake, a comparison follows one inside the `not`
                // (`not a == b == c` chains).
                1 => (inner.clone(), 0..3u8, bare.clone()).prop_map(|(x, shape, chain)| {
                    let text = format!("not {}", operand(&x, CMP));
                    match (chain, shape) {
                        (true, _) => e(format!("{text} == y"), NOT),
                        (false, 0) => e(format!("a * {text}"), NOT),
                        (false, _) => e(text, NOT),
                    }
                }),
                1 => inner.clone().prop_map(|x| e(format!("-{}", operand(&x, UNARY)), UNARY)),
                4 => (inner.clone(), postfix(inner.clone(), odd)).prop_map(|(x, p)| {
                    e(format!("{}{p}", operand(&x, ATOM)), ATOM)
                }),
                1 => inner.clone().prop_map(|x| e(format!("({})", x.text), ATOM)),
                2 => (prop::collection::vec(inner.clone(), 0..4), comma)
                    .prop_map(|(items, t)| e(format!("[{}]", join(&items, t)), ATOM)),
                1 => (inner.clone(), ident(), inner.clone(), prop::option::of(inner.clone())).prop_map(
                    |(el, var, src, filter)| {
                        let filter = filter.map(|f| format!(" if {}", f.text)).unwrap_or_default();
                        e(format!("[{} for {var} in {}{filter}]", el.text, src.text), ATOM)
                    }
                ),
                2 => (prop::collection::vec((key.clone(), inner.clone()), 0..3), comma).prop_map(
                    |(entries, t)| {
                        let items: Vec<E> = entries
                            .iter()
                            .map(|(k, v)| e(format!("{k}: {}", v.text), ATOM))
                            .collect();
                        e(format!("{{{}}}", join(&items, t)), ATOM)
                    }
                ),
                1 => (prop::collection::vec(ident(), 0..3), inner.clone(), any::<bool>(), bare).prop_map(
                    |(params, body, bare, trailing)| {
                        let comma = if trailing { "," } else { "" };
                        if params.len() == 1 && bare {
                            e(format!("{} => {}", params[0], body.text), LOOSE)
                        } else {
                            e(format!("({}{comma}) => {}", params.join(", "), body.text), LOOSE)
                        }
                    }
                ),
                1 => (inner.clone(), inner.clone(), inner).prop_map(|(c, t, f)| {
                    e(format!("if {} then {} else {}", c.text, t.text, f.text), LOOSE)
                }),
            ]
        })
        .boxed()
    }

    fn postfix(inner: BoxedStrategy<E>, odd: u32) -> BoxedStrategy<String> {
        let normal = prop_oneof![
            4 => name().prop_map(|n| format!(".{n}")),
            1 => Just(".**".to_string()),
            2 => Just("[*]".to_string()),
            2 => inner.clone().prop_map(|i| format!("[{}]", i.text)),
            3 => (prop::collection::vec(inner, 0..3), any::<bool>())
                .prop_map(|(args, t)| format!("({})", join(&args, t))),
        ];
        or_odd(odd, normal, words(".*|[* 1]|(,)|.1|. **|[**]"))
    }

    /// A message template: text, escapes and holes (some with comments).
    fn template(odd: u32) -> BoxedStrategy<String> {
        let pad = or_odd(odd, words("| |\t|\x0C"), words("\n|\u{a0}"));
        let comment = prop_oneof![
            6 => Just(String::new()),
            1 => words(" // note|// {braces} \\\" ok| /// x|// \\} then text"),
        ];
        let comment = or_odd(odd, comment, words("// \\{|// {| // x } y|//\\"));
        let hole = (expr(true, odd), pad.clone(), comment, pad)
            .prop_map(|(x, lead, comment, trail)| format!("{{{lead}{}{trail}{comment}}}", x.text));
        let piece = string_piece(odd).prop_map(|p| if p == "{" { "\\{".to_string() } else { p });
        let part = prop_oneof![
            3 => piece,
            2 => hole,
            1 => Just("}".to_string()),
        ];
        let part = or_odd(odd, part, words("{|{}|{ }|{ // c }|{a + // b}"));
        prop::collection::vec(part, 0..4)
            .prop_map(|p| format!("\"{}\"", p.concat()))
            .boxed()
    }

    // ----- items -------------------------------------------------------------

    fn clause(odd: u32) -> BoxedStrategy<String> {
        let x = || expr(false, odd);
        prop_oneof![
            2 => x().prop_map(|x| format!("when {}", x.text)),
            4 => x().prop_map(|x| format!("require {}", x.text)),
            2 => (ident(), x()).prop_map(|(n, x)| format!("let {n} = {}", x.text)),
            2 => ident().prop_map(|s| format!("severity {s}")),
            1 => ident().prop_map(|s| format!("response {s}")),
            2 => prop::collection::vec(control_ref(odd), 1..4)
                .prop_map(|c| format!("controls {}", c.join(", "))),
            2 => template(odd).prop_map(|t| format!("message {t}")),
            1 => template(odd).prop_map(|t| format!("remediation {t}")),
            2 => prop::collection::vec(path_pattern(odd), 1..3)
                .prop_map(|p| format!("paths {}", p.join(", "))),
        ]
        .boxed()
    }

    fn doc() -> BoxedStrategy<String> {
        words("||/// What it checks.\n|// plain\n/// Doc.\n///\n")
    }

    fn block(odd: u32, clauses: std::ops::Range<usize>) -> BoxedStrategy<String> {
        (
            doc(),
            words("rule|drift"),
            ident(),
            type_patterns(odd),
            prop::collection::vec(clause(odd), clauses),
            words("\n  | "),
        )
            .prop_map(|(doc, kw, name, types, clauses, sep)| {
                let body: String = clauses.iter().map(|c| format!("{sep}{c}")).collect();
                format!("{doc}{kw} {name} on {types} {{{body}\n}}\n")
            })
            .boxed()
    }

    fn fixture(odd: u32) -> BoxedStrategy<String> {
        let tail = words("| expect pass| expect fail| expect skip");
        let tail = or_odd(odd, tail, words(" expect| expect if| pass|[0]|.a == 1"));
        (
            ident(),
            string(odd),
            prop::collection::vec((name(), expr(false, odd)), 0..3),
            tail,
        )
            .prop_map(|(ty, id, attrs, tail)| {
                let attrs: Vec<String> = attrs
                    .iter()
                    .map(|(k, v)| format!("{k}: {}", v.text))
                    .collect();
                format!("resource {ty} {id} {{ {} }}{tail}", attrs.join(", "))
            })
            .boxed()
    }

    fn test_block(odd: u32) -> BoxedStrategy<String> {
        (doc(), ident(), prop::collection::vec(fixture(odd), 0..3))
            .prop_map(|(doc, name, fixtures)| {
                let body: String = fixtures.iter().map(|f| format!("\n  {f}")).collect();
                format!("{doc}test {name} {{{body}\n}}\n")
            })
            .boxed()
    }

    fn item(odd: u32, clauses: std::ops::Range<usize>) -> BoxedStrategy<String> {
        let let_decl = (doc(), ident(), expr(false, odd))
            .prop_map(|(d, n, x)| format!("{d}let {n} = {}\n", x.text));
        let params = (prop::collection::vec(ident(), 0..3), any::<bool>());
        let fn_decl = (doc(), ident(), params, expr(false, odd)).prop_map(
            |(d, n, (params, trailing), body)| {
                let comma = if trailing && !params.is_empty() {
                    ","
                } else {
                    ""
                };
                format!("{d}fn {n}({}{comma}) = {}\n", params.join(", "), body.text)
            },
        );
        let type_decl = type_pattern(odd).prop_map(|t| format!("type {t}\n"));
        prop_oneof![
            4 => block(odd, clauses),
            1 => test_block(odd),
            2 => let_decl,
            1 => fn_decl,
            1 => type_decl,
        ]
        .boxed()
    }

    fn dotted() -> BoxedStrategy<String> {
        prop::collection::vec(ident(), 1..3)
            .prop_map(|p| p.join("."))
            .boxed()
    }

    /// `package`, imports and items, in the order the grammar wants (or, by
    /// mistake, not).
    fn file(
        odd: u32,
        items: std::ops::Range<usize>,
        clauses: std::ops::Range<usize>,
    ) -> BoxedStrategy<String> {
        let header = (
            prop::option::of(dotted()),
            prop::collection::vec((dotted(), prop::option::of(ident())), 0..3),
        )
            .prop_map(|(package, imports)| {
                let mut out = String::new();
                if let Some(p) = package {
                    out.push_str(&format!("package {p}\n"));
                }
                for (path, alias) in imports {
                    match alias {
                        Some(a) => out.push_str(&format!("import {path} as {a}\n")),
                        None => out.push_str(&format!("import {path}\n")),
                    }
                }
                out
            });
        let late = or_odd(odd, Just(String::new()), words("package p\n|import q\n"));
        (
            header,
            prop::collection::vec(item(odd, clauses), items),
            late,
        )
            .prop_map(|(header, items, late)| {
                let mut out = header;
                for item in items {
                    out.push('\n');
                    out.push_str(&item);
                }
                out.push_str(&late);
                out
            })
            .boxed()
    }

    /// Whole files: mostly valid, every construct.
    pub fn files() -> BoxedStrategy<String> {
        file(ODD_FILES, 1..5, 0..6)
    }

    /// One or two short items with frequent mistakes.
    pub fn near_misses() -> BoxedStrategy<String> {
        file(ODD_NEAR_MISS, 1..3, 1..3)
    }
}
