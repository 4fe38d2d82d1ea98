//! Loads a scenario file: YAML text in, a validated [`Scenario`] or every problem found out.
//!
//! `serde_yaml` parses the text into a `serde_yaml::Value` (a syntax error stops there, with one diagnostic).
//! The tree is then walked by hand rather than deserialized with serde, so that one mistake does not hide the
//! next: every unknown key, wrong type, bad JSONPath or regex is collected, positioned with
//! [`SourceMap`](super::locate::SourceMap), and reported in source order. Templates stay raw strings; this module
//! only checks that their `{{` are closed.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde_json_path::JsonPath;
use serde_yaml::{Mapping, Value};

use super::diagnostic::{Diagnostic, LoadError, did_you_mean, one_of};
use super::locate::{Mark, Seg, SourceMap};
use super::{
    BodyCheck, Capability, CaptureSource, CaptureSpec, Channel, ClockStep, Expect, HeaderCheck,
    HttpStep, JsonType, JwtCheck, Located, MatchRule, Matcher, OtpField, OtpStep, Poll,
    RequestBody, RequestSpec, Scenario, SourceFile, Step, StepKind, TEMPLATE_NAMESPACES,
};

const TOP_KEYS: [&str; 5] = ["name", "description", "tags", "requires", "steps"];
const STEP_KEYS: [&str; 7] = [
    "name", "request", "expect", "capture", "poll", "otp", "clock",
];
const ACTION_KEYS: [&str; 3] = ["request", "otp", "clock"];
const REQUEST_KEYS: [&str; 6] = [
    "method",
    "path",
    "headers",
    "json",
    "form",
    "follow_redirects",
];
const METHODS: [&str; 5] = ["GET", "POST", "PUT", "PATCH", "DELETE"];
const EXPECT_KEYS: [&str; 5] = ["status", "schema", "body", "headers", "jwt"];
const POLL_KEYS: [&str; 6] = [
    "until",
    "stop_if",
    "interval",
    "max_attempts",
    "max_seconds",
    "slow_down",
];
const JWT_KEYS: [&str; 4] = ["verify_signature", "not_expired", "header", "claims"];
const MATCHER_KEYS: [&str; 8] = [
    "equals",
    "not_equals",
    "regex",
    "exists",
    "absent",
    "type",
    "one_of",
    "contains",
];
const CAPTURE_KEYS: [&str; 5] = ["jsonpath", "header", "query", "regex", "secret"];
const OTP_KEYS: [&str; 3] = ["to", "channel", "capture"];
const OTP_FIELDS: [&str; 4] = ["code", "link", "body", "link_query.<param>"];
const CHANNELS: [&str; 2] = ["email", "sms"];
const CLOCK_KEYS: [&str; 1] = ["advance"];

/// Reads and loads the scenario file at `path`; `display_path` is how diagnostics name it
/// (e.g. `scenarios/passwordless/email.yaml`).
pub fn load_scenario_file(path: &Path, display_path: &str) -> Result<Scenario, LoadError> {
    let text = std::fs::read_to_string(path).map_err(|error| LoadError::Read {
        display_path: display_path.to_string(),
        error,
    })?;
    build(text, path.to_path_buf(), display_path)
}

/// Loads a scenario from its text; `display_path` names it in diagnostics and becomes its
/// [`SourceFile::path`].
pub fn parse_scenario(text: &str, display_path: &str) -> Result<Scenario, LoadError> {
    build(text.to_string(), PathBuf::from(display_path), display_path)
}

fn build(text: String, path: PathBuf, display_path: &str) -> Result<Scenario, LoadError> {
    let mut loader = Loader {
        file: display_path,
        text: &text,
        map: SourceMap::new(&text),
        diagnostics: Vec::new(),
    };
    let parts = loader.scenario();
    let mut diagnostics = loader.diagnostics;
    match parts {
        Some(parts) if diagnostics.is_empty() => Ok(Scenario {
            name: parts.name,
            description: parts.description,
            tags: parts.tags,
            requires: parts.requires,
            steps: parts.steps,
            source: SourceFile {
                path,
                display_path: display_path.to_string(),
                text,
            },
        }),
        _ => {
            if diagnostics.is_empty() {
                // Every path that gives up reports why; this guards against a silent failure all the same.
                diagnostics.push(Diagnostic::new(
                    display_path,
                    &text,
                    Mark::START.span,
                    1,
                    "scenario could not be loaded".to_string(),
                ));
            }
            diagnostics.sort_by_key(|diagnostic| diagnostic.span);
            Err(LoadError::Invalid { diagnostics })
        }
    }
}

/// A path from the document root, used to find positions.
#[derive(Debug, Clone, Default)]
struct YamlPath(Vec<Seg>);

impl YamlPath {
    fn key(&self, key: &str) -> YamlPath {
        let mut segs = self.0.clone();
        segs.push(Seg::Key(key.to_string()));
        YamlPath(segs)
    }

    fn index(&self, idx: usize) -> YamlPath {
        let mut segs = self.0.clone();
        segs.push(Seg::Index(idx));
        YamlPath(segs)
    }
}

/// The fields of a [`Scenario`] other than its source.
struct ScenarioParts {
    name: String,
    description: Option<String>,
    tags: Vec<String>,
    requires: Vec<Capability>,
    steps: Vec<Step>,
}

/// What the checks of one step need to know to word their messages.
struct StepCtx {
    path: YamlPath,
    /// `step 2 (`send a code`)`, or `step 2` when the step has no usable name.
    label: String,
}

struct Loader<'t> {
    file: &'t str,
    text: &'t str,
    map: SourceMap,
    diagnostics: Vec<Diagnostic>,
}

impl Loader<'_> {
    fn report(&mut self, mark: Mark, message: String, hint: Option<String>) {
        let mut diagnostic = Diagnostic::new(self.file, self.text, mark.span, mark.width, message);
        diagnostic.hint = hint;
        self.diagnostics.push(diagnostic);
    }

    fn key_mark(&self, path: &YamlPath) -> Mark {
        self.map.find(&path.0).key
    }

    fn value_mark(&self, path: &YamlPath) -> Mark {
        self.map.find(&path.0).value
    }

    fn syntax_error(&mut self, error: &serde_yaml::Error) {
        let full_message = error.to_string();
        let (mut line, mut col) = error
            .location()
            .map_or((1, 1), |location| (location.line(), location.column()));
        // An unclosed quote is found at the end of the file; where the string starts is more useful.
        if (line > self.text.lines().count()
            || full_message.contains("while scanning a quoted scalar"))
            && let Some((context_line, context_col)) = last_location(&full_message)
        {
            (line, col) = (context_line, context_col);
        }
        let message = strip_locations(&full_message);
        let source_line = self.text.lines().nth(line.saturating_sub(1)).unwrap_or("");
        let tab_indented = self
            .text
            .lines()
            .take(line)
            .any(|l| l.trim_start_matches(' ').starts_with('\t'));
        let hint = if tab_indented || source_line.contains('\t') {
            Some("yaml does not allow tabs for indentation: use spaces".to_string())
        } else if message.contains("quoted scalar") {
            Some("a quoted string is not closed: add the closing quote".to_string())
        } else if message.contains("duplicate entry") {
            Some("each key may appear only once in a mapping".to_string())
        } else {
            None
        };
        let mark = Mark {
            span: super::Span { line, col },
            width: 1,
        };
        self.report(mark, format!("invalid yaml: {message}"), hint);
    }

    fn scenario(&mut self) -> Option<ScenarioParts> {
        let root: Value = match serde_yaml::from_str(self.text) {
            Ok(root) => root,
            Err(error) => {
                self.syntax_error(&error);
                return None;
            }
        };
        let root_path = YamlPath::default();
        let map = match &root {
            Value::Mapping(map) => map,
            Value::Null => {
                self.report(
                    Mark::START,
                    "scenario file is empty".to_string(),
                    Some("a scenario is a mapping with at least `name` and `steps`".to_string()),
                );
                return None;
            }
            other => {
                self.report(
                    self.value_mark(&root_path),
                    format!(
                        "expected a mapping at the top level, found {}",
                        describe(other)
                    ),
                    Some("a scenario is a mapping with at least `name` and `steps`".to_string()),
                );
                return None;
            }
        };
        if has_merge_key(map) {
            self.entries(map, &root_path);
            return None;
        }
        self.check_keys(map, &root_path, &TOP_KEYS, "at the top level");

        let name = match map.get("name") {
            None => {
                self.report(
                    self.value_mark(&root_path),
                    "missing required key `name` at the top level".to_string(),
                    Some(
                        "add `name:` with a few words saying what the scenario checks".to_string(),
                    ),
                );
                None
            }
            Some(value) => self.non_empty_string(value, &root_path.key("name"), "`name`"),
        };
        let description = match map.get("description") {
            None => Some(None),
            Some(value) => self
                .string(value, &root_path.key("description"), "`description`")
                .map(Some),
        };
        let tags = match map.get("tags") {
            None => Some(Vec::new()),
            Some(value) => self.string_list(value, &root_path.key("tags"), "`tags`"),
        };
        let requires = match map.get("requires") {
            None => Some(Vec::new()),
            Some(value) => self.capabilities(value, &root_path.key("requires")),
        };
        let steps = self.steps(map, &root_path, requires.as_deref().unwrap_or(&[]));
        Some(ScenarioParts {
            name: name?,
            description: description?,
            tags: tags?,
            requires: requires?,
            steps: steps?,
        })
    }

    fn capabilities(&mut self, value: &Value, path: &YamlPath) -> Option<Vec<Capability>> {
        let Value::Sequence(items) = value else {
            self.report(
                self.value_mark(path),
                format!(
                    "expected a list of capabilities for `requires`, found {}",
                    describe(value)
                ),
                Some("write e.g. `requires: [outbox, clock]`".to_string()),
            );
            return None;
        };
        let mut capabilities = Vec::new();
        let mut ok = true;
        for (idx, item) in items.iter().enumerate() {
            let item_path = path.index(idx);
            let Some(name) = self.string(item, &item_path, "a capability in `requires`") else {
                ok = false;
                continue;
            };
            match Capability::ALL.iter().find(|c| c.as_str() == name) {
                Some(capability) if capabilities.contains(capability) => {}
                Some(capability) => capabilities.push(*capability),
                None => {
                    ok = false;
                    let names: Vec<&str> = Capability::ALL.iter().map(|c| c.as_str()).collect();
                    let hint = suggestion(&name, &names)
                        .unwrap_or_else(|| format!("the capabilities are {}", one_of_and(&names)));
                    self.report(
                        self.value_mark(&item_path),
                        format!("unknown capability `{name}`"),
                        Some(hint),
                    );
                }
            }
        }
        ok.then_some(capabilities)
    }

    fn steps(
        &mut self,
        map: &Mapping,
        root_path: &YamlPath,
        requires: &[Capability],
    ) -> Option<Vec<Step>> {
        let path = root_path.key("steps");
        let items = match map.get("steps") {
            None => {
                self.report(
                    self.value_mark(root_path),
                    "missing required key `steps` at the top level".to_string(),
                    Some("add `steps:` with at least one step".to_string()),
                );
                return None;
            }
            Some(Value::Null) => {
                self.report(
                    self.key_mark(&path),
                    "`steps` is empty".to_string(),
                    Some("add at least one step".to_string()),
                );
                return None;
            }
            Some(Value::Sequence(items)) if items.is_empty() => {
                self.report(
                    self.value_mark(&path),
                    "`steps` is empty".to_string(),
                    Some("add at least one step".to_string()),
                );
                return None;
            }
            Some(Value::Sequence(items)) => items,
            Some(other) => {
                self.report(
                    self.value_mark(&path),
                    format!(
                        "expected a list of steps for `steps`, found {}",
                        describe(other)
                    ),
                    None,
                );
                return None;
            }
        };
        let mut steps = Vec::new();
        let mut ok = true;
        let mut first_step_named: HashMap<String, usize> = HashMap::new();
        let mut missing_capabilities: Vec<Capability> = Vec::new();
        for (idx, item) in items.iter().enumerate() {
            let step_path = path.index(idx);
            let Some(step) = self.step(idx, item, &step_path) else {
                ok = false;
                continue;
            };
            if let Some(first) = first_step_named.get(&step.name) {
                ok = false;
                self.report(
                    self.value_mark(&step_path.key("name")),
                    format!("duplicate step name `{}`", step.name),
                    Some(format!(
                        "step {first} has the same name: give each step a unique name so reports can tell them apart"
                    )),
                );
            } else {
                first_step_named.insert(step.name.clone(), idx + 1);
            }
            let needed = match step.kind {
                StepKind::Http(_) => None,
                StepKind::Otp(_) => Some((Capability::Outbox, "otp", "reads the outbox")),
                StepKind::Clock(_) => Some((Capability::Clock, "clock", "moves the clock")),
            };
            if let Some((capability, key, verb)) = needed
                && !requires.contains(&capability)
                && !missing_capabilities.contains(&capability)
            {
                ok = false;
                missing_capabilities.push(capability);
                self.report(
                        self.key_mark(&step_path.key(key)),
                        format!(
                            "step {} (`{}`) {verb}, but the scenario does not require `{capability}`",
                            idx + 1,
                            step.name
                        ),
                        Some(format!(
                            "add `{capability}` to `requires` at the top level so targets without it skip this scenario"
                        )),
                    );
            }
            steps.push(step);
        }
        ok.then_some(steps)
    }

    fn step(&mut self, idx: usize, value: &Value, path: &YamlPath) -> Option<Step> {
        let number = idx + 1;
        let dash = self.key_mark(path);
        let Value::Mapping(map) = value else {
            self.report(
                self.value_mark(path),
                format!("expected a mapping for step {number}, found {}", describe(value)),
                Some("a step is a mapping like `- name: send a code` followed by `request:`, `otp:` or `clock:`".to_string()),
            );
            return None;
        };
        if has_merge_key(map) {
            self.entries(map, path);
            return None;
        }
        let name = match map.get("name") {
            None => {
                self.report(
                    dash,
                    format!("step {number} has no `name`"),
                    Some(
                        "every step needs a name, e.g. `- name: send a code by email`".to_string(),
                    ),
                );
                None
            }
            Some(value) => self.non_empty_string(
                value,
                &path.key("name"),
                &format!("`name` of step {number}"),
            ),
        };
        let label = match &name {
            Some(name) => format!("step {number} (`{name}`)"),
            None => format!("step {number}"),
        };
        let ctx = StepCtx {
            path: path.clone(),
            label,
        };
        self.check_keys(map, path, &STEP_KEYS, &format!("in {}", ctx.label));

        let actions: Vec<&str> = ACTION_KEYS
            .iter()
            .copied()
            .filter(|key| map.contains_key(*key))
            .collect();
        let action = match actions.as_slice() {
            [] => {
                self.report(
                    dash,
                    format!("{} has no action", ctx.label),
                    Some("give it exactly one of `request`, `otp` or `clock`".to_string()),
                );
                return None;
            }
            [action] => *action,
            [_, second, ..] => {
                self.report(
                    self.key_mark(&path.key(second)),
                    format!(
                        "{} has more than one action: {}",
                        ctx.label,
                        one_of_and(&actions)
                    ),
                    Some("a step does one thing: split it into separate steps".to_string()),
                );
                return None;
            }
        };
        let mut ok = true;
        if action != "request" {
            for key in ["expect", "capture", "poll"] {
                if map.contains_key(key) {
                    ok = false;
                    let hint = if action == "otp" && key == "capture" {
                        "move it under `otp:`: an otp step captures parts of the message there"
                    } else {
                        "checks and captures of a response belong to a step with `request`"
                    };
                    self.report(
                        self.key_mark(&path.key(key)),
                        format!(
                            "`{key}` is not allowed in {}, which is {} `{action}` step",
                            ctx.label,
                            if action == "otp" { "an" } else { "a" }
                        ),
                        Some(hint.to_string()),
                    );
                }
            }
        }
        let kind = match action {
            "request" => self.http_step(map, &ctx).map(StepKind::Http),
            "otp" => self.otp_step(map, &ctx).map(StepKind::Otp),
            _ => self.clock_step(map, &ctx).map(StepKind::Clock),
        };
        if !ok {
            return None;
        }
        Some(Step {
            name: name?,
            span: dash.span,
            kind: kind?,
        })
    }

    fn http_step(&mut self, map: &Mapping, ctx: &StepCtx) -> Option<HttpStep> {
        let request = map
            .get("request")
            .and_then(|value| self.request(value, ctx));
        let expect = match map.get("expect") {
            None | Some(Value::Null) => Some(Expect::default()),
            Some(value) => self.expect(value, ctx),
        };
        let capture = match map.get("capture") {
            None | Some(Value::Null) => Some(Vec::new()),
            Some(value) => self.captures(value, ctx),
        };
        let poll = match map.get("poll") {
            None | Some(Value::Null) => Some(None),
            Some(value) => self.poll(value, ctx).map(Some),
        };
        Some(HttpStep {
            request: request?,
            expect: expect?,
            capture: capture?,
            poll: poll?,
        })
    }

    fn poll(&mut self, value: &Value, ctx: &StepCtx) -> Option<Poll> {
        let path = ctx.path.key("poll");
        let map = self.mapping(value, &path, &format!("`poll` of {}", ctx.label))?;
        let place = format!("in `poll` of {}", ctx.label);
        self.check_keys(map, &path, &POLL_KEYS, &place);
        let until = match map.get("until") {
            Some(value) => self.expect_at(value, &path.key("until"), ctx, "`until`"),
            None => {
                self.report(
                    self.key_mark(&path),
                    format!("missing `until` {place}"),
                    Some("say when to stop polling, e.g. `until: { status: 200 }`".to_string()),
                );
                None
            }
        };
        let stop_if = match map.get("stop_if") {
            None | Some(Value::Null) => Some(None),
            Some(value) => self
                .expect_at(value, &path.key("stop_if"), ctx, "`stop_if`")
                .map(Some),
        };
        let interval = self.positive_number(map, &path, "interval", 5, &place);
        let max_attempts = self.positive_number(map, &path, "max_attempts", 10, &place);
        let max_seconds = self.positive_number(map, &path, "max_seconds", 120, &place);
        let slow_down = match map.get("slow_down") {
            None => Some(true),
            Some(value) => self.boolean(
                value,
                &path.key("slow_down"),
                &format!("`slow_down` {place}"),
            ),
        };
        Some(Poll {
            until: until?,
            stop_if: stop_if?,
            interval_seconds: interval?,
            max_attempts: u32::try_from(max_attempts?).unwrap_or(u32::MAX),
            max_seconds: max_seconds?,
            slow_down: slow_down?,
            span: self.key_mark(&path).span,
        })
    }

    /// Reads `key` of `map` as a whole number greater than zero, or `default` when absent.
    fn positive_number(
        &mut self,
        map: &Mapping,
        path: &YamlPath,
        key: &str,
        default: u64,
        place: &str,
    ) -> Option<u64> {
        match map.get(key) {
            None => Some(default),
            Some(Value::Number(n)) if n.as_u64().is_some_and(|n| n > 0) => n.as_u64(),
            Some(other) => {
                self.report(
                    self.value_mark(&path.key(key)),
                    format!(
                        "expected a whole number greater than 0 for `{key}` {place}, found {}",
                        describe(other)
                    ),
                    Some(format!("write e.g. `{key}: {default}`")),
                );
                None
            }
        }
    }

    fn request(&mut self, value: &Value, ctx: &StepCtx) -> Option<RequestSpec> {
        let path = ctx.path.key("request");
        let map = self.mapping(value, &path, &format!("`request` of {}", ctx.label))?;
        let place = format!("in `request` of {}", ctx.label);
        self.check_keys(map, &path, &REQUEST_KEYS, &place);

        let method = match map.get("method") {
            None => {
                self.report(
                    self.key_mark(&path),
                    format!("missing `method` {place}"),
                    Some("add e.g. `method: POST`".to_string()),
                );
                None
            }
            Some(value) => {
                let method_path = path.key("method");
                self.string(value, &method_path, &format!("`method` {place}"))
                    .and_then(|method| {
                        let upper = method.to_uppercase();
                        if METHODS.contains(&upper.as_str()) {
                            return Some(upper);
                        }
                        let hint = suggestion(&upper, &METHODS)
                            .unwrap_or_else(|| format!("the methods are {}", one_of_and(&METHODS)));
                        self.report(
                            self.value_mark(&method_path),
                            format!("unknown http method `{method}` {place}"),
                            Some(hint),
                        );
                        None
                    })
            }
        };

        let url_path = match map.get("path") {
            None => {
                self.report(
                    self.key_mark(&path),
                    format!("missing `path` {place}"),
                    Some("add e.g. `path: /passwordless/start`".to_string()),
                );
                None
            }
            Some(value) => {
                let value_path = path.key("path");
                let what = format!("`path` {place}");
                self.template_string(value, &value_path, &what)
                    .and_then(|url_path| {
                        if url_path.starts_with('/') || url_path.starts_with("{{") {
                            return Some(url_path);
                        }
                        self.report(
                            self.value_mark(&value_path),
                            format!("{what} must start with `/`"),
                            Some(
                                "paths are relative to the target's base url, e.g. `/oauth/token`"
                                    .to_string(),
                            ),
                        );
                        None
                    })
            }
        };

        let headers = match map.get("headers") {
            None | Some(Value::Null) => Some(Vec::new()),
            Some(value) => self.request_headers(value, &path.key("headers"), &place),
        };

        let body = match (map.get("json"), map.get("form")) {
            (Some(_), Some(_)) => {
                self.report(
                    self.key_mark(&path.key("form")),
                    format!("`request` of {} has both `json` and `form`", ctx.label),
                    Some(
                        "use `json` for a json body or `form` for an url-encoded form, not both"
                            .to_string(),
                    ),
                );
                None
            }
            (Some(json), None) => self
                .json_value(json, &path.key("json"), &format!("`json` {place}"))
                .map(RequestBody::Json),
            (None, Some(form)) => self.form(form, &path.key("form"), &place),
            (None, None) => Some(RequestBody::None),
        };

        let follow_redirects = match map.get("follow_redirects") {
            None => Some(false),
            Some(value) => self.boolean(
                value,
                &path.key("follow_redirects"),
                &format!("`follow_redirects` {place}"),
            ),
        };

        Some(RequestSpec {
            method: method?,
            path: url_path?,
            headers: headers?,
            body: body?,
            follow_redirects: follow_redirects?,
        })
    }

    fn request_headers(
        &mut self,
        value: &Value,
        path: &YamlPath,
        place: &str,
    ) -> Option<Vec<(String, String)>> {
        let map = self.mapping(value, path, &format!("`headers` {place}"))?;
        let mut headers = Vec::new();
        let mut ok = true;
        for (name, value) in self.entries(map, path) {
            let entry_path = path.key(&name);
            let Some(lower) = self.header_name(&name, &entry_path, place) else {
                ok = false;
                continue;
            };
            let what = format!("header `{name}` {place}");
            let text = match value {
                Value::Bool(b) => Some(b.to_string()),
                Value::Number(n) => Some(n.to_string()),
                other => self.template_string(other, &entry_path, &what),
            };
            match text {
                Some(text) => headers.push((lower, text)),
                None => ok = false,
            }
        }
        ok.then_some(headers)
    }

    fn header_name(&mut self, name: &str, path: &YamlPath, place: &str) -> Option<String> {
        let is_token_char = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c);
        if !name.is_empty() && name.chars().all(is_token_char) {
            return Some(name.to_ascii_lowercase());
        }
        self.report(
            self.key_mark(path),
            format!("invalid header name `{name}` {place}"),
            Some("header names are letters, digits and `-`, e.g. `content-type`".to_string()),
        );
        None
    }

    fn form(&mut self, value: &Value, path: &YamlPath, place: &str) -> Option<RequestBody> {
        let map = self.mapping(value, path, &format!("`form` {place}"))?;
        let mut fields = Vec::new();
        let mut ok = true;
        for (name, value) in self.entries(map, path) {
            let field_path = path.key(&name);
            let what = format!("form field `{name}` {place}");
            match value {
                Value::String(_) | Value::Number(_) | Value::Bool(_) => {
                    match self.json_value(value, &field_path, &what) {
                        Some(json) => fields.push((name, json)),
                        None => ok = false,
                    }
                }
                other => {
                    ok = false;
                    let hint = template_hint(other).unwrap_or_else(|| {
                        "form fields are strings, numbers or booleans; use `\"\"` for an empty value"
                            .to_string()
                    });
                    self.report(
                        self.value_mark(&field_path),
                        format!("expected a scalar for {what}, found {}", describe(other)),
                        Some(hint),
                    );
                }
            }
        }
        ok.then_some(RequestBody::Form(fields))
    }

    fn expect(&mut self, value: &Value, ctx: &StepCtx) -> Option<Expect> {
        self.expect_at(value, &ctx.path.key("expect"), ctx, "`expect`")
    }

    /// Reads an expectation block (`expect`, or `until` / `stop_if` of `poll`) at `path`.
    fn expect_at(
        &mut self,
        value: &Value,
        path: &YamlPath,
        ctx: &StepCtx,
        what: &str,
    ) -> Option<Expect> {
        let path = path.clone();
        let map = self.mapping(value, &path, &format!("{what} of {}", ctx.label))?;
        let place = format!("in {what} of {}", ctx.label);
        self.check_keys(map, &path, &EXPECT_KEYS, &place);

        let status = match map.get("status") {
            None => Some(None),
            Some(value) => self.status(value, &path.key("status"), ctx).map(Some),
        };
        let schema = match map.get("schema") {
            None => Some(None),
            Some(value) => {
                let schema_path = path.key("schema");
                self.non_empty_string(value, &schema_path, &format!("`schema` {place}"))
                    .map(|file| {
                        Some(Located {
                            value: file,
                            span: self.value_mark(&schema_path).span,
                        })
                    })
            }
        };
        let body = match map.get("body") {
            None | Some(Value::Null) => Some(Vec::new()),
            Some(value) => self.body_checks(value, &path.key("body"), ctx),
        };
        let headers = match map.get("headers") {
            None | Some(Value::Null) => Some(Vec::new()),
            Some(value) => self.header_checks(value, &path.key("headers"), ctx),
        };
        let jwt = match map.get("jwt") {
            None | Some(Value::Null) => Some(Vec::new()),
            Some(value) => self.jwt_checks(value, &path.key("jwt"), ctx),
        };
        Some(Expect {
            status: status?,
            schema: schema?,
            body: body?,
            headers: headers?,
            jwt: jwt?,
        })
    }

    fn jwt_checks(
        &mut self,
        value: &Value,
        path: &YamlPath,
        ctx: &StepCtx,
    ) -> Option<Vec<JwtCheck>> {
        let map = self.mapping(value, path, &format!("`jwt` in `expect` of {}", ctx.label))?;
        let mut checks = Vec::new();
        let mut ok = true;
        for (json_path, value) in self.entries(map, path) {
            let entry_path = path.key(&json_path);
            let key_mark = self.key_mark(&entry_path);
            let valid_path = self.json_path(&json_path, key_mark, &ctx.label);
            let place = format!("in `jwt` `{json_path}` of {}", ctx.label);
            let Some(spec) = self.mapping(
                value,
                &entry_path,
                &format!("`jwt` `{json_path}` of {}", ctx.label),
            ) else {
                ok = false;
                continue;
            };
            self.check_keys(spec, &entry_path, &JWT_KEYS, &place);
            let verify_signature = match spec.get("verify_signature") {
                None => Some(true),
                Some(value) => self.boolean(
                    value,
                    &entry_path.key("verify_signature"),
                    &format!("`verify_signature` {place}"),
                ),
            };
            let not_expired = match spec.get("not_expired") {
                None => Some(true),
                Some(value) => self.boolean(
                    value,
                    &entry_path.key("not_expired"),
                    &format!("`not_expired` {place}"),
                ),
            };
            let header = match spec.get("header") {
                None | Some(Value::Null) => Some(Vec::new()),
                Some(value) => self.body_checks(value, &entry_path.key("header"), ctx),
            };
            let claims = match spec.get("claims") {
                None | Some(Value::Null) => Some(Vec::new()),
                Some(value) => self.body_checks(value, &entry_path.key("claims"), ctx),
            };
            match (valid_path, verify_signature, not_expired, header, claims) {
                (true, Some(verify_signature), Some(not_expired), Some(header), Some(claims)) => {
                    checks.push(JwtCheck {
                        path: json_path,
                        verify_signature,
                        not_expired,
                        header,
                        claims,
                        span: key_mark.span,
                    });
                }
                _ => ok = false,
            }
        }
        ok.then_some(checks)
    }

    fn status(&mut self, value: &Value, path: &YamlPath, ctx: &StepCtx) -> Option<Vec<u16>> {
        let mut codes = Vec::new();
        match value {
            Value::Number(_) => codes.push(self.status_code(value, path, ctx)?),
            Value::Sequence(items) if items.is_empty() => {
                self.report(
                    self.value_mark(path),
                    format!("`status` in {} is an empty list", ctx.label),
                    Some(
                        "list the status codes that are acceptable, e.g. `[200, 201]`".to_string(),
                    ),
                );
                return None;
            }
            Value::Sequence(items) => {
                let mut ok = true;
                for (idx, item) in items.iter().enumerate() {
                    match self.status_code(item, &path.index(idx), ctx) {
                        Some(code) => codes.push(code),
                        None => ok = false,
                    }
                }
                if !ok {
                    return None;
                }
            }
            other => {
                self.report(
                    self.value_mark(path),
                    format!(
                        "expected a status code or a list of status codes for `status` in {}, found {}",
                        ctx.label,
                        describe(other)
                    ),
                    Some("write e.g. `status: 200` or `status: [200, 201]`".to_string()),
                );
                return None;
            }
        }
        Some(codes)
    }

    fn status_code(&mut self, value: &Value, path: &YamlPath, ctx: &StepCtx) -> Option<u16> {
        let code = match value {
            Value::Number(n) => n.as_u64().and_then(|n| u16::try_from(n).ok()),
            _ => None,
        };
        match code {
            Some(code) if (100..=599).contains(&code) => Some(code),
            _ => {
                self.report(
                    self.value_mark(path),
                    format!(
                        "expected an http status code for `status` in {}, found {}",
                        ctx.label,
                        describe(value)
                    ),
                    Some("status codes are whole numbers from 100 to 599".to_string()),
                );
                None
            }
        }
    }

    fn body_checks(
        &mut self,
        value: &Value,
        path: &YamlPath,
        ctx: &StepCtx,
    ) -> Option<Vec<BodyCheck>> {
        let map = self.mapping(value, path, &format!("`body` in `expect` of {}", ctx.label))?;
        let mut checks = Vec::new();
        let mut ok = true;
        for (json_path, value) in self.entries(map, path) {
            let entry_path = path.key(&json_path);
            let key_mark = self.key_mark(&entry_path);
            let valid_path = self.json_path(&json_path, key_mark, &ctx.label);
            let matcher = self.matcher(
                value,
                &entry_path,
                &format!("`{json_path}` in {}", ctx.label),
            );
            match (valid_path, matcher) {
                (true, Some(matcher)) => checks.push(BodyCheck {
                    path: json_path,
                    matcher,
                    span: key_mark.span,
                }),
                _ => ok = false,
            }
        }
        ok.then_some(checks)
    }

    /// Checks that `json_path` parses, reporting the parser's complaint at the offending character.
    fn json_path(&mut self, json_path: &str, mark: Mark, label: &str) -> bool {
        let Err(error) = JsonPath::parse(json_path) else {
            return true;
        };
        if !json_path.starts_with('$') {
            self.report(
                mark,
                format!("invalid jsonpath `{json_path}` in {label}: a jsonpath starts with `$`"),
                Some(format!("write e.g. `$.{json_path}`")),
            );
            return false;
        }
        // The parser's position counts bytes from 0; jsonpaths in scenarios are nearly always ASCII.
        let offset = error.position();
        let problem = if error.message() == "parser error" {
            match json_path.get(offset..).filter(|rest| !rest.is_empty()) {
                Some(rest) => format!("syntax error at `{rest}`"),
                None => "unexpected end".to_string(),
            }
        } else {
            error.message().to_string()
        };
        // Point at the character the parser stopped at when the key is written without quotes.
        let mark = if mark.width == json_path.chars().count() {
            let offset = offset.min(mark.width.saturating_sub(1));
            Mark {
                span: super::Span {
                    line: mark.span.line,
                    col: mark.span.col + offset,
                },
                width: 1,
            }
        } else {
            mark
        };
        self.report(
            mark,
            format!("invalid jsonpath `{json_path}` in {label}: {problem}"),
            Some("jsonpaths follow rfc 9535, e.g. `$.error` or `$.items[0].id`".to_string()),
        );
        false
    }

    fn header_checks(
        &mut self,
        value: &Value,
        path: &YamlPath,
        ctx: &StepCtx,
    ) -> Option<Vec<HeaderCheck>> {
        let map = self.mapping(
            value,
            path,
            &format!("`headers` in `expect` of {}", ctx.label),
        )?;
        let mut checks = Vec::new();
        let mut ok = true;
        for (name, value) in self.entries(map, path) {
            let entry_path = path.key(&name);
            let lower =
                self.header_name(&name, &entry_path, &format!("in `expect` of {}", ctx.label));
            let matcher = self.matcher(
                value,
                &entry_path,
                &format!("header `{name}` in {}", ctx.label),
            );
            match (lower, matcher) {
                (Some(lower), Some(matcher)) => checks.push(HeaderCheck {
                    name: lower,
                    matcher,
                    span: self.key_mark(&entry_path).span,
                }),
                _ => ok = false,
            }
        }
        ok.then_some(checks)
    }

    /// Reads a matcher: a scalar or sequence to compare with, or a mapping of rules.
    fn matcher(&mut self, value: &Value, path: &YamlPath, subject: &str) -> Option<Matcher> {
        let map = match value {
            Value::Mapping(map) if map.is_empty() => {
                self.report(
                    self.value_mark(path),
                    format!("empty matcher for {subject}"),
                    Some("use `equals: {}` to compare with an empty object".to_string()),
                );
                return None;
            }
            Value::Mapping(map) => map,
            other => {
                let json = self.json_value(other, path, subject)?;
                return Some(Matcher {
                    rules: vec![MatchRule::Equals(json)],
                });
            }
        };
        let mut rules = Vec::new();
        let mut ok = true;
        for (key, value) in self.entries(map, path) {
            let rule_path = path.key(&key);
            let what = format!("`{key}` of {subject}");
            let rule = match key.as_str() {
                "equals" => self
                    .json_value(value, &rule_path, &what)
                    .map(MatchRule::Equals),
                "not_equals" => self
                    .json_value(value, &rule_path, &what)
                    .map(MatchRule::NotEquals),
                "contains" => self
                    .json_value(value, &rule_path, &what)
                    .map(MatchRule::Contains),
                "exists" => self
                    .boolean(value, &rule_path, &what)
                    .map(MatchRule::Exists),
                "absent" => self
                    .boolean(value, &rule_path, &what)
                    .map(MatchRule::Absent),
                "regex" => self
                    .string(value, &rule_path, &what)
                    .filter(|pattern| self.regex(pattern, &rule_path, subject, false))
                    .map(MatchRule::Regex),
                "type" => self
                    .json_type(value, &rule_path, subject)
                    .map(MatchRule::Type),
                "one_of" => self.one_of(value, &rule_path, &what).map(MatchRule::OneOf),
                unknown => {
                    let hint = suggestion(unknown, &MATCHER_KEYS).unwrap_or_else(|| {
                        format!("the matchers are {}", one_of_and(&MATCHER_KEYS))
                    });
                    self.report(
                        self.key_mark(&rule_path),
                        format!("unknown matcher `{unknown}` for {subject}"),
                        Some(hint),
                    );
                    None
                }
            };
            match rule {
                Some(rule) => rules.push(rule),
                None => ok = false,
            }
        }
        (ok && !rules.is_empty()).then_some(Matcher { rules })
    }

    fn json_type(&mut self, value: &Value, path: &YamlPath, subject: &str) -> Option<JsonType> {
        let name = self.string(value, path, &format!("`type` of {subject}"))?;
        if let Some(json_type) = JsonType::ALL.iter().find(|t| t.as_str() == name) {
            return Some(*json_type);
        }
        let names: Vec<&str> = JsonType::ALL.iter().map(|t| t.as_str()).collect();
        let hint = suggestion(&name, &names)
            .unwrap_or_else(|| format!("the types are {}", one_of_and(&names)));
        self.report(
            self.value_mark(path),
            format!("unknown type `{name}` for {subject}"),
            Some(hint),
        );
        None
    }

    fn one_of(
        &mut self,
        value: &Value,
        path: &YamlPath,
        what: &str,
    ) -> Option<Vec<serde_json::Value>> {
        match value {
            Value::Sequence(items) if !items.is_empty() => {
                let mut values = Vec::new();
                let mut ok = true;
                for (idx, item) in items.iter().enumerate() {
                    match self.json_value(item, &path.index(idx), what) {
                        Some(json) => values.push(json),
                        None => ok = false,
                    }
                }
                ok.then_some(values)
            }
            other => {
                self.report(
                    self.value_mark(path),
                    format!(
                        "expected a non-empty list for {what}, found {}",
                        describe(other)
                    ),
                    Some("write e.g. `one_of: [invalid_grant, unauthorized_client]`".to_string()),
                );
                None
            }
        }
    }

    /// Checks that `pattern` compiles (and, for captures, has a group 1). Patterns holding a template are only
    /// known once rendered, so they are let through.
    fn regex(&mut self, pattern: &str, path: &YamlPath, subject: &str, needs_group: bool) -> bool {
        if pattern.contains("{{") {
            return true;
        }
        match regex::Regex::new(pattern) {
            Ok(regex) if needs_group && regex.captures_len() < 2 => {
                self.report(
                    self.value_mark(path),
                    format!("regex `{pattern}` of {subject} has no capture group"),
                    Some("the captured value is group 1, e.g. `code=([0-9]+)`".to_string()),
                );
                false
            }
            Ok(_) => true,
            Err(error) => {
                self.report(
                    self.value_mark(path),
                    format!(
                        "invalid regex `{pattern}` for {subject}: {}",
                        regex_problem(&error)
                    ),
                    None,
                );
                false
            }
        }
    }

    fn captures(&mut self, value: &Value, ctx: &StepCtx) -> Option<Vec<CaptureSpec>> {
        let path = ctx.path.key("capture");
        let map = self.mapping(value, &path, &format!("`capture` of {}", ctx.label))?;
        let mut captures = Vec::new();
        let mut ok = true;
        for (name, spec) in self.entries(map, &path) {
            let capture_path = path.key(&name);
            let name_ok = self.capture_name(&name, &capture_path, &ctx.label);
            match (name_ok, self.capture_spec(&name, spec, &capture_path, ctx)) {
                (true, Some(capture)) => captures.push(capture),
                _ => ok = false,
            }
        }
        ok.then_some(captures)
    }

    fn capture_name(&mut self, name: &str, path: &YamlPath, label: &str) -> bool {
        let mut chars = name.chars();
        let is_identifier = chars
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !is_identifier {
            self.report(
                self.key_mark(path),
                format!("invalid capture name `{name}` in {label}"),
                Some("a capture is used as `{{ name }}`: use letters, digits and `_`, not starting with a digit".to_string()),
            );
            return false;
        }
        if TEMPLATE_NAMESPACES.contains(&name) {
            self.report(
                self.key_mark(path),
                format!(
                    "capture name `{name}` in {label} collides with the template namespace `{name}`"
                ),
                Some(format!(
                    "{} are reserved for the template context: pick another name",
                    one_of_and(&TEMPLATE_NAMESPACES)
                )),
            );
            return false;
        }
        true
    }

    fn capture_spec(
        &mut self,
        name: &str,
        spec: &Value,
        path: &YamlPath,
        ctx: &StepCtx,
    ) -> Option<CaptureSpec> {
        let span = self.key_mark(path).span;
        let subject = format!("capture `{name}` in {}", ctx.label);
        let map = match spec {
            Value::String(json_path) => {
                let valid = self.json_path(json_path, self.value_mark(path), &ctx.label);
                return valid.then(|| CaptureSpec {
                    name: name.to_string(),
                    source: CaptureSource::JsonPath(json_path.clone()),
                    query: None,
                    regex: None,
                    secret: false,
                    span,
                });
            }
            Value::Mapping(map) => map,
            other => {
                self.report(
                    self.value_mark(path),
                    format!(
                        "expected a jsonpath or a mapping for {subject}, found {}",
                        describe(other)
                    ),
                    Some(
                        "write e.g. `token: $.access_token` or `redirect: { header: location }`"
                            .to_string(),
                    ),
                );
                return None;
            }
        };
        self.check_keys(map, path, &CAPTURE_KEYS, &format!("in {subject}"));
        let source = match (map.get("jsonpath"), map.get("header")) {
            (None, None) => {
                self.report(
                    self.key_mark(path),
                    format!("{subject} has no source"),
                    Some("give it `jsonpath: $.field` or `header: name`".to_string()),
                );
                None
            }
            (Some(_), Some(_)) => {
                self.report(
                    self.key_mark(&path.key("header")),
                    format!("{subject} has both `jsonpath` and `header`"),
                    Some("a capture takes one value: keep one of them".to_string()),
                );
                None
            }
            (Some(value), None) => {
                let value_path = path.key("jsonpath");
                self.string(value, &value_path, &format!("`jsonpath` of {subject}"))
                    .filter(|json_path| {
                        let mark = self.value_mark(&value_path);
                        self.json_path(json_path, mark, &ctx.label)
                    })
                    .map(CaptureSource::JsonPath)
            }
            (None, Some(value)) => {
                let value_path = path.key("header");
                self.string(value, &value_path, &format!("`header` of {subject}"))
                    .and_then(|header| {
                        self.header_name(&header, &value_path, &format!("in {subject}"))
                    })
                    .map(CaptureSource::Header)
            }
        };
        let query = match map.get("query") {
            None => Some(None),
            Some(value) => self
                .non_empty_string(value, &path.key("query"), &format!("`query` of {subject}"))
                .map(Some),
        };
        let regex = match map.get("regex") {
            None => Some(None),
            Some(value) => {
                let regex_path = path.key("regex");
                self.string(value, &regex_path, &format!("`regex` of {subject}"))
                    .filter(|pattern| self.regex(pattern, &regex_path, &subject, true))
                    .map(Some)
            }
        };
        let secret = match map.get("secret") {
            None => Some(false),
            Some(value) => self.boolean(
                value,
                &path.key("secret"),
                &format!("`secret` of {subject}"),
            ),
        };
        Some(CaptureSpec {
            name: name.to_string(),
            source: source?,
            query: query?,
            regex: regex?,
            secret: secret?,
            span,
        })
    }

    fn otp_step(&mut self, map: &Mapping, ctx: &StepCtx) -> Option<OtpStep> {
        let path = ctx.path.key("otp");
        let value = map.get("otp")?;
        let map = self.mapping(value, &path, &format!("`otp` of {}", ctx.label))?;
        let place = format!("in `otp` of {}", ctx.label);
        self.check_keys(map, &path, &OTP_KEYS, &place);

        let to = match map.get("to") {
            None => {
                self.report(
                    self.key_mark(&path),
                    format!("missing `to` {place}"),
                    Some("add the address the code was sent to, e.g. `to: \"{{ users.email_user.email }}\"`".to_string()),
                );
                None
            }
            Some(value) => self.template_string(value, &path.key("to"), &format!("`to` {place}")),
        };
        let channel = match map.get("channel") {
            None => Some(None),
            Some(value) => {
                let channel_path = path.key("channel");
                self.string(value, &channel_path, &format!("`channel` {place}"))
                    .and_then(|name| match name.as_str() {
                        "email" => Some(Some(Channel::Email)),
                        "sms" => Some(Some(Channel::Sms)),
                        _ => {
                            let hint = suggestion(&name, &CHANNELS).unwrap_or_else(|| {
                                format!("the channels are {}", one_of_and(&CHANNELS))
                            });
                            self.report(
                                self.value_mark(&channel_path),
                                format!("unknown channel `{name}` {place}"),
                                Some(hint),
                            );
                            None
                        }
                    })
            }
        };
        let capture = match map.get("capture") {
            None => Some(vec![("code".to_string(), OtpField::Code)]),
            Some(value) => self.otp_captures(value, &path.key("capture"), ctx),
        };
        Some(OtpStep {
            to: to?,
            channel: channel?,
            capture: capture?,
        })
    }

    fn otp_captures(
        &mut self,
        value: &Value,
        path: &YamlPath,
        ctx: &StepCtx,
    ) -> Option<Vec<(String, OtpField)>> {
        let map = match value {
            Value::Mapping(map) if !map.is_empty() => map,
            Value::Null | Value::Mapping(_) => {
                self.report(
                    self.key_mark(path),
                    format!("`capture` in `otp` of {} is empty", ctx.label),
                    Some("leave it out to capture the code as `code`".to_string()),
                );
                return None;
            }
            other => {
                self.report(
                    self.value_mark(path),
                    format!(
                        "expected a mapping for `capture` in `otp` of {}, found {}",
                        ctx.label,
                        describe(other)
                    ),
                    Some("write e.g. `capture: { code: code, link: link }`".to_string()),
                );
                return None;
            }
        };
        let mut captures = Vec::new();
        let mut ok = true;
        for (name, value) in self.entries(map, path) {
            let capture_path = path.key(&name);
            let name_ok = self.capture_name(&name, &capture_path, &ctx.label);
            let subject = format!("capture `{name}` in {}", ctx.label);
            let field = self
                .string(value, &capture_path, &subject)
                .and_then(|field| self.otp_field(&field, &capture_path, &subject));
            match (name_ok, field) {
                (true, Some(field)) => captures.push((name, field)),
                _ => ok = false,
            }
        }
        ok.then_some(captures)
    }

    fn otp_field(&mut self, field: &str, path: &YamlPath, subject: &str) -> Option<OtpField> {
        match field {
            "code" => return Some(OtpField::Code),
            "link" => return Some(OtpField::Link),
            "body" => return Some(OtpField::Body),
            _ => {}
        }
        if let Some(param) = field.strip_prefix("link_query.")
            && !param.is_empty()
        {
            return Some(OtpField::LinkQuery(param.to_string()));
        }
        let hint = if field.starts_with("link_query") {
            "name the query parameter, e.g. `link_query.code`".to_string()
        } else {
            suggestion(field, &OTP_FIELDS[..3])
                .unwrap_or_else(|| format!("the fields are {}", one_of_and(&OTP_FIELDS)))
        };
        self.report(
            self.value_mark(path),
            format!("unknown otp field `{field}` for {subject}"),
            Some(hint),
        );
        None
    }

    fn clock_step(&mut self, map: &Mapping, ctx: &StepCtx) -> Option<ClockStep> {
        let path = ctx.path.key("clock");
        let value = map.get("clock")?;
        let map = self.mapping(value, &path, &format!("`clock` of {}", ctx.label))?;
        let place = format!("in `clock` of {}", ctx.label);
        self.check_keys(map, &path, &CLOCK_KEYS, &place);
        let Some(value) = map.get("advance") else {
            self.report(
                self.key_mark(&path),
                format!("missing `advance` {place}"),
                Some(
                    "add how many seconds to move the clock forward, e.g. `advance: 181`"
                        .to_string(),
                ),
            );
            return None;
        };
        match value {
            Value::Number(n) if n.as_u64().is_some_and(|seconds| seconds > 0) => n
                .as_u64()
                .map(|advance_seconds| ClockStep { advance_seconds }),
            other => {
                self.report(
                    self.value_mark(&path.key("advance")),
                    format!(
                        "expected a positive whole number of seconds for `advance` {place}, found {}",
                        describe(other)
                    ),
                    Some("write e.g. `advance: 181`".to_string()),
                );
                None
            }
        }
    }

    // ----- Generic readers. Each reports its own problem and returns `None` on failure.

    /// Yields the entries of `map` with string keys, reporting other keys and merge keys (`<<`).
    fn entries<'v>(&mut self, map: &'v Mapping, path: &YamlPath) -> Vec<(String, &'v Value)> {
        let mut entries = Vec::new();
        for (key, value) in map {
            match key {
                Value::String(key) if key == "<<" => {
                    self.report(
                        self.key_mark(&path.key(key)),
                        "yaml merge keys (`<<`) are not supported".to_string(),
                        Some("write the keys out; an anchor can still stand for a whole value (`key: *anchor`)".to_string()),
                    );
                }
                Value::String(key) => entries.push((key.clone(), value)),
                other => {
                    let mark = match scalar_text(other) {
                        Some(text) => self.key_mark(&path.key(&text)),
                        None => self.value_mark(path),
                    };
                    self.report(
                        mark,
                        format!("expected a string key, found {}", describe(other)),
                        template_hint(&Value::Mapping(map.clone()))
                            .or_else(|| Some("quote the key to make it a string".to_string())),
                    );
                }
            }
        }
        entries
    }

    /// Reports every key of `map` that is not in `allowed`, suggesting the nearest allowed key.
    fn check_keys(&mut self, map: &Mapping, path: &YamlPath, allowed: &[&str], place: &str) {
        for (key, _) in self.entries(map, path) {
            if allowed.contains(&key.as_str()) {
                continue;
            }
            let hint = suggestion(&key, allowed)
                .unwrap_or_else(|| format!("expected one of {}", one_of(allowed)));
            self.report(
                self.key_mark(&path.key(&key)),
                format!("unknown key `{key}` {place}"),
                Some(hint),
            );
        }
    }

    fn mapping<'v>(
        &mut self,
        value: &'v Value,
        path: &YamlPath,
        what: &str,
    ) -> Option<&'v Mapping> {
        if let Value::Mapping(map) = value {
            if has_merge_key(map) {
                // Its other keys would look missing; the merge key is the one problem to report.
                self.entries(map, path);
                return None;
            }
            return Some(map);
        }
        let mark = match value {
            Value::Null => self.key_mark(path),
            _ => self.value_mark(path),
        };
        self.report(
            mark,
            format!("expected a mapping for {what}, found {}", describe(value)),
            None,
        );
        None
    }

    fn string(&mut self, value: &Value, path: &YamlPath, what: &str) -> Option<String> {
        if let Value::String(text) = value {
            return Some(text.clone());
        }
        let hint = match value {
            Value::Number(_) | Value::Bool(_) => Some("quote it to make it a string".to_string()),
            other => template_hint(other),
        };
        let mark = match value {
            Value::Null => self.key_mark(path),
            _ => self.value_mark(path),
        };
        self.report(
            mark,
            format!("expected a string for {what}, found {}", describe(value)),
            hint,
        );
        None
    }

    fn non_empty_string(&mut self, value: &Value, path: &YamlPath, what: &str) -> Option<String> {
        let text = self.string(value, path, what)?;
        if !text.trim().is_empty() {
            return Some(text);
        }
        self.report(self.value_mark(path), format!("{what} is empty"), None);
        None
    }

    fn string_list(&mut self, value: &Value, path: &YamlPath, what: &str) -> Option<Vec<String>> {
        let Value::Sequence(items) = value else {
            self.report(
                self.value_mark(path),
                format!(
                    "expected a list of strings for {what}, found {}",
                    describe(value)
                ),
                Some("write e.g. `[email, happy-path]`".to_string()),
            );
            return None;
        };
        let mut strings = Vec::new();
        let mut ok = true;
        for (idx, item) in items.iter().enumerate() {
            match self.string(item, &path.index(idx), &format!("an item of {what}")) {
                Some(text) => strings.push(text),
                None => ok = false,
            }
        }
        ok.then_some(strings)
    }

    /// A string that will be rendered as a template: its `{{` must be closed.
    fn template_string(&mut self, value: &Value, path: &YamlPath, what: &str) -> Option<String> {
        let text = self.string(value, path, what)?;
        self.check_template(&text, path, what).then_some(text)
    }

    fn check_template(&mut self, text: &str, path: &YamlPath, what: &str) -> bool {
        if !has_unclosed_expression(text) {
            return true;
        }
        self.report(
            self.value_mark(path),
            format!("unclosed template expression in {what}: `{{{{` without `}}}}`"),
            Some("close the expression, e.g. `{{ code }}`".to_string()),
        );
        false
    }

    fn boolean(&mut self, value: &Value, path: &YamlPath, what: &str) -> Option<bool> {
        if let Value::Bool(b) = value {
            return Some(*b);
        }
        self.report(
            self.value_mark(path),
            format!(
                "expected `true` or `false` for {what}, found {}",
                describe(value)
            ),
            None,
        );
        None
    }

    /// Converts a YAML value to JSON, keeping integers as integers and checking template strings.
    fn json_value(
        &mut self,
        value: &Value,
        path: &YamlPath,
        what: &str,
    ) -> Option<serde_json::Value> {
        match value {
            Value::Null => Some(serde_json::Value::Null),
            Value::Bool(b) => Some(serde_json::Value::Bool(*b)),
            Value::Number(n) => {
                let number = if let Some(i) = n.as_i64() {
                    Some(serde_json::Number::from(i))
                } else if let Some(u) = n.as_u64() {
                    Some(serde_json::Number::from(u))
                } else {
                    n.as_f64().and_then(serde_json::Number::from_f64)
                };
                if number.is_none() {
                    self.report(
                        self.value_mark(path),
                        format!("`{n}` in {what} cannot be represented in json"),
                        Some("json numbers are finite: no `.nan` or `.inf`".to_string()),
                    );
                }
                number.map(serde_json::Value::Number)
            }
            Value::String(text) => self
                .check_template(text, path, what)
                .then(|| serde_json::Value::String(text.clone())),
            Value::Sequence(items) => {
                let mut values = Vec::new();
                let mut ok = true;
                for (idx, item) in items.iter().enumerate() {
                    match self.json_value(item, &path.index(idx), what) {
                        Some(json) => values.push(json),
                        None => ok = false,
                    }
                }
                ok.then_some(serde_json::Value::Array(values))
            }
            Value::Mapping(map) => {
                let mut object = serde_json::Map::new();
                let mut ok = true;
                for (key, item) in map {
                    let key_text = match key {
                        Value::String(key) if key == "<<" => None,
                        Value::String(key) => Some(key.clone()),
                        other => scalar_text(other),
                    };
                    let Some(key_text) = key_text else {
                        // Let `entries` word the problem with the key.
                        let single = Mapping::from_iter([(key.clone(), item.clone())]);
                        self.entries(&single, path);
                        ok = false;
                        continue;
                    };
                    match self.json_value(item, &path.key(&key_text), what) {
                        Some(json) => {
                            object.insert(key_text, json);
                        }
                        None => ok = false,
                    }
                }
                ok.then_some(serde_json::Value::Object(object))
            }
            Value::Tagged(tagged) => {
                self.report(
                    self.value_mark(path),
                    format!(
                        "yaml tags are not supported, found `{}` in {what}",
                        tagged.tag
                    ),
                    Some("remove the tag".to_string()),
                );
                None
            }
        }
    }
}

fn has_merge_key(map: &Mapping) -> bool {
    map.keys().any(|key| key.as_str() == Some("<<"))
}

/// The text of a scalar used as a mapping key, as it would appear in the source.
fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        Value::Null => Some("null".to_string()),
        Value::String(text) => Some(text.clone()),
        _ => None,
    }
}

/// "did you mean `x`?" when a candidate is close enough.
fn suggestion(word: &str, candidates: &[&str]) -> Option<String> {
    did_you_mean(word, candidates).map(|candidate| format!("did you mean `{candidate}`?"))
}

/// `a`, `b` and `c`: all of the names, for messages.
fn one_of_and(names: &[&str]) -> String {
    let quoted: Vec<String> = names.iter().map(|name| format!("`{name}`")).collect();
    match quoted.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
    }
}

/// A short description of a YAML value for "found ..." messages.
fn describe(value: &Value) -> String {
    match value {
        Value::Null => "nothing".to_string(),
        Value::Bool(b) => format!("the boolean `{b}`"),
        Value::Number(n) => format!("the number `{n}`"),
        Value::String(text) => {
            let shown: String = text.chars().take(40).collect();
            let ellipsis = if text.chars().count() > 40 { "…" } else { "" };
            format!("the string `{shown}{ellipsis}`")
        }
        Value::Sequence(_) => "a list".to_string(),
        Value::Mapping(_) => "a mapping".to_string(),
        Value::Tagged(tagged) => format!("a value tagged `{}`", tagged.tag),
    }
}

/// An unquoted `{{ x }}` is a YAML flow mapping whose key is a mapping; say so.
fn template_hint(value: &Value) -> Option<String> {
    let Value::Mapping(map) = value else {
        return None;
    };
    map.keys()
        .any(|key| matches!(key, Value::Mapping(_)))
        .then(|| {
            "quote templates: `\"{{ ... }}\"`; unquoted, `{{` starts a yaml mapping".to_string()
        })
}

/// Whether some `{{` in `text` has no `}}` after it.
fn has_unclosed_expression(text: &str) -> bool {
    let mut rest = text;
    while let Some(open) = rest.find("{{") {
        let after = &rest[open + 2..];
        match after.find("}}") {
            Some(close) => rest = &after[close + 2..],
            None => return true,
        }
    }
    false
}

/// The interesting part of a regex error: its last line (`error: unclosed group`) without the prefix.
fn regex_problem(error: &regex::Error) -> String {
    let text = error.to_string();
    let last = text
        .lines()
        .rev()
        .find(|line| !line.trim().is_empty())
        .unwrap_or("");
    last.trim().trim_start_matches("error: ").to_string()
}

/// Removes libyaml's ` at line N column M` / ` at position N` from a message: the diagnostic shows the position.
fn strip_locations(message: &str) -> String {
    let mut out = String::new();
    let mut rest = message;
    while let Some(idx) = rest.find(" at ") {
        out.push_str(&rest[..idx]);
        let after = &rest[idx + 4..];
        let skipped = skip_location(after);
        if skipped.len() == after.len() {
            out.push_str(" at ");
        }
        rest = skipped;
    }
    out.push_str(rest);
    out
}

/// The last `at line N column M` in a libyaml message (its context mark, when it has one).
fn last_location(message: &str) -> Option<(usize, usize)> {
    let idx = message.rfind(" at line ")?;
    let rest = &message[idx + " at line ".len()..];
    let (line, rest) = rest.split_once(" column ")?;
    let col: String = rest.chars().take_while(char::is_ascii_digit).collect();
    Some((line.parse().ok()?, col.parse().ok()?))
}

/// Skips `line N column M` or `position N` at the start of `text`, if present.
fn skip_location(text: &str) -> &str {
    fn number(text: &str) -> Option<&str> {
        let digits = text.chars().take_while(char::is_ascii_digit).count();
        (digits > 0).then(|| &text[digits..])
    }
    if let Some(rest) = text.strip_prefix("line ")
        && let Some(rest) = number(rest)
            .and_then(|r| r.strip_prefix(" column "))
            .and_then(number)
    {
        return rest;
    }
    if let Some(rest) = text.strip_prefix("position ").and_then(number) {
        return rest;
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_libyaml_positions_from_messages() {
        assert_eq!(
            strip_locations(
                "did not find expected key at line 3 column 1, while parsing a block mapping at line 1 column 1"
            ),
            "did not find expected key, while parsing a block mapping"
        );
        assert_eq!(strip_locations("found it at home"), "found it at home");
        assert_eq!(strip_locations("oops at position 12"), "oops");
        assert_eq!(
            last_location(
                "end of stream at line 8 column 1, while scanning a quoted scalar at line 6 column 13"
            ),
            Some((6, 13))
        );
    }

    #[test]
    fn finds_unclosed_template_expressions() {
        assert!(!has_unclosed_expression("{{ a }} and {{ b }}"));
        assert!(!has_unclosed_expression("no template"));
        assert!(has_unclosed_expression("{{ a }} and {{ b"));
        assert!(has_unclosed_expression("{{ a"));
    }

    #[test]
    fn keeps_the_last_line_of_regex_errors() {
        // Built at run time so that clippy does not reject the deliberately broken pattern.
        let pattern = String::from("(");
        let error = regex::Regex::new(&pattern).err();
        let problem = error.map(|e| regex_problem(&e));
        assert_eq!(problem.as_deref(), Some("unclosed group"));
    }
}
