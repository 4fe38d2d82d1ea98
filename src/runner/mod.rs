//! Runs a scenario against a target.
//!
//! Takes a loaded [`Scenario`], a live [`Session`] and the [`SchemaRegistry`], runs the steps in
//! order (HTTP exchanges, OTP reads, clock moves), checks every `expect`, keeps captures for later
//! steps, and gives a [`ScenarioOutcome`]: the transcript and, if a step failed, every problem
//! that step had with the place in the YAML where the failing check was written. The runner never
//! prints and never panics on what a target sends back; a scenario stops at its first failing step
//! since later steps depend on it. A step that uses a flow runs the flow's steps in place
//! (`flow.rs`), named `calling step › flow step`.

mod capture;
mod check;
mod classify;
mod compiled;
mod flow;
mod jwt;
mod matcher;
mod outcome;
mod reproducer;
mod request;
pub mod transcript;

use serde_json::Value;

pub use classify::{Classification, FailureClass};

use crate::redact::Redactor;
use crate::scenario::{Channel, OtpField, OtpStep, Scenario, Span, Step, StepKind};
use crate::schema::{SchemaError, SchemaRegistry};
use crate::targets::Session;
use transcript::{
    Action, PollSummary, RecordedRequest, RecordedResponse, Transcript, TranscriptEntry,
};

pub use flow::{CallSite, NAME_SEPARATOR, StepLocation};

/// What a run needs besides the scenario.
pub struct RunCtx<'a> {
    /// The live target.
    pub session: &'a Session,
    /// The schemas, or why they could not be loaded (reported by the steps that use them).
    pub schemas: Result<&'a SchemaRegistry, &'a SchemaError>,
}

/// The result of running one scenario.
#[derive(Debug)]
pub struct ScenarioOutcome {
    /// What was exchanged, raw (show it only through [`ScenarioOutcome::redactor`]).
    pub transcript: Transcript,
    /// The first failing step, if any.
    pub failure: Option<StepFailure>,
    /// Knows every secret this run handled.
    pub redactor: Redactor,
    /// Why the run stopped without a verdict (the target cannot do what a step needs).
    pub ignored: Option<String>,
}

/// A step that did not do what the scenario expected.
#[derive(Debug, Clone)]
pub struct StepFailure {
    /// 1-based number of the scenario's step (for a flow's step, of the step that uses the flow).
    pub step_number: usize,
    /// The step's full name (`log in › ask for a code` for a flow's step).
    pub step_name: String,
    /// Where the step starts in the YAML of [`StepFailure::location`]'s file.
    pub span: Span,
    /// The file the step (and the spans of its problems) is in, and the `use:` steps that led to it.
    pub location: StepLocation,
    /// Everything that was wrong.
    pub problems: Vec<Problem>,
}

/// One thing wrong with a step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// What is wrong, already free of secrets once the outcome is rendered.
    pub message: String,
    /// Where the check that failed was written, when it is more precise than the step.
    pub span: Option<Span>,
}

impl Problem {
    fn new(message: impl Into<String>) -> Problem {
        Problem {
            message: message.into(),
            span: None,
        }
    }

    fn at(message: impl Into<String>, span: Span) -> Problem {
        Problem {
            message: message.into(),
            span: Some(span),
        }
    }
}

/// Runs every step of `scenario` until one fails.
pub async fn run_scenario(scenario: &Scenario, ctx: &RunCtx<'_>) -> ScenarioOutcome {
    let mut run = Run {
        ctx,
        last_request_started: std::time::UNIX_EPOCH,
        ignored: None,
        context: ctx.session.context.clone(),
        redactor: ctx.session.redactor.clone(),
        transcript: Transcript {
            base_url: ctx.session.base_url.clone(),
            ..Transcript::default()
        },
        notes: Vec::new(),
        step_name: String::new(),
    };
    for (name, value) in scenario.combination.iter().flat_map(|c| &c.values) {
        run.context.insert(name.clone(), value.clone());
    }
    let mut failure = None;
    let mut hidden: Vec<flow::Hidden> = Vec::new();
    for planned in flow::plan(scenario) {
        let (problems, step_number, step_name, span, location) = match planned {
            flow::Planned::Enter {
                call,
                flow,
                name,
                span,
                location,
                top,
            } => match flow::enter(flow, &call.with, &mut run.context) {
                Ok(hid) => {
                    hidden.push(hid);
                    continue;
                }
                Err(error) => (
                    vec![Problem::new(error.to_string())],
                    top,
                    name,
                    span,
                    location,
                ),
            },
            flow::Planned::Leave => {
                if let Some(hid) = hidden.pop() {
                    flow::leave(hid, &mut run.context);
                }
                continue;
            }
            flow::Planned::Run {
                step,
                name,
                location,
                top,
            } => {
                run.step_name = name;
                let problems = run.step(step).await;
                (problems, top, run.step_name.clone(), step.span, location)
            }
        };
        if run.ignored.is_some() {
            break;
        }
        if !problems.is_empty() {
            failure = Some(StepFailure {
                step_number,
                step_name,
                span,
                location,
                problems,
            });
            break;
        }
    }
    ScenarioOutcome {
        transcript: run.transcript,
        failure,
        redactor: run.redactor,
        ignored: run.ignored,
    }
}

/// An exchange that produced no usable response, with what to record about it.
struct FailedExchange {
    request: RecordedRequest,
    response: Option<RecordedResponse>,
    error: Option<String>,
    poll: Option<PollSummary>,
    problems: Vec<Problem>,
}

struct Run<'a, 'b> {
    ctx: &'a RunCtx<'b>,
    /// When the latest request was sent (less a margin for clock skew): an OTP step reads only
    /// messages sent since then.
    last_request_started: std::time::SystemTime,
    /// Set when a step cannot run on this target (no OTP source for its channel).
    ignored: Option<String>,
    context: crate::template::TemplateContext,
    redactor: Redactor,
    transcript: Transcript,
    /// What the current step's exchanges want a person to know if the step fails (a `429` not
    /// retried, and why).
    notes: Vec<String>,
    /// The full name of the step running (`log in › ask for a code` inside a flow).
    step_name: String,
}

impl Run<'_, '_> {
    async fn step(&mut self, step: &Step) -> Vec<Problem> {
        match &step.kind {
            StepKind::Http(http) => self.http_step(http).await,
            StepKind::Otp(otp) => self.otp_step(otp).await,
            StepKind::Clock(clock) => {
                let started = std::time::Instant::now();
                let result = self.ctx.session.advance_clock(clock.advance_seconds).await;
                self.transcript.target_time += started.elapsed();
                if result.is_ok() {
                    self.context.advance_clock(clock.advance_seconds);
                }
                self.record(Action::Clock {
                    advanced_seconds: clock.advance_seconds,
                });
                match result {
                    Ok(()) => Vec::new(),
                    Err(error) => vec![Problem::new(error.to_string())],
                }
            }
            StepKind::Use(call) => vec![Problem::at(
                format!(
                    "flow `{}` was not linked to its file: load the scenario through the validation stage",
                    call.flow.value
                ),
                call.flow.span,
            )],
        }
    }

    async fn http_step(&mut self, http: &crate::scenario::HttpStep) -> Vec<Problem> {
        self.notes.clear();
        let mut problems = self.http_step_problems(http).await;
        if !problems.is_empty() {
            // A polling step may have heard the same thing on every attempt: say it once.
            let mut notes: Vec<String> = self.notes.drain(..).collect();
            notes.dedup();
            problems.extend(
                notes
                    .into_iter()
                    .map(|note| Problem::new(format!("note: {note}"))),
            );
        }
        problems
    }

    async fn http_step_problems(&mut self, http: &crate::scenario::HttpStep) -> Vec<Problem> {
        let exchange = match &http.poll {
            None => self
                .exchange(&http.request)
                .await
                .map(|(request, response)| (request, response, None)),
            Some(poll) => self.poll(&http.request, poll).await,
        };
        let (request, response, poll_summary) = match exchange {
            Ok(exchange) => exchange,
            Err(failed) => {
                self.record(Action::Http {
                    request: failed.request,
                    response: failed.response,
                    error: failed.error,
                    poll: failed.poll,
                });
                return failed.problems;
            }
        };
        let mut problems = check::check_response(
            &http.expect,
            &response,
            self.ctx.schemas,
            &self.context,
            &self.redactor,
        );
        if !http.expect.jwt.is_empty() {
            problems.extend(self.check_jwts(&http.expect.jwt, &response).await);
        }
        if problems.is_empty() {
            for spec in &http.capture {
                match capture::capture_value(spec, &response) {
                    Ok(value) => {
                        if capture::is_secret(spec) {
                            self.hide(&value, &format!("[capture:{}]", spec.name));
                        }
                        self.context.insert(spec.name.clone(), value);
                    }
                    Err(message) => problems.push(Problem::at(
                        format!("capture `{}`: {message}", spec.name),
                        spec.span,
                    )),
                }
            }
        }
        self.record(Action::Http {
            request,
            response: Some(response),
            error: None,
            poll: poll_summary,
        });
        problems
    }

    /// Renders and sends a request once.
    async fn exchange(
        &mut self,
        spec: &crate::scenario::RequestSpec,
    ) -> Result<(RecordedRequest, RecordedResponse), FailedExchange> {
        let session = self.ctx.session;
        let request = match request::render_request(spec, &self.context) {
            Ok(request) => request,
            Err(error) => {
                return Err(FailedExchange {
                    request: RecordedRequest {
                        method: spec.method.clone(),
                        path: spec.path.clone(),
                        headers: Vec::new(),
                        body: transcript::RecordedBody::None,
                    },
                    response: None,
                    error: None,
                    poll: None,
                    problems: vec![Problem::new(error.to_string())],
                });
            }
        };
        // Secrets the scenario sends are known before anything can quote them (an error naming
        // the URL, a check echoing a value back).
        request.learn_secrets(&mut self.redactor);
        self.last_request_started = std::time::SystemTime::now()
            .checked_sub(std::time::Duration::from_secs(2))
            .unwrap_or(std::time::UNIX_EPOCH);
        let started = std::time::Instant::now();
        let sent = request::send(
            &request,
            spec.follow_redirects,
            session,
            &mut self.transcript.rate_limit_wait,
            &mut self.notes,
        )
        .await;
        self.transcript.target_time += started.elapsed();
        match sent {
            Ok(response) => {
                // Whatever the response carries in a secret field is hidden from here on,
                // captured or not.
                response.learn_secrets(&mut self.redactor);
                Ok((request, response))
            }
            Err(error) => {
                let message = error.to_string();
                Err(FailedExchange {
                    request,
                    response: None,
                    error: Some(message.clone()),
                    poll: None,
                    problems: vec![Problem::new(message)],
                })
            }
        }
    }

    /// Repeats a request until `poll.until` holds, `poll.stop_if` holds, or a cap is reached.
    async fn poll(
        &mut self,
        spec: &crate::scenario::RequestSpec,
        poll: &crate::scenario::Poll,
    ) -> Result<(RecordedRequest, RecordedResponse, Option<PollSummary>), FailedExchange> {
        let mut interval = poll.interval_seconds;
        let mut waited: u64 = 0;
        let mut attempts: Vec<String> = Vec::new();
        loop {
            let (request, response) = self.exchange(spec).await.map_err(|mut failed| {
                failed.poll = Some(PollSummary::new("error", &attempts));
                failed
            })?;
            let error_code = match &response.body {
                transcript::ResponseBody::Json(body) => {
                    body.get("error").and_then(Value::as_str).map(str::to_owned)
                }
                _ => None,
            };
            attempts.push(match &error_code {
                Some(code) => format!("{} {code}", response.status),
                None => response.status.to_string(),
            });
            let holds = |expect: &crate::scenario::Expect, run: &Self| {
                check::check_response(
                    expect,
                    &response,
                    run.ctx.schemas,
                    &run.context,
                    &run.redactor,
                )
                .is_empty()
            };
            if holds(&poll.until, self) {
                return Ok((
                    request,
                    response,
                    Some(PollSummary::new("until", &attempts)),
                ));
            }
            if poll.stop_if.as_ref().is_some_and(|stop| holds(stop, self)) {
                return Ok((
                    request,
                    response,
                    Some(PollSummary::new("stop_if", &attempts)),
                ));
            }
            if poll.slow_down && error_code.as_deref() == Some("slow_down") {
                interval += 5;
            }
            let out_of_attempts =
                attempts.len() >= usize::try_from(poll.max_attempts).unwrap_or(usize::MAX);
            let out_of_time = waited + interval > poll.max_seconds;
            if out_of_attempts || out_of_time {
                let summary = PollSummary::new("gave_up", &attempts);
                let why = if out_of_attempts {
                    format!("after {} attempts", attempts.len())
                } else {
                    format!("after {waited} s (max_seconds: {})", poll.max_seconds)
                };
                return Err(FailedExchange {
                    problems: vec![Problem::at(
                        format!(
                            "polling gave up {why} without `until` holding; the answers were: {}",
                            summary.attempts.join(", ")
                        ),
                        poll.span,
                    )],
                    request,
                    response: Some(response),
                    error: None,
                    poll: Some(summary),
                });
            }
            let started = std::time::Instant::now();
            let moved_clock = self.ctx.session.wait(interval).await;
            self.transcript.target_time += started.elapsed();
            match moved_clock {
                Ok(true) => self.context.advance_clock(interval),
                Ok(false) => {}
                Err(error) => {
                    return Err(FailedExchange {
                        problems: vec![Problem::new(error.to_string())],
                        request,
                        response: Some(response),
                        error: None,
                        poll: Some(PollSummary::new("error", &attempts)),
                    });
                }
            }
            waited += interval;
        }
    }

    async fn check_jwts(
        &self,
        checks: &[crate::scenario::JwtCheck],
        response: &RecordedResponse,
    ) -> Vec<Problem> {
        let transcript::ResponseBody::Json(body) = &response.body else {
            return checks
                .iter()
                .map(|check| {
                    Problem::at(
                        format!("jwt `{}`: the response body is not JSON", check.path),
                        check.span,
                    )
                })
                .collect();
        };
        let jwks = if checks.iter().any(|check| check.verify_signature) {
            Some(self.ctx.session.jwks().await)
        } else {
            None
        };
        checks
            .iter()
            .flat_map(|check| jwt::check_jwt(check, body, jwks, &self.context, &self.redactor))
            .collect()
    }

    async fn otp_step(&mut self, otp: &OtpStep) -> Vec<Problem> {
        let to = match self.context.render_string(&otp.to) {
            Ok(to) => to,
            Err(error) => return vec![Problem::new(error.to_string())],
        };
        let channel = otp.channel.unwrap_or(if to.contains('@') {
            Channel::Email
        } else {
            Channel::Sms
        });
        if !self.ctx.session.has_otp_source(channel) {
            self.ignored = Some(format!(
                "target `{}` has no source of one-time codes for {} (step `{}`)",
                self.ctx.session.target_name,
                channel.as_str(),
                self.step_name
            ));
            return Vec::new();
        }
        let started = std::time::Instant::now();
        let message = self
            .ctx
            .session
            .latest_message(&to, channel, self.last_request_started)
            .await;
        self.transcript.target_time += started.elapsed();
        let message = match message {
            Ok(message) => message,
            Err(error) => return vec![Problem::new(error.to_string())],
        };
        // Codes and links are hidden whether or not the step captures them (a capture below
        // names them).
        if let Some(code) = &message.code {
            self.redactor.learn(code, "[otp:code]");
        }
        if let Some(link) = &message.link {
            self.redactor.learn(link, "[otp:link]");
        }
        self.redactor.learn_text(&message.body);
        let mut problems = Vec::new();
        let mut captured = Vec::new();
        for (name, field) in &otp.capture {
            let value = match field {
                OtpField::Code => message.code.clone().ok_or_else(|| {
                    format!("the message to `{to}` carried no code (it carried a link?)")
                }),
                OtpField::Link => message.link.clone().ok_or_else(|| {
                    format!("the message to `{to}` carried no link (it carried a code?)")
                }),
                OtpField::Body => Ok(message.body.clone()),
                OtpField::LinkQuery(parameter) => message
                    .link
                    .as_deref()
                    .ok_or_else(|| format!("the message to `{to}` carried no link"))
                    .and_then(|link| capture::query_parameter(link, parameter)),
            };
            match value {
                Ok(value) => {
                    if !matches!(field, OtpField::Body) {
                        self.redactor.add(&value, &format!("[otp:{name}]"));
                    }
                    self.context.insert(name.clone(), Value::String(value));
                    captured.push(name.clone());
                }
                Err(error) => problems.push(Problem::new(format!("capture `{name}`: {error}"))),
            }
        }
        if let Some(code) = &message.code {
            self.redactor.add(code, "[otp:code]");
        }
        self.record(Action::Otp {
            to,
            channel: message.channel.clone(),
            captured,
            body: Some(message.body.clone()),
        });
        problems
    }

    fn hide(&mut self, value: &Value, placeholder: &str) {
        match value {
            Value::String(text) => self.redactor.add(text, placeholder),
            Value::Array(items) => {
                for item in items {
                    self.hide(item, placeholder);
                }
            }
            other => self.redactor.add(&other.to_string(), placeholder),
        }
    }

    fn record(&mut self, action: Action) {
        self.transcript.entries.push(TranscriptEntry {
            step: self.step_name.clone(),
            action,
        });
    }
}
