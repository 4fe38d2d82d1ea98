//! Which scenarios a run selects: path filters and tags.
//!
//! Takes what a person asked for — path filters (`run errors mfa/`), tags to include and to leave
//! out (`--tag mfa --skip-tag slow`, or `CONFORMANCE_TAGS=mfa,!slow` under `cargo test`) — and
//! gives [`Selection::selects`], the one rule both runners apply to a scenario's path and tags,
//! and [`Suite::select`], which lists the files and keeps those selected. A scenario that is not
//! selected is not run and not reported: like a name filter, it is the person's choice of what
//! to run, not something the target could not do (that is a skip, with its reason). Nothing here
//! runs a scenario.

use std::collections::BTreeSet;
use std::fmt;

use super::{Listing, ScenarioFile, Suite};

/// The environment variable that selects scenarios by tag under `cargo test` (whose arguments
/// belong to libtest): `mfa,sms` runs scenarios tagged `mfa` or `sms`, `!slow` leaves out those
/// tagged `slow`, `mfa,!slow` both.
pub const TAGS_VARIABLE: &str = "CONFORMANCE_TAGS";

/// Tags a scenario must have one of (when any are given) and tags it must not have.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TagFilter {
    /// A scenario is selected only if it has one of these (none: every scenario).
    pub include: Vec<String>,
    /// A scenario with one of these is not selected, whatever else it has.
    pub exclude: Vec<String>,
}

/// A tag selection that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SelectionError {
    /// An entry of the list is empty (`mfa,,sms`, `!`).
    #[error(
        "`{variable}={value}` has an empty tag\nhint: write tags separated by commas, `!` before a tag to leave it out: `mfa,!slow`"
    )]
    EmptyTag {
        /// Where the list came from.
        variable: String,
        /// The list as written.
        value: String,
    },
}

impl TagFilter {
    /// Whether nothing is filtered.
    pub fn is_empty(&self) -> bool {
        self.include.is_empty() && self.exclude.is_empty()
    }

    /// Reads a comma-separated list (`mfa,sms,!slow`); `variable` names where it came from, for
    /// the error. Spaces around entries are ignored; an empty list selects everything.
    pub fn parse(variable: &str, value: &str) -> Result<TagFilter, SelectionError> {
        let mut filter = TagFilter::default();
        if value.trim().is_empty() {
            return Ok(filter);
        }
        for entry in value.split(',') {
            let entry = entry.trim();
            let (list, tag) = match entry.strip_prefix('!') {
                Some(tag) => (&mut filter.exclude, tag.trim()),
                None => (&mut filter.include, entry),
            };
            if tag.is_empty() {
                return Err(SelectionError::EmptyTag {
                    variable: variable.to_owned(),
                    value: value.to_owned(),
                });
            }
            list.push(tag.to_owned());
        }
        Ok(filter)
    }

    /// The filter [`TAGS_VARIABLE`] describes (empty when it is not set).
    pub fn from_env() -> Result<TagFilter, SelectionError> {
        match std::env::var(TAGS_VARIABLE) {
            Ok(value) => TagFilter::parse(TAGS_VARIABLE, &value),
            Err(_) => Ok(TagFilter::default()),
        }
    }

    /// The filter of `run --tag … --skip-tag …`; when neither is given, the one
    /// [`TAGS_VARIABLE`] describes, as under `cargo test`.
    pub fn from_arguments(
        include: &[String],
        exclude: &[String],
    ) -> Result<TagFilter, SelectionError> {
        if include.is_empty() && exclude.is_empty() {
            return TagFilter::from_env();
        }
        Ok(TagFilter {
            include: include.to_vec(),
            exclude: exclude.to_vec(),
        })
    }

    /// Whether a scenario with `tags` passes the filter.
    pub fn selects(&self, tags: &[String]) -> bool {
        let has = |wanted: &String| tags.contains(wanted);
        (self.include.is_empty() || self.include.iter().any(has)) && !self.exclude.iter().any(has)
    }

    /// The tags this filter names that no scenario has, each with the closest tag that exists
    /// (for a "did you mean" warning: a misspelt tag would otherwise select nothing, silently).
    pub fn unknown_tags<'a>(&'a self, known: &[&'a str]) -> Vec<(&'a str, Option<&'a str>)> {
        self.include
            .iter()
            .chain(&self.exclude)
            .filter(|tag| !known.contains(&tag.as_str()))
            .map(|tag| (tag.as_str(), crate::diagnostic::did_you_mean(tag, known)))
            .collect()
    }
}

impl fmt::Display for TagFilter {
    /// The filter as `CONFORMANCE_TAGS` would write it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let entries: Vec<String> = self
            .include
            .iter()
            .cloned()
            .chain(self.exclude.iter().map(|tag| format!("!{tag}")))
            .collect();
        f.write_str(&entries.join(","))
    }
}

/// Path filters and tags: what a run selects.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    /// A scenario is selected if its path under `scenarios/` contains any of these (none: all).
    pub filters: Vec<String>,
    /// The tags.
    pub tags: TagFilter,
}

impl Selection {
    /// Whether the scenario at `id` (its path under `scenarios/`) with `tags` is selected.
    /// `tags` is `None` for a file that does not load: its tags are unknown, so only the path
    /// decides — a broken file is never hidden by a tag filter, it fails.
    pub fn selects(&self, id: &str, tags: Option<&[String]>) -> bool {
        let path_matches = self.filters.is_empty()
            || self
                .filters
                .iter()
                .any(|filter| id.contains(filter.as_str()));
        path_matches && tags.is_none_or(|tags| self.tags.selects(tags))
    }

    /// Whether the path filters alone select `id` (decided before a file is read).
    pub fn selects_path(&self, id: &str) -> bool {
        self.selects(id, None)
    }
}

/// The files a [`Selection`] keeps, each with what listing found.
#[derive(Debug, Clone)]
pub struct Selected {
    /// The selected files, in order, with their listing.
    pub files: Vec<(ScenarioFile, Listing)>,
    /// How many files the path filters selected but the tags left out.
    pub left_out_by_tags: usize,
    /// The tags the selection names that no scenario has, each with the closest that exists.
    pub unknown_tags: Vec<(String, Option<String>)>,
}

impl Suite {
    /// Lists `files` (each loaded and planned once) and keeps those `selection` selects. A file
    /// that does not load is kept when its path is selected: its tags are unknown, and it must
    /// fail rather than vanish.
    pub fn select(&self, files: Vec<ScenarioFile>, selection: &Selection) -> Selected {
        let mut selected = Selected {
            files: Vec::new(),
            left_out_by_tags: 0,
            unknown_tags: Vec::new(),
        };
        let mut known_tags = BTreeSet::new();
        let files: Vec<ScenarioFile> = files
            .into_iter()
            .filter(|file| selection.selects_path(&file.id))
            .collect();
        let listings = self.list_all(&files);
        for (file, listing) in files.into_iter().zip(listings) {
            known_tags.extend(listing.tags.iter().flatten().cloned());
            if selection.selects(&file.id, listing.tags.as_deref()) {
                selected.files.push((file, listing));
            } else {
                selected.left_out_by_tags += 1;
            }
        }
        let known: Vec<&str> = known_tags.iter().map(String::as_str).collect();
        selected.unknown_tags = selection
            .tags
            .unknown_tags(&known)
            .into_iter()
            .map(|(tag, close)| (tag.to_owned(), close.map(str::to_owned)))
            .collect();
        selected
    }

    /// [`Suite::list`] of each of `files`, in order, on every core: listing reads, parses and
    /// validates each file, and done on one thread it held up the start of a run of many files.
    fn list_all(&self, files: &[ScenarioFile]) -> Vec<Listing> {
        let threads = std::thread::available_parallelism().map_or(1, usize::from);
        let chunk = files.len().div_ceil(threads).max(1);
        std::thread::scope(|scope| {
            let handles: Vec<_> = files
                .chunks(chunk)
                .map(|chunk| {
                    scope
                        .spawn(move || chunk.iter().map(|file| self.list(file)).collect::<Vec<_>>())
                })
                .collect();
            handles
                .into_iter()
                .flat_map(|handle| {
                    handle
                        .join()
                        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
                })
                .collect()
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn tags(list: &[&str]) -> Vec<String> {
        list.iter().map(|tag| (*tag).to_owned()).collect()
    }

    #[test]
    fn included_tags_select_any_and_excluded_tags_win() {
        let filter = TagFilter::parse(TAGS_VARIABLE, "mfa, sms ,!slow").unwrap();
        assert_eq!(filter.include, ["mfa", "sms"]);
        assert_eq!(filter.exclude, ["slow"]);
        assert!(filter.selects(&tags(&["mfa"])));
        assert!(filter.selects(&tags(&["sms", "negative"])));
        assert!(!filter.selects(&tags(&["mfa", "slow"])));
        assert!(!filter.selects(&tags(&["email"])));
        assert!(!filter.selects(&[]));
        assert_eq!(filter.to_string(), "mfa,sms,!slow");
    }

    #[test]
    fn only_exclusions_select_everything_else_including_untagged_scenarios() {
        let filter = TagFilter::parse(TAGS_VARIABLE, "!slow").unwrap();
        assert!(filter.selects(&[]));
        assert!(filter.selects(&tags(&["mfa"])));
        assert!(!filter.selects(&tags(&["slow"])));
    }

    #[test]
    fn an_empty_list_selects_everything_and_an_empty_entry_is_an_error() {
        assert!(TagFilter::parse(TAGS_VARIABLE, " ").unwrap().is_empty());
        for bad in ["mfa,,sms", "!", "mfa, ! "] {
            let error = TagFilter::parse(TAGS_VARIABLE, bad).unwrap_err();
            assert!(error.to_string().contains("has an empty tag"), "{error}");
        }
    }

    #[test]
    fn any_path_filter_selects_and_tags_must_agree() {
        let selection = Selection {
            filters: vec!["errors/".to_owned(), "login".to_owned()],
            tags: TagFilter::parse(TAGS_VARIABLE, "!slow").unwrap(),
        };
        assert!(selection.selects("errors/mfa/x.yaml", Some(&tags(&[]))));
        assert!(selection.selects("passwordless/login_sms.yaml", Some(&tags(&["sms"]))));
        assert!(!selection.selects("mfa/enrol.yaml", Some(&tags(&[]))));
        assert!(!selection.selects("errors/x.yaml", Some(&tags(&["slow"]))));
    }

    #[test]
    fn a_file_whose_tags_are_unknown_is_selected_by_its_path_alone() {
        let selection = Selection {
            filters: Vec::new(),
            tags: TagFilter::parse(TAGS_VARIABLE, "mfa").unwrap(),
        };
        assert!(selection.selects("broken.yaml", None));
        assert!(!selection.selects("fine.yaml", Some(&tags(&["sms"]))));
    }

    #[test]
    fn a_misspelt_tag_is_named_with_the_closest_one() {
        let filter = TagFilter::parse(TAGS_VARIABLE, "mfaa,!slow").unwrap();
        let unknown = filter.unknown_tags(&["mfa", "sms"]);
        assert_eq!(unknown, [("mfaa", Some("mfa")), ("slow", None)]);
    }
}
