#!/usr/bin/env bash
# `run --html` rendered in a real browser: headless Chromium (Debian's package, installed when
# missing) loads the report of a small project — a pass, a failure sending the confidential
# client's secret, a snapshot that differs, a skip, and a scenario whose names are markup and
# script — and `check.py` reads what a person would see: the counts, the failed check's text and
# line, the snapshot's diff, no injected element or script run, no secret, and the filter working
# both from the address's fragment and from the controls, driven by a tiny page (`drive.html`)
# that clicks and types into the report.
#
#   bash tests/browser/run.sh        # from any directory; PC_BIN: the binary (default: built)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
log() { printf '==> %s\n' "$*" >&2; }

if [[ -n "${PC_BIN:-}" ]]; then
  BIN="$PC_BIN"
else
  log "building the binary"
  (cd "$ROOT" && cargo build --quiet --bin passwordless-conformance)
  BIN="$ROOT/target/debug/passwordless-conformance"
fi

if ! command -v chromium >/dev/null 2>&1; then
  log "installing chromium (Debian)"
  SUDO=""
  [[ "$(id -u)" == 0 ]] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
PROJECT="$WORK/project"
mkdir -p "$PROJECT/scenarios" "$PROJECT/schemas"
cp "$HERE/fixtures/"*.yaml "$PROJECT/scenarios/"

log "accepting snapshots, then changing one"
CLEAN=(env -u CONFORMANCE_TARGET -u CONFORMANCE_TAGS -u GITHUB_ACTIONS -u INSTA_UPDATE -u TF_BUILD)
"${CLEAN[@]}" -u CI "$BIN" run --project "$PROJECT" --accept ok.yaml changed.yaml >"$WORK/accept.txt" 2>&1 || { cat "$WORK/accept.txt" >&2; exit 1; }
SNAP="$PROJECT/snapshots/mock/changed.snap"
sed -i 's/status: 200/status: 201/' "$SNAP"
grep -q 'status: 201' "$SNAP" || { echo "could not change $SNAP" >&2; exit 1; }

log "running the fixture project with --html (as in CI: nothing written)"
set +e
"${CLEAN[@]}" CI=true "$BIN" run --project "$PROJECT" --html "$WORK/report.html" >"$WORK/run.txt" 2>&1
STATUS=$?
set -e
if [[ "$STATUS" != 1 ]]; then
  echo "expected exit status 1 (three scenarios fail), got $STATUS:" >&2
  cat "$WORK/run.txt" >&2
  exit 1
fi
cp "$HERE/drive.html" "$WORK/drive.html"

dump() { # URL OUTPUT
  timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-background-networking \
    --disable-component-update --disable-sync --no-first-run --user-data-dir="$(mktemp -d -p "$WORK")" \
    --allow-file-access-from-files --virtual-time-budget=5000 \
    --dump-dom "$1" >"$2" 2>"$2.log" || { echo "chromium failed on $1:" >&2; tail -20 "$2.log" >&2; exit 1; }
}
log "rendering in $(chromium --version 2>/dev/null || echo chromium)"
dump "file://$WORK/report.html" "$WORK/all.html"
dump "file://$WORK/report.html#status=failed" "$WORK/failed.html"
dump "file://$WORK/report.html#q=tag%3Asmoke" "$WORK/smoke.html"
dump "file://$WORK/drive.html" "$WORK/driven.html"

python3 "$HERE/check.py" "$WORK"
