//! The `plumb` command line.
#![forbid(unsafe_code)]

mod check;
mod drift;
mod explain;
mod policy;
mod render;

use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use miette::{Diagnostic as MietteDiagnostic, IntoDiagnostic, Result};
use plumb_compiler::{Level, SourceMap};

const EXAMPLES: &str = "\
Examples:
  plumb check -p policies/ snapshot.json     evaluate the policies over a snapshot
  plumb test policies/                       run the policies' test blocks
  plumb lint policies/                       check every .plumb file under policies/
  plumb lint --format json rules.plumb       diagnostics as JSON, for editors and CI
  plumb compile -p policies/ -o policy.plumbc  write a compiled policy
  plumb explain E0403                        what a diagnostic code means and how to fix it

Exit codes:
  0  success: no errors, no failing findings at or above the threshold, tests pass
  1  diagnostics at error level (lint), failing findings (check), failing tests (test)
  2  usage error, unreadable input, or a policy or snapshot that does not load";

const CHECK_EXAMPLES: &str = "\
Examples:
  plumb check -p policies/aws examples/snapshot.json
  plumb check -p rules/ --format json --severity-threshold high snapshot.json
  plumb check --compiled policy.plumbc --threads 2 a.json b.json

The text output ends with a summary line that starts with the number of
failing findings: `412 failed, 9588 passed, 3 indeterminate, 0 errors, ...`.

Exit codes:
  0  no finding at or above the threshold failed (or errored)
  1  at least one did
  2  usage error, or a policy or snapshot that does not load";

const DRIFT_EXAMPLES: &str = "\
Examples:
  plumb drift --declared manifests/ --actual live.yaml
  plumb drift --declared prod.tfstate --actual config-snapshot.json --format json
  plumb drift plan.json          # the plan's resource_drift
  plumb drift --declared a.tfstate --actual b.json --noise my-noise.yaml

Exit codes:
  0  no drift
  1  drift found
  2  usage error, or a source or noise file that does not load";

#[derive(Parser)]
#[command(
    name = "plumb",
    version,
    about = "Policy-as-code for infrastructure compliance and drift",
    after_help = EXAMPLES
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Parse and check rule files without evaluating them.
    #[command(after_help = EXAMPLES)]
    Lint {
        /// Files or directories; directories are searched for `*.plumb` files.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// When to use colors in text output (`NO_COLOR` turns them off in `auto`).
        #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
        color: ColorChoice,
    },
    /// Evaluate policies over snapshots and report the findings.
    #[command(after_help = CHECK_EXAMPLES)]
    Check {
        /// Rule files or directories (repeatable).
        #[arg(short = 'p', long = "policy", required_unless_present = "compiled")]
        policies: Vec<PathBuf>,
        /// A compiled policy written by `plumb compile`, instead of `-p`.
        #[arg(long, conflicts_with = "policies")]
        compiled: Option<PathBuf>,
        /// Snapshots or source files (Terraform, Kubernetes, AWS Config, Azure, host facts, scans), or directories of them.
        #[arg(required = true)]
        snapshots: Vec<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// Lowest severity whose failures make the exit code 1.
        #[arg(long, value_enum, default_value_t = Threshold::Info)]
        severity_threshold: Threshold,
        /// Threads for loading and evaluation; 0 uses every core.
        #[arg(long, default_value_t = 0)]
        threads: usize,
        /// Count indeterminate findings (unknown values) as failures.
        #[arg(long)]
        fail_indeterminate: bool,
        /// Evaluation time for `age_days` (RFC 3339); default: now.
        #[arg(long)]
        now: Option<String>,
    },
    /// Run the `test` blocks of rule files.
    Test {
        /// Rule files or directories.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
    /// Turn source files (Terraform, Kubernetes, AWS Config, Azure, host facts) into a plumb snapshot.
    Import {
        /// Source files.
        #[arg(required = true)]
        sources: Vec<PathBuf>,
        /// Where to write the snapshot (`-` for standard output).
        #[arg(short = 'o', long = "output", default_value = "-")]
        output: PathBuf,
    },
    /// Find drift: actual resources against declared ones, or a plan's
    /// `resource_drift`. Exit code 1 when there is drift.
    #[command(after_help = DRIFT_EXAMPLES)]
    Drift {
        /// A Terraform/OpenTofu plan JSON whose `resource_drift` to report
        /// (instead of --declared and --actual).
        #[arg(conflicts_with_all = ["declared", "actual"], required_unless_present_all = ["declared", "actual"])]
        plan: Option<PathBuf>,
        /// Sources of the declared state (Terraform state, manifests, baselines, snapshots).
        #[arg(long, num_args = 1.., requires = "actual")]
        declared: Vec<PathBuf>,
        /// Sources of the actual state (AWS Config, live objects, host facts, snapshots).
        #[arg(long, num_args = 1.., requires = "declared")]
        actual: Vec<PathBuf>,
        /// A noise file of your own, added to the built-in tables (repeatable; docs/drift.md).
        #[arg(long)]
        noise: Vec<PathBuf>,
        /// Rule files or directories whose drift blocks classify the events (repeatable).
        #[arg(short = 'p', long = "policy")]
        policies: Vec<PathBuf>,
        /// The namespace of Kubernetes manifests that name none, as `kubectl apply -n`.
        #[arg(long, default_value = "default")]
        namespace: String,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// Threads; 0 uses every core.
        #[arg(long, default_value_t = 0)]
        threads: usize,
    },
    /// Compile rule files to a versioned, checksummed `.plumbc` artifact.
    Compile {
        /// Rule files or directories (repeatable).
        #[arg(short = 'p', long = "policy", required = true)]
        policies: Vec<PathBuf>,
        /// Where to write the artifact.
        #[arg(short = 'o', long = "output")]
        output: PathBuf,
    },
    /// Print the long explanation of a diagnostic code, e.g. `plumb explain E0403`.
    Explain {
        /// A code such as `E0403`, or its name such as `unknown-control`.
        code: String,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Text,
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
enum Threshold {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Threshold {
    fn severity(self) -> plumb_runtime::bytecode::Severity {
        use plumb_runtime::bytecode::Severity;
        match self {
            Threshold::Info => Severity::Info,
            Threshold::Low => Severity::Low,
            Threshold::Medium => Severity::Medium,
            Threshold::High => Severity::High,
            Threshold::Critical => Severity::Critical,
        }
    }
}

#[derive(Clone, Copy, ValueEnum)]
enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, thiserror::Error, MietteDiagnostic)]
enum CliError {
    #[error("cannot read `{path}`")]
    #[diagnostic(code(plumb::io))]
    Read {
        path: String,
        #[source]
        source: io::Error,
    },
    #[error("no `.plumb` files found in {paths}")]
    #[diagnostic(
        code(plumb::no_input),
        help("pass rule files or directories that contain them")
    )]
    NoInput { paths: String },
    #[error("unknown diagnostic code `{0}`")]
    #[diagnostic(
        code(plumb::unknown_code),
        help("codes look like E0403 or W0001; docs/diagnostics.md lists them all")
    )]
    UnknownCode(String),
    #[error("the policy does not compile: {0}")]
    #[diagnostic(code(plumb::policy))]
    Policy(String),
    #[error("cannot load `{path}`: {message}")]
    #[diagnostic(code(plumb::artifact), help("recompile it with `plumb compile`"))]
    Artifact { path: String, message: String },
    #[error("{0}")]
    #[diagnostic(code(plumb::snapshot))]
    Snapshot(String),
    #[error("cannot write `{path}`")]
    #[diagnostic(code(plumb::io))]
    Write {
        path: String,
        #[source]
        source: io::Error,
    },
    #[error("`{0}` is not an RFC 3339 timestamp")]
    #[diagnostic(code(plumb::usage), help("write it like 2026-01-31T00:00:00Z"))]
    BadTime(String),
}

fn main() -> ExitCode {
    // Errors name files and positions: wrapping them at 80 columns would
    // split paths across lines and defeat `grep` in CI logs.
    let _ = miette::set_hook(Box::new(|_| {
        Box::new(miette::MietteHandlerOpts::new().wrap_lines(false).build())
    }));
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    let result = match cli.command {
        Command::Lint {
            paths,
            format,
            color,
        } => lint(&paths, format, color),
        Command::Explain { code } => explain::run(&code),
        Command::Check {
            policies,
            compiled,
            snapshots,
            format,
            severity_threshold,
            threads,
            fail_indeterminate,
            now,
        } => now.map(|t| parse_time(&t)).transpose().and_then(|now| {
            check::check(&check::CheckArgs {
                policies,
                compiled,
                snapshots,
                json: matches!(format, Format::Json),
                threshold: severity_threshold.severity(),
                threads,
                fail_indeterminate,
                now,
            })
        }),
        Command::Test { paths } => check::test(&paths),
        Command::Import { sources, output } => check::import(&sources, &output),
        Command::Compile { policies, output } => check::compile(&policies, &output),
        Command::Drift {
            plan,
            declared,
            actual,
            noise,
            policies,
            namespace,
            format,
            threads,
        } => drift::drift(&drift::DriftArgs {
            plan,
            declared,
            actual,
            noise,
            policies,
            namespace,
            json: matches!(format, Format::Json),
            threads,
        }),
    };
    match result {
        Ok(code) => code,
        Err(report) => {
            eprintln!("{report:?}");
            ExitCode::from(2)
        }
    }
}

fn parse_time(text: &str) -> Result<f64> {
    let call = plumb_stdlib::eval::call(
        "time_parse",
        &[plumb_runtime::value::Value::string(text)],
        &plumb_runtime::vm::CallContext { now: 0.0 },
    );
    match call {
        Ok(plumb_runtime::value::Value::Number(n)) => Ok(n),
        _ => Err(CliError::BadTime(text.to_string()).into()),
    }
}

/// The rule files under `paths` (files, or directories searched for
/// `*.plumb`), read into one compilation.
pub(crate) fn read_sources(paths: &[PathBuf]) -> Result<SourceMap> {
    let files = collect(paths)?;
    if files.is_empty() {
        let paths = paths
            .iter()
            .map(|p| format!("`{}`", p.display()))
            .collect::<Vec<_>>()
            .join(", ");
        return Err(CliError::NoInput { paths }.into());
    }
    let mut sources = SourceMap::new();
    for path in &files {
        let bytes = std::fs::read(path).map_err(|source| CliError::Read {
            path: path.display().to_string(),
            source,
        })?;
        sources.add_bytes(path.display().to_string(), bytes);
    }
    Ok(sources)
}

fn lint(paths: &[PathBuf], format: Format, color: ColorChoice) -> Result<ExitCode> {
    let sources = read_sources(paths)?;
    let analysis = plumb_compiler::analyze(&sources);
    let summary = render::Summary {
        files: sources.len(),
        errors: analysis
            .diagnostics
            .iter()
            .filter(|d| d.level == Level::Error)
            .count(),
        warnings: analysis
            .diagnostics
            .iter()
            .filter(|d| d.level == Level::Warning)
            .count(),
    };
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    match format {
        Format::Json => {
            render::json(&mut out, &sources, &analysis.diagnostics, &summary).into_diagnostic()?
        }
        Format::Text => {
            let color = match color {
                ColorChoice::Always => true,
                ColorChoice::Never => false,
                ColorChoice::Auto => {
                    io::stdout().is_terminal()
                        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                }
            };
            for d in &analysis.diagnostics {
                render::text(&mut out, &sources, d, color).into_diagnostic()?;
            }
            writeln!(out, "{}", summary_line(&summary)).into_diagnostic()?;
        }
    }
    out.flush().into_diagnostic()?;
    Ok(if summary.errors > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn summary_line(s: &render::Summary) -> String {
    let plural = |n: usize, word: &str| {
        if n == 1 {
            format!("1 {word}")
        } else {
            format!("{n} {word}s")
        }
    };
    format!(
        "{}, {}, {} checked",
        plural(s.errors, "error"),
        plural(s.warnings, "warning"),
        plural(s.files, "file")
    )
}

/// The files to lint: explicit files as given, directories searched
/// recursively for `*.plumb`, in a stable order.
fn collect(paths: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for path in paths {
        let meta = std::fs::metadata(path).map_err(|source| CliError::Read {
            path: path.display().to_string(),
            source,
        })?;
        if meta.is_dir() {
            walk(path, &mut files)?;
        } else {
            files.push(path.clone());
        }
    }
    // A file named twice (or inside a directory also given) is linted once.
    let mut seen = std::collections::HashSet::new();
    files.retain(|f| seen.insert(f.canonicalize().unwrap_or_else(|_| f.clone())));
    Ok(files)
}

fn walk(dir: &Path, files: &mut Vec<PathBuf>) -> Result<()> {
    let read = |source| CliError::Read {
        path: dir.display().to_string(),
        source,
    };
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(read)?
        .map(|e| e.map(|e| e.path()))
        .collect::<io::Result<_>>()
        .map_err(read)?;
    entries.sort();
    for path in entries {
        if path.is_dir() {
            walk(&path, files)?;
        } else if path.extension().is_some_and(|e| e == "plumb") {
            files.push(path);
        }
    }
    Ok(())
}
