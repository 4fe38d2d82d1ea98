//! Every way a registered value can be written into text.
//!
//! Takes a value and gives a regular expression that accepts each of its characters raw,
//! percent-encoded (either hex case, doubly encoded too, `+` for a space), JSON- or YAML-escaped
//! (`\/`, `\"`, `\u00XX`, `\xXX`, escaped again inside another JSON string) or as an HTML entity — one character at a time, so every
//! mixture matches (`| urlencode` keeps `/`, forms turn a space into `+`, `| tojson` escapes `<`).
//! Base64 cannot be matched that way (each output character mixes bits of two input characters,
//! so `base64(id:secret)` does not contain `base64(secret)`): [`base64_runs`] finds runs of
//! base64 in a text and decodes them, at any alignment and in either alphabet, so the caller can
//! look for registered values inside. Nothing here knows which values are secret.

use std::ops::Range;

use base64::Engine as _;
use base64::alphabet::STANDARD;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

/// A regex (without anchors) matching `value` written in any of the encodings above.
pub fn variants_pattern(value: &str) -> String {
    let mut pattern = String::from("(?:");
    for character in value.chars() {
        let mut forms = vec![regex::escape(character.encode_utf8(&mut [0; 4]))];
        let mut bytes = [0; 4];
        let utf8 = character.encode_utf8(&mut bytes).as_bytes();
        forms.push(utf8.iter().map(|byte| percent(*byte, "%")).collect());
        forms.push(utf8.iter().map(|byte| percent(*byte, "%25")).collect());
        if character == ' ' {
            forms.push(r"\+".to_owned());
        }
        let code = u32::from(character);
        if character.is_ascii() {
            // One backslash or more: a JSON string inside a JSON string escapes the escape.
            forms.push(format!(r"\\+u00{}", hex_any_case(code, 2)));
            if !character.is_ascii_alphanumeric() {
                forms.push(format!(r"\\+x{}", hex_any_case(code, 2)));
                forms.push(format!("&#0*{code};"));
                forms.push(format!("&#[xX]0*{};", hex_any_case(code, 2)));
            }
            if let Some(escaped) = short_escape(character) {
                forms.push(escaped.to_owned());
            }
        } else {
            let mut units = [0; 2];
            let escaped: String = character
                .encode_utf16(&mut units)
                .iter()
                .map(|unit| format!(r"\\+u{}", hex_any_case(u32::from(*unit), 4)))
                .collect();
            forms.push(escaped);
        }
        pattern.push_str("(?:");
        pattern.push_str(&forms.join("|"));
        pattern.push(')');
    }
    pattern.push(')');
    pattern
}

/// `%2F` as `%2[Ff]`: encoders differ in the case of their hex digits.
fn percent(byte: u8, prefix: &str) -> String {
    format!("{prefix}{}", hex_any_case(u32::from(byte), 2))
}

fn hex_any_case(number: u32, width: usize) -> String {
    format!("{number:0width$X}")
        .chars()
        .map(|digit| {
            if digit.is_ascii_digit() {
                digit.to_string()
            } else {
                format!("[{digit}{}]", digit.to_ascii_lowercase())
            }
        })
        .collect()
}

/// The one-letter escapes of JSON, YAML and HTML for a character, as regex text.
fn short_escape(character: char) -> Option<&'static str> {
    Some(match character {
        '"' => r#"\\+"|&quot;"#,
        '\\' => r"(?:\\\\)+",
        '/' => r"\\+/",
        '\n' => r"\\+n",
        '\r' => r"\\+r",
        '\t' => r"\\+t",
        '&' => "&amp;",
        '<' => "&lt;",
        '>' => "&gt;",
        '\'' => "&apos;",
        _ => return None,
    })
}

/// Runs shorter than this are not worth decoding: four bytes of secret need six characters.
const MIN_RUN: usize = 6;

/// A run of base64 in a text: where it is, and what it decodes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Base64Run {
    /// The run's bytes in the text, padding included.
    pub range: Range<usize>,
    /// The run in the standard alphabet, without padding (percent-encoded `+`, `/` decoded).
    normalized: Vec<u8>,
    /// For each normalized character, where it starts in the text.
    starts: Vec<usize>,
}

impl Base64Run {
    /// What the run decodes to when the encoding starts `offset` characters into it (0–3, since
    /// a run glued to other letters may start anywhere), or `None` when nothing is left.
    pub fn decode_at(&self, offset: usize) -> Option<Vec<u8>> {
        let mut part = self.normalized.get(offset..)?;
        if part.len() % 4 == 1 {
            part = &part[..part.len() - 1];
        }
        if part.len() < 2 {
            return None;
        }
        lenient().decode(part).ok()
    }

    /// The text position of normalized character `index` (the run's end when past it).
    pub fn position(&self, index: usize) -> usize {
        self.starts.get(index).copied().unwrap_or(self.range.end)
    }

    /// How many base64 characters the run has.
    pub fn len(&self) -> usize {
        self.normalized.len()
    }
}

/// A decoder that accepts what encoders produce in practice: padding or none, and stray bits at
/// the end of a run that was cut or glued to other text.
fn lenient() -> GeneralPurpose {
    GeneralPurpose::new(
        &STANDARD,
        GeneralPurposeConfig::new()
            .with_decode_padding_mode(DecodePaddingMode::Indifferent)
            .with_decode_allow_trailing_bits(true),
    )
}

/// Every run of base64 characters (either alphabet; `%2B`, `%2F` and `%3D` count as `+`, `/` and
/// `=`) at least six characters long, in text order.
pub fn base64_runs(text: &[u8]) -> Vec<Base64Run> {
    let mut runs = Vec::new();
    let mut index = 0;
    while index < text.len() {
        let start = index;
        let mut normalized = Vec::new();
        let mut starts = Vec::new();
        while let Some((character, width)) = base64_char(&text[index..]) {
            normalized.push(character);
            starts.push(index);
            index += width;
        }
        while let Some(width) = padding(&text[index..]) {
            index += width;
        }
        if normalized.len() >= MIN_RUN {
            runs.push(Base64Run {
                range: start..index,
                normalized,
                starts,
            });
        }
        if index == start {
            index += 1;
        }
    }
    runs
}

/// The base64 character (standard alphabet) at the start of `text`, and how many bytes it takes.
fn base64_char(text: &[u8]) -> Option<(u8, usize)> {
    match text.first()? {
        byte @ (b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'+' | b'/') => Some((*byte, 1)),
        b'-' => Some((b'+', 1)),
        b'_' => Some((b'/', 1)),
        b'%' => match text.get(1..3)? {
            [b'2', b'B' | b'b'] => Some((b'+', 3)),
            [b'2', b'F' | b'f'] => Some((b'/', 3)),
            _ => None,
        },
        _ => None,
    }
}

fn padding(text: &[u8]) -> Option<usize> {
    match text {
        [b'=', ..] => Some(1),
        [b'%', b'3', b'D' | b'd', ..] => Some(3),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use base64::engine::general_purpose::{STANDARD as B64, URL_SAFE_NO_PAD};

    fn matches(value: &str, text: &str) -> bool {
        let regex = regex::Regex::new(&variants_pattern(value)).unwrap();
        regex.is_match(text)
    }

    #[test]
    fn every_mixture_of_encodings_matches() {
        let value = "a/b c+d<é>";
        for text in [
            "a/b c+d<é>",
            "a%2Fb%20c%2Bd%3C%C3%A9%3E",
            "a%2fb+c%2bd%3c%c3%a9%3e",
            "a/b%20c%2Bd%3C%C3%A9%3E", // minijinja's urlencode keeps `/`
            r"a\/b c+d\u003c\u00e9\u003E", // JSON, HTML-safe
            "a/b c+d&lt;é&gt;",
            "a%252Fb c+d<é>",
            r"a\\/b c+d\\u003c\\u00e9\\u003e", // JSON inside a JSON string
        ] {
            assert!(matches(value, text), "{text}");
        }
        assert!(!matches(value, "a/b c+d<e>"));
    }

    #[test]
    fn base64_is_found_at_any_alignment_in_either_alphabet() {
        let secret = b"id:s3cr3t/with?odd+chars";
        for encoded in [B64.encode(secret), URL_SAFE_NO_PAD.encode(secret)] {
            for prefix in ["", "x", "xy", "xyz"] {
                let text = format!("Basic {prefix}{encoded}.");
                let runs = base64_runs(text.as_bytes());
                let found = runs.iter().any(|run| {
                    (0..4).any(|offset| {
                        run.decode_at(offset)
                            .is_some_and(|bytes| bytes.windows(6).any(|w| w == b"s3cr3t"))
                    })
                });
                assert!(found, "{text}");
            }
        }
    }

    #[test]
    fn percent_encoded_base64_is_one_run() {
        let text = format!(
            "q={}",
            B64.encode(b"\xfb\xff secret??")
                .replace('+', "%2B")
                .replace('/', "%2F")
                .replace('=', "%3D")
        );
        let runs = base64_runs(text.as_bytes());
        let last = runs.last().unwrap();
        assert_eq!(last.range.end, text.len());
        assert_eq!(last.decode_at(0).unwrap(), b"\xfb\xff secret??");
    }
}
