#!/usr/bin/env bash
# Builds and runs the Modbus mapper benchmark (see bench/README.md).
#
#   bench/run-modbus.sh                                   # 50 devices × 20 registers, 8 pollers
#   bench/run-modbus.sh --devices 10 --registers 60 --threads 4 --window-seconds 20
#
# Every option after the script name goes to the driver (io.outpost.bench.ModbusBench).
# Environment: SKIP_BUILD=1 reuses the last build; DRIVER_JVM overrides the driver's JVM flags.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${SKIP_BUILD:-0}" != 1 ]; then
  echo "run-modbus: building (root pom, APIs, outpost.mapper.modbus, bench) ..."
  ./mvnw -q -N install
  ./mvnw -q -f bundles/outpost.twin.api/pom.xml install
  ./mvnw -q -f bundles/outpost.mapper.api/pom.xml install
  ./mvnw -q -f bundles/outpost.mapper.modbus/pom.xml install -DskipTests
  ./mvnw -q -f bench/pom.xml package
fi

DRIVER_JVM=${DRIVER_JVM:-"-Xms64m -Xmx512m -XX:+UseSerialGC -Dorg.slf4j.simpleLogger.defaultLogLevel=warn"}

# shellcheck disable=SC2086 # DRIVER_JVM is a list of flags
exec java $DRIVER_JVM -cp "bench/target/outpost-bench-0.1.0-SNAPSHOT.jar:bench/target/lib/*" \
  io.outpost.bench.ModbusBench --command "bench/run-modbus.sh $*" "$@"
