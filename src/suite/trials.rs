//! The suite as libtest trials: one per scenario file, with the skip decided when the trials are listed.
//!
//! Takes the [`Suite`] and the discovered files and gives libtest-mimic [`Trial`]s named by the file's path
//! under `scenarios/`. A file the target cannot run ([`TrialPlan::Skip`]) is marked ignored *at listing
//! time* (`Trial::with_ignored_flag`), which is the only ignore libtest, nextest and nextest's JUnit all
//! report as a skip: nextest never runs such a trial, and a runtime ignore looks like a pass to it.
//! libtest-mimic 0.8 has no way to attach a reason to a listing-time ignore, so [`listing_notes`] gives the
//! reasons (and warnings) for the harness to print on stderr. Run anyway (`--ignored`, `--include-ignored`),
//! such a trial fails with its reason rather than passing. What only the live target can tell stays a
//! runtime ignore with its reason.

use std::sync::Arc;

use libtest_mimic::{Arguments, Completion, Failed, Trial};

use super::{ScenarioFile, Suite, TrialOutcome, TrialPlan};

/// A trial and what listing decided about it.
pub struct PlannedTrial {
    /// The libtest-mimic trial.
    pub trial: Trial,
    /// What listing decided.
    pub plan: TrialPlan,
}

/// One trial per file, planned against the suite's target.
pub fn trials(suite: &Arc<Suite>, files: Vec<ScenarioFile>) -> Vec<PlannedTrial> {
    files
        .into_iter()
        .map(|file| {
            let plan = suite.plan(&file);
            let skipped_at_listing = matches!(plan, TrialPlan::Skip { .. });
            let suite = Arc::clone(suite);
            let trial = Trial::ignorable_test(file.id.clone(), move || {
                match suite.run_file(&file) {
                    TrialOutcome::Passed => Ok(Completion::Completed),
                    TrialOutcome::Ignored(reason) if skipped_at_listing => Err(Failed::from(format!(
                        "cannot run on this target: {reason}\nhint: listing skips it; it ran only because of --ignored or --include-ignored"
                    ))),
                    TrialOutcome::Ignored(reason) => Ok(Completion::ignored_with(reason)),
                    TrialOutcome::Failed(report) => Err(Failed::from(report)),
                }
            })
            .with_ignored_flag(skipped_at_listing);
            PlannedTrial { trial, plan }
        })
        .collect()
}

/// What listing found about the trials `arguments` select, as lines for stderr: why each skipped one is
/// skipped, and the warnings of each.
pub fn listing_notes(planned: &[PlannedTrial], arguments: &Arguments) -> Vec<String> {
    let mut notes = Vec::new();
    for PlannedTrial { trial, plan } in planned {
        if arguments.is_filtered_out(trial) {
            continue;
        }
        if let TrialPlan::Skip { reason, .. } = plan {
            notes.push(format!("skipped {}: {reason}", trial.name()));
        }
        notes.extend(plan.warnings().iter().map(|warning| format!("{warning}\n")));
    }
    notes
}
