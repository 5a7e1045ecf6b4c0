#!/bin/bash
# The scanner path on the real Linux Bluetooth stack (docs/performance.md): in
# the QEMU guest, the simulator advertises the gas frames of WORKERS detectors
# (1 Hz each) on hci0 for SECONDS while canary-agent scans on hci1 without GATT;
# prints the agent's last "scanner cost" line: reports, reports/s and the CPU
# time of its scanning thread. From the host:
#   scripts/bluez-vm/run.sh scripts/bench/bluez-scan.sh .build/release [WORKERS] [SECONDS]
set -eu
bin=$(cd "$1" && pwd) workers=${2:-100} seconds=${3:-30} dir=$(mktemp -d)
modprobe bluetooth && modprobe hci_vhci
btvirt -L -l2 > /dev/null 2>&1 &
for _ in $(seq 100); do [ -e /sys/class/bluetooth/hci1 ] && break; sleep 0.1; done
{
    echo "site: bench"; echo "seed: 1"; echo "duration_s: $seconds"; echo "workers:"
    for i in $(seq "$workers"); do printf '  - {id: w%d, gas_detector: "C0:FF:EE:%02X:%02X:01"}\n' "$i" $((i / 256)) $((i % 256)); done
} > "$dir/scenario.yaml"
{
    echo "site: bench"; echo "gateway: gw"; echo "mqtt: {port: 1}"; echo "outbox: {path: $dir/outbox.sqlite}"
    echo "source: {bluez: hci1, gatt_connections: 0}"; echo "log_level: debug"; echo "workers:"
    for i in $(seq "$workers"); do printf '  - {id: w%d, gas_detector: "C0:FF:EE:%02X:%02X:01"}\n' "$i" $((i / 256)) $((i % 256)); done
} > "$dir/agent.yaml"
"$bin/canary-agent" run --config "$dir/agent.yaml" > /dev/null 2> "$dir/agent.log" &
agent=$!
for _ in $(seq 300); do grep -q "scanning" "$dir/agent.log" && break; sleep 0.1; done
"$bin/canary-agent" simulate "$dir/scenario.yaml" --peripheral hci0 > /dev/null 2> "$dir/simulate.log"
kill -TERM $agent && wait $agent || true
cat "$dir/simulate.log"
grep "scanner cost" "$dir/agent.log" | tail -1
