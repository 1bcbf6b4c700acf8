//! `cargo xtask load`: the release server on PostgreSQL under a fixed number of concurrent
//! connections, then through a database outage.
//!
//! The run owns its PostgreSQL: a private instance (`initdb` into a temporary folder, on a free
//! loopback port), so stopping it hurts nobody else's tests. It seeds the demo data with
//! `crm seed`, starts `crm serve` and signs the three demo users in.
//!
//! 1. Load: `--connections` workers, each with its own keep-alive connection and one request
//!    in flight, send a mix of reads and writes (board, contact list and details, deal details,
//!    dashboard when served, contact create, deal move, activity create) for `--duration`
//!    seconds. Every answer must be 2xx: no 5xx, no 4xx, no connection error; the server's
//!    resident memory is sampled from `/proc/<pid>/status` and must stay under `--max-rss-mb`.
//! 2. Outage: under the same load, PostgreSQL is stopped for `--outage` seconds. `/readyz` must
//!    answer 503 while it is down and 200 again after it is back, without restarting the
//!    server; during the outage the API may answer 503 but never another 5xx, and every request
//!    sent after `/readyz` recovered must succeed.

use std::collections::BTreeMap;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail, ensure};
use hdrhistogram::Histogram;
use rand::Rng;
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use serde_json::{Value, json};

use crate::crm_process::{self, CrmServer};

/// `cargo xtask load` options.
#[derive(Debug, Clone, clap::Args)]
pub struct LoadArgs {
    /// Seconds of the load phase.
    #[arg(long, default_value_t = 60)]
    pub duration: u64,
    /// Concurrent connections (one request in flight on each).
    #[arg(long, default_value_t = 200)]
    pub connections: usize,
    /// Seconds PostgreSQL stays down in the outage phase (longer than the pool's 10 s acquire
    /// timeout, so requests waiting for a connection time out too).
    #[arg(long, default_value_t = 12)]
    pub outage: u64,
    /// Skip the outage phase.
    #[arg(long)]
    pub no_outage: bool,
    /// Fail when the server's resident memory goes over this many MiB.
    #[arg(long, default_value_t = 512)]
    pub max_rss_mb: u64,
    /// The release `crm` binary to test (default: build it).
    #[arg(long)]
    pub crm: Option<PathBuf>,
    /// Folder of PostgreSQL's initdb and pg_ctl (default: the newest /usr/lib/postgresql/*/bin).
    #[arg(long)]
    pub pg_bin: Option<PathBuf>,
}

/// Runs the load test (in a release build of this tool: a debug load generator would eat the
/// CPU the server needs).
///
/// # Errors
/// When an answer breaks the rules above or the harness fails.
pub fn load(args: &LoadArgs) -> anyhow::Result<()> {
    let crm = match &args.crm {
        Some(path) => path.clone(),
        None => crm_process::build_crm(true)?,
    };
    if cfg!(debug_assertions) {
        return rerun_in_release();
    }
    crate::runtime()?.block_on(run(args, &crm))
}

fn rerun_in_release() -> anyhow::Result<()> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    println!("==> cargo build --quiet --release -p xtask");
    let status = Command::new(cargo)
        .args(["build", "--quiet", "--release", "-p", "xtask"])
        .current_dir(crate::workspace_root())
        .status()
        .context("cannot run cargo")?;
    ensure!(
        status.success(),
        "building the release xtask failed ({status})"
    );
    let status = Command::new(crm_process::target_dir().join("release/xtask"))
        .args(std::env::args_os().skip(1))
        .status()
        .context("cannot run the release xtask")?;
    ensure!(status.success(), "the load test failed ({status})");
    Ok(())
}

async fn run(args: &LoadArgs, crm: &Path) -> anyhow::Result<()> {
    let dir = std::env::temp_dir().join(format!("crm-load-{}", &crm_process::random_hex()[..12]));
    std::fs::create_dir_all(&dir)?;
    let postgres = PrivatePostgres::create(&pg_bin(args)?, &dir)?;
    let outcome = with_postgres(args, crm, &postgres, &dir).await;
    postgres.stop().ok();
    if outcome.is_ok() {
        std::fs::remove_dir_all(&dir).ok();
    } else {
        println!("logs kept in {}", dir.display());
    }
    outcome
}

async fn with_postgres(
    args: &LoadArgs,
    crm: &Path,
    postgres: &PrivatePostgres,
    dir: &Path,
) -> anyhow::Result<()> {
    let url = postgres.url("postgres");
    seed_demo(crm, &url)?;
    let server = CrmServer::start(
        crm,
        &url,
        &crm_process::random_hex(),
        &dir.join("server.log"),
    )
    .await?;
    let pool = std::env::var("CRM_DB_POOL_SIZE").unwrap_or_else(|_| "16 (default)".into());
    println!(
        "==> crm serve pid {} at {} (pool {pool}), PostgreSQL on port {}",
        server.pid, server.url, postgres.port
    );
    let work = Arc::new(Workload::prepare(&server.url).await?);
    println!(
        "==> {} users, dashboard {}",
        work.users.len(),
        if work.dashboard {
            "served"
        } else {
            "not served (skipped)"
        }
    );
    load_phase(args, &server, &work).await?;
    if !args.no_outage {
        outage_phase(args, &server, &work, postgres).await?;
    }
    Ok(())
}

fn seed_demo(crm: &Path, url: &str) -> anyhow::Result<()> {
    println!("==> crm seed (demo data)");
    let output = Command::new(crm)
        .arg("seed")
        .env("DATABASE_URL", url)
        .env("RUST_LOG", "warn")
        .output()
        .context("cannot run crm seed")?;
    ensure!(
        output.status.success(),
        "crm seed failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    Ok(())
}

// ---- the phases -----------------------------------------------------------------------------

async fn load_phase(
    args: &LoadArgs,
    server: &CrmServer,
    work: &Arc<Workload>,
) -> anyhow::Result<()> {
    println!(
        "==> load: {} connections for {} s",
        args.connections, args.duration
    );
    let run = Run::start(work, args.connections, server);
    tokio::time::sleep(Duration::from_secs(args.duration)).await;
    let (tallies, rss) = run.finish().await?;
    let tally = &tallies[Phase::Normal as usize];
    tally.print("load", args.duration as f64);
    println!(
        "memory: max RSS {:.1} MiB, at the end {:.1} MiB ({} samples)",
        rss.max_kib as f64 / 1024.0,
        rss.last_kib as f64 / 1024.0,
        rss.samples
    );
    ensure!(
        tally.total().server_errors == 0,
        "the server answered 5xx under load"
    );
    ensure!(
        tally.total().unavailable == 0,
        "the server answered 503 under load"
    );
    ensure!(
        tally.total().connection_errors == 0,
        "connections failed under load"
    );
    ensure!(
        tally.total().client_errors == 0,
        "valid requests were refused under load"
    );
    ensure!(
        rss.max_kib <= args.max_rss_mb * 1024,
        "the server's memory went over {} MiB",
        args.max_rss_mb
    );
    Ok(())
}

async fn outage_phase(
    args: &LoadArgs,
    server: &CrmServer,
    work: &Arc<Workload>,
    postgres: &PrivatePostgres,
) -> anyhow::Result<()> {
    println!(
        "==> outage: PostgreSQL stops for {} s under load",
        args.outage
    );
    let probe = crm_process::http_client(Duration::from_secs(5))?;
    let ready = format!("{}/readyz", server.url);
    let run = Run::start(work, args.connections, server);
    tokio::time::sleep(Duration::from_secs(3)).await;

    run.set_phase(Phase::Outage);
    let stopped = Instant::now();
    postgres.stop()?;
    let down_after =
        crm_process::wait_for_status(&probe, &ready, 503, Duration::from_secs(15)).await?;
    println!(
        "/readyz answered 503 {:.1} s after the stop",
        secs(down_after)
    );
    let mut probes = 0;
    while stopped.elapsed() < Duration::from_secs(args.outage) {
        let status = probe.get(&ready).send().await.map(|a| a.status().as_u16());
        ensure!(
            matches!(status, Ok(503)),
            "/readyz answered {status:?} while the database was down"
        );
        probes += 1;
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    postgres.start()?;
    let up_after =
        crm_process::wait_for_status(&probe, &ready, 200, Duration::from_secs(60)).await?;
    run.set_phase(Phase::Recovered);
    println!(
        "/readyz answered 503 to {probes} more probes, then 200 {:.1} s after PostgreSQL started",
        secs(up_after)
    );
    tokio::time::sleep(Duration::from_secs(5)).await;
    let (tallies, rss) = run.finish().await?;
    tallies[Phase::Normal as usize].print("before the outage", 3.0);
    tallies[Phase::Outage as usize].print("during the outage", secs(stopped.elapsed()));
    tallies[Phase::Recovered as usize].print("after recovery", 5.0);
    println!("memory: max RSS {:.1} MiB", rss.max_kib as f64 / 1024.0);
    let during = tallies[Phase::Outage as usize].total();
    ensure!(
        during.server_errors == 0,
        "a lost database answered 5xx other than 503"
    );
    ensure!(
        during.connection_errors == 0,
        "the server dropped connections during the outage"
    );
    for phase in [Phase::Normal, Phase::Recovered] {
        let counts = tallies[phase as usize].total();
        ensure!(
            counts.ok == counts.sent() && counts.ok > 0,
            "requests failed {phase:?}: {counts:?}"
        );
    }
    Ok(())
}

fn secs(duration: Duration) -> f64 {
    duration.as_secs_f64()
}

// ---- the workload ---------------------------------------------------------------------------

/// What the workers need of one demo user.
struct UserCtx {
    token: String,
    deals: Vec<String>,
    stages: Vec<String>,
    contacts: Vec<String>,
}

/// The users and what the server offers.
struct Workload {
    base: String,
    users: Vec<UserCtx>,
    dashboard: bool,
}

impl Workload {
    async fn prepare(base: &str) -> anyhow::Result<Self> {
        let client = crm_process::http_client(Duration::from_secs(30))?;
        let mut users = Vec::new();
        for demo in seed::DEMO_USERS {
            let token =
                crm_process::session(&client, base, demo.email, demo.password, false).await?;
            let board =
                crm_process::get_json(&client, base, "/api/crm/deals?per_stage=500", &token)
                    .await?;
            let deals = board["stages"]
                .as_array()
                .map(|columns| {
                    columns
                        .iter()
                        .flat_map(|c| crm_process::ids_of(&c["deals"]))
                        .collect()
                })
                .unwrap_or_default();
            let contacts =
                crm_process::get_json(&client, base, "/api/crm/contacts?limit=200", &token).await?;
            let user = UserCtx {
                stages: crm_process::stage_ids(&client, base, &token).await?,
                contacts: crm_process::ids_of(&contacts["data"]),
                deals,
                token,
            };
            ensure!(
                !user.deals.is_empty() && !user.contacts.is_empty() && !user.stages.is_empty(),
                "the demo user {} has no deals, contacts or stages",
                demo.email
            );
            users.push(user);
        }
        let probe = client
            .get(format!("{base}/api/crm/dashboard"))
            .bearer_auth(&users[0].token)
            .send()
            .await?;
        Ok(Self {
            base: base.to_owned(),
            users,
            dashboard: probe.status().is_success(),
        })
    }
}

/// The requests of the mix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Op {
    Board,
    ContactList,
    ContactDetails,
    DealDetails,
    Dashboard,
    ContactCreate,
    DealMove,
    ActivityCreate,
}

/// The mix: relative weights (reads about two thirds).
const MIX: [(Op, u32); 8] = [
    (Op::Board, 15),
    (Op::ContactList, 12),
    (Op::ContactDetails, 8),
    (Op::DealDetails, 15),
    (Op::Dashboard, 10),
    (Op::ContactCreate, 12),
    (Op::DealMove, 16),
    (Op::ActivityCreate, 12),
];

impl Op {
    fn name(self) -> &'static str {
        match self {
            Self::Board => "GET board",
            Self::ContactList => "GET contacts",
            Self::ContactDetails => "GET contact",
            Self::DealDetails => "GET deal",
            Self::Dashboard => "GET dashboard",
            Self::ContactCreate => "POST contact",
            Self::DealMove => "PATCH deal move",
            Self::ActivityCreate => "POST activity",
        }
    }

    fn pick(rng: &mut StdRng, dashboard: bool) -> Self {
        let mix: Vec<(Op, u32)> = MIX
            .into_iter()
            .filter(|(op, _)| dashboard || *op != Self::Dashboard)
            .collect();
        let total: u32 = mix.iter().map(|(_, w)| w).sum();
        let mut roll = rng.gen_range(0..total);
        for (op, weight) in &mix {
            if roll < *weight {
                return *op;
            }
            roll -= weight;
        }
        Self::Board
    }

    fn request(
        self,
        client: &reqwest::Client,
        base: &str,
        user: &UserCtx,
        rng: &mut StdRng,
    ) -> reqwest::RequestBuilder {
        let pick = |ids: &[String], rng: &mut StdRng| ids.choose(rng).cloned().unwrap_or_default();
        let (method, path, body): (reqwest::Method, String, Option<Value>) = match self {
            Self::Board => (reqwest::Method::GET, "/api/crm/deals".into(), None),
            Self::ContactList => (
                reqwest::Method::GET,
                "/api/crm/contacts?limit=50".into(),
                None,
            ),
            Self::ContactDetails => (
                reqwest::Method::GET,
                format!("/api/crm/contacts/{}", pick(&user.contacts, rng)),
                None,
            ),
            Self::DealDetails => (
                reqwest::Method::GET,
                format!("/api/crm/deals/{}", pick(&user.deals, rng)),
                None,
            ),
            Self::Dashboard => (reqwest::Method::GET, "/api/crm/dashboard".into(), None),
            Self::ContactCreate => {
                let n: u32 = rng.r#gen();
                let body = json!({"first_name": "Load", "last_name": format!("Contact {n}")});
                (
                    reqwest::Method::POST,
                    "/api/crm/contacts".into(),
                    Some(body),
                )
            }
            Self::DealMove => {
                let body = json!({"stage_id": pick(&user.stages, rng), "stage_order": rng.gen_range(0..30)});
                (
                    reqwest::Method::PATCH,
                    format!("/api/crm/deals/{}", pick(&user.deals, rng)),
                    Some(body),
                )
            }
            Self::ActivityCreate => {
                let body = json!({"type": "note", "deal_id": pick(&user.deals, rng), "subject": "Load note"});
                (
                    reqwest::Method::POST,
                    "/api/crm/activities".into(),
                    Some(body),
                )
            }
        };
        let request = client
            .request(method, format!("{base}{path}"))
            .bearer_auth(&user.token);
        match body {
            Some(body) => request.json(&body),
            None => request,
        }
    }
}

// ---- counting -------------------------------------------------------------------------------

/// Which part of a run a request was sent in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Normal = 0,
    Outage = 1,
    Recovered = 2,
}

/// Answers of one kind of request.
#[derive(Debug, Default, Clone, Copy)]
struct Counts {
    ok: u64,
    client_errors: u64,
    unavailable: u64,
    server_errors: u64,
    connection_errors: u64,
}

impl Counts {
    fn sent(&self) -> u64 {
        self.ok
            + self.client_errors
            + self.unavailable
            + self.server_errors
            + self.connection_errors
    }

    fn add(&mut self, other: &Self) {
        self.ok += other.ok;
        self.client_errors += other.client_errors;
        self.unavailable += other.unavailable;
        self.server_errors += other.server_errors;
        self.connection_errors += other.connection_errors;
    }
}

/// Counts per request kind, latencies, and the first failures seen.
struct Tally {
    per_op: BTreeMap<Op, Counts>,
    latency_us: Histogram<u64>,
    failures: Vec<String>,
}

impl Tally {
    fn new() -> anyhow::Result<Self> {
        Ok(Self {
            per_op: BTreeMap::new(),
            latency_us: Histogram::new_with_bounds(1, 120_000_000, 3)
                .map_err(|e| anyhow::anyhow!("histogram: {e}"))?,
            failures: Vec::new(),
        })
    }

    fn record(&mut self, op: Op, outcome: Result<u16, String>, took: Duration) {
        let counts = self.per_op.entry(op).or_default();
        let failure = match outcome {
            Ok(status) if (200..300).contains(&status) => {
                counts.ok += 1;
                None
            }
            Ok(503) => {
                counts.unavailable += 1;
                Some(format!("{} -> 503", op.name()))
            }
            Ok(status) if status >= 500 => {
                counts.server_errors += 1;
                Some(format!("{} -> {status}", op.name()))
            }
            Ok(status) => {
                counts.client_errors += 1;
                Some(format!("{} -> {status}", op.name()))
            }
            Err(err) => {
                counts.connection_errors += 1;
                Some(format!("{} -> {err}", op.name()))
            }
        };
        let micros = u64::try_from(took.as_micros()).unwrap_or(u64::MAX).max(1);
        self.latency_us.saturating_record(micros);
        if let Some(why) = failure
            && self.failures.len() < 5
        {
            self.failures.push(why);
        }
    }

    fn merge(&mut self, other: &Self) -> anyhow::Result<()> {
        for (op, counts) in &other.per_op {
            self.per_op.entry(*op).or_default().add(counts);
        }
        self.latency_us.add(&other.latency_us)?;
        for why in &other.failures {
            if self.failures.len() < 5 {
                self.failures.push(why.clone());
            }
        }
        Ok(())
    }

    fn total(&self) -> Counts {
        let mut total = Counts::default();
        for counts in self.per_op.values() {
            total.add(counts);
        }
        total
    }

    fn print(&self, title: &str, seconds: f64) {
        let total = self.total();
        let ms = |q: f64| self.latency_us.value_at_quantile(q) as f64 / 1000.0;
        println!(
            "{title}: {} requests ({:.0}/s), 2xx {}, 4xx {}, 503 {}, other 5xx {}, connection errors {}; \
             latency p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
            total.sent(),
            total.sent() as f64 / seconds.max(0.001),
            total.ok,
            total.client_errors,
            total.unavailable,
            total.server_errors,
            total.connection_errors,
            ms(0.5),
            ms(0.99),
            self.latency_us.max() as f64 / 1000.0
        );
        for (op, counts) in &self.per_op {
            println!(
                "  {:<16} {:>7} sent, {:>7} 2xx, {} 4xx, {} 503, {} 5xx, {} conn",
                op.name(),
                counts.sent(),
                counts.ok,
                counts.client_errors,
                counts.unavailable,
                counts.server_errors,
                counts.connection_errors
            );
        }
        for why in &self.failures {
            println!("  e.g. {why}");
        }
    }
}

// ---- the workers ----------------------------------------------------------------------------

/// The server's memory over a run.
#[derive(Debug, Default, Clone, Copy)]
struct Rss {
    max_kib: u64,
    last_kib: u64,
    samples: u64,
}

/// Workers and the memory sampler, running until [`Run::finish`].
struct Run {
    stop: Arc<AtomicBool>,
    phase: Arc<AtomicUsize>,
    workers: tokio::task::JoinSet<anyhow::Result<Vec<Tally>>>,
    sampler: tokio::task::JoinHandle<Rss>,
}

impl Run {
    fn start(work: &Arc<Workload>, connections: usize, server: &CrmServer) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let phase = Arc::new(AtomicUsize::new(Phase::Normal as usize));
        let mut workers = tokio::task::JoinSet::new();
        for worker in 0..connections {
            let (work, stop, phase) = (Arc::clone(work), Arc::clone(&stop), Arc::clone(&phase));
            workers.spawn(async move { drive(&work, worker as u64, &stop, &phase).await });
        }
        let pid = server.pid;
        let sampler_stop = Arc::clone(&stop);
        let sampler = tokio::spawn(async move {
            let mut rss = Rss::default();
            while !sampler_stop.load(Ordering::Relaxed) {
                if let Some(kib) = crm_process::rss_kib(pid) {
                    rss.max_kib = rss.max_kib.max(kib);
                    rss.last_kib = kib;
                    rss.samples += 1;
                }
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
            rss
        });
        Self {
            stop,
            phase,
            workers,
            sampler,
        }
    }

    fn set_phase(&self, phase: Phase) {
        self.phase.store(phase as usize, Ordering::SeqCst);
    }

    /// Stops the workers after their request in flight; the tallies per phase and the memory.
    async fn finish(mut self) -> anyhow::Result<(Vec<Tally>, Rss)> {
        self.stop.store(true, Ordering::SeqCst);
        let mut tallies = vec![Tally::new()?, Tally::new()?, Tally::new()?];
        while let Some(joined) = self.workers.join_next().await {
            let worker = joined.context("a load worker panicked")??;
            for (sum, part) in tallies.iter_mut().zip(&worker) {
                sum.merge(part)?;
            }
        }
        let rss = self.sampler.await.context("the memory sampler panicked")?;
        Ok((tallies, rss))
    }
}

/// One connection: sends requests one after the other until told to stop.
async fn drive(
    work: &Workload,
    worker: u64,
    stop: &AtomicBool,
    phase: &AtomicUsize,
) -> anyhow::Result<Vec<Tally>> {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(1)
        .timeout(Duration::from_secs(60))
        .build()?;
    let mut rng = StdRng::seed_from_u64(0x10AD_0000 + worker);
    let mut tallies = vec![Tally::new()?, Tally::new()?, Tally::new()?];
    while !stop.load(Ordering::Relaxed) {
        let user = &work.users[rng.gen_range(0..work.users.len())];
        let op = Op::pick(&mut rng, work.dashboard);
        let request = op.request(&client, &work.base, user, &mut rng);
        let sent_in = phase.load(Ordering::SeqCst);
        let started = Instant::now();
        let outcome = match request.send().await {
            Ok(answer) => {
                let status = answer.status().as_u16();
                // Read the whole body, as a client would.
                answer
                    .bytes()
                    .await
                    .map(|_| status)
                    .map_err(|e| e.to_string())
            }
            Err(err) => Err(err.to_string()),
        };
        // Counted in the phase it was sent in, except that one sent before the outage and
        // answered during it counts in the outage (it may meet the lost database).
        let counted = sent_in.max(phase.load(Ordering::SeqCst).min(Phase::Outage as usize));
        tallies[counted].record(op, outcome, started.elapsed());
    }
    Ok(tallies)
}

// ---- a private PostgreSQL -------------------------------------------------------------------

/// The newest installed PostgreSQL's binaries, or `--pg-bin`.
fn pg_bin(args: &LoadArgs) -> anyhow::Result<PathBuf> {
    if let Some(bin) = &args.pg_bin {
        return Ok(bin.clone());
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .context("no /usr/lib/postgresql: pass --pg-bin")?
        .filter_map(Result::ok)
        .filter_map(|e| Some((e.file_name().to_str()?.parse().ok()?, e.path().join("bin"))))
        .collect();
    versions.sort();
    versions
        .pop()
        .map(|(_, bin)| bin)
        .context("no PostgreSQL under /usr/lib/postgresql: pass --pg-bin")
}

/// A PostgreSQL instance of this run alone, in a temporary folder on a free loopback port.
struct PrivatePostgres {
    bin: PathBuf,
    dir: PathBuf,
    port: u16,
}

impl PrivatePostgres {
    /// `initdb` (trust authentication, user `postgres`) and start.
    fn create(bin: &Path, parent: &Path) -> anyhow::Result<Self> {
        let dir = parent.join("pg");
        std::fs::create_dir_all(&dir)?;
        let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let postgres = Self {
            bin: bin.to_owned(),
            dir,
            port,
        };
        if crm_process::is_root() {
            // PostgreSQL refuses to run as root: its folder belongs to `postgres`.
            postgres.run(
                Command::new("chown")
                    .args(["-R", "postgres:postgres"])
                    .arg(parent),
            )?;
        }
        let data = postgres.dir.join("data");
        postgres.run(
            postgres
                .tool("initdb")
                .args([
                    "-U",
                    "postgres",
                    "-A",
                    "trust",
                    "--no-sync",
                    "-E",
                    "UTF8",
                    "-D",
                ])
                .arg(&data),
        )?;
        postgres.start()?;
        Ok(postgres)
    }

    /// `postgres://postgres@127.0.0.1:<port>/<database>`.
    fn url(&self, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{database}", self.port)
    }

    fn tool(&self, name: &str) -> Command {
        let path = self.bin.join(name);
        if crm_process::is_root() {
            let mut command = Command::new("runuser");
            command.args(["-u", "postgres", "--"]).arg(path);
            command
        } else {
            Command::new(path)
        }
    }

    fn run(&self, command: &mut Command) -> anyhow::Result<()> {
        let output = command
            .output()
            .with_context(|| format!("cannot run {command:?}"))?;
        if !output.status.success() {
            bail!(
                "{command:?} failed: {}{}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            );
        }
        Ok(())
    }

    fn start(&self) -> anyhow::Result<()> {
        let options = format!(
            "-p {} -c listen_addresses=127.0.0.1 -k {} -c max_connections=100",
            self.port,
            self.dir.display()
        );
        self.run(
            self.tool("pg_ctl")
                .arg("-D")
                .arg(self.dir.join("data"))
                .arg("-l")
                .arg(self.dir.join("postgres.log"))
                .args(["-w", "-t", "60", "-o", &options, "start"]),
        )
    }

    /// Stops it (fast shutdown: open sessions are cut off, as in a crash of the server).
    fn stop(&self) -> anyhow::Result<()> {
        self.run(
            self.tool("pg_ctl")
                .arg("-D")
                .arg(self.dir.join("data"))
                .args(["-w", "-t", "60", "-m", "fast", "stop"]),
        )
    }
}
