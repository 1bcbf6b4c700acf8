//! `cargo xtask crash`: nothing acknowledged is lost, nothing is written twice, and the
//! database stays consistent when the server dies at a random moment.
//!
//! Every round starts `crm serve` on the same database (SQLite by default, or a fresh database
//! on the PostgreSQL server of `--database-url`), lets several writers create contacts named
//! `seq-r<round>-w<writer>-<n>` one after the other and one mover shuffle a few deal cards, and
//! kills the server with SIGKILL after a random delay. With the server dead, it reads the
//! database directly: every contact whose creation was acknowledged (201) must be there
//! exactly once (one in flight at the kill may be there or not, but never twice), every board
//! column must be numbered 0..n-1 with all the cards, and SQLite must pass `PRAGMA
//! integrity_check` and `PRAGMA foreign_key_check`. The token secret is fixed for the run, so
//! the first round's token must still work after every restart.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context, bail, ensure};
use rand::Rng;
use sea_orm::sqlx::{self, Connection as _, PgConnection, SqliteConnection};
use serde_json::json;

use crate::crm_process::{self, CrmServer, FreshPostgres};

/// `cargo xtask crash` options.
#[derive(Debug, Clone, clap::Args)]
pub struct CrashArgs {
    /// Kill-and-restart rounds.
    #[arg(long, default_value_t = 20)]
    pub rounds: u32,
    /// A PostgreSQL server (`postgres://user@host:port/any`): the run creates a fresh database
    /// there and drops it at the end. Without it: a fresh SQLite file.
    #[arg(long)]
    pub database_url: Option<String>,
    /// Concurrent writers, each creating contacts one after the other.
    #[arg(long, default_value_t = 4)]
    pub writers: usize,
    /// The kill comes between 150 ms and this many milliseconds after the writers start.
    #[arg(long, default_value_t = 1500)]
    pub max_kill_ms: u64,
    /// The `crm` binary to test (default: build the debug one).
    #[arg(long)]
    pub crm: Option<PathBuf>,
}

/// Cards the mover shuffles.
const CARDS: usize = 12;
/// The user every round writes as.
const EMAIL: &str = "crash@example.com";
const PASSWORD: &str = "crash-test-password";
/// The last name of every contact the writers create.
const LAST_NAME: &str = "crash";

/// Runs the crash test.
///
/// # Errors
/// When a write was lost or duplicated, the database is inconsistent, or the harness fails.
pub fn crash(args: &CrashArgs) -> anyhow::Result<()> {
    ensure!(
        args.rounds > 0 && args.writers > 0,
        "rounds and writers must be positive"
    );
    ensure!(args.max_kill_ms > 150, "--max-kill-ms must exceed 150");
    let binary = match &args.crm {
        Some(path) => path.clone(),
        None => crm_process::build_crm(false)?,
    };
    crate::runtime()?.block_on(run(args, &binary))
}

/// Where the run's data lives.
enum Target {
    Sqlite { dir: PathBuf },
    Postgres(FreshPostgres),
}

impl Target {
    fn url(&self) -> String {
        match self {
            Self::Sqlite { dir } => format!("sqlite://{}?mode=rwc", dir.join("crash.db").display()),
            Self::Postgres(db) => db.url.clone(),
        }
    }

    fn name(&self) -> &'static str {
        match self {
            Self::Sqlite { .. } => "SQLite",
            Self::Postgres(_) => "PostgreSQL",
        }
    }
}

async fn run(args: &CrashArgs, binary: &Path) -> anyhow::Result<()> {
    let dir = std::env::temp_dir().join(format!("crm-crash-{}", &crm_process::random_hex()[..12]));
    std::fs::create_dir_all(&dir)?;
    let target = match &args.database_url {
        Some(url) => Target::Postgres(FreshPostgres::create(url, "crm_crash").await?),
        None => Target::Sqlite { dir: dir.clone() },
    };
    println!(
        "==> crash test on {}: {} rounds, {} writers, log {}",
        target.name(),
        args.rounds,
        args.writers,
        dir.join("server.log").display()
    );
    let outcome = rounds(args, binary, &target, &dir).await;
    if let Target::Postgres(db) = target {
        db.drop_now().await?;
    }
    if outcome.is_ok() {
        std::fs::remove_dir_all(&dir).ok();
    }
    let totals = outcome?;
    totals.print(args.rounds);
    ensure!(
        totals.lost == 0 && totals.duplicated == 0,
        "acknowledged writes were lost or duplicated"
    );
    Ok(())
}

/// What the rounds add up to.
#[derive(Debug, Default)]
struct Totals {
    acknowledged: usize,
    moves: usize,
    in_flight_committed: usize,
    lost: usize,
    duplicated: usize,
    backend: &'static str,
}

impl Totals {
    fn print(&self, rounds: u32) {
        println!(
            "crash ({}): {rounds} rounds, {} acknowledged writes, {} acknowledged moves, \
             {} unacknowledged writes found committed, lost {}, duplicated {}, \
             integrity ok, columns 0..n-1",
            self.backend,
            self.acknowledged,
            self.moves,
            self.in_flight_committed,
            self.lost,
            self.duplicated
        );
    }
}

/// The user and the cards every round works on.
struct Fixture {
    token: String,
    deals: Vec<String>,
    stages: Vec<String>,
}

async fn rounds(
    args: &CrashArgs,
    binary: &Path,
    target: &Target,
    dir: &Path,
) -> anyhow::Result<Totals> {
    let secret = crm_process::random_hex();
    let log = dir.join("server.log");
    let client = crm_process::http_client(Duration::from_secs(10))?;
    let mut totals = Totals {
        backend: target.name(),
        ..Totals::default()
    };
    let mut fixture: Option<Fixture> = None;
    for round in 0..args.rounds {
        let mut server = CrmServer::start(binary, &target.url(), &secret, &log).await?;
        let current = match fixture.take() {
            None => set_up(&client, &server.url).await?,
            Some(existing) => {
                // The token of the first round: the secret survived the restart.
                crm_process::get_json(&client, &server.url, "/api/auth/me", &existing.token)
                    .await
                    .context("the first round's token no longer works")?;
                existing
            }
        };
        let acked = write_until_killed(args, &mut server, &current, round).await?;
        let found = check_database(target).await?;
        tally(&mut totals, &acked, &found, round)?;
        fixture = Some(current);
    }
    // The database still serves after the last crash.
    let server = CrmServer::start(binary, &target.url(), &secret, &log).await?;
    if let Some(fixture) = &fixture {
        crm_process::get_json(
            &client,
            &server.url,
            "/api/crm/contacts?limit=1",
            &fixture.token,
        )
        .await?;
    }
    Ok(totals)
}

/// Signs the user up and creates the cards.
async fn set_up(client: &reqwest::Client, base: &str) -> anyhow::Result<Fixture> {
    let token = crm_process::session(client, base, EMAIL, PASSWORD, true).await?;
    let stages = crm_process::stage_ids(client, base, &token).await?;
    ensure!(!stages.is_empty(), "the new user has no pipeline");
    let mut deals = Vec::new();
    for i in 0..CARDS {
        let body = json!({"name": format!("card {i}"), "stage_id": stages[i % stages.len()]});
        let (status, deal) =
            crm_process::post_json(client, base, "/api/crm/deals", Some(&token), &body).await?;
        ensure!(status == 201, "creating a card answered {status}: {deal}");
        deals.push(deal["id"].as_str().context("a deal id")?.to_owned());
    }
    Ok(Fixture {
        token,
        deals,
        stages,
    })
}

/// What one round's clients saw acknowledged.
#[derive(Debug, Default)]
struct Acked {
    contacts: Vec<String>,
    moves: usize,
}

/// Starts the writers and the mover, kills the server at a random moment, and returns what
/// was acknowledged.
async fn write_until_killed(
    args: &CrashArgs,
    server: &mut CrmServer,
    fixture: &Fixture,
    round: u32,
) -> anyhow::Result<Acked> {
    let acked = Arc::new(Mutex::new(Acked::default()));
    let mut tasks = tokio::task::JoinSet::new();
    for writer in 0..args.writers {
        let (client, base) = (
            crm_process::http_client(Duration::from_secs(10))?,
            server.url.clone(),
        );
        let (token, acked) = (fixture.token.clone(), Arc::clone(&acked));
        tasks.spawn(async move {
            for n in 0.. {
                let name = format!("seq-r{round}-w{writer}-{n}");
                let body = json!({"first_name": name, "last_name": LAST_NAME});
                match crm_process::post_json(
                    &client,
                    &base,
                    "/api/crm/contacts",
                    Some(&token),
                    &body,
                )
                .await
                {
                    Ok((201, _)) => lock(&acked).contacts.push(name),
                    Ok((status, answer)) => bail!("creating {name} answered {status}: {answer}"),
                    // The server is gone: this write is unacknowledged.
                    Err(_) => return Ok(()),
                }
            }
            Ok(())
        });
    }
    let (client, base) = (
        crm_process::http_client(Duration::from_secs(10))?,
        server.url.clone(),
    );
    let (token, deals, stages) = (
        fixture.token.clone(),
        fixture.deals.clone(),
        fixture.stages.clone(),
    );
    let mover_acked = Arc::clone(&acked);
    tasks.spawn(async move {
        loop {
            let (deal, body) = {
                let mut rng = rand::thread_rng();
                let deal = deals[rng.gen_range(0..deals.len())].clone();
                let stage = &stages[rng.gen_range(0..stages.len())];
                (
                    deal,
                    json!({"stage_id": stage, "stage_order": rng.gen_range(0..6)}),
                )
            };
            let sent = client
                .patch(format!("{base}/api/crm/deals/{deal}"))
                .bearer_auth(&token)
                .json(&body)
                .send()
                .await;
            match sent {
                Ok(answer) if answer.status().as_u16() == 200 => lock(&mover_acked).moves += 1,
                Ok(answer) => bail!("moving {deal} answered {}", answer.status()),
                Err(_) => return Ok(()),
            }
        }
    });
    let delay = rand::thread_rng().gen_range(150..args.max_kill_ms);
    tokio::time::sleep(Duration::from_millis(delay)).await;
    ensure!(
        server.is_running(),
        "the server died on its own in round {round}"
    );
    server.kill();
    while let Some(joined) = tasks.join_next().await {
        joined.context("a writer panicked")??;
    }
    let mut acked = lock(&acked);
    Ok(std::mem::take(&mut *acked))
}

fn lock(acked: &Mutex<Acked>) -> std::sync::MutexGuard<'_, Acked> {
    acked
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// What the database holds after a crash.
struct Found {
    /// Contact first name -> how many rows carry it.
    contacts: HashMap<String, i64>,
    /// Stage id -> the positions of its cards, in order.
    columns: BTreeMap<String, Vec<i64>>,
}

const CONTACTS_SQL: &str =
    "SELECT first_name, COUNT(*) AS n FROM contacts WHERE last_name = 'crash' GROUP BY first_name";
/// SQLite keeps uuids as 16-byte blobs, PostgreSQL as `uuid`: each spells them as text.
const POSITIONS_SQLITE: &str =
    "SELECT hex(stage_id) AS stage, stage_order FROM deals ORDER BY stage_id, stage_order";
const POSITIONS_PG: &str =
    "SELECT stage_id::text AS stage, stage_order::bigint FROM deals ORDER BY stage_id, stage_order";

/// Reads the database directly (the server is dead) and checks its integrity.
async fn check_database(target: &Target) -> anyhow::Result<Found> {
    match target {
        Target::Sqlite { dir } => {
            let url = format!("sqlite://{}", dir.join("crash.db").display());
            let mut conn = SqliteConnection::connect(&url).await?;
            let integrity: String = sqlx::query_scalar("PRAGMA integrity_check")
                .fetch_one(&mut conn)
                .await?;
            ensure!(integrity == "ok", "PRAGMA integrity_check: {integrity}");
            let broken = sqlx::query("PRAGMA foreign_key_check")
                .fetch_all(&mut conn)
                .await?;
            ensure!(
                broken.is_empty(),
                "PRAGMA foreign_key_check: {} rows",
                broken.len()
            );
            let contacts = sqlx::query_as(CONTACTS_SQL).fetch_all(&mut conn).await?;
            let positions = sqlx::query_as(POSITIONS_SQLITE)
                .fetch_all(&mut conn)
                .await?;
            conn.close().await.ok();
            Ok(Found::from_rows(contacts, positions))
        }
        Target::Postgres(db) => {
            let mut conn = PgConnection::connect(&db.url).await?;
            let contacts = sqlx::query_as(CONTACTS_SQL).fetch_all(&mut conn).await?;
            let positions = sqlx::query_as(POSITIONS_PG).fetch_all(&mut conn).await?;
            conn.close().await.ok();
            Ok(Found::from_rows(contacts, positions))
        }
    }
}

impl Found {
    /// From the rows of [`CONTACTS_SQL`] (first name, count) and of the positions query
    /// (stage, position), in stage and position order.
    fn from_rows(contacts: Vec<(String, i64)>, positions: Vec<(String, i64)>) -> Self {
        let mut columns: BTreeMap<String, Vec<i64>> = BTreeMap::new();
        for (stage, position) in positions {
            columns.entry(stage).or_default().push(position);
        }
        Self {
            contacts: contacts.into_iter().collect(),
            columns,
        }
    }
}

/// Compares what was acknowledged with what was found, adds it up, and fails on a broken
/// column.
fn tally(totals: &mut Totals, acked: &Acked, found: &Found, round: u32) -> anyhow::Result<()> {
    let prefix = format!("seq-r{round}-");
    let lost = acked
        .contacts
        .iter()
        .filter(|name| !found.contacts.contains_key(*name))
        .count();
    let duplicated = found.contacts.values().filter(|n| **n > 1).count();
    let this_round = found
        .contacts
        .keys()
        .filter(|n| n.starts_with(&prefix))
        .count();
    let in_flight = this_round.saturating_sub(acked.contacts.len() - lost);
    for (stage, positions) in &found.columns {
        let expected: Vec<i64> = (0..positions.len() as i64).collect();
        ensure!(
            *positions == expected,
            "round {round}: column {stage} has positions {positions:?}"
        );
    }
    let cards: usize = found.columns.values().map(Vec::len).sum();
    ensure!(
        cards == CARDS,
        "round {round}: {cards} cards instead of {CARDS}"
    );
    println!(
        "round {:>2}: {:>4} acknowledged, {} in flight committed, {:>3} moves, lost {lost}, duplicated {duplicated}",
        round + 1,
        acked.contacts.len(),
        in_flight,
        acked.moves
    );
    totals.acknowledged += acked.contacts.len();
    totals.moves += acked.moves;
    totals.in_flight_committed += in_flight;
    totals.lost += lost;
    totals.duplicated += duplicated;
    if lost > 0 || duplicated > 0 {
        bail!("round {round}: lost {lost}, duplicated {duplicated}");
    }
    Ok(())
}
