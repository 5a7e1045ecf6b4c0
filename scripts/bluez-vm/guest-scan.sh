#!/bin/bash
# In the guest (root): virtual LE controllers (btvirt). canary-agent scans on
# hci1 and connects over GATT to the wearables that stream, while the device
# simulator plays a scenario's wearables on hci0 and hci2. Two shifts, one after
# the other:
#  1. SCENARIO with AGENT_CONFIG: once the agent has subscribed, its GATT link is
#     dropped from the agent's side (as when a worker walks out of range), and
#     the agent must subscribe again.
#  2. HEART_SCENARIO with HEART_CONFIG: a heart-rate strap's stream, the agent
#     running as an unprivileged user with exactly the systemd unit's
#     capabilities (CAP_NET_RAW, CAP_NET_ADMIN); then once with none, which
#     must be a clear error.
# btvirt's controllers give a central's second simultaneous LE connection a
# handle its peer does not know (emulator/btdev.c), so each shift streams from
# one device at a time (the configs' gatt_connections: 1).
# Leaves the agents' outboxes, events and logs in /run/vmio for the host to check.
#   guest-scan.sh BIN_DIR SCENARIO AGENT_CONFIG HEART_SCENARIO HEART_CONFIG
set -u
bin=$1 out=/run/vmio
fail() { echo "guest: $*"; exit 1; }
# within TENTHS COMMAND…: true once COMMAND succeeds, tried every 0.1 s; false when it has not within TENTHS tries.
within() {
    local tenths=$1
    shift
    for _ in $(seq "$tenths"); do "$@" && return 0; sleep 0.1; done
    return 1
}
modprobe bluetooth || fail "modprobe bluetooth"
modprobe hci_vhci || fail "modprobe hci_vhci"
btvirt -L -l3 > "$out/btvirt.log" 2>&1 &
within 100 test -e /sys/class/bluetooth/hci2 || fail "btvirt made no controllers"

# Bad input first: an adapter that does not exist is a clear error, not a crash or a hang.
"$bin/canary-agent" simulate "$2" --peripheral hci9 > /dev/null 2> "$out/no-adapter.log"
echo "no-adapter exit: $?" >> "$out/no-adapter.log"

# As the systemd unit runs the agent: an unprivileged user with these capabilities only
# (exec: in the background, $! is then the agent's own pid, which SIGTERM reaches).
with_caps() {
    local caps=$1
    shift
    exec setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps="-all$caps" --ambient-caps="-all$caps" "$@"
}
unit_caps=",+net_raw,+net_admin"
# The unprivileged user runs a copy from where it may enter: the build folder may lie under a
# directory only root may (a clone under /root, as a newcomer working as root makes).
unprivileged=/tmp/canary-unprivileged
mkdir -p "$unprivileged" && install -m 755 "$bin/canary-agent" "$unprivileged/canary-agent" || fail "could not copy the agent for the unprivileged runs"

# handles ADAPTER: the handles of the connected LE links the kernel holds on ADAPTER (state 1).
handles() {
    hcitool -i "$1" con | awk '{h = ""; for (i = 1; i < NF; i++) { if ($i == "handle") h = $(i + 1); if ($i == "state" && $(i + 1) == 1 && h != "") print h } }'
}

# shift NAME SCENARIO CONFIG DROP CAPS: the agent (as root, or with CAPS) and the simulator for one scenario.
shift_() {
    local name=$1 scenario=$2 config=$3 drop=$4 caps=${5:-root}
    if [ "$caps" = root ]; then
        "$bin/canary-agent" run --config "$config" > "$out/$name-events.jsonl" 2> "$out/$name-agent.log" &
    else
        with_caps "$caps" "$unprivileged/canary-agent" run --config "$config" > "$out/$name-events.jsonl" 2> "$out/$name-agent.log" &
    fi
    local agent=$!
    within 300 grep -q "scanning" "$out/$name-agent.log" || { cat "$out/$name-agent.log"; fail "the agent did not start scanning"; }
    "$bin/canary-agent" simulate "$scenario" --peripheral hci0,hci2 > /dev/null 2> "$out/$name-simulate.log" &
    local simulator=$!
    if [ "$drop" = drop ]; then
        subscribed() { [ "$(grep -c "GATT subscribed" "$out/$name-agent.log")" -ge "$1" ]; }
        within 300 subscribed 1
        hcitool -i hci1 con > "$out/$name-links.log"
        for handle in $(handles hci1); do
            hcitool -i hci1 ledc "$handle" 19  # 0x13: remote user terminated connection
        done
        # Out of range, both ends lose the link: were the central's terminate lost, the peripheral's
        # supervision timeout would end it there. btvirt has no supervision timeout, so a link a
        # peripheral adapter holds while the central (hci1, the only one) holds none is ended on
        # that side too, and said in the log.
        for _ in $(seq 20); do
            sleep 0.1
            [ -z "$(handles hci0)$(handles hci2)" ] && break
            if [ -z "$(handles hci1)" ]; then
                for hci in hci0 hci2; do
                    for handle in $(handles $hci); do
                        echo "$hci held handle $handle that hci1 no longer did; ended there too" >> "$out/$name-links.log"
                        hcitool -i $hci ledc "$handle" 19
                    done
                done
                break
            fi
        done
        within 300 subscribed 2
        for hci in hci0 hci1 hci2; do echo "$hci, 30 s after the drop or subscribed again:"; hcitool -i $hci con; done >> "$out/$name-links.log"
    fi
    wait $simulator || fail "simulator: $(cat "$out/$name-simulate.log")"
    kill -TERM $agent
    wait $agent
    echo "agent exit: $?" >> "$out/$name-agent.log"
}
shift_ shift "$2" "$3" drop
shift_ heart "$4" "$5" keep "$unit_caps"
# No capabilities: the agent says which it needs, and keeps retrying rather than crash. Stopped once
# it has said so (or after 60 s): on a loaded machine its start may take longer than any fixed wait.
(with_caps "" "$unprivileged/canary-agent" run --config "$5") > /dev/null 2> "$out/no-caps.log" &
agent=$!
within 600 grep -q "retrying" "$out/no-caps.log"
kill -TERM $agent
wait $agent
cp /tmp/canary-outbox*.sqlite* "$out/" 2>/dev/null
exit 0
