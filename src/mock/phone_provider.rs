//! Delivering the mock's text messages to a webhook, like a tenant's custom phone provider.
//!
//! A real tenant with a custom phone provider runs an Action on the `custom-phone-provider`
//! trigger for every text message; the Action that `docs/staging-tenant.md` gives POSTs the
//! message's `recipient` and text (`event.notification.recipient` and `.as_text`) as JSON to a
//! webhook inbox, which the harness then reads. Takes the tenant's optional [`PhoneProvider`] and
//! one text [`Message`]; POSTs exactly that body, `{"recipient": …, "text": …}`, and gives back why
//! it failed, if it did. Each delivery gives up after `WEBHOOK_TIMEOUT` (10 seconds).
//!
//! This module knows nothing of endpoints, the outbox or the run-time state: `messages.rs`
//! records every message in the outbox and then asks here to deliver the text messages.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::outbox::Message;

/// How long one webhook delivery may take, connection included.
const WEBHOOK_TIMEOUT: Duration = Duration::from_secs(10);

/// Where the mock delivers its text messages (the tenant fixture's `phone_provider:`, or the
/// `mock` command's `--sms-webhook URL`).
///
/// ```
/// use passwordless_conformance::mock::PhoneProvider;
/// let provider: PhoneProvider = "http://127.0.0.1:8025/messages".parse()?;
/// assert_eq!(provider.webhook, "http://127.0.0.1:8025/messages");
/// # Ok::<(), passwordless_conformance::mock::WebhookUrlError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PhoneProvider {
    /// The URL every text message is POSTed to, as JSON `{"recipient": "+1…", "text": "…"}`.
    pub webhook: String,
}

/// Why a text is not a webhook URL.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid webhook URL `{value}`: {reason}\nhint: write an absolute http(s) URL, e.g. `http://127.0.0.1:8025/messages`"
)]
pub struct WebhookUrlError {
    /// The text as given.
    pub value: String,
    /// What is wrong with it.
    pub reason: String,
}

impl FromStr for PhoneProvider {
    type Err = WebhookUrlError;

    fn from_str(value: &str) -> Result<PhoneProvider, WebhookUrlError> {
        let provider = PhoneProvider {
            webhook: value.trim().to_owned(),
        };
        provider.check().map_err(|reason| WebhookUrlError {
            value: value.to_owned(),
            reason,
        })?;
        Ok(provider)
    }
}

impl fmt::Display for PhoneProvider {
    /// The webhook's origin only: a URL may carry a token in its path or query.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match url::Url::parse(&self.webhook) {
            Ok(url) => f.write_str(&url.origin().ascii_serialization()),
            Err(_) => f.write_str("(not a URL)"),
        }
    }
}

impl PhoneProvider {
    /// Whether the webhook is an absolute http(s) URL; what is wrong with it if not.
    pub(super) fn check(&self) -> Result<(), String> {
        let url = url::Url::parse(&self.webhook).map_err(|error| error.to_string())?;
        if !matches!(url.scheme(), "http" | "https") || !url.has_host() {
            return Err("the scheme must be `http` or `https`, with a host".to_owned());
        }
        Ok(())
    }
}

/// The body POSTed for one text message: what the documented Action sends.
#[derive(Serialize)]
struct Delivery<'a> {
    recipient: &'a str,
    text: &'a str,
}

/// POSTs `message` to the webhook; a status other than 2xx is a failure.
pub async fn deliver(provider: &PhoneProvider, message: &Message) -> Result<(), String> {
    let client = reqwest::Client::builder()
        .timeout(WEBHOOK_TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|error| error.to_string())?;
    let response = client
        .post(&provider.webhook)
        .json(&Delivery {
            recipient: &message.to,
            text: &message.body,
        })
        .send()
        .await
        .map_err(|error| error.without_url().to_string())?;
    if response.status().is_success() {
        Ok(())
    } else {
        Err(format!("the webhook answered {}", response.status()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn webhooks_are_absolute_http_urls_shown_by_origin() {
        let provider: PhoneProvider = "https://inbox.example.test/hook?token=s3cret"
            .parse()
            .unwrap();
        assert_eq!(provider.to_string(), "https://inbox.example.test");
        for bad in ["inbox.example.test", "ftp://inbox.example.test/", ""] {
            let error = bad.parse::<PhoneProvider>().unwrap_err();
            assert!(error.to_string().contains("hint:"), "{bad}: {error}");
        }
    }
}
