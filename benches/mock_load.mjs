// Load driver for `benches/mock_load.sh`: keeps CONCURRENCY request loops busy against one server
// for SECONDS and prints one JSON line with what completed and the CPU the driver itself used.
//
//   node benches/mock_load.mjs login BASE_URL [SECONDS] [CONCURRENCY]
//     one login = POST /passwordless/start → GET /__mock/outbox → POST /oauth/token (passwordless OTP)
//   node benches/mock_load.mjs client_credentials TOKEN_URL [SECONDS] [CONCURRENCY]
//     one token = POST TOKEN_URL grant_type=client_credentials (oauth2-mock-server's /token)
//
// Requests go through node:http with one keep-alive connection per loop, so both servers are
// driven the same way. Not `fetch`: undici's fetch spends about 1 ms of CPU per request here
// (streams, WHATWG headers), so the driver, not the server, filled a core and set the pace.

import http from "node:http";

const [mode, target, secondsArg = "5", concurrencyArg = "32"] = process.argv.slice(2);
const seconds = Number(secondsArg);
const concurrency = Number(concurrencyArg);
if (!["login", "client_credentials"].includes(mode) || !target) {
  console.error("usage: mock_load.mjs login|client_credentials URL [SECONDS] [CONCURRENCY]");
  process.exit(2);
}

const base = new URL(target);
const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });

// One request; resolves to { status, body } with the body as text.
function request(method, path, headers, body) {
  return new Promise((resolve, reject) => {
    const outgoing = http.request(
      { host: base.hostname, port: base.port, method, path, headers, agent },
      (response) => {
        let text = "";
        response.setEncoding("utf8");
        response.on("data", (chunk) => (text += chunk));
        response.on("end", () => resolve({ status: response.statusCode, body: text }));
        response.on("error", reject);
      },
    );
    outgoing.on("error", reject);
    outgoing.end(body);
  });
}

const postJson = (path, value) => {
  const body = JSON.stringify(value);
  return request(
    "POST",
    path,
    { "content-type": "application/json", "content-length": Buffer.byteLength(body) },
    body,
  );
};

let sequence = 0;

async function login() {
  const email = `load+${process.pid}-${sequence++}@example.com`;
  const start = await postJson("/passwordless/start", {
    client_id: "native-app",
    connection: "email",
    email,
    send: "code",
  });
  if (start.status !== 200) throw new Error(`start answered ${start.status}: ${start.body}`);
  const outbox = await request("GET", `/__mock/outbox?to=${encodeURIComponent(email)}`, {});
  if (outbox.status !== 200) throw new Error(`outbox answered ${outbox.status}: ${outbox.body}`);
  const token = await postJson("/oauth/token", {
    grant_type: "http://auth0.com/oauth/grant-type/passwordless/otp",
    client_id: "native-app",
    username: email,
    otp: JSON.parse(outbox.body).code,
    realm: "email",
    scope: "openid",
  });
  if (token.status !== 200 || !JSON.parse(token.body).id_token) {
    throw new Error(`token answered ${token.status}: ${token.body}`);
  }
}

const basic = "Basic " + Buffer.from("bench-client:bench-secret").toString("base64");
const credentialsBody = "grant_type=client_credentials&scope=read";

async function clientCredentials() {
  const response = await request(
    "POST",
    base.pathname,
    {
      "content-type": "application/x-www-form-urlencoded",
      "content-length": credentialsBody.length,
      authorization: basic,
    },
    credentialsBody,
  );
  if (response.status !== 200 || !JSON.parse(response.body).access_token) {
    throw new Error(`token answered ${response.status}: ${response.body}`);
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

const cpuBefore = process.cpuUsage();
const started = performance.now();
await Promise.all(Array.from({ length: concurrency }, loop));
const elapsed = (performance.now() - started) / 1000;
const cpu = process.cpuUsage(cpuBefore);
agent.destroy();
console.log(
  JSON.stringify({
    mode,
    completed,
    failed,
    elapsed,
    per_second: completed / elapsed,
    driver_cpu_seconds: (cpu.user + cpu.system) / 1e6,
    first_error: firstError,
  }),
);
