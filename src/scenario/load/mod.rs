//! Loads a scenario file: bytes in, a [`Scenario`] with its [`References`] or every problem found out.
//!
//! [`read`] turns the bytes into a YAML tree whose every value knows its position (a syntax error stops there,
//! with one diagnostic). The tree is then walked by hand rather than deserialized with serde, so that one
//! mistake does not hide the next: every unknown key, wrong type, bad JSONPath, regex or template is collected
//! and reported in source order, at most [`MAX_REPORTED`] of them. The walk is split the way parsers are: one
//! `impl Loader` block per part of the language ([`step`], [`request`], [`expect`], [`matcher`], [`capture`],
//! [`flow`] for flow files and `use:` steps, [`matrix`]), the generic readers in [`text`], templates in
//! [`names`]. Everything is linear in the size of the file (times the combinations of its matrix).
//!
//! A scenario with a `matrix:` is loaded once per combination: the combination's values are filled into the
//! tree first ([`matrix::fill_in`]), then the tree is walked as usual.

mod capture;
mod evidence;
mod expect;
mod flow;
mod matcher;
mod matrix;
mod names;
mod read;
mod request;
mod step;
mod text;
mod tree;

use std::io::Read as _;
use std::path::{Path, PathBuf};

use super::error::LoadError;
use super::model::{Capability, Combination, Flow, Located, Matrix, Scenario, SourceFile, Step};
use super::references::References;
use crate::diagnostic::{Diagnostic, LineIndex};
use text::{At, describe, has_merge_key, one_of_and, suggestion};
use tree::{Mark, Problem};

pub use flow::top_level_name;
pub use matrix::{MAX_COMBINATIONS, read_matrix};
pub use read::MAX_FILE_BYTES;
pub use tree::{MAX_DEPTH, MAX_NODES};

/// Names of the language the loader checks, for the schema's tests.
#[cfg(test)]
pub(crate) mod constants {
    pub(crate) use super::request::{ENCODINGS, METHODS};
}

/// The keys each part of the language accepts, as the loader checks them, by where they are written: the
/// one list the JSON Schema of the format is tested against, so the two cannot drift apart.
pub fn accepted_keys() -> Vec<(&'static str, Vec<&'static str>)> {
    let mut matcher = matcher::MATCHER_KEYS.to_vec();
    matcher.push(matcher::MATCHER_EVIDENCE_KEY);
    vec![
        ("scenario", TOP_KEYS.to_vec()),
        ("flow", flow::FLOW_KEYS.to_vec()),
        ("param", flow::PARAM_KEYS.to_vec()),
        ("step", step::STEP_KEYS.to_vec()),
        ("request", request::REQUEST_KEYS.to_vec()),
        ("expect", expect::EXPECT_KEYS.to_vec()),
        ("jwt", expect::JWT_KEYS.to_vec()),
        ("matcher", matcher),
        ("capture", capture::CAPTURE_KEYS.to_vec()),
        ("poll", step::POLL_KEYS.to_vec()),
        ("otp", step::OTP_KEYS.to_vec()),
        ("clock", step::CLOCK_KEYS.to_vec()),
    ]
}

/// The most problems reported for one file: 50. The rest are counted ("… and 12 more problems"): past a few
/// dozen, a person fixes the first ones and loads again.
pub const MAX_REPORTED: usize = 50;

const TOP_KEYS: [&str; 6] = ["name", "description", "tags", "requires", "matrix", "steps"];

/// Reads and loads the scenario file at `path`; `display_path` is how diagnostics name it
/// (e.g. `scenarios/passwordless/email.yaml`).
///
/// Only regular files are opened (a FIFO would block), and only their first [`MAX_FILE_BYTES`] are read.
/// A file with a `matrix:` loads with its first combination; [`load_scenario_variant`] picks another.
pub fn load_scenario_file(path: &Path, display_path: &str) -> Result<Scenario, LoadError> {
    load_file_partially(path, display_path, None).map_err(Unloaded::into_error)
}

/// Reads and loads the scenario file at `path` for one combination of its matrix, named by its
/// [`label`](Combination::label) (`channel=email`); `None` means the first (or the file has no matrix).
pub fn load_scenario_variant(
    path: &Path,
    display_path: &str,
    variant: Option<&str>,
) -> Result<Scenario, LoadError> {
    load_file_partially(path, display_path, variant).map_err(Unloaded::into_error)
}

/// Reads and loads the flow file at `path`; `display_path` names it in diagnostics (`flows/mfa_login.yaml`).
/// Its `use:` steps are not linked to the flows they name: the validation stage does that.
pub fn load_flow_file(path: &Path, display_path: &str) -> Result<Flow, LoadError> {
    load_flow_partially(path, display_path).map_err(Unloaded::into_error)
}

/// Loads a flow from its text, as [`load_flow_file`] does once it has read the file.
pub fn parse_flow(text: &str, display_path: &str) -> Result<Flow, LoadError> {
    if let Err(problem) = read::check_size(text.len()) {
        return Err(single(display_path, "", &problem));
    }
    let text = read::strip_bom(text.to_string());
    build_flow(text, PathBuf::from(display_path), display_path).map_err(Unloaded::into_error)
}

/// Why a file did not load, keeping what was read of it when it was parsed at all, so that the validation
/// stage can still check the names it found and report every problem of the file at once.
#[derive(Debug)]
pub(crate) enum Unloaded {
    /// Nothing could be read (I/O, size, encoding, …).
    Error(LoadError),
    /// The file was read and walked, but has problems.
    Partial(Box<PartialLoad>),
}

/// What was read of a file that did not load.
#[derive(Debug)]
pub(crate) struct PartialLoad {
    /// The file's text.
    pub text: String,
    /// What the walk recorded before and around the problems (captures may be missing).
    pub references: References,
    /// Every problem found (never empty, not yet sorted or capped).
    pub diagnostics: Vec<Diagnostic>,
}

impl Unloaded {
    /// The error a caller that wants no partial results gets.
    pub(crate) fn into_error(self) -> LoadError {
        match self {
            Unloaded::Error(error) => error,
            Unloaded::Partial(partial) => LoadError::invalid(partial.diagnostics),
        }
    }
}

/// [`load_scenario_variant`], keeping the partial results of a file that was read but did not load.
pub(crate) fn load_file_partially(
    path: &Path,
    display_path: &str,
    variant: Option<&str>,
) -> Result<Scenario, Unloaded> {
    let bytes = read_capped(path, display_path)?;
    read_bytes(bytes, path.to_path_buf(), display_path, variant)
}

/// [`load_flow_file`], keeping the partial results of a file that was read but did not load.
pub(crate) fn load_flow_partially(path: &Path, display_path: &str) -> Result<Flow, Unloaded> {
    let bytes = read_capped(path, display_path)?;
    let text = decode_or_report(bytes, display_path)?;
    build_flow(text, path.to_path_buf(), display_path)
}

/// The bytes of the regular file at `path`, at most [`MAX_FILE_BYTES`] of them.
fn read_capped(path: &Path, display_path: &str) -> Result<Vec<u8>, Unloaded> {
    let read_error = |error: std::io::Error| {
        Unloaded::Error(LoadError::Read {
            display_path: display_path.to_string(),
            error,
        })
    };
    let metadata = std::fs::metadata(path).map_err(read_error)?;
    if !metadata.is_file() {
        return Err(read_error(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "it is not a regular file",
        )));
    }
    if let Err(problem) = read::check_size(usize::try_from(metadata.len()).unwrap_or(usize::MAX)) {
        return Err(Unloaded::Error(single(display_path, "", &problem)));
    }
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|file| {
            // One byte more than allowed tells a file that grew since `metadata` from one that fits.
            file.take(MAX_FILE_BYTES as u64 + 1).read_to_end(&mut bytes)
        })
        .map_err(read_error)?;
    Ok(bytes)
}

/// Loads a scenario from the bytes of a file, as [`load_scenario_file`] does once it has read them: at most
/// [`MAX_FILE_BYTES`], UTF-8 (the first bad byte is reported with its line and column), a byte-order mark
/// dropped. `display_path` names it in diagnostics and becomes its [`SourceFile::path`].
pub fn parse_scenario_bytes(bytes: &[u8], display_path: &str) -> Result<Scenario, LoadError> {
    read_bytes(
        bytes.to_vec(),
        PathBuf::from(display_path),
        display_path,
        None,
    )
    .map_err(Unloaded::into_error)
}

fn read_bytes(
    bytes: Vec<u8>,
    path: PathBuf,
    display_path: &str,
    variant: Option<&str>,
) -> Result<Scenario, Unloaded> {
    let text = decode_or_report(bytes, display_path)?;
    build(text, path, display_path, variant)
}

/// The text of a file's bytes, or the one problem that stops reading them (size, encoding).
fn decode_or_report(bytes: Vec<u8>, display_path: &str) -> Result<String, Unloaded> {
    if let Err(problem) = read::check_size(bytes.len()) {
        return Err(Unloaded::Error(single(display_path, "", &problem)));
    }
    read::decode(bytes).map_err(|(problem, bytes)| {
        let lossy = String::from_utf8_lossy(&bytes);
        Unloaded::Error(single(display_path, &lossy, &problem))
    })
}

/// Loads a scenario from its text; `display_path` names it in diagnostics and becomes its
/// [`SourceFile::path`]. A leading byte-order mark is dropped; text over [`MAX_FILE_BYTES`] is refused.
pub fn parse_scenario(text: &str, display_path: &str) -> Result<Scenario, LoadError> {
    if let Err(problem) = read::check_size(text.len()) {
        return Err(single(display_path, "", &problem));
    }
    let text = read::strip_bom(text.to_string());
    build(text, PathBuf::from(display_path), display_path, None).map_err(Unloaded::into_error)
}

/// A load error with one problem.
fn single(display_path: &str, text: &str, problem: &Problem) -> LoadError {
    let source_line = LineIndex::new(text).line(problem.mark.span.line);
    let mut diagnostic = Diagnostic::with_source_line(
        display_path,
        source_line,
        problem.mark.span,
        problem.mark.width,
        problem.message.clone(),
    );
    diagnostic.hint = problem.hint.clone();
    LoadError::invalid(vec![diagnostic])
}

fn build(
    text: String,
    path: PathBuf,
    display_path: &str,
    variant: Option<&str>,
) -> Result<Scenario, Unloaded> {
    let (parts, diagnostics, references) = walk(&text, display_path, |loader, root| {
        loader.scenario_parts(root, variant)
    });
    let source = SourceFile {
        path,
        display_path: display_path.to_string(),
        text,
    };
    match parts {
        Some(parts) if diagnostics.is_empty() => Ok(Scenario {
            name: parts.name,
            description: parts.description,
            tags: parts.tags,
            requires: parts.requires,
            steps: parts.steps,
            references,
            source,
            matrix: parts.matrix,
            combination: parts.combination,
        }),
        _ => Err(unloaded(source, references, diagnostics)),
    }
}

fn build_flow(text: String, path: PathBuf, display_path: &str) -> Result<Flow, Unloaded> {
    let (parts, diagnostics, references) =
        walk(&text, display_path, |loader, root| loader.flow_parts(root));
    let source = SourceFile {
        path,
        display_path: display_path.to_string(),
        text,
    };
    match parts {
        Some(parts) if diagnostics.is_empty() => Ok(Flow {
            name: parts.name,
            name_span: parts.name_span,
            description: parts.description,
            params: parts.params,
            steps: parts.steps,
            references,
            source,
            linked: Default::default(),
        }),
        _ => Err(unloaded(source, references, diagnostics)),
    }
}

/// Reads the tree of `text` and, when it is a mapping, walks it with `read`.
fn walk<T>(
    text: &str,
    display_path: &str,
    read: impl FnOnce(&mut Loader<'_>, At<'_>) -> Option<T>,
) -> (Option<T>, Vec<Diagnostic>, References) {
    let mut loader = Loader {
        file: display_path,
        lines: LineIndex::new(text),
        diagnostics: Vec::new(),
        references: References::default(),
        step: 0,
    };
    let parts = loader
        .root(text)
        .and_then(|root| read(&mut loader, At::root(&root)));
    (parts, loader.diagnostics, loader.references)
}

/// What a caller that keeps partial results gets for a file with problems.
fn unloaded(
    source: SourceFile,
    references: References,
    mut diagnostics: Vec<Diagnostic>,
) -> Unloaded {
    if diagnostics.is_empty() {
        // Every path that gives up reports why; this guards against a silent failure all the same.
        diagnostics.push(Diagnostic::new(
            &source.display_path,
            &source.text,
            Mark::START.span,
            1,
            "file could not be loaded".to_string(),
        ));
    }
    Unloaded::Partial(Box::new(PartialLoad {
        text: source.text,
        references,
        diagnostics,
    }))
}

/// The fields of a [`Scenario`] other than its references and source.
struct ScenarioParts {
    name: String,
    description: Option<String>,
    tags: Vec<String>,
    requires: Vec<Capability>,
    steps: Vec<Step>,
    matrix: Option<Matrix>,
    combination: Option<Combination>,
}

/// Walks one file's YAML tree, collecting problems and references.
pub(super) struct Loader<'t> {
    file: &'t str,
    lines: LineIndex<'t>,
    diagnostics: Vec<Diagnostic>,
    references: References,
    /// The step being read (0-based), so that recorded names know which step uses them.
    step: usize,
}

impl Loader<'_> {
    fn report(&mut self, mark: Mark, message: String, hint: Option<String>) {
        let mut diagnostic = Diagnostic::with_source_line(
            self.file,
            self.lines.line(mark.span.line),
            mark.span,
            mark.width,
            message,
        );
        diagnostic.hint = hint;
        self.diagnostics.push(diagnostic);
    }

    fn report_problem(&mut self, problem: Problem) {
        self.report(problem.mark, problem.message, problem.hint);
    }

    /// Reads the YAML tree of a file: its root when it is a mapping (without merge keys), after reporting
    /// what else it is.
    fn root(&mut self, text: &str) -> Option<tree::Node> {
        let outcome = read::read_yaml(text, &self.lines);
        for problem in outcome.problems {
            self.report_problem(problem);
        }
        let empty_hint = "a scenario is a mapping with at least `name` and `steps`";
        let root = match outcome.root {
            Some(root) => root,
            None if outcome.fatal => return None,
            None => {
                self.report(
                    Mark::START,
                    "scenario file is empty".to_string(),
                    Some(empty_hint.to_string()),
                );
                return None;
            }
        };
        match &root.yaml {
            tree::Yaml::Map(_) => {}
            tree::Yaml::Null => {
                self.report(
                    Mark::START,
                    "scenario file is empty".to_string(),
                    Some(empty_hint.to_string()),
                );
                return None;
            }
            other => {
                self.report(
                    At::root(&root).value_mark(),
                    format!(
                        "expected a mapping at the top level, found {}",
                        describe(other)
                    ),
                    Some(empty_hint.to_string()),
                );
                return None;
            }
        }
        if has_merge_key(&root) {
            self.entries(At::root(&root));
            return None;
        }
        Some(root)
    }

    /// Reads a scenario's top level for the combination `variant` of its matrix (the first when `None`).
    fn scenario_parts(&mut self, at: At<'_>, variant: Option<&str>) -> Option<ScenarioParts> {
        let (matrix, combination, filled) = match at.get("matrix") {
            None => (None, None, None),
            Some(matrix_at) => {
                let matrix = self.matrix(matrix_at);
                let combination = matrix
                    .as_ref()
                    .and_then(|matrix| self.pick_combination(matrix, matrix_at, variant));
                let filled = combination.as_ref().map(|combination| {
                    let (filled, problems) = matrix::fill_in(at.node, combination);
                    for problem in problems {
                        self.report_problem(problem);
                    }
                    filled
                });
                (matrix, combination, filled)
            }
        };
        let at = filled.as_ref().map_or(at, At::root);
        if let Some(params) = at.get("params") {
            // A flow's key: say where flows go rather than "unknown key".
            self.report(
                params.key_mark(),
                "`params` is a key of flows, not of scenarios".to_string(),
                Some(
                    "a flow lives under `flows/` and runs where a step says `use:`; a scenario can vary its values with `matrix:`"
                        .to_string(),
                ),
            );
        }
        self.check_keys_but(at, &TOP_KEYS, &["params"], "at the top level");

        let name = match at.get("name") {
            None => {
                self.report(
                    at.value_mark(),
                    "missing required key `name` at the top level".to_string(),
                    Some(
                        "add `name:` with a few words saying what the scenario checks".to_string(),
                    ),
                );
                None
            }
            Some(value) => self.non_empty_string(value, "`name`"),
        };
        let description = match at.get("description") {
            None => Some(None),
            Some(value) => self.string(value, "`description`").map(Some),
        };
        let tags = match at.get("tags") {
            None => Some(Vec::new()),
            Some(value) => self.string_list(value, "`tags`"),
        };
        let requires = match at.get("requires") {
            None => Some(Vec::new()),
            Some(value) => self.capabilities(value),
        };
        let steps = self.steps(at, Some(requires.as_deref().unwrap_or(&[])));
        let matrix_ok = !at.has("matrix") || combination.is_some();
        let parts = ScenarioParts {
            name: name?,
            description: description?,
            tags: tags?,
            requires: requires?,
            steps: steps?,
            matrix,
            combination,
        };
        matrix_ok.then_some(parts)
    }

    /// The combination `variant` names (the first when `None`), or a report that the matrix has none such.
    fn pick_combination(
        &mut self,
        matrix: &Matrix,
        matrix_at: At<'_>,
        variant: Option<&str>,
    ) -> Option<Combination> {
        let combinations = matrix.combinations();
        let Some(variant) = variant else {
            return combinations.into_iter().next();
        };
        let found = combinations
            .iter()
            .find(|combination| combination.label() == variant)
            .cloned();
        if found.is_none() {
            let labels: Vec<String> = combinations.iter().map(Combination::label).collect();
            let labels: Vec<&str> = labels.iter().map(String::as_str).collect();
            self.report(
                matrix_at.key_mark(),
                format!("the matrix has no combination `{variant}`"),
                Some(
                    suggestion(variant, &labels)
                        .unwrap_or_else(|| format!("its combinations are {}", one_of_and(&labels))),
                ),
            );
        }
        found
    }

    fn capabilities(&mut self, at: At<'_>) -> Option<Vec<Capability>> {
        let tree::Yaml::Seq(items) = &at.node.yaml else {
            self.report(
                at.value_mark(),
                format!(
                    "expected a list of capabilities for `requires`, found {}",
                    describe(&at.node.yaml)
                ),
                Some("write e.g. `requires: [outbox, clock]`".to_string()),
            );
            return None;
        };
        let mut capabilities = Vec::new();
        let mut ok = true;
        for item in items {
            let item_at = At {
                node: &item.value,
                intro: item.dash,
            };
            let Some(name) = self.string(item_at, "a capability in `requires`") else {
                ok = false;
                continue;
            };
            match Capability::ALL.iter().find(|c| c.as_str() == name) {
                Some(capability) => {
                    self.references.capabilities.push(Located {
                        value: *capability,
                        span: item_at.value_mark().span,
                    });
                    if !capabilities.contains(capability) {
                        capabilities.push(*capability);
                    }
                }
                None => {
                    ok = false;
                    let names: Vec<&str> = Capability::ALL.iter().map(|c| c.as_str()).collect();
                    let hint = suggestion(&name, &names)
                        .unwrap_or_else(|| format!("the capabilities are {}", one_of_and(&names)));
                    self.report(
                        item_at.value_mark(),
                        format!("unknown capability `{name}`"),
                        Some(hint),
                    );
                }
            }
        }
        ok.then_some(capabilities)
    }
}
