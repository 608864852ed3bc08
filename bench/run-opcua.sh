#!/usr/bin/env bash
# Builds and runs the OPC UA mapper benchmark (see bench/README.md).
#
#   bench/run-opcua.sh                                   # 10 devices × 100 monitored items, publishing 100, 20 and 10 ms
#
# Counts at the twin: Milo server → OPC UA mapper → device manager → twin (see bench/README.md).
#   bench/run-opcua.sh --devices 4 --items 250 --publishing-ms 50 --window-seconds 20
#
# Every option after the script name goes to the driver (io.outpost.bench.OpcUaBench).
# Environment: SKIP_BUILD=1 reuses the last build; DRIVER_JVM overrides the driver's JVM flags.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${SKIP_BUILD:-0}" != 1 ]; then
  echo "run-opcua: building (the OPC UA mapper, device manager, twin, meta store, simulator and bench) ..."
  ./mvnw -q -N install
  ./mvnw -q -pl bundles/outpost.mapper.opcua,bundles/outpost.edge.device,bundles/outpost.edge.twin,bundles/outpost.edge.meta,examples/opcua-simulator \
    -am install -DskipTests
  ./mvnw -q -f bench/pom.xml package
fi

DRIVER_JVM=${DRIVER_JVM:-"-Xms64m -Xmx512m -XX:+UseSerialGC -Dorg.slf4j.simpleLogger.defaultLogLevel=warn"}

# shellcheck disable=SC2086 # DRIVER_JVM is a list of flags
exec java $DRIVER_JVM -cp "bench/target/outpost-bench-0.1.0-SNAPSHOT.jar:bench/target/lib/*" \
  io.outpost.bench.OpcUaBench --command "bench/run-opcua.sh $*" "$@"
