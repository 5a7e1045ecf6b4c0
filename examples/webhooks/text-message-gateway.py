#!/usr/bin/env python3
"""A worked example of a Canary webhook receiver (docs/collector.md, "Webhooks"):
the front of an SMS or LINE gateway. It checks each notification's signature,
drops a change it has already taken (delivery is at least once), and hands the
alarm's one-line words to the sender; here the sender prints them.

    text-message-gateway.py PORT SECRET_FILE [LANGUAGE]     LANGUAGE: zh-TW (default) or en

A real gateway replaces send() with its provider's API call and keeps `seen`
somewhere that survives a restart."""
import hashlib
import hmac
import json
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer

port, secret_file = int(sys.argv[1]), sys.argv[2]
language = sys.argv[3] if len(sys.argv) > 3 else "zh-TW"
with open(secret_file, encoding="utf-8") as f:
    secret = f.readline().rstrip("\n").encode()
seen = set()


def send(text):
    print(f"  text message: {text}", flush=True)


class Hook(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        expected = "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, self.headers.get("Canary-Signature", "")):
            self.send_response(401)  # not from our collector: refused, and the collector's log says so
            self.end_headers()
            return
        note = json.loads(body)
        if note["change"] not in seen:
            seen.add(note["change"])
            words = note["alert"]["words"][language]
            prefix = {"escalated": "ESCALATED ", "resolved": "RESOLVED "}.get(note["event"], "")
            send(prefix + words["line"])
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


HTTPServer(("127.0.0.1", port), Hook).serve_forever()
