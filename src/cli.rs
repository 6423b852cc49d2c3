//! The command line: every subcommand, flag and `--help` text (clap
//! derive). Nothing here runs anything.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

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
  plumb drift -p policies/ --declared prod.tfstate --actual config.json   # classify with drift blocks
  plumb drift --namespace team-a --declared k8s/ --actual live.yaml       # manifests without a namespace

Exit codes:
  0  no drift
  1  drift found
  2  usage error, or a source or noise file that does not load";

const TEST_EXAMPLES: &str = "\
Examples:
  plumb test policies/
  plumb test --now 2030-01-01T00:00:00Z rules/keys.plumb
  plumb test --format junit policies/ > plumb-tests.xml    for CI test reports
  plumb test --coverage policies/          rules without a met pass and fail fixture

Exit codes:
  0  every test passed (and, with --coverage-required, every rule is covered)
  1  a test failed, or --coverage-required and a rule is not covered
  2  usage error, or rule files that do not compile";

#[derive(Parser)]
#[command(
    name = "plumb",
    version,
    about = "Policy-as-code for infrastructure compliance and drift",
    after_help = EXAMPLES
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
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
        #[command(flatten)]
        catalogs: CatalogArgs,
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
        /// A JSON or YAML file of values rules read with `data("KEY")`
        /// (repeatable; later files win; after plumb.toml's `data`).
        #[arg(long = "data", value_name = "FILE")]
        data: Vec<PathBuf>,
        /// Rule files or directories compiled only for their functions and
        /// constants, which `-p` files import: their rules do not run
        /// (repeatable; after plumb.toml's `lib`).
        #[arg(long = "lib", value_name = "PATH")]
        lib: Vec<PathBuf>,
        /// When to use colors in text output (`NO_COLOR` turns them off in `auto`).
        #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
        color: ColorChoice,
        #[command(flatten)]
        catalogs: CatalogArgs,
    },
    /// Run the `test` blocks of rule files.
    #[command(after_help = TEST_EXAMPLES)]
    Test {
        /// Rule files or directories.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Evaluation time of fixtures and rules (RFC 3339), so tests that
        /// read `age_days` or `now()` give the same result on any day;
        /// default: now.
        #[arg(long)]
        now: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = TestFormat::Text)]
        format: TestFormat,
        /// Also report, per rule, whether a met `expect pass` and a met
        /// `expect fail` fixture show it both passing and failing (a gap
        /// alone does not change the exit code).
        #[arg(long)]
        coverage: bool,
        /// Like --coverage, and exit 1 if a rule is not covered.
        #[arg(long)]
        coverage_required: bool,
        /// Data files rules read with `data("KEY")`, as for `check`
        /// (repeatable; after plumb.toml's `data`); without any, defaults.
        #[arg(long = "data", value_name = "FILE")]
        data: Vec<PathBuf>,
        #[command(flatten)]
        catalogs: CatalogArgs,
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
        /// Evaluation time for drift blocks (RFC 3339); default: now.
        #[arg(long)]
        now: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// Threads; 0 uses every core.
        #[arg(long, default_value_t = 0)]
        threads: usize,
        #[command(flatten)]
        catalogs: CatalogArgs,
    },
    /// Compile rule files to a versioned, checksummed `.plumbc` artifact.
    Compile {
        /// Rule files or directories (repeatable).
        #[arg(short = 'p', long = "policy", required = true)]
        policies: Vec<PathBuf>,
        /// Where to write the artifact.
        #[arg(short = 'o', long = "output")]
        output: PathBuf,
        #[command(flatten)]
        catalogs: CatalogArgs,
    },
    /// Print the long explanation of a diagnostic code, e.g. `plumb explain E0403`.
    Explain {
        /// A code such as `E0403`, or its name such as `unknown-control`.
        code: String,
    },
}

/// `--catalog`, on every command that compiles rule files.
#[derive(Args)]
pub struct CatalogArgs {
    /// A control catalog of your own (JSON or YAML) whose framework rules
    /// may cite (repeatable; after plumb.toml's `catalogs`).
    #[arg(long = "catalog", value_name = "FILE")]
    pub catalogs: Vec<std::path::PathBuf>,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum Format {
    Text,
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum Threshold {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Threshold {
    pub fn severity(self) -> plumb_runtime::bytecode::Severity {
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
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

/// `plumb test --format`.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TestFormat {
    Text,
    Json,
    /// JUnit XML, for CI test reports.
    Junit,
}
