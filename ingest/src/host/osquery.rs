//! osquery results: the result log (one JSON object per line, handed over
//! one line at a time) in its three formats, and `osqueryi --json` output.
//!
//! - event format: `{"name", "hostIdentifier", "unixTime", "action":
//!   "added"|"removed", "columns": {...}}`, one row per line;
//! - snapshot format: `{"name", ..., "action": "snapshot", "snapshot":
//!   [rows]}`;
//! - batch format: `{"name", ..., "diffResults": {"added": [rows],
//!   "removed": [rows]}}`;
//! - `osqueryi --json`: a list of rows, no query name or host.
//!
//! Every row is one resource of type `osquery_<query name>`, the name in
//! snake_case with anything but letters, digits and `_` made `_`
//! (`pack_hardening_suid_bins` stays as it is, `pack/it/os_version` becomes
//! `pack_it_os_version`). `osqueryi` output has no query name: its type is
//! taken from the file's stem (`users.json` → `osquery_users`).
//!
//! The id is `<hostIdentifier>/<row key>` (just the row key without a
//! host), where the row key is 16 hex digits of a hash (64-bit FNV-1a) of
//! the row's columns, keys sorted: the same row gets the same id in every
//! log line and every run, so the row a differential log adds and the one
//! it later removes share an id. Identical rows logged with the same
//! action in one document get `#2`, `#3`... after the key.
//!
//! Attributes are the row's columns, as osquery wrote them: strings, unless
//! the log was written with numerics enabled (use `number()` in rules).
//! Beside them: `action` (`added`, `removed` or `snapshot`; removed rows
//! are kept so rules can see what went away), `host_identifier`,
//! `unix_time` (a number) and `decorations` (an object, `{}` when absent).
//! A column with one of those names wins (`socket_events` has an `action`
//! column); all the metadata is always under `osquery` too: those four and
//! `calendar_time`, `counter`, `epoch` (numbers), `numerics` and `query`
//! (the query name), so `attributes.osquery.action` is always the log's.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::Path;

use plumb_runtime::Resource;
use plumb_runtime::value::{Str, Value};
use serde_json::{Map, Value as Json, json};

use super::{kind, source};
use crate::{ImportError, snake};

/// Metadata also written beside the columns (unless a column has the name).
const TOP_LEVEL_META: [&str; 4] = ["action", "host_identifier", "unix_time", "decorations"];

/// Keys that tell a result log line from other JSON with a `name`.
const LOG_KEYS: [&str; 7] = [
    "hostIdentifier",
    "hostname",
    "unixTime",
    "calendarTime",
    "action",
    "numerics",
    "epoch",
];

pub fn looks_like(doc: &Json) -> bool {
    match doc {
        Json::Object(o) => {
            o.get("name").is_some_and(Json::is_string)
                && (o.contains_key("columns")
                    || o.contains_key("snapshot")
                    || o.contains_key("diffResults"))
                && LOG_KEYS.iter().any(|k| o.contains_key(*k))
        }
        // `osqueryi --json`: flat rows.
        Json::Array(rows) => !rows.is_empty() && rows.iter().all(is_flat_row),
        _ => false,
    }
}

fn is_flat_row(v: &Json) -> bool {
    v.as_object()
        .is_some_and(|o| !o.is_empty() && o.values().all(|v| !v.is_array() && !v.is_object()))
}

pub fn import(file: &Path, doc: &Json) -> Result<Vec<Resource>, ImportError> {
    match doc {
        Json::Array(rows) => osqueryi(file, rows),
        Json::Object(line) => result_line(file, line),
        other => Err(ImportError::at(
            file,
            format!(
                "an osquery result is an object (a result log line) or a list of rows (osqueryi --json), found {}",
                kind(other)
            ),
        )),
    }
}

/// A row and the action it was logged with.
struct Row<'a> {
    columns: &'a Map<String, Json>,
    action: &'a str,
}

fn result_line(file: &Path, line: &Map<String, Json>) -> Result<Vec<Resource>, ImportError> {
    let bad = |m: String| ImportError::at(file, m);
    let name = match line.get("name") {
        Some(Json::String(n)) => n.as_str(),
        Some(other) => {
            return Err(bad(format!(
                "`/name` (the query name) must be a string, found {}",
                kind(other)
            )));
        }
        None => {
            return Err(bad(
                "the osquery result has no `name` (the query name)".into()
            ));
        }
    };
    let host = line
        .get("hostIdentifier")
        .or_else(|| line.get("hostname"))
        .and_then(Json::as_str);
    let line_action = match line.get("action") {
        None | Some(Json::Null) => None,
        Some(Json::String(a)) => Some(a.as_str()),
        Some(other) => {
            return Err(bad(format!(
                "`/action` must be a string, found {}",
                kind(other)
            )));
        }
    };
    let mut rows: Vec<Row<'_>> = Vec::new();
    let mut found = false;
    if let Some(columns) = line.get("columns") {
        found = true;
        let Json::Object(columns) = columns else {
            return Err(bad(format!(
                "`/columns` must be an object (one row), found {}",
                kind(columns)
            )));
        };
        rows.push(Row {
            columns,
            action: line_action.unwrap_or("added"),
        });
    }
    if let Some(snapshot) = line.get("snapshot") {
        found = true;
        let Json::Array(list) = snapshot else {
            return Err(bad(format!(
                "`/snapshot` must be a list of rows, found {}",
                kind(snapshot)
            )));
        };
        for (i, row) in list.iter().enumerate() {
            rows.push(Row {
                columns: row_object(file, row, &format!("/snapshot/{i}"))?,
                action: "snapshot",
            });
        }
    }
    if let Some(diff) = line.get("diffResults") {
        found = true;
        let Json::Object(diff) = diff else {
            return Err(bad(format!(
                "`/diffResults` must be an object with `added` and `removed` lists, found {}",
                kind(diff)
            )));
        };
        for action in ["added", "removed"] {
            match diff.get(action) {
                None | Some(Json::Null) => {}
                Some(Json::Array(list)) => {
                    for (i, row) in list.iter().enumerate() {
                        rows.push(Row {
                            columns: row_object(file, row, &format!("/diffResults/{action}/{i}"))?,
                            action,
                        });
                    }
                }
                Some(other) => {
                    return Err(bad(format!(
                        "`/diffResults/{action}` must be a list of rows, found {}",
                        kind(other)
                    )));
                }
            }
        }
    }
    if !found {
        return Err(bad(
            "the osquery result has no rows: expected `columns`, `snapshot` or `diffResults`"
                .into(),
        ));
    }
    let decorations = match line.get("decorations") {
        None | Some(Json::Null) => json!({}),
        Some(d @ Json::Object(_)) => d.clone(),
        Some(other) => {
            return Err(bad(format!(
                "`/decorations` must be an object, found {}",
                kind(other)
            )));
        }
    };
    let meta = |action: &str| {
        json!({
            "action": action,
            "host_identifier": host,
            "unix_time": numeric(line.get("unixTime")),
            "calendar_time": line.get("calendarTime"),
            "counter": numeric(line.get("counter")),
            "epoch": numeric(line.get("epoch")),
            "numerics": line.get("numerics"),
            "decorations": decorations,
            "query": name,
        })
    };
    let ty = type_name(name);
    Ok(resources(file, &ty, host, &rows, meta))
}

fn osqueryi(file: &Path, rows: &[Json]) -> Result<Vec<Resource>, ImportError> {
    let mut list = Vec::with_capacity(rows.len());
    for (i, row) in rows.iter().enumerate() {
        list.push(Row {
            columns: row_object(file, row, &format!("/{i}"))?,
            action: "snapshot",
        });
    }
    let stem = file
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let ty = type_name(&stem);
    let meta = |action: &str| {
        json!({
            "action": action,
            "host_identifier": null,
            "unix_time": null,
            "calendar_time": null,
            "counter": null,
            "epoch": null,
            "numerics": null,
            "decorations": {},
            "query": null,
        })
    };
    Ok(resources(file, &ty, None, &list, meta))
}

fn row_object<'a>(
    file: &Path,
    row: &'a Json,
    at: &str,
) -> Result<&'a Map<String, Json>, ImportError> {
    match row {
        Json::Object(o) => Ok(o),
        other => Err(ImportError::at(
            file,
            format!("`{at}` must be an object (a row), found {}", kind(other)),
        )),
    }
}

fn resources(
    file: &Path,
    ty: &str,
    host: Option<&str>,
    rows: &[Row<'_>],
    meta: impl Fn(&str) -> Json,
) -> Vec<Resource> {
    let src = source(file, "osquery", None);
    // Identical rows logged with the same action; an added and a removed
    // row that are identical are the same row.
    let mut seen: HashMap<(&str, String), usize> = HashMap::with_capacity(rows.len());
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let key = row_key(row.columns);
        let count = seen.entry((row.action, key.clone())).or_insert(0);
        let repeats = *count;
        *count += 1;
        let key = if repeats == 0 {
            key
        } else {
            format!("{key}#{}", repeats + 1)
        };
        let id = match host {
            Some(h) => format!("{h}/{key}"),
            None => key,
        };
        let meta = meta(row.action);
        let mut attrs = row.columns.clone();
        if let Json::Object(m) = &meta {
            for k in TOP_LEVEL_META {
                if let Some(v) = m.get(k) {
                    attrs.entry(k).or_insert_with(|| v.clone());
                }
            }
        }
        attrs.entry("osquery").or_insert(meta);
        let mut r = Resource::new(ty, &id, Value::from_json(&Json::Object(attrs)));
        r.provider = Some(Str::from("osquery"));
        r.source = Some(src.clone());
        out.push(r);
    }
    out
}

/// `osquery_<name>`, snake_case, only `[a-z0-9_]`.
fn type_name(name: &str) -> String {
    let snaked = snake(name);
    let mut out = String::from("osquery_");
    let mut last_underscore = true;
    for ch in snaked.chars() {
        let ch = if ch.is_ascii_alphanumeric() {
            ch.to_ascii_lowercase()
        } else {
            '_'
        };
        if ch == '_' {
            if !last_underscore {
                out.push('_');
            }
            last_underscore = true;
        } else {
            out.push(ch);
            last_underscore = false;
        }
    }
    while out.ends_with('_') && out.len() > "osquery_".len() {
        out.pop();
    }
    if out == "osquery_" {
        out.push_str("row");
    }
    out
}

/// A number written as a string (`"1412123850"`) as a number; anything
/// else as given.
fn numeric(v: Option<&Json>) -> Json {
    match v {
        Some(Json::String(s)) => {
            if let Ok(n) = s.trim().parse::<i64>() {
                json!(n)
            } else {
                s.trim()
                    .parse::<f64>()
                    .ok()
                    .filter(|f| f.is_finite())
                    .map_or_else(|| json!(s), |f| json!(f))
            }
        }
        Some(other) => other.clone(),
        None => Json::Null,
    }
}

/// 16 hex digits of the FNV-1a hash of the row, keys sorted.
fn row_key(columns: &Map<String, Json>) -> String {
    let mut text = String::new();
    canonical(&Json::Object(columns.clone()), &mut text);
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes() {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{hash:016x}")
}

/// JSON text with object keys sorted, whatever the map's order.
fn canonical(v: &Json, out: &mut String) {
    match v {
        Json::Object(o) => {
            let mut keys: Vec<&String> = o.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                let _ = write!(out, "{}", Json::String((*k).clone()));
                out.push(':');
                if let Some(v) = o.get(*k) {
                    canonical(v, out);
                }
            }
            out.push('}');
        }
        Json::Array(a) => {
            out.push('[');
            for (i, v) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                canonical(v, out);
            }
            out.push(']');
        }
        other => {
            let _ = write!(out, "{other}");
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, reason = "tests")]
mod tests {
    use super::*;

    #[test]
    fn type_names() {
        assert_eq!(type_name("pack_foo_bar"), "osquery_pack_foo_bar");
        assert_eq!(
            type_name("pack/it-compliance/os_version"),
            "osquery_pack_it_compliance_os_version"
        );
        assert_eq!(type_name("SocketEvents"), "osquery_socket_events");
        assert_eq!(type_name("--"), "osquery_row");
    }

    #[test]
    fn added_and_removed_rows_share_an_id() {
        let row = json!({"pid": "1", "name": "x"});
        let doc = json!({"name": "processes", "hostIdentifier": "h",
            "diffResults": {"added": [row], "removed": [row, {"pid": "2"}]}});
        assert!(looks_like(&doc));
        let r = import(Path::new("log"), &doc).unwrap();
        assert_eq!(r.len(), 3);
        assert_eq!(r[0].id, r[1].id);
        assert!(r[0].id.starts_with("h/"));
        assert_eq!(r[1].attributes.to_json()["action"], "removed");
        assert_eq!(r[0].type_.as_str(), "osquery_processes");
    }

    #[test]
    fn identical_rows_in_a_snapshot_are_numbered() {
        let doc = json!({"name": "q", "unixTime": "12", "snapshot": [{"a": "1"}, {"a": "1"}]});
        let r = import(Path::new("log"), &doc).unwrap();
        assert!(r[1].id.ends_with("#2"), "{}", r[1].id);
        assert_eq!(r[0].attributes.to_json()["unix_time"], 12);
    }

    #[test]
    fn a_column_wins_over_metadata() {
        let doc = json!({"name": "socket_events", "hostIdentifier": "h", "action": "added",
            "columns": {"action": "connect"}});
        let r = import(Path::new("log"), &doc).unwrap();
        let a = r[0].attributes.to_json();
        assert_eq!(a["action"], "connect");
        assert_eq!(a["osquery"]["action"], "added");
    }

    #[test]
    fn osqueryi_rows_take_the_file_stem() {
        let doc = json!([{"uid": "0", "username": "root"}]);
        assert!(looks_like(&doc));
        let r = import(Path::new("dir/users.json"), &doc).unwrap();
        assert_eq!(r[0].type_.as_str(), "osquery_users");
        assert!(!looks_like(&json!([1, 2])));
        assert!(!looks_like(&json!([])));
    }

    #[test]
    fn wrong_shapes_are_named() {
        let e = import(Path::new("l"), &json!({"name": "q", "snapshot": {}})).unwrap_err();
        assert!(e.message.contains("`/snapshot` must be a list"), "{e}");
        let e = import(Path::new("l"), &json!({"name": "q", "snapshot": [1]})).unwrap_err();
        assert!(e.message.contains("`/snapshot/0` must be an object"), "{e}");
        let e = import(
            Path::new("l"),
            &json!({"name": "q", "diffResults": {"added": 1}}),
        )
        .unwrap_err();
        assert!(e.message.contains("`/diffResults/added`"), "{e}");
        let e = import(Path::new("l"), &json!({"name": "q", "action": "added"})).unwrap_err();
        assert!(e.message.contains("no rows"), "{e}");
    }
}
