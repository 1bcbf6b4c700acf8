//! `cargo xtask bench`: the release server against the scale data set, driven by our own load
//! generator on loopback, next to the same SQL run directly against PostgreSQL.
//!
//! Steps: build `crm` and this tool in release mode (a debug load generator would eat the CPU
//! the server needs) and re-run there; create the benchmark database if needed and seed it
//! with `crm seed --scale` unless it already holds a data set of the requested size; start
//! `crm serve` on a free loopback port; sign every scale user in; then for each scenario and
//! connection count run a fixed-time measurement (after a warm-up), read the server's RSS,
//! and for the scenarios with a direct-SQL twin run that at the same concurrency. The table
//! goes to stdout and to `target/bench/results.md`.

mod direct;
mod load;
mod report;
mod server;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use hdrhistogram::Histogram;
use sea_orm::sqlx::{self, PgPool, Row as _};
use uuid::Uuid;

use self::report::Row;

/// `cargo xtask bench` options.
#[derive(Debug, Clone, clap::Args)]
pub struct BenchArgs {
    /// Small data set, short runs: finishes in under two minutes (for development).
    #[arg(long)]
    pub quick: bool,
    /// The benchmark database (created when missing). Default: crm_bench (crm_bench_quick
    /// with --quick) on the local PostgreSQL.
    #[arg(long)]
    pub database_url: Option<String>,
    /// Measured seconds per scenario and connection count (default 10; 1 with --quick).
    #[arg(long)]
    pub seconds: Option<f64>,
    /// Warm-up seconds before each measurement (default 2; 0.3 with --quick).
    #[arg(long)]
    pub warmup: Option<f64>,
    /// Connection counts, comma-separated.
    #[arg(long, value_delimiter = ',', default_values_t = [1, 8, 64])]
    pub connections: Vec<usize>,
    /// Only these scenarios (comma-separated names, see the table).
    #[arg(long, value_delimiter = ',')]
    pub only: Vec<String>,
    /// Seed again even when a data set of the right size is there.
    #[arg(long)]
    pub reseed: bool,
}

/// Warm-up and measured time of one run.
#[derive(Debug, Clone, Copy)]
pub struct Timing {
    /// Not recorded.
    pub warmup: Duration,
    /// Recorded.
    pub duration: Duration,
}

/// What the load generator needs of one user.
#[derive(Debug, Clone)]
pub struct UserCtx {
    /// The user's id.
    pub user_id: Uuid,
    /// A bearer token (also sent as the session cookie to the pages).
    pub token: String,
    /// Some of the user's deals.
    pub deal_ids: Vec<Uuid>,
    /// Some of the user's contacts.
    pub contact_ids: Vec<Uuid>,
    /// The user's stages.
    pub stage_ids: Vec<Uuid>,
}

/// The measured scenarios, reads first (the writes change the data set).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scenario {
    /// `GET /api/crm/deals?per_stage=500`: every card of a 2,000-deal board.
    BoardFull,
    /// `GET /api/crm/deals?per_stage=100`: the default board page.
    BoardPage,
    /// `GET /api/crm/deals/{id}`: a deal with contact, company, history, activities.
    DealDetails,
    /// `GET /api/crm/contacts/{id}`: a lead with its deals.
    LeadDetails,
    /// `GET /api/crm/dashboard`: every dashboard widget.
    Dashboard,
    /// `GET /apps/crm/deals`: the board page.
    PageBoard,
    /// `GET /apps/crm/add-contact`: the contact form.
    PageAddContact,
    /// `GET /apps/crm/lead-details?id=…`.
    PageLead,
    /// `GET /apps/crm/deal-details?id=…`.
    PageDeal,
    /// `GET /dashboard/crm`.
    PageDashboard,
    /// `PATCH /api/crm/deals/{id}`: a move to a random stage and position.
    DealMove,
    /// `POST /api/crm/contacts`.
    ContactCreate,
}

impl Scenario {
    const ALL: [Self; 12] = [
        Self::BoardFull,
        Self::BoardPage,
        Self::DealDetails,
        Self::LeadDetails,
        Self::Dashboard,
        Self::PageBoard,
        Self::PageAddContact,
        Self::PageLead,
        Self::PageDeal,
        Self::PageDashboard,
        Self::DealMove,
        Self::ContactCreate,
    ];

    /// The name in the table and in `--only`.
    pub fn name(self) -> &'static str {
        match self {
            Self::BoardFull => "board_full",
            Self::BoardPage => "board_page",
            Self::DealDetails => "deal_details",
            Self::LeadDetails => "lead_details",
            Self::Dashboard => "dashboard",
            Self::PageBoard => "page_board",
            Self::PageAddContact => "page_add_contact",
            Self::PageLead => "page_lead",
            Self::PageDeal => "page_deal",
            Self::PageDashboard => "page_dashboard",
            Self::DealMove => "deal_move",
            Self::ContactCreate => "contact_create",
        }
    }
}

/// Throughput and latency of one run.
#[derive(Debug, Clone)]
pub struct Measurement {
    /// Failed ones.
    pub errors: u64,
    /// The first failure, for the log.
    pub first_error: Option<String>,
    /// Successful ones per second.
    pub per_second: f64,
    /// Median latency, ms.
    pub p50_ms: f64,
    /// 95th percentile, ms.
    pub p95_ms: f64,
    /// 99th percentile, ms.
    pub p99_ms: f64,
}

impl Measurement {
    /// Summarises a histogram of microseconds over `elapsed`.
    pub fn from_histogram(
        histogram: &Histogram<u64>,
        errors: u64,
        first_error: Option<String>,
        elapsed: Duration,
    ) -> Self {
        let ms = |q: f64| histogram.value_at_quantile(q) as f64 / 1000.0;
        Self {
            errors,
            first_error,
            per_second: histogram.len() as f64 / elapsed.as_secs_f64().max(1e-9),
            p50_ms: ms(0.50),
            p95_ms: ms(0.95),
            p99_ms: ms(0.99),
        }
    }
}

/// The sizes and timings of a run.
struct Plan {
    url: String,
    sizes: seed::ScaleOptions,
    timing: Timing,
    connections: Vec<usize>,
    scenarios: Vec<Scenario>,
}

impl Plan {
    fn from_args(args: &BenchArgs) -> anyhow::Result<Self> {
        let quick = args.quick;
        let url = args.database_url.clone().unwrap_or_else(|| {
            let db = if quick {
                "crm_bench_quick"
            } else {
                "crm_bench"
            };
            format!("postgres://postgres@127.0.0.1:5432/{db}")
        });
        let sizes = if quick {
            seed::ScaleOptions {
                users: 4,
                contacts: 800,
                companies: 50,
                activities: 40_000,
                ..seed::ScaleOptions::default()
            }
        } else {
            seed::ScaleOptions::default()
        };
        let seconds = args.seconds.unwrap_or(if quick { 1.0 } else { 10.0 });
        let warmup = args.warmup.unwrap_or(if quick { 0.3 } else { 2.0 });
        let scenarios: Vec<Scenario> = Scenario::ALL
            .into_iter()
            .filter(|s| args.only.is_empty() || args.only.iter().any(|o| o == s.name()))
            .collect();
        if scenarios.is_empty() {
            bail!("--only names no scenario");
        }
        Ok(Self {
            url,
            sizes,
            timing: Timing {
                warmup: Duration::from_secs_f64(warmup),
                duration: Duration::from_secs_f64(seconds),
            },
            connections: args.connections.clone(),
            scenarios,
        })
    }
}

/// Runs the benchmark (re-running itself in release mode first).
///
/// # Errors
/// Any step that fails: build, database, server start, sign-in, a run.
pub fn bench(args: &BenchArgs) -> anyhow::Result<()> {
    if cfg!(debug_assertions) {
        return server::rerun_in_release();
    }
    let plan = Plan::from_args(args)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(run(plan, args.reseed))
}

async fn run(plan: Plan, reseed: bool) -> anyhow::Result<()> {
    let out_dir = server::workspace_root().join("target/bench");
    std::fs::create_dir_all(&out_dir)?;
    server::ensure_database(&plan.url).await?;
    let seed_report = server::seed_if_needed(&plan.url, &plan.sizes, reseed).await?;
    let pool = sea_orm::sqlx::postgres::PgPoolOptions::new()
        .max_connections(2)
        .connect(&plan.url)
        .await
        .context("cannot connect to the benchmark database")?;
    let mut running = server::Server::start(&plan.url, &out_dir).await?;
    let outcome = measure(&plan, &pool, running.addr, running.pid).await;
    running.stop();
    let rows = outcome?;
    let hwm = running.peak_rss_mb;
    let text = report::markdown(
        &plan.sizes,
        &plan.timing,
        &rows,
        seed_report.as_deref(),
        hwm,
        &pool,
    )
    .await;
    let path = out_dir.join("results.md");
    std::fs::write(&path, &text).with_context(|| format!("cannot write {}", path.display()))?;
    println!("{text}\n(written to {})", path.display());
    Ok(())
}

async fn measure(
    plan: &Plan,
    pool: &PgPool,
    addr: SocketAddr,
    pid: u32,
) -> anyhow::Result<Vec<Row>> {
    let users = Arc::new(user_contexts(pool, addr, plan.sizes.users).await?);
    let user_ids: Arc<Vec<Uuid>> = Arc::new(users.iter().map(|u| u.user_id).collect());
    let sample_deals: Arc<Vec<(Uuid, Uuid)>> = Arc::new(
        users
            .iter()
            .flat_map(|u| u.deal_ids.iter().map(|d| (u.user_id, *d)))
            .collect(),
    );
    let mut rows = Vec::new();
    report::print_header();
    for scenario in &plan.scenarios {
        for &connections in &plan.connections {
            let api = load::run(
                addr,
                *scenario,
                Arc::clone(&users),
                connections,
                plan.timing,
            )
            .await?;
            let rss_mb = server::rss_mb(pid).unwrap_or(0.0);
            let direct = direct::run(
                &plan.url,
                *scenario,
                Arc::clone(&user_ids),
                Arc::clone(&sample_deals),
                connections,
                plan.timing,
            )
            .await?;
            let row = Row {
                scenario: *scenario,
                connections,
                api,
                direct,
                rss_mb,
            };
            report::print_row(&row);
            rows.push(row);
        }
    }
    Ok(rows)
}

/// Signs in every scale user and samples their deals, contacts and stages.
async fn user_contexts(
    pool: &PgPool,
    addr: SocketAddr,
    users: usize,
) -> anyhow::Result<Vec<UserCtx>> {
    let mut contexts = Vec::with_capacity(users);
    let mut conn = load::Connection::open(addr).await?;
    for index in 0..users {
        let email = seed::scale_email(index);
        let user_id: Uuid = sqlx::query("SELECT id FROM users WHERE email = $1")
            .bind(&email)
            .fetch_one(pool)
            .await
            .with_context(|| format!("{email} is missing: seed again with --reseed"))?
            .try_get("id")?;
        let token = server::sign_in(&mut conn, &email).await?;
        let ids = |sql: &'static str, limit: i64| {
            sqlx::query_scalar::<_, Uuid>(sql)
                .bind(user_id)
                .bind(limit)
                .fetch_all(pool)
        };
        contexts.push(UserCtx {
            user_id,
            token,
            deal_ids: ids(
                "SELECT id FROM deals WHERE user_id = $1 ORDER BY random() LIMIT $2",
                200,
            )
            .await?,
            contact_ids: ids(
                "SELECT id FROM contacts WHERE user_id = $1 ORDER BY random() LIMIT $2",
                200,
            )
            .await?,
            stage_ids: ids(
                "SELECT id FROM pipeline_stages WHERE user_id = $1 ORDER BY position LIMIT $2",
                100,
            )
            .await?,
        });
    }
    Ok(contexts)
}

/// The commit the benchmark ran on (with `-dirty` for uncommitted changes).
pub fn commit() -> String {
    let root = server::workspace_root();
    let git = |args: &[&str]| {
        std::process::Command::new("git")
            .args(args)
            .current_dir(&root)
            .output()
            .ok()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
    };
    let hash = git(&["rev-parse", "--short", "HEAD"]).unwrap_or_else(|| "unknown".to_owned());
    let dirty =
        git(&["status", "--porcelain", "--untracked-files=no"]).is_some_and(|s| !s.is_empty());
    if dirty { format!("{hash}-dirty") } else { hash }
}
