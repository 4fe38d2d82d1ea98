//! A live connection to a target for one trial.
//!
//! [`Session::open`] takes a [`TargetConfig`] and a per-trial tag, and opens the session in a few
//! named steps: build the HTTP client; on a mock target, start the mock and read its roster
//! (`GET /__mock/tenant`, typed as [`TenantDescription`], the same type the mock writes); turn
//! the roster (or a remote profile's clients and users) into a [`TargetRoster`]; build the
//! template values and the redactor from it.

use std::time::Duration;

use serde_json::json;

use super::config::{MockTarget, OtpSource, TargetConfig, TargetKind};
use super::otp::{OtpError, OtpMessage, OtpQuery};
use super::sources::read_message;
use super::values::{TargetRoster, template_values};
use crate::mock::{MockServer, Tenant, TenantDescription};
use crate::redact::Redactor;
use crate::scenario::{Capability, Channel};
use crate::template::TemplateContext;

/// Everything one trial needs to talk to its target.
pub struct Session {
    /// The target's name (`mock`, `staging`, …).
    pub target_name: String,
    /// Base URL without a trailing slash.
    pub base_url: String,
    /// The HTTP client of this trial's runtime (redirects are never followed automatically).
    pub http: reqwest::Client,
    /// The template values: `target`, `clients`, `connections`, `users`, `env`, `run`.
    pub context: TemplateContext,
    /// Seeded with the target's secrets and this trial's per-run values.
    pub redactor: Redactor,
    /// What the target offers beyond plain HTTP.
    pub capabilities: Vec<Capability>,
    /// Where one-time codes are read, per channel.
    otp_sources: super::config::OtpSources,
    /// Request budgets of the profile, shared by all trials of the process.
    pub rate_limits: Vec<super::config::RateBudget>,
    /// The longest a `429` may make us wait before retrying.
    pub max_rate_limit_wait: Duration,
    /// How long one HTTP exchange may take.
    pub timeout: Duration,
    /// The largest response body read, in bytes.
    pub max_response_bytes: u64,
    /// The target's JSON Web Key Set, fetched on first use.
    jwks: tokio::sync::OnceCell<Result<jsonwebtoken::jwk::JwkSet, JwksError>>,
    /// Keeps the embedded mock alive for as long as the session.
    _mock: Option<MockServer>,
}

/// The session could not be opened, or a target service failed.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    /// The embedded mock could not start.
    #[error("cannot start the embedded mock tenant: {0}")]
    MockStart(#[source] std::io::Error),
    /// The tenant fixture could not be read.
    #[error(transparent)]
    Tenant(#[from] crate::mock::TenantError),
    /// A mock profile's `smtp:` is not `HOST:PORT`.
    #[error("`smtp` of target `{target}`: {source}")]
    Smtp {
        /// The target's name.
        target: String,
        /// Why the address does not parse.
        source: crate::mock::SmtpAddressError,
    },
    /// A mock profile's `emulate.rate_limits` does not describe Auth0's limits.
    #[error("`emulate.rate_limits` of target `{target}`: {source}")]
    RateLimits {
        /// The target's name.
        target: String,
        /// Why the limits do not parse.
        source: serde_yaml::Error,
    },
    /// The store of rotated secrets (`rotated_secrets:`) could not be read.
    #[error(transparent)]
    Rotation(#[from] super::rotation::RotationError),
    /// The shared TLS configuration could not take the profile's `ca_file`.
    #[error(transparent)]
    Tls(#[from] super::tls::TlsError),
    /// The HTTP client could not be built.
    #[error("cannot build the HTTP client: {0}")]
    Client(#[source] reqwest::Error),
    /// The target has no way to read one-time codes.
    #[error(
        "target `{target}` has no source of one-time codes for {channel}\nhint: add `otp_sources: {{ {channel}: … }}` to its profile in targets.yaml"
    )]
    NoOtpSource {
        /// The target's name.
        target: String,
        /// `email` or `sms`.
        channel: String,
    },
    /// Reading a one-time code failed.
    #[error(transparent)]
    Otp(#[from] OtpError),
    /// The target cannot move its clock.
    #[error(
        "target `{target}` has no controllable clock\nhint: declare `requires: [clock]` so the scenario is skipped on this target"
    )]
    NoClock {
        /// The target's name.
        target: String,
    },
    /// No message reached the address in time.
    #[error(
        "no message was sent to `{to}` within {waited:?}\nhint: check that the step before sent one to the same address"
    )]
    NoMessage {
        /// The address.
        to: String,
        /// How long we waited.
        waited: Duration,
    },
    /// A control request to the mock failed.
    #[error("control request `{what}` failed: {source}")]
    Control {
        /// The request.
        what: &'static str,
        /// What went wrong.
        source: ControlFailure,
    },
}

/// Why a control request to the mock failed.
#[derive(Debug, thiserror::Error)]
pub enum ControlFailure {
    /// The request was not answered, or its answer not read.
    #[error(transparent)]
    Http(#[from] reqwest::Error),
    /// The mock answered with an error status.
    #[error("status {0}")]
    Status(reqwest::StatusCode),
}

/// Why the target's signing keys (`/.well-known/jwks.json`) are not available.
#[derive(Debug, thiserror::Error)]
pub enum JwksError {
    /// The request failed.
    #[error("cannot fetch `{url}`: {source}")]
    Fetch {
        /// The key set's address.
        url: String,
        /// What went wrong.
        source: reqwest::Error,
    },
    /// The target answered with an error status.
    #[error("`{url}` answered {status}")]
    Status {
        /// The key set's address.
        url: String,
        /// The status.
        status: reqwest::StatusCode,
    },
    /// The answer is larger than the profile's `max_response_bytes`.
    #[error("`{url}` sent more than `max_response_bytes` ({limit} bytes)")]
    TooLarge {
        /// The key set's address.
        url: String,
        /// The profile's limit.
        limit: u64,
    },
    /// The answer is not a JSON Web Key Set.
    #[error("`{url}` is not a JSON Web Key Set: {source}")]
    NotJwks {
        /// The key set's address.
        url: String,
        /// Why it does not parse.
        source: serde_json::Error,
    },
}

impl Session {
    /// Opens a session for one trial. `trial_tag` makes this trial's identities unique.
    pub async fn open(config: &TargetConfig, trial_tag: &str) -> Result<Session, SessionError> {
        let http = http_client(config)?;
        let (base_url, roster, mock) = match &config.kind {
            TargetKind::Mock(mock_target) => {
                let mock = start_mock(config, mock_target).await?;
                let base_url = mock.base_url().to_owned();
                let description = read_roster(&http, &base_url).await?;
                let roster = TargetRoster::from_mock(&description.roster);
                (base_url, roster, Some(mock))
            }
            TargetKind::Remote(remote) => {
                let mut roster = TargetRoster::from_remote(remote);
                // A recovery code spent by an earlier run: the one the tenant gave instead.
                for secret in &config.rotating {
                    if let Some(value) = roster
                        .users
                        .get_mut(&secret.role)
                        .and_then(|user| user.secrets.get_mut(&secret.field))
                    {
                        *value = super::rotation::current(config, secret, value)?;
                    }
                }
                (remote.base_url.clone(), roster, None)
            }
        };
        let (context, redactor) = template_values(config, &base_url, &roster, trial_tag);
        Ok(Session {
            target_name: config.name.clone(),
            base_url,
            http,
            context,
            redactor,
            capabilities: config.capabilities(),
            otp_sources: config.otp_sources.clone(),
            rate_limits: config.rate_limits.clone(),
            max_rate_limit_wait: config.max_rate_limit_wait,
            timeout: config.timeout,
            max_response_bytes: config.max_response_bytes,
            jwks: tokio::sync::OnceCell::new(),
            _mock: mock,
        })
    }

    /// The last message sent to `to` on `channel` since `since`, from the target's OTP source.
    pub async fn latest_message(
        &self,
        to: &str,
        channel: Channel,
        since: std::time::SystemTime,
    ) -> Result<OtpMessage, SessionError> {
        let source: Option<&OtpSource> = match channel {
            Channel::Email => self.otp_sources.email.as_ref(),
            Channel::Sms => self.otp_sources.sms.as_ref(),
        };
        let Some(source) = source else {
            return Err(SessionError::NoOtpSource {
                target: self.target_name.clone(),
                channel: channel_name(channel).to_owned(),
            });
        };
        let query = OtpQuery {
            to,
            channel: channel_name(channel),
            since,
        };
        Ok(read_message(source, &query, &self.http, &self.base_url).await?)
    }

    /// Whether the target can read codes sent on `channel`.
    pub fn has_otp_source(&self, channel: Channel) -> bool {
        match channel {
            Channel::Email => self.otp_sources.email.is_some(),
            Channel::Sms => self.otp_sources.sms.is_some(),
        }
    }

    /// The target's signing keys (`/.well-known/jwks.json`), fetched once per session and read
    /// no further than the profile's `max_response_bytes`.
    pub async fn jwks(&self) -> &Result<jsonwebtoken::jwk::JwkSet, JwksError> {
        self.jwks
            .get_or_init(|| async {
                let url = format!("{}/.well-known/jwks.json", self.base_url);
                let fetch = |source| JwksError::Fetch {
                    url: url.clone(),
                    source,
                };
                let mut response = self.http.get(&url).send().await.map_err(fetch)?;
                if !response.status().is_success() {
                    return Err(JwksError::Status {
                        url,
                        status: response.status(),
                    });
                }
                let limit = self.max_response_bytes;
                let mut bytes = Vec::new();
                while let Some(chunk) = response.chunk().await.map_err(fetch)? {
                    if u64::try_from(bytes.len() + chunk.len()).unwrap_or(u64::MAX) > limit {
                        return Err(JwksError::TooLarge { url, limit });
                    }
                    bytes.extend_from_slice(&chunk);
                }
                serde_json::from_slice(&bytes).map_err(|source| JwksError::NotJwks { url, source })
            })
            .await
    }

    /// Waits `seconds` between polling attempts: on a target with a controllable clock by moving
    /// that clock (instantly; returns `true`), elsewhere by sleeping (returns `false`).
    pub async fn wait(&self, seconds: u64) -> Result<bool, SessionError> {
        if self.capabilities.contains(&Capability::Clock) {
            self.advance_clock(seconds).await?;
            Ok(true)
        } else {
            tokio::time::sleep(Duration::from_secs(seconds)).await;
            Ok(false)
        }
    }

    /// Moves the target's clock forward.
    pub async fn advance_clock(&self, seconds: u64) -> Result<(), SessionError> {
        if !self.capabilities.contains(&Capability::Clock) {
            return Err(SessionError::NoClock {
                target: self.target_name.clone(),
            });
        }
        let what = "POST /__mock/clock/advance";
        let response = self
            .http
            .post(format!("{}/__mock/clock/advance", self.base_url))
            .json(&json!({"seconds": seconds}))
            .send()
            .await
            .map_err(|error| control_error(what, error))?;
        if !response.status().is_success() {
            return Err(SessionError::Control {
                what,
                source: ControlFailure::Status(response.status()),
            });
        }
        Ok(())
    }
}

fn channel_name(channel: Channel) -> &'static str {
    match channel {
        Channel::Email => "email",
        Channel::Sms => "sms",
    }
}

fn control_error(what: &'static str, error: reqwest::Error) -> SessionError {
    SessionError::Control {
        what,
        source: ControlFailure::Http(error),
    }
}

/// The tenant fixture a `mock` profile serves (the built-in one or its `tenant:` file, with the
/// profile's `smtp`, `emulate.rate_limits` and `emulate.latency_ms` applied), without starting
/// it; `None` for a remote target. Its [`Tenant::roster`] names the roles the mock will offer.
pub fn mock_tenant(config: &TargetConfig) -> Result<Option<Tenant>, SessionError> {
    match &config.kind {
        TargetKind::Mock(mock_target) => load_tenant(config, mock_target).map(Some),
        TargetKind::Remote(_) => Ok(None),
    }
}

/// The HTTP client of one trial: the profile's timeout, redirects never followed, and the
/// process's shared TLS configuration (`tls.rs`), so no trial loads root certificates. The
/// profile's `ca_file` is trusted besides the system's roots, never instead of checking.
fn http_client(config: &TargetConfig) -> Result<reqwest::Client, SessionError> {
    let tls = super::tls::client_tls_config(config.ca_pem.as_deref())?;
    reqwest::Client::builder()
        .tls_backend_preconfigured(rustls::ClientConfig::clone(&tls))
        .timeout(config.timeout)
        .connect_timeout(config.timeout)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(SessionError::Client)
}

/// The fixture of a `mock` profile with the profile's overrides.
fn load_tenant(config: &TargetConfig, mock_target: &MockTarget) -> Result<Tenant, SessionError> {
    let mut tenant = match &mock_target.tenant_file {
        Some(path) => Tenant::from_yaml_file(path)?,
        None => Tenant::builtin(),
    };
    if let Some(smtp) = &mock_target.smtp {
        let settings = smtp.parse().map_err(|source| SessionError::Smtp {
            target: config.name.clone(),
            source,
        })?;
        tenant.smtp = Some(settings);
    }
    if let Some(limits) = &mock_target.rate_limits {
        let limits =
            serde_yaml::from_value(limits.clone()).map_err(|source| SessionError::RateLimits {
                target: config.name.clone(),
                source,
            })?;
        tenant.rate_limits = Some(limits);
    }
    if let Some(latency_ms) = mock_target.latency_ms {
        tenant.latency_ms = latency_ms;
    }
    if let Some(features) = &mock_target.features {
        tenant.features = features.clone();
    }
    Ok(tenant)
}

/// Starts this trial's own mock tenant on `127.0.0.1:0`.
async fn start_mock(
    config: &TargetConfig,
    mock_target: &MockTarget,
) -> Result<MockServer, SessionError> {
    let tenant = load_tenant(config, mock_target)?;
    MockServer::start(tenant)
        .await
        .map_err(SessionError::MockStart)
}

/// `GET /__mock/tenant`: the running mock's roster, with its users' current factors.
async fn read_roster(
    http: &reqwest::Client,
    base_url: &str,
) -> Result<TenantDescription, SessionError> {
    let what = "GET /__mock/tenant";
    let response = http
        .get(format!("{base_url}/__mock/tenant"))
        .send()
        .await
        .map_err(|error| control_error(what, error))?;
    response
        .json()
        .await
        .map_err(|error| control_error(what, error))
}
