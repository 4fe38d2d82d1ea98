//! `POST /passwordless/start` and `GET /passwordless/verify_redirect`.
//!
//! Start validates a request in the order of Auth0's documented error table, issues a code that
//! supersedes earlier ones, and sends it (a code, or a magic link carrying it): to the outbox, and
//! e-mails also over SMTP when the tenant has `smtp:` settings.
//! Verify-redirect is the web magic link: it redeems the code like the OTP grant and redirects to
//! `redirect_uri` with an authorization code.
//!
//! Native magic links (`send: link_ios` / `link_android`) point at `{public_url}/ios/{client_id}/
//! {connection}?code=...` (resp. `/android/...`); the mock does not serve those paths, apps
//! intercept them. The path after the bundle id is a guess (evidence `link.native_path`).

use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use super::address::{is_e164, is_email};
use super::client_auth::authenticate;
use super::errors::{AuthError, link, start, token};
use super::grants::{AUTHORIZATION_CODE_LIFETIME_SECONDS, Authorization};
use super::ids::random_hex;
use super::messages;
use super::outbox::Channel;
use super::params::{Params, StartParams};
use super::rejections::{otp_rejected, start_client_unauthenticated};
use super::state::AppState;
use super::tenant::{Client, Connection, Strategy, Tenant};

/// The properties `/passwordless/start` accepts; anything else is `bad.request` (evidence
/// `start.properties_not_allowed`).
const ALLOWED_PROPERTIES: [&str; 9] = [
    "client_id",
    "client_secret",
    "client_assertion",
    "client_assertion_type",
    "connection",
    "email",
    "phone_number",
    "send",
    "authParams",
];

/// What `/passwordless/start` sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Send {
    Code,
    Link,
    LinkIos,
    LinkAndroid,
}

impl Send {
    fn parse(value: &str) -> Option<Send> {
        match value {
            "code" => Some(Send::Code),
            "link" => Some(Send::Link),
            "link_ios" => Some(Send::LinkIos),
            "link_android" => Some(Send::LinkAndroid),
            _ => None,
        }
    }
}

/// `POST /passwordless/start`: send a one-time code or magic link.
pub async fn passwordless_start(
    State(state): State<AppState>,
    headers: HeaderMap,
    StartParams(params): StartParams,
) -> Result<Json<Value>, AuthError> {
    let tenant = state.tenant();

    let client_id =
        start_field(&params, "client_id")?.ok_or_else(|| start::missing_property("client_id"))?;
    let not_allowed: Vec<&str> = params
        .names()
        .filter(|name| !ALLOWED_PROPERTIES.contains(name))
        .collect();
    if !not_allowed.is_empty() {
        return Err(start::properties_not_allowed(&not_allowed));
    }
    let client = tenant
        .client(client_id)
        .ok_or_else(|| start::unknown_client(client_id))?;
    authenticate(client, &params, &headers).map_err(start_client_unauthenticated)?;
    let connection = enabled_connection(client, &params, tenant)?;
    let identifier = identifier(&params, connection)?;
    // JSON `null` counts as absent for the optional properties (auth0-python sends omitted
    // fields that way); required ones still must be strings.
    let auth_params = match params.present("authParams") {
        None => Map::new(),
        Some(Value::Object(auth_params)) => auth_params.clone(),
        Some(other) => return Err(start::auth_params_not_object(other)),
    };
    let send = match params
        .optional_string("send")
        .map_err(|found| start::not_a_string("send", found))?
    {
        Some(value) => Send::parse(value).ok_or_else(|| start::send_not_allowed(value))?,
        // Auth0 documents `link` as the default; for SMS only codes make sense.
        None => match connection.strategy {
            Strategy::Email => Send::Link,
            Strategy::Sms => Send::Code,
        },
    };
    if connection.disable_signup && state.users().find(&connection.name, identifier).is_none() {
        return Err(start::signup_disabled());
    }

    let expires_at = state
        .clock()
        .unix_now()
        .saturating_add(connection.otp_lifetime_seconds);
    let channel = match connection.strategy {
        Strategy::Email => Channel::Email,
        Strategy::Sms => Channel::Sms,
    };
    // Issuing the code and recording its message are one step, so the newest message to an
    // address always carries the code the store accepts.
    let message = state.otp().issue(
        &connection.name,
        identifier,
        connection.otp_length,
        expires_at,
        |code| {
            let link = build_link(
                &state,
                send,
                client,
                connection,
                identifier,
                code,
                &auth_params,
            );
            messages::record(&state, identifier, channel, code, link)
        },
    );
    messages::deliver(&state, &message).await;

    // The flag is the user's: an address with a user proved it at a login (evidence
    // `start.body.email`, `start.body.sms`).
    let verified = state.users().find(&connection.name, identifier).is_some();
    let id = random_hex(24);
    Ok(Json(match connection.strategy {
        Strategy::Email => json!({"_id": id, "email": identifier, "email_verified": verified}),
        Strategy::Sms => {
            json!({"_id": id, "phone_number": identifier, "phone_verified": verified})
        }
    }))
}

/// `GET /passwordless/verify_redirect`: open a web magic link.
pub async fn passwordless_verify_redirect(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
) -> Result<Response, AuthError> {
    let params = Params::from_urlencoded(query.unwrap_or_default().as_bytes());
    let tenant = state.tenant();

    let client_id =
        start_field(&params, "client_id")?.ok_or_else(|| start::missing_property("client_id"))?;
    let client = tenant
        .client(client_id)
        .ok_or_else(|| start::unknown_client(client_id))?;
    let connection = enabled_connection(client, &params, tenant)?;
    let identifier = start_field(&params, connection.strategy.identifier_field())?
        .ok_or_else(|| start::missing_property(connection.strategy.identifier_field()))?;
    let verification_code = start_field(&params, "verification_code")?
        .ok_or_else(|| start::missing_property("verification_code"))?;
    let redirect_uri = start_field(&params, "redirect_uri")?
        .ok_or_else(|| start::missing_property("redirect_uri"))?;
    let redirect_target = url::Url::parse(redirect_uri)
        .ok()
        .filter(|url| !url.cannot_be_a_base())
        .ok_or_else(|| link::invalid_redirect_uri(redirect_uri))?;
    let client_state = params.string("state").ok().flatten();
    let redirect = |pairs: &[(&str, &str)]| redirect_with(&redirect_target, pairs, client_state);

    let response_type = params
        .string("response_type")
        .ok()
        .flatten()
        .unwrap_or("code");
    if response_type != "code" {
        let error = state.calibrate(link::unsupported_response_type(response_type));
        return redirect(&[
            ("error", error.error()),
            ("error_description", error.description()),
        ]);
    }
    let audience = params.string("audience").ok().flatten();
    if let Some(audience) = audience
        && tenant.api(audience).is_none()
    {
        let error = state.calibrate(token::audience_unknown(audience));
        return redirect(&[
            ("error", error.error()),
            ("error_description", error.description()),
        ]);
    }
    let now = state.clock().unix_now();
    if let Err(rejection) = state
        .otp()
        .redeem(&connection.name, identifier, verification_code, now)
    {
        let error = state.calibrate(otp_rejected(rejection, connection.strategy));
        return redirect(&[
            ("error", "access_denied"),
            ("error_description", error.description()),
        ]);
    }
    if connection.disable_signup && state.users().find(&connection.name, identifier).is_none() {
        let error = state.calibrate(start::signup_disabled());
        return redirect(&[
            ("error", error.error()),
            ("error_description", error.description()),
        ]);
    }
    let user = state
        .users()
        .find_or_create(connection, identifier, state.clock().now());
    let code = state.grants().issue_code(Authorization {
        client_id: client.client_id.clone(),
        user,
        scope: params
            .string("scope")
            .ok()
            .flatten()
            .unwrap_or("")
            .to_owned(),
        audience: audience.map(str::to_owned),
        nonce: params.string("nonce").ok().flatten().map(str::to_owned),
        redirect_uri: Some(redirect_uri.to_owned()),
        expires_at: now.saturating_add(AUTHORIZATION_CODE_LIFETIME_SECONDS),
    });
    redirect(&[("code", &code)])
}

/// A string field of a start-style request, or the `bad.<field>` type error.
fn start_field<'p>(params: &'p Params, name: &str) -> Result<Option<&'p str>, AuthError> {
    params
        .string(name)
        .map_err(|found| start::not_a_string(name, found))
}

/// The connection named by `connection`, checked to exist and be enabled for `client`.
fn enabled_connection<'t>(
    client: &Client,
    params: &Params,
    tenant: &'t Tenant,
) -> Result<&'t Connection, AuthError> {
    let name =
        start_field(params, "connection")?.ok_or_else(|| start::missing_property("connection"))?;
    let connection = tenant
        .connection(name)
        .ok_or_else(start::connection_does_not_exist)?;
    if !client.has_connection(&connection.name) {
        return Err(start::connection_disabled());
    }
    Ok(connection)
}

/// The e-mail address or phone number the connection needs, validated.
fn identifier<'p>(params: &'p Params, connection: &Connection) -> Result<&'p str, AuthError> {
    let field = connection.strategy.identifier_field();
    let value = start_field(params, field)?.ok_or_else(|| start::missing_property(field))?;
    match connection.strategy {
        Strategy::Email if !is_email(value) => Err(start::invalid_email(value)),
        Strategy::Sms if !is_e164(value) => Err(start::phone_number_pattern()),
        _ => Ok(value),
    }
}

/// The magic link for `send`, or `None` for a plain code.
fn build_link(
    state: &AppState,
    send: Send,
    client: &Client,
    connection: &Connection,
    identifier: &str,
    code: &str,
    auth_params: &Map<String, Value>,
) -> Option<String> {
    let base = state.public_url();
    match send {
        Send::Code => None,
        Send::Link => {
            let mut query = url::form_urlencoded::Serializer::new(String::new());
            query
                .append_pair("client_id", &client.client_id)
                .append_pair("connection", &connection.name)
                .append_pair(connection.strategy.identifier_field(), identifier)
                .append_pair("verification_code", code);
            // authParams cannot override what identifies the code.
            let reserved = [
                "client_id",
                "connection",
                "email",
                "phone_number",
                "verification_code",
            ];
            for (name, value) in auth_params {
                if reserved.contains(&name.as_str()) {
                    continue;
                }
                let text = match value {
                    Value::String(text) => text.clone(),
                    Value::Number(_) | Value::Bool(_) => value.to_string(),
                    Value::Null | Value::Array(_) | Value::Object(_) => continue,
                };
                query.append_pair(name, &text);
            }
            Some(format!(
                "{base}/passwordless/verify_redirect?{}",
                query.finish()
            ))
        }
        Send::LinkIos | Send::LinkAndroid => {
            let platform = if send == Send::LinkIos {
                "ios"
            } else {
                "android"
            };
            let query = url::form_urlencoded::Serializer::new(String::new())
                .append_pair("code", code)
                .finish();
            Some(format!(
                "{base}/{platform}/{}/{}?{query}",
                client.client_id, connection.name
            ))
        }
    }
}

/// A 302 to `target` with `pairs` (and `state`, when the link had one) added to its query.
fn redirect_with(
    target: &url::Url,
    pairs: &[(&str, &str)],
    client_state: Option<&str>,
) -> Result<Response, AuthError> {
    let mut location = target.clone();
    {
        let mut query = location.query_pairs_mut();
        for (name, value) in pairs {
            query.append_pair(name, value);
        }
        if let Some(client_state) = client_state {
            query.append_pair("state", client_state);
        }
    }
    let value = HeaderValue::from_str(location.as_str())
        .map_err(|_| link::invalid_redirect_uri(target.as_str()))?;
    Ok((StatusCode::FOUND, [(header::LOCATION, value)]).into_response())
}
