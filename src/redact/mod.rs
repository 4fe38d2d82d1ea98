//! Secrets and per-run values out of everything we show.
//!
//! Takes the values a run must never print (client secrets, codes, tokens, captures — registered
//! with [`Redactor::add`], or learned from the fields that carry them with
//! [`Redactor::learn_json`] and friends) and the values that change from run to run (generated
//! identities, the mock's port — [`Redactor::add_volatile`]), and gives text with both replaced by
//! stable placeholders such as `[otp:code]`. Redaction runs on complete text, where it leaves the
//! program, so a value is found whatever was composed around it:
//!
//! - registered values in every encoding (`encodings`): the text is searched as written and
//!   with percent-encoding, JSON/YAML escapes and HTML entities undone, and every run of base64 in
//!   it is decoded to look inside (so `Basic base64(id:secret)` is found although it does not
//!   contain `base64(secret)`);
//! - values in a credential's place, registered or not (`rules`): URL passwords, secret query and
//!   form fields, `otpauth://` secrets, `Bearer`/`Basic` credentials, JWT-shaped strings;
//! - in JSON documents, fields that always hold a secret or a per-run value, by name
//!   (`access_token`, `mfa_token`, `_id`, …); JWTs are shown as their decoded header and claims.
//!
//! Transcripts and snapshots hide both kinds ([`Redactor::redact_str`]); messages for people hide
//! secrets but keep hosts and test identities, which are not secret and say where to look
//! ([`Redactor::redact_message`]).

mod encodings;
mod json;
mod learn;
mod names;
mod rules;

use std::ops::Range;
use std::sync::{Arc, OnceLock};

pub use json::decode_jwt;
pub use names::{SECRET_FIELDS, TOKEN_FIELDS, is_credential_name, is_secret_field};

/// Fields whose value differs on every run but is not secret.
const VOLATILE_KEYS: &[&str] = &["_id", "sent_at", "now"];

/// JWT claims that are times.
const TIME_CLAIMS: &[&str] = &["iat", "exp", "nbf", "auth_time", "updated_at"];

/// JWT claims that are per-run identifiers (`picture` is keyed by a hash of the per-run e-mail).
const ID_CLAIMS: &[&str] = &["jti", "sid", "nonce", "at_hash", "c_hash", "picture"];

/// Registered values shorter than this are ignored: replacing them would garble ordinary text.
const MIN_REGISTERED: usize = 4;

/// Learned values (found by field name, not named by anyone) shorter than this are ignored: a
/// secret field holding `true` or `123` says nothing worth hiding elsewhere.
const MIN_LEARNED: usize = 6;

/// How deep base64 inside base64 is decoded.
const BASE64_DEPTH: usize = 2;

/// Whether a value is a secret or merely changes from run to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Never shown.
    Secret,
    /// Hidden in transcripts and snapshots (for stability), shown in messages.
    Volatile,
}

#[derive(Debug, Clone)]
struct Entry {
    value: String,
    placeholder: String,
    kind: Kind,
    /// Named by whoever registered it (a client role, a capture), not only found by where it
    /// stood: such a name is kept; a found value takes the first name given to it.
    named: bool,
}

/// Replaces secrets and per-run values with stable placeholders.
///
/// ```
/// use passwordless_conformance::redact::Redactor;
///
/// let mut redactor = Redactor::new();
/// redactor.add("s3cret/value", "[clients.web.client_secret]");
/// redactor.add_volatile("regular-web-app", "[clients.web.client_id]");
/// // Percent-encoded, or inside `Basic base64(id:secret)`: found either way.
/// assert_eq!(
///     redactor.redact_str("q=s3cret%2Fvalue"),
///     "q=[clients.web.client_secret]"
/// );
/// let header = "Basic cmVndWxhci13ZWItYXBwOnMzY3JldC92YWx1ZQ==";
/// assert_eq!(
///     redactor.redact_str(header),
///     "Basic base64([clients.web.client_id]:[clients.web.client_secret])"
/// );
/// // Messages keep what is not secret, so a person can tell where to look.
/// assert_eq!(
///     redactor.redact_message(header),
///     "Basic base64(regular-web-app:[clients.web.client_secret])"
/// );
/// ```
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    /// Longest value first, so a value that contains another is replaced whole.
    entries: Vec<Entry>,
    /// The matcher of every entry, built on first use after a change.
    every_value: OnceLock<Arc<Matcher>>,
    /// The matcher of the secret entries only.
    secret_values: OnceLock<Arc<Matcher>>,
}

/// Which values a redaction hides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Secrets and per-run values: transcripts and snapshots.
    Everything,
    /// Secrets only: messages for people.
    Secrets,
}

/// Every registered value, in one automaton searched over a text and over its decoded view
/// (`encodings::decode_view`), so that every encoding is found in one pass.
#[derive(Debug)]
struct Matcher {
    automaton: Option<aho_corasick::AhoCorasick>,
    /// The placeholder of each pattern of the automaton.
    placeholders: Vec<String>,
}

impl Matcher {
    fn build(entries: &[&Entry]) -> Matcher {
        let mut patterns = Vec::new();
        let mut placeholders = Vec::new();
        for entry in entries {
            for form in encodings::search_forms(&entry.value) {
                patterns.push(form);
                placeholders.push(entry.placeholder.clone());
            }
        }
        let automaton = aho_corasick::AhoCorasick::builder()
            .match_kind(aho_corasick::MatchKind::LeftmostLongest)
            .kind(Some(aho_corasick::AhoCorasickKind::ContiguousNFA))
            .build(&patterns)
            .ok();
        Matcher {
            automaton,
            placeholders,
        }
    }

    fn is_match(&self, bytes: &[u8]) -> bool {
        let Some(automaton) = &self.automaton else {
            return false;
        };
        if automaton.is_match(bytes) {
            return true;
        }
        let view = encodings::decode_view(bytes);
        view.changed && automaton.is_match(&view.bytes)
    }

    /// Every match in `text` (as written, and decoded) with its placeholder.
    fn find(&self, text: &str) -> Vec<(Range<usize>, String)> {
        let Some(automaton) = &self.automaton else {
            return Vec::new();
        };
        let placeholder = |index: aho_corasick::PatternID| {
            self.placeholders
                .get(index.as_usize())
                .cloned()
                .unwrap_or_default()
        };
        let mut found: Vec<(Range<usize>, String)> = automaton
            .find_iter(text)
            .map(|found| (found.range(), placeholder(found.pattern())))
            .collect();
        let view = encodings::decode_view(text.as_bytes());
        if view.changed {
            found.extend(automaton.find_iter(&view.bytes).map(|found| {
                (
                    view.source_range(found.range()),
                    placeholder(found.pattern()),
                )
            }));
        }
        found
    }
}

impl Redactor {
    /// A redactor that knows no values yet (the rules and key rules still apply).
    pub fn new() -> Redactor {
        Redactor::default()
    }

    /// A redactor that knows the values of the environment variables whose names say they hold a
    /// credential (`…SECRET`, `…_TOKEN`, `…AUTHORIZATION`, …), for text produced before any
    /// target is known.
    pub fn from_environment() -> Redactor {
        let mut redactor = Redactor::new();
        for (name, value) in std::env::vars() {
            if is_credential_name(&name) && value.chars().count() >= 8 {
                redactor.add(&value, &format!("[env.{name}]"));
            }
        }
        redactor
    }

    /// Registers a secret `value` to be shown as `placeholder`, in every encoding. The first name
    /// given to a value stays, except that a name replaces one the value only had from where it
    /// was found (a capture's name says more than the field it came from). Values shorter than
    /// four characters are ignored: replacing them would garble ordinary text, and they are too
    /// short to be secrets worth hiding.
    pub fn add(&mut self, value: &str, placeholder: &str) {
        self.register(value, placeholder, Kind::Secret, MIN_REGISTERED, true);
    }

    /// Registers a secret with a name that any later [`Redactor::add`] replaces: for values known
    /// to be secret before anyone says what they are (a profile's secret variables).
    pub fn add_fallback(&mut self, value: &str, placeholder: &str) {
        self.register(value, placeholder, Kind::Secret, MIN_REGISTERED, false);
    }

    /// Registers a value that is not secret but differs from run to run (a generated e-mail
    /// address, the mock's URL, a client id): hidden in transcripts and snapshots so they stay
    /// stable, shown in messages, where it tells a person where to look.
    pub fn add_volatile(&mut self, value: &str, placeholder: &str) {
        self.register(value, placeholder, Kind::Volatile, MIN_REGISTERED, true);
    }

    /// Registers a secret found in a credential's place (see [`Redactor::add_fallback`]); values
    /// shorter than six characters are ignored.
    pub fn learn(&mut self, value: &str, placeholder: &str) {
        self.register(value, placeholder, Kind::Secret, MIN_LEARNED, false);
    }

    fn register(&mut self, value: &str, placeholder: &str, kind: Kind, min: usize, named: bool) {
        if value.chars().count() < min {
            return;
        }
        if let Some(entry) = self.entries.iter_mut().find(|entry| entry.value == value) {
            let upgrade = kind == Kind::Secret && entry.kind == Kind::Volatile;
            let rename = named && !entry.named;
            if !rename && !upgrade {
                return;
            }
            if rename {
                entry.placeholder = placeholder.to_owned();
                entry.named = true;
            }
            if upgrade {
                entry.kind = Kind::Secret;
            }
        } else {
            self.entries.push(Entry {
                value: value.to_owned(),
                placeholder: placeholder.to_owned(),
                kind,
                named,
            });
            self.entries.sort_by(|a, b| {
                b.value
                    .len()
                    .cmp(&a.value.len())
                    .then_with(|| a.value.cmp(&b.value))
            });
        }
        self.every_value = OnceLock::new();
        self.secret_values = OnceLock::new();
    }

    /// Replaces every secret and per-run value inside `text` (for transcripts and snapshots).
    pub fn redact_str(&self, text: &str) -> String {
        self.redact(text, Mode::Everything, BASE64_DEPTH, &placeholder_text)
    }

    /// Replaces every secret inside `text`, keeping hosts and test identities (for messages to
    /// people, after the message is complete).
    pub fn redact_message(&self, text: &str) -> String {
        self.redact(text, Mode::Secrets, BASE64_DEPTH, &placeholder_text)
    }

    /// As [`Redactor::redact_message`], but each hidden value is shown as `shown` says: for text
    /// that must stay usable, such as a shell command where a secret becomes `${VARIABLE}`.
    ///
    /// ```
    /// use passwordless_conformance::redact::{Hidden, Redactor};
    ///
    /// let mut redactor = Redactor::new();
    /// redactor.add("s3cret-value", "[capture:mfa_token]");
    /// let shown = redactor.redact_message_with("mfa_token=s3cret-value", &|hidden| match hidden {
    ///     Hidden::Value(placeholder) => format!("<{placeholder}>"),
    ///     Hidden::Base64(text) => format!("b64<{text}>"),
    ///     Hidden::Opaque => "<opaque>".to_owned(),
    /// });
    /// assert_eq!(shown, "mfa_token=<[capture:mfa_token]>");
    /// ```
    pub fn redact_message_with(&self, text: &str, shown: &dyn Fn(Hidden<'_>) -> String) -> String {
        self.redact(text, Mode::Secrets, BASE64_DEPTH, shown)
    }

    /// `text` for a message: secrets replaced first, then shortened to `max_chars` characters, so
    /// that cutting never turns a secret into a fragment nothing recognises.
    pub fn excerpt(&self, text: &str, max_chars: usize) -> String {
        let redacted = self.redact_message(text);
        if redacted.chars().count() > max_chars {
            let short: String = redacted.chars().take(max_chars).collect();
            format!("{short}…")
        } else {
            redacted
        }
    }

    fn matcher(&self, mode: Mode) -> Arc<Matcher> {
        let (cell, kinds): (_, &[Kind]) = match mode {
            Mode::Everything => (&self.every_value, &[Kind::Secret, Kind::Volatile]),
            Mode::Secrets => (&self.secret_values, &[Kind::Secret]),
        };
        Arc::clone(cell.get_or_init(|| {
            let entries: Vec<&Entry> = self
                .entries
                .iter()
                .filter(|entry| kinds.contains(&entry.kind))
                .collect();
            Arc::new(Matcher::build(&entries))
        }))
    }

    fn redact(
        &self,
        text: &str,
        mode: Mode,
        depth: usize,
        shown: &dyn Fn(Hidden<'_>) -> String,
    ) -> String {
        let matcher = self.matcher(mode);
        let mut replacements = Vec::new();
        if depth > 0 {
            for run in encodings::base64_runs(text.as_bytes()) {
                if let Some(replacement) =
                    self.base64_replacement(&run, &matcher, mode, depth, shown)
                {
                    replacements.push(replacement);
                }
            }
        }
        let value = |(range, placeholder): (Range<usize>, String)| {
            (range, shown(Hidden::Value(&placeholder)))
        };
        replacements.extend(matcher.find(text).into_iter().map(value));
        replacements.extend(
            rules::find(text)
                .into_iter()
                .map(|found| value((found.range, found.placeholder))),
        );
        splice(text, replacements)
    }

    /// What a run of base64 becomes when it holds a value to hide: `base64(<its text, redacted>)`,
    /// or a placeholder when it decodes to something other than text.
    fn base64_replacement(
        &self,
        run: &encodings::Base64Run,
        matcher: &Matcher,
        mode: Mode,
        depth: usize,
        shown: &dyn Fn(Hidden<'_>) -> String,
    ) -> Option<(Range<usize>, String)> {
        let holds = |offset: usize| {
            run.decode_at(offset)
                .is_some_and(|bytes| self.holds_hidden(&bytes, matcher, mode, depth - 1))
        };
        let text_at = |offset: usize| {
            run.decode_at(offset)
                .and_then(|bytes| String::from_utf8(bytes).ok())
                .filter(|text| !text.chars().any(|c| c.is_control() && !c.is_whitespace()))
        };
        let mut start = (0..4).find(|offset| holds(*offset))?;
        // Text glued in front of the encoding decodes to garbage: leave out whole groups of it
        // (each group of four decodes on its own) until the rest reads as text, when the run is
        // small enough to try.
        if run.len() <= 4096 {
            while text_at(start).is_none() && holds(start + 4) {
                start += 4;
            }
        }
        let shown = match text_at(start) {
            Some(decoded) => shown(Hidden::Base64(self.redact(
                &decoded,
                mode,
                depth - 1,
                shown,
            ))),
            None => shown(Hidden::Opaque),
        };
        Some((run.position(start)..run.range.end, shown))
    }

    fn holds_hidden(&self, bytes: &[u8], matcher: &Matcher, mode: Mode, depth: usize) -> bool {
        if matcher.is_match(bytes) {
            return true;
        }
        let Ok(text) = std::str::from_utf8(bytes) else {
            return false;
        };
        if !rules::find(text).is_empty() {
            return true;
        }
        depth > 0
            && encodings::base64_runs(bytes).iter().any(|run| {
                self.base64_replacement(run, matcher, mode, depth, &placeholder_text)
                    .is_some()
            })
    }
}

/// A hidden value, as [`Redactor::redact_message_with`] asks its caller to show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Hidden<'a> {
    /// A value in place of which a placeholder such as `[otp:code]` is shown.
    Value(&'a str),
    /// A run of base64 whose decoded text holds a hidden value: that text, already redacted
    /// (shown by default as `base64(<text>)`).
    Base64(String),
    /// A run of base64 holding a hidden value that does not decode to text.
    Opaque,
}

/// How [`Redactor::redact_str`] and [`Redactor::redact_message`] show a hidden value.
fn placeholder_text(hidden: Hidden<'_>) -> String {
    match hidden {
        Hidden::Value(placeholder) => placeholder.to_owned(),
        Hidden::Base64(text) => format!("base64({text})"),
        Hidden::Opaque => "[base64 holding a secret]".to_owned(),
    }
}

/// Applies `replacements` (ranges of `text` and what to show instead). Where ranges overlap,
/// the one starting first wins and grows to cover the other, so no part of a hidden value is
/// left showing; at the same start the longer wins, then the one listed first.
fn splice(text: &str, mut replacements: Vec<(Range<usize>, String)>) -> String {
    if replacements.is_empty() {
        return text.to_owned();
    }
    // A stable sort keeps registered values (listed before rules) ahead at equal ranges.
    replacements.sort_by_key(|(range, _)| (range.start, std::cmp::Reverse(range.end)));
    let mut merged: Vec<(Range<usize>, String)> = Vec::new();
    for (range, placeholder) in replacements {
        match merged.last_mut() {
            Some((last, _)) if range.start < last.end => last.end = last.end.max(range.end),
            _ => merged.push((range, placeholder)),
        }
    }
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for (range, placeholder) in merged {
        // Ranges come from byte regexes and may, in odd text, fall inside a character: widen
        // them to whole characters rather than leave a part showing.
        let mut start = range.start.clamp(at, text.len());
        while start > at && !text.is_char_boundary(start) {
            start -= 1;
        }
        let mut end = range.end.clamp(start, text.len());
        while !text.is_char_boundary(end) {
            end += 1;
        }
        out.push_str(&text[at..start]);
        out.push_str(&placeholder);
        at = end;
    }
    out.push_str(&text[at..]);
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use base64::Engine as _;
    use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};

    #[test]
    fn registered_values_are_replaced_in_every_encoding() {
        let mut redactor = Redactor::new();
        redactor.add_volatile("qa+x1@example.com", "[users.email_user.email]");
        redactor.add("canary-secret", "[secret]");
        assert_eq!(
            redactor.redact_str("to qa+x1@example.com or qa%2Bx1%40example.com"),
            "to [users.email_user.email] or [users.email_user.email]"
        );
        assert_eq!(
            redactor.redact_str(&format!("b64 {}", STANDARD.encode("canary-secret"))),
            "b64 base64([secret])"
        );
    }

    #[test]
    fn strictly_percent_encoded_values_are_replaced_too() {
        let mut redactor = Redactor::new();
        redactor.add("Fe26.2**abc*d", "[capture:oob_code]");
        assert_eq!(
            redactor.redact_str("/__mock/push/Fe26.2%2A%2Aabc%2Ad/approve"),
            "/__mock/push/[capture:oob_code]/approve"
        );
    }

    #[test]
    fn composite_base64_is_found_although_it_does_not_contain_the_secret_s_own() {
        let mut redactor = Redactor::new();
        redactor.add_volatile("regular-web-app", "[clients.web.client_id]");
        redactor.add("s3cret/with+odd chars", "[clients.web.client_secret]");
        let composite = STANDARD.encode("regular-web-app:s3cret/with+odd chars");
        assert!(!composite.contains(&STANDARD.encode("s3cret/with+odd chars")));
        for text in [
            format!("x-creds: Basic {composite}"),
            format!("{{\"note\": \"{composite}\"}}"),
            format!(
                "?auth={}",
                URL_SAFE_NO_PAD.encode("regular-web-app:s3cret/with+odd chars")
            ),
            format!(
                "?auth={}",
                composite
                    .replace('+', "%2B")
                    .replace('/', "%2F")
                    .replace('=', "%3D")
            ),
        ] {
            let redacted = redactor.redact_str(&text);
            assert!(
                redacted.contains("base64([clients.web.client_id]:[clients.web.client_secret])"),
                "{text} → {redacted}"
            );
            // Messages keep the client id, which is not secret, and still hide the secret.
            let message = redactor.redact_message(&text);
            assert!(
                message.contains("base64(regular-web-app:[clients.web.client_secret])"),
                "{text} → {message}"
            );
        }
    }

    #[test]
    fn base64_inside_base64_is_found() {
        let mut redactor = Redactor::new();
        redactor.add("inner-secret-value", "[s]");
        let twice = STANDARD.encode(format!("k={}", STANDARD.encode("inner-secret-value")));
        assert_eq!(redactor.redact_str(&twice), "base64(k=base64([s]))");
    }

    #[test]
    fn messages_keep_hosts_and_identities_but_never_secrets() {
        let mut redactor = Redactor::new();
        redactor.add_volatile("https://qa.eu.auth0.com", "[base_url]");
        redactor.add("hunter2-secret", "[clients.web.client_secret]");
        let text =
            "cannot reach `https://qa.eu.auth0.com/oauth/token?client_secret=hunter2-secret`";
        assert_eq!(
            redactor.redact_message(text),
            "cannot reach `https://qa.eu.auth0.com/oauth/token?client_secret=[clients.web.client_secret]`"
        );
        assert_eq!(
            redactor.redact_str(text),
            "cannot reach `[base_url]/oauth/token?client_secret=[clients.web.client_secret]`"
        );
    }

    #[test]
    fn a_value_cut_short_for_a_message_is_cut_after_redaction() {
        let mut redactor = Redactor::new();
        let token = "x".repeat(300);
        redactor.add(&token, "[refresh_token]");
        assert_eq!(
            redactor.excerpt(&format!("`{token}`"), 200),
            "`[refresh_token]`"
        );
    }

    #[test]
    fn longer_values_win_over_values_they_contain() {
        let mut redactor = Redactor::new();
        redactor.add("abcd", "[short]");
        redactor.add("abcdefgh", "[long]");
        assert_eq!(redactor.redact_str("abcdefgh abcd"), "[long] [short]");
    }
}
