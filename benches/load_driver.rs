//! A lean load driver for `benches/mock_load.sh`:
//! `cargo bench --bench load_driver -- login|client_credentials URL [SECONDS] [CONCURRENCY]`.
//!
//! The same work as `benches/mock_load.mjs` (one login = POST /passwordless/start → GET
//! /__mock/outbox → POST /oauth/token; one token = POST URL grant_type=client_credentials), on ONE
//! thread (a current-thread tokio runtime, like Node's event loop) with CONCURRENCY request loops
//! over keep-alive connections, printing the same JSON line, with the CPU the driver used. It
//! exists because the Node driver spends about 0.2 ms of CPU per request: on a 2-core machine
//! that is a third of the CPU a login costs, taken from the server under test.
//! Nothing is asserted.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

#[derive(Default)]
struct Tally {
    completed: u64,
    failed: u64,
    first_error: Option<String>,
}

fn main() {
    // `cargo bench` appends `--bench`; only the positional arguments matter here.
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|arg| !arg.starts_with("--"))
        .collect();
    let (Some(mode), Some(target)) = (args.first(), args.get(1)) else {
        eprintln!("usage: load_driver login|client_credentials URL [SECONDS] [CONCURRENCY]");
        std::process::exit(2);
    };
    if mode != "login" && mode != "client_credentials" {
        eprintln!("usage: load_driver login|client_credentials URL [SECONDS] [CONCURRENCY]");
        std::process::exit(2);
    }
    let seconds: f64 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(5.0);
    let concurrency: usize = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(32);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(concurrency)
        .build()
        .expect("an HTTP client");

    let cpu_before = process_cpu();
    let started = Instant::now();
    let deadline = started + Duration::from_secs_f64(seconds);
    let tallies = runtime.block_on(async {
        let loops = (0..concurrency).map(|loop_idx| {
            let client = client.clone();
            let mode = mode.clone();
            let target = target.trim_end_matches('/').to_owned();
            tokio::spawn(async move {
                let mut tally = Tally::default();
                let mut sequence = 0u64;
                while Instant::now() < deadline {
                    sequence += 1;
                    let outcome = if mode == "login" {
                        let email = format!(
                            "load+{}-{loop_idx}-{sequence}@example.com",
                            std::process::id()
                        );
                        login(&client, &target, &email).await
                    } else {
                        client_credentials(&client, &target).await
                    };
                    match outcome {
                        Ok(()) => tally.completed += 1,
                        Err(error) => {
                            tally.failed += 1;
                            tally.first_error.get_or_insert(error);
                        }
                    }
                }
                tally
            })
        });
        let mut tallies = Vec::new();
        for handle in loops.collect::<Vec<_>>() {
            tallies.push(handle.await.unwrap_or_default());
        }
        tallies
    });
    let elapsed = started.elapsed().as_secs_f64();
    let cpu = process_cpu() - cpu_before;
    let completed: u64 = tallies.iter().map(|tally| tally.completed).sum();
    let failed: u64 = tallies.iter().map(|tally| tally.failed).sum();
    let first_error = tallies.into_iter().find_map(|tally| tally.first_error);
    println!(
        "{}",
        json!({
            "mode": mode,
            "completed": completed,
            "failed": failed,
            "elapsed": elapsed,
            "per_second": completed as f64 / elapsed,
            "driver_cpu_seconds": cpu,
            "first_error": first_error,
        })
    );
}

async fn login(client: &reqwest::Client, base: &str, email: &str) -> Result<(), String> {
    let start = client
        .post(format!("{base}/passwordless/start"))
        .json(&json!({"client_id": "native-app", "connection": "email", "email": email, "send": "code"}))
        .send()
        .await
        .map_err(|error| error.to_string())?;
    let status = start.status();
    let _ = start.bytes().await;
    if status != 200 {
        return Err(format!("start answered {status}"));
    }
    let outbox: Value = client
        .get(format!("{base}/__mock/outbox"))
        .query(&[("to", email)])
        .send()
        .await
        .map_err(|error| error.to_string())?
        .json()
        .await
        .map_err(|error| error.to_string())?;
    let token = client
        .post(format!("{base}/oauth/token"))
        .json(&json!({
            "grant_type": "http://auth0.com/oauth/grant-type/passwordless/otp",
            "client_id": "native-app",
            "username": email,
            "otp": outbox["code"],
            "realm": "email",
            "scope": "openid",
        }))
        .send()
        .await
        .map_err(|error| error.to_string())?;
    let status = token.status();
    let tokens: Value = token.json().await.map_err(|error| error.to_string())?;
    if status != 200 || !tokens["id_token"].is_string() {
        return Err(format!("token answered {status}"));
    }
    Ok(())
}

async fn client_credentials(client: &reqwest::Client, url: &str) -> Result<(), String> {
    let response = client
        .post(url)
        .basic_auth("bench-client", Some("bench-secret"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("grant_type=client_credentials&scope=read")
        .send()
        .await
        .map_err(|error| error.to_string())?;
    let status = response.status();
    let body: Value = response.json().await.map_err(|error| error.to_string())?;
    if status != 200 || !body["access_token"].is_string() {
        return Err(format!("token answered {status}"));
    }
    Ok(())
}

/// The CPU time (user + system) this process has used, in seconds (`/proc/self/stat`, in clock
/// ticks of 10 ms: fine over runs of seconds).
fn process_cpu() -> f64 {
    std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|text| {
            let fields: Vec<&str> = text.rsplit_once(") ")?.1.split_whitespace().collect();
            let user: f64 = fields.get(11)?.parse().ok()?;
            let system: f64 = fields.get(12)?.parse().ok()?;
            Some((user + system) / 100.0)
        })
        .unwrap_or(f64::NAN)
}
