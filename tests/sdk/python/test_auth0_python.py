"""auth0-python (the official Auth0 Python SDK) against the standalone mock tenant.

Every Auth0 call goes through the SDK's own classes (`Passwordless`, `GetToken`, `TokenVerifier`
with `AsymmetricSignatureVerifier`); plain `urllib` is used only for the mock's control API
(`/__mock/...`), which is not part of Auth0's surface.

MFA: auth0-python 6.8.0 has no MFA API (no method for `/mfa/*` nor for the `mfa-otp`, `mfa-oob`
and `mfa-recovery-code` grants; its only MFA support is that an `mfa_required` error keeps the
whole JSON body in `Auth0Error.content`, auth0/authentication/rest.py `Response.content`). So the
MFA cases drive the raw requests through the SDK's own generic calls on `GetToken`, i.e.
`AuthenticationBase.authenticated_post` (what every `GetToken` grant uses: adds `client_secret`
for confidential clients, sends telemetry, parses errors into `Auth0Error`), `.get` and `.post`
(see "MFA through the SDK's generic calls" below). TOTP codes come from `pyotp`, on the mock's
clock.

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

import pyotp
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


def _control_post(path: str, body: dict | None = None) -> dict:
    req = urllib.request.Request(
        f"{MOCK_URL}{path}",
        data=json.dumps(body or {}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(req, context=_ssl_context(), timeout=10) as r:
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


# --- options the SDK sends as JSON null -----------------------------------------------------------
#
# auth0-python sends every optional parameter it was not given as JSON `null` rather than leaving
# it out: `GetToken.passwordless_login` always sends `"scope"` and `"audience"`
# (auth0/authentication/get_token.py, `passwordless_login`: `"scope": scope, "audience": audience`),
# and `GetToken.login` does the same by default (`scope=None, realm=None, audience=None`), as does
# `authorization_code(redirect_uri=None)`. Those defaults only work if Auth0 treats `null` as
# absent, as the mock does (src/mock/params.rs; these two cases were strict xfails until it did).


def test_login_without_audience_sends_null_audience():
    email = unique_email()
    passwordless().email(email, send="code")
    tokens = get_token().passwordless_login(
        username=email, otp=latest_code(email), realm="email", scope="openid", audience=None
    )
    assert_token_set(tokens)


def test_login_without_scope_sends_null_scope():
    email = unique_email()
    passwordless().email(email, send="code")
    tokens = get_token().passwordless_login(
        username=email, otp=latest_code(email), realm="email", scope=None, audience=AUDIENCE
    )
    assert tokens["token_type"] == "Bearer"


# --- MFA ------------------------------------------------------------------------------------------
#
# The built-in MFA test users (GET /__mock/tenant, by role): each is an existing e-mail user who
# logs in with a passwordless code and then gets `mfa_required`.

MFA_OTP_GRANT = "http://auth0.com/oauth/grant-type/mfa-otp"
MFA_OOB_GRANT = "http://auth0.com/oauth/grant-type/mfa-oob"
MFA_RECOVERY_GRANT = "http://auth0.com/oauth/grant-type/mfa-recovery-code"


def mock_now() -> int:
    """The mock's clock (it can run ahead of the wall clock): TOTP codes must use it."""
    return _control_get("/__mock/clock")["now"]


def mfa_user(role: str) -> dict:
    users = [u for u in _control_get("/__mock/tenant")["users"] if u["role"] == role]
    assert len(users) == 1, f"no single test user with role {role}"
    return users[0]


def factor(user: dict, kind: str) -> dict:
    found = [f for f in user["factors"] if f["type"] == kind]
    assert found, f"{user['email']} has no {kind} factor"
    return found[0]


def totp_now(secret: str) -> str:
    return pyotp.TOTP(secret).at(mock_now())


def mfa_required(email: str, client_id: str = NATIVE, client_secret: str | None = None) -> Auth0Error:
    """Passwordless e-mail login of an MFA user: the SDK raises `mfa_required`."""
    passwordless(client_id, client_secret).email(email, send="code")
    with pytest.raises(Auth0Error) as info:
        get_token(client_id, client_secret).passwordless_login(
            username=email,
            otp=latest_code(email),
            realm="email",
            scope="openid profile email",
            audience=AUDIENCE,
        )
    err = info.value
    assert type(err) is Auth0Error
    assert err.status_code == 403
    assert err.error_code == "mfa_required"
    assert err.message == "Multifactor authentication required"
    return err


def mfa_token_of(email: str, client_id: str = NATIVE, client_secret: str | None = None) -> str:
    # auth0-python's documented way to read it: the error's `content` (the whole JSON body).
    return mfa_required(email, client_id, client_secret).content["mfa_token"]


# MFA through the SDK's generic calls: auth0-python has no MFA methods (see the module docstring).


def mfa_grant(tokens: GetToken, grant_type: str, **params: str) -> dict:
    """POST /oauth/token with an MFA grant, via `AuthenticationBase.authenticated_post`."""
    return tokens.authenticated_post(
        f"{tokens.protocol}://{tokens.domain}/oauth/token",
        data={"client_id": tokens.client_id, "grant_type": grant_type, **params},
    )


def mfa_authenticators(tokens: GetToken, mfa_token: str) -> list:
    """GET /mfa/authenticators with the mfa_token as bearer, via `AuthenticationBase.get`."""
    return tokens.get(
        f"{tokens.protocol}://{tokens.domain}/mfa/authenticators",
        headers={"Authorization": f"Bearer {mfa_token}"},
    )


def mfa_challenge(tokens: GetToken, mfa_token: str, **params: str) -> dict:
    """POST /mfa/challenge (mfa_token in the body, client authenticated like a grant)."""
    return tokens.authenticated_post(
        f"{tokens.protocol}://{tokens.domain}/mfa/challenge",
        data={"client_id": tokens.client_id, "mfa_token": mfa_token, **params},
    )


def mfa_associate(tokens: GetToken, mfa_token: str, **params) -> dict:
    """POST /mfa/associate with the mfa_token as bearer, via `AuthenticationBase.post`."""
    return tokens.post(
        f"{tokens.protocol}://{tokens.domain}/mfa/associate",
        data={"client_id": tokens.client_id, **params},
        headers={"Authorization": f"Bearer {mfa_token}"},
    )


def assert_mfa_tokens(tokens: dict, email: str, client_id: str = NATIVE) -> dict:
    assert_token_set(tokens)
    claims = verifier(client_id).verify(tokens["id_token"])
    assert claims["aud"] == client_id
    assert claims["email"] == email
    # Tokens issued through the MFA API carry no amr (evidence `tokens.amr`).
    assert "amr" not in claims
    return claims


def assert_auth0_error(info, status_code: int, error_code: str, message: str) -> None:
    err = info.value
    assert type(err) is Auth0Error
    assert (err.status_code, err.error_code, err.message) == (status_code, error_code, message)
    assert err.content is None  # the SDK keeps the body only for mfa_required


def test_mfa_required_exposes_mfa_token_in_content():
    err = mfa_required(mfa_user("totp_enrolled")["email"])
    body = err.content
    assert isinstance(body, dict)
    assert body["error"] == "mfa_required"
    assert body["error_description"] == "Multifactor authentication required"
    assert isinstance(body["mfa_token"], str) and body["mfa_token"].startswith("Fe26.")
    # Only tenants with Customizable MFA send mfa_requirements (evidence `token.mfa_required`).
    assert "mfa_requirements" not in body
    assert err.headers["content-type"].startswith("application/json")


def test_mfa_totp_challenge_and_grant():
    user = mfa_user("totp_enrolled")
    totp = factor(user, "totp")
    mfa_token = mfa_token_of(user["email"])
    tokens = get_token()

    listed = mfa_authenticators(tokens, mfa_token)
    otp_ids = [a["id"] for a in listed if a["authenticator_type"] == "otp" and a["active"]]
    assert otp_ids == totp["authenticator_ids"]
    assert mfa_challenge(tokens, mfa_token, challenge_type="otp") == {"challenge_type": "otp"}

    result = mfa_grant(tokens, MFA_OTP_GRANT, mfa_token=mfa_token, otp=totp_now(totp["secret"]))
    assert_mfa_tokens(result, user["email"])


def test_mfa_wrong_totp_raises_invalid_grant():
    user = mfa_user("totp_enrolled")
    mfa_token = mfa_token_of(user["email"])
    # A code no step within the mock's +-1 skew produces.
    totp = pyotp.TOTP(factor(user, "totp")["secret"])
    now = mock_now()
    near = {totp.at(now + d) for d in (-30, 0, 30)}
    wrong = next(c for c in ("000000", "111111", "222222", "333333") if c not in near)

    with pytest.raises(Auth0Error) as info:
        mfa_grant(get_token(), MFA_OTP_GRANT, mfa_token=mfa_token, otp=wrong)
    assert_auth0_error(info, 403, "invalid_grant", "Invalid otp_code.")


def test_mfa_sms_oob_with_binding_code():
    user = mfa_user("sms_enrolled")
    phone = factor(user, "sms")["phone_number"]
    mfa_token = mfa_token_of(user["email"])
    tokens = get_token()

    sms = [a for a in mfa_authenticators(tokens, mfa_token) if a.get("oob_channel") == "sms"]
    assert len(sms) == 1 and sms[0]["name"].endswith(phone[-4:])
    challenge = mfa_challenge(
        tokens, mfa_token, challenge_type="oob", authenticator_id=sms[0]["id"]
    )
    assert challenge["challenge_type"] == "oob"
    assert challenge["binding_method"] == "prompt"

    result = mfa_grant(
        tokens,
        MFA_OOB_GRANT,
        mfa_token=mfa_token,
        oob_code=challenge["oob_code"],
        binding_code=latest_code(phone),
    )
    assert_mfa_tokens(result, user["email"])


def test_mfa_email_oob_with_binding_code_confidential_client():
    user = mfa_user("email_enrolled")
    email = user["email"]
    mfa_token = mfa_token_of(email, CONFIDENTIAL, CONFIDENTIAL_SECRET)
    tokens = get_token(CONFIDENTIAL, CONFIDENTIAL_SECRET)

    by_email = [a for a in mfa_authenticators(tokens, mfa_token) if a.get("oob_channel") == "email"]
    assert len(by_email) == 1
    challenge = mfa_challenge(
        tokens, mfa_token, challenge_type="oob", authenticator_id=by_email[0]["id"]
    )
    assert challenge["binding_method"] == "prompt"
    binding_code = latest_code(email)  # the login code was superseded by the binding code

    result = mfa_grant(
        tokens,
        MFA_OOB_GRANT,
        mfa_token=mfa_token,
        oob_code=challenge["oob_code"],
        binding_code=binding_code,
    )
    assert_mfa_tokens(result, email, CONFIDENTIAL)


def _push_challenge(tokens: GetToken, mfa_token: str) -> str:
    push = [a for a in mfa_authenticators(tokens, mfa_token) if a.get("oob_channel") == "auth0"]
    assert len(push) == 1
    challenge = mfa_challenge(tokens, mfa_token, challenge_type="oob", authenticator_id=push[0]["id"])
    assert challenge["challenge_type"] == "oob"
    assert "binding_method" not in challenge  # push: poll, nothing to type
    return challenge["oob_code"]


def _push_control(oob_code: str, decision: str) -> None:
    _control_post(f"/__mock/push/{urllib.parse.quote(oob_code, safe='')}/{decision}")


def test_mfa_push_pending_then_approved():
    user = mfa_user("push_enrolled")
    mfa_token = mfa_token_of(user["email"])
    tokens = get_token()
    oob_code = _push_challenge(tokens, mfa_token)

    with pytest.raises(Auth0Error) as info:
        mfa_grant(tokens, MFA_OOB_GRANT, mfa_token=mfa_token, oob_code=oob_code)
    assert_auth0_error(
        info,
        400,
        "authorization_pending",
        "Authorization pending: please repeat the request in a few seconds.",
    )

    _push_control(oob_code, "approve")
    _control_post("/__mock/clock/advance", {"seconds": 5})  # the poll interval
    result = mfa_grant(tokens, MFA_OOB_GRANT, mfa_token=mfa_token, oob_code=oob_code)
    assert_mfa_tokens(result, user["email"])


def test_mfa_push_rejected_raises_access_denied():
    user = mfa_user("push_enrolled")
    mfa_token = mfa_token_of(user["email"])
    tokens = get_token()
    oob_code = _push_challenge(tokens, mfa_token)

    _push_control(oob_code, "reject")
    with pytest.raises(Auth0Error) as info:
        mfa_grant(tokens, MFA_OOB_GRANT, mfa_token=mfa_token, oob_code=oob_code)
    assert_auth0_error(info, 400, "access_denied", "MFA Authorization rejected.")


def test_mfa_recovery_code_grant_returns_a_new_code():
    user = mfa_user("recovery_enrolled")
    old = factor(user, "recovery_code")["recovery_code"]
    mfa_token = mfa_token_of(user["email"])
    tokens = get_token()

    result = mfa_grant(tokens, MFA_RECOVERY_GRANT, mfa_token=mfa_token, recovery_code=old)
    assert_mfa_tokens(result, user["email"])
    new = result["recovery_code"]
    assert isinstance(new, str) and new and new != old
    assert factor(mfa_user("recovery_enrolled"), "recovery_code")["recovery_code"] == new

    # The used code is gone (the same mfa_token is still valid: only the proof is single use).
    with pytest.raises(Auth0Error) as info:
        mfa_grant(tokens, MFA_RECOVERY_GRANT, mfa_token=mfa_token, recovery_code=old)
    assert_auth0_error(info, 403, "invalid_grant", "MFA Authorization rejected.")


def test_mfa_enrol_totp_then_grant():
    email = mfa_user("must_enrol")["email"]
    err = mfa_required(email)
    assert "mfa_requirements" not in err.content
    mfa_token = err.content["mfa_token"]
    tokens = get_token()

    enrolled = mfa_associate(tokens, mfa_token, authenticator_types=["otp"])
    assert enrolled["authenticator_type"] == "otp"
    assert isinstance(enrolled["recovery_codes"], list) and enrolled["recovery_codes"]
    totp = pyotp.parse_uri(enrolled["barcode_uri"])  # SHA1, 6 digits, 30 s
    assert totp.secret == enrolled["secret"]

    result = mfa_grant(tokens, MFA_OTP_GRANT, mfa_token=mfa_token, otp=totp.at(mock_now()))
    assert_mfa_tokens(result, email)
    active = [a for a in mfa_authenticators(tokens, mfa_token) if a["authenticator_type"] == "otp"]
    assert [a["active"] for a in active] == [True]


def test_mfa_malformed_mfa_token_raises_invalid_grant():
    with pytest.raises(Auth0Error) as info:
        mfa_grant(get_token(), MFA_OTP_GRANT, mfa_token="not-an-mfa-token", otp="123456")
    assert_auth0_error(info, 403, "invalid_grant", "Malformed mfa_token")


# Keep last: it moves the mock's clock 10 minutes on.
def test_mfa_expired_mfa_token_raises_expired_token():
    user = mfa_user("totp_enrolled")
    mfa_token = mfa_token_of(user["email"])
    _control_post("/__mock/clock/advance", {"seconds": 601})  # mfa_token lives 600 s
    with pytest.raises(Auth0Error) as info:
        mfa_grant(
            get_token(), MFA_OTP_GRANT, mfa_token=mfa_token, otp=totp_now(factor(user, "totp")["secret"])
        )
    assert_auth0_error(info, 403, "expired_token", "mfa_token is expired")
