//! Loads a scenario file: bytes in, a [`Scenario`] with its [`References`] or every problem found out.
//!
//! [`read`] turns the bytes into a YAML tree whose every value knows its position (a syntax error stops there,
//! with one diagnostic). The tree is then walked by hand rather than deserialized with serde, so that one
//! mistake does not hide the next: every unknown key, wrong type, bad JSONPath, regex or template is collected
//! and reported in source order, at most [`MAX_REPORTED`] of them. The walk is split the way parsers are: one
//! `impl Loader` block per part of the language ([`step`], [`request`], [`expect`], [`matcher`], [`capture`]),
//! the generic readers in [`text`], templates in [`names`]. Everything is linear in the size of the file.

mod capture;
mod evidence;
mod expect;
mod matcher;
mod names;
mod read;
mod request;
mod step;
mod text;
mod tree;

use std::io::Read as _;
use std::path::{Path, PathBuf};

use super::error::LoadError;
use super::model::{Capability, Located, Scenario, SourceFile, Step};
use super::references::References;
use crate::diagnostic::{Diagnostic, LineIndex};
use text::{At, describe, has_merge_key, one_of_and, suggestion};
use tree::{Mark, Problem};

pub use read::MAX_FILE_BYTES;
pub use tree::{MAX_DEPTH, MAX_NODES};

/// The most problems reported for one file: 50. The rest are counted ("… and 12 more problems"): past a few
/// dozen, a person fixes the first ones and loads again.
pub const MAX_REPORTED: usize = 50;

const TOP_KEYS: [&str; 5] = ["name", "description", "tags", "requires", "steps"];

/// Reads and loads the scenario file at `path`; `display_path` is how diagnostics name it
/// (e.g. `scenarios/passwordless/email.yaml`).
///
/// Only regular files are opened (a FIFO would block), and only their first [`MAX_FILE_BYTES`] are read.
pub fn load_scenario_file(path: &Path, display_path: &str) -> Result<Scenario, LoadError> {
    load_file_partially(path, display_path).map_err(Unloaded::into_error)
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

/// [`load_scenario_file`], keeping the partial results of a file that was read but did not load.
pub(crate) fn load_file_partially(path: &Path, display_path: &str) -> Result<Scenario, Unloaded> {
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
    read_bytes(bytes, path.to_path_buf(), display_path)
}

/// Loads a scenario from the bytes of a file, as [`load_scenario_file`] does once it has read them: at most
/// [`MAX_FILE_BYTES`], UTF-8 (the first bad byte is reported with its line and column), a byte-order mark
/// dropped. `display_path` names it in diagnostics and becomes its [`SourceFile::path`].
pub fn parse_scenario_bytes(bytes: &[u8], display_path: &str) -> Result<Scenario, LoadError> {
    read_bytes(bytes.to_vec(), PathBuf::from(display_path), display_path)
        .map_err(Unloaded::into_error)
}

fn read_bytes(bytes: Vec<u8>, path: PathBuf, display_path: &str) -> Result<Scenario, Unloaded> {
    if let Err(problem) = read::check_size(bytes.len()) {
        return Err(Unloaded::Error(single(display_path, "", &problem)));
    }
    let text = match read::decode(bytes) {
        Ok(text) => text,
        Err((problem, bytes)) => {
            let lossy = String::from_utf8_lossy(&bytes);
            return Err(Unloaded::Error(single(display_path, &lossy, &problem)));
        }
    };
    build(text, path, display_path)
}

/// Loads a scenario from its text; `display_path` names it in diagnostics and becomes its
/// [`SourceFile::path`]. A leading byte-order mark is dropped; text over [`MAX_FILE_BYTES`] is refused.
pub fn parse_scenario(text: &str, display_path: &str) -> Result<Scenario, LoadError> {
    if let Err(problem) = read::check_size(text.len()) {
        return Err(single(display_path, "", &problem));
    }
    let text = read::strip_bom(text.to_string());
    build(text, PathBuf::from(display_path), display_path).map_err(Unloaded::into_error)
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

fn build(text: String, path: PathBuf, display_path: &str) -> Result<Scenario, Unloaded> {
    let (parts, mut diagnostics, references) = {
        let mut loader = Loader {
            file: display_path,
            lines: LineIndex::new(&text),
            diagnostics: Vec::new(),
            references: References::default(),
            step: 0,
        };
        let parts = loader.scenario(&text);
        (parts, loader.diagnostics, loader.references)
    };
    match parts {
        Some(parts) if diagnostics.is_empty() => Ok(Scenario {
            name: parts.name,
            description: parts.description,
            tags: parts.tags,
            requires: parts.requires,
            steps: parts.steps,
            references,
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
            Err(Unloaded::Partial(Box::new(PartialLoad {
                text,
                references,
                diagnostics,
            })))
        }
    }
}

/// The fields of a [`Scenario`] other than its references and source.
struct ScenarioParts {
    name: String,
    description: Option<String>,
    tags: Vec<String>,
    requires: Vec<Capability>,
    steps: Vec<Step>,
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

    fn scenario(&mut self, text: &str) -> Option<ScenarioParts> {
        let outcome = read::read_yaml(text, &self.lines);
        for problem in outcome.problems {
            self.report_problem(problem);
        }
        let root = match outcome.root {
            Some(root) => root,
            None if outcome.fatal => return None,
            None => {
                self.report(
                    Mark::START,
                    "scenario file is empty".to_string(),
                    Some("a scenario is a mapping with at least `name` and `steps`".to_string()),
                );
                return None;
            }
        };
        let at = At::root(&root);
        match &root.yaml {
            tree::Yaml::Map(_) => {}
            tree::Yaml::Null => {
                self.report(
                    Mark::START,
                    "scenario file is empty".to_string(),
                    Some("a scenario is a mapping with at least `name` and `steps`".to_string()),
                );
                return None;
            }
            other => {
                self.report(
                    at.value_mark(),
                    format!(
                        "expected a mapping at the top level, found {}",
                        describe(other)
                    ),
                    Some("a scenario is a mapping with at least `name` and `steps`".to_string()),
                );
                return None;
            }
        }
        if has_merge_key(&root) {
            self.entries(at);
            return None;
        }
        self.check_keys(at, &TOP_KEYS, "at the top level");

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
        let steps = self.steps(at, requires.as_deref().unwrap_or(&[]));
        Some(ScenarioParts {
            name: name?,
            description: description?,
            tags: tags?,
            requires: requires?,
            steps: steps?,
        })
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
