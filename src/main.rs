//! `passwordless-conformance`: run the scenarios, or serve the mock tenant.

use std::fmt::Display;
use std::io::{IsTerminal as _, Write as _};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Instant, SystemTime};

use clap::{Parser, Subcommand};
use passwordless_conformance::mock::{
    EventSink, MockEvent, PhoneProvider, ServeOptions, SmtpSettings, Tenant, TlsFiles, serve,
};
use passwordless_conformance::redact::Redactor;
use passwordless_conformance::report::console::Console;
use passwordless_conformance::report::{self, FinishedTrial, RunReport, annotations};
use passwordless_conformance::{ScenarioFile, Selection, SnapshotMode, Suite, TagFilter, discover};

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
    /// Run the scenarios against a target (--target, else CONFORMANCE_TARGET, else the embedded
    /// mock), one line each, then the failed files again and a summary.
    Run(RunArgs),
    /// Serve the mock tenant for apps, SDKs and other tools.
    Mock(MockArgs),
    /// Write a new project folder (an example scenario with its snapshot, a targets.yaml starter, a
    /// GitHub Actions workflow) that `run --project DIR` runs green against the embedded mock.
    /// Never overwrites a file.
    Init(InitArgs),
    /// Compare the committed transcripts of two targets (e.g. `mock staging`) by shape: statuses,
    /// error codes and texts, fields present or missing, field types. Exits 1 when they differ.
    Compare(CompareArgs),
    /// Load and validate every scenario, flow and profile without sending a request: every problem
    /// with file:line:col, and what each profile of targets.yaml would skip. Exits 1 on problems.
    Check(CheckArgs),
    /// Write a commented starting scenario (or flow, under flows/) at PATH; never overwrites.
    New(NewArgs),
    /// Print the JSON Schema of the scenario format (or of the flow format, with --flow).
    Schema(SchemaArgs),
}

#[derive(clap::Args)]
struct CheckArgs {
    /// Only scenarios whose trial name (path under scenarios/) contains one of these texts.
    filters: Vec<String>,
    /// The project folder holding scenarios/, flows/, schemas/ and targets.yaml.
    #[arg(long, default_value = ".")]
    project: PathBuf,
}

#[derive(clap::Args)]
struct NewArgs {
    /// Where to write, relative to the project: under scenarios/ (the default) or flows/.
    path: PathBuf,
    /// Start from a copy of this scenario (its path under scenarios/) or flow (its name or path
    /// under flows/); a scenario started from a flow uses it.
    #[arg(long, value_name = "SCENARIO_OR_FLOW")]
    from: Option<String>,
    /// The project folder.
    #[arg(long, default_value = ".")]
    project: PathBuf,
}

#[derive(clap::Args)]
struct SchemaArgs {
    /// The flow format's schema instead of the scenario format's.
    #[arg(long)]
    flow: bool,
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
struct InitArgs {
    /// The folder to write (created when missing).
    dir: PathBuf,
}

#[derive(clap::Args)]
struct RunArgs {
    /// Only scenarios whose path under scenarios/ contains one of these texts (any matches).
    filters: Vec<String>,
    /// Only scenarios with this tag; repeat for several (any matches). Without --tag and
    /// --skip-tag, CONFORMANCE_TAGS selects (`mfa,!slow`).
    #[arg(long = "tag", value_name = "TAG")]
    tags: Vec<String>,
    /// Leave out scenarios with this tag, whatever else they have; repeatable.
    #[arg(long = "skip-tag", value_name = "TAG")]
    skip_tags: Vec<String>,
    /// The profile of targets.yaml to run against (overrides CONFORMANCE_TARGET; default: mock).
    #[arg(long, value_name = "NAME")]
    target: Option<String>,
    /// The project folder: scenarios/, and optionally schemas/, targets.yaml, mock/tenant.yaml and
    /// snapshots/ (the built-in schemas, profiles and tenant stand in for what it lacks).
    #[arg(long, default_value = ".")]
    project: PathBuf,
    /// Don't compare transcripts with snapshots/.
    #[arg(long)]
    no_snapshots: bool,
    /// Accept new and changed snapshots: each becomes the committed .snap (read them before
    /// committing). Refused when CI is set.
    #[arg(long, conflicts_with = "no_snapshots")]
    accept: bool,
    /// How many scenarios run at once (default: the number of CPUs).
    #[arg(long)]
    jobs: Option<usize>,
    /// Also write the results as JUnit XML to FILE (for CI test reports).
    #[arg(long, value_name = "FILE")]
    junit: Option<PathBuf>,
    /// Also write the results as one self-contained HTML page to FILE.
    #[arg(long, value_name = "FILE")]
    html: Option<PathBuf>,
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
        Command::Check(args) => check(args),
        Command::New(args) => new(args),
        Command::Schema(args) => schema(args),
        Command::Init(args) => init(args),
    }
}

fn init(args: InitArgs) -> ExitCode {
    match passwordless_conformance::init::init(&args.dir) {
        Ok(written) => {
            say(format_args!(
                "wrote a new project in `{}`:",
                args.dir.display()
            ));
            for name in written {
                say(format_args!("  {name}"));
            }
            say(format_args!(
                "\nrun it against the embedded mock: passwordless-conformance run --project {}",
                args.dir.display()
            ));
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::from(2)
        }
    }
}

fn check(args: CheckArgs) -> ExitCode {
    let report =
        passwordless_conformance::authoring::check::check_project(&args.project, &args.filters);
    say(format_args!("{report}"));
    if report.has_errors() {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

fn new(args: NewArgs) -> ExitCode {
    match passwordless_conformance::authoring::new::new_file(
        &args.project,
        &args.path,
        args.from.as_deref(),
    ) {
        Ok(written) => {
            say(format_args!(
                "wrote {written}\ncheck it with `passwordless-conformance check`"
            ));
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

fn schema(args: SchemaArgs) -> ExitCode {
    let schema = if args.flow {
        passwordless_conformance::authoring::schema::flow_schema()
    } else {
        passwordless_conformance::authoring::schema::scenario_schema()
    };
    say(schema);
    ExitCode::SUCCESS
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
            say(&comparison);
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
    let started = (SystemTime::now(), Instant::now());
    // The secrets the environment names, for what is printed before (or outside) a trial.
    let environment = Redactor::from_environment();
    if let Some(refusal) = accept_refusal().filter(|_| args.accept) {
        eprintln!("error: {refusal}");
        return ExitCode::from(2);
    }
    let tags = match TagFilter::from_arguments(&args.tags, &args.skip_tags) {
        Ok(tags) => tags,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(2);
        }
    };
    let selection = Selection {
        filters: args.filters.clone(),
        tags,
    };
    let mut suite = Suite::for_target(&args.project, args.target.as_deref());
    // Only the HTML report shows every step's exchange.
    suite.record_steps = args.html.is_some();
    if args.no_snapshots {
        suite.snapshots = SnapshotMode::Skip;
    } else if args.accept {
        suite.snapshots = SnapshotMode::Accept;
    }
    if let Err(error) = &suite.target {
        // Every scenario would fail the same way: say it once.
        eprintln!("error: {}", environment.redact_message(&error.to_string()));
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
    if let Some(shard) = shard {
        let position = |turn: u32| shard.index + turn * shard.count;
        say(format_args!(
            "shard {shard}: scenario files {}, {}, {}, … of the whole list",
            position(0),
            position(1),
            position(2)
        ));
    }
    let files: Vec<ScenarioFile> = files
        .into_iter()
        .enumerate()
        .filter(|(position, _)| shard.is_none_or(|shard| shard.takes(*position)))
        .map(|(_, file)| file)
        .collect();
    let jobs = args
        .jobs
        .or_else(|| std::thread::available_parallelism().ok().map(usize::from))
        .unwrap_or(1)
        .max(1);
    // Listing: what can be known before anything runs. Skips are decided again per trial (same
    // answer); warnings (checks that can never fail) are shown here, once.
    let selected = suite.select(files, &selection);
    for line in report::console::listing_lines(&selected, suite.target_name()) {
        say(line);
    }
    let selected: Vec<ScenarioFile> = selected.files.into_iter().map(|(file, _)| file).collect();

    let interactive = std::io::stdout().is_terminal();
    let console = Console::new(
        selected.len(),
        interactive,
        Box::new(|text: &str| say(text)),
    );
    let results =
        passwordless_conformance::suite::run_parallel(&suite, &selected, jobs, |file, trial| {
            console.trial_finished(&FinishedTrial::new(file, trial.clone(), &environment));
        });
    console.finish();
    let run = RunReport {
        target: suite.target_name().to_owned(),
        started: started.0,
        elapsed: started.1.elapsed(),
        hostname: report::hostname(),
        trials: selected
            .iter()
            .zip(results)
            .map(|(file, trial)| FinishedTrial::new(file, trial, &environment))
            .collect(),
    };
    let written = write_reports(&run, &args);
    if annotations::in_github_actions() {
        for line in annotations::github_annotations(&run, &args.project) {
            say(line);
        }
    }
    let lifetimes = passwordless_conformance::sealed::measured();
    if !lifetimes.is_empty() {
        say(format_args!(
            "sealed-token lifetimes (expiry − Date, ±1 s): {lifetimes}"
        ));
    }
    for line in report::console::summary_lines(&run) {
        say(line);
    }
    if !written {
        ExitCode::from(2)
    } else if run.counts().failed > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// Writes the `--junit` and `--html` reports asked for; `false` when one could not be written
/// (said on stderr).
fn write_reports(run: &RunReport, args: &RunArgs) -> bool {
    type Render = fn(&RunReport) -> Result<String, String>;
    let mut written = true;
    let reports: [(&Option<PathBuf>, Render); 2] = [
        (&args.junit, report::junit::to_junit),
        (&args.html, report::html::to_html),
    ];
    for (path, render) in reports {
        let Some(path) = path else { continue };
        let result = render(run).and_then(|text| {
            report::write_report(path, &text)
                .map_err(|error| format!("cannot write `{}`: {error}", path.display()))
        });
        if let Err(error) = result {
            eprintln!("error: {error}");
            written = false;
        }
    }
    written
}

/// Why `run --accept` must not write here, if it must not: in CI nothing is ever written, and
/// `INSTA_UPDATE=no` says the same outside it.
fn accept_refusal() -> Option<String> {
    if passwordless_conformance::snapshot::is_ci() {
        return Some(
            "`--accept` is refused when CI is set: snapshots are never written in CI\nhint: accept on your own machine, read the new `.snap` files and commit them".to_owned(),
        );
    }
    if std::env::var("INSTA_UPDATE").is_ok_and(|update| update == "no") {
        return Some(
            "`--accept` and INSTA_UPDATE=no disagree: one accepts, the other writes nothing\nhint: unset INSTA_UPDATE to accept".to_owned(),
        );
    }
    None
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
        MockEvent::Listening { .. } | MockEvent::ShuttingDown { .. } => say(event),
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
