//! The shape of a profile in `targets.yaml`, and how one becomes a [`TargetConfig`].
//!
//! Takes a profile whose `${VARIABLE}`s are resolved (`variables.rs`) and gives the
//! [`TargetConfig`]: the serde shapes of every key (unknown keys are errors), the checks that keep
//! a `mock` profile from naming what only a remote tenant has and the other way round, the OTP
//! sources, the rate budgets (scaled and shared per `extras.rs`), and the recovery codes that
//! rotate. It reads no file but the `ca_file` a profile names, and knows nothing of sessions.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use super::config::RotatingSecret;
use super::config::RotationStore;
use super::config::{
    ClientCredentials, CommandSource, DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_TIMEOUT, HttpInbox,
    IdentityTemplate, MockTarget, OtpSource, OtpSources, RateBudget, RemoteTarget, TargetConfig,
    TargetError, TargetKind, invalid,
};
use super::extras::{self, RotationSpec, SnapshotSpec, adjust_budget};
use super::otp::DEFAULT_CODE_REGEX;
use super::shard::Shard;
use crate::mock::{Tenant, TenantFeatures};
use crate::scenario::Capability;

/// One profile as written. Unknown keys are errors.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ProfileSpec {
    kind: KindSpec,
    #[serde(default)]
    #[allow(dead_code, reason = "documentation for people reading targets.yaml")]
    description: Option<String>,
    base_url: Option<String>,
    tenant: Option<PathBuf>,
    smtp: Option<String>,
    emulate: Option<EmulateSpec>,
    timeout_seconds: Option<u64>,
    #[serde(default)]
    clients: BTreeMap<String, ClientSpec>,
    #[serde(default)]
    connections: BTreeMap<String, String>,
    #[serde(default)]
    users: BTreeMap<String, UserSpec>,
    #[serde(default)]
    otp_sources: OtpSourcesSpec,
    #[serde(default)]
    rate_limits: BTreeMap<String, BudgetSpec>,
    max_rate_limit_wait_seconds: Option<u64>,
    max_response_bytes: Option<u64>,
    #[serde(default)]
    capabilities: Vec<Capability>,
    features: Option<TenantFeatures>,
    ca_file: Option<String>,
    snapshots: Option<SnapshotSpec>,
    rotated_secrets: Option<RotationSpec>,
}

/// What resolving a profile needs besides its own keys.
pub(super) struct ProfileExtras<'a> {
    /// The shard this process is.
    pub shard: Option<Shard>,
    /// `CONFORMANCE_RATE_SCALE`.
    pub rate_scale: f64,
    /// `(key, variable)` for every variable a key read.
    pub used: &'a [(String, String)],
}

/// What a `mock` profile asks the mock to emulate on top of its fixture.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct EmulateSpec {
    rate_limits: Option<serde_yaml::Value>,
    latency_ms: Option<u64>,
    features: Option<TenantFeatures>,
}

#[derive(Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
enum KindSpec {
    Mock,
    Remote,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ClientSpec {
    client_id: String,
    client_secret: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct UserSpec {
    email: Option<String>,
    phone_number: Option<String>,
    #[serde(default)]
    unique_email: bool,
    #[serde(default)]
    unique_phone: bool,
    totp_secret: Option<String>,
    recovery_code: Option<String>,
    /// The phone of an enrolled SMS authenticator (where MFA binding codes are texted).
    mfa_phone_number: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct OtpSourcesSpec {
    email: Option<OtpSourceSpec>,
    sms: Option<OtpSourceSpec>,
}

/// Exactly one of the fields (a struct rather than an enum: serde_yaml reads enums from a parsed
/// tree only in its `!tag` form, which nobody writes by hand).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct OtpSourceSpec {
    mock_outbox: Option<serde_yaml::Mapping>,
    http_inbox: Option<HttpInboxSpec>,
    command: Option<String>,
    prompt: Option<serde_yaml::Mapping>,
    /// How long a `command` may run (default: the profile's `timeout_seconds`).
    timeout_seconds: Option<u64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct HttpInboxSpec {
    url: String,
    #[serde(default)]
    headers: BTreeMap<String, String>,
    messages: Option<String>,
    recipient: String,
    body: String,
    sent_at: Option<String>,
    code_regex: Option<String>,
    link_regex: Option<String>,
    interval_ms: Option<u64>,
    timeout_seconds: Option<u64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct BudgetSpec {
    burst: u32,
    /// `50/hour`, `30/second`, `300/minute`.
    rate: String,
}

impl ProfileSpec {
    pub(super) fn resolve(
        self,
        name: &str,
        root: &Path,
        extra: &ProfileExtras<'_>,
    ) -> Result<TargetConfig, TargetError> {
        let kind = match self.kind {
            KindSpec::Mock => {
                if self.base_url.is_some() || !self.clients.is_empty() {
                    return Err(invalid(
                        name,
                        "a `mock` profile takes its URL and clients from the mock; remove `base_url` and `clients`",
                    ));
                }
                if self.features.is_some() {
                    return Err(invalid(
                        name,
                        "a `mock` profile takes its features from the tenant fixture; use `emulate.features` to change them",
                    ));
                }
                let (rate_limits, latency_ms, features) = match self.emulate {
                    Some(emulate) => (emulate.rate_limits, emulate.latency_ms, emulate.features),
                    None => (None, None, None),
                };
                TargetKind::Mock(MockTarget {
                    tenant_file: self
                        .tenant
                        .and_then(|path| crate::defaults::tenant_file(root, &path)),
                    smtp: self.smtp,
                    rate_limits,
                    latency_ms,
                    features,
                })
            }
            KindSpec::Remote => {
                let base_url = self
                    .base_url
                    .ok_or_else(|| invalid(name, "a `remote` profile needs `base_url`"))?;
                let base_url = base_url.trim_end_matches('/').to_owned();
                if url::Url::parse(&base_url).is_err() {
                    return Err(invalid(
                        name,
                        &format!(
                            "`base_url` `{base_url}` is not an absolute URL such as https://qa.eu.auth0.com"
                        ),
                    ));
                }
                if self.smtp.is_some() || self.tenant.is_some() || self.emulate.is_some() {
                    return Err(invalid(
                        name,
                        "`smtp`, `tenant` and `emulate` only apply to `mock` profiles",
                    ));
                }
                let mut connections = self.connections;
                connections
                    .entry("email".to_owned())
                    .or_insert_with(|| "email".to_owned());
                connections
                    .entry("sms".to_owned())
                    .or_insert_with(|| "sms".to_owned());
                TargetKind::Remote(RemoteTarget {
                    base_url,
                    clients: self
                        .clients
                        .into_iter()
                        .map(|(role, client)| {
                            (
                                role,
                                ClientCredentials {
                                    client_id: client.client_id,
                                    client_secret: client.client_secret,
                                },
                            )
                        })
                        .collect(),
                    connections,
                    users: BTreeMap::new(),
                })
            }
        };
        let users: BTreeMap<String, IdentityTemplate> = self
            .users
            .into_iter()
            .map(|(role, user)| {
                let mut secrets = BTreeMap::new();
                if let Some(secret) = user.totp_secret {
                    secrets.insert("totp_secret".to_owned(), secret);
                }
                if let Some(code) = user.recovery_code {
                    secrets.insert("recovery_code".to_owned(), code);
                }
                if let Some(phone) = user.mfa_phone_number {
                    secrets.insert("mfa_phone_number".to_owned(), phone);
                }
                let identity = IdentityTemplate {
                    email: user.email,
                    phone_number: user.phone_number,
                    unique_email: user.unique_email,
                    unique_phone: user.unique_phone,
                    secrets,
                };
                (role, identity)
            })
            .collect();
        let kind = match kind {
            TargetKind::Remote(mut remote) => {
                remote.users = users;
                TargetKind::Remote(remote)
            }
            mock => {
                if !users.is_empty() {
                    return Err(invalid(
                        name,
                        "a `mock` profile takes its users from the tenant fixture; remove `users`",
                    ));
                }
                mock
            }
        };
        let default_source = match kind {
            TargetKind::Mock(_) => Some(OtpSource::MockOutbox),
            TargetKind::Remote(_) => None,
        };
        let timeout = self
            .timeout_seconds
            .filter(|seconds| *seconds > 0)
            .map_or(DEFAULT_TIMEOUT, Duration::from_secs);
        let otp_sources = OtpSources {
            email: resolve_source(name, self.otp_sources.email, timeout)?
                .or_else(|| default_source.clone()),
            sms: resolve_source(name, self.otp_sources.sms, timeout)?.or(default_source),
        };
        let mut rate_limits = Vec::new();
        for (endpoint, budget) in self.rate_limits {
            let budget = RateBudget {
                per_second: parse_rate(&budget.rate)
                    .ok_or_else(|| invalid(name, &format!("rate `{}` of `{endpoint}` is not like `50/hour`, `30/second` or `300/minute`", budget.rate)))?,
                burst: budget.burst.max(1),
                endpoint,
            };
            rate_limits.push(adjust_budget(budget, extra.rate_scale, extra.shard));
        }
        let (ca_file, ca_pem) = match self.ca_file.filter(|file| !file.trim().is_empty()) {
            Some(file) => {
                let (path, pem) =
                    extras::read_ca_file(&file, root).map_err(|message| invalid(name, &message))?;
                (Some(path), Some(pem))
            }
            None => (None, None),
        };
        let snapshots = extras::snapshot_settings(name, self.snapshots)
            .map_err(|message| invalid(name, &message))?;
        let rotating = rotating_secrets(&kind, extra.used);
        let rotation = match &kind {
            TargetKind::Remote(_) => extras::rotation_store(self.rotated_secrets, root, timeout),
            TargetKind::Mock(_) if self.rotated_secrets.is_some() => {
                return Err(invalid(
                    name,
                    "`rotated_secrets` applies to `remote` profiles (the mock's tenant starts afresh every trial)",
                ));
            }
            TargetKind::Mock(_) => RotationStore::default(),
        };
        let features = match &kind {
            TargetKind::Mock(mock) => mock.features.clone().unwrap_or_else(|| {
                // A fixture that does not load is reported when its session opens; here it
                // only means no feature capability.
                match &mock.tenant_file {
                    Some(path) => Tenant::from_yaml_file(path)
                        .map(|tenant| tenant.features)
                        .unwrap_or_default(),
                    None => Tenant::builtin().features,
                }
            }),
            TargetKind::Remote(_) => self.features.unwrap_or_default(),
        };
        Ok(TargetConfig {
            name: name.to_owned(),
            kind,
            timeout,
            otp_sources,
            rate_limits,
            max_rate_limit_wait: Duration::from_secs(
                self.max_rate_limit_wait_seconds.unwrap_or(60),
            ),
            extra_capabilities: self.capabilities,
            max_response_bytes: self
                .max_response_bytes
                .filter(|bytes| *bytes > 0)
                .unwrap_or(DEFAULT_MAX_RESPONSE_BYTES),
            secrets: Vec::new(),
            features,
            shard: extra.shard,
            ca_file,
            ca_pem,
            snapshots,
            rotation,
            rotating,
        })
    }
}

/// The recovery codes of a remote profile's test accounts, with the variables they come from.
fn rotating_secrets(kind: &TargetKind, used: &[(String, String)]) -> Vec<RotatingSecret> {
    let TargetKind::Remote(remote) = kind else {
        return Vec::new();
    };
    let mut rotating = Vec::new();
    for (role, identity) in &remote.users {
        if !identity.secrets.contains_key("recovery_code") {
            continue;
        }
        let key = format!("users.{role}.recovery_code");
        let variable = used
            .iter()
            .find(|(used_key, _)| *used_key == key)
            .map(|(_, variable)| variable.clone())
            .unwrap_or_default();
        rotating.push(RotatingSecret {
            role: role.clone(),
            field: "recovery_code".to_owned(),
            variable,
        });
    }
    rotating
}

/// `CONFORMANCE_RATE_SCALE`, or why it is unusable.
pub(super) fn rate_scale(name: &str, vars: &BTreeMap<String, String>) -> Result<f64, TargetError> {
    extras::rate_scale(vars).map_err(|message| invalid(name, &message))
}

fn resolve_source(
    name: &str,
    spec: Option<OtpSourceSpec>,
    profile_timeout: Duration,
) -> Result<Option<OtpSource>, TargetError> {
    let Some(spec) = spec else { return Ok(None) };
    if spec.timeout_seconds.is_some() && spec.command.is_none() {
        return Err(invalid(
            name,
            "`timeout_seconds` next to an OTP source applies to `command` only (an `http_inbox` takes its own)",
        ));
    }
    let given = [
        spec.mock_outbox.is_some(),
        spec.http_inbox.is_some(),
        spec.command.is_some(),
        spec.prompt.is_some(),
    ];
    if given.iter().filter(|given| **given).count() != 1 {
        return Err(invalid(
            name,
            "an OTP source is exactly one of `mock_outbox: {}`, `http_inbox: {…}`, `command: \"…\"` or `prompt: {}`",
        ));
    }
    Ok(Some(match spec {
        OtpSourceSpec {
            mock_outbox: Some(_),
            ..
        } => OtpSource::MockOutbox,
        OtpSourceSpec {
            command: Some(script),
            timeout_seconds,
            ..
        } => OtpSource::Command(CommandSource {
            script,
            timeout: timeout_seconds
                .filter(|seconds| *seconds > 0)
                .map_or(profile_timeout, Duration::from_secs),
        }),
        OtpSourceSpec {
            prompt: Some(_), ..
        } => OtpSource::Prompt,
        OtpSourceSpec {
            http_inbox: None, ..
        } => return Ok(None),
        OtpSourceSpec {
            http_inbox: Some(inbox),
            ..
        } => {
            let code_regex = inbox
                .code_regex
                .unwrap_or_else(|| DEFAULT_CODE_REGEX.to_owned());
            let link_regex = inbox
                .link_regex
                .unwrap_or_else(|| r#"(https?://[^\s"'<>]+)"#.to_owned());
            for (what, pattern) in [("code_regex", &code_regex), ("link_regex", &link_regex)] {
                if let Err(error) = regex::Regex::new(pattern) {
                    return Err(invalid(
                        name,
                        &format!("`{what}` is not a valid regex: {error}"),
                    ));
                }
            }
            for (what, path) in [("recipient", &inbox.recipient), ("body", &inbox.body)] {
                if let Err(error) = serde_json_path::JsonPath::parse(path) {
                    return Err(invalid(
                        name,
                        &format!("`{what}` is not a JSONPath: {error}"),
                    ));
                }
            }
            OtpSource::HttpInbox(HttpInbox {
                url: inbox.url,
                // `${TOKEN:-}` left empty means "no such header" (an inbox without authentication).
                headers: inbox
                    .headers
                    .into_iter()
                    .filter(|(_, value)| !value.trim().is_empty())
                    .collect(),
                messages: inbox.messages.unwrap_or_else(|| "$[*]".to_owned()),
                recipient: inbox.recipient,
                body: inbox.body,
                sent_at: inbox.sent_at,
                code_regex,
                link_regex,
                interval: Duration::from_millis(inbox.interval_ms.unwrap_or(250).max(10)),
                timeout: Duration::from_secs(inbox.timeout_seconds.unwrap_or(30).max(1)),
            })
        }
    }))
}

/// `50/hour` → 50 / 3600 requests per second.
fn parse_rate(rate: &str) -> Option<f64> {
    let (count, unit) = rate.split_once('/')?;
    let count: f64 = count.trim().parse().ok()?;
    let seconds = match unit.trim() {
        "s" | "sec" | "second" => 1.0,
        "min" | "minute" => 60.0,
        "h" | "hour" => 3600.0,
        _ => return None,
    };
    (count > 0.0).then_some(count / seconds)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_read_like_auth0_documents_them() {
        assert_eq!(parse_rate("30/second"), Some(30.0));
        assert_eq!(parse_rate("300/minute"), Some(5.0));
        assert_eq!(parse_rate("fast"), None);
    }
}
