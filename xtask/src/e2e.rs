//! `cargo xtask e2e`: the browser tests of the pages.
//!
//! Builds the `crm` binary, starts `crm serve --bind 127.0.0.1:0` in a fresh temporary folder
//! (so a fresh SQLite database with the demo data), installs the tests' one npm package
//! (`playwright-core`) when `e2e/node_modules` is missing, runs `node --test` in `e2e/` with
//! the server's address in `CRM_URL`, and stops the server afterwards, also when the tests
//! fail. The tests drive the system Chromium (`/usr/bin/chromium`, or `CHROMIUM_PATH`) and
//! write screenshots to `e2e/screenshots/`.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command as Process, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context, bail};

/// How long `crm serve` may take to migrate, seed and print its address.
const START_TIMEOUT: Duration = Duration::from_secs(120);
/// How long `crm serve` may take to shut down after SIGTERM before it is killed.
const STOP_TIMEOUT: Duration = Duration::from_secs(15);
/// How long one test (one journey) may run before node's runner fails it.
const TEST_TIMEOUT_MS: u32 = 180_000;
/// The environment of the server that a value left in the shell must not redirect.
const SERVER_ENV: &[&str] = &["DATABASE_URL", "CRM_BIND", "CRM_LOG_FORMAT", "CRM_NO_SEED"];

/// Options of `cargo xtask e2e`.
#[derive(Debug, clap::Args)]
pub struct E2eArgs {
    /// Test files to run, relative to e2e/ (default: every file in e2e/tests/).
    pub files: Vec<String>,
}

/// Runs the browser tests against a freshly started server; fails when a test fails.
pub fn e2e(args: &E2eArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let root = super::workspace_root();
    let tests_dir = root.join("e2e");
    check_chromium()?;
    let crm = build_crm(&root)?;
    install_packages(&tests_dir)?;
    let work = TempDir::create()?;
    let mut server = Server::start(&crm, work.path()).inspect_err(|_| {
        print_server_log(work.path());
    })?;
    println!("==> e2e: crm serve at {}", server.url);
    let outcome = run_tests(&tests_dir, &server.url, &args.files);
    let stopped = server.stop();
    if outcome.is_err() || stopped.is_err() {
        print_server_log(work.path());
    }
    outcome?;
    stopped?;
    println!(
        "==> e2e: passed in {:.0} s; screenshots in {}",
        started.elapsed().as_secs_f64(),
        tests_dir.join("screenshots").display()
    );
    Ok(())
}

/// Fails early, with the fix, when the browser is not installed.
fn check_chromium() -> anyhow::Result<()> {
    let path = std::env::var_os("CHROMIUM_PATH").unwrap_or_else(|| "/usr/bin/chromium".into());
    if !Path::new(&path).exists() {
        bail!(
            "{} is missing: install it with `apt-get install -y chromium` (or set CHROMIUM_PATH)",
            Path::new(&path).display()
        );
    }
    Ok(())
}

/// Builds `crm` in xtask's own target folder and profile, and answers its path.
fn build_crm(root: &Path) -> anyhow::Result<PathBuf> {
    let exe = std::env::current_exe().context("cannot find the xtask executable")?;
    let profile_dir = exe
        .parent()
        .context("the xtask executable has no folder")?
        .to_path_buf();
    let release = profile_dir
        .file_name()
        .is_some_and(|name| name == "release");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut build = Process::new(cargo);
    build
        .args(["build", "--package", "crm-server", "--bin", "crm"])
        .current_dir(root);
    if release {
        build.arg("--release");
    }
    println!("==> e2e: building crm");
    let status = build.status().context("cannot run cargo build")?;
    if !status.success() {
        bail!("building crm failed ({status})");
    }
    let crm = profile_dir.join(format!("crm{}", std::env::consts::EXE_SUFFIX));
    if !crm.exists() {
        bail!("cargo built crm, but not at {}", crm.display());
    }
    Ok(crm)
}

/// `npm ci` in `e2e/` when its packages are not installed yet.
fn install_packages(tests_dir: &Path) -> anyhow::Result<()> {
    if tests_dir
        .join("node_modules")
        .join("playwright-core")
        .is_dir()
    {
        return Ok(());
    }
    println!("==> e2e: npm ci");
    let status = Process::new("npm")
        .args(["ci", "--no-audit", "--no-fund"])
        .current_dir(tests_dir)
        .stdin(Stdio::null())
        .status()
        .context("cannot run npm (is Node.js installed?)")?;
    if !status.success() {
        bail!("npm ci in e2e/ failed ({status})");
    }
    Ok(())
}

/// `node --test` on the test files, one file at a time (they share the server's data).
fn run_tests(tests_dir: &Path, url: &str, files: &[String]) -> anyhow::Result<()> {
    let mut node = Process::new("node");
    node.args([
        "--test",
        "--test-concurrency=1",
        &format!("--test-timeout={TEST_TIMEOUT_MS}"),
        "--test-reporter=spec",
    ]);
    if files.is_empty() {
        node.arg("tests/");
    } else {
        node.args(files);
    }
    let status = node
        .current_dir(tests_dir)
        .env("CRM_URL", url)
        .stdin(Stdio::null())
        .status()
        .context("cannot run node (is Node.js installed?)")?;
    if !status.success() {
        bail!("the browser tests failed ({status})");
    }
    Ok(())
}

/// Prints the server's log (stderr) after a failure.
fn print_server_log(dir: &Path) {
    if let Ok(log) = std::fs::read_to_string(dir.join("stderr.log")) {
        let tail: Vec<&str> = log.lines().rev().take(40).collect();
        eprintln!("---- last lines of the crm serve log ----");
        for line in tail.iter().rev() {
            eprintln!("{line}");
        }
    }
}

/// A running `crm serve`, stopped on [`Server::stop`] or when dropped.
struct Server {
    child: Option<Child>,
    url: String,
}

impl Server {
    /// Starts `crm serve` on a free port in `dir` and waits for the address it prints.
    fn start(crm: &Path, dir: &Path) -> anyhow::Result<Self> {
        let stderr = File::create(dir.join("stderr.log")).context("cannot create the log file")?;
        let mut command = Process::new(crm);
        command
            .args(["serve", "--bind", "127.0.0.1:0", "--log-format", "json"])
            .current_dir(dir)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(stderr);
        for name in SERVER_ENV {
            command.env_remove(name);
        }
        let mut child = command.spawn().context("cannot start crm serve")?;
        let stdout = child.stdout.take().context("crm serve has no stdout")?;
        let mut server = Self {
            child: Some(child),
            url: String::new(),
        };
        server.url = wait_for_url(stdout)?;
        Ok(server)
    }

    /// Sends SIGTERM, waits for a clean exit, kills the process if it does not come.
    fn stop(&mut self) -> anyhow::Result<()> {
        let Some(mut child) = self.child.take() else {
            return Ok(());
        };
        let asked = Process::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .is_ok_and(|s| s.success());
        let deadline = Instant::now() + STOP_TIMEOUT;
        while asked && Instant::now() < deadline {
            if let Some(status) = child.try_wait().context("cannot wait for crm serve")? {
                if status.success() {
                    println!("==> e2e: crm serve stopped");
                    return Ok(());
                }
                bail!("crm serve exited with {status} when stopped");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        child.kill().ok();
        child.wait().ok();
        bail!("crm serve did not stop on SIGTERM; killed it")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Err(err) = self.stop() {
            eprintln!("warning: {err:#}");
        }
    }
}

/// Reads the server's stdout until the banner's `http://…` address; the rest of the output is
/// drained in the background so the server never blocks on a full pipe.
fn wait_for_url(stdout: std::process::ChildStdout) -> anyhow::Result<String> {
    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if let Some(url) = line.split_whitespace().find(|w| w.starts_with("http://")) {
                // The receiver is gone once the address arrived; later lines are dropped.
                let _ = sender.send(url.to_owned());
            }
        }
    });
    match receiver.recv_timeout(START_TIMEOUT) {
        Ok(url) => Ok(url),
        Err(mpsc::RecvTimeoutError::Timeout) => {
            bail!("crm serve printed no address within {START_TIMEOUT:?}")
        }
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            bail!("crm serve exited before printing its address")
        }
    }
}

/// A fresh folder under the system's temporary folder, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn create() -> anyhow::Result<Self> {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let path = std::env::temp_dir().join(format!("crm-e2e-{}-{nanos}", std::process::id()));
        std::fs::create_dir(&path).with_context(|| format!("cannot create {}", path.display()))?;
        Ok(Self(path))
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
