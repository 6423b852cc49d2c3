//! Data files (`--data FILE`): thresholds, allow-lists and other values
//! rules read with `data("KEY")` instead of writing them into code.
//!
//! Each file is a JSON or YAML document whose top level is an object
//! (mapping). The files are merged in the order given: objects merge key by
//! key, at any depth, and any other value of a later file replaces the
//! earlier one. Repeated keys within a file are an error, as everywhere.

use std::path::Path;

use plumb_runtime::value::{Object, Str, Value};
use serde_json::Value as Json;

use crate::ImportError;

/// The merged data document of `files` (read with `read`), as the object
/// rules see; `Value::Null` when there are no files.
pub fn load<P: AsRef<Path>>(
    files: &[P],
    read: impl Fn(&Path) -> std::io::Result<Vec<u8>>,
) -> Result<Value, ImportError> {
    let mut merged: Option<Json> = None;
    for file in files {
        let file = file.as_ref();
        let bytes =
            read(file).map_err(|e| ImportError::at(file, format!("cannot read it: {e}")))?;
        let doc = parse(file, &bytes)?;
        merged = Some(match merged {
            None => doc,
            Some(base) => merge(base, doc),
        });
    }
    Ok(merged.as_ref().map_or(Value::Null, Value::from_json))
}

/// One data file: JSON if it starts with `{`, else YAML (one document).
fn parse(file: &Path, bytes: &[u8]) -> Result<Json, ImportError> {
    let text = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let first = text.iter().find(|b| !b.is_ascii_whitespace());
    let doc = if first == Some(&b'{') || first == Some(&b'[') {
        crate::parse_json(file, text)?
    } else {
        let mut docs = crate::yaml::parse_documents(file, text)?;
        if docs.len() > 1 {
            return Err(ImportError::at(
                file,
                format!(
                    "a data file holds one document, and this one has {}: merge them, or give each as its own --data file",
                    docs.len()
                ),
            ));
        }
        docs.pop().map_or(Json::Null, |d| d.value)
    };
    match doc {
        Json::Object(_) => Ok(doc),
        // An empty YAML file: no data, not an error.
        Json::Null => Ok(Json::Object(serde_json::Map::new())),
        other => Err(ImportError::at(
            file,
            format!(
                "a data file's top level must be an object of named values (`max_key_age_days: 90`), not {}",
                crate::describe_json(&other)
            ),
        )),
    }
}

/// `later` over `base`: objects key by key, anything else replaced.
fn merge(base: Json, later: Json) -> Json {
    match (base, later) {
        (Json::Object(mut a), Json::Object(b)) => {
            for (k, v) in b {
                let merged = match a.remove(&k) {
                    Some(old) => merge(old, v),
                    None => v,
                };
                a.insert(k, merged);
            }
            Json::Object(a)
        }
        (_, later) => later,
    }
}

/// An empty data document (an object without keys).
pub fn empty() -> Value {
    Value::object(Object::from_entries(Vec::<(Str, Value)>::new()))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests")]
    use super::*;

    fn load_texts(texts: &[(&str, &str)]) -> Result<Value, ImportError> {
        let names: Vec<&str> = texts.iter().map(|(n, _)| *n).collect();
        load(&names, |p| {
            Ok(texts
                .iter()
                .find(|(n, _)| Path::new(n) == p)
                .map(|(_, t)| t.as_bytes().to_vec())
                .unwrap_or_default())
        })
    }

    #[test]
    fn files_merge_in_order_and_objects_deeply() {
        let data = load_texts(&[
            (
                "a.yaml",
                "max_age: 90\nregions: [eu-west-1]\nlimits: {cpu: 2, mem: 4}\n",
            ),
            ("b.json", r#"{"max_age": 30, "limits": {"mem": 8}}"#),
        ])
        .unwrap();
        let expected: Value = Value::from_json(
            &serde_json::from_str(
                r#"{"max_age": 30, "regions": ["eu-west-1"], "limits": {"cpu": 2, "mem": 8}}"#,
            )
            .unwrap(),
        );
        assert_eq!(data, expected);
    }

    #[test]
    fn a_data_file_is_an_object() {
        let e = load_texts(&[("a.yaml", "- 1\n- 2\n")]).unwrap_err();
        assert!(e.to_string().contains("top level must be an object"), "{e}");
        let e = load_texts(&[("a.yaml", "a: 1\n---\nb: 2\n")]).unwrap_err();
        assert!(e.to_string().contains("one document"), "{e}");
        let e = load_texts(&[("a.json", r#"{"a": 1, "a": 2}"#)]).unwrap_err();
        assert!(e.to_string().contains("a.json"), "{e}");
        assert_eq!(load_texts(&[("e.yaml", "")]).unwrap(), empty());
    }
}
