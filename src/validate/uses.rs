//! A `use:` step against the flow it names: the one piece of linking scenarios and flows share.
//!
//! Takes the `use:` steps a file's [`References`] recorded and the flows found for them, and gives the
//! problems (an unknown flow with did-you-mean, a broken one with its own diagnostics, params not taken or
//! not given, capabilities the caller does not require, too deep a nesting, too many steps once expanded)
//! and the linked steps: each `use:` pointed at its flow, the flow's captures added as definitions of that
//! step, the flow's template names added for gating and account locks. Reads no file.

use std::collections::BTreeSet;
use std::sync::Arc;

use super::flows::{FlowEntry, FlowLibrary, Lookup, MAX_EXPANDED_STEPS, MAX_FLOW_DEPTH};
use super::{Finding, Report, names};
use crate::diagnostic::did_you_mean;
use crate::scenario::{
    Capability, CaptureDef, Flow, FlowSummary, FlowUse, NameUse, References, Step, StepKind,
    TemplateName,
};

/// The flow a `use:` found, or the report of why it cannot be used.
pub(super) fn use_entry(
    entry: Option<&FlowEntry>,
    used: &FlowUse,
    report: &mut Report<'_>,
) -> Option<Arc<Flow>> {
    match entry? {
        FlowEntry::Ready { flow, .. } => Some(Arc::clone(flow)),
        FlowEntry::Broken {
            display_path,
            diagnostics,
            omitted,
        } => {
            let count = diagnostics.len() + omitted;
            report.error(Finding {
                span: used.flow.span,
                width: used.width,
                message: format!(
                    "flow `{}` ({display_path}) has {count} problem{}",
                    used.flow.value,
                    if count == 1 { "" } else { "s" }
                ),
                hint: Some(format!("fix {display_path}: its problems follow")),
            });
            report.validation.errors.extend(diagnostics.iter().cloned());
            None
        }
    }
}

pub(super) fn unknown_flow(used: &FlowUse, hint: String) -> Finding {
    Finding {
        span: used.flow.span,
        width: used.width,
        message: format!(
            "unknown flow `{}`: no flow has this name or path under `flows/`",
            used.flow.value
        ),
        hint: Some(hint),
    }
}

pub(super) fn too_deep(used: &FlowUse, stack: &[String], target: &str) -> Finding {
    let chain: Vec<String> = stack
        .iter()
        .map(String::as_str)
        .chain(std::iter::once(target))
        .map(|id| format!("`{id}`"))
        .collect();
    Finding {
        span: used.flow.span,
        width: used.width,
        message: format!(
            "flows nest more than {MAX_FLOW_DEPTH} deep: {}",
            chain.join(" › ")
        ),
        hint: Some("flatten the chain: a flow may run several flows one after another".to_string()),
    }
}

/// Checks the params a `use:` gives against the flow's, and the depth it adds.
fn check_use(used: &FlowUse, flow: &Flow, report: &mut Report<'_>) {
    let known: Vec<&str> = flow
        .params
        .iter()
        .map(|param| param.name.as_str())
        .collect();
    for given in &used.with {
        if known.contains(&given.value.as_str()) {
            continue;
        }
        let hint = match did_you_mean(&given.value, &known) {
            Some(close) => format!("did you mean `{close}`?"),
            None if known.is_empty() => format!("flow `{}` takes no params", flow.name),
            None => format!(
                "the params of `{}` are {}",
                flow.name,
                names::quoted(&known)
            ),
        };
        report.error(Finding {
            span: given.span,
            width: given.value.chars().count(),
            message: format!("flow `{}` has no param `{}`", flow.name, given.value),
            hint: Some(hint),
        });
    }
    for param in flow.params.iter().filter(|param| param.default.is_none()) {
        if used.with.iter().any(|given| given.value == param.name) {
            continue;
        }
        report.error(Finding {
            span: used.flow.span,
            width: used.width,
            message: format!(
                "flow `{}` needs param `{}`, and this step gives none",
                flow.name, param.name
            ),
            hint: Some(format!(
                "add it under `with:`, e.g. `with: {{ {}: \"…\" }}`",
                param.name
            )),
        });
    }
    if flow.linked.depth + 1 > MAX_FLOW_DEPTH {
        report.error(Finding {
            span: used.flow.span,
            width: used.width,
            message: format!(
                "flow `{}` nests {} flows deep, more than the {MAX_FLOW_DEPTH} allowed",
                flow.name,
                flow.linked.depth + 1
            ),
            hint: Some(
                "flatten the chain: a flow may run several flows one after another".to_string(),
            ),
        });
    }
}

/// Points each `use:` step of `steps` at the flow found for it, adds the flows' captures as definitions of
/// those steps, and sums up what the steps need and cost. `None` (after reporting) when they cost too much.
pub(super) fn link_steps(
    steps: &mut [Step],
    references: &mut References,
    resolved: &[(&FlowUse, Arc<Flow>)],
    report: &mut Report<'_>,
    at: &crate::diagnostic::Span,
) -> Option<FlowSummary> {
    let mut summary = FlowSummary::default();
    let add_need = |needs: &mut Vec<Capability>, capability: Capability| {
        if !needs.contains(&capability) {
            needs.push(capability);
        }
    };
    let mut expanded: usize = 0;
    for (index, step) in steps.iter_mut().enumerate() {
        match &mut step.kind {
            StepKind::Use(use_step) => {
                let Some((used, flow)) = resolved.iter().find(|(used, _)| used.step == index)
                else {
                    continue;
                };
                check_use(used, flow, report);
                for capability in &flow.linked.needs {
                    add_need(&mut summary.needs, *capability);
                }
                for capture in &flow.linked.captures {
                    references.captures.push(CaptureDef {
                        name: capture.clone(),
                        step: index,
                        span: used.flow.span,
                    });
                }
                summary.depth = summary.depth.max(flow.linked.depth + 1);
                expanded = expanded.saturating_add(flow.linked.expanded_steps);
                use_step.resolved = Some(Arc::clone(flow));
            }
            StepKind::Otp(_) => {
                add_need(&mut summary.needs, Capability::Outbox);
                expanded += 1;
            }
            StepKind::Clock(_) => {
                add_need(&mut summary.needs, Capability::Clock);
                expanded += 1;
            }
            StepKind::Http(_) => expanded += 1,
        }
    }
    references.captures.sort_by_key(|capture| capture.step);
    let mut seen = BTreeSet::new();
    summary.captures = references
        .captures
        .iter()
        .filter(|capture| seen.insert(capture.name.clone()))
        .map(|capture| capture.name.clone())
        .collect();
    summary.expanded_steps = expanded;
    if expanded > MAX_EXPANDED_STEPS {
        report.error(Finding {
            span: *at,
            width: 1,
            message: format!(
                "these steps run {expanded} steps once their flows are expanded, more than the {MAX_EXPANDED_STEPS} allowed"
            ),
            hint: Some("flows that use flows many times multiply: use fewer".to_string()),
        });
        return None;
    }
    Some(summary)
}

/// Adds the template namespace names of the flows used (a role, a client, a connection) to `references` as
/// names their `use:` steps read, so that gating and account locks see what the flows will read.
pub(super) fn merge_flow_names(references: &mut References, resolved: &[(&FlowUse, Arc<Flow>)]) {
    for (used, flow) in resolved {
        for name in &flow.references.names {
            if matches!(name.name, TemplateName::Other { .. }) {
                continue;
            }
            references.names.push(NameUse {
                name: name.name.clone(),
                step: used.step,
                span: used.flow.span,
                width: used.width,
            });
        }
    }
}

/// Finds the flow of every `use:` in `references` in the finished `library`, reporting what is wrong.
pub(super) fn resolve_uses<'r>(
    references: &'r References,
    library: &FlowLibrary,
    report: &mut Report<'_>,
) -> Vec<(&'r FlowUse, Arc<Flow>)> {
    let ids = library.ids();
    let mut resolved = Vec::new();
    for used in &references.uses {
        match library.lookup(&used.flow.value, &ids) {
            Lookup::Unknown(hint) => report.error(unknown_flow(used, hint)),
            Lookup::Found(id) => {
                if let Some(flow) = use_entry(library.entries.get(&id), used, report) {
                    resolved.push((used, flow));
                }
            }
        }
    }
    resolved
}

/// The capabilities the flows a scenario uses need and its `requires:` lacks, each reported once at the
/// first step that uses such a flow.
pub(super) fn check_needs(
    requires: &[Capability],
    resolved: &[(&FlowUse, Arc<Flow>)],
    steps: &[Step],
    report: &mut Report<'_>,
) {
    let mut reported: Vec<Capability> = Vec::new();
    for (used, flow) in resolved {
        for capability in &flow.linked.needs {
            if requires.contains(capability) || reported.contains(capability) {
                continue;
            }
            reported.push(*capability);
            let verb = match capability {
                Capability::Clock => "moves the clock",
                _ => "reads the outbox",
            };
            let step_name = steps
                .get(used.step)
                .map_or_else(String::new, |step| format!(" (`{}`)", step.name));
            report.error(Finding {
                span: used.flow.span,
                width: used.width,
                message: format!(
                    "step {}{step_name} uses flow `{}`, which {verb}, but the scenario does not require `{capability}`",
                    used.step + 1,
                    flow.name
                ),
                hint: Some(format!(
                    "add `{capability}` to `requires` at the top level so targets without it skip this scenario"
                )),
            });
        }
    }
}
