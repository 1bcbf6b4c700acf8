//! The results: one line per run while the benchmark goes, and a Markdown report at the end.

use std::fmt::Write as _;

use sea_orm::sqlx::{self, PgPool};

use super::{Measurement, Scenario, Timing};

/// One scenario at one connection count.
#[derive(Debug, Clone)]
pub struct Row {
    /// The scenario.
    pub scenario: Scenario,
    /// Connections (and direct-SQL clients).
    pub connections: usize,
    /// Through the server.
    pub api: Measurement,
    /// The same SQL straight to PostgreSQL, when the scenario has a twin.
    pub direct: Option<Measurement>,
    /// The server's RSS right after the run, MiB.
    pub rss_mb: f64,
}

impl Row {
    /// API throughput over direct-SQL throughput.
    pub fn ratio(&self) -> Option<f64> {
        self.direct
            .as_ref()
            .filter(|d| d.per_second > 0.0)
            .map(|d| self.api.per_second / d.per_second)
    }
}

const HEADER: &str = "| scenario | conns | req/s | p50 ms | p95 ms | p99 ms | errors | RSS MiB | direct SQL tx/s | direct p99 ms | API / SQL |";
const RULE: &str = "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|";

/// Prints the table head.
pub fn print_header() {
    println!("{HEADER}\n{RULE}");
}

/// Prints one row (and the first error of the run, if any).
pub fn print_row(row: &Row) {
    println!("{}", line(row));
    if let Some(err) = &row.api.first_error {
        println!("    first API error: {err}");
    }
    if let Some(err) = row.direct.as_ref().and_then(|d| d.first_error.as_ref()) {
        println!("    first direct-SQL error: {err}");
    }
}

fn line(row: &Row) -> String {
    let a = &row.api;
    let (direct_rate, direct_p99, ratio) = match (&row.direct, row.ratio()) {
        (Some(d), Some(r)) => (
            format!("{:.0}", d.per_second),
            format!("{:.1}", d.p99_ms),
            format!("{r:.2}"),
        ),
        _ => ("–".to_owned(), "–".to_owned(), "–".to_owned()),
    };
    format!(
        "| {} | {} | {:.0} | {:.1} | {:.1} | {:.1} | {} | {:.0} | {direct_rate} | {direct_p99} | {ratio} |",
        row.scenario.name(),
        row.connections,
        a.per_second,
        a.p50_ms,
        a.p95_ms,
        a.p99_ms,
        a.errors,
        row.rss_mb
    )
}

/// The whole report: machine, data, date, commit, the table.
pub async fn markdown(
    sizes: &seed::ScaleOptions,
    timing: &Timing,
    rows: &[Row],
    seed_report: Option<&str>,
    peak_rss_mb: f64,
    pool: &PgPool,
) -> String {
    let mut out = String::new();
    let postgres: String = sqlx::query_scalar("SELECT version()")
        .fetch_one(pool)
        .await
        .unwrap_or_else(|_| "unknown".to_owned());
    let date = chrono::Utc::now().format("%Y-%m-%d %H:%M UTC");
    // Writing to a String cannot fail.
    let _ = writeln!(out, "- date: {date}, commit {}", super::commit());
    let _ = writeln!(out, "- machine: {}", machine());
    let _ = writeln!(out, "- database: {postgres}");
    let _ = writeln!(
        out,
        "- data: {} users x {} deals, {} contacts, {} companies, {} activities, collaborators on {} % of deals",
        sizes.users,
        sizes.deals_per_user,
        sizes.contacts,
        sizes.companies,
        sizes.activities,
        sizes.collaborator_percent
    );
    let _ = writeln!(
        out,
        "- each run: {:.1} s warm-up, {:.1} s measured; server peak RSS (VmHWM) {peak_rss_mb:.0} MiB",
        timing.warmup.as_secs_f64(),
        timing.duration.as_secs_f64()
    );
    if let Some(seeded) = seed_report {
        let _ = writeln!(out, "\nSeeding:\n\n```\n{}\n```", seeded.trim());
    }
    let _ = writeln!(out, "\n{HEADER}\n{RULE}");
    for row in rows {
        let _ = writeln!(out, "{}", line(row));
    }
    out
}

/// CPU model, core count and memory, from `/proc`.
fn machine() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split_once(':'))
        .map_or("unknown CPU", |(_, m)| m.trim())
        .to_owned();
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let mem_gib = meminfo
        .lines()
        .find(|l| l.starts_with("MemTotal:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kib| kib.parse::<f64>().ok())
        .map_or(0.0, |kib| kib / 1024.0 / 1024.0);
    format!(
        "{model}, {cores} cores, {mem_gib:.0} GiB RAM; server, load generator and PostgreSQL share them"
    )
}
