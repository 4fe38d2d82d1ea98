//! The mock's messages: what a code, magic link or binding code says, and how it leaves.
//!
//! A handler composes the [`Message`] inside the store step that issues its code and records it
//! in the outbox there (so messages are ordered exactly like codes), then calls [`deliver`]:
//! e-mails also go to the tenant's SMTP server when the fixture has `smtp:`. Delivery happens before the handler answers, so a test that
//! reads its mail catcher right after the `200` finds the message. A failed delivery never fails
//! the request (Auth0 answers `200` once its provider accepted the job, and the mock cannot tell
//! a broken catcher from a slow mailbox; evidence `wire.smtp_failure`): the reason is noted as
//! the message's `smtp_error` and reported as a [`MockEvent`]. Text messages go to the tenant's
//! phone provider webhook when the fixture has `phone_provider:` (`phone_provider.rs`), the way a
//! custom phone provider's Action forwards them; a failure is reported as a [`MockEvent`] too.

use super::clock::rfc3339;
use super::events::MockEvent;
use super::outbox::{Channel, Message};
use super::state::AppState;
use super::{phone_provider, smtp};

/// A message to `to` carrying `code` (and `link`, when one was asked for), stamped with the
/// mock's time, recorded in the outbox.
pub fn record(
    state: &AppState,
    to: &str,
    channel: Channel,
    code: &str,
    link: Option<String>,
) -> Message {
    let body = match channel {
        Channel::Email => email_body(code, link.as_deref()),
        Channel::Sms => sms_body(code, link.as_deref()),
    };
    let message = Message {
        to: to.to_owned(),
        channel,
        code: code.to_owned(),
        link,
        body,
        sent_at: rfc3339(state.clock().now()),
        smtp_error: None,
    };
    state.outbox().record(message.clone());
    message
}

/// Sends an e-mail over SMTP when the tenant has SMTP settings (a failure is noted on the outbox
/// message and reported as an event), or a text message to the tenant's phone provider webhook
/// (a failure is reported as an event).
pub async fn deliver(state: &AppState, message: &Message) {
    if message.channel == Channel::Sms {
        if let Some(provider) = &state.tenant().phone_provider
            && let Err(reason) = phone_provider::deliver(provider, message).await
        {
            state.emit(MockEvent::SmsDeliveryFailed {
                to: message.to.clone(),
                webhook: provider.to_string(),
                reason,
            });
        }
        return;
    }
    let Some(settings) = &state.tenant().smtp else {
        return;
    };
    if let Err(reason) = smtp::deliver(settings, message).await {
        state
            .outbox()
            .note_smtp_error(&message.to, &message.code, reason.clone());
        state.emit(MockEvent::SmtpDeliveryFailed {
            to: message.to.clone(),
            server: settings.to_string(),
            reason,
        });
    }
}

/// The text of an e-mail carrying a code and maybe a link.
pub fn email_body(code: &str, link: Option<&str>) -> String {
    match link {
        Some(link) => {
            format!("Click this link to log in: {link}\nIt expires soon and can be used once.")
        }
        None => format!("Your verification code is: {code}\nIt expires soon and can be used once."),
    }
}

/// The text of an SMS carrying a code and maybe a link.
pub fn sms_body(code: &str, link: Option<&str>) -> String {
    match link {
        Some(link) => format!("Open this link to log in: {link}"),
        None => format!("Your verification code is: {code}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sms_body_contains_the_code() {
        assert_eq!(
            sms_body("123456", None),
            "Your verification code is: 123456"
        );
    }

    #[test]
    fn a_link_replaces_the_code_in_the_text() {
        assert!(
            email_body("1", Some("http://x/l"))
                .starts_with("Click this link to log in: http://x/l")
        );
        assert_eq!(
            sms_body("1", Some("http://x/l")),
            "Open this link to log in: http://x/l"
        );
    }
}
