//! Whether the chosen target can run a scenario, decided from what listing can know.
//!
//! Takes a validated [`Scenario`] and the [`TargetConfig`] and gives the reason the target cannot run it,
//! if any: a capability it lacks (`requires:`), a user or client role, a field of one, or a connection that
//! the project defines but this target does not have (an optional role whose variables are not set, a role
//! only the mock's fixture has), or a channel whose one-time codes this target cannot read. Such a scenario
//! is *skipped*, never failed and never passed. A name that no target defines is not a skip but an error,
//! found earlier by [`crate::validate`].

use crate::mock::Tenant;
use crate::scenario::{Capability, Channel, Scenario, Step, StepKind, TemplateName, each_step};
use crate::targets::{TargetConfig, TargetKind};
use crate::template;
use crate::validate::Roster;

/// The roles, fields and connections `target` offers, as its session will see them; an error when its
/// tenant fixture cannot be read (the session will then fail with the same error).
pub(crate) fn target_roster(target: &TargetConfig) -> Result<Roster, String> {
    match &target.kind {
        TargetKind::Mock(mock) => {
            let tenant = match &mock.tenant_file {
                Some(path) => Tenant::from_yaml_file(path).map_err(|error| error.to_string())?,
                None => Tenant::builtin(),
            };
            let mut roster = Roster::of_fixture(&tenant);
            roster.merge(Roster::of_session_identities());
            Ok(roster)
        }
        TargetKind::Remote(remote) => {
            let mut roster = Roster::default();
            for (role, identity) in &remote.users {
                let fields = roster.users.entry(role.clone()).or_default();
                if identity.email.is_some() {
                    fields.insert("email".to_owned());
                }
                if identity.phone_number.is_some() {
                    fields.insert("phone_number".to_owned());
                }
                fields.extend(identity.secrets.keys().cloned());
            }
            for (role, credentials) in &remote.clients {
                let fields = roster.clients.entry(role.clone()).or_default();
                fields.insert("client_id".to_owned());
                if credentials.client_secret.is_some() {
                    fields.insert("client_secret".to_owned());
                }
            }
            roster
                .connections
                .extend(remote.connections.keys().cloned());
            Ok(roster)
        }
    }
}

/// Why `target` cannot run `scenario`, in words for a "skipped" line; `None` when it can (as far as listing
/// can tell). `roster` is what [`target_roster`] gave, `None` when it could not be read.
pub(crate) fn skip_reason(
    scenario: &Scenario,
    target: &TargetConfig,
    roster: Option<&Roster>,
) -> Option<String> {
    let display_path = &scenario.source.display_path;
    let capabilities = target.capabilities();
    let lacking: Vec<String> = scenario
        .requires
        .iter()
        .filter(|needed| !capabilities.contains(needed))
        .map(|capability| format!("`{}`", capability.as_str()))
        .collect();
    if !lacking.is_empty() {
        return Some(format!(
            "target `{}` lacks {} (required by {display_path})",
            target.name,
            lacking.join(", ")
        ));
    }
    if let Some(roster) = roster {
        let missing = missing_names(scenario, roster);
        if !missing.is_empty() {
            return Some(format!(
                "target `{}` has no {} (used by {display_path})",
                target.name,
                missing.join(", ")
            ));
        }
    }
    if scenario.requires.contains(&Capability::Outbox) {
        // The steps of the flows the scenario uses too: an `otp` step of a flow says its `channel:`, or
        // reads an address whose template shows it.
        let mut steps: Vec<&Step> = Vec::new();
        each_step(&scenario.steps, &mut |step, _| steps.push(step));
        for step in steps {
            let StepKind::Otp(otp) = &step.kind else {
                continue;
            };
            let Some(channel) = otp.channel.or_else(|| channel_of(&otp.to)) else {
                continue;
            };
            let source = match channel {
                Channel::Email => &target.otp_sources.email,
                Channel::Sms => &target.otp_sources.sms,
            };
            if source.is_none() {
                return Some(format!(
                    "target `{}` has no source of one-time codes for {} (step `{}` of {display_path})",
                    target.name,
                    channel.as_str(),
                    step.name
                ));
            }
        }
    }
    None
}

/// The roles, fields and connections the scenario names that `roster` lacks, as words.
fn missing_names(scenario: &Scenario, roster: &Roster) -> Vec<String> {
    let mut missing: Vec<String> = Vec::new();
    let mut note = |entry: String| {
        if !missing.contains(&entry) {
            missing.push(entry);
        }
    };
    for used in &scenario.references.names {
        match &used.name {
            TemplateName::Client {
                role: Some(role),
                field,
            } => match roster.clients.get(role) {
                None => note(format!("client role `{role}`")),
                Some(fields) => {
                    if let Some(field) = field.as_ref().filter(|field| !fields.contains(*field)) {
                        note(format!("`{field}` for client role `{role}`"));
                    }
                }
            },
            TemplateName::User {
                role: Some(role),
                field,
            } => match roster.users.get(role) {
                None => note(format!("user role `{role}`")),
                Some(fields) => {
                    if let Some(field) = field.as_ref().filter(|field| !fields.contains(*field)) {
                        note(format!("`{field}` for user role `{role}`"));
                    }
                }
            },
            TemplateName::Connection(Some(kind)) if !roster.connections.contains(kind) => {
                note(format!("connection `{kind}`"));
            }
            _ => {}
        }
    }
    missing
}

/// The channel an `otp` step's address implies, when listing can tell: a literal address (with `@`, e-mail),
/// or a template reading only e-mail addresses or only phone numbers.
fn channel_of(to: &str) -> Option<Channel> {
    if !template::is_template(to) {
        return Some(if to.contains('@') {
            Channel::Email
        } else {
            Channel::Sms
        });
    }
    let names = template::referenced_names(to).ok()?;
    let field_of = |dotted: &str| dotted.rsplit('.').next().map(str::to_owned);
    let fields: Vec<String> = names.iter().filter_map(|name| field_of(name)).collect();
    if !fields.is_empty() && fields.iter().all(|field| field == "email") {
        Some(Channel::Email)
    } else if !fields.is_empty()
        && fields
            .iter()
            .all(|field| field == "phone_number" || field == "mfa_phone_number")
    {
        Some(Channel::Sms)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_channel_of_an_address_is_read_from_its_template() {
        assert_eq!(
            channel_of("{{ users.email_user.email }}"),
            Some(Channel::Email)
        );
        assert_eq!(
            channel_of("{{ users.sms_user.phone_number }}"),
            Some(Channel::Sms)
        );
        assert_eq!(channel_of("a@b.test"), Some(Channel::Email));
        assert_eq!(channel_of("+15550100"), Some(Channel::Sms));
        assert_eq!(channel_of("{{ address }}"), None);
    }
}
