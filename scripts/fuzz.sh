#!/usr/bin/env bash
# Fuzzes every BLE decoder, then the collector's message validation, with
# libFuzzer for a bounded time each (default 60 s).
#   scripts/fuzz.sh [SECONDS]
# Builds Fuzz/DecodersFuzz.swift together with Sources/DeviceFormats, and
# Fuzz/WireFuzz.swift together with Sources/Wire, under
# -sanitize=fuzzer,address; seeds the corpora with the real capture's first
# records, the test vectors and messages as an agent sends them; fails on any crash.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
out=.build/fuzz
mkdir -p "$out/corpus"
# ld.gold warns about every ASan helper symbol; keep the log, show it only on failure.
if ! swiftc -sanitize=fuzzer,address -parse-as-library -O -g \
    -I Sources/COpenSSL Sources/DeviceFormats/*.swift Fuzz/DecodersFuzz.swift -o "$out/decoders" \
    > "$out/build.log" 2>&1; then
    cat "$out/build.log" >&2
    exit 1
fi
capture=../shared/data/ble/csacca_btsnoop_hci.log
if [ -f "$capture" ]; then
    { printf '\x05'; head -c 4016 "$capture" | tail -c +17; } > "$out/corpus/btsnoop"
fi
printf '\x00\x02\x01\x06\x12\x16\xd2\xfc\x41\xa4\x72\x66\xc9\x5f\x73\x00\x11\x22\x33\x78\x23\x72\x14' > "$out/corpus/bthome-encrypted"
printf '\x00\x02\x01\x06\x11\xff\xff\xff\x01\x01\x07\xd2\x08\x00\x00\x14\x00\x00\x00\x64\x00\x05' > "$out/corpus/canary-gas"
printf '\x01\x16\x48\x00\x04\x00\x02' > "$out/corpus/hrm"
if ! "$out/decoders" -max_total_time="$seconds" "$out/corpus" > "$out/run.log" 2>&1; then
    tail -n 40 "$out/run.log" >&2
    echo "fuzz: the decoders crashed; the input is saved as $out/crash-* or ./crash-*" >&2
    exit 1
fi
echo "fuzz: $(grep -o 'Done [0-9]* runs in [0-9]* second(s)' "$out/run.log"), no crash"

# The collector's validation of MQTT payloads (Sources/Wire, which stands alone).
mkdir -p "$out/wire-corpus"
if ! swiftc -sanitize=fuzzer,address -parse-as-library -O -g \
    $(find Sources/Wire -name '*.swift') Fuzz/WireFuzz.swift -o "$out/wire" > "$out/wire-build.log" 2>&1; then
    cat "$out/wire-build.log" >&2
    exit 1
fi
{ printf '\x00'; printf '%s' '{"data":{"readings":[{"device":"C0:FF:EE:00:01:01","kind":"gas","time_ms":1767254400000,"values":{"co":1,"o2":20.9},"worker":"chen"}]},"datacontenttype":"application/json","id":"1767254400000-telemetry-1","source":"canary://s/g","specversion":"1.0","time":"2026-01-01T08:00:00.000Z","type":"tw.canary.telemetry"}'; } > "$out/wire-corpus/telemetry"
{ printf '\x01'; printf '%s' '{"data":{"condition":"","kind":"sos","phase":"alarm","severity":"critical","time_ms":1000,"values":{}},"id":"a-1","source":"canary://s/g","specversion":"1.0","subject":"lin","time":"2026-01-01T08:00:00.000Z","type":"tw.canary.alarm.sos"}'; } > "$out/wire-corpus/alarm"
if ! "$out/wire" -max_total_time="$seconds" "$out/wire-corpus" > "$out/wire-run.log" 2>&1; then
    tail -n 40 "$out/wire-run.log" >&2
    echo "fuzz: the message validation crashed; the input is saved as $out/crash-* or ./crash-*" >&2
    exit 1
fi
echo "fuzz: $(grep -o 'Done [0-9]* runs in [0-9]* second(s)' "$out/wire-run.log") of message validation, no crash"
