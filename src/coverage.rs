//! The coverage table: which scenarios check each behaviour of the evidence catalogue.
//!
//! Takes the [`Catalogue`] and loaded scenarios, whose steps name the entries their checks rest on
//! (`evidence:` in an `expect`, or beside one check's rules), and gives a [`Coverage`]: for each entry, the scenario steps that
//! check it, and the entries none checks (the gaps), grouped by grade so that the gaps in
//! recorded and documented behaviour stand out. [`Coverage::markdown`] writes
//! `docs/coverage.md`; a unit test compares the committed file with it and fails when it is stale
//! (`UPDATE_DOCS=1 cargo test --lib coverage` writes it anew). Some behaviours cannot be a scenario
//! (a body the scenario language cannot send, a failure no request causes):
//! [`NOT_AS_SCENARIOS`] says why and where they are tested instead. Nothing here reads files but
//! [`load_scenarios`], or prints.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use crate::evidence::{CATALOGUE_PATH, Catalogue, Entry, Grade};
use crate::scenario::{Expect, Located, Scenario, Step, StepKind, UseStep};
use crate::suite::discover;
use crate::validate::{ProjectContext, check_variant};

/// Where the generated table lives, relative to the repository.
pub const DOC_PATH: &str = "docs/coverage.md";

/// Entries no scenario checks on purpose, with why and where they are tested instead.
pub const NOT_AS_SCENARIOS: &[(&str, &str)] = &[
    (
        "start.signup_disabled",
        "needs a connection with sign-ups disabled, which neither the shipped fixture nor a shared staging tenant has; tested on the mock in `tests/it/mock_passwordless.rs`",
    ),
    (
        "wire.body.malformed_json",
        "a scenario sends only well-formed JSON or forms; tested on the mock in `tests/it/mock_passwordless.rs` and `tests/it/mock_token.rs`",
    ),
    (
        "wire.body.not_an_object",
        "a scenario's `json:` body is always an object; tested on the mock in `tests/it/mock_passwordless.rs`",
    ),
    (
        "wire.body.unsupported_content_type",
        "a scenario sends only JSON or forms; tested on the mock in `tests/it/mock_passwordless.rs` and `tests/it/mock_token.rs`",
    ),
    (
        "wire.body.too_large",
        "a limit of the mock's own (Auth0's is unknown); tested on the mock in `tests/it/mock_passwordless.rs` and `tests/it/mock_token.rs`",
    ),
    (
        "wire.body.unreadable",
        "a client that stops sending mid-body cannot be written as a scenario (and the mock's answer to it is not tested end to end either)",
    ),
    (
        "wire.smtp_failure",
        "needs an SMTP server that refuses the message; tested in `tests/it/mock_smtp.rs`",
    ),
    (
        "wire.server_error",
        "no request causes it: the mock never answers 5xx (the property tests in `tests/it/mock_properties.rs` check that)",
    ),
];

/// A scenario step that checks an entry.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Use {
    /// The scenario's path under `scenarios/` (its trial name).
    pub scenario: String,
    /// The step's name.
    pub step: String,
}

/// For every entry of a catalogue, the scenario steps that check it.
#[derive(Debug)]
pub struct Coverage<'c> {
    catalogue: &'c Catalogue,
    uses: BTreeMap<&'c str, Vec<Use>>,
}

impl<'c> Coverage<'c> {
    /// The coverage of `catalogue` by `scenarios` (each with its path under `scenarios/`).
    pub fn new<'s>(
        catalogue: &'c Catalogue,
        scenarios: impl IntoIterator<Item = (&'s str, &'s Scenario)>,
    ) -> Coverage<'c> {
        let mut uses: BTreeMap<&'c str, Vec<Use>> = catalogue
            .entries
            .iter()
            .map(|entry| (entry.id.as_str(), Vec::new()))
            .collect();
        for (scenario_id, scenario) in scenarios {
            // The steps of the flows a step uses too, named as reports name them (`log in › …`).
            for (name, step) in named_steps(&scenario.steps, "") {
                let StepKind::Http(http) = &step.kind else {
                    continue;
                };
                for id in named_evidence(&http.expect) {
                    if let Some(found) = uses.get_mut(id.value.as_str()) {
                        found.push(Use {
                            scenario: scenario_id.to_owned(),
                            step: name.clone(),
                        });
                    }
                }
            }
        }
        for found in uses.values_mut() {
            found.sort();
            found.dedup();
        }
        Coverage { catalogue, uses }
    }

    /// The steps that check entry `id` (empty for a gap or an unknown id).
    pub fn uses(&self, id: &str) -> &[Use] {
        self.uses.get(id).map(Vec::as_slice).unwrap_or_default()
    }

    /// The entries no scenario checks, in catalogue order.
    pub fn gaps(&self) -> impl Iterator<Item = &'c Entry> + '_ {
        self.catalogue
            .entries
            .iter()
            .filter(|entry| self.uses(&entry.id).is_empty())
    }

    /// The whole `docs/coverage.md`.
    pub fn markdown(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "# Coverage: which scenarios check each behaviour the mock imitates\n"
        );
        let _ = writeln!(
            out,
            "<!-- Generated from `{CATALOGUE_PATH}` and the `evidence:` keys of `scenarios/` by \
             `src/coverage.rs`. Do not edit: run `UPDATE_DOCS=1 cargo test --lib coverage`. -->\n"
        );
        let _ = writeln!(
            out,
            "A scenario step names the catalogue entries its checks rest on (`evidence:` in its \
             `expect`, see [evidence.md](evidence.md)). An entry no step names is a gap: the mock \
             imitates it, but no run would notice a tenant (or the mock) answering otherwise. \
             Against a real tenant the same names tell a tenant that deviates from the evidence \
             from a guess of the mock's to calibrate.\n"
        );
        self.write_summary(&mut out);
        self.write_gaps(&mut out);
        let _ = writeln!(out, "## Every entry, by grade\n");
        for grade in Grade::ALL {
            let entries: Vec<&Entry> = self.of_grade(grade).collect();
            if entries.is_empty() {
                continue;
            }
            let _ = writeln!(
                out,
                "### {}\n\n| entry | what | checked by |\n|---|---|---|",
                capitalised(grade.as_str())
            );
            for entry in entries {
                let checked_by = match self.uses(&entry.id) {
                    [] => "**gap**".to_owned(),
                    uses => uses
                        .iter()
                        .map(|found| {
                            // A combination of a matrix links to its file.
                            let file = crate::scenario::split_trial_id(&found.scenario).0;
                            format!(
                                "[{}](../scenarios/{file}) ({})",
                                found.scenario,
                                cell(&found.step)
                            )
                        })
                        .collect::<Vec<_>>()
                        .join("<br>"),
                };
                let _ = writeln!(
                    out,
                    "| {} | {} | {checked_by} |",
                    entry_link(entry),
                    cell(&entry.what)
                );
            }
            let _ = writeln!(out);
        }
        out
    }

    fn of_grade(&self, grade: Grade) -> impl Iterator<Item = &'c Entry> + '_ {
        self.catalogue
            .entries
            .iter()
            .filter(move |entry| entry.grade == grade)
    }

    fn write_summary(&self, out: &mut String) {
        let _ = writeln!(
            out,
            "## Summary\n\n| grade | entries | checked by a scenario | gaps |\n|---|---|---|---|"
        );
        let (mut all, mut all_checked) = (0, 0);
        for grade in Grade::ALL {
            let entries = self.of_grade(grade).count();
            let checked = self
                .of_grade(grade)
                .filter(|entry| !self.uses(&entry.id).is_empty())
                .count();
            all += entries;
            all_checked += checked;
            let _ = writeln!(
                out,
                "| {grade} | {entries} | {checked} | {} |",
                entries - checked
            );
        }
        let _ = writeln!(
            out,
            "| **all** | {all} | {all_checked} | {} |\n",
            all - all_checked
        );
    }

    fn write_gaps(&self, out: &mut String) {
        let _ = writeln!(out, "## Gaps\n");
        let gaps: Vec<&Entry> = self.gaps().collect();
        if gaps.is_empty() {
            let _ = writeln!(out, "None: every entry is checked by a scenario.\n");
            return;
        }
        let _ = writeln!(
            out,
            "Strongest grade first: a gap in recorded or documented behaviour matters most.\n\n\
             | entry | grade | what | why no scenario |\n|---|---|---|---|"
        );
        let mut gaps = gaps;
        gaps.sort_by_key(|entry| entry.grade);
        for entry in gaps {
            let why = NOT_AS_SCENARIOS
                .iter()
                .find(|(id, _)| *id == entry.id)
                .map_or("not written yet", |(_, why)| why);
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} |",
                entry_link(entry),
                entry.grade,
                cell(&entry.what),
                cell(why)
            );
        }
        let _ = writeln!(out);
    }
}

/// Every trial under `scenarios_dir` that loads and validates (each combination of a matrix, its flows
/// linked), with its name; files that do not load are left out (their own trials fail with the reason).
/// The project is the folder holding `scenarios_dir`.
pub fn load_scenarios(scenarios_dir: &Path) -> std::io::Result<Vec<(String, Scenario)>> {
    let project = ProjectContext::load(scenarios_dir.parent().unwrap_or(scenarios_dir));
    let mut scenarios = Vec::new();
    for file in discover(scenarios_dir)? {
        if let Ok(checked) =
            check_variant(&file.path, &file.display_path(), file.variant(), &project)
        {
            scenarios.push((file.id, checked.scenario));
        }
    }
    Ok(scenarios)
}

/// The steps of `steps` and, in place, of the flows they use, each with its full name.
fn named_steps<'s>(steps: &'s [Step], prefix: &str) -> Vec<(String, &'s Step)> {
    let mut named = Vec::new();
    for step in steps {
        let name = format!("{prefix}{}", step.name);
        if let StepKind::Use(UseStep {
            resolved: Some(flow),
            ..
        }) = &step.kind
        {
            named.extend(named_steps(&flow.steps, &format!("{name} › ")));
        } else {
            named.push((name, step));
        }
    }
    named
}

/// The ids an `expect` names, for all its checks and for single ones.
fn named_evidence(expect: &Expect) -> impl Iterator<Item = &Located<String>> {
    let matchers = expect
        .body
        .iter()
        .chain(
            expect
                .jwt
                .iter()
                .flat_map(|jwt| jwt.header.iter().chain(&jwt.claims)),
        )
        .map(|check| &check.matcher)
        .chain(expect.headers.iter().map(|check| &check.matcher));
    expect
        .evidence
        .iter()
        .chain(matchers.flat_map(|matcher| matcher.evidence.iter()))
}

fn entry_link(entry: &Entry) -> String {
    let anchor: String = entry.id.chars().filter(|c| *c != '.').collect();
    format!("[`{}`](evidence.md#{anchor})", entry.id)
}

/// Text made safe for a table cell.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::evidence::catalogue;

    fn repository() -> &'static Path {
        Path::new(env!("CARGO_MANIFEST_DIR"))
    }

    fn shipped() -> Vec<(String, Scenario)> {
        load_scenarios(&repository().join("scenarios")).unwrap()
    }

    #[test]
    fn docs_coverage_md_is_generated_from_the_catalogue_and_the_scenarios() {
        let scenarios = shipped();
        let coverage = Coverage::new(
            catalogue(),
            scenarios
                .iter()
                .map(|(id, scenario)| (id.as_str(), scenario)),
        );
        let expected = coverage.markdown();
        let path = repository().join(DOC_PATH);
        if std::env::var_os("UPDATE_DOCS").is_some() {
            std::fs::write(&path, &expected).unwrap();
            return;
        }
        let found = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            found == expected,
            "{DOC_PATH} is stale: run `UPDATE_DOCS=1 cargo test --lib coverage` and commit it"
        );
    }

    #[test]
    fn every_recorded_or_documented_entry_is_checked_by_a_scenario() {
        let scenarios = shipped();
        let coverage = Coverage::new(
            catalogue(),
            scenarios
                .iter()
                .map(|(id, scenario)| (id.as_str(), scenario)),
        );
        let gaps: Vec<&str> = coverage
            .gaps()
            .filter(|entry| matches!(entry.grade, Grade::Recorded | Grade::Documented))
            .map(|entry| entry.id.as_str())
            .collect();
        assert!(gaps.is_empty(), "recorded or documented gaps: {gaps:?}");
    }

    #[test]
    fn every_error_scenario_names_the_evidence_it_exercises() {
        let unnamed: Vec<String> = shipped()
            .into_iter()
            .filter(|(id, _)| id.starts_with("errors/"))
            .filter(|(_, scenario)| {
                !scenario.steps.iter().any(|step| {
                    matches!(&step.kind, StepKind::Http(http) if !http.expect.evidence.is_empty())
                })
            })
            .map(|(id, _)| id)
            .collect();
        assert!(unnamed.is_empty(), "no `evidence:` in {unnamed:?}");
    }

    #[test]
    fn the_reasons_name_real_gaps() {
        let scenarios = shipped();
        let coverage = Coverage::new(
            catalogue(),
            scenarios
                .iter()
                .map(|(id, scenario)| (id.as_str(), scenario)),
        );
        for (id, _) in NOT_AS_SCENARIOS {
            assert!(catalogue().lookup(id).is_some(), "`{id}` is not an entry");
            assert!(
                coverage.uses(id).is_empty(),
                "`{id}` has a scenario now: drop its reason"
            );
        }
    }

    #[test]
    fn a_step_naming_an_entry_covers_it_once_and_others_stay_gaps() {
        let scenario = crate::parse_scenario(
            "name: n\nsteps:\n  - name: one\n    request: { method: GET, path: /a }\n    expect:\n      evidence: [token.otp.expired, codes.lifetime]\n  - name: two\n    request: { method: GET, path: /b }\n    expect:\n      evidence: token.otp.expired\n      headers:\n        pragma: { equals: no-cache, evidence: wire.token_cache_headers }\n",
            "s.yaml",
        )
        .unwrap();
        let coverage = Coverage::new(catalogue(), [("x/s.yaml", &scenario)]);
        assert_eq!(
            coverage.uses("token.otp.expired"),
            [
                Use {
                    scenario: "x/s.yaml".into(),
                    step: "one".into()
                },
                Use {
                    scenario: "x/s.yaml".into(),
                    step: "two".into()
                }
            ]
        );
        assert_eq!(coverage.uses("codes.lifetime").len(), 1);
        assert_eq!(coverage.uses("wire.token_cache_headers").len(), 1);
        assert_eq!(coverage.gaps().count(), catalogue().entries.len() - 3);
        let page = coverage.markdown();
        assert!(page.contains("| [`token.otp.expired`](evidence.md#tokenotpexpired) | "));
        assert!(page.contains(
            "[x/s.yaml](../scenarios/x/s.yaml) (one)<br>[x/s.yaml](../scenarios/x/s.yaml) (two)"
        ));
    }
}
