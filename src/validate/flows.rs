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
//! This module holds the library and finds a flow by name or path; `linker.rs` builds it
//! ([`FlowLibrary::load`], the only place that reads `flows/`, from
//! [`ProjectContext::load`](super::ProjectContext)), and `uses.rs` links a `use:` step to its
//! flow, for a flow there and for a scenario against the finished library.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use crate::diagnostic::{Diagnostic, did_you_mean};
use crate::scenario::{Flow, MAX_REPORTED};

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
    pub(super) entries: BTreeMap<String, FlowEntry>,
    /// Each flow name → the path of the flow that holds it.
    pub(super) names: BTreeMap<String, String>,
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
        /// The first problems, its own first (at most [`MAX_REPORTED`] of them).
        diagnostics: Vec<Diagnostic>,
        /// How many more problems were found and left out.
        omitted: usize,
    },
}

impl FlowEntry {
    /// A broken entry with `diagnostics` sorted, without repeats, and capped like a file's report, so
    /// that a hostile flow costs no more than any other file wherever it is used.
    pub(super) fn broken(display_path: String, mut diagnostics: Vec<Diagnostic>) -> FlowEntry {
        crate::diagnostic::sort_by_file_then_position(&mut diagnostics);
        let omitted = diagnostics.len().saturating_sub(MAX_REPORTED);
        diagnostics.truncate(MAX_REPORTED);
        FlowEntry::Broken {
            display_path,
            diagnostics,
            omitted,
        }
    }
}

/// How a `use:` found its flow.
pub(super) enum Lookup {
    /// The path of the flow under `flows/`.
    Found(String),
    /// No such flow; a hint.
    Unknown(String),
}

impl FlowLibrary {
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
    pub(super) fn lookup(&self, reference: &str, ids: &BTreeSet<String>) -> Lookup {
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

    pub(super) fn ids(&self) -> BTreeSet<String> {
        self.entries.keys().cloned().collect()
    }
}
