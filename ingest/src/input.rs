//! Input discovery, format detection and reading: the one place plumb
//! opens the snapshot and source files it is given, for `check`, `drift`
//! and `import` alike, so they always agree on what a file is.
//!
//! A file is opened and read once. Its first bytes are read to tell a
//! plumb snapshot from a source; a snapshot is then streamed from those
//! bytes and the rest of the file (never read again, except to redo a
//! load whose batch guess was wrong or to place an error), a source is
//! read whole and imported. `-` is standard input, read into memory.
//!
//! Detection uses the name where it is telling (`*.tfstate`, `*.yaml`,
//! `*.xml`) and otherwise reads as far as it needs: the top-level keys of
//! a JSON object, in order, until one names a format (or the first
//! element of `resources` shows whose resources they are), skipping the
//! values in between without building them.
//!
//! This module never evaluates anything and never prints.

use std::borrow::Cow;
use std::cell::Cell;
use std::fmt;
use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use plumb_runtime::Resource;
use plumb_runtime::snapshot::{self, LoadOptions, SnapshotError, SnapshotInput};
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::ImportError;

/// The extensions a directory is searched for.
pub const SOURCE_EXTENSIONS: [&str; 5] = ["json", "yaml", "yml", "tfstate", "xml"];

/// The first read: enough for every format's telling keys in nearly every
/// file; more is read only when these bytes do not decide.
const HEAD: usize = 64 << 10;

/// Why inputs could not be read.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error("{}: cannot read the file: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error(
        "{}: the directory holds no snapshot or source files (*.json, *.yaml, *.yml, *.tfstate, *.xml)",
        path.display()
    )]
    EmptyDirectory { path: PathBuf },
    #[error(transparent)]
    Import(#[from] ImportError),
    #[error(transparent)]
    Snapshot(#[from] SnapshotError),
}

/// What a file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// plumb's own snapshot format (docs/snapshot.md), streamed.
    Snapshot,
    /// A source to import (Terraform, Kubernetes, AWS Config...).
    Source,
}

/// The files named, with each directory replaced by the source files
/// under it (recursively, in name order). `-` (standard input) is kept.
pub fn expand(paths: &[PathBuf]) -> Result<Vec<PathBuf>, InputError> {
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            let before = files.len();
            source_files(path, &mut files)?;
            if files.len() == before {
                return Err(InputError::EmptyDirectory { path: path.clone() });
            }
        } else {
            files.push(path.clone());
        }
    }
    Ok(files)
}

fn source_files(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), InputError> {
    let read = |source| InputError::Read {
        path: dir.to_path_buf(),
        source,
    };
    let mut entries = std::fs::read_dir(dir)
        .map_err(read)?
        .map(|e| e.map(|e| e.path()))
        .collect::<io::Result<Vec<_>>>()
        .map_err(read)?;
    entries.sort();
    for path in entries {
        if path.is_dir() {
            source_files(&path, out)?;
        } else if path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| SOURCE_EXTENSIONS.iter().any(|x| e.eq_ignore_ascii_case(x)))
        {
            out.push(path);
        }
    }
    Ok(())
}

/// Opens files and counts what it reads from them.
#[derive(Debug, Default, Clone)]
pub struct Inputs {
    read: Arc<AtomicU64>,
}

/// An opened input: a snapshot ready to stream, or a source's resources.
#[derive(Debug)]
pub enum Opened {
    Snapshot(SnapshotFile),
    Resources(Vec<Resource>),
}

impl Opened {
    /// The input as the loader and `check_files` take it.
    pub fn into_input(self) -> SnapshotInput {
        match self {
            Opened::Snapshot(s) => s.into_input(),
            Opened::Resources(r) => SnapshotInput::Resources(r),
        }
    }
}

/// A snapshot file whose first bytes have been read.
pub struct SnapshotFile {
    path: PathBuf,
    head: Vec<u8>,
    /// The rest of the file; `None` when `head` is all of it.
    rest: Option<Counted<File>>,
}

impl fmt::Debug for SnapshotFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SnapshotFile")
            .field("path", &self.path)
            .field("head", &self.head.len())
            .finish_non_exhaustive()
    }
}

impl SnapshotFile {
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The snapshot as the loader takes it.
    pub fn into_input(self) -> SnapshotInput {
        match self.rest {
            Some(rest) => SnapshotInput::File {
                path: self.path,
                reader: Box::new(io::Cursor::new(self.head).chain(rest)),
            },
            None => SnapshotInput::Bytes {
                name: self.path,
                bytes: self.head,
            },
        }
    }

    /// Loads every resource (projected as `load` says).
    pub fn load(self, load: &LoadOptions) -> Result<Vec<Resource>, SnapshotError> {
        let streamed = self.into_input().stream(load, &snapshot::KeepAll)?;
        Ok(streamed.kept.into_iter().map(|(_, r)| r).collect())
    }
}

impl Inputs {
    pub fn new() -> Inputs {
        Inputs::default()
    }

    /// Bytes read from input files so far (a reload after a wrong batch
    /// guess, which opens the file again, is not counted).
    pub fn bytes_read(&self) -> u64 {
        self.read.load(Ordering::Relaxed)
    }

    /// Opens `path` (`-`: standard input), tells what it is, and imports
    /// it if it is a source.
    pub fn open(&self, path: &Path) -> Result<Opened, InputError> {
        let read_err = |source| InputError::Read {
            path: path.to_path_buf(),
            source,
        };
        if path == Path::new("-") {
            let mut bytes = Vec::new();
            Counted::new(io::stdin().lock(), &self.read)
                .read_to_end(&mut bytes)
                .map_err(read_err)?;
            return match detect(path, &bytes) {
                Kind::Source => import_bytes(path, bytes),
                Kind::Snapshot => Ok(Opened::Snapshot(SnapshotFile {
                    path: path.to_path_buf(),
                    head: bytes,
                    rest: None,
                })),
            };
        }
        let file = File::open(path).map_err(read_err)?;
        let mut file = Counted::new(file, &self.read);
        let mut head = Vec::new();
        (&mut file)
            .take(HEAD as u64)
            .read_to_end(&mut head)
            .map_err(read_err)?;
        let complete = head.len() < HEAD;
        let kind = if complete {
            detect(path, &head)
        } else {
            detect_streaming(path, &mut head, &mut file).map_err(read_err)?
        };
        match kind {
            Kind::Source => {
                file.read_to_end(&mut head).map_err(read_err)?;
                import_bytes(path, head)
            }
            Kind::Snapshot => Ok(Opened::Snapshot(SnapshotFile {
                path: path.to_path_buf(),
                head,
                rest: Some(file),
            })),
        }
    }

    /// Every resource of the given files and directories, in order:
    /// snapshots loaded (projected as `load` says), sources imported.
    pub fn load_all(
        &self,
        paths: &[PathBuf],
        load: &LoadOptions,
    ) -> Result<Vec<Resource>, InputError> {
        let mut resources = Vec::new();
        for path in &expand(paths)? {
            match self.open(path)? {
                Opened::Resources(r) => resources.extend(r),
                Opened::Snapshot(s) => resources.extend(s.load(load)?),
            }
        }
        Ok(resources)
    }

    /// The given files and directories, each opened when the iterator
    /// reaches it (so only one is open at a time).
    pub fn inputs(
        &self,
        paths: &[PathBuf],
    ) -> Result<impl Iterator<Item = Result<SnapshotInput, InputError>> + Send + '_, InputError>
    {
        let files = expand(paths)?;
        Ok(files
            .into_iter()
            .map(move |path| self.open(&path).map(Opened::into_input)))
    }
}

/// A source's bytes imported; a file that turns out to be a snapshot
/// after all (its first bytes hinted at a source) is loaded as one.
fn import_bytes(path: &Path, bytes: Vec<u8>) -> Result<Opened, InputError> {
    match crate::import(path, &bytes) {
        Ok(resources) => Ok(Opened::Resources(resources)),
        Err(e) if e.is_snapshot() => Ok(Opened::Snapshot(SnapshotFile {
            path: path.to_path_buf(),
            head: bytes,
            rest: None,
        })),
        Err(e) => Err(e.into()),
    }
}

/// A reader that counts the bytes it reads into a shared counter.
struct Counted<R> {
    inner: R,
    read: Arc<AtomicU64>,
}

impl<R> Counted<R> {
    fn new(inner: R, read: &Arc<AtomicU64>) -> Counted<R> {
        Counted {
            inner,
            read: Arc::clone(read),
        }
    }
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// Whether the name alone says what a file is.
fn kind_from_name(path: &Path) -> Option<Kind> {
    let ext = path.extension().and_then(|e| e.to_str())?;
    ["tfstate", "yaml", "yml", "xml"]
        .iter()
        .any(|x| ext.eq_ignore_ascii_case(x))
        .then_some(Kind::Source)
}

fn json_named(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("json"))
}

/// What the bytes of a file (all of it, or as much as was read) say it is.
pub fn detect(path: &Path, bytes: &[u8]) -> Kind {
    if let Some(kind) = kind_from_name(path) {
        return kind;
    }
    let text = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let Some(&first) = text.iter().find(|b| !b.is_ascii_whitespace()) else {
        // Empty: the snapshot loader says so.
        return Kind::Snapshot;
    };
    match first {
        b'{' => {
            let decided = Cell::new(None);
            let resources = Cell::new(false);
            let mut de = serde_json::Deserializer::from_slice(text);
            let _ = de::Deserializer::deserialize_any(
                &mut de,
                TopLevel {
                    decided: &decided,
                    resources: &resources,
                },
            );
            decided
                .get()
                .unwrap_or_else(|| undecided_object(text, resources.get()))
        }
        b'[' => array_kind(text),
        b'<' => Kind::Source,
        // Not JSON at all: YAML, unless the name says JSON, whose error the
        // snapshot loader gives.
        _ if json_named(path) => Kind::Snapshot,
        _ => Kind::Source,
    }
}

/// An object no top-level key decided: a source if it names a source's
/// keys anywhere (an ARM resource's `/providers/Microsoft.` id...); a
/// snapshot, whose loader says what is wrong, if it has a `resources` key;
/// else neither, which the importer says, describing what it is.
fn undecided_object(text: &[u8], has_resources: bool) -> Kind {
    if crate::names_a_source_key(text) || !has_resources {
        Kind::Source
    } else {
        Kind::Snapshot
    }
}

/// A list of resources (a snapshot without its envelope) is left to the
/// snapshot loader, whose error says what is missing; other lists
/// (osquery rows, ARM resources) are sources.
fn array_kind(text: &[u8]) -> Kind {
    let head = text.get(..HEAD.min(text.len())).unwrap_or(text);
    let has = |k: &[u8]| memchr::memmem::find(head, k).is_some();
    // AWS Config items (`--query configurationItems`) hold `type` and `id`
    // keys in their configurations.
    if has(b"/providers/Microsoft.")
        || has(b"\"configurationItemCaptureTime\"")
        || has(b"\"resourceType\"")
        || !(has(b"\"type\"") && has(b"\"id\""))
    {
        Kind::Source
    } else {
        Kind::Snapshot
    }
}

/// Detection of a file larger than the first read: the top-level keys are
/// read from `head` and then from `file`, as far as needed; what is read
/// from the file is appended to `head`.
fn detect_streaming(path: &Path, head: &mut Vec<u8>, file: &mut impl Read) -> io::Result<Kind> {
    if let Some(kind) = kind_from_name(path) {
        return Ok(kind);
    }
    let text = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    if text.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return Ok(detect(path, head));
    }
    let bom = head.len() - text.len();
    let mut more = Vec::new();
    let decided = Cell::new(None);
    let resources = Cell::new(false);
    let failed = Cell::new(None);
    {
        let reader = io::Cursor::new(head.get(bom..).unwrap_or_default()).chain(Tee {
            inner: file,
            copy: &mut more,
            error: &failed,
        });
        let mut de = serde_json::Deserializer::from_reader(io::BufReader::new(reader));
        let _ = de::Deserializer::deserialize_any(
            &mut de,
            TopLevel {
                decided: &decided,
                resources: &resources,
            },
        );
    }
    if let Some(e) = failed.take() {
        return Err(e);
    }
    head.extend_from_slice(&more);
    Ok(match decided.get() {
        Some(kind) => kind,
        // Nothing decided: the scan read to the end of the object (or to a
        // syntax error), so `head` holds all that matters.
        None => undecided_object(head, resources.get()),
    })
}

/// Copies what it reads from `inner` into `copy`.
struct Tee<'a, R> {
    inner: &'a mut R,
    copy: &'a mut Vec<u8>,
    error: &'a Cell<Option<io::Error>>,
}

impl<R: Read> Read for Tee<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self.inner.read(buf) {
            Ok(n) => {
                self.copy
                    .extend_from_slice(buf.get(..n).unwrap_or_default());
                Ok(n)
            }
            Err(e) => {
                let kind = e.kind();
                self.error.set(Some(e));
                Err(io::Error::from(kind))
            }
        }
    }
}

/// Top-level keys that name a source format (Terraform state and plans,
/// AWS Config, Azure, Kubernetes, host facts and scans, CloudFormation,
/// Prowler), as `crate::detect` recognises them.
fn source_key(key: &str) -> bool {
    key.starts_with("ansible_")
        || key.starts_with("configurationItem")
        || matches!(
            key,
            "lineage"
                | "terraform_version"
                | "format_version"
                | "baseConfigurationItems"
                | "QueryInfo"
                | "resourceType"
                | "totalRecords"
                | "apiVersion"
                | "hostIdentifier"
                | "diffResults"
                | "calendarTime"
                | "profiles"
                | "profile_id"
                | "platform"
                | "plumb_baseline"
                | "AWSTemplateFormatVersion"
                | "Resources"
                | "Requirements"
        )
}

/// Visits a top-level object's keys until one decides; then stops the
/// parse (with an error nobody reads).
struct TopLevel<'a> {
    decided: &'a Cell<Option<Kind>>,
    /// Whether the object has a `resources` key.
    resources: &'a Cell<bool>,
}

const DECIDED: &str = "decided";

impl<'de> Visitor<'de> for TopLevel<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            if key == "snapshot_version" {
                self.decided.set(Some(Kind::Snapshot));
                return Err(de::Error::custom(DECIDED));
            }
            if source_key(&key) {
                self.decided.set(Some(Kind::Source));
                return Err(de::Error::custom(DECIDED));
            }
            if key == "resources" {
                self.resources.set(true);
                map.next_value_seed(FirstResource {
                    decided: self.decided,
                })?;
                if self.decided.get().is_some() {
                    return Err(de::Error::custom(DECIDED));
                }
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
}

/// `resources`: a snapshot's resources have `type`, `id` and
/// `attributes`; a Terraform state's have `mode` and `instances`.
struct FirstResource<'a> {
    decided: &'a Cell<Option<Kind>>,
}

impl<'de> DeserializeSeed<'de> for FirstResource<'_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for FirstResource<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of resources")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let keys: Option<Vec<String>> = seq.next_element_seed(Keys)?;
        if let Some(keys) = keys {
            let terraform = keys
                .iter()
                .any(|k| matches!(k.as_str(), "mode" | "instances" | "each" | "module"));
            self.decided.set(Some(if terraform {
                Kind::Source
            } else {
                Kind::Snapshot
            }));
            return Err(de::Error::custom(DECIDED));
        }
        Ok(())
    }

    // Anything else: not decided here.
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(())
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        Ok(())
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

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        Ok(())
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
}

/// The keys of one object (values skipped).
struct Keys;

impl<'de> DeserializeSeed<'de> for Keys {
    type Value = Vec<String>;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Vec<String>, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Keys {
    type Value = Vec<String>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Vec<String>, A::Error> {
        let mut keys = Vec::new();
        while let Some(k) = map.next_key::<Cow<'de, str>>()? {
            keys.push(k.into_owned());
            map.next_value::<IgnoredAny>()?;
        }
        Ok(keys)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]
    use super::*;

    fn kind(name: &str, text: &str) -> Kind {
        detect(Path::new(name), text.as_bytes())
    }

    #[test]
    fn top_level_keys_decide() {
        assert_eq!(
            kind("a.json", r#"{"snapshot_version": 1, "resources": []}"#),
            Kind::Snapshot
        );
        assert_eq!(
            kind(
                "a.json",
                r#"{"resources": [{"type": "t", "id": "i", "attributes": {"apiVersion": 1}}]}"#
            ),
            Kind::Snapshot
        );
        assert_eq!(
            kind(
                "a.json",
                r#"{"version": 4, "resources": [{"mode": "managed", "instances": []}]}"#
            ),
            Kind::Source
        );
        assert_eq!(
            kind("a.json", r#"{"apiVersion": "v1", "kind": "Pod"}"#),
            Kind::Source
        );
        // Neither: the importer says what it is.
        assert_eq!(kind("state", r#"{"x": 1}"#), Kind::Source);
        assert_eq!(
            kind("s.json", r#"{"x": 1, "resources": 2}"#),
            Kind::Snapshot
        );
        assert_eq!(
            kind(
                "h.json",
                r#"[{"resourceType": "AWS::S3::Bucket", "configuration": {"owner": {"id": "x", "type": "y"}}}]"#
            ),
            Kind::Source
        );
        assert_eq!(kind("a.tfstate", "{}"), Kind::Source);
        assert_eq!(kind("m.yaml", "kind: Pod"), Kind::Source);
        assert_eq!(kind("a.json", ""), Kind::Snapshot);
        assert_eq!(kind("a.json", "not json"), Kind::Snapshot);
        assert_eq!(kind("a.txt", "kind: Pod"), Kind::Source);
    }

    #[test]
    fn identifying_keys_past_the_first_read_are_found() {
        // A state whose first key holds more than the first read: its
        // `lineage` comes after it.
        let big = "x".repeat(HEAD * 2);
        let text = format!(
            r#"{{"outputs": {{"o": {{"value": "{big}"}}}}, "lineage": "l", "version": 4, "resources": []}}"#
        );
        let mut head = text.as_bytes().get(..HEAD).unwrap().to_vec();
        let mut rest = text.as_bytes().get(HEAD..).unwrap();
        let kind = detect_streaming(Path::new("s.json"), &mut head, &mut rest).unwrap();
        assert_eq!(kind, Kind::Source);
        // The bytes read to decide are kept, in order, for the importer.
        assert!(text.as_bytes().starts_with(&head));
    }
}
