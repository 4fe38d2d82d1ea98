//! Finding the trials: every `*.yaml` / `*.yml` below `scenarios/`, named by its path there, or one trial per
//! combination of a file's `matrix:`, named `path[name=value,…]` (the matrix is read at listing time, so
//! filters, `--exact` and snapshots all see the combinations).
//!
//! The files themselves are found by [`discover_files`] (`files.rs`).

use std::path::Path;

use crate::files::{ScenarioFile, discover_files};

/// Every trial below `dir`: each `*.yaml` / `*.yml` file (see [`discover_files`]), or, for a file with a
/// `matrix:`, one per combination in the matrix's order (`login.yaml[channel=email]`, …). A file whose matrix
/// cannot be read is one trial, which fails with the reason.
pub fn discover(dir: &Path) -> std::io::Result<Vec<ScenarioFile>> {
    let mut trials = Vec::new();
    for file in discover_files(dir)? {
        match crate::scenario::read_matrix(&file.path) {
            None => trials.push(file),
            Some(matrix) => {
                trials.extend(
                    matrix
                        .combinations()
                        .into_iter()
                        .map(|combination| ScenarioFile {
                            id: combination.trial_id(&file.id),
                            path: file.path.clone(),
                        }),
                )
            }
        }
    }
    Ok(trials)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use std::path::PathBuf;

    use super::*;

    fn fresh_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("pc-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn ids(dir: &Path) -> Vec<String> {
        discover_files(dir)
            .unwrap()
            .into_iter()
            .map(|file| file.id)
            .collect()
    }

    #[test]
    fn a_matrix_makes_one_trial_per_combination_in_order() {
        let dir = fresh_dir("discover-matrix");
        std::fs::write(
            dir.join("m.yaml"),
            "name: m\nmatrix:\n  channel: [email, sms]\n  n: [1, 2]\nsteps: []\n",
        )
        .unwrap();
        std::fs::write(dir.join("broken.yaml"), "name: b\nmatrix: [x]\nsteps: []\n").unwrap();
        let trials: Vec<String> = discover(&dir)
            .unwrap()
            .into_iter()
            .map(|file| file.id)
            .collect();
        assert_eq!(
            trials,
            [
                "broken.yaml",
                "m.yaml[channel=email,n=1]",
                "m.yaml[channel=email,n=2]",
                "m.yaml[channel=sms,n=1]",
                "m.yaml[channel=sms,n=2]",
            ]
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_is_listed_without_being_opened() {
        let dir = fresh_dir("discover-fifo");
        let made = std::process::Command::new("mkfifo")
            .arg(dir.join("pipe.yaml"))
            .status();
        if !made.is_ok_and(|status| status.success()) {
            // TODO-correctness: without `mkfifo` this machine cannot make the FIFO to check.
            return;
        }
        // Would hang here if discovery opened the FIFO.
        assert_eq!(ids(&dir), ["pipe.yaml"]);
        let trials: Vec<String> = discover(&dir).unwrap().into_iter().map(|f| f.id).collect();
        assert_eq!(trials, ["pipe.yaml"]);
    }
}
