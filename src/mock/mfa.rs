//! The MFA API: list and delete authenticators, challenge, associate (enrol).
//!
//! `GET /mfa/authenticators`, `DELETE /mfa/authenticators/{id}` and `POST /mfa/associate` take a
//! bearer: the `mfa_token` of an `mfa_required` answer, or an access token for the MFA API's
//! audience `{issuer}mfa/` with the endpoint's scope (`read:authenticators`,
//! `remove:authenticators`, `enroll`). Listing takes either; deleting only the access token;
//! enrolling takes the `mfa_token` while the user has no confirmed factor and the access token
//! always. `POST /mfa/challenge` takes the `mfa_token` in the body with the client's
//! credentials. Codes for text-message, voice and e-mail factors go to the outbox (and e-mails
//! over SMTP) like passwordless codes (`channel` `sms` for text and voice, `email` for e-mail;
//! `code` is the binding code). Push notifications are answered through the control API
//! (`POST /__mock/push/{oob_code}/approve` or `/reject`). Which factors can be enrolled and
//! listed follows the tenant's `features:`.
//!
//! Guesses (each in the evidence catalogue): without `authenticator_id` a challenge picks OTP
//! first, then push, SMS, voice, e-mail (`mfa.challenge.order`); `/mfa/associate` does not
//! require `client_id` (nor checks one that is sent) and enrols exactly one type per call
//! (evidence `mfa.associate.one_type_per_call`).

use axum::Json;
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use super::address::{is_e164, is_email};
use super::errors::{AuthError, mfa, token};
use super::grants::Authorization;
use super::ids::{enrollment_transaction_id, totp_secret};
use super::messages;
use super::mfa_store::{
    Authenticator, ChallengeTarget, OobOwner, OobRequest, OobWait, TokenProblem,
};
use super::outbox::{Channel, Message};
use super::params::{Params, PathParam, bearer_token};
use super::rejections::bearer_rejected;
use super::state::AppState;
use super::tenant::{DEFAULT_PUSH_DEVICE_NAME, Factor, MfaFactor};
use super::token::{authenticated_client, requested_client_id};
use super::token_mfa::transaction;

/// What an MFA API bearer is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BearerKind {
    /// The `mfa_token` of an `mfa_required` answer.
    MfaToken(String),
    /// An access token for the MFA API's audience, with its scopes.
    AccessToken(Vec<String>),
}

/// The bearer of the list, delete and associate endpoints and the login behind it, checked
/// before the body is read: an `mfa_token`, or an access token for `{issuer}mfa/`.
#[derive(Debug, Clone)]
pub struct MfaBearer {
    /// Which kind of token it is.
    pub kind: BearerKind,
    /// The login it is bound to.
    pub authorization: Authorization,
}

impl FromRequestParts<AppState> for MfaBearer {
    type Rejection = AuthError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<MfaBearer, AuthError> {
        let token = bearer_token(&parts.headers).ok_or_else(mfa::bearer_missing)?;
        let now = state.clock().unix_now();
        match state.mfa().transaction(token, None, now) {
            Ok(authorization) => Ok(MfaBearer {
                kind: BearerKind::MfaToken(token.to_owned()),
                authorization,
            }),
            Err(TokenProblem::Expired) => Err(mfa::bearer_expired()),
            Err(TokenProblem::Malformed) => match state.mfa().api_grant(token, now) {
                Some(Ok((authorization, scopes))) => Ok(MfaBearer {
                    kind: BearerKind::AccessToken(scopes),
                    authorization,
                }),
                Some(Err(problem)) => Err(bearer_rejected(problem)),
                None => Err(mfa::bearer_invalid()),
            },
        }
    }
}

impl MfaBearer {
    /// Refuses an access token without `scope`; an `mfa_token` passes.
    fn require_scope(&self, scope: &str) -> Result<(), AuthError> {
        match &self.kind {
            BearerKind::AccessToken(scopes) if !scopes.iter().any(|held| held == scope) => {
                Err(mfa::insufficient_scope(scope))
            }
            _ => Ok(()),
        }
    }

    fn user_id(&self) -> &str {
        &self.authorization.user.user_id
    }

    fn email(&self) -> Option<&str> {
        self.authorization.user.email.as_deref()
    }
}

/// `GET /mfa/authenticators`: the user's authenticators, confirmed or not (evidence
/// `mfa.list.body`); takes an `mfa_token` or an access token with `read:authenticators`.
pub async fn mfa_authenticators_list(
    State(state): State<AppState>,
    bearer: MfaBearer,
) -> Result<Json<Vec<Authenticator>>, AuthError> {
    bearer.require_scope("read:authenticators")?;
    Ok(Json(
        state.mfa().authenticators(bearer.user_id(), bearer.email()),
    ))
}

/// `DELETE /mfa/authenticators/{id}`: deletes an authenticator and its twin; `204` when done
/// (evidence `mfa.delete.done`). Only an access token with `remove:authenticators` may.
pub async fn mfa_authenticator_delete(
    State(state): State<AppState>,
    PathParam(id): PathParam,
    bearer: MfaBearer,
) -> Result<StatusCode, AuthError> {
    if let BearerKind::MfaToken(_) = bearer.kind {
        return Err(mfa::delete_needs_access_token());
    }
    bearer.require_scope("remove:authenticators")?;
    state.mfa().delete(bearer.user_id(), &id)?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /mfa/challenge`: asks the user for a second factor (evidence `mfa.challenge.otp`,
/// `mfa.challenge.push`, `mfa.challenge.prompt`).
pub async fn mfa_challenge(
    State(state): State<AppState>,
    headers: HeaderMap,
    params: Params,
) -> Result<Json<Value>, AuthError> {
    let client_id = requested_client_id(&params, &headers)?;
    let client = authenticated_client(&state, &client_id, &params, &headers)?;
    let (mfa_token, authorization) = transaction(&state, client, &params)?;

    let allowed_types = challenge_types(params.optional("challenge_type")?)?;
    let authenticator_id = params.optional("authenticator_id")?;
    let oob_channel = params.optional("oob_channel")?;
    let user = &authorization.user;
    let targets = state
        .mfa()
        .challenge_targets(&user.user_id, user.email.as_deref());
    let fits = |target: &ChallengeTarget| {
        allowed_types.contains(&target.authenticator.authenticator_type)
            && oob_channel.is_none_or(|channel| target.authenticator.oob_channel == Some(channel))
    };
    let target = match authenticator_id {
        Some(id) => {
            let target = targets
                .iter()
                .find(|target| target.authenticator.id == id)
                .ok_or_else(|| mfa::invalid_authenticator_id(id))?;
            fits(target).then_some(target)
        }
        None => targets
            .iter()
            .filter(|target| fits(target))
            .min_by_key(|target| preference(&target.authenticator)),
    }
    .ok_or_else(mfa::unsupported_challenge_type)?;

    if target.authenticator.authenticator_type == "otp" {
        return Ok(Json(json!({"challenge_type": "otp"})));
    }
    let request = OobRequest {
        owner: OobOwner::MfaToken(&mfa_token),
        user_id: &user.user_id,
        device_id: &target.device_id,
        wait: oob_wait(target.address.as_deref()),
        now: state.clock().unix_now(),
    };
    let oob_code = send_oob(
        &state,
        request,
        target.address.as_deref(),
        target.authenticator.oob_channel,
    )
    .await;
    let mut answer = json!({"challenge_type": "oob", "oob_code": oob_code});
    if target.address.is_some() {
        answer["binding_method"] = json!("prompt");
    }
    Ok(Json(answer))
}

/// `POST /mfa/associate`: enrols a new, unconfirmed factor. With an `mfa_token` only while the
/// user has no confirmed factor (evidence `mfa.associate.already_enrolled`); an access token
/// with `enroll` may add a second one.
pub async fn mfa_associate(
    State(state): State<AppState>,
    bearer: MfaBearer,
    params: Params,
) -> Result<Response, AuthError> {
    bearer.require_scope("enroll")?;
    let (owner, as_first) = match &bearer.kind {
        BearerKind::MfaToken(token) => (OobOwner::MfaToken(token), true),
        BearerKind::AccessToken(_) => (OobOwner::User, false),
    };
    let authenticator_type = single_value(&params, "authenticator_types")?;
    let user = &bearer.authorization.user;
    let features = state.mfa().features();
    let tenant_name = &state.tenant().name;
    let label = otpauth_label(
        tenant_name,
        user.email
            .as_deref()
            .or(user.phone_number.as_deref())
            .unwrap_or(&user.user_id),
    );

    let mut answer = Map::new();
    match authenticator_type.as_str() {
        "otp" if features.has(MfaFactor::Otp) => {
            let secret = totp_secret();
            let enrolment = state.mfa().enrol(
                &user.user_id,
                Factor::Totp {
                    id: None,
                    secret: secret.clone(),
                },
                as_first,
            )?;
            // evidence `mfa.associate.otp`
            let issuer = encode_component(tenant_name);
            answer.insert("authenticator_type".into(), json!("otp"));
            answer.insert("secret".into(), json!(secret));
            answer.insert(
                "barcode_uri".into(),
                json!(format!(
                    "otpauth://totp/{label}?secret={secret}&issuer={issuer}&algorithm=SHA1&digits=6&period=30"
                )),
            );
            if let Some(code) = enrolment.recovery_code {
                answer.insert("recovery_codes".into(), json!([code]));
            }
        }
        "oob" => {
            let channel = single_value(&params, "oob_channels")?;
            let (factor, address) = match channel.as_str() {
                "sms" | "voice" if features.has(channel_factor(&channel)) => {
                    let phone = params.required("phone_number")?;
                    if !is_e164(phone) {
                        return Err(mfa::invalid_phone_number());
                    }
                    let factor = Factor::Sms {
                        id: None,
                        phone_number: phone.to_owned(),
                    };
                    (factor, Some(phone.to_owned()))
                }
                "email" if features.has(MfaFactor::Email) => {
                    let email = params.required("email")?;
                    if !is_email(email) {
                        return Err(mfa::invalid_email(email));
                    }
                    let factor = Factor::Email {
                        id: None,
                        email: email.to_owned(),
                    };
                    (factor, Some(email.to_owned()))
                }
                "auth0" if features.has(MfaFactor::Push) => {
                    let factor = Factor::Push {
                        id: None,
                        name: DEFAULT_PUSH_DEVICE_NAME.to_owned(),
                        secret: None,
                    };
                    (factor, None)
                }
                other => return Err(mfa::unsupported_oob_channel(other)),
            };
            let enrolment = state.mfa().enrol(&user.user_id, factor, as_first)?;
            let code_channel = Some(if channel == "email" { "email" } else { "sms" });
            let request = OobRequest {
                owner,
                user_id: &user.user_id,
                device_id: &enrolment.device_id,
                wait: oob_wait(address.as_deref()),
                now: state.clock().unix_now(),
            };
            let oob_code = send_oob(&state, request, address.as_deref(), code_channel).await;
            answer.insert("authenticator_type".into(), json!("oob"));
            if address.is_some() {
                // evidence `mfa.associate.sms`
                answer.insert("binding_method".into(), json!("prompt"));
            } else {
                // evidence `mfa.associate.push`
                let base_url = encode_component(&guardian_base_url(tenant_name));
                let transaction = enrollment_transaction_id();
                answer.insert(
                    "barcode_uri".into(),
                    json!(format!(
                        "otpauth://totp/{label}?enrollment_tx_id={transaction}&base_url={base_url}"
                    )),
                );
            }
            if let Some(code) = enrolment.recovery_code {
                answer.insert("recovery_codes".into(), json!([code]));
            }
            answer.insert("oob_channel".into(), json!(channel));
            answer.insert("oob_code".into(), json!(oob_code));
        }
        other => return Err(mfa::unsupported_authenticator_type(other)),
    }
    let mut response = Json(Value::Object(answer)).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// The tenant factor an `oob_channels` value enrols.
fn channel_factor(channel: &str) -> MfaFactor {
    if channel == "voice" {
        MfaFactor::Voice
    } else {
        MfaFactor::Sms
    }
}

/// A binding code when there is an address to send it to, else a push.
fn oob_wait(address: Option<&str>) -> OobWait {
    if address.is_some() {
        OobWait::Prompt
    } else {
        OobWait::Push
    }
}

/// The Guardian service of the tenant, `https://<tenant name>.guardian.us.auth0.com` (evidence
/// `mfa.associate.push`): the fixture's name as a DNS label, Auth0's US region.
fn guardian_base_url(tenant_name: &str) -> String {
    let label: String = tenant_name
        .to_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    format!("https://{}.guardian.us.auth0.com", label.trim_matches('-'))
}

/// Issues an `oob_code` as `request` says: with an `address`, a fresh 6-digit binding code
/// goes there (outbox in the same step, then SMTP for e-mail); without one, a push waits.
async fn send_oob(
    state: &AppState,
    request: OobRequest<'_>,
    address: Option<&str>,
    oob_channel: Option<&str>,
) -> String {
    let channel = match oob_channel {
        Some("email") => Channel::Email,
        _ => Channel::Sms,
    };
    let (oob_code, message) = state
        .mfa()
        .issue_oob(request, |binding_code| -> Option<Message> {
            let (to, code) = address.zip(binding_code)?;
            Some(messages::record(state, to, channel, code, None))
        });
    if let Some(message) = message {
        messages::deliver(state, &message).await;
    }
    oob_code
}

/// `challenge_type`: a space-separated subset of `otp oob`; absent means both.
fn challenge_types(value: Option<&str>) -> Result<Vec<&'static str>, AuthError> {
    let Some(value) = value else {
        return Ok(vec!["otp", "oob"]);
    };
    let mut types = Vec::new();
    for item in value.split_whitespace() {
        match item {
            "otp" => types.push("otp"),
            "oob" => types.push("oob"),
            _ => return Err(mfa::unknown_challenge_type(item)),
        }
    }
    Ok(types)
}

/// Lower is preferred when the client names no authenticator (evidence `mfa.challenge.order`).
fn preference(authenticator: &Authenticator) -> u8 {
    match (authenticator.authenticator_type, authenticator.oob_channel) {
        ("otp", _) => 0,
        (_, Some("auth0")) => 1,
        (_, Some("sms")) => 2,
        (_, Some("voice")) => 3,
        _ => 4,
    }
}

/// A list parameter with exactly one item: `["otp"]`, or a bare `"otp"` as old docs sent it.
fn single_value(params: &Params, name: &str) -> Result<String, AuthError> {
    let items: Vec<String> = match params.get(name) {
        None => return Err(token::missing_parameter(name)),
        Some(Value::String(text)) => text.split_whitespace().map(str::to_owned).collect(),
        Some(Value::Array(values)) => values
            .iter()
            .map(|value| value.as_str().map(str::to_owned))
            .collect::<Option<_>>()
            .ok_or_else(|| mfa::not_a_string_array(name))?,
        Some(_) => return Err(mfa::not_a_string_array(name)),
    };
    match items.as_slice() {
        [] => Err(token::missing_parameter(name)),
        [single] => Ok(single.clone()),
        several => Err(if name == "oob_channels" {
            mfa::unsupported_oob_channel(&several.join(" "))
        } else {
            mfa::unsupported_authenticator_type(&several.join(" "))
        }),
    }
}

/// The `<issuer>:<account>` label of an `otpauth://` URI, each part percent-encoded.
fn otpauth_label(tenant: &str, account: &str) -> String {
    format!("{}:{}", encode_component(tenant), encode_component(account))
}

/// Percent-encodes everything but unreserved characters (`@` becomes `%40`, as Auth0 writes it).
fn encode_component(text: &str) -> String {
    let mut encoded = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn otpauth_labels_encode_spaces_plus_and_at() {
        assert_eq!(
            otpauth_label("My Test Tenant", "a+b@example.com"),
            "My%20Test%20Tenant:a%2Bb%40example.com"
        );
        assert_eq!(encode_component("http://x/"), "http%3A%2F%2Fx%2F");
    }

    #[test]
    fn the_guardian_base_url_is_named_after_the_tenant() {
        assert_eq!(
            guardian_base_url("Passwordless Conformance Mock"),
            "https://passwordless-conformance-mock.guardian.us.auth0.com"
        );
    }

    #[test]
    fn challenge_types_default_to_both_and_reject_unknown_ones() {
        assert_eq!(challenge_types(None).unwrap(), ["otp", "oob"]);
        assert_eq!(challenge_types(Some("oob")).unwrap(), ["oob"]);
        assert_eq!(
            challenge_types(Some("otp sms")).unwrap_err().error(),
            "unsupported_challenge_type"
        );
    }
}
