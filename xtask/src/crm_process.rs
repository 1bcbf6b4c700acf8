//! What `crash` and `load` share: building `crm`, running `crm serve` as a child process on a
//! free loopback port (and killing it), a fresh PostgreSQL database per run, and a few HTTP
//! calls of the API.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use sea_orm::sqlx::{self, Connection as _, PgConnection};
use serde_json::{Value, json};

/// The cargo target folder: `CARGO_TARGET_DIR`, else `target/` in the workspace.
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| crate::workspace_root().join("target"))
}

/// Builds `crm` (debug or release) and returns the binary's path.
pub fn build_crm(release: bool) -> anyhow::Result<PathBuf> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut args = vec!["build", "--quiet", "-p", "crm-server", "--bin", "crm"];
    if release {
        args.push("--release");
    }
    println!("==> cargo {}", args.join(" "));
    let status = Command::new(cargo)
        .args(&args)
        .current_dir(crate::workspace_root())
        .status()
        .context("cannot run cargo")?;
    if !status.success() {
        bail!("building crm failed ({status})");
    }
    let profile = if release { "release" } else { "debug" };
    Ok(target_dir().join(profile).join("crm"))
}

/// A random hex string of 64 characters (token secrets, database names).
pub fn random_hex() -> String {
    let bytes: [u8; 32] = rand::random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A running `crm serve`, killed when dropped.
pub struct CrmServer {
    child: Child,
    /// `http://127.0.0.1:<port>`.
    pub url: String,
    /// The process id.
    pub pid: u32,
}

impl CrmServer {
    /// Starts `binary serve --bind 127.0.0.1:0 --no-seed` on `database_url`, signing tokens with
    /// `secret`; its output goes to `log`. Returns once `/readyz` answers 200.
    pub async fn start(
        binary: &Path,
        database_url: &str,
        secret: &str,
        log: &Path,
    ) -> anyhow::Result<Self> {
        let log_file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(log)
            .with_context(|| format!("cannot open {}", log.display()))?;
        let mut child = Command::new(binary)
            .args(["serve", "--bind", "127.0.0.1:0", "--no-seed"])
            .env("DATABASE_URL", database_url)
            .env("CRM_JWT_SECRET", secret)
            .env("CRM_LOG_FORMAT", "json")
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log_file)
            .spawn()
            .with_context(|| format!("cannot start {}", binary.display()))?;
        let pid = child.id();
        let stdout = child.stdout.take().context("no stdout of crm serve")?;
        let (sender, receiver) = std::sync::mpsc::channel();
        // Reads the banner, then keeps draining stdout so the child never blocks on it.
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(url) = line.strip_prefix("CRM is running at ") {
                    sender.send(url.trim().to_owned()).ok();
                }
            }
        });
        let mut server = Self {
            child,
            url: String::new(),
            pid,
        };
        match receiver.recv_timeout(Duration::from_secs(120)) {
            Ok(url) => server.url = url,
            Err(_) => {
                server.kill();
                bail!("crm serve printed no address; see {}", log.display());
            }
        }
        let client = http_client(Duration::from_secs(5))?;
        let ready = format!("{}/readyz", server.url);
        wait_for_status(&client, &ready, 200, Duration::from_secs(60)).await?;
        Ok(server)
    }

    /// Kills the server with SIGKILL (no shutdown of any kind) and reaps it.
    pub fn kill(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }

    /// Whether the process is still running.
    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }
}

impl Drop for CrmServer {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The resident memory of process `pid` now (`VmRSS`), in KiB.
pub fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// A client with a whole-request timeout.
pub fn http_client(timeout: Duration) -> anyhow::Result<reqwest::Client> {
    reqwest::Client::builder()
        .timeout(timeout)
        .build()
        .context("cannot build the HTTP client")
}

/// Polls `GET url` until it answers `status`; returns how long that took.
pub async fn wait_for_status(
    client: &reqwest::Client,
    url: &str,
    status: u16,
    within: Duration,
) -> anyhow::Result<Duration> {
    let started = Instant::now();
    let mut last = String::from("no answer");
    while started.elapsed() < within {
        match client.get(url).send().await {
            Ok(answer) if answer.status().as_u16() == status => return Ok(started.elapsed()),
            Ok(answer) => last = answer.status().to_string(),
            Err(err) => last = err.to_string(),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    bail!("GET {url} did not answer {status} within {within:?} (last: {last})")
}

/// `POST path` with a JSON body and an optional token; the status and the JSON answer.
pub async fn post_json(
    client: &reqwest::Client,
    base: &str,
    path: &str,
    token: Option<&str>,
    body: &Value,
) -> anyhow::Result<(u16, Value)> {
    let mut request = client.post(format!("{base}{path}")).json(body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let answer = request.send().await?;
    let status = answer.status().as_u16();
    Ok((status, answer.json().await.unwrap_or(Value::Null)))
}

/// `GET path` as the holder of `token`; fails unless it answers 200.
pub async fn get_json(
    client: &reqwest::Client,
    base: &str,
    path: &str,
    token: &str,
) -> anyhow::Result<Value> {
    let answer = client
        .get(format!("{base}{path}"))
        .bearer_auth(token)
        .send()
        .await?;
    let status = answer.status();
    if !status.is_success() {
        bail!("GET {path} answered {status}");
    }
    Ok(answer.json().await?)
}

/// Signs `email` in (`signup` creates the account first); returns the access token.
pub async fn session(
    client: &reqwest::Client,
    base: &str,
    email: &str,
    password: &str,
    signup: bool,
) -> anyhow::Result<String> {
    let (path, expected, body) = if signup {
        let body = json!({"email": email, "password": password, "display_name": "Load"});
        ("/api/auth/signup", 201, body)
    } else {
        (
            "/api/auth/login",
            200,
            json!({"email": email, "password": password}),
        )
    };
    let (status, answer) = post_json(client, base, path, None, &body).await?;
    if status != expected {
        bail!("{path} for {email} answered {status}: {answer}");
    }
    answer["access_token"]
        .as_str()
        .map(str::to_owned)
        .context("the session has no access_token")
}

/// The ids of the caller's pipeline stages, in order.
pub async fn stage_ids(
    client: &reqwest::Client,
    base: &str,
    token: &str,
) -> anyhow::Result<Vec<String>> {
    let stages = get_json(client, base, "/api/crm/pipeline-stages", token).await?;
    Ok(ids_of(&stages))
}

/// The `id`s of a JSON list.
pub fn ids_of(list: &Value) -> Vec<String> {
    list.as_array()
        .map(|rows| {
            rows.iter()
                .filter_map(|row| row["id"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// A database created for one run on a PostgreSQL server, dropped by [`FreshPostgres::drop_now`].
pub struct FreshPostgres {
    admin_url: String,
    name: String,
    /// The URL of the new database.
    pub url: String,
}

impl FreshPostgres {
    /// Creates `<prefix>_<random>` on the server of `server_url` (any database on it).
    pub async fn create(server_url: &str, prefix: &str) -> anyhow::Result<Self> {
        let name = format!("{prefix}_{}", &random_hex()[..16]);
        let admin_url = with_database(server_url, "postgres");
        let mut admin = PgConnection::connect(&admin_url)
            .await
            .context("cannot connect to PostgreSQL")?;
        // `name` is a prefix of ours and hex digits.
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut admin)
            .await
            .with_context(|| format!("cannot create database {name}"))?;
        admin.close().await.ok();
        Ok(Self {
            url: with_database(server_url, &name),
            admin_url,
            name,
        })
    }

    /// Drops the database (closing any session left on it).
    pub async fn drop_now(self) -> anyhow::Result<()> {
        let mut admin = PgConnection::connect(&self.admin_url).await?;
        let sql = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
            .execute(&mut admin)
            .await?;
        admin.close().await.ok();
        Ok(())
    }
}

/// `url` with its database (the path) replaced by `name`, keeping any query string.
pub fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, format!("?{query}")),
        None => (url, String::new()),
    };
    let authority = base.find("://").map_or(0, |i| i + 3);
    let server = match base[authority..].find('/') {
        Some(slash) => &base[..authority + slash],
        None => base,
    };
    format!("{server}/{name}{query}")
}

/// Whether this process runs as root (PostgreSQL's tools then run as `postgres`).
pub fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|l| l.starts_with("Uid:"))
                .and_then(|l| l.split_whitespace().nth(1).map(|uid| uid == "0"))
        })
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_database_of_a_url_is_replaced() {
        assert_eq!(
            with_database("postgres://postgres@127.0.0.1:5432/postgres", "crash_1"),
            "postgres://postgres@127.0.0.1:5432/crash_1"
        );
        assert_eq!(
            with_database("postgres://u@h/db?sslmode=disable", "x"),
            "postgres://u@h/x?sslmode=disable"
        );
        assert_eq!(
            with_database("postgres://h:5432", "x"),
            "postgres://h:5432/x"
        );
    }
}
