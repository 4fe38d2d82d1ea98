//! Every way a registered value can be written into text.
//!
//! Encoders rewrite characters one at a time, and each in its own way: percent-encoding (either
//! hex case, `/` kept or not, doubly encoded), JSON and YAML escapes (`\/`, `\"`, `\u00XX`,
//! `\xXX`, escaped again inside another JSON string, as `| tojson` in a JSON body gives), HTML
//! entities. Rather than spell out every mixture for every value, [`decode_view`] undoes them all
//! in the text, remembering where each decoded byte came from, so a plain search for the value
//! finds it however it was written; [`search_forms`] adds the one form decoding cannot settle (a
//! space written as `+`). Base64 cannot be undone in place (each output character mixes bits of
//! two input characters, so `base64(id:secret)` does not contain `base64(secret)`):
//! [`base64_runs`] finds runs of base64 in a text and decodes them, at any alignment and in either
//! alphabet, so the caller can look for values inside. Nothing here knows which values are secret.

use std::ops::Range;

use base64::Engine as _;
use base64::alphabet::STANDARD;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

/// Text with every encoded character decoded, and for each decoded byte the bytes of the text
/// it came from.
#[derive(Debug, Clone)]
pub struct Decoded {
    /// The decoded bytes.
    pub bytes: Vec<u8>,
    /// For each decoded byte, where it came from in the text.
    spans: Vec<(usize, usize)>,
    /// Whether anything was decoded at all (else the view is the text itself, and `bytes` may
    /// be left empty).
    pub changed: bool,
}

impl Decoded {
    /// The bytes of the text that decoded to `range` of the view.
    pub fn source_range(&self, range: Range<usize>) -> Range<usize> {
        let start = self.spans.get(range.start).map_or(0, |span| span.0);
        let end = range
            .end
            .checked_sub(1)
            .and_then(|last| self.spans.get(last))
            .map_or(start, |span| span.1);
        start..end
    }
}

/// The forms of `value` to look for in a decoded view: the value, and (when it has spaces) the
/// value with `+` for each space, as forms and query strings write it.
pub fn search_forms(value: &str) -> Vec<String> {
    let mut forms = vec![value.to_owned()];
    if value.contains(' ') {
        forms.push(value.replace(' ', "+"));
    }
    forms
}

/// Undoes percent-encoding (`%2F`, `%2f`, `%252F`), JSON and YAML escapes (`\"`, `\/`, `\n`,
/// `\u003c`, `\xE9`, with any number of backslashes) and HTML entities (`&amp;`, `&#47;`,
/// `&#x2F;`) everywhere in `text`.
pub fn decode_view(text: &[u8]) -> Decoded {
    if !text.iter().any(|byte| matches!(byte, b'%' | b'\\' | b'&')) {
        // Nothing to decode (most text): the view is the text.
        return Decoded {
            bytes: Vec::new(),
            spans: Vec::new(),
            changed: false,
        };
    }
    let mut view = Decoded {
        bytes: Vec::with_capacity(text.len()),
        spans: Vec::with_capacity(text.len()),
        changed: false,
    };
    let mut index = 0;
    while index < text.len() {
        match decode_unit(&text[index..]) {
            Some((decoded, width)) => {
                for byte in decoded.as_bytes() {
                    view.bytes.push(*byte);
                    view.spans.push((index, index + width));
                }
                view.changed = true;
                index += width;
            }
            None => {
                view.bytes.push(text[index]);
                view.spans.push((index, index + 1));
                index += 1;
            }
        }
    }
    view
}

/// One encoded character at the start of `text`: what it decodes to and how many bytes it takes.
fn decode_unit(text: &[u8]) -> Option<(Unit, usize)> {
    match text.first()? {
        b'%' => {
            if text.get(1..3) == Some(b"25")
                && let Some(byte) = text.get(3..5).and_then(hex_byte)
            {
                return Some((Unit::byte(byte), 5));
            }
            Some((Unit::byte(hex_byte(text.get(1..3)?)?), 3))
        }
        b'\\' => {
            let slashes = text.iter().take_while(|byte| **byte == b'\\').count();
            let rest = &text[slashes..];
            let single = |byte: u8| Some((Unit::byte(byte), slashes + 1));
            match rest.first() {
                Some(b'u') => {
                    let unit = hex_u16(rest.get(1..5)?)?;
                    let width = slashes + 5;
                    if (0xD800..0xDC00).contains(&unit) {
                        // A surrogate pair: `\uD83D\uDE00`, the second with as many backslashes.
                        let low_at = &text[width..];
                        let low_slashes = low_at.iter().take_while(|byte| **byte == b'\\').count();
                        let low = low_at.get(low_slashes..)?;
                        if low.first() != Some(&b'u') {
                            return None;
                        }
                        let low_unit = hex_u16(low.get(1..5)?)?;
                        let character = char::decode_utf16([unit, low_unit]).next()?.ok()?;
                        return Some((Unit::char(character), width + low_slashes + 5));
                    }
                    Some((Unit::char(char::from_u32(u32::from(unit))?), width))
                }
                Some(b'x') => Some((Unit::byte(hex_byte(rest.get(1..3)?)?), slashes + 3)),
                Some(b'"') => single(b'"'),
                Some(b'/') => single(b'/'),
                Some(b'\'') => single(b'\''),
                Some(b'n') => single(b'\n'),
                Some(b'r') => single(b'\r'),
                Some(b't') => single(b'\t'),
                Some(b'b') => single(0x08),
                Some(b'f') => single(0x0c),
                // `\\` is an escaped backslash, however deep.
                _ if slashes >= 2 => Some((Unit::byte(b'\\'), slashes)),
                _ => None,
            }
        }
        b'&' => {
            let end = text.iter().take(12).position(|byte| *byte == b';')?;
            let name = std::str::from_utf8(&text[1..end]).ok()?;
            let character = match name {
                "amp" => '&',
                "lt" => '<',
                "gt" => '>',
                "quot" => '"',
                "apos" => '\'',
                _ => {
                    let number = name.strip_prefix('#')?;
                    let code = match number.strip_prefix(['x', 'X']) {
                        Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                        None => number.parse().ok()?,
                    };
                    char::from_u32(code)?
                }
            };
            Some((Unit::char(character), end + 1))
        }
        _ => None,
    }
}

/// A decoded character, as UTF-8 (or a single byte of a percent-encoded sequence).
struct Unit {
    bytes: [u8; 4],
    len: usize,
}

impl Unit {
    fn byte(byte: u8) -> Unit {
        Unit {
            bytes: [byte, 0, 0, 0],
            len: 1,
        }
    }

    fn char(character: char) -> Unit {
        let mut bytes = [0; 4];
        let len = character.encode_utf8(&mut bytes).len();
        Unit { bytes, len }
    }

    fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len]
    }
}

fn hex_byte(digits: &[u8]) -> Option<u8> {
    if digits.len() != 2 || !digits.iter().all(u8::is_ascii_hexdigit) {
        return None;
    }
    u8::from_str_radix(std::str::from_utf8(digits).ok()?, 16).ok()
}

fn hex_u16(digits: &[u8]) -> Option<u16> {
    if digits.len() != 4 || !digits.iter().all(u8::is_ascii_hexdigit) {
        return None;
    }
    u16::from_str_radix(std::str::from_utf8(digits).ok()?, 16).ok()
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

    /// Whether `value` is found in `text` once decoded, and where.
    fn find(value: &str, text: &str) -> Option<Range<usize>> {
        let view = decode_view(text.as_bytes());
        search_forms(value).iter().find_map(|form| {
            let position = |bytes: &[u8]| {
                bytes
                    .windows(form.len())
                    .position(|window| window == form.as_bytes())
            };
            if !view.changed {
                return position(text.as_bytes()).map(|at| at..at + form.len());
            }
            position(&view.bytes).map(|at| view.source_range(at..at + form.len()))
        })
    }

    #[test]
    fn every_mixture_of_encodings_is_found() {
        let value = "a/b c+d<é>";
        for text in [
            "a/b c+d<é>",
            "a%2Fb%20c%2Bd%3C%C3%A9%3E",
            "a%2fb+c%2bd%3c%c3%a9%3e",
            "a/b%20c%2Bd%3C%C3%A9%3E", // minijinja's urlencode keeps `/`
            r"a\/b c+d\u003c\u00e9\u003E", // JSON, HTML-safe
            r"a\\/b c+d\\u003c\\u00e9\\u003e", // JSON inside a JSON string
            "a/b c+d&lt;é&gt;",
            "a&#47;b c+d&#x3C;é&#62;",
            "a%252Fb c+d<é>",
        ] {
            assert!(find(value, text).is_some(), "{text}");
        }
        assert!(find(value, "a/b c+d<e>").is_none());
    }

    #[test]
    fn a_match_maps_back_to_the_encoded_text() {
        let text = "x=a%2Fb&y";
        assert_eq!(find("a/b", text), Some(2..7));
        let text = r"got \ud83d\ude00!";
        assert_eq!(find("😀", text), Some(4..16));
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
