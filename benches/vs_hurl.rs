//! The harness against Hurl, side by side: `cargo bench --bench vs_hurl`.
//!
//! Both clients run the same 200 passwordless logins (start → read the code from the mock's outbox →
//! exchange it) against ONE standalone mock (`passwordless-conformance mock`, release build), with
//! 2 jobs each. The harness also checks every response against its JSON Schema; Hurl checks status
//! codes and JSONPath values (it has no JSON Schema). The runs alternate (harness, Hurl, harness, …)
//! so a drifting machine affects both alike, and the figures printed are medians with the ratio
//! ours/Hurl of client CPU (user + system, from the kernel's accounting of reaped children) and wall
//! time. Nothing is asserted: these machines are shared and noisy.
//!
//! Hurl is found as `$HURL`, on `PATH`, or in `/opt/hurl/bin`. When it is absent the bench says so
//! and, with `BENCH_INSTALL_HURL=1`, installs it (`cargo install hurl@8.0.1 --locked`, which needs
//! Debian's `libclang-dev libxml2-dev libcurl4-openssl-dev`; 8.1 needs a newer rustc).

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const FLOWS: usize = 200;
const JOBS: usize = 2;
const ROUNDS: usize = 9;

fn main() {
    // `cargo test --benches` runs benches with `--test`-style flags: one quick round is enough there.
    let quick = std::env::args().any(|arg| arg == "--test");
    let Some(hurl) = find_hurl() else {
        println!("vs_hurl: Hurl not found ($HURL, PATH, /opt/hurl/bin); install it with");
        println!("  apt-get install libclang-dev libxml2-dev libcurl4-openssl-dev");
        println!("  cargo install hurl@8.0.1 --locked");
        println!("or run this bench with BENCH_INSTALL_HURL=1 to do it here");
        return;
    };
    let ours = PathBuf::from(env!("CARGO_BIN_EXE_passwordless-conformance"));
    let port = free_port();
    let base_url = format!("http://127.0.0.1:{port}");
    let _mock = MockProcess(start_mock(&ours, port));
    if !wait_until_up(port) {
        println!("vs_hurl: the standalone mock did not come up on {base_url}");
        return;
    }

    let work = std::env::temp_dir().join(format!("pc-vs-hurl-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&work);
    let project = write_project(&work.join("project"), &base_url);
    let hurl_dir = write_hurl_files(&work.join("hurl"), &base_url);
    let hurl_files: Vec<PathBuf> = (0..FLOWS)
        .map(|index| hurl_dir.join(format!("flow_{index:03}.hurl")))
        .collect();

    let rounds = if quick { 1 } else { ROUNDS };
    let mut ours_runs = Vec::new();
    let mut hurl_runs = Vec::new();
    for round in 0..=rounds {
        let our_run = measure(
            Command::new(&ours)
                .args([
                    "run",
                    "--jobs",
                    &JOBS.to_string(),
                    "--no-snapshots",
                    "--project",
                ])
                .arg(&project)
                .env("CONFORMANCE_TARGET", "standalone"),
        );
        let hurl_run = measure(
            Command::new(&hurl)
                .args(["--test", "--jobs", &JOBS.to_string(), "--no-output"])
                .args(&hurl_files),
        );
        if !our_run.success || !hurl_run.success {
            println!(
                "vs_hurl: a run failed (harness ok: {}, Hurl ok: {}); see {}",
                our_run.success,
                hurl_run.success,
                work.display()
            );
            return;
        }
        // Round 0 warms both up (page cache, the mock's allocator) and is not counted.
        if round > 0 {
            ours_runs.push(our_run);
            hurl_runs.push(hurl_run);
        }
    }
    let _ = std::fs::remove_dir_all(&work);

    let cpu_ours = median(ours_runs.iter().map(|run| run.cpu).collect());
    let cpu_hurl = median(hurl_runs.iter().map(|run| run.cpu).collect());
    let wall_ours = median(ours_runs.iter().map(|run| run.wall).collect());
    let wall_hurl = median(hurl_runs.iter().map(|run| run.wall).collect());
    let cpu_ratio = median(
        ours_runs
            .iter()
            .zip(&hurl_runs)
            .map(|(ours, hurl)| ours.cpu / hurl.cpu.max(1e-9))
            .collect(),
    );
    let wall_ratio = median(
        ours_runs
            .iter()
            .zip(&hurl_runs)
            .map(|(ours, hurl)| ours.wall / hurl.wall.max(1e-9))
            .collect(),
    );
    println!(
        "{FLOWS} start → outbox → token flows, {JOBS} jobs, one standalone mock, median of {} paired rounds",
        ours_runs.len()
    );
    println!("                    client CPU      wall");
    println!("harness (schemas)   {cpu_ours:>8.3} s  {wall_ours:>8.3} s");
    println!("hurl 8.0.1          {cpu_hurl:>8.3} s  {wall_hurl:>8.3} s");
    println!("ours / hurl         {cpu_ratio:>8.2} ×  {wall_ratio:>8.2} ×   (goal: ≤ 1.0 on both)");
}

/// The standalone mock, stopped and reaped whenever the bench returns.
struct MockProcess(Child);

impl Drop for MockProcess {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// One measured run: wall time, CPU of the child (user + system) and whether it exited 0.
struct Run {
    wall: f64,
    cpu: f64,
    success: bool,
}

fn measure(command: &mut Command) -> Run {
    let before = children_cpu_seconds();
    let started = Instant::now();
    let status = command.stdout(Stdio::null()).stderr(Stdio::null()).status();
    let wall = started.elapsed().as_secs_f64();
    let cpu = children_cpu_seconds() - before;
    Run {
        wall,
        cpu,
        success: status.is_ok_and(|status| status.success()),
    }
}

/// User + system time of this process's reaped children, from `/proc/self/stat` (`cutime`,
/// `cstime`, in clock ticks of 1/100 s on Linux).
fn children_cpu_seconds() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return 0.0;
    };
    // The command name (field 2) may hold spaces; the fields after its closing parenthesis are plain.
    let Some(after_name) = stat.rsplit_once(')').map(|(_, rest)| rest) else {
        return 0.0;
    };
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    // `after_name` starts at field 3 (state); cutime and cstime are fields 16 and 17.
    let ticks = |field: usize| {
        fields
            .get(field - 3)
            .and_then(|value| value.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (ticks(16) + ticks(17)) / 100.0
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(f64::NAN)
}

fn find_hurl() -> Option<PathBuf> {
    let candidates = std::env::var_os("HURL")
        .map(PathBuf::from)
        .into_iter()
        .chain(
            std::env::var_os("PATH")
                .map(|path| {
                    std::env::split_paths(&path)
                        .map(|dir| dir.join("hurl"))
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default(),
        )
        .chain([PathBuf::from("/opt/hurl/bin/hurl")]);
    let found = candidates.into_iter().find(|path| path.is_file());
    if found.is_some() || std::env::var("BENCH_INSTALL_HURL").as_deref() != Ok("1") {
        return found;
    }
    println!("vs_hurl: installing hurl 8.0.1 into /opt/hurl (cargo install --locked)");
    let installed = Command::new("cargo")
        .args(["install", "hurl@8.0.1", "--locked", "--root", "/opt/hurl"])
        .status()
        .is_ok_and(|status| status.success());
    installed.then(|| PathBuf::from("/opt/hurl/bin/hurl"))
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .unwrap_or(4747)
}

fn start_mock(binary: &Path, port: u16) -> Child {
    Command::new(binary)
        .args(["mock", "--listen", &format!("127.0.0.1:{port}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|error| panic!("cannot start the mock: {error}"))
}

/// Polls the port until the mock answers, for at most 20 s.
fn wait_until_up(port: u16) -> bool {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return true;
        }
        std::thread::yield_now();
    }
    false
}

/// A project folder with `FLOWS` copies of the login scenario, the repository's schemas and a
/// `standalone` profile pointing at the mock.
fn write_project(dir: &Path, base_url: &str) -> PathBuf {
    let scenarios = dir.join("scenarios");
    std::fs::create_dir_all(&scenarios).unwrap_or_else(|error| panic!("{error}"));
    for index in 0..FLOWS {
        std::fs::write(scenarios.join(format!("flow_{index:03}.yaml")), SCENARIO)
            .unwrap_or_else(|error| panic!("{error}"));
    }
    let schemas = dir.join("schemas");
    std::fs::create_dir_all(&schemas).unwrap_or_else(|error| panic!("{error}"));
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas");
    for entry in std::fs::read_dir(source).into_iter().flatten().flatten() {
        let _ = std::fs::copy(entry.path(), schemas.join(entry.file_name()));
    }
    std::fs::write(
        dir.join("targets.yaml"),
        PROFILE.replace("{base_url}", base_url),
    )
    .unwrap_or_else(|error| panic!("{error}"));
    dir.to_path_buf()
}

fn write_hurl_files(dir: &Path, base_url: &str) -> PathBuf {
    std::fs::create_dir_all(dir).unwrap_or_else(|error| panic!("{error}"));
    for index in 0..FLOWS {
        let text = HURL_FLOW
            .replace("{base_url}", base_url)
            .replace("{email}", &format!("bench+{index}@example.com"))
            .replace("{email_query}", &format!("bench%2B{index}%40example.com"));
        std::fs::write(dir.join(format!("flow_{index:03}.hurl")), text)
            .unwrap_or_else(|error| panic!("{error}"));
    }
    dir.to_path_buf()
}

const PROFILE: &str = r#"
standalone:
  kind: remote
  description: the standalone mock, for the Hurl comparison
  base_url: {base_url}
  clients:
    native: { client_id: native-app }
  connections: { email: email, sms: sms }
  users:
    email_user: { email: bench@example.com, unique_email: true }
  otp_sources:
    email: { mock_outbox: {} }
"#;

const SCENARIO: &str = r#"
name: bench login
requires: [outbox]
steps:
  - name: ask for a code
    request:
      method: POST
      path: /passwordless/start
      json: { client_id: "{{ clients.native.client_id }}", connection: email, email: "{{ users.email_user.email }}", send: code }
    expect: { status: 200, schema: passwordless-start-email.json }
  - name: read the code
    otp: { to: "{{ users.email_user.email }}" }
  - name: exchange it
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

const HURL_FLOW: &str = r#"
POST {base_url}/passwordless/start
{"client_id":"native-app","connection":"email","email":"{email}","send":"code"}
HTTP 200
[Asserts]
jsonpath "$.email" == "{email}"

GET {base_url}/__mock/outbox?to={email_query}
HTTP 200
[Captures]
code: jsonpath "$.code"

POST {base_url}/oauth/token
{"grant_type":"http://auth0.com/oauth/grant-type/passwordless/otp","client_id":"native-app","username":"{email}","otp":"{{code}}","realm":"email","scope":"openid"}
HTTP 200
[Asserts]
jsonpath "$.token_type" == "Bearer"
jsonpath "$.id_token" isString
"#;
