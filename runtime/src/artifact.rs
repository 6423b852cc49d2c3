//! `.plumbc` artifacts: a compiled [`Program`] on disk.
//!
//! Layout: the magic bytes `PLUMBC\0\n`, a little-endian `u32` format
//! version, the SHA-256 of the payload (32 bytes), then the payload: the
//! program in postcard encoding. Reading checks all three and then
//! verifies the program (every index in range, no recursion), so a stale,
//! foreign or corrupt file is a clear error and never reaches the VM.

use sha2::{Digest, Sha256};

use crate::bytecode::{Op, Program};

pub const MAGIC: &[u8; 8] = b"PLUMBC\0\n";
/// Bumped whenever the bytecode or its encoding changes.
/// 4: drift blocks ([`crate::bytecode::DriftInfo`]) are compiled.
/// 5: rules `on snapshot` ([`crate::meta::RuleMeta::snapshot`]).
pub const FORMAT_VERSION: u32 = 5;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ArtifactError {
    #[error("not a plumb compiled policy (no `PLUMBC` header)")]
    NotAnArtifact,
    #[error(
        "compiled by a different plumb (artifact format {found}, this plumb reads {expected}): recompile it with `plumb compile`"
    )]
    Version { found: u32, expected: u32 },
    #[error("the file is truncated")]
    Truncated,
    #[error("the checksum does not match: the file is corrupt")]
    Checksum,
    #[error("the program cannot be decoded: {0}")]
    Decode(String),
    #[error("the program is invalid: {0}")]
    Invalid(#[from] VerifyError),
}

/// Why a decoded program is not one the VM may run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    #[error("chunk {chunk} does not end in `Return`")]
    Unterminated { chunk: usize },
    #[error("chunk {chunk} instruction {pc}: {what} out of range")]
    OutOfRange {
        chunk: usize,
        pc: usize,
        what: &'static str,
    },
    #[error("a lookup reads a query or global that does not exist")]
    Lookup,
    #[error("{owner} `{name}` has no chunk")]
    NoChunk { owner: &'static str, name: String },
    #[error("drift block `{name}` has a `require`")]
    DriftRequire { name: String },
    #[error("rule `{rule}` {problem}")]
    Rule { rule: String, problem: &'static str },
    #[error("function `{name}` calls itself")]
    Recursion { name: String },
}

/// Encodes a program as an artifact.
pub fn write(program: &Program) -> Result<Vec<u8>, ArtifactError> {
    let payload =
        postcard::to_allocvec(program).map_err(|e| ArtifactError::Decode(e.to_string()))?;
    let mut out = Vec::with_capacity(payload.len() + 44);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    out.extend_from_slice(&Sha256::digest(&payload));
    out.extend_from_slice(&payload);
    Ok(out)
}

/// Decodes and verifies an artifact.
pub fn read(bytes: &[u8]) -> Result<Program, ArtifactError> {
    let rest = bytes
        .strip_prefix(MAGIC.as_slice())
        .ok_or(ArtifactError::NotAnArtifact)?;
    let (version, rest) = rest.split_at_checked(4).ok_or(ArtifactError::Truncated)?;
    let mut v = [0u8; 4];
    v.copy_from_slice(version);
    let version = u32::from_le_bytes(v);
    if version != FORMAT_VERSION {
        return Err(ArtifactError::Version {
            found: version,
            expected: FORMAT_VERSION,
        });
    }
    let (sum, payload) = rest.split_at_checked(32).ok_or(ArtifactError::Truncated)?;
    if Sha256::digest(payload).as_slice() != sum {
        return Err(ArtifactError::Checksum);
    }
    let program: Program =
        postcard::from_bytes(payload).map_err(|e| ArtifactError::Decode(e.to_string()))?;
    verify(&program)?;
    Ok(program)
}

/// Checks every index a program holds, and that functions never call
/// themselves (directly or not), so the VM cannot recurse without bound.
pub fn verify(p: &Program) -> Result<(), VerifyError> {
    let chunk_ok = |c: u32| (c as usize) < p.chunks.len();
    for (ci, chunk) in p.chunks.iter().enumerate() {
        let len = chunk.code.len();
        if chunk.code.last() != Some(&Op::Return) {
            return Err(VerifyError::Unterminated { chunk: ci });
        }
        for (pc, op) in chunk.code.iter().enumerate() {
            let bad = |what: &'static str| {
                Err(VerifyError::OutOfRange {
                    chunk: ci,
                    pc,
                    what,
                })
            };
            let jump_ok = |t: u32| (t as usize) < len;
            let slot_ok = |s: u16| s < chunk.frame;
            match *op {
                Op::Const(i)
                | Op::Field(i)
                | Op::MapField(i)
                | Op::AttrField(i)
                | Op::EqConst(i)
                | Op::NeConst(i)
                    if i as usize >= p.consts.len() =>
                {
                    return bad("constant");
                }
                Op::Load(s) | Op::Store(s) if !slot_ok(s) => return bad("slot"),
                Op::LoadField(s, i) if !slot_ok(s) || i as usize >= p.consts.len() => {
                    return bad("slot or constant");
                }
                Op::IterNext(s, t) if !slot_ok(s) || !jump_ok(t) => return bad("slot or jump"),
                Op::Global(g) | Op::InGlobal(g) if g as usize >= p.globals.len() => {
                    return bad("global");
                }
                Op::Call(f, argc)
                    if p.fns
                        .get(f as usize)
                        .is_none_or(|info| info.params != u16::from(argc)) =>
                {
                    return bad("function or argument count");
                }
                Op::Builtin(b, _) if b as usize >= p.builtins.len() => return bad("built-in"),
                Op::Resources(q) if q as usize >= p.queries.len() => return bad("query"),
                Op::Lookup(l, kind)
                    if l as usize >= p.lookups.len()
                        || matches!(
                            kind,
                            crate::bytecode::IterKind::All | crate::bytecode::IterKind::Collect
                        ) =>
                {
                    return bad("lookup");
                }
                Op::AndJump(t)
                | Op::OrJump(t)
                | Op::Jump(t)
                | Op::IterFeed(t)
                | Op::IterFilter(t)
                    if !jump_ok(t) =>
                {
                    return bad("jump");
                }
                Op::Branch(a, b) if !jump_ok(a) || !jump_ok(b) => return bad("jump"),
                _ => {}
            }
        }
    }
    for l in &p.lookups {
        let ok = match l.source {
            crate::bytecode::LookupSource::Query(q) => (q as usize) < p.queries.len(),
            crate::bytecode::LookupSource::Global(g) => (g as usize) < p.globals.len(),
        };
        if !ok {
            return Err(VerifyError::Lookup);
        }
    }
    for f in &p.fns {
        if !chunk_ok(f.chunk) {
            return Err(VerifyError::NoChunk {
                owner: "function",
                name: f.name.clone(),
            });
        }
    }
    for g in &p.globals {
        if !chunk_ok(g.chunk) {
            return Err(VerifyError::NoChunk {
                owner: "global",
                name: g.name.clone(),
            });
        }
    }
    for d in &p.drifts {
        if !d.rule.requires.is_empty() {
            return Err(VerifyError::DriftRequire {
                name: d.rule.meta.name.clone(),
            });
        }
    }
    for r in p.rules.iter().chain(p.drifts.iter().map(|d| &d.rule)) {
        let chunks = r
            .guards
            .iter()
            .copied()
            .chain(r.requires.iter().map(|q| q.chunk))
            .chain(r.lets.iter().map(|l| l.1));
        for c in chunks {
            if !chunk_ok(c)
                || p.chunks
                    .get(c as usize)
                    .is_some_and(|ch| ch.frame > r.frame)
            {
                return Err(VerifyError::Rule {
                    rule: r.meta.name.clone(),
                    problem: "names a bad chunk",
                });
            }
        }
        if r.lets.iter().any(|(slot, _)| *slot >= r.frame) {
            return Err(VerifyError::Rule {
                rule: r.meta.name.clone(),
                problem: "has a `let` outside its frame",
            });
        }
        let holes = r
            .message
            .iter()
            .chain(r.remediation.iter())
            .flatten()
            .filter_map(|part| match part {
                crate::bytecode::TemplatePart::Hole { chunk, .. } => Some(*chunk),
                crate::bytecode::TemplatePart::Text(_) => None,
            });
        let all: Vec<u32> = r
            .guards
            .iter()
            .copied()
            .chain(r.requires.iter().map(|q| q.chunk))
            .chain(r.lets.iter().map(|l| l.1))
            .chain(holes)
            .collect();
        let bad = |problem: &'static str| VerifyError::Rule {
            rule: r.meta.name.clone(),
            problem,
        };
        for c in all {
            let Some(chunk) = p.chunks.get(c as usize) else {
                return Err(bad("names a bad chunk"));
            };
            if chunk.frame > r.frame {
                return Err(bad("names a chunk with a larger frame"));
            }
            let bad_let = chunk
                .code
                .iter()
                .any(|op| matches!(op, Op::Let(n) if usize::from(*n) >= r.lets.len()));
            if bad_let {
                return Err(bad("reads a `let` it does not have"));
            }
        }
    }
    // Calls form a DAG: depth-first search for a cycle.
    let calls: Vec<Vec<usize>> = p
        .fns
        .iter()
        .map(|f| {
            p.chunks
                .get(f.chunk as usize)
                .map(|c| {
                    c.code
                        .iter()
                        .filter_map(|op| match op {
                            Op::Call(g, _) => Some(*g as usize),
                            _ => None,
                        })
                        .collect()
                })
                .unwrap_or_default()
        })
        .collect();
    let mut state = vec![0u8; calls.len()];
    for start in 0..calls.len() {
        let mut stack = vec![(start, 0usize)];
        while let Some(&mut (f, ref mut next)) = stack.last_mut() {
            if *next == 0 {
                if state.get(f) == Some(&2) {
                    stack.pop();
                    continue;
                }
                if let Some(s) = state.get_mut(f) {
                    *s = 1;
                }
            }
            match calls.get(f).and_then(|c| c.get(*next)).copied() {
                Some(g) => {
                    *next += 1;
                    match state.get(g) {
                        Some(1) => {
                            return Err(VerifyError::Recursion {
                                name: p.fns.get(g).map_or("?", |x| &x.name).to_string(),
                            });
                        }
                        Some(0) => stack.push((g, 0)),
                        _ => {}
                    }
                }
                None => {
                    if let Some(s) = state.get_mut(f) {
                        *s = 2;
                    }
                    stack.pop();
                }
            }
        }
    }
    Ok(())
}
