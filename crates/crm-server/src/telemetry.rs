//! Tracing setup: which events are kept (`RUST_LOG`, else a quiet default) and how they are
//! written (human-readable or JSON lines), always to stderr so stdout carries only the
//! command's own output.

use std::io::IsTerminal;

use anyhow::anyhow;
use tracing_subscriber::EnvFilter;

use crate::config::LogFormat;

/// The filter when `RUST_LOG` is unset: our own events at `info`, the database layers only
/// when something goes wrong.
pub const DEFAULT_FILTER: &str = "info,sqlx=warn,sea_orm=warn";

/// Installs the global subscriber.
///
/// # Errors
/// When a subscriber is already installed.
pub fn init(format: LogFormat) -> anyhow::Result<()> {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal());
    let installed = match format {
        LogFormat::Pretty => builder.try_init(),
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .try_init(),
    };
    installed.map_err(|err| anyhow!("cannot set up logging: {err}"))
}
