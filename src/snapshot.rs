//! Regression snapshots of redacted transcripts — the only module that touches insta.
//!
//! Takes the profile's snapshot folders, a scenario id and the redacted transcript text, and
//! compares it with `snapshots/<folder>/<id>.snap` (or, where the profile has none of its own and
//! shares another folder's, with that one). A match is decided here, with insta's own normalisation, and
//! costs nothing more. Otherwise insta is asked to assert, because it alone decides what to write
//! (`.snap.new` for `cargo insta review`, the `.snap` itself under `INSTA_UPDATE=always`, nothing
//! in CI); its panic is caught quietly (`guard.rs`) and the outcome comes back as one clear
//! line — `new snapshot written for review: <path>`, `snapshot missing: <path>`, or how the
//! transcript differs — never as insta's panic text and backtrace. insta's settings come from
//! the project's `.config/insta.yaml` (the repository's keeps insta from printing its own
//! summary beside ours), or from a quiet one of ours when the project has none, so that an
//! installed binary behaves the same.
//!
//! [`SnapshotUpdate::Accept`] (`run --accept`) promotes the `.snap.new` insta wrote to the
//! `.snap`, as `cargo insta accept` does, so no tool needs installing. In CI (insta's own rule:
//! `CI` set to anything but `false`, `0` or empty, or `TF_BUILD` set) nothing is ever written,
//! whatever `INSTA_UPDATE` says: insta is not even asked, a difference is only reported.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::SystemTime;

use insta::TextSnapshotKind;
use insta::internals::TextSnapshotContents;

/// How many lines of a snapshot diff a failure report shows.
const MAX_DIFF_LINES: usize = 60;

/// The snapshot name of a scenario id: `passwordless/email_code.yaml` → `passwordless__email_code`; a
/// combination of a matrix keeps its brackets, with every character a file name may not safely hold
/// percent-encoded (`login.yaml[aud=https://x]` → `login[aud=https%3A%2F%2Fx]`).
pub fn snapshot_name(scenario_id: &str) -> String {
    let (file_id, variant) = crate::scenario::split_trial_id(scenario_id);
    let stem = file_id
        .strip_suffix(".yaml")
        .or_else(|| file_id.strip_suffix(".yml"))
        .unwrap_or(file_id);
    let mut name = stem.replace('/', "__");
    if let Some(variant) = variant {
        name.push('[');
        name.push_str(&file_safe(variant));
        name.push(']');
    }
    name
}

/// `text` with every character but ASCII letters, digits and `_ - . , = + @` percent-encoded (so `/`, `:`,
/// `\`, `*`, spaces and the rest cannot make a path or break on any file system); past 120 characters,
/// the first 100 and a hash of the whole, so that a name stays well under the 255 bytes a file name may have.
fn file_safe(text: &str) -> String {
    let mut safe = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"_-.,=+@".contains(&byte) {
            safe.push(char::from(byte));
        } else {
            safe.push_str(&format!("%{byte:02X}"));
        }
    }
    if safe.len() <= 120 {
        return safe;
    }
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in text.bytes() {
        hash = (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
    }
    format!("{}~{hash:016x}", &safe[..100])
}

/// What to do with a transcript that does not match its snapshot (outside CI).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SnapshotUpdate {
    /// Whatever insta decides (`INSTA_UPDATE`; by default a `.snap.new` for review).
    Review,
    /// Accept it: the new transcript becomes the `.snap` (`run --accept`).
    Accept,
}

/// A snapshot check that passed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SnapshotVerdict {
    /// The transcript matches the committed snapshot.
    Matched,
    /// The transcript was new or different and is now the snapshot at this path
    /// (`run --accept`, or `INSTA_UPDATE=always` outside CI).
    Accepted(PathBuf),
}

/// Whether insta counts this as a CI run, where it writes nothing by default (its own rule, so
/// that both agree).
pub fn is_ci() -> bool {
    match std::env::var("CI").ok().as_deref() {
        Some("false" | "0" | "") => false,
        None => std::env::var_os("TF_BUILD").is_some(),
        Some(_) => true,
    }
}

/// Compares `transcript` with the committed snapshot of `scenario_id` in the profile's folders
/// under `snapshot_root`: its own (`snapshots/<folder>/`) when it has one, else the one it shares
/// (`snapshots/<shared_with>/`), so a profile whose transcripts equal another's commits only the
/// ones that differ. `Err` says, starting with one line naming the file, that the snapshot is new
/// (and where it was written for review: always the own folder), missing, or different (with the
/// lines that differ). With [`SnapshotUpdate::Accept`] outside CI, a new or different transcript
/// is accepted, into the own folder.
pub fn check_transcript_snapshot(
    snapshot_root: &Path,
    folder: &str,
    shared_with: Option<&str>,
    scenario_id: &str,
    description: &str,
    transcript: &str,
    update: SnapshotUpdate,
) -> Result<SnapshotVerdict, String> {
    let own_check = || {
        check_in_folder(
            snapshot_root,
            folder,
            scenario_id,
            description,
            transcript,
            update,
        )
    };
    let name = snapshot_name(scenario_id);
    let Some(shared_folder) = shared_with else {
        return own_check();
    };
    if snapshot_root
        .join(folder)
        .join(format!("{name}.snap"))
        .exists()
    {
        return own_check();
    }
    let shared = snapshot_root
        .join(shared_folder)
        .join(format!("{name}.snap"));
    let Some(shared_text) = insta::Snapshot::from_file(&shared)
        .ok()
        .and_then(|snapshot| snapshot.as_text().map(ToString::to_string))
    else {
        return own_check();
    };
    let new = TextSnapshotContents::new(transcript.to_owned(), TextSnapshotKind::File);
    let shared_contents = TextSnapshotContents::new(shared_text.clone(), TextSnapshotKind::File);
    if shared_contents.matches_latest(&new) {
        return Ok(SnapshotVerdict::Matched);
    }
    // This target answers otherwise than the one it shares with: it needs a snapshot of its own.
    own_check().map_err(|message| {
        format!(
            "{message}\nthe transcript also differs from the shared snapshot {} (this profile shares `{shared_folder}`'s where it has none of its own):\n{}",
            shared.display(),
            line_diff(&shared_text, &new.to_string())
        )
    })
}

/// Compares `transcript` with `snapshots/<target>/<name>.snap` alone.
fn check_in_folder(
    snapshot_root: &Path,
    target: &str,
    scenario_id: &str,
    description: &str,
    transcript: &str,
    update: SnapshotUpdate,
) -> Result<SnapshotVerdict, String> {
    let name = snapshot_name(scenario_id);
    let file = snapshot_root.join(target).join(format!("{name}.snap"));
    let old = insta::Snapshot::from_file(&file).ok();
    let old_text = old
        .as_ref()
        .and_then(insta::Snapshot::as_text)
        .map(ToString::to_string);
    let new = TextSnapshotContents::new(transcript.to_owned(), TextSnapshotKind::File);
    let insta_update = std::env::var("INSTA_UPDATE").unwrap_or_default();
    let in_ci = is_ci();
    let forced = insta_update == "force" && !in_ci;
    let old_contents = old.as_ref().and_then(insta::Snapshot::as_text);
    if !forced && old_contents.is_some_and(|old| old.matches_latest(&new)) {
        return Ok(SnapshotVerdict::Matched);
    }
    if in_ci {
        // insta would write under `INSTA_UPDATE=always`, `new` or `force`, even in CI: it is not
        // asked. A snapshot in an older format that still matches passes, as insta would let it.
        if old_contents.is_some_and(|old| old.matches_legacy(&new)) {
            return Ok(SnapshotVerdict::Matched);
        }
        let ignored = if insta_update.is_empty() || insta_update == "auto" || insta_update == "no" {
            String::new()
        } else {
            format!(
                "\nnote: INSTA_UPDATE={insta_update} is ignored when CI is set: snapshots are never written in CI"
            )
        };
        return Err(match old_text {
            None => format!(
                "snapshot missing: {}{ignored}\nhint: nothing is written when CI is set; run the scenario outside CI, review the new snapshot and commit it",
                file.display()
            ),
            Some(old_text) => format!(
                "the transcript differs from the snapshot {}{ignored}\n{}\nhint: if the change is right, accept it outside CI (`passwordless-conformance run --accept` or `cargo insta review`) and commit it, else fix the target or the scenario",
                file.display(),
                line_diff(&old_text, &new.to_string())
            ),
        });
    }

    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(snapshot_root.join(target));
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.set_description(description);
    settings.set_input_file(format!(
        "scenarios/{}",
        crate::scenario::split_trial_id(scenario_id).0
    ));
    let pending_path = file.with_extension("snap.new");
    let pending_before = modified(&pending_path);
    let file_before = modified(&file);
    let workspace = insta_workspace(snapshot_root);
    // insta reports a mismatch by panicking; it is caught on this same thread, where the
    // settings are bound. This is the function `assert_snapshot!` calls, given the workspace
    // the macro would otherwise find from the folder this crate was built in (see
    // `insta_workspace`).
    let asserted = crate::guard::catch(|| {
        settings.bind(|| {
            insta::_macro_support::assert_snapshot(
                (name.as_str(), transcript).into(),
                &workspace,
                "check_transcript_snapshot",
                module_path!(),
                file!(),
                line!(),
                "transcript",
            )
            .map_err(|error| error.to_string())
        })
    });
    let caught = match asserted {
        // insta accepted it (`INSTA_UPDATE=always`), or a snapshot in an older format matches.
        Ok(Ok(())) if modified(&file) != file_before => {
            return Ok(SnapshotVerdict::Accepted(file));
        }
        Ok(Ok(())) => return Ok(SnapshotVerdict::Matched),
        Ok(Err(error)) => {
            return Err(format!(
                "cannot check the snapshot {}: insta failed: {error}\nhint: check that the folder is writable",
                file.display()
            ));
        }
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
    if update == SnapshotUpdate::Accept {
        return match pending {
            Some(pending) => accept(&pending, &file).map(|()| SnapshotVerdict::Accepted(file)),
            None => Err(format!(
                "cannot accept the snapshot {}: insta wrote no new version (INSTA_UPDATE={insta_update})\nhint: unset INSTA_UPDATE, or set it to `auto`, when accepting",
                file.display()
            )),
        };
    }
    Err(match (old_text, pending) {
        (None, Some(pending)) => format!(
            "new snapshot written for review: {}\nhint: read it, then accept it with `passwordless-conformance run --accept` or `cargo insta review` (or run again with INSTA_UPDATE=always)",
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
                "the transcript differs from the snapshot {}{written}\n{}\nhint: if the change is right, accept it with `passwordless-conformance run --accept` or `cargo insta review` (outside CI), else fix the target or the scenario",
                file.display(),
                line_diff(&old_text, &new.to_string())
            )
        }
    })
}

/// The files insta reads its settings from, in a workspace.
const INSTA_CONFIG_FILES: [&str; 3] = [".config/insta.yaml", "insta.yaml", ".insta.yaml"];

/// The settings of the workspace this module falls back to: insta prints nothing, since the
/// failure report says what happened in one line.
const QUIET_CONFIG: &str = "behavior:\n  output: none\n";

/// The workspace insta is given: where it reads its settings (`.config/insta.yaml`) and against
/// which it names the scenario a snapshot came from (`input_file`). That is the project folder
/// (above `snapshots/`) when it has an insta settings file — the repository's and an `init`ed
/// project's keep insta quiet — else a folder of this user's under the temporary folder holding
/// only [`QUIET_CONFIG`]. insta's macro would instead use the folder this crate was built in,
/// found by running `cargo metadata`: an installed binary may have neither, and insta would then
/// print its own report (and cargo's complaint) beside ours.
fn insta_workspace(snapshot_root: &Path) -> PathBuf {
    let project = snapshot_root.parent().unwrap_or(snapshot_root);
    if INSTA_CONFIG_FILES
        .iter()
        .any(|file| project.join(file).is_file())
    {
        return project.to_path_buf();
    }
    quiet_workspace().unwrap_or_else(|| project.to_path_buf())
}

/// A folder whose `.config/insta.yaml` is [`QUIET_CONFIG`], written once per process (atomically,
/// as parallel processes may write it at once) and read back before it is trusted.
fn quiet_workspace() -> Option<PathBuf> {
    static QUIET: OnceLock<Option<PathBuf>> = OnceLock::new();
    QUIET
        .get_or_init(|| {
            let dir =
                std::env::temp_dir().join(format!("passwordless-conformance-insta-{}", user_tag()));
            let config = dir.join(".config");
            std::fs::create_dir_all(&config).ok()?;
            let file = config.join("insta.yaml");
            if std::fs::read_to_string(&file).ok().as_deref() != Some(QUIET_CONFIG) {
                let written = config.join(format!("insta.yaml.{}", std::process::id()));
                std::fs::write(&written, QUIET_CONFIG).ok()?;
                std::fs::rename(&written, &file).ok()?;
            }
            (std::fs::read_to_string(&file).ok()? == QUIET_CONFIG).then_some(dir)
        })
        .clone()
}

/// Tells users of one machine apart, so that nobody writes the settings another user reads.
#[cfg(unix)]
fn user_tag() -> String {
    rustix::process::getuid().as_raw().to_string()
}

#[cfg(not(unix))]
fn user_tag() -> String {
    std::env::var("USERNAME").unwrap_or_else(|_| "user".to_owned())
}

/// Makes the `.snap.new` insta wrote the snapshot, as `cargo insta accept` does: read back and
/// saved in the committed form (insta's `save` drops what only a pending file carries, such as
/// the assertion's line), then the pending file removed.
fn accept(pending: &Path, file: &Path) -> Result<(), String> {
    let cannot = |error: &dyn std::fmt::Display| {
        format!(
            "cannot accept the snapshot {}: {error}\nhint: check that the folder is writable",
            file.display()
        )
    };
    let snapshot = insta::Snapshot::from_file(pending).map_err(|error| cannot(&error))?;
    // `save` is public but hidden from insta's documentation; cargo-insta accepts with it too.
    snapshot.save(file).map_err(|error| cannot(&error))?;
    std::fs::remove_file(pending).map_err(|error| cannot(&error))
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
    fn a_combination_keeps_its_brackets_and_only_safe_characters() {
        assert_eq!(
            snapshot_name("passwordless/login.yaml[channel=sms,encoding=form]"),
            "passwordless__login[channel=sms,encoding=form]"
        );
        assert_eq!(
            snapshot_name("a.yaml[aud=https://x/y?z,n=a b]"),
            "a[aud=https%3A%2F%2Fx%2Fy%3Fz,n=a%20b]"
        );
        let long = format!("a.yaml[v={}]", "x".repeat(500));
        let name = snapshot_name(&long);
        assert!(name.len() < 140, "{name}");
        assert_ne!(
            name,
            snapshot_name(&format!("a.yaml[v={}y]", "x".repeat(499)))
        );
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
