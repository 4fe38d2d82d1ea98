//! The verdict on one trial: passed, skipped with a reason, or failed with a cause and a report.
//!
//! Takes nothing; gives [`TrialOutcome`] and [`Failure`], which every runner (libtest, `run`, the
//! reports) reads. The report is already redacted when a failure is made; this module renders
//! nothing itself.

use std::fmt;

/// The verdict on one scenario file (or one combination of its matrix).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TrialOutcome {
    /// Every step and the snapshot passed.
    Passed,
    /// The target lacks something the scenario needs; the reason says what.
    Ignored(String),
    /// The trial failed; [`Failure::cause`] says at which stage, the report how.
    Failed(Failure),
}

impl TrialOutcome {
    /// A failure at `cause`, with the (already redacted) `report` a person reads.
    pub fn failed(cause: FailureCause, report: impl Into<String>) -> TrialOutcome {
        TrialOutcome::Failed(Failure {
            cause,
            report: report.into(),
        })
    }

    /// The failure, when the trial failed.
    pub fn failure(&self) -> Option<&Failure> {
        match self {
            TrialOutcome::Failed(failure) => Some(failure),
            _ => None,
        }
    }
}

/// Why and how a trial failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The stage that failed.
    pub cause: FailureCause,
    /// What a person reads: the problems with `file:line:col`, redacted.
    pub report: String,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.report)
    }
}

/// The stage of a trial that failed, in the order a trial goes through them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FailureCause {
    /// The scenario file (or a flow it uses) does not load or validate.
    Broken,
    /// The target's profile is unusable (a missing variable, a bad key).
    Unconfigured,
    /// The trial could not start: a shared account's lock, a runtime, the session (the mock, the
    /// HTTP client, the target's roster).
    Setup,
    /// A step's request or check failed.
    Steps,
    /// Settling after the run failed (a rotated recovery code could not be kept).
    Settle,
    /// The transcript differs from its snapshot, or has none in CI.
    Snapshot,
    /// The harness itself panicked inside the trial (a bug of ours, reported as a verdict).
    Panicked,
    /// The trial never ran (its thread ended before it).
    NotRun,
}

impl FailureCause {
    /// A short lower-case name (`steps`, `snapshot`, …), e.g. for JUnit's failure `type`.
    pub fn as_str(self) -> &'static str {
        match self {
            FailureCause::Broken => "broken",
            FailureCause::Unconfigured => "unconfigured",
            FailureCause::Setup => "setup",
            FailureCause::Steps => "steps",
            FailureCause::Settle => "settle",
            FailureCause::Snapshot => "snapshot",
            FailureCause::Panicked => "panicked",
            FailureCause::NotRun => "not-run",
        }
    }
}
