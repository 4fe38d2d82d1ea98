//! Why a scenario file could not be loaded: every problem found in it, as shared
//! [`Diagnostic`](crate::diagnostic::Diagnostic)s.

pub use crate::diagnostic::Diagnostic;
pub(crate) use crate::diagnostic::{did_you_mean, one_of};

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
    #[error("{}", render_all(diagnostics))]
    Invalid {
        /// Every problem found, in source order (never empty).
        diagnostics: Vec<Diagnostic>,
    },
}

impl LoadError {
    /// The problems found in the file; empty when the file could not be read at all.
    pub fn diagnostics(&self) -> &[Diagnostic] {
        match self {
            LoadError::Read { .. } => &[],
            LoadError::Invalid { diagnostics } => diagnostics,
        }
    }
}

fn render_all(diagnostics: &[Diagnostic]) -> String {
    diagnostics
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n\n")
}
