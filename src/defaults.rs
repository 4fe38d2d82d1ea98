//! What the binary carries, so that a folder holding only `scenarios/` is a whole project.
//!
//! Takes nothing at run time: the repository's `schemas/*.json`, `targets.yaml` and
//! `mock/tenant.yaml` are compiled in. Gives them as defaults that a project's own files
//! override or extend by name: a project schema replaces the built-in one of the same file name
//! and adds the others; a project `targets.yaml` profile replaces the built-in profile of the same
//! name and adds the others; `mock/tenant.yaml` is the project's file when it has one, else the
//! built-in fixture ([`crate::mock::Tenant::builtin`]). A unit test keeps the list of schemas in
//! step with the folder. Reads no file but the ones a caller names.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_yaml::Value;

/// The name of a built-in file in messages: `schemas/common.json (built in)`.
pub fn builtin_path(name: &str) -> PathBuf {
    PathBuf::from(format!("{name} (built in)"))
}

macro_rules! embedded_schemas {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_str!(concat!("../schemas/", $name)))),*]
    };
}

/// The built-in JSON Schemas: file name under `schemas/` and text.
pub const SCHEMAS: &[(&str, &str)] = embedded_schemas![
    "common.json",
    "jwks.json",
    "mfa-associate-oob.json",
    "mfa-associate-otp.json",
    "mfa-authenticators.json",
    "mfa-challenge-oob.json",
    "mfa-challenge-otp.json",
    "mfa-required.json",
    "oauth-error.json",
    "openid-configuration.json",
    "passwordless-start-email.json",
    "passwordless-start-sms.json",
    "rate-limited.json",
    "token-success-recovery.json",
    "token-success.json",
];

/// The built-in target profiles: the repository's `targets.yaml` (`mock`, `mock-maildev`,
/// `mock-limited`, `mock-features`, `staging`).
pub const TARGETS_YAML: &str = include_str!("../targets.yaml");

/// Where a project keeps its tenant fixture by default; the built-in fixture stands in for it
/// when the project has none.
pub const TENANT_FILE: &str = "mock/tenant.yaml";

/// The profiles of a project: those of its `targets.yaml` (`project`, `None` when it has none),
/// then every built-in profile it does not define itself.
pub fn profiles(project: Option<&str>) -> Result<BTreeMap<String, Value>, serde_yaml::Error> {
    let mut profiles: BTreeMap<String, Value> = match project {
        // An empty or all-comment file defines no profile.
        Some(text) => serde_yaml::from_str::<Option<_>>(text)?.unwrap_or_default(),
        None => BTreeMap::new(),
    };
    let builtin: BTreeMap<String, Value> = serde_yaml::from_str(TARGETS_YAML)?;
    for (name, profile) in builtin {
        profiles.entry(name).or_insert(profile);
    }
    Ok(profiles)
}

/// The tenant fixture a mock profile's `tenant: FILE` names, relative to the project `root`; `None`
/// (the built-in fixture) when `FILE` is [`TENANT_FILE`] and the project has no such file.
pub fn tenant_file(root: &Path, file: &Path) -> Option<PathBuf> {
    let path = root.join(file);
    (file != Path::new(TENANT_FILE) || path.exists()).then_some(path)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn every_schema_of_the_repository_is_built_in_and_nothing_else() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas");
        let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|name| name.ends_with(".json"))
            .collect();
        on_disk.sort();
        let built_in: Vec<String> = SCHEMAS.iter().map(|(name, _)| (*name).to_owned()).collect();
        assert_eq!(built_in, on_disk, "list every schema in `SCHEMAS`");
    }

    #[test]
    fn a_project_profile_replaces_the_built_in_one_of_its_name_and_the_others_stay() {
        let merged = profiles(Some(
            "mock:\n  kind: mock\n  description: ours\nqa:\n  kind: mock\n",
        ))
        .unwrap();
        assert_eq!(merged["mock"]["description"], Value::from("ours"));
        assert!(merged.contains_key("qa"));
        assert!(merged.contains_key("staging") && merged.contains_key("mock-features"));
        let commented = profiles(Some("# staging:\n#   kind: remote\n")).unwrap();
        assert!(commented.contains_key("mock"));
        assert!(profiles(Some("mock: [")).is_err());
    }

    #[test]
    fn the_default_tenant_file_falls_back_to_the_built_in_fixture_only_when_missing() {
        let empty = std::env::temp_dir().join(format!("pc-defaults-{}", std::process::id()));
        assert_eq!(tenant_file(&empty, Path::new(TENANT_FILE)), None);
        assert_eq!(
            tenant_file(&empty, Path::new("fixtures/ours.yaml")),
            Some(empty.join("fixtures/ours.yaml"))
        );
        let repository = Path::new(env!("CARGO_MANIFEST_DIR"));
        assert_eq!(
            tenant_file(repository, Path::new(TENANT_FILE)),
            Some(repository.join(TENANT_FILE))
        );
    }
}
