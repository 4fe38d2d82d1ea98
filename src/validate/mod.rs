//! The validation stage: a loaded scenario checked against the project, before any request is sent.
//!
//! Takes a [`Scenario`] (with the [`References`] the loader recorded) and a
//! [`ProjectContext`] (the schema files, and the roles, fields and connections some target offers), and gives
//! the problems loading alone cannot see, each at `file:line:col` of the offending value: a schema file that
//! does not exist, a role, client, field or connection that no profile or fixture defines (with
//! did-you-mean), a `target`/`run` field that does not exist, a capture used before any step defines it. Those
//! are errors: the scenario is broken on every target. It also gives warnings, which do not stop a run: an
//! absence check that the step's schema makes impossible (`absent.rs`).
//!
//! Flows are part of the project: `flows.rs` loads and links them once ([`FlowLibrary`]), and links every
//! `use:` step of a scenario to its flow here, checking the params it gives, the capabilities the flow needs
//! and the captures it gives back.
//!
//! Whether the *chosen* target can run the scenario (capabilities, roles it lacks) is not decided here but
//! by the suite, at listing time. This module reads no file and knows nothing of targets or HTTP; the
//! project is read once by [`ProjectContext::load`].

mod absent;
mod flows;
mod linker;
mod names;
mod project;
mod uses;

use std::path::Path;

use crate::diagnostic::{Diagnostic, LineIndex, Span};
use crate::scenario::{LoadError, References, Scenario, Unloaded, load_file_partially};

pub use flows::{FlowEntry, FlowLibrary, MAX_EXPANDED_STEPS, MAX_FLOW_DEPTH, MAX_FLOW_FILES};
pub use project::{ProjectContext, Roster};

/// What validation found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Validation {
    /// Problems that make the scenario unusable, in source order.
    pub errors: Vec<Diagnostic>,
    /// Problems that do not stop it (a check that can never fail), in source order.
    pub warnings: Vec<Diagnostic>,
}

/// A scenario that loaded and passed validation, with the warnings to show its author.
#[derive(Debug, Clone)]
pub struct Checked {
    /// The scenario.
    pub scenario: Scenario,
    /// Warnings, in source order.
    pub warnings: Vec<Diagnostic>,
}

/// Checks `scenario` against `project` (its `use:` steps are linked on a copy; see [`link_and_validate`]).
pub fn validate(scenario: &Scenario, project: &ProjectContext) -> Validation {
    link_and_validate(scenario.clone(), project).1
}

/// Links the `use:` steps of `scenario` to the project's flows and checks it against `project`, giving the
/// linked scenario (ready to run when the validation has no errors): every name its flows read is then among
/// its references, as read by the step that uses the flow.
pub fn link_and_validate(
    mut scenario: Scenario,
    project: &ProjectContext,
) -> (Scenario, Validation) {
    let source = scenario.source.clone();
    let mut report = Report::new(&source.display_path, &source.text);
    let references = scenario.references.clone();
    let resolved = uses::resolve_uses(&references, &project.flows, &mut report);
    uses::check_needs(&scenario.requires, &resolved, &scenario.steps, &mut report);
    let first_step = scenario
        .steps
        .first()
        .map_or(Span { line: 1, col: 1 }, |step| step.span);
    uses::link_steps(
        &mut scenario.steps,
        &mut scenario.references,
        &resolved,
        &mut report,
        &first_step,
    );
    names::check_captures_keep_given_names(&scenario.references, "matrix name", &mut report);
    check_references(&scenario.references, project, Checks::All, &mut report);
    if let Some(schemas) = &project.schemas {
        absent::check_absent_paths(&scenario.steps, schemas, &mut report);
    }
    uses::merge_flow_names(&mut scenario.references, &resolved);
    (scenario, report.finish())
}

/// Loads the scenario file at `path` and validates it: the one way the suite, the CLI and the diagnostics
/// corpus turn a file into a scenario. Validation errors are reported like load errors (at most
/// [`MAX_REPORTED`](crate::scenario::MAX_REPORTED) of them). A file that does not load still has its role,
/// field, connection and schema names checked, so that one report lists every problem of the file. A file
/// with a matrix is checked for its first combination; [`check_variant`] checks another.
pub fn check_file(
    path: &Path,
    display_path: &str,
    project: &ProjectContext,
) -> Result<Checked, LoadError> {
    check_variant(path, display_path, None, project)
}

/// [`check_file`] for the combination of the file's matrix named by `variant` (`channel=email`).
pub fn check_variant(
    path: &Path,
    display_path: &str,
    variant: Option<&str>,
    project: &ProjectContext,
) -> Result<Checked, LoadError> {
    let scenario = match load_file_partially(path, display_path, variant) {
        Ok(scenario) => scenario,
        Err(Unloaded::Error(error)) => return Err(error),
        Err(Unloaded::Partial(partial)) => {
            let mut report = Report::new(display_path, &partial.text);
            // Captures of steps that did not load are missing: only names that do not depend on them.
            check_references(
                &partial.references,
                project,
                Checks::WithoutCaptures,
                &mut report,
            );
            uses::resolve_uses(&partial.references, &project.flows, &mut report);
            let mut diagnostics = partial.diagnostics;
            diagnostics.extend(report.finish().errors);
            return Err(LoadError::invalid(diagnostics));
        }
    };
    let (scenario, validation) = link_and_validate(scenario, project);
    if !validation.errors.is_empty() {
        let mut diagnostics = validation.errors;
        diagnostics.extend(validation.warnings);
        return Err(LoadError::invalid(diagnostics));
    }
    Ok(Checked {
        scenario,
        warnings: validation.warnings,
    })
}

/// Which name checks to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Checks {
    All,
    /// Everything but "a capture no earlier step defines", for a file whose steps did not all load.
    WithoutCaptures,
}

fn check_references(
    references: &References,
    project: &ProjectContext,
    checks: Checks,
    report: &mut Report<'_>,
) {
    check_schemas(references, project, report);
    names::check_names(
        references,
        project.roster.as_ref(),
        checks == Checks::All,
        report,
    );
}

/// One problem found, before it becomes a [`Diagnostic`].
struct Finding {
    span: Span,
    width: usize,
    message: String,
    hint: Option<String>,
}

/// Collects findings as diagnostics of one file (and the diagnostics of the flows it uses, after its own).
struct Report<'t> {
    file: &'t str,
    lines: LineIndex<'t>,
    validation: Validation,
}

impl<'t> Report<'t> {
    fn new(file: &'t str, text: &'t str) -> Report<'t> {
        Report {
            file,
            lines: LineIndex::new(text),
            validation: Validation::default(),
        }
    }

    /// The findings, each list in source order without repeats: this file's first, then each other
    /// file's (a flow's) in the order they came.
    fn finish(self) -> Validation {
        let mut validation = self.validation;
        crate::diagnostic::sort_by_file_then_position(&mut validation.errors);
        crate::diagnostic::sort_by_file_then_position(&mut validation.warnings);
        validation
    }

    fn diagnostic(&self, finding: Finding) -> Diagnostic {
        let mut diagnostic = Diagnostic::with_source_line(
            self.file,
            self.lines.line(finding.span.line),
            finding.span,
            finding.width,
            finding.message,
        );
        diagnostic.hint = finding.hint;
        diagnostic
    }

    fn error(&mut self, finding: Finding) {
        let diagnostic = self.diagnostic(finding);
        self.validation.errors.push(diagnostic);
    }

    fn warning(&mut self, finding: Finding) {
        let diagnostic = self.diagnostic(finding).warning();
        self.validation.warnings.push(diagnostic);
    }
}

/// Every schema an expectation names must be a file of `schemas/`.
fn check_schemas(references: &References, project: &ProjectContext, report: &mut Report<'_>) {
    let Some(schemas) = &project.schemas else {
        return;
    };
    let known: Vec<&str> = schemas.keys().map(String::as_str).collect();
    for used in &references.schemas {
        let name = &used.file.value;
        if schemas.contains_key(name) {
            continue;
        }
        let hint = match crate::diagnostic::did_you_mean(name, &known) {
            Some(close) => format!("did you mean `{close}`?"),
            None => {
                "a schema is the name of a file in `schemas/`, e.g. `token-success.json`".to_owned()
            }
        };
        report.error(Finding {
            span: used.file.span,
            width: name.chars().count(),
            message: format!("unknown schema `{name}`: there is no such file in `schemas/`"),
            hint: Some(hint),
        });
    }
}
