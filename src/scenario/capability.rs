//! What a target must offer beyond plain HTTP for a scenario to run (`requires:`), named once.
//!
//! A leaf: the model and the references both read it; it imports nothing of the crate.

use std::fmt;

/// Something a target must offer beyond plain HTTP for a scenario to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Capability {
    /// The target lets us read the messages (e-mail, SMS) it sent: needed by `otp` steps.
    Outbox,
    /// The target lets us move its clock forward: needed by `clock` steps.
    Clock,
    /// The target lets a test approve or reject push notifications (the mock's
    /// `/__mock/push/{oob_code}/approve|reject`).
    PushControl,
    /// The target may be driven into its rate limits (a mock emulating them, or a throwaway
    /// tenant): probing them on a shared tenant would lock everyone out.
    RateLimitProbe,
    /// The target's test users may have a failure bucket emptied (ten wrong MFA codes): the mock,
    /// whose tenant starts afresh every trial. On a shared tenant it would lock the account out
    /// for an hour and fail every later run.
    FailureLimitProbe,
    /// The tenant has Customizable MFA (Early Access): authenticators carry `type`,
    /// `mfa_required` carries `mfa_requirements` (from the tenant's declared `features`).
    CustomizableMfa,
    /// The tenant has the voice factor: phones show a `voice` twin.
    VoiceFactor,
    /// The tenant has the e-mail factor: verified e-mails show as e-mail authenticators.
    EmailFactor,
}

impl Capability {
    /// Every capability, in the order they are documented.
    pub const ALL: [Capability; 8] = [
        Capability::Outbox,
        Capability::Clock,
        Capability::PushControl,
        Capability::RateLimitProbe,
        Capability::FailureLimitProbe,
        Capability::CustomizableMfa,
        Capability::VoiceFactor,
        Capability::EmailFactor,
    ];

    /// The name used in YAML (`outbox`, `clock`).
    pub fn as_str(self) -> &'static str {
        match self {
            Capability::Outbox => "outbox",
            Capability::Clock => "clock",
            Capability::PushControl => "push_control",
            Capability::RateLimitProbe => "rate_limit_probe",
            Capability::FailureLimitProbe => "failure_limit_probe",
            Capability::CustomizableMfa => "customizable_mfa",
            Capability::VoiceFactor => "voice_factor",
            Capability::EmailFactor => "email_factor",
        }
    }
}

impl fmt::Display for Capability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
