//! Regression snapshots of redacted transcripts — the only module that touches insta.
//!
//! Takes the profile's snapshot folders, a scenario id and the redacted transcript text, and
//! compares it with `snapshots/<folder>/<id>.snap` (or, where the profile has none of its own and
//! shares another folder's, with that one). A match is decided here, with insta's own normalisation, and
//! costs nothing more. Otherwise insta is asked to assert, because it alone decides what to write
//! (`.snap.new` for `cargo insta review`, the `.snap` itself under `INSTA_UPDATE=always`, nothing
//! in CI); its panic is caught quietly ([`crate::guard`]) and the outcome comes back as one clear
//! line — "new snapshot written for review: <path>", "snapshot missing: <path>", or how the
//! transcript differs — never as insta's panic text and backtrace. The repository's
//! `.config/insta.yaml` keeps insta from printing its own summary beside ours.

use std::path::Path;
use std::time::SystemTime;

use insta::TextSnapshotKind;
use insta::internals::TextSnapshotContents;

/// How many lines of a snapshot diff a failure report shows.
const MAX_DIFF_LINES: usize = 60;

/// The snapshot name of a scenario id: `passwordless/email_code.yaml` → `passwordless__email_code`.
pub fn snapshot_name(scenario_id: &str) -> String {
    let stem = scenario_id
        .strip_suffix(".yaml")
        .or_else(|| scenario_id.strip_suffix(".yml"))
        .unwrap_or(scenario_id);
    stem.replace('/', "__")
}

/// Compares `transcript` with the committed snapshot of `scenario_id` in the profile's folders
/// under `snapshot_root`: its own (`snapshots/<folder>/`) when it has one, else the one it shares
/// (`snapshots/<shared_with>/`), so a profile whose transcripts equal another's commits only the
/// ones that differ. `Err` says, starting with one line naming the file, that the snapshot is new
/// (and where it was written for review: always the own folder), missing, or different (with the
/// lines that differ).
pub fn check_transcript_snapshot(
    snapshot_root: &Path,
    folder: &str,
    shared_with: Option<&str>,
    scenario_id: &str,
    description: &str,
    transcript: &str,
) -> Result<(), String> {
    let name = snapshot_name(scenario_id);
    let own = snapshot_root.join(folder).join(format!("{name}.snap"));
    let Some(shared_folder) = shared_with else {
        return check_in_folder(snapshot_root, folder, scenario_id, description, transcript);
    };
    if own.exists() {
        return check_in_folder(snapshot_root, folder, scenario_id, description, transcript);
    }
    let shared = snapshot_root
        .join(shared_folder)
        .join(format!("{name}.snap"));
    let Some(shared_text) = insta::Snapshot::from_file(&shared)
        .ok()
        .and_then(|snapshot| snapshot.as_text().map(ToString::to_string))
    else {
        return check_in_folder(snapshot_root, folder, scenario_id, description, transcript);
    };
    let new = TextSnapshotContents::new(transcript.to_owned(), TextSnapshotKind::File);
    let shared_contents = TextSnapshotContents::new(shared_text.clone(), TextSnapshotKind::File);
    if shared_contents.matches_latest(&new) {
        return Ok(());
    }
    // This target answers otherwise than the one it shares with: it needs a snapshot of its own.
    check_in_folder(snapshot_root, folder, scenario_id, description, transcript).map_err(
        |message| {
            format!(
                "{message}\nthe transcript also differs from the shared snapshot {} (this profile shares `{shared_folder}`'s where it has none of its own):\n{}",
                shared.display(),
                line_diff(&shared_text, &new.to_string())
            )
        },
    )
}

/// Compares `transcript` with `snapshots/<folder>/<name>.snap` alone.
fn check_in_folder(
    snapshot_root: &Path,
    folder: &str,
    scenario_id: &str,
    description: &str,
    transcript: &str,
) -> Result<(), String> {
    let target = folder;
    let name = snapshot_name(scenario_id);
    let file = snapshot_root.join(target).join(format!("{name}.snap"));
    let old = insta::Snapshot::from_file(&file).ok();
    let old_text = old
        .as_ref()
        .and_then(insta::Snapshot::as_text)
        .map(ToString::to_string);
    let new = TextSnapshotContents::new(transcript.to_owned(), TextSnapshotKind::File);
    let forced = std::env::var("INSTA_UPDATE").is_ok_and(|update| update == "force");
    if !forced
        && old
            .as_ref()
            .and_then(insta::Snapshot::as_text)
            .is_some_and(|old| old.matches_latest(&new))
    {
        return Ok(());
    }

    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(snapshot_root.join(target));
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.set_description(description);
    settings.set_input_file(format!("scenarios/{scenario_id}"));
    let pending_path = file.with_extension("snap.new");
    let pending_before = modified(&pending_path);
    // insta reports a mismatch by panicking; it is caught on this same thread, where the
    // settings are bound.
    let asserted = crate::guard::catch(|| {
        settings.bind(|| insta::assert_snapshot!(name.as_str(), transcript));
    });
    let caught = match asserted {
        // insta accepted it: `INSTA_UPDATE=always`, or a snapshot in an older format that matches.
        Ok(()) => return Ok(()),
        Err(caught) => caught,
    };
    if !caught.message.starts_with("snapshot assertion for") {
        // Not a verdict on the transcript: insta itself could not work (a bad `INSTA_UPDATE`,
        // an unreadable snapshot folder).
        return Err(format!(
            "cannot check the snapshot {}: insta failed: {}\nhint: check the INSTA_* environment variables and that the folder is writable",
            file.display(),
            caught.message
        ));
    }
    // Written now if it appeared or changed: a pending file from an earlier run does not count.
    let pending_after = modified(&pending_path);
    let pending =
        (pending_after.is_some() && pending_after != pending_before).then_some(pending_path);
    Err(match (old_text, pending) {
        (None, Some(pending)) => format!(
            "new snapshot written for review: {}\nhint: read it, then accept it with `cargo insta review` (or run again with INSTA_UPDATE=always)",
            pending.display()
        ),
        (None, None) => format!(
            "snapshot missing: {}\nhint: nothing is written when CI is set; run the scenario outside CI, review the new snapshot and commit it",
            file.display()
        ),
        (Some(old_text), pending) => {
            let written = match &pending {
                Some(pending) => {
                    format!("; the new one is written for review: {}", pending.display())
                }
                None => String::new(),
            };
            format!(
                "the transcript differs from the snapshot {}{written}\n{}\nhint: if the change is right, accept it with `cargo insta review` (outside CI), else fix the target or the scenario",
                file.display(),
                line_diff(&old_text, &new.to_string())
            )
        }
    })
}

/// When `path` was last written, if it exists.
fn modified(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path)
        .and_then(|meta| meta.modified())
        .ok()
}

/// The lines that differ, as a unified diff (`-` the snapshot, `+` this run), shortened.
fn line_diff(old: &str, new: &str) -> String {
    let diff = similar::TextDiff::from_lines(old, new);
    let text = diff
        .unified_diff()
        .context_radius(2)
        .header("snapshot", "this run")
        .to_string();
    let lines: Vec<&str> = text.lines().collect();
    if lines.len() > MAX_DIFF_LINES {
        format!(
            "{}\n… ({} more lines of diff)",
            lines[..MAX_DIFF_LINES].join("\n"),
            lines.len() - MAX_DIFF_LINES
        )
    } else {
        lines.join("\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snapshot_names_flatten_the_scenario_path() {
        assert_eq!(
            snapshot_name("passwordless/email_code.yaml"),
            "passwordless__email_code"
        );
        assert_eq!(snapshot_name("top.yml"), "top");
    }

    #[test]
    fn a_diff_shows_only_the_changed_lines_and_their_neighbours() {
        let old = "a\nb\nc\nd\ne\nf\ng\n";
        let new = "a\nb\nc\nD\ne\nf\ng\n";
        let diff = line_diff(old, new);
        assert!(diff.contains("-d\n+D"), "{diff}");
        assert!(!diff.contains(" a\n"), "{diff}");
    }
}
