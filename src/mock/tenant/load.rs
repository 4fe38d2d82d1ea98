//! Reading a tenant fixture: YAML into a [`Tenant`], or a [`TenantError`] with every problem.
//!
//! Takes YAML text and the path to show; serde reads the format (and stops at its first
//! mismatch, shown with its own position and "did you mean" for a near-miss key or value), then
//! `validation.rs` checks every rule. Each problem becomes a [`Diagnostic`] pointing at its line.

use std::path::{Path, PathBuf};

use super::model::Tenant;
use super::validation::problems;
use crate::diagnostic::{Diagnostic, Span, did_you_mean, one_of};

/// The built-in fixture, shipped as `mock/tenant.yaml`.
const BUILTIN_YAML: &str = include_str!("../../../mock/tenant.yaml");

/// Where [`Tenant::builtin`] says its fixture came from in error messages.
const BUILTIN_PATH: &str = "mock/tenant.yaml (built in)";

/// Why a tenant fixture could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum TenantError {
    /// The file could not be read.
    #[error("cannot read tenant file `{path}`: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The file is not valid YAML, does not match the fixture format, or breaks a rule.
    #[error("invalid tenant file `{path}`\n{}", render(diagnostics))]
    Invalid {
        /// The file.
        path: PathBuf,
        /// Every problem found, in file order, each pointing at its line.
        diagnostics: Vec<Diagnostic>,
    },
}

impl TenantError {
    /// The problems found in the file (none when it could not be read).
    pub fn diagnostics(&self) -> &[Diagnostic] {
        match self {
            TenantError::Read { .. } => &[],
            TenantError::Invalid { diagnostics, .. } => diagnostics,
        }
    }
}

fn render(diagnostics: &[Diagnostic]) -> String {
    diagnostics
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n\n")
}

impl Tenant {
    /// The built-in tenant (`mock/tenant.yaml`): clients `native-app`, `regular-web-app`,
    /// `no-passwordless-app`, `email-only-app`, `mfa-always-app`; connections `email` and `sms`;
    /// seed users with a `role` each, among them one per MFA factor (`totp_enrolled`,
    /// `sms_enrolled`, `email_enrolled`, `push_enrolled`, `recovery_enrolled`), one with all of
    /// them (`multi_factor`) and one who must enrol (`must_enrol`).
    ///
    /// ```
    /// use passwordless_conformance::mock::Tenant;
    /// let tenant = Tenant::builtin();
    /// assert_eq!(tenant.client_for_role("native").map(|c| c.client_id.as_str()), Some("native-app"));
    /// ```
    pub fn builtin() -> Tenant {
        // Parsed once per process: every trial on the embedded mock starts from it (and listing
        // reads its roster), and parsing and validating the fixture costs more than a clone.
        static BUILTIN: std::sync::LazyLock<Tenant> = std::sync::LazyLock::new(|| {
            match Tenant::from_yaml_str(BUILTIN_YAML, Path::new(BUILTIN_PATH)) {
                Ok(tenant) => tenant,
                // The fixture is compiled in and parsed by a unit test, so this cannot happen at
                // run time.
                Err(error) => panic!("the built-in tenant fixture is broken: {error}"),
            }
        });
        BUILTIN.clone()
    }

    /// Reads a tenant fixture from a YAML file.
    pub fn from_yaml_file(path: &Path) -> Result<Tenant, TenantError> {
        let text = std::fs::read_to_string(path).map_err(|source| TenantError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Tenant::from_yaml_str(&text, path)
    }

    /// Parses a tenant fixture; `path` is only used in error messages.
    pub fn from_yaml_str(text: &str, path: &Path) -> Result<Tenant, TenantError> {
        let file = path.display().to_string();
        let invalid = |diagnostics| TenantError::Invalid {
            path: path.to_path_buf(),
            diagnostics,
        };
        let tenant: Tenant = serde_yaml::from_str(text)
            .map_err(|error| invalid(vec![format_diagnostic(&file, text, &error)]))?;
        let mut diagnostics: Vec<Diagnostic> = problems(&tenant)
            .into_iter()
            .map(|problem| problem.diagnostic(&file, text))
            .collect();
        if diagnostics.is_empty() {
            return Ok(tenant);
        }
        diagnostics.sort_by_key(|diagnostic| diagnostic.span);
        Err(invalid(diagnostics))
    }
}

/// A serde error as a diagnostic: its own position, and "did you mean" for an unknown key or
/// value when serde lists the expected ones.
fn format_diagnostic(file: &str, text: &str, error: &serde_yaml::Error) -> Diagnostic {
    let span = error
        .location()
        .map_or(Span { line: 1, col: 1 }, |at| Span {
            line: at.line(),
            col: at.column(),
        });
    let message = without_location(error.to_string());
    let (width, hint) = match unknown_name(&message) {
        Some((found, expected)) => {
            let expected: Vec<&str> = expected.iter().map(String::as_str).collect();
            let hint = match did_you_mean(&found, &expected) {
                Some(near) => format!("did you mean `{near}`?"),
                None => format!("expected {}", one_of(&expected)),
            };
            (found.chars().count(), Some(hint))
        }
        None => (1, None),
    };
    let message = message
        .split_once(", expected")
        .map_or(message.as_str(), |(head, _)| head)
        .to_owned();
    let diagnostic = Diagnostic::new(file, text, span, width, message);
    match hint {
        Some(hint) => diagnostic.with_hint(hint),
        None => diagnostic,
    }
}

/// `unknown field `colour`, expected one of `name`, `clients`` → (`colour`, [`name`, `clients`]).
fn unknown_name(message: &str) -> Option<(String, Vec<String>)> {
    let rest = message
        .strip_prefix("unknown field `")
        .or_else(|| message.strip_prefix("unknown variant `"))?;
    let (found, rest) = rest.split_once('`')?;
    let expected: Vec<String> = rest
        .split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect();
    (!expected.is_empty()).then(|| (found.to_owned(), expected))
}

/// serde_yaml appends ` at line L column C`; the diagnostic shows the position on its own.
fn without_location(mut message: String) -> String {
    if let Some(idx) = message.rfind(" at line ") {
        message.truncate(idx);
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mock::tenant::{MfaPolicy, PASSWORDLESS_OTP_GRANT};

    #[test]
    fn builtin_tenant_parses_and_has_the_contract_clients() {
        let tenant = Tenant::builtin();
        let ids: Vec<_> = tenant
            .clients
            .iter()
            .map(|c| c.client_id.as_str())
            .collect();
        assert_eq!(
            ids,
            [
                "native-app",
                "regular-web-app",
                "no-passwordless-app",
                "email-only-app",
                "mfa-always-app"
            ]
        );
        let confidential = tenant.client_for_role("confidential").unwrap();
        assert_eq!(
            confidential.client_secret.as_deref(),
            Some("regular-web-app-test-secret")
        );
        assert!(
            !tenant
                .client_for_role("no_passwordless")
                .unwrap()
                .allows_grant(PASSWORDLESS_OTP_GRANT)
        );
        assert!(
            !tenant
                .client("email-only-app")
                .unwrap()
                .has_connection("sms")
        );
        assert_eq!(tenant.connection("sms").unwrap().otp_length, 6);
        assert!(
            tenant
                .api("https://api.example.com/")
                .unwrap()
                .allow_offline_access
        );
    }

    #[test]
    fn builtin_tenant_has_a_user_per_mfa_factor() {
        let tenant = Tenant::builtin();
        for role in [
            "totp_enrolled",
            "sms_enrolled",
            "email_enrolled",
            "push_enrolled",
            "recovery_enrolled",
            "multi_factor",
        ] {
            let user = tenant.user_for_role(role).unwrap();
            assert!(!user.factors.is_empty(), "{role}");
        }
        assert_eq!(
            tenant.user_for_role("multi_factor").unwrap().factors.len(),
            5
        );
        let enrol = tenant.user_for_role("must_enrol").unwrap();
        assert_eq!(enrol.mfa, Some(MfaPolicy::Always));
        assert!(enrol.factors.is_empty());
        assert_eq!(tenant.mfa.policy, MfaPolicy::WhenEnrolled);
        assert_eq!(
            tenant.client_for_role("mfa_always").unwrap().mfa,
            Some(MfaPolicy::Always)
        );
    }

    #[test]
    fn unknown_key_is_reported_with_file_line_column_and_a_suggestion() {
        let text = "clients: []\nconnections: []\nclinets: []\n";
        let error = Tenant::from_yaml_str(text, Path::new("t.yaml")).unwrap_err();
        let diagnostic = &error.diagnostics()[0];
        assert_eq!(diagnostic.span, Span { line: 3, col: 1 });
        assert_eq!(diagnostic.message, "unknown field `clinets`");
        assert_eq!(diagnostic.hint.as_deref(), Some("did you mean `clients`?"));
        assert_eq!(diagnostic.width, 7);
    }

    #[test]
    fn missing_file_error_names_the_file() {
        let error = Tenant::from_yaml_file(Path::new("/nonexistent/tenant.yaml")).unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("cannot read tenant file `/nonexistent/tenant.yaml`: "),
            "{error}"
        );
        assert!(error.diagnostics().is_empty());
    }
}
