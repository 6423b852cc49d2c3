//! Comparing a plumb baseline (`host_baseline`, imported by
//! plumb-ingest's baseline importer, docs/baseline.md) with the facts of a
//! host: which declarations the facts contradict, confirm, or say nothing
//! about. The importer normalised every declaration, so this module needs
//! no case analysis of how one was written; it never reads files.

use plumb_ingest::host::baseline::SECTIONS;
use plumb_runtime::Resource;
use serde_json::Value as Json;

fn pointer(base: &str, key: &str) -> String {
    format!("{base}/{}", key.replace('~', "~0").replace('/', "~1"))
}

/// One declaration a host's facts contradict.
#[derive(Debug, Clone, PartialEq)]
pub struct Deviation {
    /// JSON pointer into the baseline's attributes: `/packages/telnet`.
    pub path: String,
    /// The declaration (normalised).
    pub declared: Json,
    /// What the facts show (`None`: nothing, e.g. the package is not
    /// installed or the service does not exist).
    pub actual: Option<Json>,
    /// The facts show something a section the baseline declares complete
    /// (`exclusive`) does not declare: a uid-0 user, a listening port, a
    /// package or a running service too many. `declared` is null.
    pub undeclared: bool,
}

/// What comparing a baseline with a host's facts found.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Comparison {
    pub deviations: Vec<Deviation>,
    /// Declarations the facts say nothing about (pointers): the host's
    /// facts have no such section (no `package_facts` run, or `files`,
    /// `sysctl`, `sshd`, which `setup` does not report).
    pub unobserved: Vec<String>,
    /// Declarations the facts confirm.
    pub confirmed: usize,
}

/// Compares a `host_baseline` with the `host` of the same id (Ansible
/// facts), section by section (docs/baseline.md, "Comparing with facts"):
///
/// - `packages` against `packages` (`package_facts`: name → list of
///   `{version, release, epoch}`): present means listed, absent not
///   listed, a version pattern matches some installed `version`,
///   `version-release` or `epoch:version-release`;
/// - `services` against `services` (`service_facts`: unit → `{state,
///   status}`, the name with or without `.service`): `running` means
///   state `running`, `stopped` anything else or no such unit; `enabled`
///   means a status starting `enabled`, disabled anything else;
/// - `files`, `sysctl`, `sshd` against the sections of those names when
///   the host has them (same shapes as the baseline's; mode, owner and
///   group compared as text, a missing file is state `absent`).
///
/// A section the host's facts do not have is unobserved, not drift.
pub fn compare(baseline: &Resource, host: &Resource) -> Comparison {
    let b = baseline.attributes.to_json();
    let h = host.attributes.to_json();
    let mut out = Comparison::default();
    for section in SECTIONS {
        let Some(Json::Object(declared)) = b.get(section) else {
            continue;
        };
        let view = facts(&h, section);
        let actual = view.as_ref().filter(|v| !v.is_null());
        for (key, want) in declared {
            let path = pointer(&format!("/{section}"), key);
            let Some(actual) = actual else {
                out.unobserved.push(path);
                continue;
            };
            let (ok, seen) = match section {
                "packages" => package_matches(want, actual.get(key)),
                "services" => service_matches(want, actual, key),
                "files" => file_matches(want, actual.get(key)),
                "users" => user_matches(want, actual.get(key)),
                "sudoers" => {
                    let seen = actual.get(key).filter(|v| !v.is_null()).cloned();
                    let present = want.get("state").and_then(Json::as_str) != Some("absent");
                    (seen.is_some() == present, seen)
                }
                "ports" => {
                    let seen = actual.get(key).cloned();
                    let listening = want.get("state").and_then(Json::as_str) == Some("listening");
                    (seen.is_some() == listening, seen)
                }
                "sshd" => {
                    let seen = actual
                        .as_object()
                        .and_then(|o| o.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)))
                        .map(|(_, v)| v.clone());
                    (
                        seen.as_ref().map(scalar_text) == want.as_str().map(str::to_string),
                        seen,
                    )
                }
                _ => {
                    let seen = actual.get(key).cloned();
                    let text = seen.as_ref().map(|v| {
                        scalar_text(v)
                            .split_whitespace()
                            .collect::<Vec<_>>()
                            .join(" ")
                    });
                    (text.as_deref() == want.as_str(), seen)
                }
            };
            if ok {
                out.confirmed += 1;
            } else {
                out.deviations.push(Deviation {
                    path,
                    declared: want.clone(),
                    actual: seen,
                    undeclared: false,
                });
            }
        }
    }
    let exclusive: Vec<&str> = b
        .get("exclusive")
        .and_then(Json::as_array)
        .map(|l| l.iter().filter_map(Json::as_str).collect())
        .unwrap_or_default();
    for section in exclusive {
        let (Some(Json::Object(declared)), Some(Json::Object(seen))) =
            (b.get(section), facts(&h, section))
        else {
            continue;
        };
        for (key, value) in &seen {
            let counts = match section {
                // Only users with uid 0 must all be declared.
                "users" => value.get("uid").and_then(Json::as_u64) == Some(0),
                "services" => value.get("state").and_then(Json::as_str) == Some("running"),
                _ => true,
            };
            // A declared entry, whatever it says, was compared above
            // (sshd keywords in any case, services with or without
            // `.service`).
            let name = key.strip_suffix(".service").unwrap_or(key);
            let lower = key.to_ascii_lowercase();
            let is_declared = declared.contains_key(key)
                || declared.contains_key(name)
                || (section == "sshd" && declared.contains_key(&lower));
            if counts && !is_declared {
                out.deviations.push(Deviation {
                    path: pointer(&format!("/{section}"), key),
                    declared: Json::Null,
                    actual: Some(value.clone()),
                    undeclared: true,
                });
            }
        }
    }
    out
}

/// The host's facts for a baseline section, in the section's shape:
/// `users` from `getent_passwd` (Ansible's getent module: name → [x, uid,
/// gid, ...]) as name → `{uid}`; `ports` from `tcp_listen` and
/// `udp_listen` (Ansible's listen_ports_facts) as `tcp/22` → the entry;
/// other sections as the facts have them. `None`: not observed.
fn facts(h: &Json, section: &str) -> Option<Json> {
    match section {
        "users" => {
            if let Some(users) = h.get("users").filter(|v| v.is_object()) {
                return Some(users.clone());
            }
            let passwd = h.get("getent_passwd")?.as_object()?;
            Some(Json::Object(
                passwd
                    .iter()
                    .map(|(name, fields)| {
                        let uid = fields
                            .as_array()
                            .and_then(|f| f.get(1))
                            .and_then(|u| match u {
                                Json::String(s) => s.trim().parse::<u64>().ok(),
                                other => other.as_u64(),
                            });
                        (name.clone(), serde_json::json!({"uid": uid}))
                    })
                    .collect(),
            ))
        }
        "ports" => {
            let tcp = h.get("tcp_listen").and_then(Json::as_array);
            let udp = h.get("udp_listen").and_then(Json::as_array);
            if tcp.is_none() && udp.is_none() {
                return None;
            }
            let mut out = serde_json::Map::new();
            for (proto, list) in [("tcp", tcp), ("udp", udp)] {
                for entry in list.into_iter().flatten() {
                    let port = entry.get("port").and_then(|p| match p {
                        Json::String(s) => s.trim().parse::<u64>().ok(),
                        other => other.as_u64(),
                    });
                    if let Some(port) = port {
                        out.insert(format!("{proto}/{port}"), entry.clone());
                    }
                }
            }
            Some(Json::Object(out))
        }
        // Custom facts (`ansible_local.sudoers`, principal → rules) where
        // no module reports them.
        "sudoers" => h
            .get("sudoers")
            .or_else(|| h.get("local").and_then(|l| l.get("sudoers")))
            .cloned(),
        _ => h.get(section).cloned(),
    }
}

fn user_matches(want: &Json, seen: Option<&Json>) -> (bool, Option<Json>) {
    let seen = seen.filter(|v| !v.is_null()).cloned();
    let ok = match want.get("state").and_then(Json::as_str) {
        Some("absent") => seen.is_none(),
        _ => match want.get("uid").and_then(Json::as_u64) {
            Some(uid) => {
                seen.as_ref()
                    .and_then(|s| s.get("uid"))
                    .and_then(Json::as_u64)
                    == Some(uid)
            }
            None => seen.is_some(),
        },
    };
    (ok, seen)
}

fn scalar_text(v: &Json) -> String {
    match v {
        Json::String(s) => s.trim().to_string(),
        Json::Bool(true) => "yes".into(),
        Json::Bool(false) => "no".into(),
        other => other.to_string(),
    }
}

fn package_matches(want: &Json, seen: Option<&Json>) -> (bool, Option<Json>) {
    let installed: Vec<&Json> = match seen {
        Some(Json::Array(list)) => list.iter().collect(),
        Some(Json::Null) | None => Vec::new(),
        Some(other) => vec![other],
    };
    let seen = (!installed.is_empty()).then(|| seen.cloned().unwrap_or(Json::Null));
    let ok = match want.get("state").and_then(Json::as_str) {
        Some("absent") => installed.is_empty(),
        _ => match want.get("version").and_then(Json::as_str) {
            None => !installed.is_empty(),
            Some(pattern) => installed.iter().any(|p| {
                let field = |k: &str| {
                    p.get(k)
                        .map(scalar_text)
                        .filter(|s| !s.is_empty() && s != "null")
                };
                let version = field("version");
                let release = field("release");
                let epoch = field("epoch");
                let mut forms = Vec::new();
                if let Some(v) = &version {
                    forms.push(v.clone());
                    if let Some(r) = &release {
                        forms.push(format!("{v}-{r}"));
                        if let Some(e) = &epoch {
                            forms.push(format!("{e}:{v}-{r}"));
                        }
                    }
                }
                forms
                    .iter()
                    .any(|f| plumb_runtime::glob::matches(pattern, f))
            }),
        },
    };
    (ok, seen)
}

fn service_matches(want: &Json, services: &Json, name: &str) -> (bool, Option<Json>) {
    let seen = services
        .get(name)
        .or_else(|| services.get(format!("{name}.service").as_str()))
        .filter(|v| !v.is_null())
        .cloned();
    let state = seen
        .as_ref()
        .and_then(|s| s.get("state"))
        .and_then(Json::as_str);
    let status = seen
        .as_ref()
        .and_then(|s| s.get("status"))
        .and_then(Json::as_str);
    let state_ok = match want.get("state").and_then(Json::as_str) {
        Some("running") => state == Some("running"),
        Some(_) => state != Some("running"),
        None => true,
    };
    let enabled_ok = match want.get("enabled").and_then(Json::as_bool) {
        Some(true) => status.is_some_and(|s| s.starts_with("enabled")),
        Some(false) => !status.is_some_and(|s| s.starts_with("enabled")),
        None => true,
    };
    (state_ok && enabled_ok, seen)
}

fn file_matches(want: &Json, seen: Option<&Json>) -> (bool, Option<Json>) {
    let seen = seen.filter(|v| !v.is_null()).cloned();
    let state = want
        .get("state")
        .and_then(Json::as_str)
        .unwrap_or("present");
    let Some(actual) = &seen else {
        return (state == "absent", None);
    };
    let actual_state = actual
        .get("state")
        .and_then(Json::as_str)
        .unwrap_or("present");
    let state_ok = match state {
        "absent" => actual_state == "absent",
        "present" => actual_state != "absent",
        other => actual_state == other,
    };
    let same = |k: &str| match want.get(k).and_then(Json::as_str) {
        None => true,
        Some(w) => {
            let a = actual.get(k).map(scalar_text);
            if k == "mode" {
                a.is_some_and(|a| format!("{:0>4}", a.trim_start_matches("0o")) == w)
            } else {
                a.as_deref() == Some(w)
            }
        }
    };
    (
        state_ok && same("mode") && same("owner") && same("group"),
        seen,
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, reason = "tests")]
mod tests {
    use super::*;
    use plumb_runtime::glob::matches as glob;
    use plumb_runtime::value::Value;
    use serde_json::json;
    use std::path::Path;

    fn run(doc: Json) -> Vec<Resource> {
        plumb_ingest::host::baseline::import(Path::new("b.yaml"), &doc).unwrap()
    }

    #[test]
    fn globs() {
        assert!(glob("1.24.*", "1.24.0-1ubuntu1"));
        assert!(glob("*", ""));
        assert!(glob("1.?4*", "1.24"));
        assert!(!glob("1.24.*", "1.25.0"));
        assert!(!glob("1.24", "1.24.0"));
        assert!(glob("*ubuntu*", "1.24.0-1ubuntu1"));
        assert!(glob("1.2[0-4].*", "1.24.0"));
        assert!(!glob("1.2[!0-4].*", "1.24.0"));
    }

    #[test]
    fn compare_with_facts() {
        let b = run(
            json!({"plumb_baseline": 1, "groups": {"web": {"hosts": ["web-1"],
            "packages": {"openssh-server": "present", "telnet": "absent", "nginx": "1.24.*", "curl": "present"},
            "services": {"sshd": ["running", "enabled"], "telnetd": "stopped", "nginx": "running"},
            "sysctl": {"net.ipv4.ip_forward": 0}}}}),
        );
        let host = Resource::new(
            "host",
            "web-1",
            Value::from_json(&json!({
                "packages": {
                    "openssh-server": [{"name": "openssh-server", "version": "8.9p1", "release": "3", "epoch": 1}],
                    "telnet": [{"version": "0.17"}],
                    "nginx": [{"version": "1.24.0", "release": "1.el9"}]
                },
                "services": {
                    "sshd.service": {"state": "running", "status": "enabled"},
                    "nginx.service": {"state": "stopped", "status": "disabled"}
                }
            })),
        );
        let c = compare(&b[0], &host);
        let paths: Vec<&str> = c.deviations.iter().map(|d| d.path.as_str()).collect();
        assert_eq!(
            paths,
            ["/packages/curl", "/packages/telnet", "/services/nginx"]
        );
        assert_eq!(c.deviations[0].actual, None);
        assert_eq!(c.unobserved, ["/sysctl/net.ipv4.ip_forward"]);
        assert_eq!(c.confirmed, 4);
    }
}
