//! `evidence:` in an `expect` (the entries all of a step's checks rest on) or among a matcher's
//! rules (the entries that one check rests on): each a known id of `evidence.yaml` (compiled in),
//! checked here so that a typo is a load error with did-you-mean rather than a classification
//! that silently never happens. Polling conditions (`until`, `stop_if`) name none.

use super::Loader;
use super::step::StepCtx;
use super::text::{At, describe, one_of_and, suggestion};
use super::tree::Yaml;
use crate::evidence::{CATALOGUE_PATH, catalogue};
use crate::scenario::model::{Expect, Located};

impl Loader<'_> {
    /// Reads the `evidence` key of an expectation block: an id or a list of ids (default none).
    /// Only `expect` may name evidence: `until` and `stop_if` decide when polling ends, not what
    /// the tenant must answer.
    pub(super) fn evidence_of(
        &mut self,
        expect: At<'_>,
        ctx: &StepCtx<'_>,
        what: &str,
    ) -> Option<Vec<Located<String>>> {
        let Some(value) = expect.get("evidence") else {
            return Some(Vec::new());
        };
        if what != "`expect`" {
            self.report(
                value.key_mark(),
                format!("`evidence` is not allowed in {what} of {}", ctx.label),
                Some("name the evidence on the step's `expect`, which judges the answer".into()),
            );
            return None;
        }
        self.evidence_ids(value, &format!("in `expect` of {}", ctx.label))
    }

    /// Reads an evidence id or a non-empty list of distinct ids, each a catalogue entry; `place`
    /// says where (`in `expect` of step 2 (…)`, `for `$.error` in …`).
    pub(super) fn evidence_ids(
        &mut self,
        value: At<'_>,
        place: &str,
    ) -> Option<Vec<Located<String>>> {
        let items: Vec<At<'_>> = match &value.node.yaml {
            Yaml::Str(_) => vec![value],
            Yaml::Seq(items) if !items.is_empty() => items
                .iter()
                .map(|item| At {
                    node: &item.value,
                    intro: item.dash,
                })
                .collect(),
            other => {
                self.report(
                    value.value_mark(),
                    format!(
                        "expected an evidence id or a list of them for `evidence` {place}, found {}",
                        describe(other)
                    ),
                    Some("write e.g. `evidence: token.otp.expired` (ids are listed in docs/evidence.md)".into()),
                );
                return None;
            }
        };
        let mut ids: Vec<Located<String>> = Vec::new();
        let mut ok = true;
        for item in items {
            let Some(id) = self.string(item, "an evidence id") else {
                ok = false;
                continue;
            };
            let span = item.value_mark().span;
            if catalogue().lookup(&id).is_none() {
                ok = false;
                self.unknown_evidence(item, &id);
            } else if ids.iter().any(|known| known.value == id) {
                ok = false;
                self.report(
                    item.value_mark(),
                    format!("evidence `{id}` is named twice {place}"),
                    None,
                );
            } else {
                ids.push(Located { value: id, span });
            }
        }
        ok.then_some(ids)
    }

    /// Reports evidence named by the matchers of a polling condition (`what`: `until`, `stop_if`).
    pub(super) fn no_evidence_in(&mut self, condition: &Expect, what: &str, ctx: &StepCtx<'_>) {
        let matchers = condition
            .body
            .iter()
            .map(|check| &check.matcher)
            .chain(condition.headers.iter().map(|check| &check.matcher))
            .chain(
                condition
                    .jwt
                    .iter()
                    .flat_map(|jwt| jwt.header.iter().chain(&jwt.claims))
                    .map(|check| &check.matcher),
            );
        let named: Vec<(crate::diagnostic::Span, usize)> = matchers
            .flat_map(|matcher| matcher.evidence.iter())
            .map(|id| (id.span, id.value.chars().count()))
            .collect();
        for (span, width) in named {
            self.report(
                super::tree::Mark { span, width },
                format!("`evidence` is not allowed in {what} of {}", ctx.label),
                Some("name the evidence on the step's `expect`, which judges the answer".into()),
            );
        }
    }

    fn unknown_evidence(&mut self, at: At<'_>, id: &str) {
        let known: Vec<&str> = catalogue().ids().collect();
        let hint = suggestion(id, &known).unwrap_or_else(|| {
            let area = id.split('.').next().unwrap_or_default();
            match catalogue().entries_of(area).next() {
                Some(example) => format!(
                    "the ids are those of {CATALOGUE_PATH}, listed in docs/evidence.md (e.g. `{}`)",
                    example.id
                ),
                None => {
                    let areas: Vec<&str> =
                        catalogue().areas.iter().map(|area| area.id.as_str()).collect();
                    format!(
                        "an id starts with its area, one of {}; the ids are listed in docs/evidence.md",
                        one_of_and(&areas)
                    )
                }
            }
        });
        self.report(
            at.value_mark(),
            format!("unknown evidence `{id}`: the catalogue has no such entry"),
            Some(hint),
        );
    }
}
