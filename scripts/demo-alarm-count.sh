#!/usr/bin/env bash
# How many alerts and text messages the demo's shift makes (docs/collector.md, "One cause, one alert"):
# runs scripts/demo.sh at CANARY_DEMO_SPEED (default 8) with the binaries in CANARY_DEMO_BIN (default
# .build/debug, built by `swift build`), lets every alert nobody acknowledges escalate (70 s after the
# shift), then counts the alerts the collector lists and the text messages the webhook receiver sent,
# and the alarm rate per 10 minutes of shift (EEMUA 191's benchmark: one alarm per 10 minutes per operator).
set -euo pipefail
cd "$(dirname "$0")/.."
export CANARY_DEMO_SPEED="${CANARY_DEMO_SPEED:-8}" CANARY_DEMO_BIN="${CANARY_DEMO_BIN:-.build/debug}"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
out="$(mktemp)"
CANARY_DEMO_HTTP_PORT=$port scripts/demo.sh > "$out" 2>&1 &
demo=$!
trap 'kill $demo 2>/dev/null || true; wait 2>/dev/null || true; rm -f "$out"' EXIT
until grep -q "keeps serving" "$out"; do
    kill -0 $demo 2>/dev/null || { cat "$out"; exit 1; }
    sleep 1
done
sleep 70
work="$(sed -n 's/^  logs: *//p' "$out")"
curl -s -H 'Authorization: Bearer demo-token' "http://127.0.0.1:$port/api/v1/alerts?limit=1000" | python3 -c '
import json, sys
alerts = json.load(sys.stdin)["alerts"]
shift_min = 330 / 60
print("alerts: %d (%s)" % (len(alerts), ", ".join(sorted("%s %s" % (a["worker"] or a["gateway"], a["kind"]) for a in alerts))))
print("alarm rate: %.1f per 10 minutes of shift" % (len(alerts) / shift_min * 10))'
echo "text messages: $(grep -c 'text message:' "$work/text-messages.out" || true)"
