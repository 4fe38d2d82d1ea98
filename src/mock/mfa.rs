//! The MFA API (§5.2–§5.5): list and delete authenticators, challenge, associate (enrol).
//!
//! `GET /mfa/authenticators`, `DELETE /mfa/authenticators/{id}` and `POST /mfa/associate` take
//! the `mfa_token` as `Authorization: Bearer`; `POST /mfa/challenge` takes it in the body with the
//! client's credentials. Codes for text-message, voice and e-mail factors go to the outbox (and
//! e-mails over SMTP) like passwordless codes (`channel` `sms` for text and voice, `email` for
//! e-mail; `code` is the binding code). Push notifications are answered through the control API
//! (`POST /__mock/push/{oob_code}/approve` or `/reject`).
//!
//! Choices the reference leaves open (also listed in `errors.rs`): without `authenticator_id` a
//! challenge picks OTP first, then push, SMS, voice, e-mail; `/mfa/associate` does not require
//! `client_id` (nor checks one that is sent) and enrols exactly one type per call; an `mfa_token`
//! may delete authenticators; the voice twin of a phone always exists.

use axum::Json;
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use super::address::{is_e164, is_email};
use super::errors::{AuthError, mfa, token};
use super::grants::Authorization;
use super::ids::{random_token, totp_secret};
use super::messages;
use super::mfa_store::{Authenticator, ChallengeTarget, OobWait};
use super::outbox::{Channel, Message};
use super::params::{Params, PathParam, bearer_token};
use super::rejections::bearer_rejected;
use super::state::AppState;
use super::tenant::{DEFAULT_PUSH_DEVICE_NAME, Factor};
use super::token::{authenticated_client, requested_client_id};
use super::token_mfa::transaction;

/// The `mfa_token` sent as `Authorization: Bearer`, and the login behind it: the extractor of
/// the bearer endpoints (list, delete, associate), checked before the body is read.
#[derive(Debug, Clone)]
pub struct MfaBearer {
    /// The token as sent.
    pub mfa_token: String,
    /// The login it is bound to.
    pub authorization: Authorization,
}

impl FromRequestParts<AppState> for MfaBearer {
    type Rejection = AuthError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<MfaBearer, AuthError> {
        let mfa_token = bearer_token(&parts.headers).ok_or_else(mfa::bearer_missing)?;
        let now = state.clock().unix_now();
        let authorization = state
            .mfa()
            .transaction(mfa_token, None, now)
            .map_err(bearer_rejected)?;
        Ok(MfaBearer {
            mfa_token: mfa_token.to_owned(),
            authorization,
        })
    }
}

/// `GET /mfa/authenticators`: the user's authenticators, confirmed or not.
pub async fn mfa_authenticators_list(
    State(state): State<AppState>,
    bearer: MfaBearer,
) -> Json<Vec<Authenticator>> {
    Json(
        state
            .mfa()
            .authenticators(&bearer.authorization.user.user_id),
    )
}

/// `DELETE /mfa/authenticators/{id}`: deletes an authenticator and its twin; `204` when done.
pub async fn mfa_authenticator_delete(
    State(state): State<AppState>,
    PathParam(id): PathParam,
    bearer: MfaBearer,
) -> Result<StatusCode, AuthError> {
    if state.mfa().delete(&bearer.authorization.user.user_id, &id) {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(mfa::authenticator_not_found(&id))
    }
}

/// `POST /mfa/challenge`: asks the user for a second factor.
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
    let targets = state.mfa().challenge_targets(&authorization.user.user_id);
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
    let channel = target.authenticator.oob_channel;
    let oob_code = send_oob(
        &state,
        &mfa_token,
        &target.device_id,
        target.address.as_deref(),
        channel,
    )
    .await;
    let mut answer = json!({"challenge_type": "oob", "oob_code": oob_code});
    if target.address.is_some() {
        answer["binding_method"] = json!("prompt");
    }
    Ok(Json(answer))
}

/// `POST /mfa/associate`: enrols a new, unconfirmed factor for a user without a confirmed one.
pub async fn mfa_associate(
    State(state): State<AppState>,
    bearer: MfaBearer,
    params: Params,
) -> Result<Response, AuthError> {
    let MfaBearer {
        mfa_token,
        authorization,
    } = bearer;
    let authenticator_type = single_value(&params, "authenticator_types")?;
    let user = &authorization.user;
    let label = otpauth_label(
        &state.tenant().name,
        user.email
            .as_deref()
            .or(user.phone_number.as_deref())
            .unwrap_or(&user.user_id),
    );

    let mut answer = Map::new();
    let enrolment = match authenticator_type.as_str() {
        "otp" => {
            let secret = totp_secret();
            let enrolment = state.mfa().enrol(
                &user.user_id,
                Factor::Totp {
                    id: None,
                    secret: secret.clone(),
                },
            )?;
            let issuer = encode_component(&state.tenant().name);
            answer.insert("authenticator_type".into(), json!("otp"));
            answer.insert(
                "barcode_uri".into(),
                json!(format!(
                    "otpauth://totp/{label}?secret={secret}&issuer={issuer}&algorithm=SHA1&digits=6&period=30"
                )),
            );
            answer.insert("secret".into(), json!(secret));
            enrolment
        }
        "oob" => {
            let channel = single_value(&params, "oob_channels")?;
            let (factor, address) = match channel.as_str() {
                "sms" | "voice" => {
                    let phone = params.required("phone_number")?;
                    if !is_e164(phone) {
                        return Err(mfa::invalid_phone_number(phone));
                    }
                    let factor = Factor::Sms {
                        id: None,
                        phone_number: phone.to_owned(),
                    };
                    (factor, Some(phone.to_owned()))
                }
                "email" => {
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
                "auth0" => {
                    let factor = Factor::Push {
                        id: None,
                        name: DEFAULT_PUSH_DEVICE_NAME.to_owned(),
                        secret: None,
                    };
                    (factor, None)
                }
                other => return Err(mfa::unsupported_oob_channel(other)),
            };
            let enrolment = state.mfa().enrol(&user.user_id, factor)?;
            answer.insert("authenticator_type".into(), json!("oob"));
            answer.insert("oob_channel".into(), json!(channel));
            let code_channel = Some(if channel == "email" { "email" } else { "sms" });
            let oob_code = send_oob(
                &state,
                &mfa_token,
                &enrolment.device_id,
                address.as_deref(),
                code_channel,
            )
            .await;
            answer.insert("oob_code".into(), json!(oob_code));
            if address.is_some() {
                answer.insert("binding_method".into(), json!("prompt"));
            } else {
                let base_url = encode_component(&state.issuer());
                let transaction = random_token(24);
                answer.insert(
                    "barcode_uri".into(),
                    json!(format!(
                        "otpauth://totp/{label}?enrollment_tx_id={transaction}&base_url={base_url}"
                    )),
                );
            }
            enrolment
        }
        other => return Err(mfa::unsupported_authenticator_type(other)),
    };
    if let Some(code) = enrolment.recovery_code {
        answer.insert("recovery_codes".into(), json!([code]));
    }
    let mut response = Json(Value::Object(answer)).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// Issues an `oob_code` for `device_id`: with an `address`, a fresh 6-digit binding code goes
/// there (outbox in the same step, then SMTP for e-mail); without one, a push waits.
async fn send_oob(
    state: &AppState,
    mfa_token: &str,
    device_id: &str,
    address: Option<&str>,
    oob_channel: Option<&str>,
) -> String {
    let channel = match oob_channel {
        Some("email") => Channel::Email,
        _ => Channel::Sms,
    };
    let wait = if address.is_some() {
        OobWait::Prompt
    } else {
        OobWait::Push
    };
    let (oob_code, message) = state.mfa().issue_oob(
        mfa_token,
        device_id,
        wait,
        |binding_code| -> Option<Message> {
            let (to, code) = address.zip(binding_code)?;
            Some(messages::record(state, to, channel, code, None))
        },
    );
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

/// Lower is preferred when the client names no authenticator.
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

/// Percent-encodes everything but unreserved characters and `@`.
fn encode_component(text: &str) -> String {
    let mut encoded = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~@".contains(&byte) {
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
    fn otpauth_labels_encode_plus_and_colon_but_keep_at() {
        assert_eq!(
            otpauth_label("my tenant", "a+b@example.com"),
            "my%20tenant:a%2Bb@example.com"
        );
        assert_eq!(encode_component("http://x/"), "http%3A%2F%2Fx%2F");
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
