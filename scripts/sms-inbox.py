#!/usr/bin/env python3
"""A webhook inbox for text messages: the SMS source of the `staging` profile.

An Auth0 tenant with a custom phone provider runs an Action for every text message; the Action in
docs/staging-tenant.md POSTs `{"recipient": "+1…", "text": "…"}` here, and the harness reads the
messages back (the profile's `otp_sources.sms.http_inbox`). The mock tenant does the same with
`passwordless-conformance mock --sms-webhook URL`.

    python3 scripts/sms-inbox.py --listen 127.0.0.1:8025

    POST /messages            JSON {"recipient": str, "text": str} -> 204
    GET  /messages?to=+1555…  JSON [{"recipient", "text", "received_at"}, …], oldest first

With SMS_INBOX_TOKEN set in its environment, both require `Authorization: Bearer <token>`.
It keeps the newest 10 000 messages in memory, for at most a day. Python 3.8+, standard library
only. It prints `sms inbox listening on http://HOST:PORT` once it accepts connections.
"""

import argparse
import datetime
import hmac
import json
import os
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

MAX_BODY_BYTES = 64 * 1024
MAX_MESSAGES = 10_000
MAX_AGE = datetime.timedelta(days=1)

MESSAGES = []
LOCK = threading.Lock()
TOKEN = os.environ.get("SMS_INBOX_TOKEN", "")


def now():
    return datetime.datetime.now(datetime.timezone.utc)


def rfc3339(moment):
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


class Inbox(BaseHTTPRequestHandler):
    server_version = "sms-inbox"

    def log_message(self, format, *args):  # noqa: A002 (the base class's name)
        pass  # messages carry codes: never log them

    def answer(self, status, body=None):
        data = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        if body is not None:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def authorised(self):
        if not TOKEN:
            return True
        given = self.headers.get("Authorization", "")
        return hmac.compare_digest(given.encode(), f"Bearer {TOKEN}".encode())

    def do_POST(self):  # noqa: N802 (http.server's naming)
        if urlsplit(self.path).path != "/messages":
            return self.answer(404, {"error": "not_found"})
        if not self.authorised():
            return self.answer(401, {"error": "unauthorized"})
        try:
            length = int(self.headers.get("Content-Length", ""))
        except ValueError:
            return self.answer(411, {"error": "length_required"})
        if length < 0 or length > MAX_BODY_BYTES:
            return self.answer(413, {"error": "too_large"})
        try:
            body = json.loads(self.rfile.read(length))
        except ValueError:
            return self.answer(400, {"error": "not_json"})
        if not isinstance(body, dict):
            return self.answer(400, {"error": "not_an_object"})
        recipient, text = body.get("recipient"), body.get("text")
        if not isinstance(recipient, str) or not isinstance(text, str):
            return self.answer(400, {"error": "recipient_and_text_must_be_strings"})
        moment = now()
        with LOCK:
            MESSAGES.append({"recipient": recipient, "text": text, "received_at": moment})
            del MESSAGES[: max(0, len(MESSAGES) - MAX_MESSAGES)]
        return self.answer(204)

    def do_GET(self):  # noqa: N802
        url = urlsplit(self.path)
        if url.path != "/messages":
            return self.answer(404, {"error": "not_found"})
        if not self.authorised():
            return self.answer(401, {"error": "unauthorized"})
        wanted = parse_qs(url.query).get("to", [None])[0]
        oldest = now() - MAX_AGE
        with LOCK:
            MESSAGES[:] = [m for m in MESSAGES if m["received_at"] >= oldest]
            found = [
                {**m, "received_at": rfc3339(m["received_at"])}
                for m in MESSAGES
                if wanted is None or m["recipient"] == wanted
            ]
        return self.answer(200, found)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--listen", default="127.0.0.1:8025", help="HOST:PORT (port 0: any free port)")
    args = parser.parse_args()
    host, _, port = args.listen.rpartition(":")
    server = ThreadingHTTPServer((host.strip("[]") or "127.0.0.1", int(port)), Inbox)
    server.daemon_threads = True
    bound_host, bound_port = server.server_address[:2]
    print(f"sms inbox listening on http://{bound_host}:{bound_port}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
