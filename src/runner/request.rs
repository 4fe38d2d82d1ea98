//! Builds a step's HTTP request from its templates, sends it, and reads the answer within limits.
//!
//! A target is not trusted to behave: the profile's `timeout_seconds` bounds the whole exchange
//! (redirects and a slow-drip body included), `max_response_bytes` bounds what is read, and
//! rate-limit headers are parsed defensively — a `Retry-After` of `inf` or `1e20` is reported,
//! never obeyed. Every failure is a [`SendError`] naming the target's origin (hosts are not
//! secret; paths and queries may be, and are in the transcript anyway).

use std::time::{Duration, SystemTime};

use serde_json::Value;

use super::transcript::{RecordedBody, RecordedRequest, RecordedResponse, ResponseBody};
use crate::scenario::{RequestBody, RequestSpec};
use crate::targets::Session;
use crate::template::{TemplateContext, TemplateError};

/// How many redirects `follow_redirects: true` follows before it gives up.
const MAX_REDIRECTS: usize = 10;

/// Renders the request the scenario describes.
pub fn render_request(
    spec: &RequestSpec,
    context: &TemplateContext,
) -> Result<RecordedRequest, TemplateError> {
    let path = context.render_string(&spec.path)?;
    let headers = spec
        .headers
        .iter()
        .map(|(name, value)| Ok((name.clone(), context.render_string(value)?)))
        .collect::<Result<Vec<_>, TemplateError>>()?;
    let body = match &spec.body {
        RequestBody::None => RecordedBody::None,
        RequestBody::Json(value) => RecordedBody::Json(context.render_value(value)?),
        RequestBody::Form(pairs) => RecordedBody::Form(
            pairs
                .iter()
                .map(|(name, value)| {
                    let rendered = context.render_value(value)?;
                    let text = match rendered {
                        Value::String(text) => text,
                        other => other.to_string(),
                    };
                    Ok((name.clone(), text))
                })
                .collect::<Result<Vec<_>, TemplateError>>()?,
        ),
    };
    Ok(RecordedRequest {
        method: spec.method.clone(),
        path,
        headers,
        body,
    })
}

/// Why an exchange produced no response, in words a person can act on.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// The method or URL could not be used.
    #[error("cannot build the request: {0}")]
    Build(String),
    /// No complete answer within the timeout.
    #[error(
        "no complete response from `{origin}` within {timeout:?}\nhint: the target is slow or unreachable; if it is just slow, raise `timeout_seconds` in the target's profile in targets.yaml (default 30)"
    )]
    Timeout {
        /// Where it went: scheme, host and port.
        origin: String,
        /// The configured timeout.
        timeout: Duration,
    },
    /// The connection failed (refused, reset).
    #[error(
        "cannot reach `{origin}`: {message}\nhint: check `base_url` of the target's profile in targets.yaml, and that the target is up"
    )]
    Connect {
        /// Where it went.
        origin: String,
        /// What failed, with its causes.
        message: String,
    },
    /// The TLS handshake failed.
    #[error(
        "cannot reach `{origin}`: the TLS handshake failed: {message}\nhint: the target may not speak HTTPS on that port, or its certificate is not trusted by this machine"
    )]
    Tls {
        /// Where it went.
        origin: String,
        /// What failed, with its causes.
        message: String,
    },
    /// Something answered, but not in HTTP (garbage, malformed or oversized headers).
    #[error(
        "the answer from `{origin}` is not valid HTTP: {message}\nhint: something other than the target's HTTP server may be listening there"
    )]
    Protocol {
        /// Where it went.
        origin: String,
        /// What was wrong, with its causes.
        message: String,
    },
    /// The response started but its body could not be read (truncated, reset mid-way).
    #[error("the response from `{origin}` broke off: {message}")]
    Body {
        /// Where it went.
        origin: String,
        /// What failed.
        message: String,
    },
    /// The body is larger than the profile allows.
    #[error(
        "the response body from `{origin}` is larger than `max_response_bytes` ({limit} bytes): {seen}\nhint: raise `max_response_bytes` in the target's profile in targets.yaml if the target really sends answers this big"
    )]
    TooLarge {
        /// Where it went.
        origin: String,
        /// The limit, in bytes.
        limit: u64,
        /// What gave it away: the announced length, or how much was read.
        seen: String,
    },
    /// Redirects went on too long.
    #[error("more than {MAX_REDIRECTS} redirects starting at `{origin}`")]
    TooManyRedirects {
        /// Where it started.
        origin: String,
    },
}

/// How many times one request is re-sent after `429 Too Many Requests`.
const MAX_RATE_LIMIT_RETRIES: usize = 5;

/// Sends `request`, waiting for the profile's rate budgets first and honouring `429` answers
/// (`Retry-After`, else `X-RateLimit-Reset`) with a bounded wait. Only a `429` is ever re-sent:
/// a request that may have been processed is never repeated. Adds the time spent waiting to
/// `rate_limit_wait`, and to `notes` what a person should know if the step fails (a `429` that
/// was not retried, and why).
pub async fn send(
    request: &RecordedRequest,
    follow_redirects: bool,
    session: &Session,
    rate_limit_wait: &mut Duration,
    notes: &mut Vec<String>,
) -> Result<RecordedResponse, SendError> {
    let mut retries = 0;
    loop {
        *rate_limit_wait +=
            crate::budget::acquire(&session.target_name, &session.rate_limits, &request.path).await;
        let response = send_within_timeout(request, follow_redirects, session).await?;
        if response.status != 429 {
            return Ok(response);
        }
        if retries >= MAX_RATE_LIMIT_RETRIES {
            notes.push(format!(
                "still `429 Too Many Requests` after {MAX_RATE_LIMIT_RETRIES} retries"
            ));
            return Ok(response);
        }
        let wait = match retry_delay(&response, SystemTime::now()) {
            RetryDelay::Unsaid => {
                notes.push(
                    "the `429` said neither `Retry-After` nor `X-RateLimit-Reset`; not retried"
                        .to_owned(),
                );
                return Ok(response);
            }
            RetryDelay::Odd { header, value } => {
                notes.push(format!(
                    "ignored `{header}: {value}`: not a number of seconds{}; the `429` was not retried",
                    if header == "retry-after" { " or an HTTP date" } else { "" }
                ));
                return Ok(response);
            }
            RetryDelay::After {
                wait,
                header,
                value,
            } if wait > session.max_rate_limit_wait => {
                notes.push(format!(
                    "`{header}: {value}` asks to wait longer than `max_rate_limit_wait_seconds` ({} s); the `429` was not retried",
                    session.max_rate_limit_wait.as_secs()
                ));
                return Ok(response);
            }
            RetryDelay::After { wait, .. } => wait,
        };
        tokio::time::sleep(wait).await;
        *rate_limit_wait += wait;
        retries += 1;
    }
}

/// What a `429` asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
enum RetryDelay {
    /// Neither header is present.
    Unsaid,
    /// A header is present but says nothing usable (`inf`, `1e20`, `-5`, text).
    Odd {
        /// The header's name.
        header: &'static str,
        /// Its value, as sent.
        value: String,
    },
    /// Wait this long (saturating: an absurd number of seconds is a very long wait, not a panic).
    After {
        /// How long.
        wait: Duration,
        /// The header that said so.
        header: &'static str,
        /// Its value, as sent.
        value: String,
    },
}

/// How long a `429` asks us to wait at `now`: `Retry-After` (seconds or an HTTP date) if
/// present, else until `X-RateLimit-Reset` (Unix seconds).
fn retry_delay(response: &RecordedResponse, now: SystemTime) -> RetryDelay {
    if let Some(value) = response.header_values("retry-after").first() {
        let header = "retry-after";
        let value = value.trim();
        let wait = seconds(value).or_else(|| {
            httpdate::parse_http_date(value)
                .ok()
                .map(|at| at.duration_since(now).unwrap_or(Duration::ZERO))
        });
        return match wait {
            Some(wait) => RetryDelay::After {
                wait,
                header,
                value: value.to_owned(),
            },
            None => RetryDelay::Odd {
                header,
                value: value.to_owned(),
            },
        };
    }
    if let Some(value) = response.header_values("x-ratelimit-reset").first() {
        let header = "x-ratelimit-reset";
        let value = value.trim();
        let now = now
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap_or_default();
        return match seconds(value) {
            Some(reset) => RetryDelay::After {
                wait: reset.saturating_sub(now),
                header,
                value: value.to_owned(),
            },
            None => RetryDelay::Odd {
                header,
                value: value.to_owned(),
            },
        };
    }
    RetryDelay::Unsaid
}

/// `120` or `1.5` (rounded up) as a duration; more seconds than fit saturate. Anything else —
/// exponents, signs, `inf`, `NaN`, words — is `None`.
fn seconds(text: &str) -> Option<Duration> {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    let digits = |part: &str| part.bytes().all(|byte| byte.is_ascii_digit());
    if whole.is_empty() || !digits(whole) || !digits(fraction) {
        return None;
    }
    let whole: u64 = whole.parse().unwrap_or(u64::MAX);
    let round_up = u64::from(fraction.bytes().any(|digit| digit != b'0'));
    Some(Duration::from_secs(whole.saturating_add(round_up)))
}

/// One exchange, redirects included, within the profile's timeout as a whole: a target that
/// drips its body a byte at a time cannot hold a trial longer than one that never answers.
async fn send_within_timeout(
    request: &RecordedRequest,
    follow_redirects: bool,
    session: &Session,
) -> Result<RecordedResponse, SendError> {
    let url = absolute_url(&session.base_url, &request.path)?;
    match tokio::time::timeout(
        session.timeout,
        send_once(request, url.clone(), follow_redirects, session),
    )
    .await
    {
        Ok(result) => result,
        Err(_) => Err(SendError::Timeout {
            origin: origin(&url),
            timeout: session.timeout,
        }),
    }
}

async fn send_once(
    request: &RecordedRequest,
    mut url: reqwest::Url,
    follow_redirects: bool,
    session: &Session,
) -> Result<RecordedResponse, SendError> {
    let first_origin = origin(&url);
    let mut method = reqwest::Method::from_bytes(request.method.as_bytes())
        .map_err(|error| SendError::Build(error.to_string()))?;
    let mut with_body = true;
    for _ in 0..=MAX_REDIRECTS {
        let mut builder = session.http.request(method.clone(), url.clone());
        for (name, value) in &request.headers {
            builder = builder.header(name, value);
        }
        if with_body {
            builder = match &request.body {
                RecordedBody::None => builder,
                RecordedBody::Json(body) => builder.json(body),
                RecordedBody::Form(pairs) => builder.form(pairs),
            };
        }
        let response = builder
            .send()
            .await
            .map_err(|error| classify(&url, error, session.timeout))?;
        let status = response.status();
        if follow_redirects
            && status.is_redirection()
            && let Some(location) = response
                .headers()
                .get(reqwest::header::LOCATION)
                .and_then(|value| value.to_str().ok())
        {
            url = url
                .join(location)
                .map_err(|error| SendError::Build(format!("bad redirect `{location}`: {error}")))?;
            if status != reqwest::StatusCode::TEMPORARY_REDIRECT
                && status != reqwest::StatusCode::PERMANENT_REDIRECT
            {
                method = reqwest::Method::GET;
                with_body = false;
            }
            continue;
        }
        return read_response(response, &url, session).await;
    }
    Err(SendError::TooManyRedirects {
        origin: first_origin,
    })
}

fn absolute_url(base_url: &str, path: &str) -> Result<reqwest::Url, SendError> {
    let text = if path.starts_with("http://") || path.starts_with("https://") {
        path.to_owned()
    } else if path.starts_with('/') {
        format!("{base_url}{path}")
    } else {
        format!("{base_url}/{path}")
    };
    reqwest::Url::parse(&text)
        .map_err(|error| SendError::Build(format!("bad URL `{text}`: {error}")))
}

/// `https://user:pass@host:8443/path?q` → `https://host:8443`: enough to say where, nothing more.
fn origin(url: &reqwest::Url) -> String {
    url.origin().ascii_serialization()
}

async fn read_response(
    mut response: reqwest::Response,
    url: &reqwest::Url,
    session: &Session,
) -> Result<RecordedResponse, SendError> {
    let status = response.status().as_u16();
    let headers = response
        .headers()
        .iter()
        .map(|(name, value)| {
            (
                name.as_str().to_ascii_lowercase(),
                String::from_utf8_lossy(value.as_bytes()).into_owned(),
            )
        })
        .collect();
    let limit = session.max_response_bytes;
    let too_large = |seen: String| SendError::TooLarge {
        origin: origin(url),
        limit,
        seen,
    };
    if let Some(announced) = response.content_length()
        && announced > limit
    {
        return Err(too_large(format!("it announces {announced} bytes")));
    }
    let mut bytes: Vec<u8> = Vec::new();
    loop {
        let chunk = response.chunk().await.map_err(|error| {
            if error.is_timeout() {
                SendError::Timeout {
                    origin: origin(url),
                    timeout: session.timeout,
                }
            } else {
                SendError::Body {
                    origin: origin(url),
                    message: chain(&error.without_url()),
                }
            }
        })?;
        let Some(chunk) = chunk else { break };
        let read = u64::try_from(bytes.len() + chunk.len()).unwrap_or(u64::MAX);
        if read > limit {
            return Err(too_large(format!("stopped reading after {read} bytes")));
        }
        bytes.extend_from_slice(&chunk);
    }
    let body = if bytes.is_empty() {
        ResponseBody::Empty
    } else {
        match serde_json::from_slice::<Value>(&bytes) {
            Ok(json) => ResponseBody::Json(json),
            Err(_) => ResponseBody::Text(String::from_utf8_lossy(&bytes).into_owned()),
        }
    };
    Ok(RecordedResponse {
        status,
        headers,
        body,
    })
}

fn classify(url: &reqwest::Url, error: reqwest::Error, timeout: Duration) -> SendError {
    let origin = origin(url);
    if error.is_timeout() {
        return SendError::Timeout { origin, timeout };
    }
    let is_builder = error.is_builder();
    let is_connect = error.is_connect();
    // reqwest's own message repeats the whole URL, query and all; the origin says enough.
    let message = chain(&error.without_url());
    if is_builder {
        SendError::Build(message)
    } else if is_tls_failure(&message) {
        SendError::Tls { origin, message }
    } else if !is_connect && is_malformed_http(&message) {
        SendError::Protocol { origin, message }
    } else {
        SendError::Connect { origin, message }
    }
}

/// rustls reports handshake failures in its own words; these are the ones a misconfigured target
/// produces (plain HTTP on an https URL, an untrusted or mismatched certificate).
fn is_tls_failure(message: &str) -> bool {
    let lower = message.to_ascii_lowercase();
    [
        "tls",
        "certificate",
        "handshake",
        "corrupt message",
        "invalidcontenttype",
        "alert",
    ]
    .iter()
    .any(|word| lower.contains(word))
}

/// hyper's words for an answer that is not HTTP/1.1 it can parse.
fn is_malformed_http(message: &str) -> bool {
    let lower = message.to_ascii_lowercase();
    ["invalid", "parse", "too large", "message head", "header"]
        .iter()
        .any(|word| lower.contains(word))
}

/// An error with its causes, `a: b: c`, since reqwest's top-level message alone says little.
fn chain(error: &dyn std::error::Error) -> String {
    let mut message = error.to_string();
    let mut source = error.source();
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

#[cfg(test)]
mod tests {
    use super::*;

    fn response_with(headers: &[(&str, &str)]) -> RecordedResponse {
        RecordedResponse {
            status: 429,
            headers: headers
                .iter()
                .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
                .collect(),
            body: ResponseBody::Empty,
        }
    }

    fn at(unix_seconds: u64) -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(unix_seconds)
    }

    #[test]
    fn hostile_rate_limit_headers_are_odd_not_a_panic() {
        for value in [
            "1e20", "inf", "-5", "NaN", "soon", "", "1.5e3", "+3", "0x10",
        ] {
            for header in ["retry-after", "x-ratelimit-reset"] {
                let delay = retry_delay(&response_with(&[(header, value)]), at(1_000));
                assert!(
                    matches!(delay, RetryDelay::Odd { .. }),
                    "{header}: {value} gave {delay:?}"
                );
            }
        }
    }

    #[test]
    fn absurdly_long_waits_saturate_instead_of_overflowing() {
        let delay = retry_delay(
            &response_with(&[("retry-after", "999999999999999999999999999")]),
            at(1_000),
        );
        assert!(
            matches!(delay, RetryDelay::After { wait, .. } if wait == Duration::from_secs(u64::MAX)),
            "{delay:?}"
        );
    }

    #[test]
    fn retry_after_takes_seconds_or_an_http_date_and_reset_takes_unix_time() {
        let wait = |headers: &[(&str, &str)]| match retry_delay(&response_with(headers), at(1_000))
        {
            RetryDelay::After { wait, .. } => wait,
            other => panic!("{other:?}"),
        };
        assert_eq!(wait(&[("retry-after", " 7 ")]), Duration::from_secs(7));
        assert_eq!(wait(&[("retry-after", "1.2")]), Duration::from_secs(2));
        assert_eq!(
            wait(&[("retry-after", "Thu, 01 Jan 1970 00:16:50 GMT")]),
            Duration::from_secs(10)
        );
        assert_eq!(
            wait(&[("x-ratelimit-reset", "1030")]),
            Duration::from_secs(30)
        );
        assert_eq!(wait(&[("x-ratelimit-reset", "10")]), Duration::ZERO);
        assert_eq!(retry_delay(&response_with(&[]), at(0)), RetryDelay::Unsaid);
    }
}
