//! The evidence catalogue: every Auth0 behaviour the mock imitates, each with where we know it
//! from and how well.
//!
//! Takes `evidence.yaml` at the top of the repository (compiled in) and gives typed [`Entry`]s
//! by stable id (`token.otp.wrong_code_email`): the wire facts (status, `error`,
//! `error_description`, or a value such as a lifetime or a body shape), a [`Grade`], the public
//! [`Source`]s, which parts are the mock's guesses, and notes where sources disagree. The mock
//! answers its errors from these entries; `docs/evidence.md` is generated from them
//! ([`markdown`]); a tenant fixture can replace an error entry's status, code and text with an
//! [`Override`], so a team calibrates the mock to its staging tenant without a rebuild.
//!
//! This module knows nothing of the rest of the crate: the mock and the runner both read it.
//!
//! ```
//! use passwordless_conformance::evidence::{Grade, lookup};
//! let entry = lookup("token.mfa_oob.push_rejected").unwrap();
//! assert_eq!(entry.status, Some(400));
//! assert_eq!(entry.grade, Grade::Recorded);
//! ```

mod entry;
pub mod markdown;

use std::collections::HashMap;
use std::sync::LazyLock;

use serde::{Deserialize, Serialize};

pub use entry::{Entry, Grade, Part, Source, SourceKind, fill, placeholders};

/// The catalogue's source text, `evidence.yaml` at the top of the repository.
pub const CATALOGUE_YAML: &str = include_str!("../../evidence.yaml");

/// Where the catalogue lives, for messages and the generated documentation.
pub const CATALOGUE_PATH: &str = "evidence.yaml";

/// A section of the catalogue: one endpoint or one cross-cutting concern.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Area {
    /// The prefix of its entries' ids.
    pub id: String,
    /// A heading, e.g. `POST /passwordless/start`.
    pub title: String,
}

/// A replacement for an answer entry's status, code or text, from a tenant fixture's
/// `evidence_overrides:`: what a team's staging tenant answers where the mock guessed otherwise.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Override {
    /// The HTTP status (400 to 499). The default value is the entry's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// The `error` code. The default value is the entry's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The `error_description`, with the entry's `{name}` placeholders. The default value is
    /// the entry's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

impl Override {
    /// Why this override cannot apply to `entry`, if it cannot.
    pub fn problem(&self, entry: &Entry) -> Option<String> {
        if !entry.is_answer() {
            return Some(format!(
                "evidence entry `{}` is not an answer (it has no status), so it cannot be overridden",
                entry.id
            ));
        }
        if let Some(status) = self.status
            && !(400..=499).contains(&status)
        {
            return Some(format!(
                "override of `{}` has status {status}, expected 400 to 499",
                entry.id
            ));
        }
        if let Some(description) = &self.description {
            let known = entry
                .description
                .as_deref()
                .map(placeholders)
                .unwrap_or_default();
            if let Some(unknown) = placeholders(description)
                .into_iter()
                .find(|name| !known.contains(name))
            {
                return Some(format!(
                    "override of `{}` uses `{{{unknown}}}`, which the entry does not fill in",
                    entry.id
                ));
            }
        }
        None
    }
}

/// Every entry, by area, with an index by id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Catalogue {
    /// The sections, in the order the documentation shows them.
    pub areas: Vec<Area>,
    /// Every entry, in file order.
    pub entries: Vec<Entry>,
    #[serde(skip)]
    index: HashMap<String, usize>,
}

impl Catalogue {
    /// Parses a catalogue from YAML.
    pub fn from_yaml(text: &str) -> Result<Catalogue, serde_yaml::Error> {
        let mut catalogue: Catalogue = serde_yaml::from_str(text)?;
        catalogue.index = catalogue
            .entries
            .iter()
            .enumerate()
            .map(|(idx, entry)| (entry.id.clone(), idx))
            .collect();
        Ok(catalogue)
    }

    /// The entry with this id.
    pub fn lookup(&self, id: &str) -> Option<&Entry> {
        self.index.get(id).map(|idx| &self.entries[*idx])
    }

    /// Every id, in file order.
    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|entry| entry.id.as_str())
    }

    /// The entries of one area, in file order.
    pub fn entries_of<'a>(&'a self, area: &'a str) -> impl Iterator<Item = &'a Entry> {
        self.entries
            .iter()
            .filter(move |entry| entry.area() == area)
    }

    /// Every rule the catalogue breaks (none for the shipped one; a test checks).
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        let areas: Vec<&str> = self.areas.iter().map(|area| area.id.as_str()).collect();
        let mut seen = std::collections::HashSet::new();
        for entry in &self.entries {
            let id = &entry.id;
            let mut complain = |message: String| problems.push(format!("`{id}`: {message}"));
            if !seen.insert(id.as_str()) {
                complain("the id is used twice".to_owned());
            }
            let well_formed = id.split('.').count() >= 2
                && id.split('.').all(|segment| {
                    !segment.is_empty()
                        && segment
                            .chars()
                            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
                });
            if !well_formed {
                complain("ids are dotted lower-case segments, e.g. `token.otp.wrong_code`".into());
            }
            if !areas.contains(&entry.area()) {
                complain(format!("area `{}` is not declared", entry.area()));
            }
            if let Some(status) = entry.status
                && !(100..=599).contains(&status)
            {
                complain(format!("status {status} is not an HTTP status"));
            }
            if entry.status.is_none() && (entry.error.is_some() || entry.description.is_some()) {
                complain("an `error` or `description` needs a `status`".into());
            }
            if entry.status.is_none() && entry.value.is_none() {
                complain("an entry has a `status` (an answer) or a `value`".into());
            }
            if entry.grade == Grade::Inferred && !entry.guessed.is_empty() {
                complain("`guessed` is implied for `inferred` entries".into());
            }
            for part in &entry.guessed {
                let present = match part {
                    Part::Status => entry.status.is_some(),
                    Part::Error => entry.error.is_some(),
                    Part::Description => entry.description.is_some(),
                    Part::Value => entry.value.is_some(),
                };
                if !present {
                    complain(format!(
                        "`guessed` names `{}`, which it lacks",
                        part.as_str()
                    ));
                }
            }
            let sourceless_ok = entry.grade == Grade::Inferred
                || (entry.grade == Grade::Weak && entry.note.is_some());
            if entry.sources.is_empty() && !sourceless_ok {
                complain(format!("a `{}` entry needs `sources`", entry.grade));
            }
            for source in &entry.sources {
                if source.kind().is_none() {
                    complain(format!(
                        "source `{}` is not a URL, `owner/repo#N` or `owner/repo path`",
                        source.0
                    ));
                }
            }
        }
        problems
    }
}

static CATALOGUE: LazyLock<Catalogue> = LazyLock::new(|| {
    match Catalogue::from_yaml(CATALOGUE_YAML) {
        Ok(catalogue) => catalogue,
        // The file is compiled in and parsed by a unit test, so this cannot happen at run time.
        Err(error) => panic!("{CATALOGUE_PATH} is broken: {error}"),
    }
});

/// The catalogue compiled into this build.
pub fn catalogue() -> &'static Catalogue {
    &CATALOGUE
}

/// The entry with this id in the compiled-in catalogue.
pub fn lookup(id: &str) -> Option<&'static Entry> {
    catalogue().lookup(id)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_shipped_catalogue_parses_and_breaks_no_rule() {
        let catalogue = Catalogue::from_yaml(CATALOGUE_YAML).unwrap();
        assert_eq!(catalogue.problems(), Vec::<String>::new());
        assert!(catalogue.entries.len() > 50);
    }

    #[test]
    fn every_id_the_mock_names_exists() {
        // The mock names entries as string literals (`catalogued("…")`, `evidence::lookup("…")`)
        // and in doc comments (`evidence `…``): each must be in the catalogue.
        let mut missing = Vec::new();
        for (file, text) in mock_sources() {
            for id in quoted_ids(&text) {
                if lookup(&id).is_none() {
                    missing.push(format!("{file}: `{id}`"));
                }
            }
        }
        assert!(
            missing.is_empty(),
            "ids missing from {CATALOGUE_PATH}: {missing:?}"
        );
    }

    #[test]
    fn every_entry_is_named_by_the_mock() {
        // An entry no code names has gone stale: the mock no longer imitates it.
        let all: String = mock_sources().into_iter().map(|(_, text)| text).collect();
        let unused: Vec<&str> = catalogue()
            .ids()
            .filter(|id| !all.contains(&format!("\"{id}\"")) && !all.contains(&format!("`{id}`")))
            .collect();
        assert!(
            unused.is_empty(),
            "entries no mock source names: {unused:?}"
        );
    }

    #[test]
    fn sources_read_as_urls_issues_or_files() {
        let issue = Source("auth0/auth0.js#317".into());
        assert_eq!(
            issue.url().as_deref(),
            Some("https://github.com/auth0/auth0.js/issues/317")
        );
        let file =
            Source("auth0/go-auth0 test/data/recordings/authentication/TestSendEmail.yaml".into());
        assert_eq!(
            file.url().as_deref(),
            Some(
                "https://github.com/auth0/go-auth0/blob/HEAD/test/data/recordings/authentication/TestSendEmail.yaml"
            )
        );
        assert!(Source("see the docs".into()).kind().is_none());
    }

    #[test]
    fn descriptions_fill_their_placeholders_and_overrides_may_not_invent_any() {
        let entry = lookup("token.grant_not_allowed").unwrap();
        assert_eq!(
            entry.describe(&[("grant_type", "refresh_token")]),
            "Grant type 'refresh_token' not allowed for the client."
        );
        let bad = Override {
            description: Some("no {such} value".into()),
            ..Override::default()
        };
        assert!(bad.problem(entry).unwrap().contains("`{such}`"));
        let server_error = Override {
            status: Some(500),
            ..Override::default()
        };
        assert!(server_error.problem(entry).unwrap().contains("400 to 499"));
        let fine = Override {
            status: Some(400),
            description: Some("{grant_type} is off".into()),
            ..Override::default()
        };
        assert_eq!(fine.problem(entry), None);
    }

    /// Every `.rs` file under `src/mock/`, with its text.
    fn mock_sources() -> Vec<(String, String)> {
        fn walk(dir: &std::path::Path, out: &mut Vec<(String, String)>) {
            for item in std::fs::read_dir(dir).unwrap() {
                let path = item.unwrap().path();
                if path.is_dir() {
                    walk(&path, out);
                } else if path.extension().is_some_and(|ext| ext == "rs") {
                    let text = std::fs::read_to_string(&path).unwrap();
                    out.push((path.display().to_string(), text));
                }
            }
        }
        let mut out = Vec::new();
        walk(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/mock"),
            &mut out,
        );
        out
    }

    /// Ids the text names: `catalogued("a.b")`, `evidence::lookup("a.b")`, `evidence `a.b``.
    fn quoted_ids(text: &str) -> Vec<String> {
        let pattern = regex::Regex::new(
            r#"(?:catalogued\(|lookup\()\s*"([a-z0-9_]+(?:\.[a-z0-9_]+)+)"|evidence `([a-z0-9_]+(?:\.[a-z0-9_]+)+)`"#,
        )
        .unwrap();
        pattern
            .captures_iter(text)
            .filter_map(|captures| captures.get(1).or_else(|| captures.get(2)))
            .map(|found| found.as_str().to_owned())
            .collect()
    }
}
