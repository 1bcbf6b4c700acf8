//! `cargo xtask fuzz`: property-based fuzzing of the JSON API with Schemathesis (`st`, from
//! PyPI) against the server's own `/api/openapi.json`.
//!
//! Builds `crm`, starts `crm serve` on a free loopback port over a fresh database — SQLite in a
//! temporary folder, or with `--database-url` a new database on that PostgreSQL server — with
//! the demo data, signs in as the demo user, and runs every check and every phase (examples,
//! coverage, fuzzing, stateful) for a bounded time. Any failure fails the task. The settings
//! and the custom check `only_semantic_rejections` live in `xtask/fuzz/`; the results are
//! described in `docs/security.md`.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context, bail};
use sea_orm::{ConnectionTrait, Database};

/// The Schemathesis release the settings are written for (CI installs exactly this one).
pub const SCHEMATHESIS_VERSION: &str = "4.32.5";

/// Options of `cargo xtask fuzz`.
#[derive(Debug, clap::Args)]
pub struct FuzzArgs {
    /// Time budget of the whole Schemathesis run in seconds (fuzzing and stateful testing
    /// repeat until it is spent).
    #[arg(long, default_value_t = 240)]
    pub max_time: u32,
    /// Seed of the generated data, for a reproducible run (default: random, printed by `st`).
    #[arg(long)]
    pub seed: Option<String>,
    /// A PostgreSQL server (e.g. `postgres://postgres@127.0.0.1:5432/postgres`): fuzz a fresh
    /// database created there (and dropped afterwards) instead of SQLite.
    #[arg(long)]
    pub database_url: Option<String>,
    /// Concurrent Schemathesis workers.
    #[arg(long, default_value_t = 1)]
    pub workers: u32,
    /// Where the JUnit report goes (default: `<target>/fuzz`).
    #[arg(long)]
    pub report_dir: Option<PathBuf>,
}

/// Runs the whole fuzzing session.
///
/// # Errors
/// When a step cannot run, or Schemathesis reports any failure.
pub fn fuzz(args: &FuzzArgs) -> anyhow::Result<()> {
    let root = super::workspace_root();
    let st = find_st()?;
    let crm = build_crm(&root)?;
    let work = scratch_dir()?;
    let database = match &args.database_url {
        Some(server) => Some(FreshDatabase::create(server)?),
        None => None,
    };
    let outcome = run_session(&root, &st, &crm, &work, database.as_ref(), args);
    if let Some(database) = database {
        database.drop_now()?;
    }
    if outcome.is_ok() {
        fs::remove_dir_all(&work).ok();
    } else {
        eprintln!("the server's logs are kept in {}", work.display());
    }
    outcome
}

fn run_session(
    root: &Path,
    st: &Path,
    crm: &Path,
    work: &Path,
    database: Option<&FreshDatabase>,
    args: &FuzzArgs,
) -> anyhow::Result<()> {
    let database_url = database.map(|d| d.url.clone());
    if let Some(url) = &database_url {
        println!("==> fuzz: seeding the demo data into a fresh PostgreSQL database");
        let status = Command::new(crm)
            .arg("seed")
            .env("DATABASE_URL", url)
            .current_dir(work)
            .stdin(Stdio::null())
            .status()
            .context("cannot run `crm seed`")?;
        if !status.success() {
            bail!("`crm seed` failed ({status})");
        }
    }
    let mut server = Server::start(crm, work, database_url.as_deref())?;
    let result = sign_in(&server.url).and_then(|token| run_st(root, st, &server.url, &token, args));
    server.stop();
    result
}

/// `st` on the PATH, or an error that says how to install it.
fn find_st() -> anyhow::Result<PathBuf> {
    let found = std::env::var_os("PATH")
        .map(|path| std::env::split_paths(&path).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .map(|dir| dir.join("st"))
        .find(|candidate| candidate.is_file());
    found.with_context(|| {
        format!("`st` is not on the PATH: pip install schemathesis=={SCHEMATHESIS_VERSION}")
    })
}

fn build_crm(root: &Path) -> anyhow::Result<PathBuf> {
    println!("==> fuzz: cargo build -p crm-server --bin crm");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = Command::new(cargo)
        .args(["build", "-p", "crm-server", "--bin", "crm"])
        .current_dir(root)
        .status()
        .context("cannot run cargo")?;
    if !status.success() {
        bail!("building crm failed ({status})");
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    Ok(target.join("debug").join("crm"))
}

fn unique_suffix() -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    format!("{}_{nanos}", std::process::id())
}

fn scratch_dir() -> anyhow::Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!("crm-fuzz-{}", unique_suffix()));
    fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    Ok(dir)
}

/// `crm serve` on a free loopback port in `work` (its SQLite file lands there).
struct Server {
    child: Child,
    url: String,
}

impl Server {
    fn start(crm: &Path, work: &Path, database_url: Option<&str>) -> anyhow::Result<Self> {
        let stdout = fs::File::create(work.join("stdout.log"))?;
        let stderr = fs::File::create(work.join("stderr.log"))?;
        let mut command = Command::new(crm);
        command
            .args(["serve", "--bind", "127.0.0.1:0", "--log-format", "json"])
            .current_dir(work)
            .env_remove("DATABASE_URL")
            .env_remove("CRM_NO_SEED")
            .stdin(Stdio::null())
            .stdout(stdout)
            .stderr(stderr);
        if let Some(url) = database_url {
            command.env("DATABASE_URL", url);
        }
        let child = command.spawn().context("cannot start `crm serve`")?;
        let mut server = Self {
            child,
            url: String::new(),
        };
        server.url = server.wait_for_url(&work.join("stdout.log"))?;
        println!("==> fuzz: crm serve is up at {}", server.url);
        Ok(server)
    }

    fn wait_for_url(&mut self, log: &Path) -> anyhow::Result<String> {
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(120) {
            let text = fs::read_to_string(log).unwrap_or_default();
            if let Some(url) = text
                .split_whitespace()
                .find(|word| word.starts_with("http://127.0.0.1:"))
            {
                return Ok(url.to_owned());
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                bail!("`crm serve` exited ({status}) before it listened");
            }
            std::thread::sleep(Duration::from_millis(250));
        }
        self.stop();
        bail!("`crm serve` did not print its address within 120 s")
    }

    /// SIGTERM (a graceful stop), SIGKILL when it does not stop within 10 s.
    fn stop(&mut self) {
        let pid = self.child.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(10) {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Signs in as the demo user (`ava@demo.crm`) and returns the access token.
fn sign_in(url: &str) -> anyhow::Result<String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let answer: serde_json::Value = reqwest::Client::new()
            .post(format!("{url}/api/auth/login"))
            .json(&serde_json::json!({"email": "ava@demo.crm", "password": "demo-pass-1"}))
            .send()
            .await
            .context("cannot reach the server to sign in")?
            .error_for_status()
            .context("the demo sign-in failed")?
            .json()
            .await?;
        answer["access_token"]
            .as_str()
            .map(str::to_owned)
            .context("the sign-in answer has no access_token")
    })
}

fn run_st(root: &Path, st: &Path, url: &str, token: &str, args: &FuzzArgs) -> anyhow::Result<()> {
    let assets = root.join("xtask").join("fuzz");
    let report_dir = args.report_dir.clone().unwrap_or_else(|| {
        std::env::var_os("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| root.join("target"))
            .join("fuzz")
    });
    fs::create_dir_all(&report_dir)
        .with_context(|| format!("cannot create {}", report_dir.display()))?;
    let report_dir = std::path::absolute(&report_dir)?;
    let mut command = Command::new(st);
    // Run in the report folder, so Hypothesis' and Schemathesis' caches land there too.
    command
        .current_dir(&report_dir)
        .arg("--config-file")
        .arg(assets.join("schemathesis.toml"))
        .args(["run", &format!("{url}/api/openapi.json")])
        .args(["--header", &format!("Authorization: Bearer {token}")])
        .args(["--checks", "all"])
        .args(["--phases", "examples,coverage,fuzzing,stateful"])
        .args(["--max-time", &args.max_time.to_string()])
        .args(["--workers", &args.workers.to_string()])
        .arg("--continue-on-failure")
        .args(["--report", "junit"])
        .arg("--report-dir")
        .arg(&report_dir)
        .env("PYTHONPATH", &assets)
        .env("SCHEMATHESIS_HOOKS", "crm_fuzz_hooks")
        .env("NO_COLOR", "1")
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .stdin(Stdio::null());
    if let Some(seed) = &args.seed {
        command.args(["--seed", seed]);
    }
    println!(
        "==> fuzz: st run (all checks and phases, {} s, seed {})",
        args.max_time,
        args.seed.as_deref().unwrap_or("random")
    );
    let status = command.status().context("cannot run st")?;
    if !status.success() {
        bail!("Schemathesis found failures ({status}); see the output above");
    }
    println!("==> fuzz: no failures");
    Ok(())
}

/// A PostgreSQL database created for one run and dropped after it.
struct FreshDatabase {
    server: String,
    name: String,
    url: String,
}

impl FreshDatabase {
    fn create(server: &str) -> anyhow::Result<Self> {
        let name = format!("crm_fuzz_{}", unique_suffix());
        run_sql(server, &format!("CREATE DATABASE {name}"))?;
        let url = match server.rsplit_once('/') {
            Some((base, _)) => format!("{base}/{name}"),
            None => bail!("--database-url must name a database: postgres://user@host:port/db"),
        };
        println!("==> fuzz: created the PostgreSQL database {name}");
        Ok(Self {
            server: server.to_owned(),
            name,
            url,
        })
    }

    fn drop_now(self) -> anyhow::Result<()> {
        run_sql(
            &self.server,
            &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name),
        )
    }
}

fn run_sql(server: &str, sql: &str) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let db = Database::connect(server)
            .await
            .with_context(|| "cannot connect to the PostgreSQL server of --database-url")?;
        db.execute_unprepared(sql)
            .await
            .with_context(|| format!("`{sql}` failed"))?;
        db.close().await.ok();
        Ok(())
    })
}
