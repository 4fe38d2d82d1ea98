//! Building the [`FlowLibrary`]: every file of `flows/` loaded, validated against the project and
//! linked depth first (cycles named, caps applied), each flow once.
//!
//! Above `flows.rs` (the library's types) and `uses.rs` (one `use:` step linked); nothing in
//! `validate/` below it imports it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Arc;

use super::flows::{FlowEntry, FlowLibrary, Lookup, MAX_FLOW_DEPTH, MAX_FLOW_FILES};
use super::uses::{link_steps, merge_flow_names, too_deep, unknown_flow, use_entry};
use super::{Checks, Finding, ProjectContext, Report, absent, check_references, names};
use crate::diagnostic::Diagnostic;
use crate::scenario::{Flow, FlowUse, Unloaded, load_flow_partially, top_level_name};

impl FlowLibrary {
    /// Loads, validates and links every flow below `dir` (a missing folder is an empty library), against
    /// the schemas and roster of `project`; `dir_name` is how the folder is shown (`flows`).
    pub fn load(dir: &Path, dir_name: &str, project: &ProjectContext) -> FlowLibrary {
        let mut library = FlowLibrary::default();
        if !dir.is_dir() {
            return library;
        }
        let files = match crate::files::discover_files(dir) {
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
                self.library
                    .entries
                    .insert(id.to_string(), FlowEntry::broken(display_path, diagnostics));
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
            _ => FlowEntry::broken(source.display_path.clone(), validation.errors),
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
