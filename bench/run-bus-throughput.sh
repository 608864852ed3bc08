#!/usr/bin/env bash
# Messages per second through the gateway's embedded MQTT broker, one publisher to one subscriber,
# QoS 0 and 1 (see bench/README.md). Prints a table and appends it to bench/results/bus-throughput-<date>.md.
#
#   bench/run-bus-throughput.sh            # 50,000 messages per row
#   bench/run-bus-throughput.sh 200000
#
# Environment: SKIP_BUILD=1 reuses the last build.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${SKIP_BUILD:-0}" != 1 ]; then
  echo "run-bus-throughput: building (root pom, APIs, outpost.edge.bus, bench) ..."
  ./mvnw -q -N install
  ./mvnw -q -pl bundles/outpost.hub.api,bundles/outpost.twin.api,bundles/outpost.link,bundles/outpost.edge.bus install -DskipTests
  ./mvnw -q -f bench/pom.xml package
fi
exec java -Xmx512m -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp "bench/target/outpost-bench-0.1.0-SNAPSHOT.jar:bench/target/lib/*" \
  io.outpost.bench.BusThroughputBench "$@"
