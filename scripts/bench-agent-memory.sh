#!/usr/bin/env bash
# The agent's resident memory with many simulated workers (figures: docs/performance.md).
#   scripts/bench-agent-memory.sh [WORKERS [SECONDS]]   default 100 workers, 120 s
# Each worker wears a gas detector, a heart wearable, a locator and a button; the
# release canary-agent simulates them in real time and sends to a release
# canary-collector through its own mosquitto on a free loopback port, so acks
# flow as on a site. Prints the agent's resident set every 10 s, and its peak
# (VmHWM) at the end. CANARY_BIN_DIR: take the executables from there instead
# of building them (to measure another build).
set -euo pipefail
cd "$(dirname "$0")/.."
workers="${1:-100}" seconds="${2:-120}"
if [ -z "${CANARY_BIN_DIR:-}" ]; then
    swift build -c release --product canary-agent
    swift build -c release --product canary-collector
    CANARY_BIN_DIR="$PWD/.build/release"
fi
dir="$(mktemp -d)"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$dir"; }
trap cleanup EXIT
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
printf 'listener %s 127.0.0.1\nallow_anonymous true\nmax_queued_messages 100000\nset_tcp_nodelay true\n' "$port" > "$dir/mosquitto.conf"
/usr/sbin/mosquitto -c "$dir/mosquitto.conf" > "$dir/mosquitto.log" 2>&1 &
pids+=($!)
python3 - "$workers" "$seconds" > "$dir/scenario.yaml" <<'PY'
import sys
n, seconds = int(sys.argv[1]), int(sys.argv[2])
print(f"site: bench\nseed: 7\nduration_s: {seconds + 30}\nworkers:")
for k in range(n):
    a = f"C0:FF:{k // 256:02X}:{k % 256:02X}"
    print(f'  - {{id: w{k}, gas_detector: "{a}:00:01", heart: "{a}:00:02", locator: "{a}:00:03", button: "{a}:00:04", '
          f'position: {{x: {k % 20}.5, y: {k // 20}.5, floor: 0}}}}')
PY
cat > "$dir/collector.yaml" <<YAML
mqtt: {host: 127.0.0.1, port: $port, client_id: bench-collector}
storage: {sqlite: $dir/collector.sqlite}
http: {host: 127.0.0.1, port: 0}
tokens: []
log_level: warning
YAML
cat > "$dir/agent.yaml" <<YAML
site: bench
gateway: gw-1
mqtt: {host: 127.0.0.1, port: $port}
outbox: {path: $dir/outbox.sqlite}
source: {simulate: scenario.yaml, speed: 1}
log_level: warning
YAML
"$CANARY_BIN_DIR/canary-collector" --config "$dir/collector.yaml" > "$dir/collector.log" 2>&1 &
pids+=($!)
"$CANARY_BIN_DIR/canary-agent" run --config "$dir/agent.yaml" > /dev/null 2> "$dir/agent.log" &
agent=$!
pids+=("$agent")
for ((t = 10; t <= seconds; t += 10)); do
    sleep 10
    kill -0 "$agent" 2>/dev/null || { echo "the agent stopped:" >&2; cat "$dir/agent.log" >&2; exit 1; }
    echo "t=${t}s agent $(grep VmRSS /proc/$agent/status | tr -s ' ')"
done
echo "$workers workers, ${seconds} s: agent peak $(grep VmHWM /proc/$agent/status | tr -s ' ')"
