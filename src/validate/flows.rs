//! Flows as the project knows them, and the `use:` steps that run them.
//!
//! Takes the files of `flows/` and gives a [`FlowLibrary`]: every flow loaded, validated against the project
//! (its own names, schemas, roles) and *linked* — each of its `use:` steps pointed at the flow it names, with
//! what that flow needs (capabilities), gives back (captures) and costs (steps, depth) summed up in
//! [`FlowSummary`]. A flow with a problem, or that uses one, is kept as broken with its diagnostics, so that a
//! scenario using it reports both its own line and the flow's. Cycles are an error naming the chain
//! (`` `a` › `b` › `a` ``); hostile folders are capped: [`MAX_FLOW_FILES`] files, [`MAX_FLOW_DEPTH`] levels of
//! `use:`, [`MAX_EXPANDED_STEPS`] steps once expanded.
//!
//! Then [`link_steps`] does the same for a scenario's `use:` steps against the finished library. This module
//! reads files only when [`FlowLibrary::load`] is called from [`ProjectContext::load`](super::ProjectContext).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Arc;

use super::{Checks, Finding, ProjectContext, Report, absent, check_references, names};
use crate::diagnostic::{Diagnostic, did_you_mean};
use crate::scenario::{
    Capability, CaptureDef, Flow, FlowSummary, FlowUse, NameUse, References, Step, StepKind,
    TemplateName, Unloaded, load_flow_partially, top_level_name,
};

/// The most flow files read from `flows/`: 256. A project needs a few dozen; the cap keeps a folder of
/// stray files from costing the run its memory (each file may hold up to a mebibyte).
pub const MAX_FLOW_FILES: usize = 256;

/// How deep flows may use flows: 16 levels. Real flows nest two or three deep; the cap bounds the work
/// (and the recursion) of linking and running a chain of flows each using the next.
pub const MAX_FLOW_DEPTH: usize = 16;

/// The most steps a scenario or flow may run once every flow it uses is expanded in place: 1000. A flow
/// used ten times by a flow used ten times… grows exponentially; the cap stops it at listing time.
pub const MAX_EXPANDED_STEPS: usize = 1000;

/// Every flow of `flows/`, by its path there (`mfa_login.yaml`), linked.
#[derive(Debug, Clone, Default)]
pub struct FlowLibrary {
    entries: BTreeMap<String, FlowEntry>,
    /// Each flow name → the path of the flow that holds it.
    names: BTreeMap<String, String>,
    /// Problems with the folder as a whole (it cannot be read, it holds too many files).
    pub problems: Vec<String>,
}

/// A flow file of the library.
#[derive(Debug, Clone)]
pub enum FlowEntry {
    /// The flow loaded, validated and linked.
    Ready {
        /// The linked flow.
        flow: Arc<Flow>,
        /// Problems that do not stop it (a check that can never fail).
        warnings: Vec<Diagnostic>,
    },
    /// The flow has problems, or uses a flow that has.
    Broken {
        /// The file, as shown to people (`flows/mfa_login.yaml`).
        display_path: String,
        /// Every problem, its own first.
        diagnostics: Vec<Diagnostic>,
    },
}

/// How a `use:` found its flow.
enum Lookup {
    /// The path of the flow under `flows/`.
    Found(String),
    /// No such flow; a hint.
    Unknown(String),
}

impl FlowLibrary {
    /// Loads, validates and links every flow below `dir` (a missing folder is an empty library), against
    /// the schemas and roster of `project`; `dir_name` is how the folder is shown (`flows`).
    pub fn load(dir: &Path, dir_name: &str, project: &ProjectContext) -> FlowLibrary {
        let mut library = FlowLibrary::default();
        if !dir.is_dir() {
            return library;
        }
        let files = match crate::suite::discover_files(dir) {
            Ok(files) => files,
            Err(error) => {
                library
                    .problems
                    .push(format!("cannot read `{dir_name}/`: {error}"));
                return library;
            }
        };
        if files.len() > MAX_FLOW_FILES {
            library.problems.push(format!(
                "`{dir_name}/` holds {} flow files; only the first {MAX_FLOW_FILES} are read",
                files.len()
            ));
        }
        let mut raw: BTreeMap<String, Result<Flow, Vec<Diagnostic>>> = BTreeMap::new();
        // Names of flows that did not load, so that a step using one reports its problems.
        let mut broken_names: Vec<(String, String)> = Vec::new();
        for file in files.into_iter().take(MAX_FLOW_FILES) {
            let display_path = format!("{dir_name}/{}", file.id);
            let loaded = match load_flow_partially(&file.path, &display_path) {
                Ok(flow) => Ok(flow),
                Err(Unloaded::Error(error)) => Err(match error.diagnostics() {
                    [] => vec![Diagnostic::with_source_line(
                        &display_path,
                        None,
                        crate::diagnostic::Span { line: 1, col: 1 },
                        1,
                        error.to_string(),
                    )],
                    diagnostics => diagnostics.to_vec(),
                }),
                Err(Unloaded::Partial(partial)) => {
                    if let Some(name) = top_level_name(&partial.text) {
                        broken_names.push((name, file.id.clone()));
                    }
                    let mut report = Report::new(&display_path, &partial.text);
                    check_references(
                        &partial.references,
                        project,
                        Checks::WithoutCaptures,
                        &mut report,
                    );
                    let mut diagnostics = partial.diagnostics;
                    diagnostics.extend(report.finish().errors);
                    Err(diagnostics)
                }
            };
            raw.insert(file.id, loaded);
        }
        // A name names one flow: the first by path; a later flow with the same name is broken.
        let mut duplicates: BTreeMap<String, Diagnostic> = BTreeMap::new();
        for (id, loaded) in &raw {
            let Ok(flow) = loaded else { continue };
            if let Some(first) = library.names.get(&flow.name) {
                let report = Report::new(&flow.source.display_path, &flow.source.text);
                let diagnostic = report.diagnostic(Finding {
                    span: flow.name_span,
                    width: flow.name.chars().count(),
                    message: format!("flow name `{}` is taken by `{dir_name}/{first}`", flow.name),
                    hint: Some(
                        "`use:` finds a flow by its name: give each flow its own".to_string(),
                    ),
                });
                duplicates.insert(id.clone(), diagnostic);
            } else {
                library.names.insert(flow.name.clone(), id.clone());
            }
        }
        for (name, id) in broken_names {
            library.names.entry(name).or_insert(id);
        }
        let mut linker = Linker {
            raw,
            duplicates,
            project,
            library: &mut library,
            stack: Vec::new(),
        };
        let ids: Vec<String> = linker.raw.keys().cloned().collect();
        for id in ids {
            linker.link(&id);
        }
        library
    }

    /// Every flow file, by its path under `flows/`.
    pub fn entries(&self) -> impl Iterator<Item = (&str, &FlowEntry)> {
        self.entries.iter().map(|(id, entry)| (id.as_str(), entry))
    }

    /// The flow file a `use:` naming `reference` (a name, or a path under `flows/`) would find.
    pub fn find(&self, reference: &str) -> Option<(&str, &FlowEntry)> {
        match self.lookup(reference, &self.ids()) {
            Lookup::Found(id) => self
                .entries
                .get_key_value(&id)
                .map(|(id, entry)| (id.as_str(), entry)),
            Lookup::Unknown(_) => None,
        }
    }

    /// Whether the library holds no flow file.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The flow a `use:` names: by path under `flows/` (with or without `.yaml`), else by name.
    fn lookup(&self, reference: &str, ids: &BTreeSet<String>) -> Lookup {
        let reference = reference.trim_start_matches("./");
        let reference = reference.strip_prefix("flows/").unwrap_or(reference);
        for candidate in [
            reference.to_string(),
            format!("{reference}.yaml"),
            format!("{reference}.yml"),
        ] {
            if ids.contains(&candidate) {
                return Lookup::Found(candidate);
            }
        }
        if let Some(id) = self.names.get(reference) {
            return Lookup::Found(id.clone());
        }
        let mut known: Vec<&str> = self.names.keys().map(String::as_str).collect();
        let stems: Vec<String> = ids
            .iter()
            .map(|id| {
                id.trim_end_matches(".yaml")
                    .trim_end_matches(".yml")
                    .to_string()
            })
            .collect();
        known.extend(stems.iter().map(String::as_str));
        let hint = match did_you_mean(reference, &known) {
            Some(close) => format!("did you mean `{close}`?"),
            None if self.names.is_empty() => {
                "a flow is a file under `flows/` with `name`, `params` and `steps`; there is none"
                    .to_string()
            }
            None => format!(
                "the flows are {}",
                self.names
                    .keys()
                    .map(|name| format!("`{name}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        Lookup::Unknown(hint)
    }

    fn ids(&self) -> BTreeSet<String> {
        self.entries.keys().cloned().collect()
    }
}

/// Links flows depth first, each once.
struct Linker<'a> {
    /// The flows as loaded (taken out as they are linked).
    raw: BTreeMap<String, Result<Flow, Vec<Diagnostic>>>,
    /// Flows whose name another flow already has.
    duplicates: BTreeMap<String, Diagnostic>,
    project: &'a ProjectContext,
    library: &'a mut FlowLibrary,
    /// The flows being linked, outermost first: a flow met again here closes a cycle.
    stack: Vec<String>,
}

impl Linker<'_> {
    fn link(&mut self, id: &str) {
        if self.library.entries.contains_key(id) {
            return;
        }
        let Some(loaded) = self.raw.remove(id) else {
            return;
        };
        let flow = match loaded {
            Ok(flow) => flow,
            Err(diagnostics) => {
                let display_path = diagnostics
                    .first()
                    .map(|diagnostic| diagnostic.file.clone())
                    .unwrap_or_default();
                self.library.entries.insert(
                    id.to_string(),
                    FlowEntry::Broken {
                        display_path,
                        diagnostics,
                    },
                );
                return;
            }
        };
        self.stack.push(id.to_string());
        let source = flow.source.clone();
        let mut report = Report::new(&source.display_path, &source.text);
        if let Some(duplicate) = self.duplicates.remove(id) {
            report.validation.errors.push(duplicate);
        }
        let ids: BTreeSet<String> = self
            .raw
            .keys()
            .chain(self.library.entries.keys())
            .chain(self.stack.iter())
            .cloned()
            .collect();
        let uses = flow.references.uses.clone();
        let mut resolved = Vec::new();
        for used in &uses {
            let target = match self.library.lookup(&used.flow.value, &ids) {
                Lookup::Unknown(hint) => {
                    report.error(unknown_flow(used, hint));
                    continue;
                }
                Lookup::Found(target) => target,
            };
            if let Some(position) = self.stack.iter().position(|open| *open == target) {
                let chain: Vec<String> = self.stack[position..]
                    .iter()
                    .chain(std::iter::once(&target))
                    .map(|id| format!("`{}`", self.shown(id)))
                    .collect();
                report.error(Finding {
                    span: used.flow.span,
                    width: used.width,
                    message: format!("flows use each other in a cycle: {}", chain.join(" › ")),
                    hint: Some(
                        "a flow cannot use itself, directly or through other flows".to_string(),
                    ),
                });
                continue;
            }
            if self.stack.len() >= MAX_FLOW_DEPTH {
                report.error(too_deep(used, &self.stack, &target));
                continue;
            }
            self.link(&target);
            if let Some(flow) = use_entry(self.library.entries.get(&target), used, &mut report) {
                resolved.push((used, flow));
            }
        }
        let linked = finish_flow(flow, resolved, self.project, &mut report);
        self.stack.pop();
        let validation = report.finish();
        let entry = match linked {
            Some(flow) if validation.errors.is_empty() => FlowEntry::Ready {
                flow: Arc::new(flow),
                warnings: validation.warnings,
            },
            _ => FlowEntry::Broken {
                display_path: source.display_path.clone(),
                diagnostics: validation.errors,
            },
        };
        self.library.entries.insert(id.to_string(), entry);
    }

    /// A flow as people know it: its name when it has loaded, else its path.
    fn shown(&self, id: &str) -> String {
        self.library
            .names
            .iter()
            .find(|(_, holder)| *holder == id)
            .map_or_else(|| id.to_string(), |(name, _)| name.clone())
    }
}

/// The flow a `use:` found, or the report of why it cannot be used.
fn use_entry(
    entry: Option<&FlowEntry>,
    used: &FlowUse,
    report: &mut Report<'_>,
) -> Option<Arc<Flow>> {
    match entry? {
        FlowEntry::Ready { flow, .. } => Some(Arc::clone(flow)),
        FlowEntry::Broken {
            display_path,
            diagnostics,
        } => {
            let count = diagnostics.len();
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

fn unknown_flow(used: &FlowUse, hint: String) -> Finding {
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

fn too_deep(used: &FlowUse, stack: &[String], target: &str) -> Finding {
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

/// Validates a flow once its uses are resolved and gives it linked, or `None` after reporting why not.
fn finish_flow(
    mut flow: Flow,
    resolved: Vec<(&FlowUse, Arc<Flow>)>,
    project: &ProjectContext,
    report: &mut Report<'_>,
) -> Option<Flow> {
    let summary = link_steps(
        &mut flow.steps,
        &mut flow.references,
        &resolved,
        report,
        &flow.name_span,
    );
    names::check_captures_keep_given_names(&flow.references, "param", report);
    check_references(&flow.references, project, Checks::All, report);
    if let Some(schemas) = &project.schemas {
        absent::check_absent_paths(&flow.steps, schemas, report);
    }
    merge_flow_names(&mut flow.references, &resolved);
    flow.linked = summary?;
    Some(flow)
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
