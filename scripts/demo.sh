#!/usr/bin/env bash
# The demo, on a fresh Debian machine as root: installs what is missing,
# builds, starts mosquitto on loopback, the collector, and the agent on a
# simulated tank-cleaning worksite (four workers; an H2S leak, a fall, an SOS,
# a dying battery, a sensor fault, a fatigued heart). Prints the dashboard and API URLs, every alert as the
# collector's SSE feed delivers it, and the text messages a webhook receiver would send; then resolves the fall as a real incident, whose occupational-accident
# report goes to a stand-in X-Road security server. Ctrl-C stops everything.
#   scripts/demo.sh [--postgres] [scenario.yaml]    CANARY_DEMO_SPEED=4 plays it 4x faster; CANARY_DEMO_HTTP_PORT (8080); CANARY_DEMO_BIN
# --postgres: two collectors sharing the load (an MQTT 5 shared subscription) on one PostgreSQL
# database, a private cluster the demo starts; the second collector's API is on the next port.
set -euo pipefail
cd "$(dirname "$0")/.."
postgres=false
if [ "${1:-}" = --postgres ]; then postgres=true; shift; fi
source scripts/lib/debian-packages.sh
install_missing_packages zlib1g-dev libssl-dev libmosquitto-dev libbluetooth-dev mosquitto curl openssl python3
if $postgres; then install_missing_packages postgresql; fi
# CANARY_DEMO_BIN: binaries already built there (scripts/demo-alarm-count.sh uses the debug build's).
bin="${CANARY_DEMO_BIN:-.build/release}"
if [ -z "${CANARY_DEMO_BIN:-}" ]; then
    swift build -c release --product canary-agent
    swift build -c release --product canary-collector
    swift build -c release --product XRoadStandIn
fi
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

# A stand-in for the employer's X-Road security server (the real one runs on the government network):
# HTTPS with mutual TLS and certificates of its own test CA, made in $work/xroad.
"$bin/XRoadStandIn" "$work/xroad" > "$work/xroad.out" 2> "$work/xroad.log" &
pids+=($!)
for _ in $(seq 100); do grep -q "xroad-standin: https" "$work/xroad.out" 2>/dev/null && break; sleep 0.1; done
xroad_line="$(grep -m1 "xroad-standin: https" "$work/xroad.out")" || { echo "the X-Road stand-in did not start:"; cat "$work/xroad.log"; exit 1; }
xroad_url="$(echo "$xroad_line" | awk '{print $2}')"
xroad_tls="$(echo "$xroad_line" | awk '{print $3, $4, $5}' | sed 's/=/: /g; s/ \([a-z_]*:\)/, \1/g')"

# A worked webhook receiver: the front of a text-message gateway, told of every alarm, escalation and resolution.
hook_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
head -c 24 /dev/urandom | base64 > "$work/hook.secret"
chmod 600 "$work/hook.secret"
python3 -u examples/webhooks/text-message-gateway.py "$hook_port" "$work/hook.secret" > "$work/text-messages.out" 2>&1 &
pids+=($!)

storage="{sqlite: $work/collector.sqlite}"
share=""
if $postgres; then
    # A private PostgreSQL 15 cluster on a free loopback port; as root it belongs to the postgres user.
    pg_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    as_owner=()
    if [ "$(id -u)" = 0 ]; then chown postgres: "$work"; chmod 755 "$work"; as_owner=(setpriv --reuid=postgres --regid=postgres --init-groups --); fi
    "${as_owner[@]}" /usr/lib/postgresql/15/bin/initdb -D "$work/pg" -U canary --auth=trust --encoding=UTF8 --locale=C > "$work/initdb.log"
    "${as_owner[@]}" /usr/lib/postgresql/15/bin/postgres -D "$work/pg" -p "$pg_port" -c listen_addresses=127.0.0.1 \
        -c unix_socket_directories= > "$work/postgres.log" 2>&1 &
    pids+=($!)
    for _ in $(seq 100); do grep -q "ready to accept connections" "$work/postgres.log" 2>/dev/null && break; sleep 0.1; done
    psql -h 127.0.0.1 -p "$pg_port" -U canary -d postgres -qc "CREATE DATABASE canary"
    storage="{postgres: {url: \"postgres://canary@127.0.0.1:$pg_port/canary?sslmode=disable\", pool: 4}}"
    share=", share_group: canary"
fi

cat > "$work/collector.yaml" <<YAML
mqtt: {port: $mqtt_port, client_id: collector-a$share}
storage: $storage
http: {host: 127.0.0.1, port: $http_port}
# The demo's coordinator, token demo-token (printf %s demo-token | sha256sum).
tokens:
  - {name: Demo coordinator, token_sha256: 7c43ef5ae21d43ce2743f770c68e24def1a43ee2f416d2438410c8af7af2ff2c, roles: [coordinator]}
# Occupational-accident reports (docs/egov.md) go to the stand-in.
egov:
  employer: {name: 臺灣化工股份有限公司, business_id: "12345678"}
  sites: [{site: tank-farm-3, address: 高雄市小港區中林路1號}]
  roster: [{worker: chen, name: 陳志明}, {worker: lin, name: 林美玲}, {worker: wang, name: 王建國}, {worker: huang, name: 黃淑芬}]
  xroad:
    security_server: $xroad_url
    client: TW/COM/12345678/canary
    service: TW/GOV/MOL/osha/occupational-accidents
    path: /v1/reports
    tls: {$xroad_tls}
    first_retry: 1s
# The tank farm's plan for the dashboard (docs/collector.md, "Site plans").
sites:
  - id: tank-farm-3
    name: 小港儲槽區 Tank farm 3
    floors:
      - level: 0
        name: 1F
        image: {file: $PWD/examples/plans/tank-farm-3-1f.svg, width_px: 800, height_px: 600, origin_px: [100, 500], px_per_m: 25}
        zones:
          - {name: T-301, outline: [[18, 6], [15.7, 11.7], [10, 14], [4.3, 11.7], [2, 6], [4.3, 0.3], [10, -2], [15.7, 0.3]]}
          - {name: Manhole, outline: [[-0.8, -0.8], [1.6, -0.8], [1.6, 1.6], [-0.8, 1.6]]}
      - level: -1
        name: B1
        zones:
          - {name: Pump room, outline: [[10, 5], [20, 5], [20, 12], [10, 12]]}
    gateways:
      - {id: gw-01, x: 1, y: 3, floor: 0}
# Every alarm, escalation and resolution is told to the text-message gateway (examples/webhooks/).
webhooks:
  - {name: text-messages, url: "http://127.0.0.1:$hook_port/", secret_file: $work/hook.secret}
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
if $postgres; then
    # The second collector: the same config but for its MQTT client id and its API's port.
    sed "s/client_id: collector-a/client_id: collector-b/; s/port: $http_port}/port: $((http_port + 1))}/" "$work/collector.yaml" > "$work/collector-b.yaml"
    "$bin/canary-collector" --config "$work/collector-b.yaml" > "$work/collector-b.out" 2> "$work/collector-b.log" &
    pids+=($!)
    for _ in $(seq 100); do grep -q "API on" "$work/collector-b.out" 2>/dev/null && break; sleep 0.1; done
    api_b="$(grep -o 'http://[^ ]*' "$work/collector-b.out" | head -1)"
    [ -n "$api_b" ] || { echo "the second collector did not start:"; cat "$work/collector-b.log"; exit 1; }
fi

echo
echo "Canary demo: $scenario at ${speed}x real time"
echo "  dashboard: ${api%/api/v1}/   (open it in a browser or on a phone: who needs help, the site plan, workers;"
echo "             enter the coordinator token demo-token: the API answers nobody without one)"
echo "  API:     $api   (try curl -H 'Authorization: Bearer demo-token' $api/workers)"
echo "  feed:    $api/alerts/stream (Server-Sent Events)"
echo "  metrics: ${api%/api/v1}/metrics"
echo "  logs:    $work"
if $postgres; then
    echo "  storage: PostgreSQL on 127.0.0.1:$pg_port (database canary), shared by two collectors;"
    echo "           the second's API: $api_b   (the same alerts, in the same order, with the same ids)"
fi
echo
echo "Alerts as the collector's feed delivers them:"
# One readable line per alert change (scripts/lib/alert-lines.py): time, severity, who, what, where, what is done.
curl -sN -H 'Authorization: Bearer demo-token' "$api/alerts/stream" | python3 -u scripts/lib/alert-lines.py &
pids+=($!)
# And what the text-message gateway would send, as the webhook tells it.
tail -n +1 -F "$work/text-messages.out" 2>/dev/null &
pids+=($!)

"$bin/canary-agent" run --config "$work/agent.yaml" > "$work/agent-events.jsonl" 2> "$work/agent.log" &
agent=$!
pids+=($agent)
wait "$agent" || true
echo
echo "The shift is over and every event is stored. Open alerts:"
curl -s -H 'Authorization: Bearer demo-token' "$api/alerts?state=open" | python3 scripts/lib/alert-lines.py --list

# lin's fall was real: she was taken to hospital. Resolving it with that outcome makes an
# occupational-accident report (OSH Act art. 37: within 8 hours), delivered over X-Road.
fall="$(curl -s -H 'Authorization: Bearer demo-token' "$api/alerts?worker=lin" | python3 -c 'import json,sys; print(next(a["id"] for a in json.load(sys.stdin)["alerts"] if a["kind"] == "fall"))' 2>/dev/null || true)"
if [ -n "$fall" ]; then
    echo
    echo "A coordinator resolves lin's fall (alert $fall) as a real incident: injured, taken to hospital."
    curl -s -o /dev/null -H 'Authorization: Bearer demo-token' -H 'Content-Type: application/json' "$api/alerts/$fall/resolve" \
        -d '{"reason":"real-incident","note":"carried out by the standby team","outcome":{"deaths":0,"injured":1,"hospitalised":1,"description":"lin fell in the tank and lay still; taken to hospital"}}'
    for _ in $(seq 100); do
        curl -s -H 'Authorization: Bearer demo-token' "$api/reports" | grep -q '"state":"delivered"' && break
        sleep 0.2
    done
    echo "The report to the labour inspection, as the collector lists it ($api/reports):"
    curl -s -H 'Authorization: Bearer demo-token' "$api/reports" | python3 -c '
import json, sys
for r in json.load(sys.stdin)["reports"]:
    print("  report %s: %s, deadline %s, X-Road-Id %s, receipt %s" % (r["id"], r["state"], r["deadline"], r["x_road_id"], r.get("x_road_request_id", "-")))'
    echo "What the stand-in security server received:"
    sed -n '2,$p' "$work/xroad.out" | sed 's/^/  /'
fi
echo "The collector keeps serving $api until Ctrl-C."
wait
