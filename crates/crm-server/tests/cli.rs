//! Runs the built `crm` binary as a user would: its error lines and exit codes, a migration
//! round trip on a fresh SQLite file, and `serve` answering its health probe on a free port.
//! (The PostgreSQL round trip of the binary runs in `.ci/run`.)

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// A fresh working directory, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> std::io::Result<Self> {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!("crm-cli-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&path)?;
        Ok(Self(path))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// `crm` in `dir`, with none of the caller's configuration leaking in.
fn crm(dir: &TempDir) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_crm"));
    command
        .current_dir(&dir.0)
        .env_remove("DATABASE_URL")
        .env_remove("CRM_BIND")
        .env_remove("CRM_LOG_FORMAT")
        .env_remove("CRM_NO_SEED")
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null());
    command
}

fn run(dir: &TempDir, args: &[&str]) -> std::io::Result<Output> {
    crm(dir).args(args).output()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn an_unsupported_database_url_is_one_error_line_and_exit_code_1() -> TestResult {
    let dir = TempDir::new()?;
    let output = crm(&dir)
        .args(["migrate", "status"])
        .env("DATABASE_URL", "mysql://root:topsecret@db/x")
        .output()?;
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "stderr: {stderr}");
    assert_eq!(stderr.lines().count(), 1, "stderr: {stderr}");
    assert!(
        stderr.starts_with("error: cannot connect to the database:"),
        "stderr: {stderr}"
    );
    assert!(!stderr.contains("topsecret"), "stderr: {stderr}");
    assert!(!stderr.contains("panicked"), "stderr: {stderr}");
    Ok(())
}

#[test]
fn migrations_go_up_down_and_up_again_on_a_fresh_sqlite_file() -> TestResult {
    let dir = TempDir::new()?;

    // Also: the environment switches parse the way operators write them.
    let status = crm(&dir)
        .args(["migrate", "status"])
        .env("CRM_NO_SEED", "1")
        .env("CRM_LOG_FORMAT", "json")
        .output()?;
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    let text = stdout(&status);
    let pending = text.lines().filter(|l| l.contains("pending  m")).count();
    assert!(pending > 0, "{text}");
    assert!(
        text.contains(&format!("0 applied, {pending} pending")),
        "{text}"
    );

    assert!(run(&dir, &["migrate", "up"])?.status.success());
    let text = stdout(&run(&dir, &["migrate", "status"])?);
    assert!(
        text.contains(&format!("{pending} applied, 0 pending")),
        "{text}"
    );

    let down = run(&dir, &["migrate", "down"])?;
    assert!(stdout(&down).contains("rolled back 1 migration(s)"));
    let text = stdout(&run(&dir, &["migrate", "status"])?);
    assert!(
        text.contains(&format!("{} applied, 1 pending", pending - 1)),
        "{text}"
    );

    assert!(run(&dir, &["migrate", "down", "--all"])?.status.success());
    let text = stdout(&run(&dir, &["migrate", "status"])?);
    assert!(
        text.contains(&format!("0 applied, {pending} pending")),
        "{text}"
    );

    assert!(run(&dir, &["migrate", "fresh"])?.status.success());
    let text = stdout(&run(&dir, &["migrate", "status"])?);
    assert!(
        text.contains(&format!("{pending} applied, 0 pending")),
        "{text}"
    );
    Ok(())
}

/// Kills the server when the test ends, however it ends.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn serve_prints_its_address_and_answers_the_health_probe() -> TestResult {
    let dir = TempDir::new()?;
    let mut server = Server(
        crm(&dir)
            .args(["serve", "--bind", "127.0.0.1:0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()?,
    );
    let out = server.0.stdout.take().ok_or("no stdout")?;
    // Keep reading stdout: a closed pipe must not be what the server trips over.
    let mut out = BufReader::new(out);
    let mut first = String::new();
    out.read_line(&mut first)?;
    let address = first
        .trim()
        .rsplit_once("http://")
        .map(|(_, a)| a.to_owned())
        .ok_or_else(|| format!("no address in {first:?}"))?;

    let mut stream = TcpStream::connect(&address)?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    write!(
        stream,
        "GET /healthz HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n"
    )?;
    let mut response = String::new();
    stream.read_to_string(&mut response)?;
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(
        dir.0.join("crm.db").exists(),
        "the default database is crm.db"
    );
    drop(out);
    Ok(())
}
