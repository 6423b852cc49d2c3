//! plumb host baselines (docs/baseline.md): the state a group of hosts
//! should be in, written by hand in YAML (or JSON):
//!
//! ```yaml
//! plumb_baseline: 1
//! groups:
//!   web:
//!     hosts: [web-1.example.com, web-2.example.com]
//!     packages: {openssh-server: present, telnet: absent, nginx: "1.24.*"}
//!     services: {sshd: running, telnetd: stopped}
//!     files: {/etc/shadow: {mode: "0640", owner: root}}
//!     sysctl: {net.ipv4.ip_forward: 0}
//!     sshd: {PermitRootLogin: "no"}
//! ```
//!
//! Each host named in `hosts` is one resource of type `host_baseline` whose
//! id is the host's name, the id the Ansible importer gives the host's
//! `host` resource (its FQDN, else its hostname), so a baseline and the
//! facts of the same host pair by id. A host in several groups gets one
//! resource with every group's declarations merged (declaring the same
//! thing differently in two groups is an error). A group that picks its
//! hosts by `match` (globs) is one resource with id `group:<name>`, since
//! its hosts are known only from the facts.
//!
//! Every declaration is normalised so a comparison needs no case analysis:
//! packages `{state: present|absent, version}`, services `{state:
//! running|stopped|null, enabled: true|false|null}`, files `{state, mode
//! (four octal digits), owner, group}`, sysctl values as strings, sshd
//! keywords lowercased (as `sshd -T` prints them) with string values.
//! Unknown keys and wrong types are errors naming the JSON pointer.

use std::collections::HashMap;
use std::path::Path;

use plumb_runtime::Resource;
use plumb_runtime::value::{Str, Value};
use serde_json::{Map, Value as Json, json};

use plumb_runtime::glob::Glob;

use super::{kind, pointer, source};
use crate::ImportError;

pub fn looks_like(doc: &Json) -> bool {
    doc.as_object()
        .is_some_and(|o| o.contains_key("plumb_baseline"))
}

const TOP_KEYS: [&str; 3] = ["plumb_baseline", "description", "groups"];
const GROUP_KEYS: [&str; 12] = [
    "description",
    "hosts",
    "match",
    "packages",
    "services",
    "files",
    "sysctl",
    "sshd",
    "users",
    "ports",
    "sudoers",
    "exclusive",
];
/// The declaration sections of a group, in the order they compare.
pub const SECTIONS: [&str; 8] = [
    "packages", "services", "files", "sysctl", "sshd", "users", "ports", "sudoers",
];
/// The sections a group may declare complete (`exclusive`): what the facts
/// show beyond the declarations is drift.
pub const EXCLUSIVE_SECTIONS: [&str; 6] =
    ["packages", "services", "users", "ports", "sshd", "sudoers"];

struct Checker<'a> {
    file: &'a Path,
}

impl Checker<'_> {
    fn err(&self, at: &str, message: impl std::fmt::Display) -> ImportError {
        let at = if at.is_empty() { "/" } else { at };
        ImportError::at(self.file, format!("`{at}`: {message}"))
    }

    fn object<'v>(
        &self,
        v: &'v Json,
        at: &str,
        what: &str,
    ) -> Result<&'v Map<String, Json>, ImportError> {
        match v {
            Json::Object(o) => Ok(o),
            other => Err(self.err(at, format!("{what} must be a map, found {}", kind(other)))),
        }
    }

    fn known_keys(
        &self,
        o: &Map<String, Json>,
        at: &str,
        known: &[&str],
        what: &str,
    ) -> Result<(), ImportError> {
        for k in o.keys() {
            if !known.contains(&k.as_str()) {
                let mut message = format!("unknown key `{k}` in {what}");
                if let Some(near) = nearest(k, known) {
                    message.push_str(&format!("; did you mean `{near}`?"));
                }
                message.push_str(&format!(" ({what} has {})", known.join(", ")));
                return Err(self.err(&pointer(at, k), message));
            }
        }
        Ok(())
    }

    fn string<'v>(&self, v: &'v Json, at: &str, what: &str) -> Result<&'v str, ImportError> {
        match v {
            Json::String(s) if !s.trim().is_empty() => Ok(s.trim()),
            Json::String(_) => Err(self.err(at, format!("{what} must not be empty"))),
            other => Err(self.err(
                at,
                format!("{what} must be a string, found {}", kind(other)),
            )),
        }
    }
}

/// One section of a declaration: its name, key → value, and key → the
/// group that declared it.
type Section = (&'static str, Map<String, Json>, Vec<(String, String)>);

/// One host's (or one `match` group's) declared state, merged over groups.
struct Declared {
    id: String,
    host: Option<String>,
    matches: Vec<String>,
    groups: Vec<String>,
    description: Vec<String>,
    /// section → key → (value, the group that declared it)
    sections: Vec<Section>,
    /// Sections a group declared complete.
    exclusive: Vec<String>,
}

impl Declared {
    fn new(id: String, host: Option<String>) -> Declared {
        Declared {
            id,
            host,
            matches: Vec::new(),
            groups: Vec::new(),
            description: Vec::new(),
            sections: SECTIONS
                .iter()
                .map(|s| (*s, Map::new(), Vec::new()))
                .collect(),
            exclusive: Vec::new(),
        }
    }
}

pub fn import(file: &Path, doc: &Json) -> Result<Vec<Resource>, ImportError> {
    let c = Checker { file };
    let top = c.object(doc, "", "a plumb baseline")?;
    c.known_keys(top, "", &TOP_KEYS, "a baseline")?;
    match top.get("plumb_baseline") {
        Some(v) if v.as_u64() == Some(1) && !v.to_string().contains('.') => {}
        Some(v) => {
            return Err(c.err(
                "/plumb_baseline",
                format!("unsupported plumb_baseline {v}: this plumb reads version 1"),
            ));
        }
        None => return Err(c.err("", "a baseline starts with `plumb_baseline: 1`")),
    }
    let description = match top.get("description") {
        None | Some(Json::Null) => None,
        Some(d) => Some(c.string(d, "/description", "`description`")?.to_string()),
    };
    let groups = match top.get("groups") {
        None | Some(Json::Null) => return Err(c.err("", "the baseline has no `groups`")),
        Some(g) => c.object(g, "/groups", "`groups` (group name → declarations)")?,
    };
    let mut declared: Vec<Declared> = Vec::new();
    let mut positions: HashMap<String, usize> = HashMap::new();
    for (name, group) in groups {
        let at = pointer("/groups", name);
        if name.trim().is_empty() {
            return Err(c.err(&at, "a group needs a name"));
        }
        let g = c.object(group, &at, "a group")?;
        c.known_keys(g, &at, &GROUP_KEYS, "a group")?;
        let group_description = match g.get("description") {
            None | Some(Json::Null) => None,
            Some(d) => Some(
                c.string(d, &pointer(&at, "description"), "`description`")?
                    .to_string(),
            ),
        };
        let hosts = match g.get("hosts") {
            None | Some(Json::Null) => None,
            Some(h) => Some(names(&c, h, &pointer(&at, "hosts"), "`hosts`")?),
        };
        let globs = match g.get("match") {
            None | Some(Json::Null) => None,
            Some(m @ Json::String(_)) => Some(vec![
                c.string(m, &pointer(&at, "match"), "`match`")?.to_string(),
            ]),
            Some(m) => Some(names(&c, m, &pointer(&at, "match"), "`match`")?),
        };
        for (i, pattern) in globs.iter().flatten().enumerate() {
            let mat = match g.get("match") {
                Some(Json::Array(_)) => format!("{}/{i}", pointer(&at, "match")),
                _ => pointer(&at, "match"),
            };
            check_glob(&c, &mat, pattern)?;
        }
        let exclusive = match g.get("exclusive") {
            None | Some(Json::Null) => Vec::new(),
            Some(e) => {
                let eat = pointer(&at, "exclusive");
                let list = names(&c, e, &eat, "`exclusive`")?;
                for (i, section) in list.iter().enumerate() {
                    if !EXCLUSIVE_SECTIONS.contains(&section.as_str()) {
                        return Err(c.err(
                            &format!("{eat}/{i}"),
                            format!(
                                "`{section}` cannot be exclusive: a group may declare {} complete",
                                EXCLUSIVE_SECTIONS.join(", ")
                            ),
                        ));
                    }
                }
                list
            }
        };
        let mut sections: Vec<(&'static str, Map<String, Json>)> = Vec::new();
        for section in SECTIONS {
            let value = match g.get(section) {
                None | Some(Json::Null) => Map::new(),
                Some(v) => {
                    let sat = pointer(&at, section);
                    let o = c.object(v, &sat, &format!("`{section}`"))?;
                    normalise_section(&c, section, o, &sat)?
                }
            };
            sections.push((section, value));
        }
        let targets: Vec<(String, Option<String>)> = match (hosts, globs) {
            (Some(_), Some(_)) => {
                return Err(c.err(&at, "give the group's `hosts` or a `match` glob, not both"));
            }
            (None, None) => {
                return Err(c.err(
                    &at,
                    "the group names no hosts: give `hosts: [...]` or `match: \"glob\"`",
                ));
            }
            (Some(hosts), None) => hosts.into_iter().map(|h| (h.clone(), Some(h))).collect(),
            (None, Some(globs)) => {
                let id = format!("group:{name}");
                let mut d = Declared::new(id.clone(), None);
                d.matches = globs;
                declared.push(d);
                positions.insert(id, declared.len() - 1);
                vec![(format!("group:{name}"), None)]
            }
        };
        for (id, host) in targets {
            let index = *positions.entry(id.clone()).or_insert_with(|| {
                declared.push(Declared::new(id.clone(), host.clone()));
                declared.len() - 1
            });
            let Some(d) = declared.get_mut(index) else {
                continue;
            };
            d.groups.push(name.clone());
            for section in &exclusive {
                if !d.exclusive.contains(section) {
                    d.exclusive.push(section.clone());
                }
            }
            if let Some(desc) = &group_description {
                d.description.push(desc.clone());
            }
            for ((section, values), (_, merged, owners)) in
                sections.iter().zip(d.sections.iter_mut())
            {
                for (key, value) in values {
                    match merged.get(key) {
                        Some(existing) if existing != value => {
                            let other = owners
                                .iter()
                                .find(|(k, _)| k == key)
                                .map_or("another group", |(_, g)| g.as_str());
                            return Err(c.err(
                                &pointer(&pointer(&at, section), key),
                                format!(
                                    "host `{id}` is also in group `{other}`, which declares {section} `{key}` differently"
                                ),
                            ));
                        }
                        Some(_) => {}
                        None => {
                            merged.insert(key.clone(), value.clone());
                            owners.push((key.clone(), name.clone()));
                        }
                    }
                }
            }
        }
    }
    let mut out = Vec::with_capacity(declared.len());
    for d in declared {
        let mut attrs = Map::new();
        attrs.insert("host".into(), json!(d.host));
        attrs.insert(
            "match".into(),
            if d.matches.is_empty() {
                Json::Null
            } else {
                json!(d.matches)
            },
        );
        attrs.insert("groups".into(), json!(d.groups));
        attrs.insert(
            "description".into(),
            if d.description.is_empty() {
                json!(description)
            } else {
                json!(d.description.join("\n"))
            },
        );
        for (section, values, _) in d.sections {
            attrs.insert(section.into(), Json::Object(values));
        }
        let mut exclusive = d.exclusive;
        exclusive.sort();
        attrs.insert("exclusive".into(), json!(exclusive));
        let name = d
            .host
            .clone()
            .unwrap_or_else(|| d.groups.first().cloned().unwrap_or_default());
        let mut r = Resource::new(
            "host_baseline",
            &d.id,
            Value::from_json(&Json::Object(attrs)),
        );
        r.name = Some(Str::from(name));
        r.provider = Some(Str::from("plumb"));
        r.source = Some(source(file, "plumb-baseline", None));
        out.push(r);
    }
    Ok(out)
}

/// A list of non-empty, distinct strings.
fn names(c: &Checker<'_>, v: &Json, at: &str, what: &str) -> Result<Vec<String>, ImportError> {
    let Json::Array(list) = v else {
        return Err(c.err(
            at,
            format!("{what} must be a list of names, found {}", kind(v)),
        ));
    };
    let mut out: Vec<String> = Vec::with_capacity(list.len());
    for (i, item) in list.iter().enumerate() {
        let iat = format!("{at}/{i}");
        let name = match item {
            Json::Number(n) => n.to_string(),
            other => c.string(other, &iat, "a name")?.to_string(),
        };
        if out.contains(&name) {
            return Err(c.err(&iat, format!("`{name}` is listed twice")));
        }
        out.push(name);
    }
    if out.is_empty() {
        return Err(c.err(at, format!("{what} is empty")));
    }
    Ok(out)
}

fn normalise_section(
    c: &Checker<'_>,
    section: &str,
    o: &Map<String, Json>,
    at: &str,
) -> Result<Map<String, Json>, ImportError> {
    let mut out = Map::new();
    for (key, value) in o {
        let kat = pointer(at, key);
        if key.trim().is_empty() {
            return Err(c.err(&kat, "an empty name"));
        }
        let (key, value) = match section {
            "packages" => (key.clone(), package(c, value, &kat)?),
            "services" => (key.clone(), service(c, value, &kat)?),
            "files" => {
                if !key.starts_with('/') {
                    return Err(c.err(
                        &kat,
                        format!("a file is named by its absolute path, not `{key}`"),
                    ));
                }
                (key.clone(), file_spec(c, value, &kat)?)
            }
            "sysctl" => (key.clone(), sysctl(c, value, &kat)?),
            "users" => (key.clone(), user(c, value, &kat)?),
            "sudoers" => (key.clone(), sudoer(c, value, &kat)?),
            "ports" => (port_key(c, key, &kat)?, port(c, value, &kat)?),
            _ => {
                let lower = key.to_ascii_lowercase();
                if out.contains_key(&lower) {
                    return Err(c.err(
                        &kat,
                        format!("`{key}` is declared twice (sshd keywords ignore case)"),
                    ));
                }
                (lower, sshd_value(c, value, &kat)?)
            }
        };
        out.insert(key, value);
    }
    Ok(out)
}

/// A user: `present`, `absent`, or `{uid: N}` (present with that uid).
fn user(c: &Checker<'_>, v: &Json, at: &str) -> Result<Json, ImportError> {
    match v {
        Json::String(s) if s == "present" => Ok(json!({"state": "present", "uid": null})),
        Json::String(s) if s == "absent" => Ok(json!({"state": "absent", "uid": null})),
        Json::Object(o) => {
            c.known_keys(o, at, &["uid"], "a user")?;
            match o.get("uid") {
                Some(Json::Number(n)) if n.as_u64().is_some() => {
                    Ok(json!({"state": "present", "uid": n}))
                }
                _ => Err(c.err(&pointer(at, "uid"), "a uid is a whole number")),
            }
        }
        other => Err(c.err(
            at,
            format!(
                "a user is `present`, `absent` or `{{uid: N}}`, found {}",
                kind(other)
            ),
        )),
    }
}

/// A sudoers principal (a user, or `%group`): `present` (may use sudo,
/// whatever the rule) or `absent` (must not appear).
fn sudoer(c: &Checker<'_>, v: &Json, at: &str) -> Result<Json, ImportError> {
    match v.as_str() {
        Some("present") | Some("allowed") => Ok(json!({"state": "present"})),
        Some("absent") => Ok(json!({"state": "absent"})),
        _ => Err(c.err(at, "a sudoers entry is `present` or `absent`")),
    }
}

/// A port's name: `tcp/22`, `udp/53` (protocol lowercased).
fn port_key(c: &Checker<'_>, key: &str, at: &str) -> Result<String, ImportError> {
    let lower = key.trim().to_ascii_lowercase();
    let ok = lower.split_once('/').is_some_and(|(proto, n)| {
        matches!(proto, "tcp" | "udp") && n.parse::<u16>().is_ok_and(|p| p > 0)
    });
    if ok {
        Ok(lower)
    } else {
        Err(c.err(
            at,
            format!("a port is named `tcp/PORT` or `udp/PORT`, not `{key}`"),
        ))
    }
}

/// A port: `listening` or `closed`.
fn port(c: &Checker<'_>, v: &Json, at: &str) -> Result<Json, ImportError> {
    match v.as_str() {
        Some("listening") | Some("open") => Ok(json!({"state": "listening"})),
        Some("closed") => Ok(json!({"state": "closed"})),
        _ => Err(c.err(at, "a port is `listening` or `closed`")),
    }
}

fn package(c: &Checker<'_>, v: &Json, at: &str) -> Result<Json, ImportError> {
    let state_of = |word: &str| match word {
        "present" | "installed" => Some("present"),
        "absent" | "removed" | "purged" => Some("absent"),
        _ => None,
    };
    match v {
        Json::String(s) => {
            let s = s.trim();
            if s == "latest" {
                return Err(c.err(at, "`latest` cannot be checked against facts: write `present` or a version pattern such as \"1.24.*\""));
            }
            if s.is_empty() {
                return Err(c.err(at, "a package needs `present`, `absent` or a version pattern"));
            }
            Ok(match state_of(s) {
                Some(state) => json!({"state": state, "version": null}),
                None => {
                    check_glob(c, at, s)?;
                    json!({"state": "present", "version": s})
                }
            })
        }
        Json::Object(o) => {
            c.known_keys(o, at, &["state", "version"], "a package")?;
            let state = match o.get("state") {
                None | Some(Json::Null) => "present",
                Some(s) => {
                    let word = c.string(s, &pointer(at, "state"), "`state`")?;
                    state_of(word).ok_or_else(|| {
                        c.err(&pointer(at, "state"), format!("a package's state is `present` or `absent`, not `{word}`"))
                    })?
                }
            };
            let version = match o.get("version") {
                None | Some(Json::Null) => None,
                Some(Json::Number(n)) => return Err(quote_version(c, &pointer(at, "version"), n)),
                Some(s) => {
                    let vat = pointer(at, "version");
                    let pattern = c.string(s, &vat, "`version`")?;
                    check_glob(c, &vat, pattern)?;
                    Some(pattern.to_string())
                }
            };
            if state == "absent" && version.is_some() {
                return Err(c.err(at, "an absent package has no version"));
            }
            Ok(json!({"state": state, "version": version}))
        }
        Json::Number(n) => Err(quote_version(c, at, n)),
        other => Err(c.err(
            at,
            format!("a package is `present`, `absent`, a version pattern or `{{state, version}}`, found {}", kind(other)),
        )),
    }
}

fn quote_version(c: &Checker<'_>, at: &str, n: &serde_json::Number) -> ImportError {
    c.err(
        at,
        format!(
            "quote versions: YAML reads {n} as a number (`1.10` would become 1.1); write \"{n}\""
        ),
    )
}

fn service(c: &Checker<'_>, v: &Json, at: &str) -> Result<Json, ImportError> {
    let word = |w: &str, at: &str| -> Result<(Option<&'static str>, Option<bool>), ImportError> {
        Ok(match w {
            "running" | "started" => (Some("running"), None),
            "stopped" => (Some("stopped"), None),
            "enabled" => (None, Some(true)),
            "disabled" => (None, Some(false)),
            other => {
                return Err(c.err(
                    at,
                    format!(
                        "a service is `running`, `stopped`, `enabled` or `disabled`, not `{other}`"
                    ),
                ));
            }
        })
    };
    match v {
        Json::String(s) => {
            let (state, enabled) = word(s.trim(), at)?;
            Ok(json!({"state": state, "enabled": enabled}))
        }
        Json::Array(words) => {
            let mut state = None;
            let mut enabled = None;
            for (i, w) in words.iter().enumerate() {
                let wat = format!("{at}/{i}");
                let (s, e) = word(c.string(w, &wat, "a service state")?, &wat)?;
                if (s.is_some() && state.is_some() && s != state) || (e.is_some() && enabled.is_some() && e != enabled) {
                    return Err(c.err(&wat, "contradicts an earlier state of the same service"));
                }
                state = s.or(state);
                enabled = e.or(enabled);
            }
            Ok(json!({"state": state, "enabled": enabled}))
        }
        Json::Object(o) => {
            c.known_keys(o, at, &["state", "enabled"], "a service")?;
            let state = match o.get("state") {
                None | Some(Json::Null) => None,
                Some(s) => {
                    let sat = pointer(at, "state");
                    match word(c.string(s, &sat, "`state`")?, &sat)? {
                        (Some(state), None) => Some(state),
                        _ => return Err(c.err(&sat, "`state` is `running` or `stopped`")),
                    }
                }
            };
            let enabled = match o.get("enabled") {
                None | Some(Json::Null) => None,
                Some(Json::Bool(b)) => Some(*b),
                Some(other) => {
                    return Err(c.err(
                        &pointer(at, "enabled"),
                        format!("`enabled` is true or false, found {}", kind(other)),
                    ));
                }
            };
            Ok(json!({"state": state, "enabled": enabled}))
        }
        other => Err(c.err(
            at,
            format!("a service is `running`, `stopped`, `enabled`, `disabled`, a list of those or `{{state, enabled}}`, found {}", kind(other)),
        )),
    }
}

const FILE_STATES: [&str; 5] = ["present", "absent", "file", "directory", "link"];

fn file_spec(c: &Checker<'_>, v: &Json, at: &str) -> Result<Json, ImportError> {
    let state_word = |s: &str, at: &str| -> Result<String, ImportError> {
        if FILE_STATES.contains(&s) {
            Ok(s.to_string())
        } else {
            Err(c.err(
                at,
                format!(
                    "a file's state is one of {}, not `{s}`",
                    FILE_STATES.join(", ")
                ),
            ))
        }
    };
    match v {
        Json::String(s) => {
            let state = state_word(s.trim(), at)?;
            Ok(json!({"state": state, "mode": null, "owner": null, "group": null}))
        }
        Json::Object(o) => {
            c.known_keys(o, at, &["state", "mode", "owner", "group"], "a file")?;
            let state = match o.get("state") {
                None | Some(Json::Null) => "present".to_string(),
                Some(s) => {
                    let sat = pointer(at, "state");
                    state_word(c.string(s, &sat, "`state`")?, &sat)?
                }
            };
            let mode = match o.get("mode") {
                None | Some(Json::Null) => None,
                Some(Json::Number(n)) => {
                    return Err(c.err(
                        &pointer(at, "mode"),
                        format!("quote the mode: YAML reads an unquoted mode as a number ({n} here; 0640 is 640, or 416 in YAML 1.1); write it as a string such as \"0640\""),
                    ));
                }
                Some(m) => {
                    let mat = pointer(at, "mode");
                    let text = c.string(m, &mat, "`mode`")?;
                    let octal = text.len() <= 4 && text.len() >= 3 && text.bytes().all(|b| (b'0'..=b'7').contains(&b));
                    if !octal {
                        return Err(c.err(&mat, format!("a mode is three or four octal digits such as \"0640\", not `{text}`")));
                    }
                    Some(format!("{text:0>4}"))
                }
            };
            let who = |k: &str| -> Result<Option<String>, ImportError> {
                match o.get(k) {
                    None | Some(Json::Null) => Ok(None),
                    Some(Json::Number(n)) if n.is_u64() => Ok(Some(n.to_string())),
                    Some(v) => Ok(Some(c.string(v, &pointer(at, k), &format!("`{k}`"))?.to_string())),
                }
            };
            let owner = who("owner")?;
            let group = who("group")?;
            if state == "absent" && (mode.is_some() || owner.is_some() || group.is_some()) {
                return Err(c.err(at, "an absent file has no mode, owner or group"));
            }
            Ok(json!({"state": state, "mode": mode, "owner": owner, "group": group}))
        }
        other => Err(c.err(
            at,
            format!("a file is a state (`present`, `absent`...) or `{{state, mode, owner, group}}`, found {}", kind(other)),
        )),
    }
}

fn sysctl(c: &Checker<'_>, v: &Json, at: &str) -> Result<Json, ImportError> {
    match v {
        Json::String(s) => Ok(json!(s.split_whitespace().collect::<Vec<_>>().join(" "))),
        Json::Number(n) => Ok(json!(n.to_string())),
        Json::Bool(_) => Err(c.err(
            at,
            "a sysctl value is a number or a string: write 0 or 1, not a bool",
        )),
        other => Err(c.err(
            at,
            format!(
                "a sysctl value is a number or a string, found {}",
                kind(other)
            ),
        )),
    }
}

fn sshd_value(c: &Checker<'_>, v: &Json, at: &str) -> Result<Json, ImportError> {
    match v {
        Json::String(s) => Ok(json!(s.trim())),
        Json::Bool(b) => Ok(json!(if *b { "yes" } else { "no" })),
        Json::Number(n) => Ok(json!(n.to_string())),
        Json::Array(items) => {
            let mut parts = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                let iat = format!("{at}/{i}");
                match item {
                    Json::Number(n) => parts.push(n.to_string()),
                    other => parts.push(c.string(other, &iat, "a value")?.to_string()),
                }
            }
            Ok(json!(parts.join(",")))
        }
        other => Err(c.err(
            at,
            format!("an sshd value is a string, found {}", kind(other)),
        )),
    }
}

/// A glob that compiles (plumb's one glob, as `glob_match` in rules and
/// drift's host matching use), or an error at `at`.
fn check_glob(c: &Checker<'_>, at: &str, pattern: &str) -> Result<(), ImportError> {
    Glob::new(pattern)
        .map(|_| ())
        .map_err(|e| c.err(at, format!("`{pattern}` is not a glob pattern: {e}")))
}

/// The known word within a third of `word`'s length in edits, if any.
fn nearest<'a>(word: &str, known: &[&'a str]) -> Option<&'a str> {
    let max = (word.len() / 3).max(1);
    known
        .iter()
        .map(|k| (levenshtein(word, k), *k))
        .filter(|(d, _)| *d <= max)
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut row = Vec::with_capacity(b.len() + 1);
        row.push(i + 1);
        for (j, cb) in b.iter().enumerate() {
            let sub = prev.get(j).copied().unwrap_or(0) + usize::from(ca != *cb);
            let del = prev.get(j + 1).copied().unwrap_or(0) + 1;
            let ins = row.get(j).copied().unwrap_or(0) + 1;
            row.push(sub.min(del).min(ins));
        }
        prev = row;
    }
    prev.last().copied().unwrap_or(0)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, reason = "tests")]
mod tests {
    use super::*;

    fn run(doc: Json) -> Result<Vec<Resource>, ImportError> {
        import(Path::new("b.yaml"), &doc)
    }

    #[test]
    fn hosts_get_one_merged_declaration() {
        let r = run(json!({"plumb_baseline": 1, "groups": {
            "all": {"hosts": ["web-1", "db-1"], "sshd": {"PermitRootLogin": false}, "sysctl": {"net.ipv4.ip_forward": 0}},
            "web": {"hosts": ["web-1"], "packages": {"nginx": "1.24.*", "telnet": "absent"},
                    "services": {"nginx": ["running", "enabled"], "telnetd": "stopped"},
                    "files": {"/etc/shadow": {"mode": "640", "owner": "root"}}},
            "edge": {"match": "edge-*", "packages": {"haproxy": "installed"}}
        }}))
        .unwrap();
        let ids: Vec<&str> = r.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["web-1", "db-1", "group:edge"]);
        let web = r[0].attributes.to_json();
        assert_eq!(web["groups"], json!(["all", "web"]));
        assert_eq!(web["sshd"]["permitrootlogin"], "no");
        assert_eq!(web["sysctl"]["net.ipv4.ip_forward"], "0");
        assert_eq!(
            web["packages"]["nginx"],
            json!({"state": "present", "version": "1.24.*"})
        );
        assert_eq!(
            web["packages"]["telnet"],
            json!({"state": "absent", "version": null})
        );
        assert_eq!(
            web["services"]["nginx"],
            json!({"state": "running", "enabled": true})
        );
        assert_eq!(web["files"]["/etc/shadow"]["mode"], "0640");
        let edge = r[2].attributes.to_json();
        assert_eq!(edge["match"], json!(["edge-*"]));
        assert_eq!(edge["host"], Json::Null);
    }

    #[test]
    fn errors_name_the_pointer() {
        let cases = [
            (
                json!({"plumb_baseline": 2, "groups": {}}),
                "`/plumb_baseline`: unsupported plumb_baseline 2",
            ),
            (json!({"plumb_baseline": 1}), "no `groups`"),
            (
                json!({"plumb_baseline": 1, "groups": [], }),
                "`/groups`: `groups`",
            ),
            (
                json!({"plumb_baseline": 1, "group": {}}),
                "unknown key `group` in a baseline; did you mean `groups`?",
            ),
            (
                json!({"plumb_baseline": 1, "groups": {"web": {"hosts": ["a"], "pakages": {}}}}),
                "`/groups/web/pakages`: unknown key `pakages` in a group; did you mean `packages`?",
            ),
            (
                json!({"plumb_baseline": 1, "groups": {"web": {"match": ["a-*", "b-[x"]}}}),
                "`/groups/web/match/1`: `b-[x` is not a glob pattern",
            ),
            (
                json!({"plumb_baseline": 1, "groups": {"web": {"hosts": ["a"], "packages": {"x": {"version": "[1"}}}}}),
                "`/groups/web/packages/x/version`: `[1` is not a glob pattern",
            ),
            (
                json!({"plumb_baseline": 1, "groups": {"web": {"packages": {}}}}),
                "names no hosts",
            ),
            (
                json!({"plumb_baseline": 1, "groups": {"web": {"hosts": "a"}}}),
                "`/groups/web/hosts`",
            ),
            (
                json!({"plumb_baseline": 1, "groups": {"web": {"hosts": ["a"], "packages": {"nginx": 1.1}}}}),
                "quote versions",
            ),
            (
                json!({"plumb_baseline": 1, "groups": {"web": {"hosts": ["a"], "files": {"/etc/a/b": {"mode": 640}}}}}),
                "`/groups/web/files/~1etc~1a~1b/mode`: quote the mode",
            ),
            (
                json!({"plumb_baseline": 1, "groups": {"web": {"hosts": ["a"], "files": {"/etc/a": {"mode": "999"}}}}}),
                "octal",
            ),
            (
                json!({"plumb_baseline": 1, "groups": {"web": {"hosts": ["a"], "services": {"sshd": "up"}}}}),
                "`/groups/web/services/sshd`: a service is",
            ),
            (
                json!({"plumb_baseline": 1, "groups": {"web": {"hosts": ["a"], "sysctl": {"x": [1]}}}}),
                "`/groups/web/sysctl/x`",
            ),
            (
                json!({"plumb_baseline": 1, "groups": {
                "a": {"hosts": ["h"], "packages": {"nginx": "present"}},
                "b": {"hosts": ["h"], "packages": {"nginx": "absent"}}}}),
                "`/groups/b/packages/nginx`: host `h` is also in group `a`",
            ),
        ];
        for (doc, want) in cases {
            let e = run(doc).unwrap_err();
            assert!(e.message.contains(want), "{e} (wanted {want})");
        }
    }
}
