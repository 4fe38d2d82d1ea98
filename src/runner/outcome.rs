//! What a finished scenario says about itself: whether it passed, its redacted transcript, and a
//! failure report for a person (the failing step, where it is written, each problem, the exchange
//! so far), classified against the evidence on a real tenant.

use std::fmt;

use super::classify::{self, Classification, FailureClass};
use super::{ScenarioOutcome, StepFailure};
use crate::scenario::{Scenario, StepKind};

impl ScenarioOutcome {
    /// Whether every step passed.
    pub fn passed(&self) -> bool {
        self.failure.is_none()
    }

    /// The transcript with secrets and per-run values replaced, as YAML text.
    pub fn redacted_transcript(&self) -> String {
        let value = self.transcript.to_redacted(&self.redactor);
        serde_yaml::to_string(&value)
            .unwrap_or_else(|error| format!("(cannot render transcript: {error})"))
    }

    /// A failure report for a person: the step, where it is, each problem, and the exchange so
    /// far. The transcript is redacted as snapshots are; then the complete report passes the
    /// redactor again, which hides every secret but keeps hosts and test identities, so a person
    /// can tell where to look. `None` when the scenario passed.
    pub fn failure_report(&self, scenario: &Scenario) -> Option<String> {
        let failure = self.failure.as_ref()?;
        Some(
            self.redactor.redact_message(
                &FailureReport {
                    scenario,
                    failure,
                    transcript: self.redacted_transcript(),
                    evidence: None,
                }
                .to_string(),
            ),
        )
    }

    /// [`failure_report`](Self::failure_report) for a real tenant: the failure is also read
    /// against the evidence its step's checks name (`evidence:`), telling a tenant that deviates
    /// from documented behaviour from a guess of the mock's to calibrate. `None` when it passed.
    pub fn classified_failure_report(&self, scenario: &Scenario) -> Option<(String, FailureClass)> {
        let failure = self.failure.as_ref()?;
        let step = scenario.steps.get(failure.step_number.wrapping_sub(1))?;
        let classification = match &step.kind {
            StepKind::Http(http) => classify::classify(
                &http.expect,
                &failure.problems,
                self.transcript.last_response(&step.name),
            ),
            _ => classify::classify(&crate::scenario::Expect::default(), &[], None),
        };
        let class = classification.class;
        let report = FailureReport {
            scenario,
            failure,
            transcript: self.redacted_transcript(),
            evidence: Some(classification),
        };
        Some((self.redactor.redact_message(&report.to_string()), class))
    }
}

struct FailureReport<'a> {
    scenario: &'a Scenario,
    failure: &'a StepFailure,
    transcript: String,
    /// What the failure says against the evidence (on a real tenant).
    evidence: Option<Classification>,
}

impl fmt::Display for FailureReport<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let failure = self.failure;
        let file = &failure.location.file;
        writeln!(
            f,
            "step {} of {} (`{}`) failed",
            failure.step_number,
            self.scenario.steps.len(),
            failure.step_name
        )?;
        writeln!(f, "  --> {file}:{}:{}", failure.span.line, failure.span.col)?;
        for call in &failure.location.called_from {
            writeln!(
                f,
                "      called from {}:{}:{} (`{}`)",
                call.file, call.span.line, call.span.col, call.step
            )?;
        }
        for problem in &failure.problems {
            let mut lines = problem.message.lines();
            let first = lines.next().unwrap_or_default();
            match problem.span {
                Some(span) => {
                    writeln!(f, "  - {first}\n      at {file}:{}:{}", span.line, span.col)?
                }
                None => writeln!(f, "  - {first}")?,
            }
            for line in lines {
                writeln!(f, "    {line}")?;
            }
        }
        if let Some(evidence) = &self.evidence {
            write!(f, "\n{evidence}")?;
        }
        writeln!(f, "\nexchange so far (redacted):")?;
        for line in self.transcript.lines() {
            writeln!(f, "  {line}")?;
        }
        Ok(())
    }
}
