//! `passwordless-conformance`: run the scenarios, or serve the mock tenant.

use std::fmt::Display;
use std::io::Write as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use passwordless_conformance::mock::{
    EventSink, MockEvent, PhoneProvider, ServeOptions, SmtpSettings, Tenant, TlsFiles, serve,
};
use passwordless_conformance::redact::Redactor;
use passwordless_conformance::{SnapshotMode, Suite, TrialOutcome, discover};

#[derive(Parser)]
#[command(
    version,
    about = "Conformance tests for Auth0-style embedded passwordless login and MFA"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run every scenario against the target chosen by CONFORMANCE_TARGET (default: the embedded mock).
    Run(RunArgs),
    /// Serve the mock tenant for apps, SDKs and other tools.
    Mock(MockArgs),
    /// Compare the committed transcripts of two targets (e.g. `mock staging`) by shape: statuses,
    /// error codes and texts, fields present or missing, field types. Exits 1 when they differ.
    Compare(CompareArgs),
}

#[derive(clap::Args)]
struct CompareArgs {
    /// The first target (a folder under snapshots/).
    left: String,
    /// The second target.
    right: String,
    /// The project folder holding snapshots/.
    #[arg(long, default_value = ".")]
    project: PathBuf,
}

#[derive(clap::Args)]
struct RunArgs {
    /// Only scenarios whose path under scenarios/ contains this text.
    filter: Option<String>,
    /// The project folder holding scenarios/, schemas/ and snapshots/.
    #[arg(long, default_value = ".")]
    project: PathBuf,
    /// Don't compare transcripts with snapshots/.
    #[arg(long)]
    no_snapshots: bool,
    /// How many scenarios run at once (default: the number of CPUs).
    #[arg(long)]
    jobs: Option<usize>,
}

#[derive(clap::Args)]
struct MockArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:4000")]
    listen: SocketAddr,
    /// Tenant fixture (YAML); the built-in tenant when omitted.
    #[arg(long)]
    tenant: Option<PathBuf>,
    /// PEM certificate chain: serve HTTPS (with --tls-key).
    #[arg(long, requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// PEM private key for --tls-cert.
    #[arg(long, requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// The URL clients use to reach the mock (used for `iss`, discovery and links); default: the
    /// listen address.
    #[arg(long)]
    public_url: Option<String>,
    /// Deliver e-mail over SMTP to this server too (like a tenant's custom SMTP provider), e.g. a
    /// mail catcher on 127.0.0.1:1025.
    #[arg(long, value_name = "HOST:PORT")]
    smtp: Option<SmtpSettings>,
    /// POST every text message as JSON `{"recipient", "text"}` to this URL too (like a tenant's
    /// custom phone provider Action forwarding to a webhook inbox).
    #[arg(long, value_name = "URL")]
    sms_webhook: Option<PhoneProvider>,
}

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Run(args) => run(args),
        Command::Mock(args) => mock(args),
        Command::Compare(args) => compare(args),
    }
}

fn compare(args: CompareArgs) -> ExitCode {
    let root = args.project.join("snapshots");
    // Which folder keeps only the snapshots that differ from another's (`snapshots.shared_with`).
    let shares = passwordless_conformance::TargetConfig::snapshot_sharing(&args.project);
    match passwordless_conformance::compare::compare_targets(
        &root,
        &args.left,
        &args.right,
        &shares,
    ) {
        Ok(comparison) => {
            println!("{comparison}");
            if comparison.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::from(2)
        }
    }
}

fn run(args: RunArgs) -> ExitCode {
    // The secrets the environment names, for what is printed before (or outside) a trial.
    let environment = Redactor::from_environment();
    let mut suite = Suite::from_project_dir(&args.project);
    if args.no_snapshots {
        suite.snapshots = SnapshotMode::Skip;
    }
    if let Err(error) = &suite.target {
        // Every scenario would fail the same way: say it once.
        eprintln!("error: {}", environment.redact_message(error));
        return ExitCode::from(2);
    }
    let files = match discover(&suite.scenarios_dir) {
        Ok(files) => files,
        Err(error) => {
            eprintln!(
                "error: cannot read `{}`: {error}",
                suite.scenarios_dir.display()
            );
            return ExitCode::from(2);
        }
    };
    // A shard (`CONFORMANCE_SHARD=k/n`) runs every n-th file of the whole list.
    let shard = suite.target.as_ref().ok().and_then(|target| target.shard);
    let files: Vec<_> = files
        .into_iter()
        .enumerate()
        .filter(|(position, _)| shard.is_none_or(|shard| shard.takes(*position)))
        .map(|(_, file)| file)
        .filter(|file| {
            args.filter
                .as_ref()
                .is_none_or(|filter| file.id.contains(filter.as_str()))
        })
        .collect();
    let jobs = args
        .jobs
        .or_else(|| std::thread::available_parallelism().ok().map(usize::from))
        .unwrap_or(1)
        .max(1);
    // Listing: what can be known before anything runs. Skips are decided again per trial (same
    // answer); warnings (checks that can never fail) are shown here, once.
    for file in &files {
        for warning in suite.plan(file).warnings() {
            say(format_args!("{warning}\n"));
        }
    }
    say(format_args!(
        "running {} scenarios against `{}`{}",
        files.len(),
        suite.target_name(),
        shard
            .map(|shard| format!(" (shard {shard})"))
            .unwrap_or_default()
    ));

    let results =
        passwordless_conformance::suite::run_parallel(&suite, &files, jobs, |file, trial| {
            let millis = trial.elapsed.as_millis();
            let waited = if trial.rate_limit_wait.is_zero() {
                String::new()
            } else {
                format!(
                    ", {:.1} s waiting on rate limits",
                    trial.rate_limit_wait.as_secs_f64()
                )
            };
            match &trial.outcome {
                TrialOutcome::Passed => say(format_args!("PASS {} ({millis} ms{waited})", file.id)),
                TrialOutcome::Ignored(reason) => say(format_args!(
                    "SKIP {} ({})",
                    file.id,
                    environment.redact_message(reason)
                )),
                TrialOutcome::Failed(report) => {
                    say(format_args!("FAIL {} ({millis} ms{waited})", file.id));
                    // Reports are redacted by their trial; this second pass, with the secrets
                    // the environment names, also covers what failed before a trial knew its
                    // target (a configuration or start-up error).
                    for line in environment.redact_message(report).lines() {
                        say(format_args!("     {line}"));
                    }
                }
            }
        });
    let passed = results
        .iter()
        .filter(|trial| matches!(trial.outcome, TrialOutcome::Passed))
        .count();
    let failed = results
        .iter()
        .filter(|trial| matches!(trial.outcome, TrialOutcome::Failed(_)))
        .count();
    let skipped = results.len() - passed - failed;
    let waited: std::time::Duration = results.iter().map(|trial| trial.rate_limit_wait).sum();
    if !waited.is_zero() {
        say(format_args!(
            "\nwaited {:.1} s in all on rate limits",
            waited.as_secs_f64()
        ));
    }
    let lifetimes = passwordless_conformance::sealed::measured();
    if !lifetimes.is_empty() {
        say(format_args!(
            "\nsealed-token lifetimes (expiry − Date, ±1 s): {lifetimes}"
        ));
    }
    say(format_args!(
        "\n{passed} passed, {failed} failed, {skipped} skipped"
    ));
    if failed > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// The exit status when the reader of our output went away (`run | head`): what a process killed
/// by `SIGPIPE` reports (128 + 13), as `yes | head` does, so a pipeline under `pipefail` does not
/// mistake an unread run for a green one.
const BROKEN_PIPE_STATUS: i32 = 141;

/// Prints one line of `run`'s output. When nobody reads any more (`run | head`), the run stops
/// quietly instead of panicking on the broken pipe; other write errors are ignored (the exit status
/// still tells the verdict).
fn say(line: impl Display) {
    let mut stdout = std::io::stdout().lock();
    let written = writeln!(stdout, "{line}").and_then(|()| stdout.flush());
    if let Err(error) = written
        && error.kind() == std::io::ErrorKind::BrokenPipe
    {
        std::process::exit(BROKEN_PIPE_STATUS);
    }
}

/// The mock library never prints: the `mock` command says what happened, the address on
/// stdout (scripts read it) and trouble on stderr.
fn print_event(event: &MockEvent) {
    match event {
        MockEvent::Listening { .. } | MockEvent::ShuttingDown { .. } => println!("{event}"),
        _ => eprintln!("{event}"),
    }
}

fn mock(args: MockArgs) -> ExitCode {
    let mut tenant = match &args.tenant {
        Some(path) => match Tenant::from_yaml_file(path) {
            Ok(tenant) => tenant,
            Err(error) => {
                eprintln!("error: {error}");
                return ExitCode::from(2);
            }
        },
        None => Tenant::builtin(),
    };
    if let Some(provider) = args.sms_webhook {
        tenant.phone_provider = Some(provider);
    }
    let tls = match (args.tls_cert, args.tls_key) {
        (Some(cert), Some(key)) => Some(TlsFiles { cert, key }),
        _ => None,
    };
    let options = ServeOptions {
        listen: args.listen,
        public_url: args.public_url,
        tenant,
        tls,
        smtp: args.smtp,
        events: EventSink::new(print_event),
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start a tokio runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(serve(options)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}
