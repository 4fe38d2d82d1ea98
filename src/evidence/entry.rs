//! One entry of the catalogue and its parts: the [`Grade`], guessed [`Part`]s, public
//! [`Source`]s, and `{name}` placeholders in descriptions.

use std::fmt;

use serde::{Deserialize, Serialize};

/// How well a behaviour is known, strongest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Grade {
    /// Seen in recorded traffic of a real tenant.
    Recorded,
    /// Stated by Auth0's own documentation.
    Documented,
    /// Quoted by independent production code or user reports of real responses.
    Independent,
    /// Expected by an Auth0 SDK's tests (their fixtures are often written by hand).
    Sdk,
    /// A source exists but cannot be trusted: a hand-edited recording, a draft, a mock, or a
    /// public file whose repository could not be named.
    Weak,
    /// Nothing says it: the mock's best guess.
    Inferred,
}

impl Grade {
    /// Every grade, strongest first.
    pub const ALL: [Grade; 6] = [
        Grade::Recorded,
        Grade::Documented,
        Grade::Independent,
        Grade::Sdk,
        Grade::Weak,
        Grade::Inferred,
    ];

    /// The name used in `evidence.yaml`.
    pub fn as_str(self) -> &'static str {
        match self {
            Grade::Recorded => "recorded",
            Grade::Documented => "documented",
            Grade::Independent => "independent",
            Grade::Sdk => "sdk",
            Grade::Weak => "weak",
            Grade::Inferred => "inferred",
        }
    }

    /// What the grade means, in a sentence.
    pub fn meaning(self) -> &'static str {
        match self {
            Grade::Recorded => "seen in recorded traffic of a real tenant",
            Grade::Documented => "stated by Auth0's documentation",
            Grade::Independent => {
                "quoted by independent production code or user reports of real responses"
            }
            Grade::Sdk => "expected by an Auth0 SDK's tests (fixtures are often hand-written)",
            Grade::Weak => {
                "a source exists but cannot be trusted (hand-edited recording, draft, mock, unnamed repository)"
            }
            Grade::Inferred => "nothing says it: the mock's best guess",
        }
    }

    /// Whether a behaviour of this grade is a guess a staging run should calibrate rather than
    /// a fact a tenant can deviate from.
    pub fn is_guess(self) -> bool {
        matches!(self, Grade::Weak | Grade::Inferred)
    }
}

impl fmt::Display for Grade {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A part of an entry's wire facts that no source gives: the mock guessed it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Part {
    /// The HTTP status.
    Status,
    /// The `error` code.
    Error,
    /// The `error_description` text.
    Description,
    /// The value (a lifetime, a limit, a shape).
    Value,
}

impl Part {
    /// The name used in `evidence.yaml`.
    pub fn as_str(self) -> &'static str {
        match self {
            Part::Status => "status",
            Part::Error => "error",
            Part::Description => "description",
            Part::Value => "value",
        }
    }
}

/// A public source: a URL, a GitHub issue or pull request (`owner/repo#123`), or a file in a
/// public repository (`owner/repo path/to/file`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Source(pub String);

/// What a [`Source`] points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceKind<'a> {
    /// A web page.
    Url(&'a str),
    /// An issue or pull request.
    Issue {
        /// `owner/repo`.
        repo: &'a str,
        /// Its number.
        number: u64,
    },
    /// A file in a repository.
    File {
        /// `owner/repo`.
        repo: &'a str,
        /// The path inside it.
        path: &'a str,
    },
}

impl Source {
    /// What the source points at, or `None` when it follows none of the three forms.
    pub fn kind(&self) -> Option<SourceKind<'_>> {
        let text = self.0.trim();
        if text.starts_with("https://") || text.starts_with("http://") {
            return (!text.contains(char::is_whitespace)).then_some(SourceKind::Url(text));
        }
        if let Some((repo, number)) = text.split_once('#')
            && is_repo(repo)
        {
            return number
                .parse()
                .ok()
                .map(|number| SourceKind::Issue { repo, number });
        }
        let (repo, path) = text.split_once(' ')?;
        (is_repo(repo) && !path.is_empty() && !path.contains(char::is_whitespace))
            .then_some(SourceKind::File { repo, path })
    }

    /// A link a browser can open (GitHub's for issues and files).
    pub fn url(&self) -> Option<String> {
        Some(match self.kind()? {
            SourceKind::Url(url) => url.to_owned(),
            SourceKind::Issue { repo, number } => {
                format!("https://github.com/{repo}/issues/{number}")
            }
            SourceKind::File { repo, path } => {
                format!("https://github.com/{repo}/blob/HEAD/{path}")
            }
        })
    }
}

fn is_repo(text: &str) -> bool {
    let mut parts = text.split('/');
    let valid = |part: Option<&str>| {
        part.is_some_and(|part| {
            !part.is_empty()
                && part
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        })
    };
    valid(parts.next()) && valid(parts.next()) && parts.next().is_none()
}

/// One behaviour the mock imitates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// The stable id, `<area>.<topic>.<case>`; scenarios and fixtures name entries by it.
    pub id: String,
    /// When it happens, or what it is, in words.
    pub what: String,
    /// The HTTP status of an answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// The `error` code of an error answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The `error_description` of an error answer; `{name}` marks a value filled in per request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// A value that is not an error: a lifetime, a limit, a content type, a body shape.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// How well the behaviour is known.
    pub grade: Grade,
    /// The parts no source gives (only for grades other than `inferred`, where all are guessed).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub guessed: Vec<Part>,
    /// Where it is known from (empty only for `inferred`, and for `weak` with a `note`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<Source>,
    /// Anything a reader should know: how strong each part is, how the mock applies it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Where sources disagree, and which one the mock follows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disagreement: Option<String>,
    /// Marked "still unknown" by the evidence: only a staging run settles it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub still_unknown: bool,
}

impl Entry {
    /// The area: the id up to its first dot (`token` for `token.otp.wrong_code_email`).
    pub fn area(&self) -> &str {
        self.id.split('.').next().unwrap_or_default()
    }

    /// Whether the entry is an answer the mock sends (it has a status).
    pub fn is_answer(&self) -> bool {
        self.status.is_some()
    }

    /// Whether the mock guessed `part` of this entry.
    pub fn guessed(&self, part: Part) -> bool {
        self.grade == Grade::Inferred || self.guessed.contains(&part)
    }

    /// The description with `{name}` placeholders filled from `args` (unknown ones stay as
    /// written); empty when the entry has none.
    pub fn describe(&self, args: &[(&str, &str)]) -> String {
        self.description
            .as_deref()
            .map(|template| fill(template, args))
            .unwrap_or_default()
    }

    /// The value as a whole number, when it is one (`300`, or `300 s`).
    pub fn value_u64(&self) -> Option<u64> {
        self.value
            .as_deref()?
            .split_whitespace()
            .next()?
            .parse()
            .ok()
    }
}

/// `{name}` placeholders of `template`, in order of appearance.
pub fn placeholders(template: &str) -> Vec<&str> {
    let mut names = Vec::new();
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        let after = &rest[start + 1..];
        let Some(end) = after.find('}') else { break };
        let name = &after[..end];
        if !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            names.push(name);
        }
        rest = &after[end + 1..];
    }
    names
}

/// `template` with each `{name}` replaced by its value in `args`.
pub fn fill(template: &str, args: &[(&str, &str)]) -> String {
    let mut text = template.to_owned();
    for (name, value) in args {
        text = text.replace(&format!("{{{name}}}"), value);
    }
    text
}
