//! One libtest-mimic trial per file under `scenarios/`, named by its path there.
//!
//! `cargo test -- passwordless/email`, `--list`, `--exact`, `--ignored` and `--test-threads`
//! behave as libtest's; `cargo nextest run` runs each trial as its own process. The target comes
//! from `CONFORMANCE_TARGET` (default: the embedded mock), since the arguments belong to libtest.

use std::path::Path;
use std::sync::Arc;

use libtest_mimic::{Arguments, Completion, Failed, Trial};
use passwordless_conformance::{Suite, TrialOutcome, discover};

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
    let trials = files
        .into_iter()
        .map(|file| {
            let suite = Arc::clone(&suite);
            Trial::ignorable_test(file.id.clone(), move || match suite.run_file(&file) {
                TrialOutcome::Passed => Ok(Completion::Completed),
                TrialOutcome::Ignored(reason) => Ok(Completion::ignored_with(reason)),
                TrialOutcome::Failed(report) => Err(Failed::from(report)),
            })
        })
        .collect();
    libtest_mimic::run(&arguments, trials).exit();
}
