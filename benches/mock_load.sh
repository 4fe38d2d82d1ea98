#!/usr/bin/env bash
# The standalone mock under load, beside a peer: `bash benches/mock_load.sh [SECONDS] [CONCURRENCY] [ROUNDS]`.
#
# 1. Our mock (release build): complete passwordless logins per second (start → outbox → token),
#    driven from the same machine; the mock's CPU and the driver's CPU per login, from the
#    kernel's accounting, not from wall time.
# 2. axa's oauth2-mock-server (npm, installed into a temporary folder): client-credentials tokens
#    per second, driven by the same driver in the same run.
#    The driver is benches/load_driver.rs (one thread, reqwest, keep-alive); DRIVER=node uses
#    benches/mock_load.mjs instead (node:http, keep-alive), which costs ~5× its CPU per request.
# 3. The floor, measured in the same run: `openssl speed rsa2048` (the goal's yardstick) and the
#    mock's own signer (`cargo bench --bench sign_floor`: aws-lc-rs, the same key, one thread).
#    A login must make one RS256 signature (the ID token; the access token is opaque without an
#    API audience, as Auth0's), so the mock's CPU per login is set against one signature.
# 4. The machine: how much of its 2 cores other processes took meanwhile (it is shared), and the
#    rate the measured CPU costs allow on 2 idle cores.
# Prints figures; asserts nothing. Needs node + npm and openssl. See benches/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-3}
concurrency=${2:-32}
rounds=${3:-3}

cargo build --release --quiet --bin passwordless-conformance
cargo bench --quiet --bench sign_floor --no-run 2>/dev/null
driver_kind=${DRIVER:-rust}
case "$driver_kind" in
  rust) cargo bench --quiet --bench load_driver --no-run 2>/dev/null
        drive() { cargo bench --quiet --bench load_driver -- "$@" 2>/dev/null; } ;;
  node) drive() { node benches/mock_load.mjs "$@"; } ;;
  *) echo "DRIVER must be \`rust\` or \`node\`" >&2; exit 2 ;;
esac
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
# CPU seconds the whole machine spent busy so far (all cores; /proc/stat, without idle and iowait).
machine_busy() { awk -v tck="$(getconf CLK_TCK)" '/^cpu / { print ($2 + $3 + $4 + $7 + $8) / tck }' /proc/stat; }

# One measured run against a server already warmed up: prints the driver's JSON with the
# server's CPU and the machine's busy CPU over the run added.
measure() {
  local server_pid=$1; shift
  local cpu_before busy_before result
  cpu_before=$(cpu_of "$server_pid"); busy_before=$(machine_busy)
  result=$(drive "$@")
  python3 -c 'import json,sys; r=json.loads(sys.argv[1]); r["server_cpu_seconds"]=float(sys.argv[3])-float(sys.argv[2]); r["machine_busy_seconds"]=float(sys.argv[5])-float(sys.argv[4]); print(json.dumps(r))' \
    "$result" "$cpu_before" "$(cpu_of "$server_pid")" "$busy_before" "$(machine_busy)"
}

port=$(free_port)
target/release/passwordless-conformance mock --listen "127.0.0.1:$port" >/dev/null 2>&1 &
ours_pid=$!
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
wait_port "$port"
wait_port "$peer_port"
ours_args=(login "http://127.0.0.1:$port")
peer_args=(client_credentials "http://127.0.0.1:$peer_port/token")
drive "${ours_args[@]}" 1 "$concurrency" >/dev/null   # warm-ups
drive "${peer_args[@]}" 1 "$concurrency" >/dev/null

# Rounds alternate ours, the peer and both floors, so a machine whose other load drifts (it is
# shared) weighs on all alike; the summary takes medians.
rounds_file="$work/rounds.jsonl"
for round in $(seq 1 "$rounds"); do
  echo "round $round of $rounds" >&2
  ours=$(measure "$ours_pid" "${ours_args[@]}" "$seconds" "$concurrency")
  peer=$(measure "$peer_pid" "${peer_args[@]}" "$seconds" "$concurrency")
  openssl_signs=$(openssl speed -seconds 1 rsa2048 2>/dev/null | awk '/^rsa 2048 bits/ { print $6 }')
  signer=$(cargo bench --quiet --bench sign_floor -- 1 2>/dev/null)
  echo "{\"ours\": $ours, \"peer\": $peer, \"openssl_signs_per_second\": ${openssl_signs:-null}, \"signer\": $signer}" >> "$rounds_file"
done

ROUNDS_FILE="$rounds_file" DRIVER_KIND="$driver_kind" SECONDS_RUN="$seconds" CONCURRENCY="$concurrency" CORES="$(nproc)" \
  python3 benches/mock_load_report.py
