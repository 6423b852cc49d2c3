//! YAML streams as JSON values, with where each node starts.
//!
//! Built on the event parser of `saphyr-parser` (YAML 1.2, no recursion:
//! its state is an explicit stack), turned into `serde_json` values here
//! without recursion either. Every document of a stream (`---`) is one
//! [`Document`].
//!
//! Scalars:
//!
//! - A quoted or block (`|`, `>`) scalar is always a string.
//! - A plain scalar is read with the YAML 1.2 core schema: `null`, `Null`,
//!   `NULL`, `~` and nothing are null; `true`/`True`/`TRUE` and
//!   `false`/`False`/`FALSE` are booleans; `[-+]?[0-9]+`, `0o[0-7]+` and
//!   `0x[0-9a-fA-F]+` are integers; `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)`
//!   with an optional exponent is a float; anything else is a string
//!   (`yes`, `on`, `0644` is the integer 644, `2024-01-01` a string).
//! - An integer beyond what 64 bits hold (signed or unsigned) becomes the
//!   nearest 64-bit float, as JSON readers do; a float beyond the range of
//!   a 64-bit float is an error, and so are `.nan` and `.inf`: JSON has no
//!   NaN or infinity.
//! - Tags of the core schema are obeyed (`!!str 12` is a string,
//!   `!!int "12"` a number, `!!float 1` the float 1; a value the tag does
//!   not fit is an error), the non-specific tag `!` makes a string, and any
//!   other tag (`!foo`, `!!binary`, `!!timestamp`) is ignored: the node
//!   reads as if it had none, except that `!!binary` and `!!timestamp`
//!   scalars stay strings.
//! - The short forms of CloudFormation's intrinsic functions are the one
//!   exception: a node tagged `!Ref`, `!Condition`, `!And`, `!Base64`,
//!   `!Cidr`, `!Equals`, `!FindInMap`, `!GetAZs`, `!GetAtt`, `!If`,
//!   `!ImportValue`, `!Join`, `!Length`, `!Not`, `!Or`, `!Select`, `!Split`,
//!   `!Sub`, `!ToJsonString` or `!Transform` reads as the long form, a
//!   mapping of one key (`Ref`, `Condition`, else `Fn::` and the name) that
//!   holds the node read without its tag: `!Ref X` is `{"Ref": "X"}`,
//!   `!If [c, a, b]` is `{"Fn::If": ["c", "a", "b"]}`, `!GetAtt A.B` is
//!   `{"Fn::GetAtt": "A.B"}`. So a template reads the same in YAML as in
//!   JSON, and a reference is never mistaken for the string it names. Only
//!   the primary handle `!` counts (`!!Ref` and `!e!Ref` are ignored), and
//!   a tag on a mapping key is ignored as before. The function's mapping
//!   counts as a level of nesting.
//!
//! Because Kubernetes reads YAML with go-yaml v2, which resolves plain
//! scalars with YAML 1.1's rules (`yes`/`no`/`on`/`off`/`y`/`n` are
//! booleans, `0644` is octal 420, `1_000` is 1000, `0b101` is 5), a
//! document where any plain scalar value reads differently under those
//! rules also carries that reading in [`Document::yaml11`] (see
//! [`Schema::Yaml11`]).
//!
//! Mappings:
//!
//! - Keys are strings, read with the core schema. A key that resolves to
//!   an integer is written in decimal (`80: x` and `0x50: x` are the key
//!   `"80"`), a boolean or null as JSON writes it (`True: x` is `"true"`,
//!   `~: x` is `"null"`), and a float as written (`1.50: x` is `"1.50"`);
//!   a mapping or a list as a key is an error.
//! - A key may appear once in a mapping; a second one is an error naming
//!   the key.
//! - The merge key `<<` (plain, or tagged `!!merge`) of YAML 1.1, which
//!   kubectl and most YAML tools support, merges a mapping or a list of
//!   mappings into its mapping: keys written in the mapping win, and among
//!   merged mappings the earlier wins.
//!
//! Limits, each an error with the file, line and column:
//!
//! - Lists and mappings nest at most [`MAX_DEPTH`] deep (the top-level
//!   node is depth 1), as in JSON sources and plumb snapshots.
//! - Anchors and aliases: every alias copies its anchor's node, so a small
//!   file can stand for an enormous document (the "billion laughs"). The
//!   copies a document makes may add up to at most [`MAX_ALIAS_NODES`]
//!   nodes and [`MAX_ALIAS_BYTES`] bytes of text. An anchored node counts
//!   once when it is anchored and once for each alias. An alias must come
//!   after its anchor's node is complete (an alias inside its own anchor
//!   is an error), and anchors do not cross documents.
//!
//! Text: UTF-8 (a byte-order mark is skipped), or UTF-16 with a byte-order
//! mark. Invalid UTF-8 is an error with the byte offset, line and column.
//! Lines are 1-based; columns are 1-based and count characters.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

use saphyr_parser::{Event, Marker, Parser, ScalarStyle, Tag};
use serde_json::{Map, Number, Value as Json};

use crate::ImportError;

/// Deepest nesting of lists and mappings in a document.
pub const MAX_DEPTH: usize = 128;
/// Most nodes the aliases of one document may copy.
pub const MAX_ALIAS_NODES: usize = 1_000_000;
/// Most bytes of text (keys and scalars) the aliases of one document may copy.
pub const MAX_ALIAS_BYTES: usize = 64 << 20;
/// Nodes this many levels below the top (and the top) have their
/// positions recorded: `/metadata`, `/items/3`.
const POSITION_DEPTH: usize = 2;

/// How plain scalars are resolved to types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Schema {
    /// The YAML 1.2 core schema.
    Core,
    /// YAML 1.1 as go-yaml v2 reads it, which is what kubectl and the
    /// Kubernetes API server's YAML decoder (`sigs.k8s.io/yaml`) use:
    /// booleans `y`, `Y`, `yes`, `Yes`, `YES`, `on`, `On`, `ON` (true) and
    /// `n`, `N`, `no`, `No`, `NO`, `off`, `Off`, `OFF` (false) besides
    /// `true`/`false`; integers with underscores (`1_000`), a sign before
    /// any base, `0b` binary, and octal written with a leading zero
    /// (`0644`) as well as `0o`. Timestamps stay strings.
    Yaml11,
}

/// Where a node starts: 1-based line and column (in characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

/// One YAML document of a file.
#[derive(Debug, Clone)]
pub struct Document {
    /// The document read with the YAML 1.2 core schema.
    pub value: serde_json::Value,
    /// 1-based line of the document's first node.
    pub line: usize,
    /// 1-based column of the document's first node.
    pub column: usize,
    /// The document read with [`Schema::Yaml11`], when that differs from
    /// `value` (a plain scalar such as `0644` or `yes` in a value; keys
    /// are read the same way in both).
    pub yaml11: Option<serde_json::Value>,
    /// Positions of the top node's children and grandchildren, by JSON
    /// pointer.
    positions: BTreeMap<String, Position>,
    /// Whether a plain scalar value reads differently under YAML 1.1.
    differs: bool,
}

impl Document {
    /// Where the node at a JSON pointer (RFC 6901) starts, for the
    /// document itself (`""`), its children (`/metadata`) and its
    /// grandchildren (`/items/3`). Keys that came from a merge (`<<`) have
    /// no position.
    pub fn position(&self, pointer: &str) -> Option<Position> {
        if pointer.is_empty() {
            return Some(Position {
                line: self.line,
                column: self.column,
            });
        }
        self.positions.get(pointer).copied()
    }

    /// The document as read with `schema`.
    pub fn value_in(&self, schema: Schema) -> &serde_json::Value {
        match (schema, &self.yaml11) {
            (Schema::Yaml11, Some(v)) => v,
            _ => &self.value,
        }
    }
}

/// Every document of a YAML stream, read with the core schema (and with
/// YAML 1.1 where that differs; see [`Document::yaml11`]).
pub fn parse_documents(file: &Path, bytes: &[u8]) -> Result<Vec<Document>, ImportError> {
    let text = decode(file, bytes)?;
    let mut docs = parse_guarded(file, &text, Schema::Core)?;
    if docs.iter().any(|d| d.differs) {
        let again = parse_guarded(file, &text, Schema::Yaml11)?;
        for (doc, other) in docs.iter_mut().zip(again) {
            if doc.differs {
                doc.yaml11 = Some(other.value);
            }
        }
    }
    Ok(docs)
}

/// Every document of a YAML stream, read with one schema.
pub fn parse_documents_with(
    file: &Path,
    bytes: &[u8],
    schema: Schema,
) -> Result<Vec<Document>, ImportError> {
    let text = decode(file, bytes)?;
    parse_guarded(file, &text, schema)
}

/// The parser is a dependency: should it ever panic on some input, that
/// is an error for this file, not a crash.
fn parse_guarded(file: &Path, text: &str, schema: Schema) -> Result<Vec<Document>, ImportError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        parse_str(file, text, schema)
    }))
    .unwrap_or_else(|_| {
        Err(ImportError::at(
            file,
            "the YAML parser failed on this file (an internal error; please report it)",
        ))
    })
}

fn error(file: &Path, line: usize, column: usize, message: impl Into<String>) -> ImportError {
    ImportError {
        kind: crate::ImportErrorKind::Invalid,
        file: file.to_path_buf(),
        line,
        column,
        message: message.into(),
    }
}

fn error_at(file: &Path, m: Marker, message: impl Into<String>) -> ImportError {
    error(file, m.line().max(1), m.col() + 1, message)
}

/// The line and column (1-based, in characters) of a byte offset of `text`.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset).unwrap_or(text);
    let line = before.bytes().filter(|&b| b == b'\n').count() + 1;
    let start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before.get(start..).map_or(0, |s| s.chars().count()) + 1;
    (line, column)
}

/// The text of a file: UTF-8 (a byte-order mark skipped) or UTF-16 with a
/// byte-order mark.
fn decode<'a>(file: &Path, bytes: &'a [u8]) -> Result<Cow<'a, str>, ImportError> {
    match bytes {
        [0, 0, 0xFE, 0xFF, ..] | [0xFF, 0xFE, 0, 0, ..] => {
            return Err(ImportError::at(
                file,
                "the file is UTF-32, which plumb does not read: save it as UTF-8",
            ));
        }
        [0xFE, 0xFF, rest @ ..] => return decode_utf16(file, rest, u16::from_be_bytes),
        [0xFF, 0xFE, rest @ ..] => return decode_utf16(file, rest, u16::from_le_bytes),
        [0, _, ..] | [_, 0, ..] => {
            return Err(ImportError::at(
                file,
                "the file starts with a NUL byte: it looks like UTF-16 or UTF-32 without a byte-order mark; save it as UTF-8",
            ));
        }
        _ => {}
    }
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let skipped = bytes.len() - body.len();
    match std::str::from_utf8(body) {
        Ok(s) => Ok(Cow::Borrowed(s)),
        Err(e) => {
            let valid = body.get(..e.valid_up_to()).unwrap_or_default();
            let prefix = std::str::from_utf8(valid).unwrap_or_default();
            let (line, column) = line_col(prefix, prefix.len());
            Err(error(
                file,
                line,
                column,
                format!(
                    "invalid UTF-8 at byte offset {}: YAML files must be UTF-8",
                    e.valid_up_to() + skipped
                ),
            ))
        }
    }
}

fn decode_utf16(
    file: &Path,
    bytes: &[u8],
    unit: fn([u8; 2]) -> u16,
) -> Result<Cow<'static, str>, ImportError> {
    let units = bytes.chunks_exact(2).map(|c| match c {
        [a, b] => unit([*a, *b]),
        _ => 0,
    });
    let mut out = String::with_capacity(bytes.len() / 2);
    for (i, c) in char::decode_utf16(units).enumerate() {
        match c {
            Ok(c) => out.push(c),
            Err(_) => {
                let (line, column) = line_col(&out, out.len());
                return Err(error(
                    file,
                    line,
                    column,
                    format!(
                        "invalid UTF-16 (an unpaired surrogate) at byte offset {}",
                        2 + 2 * i
                    ),
                ));
            }
        }
    }
    if bytes.len() % 2 == 1 {
        let (line, column) = line_col(&out, out.len());
        return Err(error(
            file,
            line,
            column,
            "the file ends in the middle of a UTF-16 character",
        ));
    }
    Ok(Cow::Owned(out))
}

/// A node's anchor, once the node is complete.
struct Anchored {
    value: Json,
    nodes: usize,
    bytes: usize,
}

/// What a mapping waits for.
enum Pending {
    Key,
    Value(String),
    /// The value of `<<`.
    Merge(Marker),
}

enum Frame {
    Seq {
        items: Vec<Json>,
        start: Marker,
        anchor: usize,
        nodes0: usize,
        bytes0: usize,
        /// The CloudFormation function whose short form tags the list.
        function: Option<&'static str>,
    },
    Map {
        map: Map<String, Json>,
        pending: Pending,
        merge: Option<(Json, Marker)>,
        start: Marker,
        anchor: usize,
        nodes0: usize,
        bytes0: usize,
        function: Option<&'static str>,
    },
}

impl Frame {
    fn function(&self) -> Option<&'static str> {
        match self {
            Frame::Seq { function, .. } | Frame::Map { function, .. } => *function,
        }
    }
}

struct Builder<'f> {
    file: &'f Path,
    schema: Schema,
    stack: Vec<Frame>,
    anchors: HashMap<usize, Anchored>,
    /// Anchors of lists and mappings begun in this document.
    begun: HashSet<usize>,
    /// Nodes and bytes of text in this document so far, copies included.
    nodes: usize,
    bytes: usize,
    /// What anchors and aliases have copied in this document.
    copied_nodes: usize,
    copied_bytes: usize,
    positions: BTreeMap<String, Position>,
    differs: bool,
    /// Open lists and mappings tagged with a CloudFormation function, each
    /// of which adds a level of nesting (the function's mapping).
    wrapped: usize,
    root: Option<(Json, Marker)>,
    start: Marker,
    docs: Vec<Document>,
}

fn parse_str(file: &Path, text: &str, schema: Schema) -> Result<Vec<Document>, ImportError> {
    let mut b = Builder {
        file,
        schema,
        stack: Vec::new(),
        anchors: HashMap::new(),
        begun: HashSet::new(),
        nodes: 0,
        bytes: 0,
        copied_nodes: 0,
        copied_bytes: 0,
        positions: BTreeMap::new(),
        differs: false,
        wrapped: 0,
        root: None,
        start: Marker::new(0, 1, 0),
        docs: Vec::new(),
    };
    for event in Parser::new_from_str(text) {
        let (event, span) = event.map_err(|e| {
            let message = match e.info() {
                // The scanner's own limit of flow nesting (255), which it
                // can reach before the parser emits the events that reach
                // ours: it reads a flow collection ahead, as it may be a key.
                "recursion limit exceeded" => {
                    format!("lists and mappings are nested more than {MAX_DEPTH} deep")
                }
                info => format!("invalid YAML: {info}"),
            };
            error_at(file, *e.marker(), message)
        })?;
        b.event(event, span.start)?;
    }
    Ok(b.docs)
}

impl Builder<'_> {
    fn event(&mut self, event: Event<'_>, at: Marker) -> Result<(), ImportError> {
        match event {
            Event::Nothing | Event::StreamStart | Event::StreamEnd => Ok(()),
            Event::DocumentStart(_) => {
                self.stack.clear();
                self.anchors.clear();
                self.begun.clear();
                self.nodes = 0;
                self.bytes = 0;
                self.copied_nodes = 0;
                self.copied_bytes = 0;
                self.positions = BTreeMap::new();
                self.differs = false;
                self.wrapped = 0;
                self.root = None;
                self.start = at;
                Ok(())
            }
            Event::DocumentEnd => {
                let (value, m) = self.root.take().unwrap_or((Json::Null, self.start));
                self.anchors.clear();
                self.docs.push(Document {
                    value,
                    line: m.line().max(1),
                    column: m.col() + 1,
                    yaml11: None,
                    positions: std::mem::take(&mut self.positions),
                    differs: self.differs,
                });
                Ok(())
            }
            Event::Alias(id) => self.alias(id, at),
            Event::Scalar(text, style, anchor, tag) => {
                self.scalar(&text, style, anchor, tag.as_deref(), at)
            }
            Event::SequenceStart(anchor, tag) => {
                let function = cfn_function(tag.as_deref());
                self.open(at, "a list", function.is_some())?;
                self.begun.insert(anchor);
                self.wrapped += usize::from(function.is_some());
                self.stack.push(Frame::Seq {
                    items: Vec::new(),
                    start: at,
                    anchor,
                    nodes0: self.nodes,
                    bytes0: self.bytes,
                    function,
                });
                self.nodes += 1;
                Ok(())
            }
            Event::MappingStart(anchor, tag) => {
                let function = cfn_function(tag.as_deref());
                self.open(at, "a mapping", function.is_some())?;
                self.begun.insert(anchor);
                self.wrapped += usize::from(function.is_some());
                self.stack.push(Frame::Map {
                    map: Map::new(),
                    pending: Pending::Key,
                    merge: None,
                    start: at,
                    anchor,
                    nodes0: self.nodes,
                    bytes0: self.bytes,
                    function,
                });
                self.nodes += 1;
                Ok(())
            }
            Event::SequenceEnd => match self.stack.pop() {
                Some(Frame::Seq {
                    items,
                    start,
                    anchor,
                    nodes0,
                    bytes0,
                    function,
                }) => {
                    self.wrapped -= usize::from(function.is_some());
                    let value = wrap(Json::Array(items), function);
                    self.complete(value, start, anchor, nodes0, bytes0)
                }
                _ => Err(error_at(
                    self.file,
                    at,
                    "invalid YAML: unexpected end of a list",
                )),
            },
            Event::MappingEnd => match self.stack.pop() {
                Some(Frame::Map {
                    mut map,
                    merge,
                    start,
                    anchor,
                    nodes0,
                    bytes0,
                    function,
                    ..
                }) => {
                    self.wrapped -= usize::from(function.is_some());
                    if let Some((sources, m)) = merge {
                        self.merge(&mut map, sources, m)?;
                    }
                    let value = wrap(Json::Object(map), function);
                    self.complete(value, start, anchor, nodes0, bytes0)
                }
                _ => Err(error_at(
                    self.file,
                    at,
                    "invalid YAML: unexpected end of a mapping",
                )),
            },
        }
    }

    /// A list or mapping starts: not as a key, and not too deep (a
    /// function's tag adds a level).
    fn open(&self, at: Marker, what: &str, tagged: bool) -> Result<(), ImportError> {
        if self.awaits_key() {
            return Err(error_at(
                self.file,
                at,
                format!(
                    "{what} cannot be a mapping key: keys must be strings, numbers, booleans or null"
                ),
            ));
        }
        self.depth_allows(self.stack.len() + 1 + usize::from(tagged), at)
    }

    /// Whether a list or mapping at `depth` (the top node is 1, and each
    /// function's mapping counts) is allowed.
    fn depth_allows(&self, depth: usize, at: Marker) -> Result<(), ImportError> {
        if depth + self.wrapped > MAX_DEPTH {
            return Err(error_at(
                self.file,
                at,
                format!("lists and mappings are nested more than {MAX_DEPTH} deep"),
            ));
        }
        Ok(())
    }

    fn awaits_key(&self) -> bool {
        matches!(
            self.stack.last(),
            Some(Frame::Map {
                pending: Pending::Key,
                ..
            })
        )
    }

    /// Counts a copy against the alias budget.
    fn charge(&mut self, nodes: usize, bytes: usize, at: Marker) -> Result<(), ImportError> {
        self.copied_nodes = self.copied_nodes.saturating_add(nodes);
        self.copied_bytes = self.copied_bytes.saturating_add(bytes);
        if self.copied_nodes > MAX_ALIAS_NODES {
            return Err(error_at(
                self.file,
                at,
                format!(
                    "alias expansion exceeds {MAX_ALIAS_NODES} nodes: the aliases of this document copy more than that (an alias bomb?)"
                ),
            ));
        }
        if self.copied_bytes > MAX_ALIAS_BYTES {
            return Err(error_at(
                self.file,
                at,
                format!(
                    "alias expansion exceeds {MAX_ALIAS_BYTES} bytes: the aliases of this document copy more text than that (an alias bomb?)"
                ),
            ));
        }
        Ok(())
    }

    fn alias(&mut self, id: usize, at: Marker) -> Result<(), ImportError> {
        let Some(a) = self.anchors.get(&id) else {
            let message = if self.begun.contains(&id) {
                "this alias is inside the node of its own anchor: a node cannot contain itself"
            } else {
                "this alias refers to an anchor of an earlier document: anchors do not carry across documents (`---`)"
            };
            return Err(error_at(self.file, at, message));
        };
        let (nodes, bytes) = (a.nodes, a.bytes);
        self.charge(nodes, bytes, at)?;
        let value = self
            .anchors
            .get(&id)
            .map_or(Json::Null, |a| a.value.clone());
        self.nodes = self.nodes.saturating_add(nodes);
        self.bytes = self.bytes.saturating_add(bytes);
        if self.awaits_key() {
            let key = match &value {
                Json::String(s) => s.clone(),
                Json::Null | Json::Bool(_) | Json::Number(_) => value.to_string(),
                Json::Array(_) | Json::Object(_) => {
                    return Err(error_at(
                        self.file,
                        at,
                        "this alias names a list or a mapping, which cannot be a mapping key",
                    ));
                }
            };
            return self.key(key, false, at);
        }
        self.attach(value, at)
    }

    fn scalar(
        &mut self,
        text: &str,
        style: ScalarStyle,
        anchor: usize,
        tag: Option<&Tag>,
        at: Marker,
    ) -> Result<(), ImportError> {
        let nodes0 = self.nodes;
        let bytes0 = self.bytes;
        self.nodes += 1;
        self.bytes = self.bytes.saturating_add(text.len());
        let function = cfn_function(tag);
        let tag = tag_kind(tag);
        let plain = style == ScalarStyle::Plain;
        if self.awaits_key() {
            let merge = text == "<<" && ((plain && tag == TagKind::None) || tag == TagKind::Merge);
            let key = if merge {
                "<<".to_string()
            } else {
                match resolve(text, plain, tag, Schema::Core) {
                    Ok(Json::String(s)) => s,
                    // Integers in decimal (`0x10` is "16"), as YAML-to-JSON
                    // converters write them.
                    Ok(Json::Number(n)) if n.is_i64() || n.is_u64() => n.to_string(),
                    Ok(v @ (Json::Null | Json::Bool(_))) => v.to_string(),
                    // A float (`1.50`, `1e3`), `.nan`, `1e999`: as written.
                    _ => text.to_string(),
                }
            };
            if anchor != 0 {
                self.charge(1, text.len(), at)?;
                self.anchors.insert(
                    anchor,
                    Anchored {
                        value: Json::String(key.clone()),
                        nodes: 1,
                        bytes: text.len(),
                    },
                );
            }
            return self.key(key, merge, at);
        }
        let value = resolve(text, plain, tag, self.schema)
            .map_err(|e| error_at(self.file, at, e.message(text)))?;
        if plain
            && tag == TagKind::None
            && self.schema == Schema::Core
            && !self.differs
            && text.starts_with(|c: char| c.is_ascii_digit() || "+-.yYnNoO".contains(c))
        {
            self.differs = match resolve_plain(text, Schema::Yaml11) {
                Ok(other) => other != value && !same_number(&value, &other),
                Err(_) => false,
            };
        }
        if function.is_some() {
            self.depth_allows(self.stack.len() + 1, at)?;
        }
        self.complete(wrap(value, function), at, anchor, nodes0, bytes0)
    }

    /// A key was read.
    fn key(&mut self, key: String, merge: bool, at: Marker) -> Result<(), ImportError> {
        if let Some(Frame::Map {
            map,
            pending,
            merge: merged,
            ..
        }) = self.stack.last_mut()
        {
            if merge {
                if merged.is_some() {
                    return Err(error_at(
                        self.file,
                        at,
                        "duplicate key \"<<\": a mapping may have one merge key (give it a list of mappings to merge several)",
                    ));
                }
                *pending = Pending::Merge(at);
            } else {
                if map.contains_key(&key) {
                    return Err(error_at(
                        self.file,
                        at,
                        format!(
                            "duplicate key {} in a mapping: each key may appear once",
                            shown(&key)
                        ),
                    ));
                }
                *pending = Pending::Value(key);
            }
        }
        Ok(())
    }

    /// A node is complete: anchor it, then hand it to its parent.
    fn complete(
        &mut self,
        value: Json,
        start: Marker,
        anchor: usize,
        nodes0: usize,
        bytes0: usize,
    ) -> Result<(), ImportError> {
        if anchor != 0 {
            let nodes = self.nodes - nodes0;
            let bytes = self.bytes - bytes0;
            self.charge(nodes, bytes, start)?;
            self.anchors.insert(
                anchor,
                Anchored {
                    value: value.clone(),
                    nodes,
                    bytes,
                },
            );
        }
        self.attach(value, start)
    }

    fn attach(&mut self, value: Json, start: Marker) -> Result<(), ImportError> {
        if self.stack.len() <= POSITION_DEPTH && !self.stack.is_empty() {
            self.record(start);
        }
        match self.stack.last_mut() {
            None => {
                self.root = Some((value, start));
                Ok(())
            }
            Some(Frame::Seq { items, .. }) => {
                items.push(value);
                Ok(())
            }
            Some(Frame::Map {
                map,
                pending,
                merge,
                ..
            }) => {
                match std::mem::replace(pending, Pending::Key) {
                    Pending::Value(key) => {
                        map.insert(key, value);
                    }
                    Pending::Merge(m) => *merge = Some((value, m)),
                    // Keys never come here (see `scalar` and `alias`).
                    Pending::Key => {}
                }
                Ok(())
            }
        }
    }

    /// Records where the node being attached starts, by its pointer.
    fn record(&mut self, start: Marker) {
        let mut pointer = String::new();
        for frame in &self.stack {
            // A function's node is inside its mapping.
            if let Some(key) = frame.function() {
                pointer.push('/');
                pointer.push_str(key);
            }
            pointer.push('/');
            match frame {
                Frame::Seq { items, .. } => pointer.push_str(&items.len().to_string()),
                Frame::Map {
                    pending: Pending::Value(key),
                    ..
                } => pointer.push_str(&key.replace('~', "~0").replace('/', "~1")),
                Frame::Map { .. } => return,
            }
        }
        self.positions.insert(
            pointer,
            Position {
                line: start.line().max(1),
                column: start.col() + 1,
            },
        );
    }

    /// Applies a merge key's value to its mapping: keys already there win,
    /// and among several merged mappings the earlier wins.
    fn merge(
        &self,
        map: &mut Map<String, Json>,
        sources: Json,
        at: Marker,
    ) -> Result<(), ImportError> {
        let bad = || {
            error_at(
                self.file,
                at,
                "the value of the merge key \"<<\" must be a mapping or a list of mappings",
            )
        };
        let sources = match sources {
            Json::Object(o) => vec![o],
            Json::Array(list) => list
                .into_iter()
                .map(|v| match v {
                    Json::Object(o) => Ok(o),
                    _ => Err(bad()),
                })
                .collect::<Result<Vec<_>, _>>()?,
            _ => return Err(bad()),
        };
        for source in sources {
            for (k, v) in source {
                map.entry(k).or_insert(v);
            }
        }
        Ok(())
    }
}

/// A key as an error message shows it: JSON-quoted, cut when long.
fn shown(key: &str) -> String {
    let cut: String = key.chars().take(80).collect();
    let mut s = Json::String(cut.clone()).to_string();
    if cut.len() < key.len() {
        s.push_str("...");
    }
    s
}

fn same_number(a: &Json, b: &Json) -> bool {
    match (a, b) {
        (Json::Number(x), Json::Number(y)) => x.as_f64() == y.as_f64(),
        _ => false,
    }
}

/// The key of the CloudFormation function whose short form `tag` is
/// (`!Ref` → `Ref`, `!GetAtt` → `Fn::GetAtt`), if it is one.
fn cfn_function(tag: Option<&Tag>) -> Option<&'static str> {
    let tag = tag?;
    if tag.handle != "!" {
        return None;
    }
    Some(match tag.suffix.as_str() {
        "Ref" => "Ref",
        "Condition" => "Condition",
        "And" => "Fn::And",
        "Base64" => "Fn::Base64",
        "Cidr" => "Fn::Cidr",
        "Equals" => "Fn::Equals",
        "FindInMap" => "Fn::FindInMap",
        "GetAZs" => "Fn::GetAZs",
        "GetAtt" => "Fn::GetAtt",
        "If" => "Fn::If",
        "ImportValue" => "Fn::ImportValue",
        "Join" => "Fn::Join",
        "Length" => "Fn::Length",
        "Not" => "Fn::Not",
        "Or" => "Fn::Or",
        "Select" => "Fn::Select",
        "Split" => "Fn::Split",
        "Sub" => "Fn::Sub",
        "ToJsonString" => "Fn::ToJsonString",
        "Transform" => "Fn::Transform",
        _ => return None,
    })
}

/// A node as the long form of the function its tag names, if any.
fn wrap(value: Json, function: Option<&'static str>) -> Json {
    match function {
        Some(key) => {
            let mut m = Map::new();
            m.insert(key.to_string(), value);
            Json::Object(m)
        }
        None => value,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TagKind {
    /// No tag, or one plumb ignores.
    None,
    /// `!`: a string.
    NonSpecific,
    Str,
    Null,
    Bool,
    Int,
    Float,
    Merge,
    /// `!!binary`, `!!timestamp`: kept as the text.
    Text,
}

fn tag_kind(tag: Option<&Tag>) -> TagKind {
    const CORE: &str = "tag:yaml.org,2002:";
    let Some(tag) = tag else {
        return TagKind::None;
    };
    let suffix = if tag.handle == CORE {
        tag.suffix.as_str()
    } else if tag.handle.is_empty() {
        if tag.suffix == "!" {
            return TagKind::NonSpecific;
        }
        match tag.suffix.strip_prefix(CORE) {
            Some(s) => s,
            None => return TagKind::None,
        }
    } else {
        return TagKind::None;
    };
    match suffix {
        "str" => TagKind::Str,
        "null" => TagKind::Null,
        "bool" => TagKind::Bool,
        "int" => TagKind::Int,
        "float" => TagKind::Float,
        "merge" => TagKind::Merge,
        "binary" | "timestamp" => TagKind::Text,
        _ => TagKind::None,
    }
}

/// Why a scalar has no JSON value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ScalarError {
    /// `.nan`, `.inf`.
    NotFinite,
    /// `1e999`.
    OutOfRange,
    /// The tag does not fit the text (`!!int abc`).
    Tag(&'static str),
}

impl ScalarError {
    fn message(self, text: &str) -> String {
        let text = shown(text);
        match self {
            ScalarError::NotFinite => format!(
                "{text} is not a number JSON can hold: NaN and infinities cannot be imported"
            ),
            ScalarError::OutOfRange => {
                format!("the number {text} is out of the range of a 64-bit float")
            }
            ScalarError::Tag(tag) => format!("{text} is not a valid {tag}"),
        }
    }
}

fn resolve(text: &str, plain: bool, tag: TagKind, schema: Schema) -> Result<Json, ScalarError> {
    let typed = || resolve_plain(text, schema);
    match tag {
        TagKind::Str | TagKind::NonSpecific | TagKind::Text | TagKind::Merge => {
            Ok(Json::String(text.to_string()))
        }
        TagKind::None if plain => typed(),
        TagKind::None => Ok(Json::String(text.to_string())),
        TagKind::Null => match typed() {
            Ok(Json::Null) => Ok(Json::Null),
            _ => Err(ScalarError::Tag("!!null")),
        },
        TagKind::Bool => match typed() {
            Ok(b @ Json::Bool(_)) => Ok(b),
            _ => Err(ScalarError::Tag("!!bool")),
        },
        // Integers too large for 64 bits are floats, and stay integers.
        TagKind::Int => match typed() {
            Ok(Json::Number(n)) if n.as_f64().is_some_and(|f| f.fract() == 0.0) => {
                Ok(Json::Number(n))
            }
            Err(e @ ScalarError::OutOfRange) => Err(e),
            _ => Err(ScalarError::Tag("!!int")),
        },
        TagKind::Float => match typed() {
            Ok(Json::Number(n)) => n
                .as_f64()
                .and_then(Number::from_f64)
                .map(Json::Number)
                .ok_or(ScalarError::OutOfRange),
            Err(e @ (ScalarError::NotFinite | ScalarError::OutOfRange)) => Err(e),
            _ => Err(ScalarError::Tag("!!float")),
        },
    }
}

/// A plain scalar's value.
fn resolve_plain(text: &str, schema: Schema) -> Result<Json, ScalarError> {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Ok(Json::Null),
        "true" | "True" | "TRUE" => return Ok(Json::Bool(true)),
        "false" | "False" | "FALSE" => return Ok(Json::Bool(false)),
        ".nan" | ".NaN" | ".NAN" | ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF"
        | "-.inf" | "-.Inf" | "-.INF" => return Err(ScalarError::NotFinite),
        _ => {}
    }
    match schema {
        Schema::Core => Ok(core_number(text)?.unwrap_or_else(|| Json::String(text.to_string()))),
        Schema::Yaml11 => {
            match text {
                "y" | "Y" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" => {
                    return Ok(Json::Bool(true));
                }
                "n" | "N" | "no" | "No" | "NO" | "off" | "Off" | "OFF" => {
                    return Ok(Json::Bool(false));
                }
                _ => {}
            }
            Ok(yaml11_number(text)?.unwrap_or_else(|| Json::String(text.to_string())))
        }
    }
}

/// `[0-9]+` (at least one digit, nothing else) in `radix`.
fn all_digits(s: &str, radix: u32) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_digit(radix))
}

/// An unsigned integer in `radix`, as u64 when it fits, else as the
/// nearest float.
fn unsigned(digits: &str, radix: u32, negative: bool) -> Result<Json, ScalarError> {
    if let Ok(n) = u64::from_str_radix(digits, radix) {
        if !negative {
            return Ok(Json::Number(Number::from(n)));
        }
        if let Ok(i) = i64::try_from(n) {
            return Ok(Json::Number(Number::from(-i)));
        }
        if n == i64::MIN.unsigned_abs() {
            return Ok(Json::Number(Number::from(i64::MIN)));
        }
    }
    // Too large for 64 bits: the nearest float.
    #[allow(clippy::cast_precision_loss, reason = "the nearest float is the point")]
    let mut f = if radix == 10 {
        digits.parse::<f64>().unwrap_or(f64::INFINITY)
    } else if let Ok(n) = u128::from_str_radix(digits, radix) {
        n as f64
    } else {
        let mut f = 0.0f64;
        for c in digits.chars() {
            f = f * f64::from(radix) + f64::from(c.to_digit(radix).unwrap_or(0));
        }
        f
    };
    if negative {
        f = -f;
    }
    float(f)
}

fn float(f: f64) -> Result<Json, ScalarError> {
    if f.is_finite() {
        Number::from_f64(f)
            .map(Json::Number)
            .ok_or(ScalarError::OutOfRange)
    } else {
        Err(ScalarError::OutOfRange)
    }
}

/// `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`
fn is_float(s: &str) -> bool {
    let s = s.strip_prefix(['-', '+']).unwrap_or(s);
    let (mantissa, exponent) = match s.find(['e', 'E']) {
        Some(i) => (s.get(..i).unwrap_or(""), s.get(i + 1..)),
        None => (s, None),
    };
    let mantissa_ok = match mantissa.split_once('.') {
        Some(("", frac)) => all_digits(frac, 10),
        Some((int, frac)) => all_digits(int, 10) && (frac.is_empty() || all_digits(frac, 10)),
        None => all_digits(mantissa, 10),
    };
    let exponent_ok =
        exponent.is_none_or(|e| all_digits(e.strip_prefix(['-', '+']).unwrap_or(e), 10));
    mantissa_ok && exponent_ok
}

fn parse_float(s: &str) -> Result<Json, ScalarError> {
    s.parse::<f64>()
        .map_err(|_| ScalarError::OutOfRange)
        .and_then(float)
}

/// A number of the YAML 1.2 core schema, or `None` for a string.
fn core_number(text: &str) -> Result<Option<Json>, ScalarError> {
    if let Some(hex) = text.strip_prefix("0x") {
        return if all_digits(hex, 16) {
            unsigned(hex, 16, false).map(Some)
        } else {
            Ok(None)
        };
    }
    if let Some(oct) = text.strip_prefix("0o") {
        return if all_digits(oct, 8) {
            unsigned(oct, 8, false).map(Some)
        } else {
            Ok(None)
        };
    }
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    if all_digits(digits, 10) {
        return unsigned(digits, 10, negative).map(Some);
    }
    if is_float(text) {
        return parse_float(text).map(Some);
    }
    Ok(None)
}

/// A number as go-yaml v2 reads a plain scalar (YAML 1.1), or `None`.
fn yaml11_number(text: &str) -> Result<Option<Json>, ScalarError> {
    if text.starts_with('.') {
        return if is_float(text) {
            parse_float(text).map(Some)
        } else {
            Ok(None)
        };
    }
    if !text.starts_with(|c: char| c.is_ascii_digit() || c == '-' || c == '+') {
        return Ok(None);
    }
    let plain: String = text.chars().filter(|&c| c != '_').collect();
    // Go's ParseInt with base 0: a sign, then 0x, 0b, 0o, 0 (octal) or
    // decimal; it has to fit 64 bits (ParseUint, without a sign, may use
    // all 64).
    let (negative, body) = match plain.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, plain.strip_prefix('+').unwrap_or(&plain)),
    };
    let lower = body.to_ascii_lowercase();
    let (digits, radix) = if let Some(d) = lower.strip_prefix("0x") {
        (d, 16)
    } else if let Some(d) = lower.strip_prefix("0b") {
        (d, 2)
    } else if let Some(d) = lower.strip_prefix("0o") {
        (d, 8)
    } else if lower.len() > 1
        && let Some(d) = lower.strip_prefix('0')
    {
        (d, 8)
    } else {
        (lower.as_str(), 10)
    };
    if all_digits(digits, radix)
        && let Ok(n) = u64::from_str_radix(digits, radix)
    {
        let fits = if negative {
            n <= i64::MIN.unsigned_abs()
        } else {
            // ParseUint reads no sign: `+` and a value beyond i64 fail.
            i64::try_from(n).is_ok() || !plain.starts_with('+')
        };
        if fits {
            return unsigned(digits, radix, negative).map(Some);
        }
    }
    // A float beyond 64 bits is a string to go-yaml.
    if is_float(&plain) {
        return Ok(parse_float(&plain).ok());
    }
    Ok(None)
}

#[cfg(test)]
#[allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests"
)]
mod tests {
    use super::*;
    use serde_json::json;

    fn docs(s: &str) -> Vec<Document> {
        parse_documents(Path::new("t.yaml"), s.as_bytes()).unwrap()
    }

    fn one(s: &str) -> Json {
        let d = docs(s);
        assert_eq!(d.len(), 1, "{s}");
        d.into_iter().next().unwrap().value
    }

    fn err(s: &[u8]) -> ImportError {
        parse_documents(Path::new("t.yaml"), s).unwrap_err()
    }

    #[test]
    fn block_and_flow() {
        assert_eq!(
            one("a: 1\nb:\n  - x\n  - {c: [1, 2], d: \"q\"}\n"),
            json!({"a": 1, "b": ["x", {"c": [1, 2], "d": "q"}]})
        );
        assert_eq!(one("[1, {a: b}, [], {}]"), json!([1, {"a": "b"}, [], {}]));
        assert_eq!(one("{\"a\": [true, null]}"), json!({"a": [true, null]}));
    }

    #[test]
    fn multi_document_streams() {
        let d = docs("# c\n---\na: 1\n---\n---\nb: 2\n...\n--- [3]\n");
        let values: Vec<Json> = d.iter().map(|d| d.value.clone()).collect();
        assert_eq!(
            values,
            vec![json!({"a": 1}), Json::Null, json!({"b": 2}), json!([3])]
        );
        assert_eq!(d[0].line, 3);
        assert_eq!(d[2].line, 6);
        assert!(docs("").is_empty());
        assert!(docs("# only a comment\n").is_empty());
    }

    #[test]
    fn block_scalars() {
        assert_eq!(
            one("a: |\n  x\n  y\nb: >-\n  p\n  q\nc: |+\n  k\n\n"),
            json!({"a": "x\ny\n", "b": "p q", "c": "k\n\n"})
        );
        assert_eq!(one("a: |\n  123\n"), json!({"a": "123\n"}));
        assert_eq!(one("a:\nb: ''\n"), json!({"a": null, "b": ""}));
    }

    #[test]
    fn core_schema_scalars() {
        let v = one(
            "[~, null, Null, NULL, true, True, FALSE, yes, no, on, off, y, 0, -12, +7, 0x1F, 0o17, 0644, 1.5, -.5, 1e3, 2., 1_000, 0b1, 2024-01-01, 'true', \"1\", 0x, 0o8, 1.2.3, -0x1]",
        );
        assert_eq!(
            v,
            json!([
                null,
                null,
                null,
                null,
                true,
                true,
                false,
                "yes",
                "no",
                "on",
                "off",
                "y",
                0,
                -12,
                7,
                31,
                15,
                644,
                1.5,
                -0.5,
                1000.0,
                2.0,
                "1_000",
                "0b1",
                "2024-01-01",
                "true",
                "1",
                "0x",
                "0o8",
                "1.2.3",
                "-0x1"
            ])
        );
    }

    #[test]
    fn big_integers_become_floats() {
        assert_eq!(one("18446744073709551615"), json!(18446744073709551615u64));
        assert_eq!(one("-9223372036854775808"), json!(i64::MIN));
        assert_eq!(one("18446744073709551616"), json!(18446744073709551616.0));
        assert_eq!(one("-9223372036854775809"), json!(-9223372036854775809.0));
        assert_eq!(one("0xFFFFFFFFFFFFFFFFFF"), json!(4722366482869645213695.0));
        let e = err(b"a: 1e400\n");
        assert_eq!((e.line, e.column), (1, 4));
        assert!(e.message.contains("out of the range"), "{}", e.message);
    }

    #[test]
    fn nan_and_infinity_are_errors() {
        for s in ["a: .nan\n", "a: .inf\n", "a: -.Inf\n", "a: !!float .NaN\n"] {
            let e = err(s.as_bytes());
            assert_eq!((e.line, e.column), (1, 4), "{s}");
            assert!(e.message.contains("NaN and infinities"), "{}", e.message);
        }
        // Quoted, it is a string.
        assert_eq!(one("a: '.nan'"), json!({"a": ".nan"}));
    }

    #[test]
    fn tags() {
        assert_eq!(
            one(
                "[!!str 12, !!int \"12\", !!float 1, !!bool \"true\", !!null '', ! 12, !foo 12, !!binary 1234, !<tag:yaml.org,2002:str> 5, !!map {a: 1}, !Ref x]"
            ),
            json!(["12", 12, 1.0, true, null, "12", 12, "1234", "5", {"a": 1}, {"Ref": "x"}])
        );
        let e = err(b"a: !!int abc\n");
        assert!(e.message.contains("not a valid !!int"), "{}", e.message);
        let e = err(b"a: !!bool yes\n");
        assert!(e.message.contains("!!bool"), "{}", e.message);
    }

    #[test]
    fn cloudformation_short_forms_read_as_long_forms() {
        let v = one(concat!(
            "a: !Ref Param\n",
            "b: !GetAtt Bucket.Arn\n",
            "c: !Sub 'arn:${AWS::Partition}:s3:::${Bucket}/*'\n",
            "d: !If [IsProd, !Ref Big, !Ref 'AWS::NoValue']\n",
            "e: !Join\n  - ','\n  - - !Select [0, !GetAZs '']\n    - x\n",
            "f: !Equals [!Ref Env, prod]\n",
            "g: !Condition IsProd\n",
            "h: !Transform {Name: 'AWS::Include', Parameters: {Location: s3://b/k}}\n",
            "i: !Base64 |\n  #!/bin/sh\n",
            "j: !Refs x\n",
            "k: !!str 5\n",
            "!Ref l: 1\n",
            "m: &anchor !Ref Shared\n",
            "n: *anchor\n",
        ));
        assert_eq!(
            v,
            json!({
                "a": {"Ref": "Param"},
                "b": {"Fn::GetAtt": "Bucket.Arn"},
                "c": {"Fn::Sub": "arn:${AWS::Partition}:s3:::${Bucket}/*"},
                "d": {"Fn::If": ["IsProd", {"Ref": "Big"}, {"Ref": "AWS::NoValue"}]},
                "e": {"Fn::Join": [",", [{"Fn::Select": [0, {"Fn::GetAZs": ""}]}, "x"]]},
                "f": {"Fn::Equals": [{"Ref": "Env"}, "prod"]},
                "g": {"Condition": "IsProd"},
                "h": {"Fn::Transform": {"Name": "AWS::Include", "Parameters": {"Location": "s3://b/k"}}},
                "i": {"Fn::Base64": "#!/bin/sh\n"},
                "j": "x",
                "k": "5",
                "l": 1,
                "m": {"Ref": "Shared"},
                "n": {"Ref": "Shared"},
            })
        );
        // Positions run through the function's mapping.
        let d = &docs("Resources: !If\n- c\n- a\n")[0];
        let line = |p: &str| d.position(p).map(|p| p.line);
        assert_eq!(line("/Resources"), Some(1));
        assert_eq!(line("/Resources/Fn::If/1"), Some(3));
        assert_eq!(line("/Resources/1"), None);
        let d = &docs("top: !Not\n  - !Ref x\n")[0];
        assert_eq!(d.value, json!({"top": {"Fn::Not": [{"Ref": "x"}]}}));
        // Each function's mapping is a level of nesting.
        let deep = format!(
            "{}x{}",
            "!Not [".repeat(MAX_DEPTH / 2),
            "]".repeat(MAX_DEPTH / 2)
        );
        one(&deep);
        let deeper = format!(
            "a: {}x{}",
            "!Not [".repeat(MAX_DEPTH / 2),
            "]".repeat(MAX_DEPTH / 2)
        );
        let e = err(deeper.as_bytes());
        assert!(e.message.contains("nested"), "{}", e.message);
        let e = err(format!("{}!Ref x{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH)).as_bytes());
        assert!(e.message.contains("nested"), "{}", e.message);
    }

    #[test]
    fn anchors_aliases_and_merge() {
        assert_eq!(
            one("a: &x {k: v}\nb: *x\nc: &s str\nd: [*s, *s]\n"),
            json!({"a": {"k": "v"}, "b": {"k": "v"}, "c": "str", "d": ["str", "str"]})
        );
        assert_eq!(
            one("base: &b {x: 1, y: 2}\nother: &o {y: 9, z: 3}\nm:\n  <<: [*b, *o]\n  x: 0\n"),
            json!({"base": {"x": 1, "y": 2}, "other": {"y": 9, "z": 3}, "m": {"x": 0, "y": 2, "z": 3}})
        );
        assert_eq!(one("a: {\"<<\": 1}"), json!({"a": {"<<": 1}}));
        let e = err(b"a: &x [1, *x]\n");
        assert!(e.message.contains("its own anchor"), "{}", e.message);
        let e = err(b"a:\n  <<: 5\n");
        assert!(e.message.contains("merge key"), "{}", e.message);
        // Anchors do not cross documents.
        let e = err(b"a: &x 1\n---\nb: *x\n");
        assert_eq!(e.line, 3);
        assert!(e.message.contains("earlier document"), "{}", e.message);
        // An aliased scalar as a key.
        assert_eq!(
            one("- &k name\n- {*k : v}\n"),
            json!(["name", {"name": "v"}])
        );
    }

    #[test]
    fn alias_bomb_is_bounded() {
        let mut s = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..12 {
            let prev = i - 1;
            s.push_str(&format!(
                "a{i}: &a{i} [*a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}]\n"
            ));
        }
        let started = std::time::Instant::now();
        let e = err(s.as_bytes());
        assert!(started.elapsed().as_secs() < 10);
        assert!(
            e.message.contains("alias expansion exceeds 1000000 nodes"),
            "{}",
            e.message
        );
        assert!(e.line >= 5, "{e}");
        // Big strings count by their bytes.
        let big = "y".repeat(1 << 20);
        let mut s = format!("a: &a {big}\nb: [");
        for _ in 0..70 {
            s.push_str("*a, ");
        }
        s.push_str("]\n");
        let e = err(s.as_bytes());
        assert!(e.message.contains("bytes"), "{}", e.message);
    }

    #[test]
    fn depth_is_limited() {
        let ok = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        one(&ok);
        for s in [
            "[".repeat(100_000),
            format!("{}{}", "[".repeat(MAX_DEPTH + 1), "]".repeat(MAX_DEPTH + 1)),
            format!("{}x", "- ".repeat(100_000)),
            format!("{}x", "{a: ".repeat(100_000)),
            (0..200)
                .map(|i| format!("{}k{i}:\n", " ".repeat(i)))
                .collect::<String>(),
        ] {
            let e = err(s.as_bytes());
            assert!(e.line >= 1, "{e}");
            assert!(e.message.contains("nested"), "{}", e.message);
        }
    }

    #[test]
    fn duplicate_keys() {
        let e = err(b"a: 1\nb:\n  c: 1\n  c: 2\n");
        assert_eq!((e.line, e.column), (4, 3));
        assert!(e.message.contains("duplicate key \"c\""), "{}", e.message);
        // `1` and `"1"` are the same key once stringified.
        let e = err(b"{1: a, \"1\": b}");
        assert!(e.message.contains("duplicate key \"1\""), "{}", e.message);
    }

    #[test]
    fn keys_are_strings() {
        assert_eq!(
            one("80: a\n0x10: b\nTrue: c\n~: d\n1.50: e\n'q': f\n.nan: g\n1e3: h\n"),
            json!({"80": "a", "16": "b", "true": "c", "null": "d", "1.50": "e", "q": "f", ".nan": "g", "1e3": "h"})
        );
        let e = err(b"? [a]\n: 1\n");
        assert!(
            e.message.contains("cannot be a mapping key"),
            "{}",
            e.message
        );
        let e = err(b"{a: 1}: 2\n");
        assert!(
            e.message.contains("cannot be a mapping key"),
            "{}",
            e.message
        );
        let e = err(b"- &m {a: 1}\n- {*m : 2}\n");
        assert!(
            e.message.contains("cannot be a mapping key"),
            "{}",
            e.message
        );
    }

    #[test]
    fn text_encodings() {
        assert_eq!(one("\u{feff}a: 1\n"), json!({"a": 1}));
        let e = err(b"a: 1\nb: \xff\xfe\n");
        assert_eq!((e.line, e.column), (2, 4));
        assert!(
            e.message.contains("invalid UTF-8 at byte offset 8"),
            "{}",
            e.message
        );
        let utf16: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain("a: é\n".encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        assert_eq!(
            parse_documents(Path::new("t"), &utf16).unwrap()[0].value,
            json!({"a": "é"})
        );
        let e = err(&[0xFF, 0xFE, 0x00, 0xD8]);
        assert!(e.message.contains("UTF-16"), "{}", e.message);
        let e = err(b"a\x00:");
        assert!(e.message.contains("NUL"), "{}", e.message);
    }

    #[test]
    fn positions() {
        let d = docs("kind: List\nitems:\n- a: 1\n  b: 2\n-\n  c: 3\n- [x]\nmeta: {n: 1}\n");
        let d = &d[0];
        assert_eq!((d.line, d.column), (1, 1));
        let p = |s: &str| d.position(s).map(|p| (p.line, p.column));
        assert_eq!(p("/kind"), Some((1, 7)));
        assert_eq!(p("/items"), Some((3, 3)));
        assert_eq!(p("/items/0"), Some((3, 3)));
        assert_eq!(p("/items/1"), Some((6, 3)));
        assert_eq!(p("/items/2"), Some((7, 3)));
        assert_eq!(p("/meta/n"), Some((8, 11)));
        assert_eq!(p("/items/0/a"), None);
    }

    #[test]
    fn yaml11_reading() {
        let d = &docs("a: 0644\nb: yes\nc: 1_000\nd: '0644'\ne: 12\n")[0];
        assert_eq!(
            d.value,
            json!({"a": 644, "b": "yes", "c": "1_000", "d": "0644", "e": 12})
        );
        assert_eq!(
            d.yaml11,
            Some(json!({"a": 420, "b": true, "c": 1000, "d": "0644", "e": 12}))
        );
        let d = &docs("a: 07\nb: 1.0\nc: x\n")[0];
        assert_eq!(d.yaml11, None);
        let v = parse_documents_with(
            Path::new("t"),
            b"[0x1F, -0x1F, +0x1F, 0b101, 0o17, 017, 08, 1_0.5, y, N, On, OFF, '0644', 0x, 9223372036854775808, -9223372036854775809, +9223372036854775808]",
            Schema::Yaml11,
        )
        .unwrap();
        assert_eq!(
            v[0].value,
            json!([
                31,
                -31,
                31,
                5,
                15,
                15,
                8.0,
                10.5,
                true,
                false,
                true,
                false,
                "0644",
                "0x",
                9223372036854775808u64,
                -9223372036854775809.0,
                9223372036854775808.0
            ])
        );
    }

    #[test]
    fn syntax_errors_have_positions() {
        let e = err(b"a: [1, 2\n");
        assert_eq!(e.line, 2);
        assert!(e.message.starts_with("invalid YAML"), "{}", e.message);
        let e = err(b"a: \"abc\n");
        assert_eq!(e.line, 1);
        let e = err(b"a:\n\tb: 1\n");
        assert_eq!(e.line, 2);
    }

    mod fuzz {
        use super::*;
        use proptest::prelude::*;

        const SEEDS: &[&str] = &[
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\nspec:\n  containers:\n  - {name: c, image: i}\n",
            "---\na: &a [1, 2]\nb: *a\n<<: {c: 1}\n...\n--- |\n  text\n",
            "{\"items\": [{\"k\": \"v\"}, 1.5e3, -0x1, !!str 7, ? complex : x]}",
            "%YAML 1.2\n%TAG !e! tag:e.com:\n--- !e!x\nk: >-\n  folded\n  text\n",
        ];

        fn mutate(seed: &str, edits: &[(usize, u8, u8)]) -> Vec<u8> {
            let mut b = seed.as_bytes().to_vec();
            for &(at, op, byte) in edits {
                if b.is_empty() {
                    b.push(byte);
                    continue;
                }
                let i = at % b.len();
                match op % 4 {
                    0 => b[i] = byte,
                    1 => b.insert(i, byte),
                    2 => {
                        b.remove(i);
                    }
                    _ => {
                        let piece = b[i..].to_vec();
                        b.extend_from_slice(&piece[..piece.len().min(16)]);
                    }
                }
            }
            b
        }

        proptest! {
            #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

            #[test]
            fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
                if let Err(e) = parse_documents(Path::new("f.yaml"), &bytes) {
                    prop_assert!(!e.message.contains("internal error"), "{}", e);
                }
            }

            #[test]
            fn yaml_alphabet_never_panics(bytes in proptest::collection::vec(
                proptest::sample::select(b"-:?[]{},&*!|>'\"#%@` \n\tab01.~<".to_vec()), 0..120)) {
                if let Err(e) = parse_documents(Path::new("f.yaml"), &bytes) {
                    prop_assert!(!e.message.contains("internal error"), "{}", e);
                }
            }

            #[test]
            fn mutated_documents_never_panic(
                seed in 0..SEEDS.len(),
                edits in proptest::collection::vec((any::<usize>(), any::<u8>(), any::<u8>()), 1..8),
            ) {
                let bytes = mutate(SEEDS[seed], &edits);
                let first = parse_documents(Path::new("f.yaml"), &bytes);
                // Deterministic.
                let again = parse_documents(Path::new("f.yaml"), &bytes);
                prop_assert_eq!(
                    first.as_ref().map(|d| d.iter().map(|d| d.value.clone()).collect::<Vec<_>>()).map_err(Clone::clone),
                    again.as_ref().map(|d| d.iter().map(|d| d.value.clone()).collect::<Vec<_>>()).map_err(Clone::clone)
                );
                if let Err(e) = first {
                    prop_assert!(!e.message.contains("internal error"), "{}", e);
                }
            }
        }
    }
}
