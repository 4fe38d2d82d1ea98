//! The harness's own cost per HTTP step, side by side with plain reqwest (part of `suite.rs`).
//!
//! One standalone mock (`passwordless-conformance mock`) serves both clients. On this thread's
//! single-threaded runtime, the harness runs the start → outbox → token flow (schema checks on)
//! on one session, and plain reqwest sends the same three requests with one client and reads the
//! same fields; the rounds alternate so a drifting machine affects both alike. Each client's cost
//! is the CPU time of this thread (`/proc/thread-self/schedstat`, in nanoseconds): the mock runs
//! in its own process, so what is measured is the client alone, exchange included. The ratio
//! harness/reqwest per step is the median of the rounds' ratios.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use passwordless_conformance::{
    RunCtx, SchemaRegistry, Session, TargetConfig, parse_scenario, run_scenario,
};
use serde_json::{Value, json};

const ROUNDS: usize = 7;
const FLOWS: usize = 200;
/// HTTP requests per flow: start, the outbox, token (for both clients).
const STEPS_PER_FLOW: usize = 3;

/// One client's measure over one round.
#[derive(Clone, Copy)]
struct Cost {
    cpu: Duration,
    wall: Duration,
    failures: usize,
}

pub fn compare(binary: &Path, root: &Path, quick: bool) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .unwrap_or(4748);
    let base_url = format!("http://127.0.0.1:{port}");
    let Ok(mock) = Command::new(binary)
        .args(["mock", "--listen", &format!("127.0.0.1:{port}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
    else {
        println!("per step: cannot start the standalone mock");
        return;
    };
    let _mock = Reaped(mock);
    if !wait_until_up(port) {
        println!("per step: the standalone mock did not come up on {base_url}");
        return;
    }
    let project = std::env::temp_dir().join(format!("pc-bench-step-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&project);
    let _ = std::fs::write(
        project.join("targets.yaml"),
        PROFILE.replace("{base_url}", &base_url),
    );
    let config = TargetConfig::load_profile(&project, Some("standalone"));
    let _ = std::fs::remove_dir_all(&project);
    let (Ok(config), Ok(schemas), Ok(scenario)) = (
        config,
        SchemaRegistry::load(&root.join("schemas")),
        parse_scenario(super::FLOW, "bench flow"),
    ) else {
        println!("per step: cannot load the profile, the schemas or the flow");
        return;
    };
    let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    else {
        return;
    };
    let (rounds, flows) = if quick { (1, 5) } else { (ROUNDS, FLOWS) };
    runtime.block_on(async {
        let Ok(session) = Session::open(&config, "bench").await else {
            println!("per step: cannot open a session on the standalone mock");
            return;
        };
        let ctx = RunCtx {
            session: &session,
            schemas: Ok(&schemas),
        };
        let plain = match reqwest::Client::builder().build() {
            Ok(client) => client,
            Err(error) => {
                println!("per step: cannot build a reqwest client: {error}");
                return;
            }
        };
        let harness_round = || async {
            measure(flows, || async {
                run_scenario(&scenario, &ctx).await.passed()
            })
            .await
        };
        let plain_round =
            || async { measure(flows, || async { plain_flow(&plain, &base_url).await }).await };
        // Warm both up (connections, allocator), uncounted.
        harness_round().await;
        plain_round().await;
        let mut harness = Vec::new();
        let mut reqwest = Vec::new();
        for round in 0..rounds {
            // Alternate which goes first, so neither always follows the other.
            if round % 2 == 0 {
                harness.push(harness_round().await);
                reqwest.push(plain_round().await);
            } else {
                reqwest.push(plain_round().await);
                harness.push(harness_round().await);
            }
        }
        report(&harness, &reqwest, flows);
    });
}

fn report(harness: &[Cost], reqwest: &[Cost], flows: usize) {
    let steps = (flows * STEPS_PER_FLOW) as f64;
    let per_step = |costs: &[Cost], pick: fn(&Cost) -> Duration| {
        median(
            costs
                .iter()
                .map(|cost| pick(cost).as_secs_f64() * 1e6 / steps)
                .collect(),
        )
    };
    let ratio = |pick: fn(&Cost) -> Duration| {
        median(
            harness
                .iter()
                .zip(reqwest)
                .map(|(ours, plain)| pick(ours).as_secs_f64() / pick(plain).as_secs_f64().max(1e-9))
                .collect(),
        )
    };
    let cpu = |cost: &Cost| cost.cpu;
    let wall = |cost: &Cost| cost.wall;
    let failures: usize = harness
        .iter()
        .chain(reqwest)
        .map(|cost| cost.failures)
        .sum();
    println!(
        "per HTTP step, {flows} flows × {STEPS_PER_FLOW} requests, one standalone mock, median of {} alternating rounds{}",
        harness.len(),
        if failures > 0 {
            format!(" ({failures} FLOWS FAILED)")
        } else {
            String::new()
        },
    );
    println!("                          client CPU        wall");
    println!(
        "harness (schemas)        {:>8.1} µs  {:>8.1} µs",
        per_step(harness, cpu),
        per_step(harness, wall)
    );
    println!(
        "plain reqwest            {:>8.1} µs  {:>8.1} µs",
        per_step(reqwest, cpu),
        per_step(reqwest, wall)
    );
    println!(
        "harness / reqwest        {:>8.2} ×   {:>8.2} ×    (goal: ≤ 1.2 ×); harness's own cost {:.1} µs CPU per step",
        ratio(cpu),
        ratio(wall),
        per_step(harness, cpu) - per_step(reqwest, cpu),
    );
}

/// Runs `flow` `count` times, measuring this thread's CPU time and the wall time.
async fn measure<F, Fut>(count: usize, flow: F) -> Cost
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let cpu_before = thread_cpu();
    let started = Instant::now();
    let mut failures = 0;
    for _ in 0..count {
        if !flow().await {
            failures += 1;
        }
    }
    Cost {
        cpu: thread_cpu().saturating_sub(cpu_before),
        wall: started.elapsed(),
        failures,
    }
}

/// The start → outbox → token flow with nothing but reqwest and serde_json: the same requests,
/// each answer's status checked and its body parsed, the code and token type read.
async fn plain_flow(client: &reqwest::Client, base_url: &str) -> bool {
    let email = "bench+plain@example.com";
    let started = client
        .post(format!("{base_url}/passwordless/start"))
        .json(&json!({"client_id": "native-app", "connection": "email", "email": email, "send": "code"}))
        .send()
        .await;
    let Some(started) = json_of(started).await else {
        return false;
    };
    if started.get("email").and_then(Value::as_str) != Some(email) {
        return false;
    }
    let outbox = client
        .get(format!("{base_url}/__mock/outbox"))
        .query(&[("to", email)])
        .send()
        .await;
    let Some(code) = json_of(outbox).await.and_then(|message| {
        message
            .get("code")
            .and_then(Value::as_str)
            .map(str::to_owned)
    }) else {
        return false;
    };
    let token = client
        .post(format!("{base_url}/oauth/token"))
        .json(&json!({
            "grant_type": "http://auth0.com/oauth/grant-type/passwordless/otp",
            "client_id": "native-app",
            "username": email,
            "otp": code,
            "realm": "email",
            "scope": "openid",
        }))
        .send()
        .await;
    json_of(token).await.is_some_and(|token| {
        token.get("token_type").and_then(Value::as_str) == Some("Bearer")
            && token.get("id_token").is_some_and(Value::is_string)
    })
}

/// The JSON body of a `200` answer.
async fn json_of(response: reqwest::Result<reqwest::Response>) -> Option<Value> {
    let response = response.ok()?;
    if response.status() != reqwest::StatusCode::OK {
        return None;
    }
    response.json().await.ok()
}

/// This thread's CPU time: the first field of `/proc/thread-self/schedstat`, in nanoseconds.
fn thread_cpu() -> Duration {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|text| text.split_whitespace().next()?.parse().ok())
        .map_or(Duration::ZERO, Duration::from_nanos)
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(f64::NAN)
}

/// Polls the port until the mock answers, for at most 20 s.
fn wait_until_up(port: u16) -> bool {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    false
}

/// The standalone mock, stopped and reaped when the comparison returns.
struct Reaped(Child);

impl Drop for Reaped {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

const PROFILE: &str = r#"
standalone:
  kind: remote
  description: the standalone mock, for the per-step comparison
  base_url: {base_url}
  clients:
    native: { client_id: native-app }
  connections: { email: email, sms: sms }
  users:
    email_user: { email: bench@example.com, unique_email: true }
  otp_sources:
    email: { mock_outbox: {} }
"#;
