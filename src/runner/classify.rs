//! A failure on a real tenant, read against the evidence its checks rest on.
//!
//! Takes the failing step's `expect` (with the catalogue entries its `evidence:` names), the
//! problems found and the tenant's answer; gives a [`Classification`]: either the tenant deviates
//! from behaviour that is recorded, documented or otherwise sourced, or every failing check rests
//! on what the mock only guessed (an `inferred` or `weak` entry, or a part of an entry that no
//! source gives) and the guess should be calibrated — with the fixture override that would make
//! the mock answer as the tenant did. A failure that names no evidence, or that is no check at
//! all (the request could not be sent), stays unclassified. This module only reads: it neither
//! prints nor redacts (the report it is part of is redacted as a whole).

use std::fmt;

use serde_json::Value;

use super::Problem;
use super::transcript::{RecordedResponse, ResponseBody};
use crate::evidence::{CATALOGUE_PATH, Entry, Part, lookup};
use crate::scenario::{Expect, Located, Matcher};

/// The start of the status check's message (`check.rs`), which is the one check written without
/// a place of its own in the YAML.
pub(super) const STATUS_PROBLEM: &str = "status: expected ";

/// What a failing scenario on a real tenant says about the tenant or the mock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FailureClass {
    /// A failing check rests on evidence from a source (recorded traffic, Auth0's documentation,
    /// independent code, an SDK's tests): the tenant answers otherwise than Auth0 is known to.
    Deviates,
    /// Every failing check rests on a guess of the mock's: the tenant has settled it, so calibrate.
    Calibrate,
    /// The failing checks name no evidence, or nothing that failed was a check.
    Unclassified,
}

impl FailureClass {
    /// Every class, in the order summaries list them.
    pub const ALL: [FailureClass; 3] = [
        FailureClass::Deviates,
        FailureClass::Calibrate,
        FailureClass::Unclassified,
    ];

    /// The class in a few words, as reports and summaries say it.
    pub fn headline(self) -> &'static str {
        match self {
            FailureClass::Deviates => "the tenant deviates from the evidence",
            FailureClass::Calibrate => "the mock's guess differs: calibrate",
            FailureClass::Unclassified => "unclassified (no evidence named, or not a failed check)",
        }
    }
}

impl fmt::Display for FailureClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.headline())
    }
}

/// A failing step read against its evidence.
#[derive(Debug, Clone)]
pub struct Classification {
    /// The verdict.
    pub class: FailureClass,
    /// The entries the step's `expect` names, each with the parts its failing checks touched.
    pub cited: Vec<Cited>,
    /// The tenant's answer: status, `error` and `error_description`, when it gave them.
    answer: Option<(u16, Option<String>, Option<String>)>,
    /// Whether any check failed (rather than the request, or a step that checks nothing).
    checks_failed: bool,
}

/// An entry a failing step rests on.
#[derive(Debug, Clone)]
pub struct Cited {
    /// The catalogue entry.
    pub entry: &'static Entry,
    /// Whether each failing check rests, as far as this entry goes, on a guess.
    pub guess: bool,
}

/// Classifies the problems of a failed step whose expectation was `expect` and whose last answer
/// was `response`. Each failed check rests on the entries its matcher names, else on those its
/// `expect` names.
pub fn classify(
    expect: &Expect,
    problems: &[Problem],
    response: Option<&RecordedResponse>,
) -> Classification {
    let of = |ids: &[Located<String>]| -> Vec<&'static Entry> {
        ids.iter().filter_map(|id| lookup(&id.value)).collect()
    };
    let step_entries = of(&expect.evidence);
    let failed: Vec<(Checked, Vec<&'static Entry>)> = problems
        .iter()
        .filter_map(|problem| failed_check(expect, problem))
        .map(|(checked, matcher)| match matcher {
            Some(matcher) if !matcher.evidence.is_empty() => (checked, of(&matcher.evidence)),
            _ => (checked, step_entries.clone()),
        })
        .collect();
    let rests_on_guess = |entry: &Entry, checked: Checked| match checked {
        Checked::Part(part) => entry.grade.is_guess() || entry.guessed.contains(&part),
        Checked::Whole => entry.grade.is_guess(),
    };
    // A check is a guess when every entry it rests on guessed the part it looks at.
    let guess = |(checked, entries): &(Checked, Vec<&'static Entry>)| {
        entries.iter().all(|entry| rests_on_guess(entry, *checked))
    };
    let with_evidence = || failed.iter().filter(|(_, entries)| !entries.is_empty());
    let class = if with_evidence().any(|check| !guess(check)) {
        FailureClass::Deviates
    } else if !failed.is_empty() && failed.iter().all(|(_, entries)| !entries.is_empty()) {
        FailureClass::Calibrate
    } else {
        // Nothing failed that is a check, or a failed check names no evidence.
        FailureClass::Unclassified
    };
    let mut cited: Vec<Cited> = Vec::new();
    for (checked, entries) in &failed {
        for entry in entries {
            let guess = rests_on_guess(entry, *checked);
            match cited.iter_mut().find(|known| known.entry.id == entry.id) {
                Some(known) => known.guess &= guess,
                None => cited.push(Cited { entry, guess }),
            }
        }
    }
    Classification {
        class,
        cited,
        answer: response.map(answer_of),
        checks_failed: !failed.is_empty(),
    }
}

/// What a failing check looked at, as a part of a catalogue entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Checked {
    /// One part: the status, `$.error`, `$.error_description`, or any other value.
    Part(Part),
    /// The answer as a whole (polling that never saw what it waited for).
    Whole,
}

/// The part of an entry `problem` is about, with the matcher of the failed check when it has one;
/// `None` when the problem is no failed check (the request could not be rendered or sent, a note).
fn failed_check<'e>(
    expect: &'e Expect,
    problem: &Problem,
) -> Option<(Checked, Option<&'e Matcher>)> {
    let Some(span) = problem.span else {
        return problem
            .message
            .starts_with(STATUS_PROBLEM)
            .then_some((Checked::Part(Part::Status), None));
    };
    if let Some(check) = expect.body.iter().find(|check| check.span == span) {
        let part = match check.path.as_str() {
            "$.error" | "$['error']" | "$[\"error\"]" => Part::Error,
            "$.error_description" | "$['error_description']" | "$[\"error_description\"]" => {
                Part::Description
            }
            _ => Part::Value,
        };
        return Some((Checked::Part(part), Some(&check.matcher)));
    }
    let value = Checked::Part(Part::Value);
    if let Some(check) = expect.headers.iter().find(|check| check.span == span) {
        return Some((value, Some(&check.matcher)));
    }
    for jwt in &expect.jwt {
        if jwt.span == span {
            return Some((value, None));
        }
        if let Some(claim) = jwt
            .header
            .iter()
            .chain(&jwt.claims)
            .find(|claim| claim.span == span)
        {
            return Some((value, Some(&claim.matcher)));
        }
    }
    if expect
        .schema
        .as_ref()
        .is_some_and(|schema| schema.span == span)
    {
        return Some((value, None));
    }
    // A capture or `poll:` that failed: the answer as a whole was not what the step needs.
    Some((Checked::Whole, None))
}

fn answer_of(response: &RecordedResponse) -> (u16, Option<String>, Option<String>) {
    let text = |name: &str| match &response.body {
        ResponseBody::Json(body) => body.get(name).and_then(Value::as_str).map(str::to_owned),
        _ => None,
    };
    (response.status, text("error"), text("error_description"))
}

impl fmt::Display for Classification {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}", self.class)?;
        for cited in &self.cited {
            let entry = cited.entry;
            let guessed: Vec<&str> = if entry.grade.is_guess() {
                Vec::new()
            } else {
                entry.guessed.iter().map(|part| part.as_str()).collect()
            };
            let guessed = if guessed.is_empty() {
                String::new()
            } else {
                format!("; guessed: {}", guessed.join(", "))
            };
            let source = entry
                .sources
                .first()
                .and_then(|source| source.url())
                .map(|url| format!(": {url}"))
                .unwrap_or_default();
            writeln!(
                f,
                "  rests on evidence `{}` ({}{guessed}){source}",
                entry.id, entry.grade
            )?;
        }
        match self.class {
            FailureClass::Deviates => writeln!(
                f,
                "  hint: the evidence says Auth0 answers as the scenario expects; check the tenant's \
                 settings (docs/staging-tenant.md) before changing the scenario"
            ),
            FailureClass::Calibrate => self.calibration_hint(f),
            FailureClass::Unclassified if self.checks_failed && self.cited.is_empty() => writeln!(
                f,
                "  hint: name the catalogue entries the step's checks rest on (`evidence:` in its \
                 `expect`) so failures on a tenant are told apart"
            ),
            FailureClass::Unclassified => Ok(()),
        }
    }
}

impl Classification {
    /// How to make the mock answer what the tenant answered, for the guessed entries.
    fn calibration_hint(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let answers: Vec<&Entry> = self
            .cited
            .iter()
            .filter(|cited| cited.guess && cited.entry.is_answer())
            .map(|cited| cited.entry)
            .collect();
        match (answers.as_slice(), &self.answer) {
            ([entry], Some((status, error, description))) => {
                let mut fields = vec![format!("status: {status}")];
                if let Some(error) = error {
                    fields.push(format!("error: {}", Value::String(error.clone())));
                }
                if let Some(description) = description {
                    fields.push(format!(
                        "description: {}",
                        Value::String(description.clone())
                    ));
                }
                writeln!(
                    f,
                    "  hint: if the tenant is right, calibrate the mock in its tenant fixture (no rebuild):\n\
                     \x20         evidence_overrides:\n\
                     \x20           {}: {{ {} }}\n\
                     \x20       then make the scenario expect the same, and record the tenant's answer in {CATALOGUE_PATH}",
                    entry.id,
                    fields.join(", ")
                )
            }
            _ => writeln!(
                f,
                "  hint: if the tenant is right, calibrate the mock: `evidence_overrides:` in its tenant \
                 fixture sets an entry's status, error and description; correct other guesses in \
                 {CATALOGUE_PATH}"
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::scenario::{BodyCheck, Located, Matcher, Span};

    fn expect(evidence: &[&str]) -> Expect {
        let at = |line| Span { line, col: 7 };
        Expect {
            status: Some(vec![403]),
            body: ["$.error", "$.error_description", "$.mfa_token"]
                .iter()
                .zip(10..)
                .map(|(path, line)| BodyCheck {
                    path: (*path).to_owned(),
                    matcher: Matcher {
                        rules: Vec::new(),
                        evidence: Vec::new(),
                    },
                    span: at(line),
                })
                .collect(),
            evidence: evidence
                .iter()
                .map(|id| Located {
                    value: (*id).to_owned(),
                    span: at(1),
                })
                .collect(),
            ..Expect::default()
        }
    }

    fn status_problem() -> Problem {
        Problem::new(format!("{STATUS_PROBLEM}403, got 400"))
    }

    fn body_problem(line: usize) -> Problem {
        Problem::at("body: …", Span { line, col: 7 })
    }

    fn answer() -> RecordedResponse {
        RecordedResponse {
            status: 400,
            headers: Vec::new(),
            body: ResponseBody::Json(serde_json::json!({
                "error": "expired_token",
                "error_description": "Code \"expired\""
            })),
        }
    }

    #[test]
    fn a_guessed_status_that_differs_is_a_guess_to_calibrate() {
        // `token.mfa.failures_exhausted`: the text is documented, status and code are guesses.
        let classified = classify(
            &expect(&["token.mfa.failures_exhausted"]),
            &[status_problem(), body_problem(10)],
            Some(&answer()),
        );
        assert_eq!(classified.class, FailureClass::Calibrate);
        let report = classified.to_string();
        assert!(
            report.contains("token.mfa.failures_exhausted: { status: 400, error: \"expired_token\", description: \"Code \\\"expired\\\"\" }"),
            "{report}"
        );
        assert!(report.contains("guessed: status, error"), "{report}");
    }

    #[test]
    fn a_sourced_part_that_differs_means_the_tenant_deviates() {
        // The description of `token.mfa.failures_exhausted` has a source.
        let classified = classify(
            &expect(&["token.mfa.failures_exhausted"]),
            &[status_problem(), body_problem(11)],
            Some(&answer()),
        );
        assert_eq!(classified.class, FailureClass::Deviates);
        assert!(classified.to_string().contains("https://"));
    }

    #[test]
    fn an_inferred_or_weak_entry_is_a_guess_whatever_part_fails() {
        let classified = classify(
            &expect(&["token.missing_parameter"]),
            &[status_problem(), body_problem(11), body_problem(12)],
            Some(&answer()),
        );
        assert_eq!(classified.class, FailureClass::Calibrate);
        let weak = classify(
            &expect(&["token.otp.expired"]),
            &[body_problem(11)],
            Some(&answer()),
        );
        assert_eq!(weak.class, FailureClass::Calibrate);
    }

    #[test]
    fn with_several_entries_a_check_is_a_guess_only_if_every_entry_guessed_it() {
        let classified = classify(
            &expect(&["token.missing_parameter", "token.missing_client_id"]),
            &[body_problem(12)],
            Some(&answer()),
        );
        assert_eq!(classified.class, FailureClass::Deviates);
        assert!(classified.cited[0].guess && !classified.cited[1].guess);
    }

    #[test]
    fn a_failed_claim_is_a_value_check_and_a_failed_capture_the_whole_answer() {
        let mut with_jwt = expect(&["tokens.id.claims"]);
        with_jwt.jwt.push(crate::scenario::JwtCheck {
            path: "$.id_token".into(),
            verify_signature: true,
            not_expired: true,
            header: Vec::new(),
            claims: vec![BodyCheck {
                path: "$.picture".into(),
                matcher: Matcher {
                    rules: Vec::new(),
                    evidence: Vec::new(),
                },
                span: Span { line: 30, col: 9 },
            }],
            span: Span { line: 29, col: 7 },
        });
        // `tokens.id.claims` is recorded with a guessed value: a claim that differs is a guess.
        let claim_problem = Problem::at("id_token claims …", Span { line: 30, col: 9 });
        let claim = classify(&with_jwt, &[claim_problem], None);
        assert_eq!(claim.class, FailureClass::Calibrate);
        // A capture that found nothing is about the whole answer, which a source gives.
        let capture = classify(&with_jwt, &[body_problem(40)], None);
        assert_eq!(capture.class, FailureClass::Deviates);
    }

    #[test]
    fn a_check_naming_its_own_evidence_rests_on_that_alone() {
        // The step rests on a documented entry, but the failing check names an inferred one.
        let mut own = expect(&["token.missing_client_id"]);
        own.body[2].matcher.evidence = vec![Located {
            value: "wire.token_cache_headers".into(),
            span: Span { line: 12, col: 30 },
        }];
        let guess = classify(&own, &[body_problem(12)], None);
        assert_eq!(guess.class, FailureClass::Calibrate);
        assert_eq!(guess.cited.len(), 1);
        assert_eq!(guess.cited[0].entry.id, "wire.token_cache_headers");
        // Beside it, a failing check on the step's documented entry: the tenant deviates.
        let both = classify(&own, &[body_problem(12), status_problem()], None);
        assert_eq!(both.class, FailureClass::Deviates);
        // A failing check that names nothing, on a step that names nothing: unclassified.
        let mut bare = expect(&[]);
        bare.body[2].matcher.evidence = own.body[2].matcher.evidence.clone();
        let partly = classify(&bare, &[body_problem(12), status_problem()], None);
        assert_eq!(partly.class, FailureClass::Unclassified);
    }

    #[test]
    fn no_evidence_or_no_failed_check_stays_unclassified() {
        let unnamed = classify(&expect(&[]), &[status_problem()], None);
        assert_eq!(unnamed.class, FailureClass::Unclassified);
        let unsent = classify(
            &expect(&["token.missing_client_id"]),
            &[Problem::new("cannot connect to `https://tenant`")],
            None,
        );
        assert_eq!(unsent.class, FailureClass::Unclassified);
    }
}
