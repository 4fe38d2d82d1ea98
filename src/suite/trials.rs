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
//!
//! [`selected_trials`] also applies a tag filter (`CONFORMANCE_TAGS`, since libtest owns the
//! arguments): a scenario the filter leaves out is not listed at all, as a name filter leaves
//! tests out, and a note says how many. It is not marked ignored: an ignore means "this target
//! cannot run it", and reporting every scenario outside a chosen subset as skipped would bury
//! those real gaps (in nextest's JUnit, in CI dashboards) under a person's own choice.

use std::sync::Arc;

use libtest_mimic::{Arguments, Completion, Failed, Trial};

use super::select::{Selection, TAGS_VARIABLE, TagFilter};
use super::{ScenarioFile, Suite, TrialOutcome, TrialPlan};

/// A trial and what listing decided about it.
pub struct PlannedTrial {
    /// The libtest-mimic trial.
    pub trial: Trial,
    /// What listing decided.
    pub plan: TrialPlan,
}

/// The trials a tag filter selects, and what to tell a person about the selection.
pub struct SelectedTrials {
    /// One per selected file (and per file that does not load: its tags are unknown).
    pub planned: Vec<PlannedTrial>,
    /// How many files the filter left out, what tags it names that no scenario has: lines for
    /// stderr.
    pub notes: Vec<String>,
}

/// One trial per file, planned against the suite's target.
pub fn trials(suite: &Arc<Suite>, files: Vec<ScenarioFile>) -> Vec<PlannedTrial> {
    selected_trials(suite, files, &TagFilter::default()).planned
}

/// One trial per file that `tags` selects, planned against the suite's target.
pub fn selected_trials(
    suite: &Arc<Suite>,
    files: Vec<ScenarioFile>,
    tags: &TagFilter,
) -> SelectedTrials {
    let selection = Selection {
        filters: Vec::new(),
        tags: tags.clone(),
    };
    let selected = suite.select(files, &selection);
    let planned: Vec<PlannedTrial> = selected
        .files
        .into_iter()
        .map(|(file, listing)| planned_trial(suite, file, listing.plan))
        .collect();
    let mut notes = Vec::new();
    if !tags.is_empty() {
        notes.push(format!(
            "{TAGS_VARIABLE}={tags} selects {} scenario files and leaves out {} (not listed, not run)",
            planned.len(),
            selected.left_out_by_tags
        ));
        for (tag, close) in selected.unknown_tags {
            let hint = close.map_or(String::new(), |close| format!(" (did you mean `{close}`?)"));
            notes.push(format!(
                "warning: no scenario has the tag `{tag}` named in {TAGS_VARIABLE}{hint}"
            ));
        }
    }
    SelectedTrials { planned, notes }
}

fn planned_trial(suite: &Arc<Suite>, file: ScenarioFile, plan: TrialPlan) -> PlannedTrial {
    let skipped_at_listing = matches!(plan, TrialPlan::Skip { .. });
    let suite = Arc::clone(suite);
    let trial = Trial::ignorable_test(file.id.clone(), move || {
        let report = suite.run_file_report(&file);
        match &report.outcome {
            TrialOutcome::Passed => Ok(Completion::Completed),
            TrialOutcome::Ignored(reason) if skipped_at_listing => Err(Failed::from(format!(
                "cannot run on this target: {reason}\nhint: listing skips it; it ran only because of --ignored or --include-ignored"
            ))),
            TrialOutcome::Ignored(reason) => Ok(Completion::ignored_with(reason.clone())),
            TrialOutcome::Failed(_) => Err(Failed::from(report.failure_text())),
        }
    })
    .with_ignored_flag(skipped_at_listing);
    PlannedTrial { trial, plan }
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
