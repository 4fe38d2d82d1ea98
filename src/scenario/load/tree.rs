//! The YAML tree the loader walks, and how it is built from `saphyr-parser`'s events.
//!
//! Takes the parser's events (each with its span) and gives a [`Node`] tree in which every key, value and `-`
//! knows its line and column. The tree is built with an explicit stack, never by recursion, and stops at
//! [`MAX_DEPTH`] levels and [`MAX_NODES`] values (aliases expanded), so nothing that walks it afterwards can
//! exhaust the stack or the memory. Duplicate keys are reported and the later entry dropped.

use std::borrow::Cow;
use std::collections::HashMap;

use saphyr_parser::{Event, Marker, ScalarStyle, Span as EventSpan, Tag};

use crate::diagnostic::{LineIndex, Span};

/// The deepest nesting of mappings and sequences read: 64 levels. A scenario needs about ten (step →
/// `expect` → `body` → path → matcher → a JSON value); the cap keeps hostile files from exhausting the stack of
/// anything that walks the tree.
pub const MAX_DEPTH: usize = 64;

/// The most values a file may hold once its aliases are expanded: 200 000 (a 1 MiB file of short values
/// holds about that many). It stops "billion laughs" files, whose aliases of aliases grow exponentially.
pub const MAX_NODES: usize = 200_000;

/// A position in the source plus how many characters a caret underline should cover.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Mark {
    pub span: Span,
    pub width: usize,
}

impl Mark {
    /// The start of the file, used when nothing better is known.
    pub const START: Mark = Mark {
        span: Span { line: 1, col: 1 },
        width: 1,
    };

    /// A mark at 1-based `line` and 0-based `col0`.
    pub fn at(line: usize, col0: usize, width: usize) -> Mark {
        Mark {
            span: Span {
                line: line.max(1),
                col: col0 + 1,
            },
            width: width.max(1),
        }
    }
}

/// A YAML value and where it was written.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Node {
    pub yaml: Yaml,
    /// For scalars the whole value; for flow collections the whole collection when it fits on one line; for
    /// block collections their first key or `-`.
    pub mark: Mark,
}

/// A YAML value, resolved by the YAML 1.2 core schema.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Yaml {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Seq(Vec<Item>),
    Map(Vec<Entry>),
    /// A value with a tag other than the core schema's (`!include x`): scenarios use none.
    Tagged(String, Box<Node>),
}

/// A mapping entry.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Entry {
    pub key: Node,
    pub value: Node,
}

/// A sequence item and the `-` that introduced it (the item itself in flow style).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Item {
    pub dash: Mark,
    pub value: Node,
}

impl Node {
    /// The value of `key` in a mapping with string keys, with the key's mark.
    pub fn get(&self, key: &str) -> Option<(&Node, Mark)> {
        let Yaml::Map(entries) = &self.yaml else {
            return None;
        };
        entries.iter().find_map(|entry| match &entry.key.yaml {
            Yaml::Str(text) if text == key => Some((&entry.value, entry.key.mark)),
            _ => None,
        })
    }

    /// Whether this is a mapping holding `key`.
    pub fn has(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// How many values this node holds, itself included.
    fn size(&self) -> usize {
        1 + match &self.yaml {
            Yaml::Seq(items) => items.iter().map(|item| item.value.size()).sum(),
            Yaml::Map(entries) => entries
                .iter()
                .map(|entry| entry.key.size() + entry.value.size())
                .sum(),
            Yaml::Tagged(_, inner) => inner.size(),
            _ => 0,
        }
    }
}

/// A problem that stopped or marred reading.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Problem {
    pub mark: Mark,
    pub message: String,
    pub hint: Option<String>,
}

impl Problem {
    pub(crate) fn new(mark: Mark, message: impl Into<String>, hint: Option<&str>) -> Problem {
        Problem {
            mark,
            message: message.into(),
            hint: hint.map(str::to_owned),
        }
    }
}

/// Builds the tree of one document from parser events.
/// A collection being read.
enum Open {
    Seq {
        start: Marker,
        anchor: usize,
        tag: Option<String>,
        items: Vec<Item>,
    },
    Map {
        start: Marker,
        anchor: usize,
        tag: Option<String>,
        entries: Vec<Entry>,
        key: Option<Node>,
        seen: HashMap<String, Mark>,
    },
}

pub(crate) struct Builder<'l, 't> {
    lines: &'l LineIndex<'t>,
    stack: Vec<Open>,
    anchors: HashMap<usize, Node>,
    root: Option<Node>,
    documents: usize,
    nodes: usize,
    problems: Vec<Problem>,
}

impl<'l, 't> Builder<'l, 't> {
    /// A builder that finds source lines in `lines` (to place the `-` of sequence items).
    pub(crate) fn new(lines: &'l LineIndex<'t>) -> Builder<'l, 't> {
        Builder {
            lines,
            stack: Vec::new(),
            anchors: HashMap::new(),
            root: None,
            documents: 0,
            nodes: 0,
            problems: Vec::new(),
        }
    }

    /// The document's root (`None` for an empty document) and the problems that did not stop reading.
    pub(crate) fn finish(self) -> (Option<Node>, Vec<Problem>) {
        (self.root, self.problems)
    }

    /// Takes one parser event; a problem it returns stops reading.
    pub(crate) fn event(&mut self, event: Event<'_>, span: EventSpan) -> Result<(), Problem> {
        match event {
            Event::DocumentStart(_) => {
                self.documents += 1;
                if self.documents > 1 {
                    return Err(Problem::new(
                        self.mark(span.start, span.end),
                        "a scenario file holds one yaml document, found a second one",
                        Some(
                            "remove the `---` line, or move the second document to a file of its own",
                        ),
                    ));
                }
                Ok(())
            }
            Event::Scalar(value, style, anchor, tag) => {
                let node = self.scalar(value, style, tag.as_deref(), span)?;
                self.complete(node, anchor)
            }
            Event::SequenceStart(anchor, tag) => {
                self.open(span)?;
                self.stack.push(Open::Seq {
                    start: span.start,
                    anchor,
                    tag: foreign_tag(tag.as_deref()),
                    items: Vec::new(),
                });
                Ok(())
            }
            Event::MappingStart(anchor, tag) => {
                self.open(span)?;
                self.stack.push(Open::Map {
                    start: span.start,
                    anchor,
                    tag: foreign_tag(tag.as_deref()),
                    entries: Vec::new(),
                    key: None,
                    seen: HashMap::new(),
                });
                Ok(())
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let Some(open) = self.stack.pop() else {
                    return Ok(());
                };
                let (node, anchor) = self.close(open, span);
                self.complete(node, anchor)
            }
            Event::Alias(anchor) => {
                let Some(node) = self.anchors.get(&anchor) else {
                    return Err(Problem::new(
                        self.mark(span.start, span.end),
                        "this alias names no anchor defined before it",
                        Some("define the anchor (`&name`) before using it (`*name`)"),
                    ));
                };
                let node = node.clone();
                self.count(node.size(), span)?;
                self.complete(node, 0)
            }
            Event::StreamStart | Event::StreamEnd | Event::DocumentEnd | Event::Nothing => Ok(()),
        }
    }

    fn open(&mut self, span: EventSpan) -> Result<(), Problem> {
        if self.stack.len() >= MAX_DEPTH {
            return Err(Problem::new(
                self.mark(span.start, span.end),
                format!("the yaml is nested more than {MAX_DEPTH} levels deep"),
                Some(
                    "a scenario needs a handful of levels: check the indentation and the brackets",
                ),
            ));
        }
        self.count(1, span)
    }

    fn count(&mut self, added: usize, span: EventSpan) -> Result<(), Problem> {
        self.nodes = self.nodes.saturating_add(added);
        if self.nodes <= MAX_NODES {
            return Ok(());
        }
        Err(Problem::new(
            self.mark(span.start, span.end),
            format!("the file holds more than {MAX_NODES} values once its aliases are expanded"),
            Some("aliases (`*name`) copy their anchor's whole value: use fewer of them"),
        ))
    }

    fn scalar(
        &mut self,
        value: Cow<'_, str>,
        style: ScalarStyle,
        tag: Option<&Tag>,
        span: EventSpan,
    ) -> Result<Node, Problem> {
        self.count(1, span)?;
        let mut mark = self.mark(span.start, span.end);
        if value.is_empty() && style == ScalarStyle::Plain {
            // An empty value sits where the next token is; a caret there would point at nothing useful.
            mark.width = 1;
        }
        let core_tag = tag
            .filter(|tag| tag.is_yaml_core_schema())
            .map(|tag| Cow::Owned(tag.clone()));
        let resolved =
            saphyr::Scalar::parse_from_cow_and_metadata(value.clone(), style, core_tag.as_ref());
        let yaml = match resolved {
            Some(saphyr::Scalar::Null) => Yaml::Null,
            Some(saphyr::Scalar::Boolean(b)) => Yaml::Bool(b),
            Some(saphyr::Scalar::Integer(i)) => Yaml::Int(i),
            Some(saphyr::Scalar::FloatingPoint(f)) => Yaml::Float(f.into_inner()),
            Some(saphyr::Scalar::String(text)) => Yaml::Str(text.into_owned()),
            // A core tag the value does not fit (`!!int abc`): keep the text, and let the tag be reported.
            None => {
                let inner = Node {
                    yaml: Yaml::Str(value.into_owned()),
                    mark,
                };
                return Ok(Node {
                    yaml: Yaml::Tagged(tag.map(tag_text).unwrap_or_default(), Box::new(inner)),
                    mark,
                });
            }
        };
        let node = Node { yaml, mark };
        Ok(match foreign_tag(tag) {
            Some(tag) => Node {
                yaml: Yaml::Tagged(tag, Box::new(node)),
                mark,
            },
            None => node,
        })
    }

    fn close(&mut self, open: Open, end: EventSpan) -> (Node, usize) {
        let (yaml, start, anchor, tag, first) = match open {
            Open::Seq {
                start,
                anchor,
                tag,
                items,
            } => {
                let first = items.first().map(|item| item.dash);
                (Yaml::Seq(items), start, anchor, tag, first)
            }
            Open::Map {
                start,
                anchor,
                tag,
                mut entries,
                key,
                ..
            } => {
                if let Some(key) = key {
                    // A key without a value (only possible at a syntax error) reads as `key: null`.
                    let mark = key.mark;
                    entries.push(Entry {
                        key,
                        value: Node {
                            yaml: Yaml::Null,
                            mark,
                        },
                    });
                }
                let first = entries.first().map(|entry| entry.key.mark);
                (Yaml::Map(entries), start, anchor, tag, first)
            }
        };
        let opening = self.char_at(start.line(), start.col());
        let mark = if matches!(opening, Some('[' | '{')) && end.end.line() == start.line() {
            Mark::at(
                start.line(),
                start.col(),
                end.end.col().saturating_sub(start.col()),
            )
        } else if let Some(first) =
            first.filter(|_| !matches!(opening, Some('[' | '{' | '&' | '!')))
        {
            first
        } else {
            Mark::at(start.line(), start.col(), 1)
        };
        let node = Node { yaml, mark };
        let node = match tag {
            Some(tag) => Node {
                yaml: Yaml::Tagged(tag, Box::new(node)),
                mark,
            },
            None => node,
        };
        (node, anchor)
    }

    /// Files a finished value under its anchor and into its parent (or as the root).
    fn complete(&mut self, node: Node, anchor: usize) -> Result<(), Problem> {
        if anchor > 0 {
            self.anchors.insert(anchor, node.clone());
        }
        let dash = match self.stack.last() {
            Some(Open::Seq { .. }) => Some(self.dash_before(node.mark)),
            _ => None,
        };
        match self.stack.last_mut() {
            None => self.root = Some(node),
            Some(Open::Seq { items, .. }) => items.push(Item {
                dash: dash.unwrap_or(node.mark),
                value: node,
            }),
            Some(Open::Map {
                entries, key, seen, ..
            }) => match key.take() {
                None => *key = Some(node),
                Some(key_node) => {
                    if let Yaml::Str(text) = &key_node.yaml {
                        if let Some(first) = seen.get(text) {
                            self.problems.push(Problem {
                                mark: key_node.mark,
                                message: format!("duplicate key `{text}`"),
                                hint: Some(format!(
                                    "it is already set on line {}: each key may appear only once in a mapping",
                                    first.span.line
                                )),
                            });
                            return Ok(());
                        }
                        seen.insert(text.clone(), key_node.mark);
                    }
                    entries.push(Entry {
                        key: key_node,
                        value: node,
                    });
                }
            },
        }
        Ok(())
    }

    /// The `-` of a block sequence item that starts at `mark`, found by looking left on its line; the item
    /// itself when there is none (flow style).
    fn dash_before(&self, mark: Mark) -> Mark {
        let Some(line) = self.lines.line(mark.span.line) else {
            return mark;
        };
        let before: Vec<char> = line.chars().take(mark.span.col - 1).collect();
        let Some(idx) = before.iter().rposition(|c| *c != ' ') else {
            return mark;
        };
        if before[idx] == '-' {
            Mark::at(mark.span.line, idx, 1)
        } else {
            mark
        }
    }

    fn char_at(&self, line: usize, col0: usize) -> Option<char> {
        self.lines.line(line)?.chars().nth(col0)
    }

    /// A mark from `start` to `end` (without the spaces the parser counts after a value), or to the end of the
    /// line when the value goes on past it.
    fn mark(&self, start: Marker, end: Marker) -> Mark {
        let Some(line) = self.lines.line(start.line()) else {
            return Mark::at(start.line(), start.col(), 1);
        };
        let end_col = if end.line() == start.line() {
            end.col()
        } else {
            usize::MAX
        };
        let covered: String = line
            .chars()
            .skip(start.col())
            .take(end_col.saturating_sub(start.col()))
            .collect();
        let width = covered.trim_end_matches([' ', '\t']).chars().count();
        Mark::at(start.line(), start.col(), width)
    }
}

/// The tag to keep on a value: `None` for no tag or a core-schema tag (`!!str`), which only picks a type.
fn foreign_tag(tag: Option<&Tag>) -> Option<String> {
    tag.filter(|tag| !tag.is_yaml_core_schema()).map(tag_text)
}

/// A tag as written: `!!str`, `!local`, `!prefix!suffix`.
fn tag_text(tag: &Tag) -> String {
    if tag.is_yaml_core_schema() {
        format!("!!{}", tag.suffix)
    } else {
        format!("{}{}", tag.handle, tag.suffix)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::scenario::load::read::{Read, read_yaml};

    fn read(text: &str) -> Read {
        read_yaml(text, &LineIndex::new(text))
    }

    fn at(line: usize, col: usize, width: usize) -> Mark {
        Mark {
            span: Span { line, col },
            width,
        }
    }

    #[test]
    fn values_and_keys_know_where_they_were_written() {
        let text =
            "name: Log in\nsteps:\n  - name: a\n    request: { method: GET,\n      path: / }\n";
        let root = read(text).root.unwrap();
        let (name, key) = root.get("name").unwrap();
        assert_eq!(key, at(1, 1, 4));
        assert_eq!(name.mark, at(1, 7, 6));
        let (steps, _) = root.get("steps").unwrap();
        let Yaml::Seq(items) = &steps.yaml else {
            panic!("not a sequence")
        };
        assert_eq!(items[0].dash, at(3, 3, 1));
        let (request, _) = items[0].value.get("request").unwrap();
        // A flow mapping over two lines: its path is found all the same.
        let (path, path_key) = request.get("path").unwrap();
        assert_eq!(path_key, at(5, 7, 4));
        assert_eq!(path.mark, at(5, 13, 1));
    }

    #[test]
    fn scalars_follow_the_yaml_1_2_core_schema() {
        let root = read("a: 1\nb: 1.5\nc: true\nd: ~\ne: '1'\nf: yes\ng:\n")
            .root
            .unwrap();
        let value = |key: &str| root.get(key).unwrap().0.yaml.clone();
        assert_eq!(value("a"), Yaml::Int(1));
        assert_eq!(value("b"), Yaml::Float(1.5));
        assert_eq!(value("c"), Yaml::Bool(true));
        assert_eq!(value("d"), Yaml::Null);
        assert_eq!(value("e"), Yaml::Str("1".into()));
        assert_eq!(value("f"), Yaml::Str("yes".into()));
        assert_eq!(value("g"), Yaml::Null);
    }

    #[test]
    fn deep_nesting_stops_at_the_cap_without_recursing() {
        for text in [
            "[".repeat(10_000),
            "{a: ".repeat(10_000),
            (0..10_000)
                .map(|depth| format!("{}-\n", " ".repeat(depth)))
                .collect(),
            format!("{}a", "- ".repeat(10_000)),
        ] {
            let outcome = read(&text);
            assert!(outcome.fatal);
            assert!(
                outcome.problems[0].message.contains("nested more than 64"),
                "{:?}",
                outcome.problems
            );
        }
    }

    #[test]
    fn exponential_aliases_stop_at_the_cap() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for level in 1..10 {
            let previous = format!("*a{}", level - 1);
            let items = vec![previous; 10].join(", ");
            text.push_str(&format!("a{level}: &a{level} [{items}]\n"));
        }
        let outcome = read(&text);
        assert!(outcome.fatal);
        assert!(outcome.problems[0].message.contains("aliases are expanded"));
    }

    #[test]
    fn duplicate_keys_are_reported_and_reading_goes_on() {
        let outcome = read("a: 1\nb: 2\na: 3\n");
        assert!(!outcome.fatal);
        assert_eq!(outcome.problems[0].message, "duplicate key `a`");
        assert_eq!(outcome.problems[0].mark, at(3, 1, 1));
        let root = outcome.root.unwrap();
        assert_eq!(root.get("a").unwrap().0.yaml, Yaml::Int(1));
    }

    #[test]
    fn a_second_document_is_refused() {
        let outcome = read("a: 1\n---\nb: 2\n");
        assert!(outcome.fatal);
        assert_eq!(outcome.problems[0].mark.span, Span { line: 2, col: 1 });
    }
}
