#!/usr/bin/env python3
"""Reads the collector's alert feed (Server-Sent Events) on stdin and prints one
line a coordinator can read per alert change: time, severity, who, what, where,
what is being done. With --list, reads the alerts API's answer instead. The demo's
console (scripts/demo.sh); raw keys never shown."""
import json
import sys
from datetime import datetime

GAS = {"H2S": ("H₂S", "ppm"), "CO": ("CO", "ppm"), "O2": ("O₂", "% vol"), "LEL": ("flammable gas", "% LEL")}


def number(v):
    """Whole numbers as they are, others to one decimal: 20.4 ppm must not read as the 20 ppm limit."""
    return f"{v:.0f}" if v == int(v) else f"{v:.1f}"


def what(a):
    kind, cond, values, state = a["kind"], a.get("condition", ""), a.get("values", {}), a["state"]
    if kind == "gas":
        gas, _, limit = cond.partition(".")
        name, unit = GAS.get(gas, (gas, ""))
        if limit in ("low", "high", "critical") and "value" in values and "limit" in values:
            side = "below" if values["value"] < values["limit"] else "above"
            return f"{name} {number(values['value'])} {unit}, {side} the {number(values['limit'])} {unit} limit"
        return {"stel": f"{name}: 15-minute exposure over its limit", "twa": f"{name}: 8-hour average over its limit",
                "over-range": f"{name} beyond what the sensor can measure", "fault": f"{name} sensor fault",
                "stale": f"{name} sensor silent"}.get(limit, f"{name} {limit}")
    if kind == "fall":
        return "fall, not up for %s s" % number(values["preAlarmMs"] / 1000) if "preAlarmMs" in values and state == "alarm" else "fall"
    if kind == "immobility":
        return "not moving for %s s" % number(values["stillMs"] / 1000) if "stillMs" in values else "not moving"
    if kind == "sos":
        return "SOS pressed"
    if kind == "low-battery":
        return "battery %s %%" % number(values["percent"]) if "percent" in values else "battery low"
    if kind == "device-offline":
        return f"wearable {cond} silent"
    if kind == "fatigue":
        return "severe fatigue"
    if kind == "gateway-offline":
        return f"gateway {cond} offline: nobody hears its workers"
    if kind == "unreadable-alarm":
        return f"an alarm from gateway {cond} could not be read"
    if kind == "report-overdue":
        return "occupational-accident report not delivered, an hour to its deadline"
    return kind


def where(a):
    loc = a.get("location")
    if not loc:
        return ""
    if "zone" in loc:
        return f" in {loc['zone']}"
    if "x" in loc:
        return f" at x {number(loc['x'])} m, y {number(loc['y'])} m, floor {loc.get('floor', 0)}"
    return ""


def line(a):
    when = datetime.fromisoformat(a["updated"].replace("Z", "+00:00")).astimezone().strftime("%H:%M:%S")
    who = a["worker"] or f"gateway {a['gateway']}"
    status = "cleared" if a["state"] == "cleared" else a["state"]
    if a.get("handling") == "resolved":
        status = f"resolved by {a.get('resolved_by')} ({a.get('resolution')})"
    elif a.get("handling") == "acknowledged":
        status += f", acknowledged by {a.get('acknowledged_by')}"
    elif a.get("escalated"):
        status += ", ESCALATED: nobody acknowledged"
    return f"  {when}  {a['severity'].upper():8}  {who:8}  {what(a)}{where(a)}  [{status}]"


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
