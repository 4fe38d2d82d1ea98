//! Builds a step's HTTP request from its templates, sends it, and records the exchange.

use std::time::Duration;

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
    /// No answer within the timeout.
    #[error(
        "no response from `{url}` within {timeout:?}\nhint: the target is slow or unreachable; raise CONFORMANCE_TIMEOUT_SECS if it is just slow"
    )]
    Timeout {
        /// Where it went.
        url: String,
        /// The configured timeout.
        timeout: Duration,
    },
    /// The connection failed (refused, reset).
    #[error(
        "cannot reach `{url}`: {message}\nhint: check `base_url` of the target's profile in targets.yaml, and that the target is up"
    )]
    Connect {
        /// Where it went.
        url: String,
        /// What failed, with its causes.
        message: String,
    },
    /// The TLS handshake failed.
    #[error(
        "cannot reach `{url}`: the TLS handshake failed: {message}\nhint: the target may not speak HTTPS on that port, or its certificate is not trusted by this machine"
    )]
    Tls {
        /// Where it went.
        url: String,
        /// What failed, with its causes.
        message: String,
    },
    /// The response started but its body could not be read (truncated, reset mid-way).
    #[error("the response from `{url}` broke off: {message}")]
    Body {
        /// Where it went.
        url: String,
        /// What failed.
        message: String,
    },
    /// Redirects went on too long.
    #[error("more than {MAX_REDIRECTS} redirects starting at `{url}`")]
    TooManyRedirects {
        /// Where it started.
        url: String,
    },
}

/// How many times one request is re-sent after `429 Too Many Requests`.
const MAX_RATE_LIMIT_RETRIES: usize = 5;

/// Sends `request`, waiting for the profile's rate budgets first and honouring `429` answers
/// (`Retry-After`, else `X-RateLimit-Reset`) with a bounded wait. Only a `429` is ever re-sent:
/// a request that may have been processed is never repeated. Adds the time spent waiting to
/// `rate_limit_wait`.
pub async fn send(
    request: &RecordedRequest,
    follow_redirects: bool,
    session: &Session,
    rate_limit_wait: &mut Duration,
) -> Result<RecordedResponse, SendError> {
    let mut retries = 0;
    loop {
        *rate_limit_wait +=
            crate::budget::acquire(&session.target_name, &session.rate_limits, &request.path).await;
        let response = send_once(request, follow_redirects, session, session.timeout).await?;
        if response.status != 429 || retries >= MAX_RATE_LIMIT_RETRIES {
            return Ok(response);
        }
        let Some(wait) = retry_delay(&response) else {
            return Ok(response);
        };
        if wait > session.max_rate_limit_wait {
            return Ok(response);
        }
        tokio::time::sleep(wait).await;
        *rate_limit_wait += wait;
        retries += 1;
    }
}

/// How long a `429` asks us to wait: `Retry-After` (seconds) if present, else until
/// `X-RateLimit-Reset` (Unix seconds). `None` when it says neither.
fn retry_delay(response: &RecordedResponse) -> Option<Duration> {
    if let Some(seconds) = response
        .header_values("retry-after")
        .first()
        .and_then(|value| value.trim().parse::<f64>().ok())
    {
        return Some(Duration::from_secs_f64(seconds.max(0.0)));
    }
    let reset = response
        .header_values("x-ratelimit-reset")
        .first()
        .and_then(|value| value.trim().parse::<f64>().ok())?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|elapsed| elapsed.as_secs_f64())
        .unwrap_or(0.0);
    Some(Duration::from_secs_f64((reset - now).max(0.0)))
}

async fn send_once(
    request: &RecordedRequest,
    follow_redirects: bool,
    session: &Session,
    timeout: Duration,
) -> Result<RecordedResponse, SendError> {
    let mut url = absolute_url(&session.base_url, &request.path)?;
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
            .map_err(|error| classify(&url, &error, timeout))?;
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
        return read_response(response, &url, timeout).await;
    }
    Err(SendError::TooManyRedirects {
        url: request.path.clone(),
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

async fn read_response(
    response: reqwest::Response,
    url: &reqwest::Url,
    timeout: Duration,
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
    let bytes = response.bytes().await.map_err(|error| {
        if error.is_timeout() {
            SendError::Timeout {
                url: url.to_string(),
                timeout,
            }
        } else {
            SendError::Body {
                url: url.to_string(),
                message: chain(&error),
            }
        }
    })?;
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

fn classify(url: &reqwest::Url, error: &reqwest::Error, timeout: Duration) -> SendError {
    if error.is_timeout() {
        SendError::Timeout {
            url: url.to_string(),
            timeout,
        }
    } else if error.is_builder() {
        SendError::Build(chain(error))
    } else if is_tls_failure(&chain(error)) {
        SendError::Tls {
            url: url.to_string(),
            message: chain(error),
        }
    } else {
        SendError::Connect {
            url: url.to_string(),
            message: chain(error),
        }
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
