//! `run --junit FILE`: the run as JUnit XML, for the test reports of GitHub, GitLab and Jenkins.
//!
//! Takes a [`RunReport`] and gives the XML text, written with quick-junit (nextest's own writer,
//! which escapes markup and drops what XML cannot hold: control characters, ANSI escapes). One
//! `<testsuite>` per run (`tests`, `failures`, `errors`, `skipped`, `time`, `timestamp`,
//! `hostname`, the target as a property) with one `<testcase>` per trial: `classname` is the
//! scenario's folder under `scenarios/` with dots (`scenarios.errors.mfa`, which Jenkins shows as
//! package and class), `name` the rest of the trial's name (`wrong_totp.yaml`), `file` the
//! scenario file, `time` in seconds. A failed check or snapshot is a `<failure>`; a file that
//! does not load, a target that cannot be reached or a bug of ours is an `<error>`; both carry
//! the first line as `message` and the redacted report (with the reproducer) as text. A skip is
//! `<skipped message="reason"/>`. Nothing is re-run, so no trial has `flakyFailure` entries.

use quick_junit::{NonSuccessKind, Property, Report, TestCase, TestCaseStatus, TestSuite};

use super::{FinishedTrial, RunReport};
use crate::suite::{FailureCause, TrialOutcome};

/// The report's (and the suite's) name.
const REPORT_NAME: &str = "passwordless-conformance";

/// The run as JUnit XML; an error only when the XML writer fails (it writes to memory).
pub fn to_junit(run: &RunReport) -> Result<String, String> {
    let started = chrono::DateTime::<chrono::Utc>::from(run.started).fixed_offset();
    let mut suite = TestSuite::new(format!("{REPORT_NAME} ({})", run.target));
    suite.set_timestamp(started);
    suite.set_time(run.elapsed);
    suite
        .extra
        .insert("hostname".into(), run.hostname.as_str().into());
    suite.add_property(Property::new("target", run.target.as_str()));
    for trial in &run.trials {
        suite.add_test_case(test_case(trial));
    }
    let mut report = Report::new(REPORT_NAME);
    report.set_timestamp(started);
    report.set_time(run.elapsed);
    report.add_test_suite(suite);
    report
        .to_string()
        .map_err(|error| format!("cannot write the JUnit report: {error}"))
}

fn test_case(trial: &FinishedTrial) -> TestCase {
    let status = match &trial.outcome {
        TrialOutcome::Passed => TestCaseStatus::success(),
        TrialOutcome::Ignored(reason) => {
            let mut status = TestCaseStatus::skipped();
            status.set_message(reason.as_str());
            status
        }
        TrialOutcome::Failed(failure) => {
            // A check or a snapshot said no: a failure. Anything else kept the scenario from
            // being judged at all: an error, typed by the stage that stopped it.
            let (kind, ty) = match failure.cause {
                FailureCause::Steps => (NonSuccessKind::Failure, "check"),
                FailureCause::Snapshot => (NonSuccessKind::Failure, "snapshot"),
                FailureCause::Broken => (NonSuccessKind::Error, "invalid scenario"),
                other => (NonSuccessKind::Error, other.as_str()),
            };
            let mut status = TestCaseStatus::non_success(kind);
            status.set_message(failure.report.lines().next().unwrap_or("failed"));
            status.set_type(ty);
            status.set_description(trial.failure_text());
            status
        }
    };
    let (classname, name) = class_and_name(&trial.id);
    let mut case = TestCase::new(name, status);
    case.set_classname(classname);
    case.set_time(trial.elapsed);
    case.extra.insert("file".into(), trial.file().into());
    case
}

/// `errors/mfa/wrong_totp.yaml` → (`scenarios.errors.mfa`, `wrong_totp.yaml`); a matrix trial
/// keeps its `[name=value]` in the name, whatever its values hold.
fn class_and_name(id: &str) -> (String, &str) {
    let path = super::scenario_path(id);
    match path.rsplit_once('/') {
        Some((folder, _)) => (
            format!("scenarios.{}", folder.replace('/', ".")),
            &id[folder.len() + 1..],
        ),
        None => ("scenarios".to_owned(), id),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_class_is_the_folder_and_the_name_the_rest() {
        assert_eq!(
            class_and_name("errors/mfa/wrong_totp.yaml"),
            ("scenarios.errors.mfa".to_owned(), "wrong_totp.yaml")
        );
        assert_eq!(
            class_and_name("top.yaml"),
            ("scenarios".to_owned(), "top.yaml")
        );
        assert_eq!(
            class_and_name("mfa/otp.yaml[to=a/b]"),
            ("scenarios.mfa".to_owned(), "otp.yaml[to=a/b]")
        );
    }

    #[test]
    fn a_trial_stopped_before_it_was_judged_is_an_error_typed_by_its_stage() {
        let trial = |cause| FinishedTrial {
            id: "errors/x.yaml".to_owned(),
            outcome: TrialOutcome::failed(cause, "first line\nmore"),
            elapsed: std::time::Duration::ZERO,
            rate_limit_wait: std::time::Duration::ZERO,
            details: crate::suite::TrialDetails::default(),
        };
        for (cause, kind, ty) in [
            (FailureCause::Steps, NonSuccessKind::Failure, "check"),
            (FailureCause::Snapshot, NonSuccessKind::Failure, "snapshot"),
            (
                FailureCause::Broken,
                NonSuccessKind::Error,
                "invalid scenario",
            ),
            (FailureCause::Setup, NonSuccessKind::Error, "setup"),
            (
                FailureCause::Unconfigured,
                NonSuccessKind::Error,
                "unconfigured",
            ),
        ] {
            let case = test_case(&trial(cause));
            let TestCaseStatus::NonSuccess {
                kind: found,
                message,
                ty: found_ty,
                ..
            } = &case.status
            else {
                panic!("{cause:?} is not a non-success");
            };
            assert_eq!(*found, kind, "{cause:?}");
            assert_eq!(found_ty.as_deref(), Some(ty), "{cause:?}");
            assert_eq!(message.as_deref(), Some("first line"), "{cause:?}");
        }
    }
}
