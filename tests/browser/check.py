"""Checks the DOMs Chromium dumped of the HTML report (see run.sh): what a person would see.

Usage: python3 check.py WORK_DIR   (holding all.html, failed.html, smoke.html, driven.html)
Exits 1 listing every check that failed.
"""

import json
import sys
from html.parser import HTMLParser
from pathlib import Path

# The mock's confidential client secret (src/mock/tenant): sent by fails.yaml, never shown.
SECRET = "regular-web-app-test-secret"


class Dom(HTMLParser):
    """The parts of a dumped DOM the checks read."""

    def __init__(self, text):
        super().__init__(convert_charrefs=True)
        self.tags = []  # (tag, attributes) of every element
        self.trials = []  # {"id", "status", "hidden"}
        self.text = []  # every text node, in order
        self.by_id = {}  # id -> text of elements with an id
        self._open_ids = []
        self._trial = None
        self._in_id_span = False
        self.title = ""
        self._in_title = False
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.tags.append((tag, attributes))
        classes = (attributes.get("class") or "").split()
        if tag == "details" and "trial" in classes:
            self._trial = {
                "id": "",
                "status": attributes.get("data-status"),
                "hidden": "hidden" in attributes,
            }
            self.trials.append(self._trial)
        if tag == "span" and "id" in classes and self._trial is not None:
            self._in_id_span = True
        if tag == "title":
            self._in_title = True
        if "id" in attributes:
            self.by_id[attributes["id"]] = ""
            self._open_ids.append((tag, attributes["id"]))

    def handle_endtag(self, tag):
        if tag == "span":
            self._in_id_span = False
        if tag == "title":
            self._in_title = False
        if self._open_ids and self._open_ids[-1][0] == tag:
            self._open_ids.pop()

    def handle_data(self, data):
        self.text.append(data)
        if self._in_title:
            self.title += data
        if self._in_id_span and self._trial is not None:
            self._trial["id"] += data
        for _, element_id in self._open_ids:
            self.by_id[element_id] += data

    def visible(self):
        return [trial["id"] for trial in self.trials if not trial["hidden"]]


def main(work):
    problems = []

    def check(condition, what):
        if not condition:
            problems.append(what)

    doms = {name: Dom((work / f"{name}.html").read_text()) for name in ["all", "failed", "smoke"]}
    everything = doms["all"]
    text = "".join(everything.text)

    # The counts a person reads at the top, and how many trials are listed and shown.
    check(everything.by_id.get("count-passed") == "1", f"passed count: {everything.by_id.get('count-passed')!r}")
    check(everything.by_id.get("count-failed") == "3", f"failed count: {everything.by_id.get('count-failed')!r}")
    check(everything.by_id.get("count-skipped") == "1", f"skipped count: {everything.by_id.get('count-skipped')!r}")
    check(len(everything.trials) == 5, f"trials listed: {everything.trials}")
    check(everything.by_id.get("shown-count") == "5", f"shown at first: {everything.by_id.get('shown-count')!r}")
    check(everything.by_id.get("target") == "mock", f"target: {everything.by_id.get('target')!r}")

    # The failed check, where it was written, and the reproducer.
    check("body `$.error`: expected `\"this is not the error\"`, got `\"invalid_request\"`" in text,
          "the failed check's text is not shown")
    check("scenarios/fails.yaml:14:9" in text, "the failed check's file:line:col is not shown")
    check("${CLIENTS_CONFIDENTIAL_CLIENT_SECRET}" in text, "no reproducer with the secret as a variable")
    check("skipped: target `mock` lacks `rate_limit_probe`" in text, "the skip reason is not shown")
    # The snapshot that differs, as a diff.
    check("the transcript differs from the snapshot" in text, "the snapshot failure is not shown")
    diff = [(attributes.get("class"), tag) for tag, attributes in everything.tags if tag == "span"]
    check(("removed", "span") in diff and ("added", "span") in diff, "the diff lines are not marked")
    check("-    status: 201" in text and "+    status: 200" in text, "the diff's lines are not shown")

    # Hostile names are text: no element or script of theirs, shown as written.
    for dom_name, dom in doms.items():
        tags = [tag for tag, _ in dom.tags]
        check(tags.count("script") == 1, f"{dom_name}: scripts in the page: {tags.count('script')}")
        check("img" not in tags and "svg" not in tags, f"{dom_name}: an injected element")
        check(not any(name.startswith("on") for _, attributes in dom.tags for name in attributes),
              f"{dom_name}: an event handler attribute")
        check(dom.title == "passwordless-conformance report", f"{dom_name}: the title is {dom.title!r}")
    check("<img src=x onerror=\"document.title='pwned'\">" in text, "the hostile name is not shown as text")
    check("</pre></details><script>document.title='pwned'</script>" in text,
          "the hostile step name is not shown as text")

    # No secret anywhere on the page.
    for name in ["all", "failed", "smoke", "driven"]:
        check(SECRET not in (work / f"{name}.html").read_text(), f"{name}: the client secret is shown")

    # The filter, from the address's fragment.
    failed = doms["failed"]
    check(sorted(failed.visible()) == ["changed.yaml", "fails.yaml", "hostile.yaml"],
          f"#status=failed shows {failed.visible()}")
    check(failed.by_id.get("shown-count") == "3", f"#status=failed count {failed.by_id.get('shown-count')!r}")
    smoke = doms["smoke"]
    check(smoke.visible() == ["ok.yaml"], f"#q=tag:smoke shows {smoke.visible()}")

    # The filter, driven through its controls.
    driven = Dom((work / "driven.html").read_text())
    try:
        result = json.loads(driven.by_id.get("result", ""))
    except ValueError:
        result = {"error": f"no result: {driven.by_id.get('result')!r}"}
    check("error" not in result, f"driving the report failed: {result.get('error')}")
    expected = {
        "initial": ["changed.yaml", "fails.yaml", "hostile.yaml", "ok.yaml", "skipped.yaml"],
        "failed": ["changed.yaml", "fails.yaml", "hostile.yaml"],
        "failedShown": "3",
        "skipped": ["skipped.yaml"],
        "typed": ["ok.yaml"],
        "tagButton": ["fails.yaml"],
        "query": "tag:confidential",
        "title": "passwordless-conformance report",
    }
    for key, value in expected.items():
        got = result.get(key)
        got = sorted(got) if isinstance(got, list) else got
        check(got == value, f"driven `{key}`: expected {value!r}, got {got!r}")

    if problems:
        print("the HTML report is not what a person should see:", file=sys.stderr)
        for problem in problems:
            print(f"  - {problem}", file=sys.stderr)
        return 1
    print("the HTML report renders as expected in Chromium "
          f"({len(everything.trials)} trials, filter by fragment and by controls)")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
