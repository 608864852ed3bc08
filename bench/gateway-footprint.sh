#!/usr/bin/env bash
# Gateway footprint: time from launching the gateway's Karaf to its Node being Ready (a heartbeat
# newer than the launch), and its resident memory 30 s after launch. Runs ROUNDS restarts of the
# demo gateway against a running API server and cloud (started here when missing), prints a
# table and writes it to bench/results/gateway-footprint-<date>.md.
#
#   bench/gateway-footprint.sh [ROUNDS]        (default 3)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ROUNDS="${1:-3}"
export OUTPOST_HOME="${OUTPOST_HOME:-$ROOT/.outpost}"
export KUBECONFIG="$OUTPOST_HOME/kubeconfig"
NODE="${OUTPOST_GATEWAY_NAME:-gateway-1}"
"$ROOT/outpost" demo >/dev/null
rows=()
for i in $(seq 1 "$ROUNDS"); do
  "$ROOT/outpost" stop gateway >/dev/null
  t0_ms=$(date +%s%3N)
  t0_iso=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  "$ROOT/outpost" start gateway >/dev/null 2>&1
  pid=$(cat "$OUTPOST_HOME/gateway/karaf.pid")
  ready_ms=""
  while [ -z "$ready_ms" ]; do
    hb=$(kubectl get node "$NODE" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status} {.status.conditions[?(@.type=="Ready")].lastHeartbeatTime}' 2>/dev/null || true)
    if [ "${hb%% *}" = True ] && [[ "${hb#* }" > "$t0_iso" ]]; then ready_ms=$(date +%s%3N); fi
    [ $(( $(date +%s%3N) - t0_ms )) -lt 120000 ] || { echo "not Ready within 120 s"; exit 1; }
    sleep 0.1
  done
  sleep_left=$(( 30000 - ($(date +%s%3N) - t0_ms) )); [ "$sleep_left" -gt 0 ] && sleep "$(awk "BEGIN {print $sleep_left/1000}")"
  rss_kb=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status")
  heap=$(jcmd "$pid" GC.heap_info 2>/dev/null | awk '/used/ {print; exit}' | grep -o 'used [0-9]*K' | head -1 || true)
  bundles=$("$ROOT/outpost" shell gateway "bundle:list -t 0 --no-format" 2>/dev/null | grep -c '^ *[0-9]' || true)
  rows+=("| $i | $(( (ready_ms - t0_ms) )) ms | $(( rss_kb / 1024 )) MiB | ${heap:-?} | $bundles |")
done
out="$ROOT/bench/results/gateway-footprint-$(date -u +%Y%m%d).md"
{
  echo "# Gateway footprint ($(date -u +%Y-%m-%dT%H:%MZ))"
  echo
  echo "Command: \`bench/gateway-footprint.sh $ROUNDS\`. Machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(java -version 2>&1 | head -1)."
  echo "JVM flags: $(tr '\0' ' ' < /proc/"$(cat "$OUTPOST_HOME/gateway/karaf.pid")"/cmdline | grep -o -- '-X[^ ]*' | sort -u | tr '\n' ' ')"
  echo "Launch = \`bin/start\` of the gateway's Karaf; Ready = the Node's Ready condition True with a heartbeat newer than the launch."
  echo
  echo "| round | launch → Node Ready | RSS at 30 s | heap used at 30 s | bundles |"
  echo "|---|---|---|---|---|"
  printf '%s\n' "${rows[@]}"
} | tee "$out"
echo "written to $out"
