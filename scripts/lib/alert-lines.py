#!/usr/bin/env python3
"""Reads the collector's alert feed (Server-Sent Events) on stdin and prints one
line a coordinator can read per alert change: time, severity, who, what, where,
what is being done. What and where are the collector's own words for the alert
(its `words`, the same the dashboard and the webhooks show). With --list, reads
the alerts API's answer instead. The demo's console (scripts/demo.sh); raw keys
never shown."""
import json
import sys
from datetime import datetime


def line(a):
    when = datetime.fromisoformat(a["updated"].replace("Z", "+00:00")).astimezone().strftime("%H:%M:%S")
    who = a["worker"] or f"gateway {a['gateway']}"
    words = a.get("words", {}).get("en", {"what": a["kind"], "where": ""})
    status = a["state"]
    if a.get("handling") == "resolved":
        status = f"resolved by {a.get('resolved_by')} ({a.get('resolution')})"
    elif a.get("handling") == "acknowledged":
        status += f", acknowledged by {a.get('acknowledged_by')}"
    elif a.get("escalated"):
        status += ", ESCALATED: nobody acknowledged"
    where = f" — {words['where']}" if words["where"] else ""
    return f"  {when}  {a['severity'].upper():8}  {who:8}  {words['what']}{where}  [{status}]"


if sys.argv[1:] == ["--list"]:
    for alert in json.load(sys.stdin)["alerts"]:
        print(line(alert))
    sys.exit(0)

kind = None
for raw in sys.stdin:
    raw = raw.rstrip("\n")
    if raw.startswith("event: "):
        kind = raw[7:]
    elif raw.startswith("data: ") and kind == "alert":
        print(line(json.loads(raw[6:])), flush=True)
    elif raw.startswith("data: ") and kind == "collector":
        c = json.loads(raw[6:])
        print(f"  collector: broker {c['broker']}, storing {c['storing']}", flush=True)
