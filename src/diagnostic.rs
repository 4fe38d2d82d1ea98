//! Problems in a file a person wrote (a scenario, `targets.yaml`, a tenant fixture), rendered like a
//! compiler's errors, and the one did-you-mean measure every such file shares.
//!
//! A [`Diagnostic`] names the file, the line and column, the offending source line with a caret underline, and
//! an optional hint (often "did you mean `expect`?"). Callers carry every problem found in one file so that a person
//! can fix them all in one go. Rendering is plain text: colour is the caller's business.

use std::fmt;

/// A position in a file: 1-based line and column (columns count characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Span {
    /// Line number, starting at 1.
    pub line: usize,
    /// Column number, starting at 1.
    pub col: usize,
}

impl fmt::Display for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.col)
    }
}

/// How serious a problem is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Severity {
    /// The file cannot be used as written.
    #[default]
    Error,
    /// The file works, but probably not as its author meant (a check that can never fail).
    Warning,
}

impl Severity {
    /// `error` or `warning`, as rendered.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// One problem in a file, with where it was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// An error (the default) or a warning.
    pub severity: Severity,
    /// The file as it should be shown to a person, e.g. `scenarios/mfa/otp.yaml`.
    pub file: String,
    /// Where the problem starts (1-based line and column, columns count characters).
    pub span: Span,
    /// What is wrong: lower-case, no trailing period, values in backticks.
    pub message: String,
    /// How to fix it, when we can tell.
    pub hint: Option<String>,
    /// The source line `span` points into, without its line break; `None` when the span is past the end.
    pub source_line: Option<String>,
    /// How many characters the caret underline covers (at least 1).
    pub width: usize,
}

impl Diagnostic {
    /// Builds a diagnostic for `span` in `text`, copying the source line so the diagnostic renders on its own.
    ///
    /// This walks `text` to find the line; a caller reporting many problems in one file uses a [`LineIndex`]
    /// and [`Diagnostic::with_source_line`] so that reporting stays linear in the file's size.
    pub fn new(file: &str, text: &str, span: Span, width: usize, message: String) -> Diagnostic {
        let source_line = span
            .line
            .checked_sub(1)
            .and_then(|idx| text.lines().nth(idx));
        Diagnostic::with_source_line(file, source_line, span, width, message)
    }

    /// Builds a diagnostic whose source line the caller already has (`None`: show no snippet).
    pub fn with_source_line(
        file: &str,
        source_line: Option<&str>,
        span: Span,
        width: usize,
        message: String,
    ) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            file: file.to_string(),
            span,
            message,
            hint: None,
            source_line: source_line.map(str::to_string),
            width: width.max(1),
        }
    }

    /// Makes this diagnostic a warning.
    pub fn warning(mut self) -> Diagnostic {
        self.severity = Severity::Warning;
        self
    }

    /// Adds a hint, shown on its own line under the snippet.
    pub fn with_hint(mut self, hint: impl Into<String>) -> Diagnostic {
        self.hint = Some(hint.into());
        self
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let line_number = self.span.line.to_string();
        let pad = " ".repeat(line_number.len());
        writeln!(f, "{}: {}", self.severity.as_str(), self.message)?;
        write!(f, "{pad}--> {}:{}", self.file, self.span)?;
        if let Some(source_line) = &self.source_line {
            writeln!(f)?;
            writeln!(f, "{pad} |")?;
            writeln!(f, "{line_number} | {source_line}")?;
            // Copy tabs from the source line so the caret lines up however tabs are displayed.
            let lead: String = source_line
                .chars()
                .take(self.span.col.saturating_sub(1))
                .map(|c| if c == '\t' { '\t' } else { ' ' })
                .collect();
            write!(f, "{pad} | {lead}{}", "^".repeat(self.width))?;
        }
        if let Some(hint) = &self.hint {
            write!(f, "\n{pad} = hint: {hint}")?;
        }
        Ok(())
    }
}

/// Sorts `diagnostics` by file, in the order each file first appears (a scenario's own problems come first,
/// then those of the flows it uses), then by position; drops repeats.
pub fn sort_by_file_then_position(diagnostics: &mut Vec<Diagnostic>) {
    let mut files: Vec<String> = Vec::new();
    for diagnostic in diagnostics.iter() {
        if !files.contains(&diagnostic.file) {
            files.push(diagnostic.file.clone());
        }
    }
    diagnostics.sort_by_key(|diagnostic| {
        let rank = files
            .iter()
            .position(|file| *file == diagnostic.file)
            .unwrap_or(usize::MAX);
        (rank, diagnostic.span)
    });
    diagnostics.dedup();
}

/// The lines of a text, found once, so that looking one up costs nothing (1-based numbers).
#[derive(Debug, Clone)]
pub struct LineIndex<'t> {
    text: &'t str,
    starts: Vec<usize>,
}

impl<'t> LineIndex<'t> {
    /// Indexes the lines of `text`. Lines end with `\n`, `\r\n` or a lone `\r`, as YAML's do, so that line
    /// numbers agree with a YAML parser's.
    pub fn new(text: &'t str) -> LineIndex<'t> {
        let bytes = text.as_bytes();
        let mut starts = vec![0];
        for (idx, byte) in bytes.iter().enumerate() {
            let ends_line = match byte {
                b'\n' => true,
                b'\r' => bytes.get(idx + 1) != Some(&b'\n'),
                _ => false,
            };
            if ends_line {
                starts.push(idx + 1);
            }
        }
        LineIndex { text, starts }
    }

    /// Line `number` (1-based) without its line end; `None` past the end of the text.
    pub fn line(&self, number: usize) -> Option<&'t str> {
        let start = *self.starts.get(number.checked_sub(1)?)?;
        if start >= self.text.len() {
            return None;
        }
        let end = self
            .starts
            .get(number)
            .map_or(self.text.len(), |next| next - 1);
        let line = &self.text[start..end];
        Some(line.strip_suffix('\r').unwrap_or(line))
    }

    /// How many lines the text has (a final line break does not start another one).
    pub fn len(&self) -> usize {
        self.starts
            .partition_point(|start| *start < self.text.len())
    }

    /// Whether the text is empty.
    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }
}

/// The candidate closest to `word`, if it is close enough to be a plausible typo.
pub fn did_you_mean<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let word = word.to_lowercase();
    candidates
        .iter()
        .map(|candidate| (strsim::osa_distance(&word, candidate), *candidate))
        .filter(|(distance, candidate)| *distance <= (candidate.chars().count() / 3).max(1))
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate)
}

/// `a`, `a` or `b`, `a`, `b` or `c`: the candidates in backticks, for hints.
pub fn one_of(candidates: &[&str]) -> String {
    let quoted: Vec<String> = candidates.iter().map(|c| format!("`{c}`")).collect();
    match quoted.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
    }
}

/// A value together with where it was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located<T> {
    /// The value.
    pub value: T,
    /// Where the value was written.
    pub span: Span,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_near_miss_keys() {
        let keys = ["name", "request", "expect", "capture", "otp", "clock"];
        assert_eq!(did_you_mean("expct", &keys), Some("expect"));
        assert_eq!(did_you_mean("reqeust", &keys), Some("request"));
        assert_eq!(did_you_mean("Name", &keys), Some("name"));
        assert_eq!(did_you_mean("regexp", &["equals", "regex"]), Some("regex"));
        assert_eq!(did_you_mean("stpes", &["name", "steps"]), Some("steps"));
    }

    #[test]
    fn does_not_suggest_unrelated_keys() {
        assert_eq!(did_you_mean("banana", &["name", "steps"]), None);
        assert_eq!(did_you_mean("headers", &["status", "schema", "body"]), None);
    }

    #[test]
    fn lists_candidates_in_prose() {
        assert_eq!(one_of(&["a"]), "`a`");
        assert_eq!(one_of(&["a", "b", "c"]), "`a`, `b` or `c`");
    }

    #[test]
    fn renders_snippet_caret_and_hint() {
        let text = "name: x\nsteps:\n  - name: use the code\n    expct:\n";
        let diagnostic = Diagnostic::new(
            "scenarios/a.yaml",
            text,
            Span { line: 4, col: 5 },
            5,
            "unknown key `expct`".to_string(),
        )
        .with_hint("did you mean `expect`?");
        let expected = "\
error: unknown key `expct`
 --> scenarios/a.yaml:4:5
  |
4 |     expct:
  |     ^^^^^
  = hint: did you mean `expect`?";
        assert_eq!(diagnostic.to_string(), expected);
    }

    #[test]
    fn line_index_finds_lines_like_str_lines() {
        for text in ["", "a", "a\n", "a\nb", "a\r\nb\r\n", "\n\nx", "é\nü\n"] {
            let index = LineIndex::new(text);
            let expected: Vec<&str> = text.lines().collect();
            assert_eq!(index.len(), expected.len(), "{text:?}");
            for (idx, line) in expected.iter().enumerate() {
                assert_eq!(index.line(idx + 1), Some(*line), "{text:?}");
            }
            assert_eq!(index.line(expected.len() + 1), None, "{text:?}");
            assert_eq!(index.line(0), None);
        }
        // A lone carriage return ends a line in YAML.
        let index = LineIndex::new("a\rb\r\nc");
        assert_eq!(index.len(), 3);
        assert_eq!(
            (index.line(1), index.line(2), index.line(3)),
            (Some("a"), Some("b"), Some("c"))
        );
    }

    #[test]
    fn warnings_render_as_warnings() {
        let diagnostic = Diagnostic::new(
            "a.yaml",
            "x: 1",
            Span { line: 1, col: 1 },
            1,
            "check can never fail".to_string(),
        )
        .warning();
        assert!(
            diagnostic
                .to_string()
                .starts_with("warning: check can never fail\n")
        );
    }

    #[test]
    fn renders_without_snippet_past_the_end() {
        let diagnostic = Diagnostic::new(
            "a.yaml",
            "",
            Span { line: 1, col: 1 },
            1,
            "scenario file is empty".to_string(),
        );
        assert_eq!(
            diagnostic.to_string(),
            "error: scenario file is empty\n --> a.yaml:1:1"
        );
    }
}
