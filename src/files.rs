//! The YAML files of a project folder (`scenarios/`, `flows/`), named by their path there.
//!
//! Takes a folder; gives [`ScenarioFile`]s, sorted by id. Symbolic links are followed, but no
//! folder is walked twice and no file is listed twice (both are recognised by their canonical
//! path), so a link loop neither hangs discovery nor runs scenarios over and over. Nothing is
//! opened: a FIFO or device named `*.yaml` is listed like any file and its trial fails with "not
//! a regular file" when the loader refuses to open it. It knows nothing of targets or trials'
//! verdicts; `suite` and `validate` both read it.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

/// A trial found under `scenarios/`: a scenario file, or one combination of a file's matrix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioFile {
    /// The trial's name: the path under `scenarios/` with `/` separators, followed for a combination of a
    /// matrix by its values in brackets (`passwordless/login.yaml[channel=sms]`).
    pub id: String,
    /// The file on disk.
    pub path: PathBuf,
}

impl ScenarioFile {
    /// The file's path under `scenarios/` (the id without its combination).
    pub fn file_id(&self) -> &str {
        crate::scenario::split_trial_id(&self.id).0
    }

    /// The combination of the file's matrix this trial runs (`channel=sms`), if any.
    pub fn variant(&self) -> Option<&str> {
        crate::scenario::split_trial_id(&self.id).1
    }

    /// The file as shown to people: `scenarios/<path>`.
    pub fn display_path(&self) -> String {
        format!("scenarios/{}", self.file_id())
    }
}

/// Every `*.yaml` / `*.yml` file below `dir`, sorted by id (its path under `dir`, `/`-separated).
///
/// A file reachable by several paths is listed once, by its real path when it has one under `dir`
/// (otherwise by its first path in name order); folders reached through links are walked after the real
/// ones, and only if no other path reached them. Nothing is opened.
pub fn discover_files(dir: &Path) -> std::io::Result<Vec<ScenarioFile>> {
    let root = std::fs::canonicalize(dir)?;
    let mut seen_dirs: HashSet<PathBuf> = HashSet::new();
    seen_dirs.insert(root.clone());
    // Canonical path → the file found there and whether it was found by its real path.
    let mut files: HashMap<PathBuf, (ScenarioFile, bool)> = HashMap::new();
    let mut pending = vec![dir.to_path_buf()];
    let mut linked_dirs: Vec<PathBuf> = Vec::new();
    loop {
        let folder = match pending.pop() {
            Some(folder) => folder,
            None => match linked_dirs.pop() {
                Some(linked) => match std::fs::canonicalize(&linked) {
                    Ok(canonical) if seen_dirs.insert(canonical.clone()) => linked,
                    _ => continue,
                },
                None => break,
            },
        };
        let mut entries: Vec<PathBuf> = std::fs::read_dir(&folder)?
            .map(|entry| entry.map(|entry| entry.path()))
            .collect::<Result<_, _>>()?;
        entries.sort();
        let mut subfolders = Vec::new();
        for path in entries {
            let is_link =
                std::fs::symlink_metadata(&path).is_ok_and(|meta| meta.file_type().is_symlink());
            // `metadata` follows links; a dangling link is skipped.
            let Ok(metadata) = std::fs::metadata(&path) else {
                continue;
            };
            let Ok(canonical) = std::fs::canonicalize(&path) else {
                continue;
            };
            if metadata.is_dir() {
                if is_link {
                    linked_dirs.push(path);
                } else if seen_dirs.insert(canonical) {
                    subfolders.push(path);
                }
                continue;
            }
            if !path
                .extension()
                .is_some_and(|ext| ext == "yaml" || ext == "yml")
            {
                continue;
            }
            let id = id_of(dir, &path);
            let real = root.join(&id) == canonical;
            let file = ScenarioFile { id, path };
            match files.get(&canonical) {
                Some((_, true)) => {}
                Some((_, false)) if !real => {}
                _ => {
                    files.insert(canonical, (file, real));
                }
            }
        }
        // Walked in name order, depth first, so which of two links to one thing is listed is stable.
        pending.extend(subfolders.into_iter().rev());
        linked_dirs.sort_by(|a, b| b.cmp(a));
    }
    let mut found: Vec<ScenarioFile> = files.into_values().map(|(file, _)| file).collect();
    found.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(found)
}

/// `path` under `dir`, `/`-separated whatever the platform (`mfa/enrol_totp.yaml`).
pub(crate) fn id_of(dir: &Path, path: &Path) -> String {
    let relative = path.strip_prefix(dir).unwrap_or(path);
    relative
        .components()
        .map(|part| part.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn fresh_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("pc-files-{name}-{}", std::process::id()));
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
    fn discovery_names_files_by_their_path_under_the_folder() {
        let dir = fresh_dir("discover");
        std::fs::create_dir_all(dir.join("a/b")).unwrap();
        std::fs::write(dir.join("a/b/x.yaml"), "").unwrap();
        std::fs::write(dir.join("top.yml"), "").unwrap();
        std::fs::write(dir.join("notes.md"), "").unwrap();
        assert_eq!(ids(&dir), ["a/b/x.yaml", "top.yml"]);
    }

    #[cfg(unix)]
    #[test]
    fn a_symlink_loop_is_walked_once() {
        let dir = fresh_dir("discover-loop");
        std::fs::create_dir_all(dir.join("a")).unwrap();
        std::fs::write(dir.join("a/x.yaml"), "").unwrap();
        std::os::unix::fs::symlink(&dir, dir.join("a/back")).unwrap();
        std::os::unix::fs::symlink(dir.join("a"), dir.join("again")).unwrap();
        std::os::unix::fs::symlink(dir.join("a/x.yaml"), dir.join("z.yaml")).unwrap();
        std::os::unix::fs::symlink(dir.join("nowhere"), dir.join("dangling.yaml")).unwrap();
        assert_eq!(ids(&dir), ["a/x.yaml"]);
        // A folder reached only through a link is walked, once.
        let outside = fresh_dir("discover-outside");
        std::fs::write(outside.join("y.yaml"), "").unwrap();
        std::os::unix::fs::symlink(&outside, dir.join("a/shared")).unwrap();
        std::os::unix::fs::symlink(&outside, dir.join("also")).unwrap();
        assert_eq!(ids(&dir), ["a/shared/y.yaml", "a/x.yaml"]);
    }
}
