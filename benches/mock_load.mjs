// Load driver for `benches/mock_load.sh`: keeps CONCURRENCY requests loops busy against one server
// for SECONDS and prints one JSON line with what completed.
//
//   node benches/mock_load.mjs login BASE_URL [SECONDS] [CONCURRENCY]
//     one login = POST /passwordless/start → GET /__mock/outbox → POST /oauth/token (passwordless OTP)
//   node benches/mock_load.mjs client_credentials TOKEN_URL [SECONDS] [CONCURRENCY]
//     one token = POST TOKEN_URL grant_type=client_credentials (oauth2-mock-server's /token)
//
// Node's fetch keeps connections alive, so both servers are driven the same way.

const [mode, target, secondsArg = "5", concurrencyArg = "32"] = process.argv.slice(2);
const seconds = Number(secondsArg);
const concurrency = Number(concurrencyArg);
if (!["login", "client_credentials"].includes(mode) || !target) {
  console.error("usage: mock_load.mjs login|client_credentials URL [SECONDS] [CONCURRENCY]");
  process.exit(2);
}

const json = (body) => ({
  method: "POST",
  headers: { "content-type": "application/json" },
  body: JSON.stringify(body),
});

let sequence = 0;

async function login() {
  const email = `load+${process.pid}-${sequence++}@example.com`;
  const start = await fetch(
    `${target}/passwordless/start`,
    json({ client_id: "native-app", connection: "email", email, send: "code" }),
  );
  await start.arrayBuffer();
  if (start.status !== 200) throw new Error(`start answered ${start.status}`);
  const outbox = await fetch(`${target}/__mock/outbox?to=${encodeURIComponent(email)}`);
  const message = await outbox.json();
  const token = await fetch(
    `${target}/oauth/token`,
    json({
      grant_type: "http://auth0.com/oauth/grant-type/passwordless/otp",
      client_id: "native-app",
      username: email,
      otp: message.code,
      realm: "email",
      scope: "openid",
    }),
  );
  const tokens = await token.json();
  if (token.status !== 200 || !tokens.id_token) throw new Error(`token answered ${token.status}`);
}

async function clientCredentials() {
  const response = await fetch(target, {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      authorization: "Basic " + Buffer.from("bench-client:bench-secret").toString("base64"),
    },
    body: "grant_type=client_credentials&scope=read",
  });
  const body = await response.json();
  if (response.status !== 200 || !body.access_token) {
    throw new Error(`token answered ${response.status}`);
  }
}

const work = mode === "login" ? login : clientCredentials;
const deadline = performance.now() + seconds * 1000;
let completed = 0;
let failed = 0;
let firstError = null;

async function loop() {
  while (performance.now() < deadline) {
    try {
      await work();
      completed++;
    } catch (error) {
      failed++;
      firstError ??= String(error);
    }
  }
}

const started = performance.now();
await Promise.all(Array.from({ length: concurrency }, loop));
const elapsed = (performance.now() - started) / 1000;
console.log(JSON.stringify({ mode, completed, failed, elapsed, per_second: completed / elapsed, first_error: firstError }));
