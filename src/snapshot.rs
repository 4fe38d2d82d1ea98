//! Regression snapshots of redacted transcripts — the only module that touches insta.
//!
//! Takes a target name, a scenario id and the redacted transcript text, and compares it with
//! `snapshots/<target>/<id>.snap` through insta, so `cargo insta review` accepts changes and
//! `CI=true` never writes a file. A mismatch comes back as an `Err` (insta has already printed
//! its diff), never as a panic out of this module.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

/// The snapshot name of a scenario id: `passwordless/email_code.yaml` → `passwordless__email_code`.
pub fn snapshot_name(scenario_id: &str) -> String {
    let stem = scenario_id
        .strip_suffix(".yaml")
        .or_else(|| scenario_id.strip_suffix(".yml"))
        .unwrap_or(scenario_id);
    stem.replace('/', "__")
}

/// Compares `transcript` with the committed snapshot of `scenario_id` for `target` under
/// `snapshot_root`; `Err` explains a mismatch or a missing snapshot.
pub fn check_transcript_snapshot(
    snapshot_root: &Path,
    target: &str,
    scenario_id: &str,
    description: &str,
    transcript: &str,
) -> Result<(), String> {
    let name = snapshot_name(scenario_id);
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(snapshot_root.join(target));
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.set_description(description);
    settings.set_input_file(format!("scenarios/{scenario_id}"));
    // insta reports a mismatch by panicking; we turn that into an outcome on this same thread,
    // where the settings are bound.
    let result = catch_unwind(AssertUnwindSafe(|| {
        settings.bind(|| insta::assert_snapshot!(name.as_str(), transcript));
    }));
    result.map_err(|panic| {
        let detail = panic
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| panic.downcast_ref::<&str>().copied())
            .unwrap_or("snapshot assertion failed");
        let file = snapshot_root.join(target).join(format!("{name}.snap"));
        format!(
            "the transcript does not match the snapshot `{}`: {detail}\nhint: review with `cargo insta review` (outside CI), or see the diff above",
            file.display()
        )
    })
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
}
