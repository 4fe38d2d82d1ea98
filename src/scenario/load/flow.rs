//! Flows: a file under `flows/` (`name`, `params`, `steps`) and the step that runs one (`use:` with `with:`).
//!
//! Takes the YAML tree of a flow file, or the mapping of a step, and gives the [`Flow`] parts or a
//! [`UseStep`]. A flow's params are recorded as given names, so its steps may read them; a `use:` is recorded
//! in [`References::uses`](crate::scenario::References) with the params its `with:` gives, so that the
//! validation stage can find the flow and check them. Finding the flow is not done here: the loader reads
//! no other file.

use super::Loader;
use super::step::StepCtx;
use super::text::{At, describe};
use super::tree::{Mark, Yaml};
use crate::diagnostic::LineIndex;
use crate::scenario::model::{Binding, Located, Param, Step, UseStep};
use crate::scenario::references::FlowUse;
use crate::template;

/// The `name:` at the top of a YAML text, when it is a string: how a flow that does not load is still found
/// by the steps that use it (which then report its problems rather than an unknown flow).
pub fn top_level_name(text: &str) -> Option<String> {
    let lines = LineIndex::new(text);
    let root = super::read::read_yaml(text, &lines).root?;
    match &At::root(&root).get("name")?.node.yaml {
        Yaml::Str(name) => Some(name.clone()),
        _ => None,
    }
}

/// The keys of a flow file.
pub(crate) const FLOW_KEYS: [&str; 4] = ["name", "description", "params", "steps"];
/// The keys of a param written as a mapping.
pub(crate) const PARAM_KEYS: [&str; 2] = ["default", "description"];

/// The fields of a [`Flow`](crate::scenario::Flow) the loader reads.
pub(super) struct FlowParts {
    pub name: String,
    pub name_span: crate::diagnostic::Span,
    pub description: Option<String>,
    pub params: Vec<Param>,
    pub steps: Vec<Step>,
}

impl Loader<'_> {
    /// Reads a flow file's top level (already known to be a mapping without merge keys).
    pub(super) fn flow_parts(&mut self, at: At<'_>) -> Option<FlowParts> {
        self.check_keys(at, &FLOW_KEYS, "at the top level of a flow");
        let name_span = at.get("name").map_or(at.key_mark(), At::value_mark).span;
        let name = match at.get("name") {
            None => {
                self.report(
                    at.value_mark(),
                    "missing required key `name` at the top level of a flow".to_string(),
                    Some("add `name:`: steps run the flow with `use: <name>`".to_string()),
                );
                None
            }
            Some(value) => self.non_empty_string(value, "`name`"),
        };
        let description = match at.get("description") {
            None => Some(None),
            Some(value) => self.string(value, "`description`").map(Some),
        };
        let params = match at.get_present("params") {
            None => Some(Vec::new()),
            Some(value) => self.params(value),
        };
        let steps = self.steps(at, None);
        Some(FlowParts {
            name: name?,
            name_span,
            description: description?,
            params: params?,
            steps: steps?,
        })
    }

    fn params(&mut self, at: At<'_>) -> Option<Vec<Param>> {
        let at = self.mapping(at, "`params`")?;
        let mut params = Vec::new();
        let mut ok = true;
        for (name, value) in self.entries(at) {
            let name_ok = self.given_name(&name, value, "param");
            let param = match &value.node.yaml {
                Yaml::Null => Some(Param {
                    name: name.clone(),
                    default: None,
                    description: None,
                    span: value.key_mark().span,
                }),
                Yaml::Map(_) => self.param_mapping(&name, value),
                other => {
                    self.report(
                        value.value_mark(),
                        format!(
                            "expected nothing or a mapping for param `{name}`, found {}",
                            describe(other)
                        ),
                        Some(format!(
                            "write `{name}:` for a param the caller must give, or `{name}: {{ default: … }}`"
                        )),
                    );
                    None
                }
            };
            match param {
                Some(param) if name_ok => params.push(param),
                _ => ok = false,
            }
        }
        ok.then_some(params)
    }

    fn param_mapping(&mut self, name: &str, value: At<'_>) -> Option<Param> {
        let place = format!("in param `{name}`");
        let at = self.mapping(value, &format!("param `{name}`"))?;
        self.check_keys(at, &PARAM_KEYS, &place);
        let default = match at.get("default") {
            None => Some(None),
            Some(default) => self
                .json_value(default, &format!("`default` {place}"))
                .map(Some),
        };
        let description = match at.get("description") {
            None => Some(None),
            Some(text) => self
                .string(text, &format!("`description` {place}"))
                .map(Some),
        };
        Some(Param {
            name: name.to_string(),
            default: default?,
            description: description?,
            span: value.key_mark().span,
        })
    }

    /// Reads a step's `use:` and `with:`, recording the use.
    pub(super) fn use_step(&mut self, ctx: &StepCtx<'_>) -> Option<UseStep> {
        let value = ctx.at.get("use")?;
        let place = format!("in {}", ctx.label);
        let flow = self.non_empty_string(value, &format!("`use` {place}"));
        let flow = flow.and_then(|flow| {
            if !template::is_template(&flow) {
                return Some(flow);
            }
            self.report(
                value.value_mark(),
                format!("`use` {place} must name a flow, found a template"),
                Some(
                    "flows are found before anything runs: name one, or let a matrix choose it with a template that reads only matrix names (`use: \"code_by_{{ channel }}\"`)"
                        .to_string(),
                ),
            );
            None
        });
        let with = match ctx.at.get_present("with") {
            None => Some(Vec::new()),
            Some(with) => self.bindings(with, &place),
        };
        let (flow, with) = (flow?, with?);
        self.references.uses.push(FlowUse {
            flow: Located {
                value: flow.clone(),
                span: value.value_mark().span,
            },
            width: value.value_mark().width,
            step: self.step,
            step_span: ctx.at.key_mark().span,
            with: with
                .iter()
                .map(|binding| Located {
                    value: binding.name.clone(),
                    span: binding.span,
                })
                .collect(),
        });
        Some(UseStep {
            flow: Located {
                value: flow,
                span: value.value_mark().span,
            },
            with,
            resolved: None,
        })
    }

    fn bindings(&mut self, value: At<'_>, place: &str) -> Option<Vec<Binding>> {
        let at = self.mapping(value, &format!("`with` {place}"))?;
        let mut bindings = Vec::new();
        let mut ok = true;
        for (name, value) in self.entries(at) {
            let json = self.json_value(value, &format!("param `{name}` of `with` {place}"));
            match json {
                Some(json) => bindings.push(Binding {
                    name,
                    value: json,
                    span: value.key_mark().span,
                }),
                None => ok = false,
            }
        }
        ok.then_some(bindings)
    }

    /// Reports a `with:` on a step that does not use a flow.
    pub(super) fn misplaced_with(&mut self, mark: Mark, label: &str, action: &str) {
        self.report(
            mark,
            format!(
                "`with` is not allowed in {label}, which is {} `{action}` step",
                if action == "otp" { "an" } else { "a" }
            ),
            Some("`with` gives params to a flow: it belongs to a step with `use`".to_string()),
        );
    }
}
