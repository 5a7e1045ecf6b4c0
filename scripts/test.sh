#!/usr/bin/env bash
# Runs every test of Canary on a fresh Debian machine (as root): installs what
# the tests need, builds, and runs the Swift test suites against the real data
# in ../shared/data.
set -euo pipefail
cd "$(dirname "$0")/.."

source scripts/lib/debian-packages.sh
# The BlueZ test boots this machine's kernel under QEMU: kernel image, QEMU, busybox, BlueZ's btvirt.
# The PostgreSQL store's tests start a private PostgreSQL 15 cluster of their own (initdb, postgres; not the system's service).
# The dashboard's own logic runs under node. The dashboard's test drives a real browser: headless Chromium, with a Chinese font so that its screenshots (.build/artefacts/) read in zh-TW. The API's TLS test: openssl makes a certificate, curl checks it. The incident report is checked against its JSON Schema with python3-jsonschema.
install_missing_packages zlib1g-dev libssl-dev libmosquitto-dev mosquitto mosquitto-clients python3 python3-jsonschema libbluetooth-dev openssl curl \
    bluez bluez-test-tools busybox-static qemu-system-x86 linux-image-amd64 zstd xz-utils cpio chromium-headless-shell \
    fonts-wqy-microhei postgresql nodejs

if [ ! -d ../shared/data/sisfall-dev ] && [ -z "${CANARY_SHARED_DATA:-}" ]; then
    echo "error: the test data is missing: expected ../shared/data beside the repository (or set CANARY_SHARED_DATA)" >&2
    exit 1
fi

# The code's form (.swift-format: 150 columns, Hummingbird's rules but one declaration may bind several names).
swift format lint --strict --recursive --parallel Sources Tests Fuzz Package.swift
# The dashboard's scripts parse, and its logic does what it says without a browser (Tests/Page).
for script in Sources/CollectorCore/HTTP/Page/*.js; do node --check "$script"; done
node --test Tests/Page/page-logic.test.js
# Builds the daemons too: the end-to-end tests run them as processes.
swift build --build-tests
# The BLE decoders and the collector's message validation under libFuzzer, a bounded time each (scripts/fuzz.sh).
scripts/fuzz.sh "${CANARY_FUZZ_SECONDS:-30}"
# A hung test must fail the run, not eat the CI budget.
timeout 1800 swift test --skip-build
