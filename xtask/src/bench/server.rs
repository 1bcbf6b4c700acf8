//! The benchmark's surroundings: the release build, the database and its data set, the
//! server process and its memory.

use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use hyper::Method;
use sea_orm::sqlx::{self, Connection as _, PgConnection};

use super::load::{Auth, Call, Connection};

/// The workspace root: the xtask crate's parent folder.
pub fn workspace_root() -> PathBuf {
    let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest_dir.parent().unwrap_or(manifest_dir).to_path_buf()
}

fn release_binary(name: &str) -> PathBuf {
    workspace_root().join("target/release").join(name)
}

/// Builds `crm` and this tool in release mode (in one invocation, so they share one feature
/// set), then runs `xtask` from there with the same arguments.
pub fn rerun_in_release() -> anyhow::Result<()> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    println!("==> building the release server and load generator");
    let status = Command::new(&cargo)
        .args(["build", "--release", "-p", "crm-server", "-p", "xtask"])
        .current_dir(workspace_root())
        .status()
        .context("cannot run cargo")?;
    if !status.success() {
        bail!("the release build failed ({status})");
    }
    let status = Command::new(release_binary("xtask"))
        .args(std::env::args_os().skip(1))
        .status()
        .context("cannot run the release xtask")?;
    if !status.success() {
        bail!("the benchmark failed ({status})");
    }
    Ok(())
}

/// `url` with its database name replaced by `postgres` (the maintenance database).
fn maintenance_url(url: &str) -> anyhow::Result<(String, String)> {
    let (base, rest) = url
        .rsplit_once('/')
        .context("the database URL names no database")?;
    let (name, query) = match rest.split_once('?') {
        Some((name, query)) => (name, format!("?{query}")),
        None => (rest, String::new()),
    };
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        bail!("the benchmark database name must be a plain identifier");
    }
    Ok((format!("{base}/postgres{query}"), name.to_owned()))
}

/// Creates the benchmark database when it does not exist.
pub async fn ensure_database(url: &str) -> anyhow::Result<()> {
    let (admin_url, name) = maintenance_url(url)?;
    let mut admin = PgConnection::connect(&admin_url)
        .await
        .context("cannot connect to PostgreSQL")?;
    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
            .bind(&name)
            .fetch_one(&mut admin)
            .await?;
    if !exists {
        println!("==> creating database {name}");
        // `name` is checked to be a plain identifier above.
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut admin)
            .await?;
    }
    admin.close().await.ok();
    Ok(())
}

/// Seeds the scale data set with the release `crm seed --scale --reset` unless the database
/// already holds one of these sizes (or `force`); returns the seed's report when it ran.
pub async fn seed_if_needed(
    url: &str,
    sizes: &seed::ScaleOptions,
    force: bool,
) -> anyhow::Result<Option<String>> {
    if !force && has_data_set(url, sizes).await {
        println!("==> the data set is there; --reseed to write it again");
        return Ok(None);
    }
    println!(
        "==> seeding {} users x {} deals",
        sizes.users, sizes.deals_per_user
    );
    let output = Command::new(release_binary("crm"))
        .args(["seed", "--scale", "--reset"])
        .args(size_flags(sizes))
        .env("DATABASE_URL", url)
        .env("RUST_LOG", "warn")
        .stderr(Stdio::inherit())
        .output()
        .context(
            "cannot run the release crm (build it with cargo build --release -p crm-server)",
        )?;
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    print!("{text}");
    if !output.status.success() {
        bail!("seeding failed ({})", output.status);
    }
    Ok(Some(text))
}

fn size_flags(sizes: &seed::ScaleOptions) -> Vec<String> {
    [
        ("--users", sizes.users.to_string()),
        ("--deals-per-user", sizes.deals_per_user.to_string()),
        ("--contacts", sizes.contacts.to_string()),
        ("--companies", sizes.companies.to_string()),
        ("--activities", sizes.activities.to_string()),
        (
            "--collaborator-percent",
            sizes.collaborator_percent.to_string(),
        ),
        ("--spend-days", sizes.spend_days.to_string()),
    ]
    .into_iter()
    .flat_map(|(flag, value)| [flag.to_owned(), value])
    .collect()
}

/// Whether the database holds exactly the scale users of `sizes` with at least their deals
/// (moves and creates of earlier runs change other counts).
async fn has_data_set(url: &str, sizes: &seed::ScaleOptions) -> bool {
    let Ok(mut conn) = PgConnection::connect(url).await else {
        return false;
    };
    let counts: Result<(i64, i64), _> = sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM users WHERE email LIKE 'scale-user-%@scale.crm'), \
         (SELECT COUNT(*) FROM deals)",
    )
    .fetch_one(&mut conn)
    .await;
    conn.close().await.ok();
    match counts {
        Ok((users, deals)) => {
            usize::try_from(users).ok() == Some(sizes.users)
                && usize::try_from(deals).ok() == Some(sizes.users * sizes.deals_per_user)
        }
        Err(_) => false,
    }
}

/// The running release server.
pub struct Server {
    child: Child,
    /// Where it listens.
    pub addr: SocketAddr,
    /// Its process id.
    pub pid: u32,
    /// Its peak resident memory (VmHWM), read when it is stopped.
    pub peak_rss_mb: f64,
}

impl Server {
    /// Starts `crm serve` on a free loopback port and waits until `/readyz` answers.
    pub async fn start(url: &str, log_dir: &Path) -> anyhow::Result<Self> {
        let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let log = std::fs::File::create(log_dir.join("server.log"))?;
        let child = Command::new(release_binary("crm"))
            .arg("serve")
            .env("DATABASE_URL", url)
            .env("CRM_BIND", addr.to_string())
            .env("CRM_NO_SEED", "1")
            .env(
                "CRM_JWT_SECRET",
                format!("bench-{}", uuid::Uuid::new_v4().simple()),
            )
            .env("RUST_LOG", "warn")
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()
            .context("cannot start the release crm")?;
        let pid = child.id();
        let mut server = Self {
            child,
            addr,
            pid,
            peak_rss_mb: 0.0,
        };
        if let Err(err) = server.wait_ready().await {
            server.stop();
            return Err(err);
        }
        println!("==> server pid {pid} on http://{addr}");
        Ok(server)
    }

    async fn wait_ready(&mut self) -> anyhow::Result<()> {
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait()? {
                bail!("the server exited ({status}); see target/bench/server.log");
            }
            if let Ok(mut conn) = Connection::open(self.addr).await {
                let call = Call {
                    method: Method::GET,
                    path: "/readyz".to_owned(),
                    body: None,
                    auth: Auth::None,
                };
                if matches!(conn.send(&call).await, Ok((status, _)) if status.is_success()) {
                    return Ok(());
                }
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        bail!("the server did not become ready within 60 s")
    }

    /// Reads the peak RSS, then stops the server (the process this tool started).
    pub fn stop(&mut self) {
        self.peak_rss_mb = status_field_mb(self.pid, "VmHWM:").unwrap_or(0.0);
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

/// The resident memory of `pid` now, in MiB.
pub fn rss_mb(pid: u32) -> Option<f64> {
    status_field_mb(pid, "VmRSS:")
}

fn status_field_mb(pid: u32, field: &str) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

/// Signs `email` in with the scale password; returns the access token.
pub async fn sign_in(conn: &mut Connection, email: &str) -> anyhow::Result<String> {
    let body = serde_json::json!({"email": email, "password": seed::SCALE_PASSWORD});
    let call = Call {
        method: Method::POST,
        path: "/api/auth/login".to_owned(),
        body: Some(body.to_string()),
        auth: Auth::None,
    };
    let (status, bytes) = conn.send(&call).await?;
    if !status.is_success() {
        bail!("cannot sign in as {email}: {status}");
    }
    let session: serde_json::Value = serde_json::from_slice(&bytes)?;
    session
        .get("access_token")
        .and_then(|t| t.as_str())
        .map(str::to_owned)
        .context("the sign-in answer has no access_token")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_maintenance_url_swaps_the_database() {
        let (admin, name) =
            maintenance_url("postgres://postgres@127.0.0.1:5432/crm_bench?sslmode=disable")
                .unwrap_or_default();
        assert_eq!(
            admin,
            "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
        );
        assert_eq!(name, "crm_bench");
        assert!(maintenance_url("postgres://h/bad-name;drop").is_err());
    }
}
