#!/usr/bin/env bash
# Builds and runs the link scale benchmark (see bench/README.md).
#
#   bench/run-link-scale.sh                      # KubeEdge periods: keepalive 15 s, status 10 s
#   bench/run-link-scale.sh --profile stress     # both every second: per-second capacity
#   bench/run-link-scale.sh --nodes 1000 --window-seconds 30
#
# Every option after the script name goes to the driver (io.outpost.bench.LinkScaleBench).
# Environment: SKIP_BUILD=1 reuses the last build; DRIVER_JVM overrides the driver's JVM flags.
set -euo pipefail
cd "$(dirname "$0")/.."

# Each JVM (the cloud, and the driver holding every simulated gateway) needs one descriptor per
# connection plus a few hundred for jars and the like: 10,000 gateways need ~10,300 per process.
hard=$(ulimit -Hn)
if [ "$hard" = unlimited ] || [ "$hard" -gt 1048576 ]; then
  hard=1048576
fi
if ! ulimit -n "$hard" 2>/dev/null; then
  echo "run-link-scale: could not raise the open files limit; it stays $(ulimit -n)" >&2
fi
echo "run-link-scale: open files limit $(ulimit -n) (hard $(ulimit -Hn))"

if [ "${SKIP_BUILD:-0}" != 1 ]; then
  echo "run-link-scale: building (root pom, outpost.hub.api, outpost.link, bench) ..."
  ./mvnw -q -N install
  ./mvnw -q -f bundles/outpost.hub.api/pom.xml install
  ./mvnw -q -f bundles/outpost.link/pom.xml install -DskipTests
  ./mvnw -q -f bench/pom.xml package
fi

# The driver holds N TLS contexts and N TLS client engines: about 35 MiB of live heap per 1,000
# gateways (330 MiB at 10,000), so 3 GiB leaves G1 ample room and is never the limit. The
# cloud's flags are a driver option (--cloud-jvm), reported with the results.
DRIVER_JVM=${DRIVER_JVM:-"-Xms256m -Xmx3g -XX:+UseG1GC -XX:+ExitOnOutOfMemoryError -Dorg.slf4j.simpleLogger.defaultLogLevel=warn"}

# shellcheck disable=SC2086 # DRIVER_JVM is a list of flags
exec java $DRIVER_JVM -cp "bench/target/outpost-bench-0.1.0-SNAPSHOT.jar:bench/target/lib/*" \
  io.outpost.bench.LinkScaleBench --command "bench/run-link-scale.sh $*" "$@"
