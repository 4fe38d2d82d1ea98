//! The JSON Schemas of `schemas/`, compiled once per run.
//!
//! Takes a folder of JSON Schema (2020-12) files, registers every file under its `$id` so that
//! cross-file `$ref`s resolve offline, and compiles one validator per file. Gives
//! [`SchemaRegistry::check`], which answers a scenario's `schema: FILE` with the list of
//! violations. [`SchemaRegistry::load_with_defaults`] starts from the built-in schemas
//! ([`crate::defaults`]), which a project's files replace or join by name. It knows nothing of
//! scenarios or HTTP.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use jsonschema::{Registry, Validator};
use serde_json::Value;

/// Compiled validators for every schema file, keyed by the file's path relative to the folder
/// (always with `/` separators, e.g. `mfa/challenge-otp.json`).
pub struct SchemaRegistry {
    dir: PathBuf,
    validators: BTreeMap<String, Validator>,
}

/// Why the schema folder could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum SchemaError {
    /// A file could not be read.
    #[error("cannot read schema `{path}`: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A file is not JSON.
    #[error("schema `{path}` is not valid JSON: {source}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// The JSON error, with line and column.
        source: serde_json::Error,
    },
    /// A file has no `$id`, so other schemas could not refer to it.
    #[error(
        "schema `{path}` has no `$id`\nhint: give it `\"$id\": \"https://passwordless-conformance.test/schemas/{name}\"`"
    )]
    MissingId {
        /// The file.
        path: PathBuf,
        /// The file name relative to the folder.
        name: String,
    },
    /// The set of schemas could not be registered (bad `$id`, unresolvable reference).
    #[error("cannot register the schemas of `{dir}`: {message}")]
    Registry {
        /// The schema folder.
        dir: PathBuf,
        /// What `jsonschema` said.
        message: String,
    },
    /// A schema does not compile (invalid keyword, `$ref` to nothing).
    #[error("schema `{path}` does not compile: {message}")]
    Compile {
        /// The file.
        path: PathBuf,
        /// What `jsonschema` said.
        message: String,
    },
}

/// One way a response body breaks a schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaViolation {
    /// JSON Pointer into the response body (`/error_description`), empty for the root.
    pub instance_path: String,
    /// What is wrong, as `jsonschema` words it.
    pub message: String,
}

/// A scenario named a schema that is not in the folder.
#[derive(Debug, thiserror::Error)]
#[error("no schema `{name}` in `{dir}`\nhint: schemas are files under `{dir}`; known: {known}")]
pub struct UnknownSchema {
    /// The name the scenario used.
    pub name: String,
    /// The schema folder.
    pub dir: String,
    /// The known names, comma separated.
    pub known: String,
}

impl SchemaRegistry {
    /// Loads and compiles every `*.json` file below `dir`.
    ///
    /// ```no_run
    /// # use passwordless_conformance::SchemaRegistry;
    /// let schemas = SchemaRegistry::load("schemas".as_ref())?;
    /// let violations = schemas.check("oauth-error.json", &serde_json::json!({"error": 1}))?;
    /// assert!(!violations.is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn load(dir: &Path) -> Result<SchemaRegistry, SchemaError> {
        SchemaRegistry::compile(dir, read_folder(dir)?)
    }

    /// The built-in schemas (`defaults::SCHEMAS`) with the files below `dir` added,
    /// each replacing the built-in schema of the same name; only the built-in ones when `dir`
    /// does not exist. This is how a project folder holding only `scenarios/` has schemas.
    pub fn load_with_defaults(dir: &Path) -> Result<SchemaRegistry, SchemaError> {
        let mut files: BTreeMap<String, (PathBuf, String)> = crate::defaults::SCHEMAS
            .iter()
            .map(|(name, text)| {
                let path = crate::defaults::builtin_path(&format!("schemas/{name}"));
                ((*name).to_owned(), (path, (*text).to_owned()))
            })
            .collect();
        if dir.is_dir() {
            for (name, path, text) in read_folder(dir)? {
                files.insert(name, (path, text));
            }
        }
        let files = files
            .into_iter()
            .map(|(name, (path, text))| (name, path, text));
        SchemaRegistry::compile(dir, files)
    }

    /// Parses and compiles `(name, path, text)` files, cross-file references resolved by `$id`.
    fn compile(
        dir: &Path,
        files: impl IntoIterator<Item = (String, PathBuf, String)>,
    ) -> Result<SchemaRegistry, SchemaError> {
        let mut documents: Vec<(String, PathBuf, String, Value)> = Vec::new();
        for (name, path, text) in files {
            let value: Value =
                serde_json::from_str(&text).map_err(|source| SchemaError::Parse {
                    path: path.clone(),
                    source,
                })?;
            let Some(id) = value.get("$id").and_then(Value::as_str).map(str::to_owned) else {
                return Err(SchemaError::MissingId { path, name });
            };
            documents.push((name, path, id, value));
        }

        let registry_error = |error: jsonschema::ReferencingError| SchemaError::Registry {
            dir: dir.to_path_buf(),
            message: error.to_string(),
        };
        let registry = Registry::new()
            .extend(
                documents
                    .iter()
                    .map(|(_, _, id, value)| (id.as_str(), value)),
            )
            .map_err(registry_error)?
            .prepare()
            .map_err(registry_error)?;

        let mut validators = BTreeMap::new();
        for (name, path, _, value) in &documents {
            let validator = jsonschema::options()
                .with_registry(&registry)
                .offline()
                .build(value)
                .map_err(|error| SchemaError::Compile {
                    path: path.clone(),
                    message: error.to_string(),
                })?;
            validators.insert(name.clone(), validator);
        }
        Ok(SchemaRegistry {
            dir: dir.to_path_buf(),
            validators,
        })
    }

    /// The names of all loaded schemas, sorted.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.validators.keys().map(String::as_str)
    }

    /// Checks `instance` against the schema called `name`; an empty list means it conforms.
    pub fn check(
        &self,
        name: &str,
        instance: &Value,
    ) -> Result<Vec<SchemaViolation>, UnknownSchema> {
        let Some(validator) = self.validators.get(name) else {
            return Err(UnknownSchema {
                name: name.to_owned(),
                dir: self.dir.display().to_string(),
                known: self
                    .validators
                    .keys()
                    .map(|known| format!("`{known}`"))
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        };
        // Most answers conform: deciding that alone is much cheaper than collecting errors.
        if validator.is_valid(instance) {
            return Ok(Vec::new());
        }
        Ok(validator
            .iter_errors(instance)
            .map(|error| SchemaViolation {
                instance_path: error.instance_path().to_string(),
                message: error.masked().to_string(),
            })
            .collect())
    }
}

/// Every `*.json` file below `dir`: its name relative to `dir`, its path and its text.
fn read_folder(dir: &Path) -> Result<Vec<(String, PathBuf, String)>, SchemaError> {
    let mut files = Vec::new();
    for path in json_files(dir)? {
        let text = std::fs::read_to_string(&path).map_err(|source| SchemaError::Read {
            path: path.clone(),
            source,
        })?;
        files.push((crate::files::id_of(dir, &path), path, text));
    }
    Ok(files)
}

fn json_files(dir: &Path) -> Result<Vec<PathBuf>, SchemaError> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(folder) = pending.pop() {
        let entries = std::fs::read_dir(&folder).map_err(|source| SchemaError::Read {
            path: folder.clone(),
            source,
        })?;
        for entry in entries {
            let path = entry
                .map_err(|source| SchemaError::Read {
                    path: folder.clone(),
                    source,
                })?
                .path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|ext| ext == "json") {
                found.push(path);
            }
        }
    }
    found.sort();
    Ok(found)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;

    fn folder_with(files: &[(&str, Value)]) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "pc-schema-test-{}-{}",
            std::process::id(),
            rand::random::<u64>()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        for (name, value) in files {
            std::fs::write(dir.join(name), value.to_string()).unwrap();
        }
        dir
    }

    #[test]
    fn cross_file_refs_resolve_offline_by_id() {
        let dir = folder_with(&[
            (
                "common.json",
                json!({"$id": "https://t.test/common.json", "$defs": {"code": {"type": "string", "minLength": 1}}}),
            ),
            (
                "error.json",
                json!({"$id": "https://t.test/error.json", "type": "object", "required": ["error"],
                       "properties": {"error": {"$ref": "common.json#/$defs/code"}}}),
            ),
        ]);
        let schemas = SchemaRegistry::load(&dir).unwrap();
        assert!(
            schemas
                .check("error.json", &json!({"error": "x"}))
                .unwrap()
                .is_empty()
        );
        let violations = schemas.check("error.json", &json!({"error": ""})).unwrap();
        assert_eq!(violations.len(), 1);
        assert_eq!(violations[0].instance_path, "/error");
    }

    #[test]
    fn unknown_schema_names_the_known_ones() {
        let dir = folder_with(&[("a.json", json!({"$id": "https://t.test/a.json"}))]);
        let schemas = SchemaRegistry::load(&dir).unwrap();
        let error = schemas.check("b.json", &json!({})).unwrap_err();
        assert!(error.to_string().contains("known: `a.json`"), "{error}");
    }

    #[test]
    fn project_schemas_replace_built_in_ones_by_name_and_add_the_others() {
        let ours = json!({"$id": "https://passwordless-conformance.test/schemas/oauth-error.json",
                          "type": "object", "required": ["ours"]});
        let extra = json!({"$id": "https://t.test/extra.json", "type": "string"});
        let dir = folder_with(&[("oauth-error.json", ours), ("extra.json", extra)]);
        let schemas = SchemaRegistry::load_with_defaults(&dir).unwrap();
        assert_eq!(
            schemas
                .check("oauth-error.json", &json!({"error": "x"}))
                .unwrap()
                .len(),
            1
        );
        assert!(schemas.check("extra.json", &json!("x")).unwrap().is_empty());
        assert!(schemas.check("token-success.json", &json!({})).is_ok());

        let nowhere = dir.join("missing");
        let built_in = SchemaRegistry::load_with_defaults(&nowhere).unwrap();
        assert_eq!(built_in.names().count(), crate::defaults::SCHEMAS.len());
        assert!(
            built_in
                .check(
                    "oauth-error.json",
                    &json!({"error": "invalid_grant", "error_description": "x"})
                )
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn schema_without_id_is_refused() {
        let dir = folder_with(&[("a.json", json!({"type": "object"}))]);
        let error = SchemaRegistry::load(&dir).err().unwrap();
        assert!(matches!(error, SchemaError::MissingId { .. }), "{error}");
    }
}
