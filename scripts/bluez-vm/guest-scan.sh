#!/bin/bash
# In the guest (root): two virtual LE controllers (btvirt); canary-agent scans on
# hci1 while the device simulator plays a scenario's wearables on hci0. Leaves
# the agent's outbox, its events and logs in /run/vmio for the host to check.
#   guest-scan.sh BIN_DIR SCENARIO AGENT_CONFIG
set -u
bin=$1 scenario=$2 config=$3 out=/run/vmio
fail() { echo "guest: $*"; exit 1; }
modprobe bluetooth || fail "modprobe bluetooth"
modprobe hci_vhci || fail "modprobe hci_vhci"
btvirt -L -l2 > "$out/btvirt.log" 2>&1 &
for _ in $(seq 100); do [ -e /sys/class/bluetooth/hci1 ] && break; sleep 0.1; done
[ -e /sys/class/bluetooth/hci1 ] || fail "btvirt made no controllers"

# Bad input first: an adapter that does not exist is a clear error, not a crash or a hang.
"$bin/canary-agent" simulate "$scenario" --peripheral hci9 > /dev/null 2> "$out/no-adapter.log"
echo "no-adapter exit: $?" >> "$out/no-adapter.log"

"$bin/canary-agent" run --config "$config" > "$out/agent-events.jsonl" 2> "$out/agent.log" &
agent=$!
for _ in $(seq 300); do grep -q "scanning" "$out/agent.log" && break; sleep 0.1; done
grep -q "scanning" "$out/agent.log" || { cat "$out/agent.log"; fail "the agent did not start scanning"; }
"$bin/canary-agent" simulate "$scenario" --peripheral hci0 > /dev/null 2> "$out/simulate.log" || fail "simulator: $(cat "$out/simulate.log")"
kill -TERM $agent
wait $agent
echo "agent exit: $?" >> "$out/agent.log"
cp /tmp/canary-outbox.sqlite* "$out/" 2>/dev/null
exit 0
