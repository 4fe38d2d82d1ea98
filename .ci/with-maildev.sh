#!/usr/bin/env bash
# Runs a command with a maildev mail catcher (npm) listening on SMTP 127.0.0.1:1025 and its web
# API on 127.0.0.1:1080, as the `mock-maildev` profile of targets.yaml expects; stops it afterwards.
#   bash .ci/with-maildev.sh env CONFORMANCE_TARGET=mock-maildev cargo test --test scenarios
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="$ROOT/target/ci-tools"
MAILDEV="$TOOLS/node_modules/.bin/maildev"
if [[ ! -x "$MAILDEV" ]]; then
  echo "==> installing maildev into $TOOLS" >&2
  mkdir -p "$TOOLS"
  npm install --prefix "$TOOLS" --no-save --no-audit --no-fund --silent maildev@2.2.1
fi
LOG="$(mktemp)"
"$MAILDEV" --ip 127.0.0.1 --smtp 1025 --web 1080 >"$LOG" 2>&1 &
PID=$!
trap 'kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; rm -f "$LOG"' EXIT
# Wait for its API by polling, at most 30 s.
for _ in $(seq 1 300); do
  if curl -fsS -o /dev/null http://127.0.0.1:1080/email 2>/dev/null; then break; fi
  if ! kill -0 "$PID" 2>/dev/null; then echo "maildev did not start:" >&2; cat "$LOG" >&2; exit 1; fi
  sleep 0.1
done
curl -fsS -o /dev/null http://127.0.0.1:1080/email || { echo "maildev is not answering on 127.0.0.1:1080" >&2; cat "$LOG" >&2; exit 1; }
"$@"
