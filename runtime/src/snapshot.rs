//! The snapshot model: normalized resources, and the loader for plumb's
//! JSON snapshot format (docs/snapshot.md).
//!
//! Loading streams: the file is read in blocks, a splitter on the calling
//! thread finds where each resource of the `resources` array ends (strings
//! and brackets only, no values built), and batches of whole resources are
//! parsed on worker threads with a [`Projection`], which keeps the
//! attribute paths a policy reads and skips the rest without building it.
//! Peak memory is a few blocks plus the projected resources, not the file.
//! Resources keep file order whatever the thread count.
//!
//! What is skipped is checked as strictly as what is kept (UTF-8, finite
//! numbers, unique keys, depth), so whether a file loads never depends on
//! the policy. Every error names the file, the line and column (columns
//! count characters), and the cause; the first error in the file is the
//! one reported. This module never panics on input.

use std::collections::HashMap;
use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};

use crate::projection::{PathTree, Projection};
use crate::value::{Object, Str, Value};

/// Where a resource came from: a file and, where known, a line.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Source {
    pub file: Option<Str>,
    pub line: Option<u32>,
    /// The source format, e.g. `terraform-state`, `kubernetes`.
    pub format: Option<Str>,
}

/// One normalized resource.
#[derive(Debug, Clone, PartialEq)]
pub struct Resource {
    pub type_: Str,
    pub id: Str,
    pub name: Option<Str>,
    pub address: Option<Str>,
    pub provider: Option<Str>,
    pub source: Option<Source>,
    /// Always an object (a missing or null `attributes` is `{}`).
    pub attributes: Value,
    /// JSON pointers (into `attributes`) of values that are never printed.
    pub sensitive: Vec<String>,
}

impl Resource {
    pub fn new(type_: &str, id: &str, attributes: Value) -> Resource {
        Resource {
            type_: Str::from(type_),
            id: Str::from(id),
            name: None,
            address: None,
            provider: None,
            source: None,
            attributes,
            sensitive: Vec::new(),
        }
    }

    /// `id` as rules read it: the id, or unknown when the source does not
    /// know it yet (a plan's new resource, whose `id` attribute is unknown
    /// and whose [`Resource::id`] is only its address, kept for reports).
    pub fn id_value(&self) -> Value {
        match self.attributes.field("id") {
            unknown @ Value::Unknown(_) => unknown,
            _ => Value::String(self.id.clone()),
        }
    }

    /// The resource as a plumb value: `{type, id, name, address, provider,
    /// attributes}`, what `resources(...)` yields.
    pub fn to_value(&self) -> Value {
        let opt = |v: &Option<Str>| v.as_ref().map_or(Value::Null, |s| Value::String(s.clone()));
        Value::object(Object::from_entries(vec![
            (Str::from("address"), opt(&self.address)),
            (Str::from("attributes"), self.attributes.clone()),
            (Str::from("id"), self.id_value()),
            (Str::from("name"), opt(&self.name)),
            (Str::from("provider"), opt(&self.provider)),
            (Str::from("type"), Value::String(self.type_.clone())),
        ]))
    }

    /// The resource in plumb's snapshot format (docs/snapshot.md): what
    /// `plumb import` writes. Unknown values are written as `null` and
    /// listed in `unknown`.
    pub fn to_json(&self) -> serde_json::Value {
        let mut o = serde_json::Map::new();
        o.insert("type".into(), serde_json::Value::from(self.type_.as_str()));
        o.insert("id".into(), serde_json::Value::from(self.id.as_str()));
        let opt = |v: &Option<Str>| {
            v.as_ref().map_or(serde_json::Value::Null, |s| {
                serde_json::Value::from(s.as_str())
            })
        };
        if self.name.is_some() {
            o.insert("name".into(), opt(&self.name));
        }
        if self.address.is_some() {
            o.insert("address".into(), opt(&self.address));
        }
        if self.provider.is_some() {
            o.insert("provider".into(), opt(&self.provider));
        }
        if let Some(src) = &self.source {
            let mut so = serde_json::Map::new();
            if let Some(f) = &src.file {
                so.insert("file".into(), serde_json::Value::from(f.as_str()));
            }
            if let Some(l) = src.line {
                so.insert("line".into(), serde_json::Value::from(l));
            }
            if let Some(f) = &src.format {
                so.insert("format".into(), serde_json::Value::from(f.as_str()));
            }
            o.insert("source".into(), serde_json::Value::Object(so));
        }
        let mut unknown = Vec::new();
        o.insert(
            "attributes".into(),
            json_marking_unknown(&self.attributes, "", &mut unknown),
        );
        if !unknown.is_empty() {
            o.insert("unknown".into(), serde_json::Value::from(unknown));
        }
        if !self.sensitive.is_empty() {
            o.insert(
                "sensitive".into(),
                serde_json::Value::from(self.sensitive.clone()),
            );
        }
        serde_json::Value::Object(o)
    }

    /// True if the JSON pointer `path` (into attributes) is, or is inside,
    /// a sensitive value.
    pub fn is_sensitive(&self, path: &str) -> bool {
        self.sensitive.iter().any(|s| {
            path == s
                || (path.starts_with(s.as_str()) && path.as_bytes().get(s.len()) == Some(&b'/'))
        })
    }
}

/// A value as JSON, with unknown values as `null` and their pointers
/// collected.
fn json_marking_unknown(v: &Value, at: &str, unknown: &mut Vec<String>) -> serde_json::Value {
    match v {
        Value::Unknown(_) => {
            unknown.push(at.to_string());
            serde_json::Value::Null
        }
        Value::List(items) => serde_json::Value::Array(
            items
                .iter()
                .enumerate()
                .map(|(i, x)| json_marking_unknown(x, &format!("{at}/{i}"), unknown))
                .collect(),
        ),
        Value::Object(o) => serde_json::Value::Object(
            o.iter()
                .map(|(k, x)| {
                    let seg = k.replace('~', "~0").replace('/', "~1");
                    (
                        k.to_string(),
                        json_marking_unknown(x, &format!("{at}/{seg}"), unknown),
                    )
                })
                .collect(),
        ),
        other => other.to_json(),
    }
}

/// A set of resources, in load order.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    pub resources: Vec<Resource>,
}

impl Snapshot {
    pub fn new(resources: Vec<Resource>) -> Snapshot {
        Snapshot { resources }
    }

    pub fn len(&self) -> usize {
        self.resources.len()
    }

    pub fn is_empty(&self) -> bool {
        self.resources.is_empty()
    }
}

/// Why a snapshot could not be loaded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct SnapshotError {
    pub file: PathBuf,
    /// 1-based; 0 when the error has no position (I/O).
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl fmt::Display for SnapshotError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}: {}", self.file.display(), self.message)
        } else {
            write!(
                f,
                "{}:{}:{}: {}",
                self.file.display(),
                self.line,
                self.column,
                self.message
            )
        }
    }
}

/// How to load.
#[derive(Debug, Clone)]
pub struct LoadOptions {
    pub projection: Projection,
    /// Parser threads, the calling thread included. At least 1.
    pub threads: usize,
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions {
            projection: Projection::everything(),
            threads: 1,
        }
    }
}

/// The snapshot format versions this loader reads.
pub const SNAPSHOT_VERSION: u64 = 1;

/// Bytes read at a time. Small enough that a few in flight stay far below
/// the size of a large snapshot, large enough to amortise the hand-off.
const BLOCK: usize = 2 << 20;

/// Loads a snapshot file.
pub fn load_file(path: &Path, options: &LoadOptions) -> Result<Snapshot, SnapshotError> {
    let streamed = stream_file(path, options, &KeepAll)?;
    Ok(Snapshot::new(
        streamed.kept.into_iter().map(|(_, r)| r).collect(),
    ))
}

/// Loads a snapshot from bytes in memory (`name` is used in errors).
pub fn load_slice(
    name: &Path,
    bytes: &[u8],
    options: &LoadOptions,
) -> Result<Snapshot, SnapshotError> {
    load_reader(name, bytes, &Positions::Bytes(bytes), options)
}

/// Where error positions are computed from (only on the error path).
enum Positions<'a> {
    File(&'a Path),
    Bytes(&'a [u8]),
}

impl Positions<'_> {
    /// 1-based line and column of a byte offset.
    fn at(&self, offset: u64) -> (usize, usize) {
        match self {
            Positions::File(path) => match std::fs::File::open(path) {
                Ok(f) => line_col(
                    std::io::BufReader::new(f).bytes().map_while(Result::ok),
                    offset,
                ),
                Err(_) => (0, 0),
            },
            Positions::Bytes(b) => line_col(b.iter().copied(), offset),
        }
    }
}

/// Columns count characters, not bytes; a byte-order mark is not one.
fn line_col(bytes: impl Iterator<Item = u8>, offset: u64) -> (usize, usize) {
    let mut line = 1;
    let mut column = 1;
    let mut head = [0u8; 3];
    for (i, b) in bytes
        .take(usize::try_from(offset).unwrap_or(usize::MAX))
        .enumerate()
    {
        if let Some(h) = head.get_mut(i) {
            *h = b;
        }
        if b == b'\n' {
            line += 1;
            column = 1;
        } else if b & 0xC0 != 0x80 {
            column += 1;
        }
    }
    if line == 1 && offset >= 3 && head == *b"\xEF\xBB\xBF" {
        column -= 1;
    }
    (line, column)
}

/// The byte offset in `bytes` of serde_json's (line, column), which count
/// bytes from the start of `bytes` and point at the last byte read.
fn serde_offset(bytes: &[u8], line: usize, column: usize) -> usize {
    let mut start = 0;
    for _ in 1..line {
        match bytes
            .get(start..)
            .and_then(|b| b.iter().position(|&c| c == b'\n'))
        {
            Some(i) => start += i + 1,
            None => break,
        }
    }
    (start + column.saturating_sub(1)).min(bytes.len())
}

fn io_error(path: &Path, e: &std::io::Error) -> SnapshotError {
    SnapshotError {
        file: path.to_path_buf(),
        line: 0,
        column: 0,
        message: format!("cannot read the file: {e}"),
    }
}

/// A batch of whole resources: their byte ranges in a shared block.
struct Batch {
    seq: usize,
    block: Arc<Vec<u8>>,
    /// Absolute offset of `block[0]` in the file.
    base: u64,
    ranges: Vec<(usize, usize)>,
    /// One range holding several resources separated by commas, whose end
    /// was guessed (see `Splitter::speculate`).
    sequence: bool,
}

/// A parse error inside a batch.
struct BatchError {
    /// Absolute offset of the byte the error is at.
    at: u64,
    message: String,
}

/// Receives each parsed batch of resources on the thread that parsed it,
/// and says which resources to keep (with their position in the batch).
/// `plumb check` evaluates most rules here, while the batch is still in
/// cache, and keeps only what later rules need.
pub trait Sink: Sync {
    /// Per-thread state (an evaluation machine, findings so far).
    type State: Send;
    fn state(&self) -> Self::State;
    fn consume(
        &self,
        state: &mut Self::State,
        seq: u32,
        batch: Vec<Resource>,
    ) -> Vec<(u32, Resource)>;
}

/// Keeps every resource.
pub struct KeepAll;

impl Sink for KeepAll {
    type State = ();
    fn state(&self) {}
    fn consume(&self, _: &mut (), _: u32, batch: Vec<Resource>) -> Vec<(u32, Resource)> {
        batch
            .into_iter()
            .enumerate()
            .map(|(i, r)| (u32::try_from(i).unwrap_or(u32::MAX), r))
            .collect()
    }
}

/// Where a resource sits in its file: batch number and position in the
/// batch. Sorting by it gives file order.
pub type Position = (u32, u32);

/// What a streaming load returns: the kept resources in file order with
/// their positions, how many resources the file had, and each thread's
/// sink state.
pub struct Streamed<S> {
    pub kept: Vec<(Position, Resource)>,
    pub total: usize,
    pub states: Vec<S>,
}

fn load_reader<R: Read>(
    name: &Path,
    reader: R,
    positions: &Positions<'_>,
    options: &LoadOptions,
) -> Result<Snapshot, SnapshotError> {
    let streamed = match positions {
        Positions::Bytes(bytes) => stream_slice(name, bytes, options, &KeepAll)?,
        Positions::File(_) => stream_reader(name, reader, positions, options, &KeepAll, false)
            .map_err(Speculation::into_error)?,
    };
    Ok(Snapshot::new(
        streamed.kept.into_iter().map(|(_, r)| r).collect(),
    ))
}

/// Loads a file through a [`Sink`].
pub fn stream_file<S: Sink>(
    path: &Path,
    options: &LoadOptions,
    sink: &S,
) -> Result<Streamed<S::State>, SnapshotError> {
    let file = std::fs::File::open(path).map_err(|e| io_error(path, &e))?;
    stream_read(path, file, options, sink)
}

/// Loads the file at `path` through a [`Sink`], reading it from `reader`,
/// which yields the file's bytes from the start (the caller may have read
/// the first ones already to tell what the file is, and chains them back
/// in front). The file is opened again only if the load must be redone
/// (a guessed batch end was wrong, or the file is malformed and the error
/// needs its exact place).
pub fn stream_read<R: Read, S: Sink>(
    path: &Path,
    reader: R,
    options: &LoadOptions,
    sink: &S,
) -> Result<Streamed<S::State>, SnapshotError> {
    match stream_reader(path, reader, &Positions::File(path), options, sink, true) {
        Err(Speculation::Failed) => {}
        Ok(s) => return Ok(s),
        Err(Speculation::Error(e)) => return Err(e),
    }
    let file = std::fs::File::open(path).map_err(|e| io_error(path, &e))?;
    stream_reader(path, file, &Positions::File(path), options, sink, false)
        .map_err(Speculation::into_error)
}

/// An input to load: a snapshot file with a reader at its start, a
/// snapshot already in memory (standard input, a pipe), or resources
/// another reader made (an imported source).
pub enum SnapshotInput {
    File {
        path: PathBuf,
        reader: Box<dyn Read + Send>,
    },
    Bytes {
        name: PathBuf,
        bytes: Vec<u8>,
    },
    Resources(Vec<Resource>),
}

impl SnapshotInput {
    /// Loads the input through a [`Sink`]. Resources given as they are
    /// go to the sink in batches, on the current rayon pool's threads.
    pub fn stream<S: Sink>(
        self,
        options: &LoadOptions,
        sink: &S,
    ) -> Result<Streamed<S::State>, SnapshotError> {
        match self {
            SnapshotInput::File { path, reader } => stream_read(&path, reader, options, sink),
            SnapshotInput::Bytes { name, bytes } => stream_slice(&name, &bytes, options, sink),
            SnapshotInput::Resources(resources) => Ok(stream_resources(resources, sink)),
        }
    }
}

/// Resources already made, through a [`Sink`], in batches of 1024.
fn stream_resources<S: Sink>(resources: Vec<Resource>, sink: &S) -> Streamed<S::State> {
    use rayon::prelude::*;
    let total = resources.len();
    let mut batches: Vec<Vec<Resource>> = Vec::new();
    let mut it = resources.into_iter().peekable();
    while it.peek().is_some() {
        batches.push(it.by_ref().take(1024).collect());
    }
    type Done<St> = (St, Vec<(Position, Resource)>);
    let done: Vec<Done<S::State>> = batches
        .into_par_iter()
        .enumerate()
        .map(|(seq, batch)| {
            let seq = u32::try_from(seq).unwrap_or(u32::MAX);
            let mut state = sink.state();
            let kept = sink
                .consume(&mut state, seq, batch)
                .into_iter()
                .map(|(pos, r)| ((seq, pos), r))
                .collect();
            (state, kept)
        })
        .collect();
    let mut streamed = Streamed {
        kept: Vec::new(),
        total,
        states: Vec::new(),
    };
    for (state, kept) in done {
        streamed.states.push(state);
        streamed.kept.extend(kept);
    }
    streamed
}

/// Loads bytes in memory through a [`Sink`].
pub fn stream_slice<S: Sink>(
    name: &Path,
    bytes: &[u8],
    options: &LoadOptions,
    sink: &S,
) -> Result<Streamed<S::State>, SnapshotError> {
    let positions = Positions::Bytes(bytes);
    match stream_reader(name, bytes, &positions, options, sink, true) {
        Err(Speculation::Failed) => {}
        Ok(s) => return Ok(s),
        Err(Speculation::Error(e)) => return Err(e),
    }
    stream_reader(name, bytes, &positions, options, sink, false).map_err(Speculation::into_error)
}

/// How a load ended when it did not succeed.
enum Speculation {
    /// A guessed batch did not parse: the file is malformed or a guess was
    /// wrong. Loading again without guessing tells which, and where.
    Failed,
    Error(SnapshotError),
}

impl Speculation {
    fn into_error(self) -> SnapshotError {
        match self {
            Speculation::Error(e) => e,
            // Not guessing, a batch cannot fail this way.
            Speculation::Failed => SnapshotError {
                file: PathBuf::new(),
                line: 0,
                column: 0,
                message: "internal error: a batch failed without guessing".to_string(),
            },
        }
    }
}

impl From<SnapshotError> for Speculation {
    fn from(e: SnapshotError) -> Speculation {
        Speculation::Error(e)
    }
}

type Parsed = (usize, Result<(usize, Vec<(u32, Resource)>), BatchError>);

fn stream_reader<R: Read, S: Sink>(
    name: &Path,
    reader: R,
    positions: &Positions<'_>,
    options: &LoadOptions,
    sink: &S,
    speculate: bool,
) -> Result<Streamed<S::State>, Speculation> {
    let workers = options.threads.max(1) - 1;
    let projection = &options.projection;
    let (batch_tx, batch_rx) = mpsc::sync_channel::<Batch>(workers.max(1) * 2);
    let batch_rx = std::sync::Mutex::new(batch_rx);
    let (result_tx, result_rx) = mpsc::channel::<Parsed>();
    let work = |batch: &Batch, cache: &mut TypeCache<'_>, state: &mut S::State| -> Parsed {
        let seq = batch.seq;
        let parsed = parse_batch(batch, cache).map(|resources| {
            let n = resources.len();
            let kept = sink.consume(state, u32::try_from(seq).unwrap_or(u32::MAX), resources);
            (n, kept)
        });
        (seq, parsed)
    };
    let outcome = std::thread::scope(|scope| {
        let mut handles = Vec::new();
        for _ in 0..workers {
            let result_tx = result_tx.clone();
            let batch_rx = &batch_rx;
            let work = &work;
            handles.push(scope.spawn(move || {
                let mut cache = TypeCache::new(projection);
                let mut state = sink.state();
                loop {
                    let next = match batch_rx.lock() {
                        Ok(rx) => rx.recv(),
                        Err(_) => break,
                    };
                    let Ok(batch) = next else { break };
                    if result_tx
                        .send(work(&batch, &mut cache, &mut state))
                        .is_err()
                    {
                        break;
                    }
                }
                state
            }));
        }
        let mut cache = TypeCache::new(projection);
        let mut state = sink.state();
        let local_tx = result_tx.clone();
        drop(result_tx);
        let mut dispatch = |batch: Batch| {
            let batch = if workers == 0 {
                batch
            } else {
                match batch_tx.try_send(batch) {
                    Ok(()) => return,
                    // Every worker is busy: parse it here rather than wait.
                    Err(mpsc::TrySendError::Full(b) | mpsc::TrySendError::Disconnected(b)) => b,
                }
            };
            let _ = local_tx.send(work(&batch, &mut cache, &mut state));
        };
        let split = split(name, reader, positions, &mut dispatch, speculate);
        drop(local_tx);
        drop(batch_tx);
        let results: Vec<Parsed> = result_rx.iter().collect();
        let mut states = vec![state];
        for h in handles {
            if let Ok(s) = h.join() {
                states.push(s);
            }
        }
        (split, results, states)
    });
    let (split, mut results, states) = outcome;
    results.sort_by_key(|(seq, _)| *seq);
    if speculate && (split.is_err() || results.iter().any(|(_, r)| r.is_err())) {
        return Err(Speculation::Failed);
    }
    // The first error in the file is the one reported: every resource the
    // splitter handed on lies before the place where it stopped.
    if let Some(e) = results.iter().find_map(|(_, r)| r.as_ref().err()) {
        return Err(batch_error(name, positions, e).into());
    }
    let batches = split?;
    let mut kept = Vec::new();
    let mut total = 0;
    for (seq, r) in results.into_iter().take(batches) {
        match r {
            Ok((n, rs)) => {
                total += n;
                let seq = u32::try_from(seq).unwrap_or(u32::MAX);
                kept.extend(rs.into_iter().map(|(pos, r)| ((seq, pos), r)));
            }
            Err(e) => return Err(batch_error(name, positions, &e).into()),
        }
    }
    Ok(Streamed {
        kept,
        total,
        states,
    })
}

/// Turns a byte offset into a file position. Only on the error path: it
/// re-reads the file up to the offset.
fn batch_error(name: &Path, positions: &Positions<'_>, e: &BatchError) -> SnapshotError {
    let (line, column) = positions.at(e.at);
    SnapshotError {
        file: name.to_path_buf(),
        line,
        column,
        message: e.message.clone(),
    }
}

// ---------------------------------------------------------------------------
// The splitter
// ---------------------------------------------------------------------------

/// Bytes of whole resources per batch handed to a parser thread.
const BATCH: usize = 256 << 10;

/// Reads the document's outer object, hands the `resources` array's
/// elements on in batches, and validates everything else. Returns the
/// number of batches.
fn split<R: Read>(
    name: &Path,
    reader: R,
    positions: &Positions<'_>,
    dispatch: &mut dyn FnMut(Batch),
    speculate: bool,
) -> Result<usize, SnapshotError> {
    let mut s = Splitter {
        speculate,
        first_key: None,
        name,
        positions,
        reader,
        buf: Arc::new(Vec::new()),
        pos: 0,
        base: 0,
        eof: false,
        seq: 0,
        pending: Vec::new(),
        pending_bytes: 0,
        dispatch,
        spent: Vec::new(),
    };
    let done = s.fill(0).and_then(|_| {
        if s.buf.starts_with(b"\xEF\xBB\xBF") {
            s.pos = 3;
        }
        s.document()
    });
    // After an error too: a resource before it may hold an earlier one.
    s.flush();
    done.map(|()| s.seq)
}

struct Splitter<'a, R> {
    /// Guess batch ends instead of finding every resource's end.
    speculate: bool,
    /// `"KEY"`, the first key of the first resource: resources of one file
    /// are written alike, so a guessed boundary must be followed by it
    /// (a `},{` between nested objects rarely is).
    first_key: Option<Vec<u8>>,
    name: &'a Path,
    positions: &'a Positions<'a>,
    reader: R,
    /// The current block. Shared with the parser threads, never mutated:
    /// reading more makes a new block that starts with the unfinished
    /// value's bytes.
    buf: Arc<Vec<u8>>,
    /// Cursor in `buf`.
    pos: usize,
    /// Absolute offset of `buf[0]` in the input.
    base: u64,
    eof: bool,
    seq: usize,
    /// Ranges of whole resources in `buf` not yet handed on.
    pending: Vec<(usize, usize)>,
    pending_bytes: usize,
    dispatch: &'a mut dyn FnMut(Batch),
    /// Earlier blocks, reused once no batch points into them.
    spent: Vec<Arc<Vec<u8>>>,
}

/// How many earlier blocks are kept for reuse.
const SPENT_BLOCKS: usize = 3;

impl<R: Read> Splitter<'_, R> {
    fn err(&self, at: u64, message: impl Into<String>) -> SnapshotError {
        let (line, column) = self.positions.at(at);
        SnapshotError {
            file: self.name.to_path_buf(),
            line,
            column,
            message: message.into(),
        }
    }

    fn here(&self) -> u64 {
        self.base + self.pos as u64
    }

    fn flush(&mut self) {
        if self.pending.is_empty() {
            return;
        }
        let batch = Batch {
            seq: self.seq,
            block: Arc::clone(&self.buf),
            base: self.base,
            ranges: std::mem::take(&mut self.pending),
            sequence: false,
        };
        self.seq += 1;
        self.pending_bytes = 0;
        (self.dispatch)(batch);
    }

    /// Starts a new block holding `buf[keep..]` and then more input. The
    /// pending ranges point into the old block, so they are handed on
    /// first. Returns false if there was no more input.
    fn fill(&mut self, keep: usize) -> Result<bool, SnapshotError> {
        if self.eof {
            return Ok(false);
        }
        self.flush();
        let tail = self.buf.get(keep..).unwrap_or_default();
        // Grow with the unfinished value, so a huge one is read in
        // linear time.
        let want = BLOCK.max(tail.len());
        // Reuse a block the parser threads are done with: fresh pages cost
        // the kernel more to hand out than reading the bytes into them.
        let mut next = match self.spent.iter().position(|b| Arc::strong_count(b) == 1) {
            Some(i) => {
                let block = self.spent.swap_remove(i);
                let mut v = Arc::try_unwrap(block).unwrap_or_default();
                v.clear();
                v
            }
            None => Vec::new(),
        };
        next.reserve(tail.len() + want);
        next.extend_from_slice(tail);
        let mut got = 0;
        let reader = &mut self.reader;
        let limit = u64::try_from(want).unwrap_or(u64::MAX);
        match reader.take(limit).read_to_end(&mut next) {
            Ok(n) => got += n,
            Err(e) => return Err(io_error(self.name, &e)),
        }
        if got < want {
            self.eof = true;
        }
        self.base += keep as u64;
        self.pos = self.pos.saturating_sub(keep);
        let old = std::mem::replace(&mut self.buf, Arc::new(next));
        if self.spent.len() < SPENT_BLOCKS {
            self.spent.push(old);
        }
        Ok(got > 0)
    }

    fn peek(&mut self) -> Result<Option<u8>, SnapshotError> {
        loop {
            if let Some(&b) = self.buf.get(self.pos) {
                return Ok(Some(b));
            }
            if !self.fill(self.pos)? {
                return Ok(None);
            }
        }
    }

    fn skip_ws(&mut self) -> Result<Option<u8>, SnapshotError> {
        loop {
            match self.peek()? {
                Some(b' ' | b'\n' | b'\r' | b'\t') => self.pos += 1,
                other => return Ok(other),
            }
        }
    }

    fn found(&mut self) -> Result<String, SnapshotError> {
        Ok(self
            .peek()?
            .map_or("the end of the file".to_string(), describe))
    }

    /// Finds the end of the JSON value starting at `pos`, from its strings
    /// and brackets only (serde validates the value when it is parsed),
    /// reading more input as needed. Returns its range in `buf`.
    fn value_end(&mut self) -> Result<(usize, usize), SnapshotError> {
        let mut i = self.pos;
        let mut depth = 0usize;
        let mut in_string = false;
        let mut escaped = false;
        loop {
            let Some(&b) = self.buf.get(i) else {
                let start = self.pos;
                if !self.fill(start)? {
                    return Err(self.err(
                        self.base + i as u64 - start as u64 + self.pos as u64,
                        "the file ends in the middle of a value",
                    ));
                }
                i -= start;
                continue;
            };
            i += 1;
            if in_string {
                if escaped {
                    escaped = false;
                } else if b == b'\\' {
                    escaped = true;
                } else if b == b'"' {
                    in_string = false;
                    if depth == 0 {
                        return Ok((self.pos, i));
                    }
                } else {
                    // Most bytes of a snapshot are inside strings: jump to
                    // the next quote or backslash eight bytes at a time.
                    i = skip_plain(&self.buf, i);
                }
                continue;
            }
            match b {
                b'"' => in_string = true,
                b'{' | b'[' => depth += 1,
                b'}' | b']' => {
                    if depth == 0 {
                        // A scalar ended by its container's closer.
                        return Ok((self.pos, i - 1));
                    }
                    depth -= 1;
                    if depth == 0 {
                        return Ok((self.pos, i));
                    }
                }
                b',' | b' ' | b'\n' | b'\r' | b'\t' | b':' if depth == 0 => {
                    return Ok((self.pos, i - 1));
                }
                _ => {}
            }
        }
    }

    /// Parses `buf[range]` as one whole JSON value with serde.
    fn parse_range<T: de::DeserializeOwned>(
        &self,
        (start, end): (usize, usize),
    ) -> Result<T, SnapshotError> {
        let bytes = self.buf.get(start..end).unwrap_or_default();
        serde_json::from_slice(bytes).map_err(|e| {
            batch_error(
                self.name,
                self.positions,
                &BatchError {
                    at: self.base + (start + serde_offset(bytes, e.line(), e.column())) as u64,
                    message: json_message(&e),
                },
            )
        })
    }

    /// Skips one value, validating it.
    fn skip_value(&mut self) -> Result<(), SnapshotError> {
        let range = self.value_end()?;
        let Skipped = self.parse_range(range)?;
        self.pos = range.1;
        Ok(())
    }

    fn document(&mut self) -> Result<(), SnapshotError> {
        match self.skip_ws()? {
            Some(b'{') => self.pos += 1,
            Some(b'[') => {
                return Err(self.err(
                    self.here(),
                    "a snapshot is an object with a `resources` list, not a list \
                     (`plumb import` converts other formats)",
                ));
            }
            Some(b) => {
                return Err(self.err(
                    self.here(),
                    format!("expected a JSON object, found {}", describe(b)),
                ));
            }
            None => {
                return Err(self.err(
                    self.here(),
                    "the file is empty: expected a JSON object with a `resources` list",
                ));
            }
        }
        let mut keys = std::collections::HashSet::new();
        let mut seen_resources = false;
        let mut first = true;
        loop {
            match self.skip_ws()? {
                Some(b'}') => {
                    self.pos += 1;
                    break;
                }
                Some(b',') if !first => {
                    self.pos += 1;
                    self.skip_ws()?;
                }
                Some(_) if first => {}
                Some(b) => {
                    return Err(self.err(
                        self.here(),
                        format!("expected `,` or `}}`, found {}", describe(b)),
                    ));
                }
                None => {
                    return Err(self.err(
                        self.here(),
                        "the file ends before the snapshot object is closed",
                    ));
                }
            }
            first = false;
            let key_at = self.here();
            if self.peek()? != Some(b'"') {
                let found = self.found()?;
                return Err(self.err(key_at, format!("expected a key, found {found}")));
            }
            let range = self.value_end()?;
            let key: String = self.parse_range(range)?;
            self.pos = range.1;
            if !keys.insert(key.clone()) {
                return Err(self.err(key_at, format!("duplicate key `{key}`")));
            }
            match self.skip_ws()? {
                Some(b':') => self.pos += 1,
                _ => {
                    let found = self.found()?;
                    return Err(self.err(self.here(), format!("expected `:`, found {found}")));
                }
            }
            self.skip_ws()?;
            match key.as_str() {
                "resources" => {
                    seen_resources = true;
                    self.resources()?;
                }
                "snapshot_version" => {
                    let at = self.here();
                    let range = self.value_end()?;
                    let version: serde_json::Value = self.parse_range(range)?;
                    self.pos = range.1;
                    if version.as_u64() != Some(SNAPSHOT_VERSION) {
                        return Err(self.err(
                            at,
                            format!(
                                "unsupported snapshot_version {version}: this plumb reads \
                                 version {SNAPSHOT_VERSION}"
                            ),
                        ));
                    }
                }
                _ => self.skip_value()?,
            }
        }
        if let Some(b) = self.skip_ws()? {
            return Err(self.err(
                self.here(),
                format!("found {} after the snapshot object", describe(b)),
            ));
        }
        if !seen_resources {
            return Err(self.err(0, "the snapshot has no `resources` list"));
        }
        Ok(())
    }

    /// The `resources` array: each element's range goes into a batch.
    /// At the start of a resource: guesses where a batch of about
    /// [`BATCH`] bytes ends (a `}` followed by `,` and `{`, outside any
    /// string as far as a guess can tell) and hands the whole range on as
    /// one batch, without finding where each resource in it ends. The
    /// parser threads check the guess: a batch that starts at a resource
    /// boundary and parses as a list of resources also ends at one, so if
    /// every batch parses, every guess was right; if one does not, the
    /// file is loaded again without guessing. Returns false when no guess
    /// is possible here (near the end of the list).
    fn speculate_batch(&mut self) -> Result<bool, SnapshotError> {
        if self.first_key.is_none() {
            // The first key of this resource, if it is written plainly.
            let rest = self.buf.get(self.pos + 1..).unwrap_or_default();
            let lead = rest.iter().take_while(|b| b.is_ascii_whitespace()).count();
            let key = rest.get(lead..).and_then(|r| {
                let r = r.strip_prefix(b"\"")?;
                let end = r.iter().position(|&b| b == b'"' || b == b'\\')?;
                (r.get(end) == Some(&b'"')).then(|| r.get(..end).map(<[u8]>::to_vec))?
            });
            match key {
                Some(k) if !k.is_empty() && k.len() < 64 => {
                    let mut quoted = Vec::with_capacity(k.len() + 2);
                    quoted.push(b'"');
                    quoted.extend_from_slice(&k);
                    quoted.push(b'"');
                    self.first_key = Some(quoted);
                }
                // An empty or unusual first resource: no guessing here.
                _ => return Ok(false),
            }
        }
        let key = self.first_key.clone().unwrap_or_default();
        loop {
            let target = self.pos + BATCH;
            let found = self.buf.get(target..).and_then(|tail| {
                let mut from = 0;
                while let Some(i) = memchr_close(tail.get(from..)?) {
                    let at = from + i;
                    let mut j = at + 1;
                    let ws = |b: Option<&u8>| matches!(b, Some(b' ' | b'\n' | b'\r' | b'\t'));
                    while ws(tail.get(j)) {
                        j += 1;
                    }
                    if tail.get(j) == Some(&b',') {
                        j += 1;
                        while ws(tail.get(j)) {
                            j += 1;
                        }
                        if tail.get(j) == Some(&b'{') {
                            let mut k = j + 1;
                            while ws(tail.get(k)) {
                                k += 1;
                            }
                            if tail.get(k..k + key.len()) == Some(key.as_slice()) {
                                return Some((at + 1, j));
                            }
                        }
                    }
                    from = at + 1;
                }
                None
            });
            if let Some((end, next)) = found {
                let (start, end, next) = (self.pos, target + end, target + next);
                self.flush();
                let batch = Batch {
                    seq: self.seq,
                    block: Arc::clone(&self.buf),
                    base: self.base,
                    ranges: vec![(start, end)],
                    sequence: true,
                };
                self.seq += 1;
                (self.dispatch)(batch);
                // The next loop turn reads the `,` before `next`.
                self.pos = end;
                let _ = next;
                return Ok(true);
            }
            if self.eof {
                return Ok(false);
            }
            // Not enough bytes buffered for a batch: read more, keeping
            // everything from this resource on.
            if !self.fill(self.pos)? {
                return Ok(false);
            }
        }
    }

    fn resources(&mut self) -> Result<(), SnapshotError> {
        match self.peek()? {
            Some(b'[') => self.pos += 1,
            _ => {
                let found = self.found()?;
                return Err(self.err(
                    self.here(),
                    format!("`resources` must be a list of resources, found {found}"),
                ));
            }
        }
        let mut first = true;
        loop {
            match self.skip_ws()? {
                Some(b']') => {
                    self.pos += 1;
                    return Ok(());
                }
                Some(b',') if !first => {
                    self.pos += 1;
                    self.skip_ws()?;
                }
                Some(_) if first => {}
                Some(b) => {
                    return Err(self.err(
                        self.here(),
                        format!("expected `,` or `]` in `resources`, found {}", describe(b)),
                    ));
                }
                None => {
                    return Err(self.err(self.here(), "the file ends inside the `resources` list"));
                }
            }
            first = false;
            match self.peek()? {
                Some(b'{') => {}
                _ => {
                    let found = self.found()?;
                    return Err(self.err(
                        self.here(),
                        format!("each resource must be an object, found {found}"),
                    ));
                }
            }
            if self.speculate && self.speculate_batch()? {
                continue;
            }
            let (start, end) = self.value_end()?;
            self.pending.push((start, end));
            self.pending_bytes += end - start;
            self.pos = end;
            if self.pending_bytes >= BATCH {
                self.flush();
            }
        }
    }
}

/// The index of the first `"` or `\\` at or after `i` (or the end), read
/// eight bytes at a time.
fn skip_plain(buf: &[u8], mut i: usize) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    const QUOTE: u64 = ONES * b'"' as u64;
    const BACKSLASH: u64 = ONES * b'\\' as u64;
    while let Some(chunk) = buf.get(i..i + 8) {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let x = u64::from_le_bytes(word);
        let q = x ^ QUOTE;
        let b = x ^ BACKSLASH;
        // A zero byte in q or b is a quote or a backslash.
        let found = (q.wrapping_sub(ONES) & !q | b.wrapping_sub(ONES) & !b) & HIGH;
        if found != 0 {
            return i + (found.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while let Some(&c) = buf.get(i) {
        if c == b'"' || c == b'\\' {
            break;
        }
        i += 1;
    }
    i
}

/// The position of the next `}`.
fn memchr_close(bytes: &[u8]) -> Option<usize> {
    bytes.iter().position(|&b| b == b'}')
}

fn describe(b: u8) -> String {
    match b {
        b'"' => "a string".to_string(),
        b'{' => "an object".to_string(),
        b'[' => "a list".to_string(),
        b'0'..=b'9' | b'-' => "a number".to_string(),
        b't' | b'f' => "a boolean".to_string(),
        b'n' => "null".to_string(),
        0x20..=0x7e => format!("`{}`", b as char),
        _ => format!("the byte 0x{b:02x}"),
    }
}

/// serde_json's message without its " at line L column C" suffix (we give
/// the position ourselves).
fn json_message(e: &serde_json::Error) -> String {
    let text = e.to_string();
    let text = match text.rfind(" at line ") {
        Some(i) => text.get(..i).unwrap_or(&text).to_string(),
        None => text,
    };
    match text.as_str() {
        "invalid unicode code point"
        | "lone leading surrogate in hex escape"
        | "unexpected end of hex escape" => "invalid UTF-8 or `\\u` escape in a string".to_string(),
        // serde_json's own limit, met only where ours is not met first.
        "recursion limit exceeded" => TOO_DEEP.to_string(),
        // `NaN`, `Infinity`, a stray character.
        "expected value" => "expected a JSON value".to_string(),
        _ => text,
    }
}

// ---------------------------------------------------------------------------
// Parsing one resource
// ---------------------------------------------------------------------------

/// The attribute tree to keep, per resource type, computed once per type
/// per thread.
struct TypeCache<'p> {
    projection: &'p Projection,
    trees: HashMap<Box<str>, Arc<PathTree>>,
}

impl<'p> TypeCache<'p> {
    fn new(projection: &'p Projection) -> Self {
        TypeCache {
            projection,
            trees: HashMap::new(),
        }
    }

    fn get(&mut self, ty: &str) -> Arc<PathTree> {
        if let Some(t) = self.trees.get(ty) {
            return Arc::clone(t);
        }
        let t = self.projection.for_type(ty);
        self.trees.insert(Box::from(ty), Arc::clone(&t));
        t
    }
}

fn parse_batch(batch: &Batch, cache: &mut TypeCache<'_>) -> Result<Vec<Resource>, BatchError> {
    if batch.sequence {
        return parse_sequence(batch, cache);
    }
    let mut out = Vec::with_capacity(batch.ranges.len());
    for &(start, end) in &batch.ranges {
        let bytes = batch.block.get(start..end).unwrap_or_default();
        // Checked once here, so serde_json does not check each string, and
        // a bad byte is found where it is.
        let text = match std::str::from_utf8(bytes) {
            Ok(text) => text,
            Err(e) => {
                return Err(BatchError {
                    at: batch.base + (start + e.valid_up_to()) as u64,
                    message: "invalid UTF-8".to_string(),
                });
            }
        };
        let mut de = serde_json::Deserializer::from_str(text);
        let mut inner_at = None;
        let parsed = ResourceSeed {
            cache: &mut *cache,
            origin: bytes.as_ptr().addr(),
            inner_at: &mut inner_at,
        }
        .deserialize(&mut de)
        .and_then(|r| de.end().map(|()| r));
        match parsed {
            Ok(r) => out.push(r),
            Err(e) => {
                let at = inner_at.unwrap_or_else(|| serde_offset(bytes, e.line(), e.column()));
                return Err(BatchError {
                    at: batch.base + start.saturating_add(at) as u64,
                    message: json_message(&e),
                });
            }
        }
    }
    Ok(out)
}

/// A guessed batch: `[` + its bytes + `]` parsed as a list of resources.
/// Any error only means "not this way" (the load is retried without
/// guessing), so its position does not matter.
fn parse_sequence(batch: &Batch, cache: &mut TypeCache<'_>) -> Result<Vec<Resource>, BatchError> {
    let fail = || BatchError {
        at: batch.base,
        message: "a guessed batch did not parse".to_string(),
    };
    let (start, end) = batch.ranges.first().copied().ok_or_else(fail)?;
    let bytes = batch.block.get(start..end).ok_or_else(fail)?;
    let text = std::str::from_utf8(bytes).map_err(|_| fail())?;
    let mut list = String::with_capacity(text.len() + 2);
    list.push('[');
    list.push_str(text);
    list.push(']');
    let mut de = serde_json::Deserializer::from_str(&list);
    let origin = list.as_ptr().addr();
    let resources = SequenceSeed { cache, origin }
        .deserialize(&mut de)
        .and_then(|r| de.end().map(|()| r))
        .map_err(|_| fail())?;
    Ok(resources)
}

struct SequenceSeed<'c, 'p> {
    cache: &'c mut TypeCache<'p>,
    origin: usize,
}

impl<'de> DeserializeSeed<'de> for SequenceSeed<'_, '_> {
    type Value = Vec<Resource>;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Vec<Resource>, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for SequenceSeed<'_, '_> {
    type Value = Vec<Resource>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of resources")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<Resource>, A::Error> {
        let mut out = Vec::new();
        loop {
            let mut inner_at = None;
            let next = seq.next_element_seed(ResourceSeed {
                cache: &mut *self.cache,
                origin: self.origin,
                inner_at: &mut inner_at,
            })?;
            match next {
                Some(r) => out.push(r),
                None => return Ok(out),
            }
        }
    }
}

struct ResourceSeed<'c, 'p> {
    cache: &'c mut TypeCache<'p>,
    /// The address of the resource's first byte.
    origin: usize,
    /// Where in the resource an error in attributes read before the type
    /// is: they are parsed a second time, from their own text, whose
    /// positions serde_json cannot know.
    inner_at: &'c mut Option<usize>,
}

impl<'de> DeserializeSeed<'de> for ResourceSeed<'_, '_> {
    type Value = Resource;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Resource, D::Error> {
        d.deserialize_map(self)
    }
}

fn opt_string<'de, A: MapAccess<'de>>(map: &mut A) -> Result<Option<Str>, A::Error> {
    let v: Option<KeyStr<'de>> = map.next_value()?;
    Ok(v.map(|k| Str::from(k.as_ref())))
}

/// A string borrowed from the input when it has no escapes (keys almost
/// never do), so reading a key allocates nothing. serde's own `Cow<str>`
/// always copies.
enum KeyStr<'de> {
    Borrowed(&'de str),
    Owned(String),
}

impl AsRef<str> for KeyStr<'_> {
    fn as_ref(&self) -> &str {
        match self {
            KeyStr::Borrowed(s) => s,
            KeyStr::Owned(s) => s,
        }
    }
}

impl std::fmt::Display for KeyStr<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_ref())
    }
}

impl<'de> de::Deserialize<'de> for KeyStr<'de> {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<KeyStr<'de>, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = KeyStr<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<KeyStr<'de>, E> {
                Ok(KeyStr::Borrowed(v))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<KeyStr<'de>, E> {
                Ok(KeyStr::Owned(v.to_string()))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<KeyStr<'de>, E> {
                Ok(KeyStr::Owned(v))
            }
        }
        d.deserialize_str(V)
    }
}

/// How many keys of an object are kept inline and scanned; most objects
/// have no more.
const FEW_KEYS: usize = 16;

/// The keys of one object so far, to reject a repeated key where it is.
struct Keys<'de> {
    few: [&'de str; FEW_KEYS],
    len: usize,
    /// Keys past the first few, and keys with escapes (not borrowed).
    more: std::collections::HashSet<std::borrow::Cow<'de, str>>,
}

impl Default for Keys<'_> {
    fn default() -> Self {
        Keys {
            few: [""; FEW_KEYS],
            len: 0,
            more: std::collections::HashSet::new(),
        }
    }
}

impl<'de> Keys<'de> {
    /// Adds `key`; an error if the object already had it.
    fn insert<E: de::Error>(&mut self, key: &KeyStr<'de>) -> Result<(), E> {
        let k = key.as_ref();
        let seen = self.few.get(..self.len).unwrap_or_default().contains(&k)
            || (!self.more.is_empty() && self.more.contains(k));
        if seen {
            return Err(E::custom(format_args!("duplicate key `{key}`")));
        }
        match (key, self.few.get_mut(self.len)) {
            (KeyStr::Borrowed(b), Some(slot)) => {
                *slot = b;
                self.len += 1;
            }
            (KeyStr::Borrowed(b), None) => {
                self.more.insert(std::borrow::Cow::Borrowed(b));
            }
            (KeyStr::Owned(o), _) => {
                self.more.insert(std::borrow::Cow::Owned(o.clone()));
            }
        }
        Ok(())
    }
}

impl<'de> Visitor<'de> for ResourceSeed<'_, '_> {
    type Value = Resource;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a resource object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Resource, A::Error> {
        let mut type_: Option<Str> = None;
        let mut id: Option<Str> = None;
        let mut name = None;
        let mut address = None;
        let mut provider = None;
        let mut source = None;
        let mut attributes: Option<Value> = None;
        // Attributes seen before the type: kept raw, parsed once the type
        // (and so the projection) is known.
        let mut raw_attributes: Option<&'de serde_json::value::RawValue> = None;
        let mut unknown: Vec<String> = Vec::new();
        let mut sensitive: Vec<String> = Vec::new();
        let mut seen: u16 = 0;
        let mut others = Keys::default();
        while let Some(key) = map.next_key::<KeyStr<'de>>()? {
            let bit = match key.as_ref() {
                "type" => 0,
                "id" => 1,
                "name" => 2,
                "address" => 3,
                "provider" => 4,
                "source" => 5,
                "attributes" => 6,
                "unknown" => 7,
                "sensitive" => 8,
                _ => {
                    others.insert(&key)?;
                    map.next_value_seed(Skip {
                        depth: RESOURCE_VALUE_DEPTH,
                    })?;
                    continue;
                }
            };
            if seen & (1 << bit) != 0 {
                return Err(de::Error::custom(format_args!("duplicate key `{key}`")));
            }
            seen |= 1 << bit;
            match bit {
                0 => {
                    let t: KeyStr<'de> = map.next_value()?;
                    type_ = Some(Str::from(t.as_ref()));
                }
                1 => id = Some(map.next_value::<IdSeed>()?.0),
                2 => name = opt_string(&mut map)?,
                3 => address = opt_string(&mut map)?,
                4 => provider = opt_string(&mut map)?,
                5 => source = map.next_value::<Option<SourceDe>>()?.map(|s| s.0),
                6 => match &type_ {
                    Some(t) => {
                        let tree = self.cache.get(t);
                        attributes = Some(map.next_value_seed(ValueSeed {
                            tree: &tree,
                            depth: RESOURCE_VALUE_DEPTH,
                        })?);
                    }
                    None => raw_attributes = Some(map.next_value()?),
                },
                7 => unknown = map.next_value()?,
                _ => sensitive = map.next_value()?,
            }
        }
        let Some(type_) = type_ else {
            return Err(de::Error::custom("the resource has no `type`"));
        };
        let Some(id) = id else {
            return Err(de::Error::custom(format_args!(
                "the `{type_}` resource has no `id`"
            )));
        };
        if let Some(raw) = raw_attributes {
            let tree = self.cache.get(&type_);
            let text = raw.get();
            let mut de = serde_json::Deserializer::from_str(text);
            let parsed = ValueSeed {
                tree: &tree,
                depth: RESOURCE_VALUE_DEPTH,
            }
            .deserialize(&mut de);
            match parsed {
                Ok(v) => attributes = Some(v),
                Err(e) => {
                    // `text` is a slice of the resource's bytes.
                    let offset = text.as_ptr().addr().wrapping_sub(self.origin);
                    *self.inner_at = Some(offset.saturating_add(serde_offset(
                        text.as_bytes(),
                        e.line(),
                        e.column(),
                    )));
                    return Err(de::Error::custom(json_message(&e)));
                }
            }
        }
        let mut attributes = match attributes {
            None | Some(Value::Null) => Value::object(Object::new()),
            Some(v @ Value::Object(_)) => v,
            Some(other) => {
                return Err(de::Error::custom(format_args!(
                    "`attributes` of `{type_}` `{id}` must be an object, found {}",
                    other.type_name().as_str()
                )));
            }
        };
        for pointer in &unknown {
            mark_unknown(&mut attributes, pointer).map_err(de::Error::custom)?;
        }
        for pointer in &sensitive {
            check_pointer(pointer).map_err(de::Error::custom)?;
        }
        Ok(Resource {
            type_,
            id,
            name,
            address,
            provider,
            source,
            attributes,
            sensitive,
        })
    }
}

/// A resource id: a string, or a number written as its JSON text.
struct IdSeed(Str);

impl<'de> de::Deserialize<'de> for IdSeed {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<IdSeed, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = IdSeed;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string or integer id")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<IdSeed, E> {
                Ok(IdSeed(Str::from(v)))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<IdSeed, E> {
                Ok(IdSeed(Str::from(v.to_string())))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<IdSeed, E> {
                Ok(IdSeed(Str::from(v.to_string())))
            }
        }
        d.deserialize_any(V)
    }
}

/// A resource's `source`: `{file, line, format}`, other keys ignored.
struct SourceDe(Source);

impl<'de> de::Deserialize<'de> for SourceDe {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<SourceDe, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = SourceDe;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a source object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<SourceDe, A::Error> {
                let mut source = Source::default();
                let mut keys = Keys::default();
                while let Some(key) = map.next_key::<KeyStr<'de>>()? {
                    keys.insert(&key)?;
                    match key.as_ref() {
                        "file" => source.file = opt_string(&mut map)?,
                        "line" => source.line = map.next_value()?,
                        "format" => source.format = opt_string(&mut map)?,
                        _ => map.next_value_seed(Skip {
                            depth: RESOURCE_VALUE_DEPTH + 1,
                        })?,
                    }
                }
                Ok(SourceDe(source))
            }
        }
        d.deserialize_map(V)
    }
}

fn check_pointer(pointer: &str) -> Result<(), String> {
    if pointer.is_empty() || pointer.starts_with('/') {
        Ok(())
    } else {
        Err(format!(
            "`{pointer}` is not a JSON pointer (it must start with `/`)"
        ))
    }
}

/// Decodes one JSON-pointer segment (`~1` is `/`, `~0` is `~`).
fn pointer_segment(s: &str) -> String {
    s.replace("~1", "/").replace("~0", "~")
}

/// Sets the value at `pointer` to unknown, creating objects on the way.
fn mark_unknown(value: &mut Value, pointer: &str) -> Result<(), String> {
    check_pointer(pointer)?;
    let segments: Vec<String> = pointer.split('/').skip(1).map(pointer_segment).collect();
    set_unknown(value, &segments);
    Ok(())
}

fn set_unknown(value: &mut Value, path: &[String]) {
    let Some((first, rest)) = path.split_first() else {
        *value = Value::Unknown(None);
        return;
    };
    match value {
        Value::Object(o) => {
            let mut child = o.get(first).cloned().unwrap_or(Value::Null);
            if child.is_null() && !rest.is_empty() {
                child = Value::object(Object::new());
            }
            set_unknown(&mut child, rest);
            o.insert(Str::from(first.as_str()), child);
        }
        Value::List(l) => {
            if let Ok(i) = first.parse::<usize>() {
                let mut items = l.to_vec();
                if let Some(child) = items.get_mut(i) {
                    set_unknown(child, rest);
                }
                *l = items.into();
            }
        }
        // Unknown already, or a scalar that cannot hold the path.
        _ => {}
    }
}

// ---------------------------------------------------------------------------
// Values, projected
// ---------------------------------------------------------------------------

/// Deepest nesting of lists and objects in a snapshot, counted from the
/// document: the top-level object is at depth 1, a resource at 3, its
/// `attributes` at 4. serde_json stops a little deeper (128 levels from
/// the value it parses); this keeps our own recursion bounded and the
/// limit the same for every part of the file.
const MAX_DEPTH: usize = 128;

/// The depth of a resource's `attributes` (and of its other values).
const RESOURCE_VALUE_DEPTH: usize = 4;

const TOO_DEEP: &str = "lists and objects are nested more than 128 deep";

fn check_depth<E: de::Error>(depth: usize) -> Result<(), E> {
    if depth > MAX_DEPTH {
        Err(E::custom(TOO_DEEP))
    } else {
        Ok(())
    }
}

/// Builds a [`Value`] keeping what `tree` says is read.
struct ValueSeed<'t> {
    tree: &'t PathTree,
    depth: usize,
}

impl<'de> DeserializeSeed<'de> for ValueSeed<'_> {
    type Value = Value;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

static EMPTY: PathTree = PathTree {
    all: false,
    fields: std::collections::BTreeMap::new(),
    each: None,
};

impl<'de> Visitor<'de> for ValueSeed<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v as f64))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v as f64))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        if v.is_finite() {
            Ok(Value::Number(v))
        } else {
            Err(E::custom("number out of range"))
        }
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(Str::from(v)))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        check_depth(self.depth)?;
        let tree = if self.tree.all {
            self.tree
        } else {
            self.tree.each.as_deref().unwrap_or(&EMPTY)
        };
        let start = SCRATCH.with_borrow(|s| s.items.len());
        let _clean = Truncate(start, false);
        while let Some(v) = seq.next_element_seed(ValueSeed {
            tree,
            depth: self.depth + 1,
        })? {
            SCRATCH.with_borrow_mut(|s| s.items.push(v));
        }
        Ok(Value::List(SCRATCH.with_borrow_mut(|s| {
            s.items.drain(start.min(s.items.len())..).collect()
        })))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        check_depth(self.depth)?;
        let start = SCRATCH.with_borrow(|s| s.entries.len());
        let _clean = Truncate(start, true);
        let mut keys = Keys::default();
        while let Some(key) = map.next_key::<KeyStr<'de>>()? {
            keys.insert(&key)?;
            let child = if self.tree.all {
                Some(self.tree)
            } else {
                self.tree
                    .fields
                    .get(key.as_ref())
                    .or(self.tree.each.as_deref())
            };
            match child {
                Some(tree) => {
                    let v = map.next_value_seed(ValueSeed {
                        tree,
                        depth: self.depth + 1,
                    })?;
                    SCRATCH.with_borrow_mut(|s| s.entries.push((Str::from(key.as_ref()), v)));
                }
                None => map.next_value_seed(Skip {
                    depth: self.depth + 1,
                })?,
            }
        }
        Ok(Value::object(SCRATCH.with_borrow_mut(|s| {
            Object::from_tail(&mut s.entries, start)
        })))
    }
}

/// Where the loader builds lists and objects: their elements pile up here
/// while nested values are built, and each finished container takes its
/// own from the top in one allocation.
#[derive(Default)]
struct Scratch {
    items: Vec<Value>,
    entries: Vec<(Str, Value)>,
}

thread_local! {
    static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::new(Scratch::default());
}

/// On an error part-way through a container, drops what it had piled up.
struct Truncate(usize, bool);

impl Drop for Truncate {
    fn drop(&mut self) {
        let (start, entries) = (self.0, self.1);
        SCRATCH.with_borrow_mut(|s| {
            if entries {
                s.entries.truncate(start);
            } else {
                s.items.truncate(start);
            }
        });
    }
}

/// Skips a value the projection does not keep, checking it as a kept value
/// is checked (UTF-8, finite numbers, unique keys, depth), so whether a
/// snapshot loads never depends on the policy. serde's `IgnoredAny` checks
/// none of these.
struct Skip {
    depth: usize,
}

impl<'de> DeserializeSeed<'de> for Skip {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Skip {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        Ok(())
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        Ok(())
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        Ok(())
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<(), E> {
        if v.is_finite() {
            Ok(())
        } else {
            Err(E::custom("number out of range"))
        }
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        Ok(())
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        check_depth(self.depth)?;
        while seq
            .next_element_seed(Skip {
                depth: self.depth + 1,
            })?
            .is_some()
        {}
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        check_depth(self.depth)?;
        let mut keys = Keys::default();
        while let Some(key) = map.next_key::<KeyStr<'de>>()? {
            keys.insert(&key)?;
            map.next_value_seed(Skip {
                depth: self.depth + 1,
            })?;
        }
        Ok(())
    }
}

/// A top-level value other than `resources`, validated and dropped.
struct Skipped;

impl<'de> de::Deserialize<'de> for Skipped {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Skipped, D::Error> {
        // Inside the top-level object.
        Skip { depth: 2 }.deserialize(d).map(|()| Skipped)
    }
}

#[cfg(test)]
mod tests;
