"""auth0-python (the official Auth0 Python SDK) against the standalone mock tenant.

Every Auth0 call goes through the SDK's own classes (`Passwordless`, `GetToken`, `TokenVerifier`
with `AsymmetricSignatureVerifier`); plain `urllib` is used only for the mock's control API
(`/__mock/...`), which is not part of Auth0's surface.

Environment (set by `tests/sdk/run.sh`):
  MOCK_URL            base URL of a running mock, e.g. https://localhost:4000 (or http://...)
  REQUESTS_CA_BUNDLE  the fixture certificate when MOCK_URL is https (trusted by `requests`,
                      which the SDK uses, and by the control-API helper below)
"""

from __future__ import annotations

import json
import os
import ssl
import urllib.parse
import urllib.request
import uuid

import pytest
from auth0.authentication import GetToken, Passwordless
from auth0.authentication.token_verifier import (
    AsymmetricSignatureVerifier,
    TokenValidationError,
    TokenVerifier,
)
from auth0.authentication.exceptions import Auth0Error

MOCK_URL = os.environ.get("MOCK_URL", "http://127.0.0.1:4000").rstrip("/")
_parsed = urllib.parse.urlsplit(MOCK_URL)
PROTOCOL = _parsed.scheme  # the SDK's `protocol` argument
DOMAIN = _parsed.netloc  # the SDK's `domain`: host[:port]
ISSUER = f"{MOCK_URL}/"
JWKS_URL = f"{MOCK_URL}/.well-known/jwks.json"

NATIVE = "native-app"
CONFIDENTIAL = "regular-web-app"
CONFIDENTIAL_SECRET = "regular-web-app-test-secret"
NO_PASSWORDLESS = "no-passwordless-app"
AUDIENCE = "https://api.example.com/"
OTP_GRANT = "http://auth0.com/oauth/grant-type/passwordless/otp"


# --- the mock's control API (not Auth0's): plain urllib ------------------------------------------


def _ssl_context() -> ssl.SSLContext | None:
    if PROTOCOL != "https":
        return None
    return ssl.create_default_context(cafile=os.environ.get("REQUESTS_CA_BUNDLE"))


def _control_get(path: str) -> dict:
    with urllib.request.urlopen(f"{MOCK_URL}{path}", context=_ssl_context(), timeout=10) as r:
        return json.loads(r.read())


def latest_code(to: str) -> str:
    msg = _control_get("/__mock/outbox?" + urllib.parse.urlencode({"to": to}))
    assert msg["to"] == to
    assert msg["code"], msg
    return msg["code"]


# --- helpers -------------------------------------------------------------------------------------


def unique_email() -> str:
    return f"py-{uuid.uuid4().hex[:12]}@example.com"


def unique_phone() -> str:
    return "+1555" + str(uuid.uuid4().int)[:7]


def passwordless(client_id: str = NATIVE, client_secret: str | None = None) -> Passwordless:
    return Passwordless(DOMAIN, client_id, client_secret=client_secret, protocol=PROTOCOL)


def get_token(client_id: str = NATIVE, client_secret: str | None = None) -> GetToken:
    return GetToken(DOMAIN, client_id, client_secret=client_secret, protocol=PROTOCOL)


def verifier(audience: str, issuer: str = ISSUER) -> TokenVerifier:
    return TokenVerifier(
        signature_verifier=AsymmetricSignatureVerifier(JWKS_URL),
        issuer=issuer,
        audience=audience,
    )


def assert_token_set(tokens: dict) -> None:
    assert tokens["token_type"] == "Bearer"
    assert isinstance(tokens["access_token"], str) and tokens["access_token"]
    assert isinstance(tokens["id_token"], str) and tokens["id_token"]
    assert isinstance(tokens["expires_in"], int) and tokens["expires_in"] > 0


# --- the cases -----------------------------------------------------------------------------------


def test_email_code_login_and_id_token_verified_by_sdk():
    email = unique_email()
    started = passwordless().email(email, send="code")
    assert isinstance(started, dict)

    tokens = get_token().passwordless_login(
        username=email,
        otp=latest_code(email),
        realm="email",
        scope="openid profile email",
        audience=AUDIENCE,
    )
    assert_token_set(tokens)

    # The SDK's verifier fetches the mock's JWKS and checks signature (RS256), iss, aud, exp, iat.
    claims = verifier(NATIVE).verify(tokens["id_token"])
    assert claims["iss"] == ISSUER
    assert claims["aud"] == NATIVE
    assert claims["sub"].startswith("email|")
    assert claims["email"] == email

    # ... and the same verifier really checks: wrong audience / issuer are rejected.
    with pytest.raises(TokenValidationError, match="Audience"):
        verifier("some-other-client").verify(tokens["id_token"])
    with pytest.raises(TokenValidationError, match="Issuer"):
        verifier(NATIVE, issuer="https://elsewhere.example.com/").verify(tokens["id_token"])


def test_sms_code_login():
    phone = unique_phone()
    started = passwordless().sms(phone)
    assert isinstance(started, dict)

    tokens = get_token().passwordless_login(
        username=phone,
        otp=latest_code(phone),
        realm="sms",
        scope="openid",
        audience=AUDIENCE,
    )
    assert_token_set(tokens)
    claims = verifier(NATIVE).verify(tokens["id_token"])
    assert claims["sub"].startswith("sms|")


def test_confidential_client_login_with_secret():
    email = unique_email()
    passwordless(CONFIDENTIAL, CONFIDENTIAL_SECRET).email(email, send="code")

    tokens = get_token(CONFIDENTIAL, CONFIDENTIAL_SECRET).passwordless_login(
        username=email,
        otp=latest_code(email),
        realm="email",
        scope="openid",
        audience=AUDIENCE,
    )
    assert_token_set(tokens)
    claims = verifier(CONFIDENTIAL).verify(tokens["id_token"])
    assert claims["aud"] == CONFIDENTIAL


def test_confidential_client_without_secret_is_refused_on_start():
    with pytest.raises(Auth0Error) as info:
        passwordless(CONFIDENTIAL).email(unique_email(), send="code")
    err = info.value
    assert err.status_code == 403
    assert err.error_code == "unauthorized_client"
    assert err.message == "Client authentication is required"


def test_wrong_code_raises_invalid_grant():
    email = unique_email()
    passwordless().email(email, send="code")
    real = latest_code(email)
    wrong = "000000" if real != "000000" else "111111"

    with pytest.raises(Auth0Error) as info:
        get_token().passwordless_login(
            username=email, otp=wrong, realm="email", scope="openid", audience=AUDIENCE
        )
    err = info.value
    assert type(err) is Auth0Error
    assert err.status_code == 403
    assert err.error_code == "invalid_grant"
    assert err.message == "Wrong email or verification code."


def test_wrong_sms_code_raises_invalid_grant():
    phone = unique_phone()
    passwordless().sms(phone)
    real = latest_code(phone)
    wrong = "000000" if real != "000000" else "111111"

    with pytest.raises(Auth0Error) as info:
        get_token().passwordless_login(
            username=phone, otp=wrong, realm="sms", scope="openid", audience=AUDIENCE
        )
    err = info.value
    assert err.status_code == 403
    assert err.error_code == "invalid_grant"
    assert err.message == "Wrong phone number or verification code."


def test_superseded_code_is_a_wrong_code():
    email = unique_email()
    passwordless().email(email, send="code")
    first = latest_code(email)
    passwordless().email(email, send="code")
    second = latest_code(email)
    if first == second:  # 1 in 10^6: the old code would still be "the latest"
        pytest.skip("the two codes happen to be equal")

    with pytest.raises(Auth0Error) as info:
        get_token().passwordless_login(
            username=email, otp=first, realm="email", scope="openid", audience=AUDIENCE
        )
    assert info.value.status_code == 403
    assert info.value.error_code == "invalid_grant"
    assert info.value.message == "Wrong email or verification code."

    tokens = get_token().passwordless_login(
        username=email, otp=second, realm="email", scope="openid", audience=AUDIENCE
    )
    assert_token_set(tokens)


def test_grant_not_enabled_raises_unauthorized_client():
    email = unique_email()
    passwordless(NO_PASSWORDLESS).email(email, send="code")

    with pytest.raises(Auth0Error) as info:
        get_token(NO_PASSWORDLESS).passwordless_login(
            username=email,
            otp=latest_code(email),
            realm="email",
            scope="openid",
            audience=AUDIENCE,
        )
    err = info.value
    assert err.status_code == 403
    assert err.error_code == "unauthorized_client"
    assert err.message == f"Grant type '{OTP_GRANT}' not allowed for the client."


def test_bad_phone_number_on_start():
    with pytest.raises(Auth0Error) as info:
        passwordless().sms("555-0100")
    err = info.value
    assert err.status_code == 400
    assert err.error_code == "bad.phone_number"
    assert err.message == r"String does not match pattern: ^\+[0-9]{1,15}$"


# --- known mock discrepancies (strict xfail: they turn into failures once the mock is fixed) ------
#
# auth0-python sends every optional parameter it was not given as JSON `null` rather than leaving
# it out: `GetToken.passwordless_login` always sends `"scope"` and `"audience"`
# (auth0/authentication/get_token.py, `passwordless_login`: `"scope": scope, "audience": audience`),
# and `GetToken.login` does the same by default (`scope=None, realm=None, audience=None`), as does
# `authorization_code(redirect_uri=None)`. Those defaults only work if Auth0 treats `null` as
# absent. The mock instead answers 400 `invalid_request` `<name> must be a string`
# (src/mock/token.rs `optional`, an UNVERIFIED choice in src/mock/errors.rs) -- and for `scope` it
# does so only after redeeming the code, so the code is burnt as well.

NULL_PARAM = (
    "MOCK DISCREPANCY: JSON null for an optional /oauth/token parameter is refused with "
    "400 invalid_request '<name> must be a string'; auth0-python sends null for omitted options"
)


@pytest.mark.xfail(strict=True, raises=Auth0Error, reason=NULL_PARAM)
def test_login_without_audience_sends_null_audience():
    email = unique_email()
    passwordless().email(email, send="code")
    tokens = get_token().passwordless_login(
        username=email, otp=latest_code(email), realm="email", scope="openid", audience=None
    )
    assert_token_set(tokens)


@pytest.mark.xfail(strict=True, raises=Auth0Error, reason=NULL_PARAM)
def test_login_without_scope_sends_null_scope():
    email = unique_email()
    passwordless().email(email, send="code")
    tokens = get_token().passwordless_login(
        username=email, otp=latest_code(email), realm="email", scope=None, audience=AUDIENCE
    )
    assert tokens["token_type"] == "Bearer"
