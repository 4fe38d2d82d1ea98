#!/usr/bin/env bash
# Auth0's official SDKs (auth0-python, node-auth0 v4) against the standalone mock tenant.
#
#   bash tests/sdk/run.sh          # from any directory
#
# PC_BIN: the passwordless-conformance binary (default: target/release/passwordless-conformance
# under the repository root, built with `cargo build --release` only when missing).
# Each suite gets its own mock, served over HTTPS with the test-only fixture certificate.
# Ends with one line `N passed, N failed` (all SDK test cases); exits non-zero if anything failed.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
CERT="$ROOT/tests/fixtures/tls/cert.pem"
KEY="$ROOT/tests/fixtures/tls/key.pem"
VENV="$HERE/.venv"
PY="${PYTHON:-python3}"
SUITE_TIMEOUT="${PC_SDK_SUITE_TIMEOUT:-300}" # seconds, per suite

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 2; }

# --- (a) the binary ------------------------------------------------------------------------------
if [[ -n "${PC_BIN:-}" ]]; then
  BIN="$PC_BIN"
  [[ -x "$BIN" ]] || die "PC_BIN=$PC_BIN is not an executable file"
else
  BIN="$ROOT/target/release/passwordless-conformance"
  if [[ ! -x "$BIN" ]]; then
    log "building $BIN (cargo build --release)"
    (cd "$ROOT" && cargo build --release --quiet)
  fi
fi

command -v "$PY" >/dev/null || die "python3 not found"
command -v node >/dev/null || die "node not found"
command -v npm >/dev/null || die "npm not found"

WORK="$(mktemp -d)"
MOCK_PID=""
stop_mock() {
  if [[ -n "$MOCK_PID" ]]; then
    kill "$MOCK_PID" 2>/dev/null || true
    wait "$MOCK_PID" 2>/dev/null || true
    MOCK_PID=""
  fi
}
cleanup() { stop_mock; rm -rf "$WORK"; }
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

sha() { "$PY" -c 'import hashlib,sys; print(hashlib.sha256(open(sys.argv[1],"rb").read()).hexdigest())' "$1"; }

# --- (b) dependencies, installed once (again only when the pins change) ---------------------------
REQ="$HERE/python/requirements.txt"
if [[ ! -f "$VENV/.installed" ]] || [[ "$(cat "$VENV/.installed")" != "$(sha "$REQ")" ]]; then
  log "installing auth0-python into $VENV"
  if [[ ! -x "$VENV/bin/python" ]]; then
    # Debian's python3 lacks ensurepip unless python3-venv is installed: then make the venv
    # without pip and let the system pip install into it (pip >= 22.3 has --python).
    "$PY" -m venv "$VENV" >/dev/null 2>&1 || { rm -rf "$VENV"; "$PY" -m venv --without-pip "$VENV"; }
  fi
  if "$VENV/bin/python" -m pip --version >/dev/null 2>&1; then
    PIP=("$VENV/bin/python" -m pip)
  else
    PIP=("$PY" -m pip --python "$VENV/bin/python")
  fi
  "${PIP[@]}" install --quiet --disable-pip-version-check --no-input -r "$REQ"
  sha "$REQ" >"$VENV/.installed"
fi

LOCK="$HERE/node/package-lock.json"
if [[ ! -f "$HERE/node/node_modules/.installed" ]] \
  || [[ "$(cat "$HERE/node/node_modules/.installed")" != "$(sha "$LOCK")" ]]; then
  log "installing node-auth0 (npm ci)"
  (cd "$HERE/node" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  sha "$LOCK" >"$HERE/node/node_modules/.installed"
fi

PY_SDK="$("$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("auth0-python"))')"
NODE_SDK="$(node -p 'require(process.argv[1]).version' "$HERE/node/node_modules/auth0/package.json")"

# --- (c) one mock per suite ------------------------------------------------------------------------
free_port() {
  "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# start_mock NAME: sets PORT and MOCK_PID; returns non-zero if the mock is not ready in time.
start_mock() {
  PORT="$(free_port)"
  "$BIN" mock --listen "127.0.0.1:$PORT" --tls-cert "$CERT" --tls-key "$KEY" \
    --public-url "https://localhost:$PORT" >"$WORK/mock-$1.log" 2>&1 &
  MOCK_PID=$!
  # Poll GET /__mock/tenant until it answers 200, the mock exits, or 30 s pass.
  "$PY" - "$PORT" "$MOCK_PID" "$CERT" <<'EOF' || { cat "$WORK/mock-$1.log" >&2; return 1; }
import os, ssl, sys, time, urllib.request
port, pid, cert = sys.argv[1], int(sys.argv[2]), sys.argv[3]
ctx = ssl.create_default_context(cafile=cert)
deadline = time.monotonic() + 30
while time.monotonic() < deadline:
    try:
        with open(f"/proc/{pid}/stat") as f:
            if f.read().split(") ")[-1].startswith("Z"):
                sys.exit(f"mock exited early (pid {pid})")
    except FileNotFoundError:
        sys.exit(f"mock exited early (pid {pid})")
    try:
        with urllib.request.urlopen(f"https://localhost:{port}/__mock/tenant", context=ctx, timeout=2) as r:
            if r.status == 200:
                sys.exit(0)
    except OSError:
        pass
    time.sleep(0.05)
sys.exit("mock not ready after 30 s")
EOF
}

TOTAL_PASSED=0
TOTAL_FAILED=0
STATUS=0

# record SUITE RC PASSED FAILED EXTRA
record() {
  local suite=$1 rc=$2 passed=$3 failed=$4 extra=$5
  if [[ $rc -ne 0 && $failed -eq 0 ]]; then failed=1; fi # crashed without a count: still a failure
  TOTAL_PASSED=$((TOTAL_PASSED + passed))
  TOTAL_FAILED=$((TOTAL_FAILED + failed))
  if [[ $rc -ne 0 || $failed -ne 0 ]]; then STATUS=1; fi
  printf -- '--- %s: passed %d, failed %d%s (exit %d)\n' "$suite" "$passed" "$failed" "$extra" "$rc"
}

# auth0-python
log "auth0-python $PY_SDK"
rc=0
if start_mock python; then
  (cd "$HERE/python" && MOCK_URL="https://localhost:$PORT" REQUESTS_CA_BUNDLE="$CERT" \
    PYTHONDONTWRITEBYTECODE=1 timeout "$SUITE_TIMEOUT" "$VENV/bin/python" -m pytest -q -rxXfE \
    -p no:cacheprovider --rootdir . --junitxml "$WORK/python.xml" test_auth0_python.py) || rc=$?
else
  rc=1
fi
stop_mock
read -r p f x < <("$PY" - "$WORK/python.xml" <<'EOF'
import sys, xml.etree.ElementTree as ET
try:
    root = ET.parse(sys.argv[1]).getroot()
except (OSError, ET.ParseError):
    print(0, 0, 0); sys.exit()
passed = failed = xfailed = 0
for case in root.iter("testcase"):
    kinds = {child.tag for child in case}
    if kinds & {"failure", "error"}:
        failed += 1
    elif "skipped" in kinds:
        xfailed += 1  # strict xfails (known mock discrepancies) and skips
    else:
        passed += 1
print(passed, failed, xfailed)
EOF
)
record "auth0-python $PY_SDK" "$rc" "$p" "$f" ", xfailed/skipped $x"

# node-auth0
log "node-auth0 $NODE_SDK"
rc=0
if start_mock node; then
  (cd "$HERE/node" && MOCK_DOMAIN="localhost:$PORT" NODE_EXTRA_CA_CERTS="$CERT" \
    timeout "$SUITE_TIMEOUT" node --test \
    --test-reporter=spec --test-reporter-destination=stdout \
    --test-reporter=tap --test-reporter-destination="$WORK/node.tap" test.mjs) || rc=$?
else
  rc=1
fi
stop_mock
count() { { grep -E "^# $1 [0-9]+$" "$WORK/node.tap" 2>/dev/null || echo "# $1 0"; } | tail -1 | awk '{print $3}'; }
p=$(count pass)
f=$(($(count fail) + $(count cancelled)))
x=$(($(count skipped) + $(count todo)))
record "node-auth0 $NODE_SDK" "$rc" "$p" "$f" ", skipped $x"

# --- (d) ------------------------------------------------------------------------------------------
echo "$TOTAL_PASSED passed, $TOTAL_FAILED failed"
exit "$STATUS"
