//! The front end must never panic, hang or overflow the stack, whatever it
//! is given, and its diagnostics must always point into the file they name.
//!
//! * `random_inputs`: a few thousand seeded random inputs (plumb-looking
//!   token soup, grammar-generated policies with mistakes, raw bytes
//!   including invalid UTF-8), each through `SourceMap::add_bytes` +
//!   `analyze`.
//! * `mutated_policy_files`: every `*.plumb` file in the repository, plus a
//!   generated realistic policy set and a hand-written seed, mutated (byte
//!   flips, truncations at every k-th byte, splices of two files, deleted,
//!   duplicated and swapped lines, inserted tokens), alone and together with
//!   the files they import.
//! * `deep_nesting_*`: 100,000-deep expressions of every nesting form, in
//!   every expression context, which must give exactly one E0102 per file
//!   promptly, in the default 2 MiB test thread, in a debug build.
//! * `cli_renders_mangled_inputs`: the `plumb lint` binary renders the
//!   diagnostics of mangled files (text with colors, and JSON) without
//!   panicking.
//!
//! A failing input is written under `target/tmp/robustness/` (the file name
//! is in the failure message); the last input of each test is always there
//! too, so a stack overflow, which cannot be caught, can be reproduced with
//! `plumb lint target/tmp/robustness/current-<test>-0.plumb`. Crashes found
//! by the fuzz targets in `fuzz/` belong here as regression cases.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests"
)]

#[path = "../benches/support/workload.rs"]
mod workload;

use std::fmt::Write as _;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use plumb_compiler::{Analysis, Code, SourceMap, analyze};
use workload::Rng;

// ---------------------------------------------------------------------------
// Harness
// ---------------------------------------------------------------------------

/// Where failing inputs and the current input are written.
fn out_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("robustness");
    std::fs::create_dir_all(&dir).expect("create target/tmp/robustness");
    dir
}

/// Longest any single input may take (debug build, shared machine) before
/// the watchdog declares a hang and stops the process.
const HANG_LIMIT: Duration = Duration::from_secs(60);

/// Runs inputs through the front end, collecting failures instead of
/// stopping at the first, so one run reports every distinct problem.
struct Harness {
    test: &'static str,
    dir: PathBuf,
    failures: Vec<String>,
    runs: usize,
    slowest: (Duration, String),
    /// Milliseconds since `epoch` at which the current input started, or 0.
    started: Arc<AtomicU64>,
    current: Arc<Mutex<String>>,
    epoch: Instant,
    persist_current: bool,
}

impl Harness {
    fn new(test: &'static str) -> Harness {
        let started = Arc::new(AtomicU64::new(0));
        let current = Arc::new(Mutex::new(String::new()));
        let epoch = Instant::now();
        {
            let started = Arc::clone(&started);
            let current = Arc::clone(&current);
            // A watchdog: a hang cannot be interrupted, only reported.
            std::thread::spawn(move || {
                loop {
                    std::thread::sleep(Duration::from_millis(250));
                    let at = started.load(Ordering::SeqCst);
                    if at == 0 {
                        continue;
                    }
                    let now = epoch.elapsed().as_millis() as u64;
                    if now.saturating_sub(at) > HANG_LIMIT.as_millis() as u64 {
                        let what = current.lock().map(|s| s.clone()).unwrap_or_default();
                        eprintln!(
                            "robustness/{test}: the front end has been running for more than \
                             {HANG_LIMIT:?} on {what}; input saved as \
                             target/tmp/robustness/current-{test}-*.plumb"
                        );
                        std::process::exit(101);
                    }
                }
            });
        }
        Harness {
            test,
            dir: out_dir(),
            failures: Vec::new(),
            runs: 0,
            slowest: (Duration::ZERO, String::new()),
            started,
            current,
            epoch,
            persist_current: true,
        }
    }

    fn save(&self, tag: &str, files: &[Vec<u8>]) -> String {
        let mut names = Vec::new();
        for (i, f) in files.iter().enumerate() {
            let path = self.dir.join(format!("{tag}-{}-{i}.plumb", self.test));
            let _ = std::fs::write(&path, f);
            names.push(path.display().to_string());
        }
        names.join(" ")
    }

    /// Analyzes `files` as one compilation and checks the invariants.
    /// Returns the analysis (with the source map) if nothing panicked.
    fn run(&mut self, label: &str, files: &[Vec<u8>]) -> Option<(SourceMap, Analysis)> {
        self.runs += 1;
        if self.persist_current {
            // Kept on disk before running: a stack overflow aborts the
            // process and leaves no other trace of the input.
            self.save("current", files);
        }
        if let Ok(mut c) = self.current.lock() {
            c.clear();
            c.push_str(label);
        }
        let begin = Instant::now();
        self.started.store(
            (self.epoch.elapsed().as_millis() as u64).max(1),
            Ordering::SeqCst,
        );
        let result = catch_unwind(AssertUnwindSafe(|| {
            let mut sources = SourceMap::new();
            for (i, f) in files.iter().enumerate() {
                sources.add_bytes(format!("input{i}.plumb"), f.clone());
            }
            let analysis = analyze(&sources);
            (sources, analysis)
        }));
        self.started.store(0, Ordering::SeqCst);
        let took = begin.elapsed();
        if took > self.slowest.0 {
            self.slowest = (took, label.to_string());
        }
        match result {
            Err(payload) => {
                let msg = payload
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_else(|| "<non-string panic>".to_string());
                let n = self.failures.len();
                let saved = self.save(&format!("panic{n}"), files);
                self.failures
                    .push(format!("{label}: panicked: {msg}\n    input: {saved}"));
                None
            }
            Ok((sources, analysis)) => {
                if let Some(problem) = span_problem(&sources, &analysis, files.len()) {
                    let n = self.failures.len();
                    let saved = self.save(&format!("span{n}"), files);
                    self.failures
                        .push(format!("{label}: {problem}\n    input: {saved}"));
                }
                Some((sources, analysis))
            }
        }
    }

    fn fail(&mut self, label: &str, files: &[Vec<u8>], problem: &str) {
        let n = self.failures.len();
        let saved = self.save(&format!("fail{n}"), files);
        self.failures
            .push(format!("{label}: {problem}\n    input: {saved}"));
    }

    fn finish(self, started: Instant) {
        eprintln!(
            "robustness/{}: {} inputs in {:.2?}; slowest {:.2?} ({})",
            self.test,
            self.runs,
            started.elapsed(),
            self.slowest.0,
            self.slowest.1
        );
        if !self.failures.is_empty() {
            let mut report = format!(
                "{} of {} inputs failed in {}:\n",
                self.failures.len(),
                self.runs,
                self.test
            );
            for f in self.failures.iter().take(40) {
                let _ = writeln!(report, "  - {f}");
            }
            panic!("{report}");
        }
    }
}

/// Checks that every diagnostic names a file of the compilation, and that
/// its labels lie within that file's text and on character boundaries.
fn span_problem(sources: &SourceMap, analysis: &Analysis, files: usize) -> Option<String> {
    if analysis.modules.len() != files {
        return Some(format!(
            "{} modules for {files} files",
            analysis.modules.len()
        ));
    }
    for d in &analysis.diagnostics {
        let Some(file) = sources.get(d.file) else {
            return Some(format!("{} names unknown file {:?}", d.code, d.file));
        };
        if d.message.is_empty() {
            return Some(format!("{} has an empty message", d.code));
        }
        let labels = std::iter::once(&d.primary).chain(&d.secondary);
        for (i, label) in labels.enumerate() {
            // A label in another file (a duplicate's first definition).
            let text = match label.file {
                Some(other) => match sources.get(other) {
                    Some(f) => &f.text,
                    None => return Some(format!("{} label names unknown file {other:?}", d.code)),
                },
                None => &file.text,
            };
            let (start, end) = (label.span.start as usize, label.span.end as usize);
            let which = if i == 0 { "primary" } else { "secondary" };
            if start > end || end > text.len() {
                return Some(format!(
                    "{} `{}`: {which} span {start}..{end} outside the file (length {})",
                    d.code,
                    d.message,
                    text.len()
                ));
            }
            if !text.is_char_boundary(start) || !text.is_char_boundary(end) {
                return Some(format!(
                    "{} `{}`: {which} span {start}..{end} is not on character boundaries",
                    d.code, d.message
                ));
            }
        }
    }
    None
}

// ---------------------------------------------------------------------------
// Seeds
// ---------------------------------------------------------------------------

/// Every `*.plumb` file of the repository (examples, policies, tests...),
/// skipping build output and the fuzzer's corpora.
fn repo_plumb_files() -> Vec<(String, Vec<u8>)> {
    fn walk(dir: &Path, out: &mut Vec<(String, Vec<u8>)>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        let mut paths: Vec<PathBuf> = entries.filter_map(|e| Some(e.ok()?.path())).collect();
        paths.sort();
        for path in paths {
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if path.is_dir() {
                if !matches!(name, "target" | ".git" | "fuzz") {
                    walk(&path, out);
                }
            } else if path.extension().is_some_and(|e| e == "plumb")
                && let Ok(bytes) = std::fs::read(&path)
            {
                out.push((path.display().to_string(), bytes));
            }
        }
    }
    let mut out = Vec::new();
    walk(Path::new(env!("CARGO_MANIFEST_DIR")), &mut out);
    out
}

/// A hand-written file touching every construct, so the mutations reach
/// every part of the grammar even before the repository has policies.
const SEED: &str = r#"// Seed for the robustness tests: every construct of the language.
package aws.storage

import aws.common
import lib.net as net

/// The encryption algorithms we accept.
let approved = ["aws:kms", "AES256"]
let limits = { max_age: 90, "min-days": 7, nested: { list: [1, 2.5, -3e2, null, true] } }

/// True if a bucket's ACL is public.
fn public_acl(acl) = acl in ["public-read", "public-read-write"]
fn both(a, b,) = a and b

/// S3 buckets must be encrypted with an approved algorithm.
/// Second doc line.
rule s3_encrypted on aws_s3_bucket, aws_s3_* {
  severity high
  controls nist.SC-28, nist.AC-2(1), soc2.CC7.1, pci.2.2.1, nist.cm-6.1
  response review
  when type == "aws_s3_bucket" and not (attributes.skip == true)
  let algo = attributes.server_side_encryption_configuration.rule[0].apply.sse_algorithm
  let pab = one(resources(aws_s3_bucket_public_access_block), b => b.attributes.bucket == id)
  let open = [r.cidr for r in attributes.rules[*] if r.port < 1024 and r.cidr not in net.private]
  require algo in approved
  require pab != null and all(attributes.grants[*], g => not public_acl(g.permission))
  require count(open) == 0 and count(attributes.tags, t => t == "") <= limits.max_age
  require none(attributes.**, v => v == "0.0.0.0/0") or (if attributes.x then 1 else 2) >= -attributes.y % 3
  require any(attributes["logging"][*].target, (x) => starts_with(lower(x), "log-")) and both(true, attributes.z)
  message "bucket {id} uses {algo}: \{not a hole\} \u{1F600} \t {count(open)} open, {attributes.tags.owner}"
  remediation "set `sse_algorithm` to one of {approved} on {address}"
}

drift encryption_changed on aws_s3_bucket, aws_ebs_volume {
  paths server_side_encryption_configuration.**, tags.*, ingress[*].cidr_blocks, versioning[0]["enabled"]
  severity critical
  response alert
  controls nist.SC-28(1)
  when attributes.environment == "production"
  message "{address} changed its encryption"
}

test s3_encrypted {
  resource aws_s3_bucket "good" { server_side_encryption_configuration: { rule: [{ apply: { sse_algorithm: "aws:kms" } }] }, tags: { owner: "me" }, } expect pass
  resource aws_s3_bucket "bad" { tags: {} } expect fail
  resource aws_s3_bucket_public_access_block "pab" { bucket: "good", block_public_acls: true }
  resource aws_instance "other" {} expect skip
}
"#;

/// The seeds: the repository's files, a small generated policy set and the
/// hand-written seed. Each seed is a group of files analyzed together (a
/// generated rule file needs the library it imports).
fn seeds() -> Vec<(String, Vec<u8>)> {
    let mut seeds = repo_plumb_files();
    seeds.push(("SEED".to_string(), SEED.as_bytes().to_vec()));
    for f in workload::generate(40, 3) {
        seeds.push((format!("generated:{}", f.name), f.text.into_bytes()));
    }
    seeds
}

// ---------------------------------------------------------------------------
// Random inputs
// ---------------------------------------------------------------------------

const KEYWORDS: &[&str] = &[
    "package",
    "import",
    "as",
    "rule",
    "drift",
    "test",
    "let",
    "fn",
    "when",
    "require",
    "and",
    "or",
    "not",
    "in",
    "if",
    "then",
    "else",
    "for",
    "true",
    "false",
    "null",
    "resources",
    "on",
    "severity",
    "controls",
    "response",
    "message",
    "remediation",
    "paths",
    "resource",
    "expect",
    "pass",
    "fail",
    "skip",
    "high",
    "low",
    "critical",
    "auto",
    "review",
    "alert",
];

const NAMES: &[&str] = &[
    "attributes",
    "id",
    "type",
    "name",
    "address",
    "provider",
    "resource",
    "x",
    "y",
    "a",
    "b",
    "aws_s3_bucket",
    "aws_*",
    "all",
    "any",
    "none",
    "one",
    "count",
    "length",
    "lower",
    "format",
    "cidr_is_public",
    "common",
    "net",
    "_",
    "r",
    "max",
    "keys",
    "undefined_thing",
    "nist",
    "soc2",
    "pci",
    "aws",
    "storage",
];

const PUNCT: &[&str] = &[
    "{", "}", "(", ")", "[", "]", ",", ".", ":", "=", "==", "!=", "<", "<=", ">", ">=", "+", "-",
    "*", "**", "/", "%", "=>", "[*]", ".**", "!", "&&", "||", "@", "#", "$", "?", ";", "'", "`",
    "\\", "~", "^", "|", "&",
];

const NUMBERS: &[&str] = &[
    "0",
    "1",
    "42",
    "3.14",
    "1e3",
    "1e999",
    "1e-999",
    "00",
    "1.",
    ".5",
    "9999999999999999999999",
    "1e+",
    "2E-7",
    "-0",
];

const STRINGS: &[&str] = &[
    r#""""#,
    r#""abc""#,
    r#""{id}""#,
    r#""{attributes.tags.owner} and {count(x)}""#,
    r#""{""#,
    r#""}""#,
    r#""{}""#,
    r#""{ }""#,
    r#""{ {a: {b: 1}} }""#,
    r#""{(((x)))}""#,
    r#""{x y}""#,
    r#""{@}""#,
    r#""\{not\}""#,
    r#""\q""#,
    r#""\u{1F600}""#,
    r#""\u{zz}""#,
    r#""\u{110000}""#,
    r#""\u{""#,
    r#""\u""#,
    r#""é🦀\t""#,
    "\"unterminated",
    "\"ends with backslash\\",
    "\"{unterminated hole",
    "\"a\\\"b\"",
];

const CONTROL_REFS: &[&str] = &[
    "nist.CM-6",
    "nist.AC-2(1)",
    "soc2.CC7.1",
    "pci.2.2.1",
    "nist.cm-6.1",
    "nist.AC-3(1)",
    "nist.AC-2(3)(a)",
    "nst.CM-6",
    "nist.",
    "nist",
    "nist.CM-66",
    "pci.1e+5",
    "nist.AC-2(",
    "nist.::",
    "soc2.CC7.1, nist.SC-28",
];

const SPACE: &[&str] = &[
    " ", "  ", "\n", "\n  ", "\r\n", "\t", "\u{c}", "\n\n", " \n",
];

const UNICODE: &[&str] = &[
    "é", "🦀", "\u{200b}", "\u{feff}", "\u{0}", "ß", "\u{301}", "日本", "\u{7f}", "\u{2028}",
];

const COMMENTS: &[&str] = &[
    "// comment\n",
    "/// doc comment\n",
    "//// not a doc\n",
    "///\n",
    "//",
    "/// doc with é and {braces}\n",
];

/// Appends one plumb-looking token (or a raw byte) to `out`.
fn push_token(rng: &mut Rng, out: &mut Vec<u8>) {
    let tok: &str = match rng.below(100) {
        0..=17 => rng.pick(KEYWORDS),
        18..=35 => rng.pick(NAMES),
        36..=55 => rng.pick(PUNCT),
        56..=61 => rng.pick(NUMBERS),
        62..=69 => rng.pick(STRINGS),
        70..=73 => rng.pick(CONTROL_REFS),
        74..=89 => rng.pick(SPACE),
        90..=93 => rng.pick(UNICODE),
        94..=96 => rng.pick(COMMENTS),
        _ => {
            // Raw bytes: lone continuation bytes, truncated sequences, 0xFF.
            let raw: &[u8] = match rng.below(6) {
                0 => &[0xff],
                1 => &[0xc3],
                2 => &[0xe2, 0x82],
                3 => &[0x80],
                4 => &[0xf0, 0x9f, 0xa6],
                _ => &[0xed, 0xa0, 0x80], // an encoded surrogate
            };
            out.extend_from_slice(raw);
            return;
        }
    };
    out.extend_from_slice(tok.as_bytes());
    if rng.chance(70) {
        out.push(b' ');
    }
}

fn token_soup(rng: &mut Rng, max_len: usize) -> Vec<u8> {
    let len = rng.below(max_len + 1);
    let mut out = Vec::with_capacity(len + 16);
    while out.len() < len {
        push_token(rng, &mut out);
    }
    out
}

fn raw_bytes(rng: &mut Rng, max_len: usize) -> Vec<u8> {
    let len = rng.below(max_len + 1);
    (0..len).map(|_| rng.next_u64() as u8).collect()
}

/// A random expression of at most `depth` levels, mostly well formed.
fn gen_expr(rng: &mut Rng, depth: usize, out: &mut String) {
    let leaf = depth == 0 || rng.chance(25);
    if leaf {
        let s: &str = match rng.below(9) {
            0 => rng.pick(NUMBERS),
            1 => rng.pick(&["true", "false", "null"]),
            2 => rng.pick(&[r#""abc""#, r#""0.0.0.0/0""#, r#""""#, r#""a\"b""#]),
            3 => "[]",
            4 => "{}",
            _ => rng.pick(NAMES),
        };
        out.push_str(s);
        return;
    }
    let d = depth - 1;
    match rng.below(17) {
        0 | 1 => {
            gen_expr(rng, d, out);
            out.push('.');
            out.push_str(rng.pick(&["a", "tags", "owner", "not", "**", "message", "0"]));
        }
        2 => {
            gen_expr(rng, d, out);
            out.push_str(rng.pick(&["[*]", "[0]", "[\"k\"]", "[-1]", "[]"]));
        }
        3 | 4 => {
            gen_expr(rng, d, out);
            out.push(' ');
            out.push_str(rng.pick(&[
                "and", "or", "==", "!=", "<", "<=", ">", ">=", "in", "not in", "+", "-", "*", "/",
                "%",
            ]));
            out.push(' ');
            gen_expr(rng, d, out);
        }
        5 => {
            out.push_str(rng.pick(&["not ", "-", "not not "]));
            gen_expr(rng, d, out);
        }
        6 | 7 => {
            out.push_str(rng.pick(&["all", "any", "none", "one", "count"]));
            out.push('(');
            gen_expr(rng, d, out);
            out.push_str(rng.pick(&[", x => ", ", (x) => ", ", (x, y) => ", ", ", ", id => "]));
            gen_expr(rng, d, out);
            out.push(')');
        }
        8 => {
            out.push_str(rng.pick(&[
                "length",
                "lower",
                "format",
                "max",
                "keys",
                "f",
                "common.f",
                "attributes",
            ]));
            out.push('(');
            for i in 0..rng.below(4) {
                if i > 0 {
                    out.push_str(", ");
                }
                gen_expr(rng, d, out);
            }
            if rng.chance(20) {
                out.push(',');
            }
            out.push(')');
        }
        9 => {
            out.push('[');
            gen_expr(rng, d, out);
            out.push_str(" for x in ");
            gen_expr(rng, d, out);
            if rng.chance(50) {
                out.push_str(" if ");
                gen_expr(rng, d, out);
            }
            out.push(']');
        }
        10 => {
            out.push_str("if ");
            gen_expr(rng, d, out);
            out.push_str(" then ");
            gen_expr(rng, d, out);
            out.push_str(" else ");
            gen_expr(rng, d, out);
        }
        11 => {
            out.push('[');
            for _ in 0..rng.below(4) {
                gen_expr(rng, d, out);
                out.push_str(", ");
            }
            out.push(']');
        }
        12 => {
            out.push('{');
            for i in 0..rng.below(4) {
                out.push_str(rng.pick(&["a", "\"b c\"", "not", "tags"]));
                out.push_str(": ");
                gen_expr(rng, d, out);
                if i < 3 {
                    out.push_str(", ");
                }
            }
            out.push('}');
        }
        13 => {
            out.push_str("resources(");
            out.push_str(rng.pick(&["aws_s3_bucket", "aws_*", "*", "a, b", "", "aws_*_x"]));
            out.push(')');
        }
        14 => {
            out.push_str(rng.pick(&["x => ", "(a, b) => ", "() => "]));
            gen_expr(rng, d, out);
        }
        15 => {
            out.push('(');
            gen_expr(rng, d, out);
            out.push(')');
        }
        _ => {
            gen_expr(rng, d, out);
            out.push_str(" < ");
            gen_expr(rng, d, out);
            out.push_str(" < ");
            gen_expr(rng, d, out);
        }
    }
}

fn gen_template(rng: &mut Rng, out: &mut String) {
    out.push('"');
    for _ in 0..rng.below(4) {
        match rng.below(5) {
            0 => out.push_str("text "),
            1 => out.push_str("\\{ \\} \\n "),
            _ => {
                out.push('{');
                let mut hole = String::new();
                gen_expr(rng, 3, &mut hole);
                // Holes cannot hold string literals.
                out.push_str(&hole.replace('"', ""));
                out.push('}');
            }
        }
    }
    out.push('"');
}

/// A random policy file: items with clauses, mostly well formed, so that
/// the checker sees a lot of input too.
fn gen_policy(rng: &mut Rng) -> String {
    let mut out = String::new();
    if rng.chance(50) {
        out.push_str("package aws.p");
        out.push_str(rng.pick(&["", "1", ".x"]));
        out.push('\n');
    }
    if rng.chance(40) {
        out.push_str(rng.pick(&[
            "import aws.common\n",
            "import aws.p as q\n",
            "import aws.p\n",
            "import\n",
        ]));
    }
    for _ in 0..1 + rng.below(4) {
        if rng.chance(40) {
            out.push_str("/// doc\n");
        }
        match rng.below(6) {
            0..=2 => {
                out.push_str(rng.pick(&["rule ", "drift "]));
                out.push_str(rng.pick(&["r", "s", "id", "r"]));
                out.push_str(" on ");
                out.push_str(rng.pick(&["aws_s3_bucket", "aws_*", "*", "a, b_*", "aws_*_x", "**"]));
                out.push_str(" {\n");
                for _ in 0..rng.below(7) {
                    out.push_str("  ");
                    match rng.below(10) {
                        0 => {
                            out.push_str("severity ");
                            out.push_str(rng.pick(&["high", "low", "hgh", "info", "7"]));
                        }
                        1 => {
                            out.push_str("controls ");
                            out.push_str(rng.pick(CONTROL_REFS));
                        }
                        2 => {
                            out.push_str("response ");
                            out.push_str(rng.pick(&["auto", "review", "alert", "never"]));
                        }
                        3 => {
                            out.push_str("when ");
                            gen_expr(rng, 4, &mut out);
                        }
                        4 => {
                            out.push_str("let ");
                            out.push_str(rng.pick(&["x", "y", "id", "_u"]));
                            out.push_str(" = ");
                            gen_expr(rng, 4, &mut out);
                        }
                        5 => {
                            out.push_str(rng.pick(&["message ", "remediation "]));
                            gen_template(rng, &mut out);
                        }
                        6 => {
                            out.push_str("paths ");
                            out.push_str(rng.pick(&[
                                "a.b",
                                "tags.*",
                                "x[*].y",
                                "a.**",
                                "x[0][\"k\"]",
                                "x[1.5]",
                                "a..b",
                            ]));
                        }
                        _ => {
                            out.push_str("require ");
                            gen_expr(rng, 6, &mut out);
                        }
                    }
                    out.push('\n');
                }
                out.push_str(rng.pick(&["}\n", "}\n", "}\n", ""]));
            }
            3 => {
                out.push_str("let ");
                out.push_str(rng.pick(&["c", "d", "c"]));
                out.push_str(" = ");
                gen_expr(rng, 5, &mut out);
                out.push('\n');
            }
            4 => {
                out.push_str("fn ");
                out.push_str(rng.pick(&["f", "g", "lower", "f"]));
                out.push_str(rng.pick(&["(x)", "(x, y)", "()", "(x, x)", "(x,)"]));
                out.push_str(" = ");
                gen_expr(rng, 5, &mut out);
                out.push('\n');
            }
            _ => {
                out.push_str("test ");
                out.push_str(rng.pick(&["r", "s", "nope"]));
                out.push_str(" {\n");
                for _ in 0..rng.below(3) {
                    out.push_str("  resource ");
                    out.push_str(rng.pick(&["aws_s3_bucket", "aws_instance", "x"]));
                    out.push_str(rng.pick(&[" \"a\" ", " b ", " \"c\" "]));
                    gen_expr(rng, 3, &mut out);
                    out.push_str(rng.pick(&[
                        " expect pass",
                        " expect fail",
                        " expect skip",
                        " expect maybe",
                        "",
                    ]));
                    out.push('\n');
                }
                out.push_str("}\n");
            }
        }
    }
    out
}

/// Applies one random mutation to `bytes`.
fn mutate(rng: &mut Rng, bytes: &mut Vec<u8>, other: &[u8]) {
    let len = bytes.len();
    match rng.below(8) {
        0 => {
            // Flip 1-4 bytes: a random byte, a delimiter or a bit.
            for _ in 0..1 + rng.below(4) {
                if bytes.is_empty() {
                    break;
                }
                let at = rng.below(bytes.len());
                bytes[at] = match rng.below(3) {
                    0 => rng.next_u64() as u8,
                    1 => {
                        let delims = b"(){}[]\",.:=\\\n*";
                        delims[rng.below(delims.len())]
                    }
                    _ => bytes[at] ^ (1 << rng.below(8)),
                };
            }
        }
        1 => bytes.truncate(rng.below(len + 1)),
        2 => {
            // Splice: a prefix of this file, a suffix of the other.
            let cut = rng.below(len + 1);
            let from = rng.below(other.len() + 1);
            bytes.truncate(cut);
            bytes.extend_from_slice(&other[from..]);
        }
        3..=5 => {
            // Delete, duplicate or swap lines.
            let mut lines: Vec<Vec<u8>> =
                bytes.split(|b| *b == b'\n').map(<[u8]>::to_vec).collect();
            let i = rng.below(lines.len());
            let j = rng.below(lines.len());
            match rng.below(3) {
                0 => {
                    lines.remove(i);
                }
                1 => {
                    let line = lines[i].clone();
                    lines.insert(j, line);
                }
                _ => lines.swap(i, j),
            }
            *bytes = lines.join(&b'\n');
        }
        _ => {
            // Insert a token.
            let at = rng.below(len + 1);
            let mut tok = Vec::new();
            push_token(rng, &mut tok);
            bytes.splice(at..at, tok);
        }
    }
}

#[test]
fn random_inputs() {
    let started = Instant::now();
    let mut h = Harness::new("random_inputs");
    let mut rng = Rng::new(0x0bad_5eed_1234_5678);
    for i in 0..1200 {
        let input = token_soup(&mut rng, 2000);
        h.run(&format!("token soup #{i}"), &[input]);
    }
    for i in 0..1200 {
        let mut input = gen_policy(&mut rng).into_bytes();
        // Half stay as generated (often valid), half get broken further.
        if rng.chance(50) {
            let other = token_soup(&mut rng, 200);
            for _ in 0..1 + rng.below(3) {
                mutate(&mut rng, &mut input, &other);
            }
        }
        input.truncate(2000);
        h.run(&format!("generated policy #{i}"), &[input]);
    }
    for i in 0..300 {
        let input = raw_bytes(&mut rng, 2000);
        h.run(&format!("raw bytes #{i}"), &[input]);
    }
    // Several broken files in one compilation: cross-file checks (imports,
    // duplicate definitions across files of one package) on broken input.
    for i in 0..200 {
        let files: Vec<Vec<u8>> = (0..2 + rng.below(3))
            .map(|_| {
                let mut f = gen_policy(&mut rng).into_bytes();
                if rng.chance(30) {
                    let other = token_soup(&mut rng, 100);
                    mutate(&mut rng, &mut f, &other);
                }
                f
            })
            .collect();
        h.run(&format!("generated compilation #{i}"), &files);
    }
    h.finish(started);
}

#[test]
fn mutated_policy_files() {
    let started = Instant::now();
    let mut h = Harness::new("mutated_policy_files");
    let seeds = seeds();
    let generated: Vec<Vec<u8>> = seeds
        .iter()
        .filter(|(n, _)| n.starts_with("generated:"))
        .map(|(_, b)| b.clone())
        .collect();
    // The seeds themselves must go through cleanly too.
    for (name, bytes) in &seeds {
        h.run(&format!("seed {name}"), std::slice::from_ref(bytes));
    }
    // About 6,000 mutants in all, however many files the repository has.
    let per_seed = (6000 / seeds.len().max(1)).clamp(24, 160);
    let mut rng = Rng::new(0xfeed_beef_0000_0001);
    for (s, (name, bytes)) in seeds.iter().enumerate() {
        let len = bytes.len();
        // Truncations at every k-th byte.
        let truncations = per_seed / 3;
        let k = (len / truncations.max(1)).max(1);
        for cut in (0..=len).step_by(k) {
            h.run(
                &format!("{name} truncated at byte {cut}"),
                &[bytes[..cut].to_vec()],
            );
        }
        // Random mutations, 1-3 at a time.
        for m in 0..per_seed - truncations {
            let other = &seeds[rng.below(seeds.len())].1;
            let mut input = bytes.clone();
            for _ in 0..1 + rng.below(3) {
                mutate(&mut rng, &mut input, other);
            }
            let label = format!("{name} mutant #{m} (seed {s})");
            if name.starts_with("generated:") && rng.chance(50) {
                // With the rest of its policy set, so imports resolve.
                let mut files: Vec<Vec<u8>> = generated.clone();
                let at = rng.below(files.len());
                files[at] = input;
                h.run(&label, &files);
            } else {
                h.run(&label, &[input]);
            }
        }
    }
    h.finish(started);
}

#[test]
fn generated_workload_lints_without_errors() {
    // The benchmark's precondition, checked on a small instance.
    let files = workload::generate(300, 4);
    let mut sources = SourceMap::new();
    for f in &files {
        sources.add(f.name.clone(), f.text.clone());
    }
    let analysis = analyze(&sources);
    let shown: Vec<String> = analysis
        .diagnostics
        .iter()
        .take(10)
        .map(|d| {
            let (line, col) = sources.line_col(d.file, d.primary.span.start);
            format!(
                "{}:{line}:{col}: {} {}",
                sources.name(d.file),
                d.code,
                d.message
            )
        })
        .collect();
    assert!(
        analysis.diagnostics.is_empty(),
        "the generated workload should lint cleanly:\n{}",
        shown.join("\n")
    );
    let (bytes, lines) = workload::size(&files);
    assert!(bytes > 0 && lines > 300 * 5, "{bytes} bytes, {lines} lines");
}

// ---------------------------------------------------------------------------
// Deep nesting
// ---------------------------------------------------------------------------

const DEPTH: usize = 100_000;

/// Every way to nest an expression, `DEPTH` levels deep. The flag says
/// whether the brackets are closed in the end.
fn deep_forms() -> Vec<(&'static str, String)> {
    let n = DEPTH;
    let rep = |s: &str, k: usize| s.repeat(k);
    let mut mixed = String::new();
    let mut closers = Vec::new();
    let mut rng = Rng::new(42);
    for _ in 0..n {
        let (open, close) = match rng.below(6) {
            0 => ("(", ")"),
            1 => ("[", "]"),
            2 => ("{a: ", "}"),
            3 => ("f(", ")"),
            4 => ("not ", ""),
            _ => ("all(x, y => ", ")"),
        };
        mixed.push_str(open);
        closers.push(close);
    }
    mixed.push('x');
    for c in closers.iter().rev() {
        mixed.push_str(c);
    }
    vec![
        ("parentheses", format!("{}x{}", rep("(", n), rep(")", n))),
        ("parentheses, unclosed", format!("{}x", rep("(", n))),
        (
            "parentheses, half closed",
            format!("{}x{}", rep("(", n), rep(")", n / 2)),
        ),
        (
            "parentheses, over closed",
            format!("{}x{}", rep("(", n), rep(")", n + 10)),
        ),
        (
            "parentheses closed by brackets",
            format!("{}x{}", rep("(", n), rep("]", n)),
        ),
        ("lists", format!("{}1{}", rep("[", n), rep("]", n))),
        ("lists, unclosed", format!("{}1", rep("[", n))),
        ("objects", format!("{}1{}", rep("{a: ", n), rep("}", n))),
        ("objects, unclosed", format!("{}1", rep("{a:", n))),
        ("not", format!("{}x", rep("not ", n))),
        ("negation", format!("{}1", rep("- ", n))),
        ("negation, no spaces", format!("{}1", rep("-", n))),
        ("field chain", format!("attributes{}", rep(".b", n))),
        (
            "keyword field chain",
            format!("attributes{}", rep(".not", n)),
        ),
        ("descendants chain", format!("attributes{}", rep(".**", n))),
        ("index chain", format!("attributes{}", rep("[0]", n))),
        ("elements chain", format!("attributes{}", rep("[*]", n))),
        ("call chain", format!("f{}", rep("()", n))),
        ("sum", format!("1{}", rep(" + 1", n))),
        ("product", format!("2{}", rep("*2", n))),
        ("and chain", format!("a{}", rep(" and a", n))),
        ("or chain", format!("a{}", rep(" or a", n))),
        ("comparison chain", format!("a{}", rep(" < a", n))),
        ("not in chain", format!("a{}", rep(" not in a", n))),
        ("lambdas", format!("{}x", rep("x => ", n))),
        (
            "parenthesised lambdas",
            format!("{}x", rep("(a, b) => ", n)),
        ),
        ("if if if", format!("{}c then 1 else 2", rep("if ", n))),
        (
            "nested if in then",
            format!("{}1{}", rep("if c then ", n), rep(" else 2", n)),
        ),
        ("else if chain", format!("{}1", rep("if c then 1 else ", n))),
        ("calls", format!("{}x{}", rep("f(", n), rep(")", n))),
        ("calls, unclosed", format!("{}x", rep("lower(", n))),
        (
            "quantifiers",
            format!("{}x{}", rep("all(x, y => ", n), rep(")", n)),
        ),
        (
            "comprehensions",
            format!("{}x{}", rep("[x for x in ", n), rep("]", n)),
        ),
        (
            "object keys and lists",
            format!("{}1{}", rep("{a: [", n / 2), rep("]}", n / 2)),
        ),
        ("mixed", mixed),
    ]
}

/// The contexts an expression can appear in; `{}` is replaced by it.
const CONTEXTS: &[(&str, &str)] = &[
    (
        "require",
        "rule r on aws_s3_bucket {\n  severity low\n  controls nist.CM-6\n  require {}\n}\n",
    ),
    ("top-level let", "let x = {}\n"),
];

/// More contexts, for a subset of the forms.
const MORE_CONTEXTS: &[(&str, &str)] = &[
    (
        "when",
        "type t\nrule r on t {\n  severity low\n  controls nist.CM-6\n  when {}\n  require attributes.x == 1\n}\n",
    ),
    (
        "rule let",
        "type t\nrule r on t {\n  severity low\n  controls nist.CM-6\n  let y = {}\n  require y == 1\n}\n",
    ),
    ("fn body", "fn f(a) = {}\n"),
    (
        "drift when",
        "type t\ndrift d on t {\n  paths a\n  severity low\n  controls nist.CM-6\n  when {}\n}\n",
    ),
    (
        "test fixture",
        "type t\nrule r on t {\n  severity low\n  controls nist.CM-6\n  require attributes.k == 1\n}\n\
         test r {\n  resource t \"a\" { k: {} } expect pass\n}\n",
    ),
    (
        "quantifier body",
        "type t\nrule r on t {\n  severity low\n  controls nist.CM-6\n  require all(attributes.x, v => {})\n}\n",
    ),
    (
        "call argument",
        "type t\nrule r on t {\n  severity low\n  controls nist.CM-6\n  require length(1, {}, 2) > 0\n}\n",
    ),
];

fn describe(sources: &SourceMap, a: &Analysis) -> String {
    a.diagnostics
        .iter()
        .take(6)
        .map(|d| {
            let (line, col) = sources.line_col(d.file, d.primary.span.start);
            format!("{} at {line}:{col} `{}`", d.code, d.message)
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// Runs one deep input and checks: no panic, promptly, exactly one E0102,
/// and no cascade (at most `extra` other diagnostics, none of them E0102).
fn deep_case(h: &mut Harness, label: &str, src: &str, extra: usize) {
    let files = [src.as_bytes().to_vec()];
    let begin = Instant::now();
    let Some((sources, a)) = h.run(label, &files) else {
        return;
    };
    let took = begin.elapsed();
    // 100k levels must not be quadratic: a linear pass takes milliseconds
    // even in debug.
    if took > Duration::from_secs(5) {
        h.fail(label, &files, &format!("took {took:.2?}"));
    }
    // A chain of comparisons is a flat list of one mistake, not nesting:
    // it gets one E0103, however long it is.
    let code = if label.contains("chain") && (src.contains(" < a") || src.contains(" not in a")) {
        Code::ChainedComparison
    } else {
        Code::NestingTooDeep
    };
    let found = a.diagnostics.iter().filter(|d| d.code == code).count();
    if found != 1 || a.diagnostics.len() > 1 + extra {
        h.fail(
            label,
            &files,
            &format!(
                "expected exactly one {code} and at most {extra} other diagnostic(s), got {} \
                 diagnostics ({found} {code}): {}",
                a.diagnostics.len(),
                describe(&sources, &a)
            ),
        );
    }
}

/// Forms whose brackets are left open also leave the enclosing block open:
/// one E0101 for it is expected, nothing more.
fn allowed_extra(form: &str) -> usize {
    usize::from(form.contains("unclosed") || form.contains("half closed"))
}

#[test]
fn deep_nesting_in_require_and_top_level_let() {
    let started = Instant::now();
    let mut h = Harness::new("deep_nesting_in_require_and_top_level_let");
    for (form, expr) in deep_forms() {
        for (context, template) in CONTEXTS {
            let src = template.replace("{}", &expr);
            deep_case(
                &mut h,
                &format!("{form} in {context}"),
                &src,
                allowed_extra(form),
            );
        }
    }
    h.finish(started);
}

#[test]
fn deep_nesting_in_other_contexts() {
    let started = Instant::now();
    let mut h = Harness::new("deep_nesting_in_other_contexts");
    let forms = deep_forms();
    let chosen = [
        "parentheses",
        "objects",
        "not",
        "field chain",
        "sum",
        "lambdas",
        "calls",
        "mixed",
    ];
    for (form, expr) in forms.iter().filter(|(f, _)| chosen.contains(f)) {
        for (context, template) in MORE_CONTEXTS {
            let src = template.replace("{}", expr);
            deep_case(&mut h, &format!("{form} in {context}"), &src, 0);
        }
    }
    h.finish(started);
}

#[test]
fn deep_nesting_in_template_holes() {
    let started = Instant::now();
    let mut h = Harness::new("deep_nesting_in_template_holes");
    let rule = |clause: &str| {
        format!(
            "type t\nrule r on t {{\n  severity low\n  controls nist.CM-6\n  require attributes.x == 1\n  {clause}\n}}\n"
        )
    };
    let n = DEPTH;
    let holes = [
        (
            "parentheses in a hole",
            format!("\"{{{}x{}}}\"", "(".repeat(n), ")".repeat(n)),
        ),
        (
            "objects in a hole",
            format!("\"{{{}1{}}}\"", "{a: ".repeat(n), "}".repeat(n)),
        ),
        (
            "field chain in a hole",
            format!("\"{{id{}}}\"", ".b".repeat(n)),
        ),
        ("sum in a hole", format!("\"{{1{}}}\"", " + 1".repeat(n))),
        ("not in a hole", format!("\"{{{}x}}\"", "not ".repeat(n))),
        (
            "lists in a hole",
            format!("\"{{{}1{}}}\"", "[".repeat(n), "]".repeat(n)),
        ),
        // Braces nested in a hole that never closes.
        (
            "unclosed braces in a hole",
            format!("\"{{{}1\"", "{a: ".repeat(n)),
        ),
    ];
    for (form, template) in &holes {
        for clause in ["message", "remediation"] {
            let src = rule(&format!("{clause} {template}"));
            // An unclosed hole is E0105, not E0102: only check the rest.
            if form.starts_with("unclosed") {
                let files = [src.into_bytes()];
                if let Some((sources, a)) = h.run(&format!("{form} in {clause}"), &files)
                    && a.diagnostics.len() != 1
                {
                    let what = describe(&sources, &a);
                    h.fail(
                        form,
                        &files,
                        &format!("expected one diagnostic, got {what}"),
                    );
                }
            } else {
                deep_case(&mut h, &format!("{form} in {clause}"), &src, 0);
            }
        }
    }
    h.finish(started);
}

#[test]
fn deep_nesting_twice_in_one_file_is_reported_once() {
    let started = Instant::now();
    let mut h = Harness::new("deep_nesting_twice_in_one_file_is_reported_once");
    let deep = format!("{}x{}", "(".repeat(DEPTH), ")".repeat(DEPTH));
    let cases = [
        (
            "two deep requires",
            format!(
                "type t\nrule r on t {{\n  severity low\n  controls nist.CM-6\n  require {deep}\n  require {deep}\n}}\n"
            ),
        ),
        (
            "two deep top-level lets",
            format!("let x = {deep}\nlet y = {deep}\n"),
        ),
        (
            "deep require and deep message hole",
            format!(
                "type t\nrule r on t {{\n  severity low\n  controls nist.CM-6\n  require {deep}\n  message \"{{{deep}}}\"\n}}\n"
            ),
        ),
        (
            "two deep message holes",
            format!(
                "type t\nrule r on t {{\n  severity low\n  controls nist.CM-6\n  require attributes.x == 1\n  message \"{{{deep}}} {{{deep}}}\"\n}}\n"
            ),
        ),
    ];
    for (label, src) in &cases {
        deep_case(&mut h, label, src, 0);
    }
    // One E0102 per file, for each file of a compilation.
    let files: Vec<Vec<u8>> = (0..3)
        .map(|_| format!("let x = {deep}\n").into_bytes())
        .collect();
    if let Some((_, a)) = h.run("three deep files", &files) {
        let per_file: Vec<usize> = (0..3)
            .map(|i| {
                a.diagnostics
                    .iter()
                    .filter(|d| d.code == Code::NestingTooDeep && d.file.0 == i)
                    .count()
            })
            .collect();
        if per_file != [1, 1, 1] {
            h.fail(
                "three deep files",
                &files,
                &format!("E0102 per file: {per_file:?}"),
            );
        }
    }
    h.finish(started);
}

#[test]
fn deep_input_without_expression_context() {
    // Brackets where no expression may start, and closers alone: no
    // nesting to report, but no panic, no hang and no cascade either.
    let started = Instant::now();
    let mut h = Harness::new("deep_input_without_expression_context");
    let n = DEPTH;
    let cases = [
        (
            "bare parentheses",
            format!("{}x{}", "(".repeat(n), ")".repeat(n)),
        ),
        ("bare braces", "{".repeat(n)),
        ("bare closers", ")]}".repeat(n)),
        (
            "closers in require",
            format!(
                "type t\nrule r on t {{\n  severity low\n  controls nist.CM-6\n  require x{}\n}}\n",
                ")".repeat(n)
            ),
        ),
        ("dotted package", format!("package a{}\n", ".a".repeat(n))),
        (
            "long selector",
            format!(
                "rule r on {} {{\n  severity low\n  controls nist.CM-6\n  require attributes.x == 1\n}}\n",
                vec!["t"; n].join(", ")
            ),
        ),
        (
            "long drift path",
            format!(
                "type t\ndrift d on t {{\n  paths a{}\n  severity low\n  controls nist.CM-6\n}}\n",
                ".b[*]".repeat(n)
            ),
        ),
        (
            "long control id",
            format!(
                "type t\nrule r on t {{\n  severity low\n  controls nist.AC-2{}\n  require attributes.x == 1\n}}\n",
                "(1)".repeat(n)
            ),
        ),
        (
            "many lambda parameters",
            format!(
                "type t\nrule r on t {{\n  severity low\n  controls nist.CM-6\n  require all(x, ({}) => 1)\n}}\n",
                vec!["a"; n].join(", ")
            ),
        ),
        (
            "unclosed lambda parameters",
            format!(
                "type t\nrule r on t {{\n  severity low\n  controls nist.CM-6\n  require all(x, ({}\n}}\n",
                vec!["a"; n].join(", ")
            ),
        ),
        (
            "long list",
            format!("let x = [{}]\n", vec!["1"; n].join(", ")),
        ),
        (
            "many doc comments",
            format!("{}let _x = 1\n", "/// doc\n".repeat(n)),
        ),
        (
            "many rules",
            "type t\nrule r on t { severity low controls nist.CM-6 require attributes.x == 1 }\n"
                .repeat(n / 10),
        ),
        (
            "long string",
            format!("let _x = \"{}\"\n", "a".repeat(n * 10)),
        ),
        (
            "many holes",
            format!(
                "type t\nrule r on t {{\n  severity low\n  controls nist.CM-6\n  require attributes.x == 1\n  message \"{}\"\n}}\n",
                "{id}".repeat(n)
            ),
        ),
        ("many invalid characters", "@ ".repeat(n)),
    ];
    for (label, src) in &cases {
        let files = [src.as_bytes().to_vec()];
        let begin = Instant::now();
        let Some((sources, a)) = h.run(label, &files) else {
            continue;
        };
        let took = begin.elapsed();
        if took > Duration::from_secs(5) {
            h.fail(label, &files, &format!("took {took:.2?}"));
        }
        // Each case is one mistake at most (`many rules` repeats a rule
        // name, which is one duplicate per copy; `many invalid characters`
        // is one per run of them).
        let limit = match *label {
            "many rules" => n / 10,
            "many invalid characters" => n,
            _ => 3,
        };
        if a.diagnostics.len() > limit {
            let what = describe(&sources, &a);
            h.fail(
                label,
                &files,
                &format!("{} diagnostics: {what}", a.diagnostics.len()),
            );
        }
    }
    h.finish(started);
}

// ---------------------------------------------------------------------------
// The CLI renders what the front end reports
// ---------------------------------------------------------------------------

#[test]
fn cli_renders_mangled_inputs() {
    let dir = out_dir().join("cli");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let mut rng = Rng::new(0xc11_c11);
    let seeds = seeds();
    let mut n = 0;
    let mut write = |bytes: &[u8]| {
        std::fs::write(dir.join(format!("input{n:04}.plumb")), bytes).unwrap();
        n += 1;
    };
    for _ in 0..120 {
        write(&token_soup(&mut rng, 600));
    }
    for _ in 0..120 {
        let mut f = gen_policy(&mut rng).into_bytes();
        let other = token_soup(&mut rng, 100);
        mutate(&mut rng, &mut f, &other);
        write(&f);
    }
    for _ in 0..120 {
        let (_, seed) = &seeds[rng.below(seeds.len())];
        let other = &seeds[rng.below(seeds.len())].1;
        let mut f = seed.clone();
        for _ in 0..1 + rng.below(3) {
            mutate(&mut rng, &mut f, other);
        }
        write(&f);
    }
    // Spans at the very end, in CRLF files, after tabs and wide characters.
    for special in [
        &b""[..],
        b"rule",
        b"type t\nrule r on t {\r\n  severity hgh\r\n  require x ==\r\n",
        b"\t\trule r on t { severity \xe6\x97\xa5 }",
        b"let x = \"\xf0\x9f\xa6\x80{\"",
        b"\xff\xfe\xfd",
        b"type t\nrule r on t {\n  message \"{\xc3\xa9 @}\"\n",
    ] {
        write(special);
    }
    let bin = env!("CARGO_BIN_EXE_plumb");
    for args in [
        &["lint", "--color", "always"][..],
        &["lint", "--color", "never"],
        &["lint", "--format", "json"],
    ] {
        let output = std::process::Command::new(bin)
            .args(args)
            .arg(&dir)
            .output()
            .expect("run plumb");
        let stderr = String::from_utf8_lossy(&output.stderr);
        let code = output.status.code();
        if matches!(code, Some(0 | 1)) && !stderr.contains("panicked") {
            continue;
        }
        // Find the file that breaks rendering, for the report.
        let mut culprits = Vec::new();
        let mut entries: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for path in entries {
            let out = std::process::Command::new(bin)
                .args(args)
                .arg(&path)
                .output()
                .expect("run plumb");
            let err = String::from_utf8_lossy(&out.stderr);
            if !matches!(out.status.code(), Some(0 | 1)) || err.contains("panicked") {
                culprits.push(format!(
                    "{}: {:?} {}",
                    path.display(),
                    out.status.code(),
                    err.lines().take(3).collect::<Vec<_>>().join(" | ")
                ));
                if culprits.len() >= 5 {
                    break;
                }
            }
        }
        panic!(
            "`plumb {}` exited with {code:?}: {}\nfailing files:\n{}",
            args.join(" "),
            stderr.lines().take(5).collect::<Vec<_>>().join("\n"),
            culprits.join("\n")
        );
    }
}
