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
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use super::clock::rfc3339;
use super::errors::body::Flavor;
use super::errors::{AuthError, mfa, not_found, token};
use super::ids::random_token;
use super::mfa_store::{
    Authenticator, ChallengeTarget, OobWait, TokenProblem, binding_code, totp_secret,
};
use super::outbox::{Channel, Message, email_body, sms_body};
use super::params::{Params, basic_credentials, read_params};
use super::passwordless::{is_e164, is_email};
use super::smtp;
use super::state::{AppState, Authorization};
use super::tenant::Factor;
use super::token::{authenticated_client, optional, required};
use super::token_mfa::transaction;

/// The name new push devices get in the authenticator list.
pub const PUSH_DEVICE_NAME: &str = "Mock Device";

/// `GET /mfa/authenticators`: the user's authenticators, confirmed or not.
pub async fn mfa_authenticators_list(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Json<Vec<Authenticator>>, AuthError> {
    let (_, authorization) = bearer_transaction(&state, &headers)?;
    Ok(Json(
        state.mfa().authenticators(&authorization.user.user_id),
    ))
}

/// `DELETE /mfa/authenticators/{id}`: deletes an authenticator and its twin; `204` when done.
pub async fn mfa_authenticator_delete(
    State(state): State<AppState>,
    headers: HeaderMap,
    id: Result<Path<String>, PathRejection>,
) -> Result<StatusCode, AuthError> {
    let Path(id) = id.map_err(|_| not_found())?;
    let (_, authorization) = bearer_transaction(&state, &headers)?;
    if state.mfa().delete(&authorization.user.user_id, &id) {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(mfa::authenticator_not_found(&id))
    }
}

/// `POST /mfa/challenge`: asks the user for a second factor.
pub async fn mfa_challenge(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, AuthError> {
    let params = read_params(&headers, body, Flavor::Mfa)?;
    let client_id = match optional(&params, "client_id")? {
        Some(client_id) => client_id.to_owned(),
        None => basic_credentials(&headers)
            .map(|(id, _)| id)
            .ok_or_else(|| token::missing_parameter("client_id"))?,
    };
    let client = authenticated_client(&state, &client_id, &params, &headers)?;
    let (mfa_token, authorization) = transaction(&state, client, &params)?;
    let mfa_token = mfa_token.as_str();

    let allowed_types = challenge_types(optional(&params, "challenge_type")?)?;
    let authenticator_id = optional(&params, "authenticator_id")?;
    let oob_channel = optional(&params, "oob_channel")?;
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
    let oob_code = match &target.address {
        Some(address) => {
            let code = send_binding_code(&state, address, target.authenticator.oob_channel).await;
            state.mfa().issue_oob(
                mfa_token,
                &target.device_id,
                OobWait::Prompt { binding_code: code },
            )
        }
        None => state
            .mfa()
            .issue_oob(mfa_token, &target.device_id, OobWait::Push),
    };
    let mut answer = json!({"challenge_type": "oob", "oob_code": oob_code});
    if target.address.is_some() {
        answer["binding_method"] = json!("prompt");
    }
    Ok(Json(answer))
}

/// `POST /mfa/associate`: enrols a new, unconfirmed factor for a user without a confirmed one.
pub async fn mfa_associate(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, AuthError> {
    let (mfa_token, authorization) = bearer_transaction(&state, &headers)?;
    let params = read_params(&headers, body, Flavor::Mfa)?;
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
                    let phone = required(&params, "phone_number")?;
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
                    let email = required(&params, "email")?;
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
                        name: PUSH_DEVICE_NAME.to_owned(),
                        secret: None,
                    };
                    (factor, None)
                }
                other => return Err(mfa::unsupported_oob_channel(other)),
            };
            let enrolment = state.mfa().enrol(&user.user_id, factor)?;
            answer.insert("authenticator_type".into(), json!("oob"));
            answer.insert("oob_channel".into(), json!(channel));
            match address {
                Some(address) => {
                    let channel = Some(if channel == "email" { "email" } else { "sms" });
                    let code = send_binding_code(&state, &address, channel).await;
                    let oob_code = state.mfa().issue_oob(
                        &mfa_token,
                        &enrolment.device_id,
                        OobWait::Prompt { binding_code: code },
                    );
                    answer.insert("oob_code".into(), json!(oob_code));
                    answer.insert("binding_method".into(), json!("prompt"));
                }
                None => {
                    let oob_code =
                        state
                            .mfa()
                            .issue_oob(&mfa_token, &enrolment.device_id, OobWait::Push);
                    let base_url = encode_component(&state.issuer());
                    let transaction = random_token(24);
                    answer.insert("oob_code".into(), json!(oob_code));
                    answer.insert(
                        "barcode_uri".into(),
                        json!(format!(
                            "otpauth://totp/{label}?enrollment_tx_id={transaction}&base_url={base_url}"
                        )),
                    );
                }
            }
            enrolment
        }
        other => return Err(mfa::unsupported_authenticator_type(other)),
    };
    if let Some(code) = enrolment.recovery_code {
        answer.insert("recovery_codes".into(), json!([code]));
    }
    let mut response = Json(Value::Object(answer)).into_response();
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
    Ok(response)
}

/// The `mfa_token` in `Authorization: Bearer` and the login behind it.
fn bearer_transaction(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<(String, Authorization), AuthError> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.trim().split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim())
        .filter(|token| !token.is_empty())
        .ok_or_else(mfa::bearer_missing)?;
    let now = state.clock().unix_now();
    let authorization =
        state
            .mfa()
            .transaction(token, None, now)
            .map_err(|problem| match problem {
                TokenProblem::Malformed => mfa::bearer_malformed(),
                TokenProblem::Expired => mfa::bearer_expired(),
            })?;
    Ok((token.to_owned(), authorization))
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

/// Sends a fresh 6-digit binding code to `address` (outbox, and SMTP for e-mail) and returns it.
async fn send_binding_code(state: &AppState, address: &str, oob_channel: Option<&str>) -> String {
    let code = binding_code();
    let (channel, body) = match oob_channel {
        Some("email") => (Channel::Email, email_body(&code, None)),
        _ => (Channel::Sms, sms_body(&code, None)),
    };
    let message = Message {
        to: address.to_owned(),
        channel,
        code: code.clone(),
        link: None,
        body,
        sent_at: rfc3339(state.clock().now()),
        smtp_error: None,
    };
    smtp::send(state, message).await;
    code
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
