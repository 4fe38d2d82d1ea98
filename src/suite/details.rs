//! What a trial's reports show beyond its verdict, already free of secrets.
//!
//! Takes what a trial produced — the scenario (name, tags), the runner's [`ScenarioOutcome`]
//! (transcript, failing step, redactor), the load problems of a broken file, the snapshot's
//! verdict — and keeps it as plain, redacted data: each step's exchange as the snapshot shows
//! it, each failed check with the YAML line it was written on, a curl reproducer, the snapshot
//! diff. Reports (`crate::report`) render it; nothing here prints or knows a report format.

use super::{TrialOutcome, TrialReport};
use crate::diagnostic::Severity;
use crate::runner::ScenarioOutcome;
use crate::scenario::LoadError;
use crate::scenario::Scenario;

/// What reports show of a trial beyond its verdict. Every text is redacted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrialDetails {
    /// The scenario's `name:`; `None` when the file did not load.
    pub scenario_name: Option<String>,
    /// The scenario's `tags:` (empty when it has none or did not load).
    pub tags: Vec<String>,
    /// Each step that ran, in order (empty unless [`Suite::record_steps`](super::Suite::record_steps)).
    pub steps: Vec<StepRecord>,
    /// The step that failed, if one did.
    pub failed_step: Option<FailedStep>,
    /// What was wrong, each where it was written: the failing step's checks, or the problems of
    /// a file that did not load.
    pub problems: Vec<LocatedProblem>,
    /// A shell snippet sending the failing request again, secrets as `${VARIABLES}` (see
    /// `runner/reproducer.rs`). Shown as is: it must not pass a redactor again.
    pub reproducer: Option<String>,
    /// Why the snapshot did not simply match — new, missing, different (with the lines that
    /// differ) — or that it was accepted; `None` when it matched or was not checked.
    pub snapshot: Option<String>,
    /// For a failed step on a real tenant: what it says against the evidence its checks name
    /// (the tenant deviates, or the mock's guess differs); `None` on the mock.
    pub failure_class: Option<crate::runner::FailureClass>,
}

/// One step as it ran.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepRecord {
    /// The step's name.
    pub name: String,
    /// Its request and response (or OTP read, or clock move) as YAML, redacted as snapshots are.
    pub exchange: String,
}

/// The step that failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailedStep {
    /// 1-based.
    pub number: usize,
    /// The step's name.
    pub name: String,
    /// The line of the scenario file where the step starts (for a flow's step, the step that uses
    /// the flow; its problems point into the flow's file).
    pub line: usize,
}

/// A problem and where in the scenario file it was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocatedProblem {
    /// What is wrong (redacted).
    pub message: String,
    /// The file as shown to people, e.g. `scenarios/mfa/otp.yaml`.
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub col: usize,
}

impl TrialDetails {
    /// Notes the scenario's name and tags.
    pub(crate) fn describe(&mut self, scenario: &Scenario) {
        self.scenario_name = Some(scenario.name.clone());
        self.tags = scenario.tags.clone();
    }

    /// Notes the problems of a file that did not load or validate.
    pub(crate) fn record_broken(&mut self, error: &LoadError) {
        self.problems = error
            .diagnostics()
            .iter()
            .filter(|diagnostic| diagnostic.severity == Severity::Error)
            .map(|diagnostic| LocatedProblem {
                message: diagnostic.message.clone(),
                file: diagnostic.file.clone(),
                line: diagnostic.span.line,
                col: diagnostic.span.col,
            })
            .collect();
    }

    /// Notes where and why a run failed and, when `with_steps`, every step's exchange.
    pub(crate) fn record_run(&mut self, outcome: &ScenarioOutcome, with_steps: bool) {
        let redactor = &outcome.redactor;
        if with_steps {
            self.record_steps(outcome);
        }
        let Some(failure) = &outcome.failure else {
            return;
        };
        // A step of a flow is written in the flow's file: its checks point there, and the step is
        // placed in the scenario at the step that uses the flow.
        let file = &failure.location.file;
        let line = failure
            .location
            .called_from
            .last()
            .map_or(failure.span.line, |call| call.span.line);
        self.failed_step = Some(FailedStep {
            number: failure.step_number,
            name: redactor.redact_message(&failure.step_name),
            line,
        });
        self.problems = failure
            .problems
            .iter()
            .map(|problem| {
                let span = problem.span.unwrap_or(failure.span);
                LocatedProblem {
                    message: redactor.redact_message(&problem.message),
                    file: file.clone(),
                    line: span.line,
                    col: span.col,
                }
            })
            .collect();
        self.reproducer = outcome.reproducer();
    }

    /// Every step's exchange as the snapshot shows it, redacted.
    fn record_steps(&mut self, outcome: &ScenarioOutcome) {
        let redactor = &outcome.redactor;
        self.steps = outcome
            .transcript
            .entries
            .iter()
            .zip(
                outcome
                    .transcript
                    .to_redacted(redactor)
                    .as_array()
                    .into_iter()
                    .flatten(),
            )
            .map(|(entry, redacted)| {
                let mut shown = redacted.clone();
                if let Some(fields) = shown.as_object_mut() {
                    fields.shift_remove("step");
                }
                StepRecord {
                    name: redactor.redact_str(&entry.step),
                    exchange: serde_yaml::to_string(&shown)
                        .unwrap_or_else(|error| format!("(cannot render this step: {error})")),
                }
            })
            .collect();
    }
}

impl TrialReport {
    /// A failed trial's report for a person reading text, followed by the curl command that
    /// sends the failing request again (when it sent one); empty for a trial that did not fail.
    pub fn failure_text(&self) -> String {
        failure_text(&self.outcome, &self.details)
    }
}

/// See [`TrialReport::failure_text`].
pub fn failure_text(outcome: &TrialOutcome, details: &TrialDetails) -> String {
    let TrialOutcome::Failed(failure) = outcome else {
        return String::new();
    };
    let text = &failure.report;
    match &details.reproducer {
        // Appended after the report was redacted: the reproducer holds no secret, and a second
        // pass would take its shell quotes for values (see `runner/reproducer.rs`).
        Some(reproducer) => format!(
            "{}\n\nreproduce the failing request:\n{}",
            text.trim_end(),
            indent(reproducer, "  ")
        ),
        None => text.clone(),
    }
}

/// `text` with `prefix` before every line.
fn indent(text: &str, prefix: &str) -> String {
    text.lines()
        .map(|line| format!("{prefix}{line}"))
        .collect::<Vec<_>>()
        .join("\n")
}
