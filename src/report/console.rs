//! What `run` prints: a line per trial as it finishes, then the failed files again, the time and
//! the summary.
//!
//! Takes each [`FinishedTrial`] as it comes and, at the end, the [`RunReport`]; gives lines. On a
//! terminal a progress bar (indicatif) stays under them, showing how many trials are done; piped
//! or redirected, the output is plain lines, one per trial, and nothing else (no bar, no escape
//! codes, no carriage returns), so logs and `grep` read it as before. Lines go to a sink the
//! caller gives, which decides what a closed pipe means.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::{FinishedTrial, RunReport};
use crate::runner::FailureClass;
use crate::suite::TrialOutcome;
use crate::suite::select::Selected;

/// Where lines go when there is no progress bar (the caller's stdout writer).
pub type Sink = Box<dyn Fn(&str) + Send + Sync>;

/// `run`'s output: lines, and on a terminal a progress bar below them.
pub struct Console {
    bar: Option<ProgressBar>,
    sink: Sink,
    failed: AtomicUsize,
}

impl Console {
    /// A console for `total` trials: with a progress bar when `interactive` (stdout is a
    /// terminal), else plain lines through `sink`.
    pub fn new(total: usize, interactive: bool, sink: Sink) -> Console {
        let bar = interactive.then(|| {
            let bar = ProgressBar::with_draw_target(
                Some(u64::try_from(total).unwrap_or(u64::MAX)),
                ProgressDrawTarget::stdout(),
            );
            if let Ok(style) = ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] [{bar:30}] {pos}/{len} {msg}",
            ) {
                bar.set_style(style.progress_chars("=> "));
            }
            bar.enable_steady_tick(Duration::from_millis(250));
            bar
        });
        Console {
            bar,
            sink,
            failed: AtomicUsize::new(0),
        }
    }

    /// Prints `text` (one or more lines) above the bar, or through the sink.
    pub fn say(&self, text: &str) {
        match &self.bar {
            Some(bar) => bar.println(text),
            None => (self.sink)(text),
        }
    }

    /// Prints a trial's lines and moves the bar on (saying how many failed so far).
    pub fn trial_finished(&self, trial: &FinishedTrial) {
        for line in trial_lines(trial) {
            self.say(&line);
        }
        if matches!(trial.outcome, TrialOutcome::Failed(_)) {
            self.failed.fetch_add(1, Ordering::Relaxed);
        }
        if let Some(bar) = &self.bar {
            bar.inc(1);
            let failed = self.failed.load(Ordering::Relaxed);
            if failed > 0 {
                bar.set_message(format!("{failed} failed"));
            }
        }
    }

    /// Removes the bar, leaving the lines printed above it.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

/// What listing found, before anything runs: each selected scenario's warnings (checks that can
/// never fail), the tags no scenario has, and `running N scenarios against `target``.
pub fn listing_lines(selected: &Selected, target: &str) -> Vec<String> {
    let mut lines = Vec::new();
    for (_, listing) in &selected.files {
        lines.extend(
            listing
                .plan
                .warnings()
                .iter()
                .map(|warning| format!("{warning}\n")),
        );
    }
    for (tag, close) in &selected.unknown_tags {
        let hint = close
            .as_ref()
            .map_or(String::new(), |close| format!(" (did you mean `{close}`?)"));
        lines.push(format!("warning: no scenario has the tag `{tag}`{hint}"));
    }
    let left_out = match selected.left_out_by_tags {
        0 => String::new(),
        n => format!(" ({n} more left out by the tags)"),
    };
    lines.push(format!(
        "running {} scenarios against `{target}`{left_out}",
        selected.files.len()
    ));
    lines
}

/// The lines of one finished trial: `PASS`, `SKIP` or `FAIL` with its name and time, then, for
/// a failure, its report and reproducer, indented.
pub fn trial_lines(trial: &FinishedTrial) -> Vec<String> {
    let millis = trial.elapsed.as_millis();
    let waited = if trial.rate_limit_wait.is_zero() {
        String::new()
    } else {
        format!(
            ", {:.1} s waiting on rate limits",
            trial.rate_limit_wait.as_secs_f64()
        )
    };
    let mut lines = Vec::new();
    match &trial.outcome {
        TrialOutcome::Passed => {
            lines.push(format!("PASS {} ({millis} ms{waited})", trial.id));
            if let Some(note) = &trial.details.snapshot {
                lines.push(format!("     {note}"));
            }
        }
        TrialOutcome::Ignored(reason) => lines.push(format!("SKIP {} ({reason})", trial.id)),
        TrialOutcome::Failed(_) => {
            // On a real tenant: deviation or guess (see `runner/classify.rs`).
            let class = trial
                .details
                .failure_class
                .map(|class| format!(": {class}"))
                .unwrap_or_default();
            lines.push(format!("FAIL {} ({millis} ms{waited}){class}", trial.id));
            lines.extend(
                trial
                    .failure_text()
                    .lines()
                    .map(|line| format!("     {line}")),
            );
        }
    }
    lines
}

/// The end of the run: the failed files again (each at its failing step's line), the rate-limit
/// wait, the total time, and the summary line `N passed, N failed, N skipped`.
pub fn summary_lines(run: &RunReport) -> Vec<String> {
    let mut lines = Vec::new();
    let failed: Vec<&FinishedTrial> = run.failed().collect();
    if !failed.is_empty() {
        lines.push(String::new());
        lines.push(format!("failed ({}):", failed.len()));
        for trial in failed {
            let at = match (&trial.details.failed_step, trial.details.problems.first()) {
                (Some(step), _) => format!(
                    "{}:{} (step {} `{}`)",
                    trial.file(),
                    step.line,
                    step.number,
                    step.name
                ),
                (None, Some(problem)) => {
                    format!("{}:{}:{}", problem.file, problem.line, problem.col)
                }
                (None, None) => trial.file(),
            };
            let name = if trial.file().ends_with(&trial.id) {
                String::new()
            } else {
                format!(" [{}]", trial.id)
            };
            lines.push(format!("  {at}{name}"));
        }
    }
    let waited: Duration = run.trials.iter().map(|trial| trial.rate_limit_wait).sum();
    lines.push(String::new());
    if !waited.is_zero() {
        lines.push(format!(
            "waited {:.1} s in all on rate limits",
            waited.as_secs_f64()
        ));
    }
    lines.push(format!("finished in {:.2} s", run.elapsed.as_secs_f64()));
    let counts = run.counts();
    lines.push(format!(
        "{} passed, {} failed, {} skipped",
        counts.passed, counts.failed, counts.skipped
    ));
    lines.extend(failure_classes(run));
    lines
}

/// The failures counted by what they say against the evidence (`of the failures: 1 the tenant
/// deviates …, 2 the mock's guess differs: calibrate, 0 unclassified …`), when any failure was
/// classified (a run against a real tenant).
fn failure_classes(run: &RunReport) -> Option<String> {
    let classes: Vec<FailureClass> = run
        .failed()
        .map(|trial| {
            trial
                .details
                .failure_class
                .unwrap_or(FailureClass::Unclassified)
        })
        .collect();
    if !run
        .failed()
        .any(|trial| trial.details.failure_class.is_some())
    {
        return None;
    }
    let counts: Vec<String> = FailureClass::ALL
        .iter()
        .map(|class| {
            let count = classes.iter().filter(|found| *found == class).count();
            format!("{count} {class}")
        })
        .collect();
    Some(format!("of the failures: {}", counts.join(", ")))
}
