//! The `plumb` command line: parses arguments and dispatches to one
//! module per subcommand (`cmd/`). Stage logic lives in the library
//! crates; errors go through miette and exit 2.
#![forbid(unsafe_code)]

mod catalogs;
mod cli;
mod cmd;
mod config;
mod error;
mod output;
mod policy;

use std::process::ExitCode;

use clap::Parser;

use cli::{Cli, Command};

/// mimalloc: about 15% less time than the system allocator on the peer
/// benchmark, for the many small allocations the loader and the VM make
/// on several threads (docs/performance.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
    match dispatch(cli.command) {
        Ok(code) => code,
        Err(report) => {
            eprintln!("{report:?}");
            ExitCode::from(2)
        }
    }
}

fn dispatch(command: Command) -> miette::Result<ExitCode> {
    let time = |now: Option<String>| now.map(|t| output::parse_time(&t)).transpose();
    // plumb.toml is read by every command that compiles rule files.
    let config = || config::load();
    let catalogs = |config: &config::Config, flags: cli::CatalogArgs| {
        let files: Vec<_> = config
            .catalogs
            .iter()
            .cloned()
            .chain(flags.catalogs)
            .collect();
        catalogs::load(&files)
    };
    match command {
        Command::Lint {
            paths,
            format,
            color,
            catalogs: flags,
        } => cmd::lint::run(&paths, format, color, &catalogs(&config()?, flags)?),
        Command::Explain { code } => cmd::explain::run(&code),
        Command::Check {
            policies,
            compiled,
            snapshots,
            format,
            severity_threshold,
            threads,
            fail_indeterminate,
            now,
            data,
            lib,
            color,
            catalogs: flags,
        } => {
            let config = config()?;
            cmd::check::run(&cmd::check::CheckArgs {
                catalogs: catalogs(&config, flags)?,
                policies,
                libs: config.lib.into_iter().chain(lib).collect(),
                compiled,
                snapshots,
                format,
                threshold: severity_threshold.severity(),
                threads,
                fail_indeterminate,
                now: time(now)?,
                data: config.data.into_iter().chain(data).collect(),
                color,
            })
        }
        Command::Test {
            paths,
            now,
            format,
            coverage,
            coverage_required,
            data,
            catalogs: flags,
        } => {
            let config = config()?;
            cmd::test::run(&cmd::test::TestArgs {
                paths,
                now: time(now)?,
                format,
                coverage: coverage || coverage_required,
                coverage_required,
                catalogs: catalogs(&config, flags)?,
                data: config.data.iter().cloned().chain(data).collect(),
            })
        }
        Command::Import { sources, output } => cmd::import::run(&sources, &output),
        Command::Compile {
            policies,
            output,
            catalogs: flags,
        } => cmd::compile::run(&policies, &output, &catalogs(&config()?, flags)?),
        Command::Drift {
            plan,
            declared,
            actual,
            noise,
            policies,
            namespace,
            now,
            format,
            threads,
            catalogs: flags,
        } => cmd::drift::run(&cmd::drift::DriftArgs {
            catalogs: catalogs(&config()?, flags)?,
            plan,
            declared,
            actual,
            noise,
            policies,
            namespace,
            now: time(now)?,
            format,
            threads,
        }),
    }
}
