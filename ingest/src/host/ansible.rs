//! Ansible facts (the `setup` module): ad-hoc or `--tree` output
//! (`{"ansible_facts": {...}, "changed": false}`), the bare facts object of
//! the jsonfile fact cache, or the `json` stdout callback's output
//! (`{"plays": [{"tasks": [{"hosts": {"web-1": {"ansible_facts": ...}}}]}],
//! "stats": ...}`, one host per inventory host that gathered facts).
//!
//! Each host is one resource of type `host`. Its id (and address) is
//! `ansible_fqdn`, or `ansible_hostname` when the FQDN is missing, empty or
//! a `localhost` name, then the inventory name (callback output only), then
//! the file's stem. Its attributes are the facts with the `ansible_` prefix
//! taken off the top-level keys (`ansible_distribution` → `distribution`;
//! a prefixed key wins over an unprefixed one of the same name), values as
//! Ansible gave them: numbers Ansible reports as strings stay strings.
//! Three blocks are normalised, the same on every OS family:
//!
//! - `os`: `{family, distribution, version, major_version, release,
//!   kernel, system, architecture}` (null where a fact is missing);
//! - `selinux`: always an object `{status, mode, config_mode, type,
//!   policyvers}` where `status` is `enabled`, `disabled` or `unknown`
//!   (`false`, as old Ansible wrote without the selinux Python library, and
//!   "Missing selinux Python library" are `unknown`; the original text is
//!   kept in `detail`);
//! - `mounts`: as given, each with `options_list`, its `options` split at
//!   commas.
//!
//! Environment variables whose names look like secrets (`*PASSWORD*`,
//! `*TOKEN*`, `*SECRET*`, `*_KEY`, ...) are marked sensitive.

use std::collections::HashMap;
use std::path::Path;

use plumb_runtime::Resource;
use plumb_runtime::value::{Str, Value};
use serde_json::{Map, Value as Json, json};

use super::{kind, pointer, source};
use crate::ImportError;

/// Facts that every `setup` run reports; one is enough to tell a bare
/// fact-cache object.
const MARKERS: [&str; 8] = [
    "ansible_hostname",
    "ansible_fqdn",
    "ansible_distribution",
    "ansible_os_family",
    "ansible_system",
    "ansible_nodename",
    "ansible_kernel",
    "ansible_machine_id",
];

pub fn looks_like(doc: &Json) -> bool {
    let Some(o) = doc.as_object() else {
        return false;
    };
    o.contains_key("ansible_facts")
        || MARKERS.iter().any(|k| o.contains_key(*k))
        || (o.get("plays").is_some_and(Json::is_array) && o.contains_key("stats"))
}

pub fn import(file: &Path, doc: &Json) -> Result<Vec<Resource>, ImportError> {
    let Some(top) = doc.as_object() else {
        return Err(ImportError::at(
            file,
            format!("Ansible facts are a JSON object, found {}", kind(doc)),
        ));
    };
    if let Some(plays) = top.get("plays") {
        return callback(file, plays);
    }
    let facts = match top.get("ansible_facts") {
        Some(Json::Object(facts)) => facts,
        Some(other) => {
            return Err(ImportError::at(
                file,
                format!("`/ansible_facts` must be an object, found {}", kind(other)),
            ));
        }
        None => top,
    };
    Ok(vec![host(file, facts, None)])
}

/// The `json` stdout callback: facts per inventory host, merged over the
/// tasks in order (a later `set_fact` or `setup` adds to the earlier).
fn callback(file: &Path, plays: &Json) -> Result<Vec<Resource>, ImportError> {
    let bad = |at: String, what: &str, v: &Json| {
        ImportError::at(file, format!("`{at}` must be {what}, found {}", kind(v)))
    };
    let Json::Array(plays) = plays else {
        return Err(bad("/plays".into(), "a list of plays", plays));
    };
    let mut hosts: Vec<(String, Map<String, Json>)> = Vec::new();
    let mut positions: HashMap<String, usize> = HashMap::new();
    for (p, play) in plays.iter().enumerate() {
        let tasks = match play.get("tasks") {
            None | Some(Json::Null) => continue,
            Some(Json::Array(tasks)) => tasks,
            Some(other) => return Err(bad(format!("/plays/{p}/tasks"), "a list", other)),
        };
        for (t, task) in tasks.iter().enumerate() {
            let results = match task.get("hosts") {
                None | Some(Json::Null) => continue,
                Some(Json::Object(results)) => results,
                Some(other) => {
                    return Err(bad(
                        format!("/plays/{p}/tasks/{t}/hosts"),
                        "an object",
                        other,
                    ));
                }
            };
            for (name, result) in results {
                let Some(Json::Object(facts)) = result.get("ansible_facts") else {
                    continue;
                };
                let index = *positions.entry(name.clone()).or_insert_with(|| {
                    hosts.push((name.clone(), Map::new()));
                    hosts.len() - 1
                });
                let entry = hosts.get_mut(index);
                if let Some((_, merged)) = entry {
                    for (k, v) in facts {
                        merged.insert(k.clone(), v.clone());
                    }
                }
            }
        }
    }
    if hosts.is_empty() {
        return Err(ImportError::at(
            file,
            "this Ansible output has no host facts (run the `setup` module, or a play that gathers facts)",
        ));
    }
    Ok(hosts
        .iter()
        .map(|(name, facts)| host(file, facts, Some(name)))
        .collect())
}

fn is_localhost(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower == "localhost"
        || lower.starts_with("localhost.")
        || lower == "localhost6"
        || lower.starts_with("localhost6.")
}

fn usable<'a>(facts: &'a Map<String, Json>, key: &str) -> Option<&'a str> {
    facts
        .get(key)
        .and_then(Json::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty() && !is_localhost(s))
}

fn host(file: &Path, facts: &Map<String, Json>, inventory: Option<&str>) -> Resource {
    let mut attrs = Map::new();
    for (k, v) in facts {
        if !k.starts_with("ansible_") {
            attrs.insert(k.clone(), v.clone());
        }
    }
    for (k, v) in facts {
        if let Some(bare) = k.strip_prefix("ansible_")
            && !bare.is_empty()
        {
            attrs.insert(bare.to_string(), v.clone());
        }
    }
    let fact = |k: &str| attrs.get(k).cloned().unwrap_or(Json::Null);
    let os = json!({
        "family": fact("os_family"),
        "distribution": fact("distribution"),
        "version": fact("distribution_version"),
        "major_version": fact("distribution_major_version"),
        "release": fact("distribution_release"),
        "kernel": fact("kernel"),
        "system": fact("system"),
        "architecture": fact("architecture"),
    });
    attrs.insert("os".into(), os);
    if let Some(selinux) = attrs.get("selinux") {
        let normalised = selinux_block(selinux);
        attrs.insert("selinux".into(), normalised);
    }
    if let Some(Json::Array(mounts)) = attrs.get("mounts") {
        let normalised = mounts.iter().map(mount).collect();
        attrs.insert("mounts".into(), Json::Array(normalised));
    }
    if let Some(name) = inventory {
        attrs.insert("inventory_hostname".into(), json!(name));
    }
    let stem = file
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let id = usable(facts, "ansible_fqdn")
        .or_else(|| usable(facts, "ansible_hostname"))
        .or_else(|| usable(facts, "ansible_nodename"))
        .map(str::to_string)
        .or_else(|| inventory.map(str::to_string))
        .unwrap_or(stem);
    let mut sensitive = Vec::new();
    if let Some(Json::Object(env)) = attrs.get("env") {
        for name in env.keys() {
            if secret_name(name) {
                sensitive.push(pointer("/env", name));
            }
        }
    }
    let hostname = facts
        .get("ansible_hostname")
        .and_then(Json::as_str)
        .filter(|s| !s.is_empty());
    let mut r = Resource::new("host", &id, Value::from_json(&Json::Object(attrs)));
    r.name = Some(Str::from(hostname.unwrap_or(&id)));
    r.address = Some(Str::from(id.as_str()));
    r.provider = Some(Str::from("ansible"));
    r.source = Some(source(file, "ansible-facts", None));
    r.sensitive = sensitive;
    r
}

fn selinux_block(v: &Json) -> Json {
    let Json::Object(o) = v else {
        // `false`: old Ansible without the selinux Python library.
        return json!({
            "status": "unknown",
            "mode": null,
            "config_mode": null,
            "type": null,
            "policyvers": null,
            "detail": v,
        });
    };
    let given = o.get("status").and_then(Json::as_str).unwrap_or_default();
    let status = match given.trim().to_ascii_lowercase().as_str() {
        "enabled" => "enabled",
        "disabled" => "disabled",
        _ => "unknown",
    };
    let mut out = o.clone();
    out.insert("status".into(), json!(status));
    for k in ["mode", "config_mode", "type", "policyvers"] {
        out.entry(k).or_insert(Json::Null);
    }
    if status == "unknown" {
        out.insert(
            "detail".into(),
            o.get("status").cloned().unwrap_or(Json::Null),
        );
    }
    Json::Object(out)
}

fn mount(m: &Json) -> Json {
    let Json::Object(o) = m else {
        return m.clone();
    };
    let mut out = o.clone();
    if let Some(Json::String(options)) = o.get("options") {
        let list: Vec<Json> = options
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| json!(s))
            .collect();
        out.insert("options_list".into(), Json::Array(list));
    }
    Json::Object(out)
}

/// Environment variable names that usually hold secrets.
fn secret_name(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    [
        "PASSWORD",
        "PASSWD",
        "SECRET",
        "TOKEN",
        "CREDENTIAL",
        "PRIVATE",
        "APIKEY",
        "API_KEY",
    ]
    .iter()
    .any(|w| upper.contains(w))
        || upper.ends_with("_KEY")
        || upper == "KEY"
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, reason = "tests")]
mod tests {
    use super::*;

    #[test]
    fn prefix_is_stripped_and_blocks_normalised() {
        let doc = json!({"ansible_facts": {
            "ansible_hostname": "web-1",
            "ansible_fqdn": "localhost.localdomain",
            "ansible_distribution": "Ubuntu",
            "ansible_distribution_version": "22.04",
            "ansible_selinux": {"status": "Missing selinux Python library"},
            "ansible_mounts": [{"mount": "/tmp", "options": "rw,nodev,nosuid"}],
            "ansible_env": {"HOME": "/root", "DB_PASSWORD": "x", "AWS_SECRET_ACCESS_KEY": "y"},
            "module_setup": true,
        }, "changed": false});
        assert!(looks_like(&doc));
        let r = import(Path::new("f.json"), &doc).unwrap();
        let r = &r[0];
        assert_eq!(r.id.as_str(), "web-1");
        let a = r.attributes.to_json();
        assert_eq!(a["distribution"], "Ubuntu");
        assert_eq!(a["os"]["version"], "22.04");
        assert_eq!(a["os"]["family"], Json::Null);
        assert_eq!(a["selinux"]["status"], "unknown");
        assert_eq!(a["selinux"]["detail"], "Missing selinux Python library");
        assert_eq!(
            a["mounts"][0]["options_list"],
            json!(["rw", "nodev", "nosuid"])
        );
        assert_eq!(a["module_setup"], true);
        assert_eq!(
            r.sensitive,
            vec![
                "/env/AWS_SECRET_ACCESS_KEY".to_string(),
                "/env/DB_PASSWORD".to_string()
            ]
        );
    }

    #[test]
    fn id_falls_back_to_the_file_stem() {
        let doc = json!({"ansible_system": "Linux"});
        let r = import(Path::new("/x/db-2.json"), &doc).unwrap();
        assert_eq!(r[0].id.as_str(), "db-2");
    }

    #[test]
    fn callback_output_has_one_host_per_inventory_host() {
        let doc = json!({"plays": [{"tasks": [
            {"hosts": {"b": {"ansible_facts": {"ansible_hostname": "b", "ansible_fqdn": "b.example"}},
                       "a": {"ansible_facts": {"ansible_system": "Linux"}}}},
            {"hosts": {"b": {"ansible_facts": {"role": "web"}}}}
        ]}], "stats": {}});
        assert!(looks_like(&doc));
        let r = import(Path::new("run.json"), &doc).unwrap();
        let ids: Vec<&str> = r.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["a", "b.example"]);
        assert_eq!(r[1].attributes.to_json()["role"], "web");
        assert_eq!(r[0].attributes.to_json()["inventory_hostname"], "a");
    }

    #[test]
    fn wrong_shapes_are_named() {
        let e = import(Path::new("f.json"), &json!({"ansible_facts": []})).unwrap_err();
        assert!(
            e.message.contains("`/ansible_facts` must be an object"),
            "{e}"
        );
        let e = import(Path::new("f.json"), &json!({"plays": {}, "stats": {}})).unwrap_err();
        assert!(e.message.contains("`/plays`"), "{e}");
        let e = import(Path::new("f.json"), &json!({"plays": [], "stats": {}})).unwrap_err();
        assert!(e.message.contains("no host facts"), "{e}");
    }
}
