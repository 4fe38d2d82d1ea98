//! What a scenario takes from outside itself, recorded by the loader while it reads the file.
//!
//! The loader parses every template with minijinja's own parser (through [`crate::template`]) and records
//! each name a template reads (`users.email_user.email`, `clients.native.client_id`, `connections.email`,
//! `env.QA_EMAIL`, a capture such as `mfa_token`), the captures each step defines, the schema files and the
//! capabilities the scenario names, each with the place it was written. The validation stage checks these
//! against the project (which roles, schemas and captures exist), the suite decides from them whether a target
//! can run the scenario and which shared test accounts it must lock. Nothing here reads a file or a target.
//!
//! Names can come from three places: the template namespaces, a capture of an earlier step, or the file's
//! [`References::given`] names, visible from the first step on: a scenario's `matrix:` names, a flow's
//! `params:`. A step that uses a flow is recorded in [`References::uses`]; the validation stage adds the
//! flow's captures as definitions of that step once it has found the flow.

use super::capability::Capability;
use crate::diagnostic::{Located, Span};

/// One name a template reads, classified by the namespace it starts with.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum TemplateName {
    /// `users.<role>.<field>`; `role` is `None` for `users` alone or `users[...]`.
    User {
        /// The role (`email_user`, `totp_enrolled`).
        role: Option<String>,
        /// The field read (`email`, `phone_number`, `totp_secret`), when the template names one.
        field: Option<String>,
    },
    /// `clients.<role>.<field>`.
    Client {
        /// The role (`native`, `confidential`).
        role: Option<String>,
        /// The field read (`client_id`, `client_secret`), when the template names one.
        field: Option<String>,
    },
    /// `connections.<kind>` (`email`, `sms`).
    Connection(Option<String>),
    /// `env.<VARIABLE>`.
    Env(Option<String>),
    /// `target.<field>` (`name`, `base_url`).
    Target(Option<String>),
    /// `run.<field>` (`id`).
    Run(Option<String>),
    /// Any other top-level name: a capture of an earlier step, or a name nothing provides.
    Other {
        /// The top-level name.
        name: String,
        /// The attributes read from it, in order (`token.claims.sub` → `claims`, `sub`).
        attributes: Vec<String>,
    },
}

impl TemplateName {
    /// Classifies a dotted name as minijinja reports it (`users.email_user.email`).
    pub fn from_dotted(dotted: &str) -> TemplateName {
        let mut parts = dotted.split('.').map(str::to_owned);
        let root = parts.next().unwrap_or_default();
        let first = parts.next();
        let second = parts.next();
        match root.as_str() {
            "users" => TemplateName::User {
                role: first,
                field: second,
            },
            "clients" => TemplateName::Client {
                role: first,
                field: second,
            },
            "connections" => TemplateName::Connection(first),
            "env" => TemplateName::Env(first),
            "target" => TemplateName::Target(first),
            "run" => TemplateName::Run(first),
            _ => TemplateName::Other {
                name: root,
                attributes: first.into_iter().chain(second).chain(parts).collect(),
            },
        }
    }

    /// The name as written, e.g. `users.email_user.email`.
    pub fn dotted(&self) -> String {
        let (root, rest): (&str, Vec<&str>) = match self {
            TemplateName::User { role, field } => (
                "users",
                role.iter()
                    .chain(field.iter())
                    .map(String::as_str)
                    .collect(),
            ),
            TemplateName::Client { role, field } => (
                "clients",
                role.iter()
                    .chain(field.iter())
                    .map(String::as_str)
                    .collect(),
            ),
            TemplateName::Connection(name) => {
                ("connections", name.iter().map(String::as_str).collect())
            }
            TemplateName::Env(name) => ("env", name.iter().map(String::as_str).collect()),
            TemplateName::Target(name) => ("target", name.iter().map(String::as_str).collect()),
            TemplateName::Run(name) => ("run", name.iter().map(String::as_str).collect()),
            TemplateName::Other { name, attributes } => (
                name.as_str(),
                attributes.iter().map(String::as_str).collect(),
            ),
        };
        std::iter::once(root)
            .chain(rest)
            .collect::<Vec<_>>()
            .join(".")
    }
}

/// Where a name was read: the step (0-based; `None` outside the steps) and the text that holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameUse {
    /// The name.
    pub name: TemplateName,
    /// The 0-based index of the step whose template reads it.
    pub step: usize,
    /// Where the name is written (inside the template when it can be found there, else the whole value).
    pub span: Span,
    /// How many characters the name (or the value) covers on its line.
    pub width: usize,
}

/// A capture a step defines: the name later templates can use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaptureDef {
    /// The capture's name.
    pub name: String,
    /// The 0-based index of the step that defines it.
    pub step: usize,
    /// Where the name is written (for an `otp` step's default `code`, the step's `otp:` key).
    pub span: Span,
}

/// A schema file an expectation names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaUse {
    /// The file name under `schemas/`, and where it is written.
    pub file: Located<String>,
    /// The 0-based index of the step.
    pub step: usize,
}

/// Everything a scenario takes from the target and the project, each with where it is written.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct References {
    /// Every name a template reads, in source order (a name read twice is listed twice).
    pub names: Vec<NameUse>,
    /// Every capture a step defines, in step order.
    pub captures: Vec<CaptureDef>,
    /// Every schema file an `expect`, `until` or `stop_if` names.
    pub schemas: Vec<SchemaUse>,
    /// The capabilities of `requires:`.
    pub capabilities: Vec<Located<Capability>>,
    /// Names defined before the first step: a scenario's matrix names, a flow's params.
    pub given: Vec<Located<String>>,
    /// Every flow a step uses, with the params it gives.
    pub uses: Vec<FlowUse>,
}

/// A step that uses a flow, as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowUse {
    /// The flow's name or path (a matrix template filled in), and where it is written.
    pub flow: Located<String>,
    /// How many characters the `use:` value covers where it is written.
    pub width: usize,
    /// The 0-based index of the step.
    pub step: usize,
    /// Where the step starts (its `-`).
    pub step_span: Span,
    /// The params given in `with:`, with where each name is written.
    pub with: Vec<Located<String>>,
}

impl References {
    /// The user roles the templates name, sorted, without repeats.
    pub fn user_roles(&self) -> Vec<&str> {
        self.roles(|name| match name {
            TemplateName::User {
                role: Some(role), ..
            } => Some(role.as_str()),
            _ => None,
        })
    }

    /// The client roles the templates name, sorted, without repeats.
    pub fn client_roles(&self) -> Vec<&str> {
        self.roles(|name| match name {
            TemplateName::Client {
                role: Some(role), ..
            } => Some(role.as_str()),
            _ => None,
        })
    }

    /// The connections the templates name, sorted, without repeats.
    pub fn connections(&self) -> Vec<&str> {
        self.roles(|name| match name {
            TemplateName::Connection(Some(kind)) => Some(kind.as_str()),
            _ => None,
        })
    }

    /// The environment variables the templates read, sorted, without repeats.
    pub fn env_vars(&self) -> Vec<&str> {
        self.roles(|name| match name {
            TemplateName::Env(Some(variable)) => Some(variable.as_str()),
            _ => None,
        })
    }

    /// The captures visible to step `step` (0-based): those defined by an earlier step, latest first.
    pub fn defined_before(&self, step: usize) -> impl Iterator<Item = &CaptureDef> {
        self.captures
            .iter()
            .rev()
            .filter(move |capture| capture.step < step)
    }

    fn roles<'a>(&'a self, pick: impl Fn(&'a TemplateName) -> Option<&'a str>) -> Vec<&'a str> {
        let mut found: Vec<&str> = self
            .names
            .iter()
            .filter_map(|used| pick(&used.name))
            .collect();
        found.sort_unstable();
        found.dedup();
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dotted_names_are_classified_by_their_namespace() {
        assert_eq!(
            TemplateName::from_dotted("users.email_user.email"),
            TemplateName::User {
                role: Some("email_user".into()),
                field: Some("email".into())
            }
        );
        assert_eq!(
            TemplateName::from_dotted("clients"),
            TemplateName::Client {
                role: None,
                field: None
            }
        );
        assert_eq!(
            TemplateName::from_dotted("token.claims.sub"),
            TemplateName::Other {
                name: "token".into(),
                attributes: vec!["claims".into(), "sub".into()]
            }
        );
        for dotted in ["users.a.b", "connections.email", "env.X", "code", "t.a.b.c"] {
            assert_eq!(TemplateName::from_dotted(dotted).dotted(), dotted);
        }
    }
}
