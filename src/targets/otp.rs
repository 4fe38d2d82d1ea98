//! Reading the one-time codes a target sent: the mock's outbox, an HTTP inbox, a command, a person.
//!
//! Every source answers the same question — "the last message sent to this address since that
//! moment" — and gives an [`OtpMessage`]. Sources poll with a cap and never hang: answers are read
//! up to a size, a `command` runs for at most its timeout and never leaves a process behind.
//! Errors name an inbox by its origin (`https://mail.example:8025`), never by a URL that may hold
//! credentials.

use std::io::IsTerminal as _;
use std::time::{Duration, SystemTime};

use serde_json::Value;
use serde_json_path::JsonPath;

use super::config::HttpInbox;

/// How long the mock's outbox is polled before giving up (it answers at once in practice).
const OUTBOX_WAIT: Duration = Duration::from_secs(10);
/// How often the outbox is polled while waiting.
const OUTBOX_POLL_INTERVAL: Duration = Duration::from_millis(50);
/// The default code pattern: the first run of 4–10 digits that is not part of a phone number
/// (`+15555550100`) or a longer number.
pub const DEFAULT_CODE_REGEX: &str = r"(?:^|[^+0-9])([0-9]{4,10})(?:[^0-9]|$)";

/// The most an inbox's or the outbox's answer may hold, in bytes (8 MiB): a list of messages, not
/// a mailbox dump.
const MAX_ANSWER_BYTES: usize = 8 * 1024 * 1024;

/// A message the target sent to a test identity.
#[derive(Debug, Clone, PartialEq)]
pub struct OtpMessage {
    /// The address it went to.
    pub to: String,
    /// `email` or `sms`.
    pub channel: String,
    /// The one-time code, when the message carried one.
    pub code: Option<String>,
    /// The magic link, when the message carried one.
    pub link: Option<String>,
    /// The message's text.
    pub body: String,
}

/// Why no message could be read.
#[derive(Debug, thiserror::Error)]
pub enum OtpError {
    /// Nothing arrived in time.
    #[error(
        "no message to `{to}` arrived within {waited:?} ({source_name})\nhint: check that the step before sent one to the same address, and that the source sees it"
    )]
    NoMessage {
        /// The address.
        to: String,
        /// How long we waited.
        waited: Duration,
        /// Which source.
        source_name: String,
    },
    /// The source failed (unreachable inbox, bad answer, failing command).
    #[error("the {source_name} failed: {message}")]
    Source {
        /// Which source.
        source_name: String,
        /// What went wrong.
        message: String,
    },
    /// The prompt source cannot ask anyone.
    #[error(
        "the `prompt` one-time-code source needs a terminal, and this run has none (or CI is set)\nhint: configure an `http_inbox` or `command` source for this channel in targets.yaml"
    )]
    NoTerminal,
}

/// What the runner asks a source for.
pub struct OtpQuery<'a> {
    /// The recipient.
    pub to: &'a str,
    /// `email` or `sms`.
    pub channel: &'a str,
    /// Ignore messages sent before this moment (when the source can tell).
    pub since: SystemTime,
}

pub(super) async fn mock_outbox(
    query: &OtpQuery<'_>,
    http: &reqwest::Client,
    base_url: &str,
) -> Result<OtpMessage, OtpError> {
    let source_name = "mock outbox".to_owned();
    let failed = |message: String| OtpError::Source {
        source_name: source_name.clone(),
        message,
    };
    let mut url = reqwest::Url::parse(&format!("{base_url}/__mock/outbox"))
        .map_err(|error| failed(error.to_string()))?;
    url.query_pairs_mut().append_pair("to", query.to);
    let started = tokio::time::Instant::now();
    loop {
        let response = http
            .get(url.clone())
            .send()
            .await
            .map_err(|error| failed(error.without_url().to_string()))?;
        if response.status().is_success() {
            let message: Value = read_json(response).await.map_err(&failed)?;
            let text = |key: &str| message.get(key).and_then(Value::as_str).map(str::to_owned);
            return Ok(OtpMessage {
                to: text("to").unwrap_or_else(|| query.to.to_owned()),
                channel: text("channel").unwrap_or_else(|| query.channel.to_owned()),
                code: text("code"),
                link: text("link"),
                body: text("body").unwrap_or_default(),
            });
        }
        if started.elapsed() >= OUTBOX_WAIT {
            return Err(OtpError::NoMessage {
                to: query.to.to_owned(),
                waited: OUTBOX_WAIT,
                source_name,
            });
        }
        tokio::time::sleep(OUTBOX_POLL_INTERVAL).await;
    }
}

pub(super) async fn http_inbox(
    inbox: &HttpInbox,
    query: &OtpQuery<'_>,
    http: &reqwest::Client,
) -> Result<OtpMessage, OtpError> {
    let source_name = format!("HTTP inbox at `{}`", origin(&inbox.url));
    let failed = |message: String| OtpError::Source {
        source_name: source_name.clone(),
        message,
    };
    let encoded_to: String = url::form_urlencoded::byte_serialize(query.to.as_bytes()).collect();
    let url = inbox.url.replace("{to}", &encoded_to);
    let parse = |path: &str| {
        JsonPath::parse(path).map_err(|error| failed(format!("bad JSONPath `{path}`: {error}")))
    };
    let messages_path = parse(&inbox.messages)?;
    let recipient_path = parse(&inbox.recipient)?;
    let body_path = parse(&inbox.body)?;
    let sent_at_path = inbox.sent_at.as_deref().map(parse).transpose()?;
    let code_regex =
        regex::Regex::new(&inbox.code_regex).map_err(|error| failed(error.to_string()))?;
    let link_regex =
        regex::Regex::new(&inbox.link_regex).map_err(|error| failed(error.to_string()))?;

    let started = tokio::time::Instant::now();
    loop {
        let mut request = http.get(&url);
        for (name, value) in &inbox.headers {
            request = request.header(name, value);
        }
        let response = request
            .send()
            .await
            .map_err(|error| failed(describe_request_error(error)))?;
        if !response.status().is_success() {
            return Err(failed(format!(
                "`{}` answered {}",
                origin_and_path(&url),
                response.status()
            )));
        }
        let answer: Value = read_json(response).await.map_err(|error| {
            failed(format!(
                "`{}` did not answer JSON: {error}",
                origin_and_path(&url)
            ))
        })?;
        let mut newest: Option<(SystemTime, String)> = None;
        let mut newest_read_before: Option<(SystemTime, String)> = None;
        for message in messages_path.query(&answer).all() {
            let to_this_address = recipient_path.query(message).all().iter().any(|recipient| {
                recipient
                    .as_str()
                    .is_some_and(|address| address_matches(address, query.to))
            });
            if !to_this_address {
                continue;
            }
            let sent_at = match &sent_at_path {
                Some(path) => match path
                    .query(message)
                    .all()
                    .first()
                    .and_then(|value| value.as_str())
                {
                    Some(text) => match humantime::parse_rfc3339_weak(text) {
                        Ok(time) => time,
                        Err(_) => continue,
                    },
                    None => continue,
                },
                None => SystemTime::now(),
            };
            if sent_at_path.is_some() && sent_at < query.since {
                continue;
            }
            let body = match body_path.query(message).all().first() {
                // The line end a mail transport adds is not the message's: trim it, so the same
                // message reads the same from an inbox as from the mock's outbox.
                Some(Value::String(text)) => text.trim_end().to_owned(),
                Some(other) => other.to_string(),
                None => continue,
            };
            // Without timestamps, the last matching message in the list wins. A message this
            // process already handed out (to an earlier step or trial on a shared account) is only
            // taken when no new one arrives.
            let slot = if was_read(query.to, sent_at, &body) {
                &mut newest_read_before
            } else {
                &mut newest
            };
            if slot.as_ref().is_none_or(|(time, _)| sent_at >= *time) {
                *slot = Some((sent_at, body));
            }
        }
        let waited_long_enough = started.elapsed() >= inbox.timeout / 4;
        if let Some((sent_at, body)) = newest.or(newest_read_before.filter(|_| waited_long_enough))
        {
            mark_read(query.to, sent_at, &body);
            return Ok(message_from_text(query, body, &code_regex, &link_regex));
        }
        if started.elapsed() >= inbox.timeout {
            return Err(OtpError::NoMessage {
                to: query.to.to_owned(),
                waited: inbox.timeout,
                source_name,
            });
        }
        tokio::time::sleep(inbox.interval).await;
    }
}

/// Messages this process has already handed out, by recipient, time and text.
fn read_messages() -> &'static std::sync::Mutex<std::collections::HashSet<String>> {
    static READ: std::sync::OnceLock<std::sync::Mutex<std::collections::HashSet<String>>> =
        std::sync::OnceLock::new();
    READ.get_or_init(Default::default)
}

fn fingerprint(to: &str, sent_at: SystemTime, body: &str) -> String {
    let nanos = sent_at
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|elapsed| elapsed.as_nanos())
        .unwrap_or(0);
    format!("{}\u{0}{nanos}\u{0}{body}", to.to_ascii_lowercase())
}

fn was_read(to: &str, sent_at: SystemTime, body: &str) -> bool {
    read_messages()
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .contains(&fingerprint(to, sent_at, body))
}

fn mark_read(to: &str, sent_at: SystemTime, body: &str) {
    read_messages()
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .insert(fingerprint(to, sent_at, body));
}

/// `Name <qa@x.test>` and `qa@x.test` match `qa@x.test`, case-insensitively.
fn address_matches(candidate: &str, to: &str) -> bool {
    let candidate = candidate.trim();
    let bare = match (candidate.rfind('<'), candidate.rfind('>')) {
        (Some(open), Some(close)) if open < close => &candidate[open + 1..close],
        _ => candidate,
    };
    bare.eq_ignore_ascii_case(to)
}

pub(super) fn message_from_text(
    query: &OtpQuery<'_>,
    body: String,
    code: &regex::Regex,
    link: &regex::Regex,
) -> OtpMessage {
    let first_group = |regex: &regex::Regex| {
        regex.captures(&body).and_then(|found| {
            found
                .get(1)
                .or_else(|| found.get(0))
                .map(|matched| matched.as_str().to_owned())
        })
    };
    let link = first_group(link).map(|url| url.replace("&amp;", "&"));
    // A code inside the link (verification_code=…) is the link's, not a separate code.
    let code = first_group(code);
    OtpMessage {
        to: query.to.to_owned(),
        channel: query.channel.to_owned(),
        code,
        link,
        body,
    }
}

/// `scheme://host:port` of a URL: where it goes, without credentials, path or query.
fn origin(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(parsed) if parsed.has_host() => parsed.origin().ascii_serialization(),
        _ => "(not a URL)".to_owned(),
    }
}

/// `scheme://host:port/path`: also without credentials or query.
fn origin_and_path(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(parsed) if parsed.has_host() => {
            format!("{}{}", parsed.origin().ascii_serialization(), parsed.path())
        }
        _ => "(not a URL)".to_owned(),
    }
}

/// A request error with its causes, without the URL reqwest would print (credentials and all).
fn describe_request_error(error: reqwest::Error) -> String {
    let error = error.without_url();
    let mut message = error.to_string();
    let mut source = std::error::Error::source(&error);
    while let Some(cause) = source {
        let text = cause.to_string();
        if !message.contains(&text) {
            message.push_str(": ");
            message.push_str(&text);
        }
        source = cause.source();
    }
    message
}

/// Reads an answer as JSON, refusing one larger than [`MAX_ANSWER_BYTES`].
async fn read_json(mut response: reqwest::Response) -> Result<Value, String> {
    let mut bytes = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|error| error.without_url().to_string())?
    {
        if bytes.len() + chunk.len() > MAX_ANSWER_BYTES {
            return Err(format!(
                "the answer is larger than {MAX_ANSWER_BYTES} bytes, more than any list of messages needs"
            ));
        }
        bytes.extend_from_slice(&chunk);
    }
    serde_json::from_slice(&bytes).map_err(|error| error.to_string())
}

pub(super) async fn prompt(query: &OtpQuery<'_>) -> Result<OtpMessage, OtpError> {
    let in_ci = std::env::var("CI").is_ok_and(|value| !value.is_empty() && value != "false");
    if in_ci || !std::io::stdin().is_terminal() {
        return Err(OtpError::NoTerminal);
    }
    let to = query.to.to_owned();
    let channel = query.channel.to_owned();
    let line = tokio::task::spawn_blocking(move || {
        eprint!("enter the code (or link) sent by {channel} to {to}: ");
        let mut line = String::new();
        std::io::stdin().read_line(&mut line).map(|_| line)
    })
    .await
    .map_err(|error| OtpError::Source {
        source_name: "prompt".to_owned(),
        message: error.to_string(),
    })?
    .map_err(|error| OtpError::Source {
        source_name: "prompt".to_owned(),
        message: error.to_string(),
    })?;
    let answer = line.trim().to_owned();
    let is_link = answer.starts_with("http://") || answer.starts_with("https://");
    Ok(OtpMessage {
        to: query.to.to_owned(),
        channel: query.channel.to_owned(),
        code: (!is_link).then(|| answer.clone()),
        link: is_link.then(|| answer.clone()),
        body: answer,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(to: &str) -> OtpQuery<'_> {
        OtpQuery {
            to,
            channel: "sms",
            since: SystemTime::UNIX_EPOCH,
        }
    }

    #[tokio::test]
    async fn the_prompt_source_refuses_to_run_without_a_terminal() {
        // Tests run with stdin not a terminal (and CI set in CI): never a hang waiting for input.
        let error = prompt(&query("a")).await.unwrap_err();
        assert!(matches!(error, OtpError::NoTerminal), "{error}");
    }

    #[test]
    fn inboxes_are_named_by_origin_without_credentials() {
        assert_eq!(
            origin("https://qa:hunter2@mail.example:8025/api/v1/search?query=to:{to}"),
            "https://mail.example:8025"
        );
        assert_eq!(
            origin_and_path("https://qa:hunter2@mail.example/api?token=x"),
            "https://mail.example/api"
        );
    }

    #[test]
    fn addresses_match_with_display_names_and_case() {
        assert!(address_matches(
            "QA <qa+x@Example.test>",
            "qa+x@example.test"
        ));
        assert!(address_matches("qa@example.test", "qa@example.test"));
        assert!(!address_matches("qa2@example.test", "qa@example.test"));
    }

    #[test]
    fn codes_and_links_are_found_in_text() {
        let query = OtpQuery {
            to: "a@b.test",
            channel: "email",
            since: SystemTime::UNIX_EPOCH,
        };
        let code = regex::Regex::new(r"\b([0-9]{4,10})\b").unwrap_or_else(|_| unreachable!());
        let link = regex::Regex::new(r#"(https?://[^\s"'<>]+)"#).unwrap_or_else(|_| unreachable!());
        let message = message_from_text(
            &query,
            "Your code is 123456. Or open https://t.test/verify?a=1&amp;b=2".to_owned(),
            &code,
            &link,
        );
        assert_eq!(message.code.as_deref(), Some("123456"));
        assert_eq!(
            message.link.as_deref(),
            Some("https://t.test/verify?a=1&b=2")
        );
    }
}
