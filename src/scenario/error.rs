//! Why a scenario file could not be loaded: every problem found in it, as shared
//! [`Diagnostic`](crate::diagnostic::Diagnostic)s.

use crate::diagnostic::Diagnostic;

/// Why a scenario file could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The file could not be read.
    #[error("error: cannot read scenario file: {error}\n --> {display_path}")]
    Read {
        /// The file as it should be shown to a person.
        display_path: String,
        /// What the operating system said.
        error: std::io::Error,
    },
    /// The file was read but has problems: one diagnostic per problem, in source order.
    #[error("{}", render_all(diagnostics, *omitted))]
    Invalid {
        /// The first problems found, in source order (never empty; at most
        /// [`MAX_REPORTED`](super::MAX_REPORTED)).
        diagnostics: Vec<Diagnostic>,
        /// How many more problems were found and left out of the report.
        omitted: usize,
    },
}

impl LoadError {
    /// The problems reported for the file; empty when the file could not be read at all.
    pub fn diagnostics(&self) -> &[Diagnostic] {
        match self {
            LoadError::Read { .. } => &[],
            LoadError::Invalid { diagnostics, .. } => diagnostics,
        }
    }

    /// Builds the error for `diagnostics` (at least one), sorted by position, keeping the first
    /// [`MAX_REPORTED`](super::MAX_REPORTED).
    pub(crate) fn invalid(mut diagnostics: Vec<Diagnostic>) -> LoadError {
        // The same problem reached twice (a value shared through a yaml alias) is reported once.
        crate::diagnostic::sort_by_file_then_position(&mut diagnostics);
        let omitted = diagnostics.len().saturating_sub(super::MAX_REPORTED);
        diagnostics.truncate(super::MAX_REPORTED);
        LoadError::Invalid {
            diagnostics,
            omitted,
        }
    }
}

fn render_all(diagnostics: &[Diagnostic], omitted: usize) -> String {
    let mut text = diagnostics
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n\n");
    match omitted {
        0 => {}
        1 => text.push_str("\n\n… and 1 more problem"),
        n => text.push_str(&format!("\n\n… and {n} more problems")),
    }
    text
}
