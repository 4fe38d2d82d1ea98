#!/usr/bin/env bash
# Runs a command with a maildev mail catcher (npm) listening on SMTP 127.0.0.1:1025 and its web
# API on 127.0.0.1:1080, as the `mock-maildev` profile of targets.yaml expects; stops it afterwards.
#   bash .ci/with-maildev.sh env CONFORMANCE_TARGET=mock-maildev cargo test --test scenarios
# MAILDEV_SMTP_PORT and MAILDEV_WEB_PORT choose other ports; the command gets MAILDEV_SMTP and
# MAILDEV_WEB (`127.0.0.1:PORT`), which the `mock-maildev` profile reads.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="$ROOT/target/ci-tools"
MAILDEV="$TOOLS/node_modules/.bin/maildev"
if [[ ! -x "$MAILDEV" ]]; then
  echo "==> installing maildev into $TOOLS" >&2
  mkdir -p "$TOOLS"
  npm install --prefix "$TOOLS" --no-save --no-audit --no-fund --silent maildev@2.2.1
fi
SMTP_PORT="${MAILDEV_SMTP_PORT:-1025}"
WEB_PORT="${MAILDEV_WEB_PORT:-1080}"
export MAILDEV_SMTP="127.0.0.1:$SMTP_PORT" MAILDEV_WEB="127.0.0.1:$WEB_PORT"
LOG="$(mktemp)"
"$MAILDEV" --ip 127.0.0.1 --smtp "$SMTP_PORT" --web "$WEB_PORT" >"$LOG" 2>&1 &
PID=$!
trap 'kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; rm -f "$LOG"' EXIT
# Wait for its API by polling, at most 30 s.
for _ in $(seq 1 300); do
  if curl -fsS -o /dev/null "http://$MAILDEV_WEB/email" 2>/dev/null; then break; fi
  if ! kill -0 "$PID" 2>/dev/null; then echo "maildev did not start:" >&2; cat "$LOG" >&2; exit 1; fi
  sleep 0.1
done
curl -fsS -o /dev/null "http://$MAILDEV_WEB/email" || { echo "maildev is not answering on $MAILDEV_WEB" >&2; cat "$LOG" >&2; exit 1; }
"$@"
