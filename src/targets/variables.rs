//! `${VARIABLE}` references in a profile: resolved all at once, every missing one reported together.
//!
//! Takes a profile as YAML, the variables (the environment, then `.env`) and the [`Shard`], if any;
//! gives the profile with every reference replaced, the variables each key read (so the caller can
//! tell which values are secret), and every reference that could not be resolved, with the key that
//! needs it. Entries of `clients`, `users` and `otp_sources` marked `optional: true` are dropped
//! first when a variable they need is unset. Under a shard, the `users:` entries of existing test
//! accounts read the shard's own variables (`QA_TOTP_SECRET_2` for `${QA_TOTP_SECRET}`), never the
//! shared ones, so two shards never log in as the same account. This module knows nothing of what
//! the keys mean beyond that.

use std::collections::BTreeMap;
use std::fmt;

use serde_yaml::{Mapping, Value};

use super::shard::Shard;

/// A reference nothing could resolve.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingVariable {
    /// The variable, e.g. `AUTH0_DOMAIN` (under a shard, its shard's name: `QA_TOTP_SECRET_2`).
    pub variable: String,
    /// The key that refers to it, e.g. `clients.confidential.client_secret`.
    pub key: String,
}

/// The missing variables of one profile, for an error message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingVariables(pub Vec<MissingVariable>);

impl fmt::Display for MissingVariables {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, missing) in self.0.iter().enumerate() {
            if index > 0 {
                f.write_str("\n")?;
            }
            write!(f, "  `{}` (for `{}`)", missing.variable, missing.key)?;
        }
        Ok(())
    }
}

/// A profile with its references resolved.
pub(super) struct Resolved {
    /// The profile, every string interpolated (a missing reference leaves an empty string).
    pub value: Value,
    /// `(key, variable)` for every variable a key read.
    pub used: Vec<(String, String)>,
    /// What could not be resolved, in the order of the file.
    pub missing: Vec<MissingVariable>,
}

/// Where values come from.
pub(super) struct Lookup<'a> {
    /// The environment, then `.env`.
    pub vars: &'a BTreeMap<String, String>,
    /// The shard this process is, if the run is split.
    pub shard: Option<Shard>,
}

/// Drops unavailable optional entries, then resolves every reference of `profile`.
pub(super) fn resolve(profile: &Value, lookup: &Lookup<'_>) -> Result<Resolved, String> {
    let profile = drop_unavailable_optional_entries(profile, lookup)?;
    let mut resolved = Resolved {
        value: Value::Null,
        used: Vec::new(),
        missing: Vec::new(),
    };
    resolved.value = interpolate_profile(&profile, lookup, &mut resolved);
    Ok(resolved)
}

/// Entries of `clients`, `users` and `otp_sources` marked `optional: true` are dropped when a
/// variable they need is not set (their role is then absent, and scenarios that use it are
/// reported as skipped); the `optional` key itself is removed. Other missing variables stay errors.
fn drop_unavailable_optional_entries(raw: &Value, lookup: &Lookup<'_>) -> Result<Value, String> {
    let mut profile = raw.clone();
    let Value::Mapping(sections) = &mut profile else {
        return Ok(profile);
    };
    for section in ["clients", "users", "otp_sources"] {
        let Some(Value::Mapping(entries)) = sections.get_mut(section) else {
            continue;
        };
        let mut dropped = Vec::new();
        for (role, entry) in entries.iter_mut() {
            let Value::Mapping(fields) = entry else {
                continue;
            };
            let role_name = role.as_str().unwrap_or_default();
            let optional = match fields.remove("optional") {
                None => false,
                Some(Value::Bool(optional)) => optional,
                Some(_) => {
                    return Err(format!(
                        "`{section}.{role_name}.optional` must be true or false"
                    ));
                }
            };
            if !optional {
                continue;
            }
            let mut probe = Resolved {
                value: Value::Null,
                used: Vec::new(),
                missing: Vec::new(),
            };
            let suffix = shard_suffix(section, fields, lookup);
            let key = format!(".{section}.{role_name}");
            interpolate(
                &Value::Mapping(fields.clone()),
                &key,
                lookup,
                suffix,
                &mut probe,
            );
            if !probe.missing.is_empty() {
                dropped.push(role.clone());
            }
        }
        for role in dropped {
            entries.remove(&role);
        }
    }
    Ok(profile)
}

/// The profile's sections, with `users:` entries of existing accounts read through the shard.
fn interpolate_profile(profile: &Value, lookup: &Lookup<'_>, out: &mut Resolved) -> Value {
    let Value::Mapping(sections) = profile else {
        return interpolate(profile, "", lookup, None, out);
    };
    let mut resolved = Mapping::new();
    for (name, section) in sections {
        let section_name = name.as_str().unwrap_or_default();
        let key = format!(".{section_name}");
        let value = match (section_name, section) {
            ("users", Value::Mapping(entries)) => {
                let mut users = Mapping::new();
                for (role, entry) in entries {
                    let entry_key = format!("{key}.{}", role.as_str().unwrap_or_default());
                    let suffix = match entry {
                        Value::Mapping(fields) => shard_suffix("users", fields, lookup),
                        _ => None,
                    };
                    users.insert(
                        role.clone(),
                        interpolate(entry, &entry_key, lookup, suffix, out),
                    );
                }
                Value::Mapping(users)
            }
            _ => interpolate(section, &key, lookup, None, out),
        };
        resolved.insert(name.clone(), value);
    }
    Value::Mapping(resolved)
}

/// The shard whose variables a `users:` entry reads: under a shard, every existing test account
/// (one not made unique per trial) is the shard's own.
fn shard_suffix(section: &str, fields: &Mapping, lookup: &Lookup<'_>) -> Option<Shard> {
    let shard = lookup.shard?;
    (section == "users" && !is_per_trial(fields)).then_some(shard)
}

/// Whether a `users:` entry is an identity made unique per trial (never an existing account).
pub(super) fn is_per_trial(fields: &Mapping) -> bool {
    let flag = |name: &str| fields.get(name).and_then(Value::as_bool).unwrap_or(false);
    let has = |name: &str| fields.contains_key(name);
    let email_ok = !has("email") || flag("unique_email");
    let phone_ok = !has("phone_number") || flag("unique_phone");
    (has("email") || has("phone_number")) && email_ok && phone_ok
}

/// Replaces `${VAR}` and `${VAR:-default}` in every string of `value`.
fn interpolate(
    value: &Value,
    key: &str,
    lookup: &Lookup<'_>,
    shard: Option<Shard>,
    out: &mut Resolved,
) -> Value {
    match value {
        Value::Mapping(map) => {
            let mut resolved = Mapping::new();
            for (name, item) in map {
                let child = format!("{key}.{}", name.as_str().unwrap_or_default());
                resolved.insert(name.clone(), interpolate(item, &child, lookup, shard, out));
            }
            Value::Mapping(resolved)
        }
        Value::Sequence(items) => Value::Sequence(
            items
                .iter()
                .enumerate()
                .map(|(index, item)| {
                    interpolate(item, &format!("{key}[{index}]"), lookup, shard, out)
                })
                .collect(),
        ),
        Value::String(text) => Value::String(interpolate_str(text, key, lookup, shard, out)),
        other => other.clone(),
    }
}

fn interpolate_str(
    text: &str,
    key: &str,
    lookup: &Lookup<'_>,
    shard: Option<Shard>,
    out: &mut Resolved,
) -> String {
    let key = key.trim_start_matches('.');
    let mut resolved = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        resolved.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else {
            resolved.push_str(&rest[start..]);
            return resolved;
        };
        let expression = &after[..end];
        let (variable, default) = match expression.split_once(":-") {
            Some((variable, default)) => (variable.trim(), Some(default)),
            None => (expression.trim(), None),
        };
        let variable = match shard {
            Some(shard) => shard.variable(variable),
            None => variable.to_owned(),
        };
        match (
            lookup.vars.get(&variable).filter(|value| !value.is_empty()),
            default,
        ) {
            (Some(value), _) => {
                resolved.push_str(value);
                out.used.push((key.to_owned(), variable));
            }
            (None, Some(default)) => resolved.push_str(default),
            (None, None) => {
                let missing = MissingVariable {
                    variable,
                    key: key.to_owned(),
                };
                if !out.missing.contains(&missing) {
                    out.missing.push(missing);
                }
            }
        }
        rest = &after[end + 1..];
    }
    resolved.push_str(rest);
    resolved
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
            .collect()
    }

    fn yaml(text: &str) -> Value {
        serde_yaml::from_str(text).unwrap()
    }

    const PROFILE: &str = "base_url: https://${DOMAIN}\nclients:\n  native: { client_id: \"${NATIVE}\" }\nusers:\n  email_user: { email: \"${QA_EMAIL}\", unique_email: true }\n  totp: { email: \"${QA_TOTP_EMAIL}\", totp_secret: \"${QA_TOTP_SECRET}\" }\n";

    #[test]
    fn every_missing_variable_is_reported_with_its_key() {
        let vars = vars(&[("QA_EMAIL", "qa@x.test")]);
        let lookup = Lookup {
            vars: &vars,
            shard: None,
        };
        let resolved = resolve(&yaml(PROFILE), &lookup).unwrap();
        let names: Vec<(&str, &str)> = resolved
            .missing
            .iter()
            .map(|missing| (missing.variable.as_str(), missing.key.as_str()))
            .collect();
        assert_eq!(
            names,
            [
                ("DOMAIN", "base_url"),
                ("NATIVE", "clients.native.client_id"),
                ("QA_TOTP_EMAIL", "users.totp.email"),
                ("QA_TOTP_SECRET", "users.totp.totp_secret"),
            ]
        );
        let listed = MissingVariables(resolved.missing).to_string();
        assert!(listed.contains("`DOMAIN` (for `base_url`)"), "{listed}");
        assert_eq!(listed.lines().count(), 4);
    }

    #[test]
    fn a_shard_reads_its_own_accounts_and_shares_the_rest() {
        let vars = vars(&[
            ("DOMAIN", "qa.test"),
            ("NATIVE", "n"),
            ("QA_EMAIL", "qa@x.test"),
            ("QA_TOTP_EMAIL", "totp@x.test"),
            ("QA_TOTP_SECRET", "SHARED"),
            ("QA_TOTP_EMAIL_2", "totp+2@x.test"),
            ("QA_TOTP_SECRET_2", "SHARD2"),
        ]);
        let shard = Some(Shard { index: 2, count: 2 });
        let resolved = resolve(&yaml(PROFILE), &Lookup { vars: &vars, shard }).unwrap();
        assert!(resolved.missing.is_empty(), "{:?}", resolved.missing);
        let users = &resolved.value["users"];
        assert_eq!(users["totp"]["totp_secret"], "SHARD2");
        assert_eq!(users["totp"]["email"], "totp+2@x.test");
        assert_eq!(
            users["email_user"]["email"], "qa@x.test",
            "per-trial: shared"
        );
        assert_eq!(resolved.value["base_url"], "https://qa.test");
        assert!(resolved.used.contains(&(
            "users.totp.totp_secret".to_owned(),
            "QA_TOTP_SECRET_2".to_owned()
        )));

        // Shard 1 has no accounts of its own: never the shared ones instead.
        let resolved = resolve(
            &yaml(PROFILE),
            &Lookup {
                vars: &vars,
                shard: Some(Shard { index: 1, count: 2 }),
            },
        )
        .unwrap();
        let missing: Vec<&str> = resolved
            .missing
            .iter()
            .map(|missing| missing.variable.as_str())
            .collect();
        assert_eq!(missing, ["QA_TOTP_EMAIL_1", "QA_TOTP_SECRET_1"]);
    }

    #[test]
    fn optional_entries_are_dropped_per_shard_too() {
        let text = "users:\n  totp: { email: \"${QA_TOTP_EMAIL}\", optional: true }\n";
        let vars = vars(&[("QA_TOTP_EMAIL", "shared@x.test")]);
        let resolved = resolve(
            &yaml(text),
            &Lookup {
                vars: &vars,
                shard: Some(Shard { index: 1, count: 2 }),
            },
        )
        .unwrap();
        assert!(resolved.missing.is_empty());
        assert!(resolved.value["users"].get("totp").is_none());
    }

    #[test]
    fn per_trial_identities_are_told_from_existing_accounts() {
        let fields = |text: &str| match yaml(text) {
            Value::Mapping(map) => map,
            _ => unreachable!(),
        };
        assert!(is_per_trial(&fields("{ email: a, unique_email: true }")));
        assert!(is_per_trial(&fields(
            "{ phone_number: a, unique_phone: true }"
        )));
        assert!(!is_per_trial(&fields("{ email: a }")));
        assert!(!is_per_trial(&fields(
            "{ email: a, unique_email: true, phone_number: b }"
        )));
        assert!(!is_per_trial(&fields("{ totp_secret: a }")));
    }
}
