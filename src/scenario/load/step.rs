//! Steps: the `steps:` list, what each step does (`request`, `otp`, `clock`, or `use` of a flow, read in
//! `flow.rs`), polling, and the checks that span steps (unique names, capabilities a step needs).

use std::collections::HashMap;

use super::Loader;
use super::text::{At, describe, has_merge_key, one_of_and, suggestion};
use super::tree::Yaml;
use crate::scenario::model::{
    Capability, Channel, ClockStep, Expect, HttpStep, OtpField, OtpStep, Poll, Step, StepKind,
};
use crate::scenario::references::CaptureDef;

pub(crate) const STEP_KEYS: [&str; 9] = [
    "name", "request", "expect", "capture", "poll", "otp", "clock", "use", "with",
];
/// The keys that say what a step does; a step has exactly one.
const ACTION_KEYS: [&str; 4] = ["request", "otp", "clock", "use"];
pub(crate) const POLL_KEYS: [&str; 6] = [
    "until",
    "stop_if",
    "interval",
    "max_attempts",
    "max_seconds",
    "slow_down",
];
pub(crate) const CLOCK_KEYS: [&str; 1] = ["advance"];
pub(crate) const OTP_KEYS: [&str; 3] = ["to", "channel", "capture"];
const CHANNELS: [&str; 2] = ["email", "sms"];

/// What the checks of one step need to know to word their messages.
pub(super) struct StepCtx<'n> {
    /// The step's mapping.
    pub at: At<'n>,
    /// `step 2 (`send a code`)`, or `step 2` when the step has no usable name.
    pub label: String,
}

impl Loader<'_> {
    /// Reads `steps:`. `requires` is the scenario's `requires:`, which its steps' needs are checked against;
    /// `None` for a flow, whose needs its callers must require.
    pub(super) fn steps(
        &mut self,
        root: At<'_>,
        requires: Option<&[Capability]>,
    ) -> Option<Vec<Step>> {
        let Some(steps_at) = root.get("steps") else {
            self.report(
                root.value_mark(),
                "missing required key `steps` at the top level".to_string(),
                Some("add `steps:` with at least one step".to_string()),
            );
            return None;
        };
        let items = match &steps_at.node.yaml {
            Yaml::Seq(items) if !items.is_empty() => items,
            Yaml::Null | Yaml::Seq(_) => {
                self.report(
                    steps_at.value_mark(),
                    "`steps` is empty".to_string(),
                    Some("add at least one step".to_string()),
                );
                return None;
            }
            other => {
                self.report(
                    steps_at.value_mark(),
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
            self.step = idx;
            let step_at = At {
                node: &item.value,
                intro: item.dash,
            };
            let Some(step) = self.step(idx, step_at) else {
                ok = false;
                continue;
            };
            if let Some(first) = first_step_named.get(&step.name) {
                ok = false;
                let mark = step_at
                    .get("name")
                    .map_or(step_at.key_mark(), At::value_mark);
                self.report(
                    mark,
                    format!("duplicate step name `{}`", step.name),
                    Some(format!(
                        "step {first} has the same name: give each step a unique name so reports can tell them apart"
                    )),
                );
            } else {
                first_step_named.insert(step.name.clone(), idx + 1);
            }
            let needed = match step.kind {
                StepKind::Http(_) | StepKind::Use(_) => None,
                StepKind::Otp(_) => Some((Capability::Outbox, "otp", "reads the outbox")),
                StepKind::Clock(_) => Some((Capability::Clock, "clock", "moves the clock")),
            };
            if let Some((capability, key, verb)) = needed
                && let Some(requires) = requires
                && !requires.contains(&capability)
                && !missing_capabilities.contains(&capability)
            {
                ok = false;
                missing_capabilities.push(capability);
                let mark = step_at.get(key).map_or(step_at.key_mark(), At::key_mark);
                self.report(
                    mark,
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

    fn step(&mut self, idx: usize, at: At<'_>) -> Option<Step> {
        let number = idx + 1;
        let dash = at.key_mark();
        if !matches!(at.node.yaml, Yaml::Map(_)) {
            self.report(
                at.value_mark(),
                format!(
                    "expected a mapping for step {number}, found {}",
                    describe(&at.node.yaml)
                ),
                Some("a step is a mapping like `- name: send a code` followed by `request:`, `otp:`, `clock:` or `use:`".to_string()),
            );
            return None;
        }
        if has_merge_key(at.node) {
            self.entries(at);
            return None;
        }
        let name = match at.get("name") {
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
            Some(value) => self.non_empty_string(value, &format!("`name` of step {number}")),
        };
        let label = match &name {
            Some(name) => format!("step {number} (`{name}`)"),
            None => format!("step {number}"),
        };
        let ctx = StepCtx { at, label };
        self.check_keys(at, &STEP_KEYS, &format!("in {}", ctx.label));

        let actions: Vec<&str> = ACTION_KEYS
            .iter()
            .copied()
            .filter(|key| at.has(key))
            .collect();
        let action = match actions.as_slice() {
            [] => {
                self.report(
                    dash,
                    format!("{} has no action", ctx.label),
                    Some("give it exactly one of `request`, `otp`, `clock` or `use`".to_string()),
                );
                return None;
            }
            [action] => *action,
            [_, second, ..] => {
                let mark = at.get(second).map_or(dash, At::key_mark);
                self.report(
                    mark,
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
                let Some(misplaced) = at.get(key) else {
                    continue;
                };
                ok = false;
                let hint = if action == "otp" && key == "capture" {
                    "move it under `otp:`: an otp step captures parts of the message there"
                } else if action == "use" {
                    "a flow's steps check and capture: put the check in the flow, or in a step after this one"
                } else {
                    "checks and captures of a response belong to a step with `request`"
                };
                self.report(
                    misplaced.key_mark(),
                    format!(
                        "`{key}` is not allowed in {}, which is {} `{action}` step",
                        ctx.label,
                        if action == "otp" { "an" } else { "a" }
                    ),
                    Some(hint.to_string()),
                );
            }
        }
        if action != "use"
            && let Some(with) = at.get("with")
        {
            ok = false;
            self.misplaced_with(with.key_mark(), &ctx.label, action);
        }
        let kind = match action {
            "request" => self.http_step(&ctx).map(StepKind::Http),
            "otp" => self.otp_step(&ctx).map(StepKind::Otp),
            "use" => self.use_step(&ctx).map(StepKind::Use),
            _ => self.clock_step(&ctx).map(StepKind::Clock),
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

    fn http_step(&mut self, ctx: &StepCtx<'_>) -> Option<HttpStep> {
        let request = ctx
            .at
            .get("request")
            .and_then(|value| self.request(value, ctx));
        let expect = match ctx.at.get_present("expect") {
            None => Some(Expect::default()),
            Some(value) => self.expect_at(value, ctx, "`expect`"),
        };
        let capture = match ctx.at.get_present("capture") {
            None => Some(Vec::new()),
            Some(value) => self.captures(value, ctx),
        };
        let poll = match ctx.at.get_present("poll") {
            None => Some(None),
            Some(value) => self.poll(value, ctx).map(Some),
        };
        Some(HttpStep {
            request: request?,
            expect: expect?,
            capture: capture?,
            poll: poll?,
        })
    }

    fn poll(&mut self, value: At<'_>, ctx: &StepCtx<'_>) -> Option<Poll> {
        let at = self.mapping(value, &format!("`poll` of {}", ctx.label))?;
        let place = format!("in `poll` of {}", ctx.label);
        self.check_keys(at, &POLL_KEYS, &place);
        let until = match at.get("until") {
            Some(value) => self.expect_at(value, ctx, "`until`"),
            None => {
                self.report(
                    at.key_mark(),
                    format!("missing `until` {place}"),
                    Some("say when to stop polling, e.g. `until: { status: 200 }`".to_string()),
                );
                None
            }
        };
        let stop_if = match at.get_present("stop_if") {
            None => Some(None),
            Some(value) => self.expect_at(value, ctx, "`stop_if`").map(Some),
        };
        let interval = self.positive_number(at, "interval", 5, &place);
        let max_attempts = self.positive_number(at, "max_attempts", 10, &place);
        let max_seconds = self.positive_number(at, "max_seconds", 120, &place);
        let slow_down = match at.get("slow_down") {
            None => Some(true),
            Some(value) => self.boolean(value, &format!("`slow_down` {place}")),
        };
        Some(Poll {
            until: until?,
            stop_if: stop_if?,
            interval_seconds: interval?,
            max_attempts: u32::try_from(max_attempts?).unwrap_or(u32::MAX),
            max_seconds: max_seconds?,
            slow_down: slow_down?,
            span: at.key_mark().span,
        })
    }

    /// Reads `key` of `map` as a whole number greater than zero, or `default` when absent.
    fn positive_number(
        &mut self,
        map: At<'_>,
        key: &str,
        default: u64,
        place: &str,
    ) -> Option<u64> {
        let Some(value) = map.get(key) else {
            return Some(default);
        };
        if let Yaml::Int(n) = value.node.yaml
            && n > 0
        {
            return u64::try_from(n).ok();
        }
        self.report(
            value.value_mark(),
            format!(
                "expected a whole number greater than 0 for `{key}` {place}, found {}",
                describe(&value.node.yaml)
            ),
            Some(format!("write e.g. `{key}: {default}`")),
        );
        None
    }

    fn otp_step(&mut self, ctx: &StepCtx<'_>) -> Option<OtpStep> {
        let value = ctx.at.get("otp")?;
        let at = self.mapping(value, &format!("`otp` of {}", ctx.label))?;
        let place = format!("in `otp` of {}", ctx.label);
        self.check_keys(at, &OTP_KEYS, &place);

        let to = match at.get("to") {
            None => {
                self.report(
                    at.key_mark(),
                    format!("missing `to` {place}"),
                    Some("add the address the code was sent to, e.g. `to: \"{{ users.email_user.email }}\"`".to_string()),
                );
                None
            }
            Some(value) => self.template_string(value, &format!("`to` {place}")),
        };
        let channel = match at.get("channel") {
            None => Some(None),
            Some(value) => self
                .string(value, &format!("`channel` {place}"))
                .and_then(|name| match name.as_str() {
                    "email" => Some(Some(Channel::Email)),
                    "sms" => Some(Some(Channel::Sms)),
                    _ => {
                        let hint = suggestion(&name, &CHANNELS).unwrap_or_else(|| {
                            format!("the channels are {}", one_of_and(&CHANNELS))
                        });
                        self.report(
                            value.value_mark(),
                            format!("unknown channel `{name}` {place}"),
                            Some(hint),
                        );
                        None
                    }
                }),
        };
        let capture = match at.get("capture") {
            None => {
                // The default capture is defined where `otp:` is written.
                self.references.captures.push(CaptureDef {
                    name: "code".to_string(),
                    step: self.step,
                    span: at.key_mark().span,
                });
                Some(vec![("code".to_string(), OtpField::Code)])
            }
            Some(value) => self.otp_captures(value, ctx),
        };
        Some(OtpStep {
            to: to?,
            channel: channel?,
            capture: capture?,
        })
    }

    fn clock_step(&mut self, ctx: &StepCtx<'_>) -> Option<ClockStep> {
        let value = ctx.at.get("clock")?;
        let at = self.mapping(value, &format!("`clock` of {}", ctx.label))?;
        let place = format!("in `clock` of {}", ctx.label);
        self.check_keys(at, &CLOCK_KEYS, &place);
        let Some(advance) = at.get("advance") else {
            self.report(
                at.key_mark(),
                format!("missing `advance` {place}"),
                Some(
                    "add how many seconds to move the clock forward, e.g. `advance: 181`"
                        .to_string(),
                ),
            );
            return None;
        };
        match advance.node.yaml {
            Yaml::Int(seconds) if seconds > 0 => u64::try_from(seconds)
                .ok()
                .map(|advance_seconds| ClockStep { advance_seconds }),
            ref other => {
                self.report(
                    advance.value_mark(),
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
}
