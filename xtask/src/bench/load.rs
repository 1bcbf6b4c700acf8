//! The HTTP load generator: a fixed number of keep-alive connections (one worker task each,
//! one request in flight per connection), for a fixed time, with latencies in an HDR
//! histogram. Requests are built per scenario for a random user each time.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow, bail};
use bytes::Bytes;
use hdrhistogram::Histogram;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper::{Method, Request, StatusCode};
use hyper_util::rt::TokioIo;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use tokio::net::TcpStream;
use uuid::Uuid;

use super::{Measurement, Scenario, Timing, UserCtx};

/// One keep-alive HTTP/1.1 connection to the server.
pub struct Connection {
    addr: SocketAddr,
    sender: SendRequest<Full<Bytes>>,
}

impl Connection {
    /// Opens a connection to `addr`.
    pub async fn open(addr: SocketAddr) -> anyhow::Result<Self> {
        let stream = TcpStream::connect(addr)
            .await
            .with_context(|| format!("cannot connect to {addr}"))?;
        stream.set_nodelay(true)?;
        let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
        tokio::spawn(async move {
            // The connection ends when the sender is dropped or the server closes it.
            conn.await.ok();
        });
        Ok(Self { addr, sender })
    }

    /// Sends one request and reads the whole answer; reconnects once when the server has
    /// closed the connection.
    pub async fn send(&mut self, call: &Call<'_>) -> anyhow::Result<(StatusCode, Bytes)> {
        if self.sender.ready().await.is_err() {
            *self = Self::open(self.addr).await?;
        }
        let response = self.sender.send_request(call.request(self.addr)?).await?;
        let status = response.status();
        let body = response.into_body().collect().await?.to_bytes();
        Ok((status, body))
    }
}

/// How a request proves who sends it.
#[derive(Debug, Clone, Copy)]
pub enum Auth<'a> {
    /// `Authorization: Bearer …` (the JSON API).
    Bearer(&'a str),
    /// The session cookie (the HTML pages).
    Cookie(&'a str),
    /// Nobody (sign-in).
    None,
}

/// One request to send.
pub struct Call<'a> {
    /// The method.
    pub method: Method,
    /// Path and query.
    pub path: String,
    /// JSON body, if any.
    pub body: Option<String>,
    /// Credentials.
    pub auth: Auth<'a>,
}

impl Call<'_> {
    fn request(&self, addr: SocketAddr) -> anyhow::Result<Request<Full<Bytes>>> {
        let mut builder = Request::builder()
            .method(self.method.clone())
            .uri(&self.path)
            .header("host", addr.to_string());
        builder = match self.auth {
            Auth::Bearer(token) => builder.header("authorization", format!("Bearer {token}")),
            Auth::Cookie(token) => builder.header("cookie", format!("crm_token={token}")),
            Auth::None => builder,
        };
        let body = match &self.body {
            Some(json) => {
                builder = builder.header("content-type", "application/json");
                Bytes::from(json.clone())
            }
            None => Bytes::new(),
        };
        Ok(builder.body(Full::new(body))?)
    }
}

/// The request `scenario` sends for `user`.
pub fn call_for<'a>(scenario: Scenario, user: &'a UserCtx, rng: &mut StdRng) -> Call<'a> {
    let api = Auth::Bearer(&user.token);
    let page = Auth::Cookie(&user.token);
    let deal = user.deal_ids.choose(rng).copied().unwrap_or_default();
    let contact = user.contact_ids.choose(rng).copied().unwrap_or_default();
    let get = |path: String, auth| Call {
        method: Method::GET,
        path,
        body: None,
        auth,
    };
    match scenario {
        Scenario::BoardFull => get("/api/crm/deals?per_stage=500".to_owned(), api),
        Scenario::BoardPage => get("/api/crm/deals?per_stage=100".to_owned(), api),
        Scenario::DealMove => {
            let stage = user.stage_ids.choose(rng).copied().unwrap_or_default();
            Call {
                method: Method::PATCH,
                path: format!("/api/crm/deals/{deal}"),
                body: Some(format!(
                    r#"{{"stage_id":"{stage}","stage_order":{}}}"#,
                    rng.gen_range(0..50)
                )),
                auth: api,
            }
        }
        Scenario::ContactCreate => Call {
            method: Method::POST,
            path: "/api/crm/contacts".to_owned(),
            body: Some(format!(
                r#"{{"first_name":"Bench","last_name":"Contact","email":"bench-{}@bench.example"}}"#,
                Uuid::new_v4()
            )),
            auth: api,
        },
        Scenario::LeadDetails => get(format!("/api/crm/contacts/{contact}"), api),
        Scenario::DealDetails => get(format!("/api/crm/deals/{deal}"), api),
        Scenario::Dashboard => get("/api/crm/dashboard".to_owned(), api),
        Scenario::PageBoard => get("/apps/crm/deals".to_owned(), page),
        Scenario::PageAddContact => get("/apps/crm/add-contact".to_owned(), page),
        Scenario::PageLead => get(format!("/apps/crm/lead-details?id={contact}"), page),
        Scenario::PageDeal => get(format!("/apps/crm/deal-details?id={deal}"), page),
        Scenario::PageDashboard => get("/dashboard/crm".to_owned(), page),
    }
}

/// What one worker saw.
struct WorkerResult {
    histogram: Histogram<u64>,
    errors: u64,
    first_error: Option<String>,
}

/// A latency histogram in microseconds, 1 µs … 60 s, three significant figures.
pub fn new_histogram() -> anyhow::Result<Histogram<u64>> {
    Histogram::new_with_bounds(1, 60_000_000, 3).map_err(|e| anyhow!("histogram: {e}"))
}

/// Runs `scenario` over `connections` connections for `timing`; returns the measurement.
pub async fn run(
    addr: SocketAddr,
    scenario: Scenario,
    users: Arc<Vec<UserCtx>>,
    connections: usize,
    timing: Timing,
) -> anyhow::Result<Measurement> {
    let start = Instant::now();
    let record_from = start + timing.warmup;
    let end = record_from + timing.duration;
    let mut tasks = tokio::task::JoinSet::new();
    for worker in 0..connections {
        let users = Arc::clone(&users);
        tasks.spawn(async move {
            let conn = Connection::open(addr).await?;
            drive(conn, scenario, &users, worker as u64, record_from, end).await
        });
    }
    let mut histogram = new_histogram()?;
    let (mut errors, mut first_error) = (0, None);
    while let Some(joined) = tasks.join_next().await {
        let result = joined.context("a load worker panicked")??;
        histogram.add(&result.histogram)?;
        errors += result.errors;
        first_error = first_error.or(result.first_error);
    }
    let elapsed = Instant::now().saturating_duration_since(record_from);
    Ok(Measurement::from_histogram(
        &histogram,
        errors,
        first_error,
        elapsed.min(timing.duration + Duration::from_secs(5)),
    ))
}

async fn drive(
    mut conn: Connection,
    scenario: Scenario,
    users: &[UserCtx],
    worker: u64,
    record_from: Instant,
    end: Instant,
) -> anyhow::Result<WorkerResult> {
    let mut rng = StdRng::seed_from_u64(0xBE7C_0000 + worker);
    let mut result = WorkerResult {
        histogram: new_histogram()?,
        errors: 0,
        first_error: None,
    };
    loop {
        let sent = Instant::now();
        if sent >= end {
            break;
        }
        let Some(user) = users.choose(&mut rng) else {
            bail!("no bench users");
        };
        let call = call_for(scenario, user, &mut rng);
        let outcome = conn.send(&call).await;
        let took = sent.elapsed();
        let failure = match outcome {
            Ok((status, _)) if status.is_success() => None,
            Ok((status, body)) => Some(format!(
                "{} {} -> {status}: {}",
                call.method,
                call.path,
                String::from_utf8_lossy(&body[..body.len().min(200)])
            )),
            Err(err) => Some(format!("{} {} -> {err:#}", call.method, call.path)),
        };
        if sent < record_from {
            continue;
        }
        match failure {
            None => {
                let micros = u64::try_from(took.as_micros()).unwrap_or(u64::MAX).max(1);
                result.histogram.saturating_record(micros);
            }
            Some(why) => {
                result.errors += 1;
                result.first_error.get_or_insert(why);
            }
        }
    }
    Ok(result)
}
