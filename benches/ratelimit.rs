//! Rate-limit-aware scheduling: `cargo bench --bench ratelimit`.
//!
//! 50 scenarios run in parallel against ONE mock tenant that emulates Auth0's token buckets on
//! `/passwordless/start` (refill scaled so the run takes seconds, not hours) and adds 20 ms of
//! latency to every answer. The harness shares its own budget for that endpoint across all
//! trials. Prints the ideal time (requests / limit, and with the burst), the achieved time and
//! throughput, and how many answers were 429s. Asserts nothing about time.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use passwordless_conformance::mock::{MockServer, RateLimits, Tenant};
use passwordless_conformance::runner::transcript::{Action, ResponseBody};
use passwordless_conformance::targets::{
    ClientCredentials, IdentityTemplate, OtpSource, OtpSources, RateBudget, RemoteTarget,
    TargetKind,
};
use passwordless_conformance::{
    RunCtx, SchemaRegistry, Session, TargetConfig, parse_scenario, run_scenario,
};

const SCENARIOS: usize = 50;
const BURST: u32 = 5;
const PER_SECOND: f64 = 25.0;
const LATENCY_MS: u64 = 20;

/// Two starts per scenario (the second code supersedes the first), then a login.
const FLOW: &str = r#"
name: superseded code, under rate limits
requires: [outbox]
steps:
  - name: first start
    request:
      method: POST
      path: /passwordless/start
      json: { client_id: "{{ clients.native.client_id }}", connection: email, email: "{{ users.email_user.email }}", send: code }
    expect: { status: 200 }
  - name: second start
    request:
      method: POST
      path: /passwordless/start
      json: { client_id: "{{ clients.native.client_id }}", connection: email, email: "{{ users.email_user.email }}", send: code }
    expect: { status: 200 }
  - name: read the newest code
    otp: { to: "{{ users.email_user.email }}" }
  - name: log in
    request:
      method: POST
      path: /oauth/token
      json:
        grant_type: http://auth0.com/oauth/grant-type/passwordless/otp
        client_id: "{{ clients.native.client_id }}"
        username: "{{ users.email_user.email }}"
        otp: "{{ code }}"
        realm: email
    expect: { status: 200 }
"#;

fn main() {
    let quick = std::env::args().any(|arg| arg == "--test");
    let scenarios = if quick { 4 } else { SCENARIOS };

    // One shared mock with Auth0's limit shape on /passwordless/start (burst, then a steady rate).
    let mut tenant = Tenant::builtin();
    let limits = format!(
        "scale: 1.0\nendpoints:\n  /passwordless/start: {{ burst: {BURST}, per_second: {PER_SECOND}, key: ip }}\n"
    );
    tenant.rate_limits = match serde_yaml::from_str::<RateLimits>(&limits) {
        Ok(limits) => Some(limits),
        Err(error) => {
            eprintln!("bad limits: {error}");
            std::process::exit(2);
        }
    };
    tenant.latency_ms = LATENCY_MS;
    let (base_url_sender, base_url_receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let Ok(runtime) = tokio::runtime::Runtime::new() else {
            return;
        };
        runtime.block_on(async move {
            let Ok(mock) = MockServer::start(tenant).await else {
                return;
            };
            let _ = base_url_sender.send(mock.base_url().to_owned());
            std::future::pending::<()>().await;
        });
    });
    let Ok(base_url) = base_url_receiver.recv() else {
        eprintln!("the mock did not start");
        std::process::exit(2);
    };

    // The harness sees it as a remote tenant with the same budget.
    let mut clients = BTreeMap::new();
    clients.insert(
        "native".to_owned(),
        ClientCredentials {
            client_id: "native-app".to_owned(),
            client_secret: None,
        },
    );
    let mut users = BTreeMap::new();
    users.insert(
        "email_user".to_owned(),
        IdentityTemplate {
            email: Some("bench@example.com".to_owned()),
            unique_email: true,
            ..IdentityTemplate::default()
        },
    );
    let config = Arc::new(TargetConfig {
        name: "bench-limited".to_owned(),
        kind: TargetKind::Remote(RemoteTarget {
            base_url,
            clients,
            connections: BTreeMap::new(),
            users,
        }),
        otp_sources: OtpSources {
            email: Some(OtpSource::MockOutbox),
            sms: None,
        },
        rate_limits: vec![RateBudget {
            endpoint: "/passwordless/start".to_owned(),
            burst: BURST,
            per_second: PER_SECOND,
        }],
        ..TargetConfig::builtin_mock()
    });
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let schemas = Arc::new(SchemaRegistry::load(&root.join("schemas")));
    let scenario = match parse_scenario(FLOW, "bench flow") {
        Ok(scenario) => Arc::new(scenario),
        Err(error) => {
            eprintln!("{error}");
            std::process::exit(2);
        }
    };

    let started = Instant::now();
    let handles: Vec<_> = (0..scenarios)
        .map(|index| {
            let (config, scenario, schemas) = (
                Arc::clone(&config),
                Arc::clone(&scenario),
                Arc::clone(&schemas),
            );
            std::thread::spawn(move || -> (bool, usize, Duration) {
                let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                else {
                    return (false, 0, Duration::ZERO);
                };
                runtime.block_on(async {
                    let Ok(session) = Session::open(&config, &format!("bench{index}")).await else {
                        return (false, 0, Duration::ZERO);
                    };
                    let ctx = RunCtx {
                        session: &session,
                        schemas: (*schemas).as_ref(),
                    };
                    let outcome = run_scenario(&scenario, &ctx).await;
                    let throttled = outcome
                        .transcript
                        .entries
                        .iter()
                        .filter(|entry| match &entry.action {
                            Action::Http {
                                response: Some(response),
                                ..
                            } => {
                                response.status == 429
                                    && !matches!(response.body, ResponseBody::Empty)
                            }
                            _ => false,
                        })
                        .count();
                    (
                        outcome.passed(),
                        throttled,
                        outcome.transcript.rate_limit_wait,
                    )
                })
            })
        })
        .collect();
    let results: Vec<(bool, usize, Duration)> = handles
        .into_iter()
        .map(|handle| handle.join().unwrap_or((false, 0, Duration::ZERO)))
        .collect();
    let achieved = started.elapsed();

    let limited_requests = scenarios * 2;
    let naive_ideal = limited_requests as f64 / PER_SECOND;
    let ideal = (limited_requests as f64 - f64::from(BURST)).max(0.0) / PER_SECOND;
    let failed = results.iter().filter(|(passed, _, _)| !passed).count();
    let throttled: usize = results.iter().map(|(_, throttled, _)| throttled).sum();
    let waited: Duration = results.iter().map(|(_, _, waited)| *waited).sum();
    println!(
        "{scenarios} scenarios in parallel, {limited_requests} requests to /passwordless/start limited to burst {BURST} + {PER_SECOND}/s, {LATENCY_MS} ms latency"
    );
    println!(
        "ideal: {naive_ideal:.2} s (requests / limit), {ideal:.2} s counting the burst; achieved: {:.2} s = {:.0} % of the ideal throughput",
        achieved.as_secs_f64(),
        100.0 * ideal / achieved.as_secs_f64().max(f64::EPSILON),
    );
    println!(
        "failed scenarios: {failed}; 429 answers seen: {throttled}; time trials spent waiting on the budget: {:.1} s in all",
        waited.as_secs_f64()
    );
}
