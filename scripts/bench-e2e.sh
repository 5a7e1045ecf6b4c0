#!/usr/bin/env bash
# End-to-end benchmarks with real parts, release build (figures: docs/performance.md):
#   scripts/bench-e2e.sh [ingest|latency]   default: both
# ingest:  the collector's ingest into SQLite, into PostgreSQL and into PostgreSQL with two
#          collectors sharing the load, vs a subscriber that discards the same queued messages
#          from the same mosquitto, in one run (target for SQLite ≥ 80 %); then validation and
#          storing alone, without MQTT. INGEST_MESSAGES (20000) and INGEST_READINGS (readings
#          per telemetry message, 10) set the mix. PostgreSQL: a private cluster (the postgresql
#          package), fsync on, as installed.
# latency: SOS frame entering the agent → SSE event at a client of the collector,
#          1,000 telemetry readings/s in the background (target p99 ≤ 20 ms), on SQLite,
#          then on PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product CanaryLoad
swift build -c release --product canary-collector
export CANARY_BIN_DIR="$PWD/.build/release"
what="${1:-all}"
if [ "$what" = all ] || [ "$what" = ingest ]; then
    echo "== collector ingest"
    .build/release/CanaryLoad ingest "${INGEST_MESSAGES:-20000}" "${INGEST_READINGS:-10}"
    .build/release/CanaryLoad offline "${INGEST_MESSAGES:-20000}" "${INGEST_READINGS:-10}"
fi
if [ "$what" = all ] || [ "$what" = latency ]; then
    echo "== alarm latency"
    .build/release/CanaryLoad latency "${LATENCY_SECONDS:-40}"
    .build/release/CanaryLoad latency "${LATENCY_SECONDS:-40}" postgres
fi
