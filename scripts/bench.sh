#!/usr/bin/env bash
# Benchmarks, release build (figures go in the issue notes and docs/performance.md).
#   scripts/bench.sh            RiskCore per-sample cost on the SisFall set
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product CanaryBench
.build/release/CanaryBench "${SISFALL_DIR:-../shared/data/sisfall-dev}"
