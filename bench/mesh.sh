#!/usr/bin/env bash
# A TCP stream through the mesh versus a direct connection (issue 8): 4 MiB fetched on a new
# connection and one-byte round trips, direct / mesh to a local pod / tunnel to another gateway /
# relayed by the cloud. Prints a table and appends it to bench/results/mesh-<date>.md.
#
#   bench/mesh.sh              # 30 fetches and 2000 round trips per path
#   bench/mesh.sh 100 10000
#
# Environment: SKIP_BUILD=1 reuses the last build.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${SKIP_BUILD:-0}" != 1 ]; then
  echo "mesh bench: building (root pom, APIs, link, mesh, bench) ..."
  ./mvnw -q -N install
  ./mvnw -q -pl bundles/outpost.hub.api,bundles/outpost.meta.api,bundles/outpost.link,bundles/outpost.mesh.tunnel,bundles/outpost.edge.mesh install -DskipTests
  ./mvnw -q -f bench/pom.xml package
fi
exec java -Xmx512m -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp "bench/target/outpost-bench-0.1.0-SNAPSHOT.jar:bench/target/lib/*" \
  io.outpost.bench.MeshBench "$@"
