#!/usr/bin/env bash
# Pod dispatch through reliable delivery with simulated gateways (see bench/README.md): N gateways
# × 10 pods, throughput and enqueue → ACK latency. Appends to bench/results/delivery-<date>.md.
#
#   bench/run-delivery.sh                 # N = 100 500 1000
#   bench/run-delivery.sh 200 2000
#
# Environment: SKIP_BUILD=1 reuses the last build.
set -euo pipefail
cd "$(dirname "$0")/.."
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
if [ "${SKIP_BUILD:-0}" != 1 ]; then
  echo "run-delivery: building (root pom, outpost.hub.api, outpost.link, bench) ..."
  ./mvnw -q -N install
  ./mvnw -q -pl bundles/outpost.hub.api,bundles/outpost.link install -DskipTests
  ./mvnw -q -f bench/pom.xml package
fi
exec java -Xmx2g -XX:+UseG1GC -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp "bench/target/outpost-bench-0.1.0-SNAPSHOT.jar:bench/target/lib/*" \
  io.outpost.bench.DeliveryBench "$@"
