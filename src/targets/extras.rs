//! The parts of a profile that running against a real tenant needs beyond its roles.
//!
//! Takes the profile's `ca_file:`, `snapshots:` and `rotated_secrets:` keys, the shard and the
//! rate scale, and gives the settings the session, the snapshot check and the rotation store read:
//! the extra certificate authorities the HTTP client trusts, the folder of the profile's own
//! snapshots and whose it shares, where a rotated recovery code is kept, and each rate budget's
//! share. It knows nothing of HTTP exchanges or scenarios.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use super::config::{CommandSource, RateBudget, RotationStore, SnapshotSettings};
use super::shard::Shard;

/// The variable that multiplies every budget's refill rate (default 1): for rehearsals against a
/// mock that runs Auth0's hour in a second (its fixture's `rate_limits.scale`). Never set it
/// against a real tenant.
pub const RATE_SCALE_VARIABLE: &str = "CONFORMANCE_RATE_SCALE";

/// The default rotation file, under the project.
pub const DEFAULT_ROTATION_FILE: &str = ".conformance/rotated-secrets.json";

/// The `snapshots:` key.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct SnapshotSpec {
    folder: Option<String>,
    shared_with: Option<String>,
}

/// The `rotated_secrets:` key.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RotationSpec {
    file: Option<String>,
    command: Option<String>,
    /// How long `command` may run (default: the profile's `timeout_seconds`).
    timeout_seconds: Option<u64>,
}

/// Whether `name` can name a folder under `snapshots/`.
pub fn is_folder_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// The profile `name`'s snapshot settings.
pub(super) fn snapshot_settings(
    name: &str,
    spec: Option<SnapshotSpec>,
) -> Result<SnapshotSettings, String> {
    let spec = spec.unwrap_or_default();
    let folder = spec.folder.filter(|folder| !folder.trim().is_empty());
    let shared_with = spec.shared_with.filter(|other| !other.trim().is_empty());
    for (key, value) in [
        ("folder", folder.as_ref()),
        ("shared_with", shared_with.as_ref()),
    ] {
        if let Some(value) = value
            && !is_folder_name(value)
        {
            return Err(format!(
                "`snapshots.{key}` `{value}` is not a folder name (letters, digits, `-` and `_`)"
            ));
        }
    }
    let own = folder.as_deref().unwrap_or(name);
    if shared_with.as_deref() == Some(own) {
        return Err(format!(
            "`snapshots.shared_with` names the profile's own folder `{own}`"
        ));
    }
    Ok(SnapshotSettings {
        folder,
        shared_with,
    })
}

/// The rotation store of a remote profile under `root`.
pub(super) fn rotation_store(
    spec: Option<RotationSpec>,
    root: &Path,
    profile_timeout: Duration,
) -> RotationStore {
    let spec = spec.unwrap_or_default();
    let file = spec
        .file
        .filter(|file| !file.trim().is_empty())
        .unwrap_or_else(|| DEFAULT_ROTATION_FILE.to_owned());
    RotationStore {
        file: Some(root.join(file)),
        command: spec
            .command
            .filter(|script| !script.trim().is_empty())
            .map(|script| CommandSource {
                script,
                timeout: spec
                    .timeout_seconds
                    .filter(|seconds| *seconds > 0)
                    .map_or(profile_timeout, Duration::from_secs),
            }),
    }
}

/// The PEM text of `ca_file` (one or more certificates), resolved against `root`, checked by
/// building the process's TLS configuration with it (so a bad file fails the profile, not a trial).
pub(super) fn read_ca_file(ca_file: &str, root: &Path) -> Result<(PathBuf, Vec<u8>), String> {
    let path = root.join(ca_file);
    let pem = std::fs::read(&path)
        .map_err(|error| format!("cannot read `ca_file` `{}`: {error}", path.display()))?;
    super::tls::client_tls_config(Some(&pem))
        .map_err(|error| format!("`ca_file` `{}`: {error}", path.display()))?;
    Ok((path, pem))
}

/// `CONFORMANCE_RATE_SCALE` (default 1), or why it is not a positive number.
pub(super) fn rate_scale(vars: &BTreeMap<String, String>) -> Result<f64, String> {
    let Some(text) = vars
        .get(RATE_SCALE_VARIABLE)
        .filter(|text| !text.trim().is_empty())
    else {
        return Ok(1.0);
    };
    match text.trim().parse::<f64>() {
        Ok(scale) if scale.is_finite() && scale > 0.0 => Ok(scale),
        _ => Err(format!(
            "`{RATE_SCALE_VARIABLE}` is `{text}`, not a positive number (e.g. `3600` to run an hour's budget in a second)"
        )),
    }
}

/// `budget` as this process may spend it: refilled `scale` times faster, and divided among the
/// shards.
pub(super) fn adjust_budget(budget: RateBudget, scale: f64, shard: Option<Shard>) -> RateBudget {
    let per_second = budget.per_second * scale;
    let (burst, per_second) = match shard {
        Some(shard) => shard.share(budget.burst, per_second),
        None => (budget.burst, per_second),
    };
    RateBudget {
        endpoint: budget.endpoint,
        burst,
        per_second,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snapshots_default_to_the_profile_s_own_folder() {
        let settings = snapshot_settings("staging", None).unwrap();
        assert_eq!(settings.folder, None);
        assert_eq!(settings.shared_with, None);
        let spec = SnapshotSpec {
            folder: Some("staging-rehearsal".to_owned()),
            shared_with: Some("mock".to_owned()),
        };
        let settings = snapshot_settings("staging", Some(spec)).unwrap();
        assert_eq!(settings.folder.as_deref(), Some("staging-rehearsal"));
        assert_eq!(settings.shared_with.as_deref(), Some("mock"));
        let spec = SnapshotSpec {
            folder: Some("../elsewhere".to_owned()),
            shared_with: None,
        };
        assert!(
            snapshot_settings("s", Some(spec))
                .unwrap_err()
                .contains("folder name")
        );
        let spec = SnapshotSpec {
            folder: None,
            shared_with: Some("s".to_owned()),
        };
        assert!(
            snapshot_settings("s", Some(spec))
                .unwrap_err()
                .contains("own folder")
        );
    }

    #[test]
    fn a_rate_scale_speeds_budgets_up_and_shards_divide_them() {
        let budget = RateBudget {
            endpoint: "/passwordless/start".to_owned(),
            burst: 50,
            per_second: 50.0 / 3600.0,
        };
        let scaled = adjust_budget(budget.clone(), 3600.0, None);
        assert_eq!(scaled.burst, 50);
        assert!((scaled.per_second - 50.0).abs() < 1e-9);
        let shared = adjust_budget(budget, 1.0, Some(Shard { index: 2, count: 2 }));
        assert_eq!(shared.burst, 25);
        assert!((shared.per_second - 25.0 / 3600.0).abs() < 1e-12);
        let vars =
            |value: &str| BTreeMap::from([(RATE_SCALE_VARIABLE.to_owned(), value.to_owned())]);
        assert_eq!(rate_scale(&BTreeMap::new()), Ok(1.0));
        assert_eq!(rate_scale(&vars("3600")), Ok(3600.0));
        for bad in ["0", "-1", "fast", "inf"] {
            assert!(rate_scale(&vars(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_ca_file_must_hold_certificates() {
        let folder = std::env::temp_dir().join(format!("pc-ca-{}", std::process::id()));
        std::fs::create_dir_all(&folder).unwrap();
        std::fs::write(folder.join("empty.pem"), "not a certificate\n").unwrap();
        let error = read_ca_file("empty.pem", &folder).unwrap_err();
        assert!(error.contains("no certificate found"), "{error}");
        let error = read_ca_file("absent.pem", &folder).unwrap_err();
        assert!(error.contains("cannot read `ca_file`"), "{error}");
        std::fs::remove_dir_all(&folder).unwrap();
    }
}
