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
mod names;
mod rules;

use std::ops::Range;
use std::sync::{Arc, OnceLock};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value};

pub use names::{SECRET_FIELDS, TOKEN_FIELDS, is_credential_name, is_secret_field};

/// Fields whose value differs on every run but is not secret.
const VOLATILE_KEYS: &[&str] = &["_id", "sent_at", "now"];

/// JWT claims that are times.
const TIME_CLAIMS: &[&str] = &["iat", "exp", "nbf", "auth_time", "updated_at"];

/// JWT claims that are per-run identifiers.
const ID_CLAIMS: &[&str] = &["jti", "sid", "nonce", "at_hash", "c_hash"];

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

    /// Learns the secrets a JSON document carries: the values of secret fields (strings, lists
    /// of strings, long numbers) and every secret in a credential's place inside its strings.
    pub fn learn_json(&mut self, value: &Value) {
        match value {
            Value::Object(fields) => {
                for (key, item) in fields {
                    self.learn_field(key, item);
                    self.learn_json(item);
                }
            }
            Value::Array(items) => {
                for item in items {
                    self.learn_json(item);
                }
            }
            Value::String(text) => self.learn_text(text),
            _ => {}
        }
    }

    /// Learns the value of field `name` if the name marks a secret.
    pub fn learn_field(&mut self, name: &str, value: &Value) {
        if !is_secret_field(name) {
            return;
        }
        let placeholder = format!("[{}]", name.to_ascii_lowercase());
        match value {
            Value::String(text) => self.learn(text, &placeholder),
            Value::Number(number) => self.learn(&number.to_string(), &placeholder),
            Value::Array(items) => {
                for item in items {
                    self.learn_field(name, item);
                }
            }
            _ => {}
        }
    }

    /// Learns every secret that stands in a credential's place inside `text` (URL passwords,
    /// secret query and form fields, `otpauth://` secrets, `Bearer`/`Basic` credentials, JWTs),
    /// in its decoded form too, so it is found wherever else it is written.
    pub fn learn_text(&mut self, text: &str) {
        for found in rules::find(text) {
            let raw = &text[found.range.clone()];
            self.learn(raw, &found.placeholder);
            let decoded: String = url::form_urlencoded::parse(format!("x={raw}").as_bytes())
                .next()
                .map(|(_, value)| value.into_owned())
                .unwrap_or_default();
            self.learn(&decoded, &found.placeholder);
            if let Ok(unescaped) = serde_json::from_str::<String>(&format!("\"{raw}\"")) {
                self.learn(&unescaped, &found.placeholder);
            }
            if found.placeholder == "[credentials]" {
                // `user:password` of a URL, or `id:secret` inside `Basic`.
                let pair = base64::engine::general_purpose::STANDARD
                    .decode(raw)
                    .ok()
                    .and_then(|bytes| String::from_utf8(bytes).ok())
                    .unwrap_or(decoded);
                if let Some((_, password)) = pair.split_once(':') {
                    self.learn(password, "[credentials]");
                }
            }
        }
    }

    /// Learns what a header carries when its name says it is a credential (`Authorization`,
    /// `x-api-key`, `Cookie`), and any secret in a credential's place inside its value.
    pub fn learn_header(&mut self, name: &str, value: &str) {
        if is_credential_name(name) {
            self.learn(value.trim(), "[credentials]");
            if let Some((_, credentials)) = value.trim().split_once(char::is_whitespace) {
                self.learn(credentials.trim(), "[credentials]");
            }
        }
        self.learn_text(value);
    }

    /// Replaces every secret and per-run value inside `text` (for transcripts and snapshots).
    pub fn redact_str(&self, text: &str) -> String {
        self.redact(text, Mode::Everything, BASE64_DEPTH)
    }

    /// Replaces every secret inside `text`, keeping hosts and test identities (for messages to
    /// people, after the message is complete).
    pub fn redact_message(&self, text: &str) -> String {
        self.redact(text, Mode::Secrets, BASE64_DEPTH)
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

    fn redact(&self, text: &str, mode: Mode, depth: usize) -> String {
        let matcher = self.matcher(mode);
        let mut replacements = Vec::new();
        if depth > 0 {
            for run in encodings::base64_runs(text.as_bytes()) {
                if let Some(replacement) = self.base64_replacement(&run, &matcher, mode, depth) {
                    replacements.push(replacement);
                }
            }
        }
        replacements.extend(matcher.find(text));
        replacements.extend(
            rules::find(text)
                .into_iter()
                .map(|found| (found.range, found.placeholder)),
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
            Some(decoded) => format!("base64({})", self.redact(&decoded, mode, depth - 1)),
            None => "[base64 holding a secret]".to_owned(),
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
            && encodings::base64_runs(bytes)
                .iter()
                .any(|run| self.base64_replacement(run, matcher, mode, depth).is_some())
    }

    /// Redacts a header value for a transcript: credentials in `Authorization` (and any header
    /// whose name says it is a credential) are always hidden, keeping the scheme.
    pub fn redact_header(&self, name: &str, value: &str) -> String {
        if name.eq_ignore_ascii_case("authorization")
            || name.eq_ignore_ascii_case("proxy-authorization")
        {
            let scheme = value.split_whitespace().next().unwrap_or("");
            return format!("{scheme} [credentials]").trim().to_owned();
        }
        if is_credential_name(name) {
            return "[credentials]".to_owned();
        }
        self.redact_url_or_text(value)
    }
    /// Redacts a JSON document: secret keys, token keys (JWTs decoded), volatile keys, and every
    /// registered value inside the remaining strings.
    pub fn redact_json(&self, value: &Value) -> Value {
        match value {
            Value::Object(fields) => {
                let mut redacted = Map::new();
                for (key, item) in fields {
                    redacted.insert(key.clone(), self.redact_field(key, item));
                }
                Value::Object(redacted)
            }
            Value::Array(items) => {
                Value::Array(items.iter().map(|item| self.redact_json(item)).collect())
            }
            Value::String(text) => Value::String(self.redact_url_or_text(text)),
            other => other.clone(),
        }
    }

    fn redact_field(&self, key: &str, value: &Value) -> Value {
        if value.is_null() {
            return Value::Null;
        }
        if TOKEN_FIELDS
            .iter()
            .any(|field| field.eq_ignore_ascii_case(key))
        {
            return match value.as_str().and_then(decode_jwt) {
                Some(decoded) => self.redact_jwt(decoded),
                None => Value::String(format!("[{key}]")),
            };
        }
        if is_secret_field(key) {
            return match value {
                Value::Array(items) => Value::Array(
                    items
                        .iter()
                        .map(|_| Value::String(format!("[{key}]")))
                        .collect(),
                ),
                _ => Value::String(format!("[{key}]")),
            };
        }
        if (key == "id" || key == "authenticator_id")
            && let Some((kind, _)) = value.as_str().and_then(|id| id.split_once("|dev_"))
        {
            // Authenticator ids are random at enrolment; the kind prefix is what conforms.
            return Value::String(format!("{kind}|dev_[id]"));
        }
        if VOLATILE_KEYS.contains(&key)
            || (key.ends_with("_at") && !value.is_object() && !value.is_array())
        {
            return Value::String(format!("[{}]", key.trim_start_matches('_')));
        }
        self.redact_json(value)
    }

    fn redact_jwt(&self, (header, claims): (Value, Value)) -> Value {
        let mut claims = claims;
        if let Value::Object(fields) = &mut claims {
            for (claim, value) in fields.iter_mut() {
                if TIME_CLAIMS.contains(&claim.as_str()) && value.is_number() {
                    *value = Value::String("[timestamp]".to_owned());
                } else if ID_CLAIMS.contains(&claim.as_str()) {
                    *value = Value::String(format!("[{claim}]"));
                } else if claim == "sub"
                    && let Some(sub) = value.as_str()
                {
                    *value = Value::String(redact_user_id(sub));
                }
            }
        }
        let mut jwt = Map::new();
        jwt.insert("jwt_header".to_owned(), self.redact_json(&header));
        jwt.insert("jwt_claims".to_owned(), self.redact_json(&claims));
        Value::Object(jwt)
    }

    /// URLs get their secret query parameters hidden; then registered values are replaced.
    fn redact_url_or_text(&self, text: &str) -> String {
        let text = match url::Url::parse(text) {
            Ok(url) if url.query().is_some() && url.has_host() => {
                let pairs: Vec<(String, String)> = url
                    .query_pairs()
                    .map(|(name, value)| {
                        let value = if is_secret_field(&name) {
                            format!("[{name}]")
                        } else {
                            value.into_owned()
                        };
                        (name.into_owned(), value)
                    })
                    .collect();
                let mut url = url;
                url.query_pairs_mut().clear().extend_pairs(pairs);
                // Keep placeholders readable in snapshots.
                url.to_string().replace("%5B", "[").replace("%5D", "]")
            }
            _ => text.to_owned(),
        };
        self.redact_str(&text)
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

/// `email|65c4bca2b6c3ddf424cef5d5` → `email|[user_id]`: the connection stays visible.
fn redact_user_id(user_id: &str) -> String {
    match user_id.split_once('|') {
        Some((provider, _)) => format!("{provider}|[user_id]"),
        None => "[user_id]".to_owned(),
    }
}

/// Decodes a compact JWS into (header, claims) without checking the signature.
pub fn decode_jwt(token: &str) -> Option<(Value, Value)> {
    let mut parts = token.split('.');
    let (header, claims, _signature) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let decode = |part: &str| -> Option<Value> {
        let bytes = URL_SAFE_NO_PAD.decode(part.trim_end_matches('=')).ok()?;
        serde_json::from_slice(&bytes).ok()
    };
    Some((decode(header)?, decode(claims)?))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use base64::engine::general_purpose::STANDARD;
    use serde_json::json;

    fn jwt(claims: Value) -> String {
        let header = URL_SAFE_NO_PAD.encode(json!({"alg": "RS256", "typ": "JWT"}).to_string());
        let claims = URL_SAFE_NO_PAD.encode(claims.to_string());
        format!("{header}.{claims}.c2lnbmF0dXJl")
    }

    #[test]
    fn secret_keys_are_hidden_whatever_their_value() {
        let redacted = Redactor::new().redact_json(&json!({
            "client_secret": "s3cr3t-value", "otp": "123456", "mfa_token": "Fe26.2*abc",
            "recovery_codes": ["A", "B"], "email": "a@b.c"
        }));
        assert_eq!(
            redacted,
            json!({"client_secret": "[client_secret]", "otp": "[otp]", "mfa_token": "[mfa_token]",
                   "recovery_codes": ["[recovery_codes]", "[recovery_codes]"], "email": "a@b.c"})
        );
    }

    #[test]
    fn jwts_are_decoded_with_times_and_ids_redacted() {
        let token = jwt(
            json!({"iss": "https://t/", "sub": "email|65c4bca2b6c3ddf424cef5d5",
                               "iat": 1, "exp": 2, "aud": "x"}),
        );
        let redacted = Redactor::new().redact_json(&json!({"id_token": token}));
        assert_eq!(
            redacted,
            json!({"id_token": {"jwt_header": {"alg": "RS256", "typ": "JWT"},
                   "jwt_claims": {"iss": "https://t/", "sub": "email|[user_id]",
                                  "iat": "[timestamp]", "exp": "[timestamp]", "aud": "x"}}})
        );
    }

    #[test]
    fn opaque_tokens_become_placeholders() {
        let redacted = Redactor::new().redact_json(&json!({"access_token": "opaque-token"}));
        assert_eq!(redacted, json!({"access_token": "[access_token]"}));
    }

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
    fn values_of_secret_fields_are_learned_and_hidden_everywhere() {
        let mut redactor = Redactor::new();
        redactor.learn_json(&json!({
            "refresh_token": "v1.opaque-refresh-token",
            "recovery_codes": ["RECOVERYCODE24CHARSLONG1"],
            "barcode_uri": "otpauth://totp/T:qa?secret=JBSWY3DPEHPK3PXP&issuer=T",
            "token_type": "Bearer",
        }));
        let message = redactor.redact_message(
            "expected `x`, got `v1.opaque-refresh-token`; codes RECOVERYCODE24CHARSLONG1; totp JBSWY3DPEHPK3PXP; Bearer",
        );
        assert_eq!(
            message,
            "expected `x`, got `[refresh_token]`; codes [recovery_codes]; totp [secret]; Bearer"
        );
    }

    #[test]
    fn headers_named_as_credentials_are_learned() {
        let mut redactor = Redactor::new();
        redactor.learn_header("x-api-key", "key-0123456789");
        redactor.learn_header("authorization", "Bearer opaque-bearer-token");
        assert_eq!(
            redactor.redact_message("key-0123456789 and opaque-bearer-token"),
            "[credentials] and [credentials]"
        );
        assert_eq!(
            redactor.redact_header("X-Api-Key", "anything"),
            "[credentials]"
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
    fn authenticator_ids_keep_their_kind() {
        let redacted =
            Redactor::new().redact_json(&json!([{"id": "totp|dev_m24XgLOVY6NJWVrl"}, {"id": 7}]));
        assert_eq!(redacted, json!([{"id": "totp|dev_[id]"}, {"id": 7}]));
    }

    #[test]
    fn times_in_fields_ending_in_at_are_redacted() {
        let redacted = Redactor::new()
            .redact_json(&json!({"effective_at": 1795842799, "sent_at": "2026-01-01T00:00:00Z"}));
        assert_eq!(
            redacted,
            json!({"effective_at": "[effective_at]", "sent_at": "[sent_at]"})
        );
    }

    #[test]
    fn secret_query_parameters_in_urls_are_hidden() {
        let redactor = Redactor::new();
        let redacted = redactor.redact_json(&json!(
            "https://app.test/cb?code=AbC123&state=xyz&verification_code=123456"
        ));
        assert_eq!(
            redacted,
            json!(
                "https://app.test/cb?code=[code]&state=xyz&verification_code=[verification_code]"
            )
        );
    }

    #[test]
    fn authorization_headers_never_show_credentials() {
        let redactor = Redactor::new();
        assert_eq!(
            redactor.redact_header("Authorization", "Basic YTpi"),
            "Basic [credentials]"
        );
        assert_eq!(
            redactor.redact_header("authorization", "Bearer x.y.z"),
            "Bearer [credentials]"
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
