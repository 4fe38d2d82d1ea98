//! The outbox: every e-mail and text message the mock "sent", for the harness to read codes from.
//!
//! Real Auth0 delivers messages through a provider; the mock records them and exposes the newest
//! one per recipient through the control API (`GET /__mock/outbox?to=...`). A message is recorded
//! in the same step that issues its code (see `OtpStore::issue`), so the newest message for a
//! recipient always carries the newest code. E-mails may also go to an SMTP server afterwards;
//! a failed delivery is noted on the message (`smtp_error`). This module knows nothing of HTTP,
//! SMTP or the codes' rules.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::{Deserialize, Serialize};

use super::address::normalize_identifier;
use super::lock::lock;

/// How a message was delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// An e-mail.
    Email,
    /// A text message.
    Sms,
}

/// One sent message, as the control API returns it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    /// The recipient: an e-mail address or an E.164 phone number, as the client sent it.
    pub to: String,
    /// The delivery channel.
    pub channel: Channel,
    /// The one-time code (also present when a link was sent: the link carries it).
    pub code: String,
    /// The magic link, when `send` asked for one.
    pub link: Option<String>,
    /// The human-readable text of the message.
    pub body: String,
    /// When the message was sent, RFC 3339 from the injected clock.
    pub sent_at: String,
    /// Why the SMTP delivery of an e-mail failed, when the tenant has `smtp:` settings and it
    /// did (the message is still recorded, and the request still succeeded). Left out of the
    /// JSON when there was no failure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub smtp_error: Option<String>,
}

/// The newest message per recipient.
#[derive(Debug, Default)]
pub struct Outbox {
    latest: Mutex<HashMap<String, Message>>,
    sent_total: AtomicU64,
}

impl Outbox {
    /// Records a sent message, replacing the previous one for the same recipient.
    pub fn record(&self, message: Message) {
        self.sent_total.fetch_add(1, Ordering::SeqCst);
        lock(&self.latest).insert(normalize_identifier(&message.to), message);
    }

    /// Notes why the SMTP delivery of the message to `to` carrying `code` failed, if that
    /// message is still the newest for `to`.
    pub fn note_smtp_error(&self, to: &str, code: &str, reason: String) {
        if let Some(message) = lock(&self.latest).get_mut(&normalize_identifier(to))
            && message.code == code
        {
            message.smtp_error = Some(reason);
        }
    }

    /// The newest message sent to `to` (e-mail addresses compare case-insensitively).
    pub fn latest(&self, to: &str) -> Option<Message> {
        let latest = lock(&self.latest);
        latest.get(&normalize_identifier(to)).cloned().or_else(|| {
            // A `+` in an unencoded query string arrives as a space: accept `%20155...` for `+155...`.
            let trimmed = to.trim_start();
            (trimmed.len() != to.len() && trimmed.starts_with(|c: char| c.is_ascii_digit()))
                .then(|| latest.get(&format!("+{trimmed}")).cloned())
                .flatten()
        })
    }

    /// How many messages were sent since the mock started.
    pub fn sent_total(&self) -> u64 {
        self.sent_total.load(Ordering::SeqCst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(to: &str, code: &str) -> Message {
        Message {
            to: to.to_owned(),
            channel: Channel::Sms,
            code: code.to_owned(),
            link: None,
            body: format!("Your verification code is: {code}"),
            sent_at: "2026-01-01T00:00:00Z".to_owned(),
            smtp_error: None,
        }
    }

    #[test]
    fn latest_returns_the_newest_message_for_a_recipient() {
        let outbox = Outbox::default();
        outbox.record(message("+15555550100", "111111"));
        outbox.record(message("+15555550100", "222222"));
        assert_eq!(outbox.latest("+15555550100").unwrap().code, "222222");
        assert_eq!(outbox.sent_total(), 2);
    }

    #[test]
    fn a_plus_decoded_as_space_still_finds_the_phone_number() {
        let outbox = Outbox::default();
        outbox.record(message("+15555550100", "111111"));
        assert_eq!(outbox.latest(" 15555550100").unwrap().code, "111111");
        assert!(outbox.latest("15555550100").is_none());
    }

    #[test]
    fn an_smtp_failure_is_noted_only_on_the_message_it_concerns() {
        let outbox = Outbox::default();
        outbox.record(message("a@example.com", "111111"));
        outbox.record(message("a@example.com", "222222"));
        outbox.note_smtp_error("a@example.com", "111111", "late".to_owned());
        assert_eq!(outbox.latest("a@example.com").unwrap().smtp_error, None);
        outbox.note_smtp_error("A@example.com", "222222", "refused".to_owned());
        assert_eq!(
            outbox
                .latest("a@example.com")
                .unwrap()
                .smtp_error
                .as_deref(),
            Some("refused")
        );
    }
}
