//! A scenario's `matrix:` and how one of its combinations is filled in.
//!
//! Takes the top-level `matrix:` mapping (`name: [values…]`) and gives a [`Matrix`], checking that names are
//! identifiers free of the template namespaces, that values are plain strings, numbers or booleans without
//! repeats, and that the combinations stay under [`MAX_COMBINATIONS`]. Its names are recorded as given: every
//! step may read them.
//!
//! A combination is then filled in before the rest of the file is read ([`fill_in`]): a string — key or value,
//! anywhere but in `matrix:` itself — that is a template reading matrix names and nothing else is rendered with
//! the combination's values, keeping the value's type when the string is one `{{ expr }}`. So a matrix can
//! choose what plain templates cannot: a flow (`use: "{{ channel }}_code"`), a body's `encoding`, a status, a
//! tag. Every other template is rendered when its step runs, with the matrix values among its names. This is
//! the one place the scenario module renders a template, and it renders nothing but the matrix's own values.

use std::collections::HashSet;
use std::path::Path;

use super::Loader;
use super::text::{At, describe, one_of_and};
use super::tree::{Entry, Item, Mark, Node, Problem, Yaml};
use crate::diagnostic::LineIndex;
use crate::scenario::TEMPLATE_NAMESPACES;
use crate::scenario::model::{Combination, Located, Matrix, MatrixAxis, value_text};
use crate::scenario::references::References;
use crate::template::{self, TemplateContext};

/// The most trials one matrix may make: 100. A matrix is for a handful of variants (channels, body
/// encodings); past a hundred trials it is a load test, and a cap keeps a typo from listing a million.
pub const MAX_COMBINATIONS: usize = 100;

impl Loader<'_> {
    /// Reads `matrix:` (at `at`), recording its names as given. `None` after reporting a problem.
    pub(super) fn matrix(&mut self, at: At<'_>) -> Option<Matrix> {
        let Yaml::Map(_) = at.node.yaml else {
            self.report(
                at.value_mark(),
                format!(
                    "expected a mapping of names to lists of values for `matrix`, found {}",
                    describe(&at.node.yaml)
                ),
                Some("write e.g. `matrix: { channel: [email, sms] }`".to_string()),
            );
            return None;
        };
        let entries = self.entries(at);
        if entries.is_empty() {
            self.report(
                at.key_mark(),
                "`matrix` is empty".to_string(),
                Some("give it at least one name with its values, or remove it".to_string()),
            );
            return None;
        }
        let mut axes = Vec::new();
        let mut ok = true;
        for (name, values) in entries {
            match self.matrix_axis(&name, values) {
                Some(axis) => axes.push(axis),
                None => ok = false,
            }
        }
        if !ok {
            return None;
        }
        let count = axes
            .iter()
            .try_fold(1usize, |count, axis| count.checked_mul(axis.values.len()));
        match count {
            Some(count) if count <= MAX_COMBINATIONS => Some(Matrix { axes }),
            _ => {
                let shown = count.map_or_else(|| "more than 2^64".to_string(), |n| n.to_string());
                self.report(
                    at.key_mark(),
                    format!(
                        "the matrix makes {shown} combinations, more than the {MAX_COMBINATIONS} allowed"
                    ),
                    Some(
                        "each combination is a trial: split the scenario, or drop values that test nothing new"
                            .to_string(),
                    ),
                );
                None
            }
        }
    }

    fn matrix_axis(&mut self, name: &str, at: At<'_>) -> Option<MatrixAxis> {
        let name_ok = self.given_name(name, at, "matrix name");
        let Yaml::Seq(items) = &at.node.yaml else {
            self.report(
                at.value_mark(),
                format!(
                    "expected a list of values for matrix name `{name}`, found {}",
                    describe(&at.node.yaml)
                ),
                Some(format!("write e.g. `{name}: [email, sms]`")),
            );
            return None;
        };
        if items.is_empty() {
            self.report(
                at.key_mark(),
                format!("matrix name `{name}` has no values"),
                Some("give it at least one value, or remove it".to_string()),
            );
            return None;
        }
        let mut values: Vec<serde_json::Value> = Vec::with_capacity(items.len());
        let mut ok = name_ok;
        let mut seen: HashSet<String> = HashSet::new();
        for item in items {
            let item_at = At {
                node: &item.value,
                intro: item.dash,
            };
            let value = match &item.value.yaml {
                Yaml::Str(text) if template::is_template(text) => {
                    self.report(
                        item_at.value_mark(),
                        format!("a value of matrix name `{name}` is a template"),
                        Some(
                            "matrix values are plain strings, numbers or booleans; templates may read them"
                                .to_string(),
                        ),
                    );
                    None
                }
                Yaml::Str(text) => Some(serde_json::Value::String(text.clone())),
                Yaml::Int(n) => Some(serde_json::Value::from(*n)),
                Yaml::Bool(b) => Some(serde_json::Value::Bool(*b)),
                Yaml::Float(f) => match serde_json::Number::from_f64(*f) {
                    Some(number) => Some(serde_json::Value::Number(number)),
                    None => {
                        self.report(
                            item_at.value_mark(),
                            format!("a value of matrix name `{name}` is not a finite number"),
                            None,
                        );
                        None
                    }
                },
                other => {
                    self.report(
                        item_at.value_mark(),
                        format!(
                            "expected a string, number or boolean as a value of matrix name `{name}`, found {}",
                            describe(other)
                        ),
                        Some("a value becomes part of the trial's name: keep it a plain value".to_string()),
                    );
                    None
                }
            };
            let Some(value) = value else {
                ok = false;
                continue;
            };
            if !seen.insert(value_text(&value)) {
                ok = false;
                self.report(
                    item_at.value_mark(),
                    format!("matrix name `{name}` lists `{}` twice", value_text(&value)),
                    Some("two equal values would make two trials with the same name".to_string()),
                );
                continue;
            }
            values.push(value);
        }
        ok.then(|| MatrixAxis {
            name: name.to_string(),
            values,
            span: at.key_mark().span,
        })
    }

    /// Checks a name given before the first step (a matrix name, a flow's param) and records it.
    pub(super) fn given_name(&mut self, name: &str, at: At<'_>, what: &str) -> bool {
        let mut chars = name.chars();
        let is_identifier = chars
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !is_identifier {
            self.report(
                at.key_mark(),
                format!("invalid {what} `{name}`"),
                Some(format!(
                    "a {what} is read as `{{{{ name }}}}`: use letters, digits and `_`, not starting with a digit"
                )),
            );
            return false;
        }
        if TEMPLATE_NAMESPACES.contains(&name) {
            self.report(
                at.key_mark(),
                format!("{what} `{name}` collides with the template namespace `{name}`"),
                Some(format!(
                    "{} are reserved for the template context: pick another name",
                    one_of_and(TEMPLATE_NAMESPACES)
                )),
            );
            return false;
        }
        self.references.given.push(Located {
            value: name.to_string(),
            span: at.key_mark().span,
        });
        true
    }
}

/// The matrix of the scenario file at `path`, read without loading the rest of the file: `None` when the file
/// has no matrix or cannot be read this far (loading it then reports why).
pub fn read_matrix(path: &Path) -> Option<Matrix> {
    let bytes = super::read_capped(path, "").ok()?;
    super::read::check_size(bytes.len()).ok()?;
    let text = super::read::decode(bytes).ok()?;
    // Most files have no matrix: without the word (or an escape that could spell it in a quoted
    // key) there is nothing to find, and discovery need not parse every file before listing does.
    if !text.contains("matrix") && !text.contains('\\') {
        return None;
    }
    let lines = LineIndex::new(&text);
    let outcome = super::read::read_yaml(&text, &lines);
    let root = outcome.root?;
    let matrix_at = At::root(&root).get("matrix")?;
    let mut loader = Loader {
        file: "",
        lines,
        diagnostics: Vec::new(),
        references: References::default(),
        step: 0,
    };
    loader.matrix(matrix_at)
}

/// `root` with every string that is a template over matrix names only rendered with `combination`'s values,
/// except under the top-level `matrix:` key. Problems rendering are returned with the string's position.
pub(super) fn fill_in(root: &Node, combination: &Combination) -> (Node, Vec<Problem>) {
    let mut context = TemplateContext::new();
    for (name, value) in &combination.values {
        context.insert(name.clone(), value.clone());
    }
    let names: Vec<&str> = combination
        .values
        .iter()
        .map(|(name, _)| name.as_str())
        .collect();
    let mut filler = Filler {
        context,
        names,
        problems: Vec::new(),
    };
    let filled = match &root.yaml {
        Yaml::Map(entries) => Node {
            yaml: Yaml::Map(
                entries
                    .iter()
                    .map(|entry| match &entry.key.yaml {
                        Yaml::Str(key) if key == "matrix" => entry.clone(),
                        _ => filler.entry(entry),
                    })
                    .collect(),
            ),
            mark: root.mark,
        },
        _ => root.clone(),
    };
    (filled, filler.problems)
}

struct Filler<'n> {
    context: TemplateContext,
    names: Vec<&'n str>,
    problems: Vec<Problem>,
}

impl Filler<'_> {
    fn entry(&mut self, entry: &Entry) -> Entry {
        let key = match &entry.key.yaml {
            Yaml::Str(text) => match self.render(text, entry.key.mark) {
                Some(value) => Node {
                    yaml: Yaml::Str(value_text(&value)),
                    mark: entry.key.mark,
                },
                None => entry.key.clone(),
            },
            _ => entry.key.clone(),
        };
        Entry {
            key,
            value: self.node(&entry.value),
        }
    }

    /// The tree is at most [`MAX_DEPTH`](super::MAX_DEPTH) deep, so this recursion is bounded.
    fn node(&mut self, node: &Node) -> Node {
        let yaml = match &node.yaml {
            Yaml::Str(text) => match self.render(text, node.mark) {
                Some(value) => return json_node(&value, node.mark),
                None => Yaml::Str(text.clone()),
            },
            Yaml::Seq(items) => Yaml::Seq(
                items
                    .iter()
                    .map(|item| Item {
                        dash: item.dash,
                        value: self.node(&item.value),
                    })
                    .collect(),
            ),
            Yaml::Map(entries) => {
                Yaml::Map(entries.iter().map(|entry| self.entry(entry)).collect())
            }
            Yaml::Tagged(tag, inner) => Yaml::Tagged(tag.clone(), Box::new(self.node(inner))),
            other => other.clone(),
        };
        Node {
            yaml,
            mark: node.mark,
        }
    }

    /// The value of `text` when it is a template reading matrix names and nothing else.
    fn render(&mut self, text: &str, mark: Mark) -> Option<serde_json::Value> {
        if !template::is_template(text) {
            return None;
        }
        // A syntax error is reported when the string is read where it stands.
        let read = template::referenced_names(text).ok()?;
        let only_matrix = !read.is_empty()
            && read.iter().all(|dotted| {
                let root = dotted.split('.').next().unwrap_or(dotted);
                self.names.contains(&root)
            });
        if !only_matrix {
            return None;
        }
        match self.context.render_str(text) {
            Ok(value) => Some(value),
            Err(error) => {
                self.problems.push(Problem::new(
                    mark,
                    format!(
                        "cannot fill in the matrix template `{text}`: {}",
                        error.message
                    ),
                    Some(
                        "a template reading only matrix names is filled in when the matrix expands",
                    ),
                ));
                None
            }
        }
    }
}

/// A JSON value as a YAML node at `mark`.
fn json_node(value: &serde_json::Value, mark: Mark) -> Node {
    let yaml = match value {
        serde_json::Value::Null => Yaml::Null,
        serde_json::Value::Bool(b) => Yaml::Bool(*b),
        serde_json::Value::Number(number) => match number.as_i64() {
            Some(n) => Yaml::Int(n),
            None => Yaml::Float(number.as_f64().unwrap_or(f64::NAN)),
        },
        serde_json::Value::String(text) => Yaml::Str(text.clone()),
        serde_json::Value::Array(items) => Yaml::Seq(
            items
                .iter()
                .map(|item| Item {
                    dash: mark,
                    value: json_node(item, mark),
                })
                .collect(),
        ),
        serde_json::Value::Object(fields) => Yaml::Map(
            fields
                .iter()
                .map(|(key, item)| Entry {
                    key: Node {
                        yaml: Yaml::Str(key.clone()),
                        mark,
                    },
                    value: json_node(item, mark),
                })
                .collect(),
        ),
    };
    Node { yaml, mark }
}
