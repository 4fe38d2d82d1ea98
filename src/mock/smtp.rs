//! Delivering the mock's e-mails over SMTP, like a tenant's custom SMTP provider.
//!
//! Takes the tenant's optional [`SmtpSettings`] and one e-mail [`Message`]; hands it to the SMTP
//! server (lettre, plain or over rustls) and gives back why that failed, if it did. Each delivery
//! opens its own connection and gives up after `SMTP_TIMEOUT` (10 seconds).
//!
//! This module knows nothing of endpoints, the outbox or the run-time state: `messages.rs`
//! records every message in the outbox and then asks here to deliver the e-mails.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use lettre::message::header::{ContentTransferEncoding, ContentType};
use lettre::message::{Body, Mailbox};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use serde::{Deserialize, Serialize};

use super::outbox::Message;

/// How long one SMTP delivery may take, connection included.
const SMTP_TIMEOUT: Duration = Duration::from_secs(10);

/// The sender when the settings name none.
pub const DEFAULT_SMTP_FROM: &str = "Mock Tenant <no-reply@mock-tenant.test>";

/// Where the mock delivers its e-mails (the tenant fixture's `smtp:`).
///
/// ```
/// use passwordless_conformance::mock::{SmtpSettings, SmtpTls};
/// let settings: SmtpSettings = "127.0.0.1:1025".parse()?;
/// assert_eq!((settings.host.as_str(), settings.port), ("127.0.0.1", 1025));
/// assert_eq!(settings.tls, SmtpTls::None);
/// # Ok::<(), passwordless_conformance::mock::SmtpAddressError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmtpSettings {
    /// The SMTP server's host name or IP address, e.g. `127.0.0.1`.
    pub host: String,
    /// The SMTP server's port, e.g. `1025` for a local mail catcher.
    pub port: u16,
    /// The `From` of every message. The default value is
    /// `Mock Tenant <no-reply@mock-tenant.test>`.
    #[serde(default = "default_from")]
    pub from: String,
    /// Whether to speak TLS. The default value is `none` (plain SMTP, as local mail catchers
    /// expect).
    #[serde(default)]
    pub tls: SmtpTls,
}

/// How the mock talks to the SMTP server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SmtpTls {
    /// Plain SMTP, no TLS at all.
    #[default]
    None,
    /// Plain connection upgraded with `STARTTLS`, which the server must offer (port 587 style).
    Starttls,
    /// TLS from the first byte (port 465 style).
    Implicit,
}

/// Why `HOST:PORT` is not an SMTP address.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid SMTP address `{value}`: {reason}\nhint: write HOST:PORT, e.g. `127.0.0.1:1025`")]
pub struct SmtpAddressError {
    /// The text as given.
    pub value: String,
    /// What is wrong with it.
    pub reason: &'static str,
}

impl FromStr for SmtpSettings {
    type Err = SmtpAddressError;

    /// Parses `HOST:PORT` (`[::1]:1025` for IPv6) into plain-SMTP settings with the default sender.
    fn from_str(value: &str) -> Result<SmtpSettings, SmtpAddressError> {
        let error = |reason| SmtpAddressError {
            value: value.to_owned(),
            reason,
        };
        let (host, port) = value
            .rsplit_once(':')
            .ok_or_else(|| error("the port is missing"))?;
        let host = host
            .strip_prefix('[')
            .and_then(|inner| inner.strip_suffix(']'))
            .unwrap_or(host);
        if host.is_empty() {
            return Err(error("the host is missing"));
        }
        let port = port
            .parse::<u16>()
            .map_err(|_| error("the port is not a number from 0 to 65535"))?;
        Ok(SmtpSettings {
            host: host.to_owned(),
            port,
            from: default_from(),
            tls: SmtpTls::None,
        })
    }
}

impl fmt::Display for SmtpSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.host.contains(':') {
            write!(f, "[{}]:{}", self.host, self.port)
        } else {
            write!(f, "{}:{}", self.host, self.port)
        }
    }
}

impl SmtpSettings {
    /// Checks what serde cannot; the error is a needle to point at and a message.
    pub(super) fn check(&self) -> Result<(), (&str, String)> {
        if self.host.trim().is_empty() {
            return Err(("host:", "`smtp.host` is empty".to_owned()));
        }
        if let Err(error) = self.from.parse::<Mailbox>() {
            return Err((
                &self.from,
                format!(
                    "`smtp.from` `{}` is not a mailbox: {error}\nhint: write `Name <address@example.test>` or a bare address",
                    self.from
                ),
            ));
        }
        Ok(())
    }
}

/// The subject line of an e-mail.
fn subject(message: &Message) -> &'static str {
    if message.link.is_some() {
        "Your login link"
    } else {
        "Your verification code"
    }
}

/// One SMTP delivery of an e-mail; the error is a sentence for `smtp_error`.
pub async fn deliver(settings: &SmtpSettings, message: &Message) -> Result<(), String> {
    let from = settings
        .from
        .parse::<Mailbox>()
        .map_err(|error| format!("invalid sender `{}`: {error}", settings.from))?;
    let to = message
        .to
        .parse::<Mailbox>()
        .map_err(|error| format!("invalid recipient `{}`: {error}", message.to))?;
    let email = lettre::Message::builder()
        .from(from)
        .to(to)
        .subject(subject(message))
        .header(ContentType::TEXT_PLAIN)
        .body(plain_body(&message.body))
        .map_err(|error| format!("cannot build the message: {error}"))?;
    let builder = match settings.tls {
        SmtpTls::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&settings.host),
        SmtpTls::Starttls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&settings.host)
            .map_err(|error| format!("cannot set up STARTTLS: {error}"))?,
        SmtpTls::Implicit => AsyncSmtpTransport::<Tokio1Executor>::relay(&settings.host)
            .map_err(|error| format!("cannot set up TLS: {error}"))?,
    };
    let transport = builder
        .port(settings.port)
        .timeout(Some(SMTP_TIMEOUT))
        .build();
    transport
        .send(email)
        .await
        .map(drop)
        .map_err(|error| error.to_string())
}

/// The longest line `7bit` allows (RFC 5322 §2.1.1), CRLF not counted.
const MAX_7BIT_LINE: usize = 998;

/// The body as `7bit` when RFC 5322 allows it (ASCII without NUL or bare CR, lines of at most 998
/// octets), so a magic link stays whole and greppable in the raw message; otherwise lettre's
/// choice (quoted-printable or base64). lettre itself picks quoted-printable from 77 octets on,
/// which splits links with soft line breaks and writes `=` as `=3D`.
fn plain_body(text: &str) -> Body {
    let seven_bit = text
        .bytes()
        .all(|byte| byte.is_ascii() && byte != 0 && byte != b'\r')
        && text.split('\n').all(|line| line.len() <= MAX_7BIT_LINE);
    if seven_bit {
        let crlf = text.replace('\n', "\r\n");
        Body::dangerous_pre_encoded(crlf.into_bytes(), ContentTransferEncoding::SevenBit)
    } else {
        Body::new(text.to_owned())
    }
}

fn default_from() -> String {
    DEFAULT_SMTP_FROM.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_and_port_parse_with_defaults() {
        let settings: SmtpSettings = "mail.test:2525".parse().unwrap();
        assert_eq!(settings.host, "mail.test");
        assert_eq!(settings.port, 2525);
        assert_eq!(settings.from, DEFAULT_SMTP_FROM);
        assert_eq!(settings.to_string(), "mail.test:2525");
        let ipv6: SmtpSettings = "[::1]:1025".parse().unwrap();
        assert_eq!(ipv6.host, "::1");
        assert_eq!(ipv6.to_string(), "[::1]:1025");
    }

    #[test]
    fn bad_addresses_say_what_is_wrong() {
        let error = "127.0.0.1".parse::<SmtpSettings>().unwrap_err();
        assert_eq!(
            error.to_string(),
            "invalid SMTP address `127.0.0.1`: the port is missing\nhint: write HOST:PORT, e.g. `127.0.0.1:1025`"
        );
        assert_eq!(
            ":25".parse::<SmtpSettings>().unwrap_err().reason,
            "the host is missing"
        );
        assert!("host:smtp".parse::<SmtpSettings>().is_err());
        assert!("host:70000".parse::<SmtpSettings>().is_err());
    }

    #[test]
    fn the_default_sender_is_a_valid_mailbox() {
        let settings: SmtpSettings = "localhost:25".parse().unwrap();
        assert!(settings.check().is_ok());
        let bad = SmtpSettings {
            from: "not a mailbox".to_owned(),
            ..settings
        };
        assert!(bad.check().is_err());
    }

    #[test]
    fn ascii_bodies_with_long_lines_stay_seven_bit() {
        let link = format!("http://mock.test/?{}", "a=1&".repeat(100));
        let body = plain_body(&format!("Click: {link}\nBye"));
        assert_eq!(body.encoding(), ContentTransferEncoding::SevenBit);
        assert_eq!(
            String::from_utf8(body.into_vec()).unwrap(),
            format!("Click: {link}\r\nBye")
        );
        let too_long = plain_body(&"x".repeat(MAX_7BIT_LINE + 1));
        assert_ne!(too_long.encoding(), ContentTransferEncoding::SevenBit);
        let accented = plain_body("Votre code : 123456 — merci");
        assert_ne!(accented.encoding(), ContentTransferEncoding::SevenBit);
    }

    #[test]
    fn links_and_codes_have_their_own_subject() {
        use super::super::outbox::Channel;
        let mut message = Message {
            to: "a@example.com".to_owned(),
            channel: Channel::Email,
            code: "123456".to_owned(),
            link: None,
            body: String::new(),
            sent_at: String::new(),
            smtp_error: None,
        };
        assert_eq!(subject(&message), "Your verification code");
        message.link = Some("http://mock.test/link".to_owned());
        assert_eq!(subject(&message), "Your login link");
    }
}
