//! What a scenario run sent and received, step by step.
//!
//! The transcript keeps raw values in memory; it is only ever shown through
//! [`Transcript::to_redacted`], so secrets cannot reach a message, a report or a snapshot. Each
//! exchange also teaches the run's redactor the secrets it carried (`learn_secrets`), captured or
//! not, so a later message that quotes one hides it.

use serde_json::{Map, Value, json};

use crate::redact::Redactor;

/// Response headers worth keeping in a transcript: the others (dates, request ids, rate-limit
/// counters) change on every run and say nothing about conformance.
const KEPT_RESPONSE_HEADERS: &[&str] = &[
    "content-type",
    "location",
    "www-authenticate",
    "retry-after",
];

/// How much of a body that is not JSON a transcript shows, in characters (after redaction).
const MAX_SHOWN_TEXT: usize = 4096;

/// Everything one run exchanged, in order.
#[derive(Debug, Clone, Default)]
pub struct Transcript {
    /// One entry per step that ran.
    pub entries: Vec<TranscriptEntry>,
    /// Time spent waiting for the target (HTTP exchanges and OTP reads), so that benchmarks can
    /// tell the harness's own overhead apart. Never part of a snapshot.
    pub target_time: std::time::Duration,
    /// Time spent waiting on rate budgets and `429` answers (part of `target_time`).
    pub rate_limit_wait: std::time::Duration,
    /// The target's base URL, for reproducers (see `runner/reproducer.rs`). Never part of a
    /// snapshot.
    pub base_url: String,
}

/// What one step did.
#[derive(Debug, Clone)]
pub struct TranscriptEntry {
    /// The step's name.
    pub step: String,
    /// The step's action.
    pub action: Action,
}

/// The three kinds of step, as recorded.
#[derive(Debug, Clone)]
#[allow(
    clippy::large_enum_variant,
    reason = "a transcript holds a handful of entries; boxing would only make matching noisier"
)]
pub enum Action {
    /// An HTTP exchange.
    Http {
        /// What was sent.
        request: RecordedRequest,
        /// What came back; `None` when the request failed.
        response: Option<RecordedResponse>,
        /// Why the request failed, if it did.
        error: Option<String>,
        /// How polling went, for a step with `poll`.
        poll: Option<PollSummary>,
    },
    /// A message read from the target's OTP source.
    Otp {
        /// The address.
        to: String,
        /// `email` or `sms`.
        channel: String,
        /// The names the step captured.
        captured: Vec<String>,
        /// The message's text.
        body: Option<String>,
    },
    /// The target's clock was moved.
    Clock {
        /// By how many seconds.
        advanced_seconds: u64,
    },
}

/// How a polling step ended. Snapshots show only `ended`: the number of attempts depends on
/// timing on a real tenant.
#[derive(Debug, Clone)]
pub struct PollSummary {
    /// `until`, `stop_if`, `gave_up` or `error`.
    pub ended: &'static str,
    /// Each attempt's status and `error` code, e.g. `400 authorization_pending`.
    pub attempts: Vec<String>,
}

impl PollSummary {
    pub(crate) fn new(ended: &'static str, attempts: &[String]) -> PollSummary {
        PollSummary {
            ended,
            attempts: attempts.to_vec(),
        }
    }
}

/// A request as sent.
#[derive(Debug, Clone)]
pub struct RecordedRequest {
    /// `GET`, `POST`, …
    pub method: String,
    /// The path (or absolute URL) the scenario named, rendered.
    pub path: String,
    /// The headers the scenario set, rendered.
    pub headers: Vec<(String, String)>,
    /// The body, rendered.
    pub body: RecordedBody,
}

/// A request body.
#[derive(Debug, Clone)]
pub enum RecordedBody {
    /// No body.
    None,
    /// A JSON body.
    Json(Value),
    /// A form-urlencoded body.
    Form(Vec<(String, String)>),
}

/// A response as received.
#[derive(Debug, Clone)]
pub struct RecordedResponse {
    /// The HTTP status.
    pub status: u16,
    /// All headers, names lower-case.
    pub headers: Vec<(String, String)>,
    /// The body: JSON when it parsed as JSON, else text.
    pub body: ResponseBody,
}

/// A response body.
#[derive(Debug, Clone)]
pub enum ResponseBody {
    /// Nothing.
    Empty,
    /// A JSON document.
    Json(Value),
    /// Anything else, as (lossy UTF-8) text.
    Text(String),
}

impl RecordedResponse {
    /// The values of header `name` (lower-case).
    pub fn header_values(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(header, _)| header == name)
            .map(|(_, value)| value.as_str())
            .collect()
    }
}

impl RecordedRequest {
    /// Teaches `redactor` every secret this request carries: values of secret fields in its body,
    /// its query string and its headers, credentials in its headers, URL passwords.
    pub fn learn_secrets(&self, redactor: &mut Redactor) {
        redactor.learn_text(&self.path);
        for (name, value) in &self.headers {
            redactor.learn_header(name, value);
        }
        match &self.body {
            RecordedBody::None => {}
            RecordedBody::Json(body) => redactor.learn_json(body),
            RecordedBody::Form(pairs) => {
                for (name, value) in pairs {
                    redactor.learn_field(name, &Value::String(value.clone()));
                    redactor.learn_text(value);
                }
            }
        }
    }
}

impl RecordedResponse {
    /// Teaches `redactor` every secret this response carries, as for a request; a body that is
    /// not JSON is searched for secrets in a credential's place.
    pub fn learn_secrets(&self, redactor: &mut Redactor) {
        for (name, value) in &self.headers {
            redactor.learn_header(name, value);
        }
        match &self.body {
            ResponseBody::Empty => {}
            ResponseBody::Json(body) => redactor.learn_json(body),
            ResponseBody::Text(text) => redactor.learn_text(text),
        }
    }
}

impl Transcript {
    /// The answer the last exchange of step `step` got, if it got one.
    pub fn last_response(&self, step: &str) -> Option<&RecordedResponse> {
        self.entries
            .iter()
            .rev()
            .filter(|entry| entry.step == step)
            .find_map(|entry| match &entry.action {
                Action::Http { response, .. } => response.as_ref(),
                _ => None,
            })
    }

    /// The transcript as JSON with every secret and per-run value replaced.
    pub fn to_redacted(&self, redactor: &Redactor) -> Value {
        Value::Array(
            self.entries
                .iter()
                .map(|entry| entry.to_redacted(redactor))
                .collect(),
        )
    }
}

impl TranscriptEntry {
    fn to_redacted(&self, redactor: &Redactor) -> Value {
        let mut entry = Map::new();
        entry.insert("step".to_owned(), json!(self.step));
        match &self.action {
            Action::Http {
                request,
                response,
                error,
                poll,
            } => {
                if let Some(poll) = poll {
                    entry.insert("poll".to_owned(), json!({"ended": poll.ended}));
                }
                entry.insert("request".to_owned(), request.to_redacted(redactor));
                if let Some(response) = response {
                    entry.insert("response".to_owned(), response.to_redacted(redactor));
                }
                if let Some(error) = error {
                    entry.insert("error".to_owned(), json!(redactor.redact_str(error)));
                }
            }
            Action::Otp {
                to,
                channel,
                captured,
                body,
            } => {
                let mut otp = json!({
                    "to": redactor.redact_str(to),
                    "channel": channel,
                    "captured": captured,
                });
                if let Some(body) = body {
                    otp["body"] = json!(redactor.redact_str(body));
                }
                entry.insert("otp".to_owned(), otp);
            }
            Action::Clock { advanced_seconds } => {
                entry.insert(
                    "clock".to_owned(),
                    json!({"advanced_seconds": advanced_seconds}),
                );
            }
        }
        Value::Object(entry)
    }
}

impl RecordedRequest {
    fn to_redacted(&self, redactor: &Redactor) -> Value {
        let mut request = Map::new();
        request.insert("method".to_owned(), json!(self.method));
        request.insert(
            "path".to_owned(),
            redactor.redact_json(&Value::String(self.path.clone())),
        );
        if !self.headers.is_empty() {
            let headers: Map<String, Value> = self
                .headers
                .iter()
                .map(|(name, value)| (name.clone(), json!(redactor.redact_header(name, value))))
                .collect();
            request.insert("headers".to_owned(), Value::Object(headers));
        }
        match &self.body {
            RecordedBody::None => {}
            RecordedBody::Json(body) => {
                request.insert("json".to_owned(), redactor.redact_json(body));
            }
            RecordedBody::Form(pairs) => {
                let form: Map<String, Value> = pairs
                    .iter()
                    .map(|(name, value)| (name.clone(), json!(value)))
                    .collect();
                request.insert(
                    "form".to_owned(),
                    redactor.redact_json(&Value::Object(form)),
                );
            }
        }
        Value::Object(request)
    }
}

impl RecordedResponse {
    fn to_redacted(&self, redactor: &Redactor) -> Value {
        let mut response = Map::new();
        response.insert("status".to_owned(), json!(self.status));
        let headers: Map<String, Value> = self
            .headers
            .iter()
            .filter(|(name, _)| KEPT_RESPONSE_HEADERS.contains(&name.as_str()))
            .map(|(name, value)| (name.clone(), json!(redactor.redact_header(name, value))))
            .collect();
        if !headers.is_empty() {
            response.insert("headers".to_owned(), Value::Object(headers));
        }
        match &self.body {
            ResponseBody::Empty => {}
            ResponseBody::Json(body) => {
                response.insert("body".to_owned(), redactor.redact_json(body));
            }
            ResponseBody::Text(text) => {
                response.insert("text".to_owned(), json!(shown_text(redactor, text)));
            }
        }
        Value::Object(response)
    }
}

/// A text body as a transcript shows it: redacted whole, then cut to [`MAX_SHOWN_TEXT`]
/// characters, saying how much was left out.
fn shown_text(redactor: &Redactor, text: &str) -> String {
    let redacted = redactor.redact_str(text);
    let total = redacted.chars().count();
    if total <= MAX_SHOWN_TEXT {
        return redacted;
    }
    let shown: String = redacted.chars().take(MAX_SHOWN_TEXT).collect();
    format!(
        "{shown}… ({} more characters not shown)",
        total - MAX_SHOWN_TEXT
    )
}
