#!/usr/bin/env bash
# The staging rehearsal: the SHIPPED `staging` profile of targets.yaml, run against the mock tenant
# reached the way a real tenant is, before anyone has a tenant:
#   - the mock (`mock/staging-tenant.yaml`: the tenant docs/staging-tenant.md describes) serves
#     HTTPS with a certificate made here, which the harness trusts through the profile's `ca_file`
#     (CONFORMANCE_CA_FILE), never by turning verification off;
#   - e-mail goes over SMTP to maildev (its API is the profile's e-mail inbox);
#   - text messages are POSTed to scripts/sms-inbox.py, as the custom phone provider Action of the
#     document does (the inbox is the profile's SMS source);
#   - `run` gets only the variables docs/staging-tenant.md lists (`env -i`), twice: the second run
#     proves reruns stay green (spent recovery codes rotated, deleted factors enrolled again);
#   - only scenarios needing what a real tenant cannot give (clock, push control, limit probes) or a
#     feature the documented tenant leaves off are skipped: any other skip or failure fails CI;
#   - `compare mock staging-rehearsal` may only report the differences the document explains.
# Its snapshots are snapshots/staging-rehearsal/ (only those that differ from the mock's).
#   bash .ci/staging-rehearsal.sh
#   REHEARSAL_REVIEW=1 bash .ci/staging-rehearsal.sh   # outside CI: new snapshots written for review
#                                                      # (`cargo insta review`), then commit them
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

# maildev on free ports (not 1025/1080, which another job on this machine may hold).
if [[ -z "${REHEARSAL_WITH_MAILDEV:-}" ]]; then
  read -r SMTP_PORT WEB_PORT < <(python3 -c 'import socket
ports = []
for _ in range(2):
    s = socket.socket(); s.bind(("127.0.0.1", 0)); ports.append(s); 
print(*[s.getsockname()[1] for s in ports])')
  exec env REHEARSAL_WITH_MAILDEV=1 MAILDEV_SMTP_PORT="$SMTP_PORT" MAILDEV_WEB_PORT="$WEB_PORT" \
    bash .ci/with-maildev.sh bash "$0" "$@"
fi

echo "==> building the harness"
cargo build --quiet --bin passwordless-conformance
BIN="$ROOT/target/debug/passwordless-conformance"
WORK="$(mktemp -d)"
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [[ -n "${REHEARSAL_KEEP:-}" ]]; then echo "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

# Waits (polling, at most 30 s) for a line matching $2 in file $1 and prints its last field.
wait_for_line() {
  for _ in $(seq 1 300); do
    if line="$(grep -m1 -E "$2" "$1" 2>/dev/null)"; then echo "${line##* }"; return 0; fi
    sleep 0.1
  done
  echo "timed out waiting for \`$2\` in $1:" >&2; cat "$1" >&2; return 1
}

echo "==> a certificate authority and a server certificate for 127.0.0.1 (openssl)"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
  -subj "/CN=passwordless-conformance rehearsal CA" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign" \
  -keyout "$WORK/ca.key" -out "$WORK/ca.pem" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=127.0.0.1" \
  -keyout "$WORK/server.key" -out "$WORK/server.csr" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n' >"$WORK/server.ext"
openssl x509 -req -in "$WORK/server.csr" -CA "$WORK/ca.pem" -CAkey "$WORK/ca.key" \
  -CAcreateserial -days 2 -extfile "$WORK/server.ext" -out "$WORK/server.pem" 2>/dev/null

echo "==> the SMS webhook inbox (scripts/sms-inbox.py)"
python3 scripts/sms-inbox.py --listen 127.0.0.1:0 >"$WORK/inbox.log" 2>&1 &
PIDS+=($!)
SMS_INBOX="$(wait_for_line "$WORK/inbox.log" 'sms inbox listening on')"

echo "==> the mock tenant over TLS, e-mail to maildev ($MAILDEV_SMTP), texts to the inbox"
"$BIN" mock --listen 127.0.0.1:0 --tenant mock/staging-tenant.yaml \
  --tls-cert "$WORK/server.pem" --tls-key "$WORK/server.key" \
  --smtp "$MAILDEV_SMTP" --sms-webhook "$SMS_INBOX/messages" >"$WORK/mock.log" 2>&1 &
PIDS+=($!)
MOCK_URL="$(wait_for_line "$WORK/mock.log" 'listening on https://')"
echo "    $MOCK_URL"

# Exactly the variables docs/staging-tenant.md lists (§7), with the fixture's public test values.
CI_FLAG=(CI=true)
if [[ -n "${REHEARSAL_REVIEW:-}" ]]; then CI_FLAG=(); fi
staging() {
  env -i PATH="$PATH" HOME="$HOME" "${CI_FLAG[@]}" \
    CONFORMANCE_TARGET=staging \
    CONFORMANCE_SNAPSHOTS=staging-rehearsal \
    CONFORMANCE_ROTATED_SECRETS="$WORK/rotated-secrets.json" \
    CONFORMANCE_RATE_SCALE=3600 \
    AUTH0_DOMAIN="${MOCK_URL#https://}" \
    AUTH0_NATIVE_CLIENT_ID=native-app \
    AUTH0_WEB_CLIENT_ID=regular-web-app \
    AUTH0_WEB_CLIENT_SECRET=regular-web-app-test-secret \
    AUTH0_NO_PASSWORDLESS_CLIENT_ID=no-passwordless-app \
    AUTH0_EMAIL_ONLY_CLIENT_ID=email-only-app \
    AUTH0_MFA_CLIENT_ID=mfa-always-app \
    QA_EMAIL=qa@example.com \
    QA_PHONE=+15555550100 \
    QA_TOTP_EMAIL=totp@example.com \
    QA_TOTP_SECRET=VN6DZ7C7G2Q6DVEIP4WFXFPVE5TRH7KH \
    QA_RECOVERY_EMAIL=recovery@example.com \
    QA_RECOVERY_CODE=441YYH2TWHQ9M4NVVCUDU1YO \
    QA_SMS_MFA_EMAIL=sms-mfa@example.com \
    QA_SMS_MFA_PHONE=+15555558730 \
    QA_EMAIL_MFA_EMAIL=email-mfa@example.com \
    QA_MULTI_EMAIL=multi@example.com \
    QA_MULTI_TOTP_SECRET=BI67GQQEIZHGEBSRTZJG6RMY7NHRSJYF \
    QA_INBOX_URL="http://$MAILDEV_WEB" \
    QA_SMS_INBOX_URL="$SMS_INBOX" \
    "$@"
}

echo "==> the certificate is checked: without CONFORMANCE_CA_FILE the tenant cannot be reached"
if staging "$BIN" run --project "$ROOT" --no-snapshots discovery/ >"$WORK/untrusted.log" 2>&1; then
  cat "$WORK/untrusted.log"; echo "FAILED: the mock's certificate was accepted without its CA" >&2; exit 1
fi
grep -qi "certificate\|tls" "$WORK/untrusted.log" || { cat "$WORK/untrusted.log"; echo "FAILED: expected a TLS error" >&2; exit 1; }

# Scenarios may only be skipped for what a real tenant cannot give or the documented tenant leaves
# off: a clock to move, pushes to approve, limits to exhaust, Early Access or optional features.
ALLOWED_SKIPS='lacks `(clock|push_control|rate_limit_probe|failure_limit_probe|customizable_mfa|voice_factor)`'

rehearse() {
  local round="$1" log="$WORK/run-$1.log"
  echo "==> run $round: CONFORMANCE_TARGET=staging passwordless-conformance run"
  if ! staging CONFORMANCE_CA_FILE="$WORK/ca.pem" "$BIN" run --project "$ROOT" >"$log" 2>&1; then
    grep -E -A12 '^FAIL' "$log" | head -150 || true
    tail -3 "$log"; echo "FAILED: run $round of the rehearsal" >&2; return 1
  fi
  echo "    skipped, and why (only what a real tenant cannot do or the documented tenant leaves off):"
  grep '^SKIP ' "$log" | sed 's/^SKIP /      /'
  if grep '^SKIP ' "$log" | grep -vqE "$ALLOWED_SKIPS"; then
    echo "FAILED: a scenario was skipped for a reason a real tenant need not have:" >&2
    grep '^SKIP ' "$log" | grep -vE "$ALLOWED_SKIPS" >&2
    return 1
  fi
  grep '^sealed-token lifetimes' "$log" | sed 's/^/    /' || true
  SUMMARY="$(tail -1 "$log")"
  echo "    $SUMMARY"
  [[ "$SUMMARY" =~ ^[0-9]+\ passed,\ 0\ failed,\ [0-9]+\ skipped$ ]] || { echo "FAILED: $SUMMARY" >&2; return 1; }
}

rehearse 1
rehearse 2

echo "==> compare mock staging-rehearsal (every difference is explained in docs/staging-tenant.md §8)"
EXPLAINED=(mfa__list_authenticators)
staging "$BIN" compare --project "$ROOT" mock staging-rehearsal >"$WORK/compare.log" 2>&1 || true
sed 's/^/    /' "$WORK/compare.log"
for scenario in $(grep -E '^[a-z_]+__' "$WORK/compare.log" | sed 's/ .*//'); do
  if [[ ! " ${EXPLAINED[*]} " =~ " $scenario " ]]; then
    echo "FAILED: \`$scenario\` differs from the mock and docs/staging-tenant.md does not explain it" >&2
    exit 1
  fi
done
if grep -qE '^only in ' "$WORK/compare.log"; then
  echo "FAILED: snapshots only one side has" >&2; exit 1
fi
echo "staging rehearsal: $SUMMARY"
