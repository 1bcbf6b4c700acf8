//! The subcommands of `crm`: `serve`, `migrate` and `seed`. Each connects through [`connect`],
//! which turns a refused connection into one readable line, and prints its results on stdout
//! (logs go to stderr).

use std::path::Path;

use anyhow::{Context, anyhow};
use crm_domain::repo::UserRepository;
use crm_http::{AppState, Application};
use crm_store::{Store, StoreConfig, StoreError};
use seed::DemoUser;

use crate::config::{Backend, Cli, Command, DatabaseUrl, MigrateAction};
use crate::telemetry;

/// `println!` that shrugs off a closed stdout (`crm migrate status | head -1`) instead of
/// panicking: the output is a courtesy, the work is done either way.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

/// Runs the command `cli` names (`serve` when none).
///
/// # Errors
/// Any failure, already worded for the user.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    telemetry::init(cli.log_format)?;
    match cli.command.clone().unwrap_or(Command::Serve) {
        Command::Serve => serve(&cli).await,
        Command::Migrate { action } => migrate(&cli.database_url, action).await,
        Command::Seed {
            reset,
            scale: true,
            sizes,
        } => seed_scale(&cli.database_url, &sizes, reset).await,
        Command::Seed { reset, .. } => seed(&cli.database_url, reset).await,
    }
}

/// Builds the HTTP application (the JSON API and the HTML pages) on `store`, bound to
/// `cli.bind`. The one place where the
/// server's state is assembled: settings the HTTP layer grows (auth, limits) are read here.
///
/// # Errors
/// When the address cannot be bound.
pub fn build_application(store: Store, cli: &Cli) -> anyhow::Result<Application> {
    let mut state = match jwt_secret(&cli.database_url)? {
        Some(secret) => AppState::new(store).with_auth(crm_http::AuthConfig::new(secret)),
        None => {
            tracing::warn!(
                "CRM_JWT_SECRET is unset: tokens are signed with a random key and die on restart"
            );
            AppState::new(store)
        }
    };
    state.auth.secure_cookies = cli.secure_cookies;
    Application::build_with(state, &cli.bind, crm_web::configure)
        .with_context(|| format!("cannot listen on {}", cli.bind))
}

/// The token secret: `CRM_JWT_SECRET`, else on the embedded SQLite default a secret generated
/// once and kept beside the database file (`<db>.jwt-secret`), so tokens survive restarts.
fn jwt_secret(url: &DatabaseUrl) -> anyhow::Result<Option<Vec<u8>>> {
    if let Ok(secret) = std::env::var("CRM_JWT_SECRET")
        && !secret.is_empty()
    {
        return Ok(Some(secret.into_bytes()));
    }
    let Some(db) = url.sqlite_path() else {
        return Ok(None);
    };
    let path = format!("{db}.jwt-secret");
    if let Ok(existing) = std::fs::read_to_string(&path)
        && existing.trim().len() >= 32
    {
        return Ok(Some(existing.trim().as_bytes().to_vec()));
    }
    let bytes: [u8; 32] = rand::random();
    let secret: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    write_private(&path, &secret)
        .with_context(|| format!("cannot write the token secret to {path}"))?;
    Ok(Some(secret.into_bytes()))
}

/// Writes `contents` to a new or truncated file that only its owner may read (mode 0600 on
/// Unix): it holds the token secret.
fn write_private(path: &str, contents: &str) -> std::io::Result<()> {
    use std::io::Write as _;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    options.open(path)?.write_all(contents.as_bytes())
}

/// `crm serve`: connect, migrate, seed an empty embedded database, print the banner, serve
/// until SIGINT or SIGTERM.
async fn serve(cli: &Cli) -> anyhow::Result<()> {
    let url = &cli.database_url;
    let store = connect_with(url, &store_config(cli)).await?;
    let (_, pending) = store.migration_status().await?;
    store.migrate().await?;
    tracing::info!(
        migrations_applied = pending.len(),
        "the database schema is up to date"
    );

    let empty = store.is_empty().await?;
    if empty && url.backend() == Backend::Sqlite && !cli.no_seed {
        // `seed_demo` logs its own summary.
        seed::seed_demo(&store, false).await?;
    }

    let app = build_application(store.clone(), cli)?;
    let address = format!("http://{}:{}", banner_host(&cli.bind), app.port());
    let sign_ins = demo_sign_ins(&store).await;

    say!("CRM is running at {address}");
    say!("  database: {}", describe(url));
    if sign_ins.is_empty() {
        if store.is_empty().await? {
            say!("  the database is empty: `crm seed` loads the demo data");
        }
    } else {
        say!("  demo sign-ins (e-mail / password):");
        for user in &sign_ins {
            say!(
                "    {} / {}  ({})",
                user.email,
                user.password,
                user.display_name
            );
        }
    }
    say!("  stop with Ctrl-C");
    tracing::info!(%address, database = %url, "serving");

    app.run_until_stopped()
        .await
        .context("the HTTP server failed")?;
    tracing::info!("stopped");
    store.close().await.ok();
    Ok(())
}

/// `crm migrate <action>`.
async fn migrate(url: &DatabaseUrl, action: MigrateAction) -> anyhow::Result<()> {
    let store = connect(url).await?;
    say!("database: {}", describe(url));
    match action {
        MigrateAction::Up => {
            let (_, pending) = store.migration_status().await?;
            store.migrate().await?;
            report("applied", &pending);
        }
        MigrateAction::Down { all } => {
            let (applied, _) = store.migration_status().await?;
            store.migrate_down(if all { None } else { Some(1) }).await?;
            let (still_applied, _) = store.migration_status().await?;
            report("rolled back", &applied[still_applied.len()..]);
        }
        MigrateAction::Fresh => {
            let (applied, _) = store.migration_status().await?;
            store.migrate_down(None).await?;
            report("rolled back", &applied);
            let (_, pending) = store.migration_status().await?;
            store.migrate().await?;
            report("applied", &pending);
        }
        MigrateAction::Status => {
            let (applied, pending) = store.migration_status().await?;
            for name in &applied {
                say!("  applied  {name}");
            }
            for name in &pending {
                say!("  pending  {name}");
            }
            say!("{} applied, {} pending", applied.len(), pending.len());
        }
    }
    store.close().await.ok();
    Ok(())
}

/// `crm seed [--reset]`: migrate, then write the demo data.
async fn seed(url: &DatabaseUrl, reset: bool) -> anyhow::Result<()> {
    let store = connect(url).await?;
    say!("database: {}", describe(url));
    store.migrate().await?;
    let report = seed::seed_demo(&store, reset).await?;
    say!("{report}");
    for user in demo_sign_ins(&store).await {
        say!("  sign in as {} / {}", user.email, user.password);
    }
    store.close().await.ok();
    Ok(())
}

/// `crm seed --scale [--reset] [sizes]`: migrate, then write the benchmark data set.
async fn seed_scale(
    url: &DatabaseUrl,
    sizes: &seed::ScaleOptions,
    reset: bool,
) -> anyhow::Result<()> {
    let store = connect(url).await?;
    say!("database: {}", describe(url));
    store.migrate().await?;
    let report = seed::seed_scale(&store, sizes, reset).await?;
    say!("{report}");
    store.close().await.ok();
    Ok(())
}

/// The pool size and statement timeout of `crm serve`, from the command line / environment.
fn store_config(cli: &Cli) -> StoreConfig {
    StoreConfig {
        max_connections: cli.db_pool_size,
        statement_timeout: (cli.db_statement_timeout_ms > 0)
            .then(|| std::time::Duration::from_millis(cli.db_statement_timeout_ms)),
        ..StoreConfig::new(cli.database_url.expose())
    }
}

/// Connects with the default settings (maintenance commands).
async fn connect(url: &DatabaseUrl) -> anyhow::Result<Store> {
    connect_with(url, &StoreConfig::new(url.expose())).await
}

/// Connects, wording every failure as one line that never shows the password.
async fn connect_with(url: &DatabaseUrl, config: &StoreConfig) -> anyhow::Result<Store> {
    Store::connect(config).await.map_err(|err| match err {
        StoreError::BadUrl(why) => {
            anyhow!("cannot connect to the database: unsupported URL, {why} (DATABASE_URL={url})")
        }
        StoreError::Connect(why) => anyhow!(
            "cannot connect to the database: {} (DATABASE_URL={url})",
            url.redact(&why)
        ),
        other => anyhow!(url.redact(&other.to_string())),
    })
}

/// The demo users that exist in this database (the banner only offers sign-ins that work).
async fn demo_sign_ins(store: &Store) -> Vec<&'static DemoUser> {
    let mut found = Vec::new();
    for user in seed::DEMO_USERS {
        match UserRepository::credentials(store, user.email).await {
            Ok(Some(_)) => found.push(user),
            Ok(None) => {}
            Err(err) => tracing::warn!(error = %err, "cannot look up the demo users"),
        }
    }
    found
}

/// The database for humans: the SQLite file's full path, or the masked PostgreSQL URL.
fn describe(url: &DatabaseUrl) -> String {
    match (url.backend(), url.sqlite_path()) {
        (Backend::Sqlite, Some(path)) => {
            let full = std::env::current_dir()
                .map(|cwd| cwd.join(path))
                .unwrap_or_else(|_| Path::new(path).to_path_buf());
            format!("SQLite file {}", full.display())
        }
        (Backend::Sqlite, None) => format!("SQLite {url}"),
        (Backend::Postgres, _) => format!("PostgreSQL {url}"),
        (Backend::Unknown, _) => url.to_string(),
    }
}

/// The host to print in the URL: a wildcard bind is reachable on localhost.
fn banner_host(bind: &str) -> &str {
    let host = bind.rsplit_once(':').map_or(bind, |(host, _)| host);
    match host {
        "" | "0.0.0.0" | "[::]" => "localhost",
        other => other,
    }
}

/// Prints what a migration step did.
fn report(verb: &str, names: &[String]) {
    say!("{verb} {} migration(s)", names.len());
    for name in names {
        say!("  {name}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wildcard_bind_is_shown_as_localhost() {
        assert_eq!(banner_host("0.0.0.0:8080"), "localhost");
        assert_eq!(banner_host("[::]:8080"), "localhost");
        assert_eq!(banner_host("127.0.0.1:8080"), "127.0.0.1");
    }
}
