//! What the project defines, read once per run: the schema files, and the roles, fields and connections
//! that any target profile or tenant fixture offers.
//!
//! Takes the project folder and gives a [`ProjectContext`]: the files of `schemas/` (with their JSON), and a
//! [`Roster`] that is the union of every profile of `targets.yaml` (its `users:`, `clients:` and
//! `connections:`, optional entries included), the built-in tenant fixture (`mock/tenant.yaml`), every
//! `tenant:` fixture a mock profile names, and the identities the session invents on the mock. A name in no
//! roster is a typo; a name in the roster but not in the chosen target is a skip. This module reads those
//! files and nothing else; it knows nothing of HTTP or of the chosen target.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_yaml::Value;

use super::FlowLibrary;
use crate::mock::Tenant;
use crate::targets::PROFILE_FILE;
use crate::targets::identities::{CLIENT_FIELDS, SESSION_IDENTITIES, USER_FIELDS};

/// Roles with the fields each offers, and connections, as one target or the whole project knows them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Roster {
    /// User roles → the fields they offer (`email`, `totp_secret`, …).
    pub users: BTreeMap<String, BTreeSet<String>>,
    /// Client roles → the fields they offer (`client_id`, `client_secret`).
    pub clients: BTreeMap<String, BTreeSet<String>>,
    /// Connection kinds (`email`, `sms`).
    pub connections: BTreeSet<String>,
}

impl Roster {
    /// Adds everything `other` offers.
    pub fn merge(&mut self, other: Roster) {
        for (role, fields) in other.users {
            self.users.entry(role).or_default().extend(fields);
        }
        for (role, fields) in other.clients {
            self.clients.entry(role).or_default().extend(fields);
        }
        self.connections.extend(other.connections);
    }

    /// The roles, fields and connections of a tenant fixture, as the session will see them on the mock
    /// (`GET /__mock/tenant`): users with a `role`, their address and the secrets of their factors, clients
    /// by role, connections by strategy. This is the one place that reads the fixture's fields.
    pub fn of_fixture(tenant: &Tenant) -> Roster {
        let mut roster = Roster::default();
        for user in &tenant.users {
            let Some(role) = &user.role else { continue };
            let fields = roster.users.entry(role.clone()).or_default();
            if user.email.is_some() {
                fields.insert("email".to_owned());
            }
            if user.phone_number.is_some() {
                fields.insert("phone_number".to_owned());
            }
            for factor in &user.factors {
                // The same mapping as the session's: a factor's secret becomes a field of the user.
                let field = match factor {
                    crate::mock::Factor::Totp { .. } | crate::mock::Factor::Push { .. } => {
                        "totp_secret"
                    }
                    crate::mock::Factor::RecoveryCode { .. } => "recovery_code",
                    crate::mock::Factor::Sms { .. } => "mfa_phone_number",
                    crate::mock::Factor::Email { .. } => continue,
                };
                fields.insert(field.to_owned());
            }
        }
        for client in &tenant.clients {
            let fields = roster.clients.entry(client.role.clone()).or_default();
            fields.insert("client_id".to_owned());
            if client.client_secret.is_some() {
                fields.insert("client_secret".to_owned());
            }
        }
        for connection in &tenant.connections {
            roster
                .connections
                .insert(connection.strategy.as_str().to_owned());
        }
        roster
    }

    /// The identities the session invents on every mock target.
    pub fn of_session_identities() -> Roster {
        let mut roster = Roster::default();
        for identity in SESSION_IDENTITIES {
            let fields = roster.users.entry(identity.role.to_owned()).or_default();
            if identity.email.is_some() {
                fields.insert("email".to_owned());
            }
            if identity.phone_number.is_some() {
                fields.insert("phone_number".to_owned());
            }
        }
        roster
    }
}

/// What the validation stage checks a scenario against.
#[derive(Debug, Clone, Default)]
pub struct ProjectContext {
    /// The files of `schemas/` by name, with their JSON (`None` for a file that is not JSON); `None` when the
    /// folder could not be read, and schema names are then not checked.
    pub schemas: Option<BTreeMap<String, Option<serde_json::Value>>>,
    /// Every role, field and connection some target offers; `None` when `targets.yaml` or a fixture it names
    /// could not be read, and role names are then not checked (the target's own error says why).
    pub roster: Option<Roster>,
    /// The flows of `flows/`, loaded, validated and linked (empty when there is no such folder).
    pub flows: FlowLibrary,
}

impl ProjectContext {
    /// Reads `root/schemas/`, `root/targets.yaml`, the tenant fixtures its mock profiles name, and the flows
    /// of `root/flows/`.
    pub fn load(root: &Path) -> ProjectContext {
        let mut context = ProjectContext {
            schemas: read_schemas(&root.join("schemas")),
            roster: project_roster(root).ok(),
            flows: FlowLibrary::default(),
        };
        context.flows = FlowLibrary::load(&root.join("flows"), "flows", &context);
        context
    }
}

fn read_schemas(dir: &Path) -> Option<BTreeMap<String, Option<serde_json::Value>>> {
    // The built-in schemas, replaced or joined by the project's own (as `SchemaRegistry` does).
    let mut schemas: BTreeMap<String, Option<serde_json::Value>> = crate::defaults::SCHEMAS
        .iter()
        .map(|(name, text)| ((*name).to_owned(), serde_json::from_str(text).ok()))
        .collect();
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Some(schemas),
        Err(_) => return None,
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.extension().is_none_or(|ext| ext != "json") || !path.is_file() {
            continue;
        }
        let Some(name) = path
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
        else {
            continue;
        };
        let json = std::fs::read(&path)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok());
        schemas.insert(name, json);
    }
    Some(schemas)
}

/// The union of every profile's and fixture's roster; an error when one of them cannot be read.
fn project_roster(root: &Path) -> Result<Roster, String> {
    let mut roster = Roster::of_fixture(&Tenant::builtin());
    roster.merge(Roster::of_session_identities());
    let text = match std::fs::read_to_string(root.join(PROFILE_FILE)) {
        Ok(text) => Some(text),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => None,
        Err(error) => return Err(error.to_string()),
    };
    let profiles = crate::defaults::profiles(text.as_deref()).map_err(|error| error.to_string())?;
    for profile in profiles.values() {
        roster.merge(profile_roster(profile, root)?);
    }
    Ok(roster)
}

/// What one profile of `targets.yaml` offers, read from its text (every entry, optional ones included, with
/// their variables unresolved: only names matter here).
fn profile_roster(profile: &Value, root: &Path) -> Result<Roster, String> {
    if profile.get("kind").and_then(Value::as_str) == Some("mock") {
        let mut roster = match profile.get("tenant").and_then(Value::as_str) {
            Some(file) => match crate::defaults::tenant_file(root, Path::new(file)) {
                Some(path) => Tenant::from_yaml_file(&path)
                    .map(|tenant| Roster::of_fixture(&tenant))
                    .map_err(|error| error.to_string())?,
                None => Roster::of_fixture(&Tenant::builtin()),
            },
            None => Roster::of_fixture(&Tenant::builtin()),
        };
        roster.merge(Roster::of_session_identities());
        return Ok(roster);
    }
    let mut roster = Roster::default();
    let keys = |section: &str| -> Vec<(String, Vec<String>)> {
        let Some(Value::Mapping(entries)) = profile.get(section) else {
            return Vec::new();
        };
        entries
            .iter()
            .filter_map(|(role, entry)| {
                let fields = match entry {
                    Value::Mapping(fields) => fields
                        .keys()
                        .filter_map(Value::as_str)
                        .map(str::to_owned)
                        .collect(),
                    _ => Vec::new(),
                };
                Some((role.as_str()?.to_owned(), fields))
            })
            .collect()
    };
    for (role, fields) in keys("users") {
        let offered = fields
            .into_iter()
            .filter(|field| USER_FIELDS.contains(&field.as_str()));
        roster.users.entry(role).or_default().extend(offered);
    }
    for (role, fields) in keys("clients") {
        let offered = fields
            .into_iter()
            .filter(|field| CLIENT_FIELDS.contains(&field.as_str()));
        roster.clients.entry(role).or_default().extend(offered);
    }
    // A remote profile always offers `email` and `sms`, whatever it names them.
    roster
        .connections
        .extend(["email".to_owned(), "sms".to_owned()]);
    roster
        .connections
        .extend(keys("connections").into_iter().map(|(kind, _)| kind));
    Ok(roster)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_project_roster_unites_profiles_fixtures_and_session_identities() {
        let context = ProjectContext::load(Path::new(env!("CARGO_MANIFEST_DIR")));
        let roster = context.roster.unwrap();
        for role in [
            "email_user",
            "sms_user",
            "totp_enrolled",
            "recovery_enrolled",
        ] {
            assert!(roster.users.contains_key(role), "{role}");
        }
        assert!(roster.users["totp_enrolled"].contains("totp_secret"));
        assert!(roster.users["email_user"].contains("email"));
        for role in ["native", "confidential", "no_passwordless", "email_only"] {
            assert!(roster.clients.contains_key(role), "{role}");
        }
        assert!(roster.clients["confidential"].contains("client_secret"));
        assert!(roster.connections.contains("email"));
        let schemas = context.schemas.unwrap();
        assert!(schemas["token-success.json"].is_some());
    }

    #[test]
    fn a_remote_profile_offers_what_it_names() {
        let profile: Value = serde_yaml::from_str(
            "kind: remote\nusers:\n  kiosk: { email: \"${X}\", totp_secret: \"${Y}\", optional: true }\nclients:\n  web: { client_id: a }\nconnections: { email: passwordless-email }\n",
        )
        .unwrap();
        let roster = profile_roster(&profile, Path::new(".")).unwrap();
        let fields: Vec<&str> = roster.users["kiosk"].iter().map(String::as_str).collect();
        assert_eq!(fields, ["email", "totp_secret"]);
        assert!(roster.clients["web"].contains("client_id"));
        assert!(roster.connections.contains("sms"));
    }
}
