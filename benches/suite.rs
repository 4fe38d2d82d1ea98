//! Throughput of the harness against the embedded mock: `cargo bench --bench suite`.
//!
//! Prints figures; asserts nothing about time (these machines are shared and noisy).
//! 1. the shipped scenario suite in process, sequentially and in parallel → scenarios/s;
//! 2. the CLI's `run` on the shipped corpus (goal < 1 s) and on 1 000 scenarios (goal < 10 s), each
//!    with the peak RSS of the process;
//! 3. the harness's own cost per HTTP step, side by side with plain reqwest sending the same
//!    requests to the same standalone mock (`per_step.rs`; goal ≤ 1.2×).

use std::path::Path;
use std::time::{Duration, Instant};

use passwordless_conformance::{SnapshotMode, Suite, TrialOutcome, discover};

#[path = "suite/per_step.rs"]
mod per_step;

const SUITE_ROUNDS: usize = 5;

pub(crate) const FLOW: &str = r#"
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

    // 2. The CLI, as people run it: the shipped corpus (snapshots checked), then 1 000 scenarios
    // with the peak RSS of the process.
    let ours = Path::new(env!("CARGO_BIN_EXE_passwordless-conformance"));
    let corpus = cli_run(ours, root, &["run"]);
    println!(
        "run, shipped corpus ({} scenarios, snapshots checked): {:.2} s wall, peak RSS {:.0} MiB (goal: < 1 s){}",
        files.len(),
        corpus.wall,
        corpus.peak_rss_kib as f64 / 1024.0,
        corpus.failure_note(),
    );
    let many = if quick { 20 } else { MANY };
    let work = std::env::temp_dir().join(format!("pc-bench-suite-{}", std::process::id()));
    write_many(&work, root, many);
    let large = cli_run(ours, &work, &["run", "--no-snapshots"]);
    let _ = std::fs::remove_dir_all(&work);
    println!(
        "run, {many} scenarios (start → outbox → token each): {:.2} s wall, peak RSS {:.0} MiB (goal: < 10 s){}",
        large.wall,
        large.peak_rss_kib as f64 / 1024.0,
        large.failure_note(),
    );

    // 3. The harness's own cost per HTTP step, side by side with plain reqwest.
    per_step::compare(ours, root, quick);
}

/// 1 000 scenarios, as the issue's goal names them.
const MANY: usize = 1000;

/// A finished CLI run: wall time, the process's peak resident set, and whether it exited 0.
struct CliRun {
    wall: f64,
    peak_rss_kib: u64,
    success: bool,
}

impl CliRun {
    fn failure_note(&self) -> &'static str {
        if self.success {
            ""
        } else {
            " — THE RUN FAILED"
        }
    }
}

/// Runs `passwordless-conformance <args> --project <project>` on the embedded mock with
/// `CI=true` (snapshots are never written). The peak RSS is the kernel's high-water mark
/// (`VmHWM`), read every millisecond while the process lives: the last reading before it exits.
fn cli_run(binary: &Path, project: &Path, args: &[&str]) -> CliRun {
    let started = Instant::now();
    let child = std::process::Command::new(binary)
        .args(args)
        .arg("--project")
        .arg(project)
        .env("CI", "true")
        .env_remove("CONFORMANCE_TARGET")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
    let Ok(mut child) = child else {
        return CliRun {
            wall: f64::NAN,
            peak_rss_kib: 0,
            success: false,
        };
    };
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak_rss_kib = 0;
    let status = loop {
        if let Ok(Some(status)) = child.try_wait() {
            break Some(status);
        }
        if let Some(hwm) = std::fs::read_to_string(&status_file)
            .ok()
            .as_deref()
            .and_then(high_water_mark_kib)
        {
            peak_rss_kib = peak_rss_kib.max(hwm);
        }
        std::thread::sleep(Duration::from_millis(1));
    };
    CliRun {
        wall: started.elapsed().as_secs_f64(),
        peak_rss_kib,
        success: status.is_some_and(|status| status.success()),
    }
}

/// `VmHWM:   12345 kB` of a `/proc/<pid>/status`.
fn high_water_mark_kib(status: &str) -> Option<u64> {
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// A project of `count` copies of the flow (run on the embedded mock) with the repository's schemas.
fn write_many(dir: &Path, root: &Path, count: usize) {
    let scenarios = dir.join("scenarios");
    let schemas = dir.join("schemas");
    let _ = std::fs::remove_dir_all(dir);
    if std::fs::create_dir_all(&scenarios)
        .and_then(|()| std::fs::create_dir_all(&schemas))
        .is_err()
    {
        return;
    }
    for index in 0..count {
        let _ = std::fs::write(scenarios.join(format!("flow_{index:04}.yaml")), FLOW);
    }
    for entry in std::fs::read_dir(root.join("schemas"))
        .into_iter()
        .flatten()
        .flatten()
    {
        let _ = std::fs::copy(entry.path(), schemas.join(entry.file_name()));
    }
}
