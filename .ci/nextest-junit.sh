#!/usr/bin/env bash
# nextest's `ci` profile (.config/nextest.toml) as CI uses it: the scenarios in two shards
# (`--partition count:K/2`), each writing target/nextest/ci/junit.xml. Checks that together the
# shards run every scenario exactly once, that scenarios the target cannot run are <skipped/> in
# the XML (never passes), and that CONFORMANCE_TAGS leaves scenarios out of the report entirely.
# A script rather than a Rust test: it runs cargo, which a test running under cargo would wait on.
#   bash .ci/nextest-junit.sh
set -euo pipefail
cd "$(dirname "$0")/.."
unset CONFORMANCE_TAGS
JUNIT=target/nextest/ci/junit.xml
OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT

cargo test --quiet --test scenarios -- --list 2>/dev/null | sed -n 's/: test$//p' >"$OUT/all.txt"
cargo test --quiet --test scenarios -- --list --ignored 2>/dev/null | sed -n 's/: test$//p' >"$OUT/ignored.txt"
for shard in 1 2; do
  rm -f "$JUNIT"
  cargo nextest run --profile ci --test scenarios --partition "count:$shard/2" --cargo-quiet
  cp "$JUNIT" "$OUT/shard-$shard.xml"
done
rm -f "$JUNIT"
CONFORMANCE_TAGS=discovery cargo nextest run --profile ci --test scenarios --cargo-quiet
cp "$JUNIT" "$OUT/tagged.xml"

python3 - "$OUT" <<'PY'
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

out = Path(sys.argv[1])
every = set((out / "all.txt").read_text().split("\n")) - {""}
ignored = set((out / "ignored.txt").read_text().split("\n")) - {""}
problems = []

def cases(name):
    root = ET.parse(out / name).getroot()
    suites = root.findall("testsuite")
    if len(suites) != 1:
        problems.append(f"{name}: {len(suites)} test suites")
    suite = suites[0]
    found = {}
    for case in suite.iter("testcase"):
        kinds = [child.tag for child in case if child.tag in ("failure", "error", "skipped")]
        found[case.get("name")] = kinds
        if case.get("time") is None:
            problems.append(f"{name}: {case.get('name')} has no time")
    if int(suite.get("tests")) != len(found):
        problems.append(f"{name}: tests={suite.get('tests')} but {len(found)} testcases")
    if int(suite.get("skipped")) != sum(kinds == ["skipped"] for kinds in found.values()):
        problems.append(f"{name}: skipped={suite.get('skipped')} does not count the <skipped/>")
    return found

if not ignored:
    problems.append("the mock skips nothing: nothing to check <skipped/> with")
ran = []
for shard in ("shard-1.xml", "shard-2.xml"):
    found = cases(shard)
    for name in ignored:
        if found.get(name) != ["skipped"]:
            problems.append(f"{shard}: {name} is {found.get(name)}, not <skipped/>")
    for name, kinds in found.items():
        if name not in ignored:
            if kinds:
                problems.append(f"{shard}: {name} did not pass: {kinds}")
            ran.append(name)
if sorted(ran) != sorted(every - ignored):
    missing = (every - ignored) - set(ran)
    twice = {name for name in ran if ran.count(name) > 1}
    problems.append(f"the shards do not run every scenario once: missing {sorted(missing)}, twice {sorted(twice)}")
tagged = cases("tagged.xml")
if sorted(tagged) != ["discovery/openid_configuration_and_jwks.yaml"]:
    problems.append(f"CONFORMANCE_TAGS=discovery reported {sorted(tagged)}")

if problems:
    print("nextest's JUnit is not what CI needs:", file=sys.stderr)
    for problem in problems:
        print(f"  - {problem}", file=sys.stderr)
    sys.exit(1)
print(f"nextest JUnit: {len(ran)} scenarios run once across 2 shards, {len(ignored)} <skipped/> in each, tags respected")
PY
