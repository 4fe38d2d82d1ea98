// node-auth0 v4 (the official Auth0 Node.js SDK) against the standalone mock tenant.
//
// Every Auth0 call goes through the SDK's `AuthenticationClient` (`passwordless.sendEmail`,
// `sendSMS`, `loginWithEmail`, `loginWithSMS`); `loginWith*` also validates the ID token with the
// SDK's own `IDTokenValidator` (RS256 signature against the mock's JWKS, iss, aud, exp, iat).
// Plain `fetch` is used only for the mock's control API (`/__mock/...`).
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
import { randomUUID } from 'node:crypto';
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
