//! Project automation, run as `cargo xtask <command>` (an alias in `.cargo/config.toml`).
//!
//! - `migrate <up|down [--all]|fresh|status>` and `seed [--reset]` work on `DATABASE_URL`
//!   (default: the SQLite file `crm.db` in the working directory) through `crm-store` and
//!   `seed`, the same code the `crm` binary uses.
//! - `seed --scale [sizes]` writes the large benchmark data set instead (see `crm seed --help`).
//! - `bench [--quick]` runs the release server against that data set under load, next to the
//!   same SQL run directly (module `bench`).
//! - `ci` runs the Rust part of `.ci/run`: format check, clippy, tests.
//! - `e2e [files]` runs the browser tests of the pages (module `e2e`).
//! - `fuzz [--max-time S] [--seed N] [--database-url postgres://…]` fuzzes the JSON API with
//!   Schemathesis against a fresh `crm serve` (module `fuzz`).
//! - `crash [--rounds N] [--database-url postgres://…]` kills the server with SIGKILL while it
//!   writes and checks nothing acknowledged is lost or doubled (module `crash`).
//! - `load [--duration S]` runs the release server on a private PostgreSQL under 200 concurrent
//!   connections, then through a database outage (module `load`).
//!
//! Plain Rust with few dependencies, so it builds quickly and runs anywhere cargo does.

mod bench;
mod crash;
mod crm_process;
mod e2e;
mod fuzz;
mod load;

use std::path::{Path, PathBuf};
use std::process::{Command as Process, ExitCode};

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use crm_store::{Store, StoreConfig};

#[derive(Debug, Parser)]
#[command(
    name = "xtask",
    bin_name = "cargo xtask",
    about = "Automation of the CRM workspace"
)]
struct Cli {
    #[command(subcommand)]
    command: Task,
}

#[derive(Debug, Subcommand)]
enum Task {
    /// Apply, roll back or list migrations on DATABASE_URL.
    Migrate {
        #[command(subcommand)]
        action: Migrate,
    },
    /// Migrate, then write the demo data into DATABASE_URL.
    Seed {
        /// Delete every row first.
        #[arg(long)]
        reset: bool,
        /// Write the large benchmark data set instead of the demo data.
        #[arg(long)]
        scale: bool,
        /// The sizes of the --scale data set.
        #[command(flatten)]
        sizes: seed::ScaleOptions,
    },
    /// Benchmark the release server against the scale data set (PostgreSQL).
    Bench(bench::BenchArgs),
    /// Format check, clippy and the tests, as `.ci/run` runs them.
    Ci,
    /// Kill the server at random moments while it writes; nothing acknowledged may be lost.
    Crash(crash::CrashArgs),
    /// Load the release server on PostgreSQL, then restart the database under load.
    Load(load::LoadArgs),
    /// The browser tests (e2e/) against a fresh `crm serve`, with screenshots.
    E2e(e2e::E2eArgs),
    /// Property-based API fuzzing with Schemathesis against a fresh `crm serve`.
    Fuzz(fuzz::FuzzArgs),
}

#[derive(Debug, Clone, Copy, Subcommand)]
enum Migrate {
    /// Apply every pending migration.
    Up,
    /// Roll back the latest migration (all with --all).
    Down {
        /// Roll back every applied migration.
        #[arg(long)]
        all: bool,
    },
    /// Roll back everything and apply everything again (destroys all data).
    Fresh,
    /// List applied and pending migrations.
    Status,
}

fn main() -> ExitCode {
    let result = match Cli::parse().command {
        Task::Migrate { action } => runtime().and_then(|rt| rt.block_on(migrate(action))),
        Task::Seed {
            reset,
            scale,
            sizes,
        } => runtime().and_then(|rt| rt.block_on(seed(reset, scale.then_some(&sizes)))),
        Task::Bench(args) => bench::bench(&args),
        Task::Ci => ci(),
        Task::Crash(args) => crash::crash(&args),
        Task::Load(args) => load::load(&args),
        Task::E2e(args) => e2e::e2e(&args),
        Task::Fuzz(args) => fuzz::fuzz(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

/// Connects to `DATABASE_URL`, or the embedded default.
async fn connect() -> anyhow::Result<Store> {
    let url = std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| crm_store::DEFAULT_DATABASE_URL.to_owned());
    // The store's error already says what failed; the URL is left out since it may hold a
    // password.
    Ok(Store::connect(&StoreConfig::new(url)).await?)
}

async fn migrate(action: Migrate) -> anyhow::Result<()> {
    let store = connect().await?;
    let (applied, pending) = store.migration_status().await?;
    match action {
        Migrate::Up => {
            store.migrate().await?;
            println!("applied {} migration(s)", pending.len());
        }
        Migrate::Down { all } => {
            store.migrate_down(if all { None } else { Some(1) }).await?;
            let rolled_back = if all {
                applied.len()
            } else {
                applied.len().min(1)
            };
            println!("rolled back {rolled_back} migration(s)");
        }
        Migrate::Fresh => {
            store.migrate_down(None).await?;
            store.migrate().await?;
            println!(
                "rolled back {} and applied {} migration(s)",
                applied.len(),
                applied.len() + pending.len()
            );
        }
        Migrate::Status => {
            for name in &applied {
                println!("  applied  {name}");
            }
            for name in &pending {
                println!("  pending  {name}");
            }
            println!("{} applied, {} pending", applied.len(), pending.len());
        }
    }
    store.close().await?;
    Ok(())
}

async fn seed(reset: bool, scale: Option<&seed::ScaleOptions>) -> anyhow::Result<()> {
    let store = connect().await?;
    store.migrate().await?;
    match scale {
        Some(sizes) => println!("{}", seed::seed_scale(&store, sizes, reset).await?),
        None => println!("{}", seed::seed_demo(&store, reset).await?),
    }
    store.close().await?;
    Ok(())
}

/// The steps of `.ci/run`'s Rust part; keep the two in step.
const CI_STEPS: &[(&str, &[&str])] = &[
    ("format", &["fmt", "--all", "--", "--check"]),
    (
        "clippy",
        &[
            "clippy",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ],
    ),
    ("tests", &["test", "--workspace"]),
];

fn ci() -> anyhow::Result<()> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let root = workspace_root();
    for (name, args) in CI_STEPS {
        println!("==> {name}: cargo {}", args.join(" "));
        let status = Process::new(&cargo)
            .args(*args)
            .current_dir(&root)
            .status()
            .with_context(|| format!("cannot run cargo for the {name} step"))?;
        if !status.success() {
            bail!("the {name} step failed ({status})");
        }
    }
    println!("==> ci: all steps passed");
    Ok(())
}

/// The workspace root: this crate's parent folder.
fn workspace_root() -> PathBuf {
    let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest_dir.parent().unwrap_or(manifest_dir).to_path_buf()
}
