//! What a trial leaves behind: the recovery codes it spent, and the sealed tokens it saw.
//!
//! Takes the target, the trial's session and its outcome. A recovery code of an existing test
//! account that a grant spent is followed to the one the tenant gave instead, and kept
//! ([`crate::targets::rotation`]) while the trial still holds the account's lock; on a remote
//! target, the lifetime of every `mfa_token` and `oob_code` it sent is added to the process's
//! tally ([`crate::sealed`]), up to the first step that moved the target's clock. Nothing here
//! prints.

use serde_json::{Map, Value};

use crate::runner::ScenarioOutcome;
use crate::runner::transcript::{Action, RecordedBody, ResponseBody};
use crate::sealed;
use crate::targets::rotation::{self, Exchange};
use crate::targets::{Session, TargetConfig, TargetKind};

/// Keeps the recovery codes the trial spent and measures its sealed tokens; gives why a spent
/// code could not be kept (the next run would fail without it).
pub(super) async fn after_trial(
    target: &TargetConfig,
    session: &Session,
    outcome: &ScenarioOutcome,
) -> Result<(), String> {
    let TargetKind::Remote(remote) = &target.kind else {
        // A trial's own mock runs on a frozen clock: its expiries say nothing about lifetimes.
        return Ok(());
    };
    measure_sealed_tokens(outcome);
    let collected: Vec<(Map<String, Value>, u16, Option<&Value>)> = exchanges(outcome).collect();
    let seen: Vec<Exchange<'_>> = collected
        .iter()
        .map(|(request, status, response)| Exchange {
            request,
            status: *status,
            response: *response,
        })
        .collect();
    for secret in &target.rotating {
        let Some(seed) = remote
            .users
            .get(&secret.role)
            .and_then(|user| user.secrets.get(&secret.field))
        else {
            continue;
        };
        let Some(value) = session
            .context
            .get("users")
            .and_then(|users| users.get(&secret.role))
            .and_then(|user| user.get(&secret.field))
            .and_then(Value::as_str)
        else {
            continue;
        };
        rotation::settle(target, secret, seed, value, &seen)
            .await
            .map_err(|error| error.to_string())?;
    }
    Ok(())
}

/// Every HTTP exchange with a response: the request's fields, the status, the JSON body.
fn exchanges(
    outcome: &ScenarioOutcome,
) -> impl Iterator<Item = (Map<String, Value>, u16, Option<&Value>)> {
    outcome
        .transcript
        .entries
        .iter()
        .filter_map(|entry| match &entry.action {
            Action::Http {
                request,
                response: Some(response),
                ..
            } => {
                let fields = match &request.body {
                    RecordedBody::Json(Value::Object(fields)) => fields.clone(),
                    RecordedBody::Form(pairs) => pairs
                        .iter()
                        .map(|(name, value)| (name.clone(), Value::String(value.clone())))
                        .collect(),
                    RecordedBody::Json(_) | RecordedBody::None => Map::new(),
                };
                let body = match &response.body {
                    ResponseBody::Json(body) => Some(body),
                    _ => None,
                };
                Some((fields, response.status, body))
            }
            _ => None,
        })
}

/// Adds the lifetime of each sealed token the target sent to the tally, until a step moved the
/// target's clock (from then on expiries and `Date` no longer share a clock).
fn measure_sealed_tokens(outcome: &ScenarioOutcome) {
    for entry in &outcome.transcript.entries {
        let (response, date) = match &entry.action {
            Action::Clock { .. } => return,
            Action::Http {
                response: Some(response),
                ..
            } => match (&response.body, response.header_values("date").first()) {
                (ResponseBody::Json(body), Some(date)) => (body, *date),
                _ => continue,
            },
            _ => continue,
        };
        for field in sealed::SEALED_FIELDS {
            if let Some(lifetime) = response
                .get(field)
                .and_then(Value::as_str)
                .and_then(|token| sealed::lifetime(token, date))
            {
                sealed::record(field, lifetime);
            }
        }
    }
}
