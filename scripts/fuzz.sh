#!/usr/bin/env bash
# Fuzzes every BLE decoder with libFuzzer for a bounded time (default 60 s).
#   scripts/fuzz.sh [SECONDS]
# Builds Fuzz/DecodersFuzz.swift together with Sources/DeviceFormats under
# -sanitize=fuzzer,address, seeds the corpus with the real capture's first
# records and the test vectors, and fails on any crash.
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

