#!/usr/bin/env bash
# Benchmarks, release build, one core (figures: docs/performance.md).
#   scripts/bench.sh [detection|decoders]   default: both
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product CanaryBench
what="${1:-all}"
if [ "$what" = all ] || [ "$what" = detection ]; then
    echo "== RiskCore detection (SisFall)"
    taskset -c 0 .build/release/CanaryBench detection "${SISFALL_DIR:-../shared/data/sisfall-dev}"
fi
if [ "$what" = all ] || [ "$what" = decoders ]; then
    echo "== BLE decoders"
    taskset -c 0 .build/release/CanaryBench decoders
    python3 -c "import TheengsDecoder" 2>/dev/null || pip install --quiet theengsdecoder
    taskset -c 0 python3 scripts/bench/theengs.py
fi
