//! Target profiles: `targets.yaml` at the top of the project, chosen by `CONFORMANCE_TARGET`.
//!
//! A profile says what a target is (the embedded mock or a real tenant), how to reach it, which
//! applications, connections and test accounts it has by role, where its one-time codes can be
//! read, and how fast it may be called. Values may be `${VARIABLE}` references (also read from a
//! `.env` file next to `targets.yaml`); secrets may only be such references, so they live in the
//! environment and never in the repository. Without a `targets.yaml`, `mock` still works.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use super::shard::{Shard, ShardError};
use super::variables::MissingVariables;
use crate::mock::{MfaFactor, Tenant, TenantFeatures};
use crate::scenario::Capability;

/// The default per-request timeout: 30 seconds.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// The default largest response body the harness reads: 8 MiB (8 388 608 bytes). Auth0's answers
/// are a few kilobytes; a target sending more is broken or hostile.
pub const DEFAULT_MAX_RESPONSE_BYTES: u64 = 8 * 1024 * 1024;

/// The profile file's name, at the top of the project.
pub const PROFILE_FILE: &str = "targets.yaml";

/// What to run scenarios against: one profile of `targets.yaml`, resolved.
#[derive(Debug, Clone)]
pub struct TargetConfig {
    /// The profile's name (`mock`, `staging`, …); snapshots live in `snapshots/<name>/`.
    pub name: String,
    /// The mock or a remote tenant.
    pub kind: TargetKind,
    /// How long one HTTP exchange may take (`timeout_seconds`; default 30 s).
    pub timeout: Duration,
    /// Where one-time codes are read, per channel.
    pub otp_sources: OtpSources,
    /// Request budgets per endpoint, shared by every trial of the process.
    pub rate_limits: Vec<RateBudget>,
    /// The longest the harness waits on a `429` before retrying (`max_rate_limit_wait_seconds`;
    /// default 60 s); a longer reset fails the step instead.
    pub max_rate_limit_wait: Duration,
    /// Capabilities the profile declares on top of those its kind implies.
    pub extra_capabilities: Vec<Capability>,
    /// The largest response body read, in bytes (`max_response_bytes`; default 8 MiB, see
    /// [`DEFAULT_MAX_RESPONSE_BYTES`]); a larger one fails the step, naming the size.
    pub max_response_bytes: u64,
    /// Secret values the profile handles, with the placeholders that replace them in output:
    /// the value of every variable that fills a secret key (whatever the variable's name), of
    /// every variable whose name says it holds a credential, and every password inside a URL.
    pub secrets: Vec<(String, String)>,
    /// The tenant features that change the wire: a remote profile's `features:` (default: a
    /// plain, generally available tenant), a mock's from its fixture (and `emulate.features`).
    /// Scenarios needing one declare it (`requires: [customizable_mfa]`, `voice_factor`,
    /// `email_factor`).
    pub features: TenantFeatures,
    /// The shard this process is (`CONFORMANCE_SHARD=k/n`), if the run is split: its own test
    /// accounts and its share of every rate budget.
    pub shard: Option<Shard>,
    /// Extra certificate authorities the HTTP client trusts besides the system's (`ca_file:`, a
    /// PEM file relative to the project; the default value is none), e.g. for a tenant behind a
    /// TLS-inspecting proxy or a rehearsal's self-signed mock. Verification is never turned off.
    pub ca_file: Option<PathBuf>,
    /// The PEM text of `ca_file` (checked when the profile was read), for the HTTP client.
    pub ca_pem: Option<Vec<u8>>,
    /// Where the profile's snapshots live and whose it shares (`snapshots:`).
    pub snapshots: SnapshotSettings,
    /// Where secrets the tenant replaces on use are kept between runs (`rotated_secrets:`).
    pub rotation: RotationStore,
    /// The secrets of the profile's test accounts that the tenant replaces on use (recovery codes).
    pub rotating: Vec<RotatingSecret>,
}

/// The two kinds of target.
#[derive(Debug, Clone)]
pub enum TargetKind {
    /// The embedded mock tenant, started fresh for every trial.
    Mock(MockTarget),
    /// A real tenant reached over the network.
    Remote(RemoteTarget),
}

/// How to start the embedded mock.
#[derive(Debug, Clone, Default)]
pub struct MockTarget {
    /// A tenant fixture; the built-in tenant when `None`.
    pub tenant_file: Option<PathBuf>,
    /// Deliver e-mail over SMTP to this `host:port` (like a tenant's custom SMTP provider), as
    /// well as to the outbox.
    pub smtp: Option<String>,
    /// Emulate Auth0's rate limits: the tenant fixture's `rate_limits:` section, replacing the
    /// fixture's own.
    pub rate_limits: Option<serde_yaml::Value>,
    /// Added latency per answer, in milliseconds (replaces the fixture's `latency_ms`).
    pub latency_ms: Option<u64>,
    /// The tenant features to emulate (replaces the fixture's `features:`).
    pub features: Option<TenantFeatures>,
}

/// A real tenant: its URL, its applications and its test identities.
#[derive(Debug, Clone)]
pub struct RemoteTarget {
    /// `https://your-tenant.eu.auth0.com` (no trailing slash).
    pub base_url: String,
    /// Applications by role (`native`, `confidential`, `no_passwordless`, `email_only`).
    pub clients: BTreeMap<String, ClientCredentials>,
    /// Connection names by kind (`email`, `sms`).
    pub connections: BTreeMap<String, String>,
    /// Test identities by role (`email_user`, `sms_user`, `totp_enrolled`, …).
    pub users: BTreeMap<String, IdentityTemplate>,
}

/// An application's credentials.
#[derive(Debug, Clone)]
pub struct ClientCredentials {
    /// The client id.
    pub client_id: String,
    /// The client secret, for confidential applications.
    pub client_secret: Option<String>,
}

/// A test identity.
#[derive(Debug, Clone, Default)]
pub struct IdentityTemplate {
    /// E-mail address, e.g. `qa@example.com`.
    pub email: Option<String>,
    /// E.164 phone number.
    pub phone_number: Option<String>,
    /// Make the e-mail unique per trial with a `+tag` (so parallel trials and repeated runs never
    /// share a user or a code); existing accounts (MFA test users) keep theirs.
    pub unique_email: bool,
    /// Replace the phone number's last digits per trial (only sensible on the mock, whose
    /// outbox accepts any number).
    pub unique_phone: bool,
    /// Secret facts about the account by name (`totp_secret`, `recovery_code`); redacted in output.
    pub secrets: BTreeMap<String, String>,
}

/// Where one-time codes for each channel come from.
#[derive(Debug, Clone, Default)]
pub struct OtpSources {
    /// For e-mail.
    pub email: Option<OtpSource>,
    /// For SMS.
    pub sms: Option<OtpSource>,
}

/// One way of reading the last message sent to an address.
#[derive(Debug, Clone)]
pub enum OtpSource {
    /// The mock's control API (`GET /__mock/outbox?to=…`).
    MockOutbox,
    /// Poll a mail catcher's or SMS inbox's HTTP API.
    HttpInbox(HttpInbox),
    /// Run a shell command (`{to}` replaced by the address) that prints the message or the code.
    Command(CommandSource),
    /// Ask the person at the terminal (never in CI).
    Prompt,
}

/// A shell command that prints the last message sent to an address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandSource {
    /// The script, run by `sh -c`; `{to}` is replaced by the quoted address and `{channel}` by
    /// `email` or `sms` (also in `$OTP_TO` and `$OTP_CHANNEL`).
    pub script: String,
    /// How long it may run (`timeout_seconds` next to `command`; default: the profile's
    /// `timeout_seconds`, 30 s). Then it is killed with every process it started.
    pub timeout: Duration,
}

/// An HTTP inbox API (Mailpit, MailHog, maildev, an SMS webhook store, …).
#[derive(Debug, Clone)]
pub struct HttpInbox {
    /// URL of the message list; `{to}` is replaced by the URL-encoded recipient.
    pub url: String,
    /// Extra request headers (e.g. an API token; redacted in output).
    pub headers: Vec<(String, String)>,
    /// JSONPath selecting the messages in the answer (default `$[*]`).
    pub messages: String,
    /// JSONPath, relative to a message, of its recipient address(es).
    pub recipient: String,
    /// JSONPath, relative to a message, of the text holding the code or link.
    pub body: String,
    /// JSONPath, relative to a message, of when it was sent (RFC 3339); older messages than the
    /// step are ignored. Without it, the newest message for the recipient is taken.
    pub sent_at: Option<String>,
    /// Regex whose group 1 is the code (default: the first run of 4–10 digits that is not part of a phone number).
    pub code_regex: String,
    /// Regex whose group 1 is the link (default: the first http(s) URL).
    pub link_regex: String,
    /// Time between polls (default 250 ms).
    pub interval: Duration,
    /// Give up after this long (default 30 s).
    pub timeout: Duration,
}

/// A request budget: a token bucket of `burst` requests refilled at `per_second`.
#[derive(Debug, Clone, PartialEq)]
pub struct RateBudget {
    /// The path it applies to (`/passwordless/start`), or `*` for every request.
    pub endpoint: String,
    /// Bucket size.
    pub burst: u32,
    /// Refill rate in requests per second.
    pub per_second: f64,
}

/// The configuration is missing, incomplete or wrong.
#[derive(Debug, thiserror::Error)]
pub enum TargetError {
    /// `targets.yaml` could not be read or parsed.
    #[error("cannot read `{path}`: {message}")]
    File {
        /// The file.
        path: String,
        /// What went wrong (with line and column for YAML errors).
        message: String,
    },
    /// `CONFORMANCE_TARGET` names no profile.
    #[error("no target profile `{name}` in `{path}`\nhint: {hint}")]
    UnknownProfile {
        /// The name asked for.
        name: String,
        /// The profile file.
        path: String,
        /// The known profiles, or a suggestion.
        hint: String,
    },
    /// `${VARIABLE}`s the chosen profile needs are not set: all of them, in the order of the file.
    #[error(
        "target `{target}` needs {count} environment variable{plural} that {verb} not set:\n{missing}\nhint: export them, or put them in .env next to targets.yaml (docs/staging-tenant.md lists every variable)"
    )]
    MissingVariables {
        /// The profile.
        target: String,
        /// How many are missing.
        count: usize,
        /// `s` or nothing.
        plural: &'static str,
        /// `are` or `is`.
        verb: &'static str,
        /// Each variable with the key that refers to it.
        missing: MissingVariables,
    },
    /// `CONFORMANCE_SHARD` is not `k/n`.
    #[error(transparent)]
    Shard(#[from] ShardError),
    /// A secret is written into the file instead of referring to the environment.
    #[error(
        "target `{target}` has a literal secret at `{key}`\nhint: secrets only come from the environment: write `{key_leaf}: ${{SOME_VARIABLE}}` and export it"
    )]
    LiteralSecret {
        /// The profile.
        target: String,
        /// Where.
        key: String,
        /// The last part of `key`.
        key_leaf: String,
    },
    /// The profile does not describe a usable target.
    #[error("target `{target}` in `{path}` is invalid: {message}")]
    Invalid {
        /// The profile.
        target: String,
        /// The profile file.
        path: String,
        /// What is wrong.
        message: String,
    },
}

impl TargetConfig {
    /// The built-in `mock` profile: the embedded mock with its own outbox.
    pub fn builtin_mock() -> TargetConfig {
        TargetConfig {
            name: "mock".to_owned(),
            kind: TargetKind::Mock(MockTarget::default()),
            timeout: DEFAULT_TIMEOUT,
            otp_sources: OtpSources {
                email: Some(OtpSource::MockOutbox),
                sms: Some(OtpSource::MockOutbox),
            },
            rate_limits: Vec::new(),
            max_rate_limit_wait: Duration::from_secs(60),
            extra_capabilities: Vec::new(),
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            secrets: Vec::new(),
            features: Tenant::builtin().features,
            shard: None,
            ca_file: None,
            ca_pem: None,
            snapshots: SnapshotSettings {
                folder: None,
                shared_with: None,
            },
            rotation: RotationStore::default(),
            rotating: Vec::new(),
        }
    }

    /// The folder under `snapshots/` that holds this profile's own snapshots: `snapshots.folder`,
    /// else the profile's name.
    pub fn snapshot_folder(&self) -> &str {
        self.snapshots.folder.as_deref().unwrap_or(&self.name)
    }

    /// What this target offers beyond plain HTTP.
    pub fn capabilities(&self) -> Vec<Capability> {
        let mut capabilities = match self.kind {
            TargetKind::Mock(_) => vec![
                Capability::Clock,
                Capability::PushControl,
                Capability::FailureLimitProbe,
            ],
            TargetKind::Remote(_) => Vec::new(),
        };
        if self.otp_sources.email.is_some() || self.otp_sources.sms.is_some() {
            capabilities.push(Capability::Outbox);
        }
        let features = [
            (self.features.customizable_mfa, Capability::CustomizableMfa),
            (self.features.has(MfaFactor::Voice), Capability::VoiceFactor),
            (self.features.has(MfaFactor::Email), Capability::EmailFactor),
        ];
        for (present, capability) in features {
            if present {
                capabilities.push(capability);
            }
        }
        for extra in &self.extra_capabilities {
            if !capabilities.contains(extra) {
                capabilities.push(*extra);
            }
        }
        capabilities
    }
}

/// A profile that does not describe a usable target.
pub(super) fn invalid(target: &str, message: &str) -> TargetError {
    TargetError::Invalid {
        target: target.to_owned(),
        path: PROFILE_FILE.to_owned(),
        message: message.to_owned(),
    }
}

/// Where a profile's snapshots live, and whose it shares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotSettings {
    /// `snapshots/<folder>/` holds the profile's own snapshots (`snapshots.folder`; the default
    /// value, `None`, is the profile's name: see [`TargetConfig::snapshot_folder`]).
    ///
    /// [`TargetConfig::snapshot_folder`]: TargetConfig::snapshot_folder
    pub folder: Option<String>,
    /// Where the own folder has no snapshot of a scenario, the transcript must equal this
    /// folder's (`snapshots.shared_with`; the default value is none). So a profile whose
    /// transcripts equal the mock's commits only the ones that differ.
    pub shared_with: Option<String>,
}

/// Where the secrets a tenant replaces on use (recovery codes) are kept between runs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RotationStore {
    /// A JSON file, read when a trial opens and written when a secret rotates
    /// (`rotated_secrets.file`, relative to the project; the default value is
    /// `.conformance/rotated-secrets.json`).
    pub file: Option<PathBuf>,
    /// A command run when a secret rotates, e.g. one that updates the CI's secret store
    /// (`rotated_secrets.command`; the default value is none): `{variable}` is replaced by the
    /// variable that seeds the secret (`QA_RECOVERY_CODE`, or its shard's), the new value arrives
    /// on stdin.
    pub command: Option<CommandSource>,
}

/// A secret of an existing test account that the tenant replaces on use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RotatingSecret {
    /// The user role, e.g. `recovery_enrolled`.
    pub role: String,
    /// The field, e.g. `recovery_code`.
    pub field: String,
    /// The variable the first value came from, e.g. `QA_RECOVERY_CODE` (under a shard, its
    /// shard's: `QA_RECOVERY_CODE_2`).
    pub variable: String,
}
