#!/usr/bin/env bash
# The demo, on a fresh Debian machine as root: installs what is missing,
# builds, starts mosquitto on loopback, the collector, and the agent on a
# simulated tank-cleaning worksite (four workers; an H2S leak, a fall, an SOS,
# a dying battery, a sensor fault, a fatigued heart). Prints the dashboard and API URLs and every alert as the
# collector's SSE feed delivers it. Ctrl-C stops everything.
#   scripts/demo.sh [scenario.yaml]    CANARY_DEMO_SPEED=4 plays it 4x faster; CANARY_DEMO_HTTP_PORT (8080)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/debian-packages.sh
install_missing_packages zlib1g-dev libssl-dev libmosquitto-dev libbluetooth-dev mosquitto curl
swift build -c release --product canary-agent
swift build -c release --product canary-collector
bin=.build/release
scenario="$(realpath "${1:-examples/scenarios/tank-cleaning.yaml}")"
speed="${CANARY_DEMO_SPEED:-1}"
http_port="${CANARY_DEMO_HTTP_PORT:-8080}"

work="$(mktemp -d /tmp/canary-demo.XXXXXX)"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM

# A broker of the demo's own on a free loopback port (Debian's mosquitto service may hold 1883).
mqtt_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null || echo 18883)
printf 'listener %s 127.0.0.1\nallow_anonymous true\nset_tcp_nodelay true\n' "$mqtt_port" > "$work/mosquitto.conf"
/usr/sbin/mosquitto -c "$work/mosquitto.conf" > "$work/mosquitto.log" 2>&1 &
pids+=($!)

cat > "$work/collector.yaml" <<YAML
mqtt: {port: $mqtt_port}
storage: {sqlite: $work/collector.sqlite}
http: {host: 127.0.0.1, port: $http_port}
# The demo's coordinator, token demo-token (printf %s demo-token | sha256sum).
tokens:
  - {name: Demo coordinator, token_sha256: 7c43ef5ae21d43ce2743f770c68e24def1a43ee2f416d2438410c8af7af2ff2c, roles: [coordinator]}
YAML
cat > "$work/agent.yaml" <<YAML
site: $(sed -n 's/^site: *//p' "$scenario")
gateway: gw-01
mqtt: {port: $mqtt_port}
outbox: {path: $work/outbox.sqlite}
source: {simulate: $scenario, speed: $speed}
health: $work/health.yaml
YAML
# Health records are refused unless only their owner may read them.
install -m 600 examples/config/health.yaml "$work/health.yaml"

"$bin/canary-collector" --config "$work/collector.yaml" > "$work/collector.out" 2> "$work/collector.log" &
pids+=($!)
for _ in $(seq 100); do grep -q "API on" "$work/collector.out" 2>/dev/null && break; sleep 0.1; done
api="$(grep -o 'http://[^ ]*' "$work/collector.out" | head -1)"
[ -n "$api" ] || { echo "the collector did not start:"; cat "$work/collector.log"; exit 1; }

echo
echo "Canary demo: $scenario at ${speed}x real time"
echo "  dashboard: ${api%/api/v1}/   (open it in a browser: live alerts with sound, workers;"
echo "             enter the coordinator token demo-token: the API answers nobody without one)"
echo "  API:     $api   (try curl -H 'Authorization: Bearer demo-token' $api/workers)"
echo "  feed:    $api/alerts/stream (Server-Sent Events)"
echo "  metrics: ${api%/api/v1}/metrics"
echo "  logs:    $work"
echo
echo "Alerts as the collector's feed delivers them:"
# Each event's kind is on its `event:` line: `alert`, or `collector` (whether the collector hears the broker and can store).
# Read line by line as they come (mawk would wait for a full buffer).
curl -sN -H 'Authorization: Bearer demo-token' "$api/alerts/stream" | while IFS= read -r line; do
    case "$line" in
        "event: "*) kind=${line#event: } ;;
        "data: "*) [ "$kind" = keep-alive ] || echo "  ${kind^^} ${line#data: }" ;;
    esac
done &
pids+=($!)

"$bin/canary-agent" run --config "$work/agent.yaml" > "$work/agent-events.jsonl" 2> "$work/agent.log" &
agent=$!
pids+=($agent)
wait "$agent" || true
echo
echo "The shift is over and every event is stored. Open alerts:"
curl -s -H 'Authorization: Bearer demo-token' "$api/alerts?state=open"
echo
echo "The collector keeps serving $api until Ctrl-C."
wait
