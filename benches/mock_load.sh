#!/usr/bin/env bash
# The standalone mock under load, beside a peer: `bash benches/mock_load.sh [SECONDS] [CONCURRENCY]`.
#
# 1. Our mock (release build): complete passwordless logins per second (start → outbox → token),
#    driven by benches/mock_load.mjs on the same machine, and the mock's own CPU per login.
# 2. axa's oauth2-mock-server (npm, installed into a temporary folder): client-credentials tokens
#    per second, driven by the same Node driver in the same run.
# 3. The floor: `openssl speed rsa2048` signatures per second on one core, and what the mock's CPU
#    per login is against the signatures a login must make (one RS256 ID token; the access token
#    is opaque without an API audience, as Auth0's).
# Prints figures; asserts nothing. Needs node + npm and openssl.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-5}
concurrency=${2:-32}

cargo build --release --quiet --bin passwordless-conformance
work=$(mktemp -d)
cleanup() {
  [ -n "${ours_pid:-}" ] && kill "$ours_pid" 2>/dev/null || true
  [ -n "${peer_pid:-}" ] && kill "$peer_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() {
  for _ in $(seq 1 200); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.05   # a bench script, not a test: polling a port with a cap
  done
  echo "nothing listens on $1" >&2
  return 1
}
# User + system CPU of a process so far, in seconds (clock ticks of /proc/PID/stat).
cpu_of() { awk -v tck="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); print ($12 + $13) / tck }' "/proc/$1/stat"; }

port=$(free_port)
target/release/passwordless-conformance mock --listen "127.0.0.1:$port" >/dev/null 2>&1 &
ours_pid=$!
wait_port "$port"
node benches/mock_load.mjs login "http://127.0.0.1:$port" 1 "$concurrency" >/dev/null   # warm-up
cpu_before=$(cpu_of "$ours_pid")
ours=$(node benches/mock_load.mjs login "http://127.0.0.1:$port" "$seconds" "$concurrency")
cpu_after=$(cpu_of "$ours_pid")
kill "$ours_pid"; wait "$ours_pid" 2>/dev/null || true; ours_pid=

echo "installing oauth2-mock-server from npm into $work" >&2
(cd "$work" && npm init -y >/dev/null && npm install --silent --no-audit --no-fund oauth2-mock-server@9 >/dev/null)
cat > "$work/serve.mjs" <<'JS'
import { OAuth2Server } from "oauth2-mock-server";
const server = new OAuth2Server();
await server.issuer.keys.generate("RS256");
await server.start(Number(process.argv[2]), "127.0.0.1");
JS
peer_port=$(free_port)
(cd "$work" && exec node serve.mjs "$peer_port") >/dev/null 2>&1 &
peer_pid=$!
wait_port "$peer_port"
node benches/mock_load.mjs client_credentials "http://127.0.0.1:$peer_port/token" 1 "$concurrency" >/dev/null
peer=$(node benches/mock_load.mjs client_credentials "http://127.0.0.1:$peer_port/token" "$seconds" "$concurrency")
kill "$peer_pid"; wait "$peer_pid" 2>/dev/null || true; peer_pid=

signs=$(openssl speed -seconds 2 rsa2048 2>/dev/null | awk '/^rsa 2048 bits/ { print $6 }')
OURS="$ours" PEER="$peer" CPU_BEFORE="$cpu_before" CPU_AFTER="$cpu_after" SIGNS="$signs" \
  SECONDS_RUN="$seconds" CONCURRENCY="$concurrency" python3 - <<'PY'
import json, os
ours, peer = json.loads(os.environ["OURS"]), json.loads(os.environ["PEER"])
cpu = float(os.environ["CPU_AFTER"]) - float(os.environ["CPU_BEFORE"])
signs = float(os.environ["SIGNS"] or "nan")
print(f"{os.environ['SECONDS_RUN']} s per server, {os.environ['CONCURRENCY']} concurrent loops, driver and server on this machine")
print(f"our mock              {ours['per_second']:8.0f} complete logins/s   ({ours['completed']} done, {ours['failed']} failed)")
print(f"oauth2-mock-server    {peer['per_second']:8.0f} tokens/s           ({peer['completed']} done, {peer['failed']} failed)")
print(f"ours / peer           {ours['per_second'] / max(peer['per_second'], 1e-9):8.2f} ×                (goal: ≥ 1 500 logins/s and ≥ 2 ×)")
if ours["completed"]:
    per_login = cpu / ours["completed"] * 1000
    floor = 1000 / signs
    print(f"mock CPU per login    {per_login:8.3f} ms   vs the signing floor {floor:.3f} ms (1 RS256 signature, openssl speed)"
          f" = {per_login / floor:.2f} × (goal: ≤ 1.25 ×)")
for run in (ours, peer):
    if run["failed"]:
        print(f"first error ({run['mode']}): {run['first_error']}")
PY
