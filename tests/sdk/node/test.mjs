// node-auth0 v4 (the official Auth0 Node.js SDK) against the standalone mock tenant.
//
// Every Auth0 call goes through the SDK's `AuthenticationClient` (`passwordless.sendEmail`,
// `sendSMS`, `loginWithEmail`, `loginWithSMS`); `loginWith*` also validates the ID token with the
// SDK's own `IDTokenValidator` (RS256 signature against the mock's JWKS, iss, aud, exp, iat).
// Plain `fetch` is used only for the mock's control API (`/__mock/...`).
//
// MFA: node-auth0 4.37.1 has no MFA API in its AuthenticationClient (no method for `/mfa/*` nor
// for the `mfa-otp`, `mfa-oob`, `mfa-recovery-code` grants; `mfa_required` is an ordinary
// `AuthApiError` whose raw JSON text is in `err.body`, the only way to read the `mfa_token`). So
// the MFA cases drive the raw requests through the SDK's own generic pieces (see "MFA through the
// SDK's generic calls" below): the grants through `grant()` (dist/esm/auth/base-auth-api.js, the
// function behind every SDK grant method, e.g. `passwordless.loginWithEmail`: form-encoded POST
// /oauth/token, errors parsed into `AuthApiError`, ID token validated by the SDK's
// `IDTokenValidator`), and `/mfa/*` through `BaseAuthAPI.request` + `addClientAuthentication`.
// `grant` is not exported from the package root, so it is imported from the installed file
// (the same module instance the SDK uses). TOTP codes: RFC 6238 with node's crypto HMAC.
//
// Environment (set by tests/sdk/run.sh):
//   MOCK_DOMAIN          host:port of a mock served over HTTPS as https://MOCK_DOMAIN
//                        (node-auth0 always builds `https://${domain}`)
//   NODE_EXTRA_CA_CERTS  the fixture certificate, so node trusts the mock
//
// node-auth0 v4 is a server SDK: before any request it throws
//   "The client_secret or client_assertion field is required, or it should be mTLS request."
// unless a secret, an assertion key or `useMTLS` is configured
// (node_modules/auth0/dist/esm/auth/client-authentication.js, `addClientAuthentication`).
// The idiomatic cases use the confidential `regular-web-app` with its secret. For the public
// built-in clients (`native-app`, `no-passwordless-app`) the tests set `useMTLS: true`, which in
// `Passwordless` only disables that local check: the base URL stays `https://${domain}` and no
// client certificate is presented, so the request is exactly a public client's.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, randomUUID } from 'node:crypto';
import { AuthenticationClient, AuthApiError, IdTokenValidatorError } from 'auth0';

const DOMAIN = process.env.MOCK_DOMAIN ?? 'localhost:4000';
const BASE = `https://${DOMAIN}`;
const ISSUER = `${BASE}/`;

const NATIVE = 'native-app';
const CONFIDENTIAL = 'regular-web-app';
const CONFIDENTIAL_SECRET = 'regular-web-app-test-secret';
const NO_PASSWORDLESS = 'no-passwordless-app';
const AUDIENCE = 'https://api.example.com/';
const OTP_GRANT = 'http://auth0.com/oauth/grant-type/passwordless/otp';

// --- the mock's control API (not Auth0's) -------------------------------------------------------

async function latestCode(to) {
  const res = await fetch(`${BASE}/__mock/outbox?${new URLSearchParams({ to })}`);
  assert.equal(res.status, 200, `no message sent to ${to}`);
  const msg = await res.json();
  assert.equal(msg.to, to);
  assert.match(msg.code, /^[0-9]+$/);
  return msg.code;
}

// --- helpers ------------------------------------------------------------------------------------

const uniqueEmail = () => `node-${randomUUID().slice(0, 12)}@example.com`;
const uniquePhone = () => `+1555${String(parseInt(randomUUID().slice(0, 8), 16)).padStart(10, '0').slice(0, 7)}`;

function confidential(domain = DOMAIN) {
  return new AuthenticationClient({ domain, clientId: CONFIDENTIAL, clientSecret: CONFIDENTIAL_SECRET });
}

// A public client (or a confidential one sending no credentials): see the header comment.
function withoutCredentials(clientId, domain = DOMAIN) {
  return new AuthenticationClient({ domain, clientId, useMTLS: true });
}

function assertTokenSet(res) {
  assert.equal(res.status, 200);
  const t = res.data;
  assert.equal(t.token_type, 'Bearer');
  assert.equal(typeof t.access_token, 'string');
  assert.ok(t.access_token.length > 0);
  assert.equal(typeof t.id_token, 'string');
  assert.ok(Number.isInteger(t.expires_in) && t.expires_in > 0);
}

function claims(idToken) {
  return JSON.parse(Buffer.from(idToken.split('.')[1], 'base64url').toString('utf8'));
}

// `fn` must reject with the SDK's AuthApiError carrying exactly these fields.
async function assertAuthApiError(fn, { statusCode, error, error_description }) {
  await assert.rejects(fn, (err) => {
    assert.ok(err instanceof AuthApiError, `expected AuthApiError, got ${err?.name}: ${err?.message}`);
    assert.equal(err.name, 'AuthApiError');
    assert.equal(err.statusCode, statusCode);
    assert.equal(err.error, error);
    assert.equal(err.error_description, error_description);
    assert.equal(err.message, error_description);
    return true;
  });
}

// --- the cases ----------------------------------------------------------------------------------

test('email code login (confidential client with secret); ID token validated by the SDK', async () => {
  const auth = confidential();
  const email = uniqueEmail();
  const started = await auth.passwordless.sendEmail({ email, send: 'code' });
  assert.equal(started.status, 200);

  const res = await auth.passwordless.loginWithEmail({
    email,
    code: await latestCode(email),
    scope: 'openid profile email',
    audience: AUDIENCE,
  });
  assertTokenSet(res);
  const c = claims(res.data.id_token);
  assert.equal(c.iss, ISSUER);
  assert.equal(c.aud, CONFIDENTIAL);
  assert.match(c.sub, /^email\|/);
  assert.equal(c.email, email);
});

test('email code login (public native client)', async () => {
  const auth = withoutCredentials(NATIVE);
  const email = uniqueEmail();
  await auth.passwordless.sendEmail({ email, send: 'code' });
  const res = await auth.passwordless.loginWithEmail({
    email,
    code: await latestCode(email),
    scope: 'openid',
    audience: AUDIENCE,
  });
  assertTokenSet(res);
  assert.equal(claims(res.data.id_token).aud, NATIVE);
});

test('SMS code login', async () => {
  const auth = confidential();
  const phone = uniquePhone();
  const started = await auth.passwordless.sendSMS({ phone_number: phone });
  assert.equal(started.status, 200);
  const res = await auth.passwordless.loginWithSMS({
    phone_number: phone,
    code: await latestCode(phone),
    scope: 'openid',
    audience: AUDIENCE,
  });
  assertTokenSet(res);
  assert.match(claims(res.data.id_token).sub, /^sms\|/);
});

test("the SDK's ID token validator really checks the issuer", async () => {
  // Same mock, reached as 127.0.0.1 (the fixture certificate covers it): the token's iss is the
  // mock's public URL (https://localhost:PORT/), so the SDK must refuse it.
  const port = DOMAIN.split(':')[1];
  const auth = confidential(`127.0.0.1:${port}`);
  const email = uniqueEmail();
  await auth.passwordless.sendEmail({ email, send: 'code' });
  await assert.rejects(
    auth.passwordless.loginWithEmail({ email, code: await latestCode(email), scope: 'openid' }),
    (err) => err instanceof IdTokenValidatorError && /Issuer \(iss\) claim mismatch/.test(err.message),
  );
});

test('wrong code -> AuthApiError invalid_grant (email)', async () => {
  const auth = confidential();
  const email = uniqueEmail();
  await auth.passwordless.sendEmail({ email, send: 'code' });
  const real = await latestCode(email);
  await assertAuthApiError(
    () => auth.passwordless.loginWithEmail({ email, code: real === '000000' ? '111111' : '000000', scope: 'openid' }),
    { statusCode: 403, error: 'invalid_grant', error_description: 'Wrong email or verification code.' },
  );
});

test('wrong code -> AuthApiError invalid_grant (SMS)', async () => {
  const auth = confidential();
  const phone = uniquePhone();
  await auth.passwordless.sendSMS({ phone_number: phone });
  const real = await latestCode(phone);
  await assertAuthApiError(
    () => auth.passwordless.loginWithSMS({ phone_number: phone, code: real === '000000' ? '111111' : '000000', scope: 'openid' }),
    { statusCode: 403, error: 'invalid_grant', error_description: 'Wrong phone number or verification code.' },
  );
});

test('a superseded code is a wrong code; the latest one works', async (t) => {
  const auth = confidential();
  const email = uniqueEmail();
  await auth.passwordless.sendEmail({ email, send: 'code' });
  const first = await latestCode(email);
  await auth.passwordless.sendEmail({ email, send: 'code' });
  const second = await latestCode(email);
  if (first === second) return t.skip('the two codes happen to be equal');
  await assertAuthApiError(
    () => auth.passwordless.loginWithEmail({ email, code: first, scope: 'openid' }),
    { statusCode: 403, error: 'invalid_grant', error_description: 'Wrong email or verification code.' },
  );
  assertTokenSet(await auth.passwordless.loginWithEmail({ email, code: second, scope: 'openid' }));
});

test('grant not enabled -> AuthApiError unauthorized_client', async () => {
  const auth = withoutCredentials(NO_PASSWORDLESS);
  const email = uniqueEmail();
  await auth.passwordless.sendEmail({ email, send: 'code' });
  await assertAuthApiError(
    async () => auth.passwordless.loginWithEmail({ email, code: await latestCode(email), scope: 'openid' }),
    {
      statusCode: 403,
      error: 'unauthorized_client',
      error_description: `Grant type '${OTP_GRANT}' not allowed for the client.`,
    },
  );
});

test('confidential client without its secret -> AuthApiError unauthorized_client on start', async () => {
  const auth = withoutCredentials(CONFIDENTIAL);
  await assertAuthApiError(
    () => auth.passwordless.sendEmail({ email: uniqueEmail(), send: 'code' }),
    { statusCode: 403, error: 'unauthorized_client', error_description: 'Client authentication is required' },
  );
});

test('bad phone number on start -> AuthApiError bad.phone_number', async () => {
  await assertAuthApiError(
    () => confidential().passwordless.sendSMS({ phone_number: '555-0100' }),
    { statusCode: 400, error: 'bad.phone_number', error_description: 'String does not match pattern: ^\\+[0-9]{1,15}$' },
  );
});

// --- MFA ----------------------------------------------------------------------------------------
//
// The built-in MFA test users (GET /__mock/tenant, by role): each is an existing e-mail user who
// logs in with a passwordless code and then gets `mfa_required`.

// The SDK's generic OAuth grant; see the header comment. (`npm ci` installs auth0 right here; the
// package's `exports` map hides the file from a bare `auth0/...` specifier.)
const { grant } = await import(new URL('./node_modules/auth0/dist/esm/auth/base-auth-api.js', import.meta.url));

const MFA_OTP_GRANT = 'http://auth0.com/oauth/grant-type/mfa-otp';
const MFA_OOB_GRANT = 'http://auth0.com/oauth/grant-type/mfa-oob';
const MFA_RECOVERY_GRANT = 'http://auth0.com/oauth/grant-type/mfa-recovery-code';

async function controlGet(path) {
  const res = await fetch(`${BASE}${path}`);
  assert.equal(res.status, 200, `GET ${path}`);
  return res.json();
}

async function controlPost(path, body = {}) {
  const res = await fetch(`${BASE}${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  assert.equal(res.status, 200, `POST ${path}: ${await res.clone().text()}`);
  return res.json();
}

// The mock's clock (it can run ahead of the wall clock): TOTP codes must use it.
const mockNow = async () => (await controlGet('/__mock/clock')).now;

async function mfaUser(role) {
  const users = (await controlGet('/__mock/tenant')).users.filter((u) => u.role === role);
  assert.equal(users.length, 1, `no single test user with role ${role}`);
  return users[0];
}

function factor(user, type) {
  const found = user.factors.find((f) => f.type === type);
  assert.ok(found, `${user.email} has no ${type} factor`);
  return found;
}

// RFC 4648 base32 (no padding needed) and RFC 6238 TOTP (HMAC-SHA1, 6 digits, 30 s).
function base32Decode(text) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const out = [];
  let bits = 0;
  let value = 0;
  for (const c of text.replace(/=+$/, '').toUpperCase()) {
    const index = alphabet.indexOf(c);
    assert.ok(index >= 0, `not base32: ${c}`);
    value = ((value << 5) | index) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

function totp(secret, unixSeconds, { period = 30, digits = 6 } = {}) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(unixSeconds / period)));
  const mac = createHmac('sha1', base32Decode(secret)).update(counter).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  const number = (mac.readUInt32BE(offset) & 0x7fffffff) % 10 ** digits;
  return String(number).padStart(digits, '0');
}

// RFC 6238 Appendix B, SHA1 vector: the helper itself is right.
assert.equal(totp('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ', 59, { digits: 8 }), '94287082');
assert.equal(totp('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ', 1111111109, { digits: 8 }), '07081804');

// Passwordless e-mail login of an MFA user through the SDK: it rejects with `mfa_required`.
// Returns the AuthApiError and its parsed body (node-auth0 keeps the raw JSON text in `body`).
async function mfaRequired(auth, email) {
  await auth.passwordless.sendEmail({ email, send: 'code' });
  const code = await latestCode(email);
  let caught;
  await assert.rejects(
    auth.passwordless.loginWithEmail({ email, code, scope: 'openid profile email', audience: AUDIENCE }),
    (err) => {
      caught = err;
      return true;
    },
  );
  assert.ok(caught instanceof AuthApiError, `expected AuthApiError, got ${caught?.name}: ${caught?.message}`);
  assert.equal(caught.statusCode, 403);
  assert.equal(caught.error, 'mfa_required');
  assert.equal(caught.error_description, 'Multifactor authentication required');
  assert.equal(typeof caught.body, 'string');
  return { err: caught, body: JSON.parse(caught.body) };
}

const mfaTokenOf = async (auth, email) => (await mfaRequired(auth, email)).body.mfa_token;

// MFA through the SDK's generic calls (see the header comment). `api` is the client's
// `passwordless` API object: a BaseAuthAPI whose base URL is https://DOMAIN even with `useMTLS`
// (`auth.oauth` would switch to the mtls.* host).

// POST /oauth/token with an MFA grant, exactly as the SDK's own grant methods call `grant()`.
async function mfaGrant(auth, grantType, params) {
  const api = auth.passwordless;
  return grant(grantType, await api.addClientAuthentication({ ...params }), {}, api.clientId,
    api.idTokenValidator, api.request.bind(api));
}

async function mfaAuthenticators(auth, mfaToken) {
  const res = await auth.passwordless.request({
    path: '/mfa/authenticators',
    method: 'GET',
    headers: { Authorization: `Bearer ${mfaToken}` },
  });
  return res.json();
}

async function mfaChallenge(auth, mfaToken, params) {
  const api = auth.passwordless;
  const res = await api.request({
    path: '/mfa/challenge',
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: await api.addClientAuthentication({ client_id: api.clientId, mfa_token: mfaToken, ...params }),
  });
  return res.json();
}

async function mfaAssociate(auth, mfaToken, params) {
  const api = auth.passwordless;
  const res = await api.request({
    path: '/mfa/associate',
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${mfaToken}` },
    body: await api.addClientAuthentication({ client_id: api.clientId, ...params }),
  });
  return res.json();
}

// The token set after MFA (its ID token was already validated by the SDK inside `grant`).
function assertMfaTokens(res, email, clientId) {
  assertTokenSet(res);
  const c = claims(res.data.id_token);
  assert.equal(c.iss, ISSUER);
  assert.equal(c.aud, clientId);
  assert.equal(c.email, email);
  // Tokens issued through the MFA API carry no amr (evidence `tokens.amr`).
  assert.equal(c.amr, undefined, `amr: ${JSON.stringify(c.amr)}`);
}

test('MFA: mfa_required -> AuthApiError whose body carries the mfa_token', async () => {
  const { err, body } = await mfaRequired(confidential(), (await mfaUser('totp_enrolled')).email);
  assert.equal(err.message, 'Multifactor authentication required');
  assert.equal(body.error, 'mfa_required');
  assert.equal(typeof body.mfa_token, 'string');
  assert.ok(body.mfa_token.startsWith('Fe26.'));
  // Only tenants with Customizable MFA send mfa_requirements (evidence `token.mfa_required`).
  assert.equal(body.mfa_requirements, undefined);
  assert.match(err.headers.get('content-type'), /^application\/json/);
});

test('MFA: TOTP challenge and mfa-otp grant (public native client)', async () => {
  const auth = withoutCredentials(NATIVE);
  const user = await mfaUser('totp_enrolled');
  const device = factor(user, 'totp');
  const mfaToken = await mfaTokenOf(auth, user.email);

  const otpIds = (await mfaAuthenticators(auth, mfaToken))
    .filter((a) => a.authenticator_type === 'otp' && a.active)
    .map((a) => a.id);
  assert.deepEqual(otpIds, device.authenticator_ids);
  assert.deepEqual(await mfaChallenge(auth, mfaToken, { challenge_type: 'otp' }), { challenge_type: 'otp' });

  const res = await mfaGrant(auth, MFA_OTP_GRANT, { mfa_token: mfaToken, otp: totp(device.secret, await mockNow()) });
  assertMfaTokens(res, user.email, NATIVE);
});

test('MFA: wrong TOTP -> AuthApiError invalid_grant', async () => {
  const auth = confidential();
  const user = await mfaUser('totp_enrolled');
  const mfaToken = await mfaTokenOf(auth, user.email);
  // A code no step within the mock's +-1 skew produces.
  const now = await mockNow();
  const near = [-30, 0, 30].map((d) => totp(factor(user, 'totp').secret, now + d));
  const wrong = ['000000', '111111', '222222', '333333'].find((c) => !near.includes(c));
  await assertAuthApiError(
    () => mfaGrant(auth, MFA_OTP_GRANT, { mfa_token: mfaToken, otp: wrong }),
    { statusCode: 403, error: 'invalid_grant', error_description: 'Invalid otp_code.' },
  );
});

test('MFA: SMS OOB challenge, binding code from the outbox, mfa-oob grant', async () => {
  const auth = confidential();
  const user = await mfaUser('sms_enrolled');
  const phone = factor(user, 'sms').phone_number;
  const mfaToken = await mfaTokenOf(auth, user.email);

  const sms = (await mfaAuthenticators(auth, mfaToken)).filter((a) => a.oob_channel === 'sms');
  assert.equal(sms.length, 1);
  assert.ok(sms[0].name.endsWith(phone.slice(-4)));
  const challenge = await mfaChallenge(auth, mfaToken, { challenge_type: 'oob', authenticator_id: sms[0].id });
  assert.equal(challenge.challenge_type, 'oob');
  assert.equal(challenge.binding_method, 'prompt');

  const res = await mfaGrant(auth, MFA_OOB_GRANT, {
    mfa_token: mfaToken,
    oob_code: challenge.oob_code,
    binding_code: await latestCode(phone),
  });
  assertMfaTokens(res, user.email, CONFIDENTIAL);
});

test('MFA: e-mail OOB challenge, binding code from the outbox, mfa-oob grant (public native client)', async () => {
  const auth = withoutCredentials(NATIVE);
  const user = await mfaUser('email_enrolled');
  const mfaToken = await mfaTokenOf(auth, user.email);

  const byEmail = (await mfaAuthenticators(auth, mfaToken)).filter((a) => a.oob_channel === 'email');
  assert.equal(byEmail.length, 1);
  const challenge = await mfaChallenge(auth, mfaToken, { challenge_type: 'oob', authenticator_id: byEmail[0].id });
  assert.equal(challenge.binding_method, 'prompt');
  const bindingCode = await latestCode(user.email); // the binding code superseded the login code

  const res = await mfaGrant(auth, MFA_OOB_GRANT, { mfa_token: mfaToken, oob_code: challenge.oob_code, binding_code: bindingCode });
  assertMfaTokens(res, user.email, NATIVE);
});

async function pushChallenge(auth, mfaToken) {
  const push = (await mfaAuthenticators(auth, mfaToken)).filter((a) => a.oob_channel === 'auth0');
  assert.equal(push.length, 1);
  const challenge = await mfaChallenge(auth, mfaToken, { challenge_type: 'oob', authenticator_id: push[0].id });
  assert.equal(challenge.challenge_type, 'oob');
  assert.equal(challenge.binding_method, undefined); // push: poll, nothing to type
  return challenge.oob_code;
}

const pushControl = (oobCode, decision) => controlPost(`/__mock/push/${encodeURIComponent(oobCode)}/${decision}`);

test('MFA: push pending -> AuthApiError authorization_pending, then approved', async () => {
  const auth = confidential();
  const user = await mfaUser('push_enrolled');
  const mfaToken = await mfaTokenOf(auth, user.email);
  const oobCode = await pushChallenge(auth, mfaToken);

  await assertAuthApiError(
    () => mfaGrant(auth, MFA_OOB_GRANT, { mfa_token: mfaToken, oob_code: oobCode }),
    {
      statusCode: 400,
      error: 'authorization_pending',
      error_description: 'Authorization pending: please repeat the request in a few seconds.',
    },
  );
  await pushControl(oobCode, 'approve');
  await controlPost('/__mock/clock/advance', { seconds: 5 }); // the poll interval
  assertMfaTokens(await mfaGrant(auth, MFA_OOB_GRANT, { mfa_token: mfaToken, oob_code: oobCode }), user.email, CONFIDENTIAL);
});

test('MFA: push rejected -> AuthApiError access_denied', async () => {
  const auth = confidential();
  const mfaToken = await mfaTokenOf(auth, (await mfaUser('push_enrolled')).email);
  const oobCode = await pushChallenge(auth, mfaToken);
  await pushControl(oobCode, 'reject');
  await assertAuthApiError(
    () => mfaGrant(auth, MFA_OOB_GRANT, { mfa_token: mfaToken, oob_code: oobCode }),
    { statusCode: 400, error: 'access_denied', error_description: 'MFA Authorization rejected.' },
  );
});

test('MFA: mfa-recovery-code grant returns a new recovery code; the old one is refused', async () => {
  const auth = confidential();
  const user = await mfaUser('recovery_enrolled');
  const old = factor(user, 'recovery_code').recovery_code;
  const mfaToken = await mfaTokenOf(auth, user.email);

  const res = await mfaGrant(auth, MFA_RECOVERY_GRANT, { mfa_token: mfaToken, recovery_code: old });
  assertMfaTokens(res, user.email, CONFIDENTIAL);
  const fresh = res.data.recovery_code;
  assert.equal(typeof fresh, 'string');
  assert.notEqual(fresh, old);
  assert.equal(factor(await mfaUser('recovery_enrolled'), 'recovery_code').recovery_code, fresh);

  // The same mfa_token is still valid (only the proof is single use); the used code is gone.
  await assertAuthApiError(
    () => mfaGrant(auth, MFA_RECOVERY_GRANT, { mfa_token: mfaToken, recovery_code: old }),
    { statusCode: 403, error: 'invalid_grant', error_description: 'MFA Authorization rejected.' },
  );
});

test('MFA: enrol a TOTP authenticator with /mfa/associate, then mfa-otp grant', async () => {
  const auth = confidential();
  const email = (await mfaUser('must_enrol')).email;
  const { body } = await mfaRequired(auth, email);
  assert.equal(body.mfa_requirements, undefined);
  const mfaToken = body.mfa_token;

  const enrolled = await mfaAssociate(auth, mfaToken, { authenticator_types: ['otp'] });
  assert.equal(enrolled.authenticator_type, 'otp');
  assert.ok(Array.isArray(enrolled.recovery_codes) && enrolled.recovery_codes.length > 0);
  const uri = new URL(enrolled.barcode_uri);
  assert.equal(uri.protocol, 'otpauth:');
  assert.equal(uri.searchParams.get('secret'), enrolled.secret);
  assert.equal(uri.searchParams.get('algorithm'), 'SHA1');
  assert.equal(uri.searchParams.get('digits'), '6');
  assert.equal(uri.searchParams.get('period'), '30');

  const res = await mfaGrant(auth, MFA_OTP_GRANT, { mfa_token: mfaToken, otp: totp(enrolled.secret, await mockNow()) });
  assertMfaTokens(res, email, CONFIDENTIAL);
  const otp = (await mfaAuthenticators(auth, mfaToken)).filter((a) => a.authenticator_type === 'otp');
  assert.deepEqual(otp.map((a) => a.active), [true]);
});

test('MFA: malformed mfa_token -> AuthApiError invalid_grant', async () => {
  await assertAuthApiError(
    () => mfaGrant(confidential(), MFA_OTP_GRANT, { mfa_token: 'not-an-mfa-token', otp: '123456' }),
    { statusCode: 403, error: 'invalid_grant', error_description: 'Malformed mfa_token' },
  );
});

// Keep last: it moves the mock's clock 10 minutes on.
test('MFA: expired mfa_token -> AuthApiError expired_token', async () => {
  const auth = confidential();
  const user = await mfaUser('totp_enrolled');
  const mfaToken = await mfaTokenOf(auth, user.email);
  await controlPost('/__mock/clock/advance', { seconds: 601 }); // mfa_token lives 600 s
  const otp = totp(factor(user, 'totp').secret, await mockNow());
  await assertAuthApiError(
    () => mfaGrant(auth, MFA_OTP_GRANT, { mfa_token: mfaToken, otp }),
    { statusCode: 403, error: 'expired_token', error_description: 'mfa_token is expired' },
  );
});
