//! Templates as the loader sees them: their syntax is checked with minijinja's own parser and every name they
//! read is recorded in the scenario's [`References`](crate::scenario::References), with where it is written.
//! Whether a name exists is not decided here: that needs the project (the validation stage).

use super::Loader;
use super::tree::Mark;
use crate::diagnostic::Span;
use crate::scenario::references::{NameUse, TemplateName};
use crate::template::{self, TemplateSyntaxError};

impl Loader<'_> {
    /// Checks the template syntax of `text` (a string the runner will render) and records the names it reads.
    /// Returns `false` after reporting a syntax error. Strings without `{{` or `{%` are not templates.
    pub(super) fn template(&mut self, text: &str, mark: Mark, what: &str) -> bool {
        if !template::is_template(text) {
            return true;
        }
        match template::referenced_names(text) {
            Ok(names) => {
                for dotted in names {
                    let (span, width) = self.locate_name(&dotted, mark);
                    self.references.names.push(NameUse {
                        name: TemplateName::from_dotted(&dotted),
                        step: self.step,
                        span,
                        width,
                    });
                }
                true
            }
            Err(error) => {
                self.report_template_error(&error, text, mark, what);
                false
            }
        }
    }

    fn report_template_error(
        &mut self,
        error: &TemplateSyntaxError,
        text: &str,
        mark: Mark,
        what: &str,
    ) {
        let hint = if error.unclosed {
            "close the expression, e.g. `{{ code }}`"
        } else {
            "templates are minijinja expressions such as `{{ users.email_user.email }}` or `{{ code | urlencode }}`"
        };
        let shown: String = text.chars().take(60).collect();
        let ellipsis = if text.chars().count() > 60 { "…" } else { "" };
        self.report(
            mark,
            format!(
                "invalid template in {what}: {} (in `{shown}{ellipsis}`)",
                error.message
            ),
            Some(hint.to_string()),
        );
    }

    /// Where `dotted` (or its first part) is written inside the value at `mark`, so a caret can point at the
    /// name itself; the whole value when it cannot be found on the value's first line.
    fn locate_name(&self, dotted: &str, mark: Mark) -> (Span, usize) {
        let fallback = (mark.span, mark.width);
        let Some(line) = self.lines.line(mark.span.line) else {
            return fallback;
        };
        let chars: Vec<char> = line.chars().collect();
        let start = mark.span.col.saturating_sub(1).min(chars.len());
        let end = (start + mark.width).min(chars.len());
        let value: String = chars[start..end].iter().collect();
        match find_word(&value, dotted) {
            Some(offset) => (
                Span {
                    line: mark.span.line,
                    col: mark.span.col + value[..offset].chars().count(),
                },
                dotted.chars().count(),
            ),
            None => fallback,
        }
    }
}

/// The byte offset of the first `word` in `text` that is not part of a longer name.
fn find_word(text: &str, word: &str) -> Option<usize> {
    let is_name_char = |c: char| c.is_alphanumeric() || c == '_' || c == '.';
    let mut from = 0;
    while let Some(found) = text[from..].find(word) {
        let start = from + found;
        let end = start + word.len();
        let before_ok = text[..start]
            .chars()
            .next_back()
            .is_none_or(|c| !is_name_char(c));
        let after_ok = text[end..].chars().next().is_none_or(|c| !is_name_char(c));
        if before_ok && after_ok {
            return Some(start);
        }
        from = start + word.len().max(1);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_whole_names_only() {
        assert_eq!(find_word("{{ code }}", "code"), Some(3));
        assert_eq!(find_word("{{ barcode }} {{ code }}", "code"), Some(17));
        assert_eq!(find_word("{{ users.a.b }}", "users.a"), None);
        assert_eq!(find_word("{{ users.a.b }}", "users.a.b"), Some(3));
        assert_eq!(find_word("nothing", "code"), None);
    }
}
