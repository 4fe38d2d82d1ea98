//! Throughput of the harness against the embedded mock: `cargo bench --bench suite`.
//!
//! Prints figures; asserts nothing about time (these machines are shared and noisy).
//! 1. the whole scenario suite, sequentially and in parallel → scenarios/s;
//! 2. a tight loop of start → outbox → token flows on one session → flows/s;
//! 3. the harness's own overhead per step: wall time minus time spent waiting for the target.

use std::path::Path;
use std::time::{Duration, Instant};

use passwordless_conformance::{
    RunCtx, SchemaRegistry, Session, SnapshotMode, Suite, TargetConfig, TrialOutcome, discover,
    parse_scenario, run_scenario,
};

const SUITE_ROUNDS: usize = 5;
const FLOWS: usize = 300;

const FLOW: &str = r#"
name: bench flow
requires: [outbox]
steps:
  - name: start
    request:
      method: POST
      path: /passwordless/start
      json: { client_id: "{{ clients.native.client_id }}", connection: email, email: "{{ users.email_user.email }}", send: code }
    expect: { status: 200, schema: passwordless-start-email.json }
  - name: read
    otp: { to: "{{ users.email_user.email }}" }
  - name: token
    request:
      method: POST
      path: /oauth/token
      json:
        grant_type: http://auth0.com/oauth/grant-type/passwordless/otp
        client_id: "{{ clients.native.client_id }}"
        username: "{{ users.email_user.email }}"
        otp: "{{ code }}"
        realm: email
        scope: openid
    expect:
      status: 200
      schema: token-success.json
      body: { $.token_type: Bearer, $.id_token: { type: string } }
"#;

fn main() {
    // `cargo test --benches` passes `--test`-style flags; a quick single round keeps that cheap.
    let quick = std::env::args().any(|arg| arg == "--test");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut suite = Suite::from_project_dir(root);
    suite.snapshots = SnapshotMode::Skip;
    if suite.target_name() != "mock" {
        eprintln!("the benchmark runs against the embedded mock; unset CONFORMANCE_TARGET");
        std::process::exit(2);
    }
    let files = discover(&suite.scenarios_dir).unwrap_or_default();
    let rounds = if quick { 1 } else { SUITE_ROUNDS };

    // 1. Suite, sequential.
    let started = Instant::now();
    let mut failed = 0;
    for _ in 0..rounds {
        for file in &files {
            if matches!(suite.run_file(file), TrialOutcome::Failed(_)) {
                failed += 1;
            }
        }
    }
    let sequential = started.elapsed();
    let runs = files.len() * rounds;
    println!(
        "suite, sequential: {runs} scenario runs in {:.3} s = {:.0} scenarios/s, {:.1} ms per suite ({failed} failed)",
        sequential.as_secs_f64(),
        runs as f64 / sequential.as_secs_f64(),
        sequential.as_secs_f64() * 1000.0 / rounds as f64,
    );

    // 1b. Suite, parallel as the CLI runs it.
    let jobs = std::thread::available_parallelism()
        .map(usize::from)
        .unwrap_or(1);
    let started = Instant::now();
    for _ in 0..rounds {
        passwordless_conformance::suite::run_parallel(&suite, &files, jobs, |_, _| {});
    }
    let parallel = started.elapsed();
    println!(
        "suite, {jobs} jobs: {:.1} ms per suite of {} scenarios = {:.0} scenarios/s",
        parallel.as_secs_f64() * 1000.0 / rounds as f64,
        files.len(),
        runs as f64 / parallel.as_secs_f64(),
    );

    // 2 + 3. Tight loop of flows on one session.
    let flows = if quick { 5 } else { FLOWS };
    let schemas = match SchemaRegistry::load(&root.join("schemas")) {
        Ok(schemas) => schemas,
        Err(error) => {
            eprintln!("{error}");
            std::process::exit(2);
        }
    };
    let scenario = match parse_scenario(FLOW, "bench flow") {
        Ok(scenario) => scenario,
        Err(error) => {
            eprintln!("{error}");
            std::process::exit(2);
        }
    };
    let config = TargetConfig::builtin_mock();
    let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    else {
        std::process::exit(2);
    };
    runtime.block_on(async {
        let Ok(session) = Session::open(&config, "bench").await else {
            eprintln!("cannot open a session on the mock");
            std::process::exit(2);
        };
        let ctx = RunCtx {
            session: &session,
            schemas: Ok(&schemas),
        };
        let mut target_time = Duration::ZERO;
        let mut failures = 0;
        let started = Instant::now();
        for _ in 0..flows {
            let outcome = run_scenario(&scenario, &ctx).await;
            target_time += outcome.transcript.target_time;
            if !outcome.passed() {
                failures += 1;
            }
        }
        let wall = started.elapsed();
        let steps = flows * scenario.steps.len();
        let overhead = wall.saturating_sub(target_time);
        println!(
            "flows: {flows} start → outbox → token flows in {:.3} s = {:.0} flows/s ({failures} failed)",
            wall.as_secs_f64(),
            flows as f64 / wall.as_secs_f64(),
        );
        println!(
            "overhead per step beyond the exchange: {:.1} µs ({:.1} µs waiting for the target per step)",
            overhead.as_secs_f64() * 1e6 / steps as f64,
            target_time.as_secs_f64() * 1e6 / steps as f64,
        );
    });
}
