//! One libtest-mimic trial per file under `scenarios/`, named by its path there.
//!
//! `cargo test -- passwordless/email`, `--list`, `--exact`, `--ignored` and `--test-threads`
//! behave as libtest's; `cargo nextest run` runs each trial as its own process. The target comes
//! from `CONFORMANCE_TARGET` (default: the embedded mock), since the arguments belong to libtest.
//! A scenario the target cannot run is marked ignored when the trials are listed, so every runner
//! reports it as skipped; the reasons go to stderr (see `suite::trials`).

use std::path::Path;
use std::sync::Arc;

use libtest_mimic::Arguments;
use passwordless_conformance::suite::trials::{listing_notes, trials};
use passwordless_conformance::{Suite, discover};

fn main() {
    let arguments = Arguments::from_args();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let suite = Arc::new(Suite::from_project_dir(root));
    let files = match discover(&suite.scenarios_dir) {
        Ok(files) => files,
        Err(error) => {
            eprintln!("cannot read `{}`: {error}", suite.scenarios_dir.display());
            std::process::exit(2);
        }
    };
    // A target that is not configured fails every trial with one line; the report, once, here.
    if let Some(report) = suite.configuration_report() {
        eprintln!("error: {report}");
    }
    let planned = trials(&suite, files);
    for note in listing_notes(&planned, &arguments) {
        eprintln!("{note}");
    }
    let trials = planned.into_iter().map(|planned| planned.trial).collect();
    libtest_mimic::run(&arguments, trials).exit();
}
