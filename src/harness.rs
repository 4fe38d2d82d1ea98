//! The scenarios of a project folder as `cargo test` trials, for this crate and any other.
//!
//! Takes a project folder (holding `scenarios/`, and optionally `schemas/`, `targets.yaml`,
//! `mock/tenant.yaml`, `snapshots/`: built-in defaults stand in for the rest) and the libtest
//! command line; gives libtest-mimic's [`Conclusion`] after running one trial per scenario file,
//! named by its path under `scenarios/`, with the skips decided when the trials are listed
//! ([`crate::suite::trials`]). It prints what libtest prints, and on stderr why a trial is
//! skipped. The target comes from `CONFORMANCE_TARGET` and tags from `CONFORMANCE_TAGS`
//! (`mfa,!slow`), since the arguments belong to libtest.
//!
//! Another crate gets the same trials with a test target that has no libtest harness:
//!
//! ```toml
//! # Cargo.toml
//! [dev-dependencies]
//! passwordless-conformance = { git = "https://github.com/YOUR-ORG/passwordless-conformance" }
//!
//! [[test]]
//! name = "conformance"
//! harness = false
//! ```
//!
//! and `tests/conformance.rs`, whose `main` is one line (the project is the crate's folder, with
//! `scenarios/` next to `Cargo.toml`):
//!
//! ```no_run
//! passwordless_conformance::harness::main()
//! ```

use std::path::Path;
use std::sync::Arc;

use libtest_mimic::{Arguments, Conclusion, Trial};

use crate::suite::select::TAGS_VARIABLE;
use crate::suite::trials::{listing_notes, selected_trials};
use crate::{Suite, TagFilter, discover};

/// Runs the project in the current folder — `cargo test` runs a test binary in its package's
/// folder — with the command line's arguments, and exits with libtest's status.
pub fn main() -> ! {
    run(".").exit()
}

/// Runs the scenarios of the project folder `project` as libtest trials, with the command line's
/// arguments (`cargo test -- errors/ --exact …`).
pub fn run(project: impl AsRef<Path>) -> Conclusion {
    run_with_args(project, &Arguments::from_args())
}

/// [`run`] with the given arguments instead of the command line's.
///
/// ```no_run
/// use libtest_mimic::Arguments;
/// let arguments = Arguments { filter: Some("errors/".into()), ..Arguments::default() };
/// let conclusion = passwordless_conformance::harness::run_with_args("my-project", &arguments);
/// assert!(!conclusion.has_failed());
/// ```
pub fn run_with_args(project: impl AsRef<Path>, arguments: &Arguments) -> Conclusion {
    // A problem before any scenario can be listed is one failing trial, not a silent green run.
    let broken = |name: &str, message: String| {
        let trial = Trial::test(name, move || Err(message.into()));
        libtest_mimic::run(arguments, vec![trial])
    };
    let tags = match TagFilter::from_env() {
        Ok(tags) => tags,
        Err(error) => return broken(TAGS_VARIABLE, error.to_string()),
    };
    let suite = Arc::new(Suite::from_project_dir(project.as_ref()));
    let files = match discover(&suite.scenarios_dir) {
        Ok(files) => files,
        Err(error) => {
            let message = format!("cannot read `{}`: {error}", suite.scenarios_dir.display());
            return broken("scenarios/", message);
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
        .chain(&listing_notes(&selected.planned, arguments))
    {
        eprintln!("{note}");
    }
    let trials = selected
        .planned
        .into_iter()
        .map(|planned| planned.trial)
        .collect();
    libtest_mimic::run(arguments, trials)
}
