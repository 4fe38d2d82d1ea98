//! One libtest-mimic trial per file under `scenarios/`, named by its path there.
//!
//! `cargo test -- passwordless/email`, `--list`, `--exact`, `--ignored` and `--test-threads`
//! behave as libtest's; `cargo nextest run` runs each trial as its own process. The target comes
//! from `CONFORMANCE_TARGET` (default: the embedded mock) and tags from `CONFORMANCE_TAGS`
//! (`mfa,!slow`), since the arguments belong to libtest. A scenario the target cannot run is
//! marked ignored when the trials are listed, so every runner reports it as skipped; the reasons
//! go to stderr (see `suite::trials`). A scenario the tags leave out is not listed.

use std::path::Path;
use std::sync::Arc;

use libtest_mimic::Arguments;
use passwordless_conformance::suite::trials::{listing_notes, selected_trials};
use passwordless_conformance::{Suite, TagFilter, discover};

fn main() {
    let arguments = Arguments::from_args();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let tags = TagFilter::from_env().unwrap_or_else(|error| {
        eprintln!("error: {error}");
        std::process::exit(2);
    });
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
    let selected = selected_trials(&suite, files, &tags);
    for note in selected
        .notes
        .iter()
        .chain(&listing_notes(&selected.planned, &arguments))
    {
        eprintln!("{note}");
    }
    let trials = selected
        .planned
        .into_iter()
        .map(|planned| planned.trial)
        .collect();
    libtest_mimic::run(&arguments, trials).exit();
}
