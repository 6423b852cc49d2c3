//! `plumb drift`: declared against actual resources, or a plan's
//! `resource_drift`, as drift events (docs/drift.md).

use std::path::PathBuf;
use std::process::ExitCode;

use miette::Result;
use plumb_drift::{DriftEvent, NoiseModel};
use plumb_ingest::input::Inputs;
use plumb_runtime::snapshot::LoadOptions;

use crate::cli::Format;
use crate::error::CliError;

pub struct DriftArgs {
    pub plan: Option<PathBuf>,
    pub declared: Vec<PathBuf>,
    pub actual: Vec<PathBuf>,
    pub noise: Vec<PathBuf>,
    pub format: Format,
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

pub fn run(args: &DriftArgs) -> Result<ExitCode> {
    let model = noise_model(&args.noise)?;
    let threads = crate::output::threads(args.threads);
    let (events, declared, actual) = match &args.plan {
        Some(plan) => plan_drift(plan, &model)?,
        None => {
            let load = LoadOptions {
                threads,
                ..LoadOptions::default()
            };
            let inputs = Inputs::new();
            // The two sides load side by side.
            let (declared, actual) = std::thread::scope(|s| {
                let declared = s.spawn(|| inputs.load_all(&args.declared, &load));
                let actual = inputs.load_all(&args.actual, &load);
                (declared.join(), actual)
            });
            let declared = declared
                .map_err(|_| CliError::Snapshot("loading the declared side failed".into()))?
                .map_err(CliError::from)?;
            let actual = actual.map_err(CliError::from)?;
            let events = plumb_drift::detect(
                &declared,
                &actual,
                &model,
                &plumb_drift::Options { threads },
            )
            .map_err(|e| CliError::Snapshot(e.to_string()))?;
            let counts = (declared.len(), actual.len());
            // The process ends after the output: freeing a few million
            // small allocations one by one would only delay it.
            std::mem::forget(declared);
            std::mem::forget(actual);
            (events, counts.0, counts.1)
        }
    };
    crate::output::stdout(|out| match args.format {
        Format::Json => plumb_report::drift_json::write(out, &events, declared, actual),
        Format::Text => plumb_report::drift_text::write(out, &events, declared, actual),
    })?;
    Ok(if events.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// A plan's `resource_drift`, and how many resources each side had.
fn plan_drift(
    plan: &std::path::Path,
    model: &NoiseModel,
) -> Result<(Vec<DriftEvent>, usize, usize)> {
    let bytes = std::fs::read(plan).map_err(|source| CliError::Read {
        path: plan.display().to_string(),
        source,
    })?;
    let entries = plumb_ingest::terraform_plan::resource_drift_of(plan, &bytes)
        .map_err(|e| CliError::Snapshot(e.to_string()))?;
    let declared = entries.iter().filter(|e| e.before.is_some()).count();
    let actual = entries.iter().filter(|e| e.after.is_some()).count();
    Ok((plumb_drift::plan_drift(&entries, model), declared, actual))
}
