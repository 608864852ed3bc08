#!/usr/bin/env bash
# OTA benchmark (issue 6): the real distribution (development API server, cloud, one gateway) plus
# a fleet of simulated gateways (bench: OtaFleet — real join, real link, the agent's real update
# state machine with HTTPS Range downloads, SHA-256 and Ed25519; installing simulated).
#   1. one real gateway: update time split into download, verify, install, health check (4 updates);
#   2. a GatewayRollout across N simulated gateways (default 100, batch 10, canary 1): total time.
# Runs the distribution on its own ports, under the shared e2e lock. Writes bench/results/ota-rollout-<date>.md.
#   bench/run-ota-rollout.sh [--gateways 100] [--batch 10] [--install-millis 300]
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
N=100 BATCH=10 INSTALL_MS=300
while [ $# -gt 0 ]; do
  case "$1" in
    --gateways) N="$2"; shift 2 ;;
    --batch) BATCH="$2"; shift 2 ;;
    --install-millis) INSTALL_MS="$2"; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
export OUTPOST_HOME="$ROOT/bench/target/ota-bench"
export OUTPOST_APISERVER_PORT=19443 OUTPOST_HUB_PORT=19000 OUTPOST_BOOTSTRAP_PORT=19002
export OUTPOST_CLOUD_SSH_PORT=19101 OUTPOST_GATEWAY_SSH_PORT=19102 OUTPOST_GATEWAY_NAME=bench-ota-gw OUTPOST_GATEWAY_MQTT_PORT=19883
export OUTPOST_CONSOLE_PORT=19444
export KUBECONFIG="$OUTPOST_HOME/kubeconfig"
OUT="$ROOT/outpost"
CL() { "$OUT" shell cloud "$@" 2>&1; }
R() { kubectl --request-timeout=10s get gatewayrollout "$1" -o jsonpath="$2" 2>/dev/null; }

if [ "${SKIP_BUILD:-0}" != 1 ]; then
  ./mvnw -B -q -o -pl examples/ota-hello install -DskipTests && ./mvnw -B -q -o -f bench/pom.xml package || exit 1
fi
FLEET_PID=""
cleanup() { [ -n "$FLEET_PID" ] && kill "$FLEET_PID" 2>/dev/null; "$OUT" stop >/dev/null 2>&1 || true; }
trap cleanup EXIT
cleanup; rm -rf "$OUTPOST_HOME"; mkdir -p "$OUTPOST_HOME/kars" "$ROOT/bench/results"

echo "run-ota-rollout: starting the demo (log: $OUTPOST_HOME/../ota-bench-demo.log)"
"$OUT" demo >"$ROOT/bench/target/ota-bench-demo.log" 2>&1 || { echo "demo failed"; exit 1; }
until kubectl get crd gatewayrollouts.outpost.io >/dev/null 2>&1; do sleep 1; done
CL "outpost:artifact keygen $OUTPOST_HOME/cloud/etc/outpost-ota-signing.pem" >/dev/null
mkdir -p "$OUTPOST_HOME/gateway/etc/outpost-ota-trusted"
cp "$OUTPOST_HOME/cloud/etc/outpost-ota-signing.pem.pub" "$OUTPOST_HOME/gateway/etc/outpost-ota-trusted/bench.pem"
for v in 1.0.0 1.1.0 1.2.0 1.3.0 2.0.0; do
  examples/ota-hello/kar.sh "$v" "$OUTPOST_HOME/kars/ota-hello-$v.kar" >/dev/null
  CL "outpost:artifact publish $OUTPOST_HOME/kars/ota-hello-$v.kar ota-hello $v" >/dev/null
done
KAR_BYTES="$(stat -c %s "$OUTPOST_HOME/kars/ota-hello-1.0.0.kar")"

apply() { # name version gateways-yaml canary batch
  cat <<YAML | kubectl apply --validate=false -f - >/dev/null
apiVersion: outpost.io/v1alpha1
kind: GatewayRollout
metadata: {name: $1, namespace: default}
spec:
  gateways: $3
  artifacts: [{name: ota-hello, version: "$2"}]
  strategy: {canary: $4, batchSize: $5}
YAML
}
wait_done() { # name timeout → prints ms
  local t0 end; t0=$(date +%s%N); end=$(( $(date +%s) + $2 ))
  while :; do
    case "$(R "$1" '{.status.phase}')" in Succeeded) break ;; Halted|Invalid|CompletedWithFailures) echo "rollout $1 ended $(R "$1" '{.status.phase}'): $(R "$1" '{.status.message}')" >&2; return 1 ;; esac
    [ "$(date +%s)" -lt "$end" ] || { echo "rollout $1 not done in $2 s" >&2; return 1; }
    sleep 0.2
  done
  echo $(( ($(date +%s%N) - t0) / 1000000 ))
}

echo "run-ota-rollout: one real gateway"
REAL_ROWS=""
for v in 1.0.0 1.1.0 1.2.0 1.3.0; do
  apply "real-$(tr . - <<<"$v")" "$v" "{names: [$OUTPOST_GATEWAY_NAME]}" 1 1
  ms="$(wait_done "real-$(tr . - <<<"$v")" 120)" || exit 1
  m="$(R "real-$(tr . - <<<"$v")" '{.status.gateways[0].millis}')"
  row="$(python3 -c 'import json,sys; m=json.loads(sys.argv[1]); print("| %s | %s | %s | %s | %s | %s |" % (sys.argv[2], m.get("download"), m.get("verify"), m.get("install"), m.get("health"), sys.argv[3]))' "$m" "$v" "$ms")"
  REAL_ROWS+="$row"$'\n'
  echo "  $row"
done

echo "run-ota-rollout: $N simulated gateways"
TOKEN="$(CL 'outpost:token --quiet --ttl 1h create' | grep -Eo '^[0-9a-f]{64}\.[A-Za-z0-9_.-]+' | head -1)"
mkfifo "$OUTPOST_HOME/fleet.in"
java -Xmx512m -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp "bench/target/outpost-bench-0.1.0-SNAPSHOT.jar:bench/target/lib/*" io.outpost.bench.OtaFleet \
  --bootstrap "127.0.0.1:$OUTPOST_BOOTSTRAP_PORT" --hub-port "$OUTPOST_HUB_PORT" --token "$TOKEN" --gateways "$N" --prefix ota-sim \
  --state "$OUTPOST_HOME/fleet" --trusted "$OUTPOST_HOME/cloud/etc/outpost-ota-signing.pem.pub" --install-millis "$INSTALL_MS" \
  <"$OUTPOST_HOME/fleet.in" >"$OUTPOST_HOME/fleet.log" 2>&1 &
FLEET_PID=$!
exec 9>"$OUTPOST_HOME/fleet.in"
T0=$(date +%s%N)
until grep -q '^ready' "$OUTPOST_HOME/fleet.log"; do
  kill -0 "$FLEET_PID" 2>/dev/null || { echo "the fleet stopped:"; tail -20 "$OUTPOST_HOME/fleet.log"; exit 1; }
  sleep 0.5
done
JOIN_MS=$(( ($(date +%s%N) - T0) / 1000000 ))
NAMES="$(python3 -c "print(', '.join('ota-sim-%03d' % i for i in range($N)))")"
apply fleet 2.0.0 "{names: [$NAMES]}" 1 "$BATCH"
FLEET_MS="$(wait_done fleet 900)" || exit 1
STATS="$(kubectl get gatewayrollout fleet -o json | python3 -c '
import json,sys,statistics as st
g=json.load(sys.stdin)["status"]["gateways"]
def col(k): 
    v=[x.get("millis",{}).get(k) for x in g if x.get("millis",{}).get(k) is not None]
    return "%d / %d" % (st.median(v), max(v)) if v else "-"
print("| %s | %s | %s |" % (col("download"), col("verify"), col("install")))')"
exec 9>&-

DATE="$(date -u +%Y%m%d)"
REPORT="bench/results/ota-rollout-$DATE.md"
{
  echo "## OTA rollout, $(date -u +%Y-%m-%dT%H:%MZ)"
  echo
  echo "Command: \`bench/run-ota-rollout.sh --gateways $N --batch $BATCH --install-millis $INSTALL_MS\`; $(nproc) cores, $(java -version 2>&1 | head -1); artifact ota-hello KAR of $KAR_BYTES bytes."
  echo
  echo "One real gateway (Karaf, FeaturesService, SCR), ms per step as the agent reports them; total = kubectl apply → status Succeeded (0.2 s polling):"
  echo
  echo "| version | download | verify | install | health check | total |"
  echo "|---|---|---|---|---|---|"
  printf '%s' "$REAL_ROWS"
  echo
  echo "$N simulated gateways (real join, link, HTTPS Range download with client certificates, SHA-256, Ed25519, unpack; install simulated as $INSTALL_MS ms), canary 1, batchSize $BATCH:"
  echo
  echo "| gateways | batch | join + connect (ms) | rollout apply → Succeeded (ms) |"
  echo "|---|---|---|---|"
  echo "| $N | $BATCH | $JOIN_MS | $FLEET_MS |"
  echo
  echo "Per gateway, median / max ms:"
  echo
  echo "| download | verify | install (simulated) |"
  echo "|---|---|---|"
  echo "$STATS"
  echo
} | tee -a "$REPORT"
echo "run-ota-rollout: written to $REPORT"
