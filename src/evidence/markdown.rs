//! `docs/evidence.md`, written from the catalogue so that people can read it without Rust.
//!
//! Takes a [`Catalogue`]; gives Markdown: how to read the grades, a summary of the guesses a
//! staging run should settle, then every entry by area with its wire facts, grade, sources and
//! notes. A unit test compares the file in the repository with this output and fails when they
//! differ; `UPDATE_DOCS=1 cargo test --lib evidence` writes it anew.

use std::fmt::Write as _;

use super::{CATALOGUE_PATH, Catalogue, Entry, Grade, Part};

/// Where the generated documentation lives, relative to the repository.
pub const DOC_PATH: &str = "docs/evidence.md";

/// The whole document.
pub fn markdown(catalogue: &Catalogue) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# Evidence: what the mock imitates, and how we know\n");
    let _ = writeln!(
        out,
        "<!-- Generated from `{CATALOGUE_PATH}` by `src/evidence/markdown.rs`. Do not edit: change \
         the catalogue, then run `UPDATE_DOCS=1 cargo test --lib evidence`. -->\n"
    );
    let _ = writeln!(
        out,
        "Every Auth0 behaviour the mock tenant imitates is an entry of `{CATALOGUE_PATH}`: an \
         error answer (status, `error`, `error_description`) or a value (a lifetime, a limit, a \
         body shape, a content type), with its public sources and a grade. The mock answers its \
         errors from these entries; a tenant fixture can override any error entry's status, code \
         and text (`evidence_overrides:` in the fixture, see `mock/tenant.yaml`), so a team \
         calibrates the mock to its staging tenant without a rebuild. Ids are stable.\n"
    );
    let _ = writeln!(out, "## Grades\n");
    let _ = writeln!(out, "| grade | meaning | entries |\n|---|---|---|");
    for grade in Grade::ALL {
        let count = catalogue
            .entries
            .iter()
            .filter(|entry| entry.grade == grade)
            .count();
        let _ = writeln!(out, "| **{grade}** | {} | {count} |", grade.meaning());
    }
    let _ = writeln!(
        out,
        "\n\"guessed\" names the parts of an entry no source gives (for `inferred` entries, all \
         are). Entries marked *still unknown* are those the evidence found nothing for: only a \
         staging run settles them.\n"
    );

    let _ = writeln!(out, "## The mock's guesses\n");
    let _ = writeln!(
        out,
        "Entries graded `inferred` or `weak`, or with a guessed part. A run against a staging \
         tenant (`CONFORMANCE_TARGET=staging`, then `compare mock staging`) settles them; \
         calibrate the mock with `evidence_overrides:` where the tenant answers otherwise.\n"
    );
    let _ = writeln!(
        out,
        "| id | grade | guessed | still unknown |\n|---|---|---|---|"
    );
    for entry in &catalogue.entries {
        if entry.grade.is_guess() || !entry.guessed.is_empty() {
            let guessed = if entry.grade == Grade::Inferred {
                "all".to_owned()
            } else {
                parts(&entry.guessed)
            };
            let unknown = if entry.still_unknown { "yes" } else { "" };
            let _ = writeln!(
                out,
                "| [`{}`](#{}) | {} | {guessed} | {unknown} |",
                entry.id,
                anchor(&entry.id),
                entry.grade
            );
        }
    }
    out.push('\n');

    for area in &catalogue.areas {
        let _ = writeln!(out, "## {}\n", area.title);
        for entry in catalogue.entries_of(&area.id) {
            write_entry(&mut out, entry);
        }
    }
    out
}

fn write_entry(out: &mut String, entry: &Entry) {
    let _ = writeln!(out, "### `{}`\n", entry.id);
    let _ = writeln!(out, "{}\n", capitalised(&entry.what));
    if let Some(status) = entry.status {
        let mut wire = format!("`{status}`");
        if let Some(error) = &entry.error {
            let _ = write!(wire, " `{error}`");
        }
        if let Some(description) = &entry.description {
            let _ = write!(wire, " `{description}`");
        }
        let _ = writeln!(out, "- Answer: {wire}");
    }
    if let Some(value) = &entry.value {
        let _ = writeln!(out, "- Value: `{value}`");
    }
    let mut grade = format!("**{}**", entry.grade);
    if !entry.guessed.is_empty() {
        let _ = write!(grade, " (guessed: {})", parts(&entry.guessed));
    }
    if entry.still_unknown {
        grade.push_str(" — *still unknown*");
    }
    let _ = writeln!(out, "- Grade: {grade}");
    if !entry.sources.is_empty() {
        let links: Vec<String> = entry
            .sources
            .iter()
            .map(|source| match source.url() {
                Some(url) => format!("[{}]({url})", source.0),
                None => format!("`{}`", source.0),
            })
            .collect();
        let _ = writeln!(out, "- Sources: {}", links.join(" · "));
    }
    if let Some(note) = &entry.note {
        let _ = writeln!(out, "- Note: {note}");
    }
    if let Some(disagreement) = &entry.disagreement {
        let _ = writeln!(out, "- Sources disagree: {disagreement}");
    }
    out.push('\n');
}

fn parts(parts: &[Part]) -> String {
    parts
        .iter()
        .map(|part| part.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => {
            let mut sentence: String = first.to_uppercase().chain(chars).collect();
            if !sentence.ends_with('.') {
                sentence.push('.');
            }
            sentence
        }
        None => String::new(),
    }
}

/// GitHub's heading anchor of `### \`id\``: lower case, dots dropped.
fn anchor(id: &str) -> String {
    id.chars().filter(|c| *c != '.').collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn docs_evidence_md_is_generated_from_the_catalogue() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(DOC_PATH);
        let expected = markdown(super::super::catalogue());
        if std::env::var_os("UPDATE_DOCS").is_some() {
            std::fs::write(&path, &expected).unwrap();
            return;
        }
        let found = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            found == expected,
            "{DOC_PATH} is stale: run `UPDATE_DOCS=1 cargo test --lib evidence` and commit it"
        );
    }
}
