//! Reading a profile: `targets.yaml` (or the built-in profiles) with the environment and `.env`,
//! every `${VAR}` resolved (all missing ones reported at once), literal secrets refused, each key's
//! shape checked (`profile.rs`), giving a [`TargetConfig`].
//!
//! Above `config.rs` (the types) and the key readers (`profile.rs`, `extras.rs`, `variables.rs`,
//! `shard.rs`); nothing below imports it.

use std::collections::BTreeMap;
use std::path::Path;

use serde_yaml::Value;

use super::config::{PROFILE_FILE, TargetConfig, TargetError, invalid};
use super::extras::{self, SnapshotSpec};
use super::profile::{ProfileExtras, ProfileSpec, rate_scale};
use super::shard::{SHARD_VARIABLE, Shard};
use super::variables::{self, Lookup, MissingVariables};

impl TargetConfig {
    /// Reads the profile `CONFORMANCE_TARGET` names (default `mock`) from `root/targets.yaml`,
    /// with the process environment and `root/.env` (which never overrides the environment).
    pub fn load(root: &Path) -> Result<TargetConfig, TargetError> {
        TargetConfig::load_profile(root, None)
    }

    /// As [`TargetConfig::load`], but profile `name` when one is given (`run --target`), whatever
    /// `CONFORMANCE_TARGET` says.
    pub fn load_profile(root: &Path, name: Option<&str>) -> Result<TargetConfig, TargetError> {
        let vars = environment(root);
        let text = match std::fs::read_to_string(root.join(PROFILE_FILE)) {
            Ok(text) => Some(text),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => None,
            Err(error) => {
                return Err(TargetError::File {
                    path: PROFILE_FILE.to_owned(),
                    message: error.to_string(),
                });
            }
        };
        let name = name
            .map(str::to_owned)
            .or_else(|| {
                vars.get("CONFORMANCE_TARGET")
                    .filter(|name| !name.is_empty())
                    .cloned()
            })
            .unwrap_or_else(|| "mock".to_owned());
        TargetConfig::from_profiles(text.as_deref(), &name, &vars, root)
    }

    /// Reads every profile's `snapshots:` key from `root/targets.yaml` (and the built-in profiles it
    /// does not redefine): the folder each profile
    /// keeps its own snapshots in, mapped to the folder it shares (`snapshots.shared_with`), with
    /// the environment and `root/.env` filling in variables (a missing one leaves its default).
    /// For `compare`, which names folders, not profiles.
    pub fn snapshot_sharing(root: &Path) -> BTreeMap<String, String> {
        let vars = environment(root);
        let text = std::fs::read_to_string(root.join(PROFILE_FILE)).ok();
        let Ok(profiles) = crate::defaults::profiles(text.as_deref()) else {
            return BTreeMap::new();
        };
        let lookup = Lookup {
            vars: &vars,
            shard: None,
        };
        let mut sharing = BTreeMap::new();
        for (name, profile) in &profiles {
            let Some(snapshots) = profile.get("snapshots") else {
                continue;
            };
            let mut only = serde_yaml::Mapping::new();
            only.insert(Value::from("snapshots"), snapshots.clone());
            let Ok(resolved) = variables::resolve(&Value::Mapping(only), &lookup) else {
                continue;
            };
            let spec = serde_yaml::from_value::<SnapshotSpec>(resolved.value["snapshots"].clone());
            if let Ok(settings) = extras::snapshot_settings(name, spec.ok())
                && let Some(shared_with) = settings.shared_with
            {
                sharing.insert(settings.folder.unwrap_or_else(|| name.clone()), shared_with);
            }
        }
        sharing
    }

    /// Resolves profile `name` from the text of a profile file (`None`: there is none).
    pub fn from_profiles(
        text: Option<&str>,
        name: &str,
        vars: &BTreeMap<String, String>,
        root: &Path,
    ) -> Result<TargetConfig, TargetError> {
        let file_error = |message: String| TargetError::File {
            path: PROFILE_FILE.to_owned(),
            message,
        };
        // The project's profiles, then the built-in ones it does not redefine.
        let profiles =
            crate::defaults::profiles(text).map_err(|error| file_error(error.to_string()))?;
        let Some(raw) = profiles.get(name) else {
            if name == "mock" {
                let mut config = TargetConfig::builtin_mock();
                config.secrets = secret_values(&[], &Value::Null, vars);
                return Ok(config);
            }
            let known: Vec<&str> = profiles.keys().map(String::as_str).collect();
            let hint = match crate::diagnostic::did_you_mean(name, &known) {
                Some(close) => format!("did you mean `{close}`?"),
                None if known.is_empty() => format!(
                    "create `{PROFILE_FILE}` with a `{name}:` profile (see targets.yaml in the repository for an example)"
                ),
                None => format!(
                    "the profiles are {}; choose one with CONFORMANCE_TARGET or `run --target`",
                    known
                        .iter()
                        .map(|k| format!("`{k}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            };
            return Err(TargetError::UnknownProfile {
                name: name.to_owned(),
                path: PROFILE_FILE.to_owned(),
                hint,
            });
        };
        if !is_valid_target_name(name) {
            return Err(invalid(
                name,
                "a profile name is letters, digits, `-` and `_` (it names a snapshot folder)",
            ));
        }
        check_secrets_are_references(name, raw, "")?;
        let shard = match vars
            .get(SHARD_VARIABLE)
            .filter(|value| !value.trim().is_empty())
        {
            Some(value) => Some(value.parse::<Shard>()?),
            None => None,
        };
        let lookup = Lookup { vars, shard };
        let resolved =
            variables::resolve(raw, &lookup).map_err(|message| invalid(name, &message))?;
        if !resolved.missing.is_empty() {
            let count = resolved.missing.len();
            return Err(TargetError::MissingVariables {
                target: name.to_owned(),
                count,
                plural: if count == 1 { "" } else { "s" },
                verb: if count == 1 { "is" } else { "are" },
                missing: MissingVariables(resolved.missing),
            });
        }
        let used = resolved.used;
        let resolved = resolved.value;
        let secrets = secret_values(&used, &resolved, vars);
        let spec: ProfileSpec = serde_yaml::from_value(resolved)
            .map_err(|error| invalid(name, &redact_secrets(&error.to_string(), &secrets)))?;
        let extra = ProfileExtras {
            shard,
            rate_scale: rate_scale(name, vars)?,
            used: &used,
        };
        let mut config = spec.resolve(name, root, &extra)?;
        config.secrets = secrets;
        Ok(config)
    }
}

/// The process environment, then `root/.env` (which never overrides it).
fn environment(root: &Path) -> BTreeMap<String, String> {
    let mut vars: BTreeMap<String, String> = std::env::vars().collect();
    if let Ok(entries) = dotenvy::from_path_iter(root.join(".env")) {
        for (name, value) in entries.flatten() {
            vars.entry(name).or_insert(value);
        }
    }
    vars
}

fn is_valid_target_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// The secret values of a profile, before (`raw`) and after (`resolved`) interpolation, with
/// their placeholders (see [`TargetConfig::secrets`]). The rule is where a value is used or what
/// its variable is called, never a list of variable names: `headers.authorization: ${ANYTHING}`
/// makes `ANYTHING` secret, and so does the name `QA_INBOX_AUTHORIZATION` wherever it is used.
fn secret_values(
    used: &[(String, String)],
    resolved: &Value,
    vars: &BTreeMap<String, String>,
) -> Vec<(String, String)> {
    let mut secrets = Vec::new();
    let referenced: Vec<&str> = used
        .iter()
        .filter(|(key, _)| is_secret_key(&format!(".{key}")))
        .map(|(_, variable)| variable.as_str())
        .collect();
    for (name, value) in vars {
        let by_use = referenced.contains(&name.as_str()) && !value.trim().is_empty();
        let by_name = crate::redact::is_credential_name(name) && value.chars().count() >= 8;
        if by_use || by_name {
            secrets.push((value.clone(), format!("[env.{name}]")));
        }
    }
    let mut strings = Vec::new();
    collect_strings(resolved, &mut strings);
    for text in strings
        .iter()
        .map(String::as_str)
        .chain(vars.values().map(String::as_str))
    {
        if let Ok(url) = url::Url::parse(text.trim())
            && let Some(password) = url.password()
        {
            let password = percent_decode(password);
            secrets.push((password, "[credentials]".to_owned()));
        }
    }
    secrets
}

fn collect_strings(value: &Value, found: &mut Vec<String>) {
    match value {
        Value::Mapping(map) => map.values().for_each(|item| collect_strings(item, found)),
        Value::Sequence(items) => items.iter().for_each(|item| collect_strings(item, found)),
        Value::String(text) => found.push(text.clone()),
        _ => {}
    }
}

fn percent_decode(text: &str) -> String {
    url::form_urlencoded::parse(format!("x={}", text.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, value)| value.into_owned())
        .unwrap_or_else(|| text.to_owned())
}

/// A configuration error can quote a resolved value (serde names what it could not read): hide
/// the profile's secrets in it.
fn redact_secrets(message: &str, secrets: &[(String, String)]) -> String {
    let mut redactor = crate::redact::Redactor::new();
    for (value, placeholder) in secrets {
        redactor.add(value, placeholder);
    }
    redactor.redact_message(message)
}

/// Keys whose values are secrets: they must be `${VARIABLE}` references.
fn is_secret_key(key: &str) -> bool {
    key.ends_with(".client_secret")
        || key.ends_with(".totp_secret")
        || key.ends_with(".recovery_code")
        || key.contains(".headers.")
}

fn check_secrets_are_references(target: &str, value: &Value, key: &str) -> Result<(), TargetError> {
    match value {
        Value::Mapping(map) => {
            for (name, item) in map {
                let name = name.as_str().unwrap_or_default();
                check_secrets_are_references(target, item, &format!("{key}.{name}"))?;
            }
            Ok(())
        }
        Value::String(text) if is_secret_key(key) => {
            let trimmed = text.trim();
            let is_reference = trimmed.starts_with("${")
                && trimmed.ends_with('}')
                && trimmed.matches("${").count() == 1;
            if is_reference {
                Ok(())
            } else {
                let key = key.trim_start_matches('.').to_owned();
                Err(TargetError::LiteralSecret {
                    target: target.to_owned(),
                    key_leaf: key.rsplit('.').next().unwrap_or(&key).to_owned(),
                    key,
                })
            }
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::super::config::{DEFAULT_MAX_RESPONSE_BYTES, OtpSource, TargetKind};
    use super::*;
    use crate::scenario::Capability;

    fn vars(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    const PROFILES: &str = r#"
staging:
  kind: remote
  base_url: https://${AUTH0_DOMAIN}/
  timeout_seconds: 5
  clients:
    native: { client_id: "${NATIVE_ID}" }
    confidential: { client_id: web, client_secret: "${WEB_SECRET}" }
  users:
    email_user: { email: qa@example.com, unique_email: true }
    totp_enrolled: { email: totp@example.com, totp_secret: "${TOTP_SECRET}" }
  otp_sources:
    email:
      http_inbox:
        url: "http://127.0.0.1:1080/email"
        recipient: "$.to[*].address"
        body: "$.text"
  rate_limits:
    /passwordless/start: { burst: 50, rate: 50/hour }
"#;

    fn load(name: &str, env: &[(&str, &str)]) -> Result<TargetConfig, TargetError> {
        TargetConfig::from_profiles(Some(PROFILES), name, &vars(env), Path::new("/project"))
    }

    const FULL_ENV: &[(&str, &str)] = &[
        ("AUTH0_DOMAIN", "qa.eu.auth0.com"),
        ("NATIVE_ID", "n1"),
        ("WEB_SECRET", "s3cret"),
        ("TOTP_SECRET", "JBSWY3DPEHPK3PXP"),
    ];

    #[test]
    fn the_mock_needs_no_file() {
        let config = TargetConfig::from_profiles(None, "mock", &vars(&[]), Path::new(".")).unwrap();
        assert_eq!(config.name, "mock");
        assert!(config.capabilities().contains(&Capability::Outbox));
        assert!(config.capabilities().contains(&Capability::Clock));
    }

    #[test]
    fn a_profile_is_resolved_with_its_variables() {
        let config = load("staging", FULL_ENV).unwrap();
        let TargetKind::Remote(remote) = &config.kind else {
            panic!("expected a remote target")
        };
        assert_eq!(remote.base_url, "https://qa.eu.auth0.com");
        assert_eq!(
            remote.clients["confidential"].client_secret.as_deref(),
            Some("s3cret")
        );
        assert_eq!(
            remote.users["totp_enrolled"].secrets["totp_secret"],
            "JBSWY3DPEHPK3PXP"
        );
        assert!(remote.users["email_user"].unique_email);
        assert_eq!(config.timeout, Duration::from_secs(5));
        assert_eq!(config.rate_limits[0].burst, 50);
        assert!((config.rate_limits[0].per_second - 50.0 / 3600.0).abs() < 1e-9);
        assert!(matches!(
            config.otp_sources.email,
            Some(OtpSource::HttpInbox(_))
        ));
        assert!(config.otp_sources.sms.is_none());
        assert_eq!(config.capabilities(), vec![Capability::Outbox]);
    }

    #[test]
    fn features_become_capabilities_of_remote_profiles_and_emulating_mocks() {
        let profiles = "staging:\n  kind: remote\n  base_url: https://qa.example\n  features:\n    customizable_mfa: true\n    factors: [otp, sms, voice]\nmock-ea:\n  kind: mock\n  emulate:\n    features: { factors: [otp, email] }\nbad:\n  kind: mock\n  features: {}\n";
        let load = |name: &str| {
            TargetConfig::from_profiles(Some(profiles), name, &vars(&[]), Path::new("/p"))
        };
        let staging = load("staging").unwrap().capabilities();
        assert!(staging.contains(&Capability::CustomizableMfa));
        assert!(staging.contains(&Capability::VoiceFactor));
        assert!(!staging.contains(&Capability::EmailFactor));
        let mock = load("mock-ea").unwrap().capabilities();
        assert!(mock.contains(&Capability::EmailFactor));
        assert!(!mock.contains(&Capability::CustomizableMfa));
        assert!(
            load("bad")
                .unwrap_err()
                .to_string()
                .contains("emulate.features")
        );
        let builtin = TargetConfig::builtin_mock().capabilities();
        assert!(builtin.contains(&Capability::EmailFactor));
    }

    #[test]
    fn a_missing_variable_is_named_with_its_key() {
        let error = load("staging", &FULL_ENV[..3]).unwrap_err();
        let message = error.to_string();
        assert!(message.contains("`TOTP_SECRET`"), "{message}");
        assert!(
            message.contains("`users.totp_enrolled.totp_secret`"),
            "{message}"
        );
    }

    #[test]
    fn literal_secrets_are_refused() {
        let text = "s:\n  kind: remote\n  base_url: https://x.test\n  clients:\n    web: { client_id: a, client_secret: hunter2 }\n";
        let error =
            TargetConfig::from_profiles(Some(text), "s", &vars(&[]), Path::new(".")).unwrap_err();
        let message = error.to_string();
        assert!(
            message.contains("literal secret at `clients.web.client_secret`"),
            "{message}"
        );
        assert!(!message.contains("hunter2"), "{message}");
    }

    #[test]
    fn unknown_profiles_and_keys_are_clear_errors() {
        let error = load("stagign", FULL_ENV).unwrap_err();
        assert!(
            error.to_string().contains("did you mean `staging`?"),
            "{error}"
        );
        let text = "s:\n  kind: remote\n  base_url: https://x.test\n  base_ulr: y\n";
        let error =
            TargetConfig::from_profiles(Some(text), "s", &vars(&[]), Path::new(".")).unwrap_err();
        assert!(
            error.to_string().contains("unknown field `base_ulr`"),
            "{error}"
        );
    }

    #[test]
    fn optional_entries_without_their_variables_are_dropped() {
        let text = "s:\n  kind: remote\n  base_url: https://qa.test\n  clients:\n    native: { client_id: n }\n    spare: { client_id: \"${SPARE_ID}\", optional: true }\n    needed: { client_id: \"${NEEDED_ID}\" }\n";
        let error =
            TargetConfig::from_profiles(Some(text), "s", &vars(&[]), Path::new(".")).unwrap_err();
        assert!(error.to_string().contains("`NEEDED_ID`"), "{error}");
        let config = TargetConfig::from_profiles(
            Some(text),
            "s",
            &vars(&[("NEEDED_ID", "x")]),
            Path::new("."),
        )
        .unwrap();
        let TargetKind::Remote(remote) = config.kind else {
            panic!("remote")
        };
        assert!(remote.clients.contains_key("native"));
        assert!(!remote.clients.contains_key("spare"));
        let config = TargetConfig::from_profiles(
            Some(text),
            "s",
            &vars(&[("NEEDED_ID", "x"), ("SPARE_ID", "y")]),
            Path::new("."),
        )
        .unwrap();
        let TargetKind::Remote(remote) = config.kind else {
            panic!("remote")
        };
        assert_eq!(remote.clients["spare"].client_id, "y");
    }

    #[test]
    fn defaults_fill_in_for_interpolation() {
        let text = "s:\n  kind: remote\n  base_url: https://${HOST:-qa.test}\n";
        let config =
            TargetConfig::from_profiles(Some(text), "s", &vars(&[]), Path::new(".")).unwrap();
        let TargetKind::Remote(remote) = config.kind else {
            panic!("remote")
        };
        assert_eq!(remote.base_url, "https://qa.test");
    }

    #[test]
    fn secret_variables_are_known_by_use_by_name_and_inside_urls() {
        let text = "s:\n  kind: remote\n  base_url: https://qa.test\n  otp_sources:\n    email:\n      http_inbox:\n        url: \"${INBOX_URL}/api?to={to}\"\n        headers: { x-mailbox: \"${PLAIN_NAME}\" }\n        recipient: $.to\n        body: $.text\n";
        let config = TargetConfig::from_profiles(
            Some(text),
            "s",
            &vars(&[
                ("PLAIN_NAME", "header-value-1"),
                ("INBOX_URL", "https://qa:p%40ss-word@mail.qa.test"),
                ("QA_INBOX_AUTHORIZATION", "Bearer named-token"),
                ("UNRELATED", "not-a-secret-value"),
            ]),
            Path::new("."),
        )
        .unwrap();
        let secrets: Vec<&str> = config
            .secrets
            .iter()
            .map(|(value, _)| value.as_str())
            .collect();
        assert!(secrets.contains(&"header-value-1"), "{secrets:?}");
        assert!(secrets.contains(&"p@ss-word"), "{secrets:?}");
        assert!(secrets.contains(&"Bearer named-token"), "{secrets:?}");
        assert!(!secrets.contains(&"not-a-secret-value"), "{secrets:?}");
    }

    #[test]
    fn a_command_source_takes_its_own_timeout_or_the_profile_s() {
        let text = "s:\n  kind: remote\n  base_url: https://qa.test\n  timeout_seconds: 7\n  otp_sources:\n    email: { command: \"echo 1\" }\n    sms: { command: \"echo 2\", timeout_seconds: 3 }\n";
        let config =
            TargetConfig::from_profiles(Some(text), "s", &vars(&[]), Path::new(".")).unwrap();
        let timeout = |source: &Option<OtpSource>| match source {
            Some(OtpSource::Command(command)) => command.timeout,
            other => panic!("{other:?}"),
        };
        assert_eq!(timeout(&config.otp_sources.email), Duration::from_secs(7));
        assert_eq!(timeout(&config.otp_sources.sms), Duration::from_secs(3));
        assert_eq!(config.max_response_bytes, DEFAULT_MAX_RESPONSE_BYTES);
    }

    #[test]
    fn shards_and_the_rate_scale_change_the_budgets_and_the_accounts() {
        let mut env = FULL_ENV.to_vec();
        env.extend([
            ("CONFORMANCE_SHARD", "2/2"),
            ("CONFORMANCE_RATE_SCALE", "3600"),
            ("TOTP_SECRET_2", "SHARDTWOSECRET22"),
        ]);
        let config = load("staging", &env).unwrap();
        assert_eq!(config.shard, Some(Shard { index: 2, count: 2 }));
        assert_eq!(config.rate_limits[0].burst, 25);
        assert!((config.rate_limits[0].per_second - 25.0).abs() < 1e-9);
        let TargetKind::Remote(remote) = &config.kind else {
            panic!("remote")
        };
        assert_eq!(
            remote.users["totp_enrolled"].secrets["totp_secret"],
            "SHARDTWOSECRET22"
        );
        let mut env = FULL_ENV.to_vec();
        env.push(("CONFORMANCE_SHARD", "3/2"));
        let error = load("staging", &env).unwrap_err().to_string();
        assert!(error.contains("`CONFORMANCE_SHARD` is `3/2`"), "{error}");
    }

    #[test]
    fn snapshot_folders_ca_files_rotation_stores_and_empty_headers() {
        let text = "s:\n  kind: remote\n  base_url: https://qa.test\n  snapshots: { folder: \"${FOLDER:-s}\", shared_with: mock }\n  users:\n    r: { email: r@x.test, recovery_code: \"${CODE}\" }\n  otp_sources:\n    email:\n      http_inbox: { url: \"http://x.test\", recipient: $.to, body: $.text, headers: { authorization: \"${TOKEN:-}\" } }\n";
        let root = Path::new("/project");
        let env = vars(&[("CODE", "RECOVERY1"), ("FOLDER", "s-rehearsal")]);
        let config = TargetConfig::from_profiles(Some(text), "s", &env, root).unwrap();
        assert_eq!(config.snapshot_folder(), "s-rehearsal");
        assert_eq!(config.snapshots.shared_with.as_deref(), Some("mock"));
        assert_eq!(
            config.rotation.file.as_deref(),
            Some(Path::new("/project/.conformance/rotated-secrets.json"))
        );
        assert_eq!(config.rotating.len(), 1);
        assert_eq!(config.rotating[0].variable, "CODE");
        let Some(OtpSource::HttpInbox(inbox)) = &config.otp_sources.email else {
            panic!("an inbox")
        };
        assert!(inbox.headers.is_empty(), "an empty header is no header");
        assert_eq!(
            TargetConfig::from_profiles(Some(text), "s", &vars(&[("CODE", "x")]), root)
                .unwrap()
                .snapshot_folder(),
            "s"
        );

        let with_ca =
            "s:\n  kind: remote\n  base_url: https://qa.test\n  ca_file: /no/such/ca.pem\n";
        let error = TargetConfig::from_profiles(Some(with_ca), "s", &vars(&[]), root)
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("cannot read `ca_file` `/no/such/ca.pem`"),
            "{error}"
        );
        let mock = "m:\n  kind: mock\n  rotated_secrets: { file: x.json }\n";
        let error = TargetConfig::from_profiles(Some(mock), "m", &vars(&[]), root)
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("`rotated_secrets` applies to `remote`"),
            "{error}"
        );
    }
}
