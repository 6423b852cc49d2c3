//! `plumb drift`: declared against actual resources, or a plan's
//! `resource_drift`, as drift events (docs/drift.md).

use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use miette::{IntoDiagnostic, Result};
use plumb_drift::{Classification, DriftEvent, DriftKind, NamespaceHint, NoiseModel};
use plumb_runtime::snapshot::LoadOptions;
use serde_json::json;

use crate::CliError;
use crate::check::load_resources;

pub struct DriftArgs {
    pub plan: Option<PathBuf>,
    pub declared: Vec<PathBuf>,
    pub actual: Vec<PathBuf>,
    pub noise: Vec<PathBuf>,
    /// Rule files whose drift blocks classify the events.
    pub policies: Vec<PathBuf>,
    /// The namespace of manifests that name none.
    pub namespace: String,
    pub json: bool,
    pub threads: usize,
}

fn noise_model(files: &[PathBuf]) -> Result<NoiseModel> {
    let mut model = NoiseModel::builtin().map_err(|e| CliError::Snapshot(e.to_string()))?;
    for path in files {
        let bytes = std::fs::read(path).map_err(|source| CliError::Read {
            path: path.display().to_string(),
            source,
        })?;
        model
            .add_yaml(&path.display().to_string(), &bytes)
            .map_err(|e| CliError::Snapshot(e.to_string()))?;
    }
    Ok(model)
}

pub fn drift(args: &DriftArgs) -> Result<ExitCode> {
    let model = noise_model(&args.noise)?;
    let policy = match args.policies.is_empty() {
        true => None,
        false => Some(crate::policy::bind(
            crate::policy::compile_files(&args.policies)?.program,
        )?),
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64());
    let threads = if args.threads == 0 {
        std::thread::available_parallelism().map_or(1, usize::from)
    } else {
        args.threads
    };
    let (events, classes, hints, declared, actual) = match &args.plan {
        Some(plan) => {
            let bytes = std::fs::read(plan).map_err(|source| CliError::Read {
                path: plan.display().to_string(),
                source,
            })?;
            let doc = plumb_ingest::parse_json(plan, &bytes)
                .map_err(|e| CliError::Snapshot(e.to_string()))?;
            if plumb_ingest::detect(&doc) != Some(plumb_ingest::Format::TerraformPlan) {
                return Err(CliError::Snapshot(format!(
                    "{}: not a Terraform/OpenTofu plan (`terraform show -json PLANFILE`): give declared and actual sources with --declared and --actual",
                    plan.display()
                ))
                .into());
            }
            let entries = plumb_ingest::terraform_plan::resource_drift(plan, &doc)
                .map_err(|e| CliError::Snapshot(e.to_string()))?;
            let declared = entries.iter().filter(|e| e.before.is_some()).count();
            let actual = entries.iter().filter(|e| e.after.is_some()).count();
            let events = plumb_drift::plan_drift(&entries, &model);
            let classes = policy.as_ref().map(|p| {
                let (d, a) = plumb_drift::plan_sides(&entries);
                plumb_drift::classify(p, &events, &d, &a, now)
            });
            (events, classes, Vec::new(), declared, actual)
        }
        None => {
            let load = LoadOptions {
                threads,
                ..LoadOptions::default()
            };
            // The two sides load side by side.
            let (declared, actual) = if threads > 1 {
                std::thread::scope(|s| {
                    let declared = s.spawn(|| load_resources(&args.declared, &load));
                    let actual = load_resources(&args.actual, &load);
                    let declared = declared.join().unwrap_or_else(|_| {
                        Err(miette::miette!("loading the declared side failed"))
                    });
                    (declared, actual)
                })
            } else {
                (
                    load_resources(&args.declared, &load),
                    load_resources(&args.actual, &load),
                )
            };
            let (mut declared, mut actual) = (declared?, actual?);
            plumb_drift::apply_namespace(&mut declared, &args.namespace);
            plumb_drift::apply_namespace(&mut actual, &args.namespace);
            let events = plumb_drift::detect(
                &declared,
                &actual,
                &model,
                &plumb_drift::Options { threads },
            )
            .map_err(|e| CliError::Snapshot(e.to_string()))?;
            let classes = policy
                .as_ref()
                .map(|p| plumb_drift::classify(p, &events, &declared, &actual, now));
            let hints = plumb_drift::namespace_hints(&events, &declared);
            let counts = (declared.len(), actual.len());
            // The process ends after the output: freeing a few million
            // small allocations one by one would only delay it.
            std::mem::forget(declared);
            std::mem::forget(actual);
            (events, classes, hints, counts.0, counts.1)
        }
    };
    let stdout = io::stdout();
    let mut out = io::BufWriter::with_capacity(1 << 16, stdout.lock());
    let written = if args.json {
        write_json(
            &mut out,
            &events,
            classes.as_deref(),
            &hints,
            declared,
            actual,
        )
    } else {
        write_text(
            &mut out,
            &events,
            classes.as_deref(),
            &hints,
            declared,
            actual,
        )
    }
    .and_then(|()| out.flush());
    match written {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {}
        Err(e) => return Err(e).into_diagnostic(),
    }
    Ok(if events.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn counts(events: &[DriftEvent]) -> (usize, usize, usize) {
    let n = |k: DriftKind| events.iter().filter(|e| e.kind == k).count();
    (
        n(DriftKind::Added),
        n(DriftKind::Deleted),
        n(DriftKind::Changed),
    )
}

fn summary(events: &[DriftEvent], declared: usize, actual: usize) -> String {
    let (added, deleted, changed) = counts(events);
    let plural = |n: usize| if n == 1 { "" } else { "s" };
    if events.is_empty() {
        return format!(
            "no drift: {declared} declared and {actual} actual resource{} compared",
            plural(actual)
        );
    }
    format!(
        "{} drift event{} ({added} added, {deleted} deleted, {changed} changed) in {declared} declared and {actual} actual resource{}",
        events.len(),
        plural(events.len()),
        plural(actual)
    )
}

/// A value on one line, shortened past 120 characters (the JSON output
/// has it whole).
fn short(v: &serde_json::Value) -> String {
    let text = v.to_string();
    if text.chars().count() <= 120 {
        text
    } else {
        let cut: String = text.chars().take(117).collect();
        format!("{cut}...")
    }
}

fn place(s: &Option<plumb_runtime::Source>) -> Option<String> {
    let s = s.as_ref()?;
    let file = s.file.as_ref()?;
    Some(match s.line {
        Some(l) => format!("{file}:{l}"),
        None => file.to_string(),
    })
}

/// Under an event: the drift block that classified it, or `unclassified`.
fn classification_line(c: Option<&Classification>) -> String {
    let Some(c) = c else {
        return "         unclassified: no drift block matches".to_string();
    };
    let undecided = c
        .undecided
        .as_ref()
        .map_or(String::new(), |u| format!(" (undecided: {u})"));
    format!(
        "         drift {} ({}:{}): {}, controls {}, response {}: {}{undecided}",
        c.drift,
        c.file,
        c.line,
        c.severity.as_str(),
        c.controls.join(", "),
        c.response.as_str(),
        c.message
    )
}

fn write_text(
    out: &mut dyn Write,
    events: &[DriftEvent],
    classes: Option<&[Option<Classification>]>,
    hints: &[NamespaceHint],
    declared: usize,
    actual: usize,
) -> io::Result<()> {
    for (i, e) in events.iter().enumerate() {
        write_event(out, e)?;
        if let Some(classes) = classes {
            writeln!(
                out,
                "{}",
                classification_line(classes.get(i).and_then(Option::as_ref))
            )?;
        }
    }
    for h in hints {
        writeln!(out, "hint: {}", h.message())?;
    }
    writeln!(out, "{}", summary(events, declared, actual))
}

fn write_event(out: &mut dyn Write, e: &DriftEvent) -> io::Result<()> {
    {
        match e.kind {
            DriftKind::Added => {
                write!(out, "added    {} ({})", e.address, e.type_)?;
                if let Some(p) = place(&e.actual_source) {
                    write!(out, "  actual {p}")?;
                }
                writeln!(out)?;
            }
            DriftKind::Deleted => {
                write!(out, "deleted  {} ({})", e.address, e.type_)?;
                if let Some(p) = place(&e.declared_source) {
                    write!(out, "  declared {p}")?;
                }
                writeln!(out)?;
            }
            DriftKind::Changed => {
                let side = |v: &Option<serde_json::Value>| {
                    v.as_ref().map_or_else(|| "(absent)".to_string(), short)
                };
                let default = if e.declared_default { " (default)" } else { "" };
                if let Some((added, removed)) = &e.set_delta {
                    write!(out, "changed  {} {}:", e.address, e.path)?;
                    for v in added {
                        write!(out, " +{}", short(v))?;
                    }
                    for v in removed {
                        write!(out, " -{}", short(v))?;
                    }
                    return writeln!(out);
                }
                writeln!(
                    out,
                    "changed  {} {}: {}{default} -> {}",
                    e.address,
                    e.path,
                    side(&e.declared),
                    side(&e.actual)
                )?;
            }
        }
    }
    Ok(())
}

fn write_json(
    out: &mut dyn Write,
    events: &[DriftEvent],
    classes: Option<&[Option<Classification>]>,
    hints: &[NamespaceHint],
    declared: usize,
    actual: usize,
) -> io::Result<()> {
    let (added, deleted, changed) = counts(events);
    let doc = json!({
        "drift_version": 1,
        "events": events.iter().enumerate().map(|(i, e)| {
            let mut event = e.to_json();
            if let (Some(classes), Some(o)) = (classes, event.as_object_mut()) {
                let c = classes.get(i).and_then(Option::as_ref);
                o.insert("classification".into(), c.map_or(serde_json::Value::Null, Classification::to_json));
            }
            event
        }).collect::<Vec<_>>(),
        "namespace_hints": hints.iter().map(NamespaceHint::to_json).collect::<Vec<_>>(),
        "summary": {
            "declared": declared,
            "actual": actual,
            "added": added,
            "deleted": deleted,
            "changed": changed,
        },
    });
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}
