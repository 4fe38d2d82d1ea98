//! The generic readers every part of the loader uses: mappings and their keys, strings, booleans, lists,
//! JSON values, and the words for "found …" messages. Each reader reports its own problem and returns `None`
//! on failure, so that callers can go on and find the next problem.

use super::Loader;
use super::tree::{Mark, Node, Yaml};
use crate::diagnostic::{did_you_mean, one_of};

/// A value together with what introduced it: its key in a mapping, its `-` in a sequence, or the value itself
/// at the root. Problems with the value point at the value; problems with a missing or empty value at the key.
#[derive(Debug, Clone, Copy)]
pub(super) struct At<'n> {
    pub node: &'n Node,
    pub intro: Mark,
}

impl<'n> At<'n> {
    /// The root of a document.
    pub fn root(node: &'n Node) -> At<'n> {
        At {
            node,
            intro: node.mark,
        }
    }

    /// The key (or `-`) that introduced the value.
    pub fn key_mark(self) -> Mark {
        self.intro
    }

    /// The value itself, or its key when the value is empty.
    pub fn value_mark(self) -> Mark {
        match self.node.yaml {
            Yaml::Null => self.intro,
            _ => self.node.mark,
        }
    }

    /// The value of `key`, when this is a mapping holding it.
    pub fn get(self, key: &str) -> Option<At<'n>> {
        self.node.get(key).map(|(node, intro)| At { node, intro })
    }

    /// Whether this is a mapping holding `key`.
    pub fn has(self, key: &str) -> bool {
        self.node.has(key)
    }

    /// Whether the value is empty (`key:` with nothing after it, `~`, `null`).
    pub fn is_null(self) -> bool {
        matches!(self.node.yaml, Yaml::Null)
    }

    /// The value of `key` unless it is absent or empty.
    pub fn get_present(self, key: &str) -> Option<At<'n>> {
        self.get(key).filter(|at| !at.is_null())
    }
}

impl Loader<'_> {
    /// Yields the entries of a mapping with string keys, reporting other keys and merge keys (`<<`).
    pub(super) fn entries<'n>(&mut self, map: At<'n>) -> Vec<(String, At<'n>)> {
        let Yaml::Map(items) = &map.node.yaml else {
            return Vec::new();
        };
        let mut entries = Vec::with_capacity(items.len());
        for entry in items {
            match &entry.key.yaml {
                Yaml::Str(key) if key == "<<" => {
                    self.report(
                        entry.key.mark,
                        "yaml merge keys (`<<`) are not supported".to_string(),
                        Some("write the keys out; an anchor can still stand for a whole value (`key: *anchor`)".to_string()),
                    );
                }
                Yaml::Str(key) => entries.push((
                    key.clone(),
                    At {
                        node: &entry.value,
                        intro: entry.key.mark,
                    },
                )),
                other => {
                    let hint = template_hint(map.node)
                        .unwrap_or_else(|| "quote the key to make it a string".to_string());
                    self.report(
                        entry.key.mark,
                        format!("expected a string key, found {}", describe(other)),
                        Some(hint),
                    );
                }
            }
        }
        entries
    }

    /// Reports every key of `map` that is not in `allowed`, suggesting the nearest allowed key.
    pub(super) fn check_keys(&mut self, map: At<'_>, allowed: &[&str], place: &str) {
        self.check_keys_but(map, allowed, &[], place);
    }

    /// [`Loader::check_keys`], leaving out `reported`: keys the caller reports in its own words.
    pub(super) fn check_keys_but(
        &mut self,
        map: At<'_>,
        allowed: &[&str],
        reported: &[&str],
        place: &str,
    ) {
        for (key, at) in self.entries(map) {
            if allowed.contains(&key.as_str()) || reported.contains(&key.as_str()) {
                continue;
            }
            let hint = suggestion(&key, allowed)
                .unwrap_or_else(|| format!("expected one of {}", one_of(allowed)));
            self.report(
                at.key_mark(),
                format!("unknown key `{key}` {place}"),
                Some(hint),
            );
        }
    }

    /// The value as a mapping, or a report saying what was found instead.
    pub(super) fn mapping<'n>(&mut self, at: At<'n>, what: &str) -> Option<At<'n>> {
        if let Yaml::Map(_) = at.node.yaml {
            if has_merge_key(at.node) {
                // Its other keys would look missing; the merge key is the one problem to report.
                self.entries(at);
                return None;
            }
            return Some(at);
        }
        self.report(
            at.value_mark(),
            format!(
                "expected a mapping for {what}, found {}",
                describe(&at.node.yaml)
            ),
            None,
        );
        None
    }

    pub(super) fn string(&mut self, at: At<'_>, what: &str) -> Option<String> {
        if let Yaml::Str(text) = &at.node.yaml {
            return Some(text.clone());
        }
        let hint = match &at.node.yaml {
            Yaml::Int(_) | Yaml::Float(_) | Yaml::Bool(_) => {
                Some("quote it to make it a string".to_string())
            }
            _ => template_hint(at.node),
        };
        self.report(
            at.value_mark(),
            format!(
                "expected a string for {what}, found {}",
                describe(&at.node.yaml)
            ),
            hint,
        );
        None
    }

    pub(super) fn non_empty_string(&mut self, at: At<'_>, what: &str) -> Option<String> {
        let text = self.string(at, what)?;
        if !text.trim().is_empty() {
            return Some(text);
        }
        self.report(at.value_mark(), format!("{what} is empty"), None);
        None
    }

    pub(super) fn string_list(&mut self, at: At<'_>, what: &str) -> Option<Vec<String>> {
        let Yaml::Seq(items) = &at.node.yaml else {
            self.report(
                at.value_mark(),
                format!(
                    "expected a list of strings for {what}, found {}",
                    describe(&at.node.yaml)
                ),
                Some("write e.g. `[email, happy-path]`".to_string()),
            );
            return None;
        };
        let mut strings = Vec::new();
        let mut ok = true;
        for item in items {
            let item_at = At {
                node: &item.value,
                intro: item.dash,
            };
            match self.string(item_at, &format!("an item of {what}")) {
                Some(text) => strings.push(text),
                None => ok = false,
            }
        }
        ok.then_some(strings)
    }

    /// A string that will be rendered as a template: its syntax must hold, and its names are recorded.
    pub(super) fn template_string(&mut self, at: At<'_>, what: &str) -> Option<String> {
        let text = self.string(at, what)?;
        self.template(&text, at.value_mark(), what).then_some(text)
    }

    pub(super) fn boolean(&mut self, at: At<'_>, what: &str) -> Option<bool> {
        if let Yaml::Bool(b) = at.node.yaml {
            return Some(b);
        }
        self.report(
            at.value_mark(),
            format!(
                "expected `true` or `false` for {what}, found {}",
                describe(&at.node.yaml)
            ),
            None,
        );
        None
    }

    /// Converts a YAML value to JSON, keeping integers as integers and checking template strings.
    pub(super) fn json_value(&mut self, at: At<'_>, what: &str) -> Option<serde_json::Value> {
        match &at.node.yaml {
            Yaml::Null => Some(serde_json::Value::Null),
            Yaml::Bool(b) => Some(serde_json::Value::Bool(*b)),
            Yaml::Int(i) => Some(serde_json::Value::Number((*i).into())),
            Yaml::Float(f) => {
                let number = serde_json::Number::from_f64(*f);
                if number.is_none() {
                    self.report(
                        at.value_mark(),
                        format!(
                            "`{}` in {what} cannot be represented in json",
                            number_text(*f)
                        ),
                        Some("json numbers are finite: no `.nan` or `.inf`".to_string()),
                    );
                }
                number.map(serde_json::Value::Number)
            }
            Yaml::Str(text) => self
                .template(text, at.value_mark(), what)
                .then(|| serde_json::Value::String(text.clone())),
            Yaml::Seq(items) => {
                let mut values = Vec::with_capacity(items.len());
                let mut ok = true;
                for item in items {
                    let item_at = At {
                        node: &item.value,
                        intro: item.dash,
                    };
                    match self.json_value(item_at, what) {
                        Some(json) => values.push(json),
                        None => ok = false,
                    }
                }
                ok.then_some(serde_json::Value::Array(values))
            }
            Yaml::Map(entries) => {
                let mut object = serde_json::Map::new();
                let mut ok = true;
                for entry in entries {
                    let key_text = match &entry.key.yaml {
                        Yaml::Str(key) if key == "<<" => None,
                        other => scalar_text(other),
                    };
                    let Some(key_text) = key_text else {
                        // Let `entries` word the problem with the key.
                        self.report_bad_key(at.node, &entry.key);
                        ok = false;
                        continue;
                    };
                    let value_at = At {
                        node: &entry.value,
                        intro: entry.key.mark,
                    };
                    match self.json_value(value_at, what) {
                        Some(json) => {
                            object.insert(key_text, json);
                        }
                        None => ok = false,
                    }
                }
                ok.then_some(serde_json::Value::Object(object))
            }
            Yaml::Tagged(tag, _) => {
                self.report(
                    at.value_mark(),
                    format!("yaml tags are not supported, found `{tag}` in {what}"),
                    Some("remove the tag".to_string()),
                );
                None
            }
        }
    }

    /// Reports one key of `map` that cannot be a JSON object key (a merge key or a collection).
    fn report_bad_key(&mut self, map: &Node, key: &Node) {
        match &key.yaml {
            Yaml::Str(_) => self.report(
                key.mark,
                "yaml merge keys (`<<`) are not supported".to_string(),
                Some("write the keys out; an anchor can still stand for a whole value (`key: *anchor`)".to_string()),
            ),
            other => {
                let hint = template_hint(map)
                    .unwrap_or_else(|| "quote the key to make it a string".to_string());
                self.report(
                    key.mark,
                    format!("expected a string key, found {}", describe(other)),
                    Some(hint),
                );
            }
        }
    }
}

pub(super) fn has_merge_key(node: &Node) -> bool {
    match &node.yaml {
        Yaml::Map(entries) => entries
            .iter()
            .any(|entry| matches!(&entry.key.yaml, Yaml::Str(key) if key == "<<")),
        _ => false,
    }
}

/// The text of a scalar used as a mapping key, as it would appear in the source.
fn scalar_text(value: &Yaml) -> Option<String> {
    match value {
        Yaml::Bool(b) => Some(b.to_string()),
        Yaml::Int(i) => Some(i.to_string()),
        Yaml::Float(f) => Some(number_text(*f)),
        Yaml::Null => Some("null".to_string()),
        Yaml::Str(text) => Some(text.clone()),
        _ => None,
    }
}

/// A float as YAML writes it (`.inf`, `.nan`), otherwise as Rust does.
fn number_text(f: f64) -> String {
    if f.is_nan() {
        ".nan".to_string()
    } else if f.is_infinite() {
        if f > 0.0 { ".inf" } else { "-.inf" }.to_string()
    } else {
        f.to_string()
    }
}

/// "did you mean `x`?" when a candidate is close enough.
pub(super) fn suggestion(word: &str, candidates: &[&str]) -> Option<String> {
    did_you_mean(word, candidates).map(|candidate| format!("did you mean `{candidate}`?"))
}

/// `a`, `b` and `c`: all of the names, for messages.
pub(super) fn one_of_and(names: &[&str]) -> String {
    let quoted: Vec<String> = names.iter().map(|name| format!("`{name}`")).collect();
    match quoted.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
    }
}

/// A short description of a YAML value for "found ..." messages.
pub(super) fn describe(value: &Yaml) -> String {
    match value {
        Yaml::Null => "nothing".to_string(),
        Yaml::Bool(b) => format!("the boolean `{b}`"),
        Yaml::Int(i) => format!("the number `{i}`"),
        Yaml::Float(f) => format!("the number `{}`", number_text(*f)),
        Yaml::Str(text) => {
            let shown: String = text.chars().take(40).collect();
            let ellipsis = if text.chars().count() > 40 { "…" } else { "" };
            format!("the string `{shown}{ellipsis}`")
        }
        Yaml::Seq(_) => "a list".to_string(),
        Yaml::Map(_) => "a mapping".to_string(),
        Yaml::Tagged(tag, _) => format!("a value tagged `{tag}`"),
    }
}

/// An unquoted `{{ x }}` is a YAML flow mapping whose key is a mapping; say so.
pub(super) fn template_hint(node: &Node) -> Option<String> {
    let Yaml::Map(entries) = &node.yaml else {
        return None;
    };
    entries
        .iter()
        .any(|entry| matches!(entry.key.yaml, Yaml::Map(_)))
        .then(|| {
            "quote templates: `\"{{ ... }}\"`; unquoted, `{{` starts a yaml mapping".to_string()
        })
}

/// The interesting part of a regex error: its last line (`error: unclosed group`) without the prefix.
pub(super) fn regex_problem(error: &regex::Error) -> String {
    let text = error.to_string();
    let last = text
        .lines()
        .rev()
        .find(|line| !line.trim().is_empty())
        .unwrap_or("");
    last.trim().trim_start_matches("error: ").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_last_line_of_regex_errors() {
        // Built at run time so that clippy does not reject the deliberately broken pattern.
        let pattern = String::from("(");
        let error = regex::Regex::new(&pattern).err();
        let problem = error.map(|e| regex_problem(&e));
        assert_eq!(problem.as_deref(), Some("unclosed group"));
    }

    #[test]
    fn lists_names_in_prose() {
        assert_eq!(one_of_and(&["a"]), "`a`");
        assert_eq!(one_of_and(&["a", "b", "c"]), "`a`, `b` and `c`");
    }
}
