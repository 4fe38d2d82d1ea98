//! Reading a scenario file: bytes in, a YAML tree in which every value knows where it was written.
//!
//! Takes the file's bytes (or text) and gives a [`Node`] tree, or the problems that stop reading: a file over
//! [`MAX_FILE_BYTES`], bytes that are not UTF-8 (with the line and column of the first bad byte), YAML syntax
//! errors, nesting deeper than [`MAX_DEPTH`], aliases that expand past [`MAX_NODES`] values, more than one
//! document. A UTF-8 byte-order mark is accepted and dropped. Duplicate keys are reported and the later entry
//! is dropped, so the rest of the file is still checked.
//!
//! # Why our own tree over `saphyr-parser`, not `serde_yaml::Value` plus a position scanner
//!
//! The loader walks the YAML by hand (so one mistake does not hide the next) and must say where each value was
//! written. `serde_yaml::Value` forgets positions, so the loader used to scan the text a second time with a
//! hand-written scanner that understood most, not all, of YAML (multi-line flow collections and block scalars
//! fell back to the enclosing key), looked every position up by path from the root, and recursed once per
//! nesting level of the text, so 10 000 nested `[` overflowed the stack before `serde_yaml`'s own limit could
//! speak. `saphyr-parser` (pure Rust, YAML 1.2, maintained) gives a stream of events each carrying its span, and
//! its scanner keeps its state on the heap. Building the tree from those events here, with an explicit stack,
//! gives exact positions for every key and value in one pass, caps depth and alias expansion before anything
//! recurses, and keeps duplicate keys as diagnostics rather than a fatal syntax error. Scalars are resolved with
//! saphyr's YAML 1.2 core-schema rules (`saphyr::Scalar`), so nothing about YAML's types is hand-written.
//! `serde_yaml` (unmaintained upstream) stays where serde derives the model: `targets.yaml` and tenant fixtures.

use saphyr_parser::{Parser, ScanError};

use super::tree::{Builder, MAX_DEPTH, Mark, Node, Problem};

use crate::diagnostic::LineIndex;

/// The largest scenario file read, in bytes: 1 MiB. Real scenarios are a few kilobytes; the cap keeps a
/// stray log or data file from costing the run its memory.
pub const MAX_FILE_BYTES: usize = 1024 * 1024;

/// Turns the bytes of a file into text: UTF-8, without a byte-order mark. On failure, the problem (at the
/// first bad byte) and the bytes back, to show the line.
pub(crate) fn decode(bytes: Vec<u8>) -> Result<String, (Problem, Vec<u8>)> {
    match String::from_utf8(bytes) {
        Ok(text) => Ok(strip_bom(text)),
        Err(error) => {
            let valid_up_to = error.utf8_error().valid_up_to();
            let bytes = error.into_bytes();
            // Lines end as YAML's do (`\n`, `\r\n`, a lone `\r`), as in every other diagnostic.
            let (mut line, mut line_start) = (1, 0);
            for (idx, byte) in bytes[..valid_up_to].iter().enumerate() {
                let ends_line =
                    *byte == b'\n' || (*byte == b'\r' && bytes.get(idx + 1) != Some(&b'\n'));
                if ends_line {
                    line += 1;
                    line_start = idx + 1;
                }
            }
            let col0 = String::from_utf8_lossy(&bytes[line_start..valid_up_to])
                .chars()
                .count();
            let problem = Problem::new(
                Mark::at(line, col0, 1),
                format!(
                    "the file is not valid utf-8: byte `\\x{:02x}` cannot start a character here",
                    bytes[valid_up_to]
                ),
                Some("save the file as utf-8"),
            );
            Err((problem, bytes))
        }
    }
}

/// Refuses a file over [`MAX_FILE_BYTES`].
pub(crate) fn check_size(len: usize) -> Result<(), Problem> {
    if len <= MAX_FILE_BYTES {
        return Ok(());
    }
    Err(Problem::new(
        Mark::START,
        format!(
            "the file is {len} bytes, more than the {MAX_FILE_BYTES} bytes (1 MiB) a scenario may have"
        ),
        Some(
            "a scenario is a few kilobytes of steps: split it, or check that this is a scenario at all",
        ),
    ))
}

/// Drops a leading UTF-8 byte-order mark, which some editors write and YAML allows.
pub(crate) fn strip_bom(text: String) -> String {
    match text.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_owned(),
        None => text,
    }
}

/// What reading the YAML gave: the root (`None` when the document is empty or unreadable) and the problems.
pub(crate) struct Read {
    pub root: Option<Node>,
    pub problems: Vec<Problem>,
    /// Whether reading stopped at a problem (the root is then `None`).
    pub fatal: bool,
}

/// Reads one YAML document from `text` into a tree.
pub(crate) fn read_yaml(text: &str, lines: &LineIndex<'_>) -> Read {
    let mut builder = Builder::new(lines);
    for event in Parser::new_from_str(text) {
        let outcome = match event {
            Ok((event, span)) => builder.event(event, span),
            Err(error) => Err(syntax_problem(&error, lines)),
        };
        if let Err(problem) = outcome {
            let (_, mut problems) = builder.finish();
            problems.push(problem);
            return Read {
                root: None,
                problems,
                fatal: true,
            };
        }
    }
    let (root, problems) = builder.finish();
    Read {
        root,
        problems,
        fatal: false,
    }
}

/// A YAML syntax error as a problem, with a hint for the usual causes.
fn syntax_problem(error: &ScanError, lines: &LineIndex<'_>) -> Problem {
    let marker = error.marker();
    let info = error.info();
    let line = marker.line().max(1);
    // A tab in the indentation confuses the parser, which then complains a little further on: point at the
    // first tab that indents a line, up to the line after the one the parser stopped on.
    let tab = (1..=(line + 1).min(lines.len())).find_map(|number| {
        let text = lines.line(number)?;
        let indent = text.len() - text.trim_start_matches([' ', '\t']).len();
        text[..indent]
            .find('\t')
            .map(|byte| Mark::at(number, text[..byte].chars().count(), 1))
    });
    if info.contains("recursion limit") {
        return Problem::new(
            Mark::at(line, marker.col(), 1),
            format!("the yaml is nested more than {MAX_DEPTH} levels deep"),
            Some("a scenario needs a handful of levels: check the indentation and the brackets"),
        );
    }
    if let Some(tab) = tab {
        return Problem::new(
            tab,
            format!("invalid yaml: {info}"),
            Some("yaml does not allow tabs for indentation: use spaces"),
        );
    }
    let hint = if info.contains("tab") {
        Some("yaml does not allow tabs for indentation: use spaces")
    } else if info.contains("quoted scalar") {
        Some("a quoted string is not closed: add the closing quote")
    } else {
        None
    };
    Problem::new(
        Mark::at(line, marker.col(), 1),
        format!("invalid yaml: {info}"),
        hint,
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::diagnostic::Span;

    fn read(text: &str) -> Read {
        read_yaml(text, &LineIndex::new(text))
    }

    #[test]
    fn an_unclosed_quote_is_reported_where_it_opens() {
        let outcome = read("name: \"abc\nsteps:\n  - a\n\n\n\n\n\n");
        assert!(outcome.fatal);
        assert_eq!(outcome.problems[0].mark.span, Span { line: 1, col: 7 });
    }

    #[test]
    fn decoding_drops_a_bom_and_positions_bad_bytes() {
        assert_eq!(decode(b"\xef\xbb\xbfname: x".to_vec()).unwrap(), "name: x");
        let (problem, _) = decode(b"name: x\nsteps: caf\xe9 au lait\n".to_vec()).unwrap_err();
        assert_eq!(problem.mark.span, Span { line: 2, col: 11 });
        assert!(problem.message.contains("`\\xe9`"), "{}", problem.message);
        let (problem, _) = decode(b"\r\x80".to_vec()).unwrap_err();
        assert_eq!(problem.mark.span, Span { line: 2, col: 1 });
        assert!(check_size(MAX_FILE_BYTES + 1).is_err());
        assert!(check_size(MAX_FILE_BYTES).is_ok());
    }
}
