//! Flows at run time: a scenario's steps in the order they run, with the flows they use expanded in place.
//!
//! Takes a linked [`Scenario`] and gives a flat plan: each step to run with the name reports and snapshots
//! show (`log in › ask for a code`), the file its lines are in, and the chain of `use:` steps that led there;
//! around each flow's steps, an [`Planned::Enter`] that binds its params and a [`Planned::Leave`] that
//! restores whatever the params hid. Captures are not scoped: a flow's captures stay for the caller's later
//! steps, as a step's do. Linking capped how deep flows nest and how many steps they expand to, so the plan
//! is small and building it cannot recurse far.

use serde_json::Value;

use crate::scenario::{Binding, Flow, Param, Scenario, Span, Step, StepKind, UseStep};
use crate::template::{TemplateContext, TemplateError};

/// Where a step is written, and through which `use:` steps it was reached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepLocation {
    /// The file holding the step, as shown to people (`scenarios/mfa/otp.yaml`, `flows/mfa_login.yaml`).
    pub file: String,
    /// The `use:` steps that led to it, innermost first (empty for a step of the scenario itself).
    pub called_from: Vec<CallSite>,
}

/// A `use:` step on the way to a flow's step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallSite {
    /// The file holding the `use:` step.
    pub file: String,
    /// Where the `use:` step starts.
    pub span: Span,
    /// The `use:` step's full name (`log in`).
    pub step: String,
}

/// One thing the runner does, in order.
pub(super) enum Planned<'s> {
    /// Start a flow: bind its params (rendered with the caller's names).
    Enter {
        /// The `use:` step.
        call: &'s UseStep,
        /// The flow it runs.
        flow: &'s Flow,
        /// The `use:` step's full name, where it is, and its 1-based number in the scenario.
        name: String,
        span: Span,
        location: StepLocation,
        top: usize,
    },
    /// Run a step.
    Run {
        step: &'s Step,
        /// The full name: the calling steps' names, then the step's, joined by ` › `.
        name: String,
        location: StepLocation,
        /// The 1-based number of the scenario's step this one belongs to.
        top: usize,
    },
    /// End the innermost flow: restore what its params hid.
    Leave,
}

/// The separator of a flow step's full name: `log in › ask for a code`.
pub const NAME_SEPARATOR: &str = " › ";

/// The plan of `scenario`: its steps with the flows they use expanded.
pub(super) fn plan(scenario: &Scenario) -> Vec<Planned<'_>> {
    let mut planned = Vec::new();
    let location = StepLocation {
        file: scenario.source.display_path.clone(),
        called_from: Vec::new(),
    };
    for (index, step) in scenario.steps.iter().enumerate() {
        expand(step, "", &location, index + 1, &mut planned);
    }
    planned
}

fn expand<'s>(
    step: &'s Step,
    prefix: &str,
    location: &StepLocation,
    top: usize,
    planned: &mut Vec<Planned<'s>>,
) {
    let name = format!("{prefix}{}", step.name);
    let StepKind::Use(call) = &step.kind else {
        planned.push(Planned::Run {
            step,
            name,
            location: location.clone(),
            top,
        });
        return;
    };
    let Some(flow) = call.resolved.as_deref() else {
        // Not linked (loaded without the validation stage): the step fails when it runs.
        planned.push(Planned::Run {
            step,
            name,
            location: location.clone(),
            top,
        });
        return;
    };
    planned.push(Planned::Enter {
        call,
        flow,
        name: name.clone(),
        span: step.span,
        location: location.clone(),
        top,
    });
    let mut called_from = vec![CallSite {
        file: location.file.clone(),
        span: step.span,
        step: name.clone(),
    }];
    called_from.extend(location.called_from.iter().cloned());
    let inner = StepLocation {
        file: flow.source.display_path.clone(),
        called_from,
    };
    let prefix = format!("{name}{NAME_SEPARATOR}");
    for inner_step in &flow.steps {
        expand(inner_step, &prefix, &inner, top, planned);
    }
    planned.push(Planned::Leave);
}

/// The names a flow's params hid, to restore when it ends.
pub(super) type Hidden = Vec<(String, Option<Value>)>;

/// Binds the params of `flow` in `context`: the values `with` gives (rendered with the caller's names, all
/// before any param is bound), then each missing one's default (which may read earlier params). Gives what
/// the params hid.
pub(super) fn enter(
    flow: &Flow,
    with: &[Binding],
    context: &mut TemplateContext,
) -> Result<Hidden, TemplateError> {
    let mut given: Vec<(&str, Value)> = Vec::with_capacity(with.len());
    for binding in with {
        given.push((binding.name.as_str(), context.render_value(&binding.value)?));
    }
    let mut hidden = Vec::with_capacity(flow.params.len());
    for Param { name, default, .. } in &flow.params {
        let value = match given.iter().position(|(given, _)| given == name) {
            Some(index) => given.swap_remove(index).1,
            None => match default {
                Some(default) => context.render_value(default)?,
                // Validation makes sure the caller gives every param without a default.
                None => continue,
            },
        };
        hidden.push((name.clone(), context.get(name).cloned()));
        context.insert(name.clone(), value);
    }
    Ok(hidden)
}

/// Restores the names a flow's params hid.
pub(super) fn leave(hidden: Hidden, context: &mut TemplateContext) {
    for (name, previous) in hidden.into_iter().rev() {
        match previous {
            Some(value) => context.insert(name, value),
            None => context.remove(&name),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use serde_json::json;

    use super::*;
    use crate::scenario::parse_flow;

    fn flow() -> Flow {
        parse_flow(
            "name: f\nparams:\n  a:\n  b: { default: \"{{ a }}-b\" }\nsteps:\n  - name: s\n    request: { method: GET, path: \"/{{ a }}/{{ b }}\" }\n",
            "flows/f.yaml",
        )
        .unwrap()
    }

    fn binding(name: &str, value: serde_json::Value) -> Binding {
        Binding {
            name: name.to_owned(),
            value,
            span: Span::default(),
        }
    }

    #[test]
    fn params_are_rendered_with_the_callers_names_then_restored() {
        let mut context = TemplateContext::new();
        context.insert("a", json!("the caller's a"));
        context.insert("x", json!("x"));
        // `with` reads the caller's `a` before the param `a` hides it.
        let hidden = enter(
            &flow(),
            &[binding("a", json!("{{ a }}+{{ x }}"))],
            &mut context,
        )
        .unwrap();
        assert_eq!(context.get("a"), Some(&json!("the caller's a+x")));
        // A default reads the params before it.
        assert_eq!(context.get("b"), Some(&json!("the caller's a+x-b")));
        leave(hidden, &mut context);
        assert_eq!(context.get("a"), Some(&json!("the caller's a")));
        assert_eq!(context.get("b"), None);
    }

    #[test]
    fn a_value_that_cannot_be_rendered_binds_nothing() {
        let mut context = TemplateContext::new();
        let entered = enter(
            &flow(),
            &[binding("a", json!("{{ nowhere }}"))],
            &mut context,
        );
        assert!(entered.is_err());
        assert_eq!(context.get("a"), None);
    }
}
