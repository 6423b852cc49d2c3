//! InSpec JSON reports (`inspec exec --reporter json`, and the older
//! `--format json`): InSpec 1.x to 6.x.
//!
//! Each control of each profile is one resource of type `inspec_control`,
//! id and address `<profile name>/<control id>`, name the control id, with
//! these attributes:
//!
//! - `id`, `title`, `desc` (or the `default` description), `impact`,
//!   `tags` and `refs` as InSpec gave them; `descriptions` as an object
//!   (`{label: data}`, so `attributes.descriptions.fix`); `source_location`;
//! - `profile`, `profile_version`, `platform` (`{name, release,
//!   target_id}` of the report), `inspec_version`;
//! - `results`: each `{status, code_desc, message, skip_message,
//!   exception, resource, resource_id, run_time, start_time}`; a result
//!   with an exception and a backtrace (the resource raised) has status
//!   `error`, as InSpec's enhanced outcomes count it;
//! - `status`, one word for the control (InSpec's own rules): the
//!   control's own `status` when the report has one (`--enhanced-outcomes`;
//!   `not_reviewed` is `skipped`); otherwise `not_applicable` if the impact
//!   is 0, `no_results` if it has no results (it did not run), `failed` if
//!   a result failed, `error` if one errored, `skipped` if all were
//!   skipped, else `passed`;
//! - `waiver` (the `waiver_data`) and `waived`: a waiver that skipped the
//!   control or, with `run: true`, was still in force;
//! - `controls`: the `tags.nist` entries as plumb citations (`AC-6 (1)` →
//!   `nist.AC-6(1)`, `SC-28 a` → `nist.SC-28`, `Rev_4` dropped, only
//!   controls of the NIST SP 800-53 rev5 catalog, see
//!   [`super::nist_citations`]);
//! - `severity`: `tags.severity` if it is a severity word, else from the
//!   impact with InSpec's bands (below 0.01 `info`, below 0.4 `low`, below
//!   0.7 `medium`, below 0.9 `high`, else `critical`), `medium` without
//!   either.
//!
//! Each profile is also a resource of type `inspec_profile` (id the profile
//! name): `name`, `version`, `title`, `sha256`, `status` (`loaded`,
//! `skipped`, `failed`), `status_message`, `parent_profile`, `depends`,
//! `supports`, `inputs` (values of inputs marked `sensitive` are
//! sensitive), `platform`, and `counts` of its controls by status.
//!
//! The `json-min` reporter's flat list of results is read too: results
//! are grouped into controls by profile and control id; it has no titles,
//! impacts (so severity `medium`), tags or profile resources.
//!
//! InSpec 1.x also lists every result again in a top-level `controls`
//! list (ignored) and the checks outside any control in `other_checks`,
//! which become one control `(other checks)`. The controls' Ruby `code` is
//! left out.

use std::collections::HashMap;
use std::path::Path;

use plumb_runtime::Resource;
use plumb_runtime::bytecode::Severity;
use plumb_runtime::eval::Status;
use plumb_runtime::value::{Str, Value};
use serde_json::{Map, Value as Json, json};

use super::{
    FindingParts, Outcome, finding, kind, nist_citations, one_line, severity_from_impact,
    severity_word, source, str_list,
};
use crate::ImportError;

pub fn looks_like(doc: &Json) -> bool {
    let Some(o) = doc.as_object() else {
        return false;
    };
    let run = o.contains_key("platform")
        || o.contains_key("statistics")
        || o.contains_key("other_checks")
        || o.get("version").is_some_and(Json::is_string);
    run && (o.contains_key("profiles") || is_json_min(o))
}

/// `--reporter json-min`: a flat `controls` list of results, each with its
/// control's `id` and `profile_id`.
fn is_json_min(o: &Map<String, Json>) -> bool {
    !o.contains_key("profiles")
        && o.get("controls").and_then(Json::as_array).is_some_and(|c| {
            c.first()
                .is_some_and(|r| r.get("profile_id").is_some() || r.get("code_desc").is_some())
        })
}

struct Report<'a> {
    file: &'a Path,
    platform: Json,
    inspec_version: Json,
}

pub fn import(file: &Path, doc: &Json) -> Result<Vec<Resource>, ImportError> {
    let bad = |m: String| ImportError::at(file, m);
    let Some(top) = doc.as_object() else {
        return Err(bad(format!(
            "an InSpec report is a JSON object, found {}",
            kind(doc)
        )));
    };
    let platform = match top.get("platform") {
        Some(Json::Object(p)) => json!({
            "name": p.get("name"),
            "release": p.get("release"),
            "target_id": p.get("target_id"),
        }),
        None | Some(Json::Null) => json!({"name": null, "release": null, "target_id": null}),
        Some(other) => {
            return Err(bad(format!(
                "`/platform` must be an object, found {}",
                kind(other)
            )));
        }
    };
    let report = Report {
        file,
        platform,
        inspec_version: top.get("version").cloned().unwrap_or(Json::Null),
    };
    if is_json_min(top) {
        return json_min(&report, top);
    }
    let profiles = match top.get("profiles") {
        Some(Json::Array(p)) => p,
        Some(other) => {
            return Err(bad(format!(
                "`/profiles` must be a list of profiles, found {}",
                kind(other)
            )));
        }
        None => return Err(bad("the InSpec report has no `profiles`".into())),
    };
    let mut read: Vec<ReadProfile<'_>> = Vec::with_capacity(profiles.len());
    for (p, profile) in profiles.iter().enumerate() {
        let at = format!("/profiles/{p}");
        let Json::Object(profile) = profile else {
            return Err(bad(format!(
                "`{at}` must be an object (a profile), found {}",
                kind(profile)
            )));
        };
        let name = match profile.get("name") {
            Some(Json::String(n)) if !n.is_empty() => n.as_str(),
            Some(Json::String(_)) | None | Some(Json::Null) => {
                return Err(bad(format!("the profile at `{at}` has no `name`")));
            }
            Some(other) => {
                return Err(bad(format!(
                    "`{at}/name` must be a string, found {}",
                    kind(other)
                )));
            }
        };
        let controls = match profile.get("controls") {
            None | Some(Json::Null) => &[][..],
            Some(Json::Array(c)) => c.as_slice(),
            Some(other) => {
                return Err(bad(format!(
                    "`{at}/controls` must be a list of controls, found {}",
                    kind(other)
                )));
            }
        };
        let mut list = Vec::with_capacity(controls.len());
        for (c, control) in controls.iter().enumerate() {
            let Json::Object(control) = control else {
                return Err(bad(format!(
                    "`{at}/controls/{c}` must be an object (a control), found {}",
                    kind(control)
                )));
            };
            list.push(control);
        }
        read.push(ReadProfile {
            name,
            profile,
            parent: profile.get("parent_profile").and_then(Json::as_str),
            controls: list,
        });
    }
    let merged = merge_dependencies(&read);
    let mut out = Vec::new();
    for (p, rp) in read.iter().enumerate() {
        let mut imported = Vec::with_capacity(rp.controls.len());
        for (c, control) in rp.controls.iter().enumerate() {
            if merged.consumed.contains(&(p, c)) {
                continue;
            }
            let at = format!("/profiles/{p}/controls/{c}");
            match merged.bases.get(&(p, c)) {
                Some(&(bp, bc)) => {
                    let (Some(base_profile), Some(base)) =
                        (read.get(bp), read.get(bp).and_then(|b| b.controls.get(bc)))
                    else {
                        continue;
                    };
                    let control = overlay(base, control);
                    imported.push(control_resource(
                        &report,
                        Some(rp.profile),
                        &control,
                        &at,
                        Some(base_profile.name),
                    )?);
                }
                None => imported.push(control_resource(
                    &report,
                    Some(rp.profile),
                    control,
                    &at,
                    None,
                )?),
            }
        }
        out.push(profile_resource(&report, rp.name, rp.profile, &imported));
        out.extend(imported);
    }
    match top.get("other_checks") {
        None | Some(Json::Null) => {}
        Some(Json::Array(checks)) if checks.is_empty() => {}
        Some(Json::Array(checks)) => {
            let control: Map<String, Json> = [
                ("id".to_string(), json!("(other checks)")),
                ("title".to_string(), json!("Checks outside any control")),
                ("impact".to_string(), json!(0.5)),
                ("results".to_string(), Json::Array(checks.clone())),
            ]
            .into_iter()
            .collect();
            out.push(control_resource(
                &report,
                None,
                &control,
                "/other_checks",
                None,
            )?);
        }
        Some(other) => {
            return Err(bad(format!(
                "`/other_checks` must be a list of results, found {}",
                kind(other)
            )));
        }
    }
    Ok(out)
}

/// One profile of a report, its controls checked to be objects.
struct ReadProfile<'a> {
    name: &'a str,
    profile: &'a Map<String, Json>,
    parent: Option<&'a str>,
    controls: Vec<&'a Map<String, Json>>,
}

/// How a wrapper profile's controls take their results from its
/// dependencies.
#[derive(Default)]
struct Merged {
    /// (profile, control) of a wrapper's control without results → the
    /// dependency's control that ran it.
    bases: HashMap<(usize, usize), (usize, usize)>,
    /// Dependency controls merged into a wrapper's: not imported again.
    consumed: std::collections::HashSet<(usize, usize)>,
}

/// A wrapper profile (`include_controls`, `require_controls`) lists every
/// control it runs with empty `results`; the profiles it depends on
/// (`parent_profile` naming it) carry the results. As Heimdall does, each
/// such control becomes one: the dependency's, with its results, overlaid
/// with what the wrapper sets (impact, title, tags...). Without this every
/// control would count twice, once without results.
fn merge_dependencies(profiles: &[ReadProfile<'_>]) -> Merged {
    let mut merged = Merged::default();
    for (w, wrapper) in profiles.iter().enumerate() {
        if !profiles.iter().any(|p| p.parent == Some(wrapper.name)) {
            continue;
        }
        for (c, control) in wrapper.controls.iter().enumerate() {
            if has_results(control) {
                continue;
            }
            let Some(id) = control.get("id") else {
                continue;
            };
            let mut path = Vec::new();
            if let Some(base) = find_base(profiles, wrapper.name, id, 0, &mut path) {
                merged.bases.insert((w, c), base);
                merged.consumed.extend(path);
                merged.consumed.insert(base);
            }
        }
    }
    merged
}

fn has_results(control: &Map<String, Json>) -> bool {
    control
        .get("results")
        .and_then(Json::as_array)
        .is_some_and(|r| !r.is_empty())
}

/// The dependency control (of a profile whose parent is `parent`, or
/// deeper) with id `id` and results; `path` collects the wrappers' copies
/// met on the way. Dependencies nest at most 16 deep.
fn find_base(
    profiles: &[ReadProfile<'_>],
    parent: &str,
    id: &Json,
    depth: usize,
    path: &mut Vec<(usize, usize)>,
) -> Option<(usize, usize)> {
    if depth > 16 {
        return None;
    }
    for (p, dep) in profiles.iter().enumerate() {
        if dep.parent != Some(parent) || dep.name == parent {
            continue;
        }
        for (c, control) in dep.controls.iter().enumerate() {
            if control.get("id") != Some(id) {
                continue;
            }
            if has_results(control) {
                return Some((p, c));
            }
            path.push((p, c));
            if let Some(base) = find_base(profiles, dep.name, id, depth + 1, path) {
                return Some(base);
            }
        }
    }
    None
}

/// The dependency's control with the wrapper's settings over it: each of
/// these the wrapper sets (not null, not empty) wins.
fn overlay(base: &Map<String, Json>, wrapper: &Map<String, Json>) -> Map<String, Json> {
    let mut out = base.clone();
    for k in [
        "title",
        "desc",
        "descriptions",
        "impact",
        "tags",
        "refs",
        "waiver_data",
    ] {
        let set = match wrapper.get(k) {
            None | Some(Json::Null) => false,
            Some(Json::String(s)) => !s.is_empty(),
            Some(Json::Array(a)) => !a.is_empty(),
            Some(Json::Object(o)) => !o.is_empty(),
            Some(_) => true,
        };
        if let (true, Some(v)) = (set, wrapper.get(k)) {
            out.insert(k.to_string(), v.clone());
        }
    }
    out
}

/// The json-min reporter's results, grouped into controls (by profile and
/// control id, in the order they first appear). It carries no titles,
/// impacts or tags, and no profile metadata.
fn json_min(report: &Report<'_>, top: &Map<String, Json>) -> Result<Vec<Resource>, ImportError> {
    let bad = |m: String| ImportError::at(report.file, m);
    let Some(Json::Array(results)) = top.get("controls") else {
        return Ok(Vec::new());
    };
    let mut groups: Vec<(Option<String>, String, Vec<Json>)> = Vec::new();
    let mut positions: HashMap<(Option<String>, String), usize> = HashMap::new();
    for (i, result) in results.iter().enumerate() {
        let Json::Object(r) = result else {
            return Err(bad(format!(
                "`/controls/{i}` must be an object (a result), found {}",
                kind(result)
            )));
        };
        let profile = r
            .get("profile_id")
            .and_then(Json::as_str)
            .map(str::to_string);
        let id = r
            .get("id")
            .and_then(Json::as_str)
            .filter(|s| !s.is_empty())
            .unwrap_or("(anonymous)")
            .to_string();
        let index = *positions
            .entry((profile.clone(), id.clone()))
            .or_insert_with(|| {
                groups.push((profile, id, Vec::new()));
                groups.len() - 1
            });
        if let Some((_, _, list)) = groups.get_mut(index) {
            list.push(result.clone());
        }
    }
    let mut out = Vec::with_capacity(groups.len());
    for (i, (profile, id, results)) in groups.into_iter().enumerate() {
        let control: Map<String, Json> = [
            ("id".to_string(), json!(id)),
            ("results".to_string(), Json::Array(results)),
        ]
        .into_iter()
        .collect();
        let profile: Option<Map<String, Json>> =
            profile.map(|p| [("name".to_string(), json!(p))].into_iter().collect());
        out.push(control_resource(
            report,
            profile.as_ref(),
            &control,
            &format!("/controls/{i}"),
            None,
        )?);
    }
    Ok(out)
}

fn control_resource(
    report: &Report<'_>,
    profile: Option<&Map<String, Json>>,
    control: &Map<String, Json>,
    at: &str,
    from_profile: Option<&str>,
) -> Result<Resource, ImportError> {
    let bad = |m: String| ImportError::at(report.file, m);
    let id = match control.get("id") {
        Some(Json::String(id)) if !id.is_empty() => id.clone(),
        Some(Json::Number(n)) => n.to_string(),
        Some(Json::String(_)) | None | Some(Json::Null) => {
            return Err(bad(format!("the control at `{at}` has no `id`")));
        }
        Some(other) => {
            return Err(bad(format!(
                "`{at}/id` must be a string, found {}",
                kind(other)
            )));
        }
    };
    let profile_name = profile.and_then(|p| p.get("name")).and_then(Json::as_str);
    let results_in = match control.get("results") {
        None | Some(Json::Null) => &[][..],
        Some(Json::Array(r)) => r.as_slice(),
        Some(other) => {
            return Err(bad(format!(
                "`{at}/results` must be a list of results, found {}",
                kind(other)
            )));
        }
    };
    let mut results = Vec::with_capacity(results_in.len());
    for (i, result) in results_in.iter().enumerate() {
        let Json::Object(result) = result else {
            return Err(bad(format!(
                "`{at}/results/{i}` must be an object (a result), found {}",
                kind(result)
            )));
        };
        results.push(result_json(result));
    }
    let tags = match control.get("tags") {
        None | Some(Json::Null) => json!({}),
        Some(t) => t.clone(),
    };
    let mut descriptions = Map::new();
    match control.get("descriptions") {
        Some(Json::Array(list)) => {
            for d in list {
                if let (Some(label), Some(data)) =
                    (d.get("label").and_then(Json::as_str), d.get("data"))
                {
                    descriptions.insert(label.to_string(), data.clone());
                }
            }
        }
        // `inspec json` and some converters write them as an object.
        Some(Json::Object(o)) => descriptions = o.clone(),
        _ => {}
    }
    let desc = match control.get("desc") {
        Some(d) if !d.is_null() => d.clone(),
        _ => descriptions.get("default").cloned().unwrap_or(Json::Null),
    };
    let impact = match control.get("impact") {
        Some(Json::String(s)) => s
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|f| f.is_finite())
            .map_or_else(|| json!(s), |f| json!(f)),
        Some(v) => v.clone(),
        None => Json::Null,
    };
    let impact_number = impact.as_f64();
    let waiver = match control.get("waiver_data") {
        Some(w @ Json::Object(_)) => w.clone(),
        _ => json!({}),
    };
    let waived = is_waived(&waiver);
    let status = control_status(control.get("status"), impact_number, &results);
    let mut controls = Vec::new();
    if let Json::Object(t) = &tags {
        for (k, v) in t {
            if k.eq_ignore_ascii_case("nist") {
                match v {
                    Json::String(s) => nist_citations(s, &mut controls),
                    Json::Array(list) => {
                        for s in list.iter().filter_map(Json::as_str) {
                            nist_citations(s, &mut controls);
                        }
                    }
                    _ => {}
                }
            }
        }
    }
    let severity = tags
        .get("severity")
        .and_then(Json::as_str)
        .and_then(severity_word)
        .or_else(|| impact_number.map(severity_from_impact))
        .or_else(|| impact.as_str().and_then(severity_word))
        .unwrap_or(Severity::Medium);
    let attrs = json!({
        "id": id,
        "title": control.get("title"),
        "desc": desc,
        "descriptions": descriptions,
        "impact": impact,
        "tags": tags,
        "refs": control.get("refs").cloned().unwrap_or_else(|| json!([])),
        "source_location": control.get("source_location"),
        "profile": profile_name,
        "profile_version": profile.and_then(|p| p.get("version")),
        "platform": report.platform,
        "inspec_version": report.inspec_version,
        "results": results,
        "status": status,
        "waiver": waiver,
        "waived": waived,
        "controls": controls,
        "severity": severity.as_str(),
    });
    let mut attrs = attrs;
    if let (Some(from), Json::Object(o)) = (from_profile, &mut attrs) {
        // The dependency whose run this wrapper's control is.
        o.insert("from_profile".into(), json!(from));
    }
    let key = match profile_name {
        Some(p) => format!("{p}/{id}"),
        None => id.clone(),
    };
    let mut r = Resource::new("inspec_control", &key, Value::from_json(&attrs));
    r.name = Some(Str::from(id.as_str()));
    r.address = Some(Str::from(key.as_str()));
    r.provider = Some(Str::from("inspec"));
    r.source = Some(source(report.file, "inspec", None));
    Ok(r)
}

/// The result with the keys rules read, its status made `error` when the
/// resource raised.
fn result_json(result: &Map<String, Json>) -> Json {
    let given = result
        .get("status")
        .and_then(Json::as_str)
        .unwrap_or("passed");
    let raised = result.get("exception").is_some_and(|e| !e.is_null())
        && result.get("backtrace").is_some_and(|b| !b.is_null());
    let status = if raised && given != "skipped" {
        "error"
    } else {
        given
    };
    let g = |k: &str| result.get(k).cloned().unwrap_or(Json::Null);
    json!({
        "status": status,
        "code_desc": g("code_desc"),
        "message": g("message"),
        "skip_message": g("skip_message"),
        "exception": g("exception"),
        "resource": g("resource"),
        "resource_id": g("resource_id"),
        "run_time": g("run_time"),
        "start_time": g("start_time"),
    })
}

fn control_status(own: Option<&Json>, impact: Option<f64>, results: &[Json]) -> &'static str {
    if let Some(own) = own.and_then(Json::as_str) {
        match own {
            "passed" => return "passed",
            "failed" => return "failed",
            "error" => return "error",
            "not_applicable" => return "not_applicable",
            "not_reviewed" | "skipped" => return "skipped",
            _ => {}
        }
    }
    if impact.is_some_and(|i| i == 0.0) {
        return "not_applicable";
    }
    if results.is_empty() {
        return "no_results";
    }
    let has = |s: &str| {
        results
            .iter()
            .any(|r| r.get("status").and_then(Json::as_str) == Some(s))
    };
    if has("failed") {
        "failed"
    } else if has("error") {
        "error"
    } else if results
        .iter()
        .all(|r| r.get("status").and_then(Json::as_str) == Some("skipped"))
    {
        "skipped"
    } else {
        "passed"
    }
}

/// A waiver that skipped the control, or one in force for a control that
/// ran (`run: true`); an expired waiver waives nothing.
fn is_waived(waiver: &Json) -> bool {
    if waiver.get("skipped_due_to_waiver") == Some(&Json::Bool(true)) {
        return true;
    }
    let expired = waiver
        .get("message")
        .and_then(Json::as_str)
        .is_some_and(|m| m.starts_with("Waiver expired"));
    let justified = waiver
        .get("justification")
        .is_some_and(|j| !j.is_null() && j.as_str() != Some(""));
    justified && !expired
}

fn profile_resource(
    report: &Report<'_>,
    name: &str,
    profile: &Map<String, Json>,
    controls: &[Resource],
) -> Resource {
    let g = |k: &str| profile.get(k).cloned().unwrap_or(Json::Null);
    let inputs = profile
        .get("inputs")
        .or_else(|| profile.get("attributes"))
        .cloned()
        .unwrap_or_else(|| json!([]));
    let mut sensitive = Vec::new();
    if let Json::Array(list) = &inputs {
        for (i, input) in list.iter().enumerate() {
            let options = input.get("options");
            let marked = options
                .and_then(|o| o.get("sensitive"))
                .is_some_and(|s| s == &Json::Bool(true));
            if marked {
                for k in ["value", "default"] {
                    sensitive.push(format!("/inputs/{i}/options/{k}"));
                }
            }
        }
    }
    let mut counts: Map<String, Json> = [
        "passed",
        "failed",
        "error",
        "skipped",
        "not_applicable",
        "no_results",
    ]
    .into_iter()
    .map(|s| (s.to_string(), json!(0)))
    .collect();
    let mut waived = 0_u64;
    for c in controls {
        let a = c.attributes.to_json();
        if let Some(s) = a.get("status").and_then(Json::as_str)
            && let Some(Json::Number(n)) = counts.get(s)
        {
            let next = n.as_u64().unwrap_or(0) + 1;
            counts.insert(s.to_string(), json!(next));
        }
        if a.get("waived") == Some(&Json::Bool(true)) {
            waived += 1;
        }
    }
    counts.insert("waived".into(), json!(waived));
    let status_message = match profile.get("status_message") {
        Some(m) if !m.is_null() => m.clone(),
        _ => g("skip_message"),
    };
    let attrs = json!({
        "name": name,
        "version": g("version"),
        "title": g("title"),
        "maintainer": g("maintainer"),
        "summary": g("summary"),
        "license": g("license"),
        "sha256": g("sha256"),
        "status": g("status"),
        "status_message": status_message,
        "parent_profile": g("parent_profile"),
        "depends": profile.get("depends").cloned().unwrap_or_else(|| json!([])),
        "supports": profile.get("supports").cloned().unwrap_or_else(|| json!([])),
        "inputs": inputs,
        "platform": report.platform,
        "inspec_version": report.inspec_version,
        "control_count": controls.len(),
        "counts": counts,
    });
    let mut r = Resource::new("inspec_profile", name, Value::from_json(&attrs));
    r.name = Some(Str::from(name));
    r.address = Some(Str::from(name));
    r.provider = Some(Str::from("inspec"));
    r.source = Some(source(report.file, "inspec", None));
    r.sensitive = sensitive;
    r
}

// ---------------------------------------------------------------------------
// Findings.
// ---------------------------------------------------------------------------

/// At most this many failing results are shown as evidence.
const MAX_EVIDENCE: usize = 10;

pub(crate) fn outcome(r: &Resource) -> Option<Outcome> {
    let a = r.attributes.to_json();
    let status = a.get("status").and_then(Json::as_str)?;
    if a.get("waived") == Some(&Json::Bool(true)) {
        return Some(Outcome::Skipped);
    }
    let status = match status {
        "failed" => Status::Fail,
        "error" => Status::Error,
        "passed" => return Some(Outcome::Passed),
        _ => return Some(Outcome::Skipped),
    };
    let id = a.get("id").and_then(Json::as_str).unwrap_or(r.id.as_str());
    let profile = a.get("profile").and_then(Json::as_str);
    let rule = match profile {
        Some(p) => format!("inspec.{p}.{id}"),
        None => format!("inspec.{id}"),
    };
    let title = a
        .get("title")
        .and_then(Json::as_str)
        .filter(|t| !t.trim().is_empty())
        .unwrap_or(id);
    let results: &[Json] = a
        .get("results")
        .and_then(Json::as_array)
        .map_or(&[], Vec::as_slice);
    let word = if status == Status::Fail {
        "failed"
    } else {
        "error"
    };
    let first = results
        .iter()
        .find(|r| r.get("status").and_then(Json::as_str) == Some(word));
    let mut message = one_line(title, 300);
    if let Some(first) = first {
        if let Some(desc) = first.get("code_desc").and_then(Json::as_str) {
            message.push_str(": ");
            message.push_str(&one_line(desc, 300));
        }
        if let Some(m) = first.get("message").and_then(Json::as_str)
            && !m.trim().is_empty()
        {
            message.push_str(" (");
            message.push_str(&one_line(m, 300));
            message.push(')');
        }
    }
    let mut evidence = Vec::new();
    for (i, result) in results.iter().enumerate() {
        if evidence.len() >= 2 * MAX_EVIDENCE {
            break;
        }
        let s = result.get("status").and_then(Json::as_str);
        if s != Some("failed") && s != Some("error") {
            continue;
        }
        for k in ["code_desc", "message"] {
            if let Some(v) = result.get(k).filter(|v| !v.is_null()) {
                evidence.push((format!("results[{i}].{k}"), v.clone()));
            }
        }
    }
    let error = (status == Status::Error).then(|| {
        let first = first.unwrap_or(&Json::Null);
        let exception = first.get("exception").and_then(Json::as_str);
        let m = first
            .get("message")
            .and_then(Json::as_str)
            .map(|m| one_line(m, 500));
        match (exception, m) {
            (Some(e), Some(m)) => format!("{e}: {m}"),
            (Some(e), None) => e.to_string(),
            (None, Some(m)) => m,
            (None, None) => "InSpec reported an error".to_string(),
        }
    });
    let remediation = a
        .pointer("/descriptions/fix")
        .and_then(Json::as_str)
        .or_else(|| a.pointer("/tags/fix").and_then(Json::as_str))
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty());
    let severity = a
        .get("severity")
        .and_then(Json::as_str)
        .and_then(Severity::parse)
        .unwrap_or(Severity::Medium);
    Some(finding(
        r,
        FindingParts {
            rule,
            package: profile.unwrap_or("inspec").to_string(),
            status,
            severity,
            controls: str_list(&a, "controls"),
            message,
            remediation,
            evidence,
            error,
        },
    ))
}

pub(crate) fn profile_outcome(r: &Resource) -> Option<Outcome> {
    let a = r.attributes.to_json();
    if a.get("status").and_then(Json::as_str) != Some("failed") {
        // A loaded or skipped profile is told by its controls.
        return None;
    }
    let name = a
        .get("name")
        .and_then(Json::as_str)
        .unwrap_or(r.id.as_str());
    let why = a
        .get("status_message")
        .and_then(Json::as_str)
        .map(|m| one_line(m, 500))
        .filter(|m| !m.is_empty());
    let message = match &why {
        Some(m) => format!("the InSpec profile {name} failed: {m}"),
        None => format!("the InSpec profile {name} failed"),
    };
    Some(finding(
        r,
        FindingParts {
            rule: format!("inspec.{name}"),
            package: name.to_string(),
            status: Status::Error,
            severity: Severity::High,
            controls: Vec::new(),
            message: message.clone(),
            remediation: None,
            evidence: Vec::new(),
            error: Some(why.unwrap_or(message)),
        },
    ))
}
