//! The command line and environment of `crm`: global options, subcommands, and the database
//! URL wrapper that keeps its password out of every printout.

use std::convert::Infallible;
use std::fmt;
use std::str::FromStr;

use clap::{Parser, Subcommand, ValueEnum};

/// The address `crm serve` binds when none is configured.
pub const DEFAULT_BIND: &str = "127.0.0.1:8080";

/// `crm`: the CRM server and its maintenance commands.
///
/// Without a subcommand it serves. With no configuration at all it uses the SQLite file
/// `crm.db` in the working directory, migrates it, seeds demo data into it when it is empty,
/// and serves on http://127.0.0.1:8080.
#[derive(Debug, Parser)]
#[command(name = "crm", version)]
pub struct Cli {
    /// Database: `sqlite://path?mode=rwc` (embedded) or `postgres://user@host/db`.
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = crm_store::DEFAULT_DATABASE_URL,
        hide_env_values = true,
        global = true
    )]
    pub database_url: DatabaseUrl,

    /// Address to serve on; port 0 picks a free port.
    #[arg(long, env = "CRM_BIND", default_value = DEFAULT_BIND, global = true)]
    pub bind: String,

    /// Log format: human-readable lines or one JSON object per line.
    #[arg(
        long,
        env = "CRM_LOG_FORMAT",
        value_enum,
        default_value_t = LogFormat::Pretty,
        global = true
    )]
    pub log_format: LogFormat,

    /// Do not seed demo data into an empty SQLite database at start.
    // Falsey parsing so `CRM_NO_SEED=1` / `yes` / `true` all work (and `0` / `no` / `false` not).
    #[arg(
        long,
        env = "CRM_NO_SEED",
        value_parser = clap::builder::FalseyValueParser::new(),
        global = true
    )]
    pub no_seed: bool,

    /// Mark the session cookies `Secure` (set it when the site is served over HTTPS, e.g.
    /// behind a TLS-terminating proxy; browsers then never send them over plain HTTP).
    #[arg(
        long,
        env = "CRM_SECURE_COOKIES",
        value_parser = clap::builder::FalseyValueParser::new(),
        global = true
    )]
    pub secure_cookies: bool,

    /// Database connections in the pool: requests beyond it wait (up to 10 s, then 503).
    #[arg(long, env = "CRM_DB_POOL_SIZE", default_value_t = crm_store::DEFAULT_POOL_SIZE,
          value_parser = clap::value_parser!(u32).range(1..), global = true)]
    pub db_pool_size: u32,

    /// PostgreSQL `statement_timeout` of every request's transaction, in milliseconds (0: the
    /// server's own setting); a statement over it fails and the request answers 503.
    #[arg(
        long,
        env = "CRM_DB_STATEMENT_TIMEOUT_MS",
        default_value_t = 5000,
        global = true
    )]
    pub db_statement_timeout_ms: u64,

    /// What to do; `serve` when omitted.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The subcommands.
#[derive(Debug, Clone, Subcommand)]
pub enum Command {
    /// Migrate, seed an empty SQLite database (unless --no-seed), and serve HTTP (default).
    Serve,
    /// Apply, roll back or list the schema migrations.
    Migrate {
        /// The migration action.
        #[command(subcommand)]
        action: MigrateAction,
    },
    /// Migrate, then write the demo data (re-runnable; keeps existing rows unless --reset),
    /// or with --scale the large benchmark data set (sizes as flags).
    Seed {
        /// Delete every row first.
        #[arg(long)]
        reset: bool,
        /// Write the large benchmark data set (users `scale-user-NNNN@scale.crm`, password
        /// `scale-pass`) straight into the tables instead of the demo data.
        #[arg(long)]
        scale: bool,
        /// The sizes of the --scale data set.
        #[command(flatten)]
        sizes: seed::ScaleOptions,
    },
}

/// What `crm migrate` does.
#[derive(Debug, Clone, Copy, Subcommand)]
pub enum MigrateAction {
    /// Apply every pending migration.
    Up,
    /// Roll back the latest migration (or all of them with --all).
    Down {
        /// Roll back every applied migration.
        #[arg(long)]
        all: bool,
    },
    /// Roll back everything, then apply everything: an empty schema. Destroys all data.
    Fresh,
    /// List applied and pending migrations.
    Status,
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines, for a terminal.
    Pretty,
    /// One JSON object per line, for a log collector.
    Json,
}

/// Which database a URL selects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// The embedded default.
    Sqlite,
    /// Production, with row-level security.
    Postgres,
    /// Anything else; connecting will refuse it.
    Unknown,
}

/// A database URL. `Debug` and `Display` mask its password; [`DatabaseUrl::expose`] gives the
/// real one to the driver.
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl(String);

impl DatabaseUrl {
    /// The URL with its password, for connecting only.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Which database this URL selects.
    pub fn backend(&self) -> Backend {
        let url = self.0.trim();
        if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            Backend::Unknown
        }
    }

    /// The password, if the URL carries one (in the user info or as `?password=`).
    pub fn password(&self) -> Option<&str> {
        password_range(&self.0)
            .map(|(start, end)| &self.0[start..end])
            .filter(|p| !p.is_empty())
    }

    /// The SQLite file this URL names, when it names one (not `:memory:`).
    pub fn sqlite_path(&self) -> Option<&str> {
        let rest = self.0.trim().strip_prefix("sqlite:")?;
        let rest = rest.strip_prefix("//").unwrap_or(rest);
        let path = rest.split(['?', '#']).next().unwrap_or_default();
        (!path.is_empty() && path != ":memory:").then_some(path)
    }

    /// Replaces the password, wherever it occurs in `text` (e.g. a driver's error), by `****`.
    pub fn redact(&self, text: &str) -> String {
        match self.password() {
            Some(password) => text.replace(password, "****"),
            None => text.to_owned(),
        }
    }
}

impl FromStr for DatabaseUrl {
    type Err = Infallible;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Self(s.trim().to_owned()))
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match password_range(&self.0) {
            Some((start, end)) if start < end => {
                write!(f, "{}****{}", &self.0[..start], &self.0[end..])
            }
            _ => f.write_str(&self.0),
        }
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DatabaseUrl({self})")
    }
}

/// Byte range of the password in `scheme://user:password@host/…` or in a `password=` query
/// parameter (the first found).
fn password_range(url: &str) -> Option<(usize, usize)> {
    let (head, query, query_start) = match url.split_once('?') {
        Some((head, query)) => (head, query, head.len() + 1),
        None => (url, "", url.len()),
    };
    if let Some(scheme_end) = head.find("://") {
        let authority_start = scheme_end + 3;
        let authority = head[authority_start..]
            .split('/')
            .next()
            .unwrap_or_default();
        if let Some(at) = authority.rfind('@')
            && let Some(colon) = authority[..at].find(':')
        {
            return Some((authority_start + colon + 1, authority_start + at));
        }
    }
    let mut offset = query_start;
    for pair in query.split('&') {
        if let Some(value) = pair.strip_prefix("password=") {
            let start = offset + "password=".len();
            return Some((start, start + value.len()));
        }
        offset += pair.len() + 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> DatabaseUrl {
        match s.parse() {
            Ok(url) => url,
            Err(never) => match never {},
        }
    }

    #[test]
    fn secure_cookies_are_off_unless_asked_for() {
        let parse = |args: &[&str]| Cli::try_parse_from(args).map(|cli| cli.secure_cookies);
        assert_eq!(parse(&["crm", "serve"]).ok(), Some(false));
        assert_eq!(
            parse(&["crm", "serve", "--secure-cookies"]).ok(),
            Some(true)
        );
    }

    #[test]
    fn a_password_in_the_user_info_is_masked() {
        let u = url("postgres://crm:s3cret@db.example:5432/crm");
        assert_eq!(u.to_string(), "postgres://crm:****@db.example:5432/crm");
        assert_eq!(
            format!("{u:?}"),
            "DatabaseUrl(postgres://crm:****@db.example:5432/crm)"
        );
        assert_eq!(u.password(), Some("s3cret"));
        assert_eq!(u.expose(), "postgres://crm:s3cret@db.example:5432/crm");
    }

    #[test]
    fn a_password_query_parameter_is_masked() {
        let u = url("postgres://crm@db/crm?sslmode=require&password=hunter2&x=1");
        assert_eq!(
            u.to_string(),
            "postgres://crm@db/crm?sslmode=require&password=****&x=1"
        );
        assert_eq!(u.redact("auth failed for hunter2"), "auth failed for ****");
    }

    #[test]
    fn urls_without_a_password_print_unchanged() {
        for s in [
            "postgres://postgres@127.0.0.1:5432/postgres",
            "sqlite://crm.db?mode=rwc",
            "sqlite::memory:",
            "postgres://host/db?sslmode=disable",
        ] {
            assert_eq!(url(s).to_string(), s);
            assert_eq!(url(s).password(), None);
        }
    }

    #[test]
    fn the_backend_follows_the_scheme() {
        assert_eq!(url("sqlite://crm.db?mode=rwc").backend(), Backend::Sqlite);
        assert_eq!(url("postgresql://h/db").backend(), Backend::Postgres);
        assert_eq!(url("mysql://x").backend(), Backend::Unknown);
    }

    #[test]
    fn the_sqlite_path_is_the_url_without_scheme_and_query() {
        assert_eq!(
            url("sqlite://crm.db?mode=rwc").sqlite_path(),
            Some("crm.db")
        );
        assert_eq!(url("sqlite:///tmp/a.db").sqlite_path(), Some("/tmp/a.db"));
        assert_eq!(url("sqlite::memory:").sqlite_path(), None);
        assert_eq!(url("postgres://h/db").sqlite_path(), None);
    }

    #[test]
    fn no_arguments_means_serve_on_the_defaults() {
        let cli = Cli::try_parse_from(["crm"]);
        assert!(cli.is_ok());
        if let Ok(cli) = cli {
            assert!(cli.command.is_none());
        }
    }

    #[test]
    fn migrate_down_takes_all() {
        let cli = Cli::try_parse_from(["crm", "migrate", "down", "--all"]);
        assert!(matches!(
            cli.map(|c| c.command),
            Ok(Some(Command::Migrate {
                action: MigrateAction::Down { all: true }
            }))
        ));
    }

    #[test]
    fn seed_scale_takes_its_sizes_as_flags() {
        let cli = Cli::try_parse_from([
            "crm",
            "seed",
            "--scale",
            "--users",
            "3",
            "--deals-per-user",
            "40",
        ]);
        match cli.map(|c| c.command) {
            Ok(Some(Command::Seed {
                reset: false,
                scale: true,
                sizes,
            })) => {
                assert_eq!((sizes.users, sizes.deals_per_user), (3, 40));
                assert_eq!(sizes.activities, seed::ScaleOptions::default().activities);
            }
            other => panic!("unexpected parse: {other:?}"),
        }
    }

    #[test]
    fn the_cli_definition_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
