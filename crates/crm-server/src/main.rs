//! `crm`, the CRM's binary: parses the configuration and runs a command (see `commands`).
//! Every failure ends as one `error: …` line on stderr and exit code 1.

mod commands;
mod config;
mod telemetry;

use std::process::ExitCode;

/// mimalloc instead of glibc's malloc: the board turns thousands of rows into cards and JSON
/// per request, and argon2 takes 19 MiB per password check; with glibc, malloc and free
/// were a sixth of the server's time under load and the freed argon2 buffers stayed in the
/// process (docs/benchmarks.md, "Load benchmark").
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use anyhow::Context;
use clap::Parser;

fn main() -> ExitCode {
    let cli = config::Cli::parse();
    let result = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
        .and_then(|runtime| runtime.block_on(commands::run(cli)));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            let message = format!("{err:#}");
            eprintln!(
                "error: {}",
                message.split_whitespace().collect::<Vec<_>>().join(" ")
            );
            ExitCode::FAILURE
        }
    }
}
