//! `init DIR`: a new project folder that runs green against the embedded mock at once.
//!
//! Takes a folder (created when missing) and writes the files of `examples/conformance/`, compiled
//! in: an example scenario with its snapshot on the mock, a `targets.yaml` starter (all comments:
//! the built-in profiles apply until it defines its own), quiet insta settings, and a GitHub
//! Actions workflow. It never overwrites: when any of those files exists, nothing is written and
//! the error names them. Prints nothing; the CLI says what was written.

use std::path::{Path, PathBuf};

macro_rules! example_files {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_str!(concat!("../examples/conformance/", $name)))),*]
    };
}

/// The files of a new project: path in the project and text (the same as `examples/conformance/`,
/// which `cargo test` runs).
pub const FILES: &[(&str, &str)] = example_files![
    "scenarios/login_email_code.yaml",
    "snapshots/mock/login_email_code.snap",
    "targets.yaml",
    ".config/insta.yaml",
    ".github/workflows/conformance.yml",
];

/// Why a project could not be written.
#[derive(Debug, thiserror::Error)]
pub enum InitError {
    /// Files of the new project exist already; nothing was written.
    #[error(
        "{} already in `{dir}`; nothing was written\nhint: choose an empty folder, or move {} away",
        names(.existing),
        if .existing.len() > 1 { "those files" } else { "that file" }
    )]
    Exists {
        /// The folder.
        dir: PathBuf,
        /// The files that exist, relative to it.
        existing: Vec<String>,
    },
    /// A file or folder could not be written.
    #[error("cannot write `{path}`: {source}")]
    Write {
        /// What could not be written.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
}

/// `` `a` exists`` or `` `a`, `b` exist``.
fn names(existing: &[String]) -> String {
    let quoted: Vec<String> = existing.iter().map(|name| format!("`{name}`")).collect();
    let verb = if quoted.len() > 1 { "exist" } else { "exists" };
    format!("{} {verb}", quoted.join(", "))
}

/// Writes a new project into `dir`; the files written, relative to it.
pub fn init(dir: &Path) -> Result<Vec<&'static str>, InitError> {
    let existing: Vec<String> = FILES
        .iter()
        .filter(|(name, _)| dir.join(name).symlink_metadata().is_ok())
        .map(|(name, _)| (*name).to_owned())
        .collect();
    if !existing.is_empty() {
        return Err(InitError::Exists {
            dir: dir.to_path_buf(),
            existing,
        });
    }
    for (name, text) in FILES {
        let path = dir.join(name);
        let write_error = |source| InitError::Write {
            path: path.clone(),
            source,
        };
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(write_error)?;
        }
        // `create_new`: a file that appeared since the check above is still not overwritten.
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .and_then(|mut file| std::io::Write::write_all(&mut file, text.as_bytes()))
            .map_err(write_error)?;
    }
    Ok(FILES.iter().map(|(name, _)| *name).collect())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn temp_dir(tag: &str) -> PathBuf {
        std::env::temp_dir().join(format!(
            "pc-init-{tag}-{}-{}",
            std::process::id(),
            rand::random::<u32>()
        ))
    }

    #[test]
    fn the_new_project_is_the_example_folder_file_for_file() {
        let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/conformance");
        let mut on_disk = Vec::new();
        let mut pending = vec![example.clone()];
        while let Some(dir) = pending.pop() {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    pending.push(path);
                } else {
                    let name = path.strip_prefix(&example).unwrap();
                    on_disk.push(name.to_string_lossy().replace('\\', "/"));
                }
            }
        }
        on_disk.sort();
        let mut written: Vec<&str> = FILES.iter().map(|(name, _)| *name).collect();
        written.sort_unstable();
        assert_eq!(
            written, on_disk,
            "list every file of examples/conformance in `FILES`"
        );
    }

    #[test]
    fn init_writes_every_file_and_refuses_to_overwrite_any() {
        let dir = temp_dir("fresh");
        let written = init(&dir).unwrap();
        assert_eq!(written.len(), FILES.len());
        for (name, text) in FILES {
            assert_eq!(std::fs::read_to_string(dir.join(name)).unwrap(), *text);
        }
        std::fs::write(dir.join("targets.yaml"), "ours: {kind: mock}\n").unwrap();
        let error = init(&dir).unwrap_err().to_string();
        assert!(error.contains("exist already"), "{error}");
        assert!(error.contains("`targets.yaml`"), "{error}");
        assert_eq!(
            std::fs::read_to_string(dir.join("targets.yaml")).unwrap(),
            "ours: {kind: mock}\n"
        );
    }

    #[test]
    fn one_existing_file_stops_init_before_anything_is_written() {
        let dir = temp_dir("partial");
        std::fs::create_dir_all(dir.join(".config")).unwrap();
        std::fs::write(dir.join(".config/insta.yaml"), "mine\n").unwrap();
        let error = init(&dir).unwrap_err().to_string();
        assert!(
            error.contains("`.config/insta.yaml` exists already in"),
            "{error}"
        );
        assert!(!dir.join("scenarios").exists());
        assert!(!dir.join("targets.yaml").exists());
    }
}
