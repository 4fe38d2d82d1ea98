//! Finds where a value was written in a scenario's YAML text.
//!
//! `serde_yaml::Value` forgets positions, so after parsing we scan the source text a second time and build a
//! small tree of positions ([`SourceMap`]) that mirrors the shape of the document: mappings with their keys,
//! sequences with their `-` markers, and leaves. A path such as step 2 → `expect` → `body` → `$.error` is then
//! looked up in that tree. The scanner understands block style (what people write by hand) and single-line flow
//! style (`{ type: string }`, `[a, b]`); anything it does not understand becomes a leaf, so a lookup falls back to
//! the nearest enclosing key rather than failing. It never decides whether the YAML is valid: `serde_yaml` does.

use super::Span;

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

    fn at(line: usize, col0: usize, width: usize) -> Mark {
        Mark {
            span: Span {
                line,
                col: col0 + 1,
            },
            width: width.max(1),
        }
    }
}

/// One step of a path into the document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Seg {
    /// A key of a mapping.
    Key(String),
    /// A zero-based index into a sequence.
    Index(usize),
}

/// What a lookup found: the key (or `-` marker) that introduced the value, and the value itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Found {
    /// The key or sequence marker of the last path segment that was found.
    pub key: Mark,
    /// The value of the last path segment that was found.
    pub value: Mark,
    /// Whether the whole path was found (otherwise `key` and `value` belong to the deepest prefix found).
    pub exact: bool,
}

#[derive(Debug)]
struct Node {
    mark: Mark,
    kind: Kind,
}

#[derive(Debug)]
enum Kind {
    Map(Vec<Entry>),
    Seq(Vec<Item>),
    Leaf,
}

#[derive(Debug)]
struct Entry {
    key: String,
    key_mark: Mark,
    value: Node,
}

#[derive(Debug)]
struct Item {
    dash: Mark,
    value: Node,
}

/// Positions of the keys, items and values of one YAML document.
#[derive(Debug)]
pub(crate) struct SourceMap {
    root: Option<Node>,
}

impl SourceMap {
    /// Scans `text` (one YAML document) and records where everything is.
    pub fn new(text: &str) -> SourceMap {
        let lines = significant_lines(text);
        let mut scanner = BlockScanner {
            lines,
            idx: 0,
            start: 0,
        };
        let root = if scanner.current().is_some() {
            Some(scanner.node(-1))
        } else {
            None
        };
        SourceMap { root }
    }

    /// Looks `path` up, falling back to the deepest prefix that exists.
    pub fn find(&self, path: &[Seg]) -> Found {
        let Some(root) = &self.root else {
            return Found {
                key: Mark::START,
                value: Mark::START,
                exact: path.is_empty(),
            };
        };
        let mut node = root;
        let mut key = root.mark;
        for seg in path {
            let next = match (seg, &node.kind) {
                (Seg::Key(wanted), Kind::Map(entries)) => entries
                    .iter()
                    .find(|entry| entry.key == *wanted)
                    .map(|entry| (entry.key_mark, &entry.value)),
                (Seg::Index(idx), Kind::Seq(items)) => {
                    items.get(*idx).map(|item| (item.dash, &item.value))
                }
                _ => None,
            };
            match next {
                Some((next_key, next_node)) => {
                    key = next_key;
                    node = next_node;
                }
                None => {
                    return Found {
                        key,
                        value: node.mark,
                        exact: false,
                    };
                }
            }
        }
        Found {
            key,
            value: node.mark,
            exact: true,
        }
    }
}

/// A line that carries YAML content: not blank, not only a comment, not a document marker.
struct Line {
    number: usize,
    chars: Vec<char>,
    indent: usize,
}

fn significant_lines(text: &str) -> Vec<Line> {
    let mut lines = Vec::new();
    for (idx, raw) in text.lines().enumerate() {
        let chars: Vec<char> = raw.chars().collect();
        let indent = chars.iter().take_while(|c| **c == ' ').count();
        let rest: String = chars[indent..].iter().collect();
        let rest = rest.trim_end();
        let is_marker = indent == 0
            && (rest == "---"
                || rest.starts_with("--- ")
                || rest == "..."
                || rest.starts_with('%'));
        if rest.is_empty() || rest.starts_with('#') || is_marker {
            continue;
        }
        lines.push(Line {
            number: idx + 1,
            chars,
            indent,
        });
    }
    lines
}

/// Walks block-style YAML line by line. `start` is where the unread content of the current line begins: normally
/// its indentation, or just after a `- ` marker when a sequence item starts on the marker's line.
struct BlockScanner {
    lines: Vec<Line>,
    idx: usize,
    start: usize,
}

impl BlockScanner {
    /// The column and remaining text of the current position, if any lines are left.
    fn current(&self) -> Option<(usize, &[char])> {
        self.lines
            .get(self.idx)
            .map(|line| (self.start, &line.chars[self.start..]))
    }

    fn line_number(&self) -> usize {
        self.lines.get(self.idx).map_or(1, |line| line.number)
    }

    fn next_line(&mut self) {
        self.idx += 1;
        self.start = self.lines.get(self.idx).map_or(0, |line| line.indent);
    }

    /// Skips continuation lines (multi-line scalars, block scalars) indented deeper than `indent`.
    fn skip_deeper_than(&mut self, indent: isize) {
        while let Some((col, _)) = self.current() {
            if col as isize <= indent {
                break;
            }
            self.next_line();
        }
    }

    /// Reads the node at the current position; its lines are indented deeper than `parent_indent`.
    fn node(&mut self, parent_indent: isize) -> Node {
        let Some((col, text)) = self.current() else {
            return Node {
                mark: Mark::START,
                kind: Kind::Leaf,
            };
        };
        if is_dash(text) {
            return self.sequence(col);
        }
        if key_of(text).is_some() {
            return self.mapping(col);
        }
        let line = self.line_number();
        let node = inline_value(line, &self.lines[self.idx].chars, col);
        self.next_line();
        self.skip_deeper_than(parent_indent);
        node
    }

    fn sequence(&mut self, indent: usize) -> Node {
        let mut items = Vec::new();
        let mut first = None;
        while let Some((col, text)) = self.current() {
            if col != indent || !is_dash(text) {
                break;
            }
            let dash = Mark::at(self.line_number(), col, 1);
            first.get_or_insert(dash);
            let spaces = text[1..].iter().take_while(|c| **c == ' ').count();
            let rest = &text[1 + spaces..];
            let value = if rest.is_empty() || rest[0] == '#' {
                self.next_line();
                match self.current() {
                    Some((child_col, _)) if child_col > indent => self.node(indent as isize),
                    _ => Node {
                        mark: dash,
                        kind: Kind::Leaf,
                    },
                }
            } else {
                self.start = col + 1 + spaces;
                self.node(indent as isize)
            };
            items.push(Item { dash, value });
        }
        Node {
            mark: first.unwrap_or(Mark::START),
            kind: Kind::Seq(items),
        }
    }

    fn mapping(&mut self, indent: usize) -> Node {
        let mut entries = Vec::new();
        let mut first = None;
        while let Some((col, text)) = self.current() {
            if col != indent {
                break;
            }
            let Some(key) = key_of(text) else { break };
            let line = self.line_number();
            let key_mark = Mark::at(line, col, key.width);
            first.get_or_insert(key_mark);
            let mut value_col = col + key.after_colon;
            let chars = &self.lines[self.idx].chars;
            value_col = skip_properties(chars, value_col);
            let rest = &chars[value_col.min(chars.len())..];
            let value = if rest.is_empty() || rest[0] == '#' {
                self.next_line();
                match self.current() {
                    Some((child_col, _)) if child_col > indent => self.node(indent as isize),
                    // A sequence may sit at the same indentation as its key.
                    Some((child_col, child_text)) if child_col == indent && is_dash(child_text) => {
                        self.sequence(indent)
                    }
                    _ => Node {
                        mark: key_mark,
                        kind: Kind::Leaf,
                    },
                }
            } else if rest[0] == '|' || rest[0] == '>' {
                let mark = Mark::at(line, value_col, 1);
                self.next_line();
                self.skip_deeper_than(indent as isize);
                Node {
                    mark,
                    kind: Kind::Leaf,
                }
            } else {
                let node = inline_value(line, chars, value_col);
                self.next_line();
                self.skip_deeper_than(indent as isize);
                node
            };
            entries.push(Entry {
                key: key.text,
                key_mark,
                value,
            });
        }
        Node {
            mark: first.unwrap_or(Mark::START),
            kind: Kind::Map(entries),
        }
    }
}

fn is_dash(text: &[char]) -> bool {
    text.first() == Some(&'-') && text.get(1).is_none_or(|c| *c == ' ')
}

/// Skips anchors (`&name`) and tags (`!tag`) written before a value.
fn skip_properties(chars: &[char], mut col: usize) -> usize {
    loop {
        while chars.get(col) == Some(&' ') {
            col += 1;
        }
        match chars.get(col) {
            Some('&') | Some('!') => {
                while chars.get(col).is_some_and(|c| *c != ' ') {
                    col += 1;
                }
            }
            _ => return col,
        }
    }
}

/// A mapping key found at the start of a line.
struct Key {
    text: String,
    /// Width of the key as written (with quotes).
    width: usize,
    /// Offset from the key's start to just after its `:`.
    after_colon: usize,
}

/// Recognises `key:` at the start of `text` (plain, single- or double-quoted key).
fn key_of(text: &[char]) -> Option<Key> {
    let (key_text, width) = match text.first()? {
        '"' | '\'' => {
            let (value, width) = quoted(text)?;
            (value, width)
        }
        '[' | '{' | '#' | '&' | '*' | '!' | '|' | '>' | '?' | '%' | '@' | '`' => return None,
        _ => {
            let mut end = None;
            for (idx, c) in text.iter().enumerate() {
                if *c == '#' && idx > 0 && text[idx - 1] == ' ' {
                    return None;
                }
                if *c == ':' && text.get(idx + 1).is_none_or(|next| *next == ' ') {
                    end = Some(idx);
                    break;
                }
            }
            let end = end?;
            let raw: String = text[..end].iter().collect();
            let trimmed = raw.trim_end();
            (trimmed.to_string(), trimmed.chars().count())
        }
    };
    let mut idx = width;
    while text.get(idx) == Some(&' ') {
        idx += 1;
    }
    if text.get(idx) != Some(&':') || text.get(idx + 1).is_some_and(|c| *c != ' ') {
        return None;
    }
    Some(Key {
        text: key_text,
        width,
        after_colon: idx + 1,
    })
}

/// Reads a quoted scalar at the start of `text`: its (lightly) unescaped value and its width with quotes.
fn quoted(text: &[char]) -> Option<(String, usize)> {
    let quote = *text.first()?;
    let mut value = String::new();
    let mut idx = 1;
    while idx < text.len() {
        let c = text[idx];
        if quote == '\'' && c == '\'' {
            if text.get(idx + 1) == Some(&'\'') {
                value.push('\'');
                idx += 2;
                continue;
            }
            return Some((value, idx + 1));
        }
        if quote == '"' && c == '\\' {
            match text.get(idx + 1) {
                Some('n') => value.push('\n'),
                Some('t') => value.push('\t'),
                Some(other) => value.push(*other),
                None => return None,
            }
            idx += 2;
            continue;
        }
        if quote == '"' && c == '"' {
            return Some((value, idx + 1));
        }
        value.push(c);
        idx += 1;
    }
    None
}

/// A value written after `key:` or `- ` on the same line: a flow collection or a scalar.
fn inline_value(line: usize, chars: &[char], col: usize) -> Node {
    if matches!(chars.get(col), Some('{') | Some('[')) {
        let mut flow = FlowScanner {
            line,
            chars,
            pos: col,
        };
        if let Some(node) = flow.node() {
            return node;
        }
        let width = plain_width(&chars[col..], true);
        return Node {
            mark: Mark::at(line, col, width),
            kind: Kind::Leaf,
        };
    }
    let rest = &chars[col.min(chars.len())..];
    let width = match rest.first() {
        Some('"') | Some('\'') => quoted(rest).map_or(rest.len(), |(_, width)| width),
        _ => plain_width(rest, false),
    };
    Node {
        mark: Mark::at(line, col, width),
        kind: Kind::Leaf,
    }
}

/// Width of a plain scalar: up to a comment (or, inside flow style, a flow indicator), without trailing spaces.
fn plain_width(text: &[char], in_flow: bool) -> usize {
    let mut end = text.len();
    for (idx, c) in text.iter().enumerate() {
        if *c == '#' && idx > 0 && text[idx - 1] == ' ' {
            end = idx;
            break;
        }
        if in_flow && matches!(c, ',' | ']' | '}') {
            end = idx;
            break;
        }
        if in_flow
            && *c == ':'
            && text
                .get(idx + 1)
                .is_none_or(|next| matches!(next, ' ' | ',' | ']' | '}'))
        {
            end = idx;
            break;
        }
    }
    text[..end]
        .iter()
        .collect::<String>()
        .trim_end()
        .chars()
        .count()
}

/// Reads a flow collection written on one line. Returns `None` when the line does not hold all of it.
struct FlowScanner<'a> {
    line: usize,
    chars: &'a [char],
    pos: usize,
}

impl FlowScanner<'_> {
    fn skip_spaces(&mut self) {
        while self.chars.get(self.pos) == Some(&' ') {
            self.pos += 1;
        }
    }

    fn node(&mut self) -> Option<Node> {
        self.skip_spaces();
        let start = self.pos;
        match self.chars.get(self.pos)? {
            '{' => {
                self.pos += 1;
                let mut entries = Vec::new();
                loop {
                    self.skip_spaces();
                    match self.chars.get(self.pos)? {
                        '}' => {
                            self.pos += 1;
                            break;
                        }
                        ',' => {
                            self.pos += 1;
                            continue;
                        }
                        _ => {}
                    }
                    let (key, key_mark) = self.scalar()?;
                    self.skip_spaces();
                    let value = if self.chars.get(self.pos) == Some(&':') {
                        self.pos += 1;
                        self.skip_spaces();
                        match self.chars.get(self.pos)? {
                            ',' | '}' => Node {
                                mark: key_mark,
                                kind: Kind::Leaf,
                            },
                            _ => self.node()?,
                        }
                    } else {
                        Node {
                            mark: key_mark,
                            kind: Kind::Leaf,
                        }
                    };
                    entries.push(Entry {
                        key,
                        key_mark,
                        value,
                    });
                }
                Some(Node {
                    mark: Mark::at(self.line, start, self.pos - start),
                    kind: Kind::Map(entries),
                })
            }
            '[' => {
                self.pos += 1;
                let mut items = Vec::new();
                loop {
                    self.skip_spaces();
                    match self.chars.get(self.pos)? {
                        ']' => {
                            self.pos += 1;
                            break;
                        }
                        ',' => {
                            self.pos += 1;
                            continue;
                        }
                        _ => {}
                    }
                    let value = self.node()?;
                    items.push(Item {
                        dash: value.mark,
                        value,
                    });
                }
                Some(Node {
                    mark: Mark::at(self.line, start, self.pos - start),
                    kind: Kind::Seq(items),
                })
            }
            _ => {
                let (_, mark) = self.scalar()?;
                Some(Node {
                    mark,
                    kind: Kind::Leaf,
                })
            }
        }
    }

    /// Reads a quoted or plain scalar inside a flow collection.
    fn scalar(&mut self) -> Option<(String, Mark)> {
        let start = self.pos;
        let rest = &self.chars[start..];
        let (text, width) = match rest.first()? {
            '"' | '\'' => quoted(rest)?,
            '{' | '[' | ']' | '}' | ',' => return None,
            _ => {
                let width = plain_width(rest, true);
                (rest[..width].iter().collect(), width)
            }
        };
        if width == 0 {
            return None;
        }
        self.pos += width;
        Some((text, Mark::at(self.line, start, width)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(text: &str) -> Seg {
        Seg::Key(text.to_string())
    }

    fn at(line: usize, col: usize, width: usize) -> Mark {
        Mark {
            span: Span { line, col },
            width,
        }
    }

    const DOC: &str = "\
# a comment
name: Log in
tags: [email, happy-path]
steps:
  - name: send a code   # trailing comment
    request:
      method: POST
      json: { client_id: \"{{ clients.native.client_id }}\", send: code }
    expect:
      body:
        $.email: abc
        \"$['quoted']\": { type: string }

  - name: read
    otp:
      to: x
description: |
  name: not a key
  - not an item
";

    #[test]
    fn finds_top_level_keys_and_values() {
        let map = SourceMap::new(DOC);
        let found = map.find(&[key("name")]);
        assert_eq!(found.key, at(2, 1, 4));
        assert_eq!(found.value, at(2, 7, 6));
        assert!(found.exact);
        assert_eq!(map.find(&[key("description")]).key, at(17, 1, 11));
    }

    #[test]
    fn finds_sequence_items_by_their_dash() {
        let map = SourceMap::new(DOC);
        assert_eq!(map.find(&[key("steps"), Seg::Index(0)]).key, at(5, 3, 1));
        assert_eq!(map.find(&[key("steps"), Seg::Index(1)]).key, at(14, 3, 1));
        let name = map.find(&[key("steps"), Seg::Index(0), key("name")]);
        assert_eq!(name.key, at(5, 5, 4));
        assert_eq!(name.value, at(5, 11, 11));
    }

    #[test]
    fn finds_nested_keys_including_quoted_ones() {
        let map = SourceMap::new(DOC);
        let path = [
            key("steps"),
            Seg::Index(0),
            key("expect"),
            key("body"),
            key("$['quoted']"),
        ];
        let found = map.find(&path);
        assert!(found.exact);
        assert_eq!(found.key, at(12, 9, 13));
    }

    #[test]
    fn looks_inside_single_line_flow_collections() {
        let map = SourceMap::new(DOC);
        let path = [
            key("steps"),
            Seg::Index(0),
            key("expect"),
            key("body"),
            key("$['quoted']"),
            key("type"),
        ];
        let found = map.find(&path);
        assert_eq!(found.key, at(12, 26, 4));
        assert_eq!(found.value, at(12, 32, 6));
        let tag = map.find(&[key("tags"), Seg::Index(1)]);
        assert_eq!(tag.value, at(3, 15, 10));
        let send = map.find(&[
            key("steps"),
            Seg::Index(0),
            key("request"),
            key("json"),
            key("send"),
        ]);
        assert_eq!(send.key, at(8, 60, 4));
    }

    #[test]
    fn missing_paths_fall_back_to_the_deepest_prefix() {
        let map = SourceMap::new(DOC);
        let found = map.find(&[key("steps"), Seg::Index(1), key("otp"), key("channel")]);
        assert!(!found.exact);
        assert_eq!(found.key, at(15, 5, 3));
    }

    #[test]
    fn block_scalars_do_not_leak_keys() {
        let map = SourceMap::new(DOC);
        assert!(!map.find(&[key("description"), key("name")]).exact);
    }

    #[test]
    fn compact_sequences_sit_at_the_key_indentation() {
        let map =
            SourceMap::new("steps:\n- name: a\n- name: b\n  clock:\n    advance: 3\nname: x\n");
        let advance = map.find(&[key("steps"), Seg::Index(1), key("clock"), key("advance")]);
        assert!(advance.exact);
        assert_eq!(advance.value, at(5, 14, 1));
        assert_eq!(map.find(&[key("name")]).key, at(6, 1, 4));
    }

    #[test]
    fn empty_text_points_at_the_start() {
        let found = SourceMap::new("# nothing\n").find(&[key("name")]);
        assert_eq!(found.key, Mark::START);
        assert!(!found.exact);
    }
}
