#!/usr/bin/env bash
# The demo, on a fresh Debian machine as root: builds canary-agent and plays a
# simulated worksite in real time, printing each alarm as the agent raises it.
set -euo pipefail
cd "$(dirname "$0")/.."
need=()
for pkg in zlib1g-dev libssl-dev libmosquitto-dev; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need+=("$pkg")
done
if ((${#need[@]})); then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
swift build -c release --product canary-agent
scenario="${1:-examples/scenarios/tank-cleaning.yaml}"
echo "Playing $scenario in real time; alarms appear as JSON lines the moment they are raised (Ctrl-C to stop)."
exec .build/release/canary-agent run --scenario "$scenario" --realtime
