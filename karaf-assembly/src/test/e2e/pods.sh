#!/usr/bin/env bash
# End-to-end: a pod on the gateway (issue 3), as a user runs one. The demo (cloud, development
# API server, gateway), the gateway's pod manager installed from system/ and pointed at the
# containerd of .ci/containerd; kubectl apply of examples/pods/busybox.yaml, Running with a pod
# IP in `kubectl get pod -o wide` and real container status; a restarted gateway re-adopts the
# running container; kubectl delete stops it; a pod deleted while the gateway is down is stopped
# when the gateway comes back, and only then leaves the API.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../../.." && pwd)"
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

export OUTPOST_HOME="${E2E_HOME:-$ROOT/karaf-assembly/target/e2e-pods}"
export OUTPOST_APISERVER_PORT=27443 OUTPOST_HUB_PORT=22000 OUTPOST_BOOTSTRAP_PORT=22002
export OUTPOST_CLOUD_SSH_PORT=29101 OUTPOST_GATEWAY_SSH_PORT=29102 OUTPOST_GATEWAY_NAME=e2e-pod-gw OUTPOST_GATEWAY_MQTT_PORT=22883
export KUBECONFIG="$OUTPOST_HOME/kubeconfig"
SOCKET="${OUTPOST_CRI_SOCKET:-/run/outpost-containerd/containerd.sock}"
OUT="$ROOT/outpost"
K() { kubectl --request-timeout=10s "$@"; }
GW() { "$OUT" shell gateway "$@" 2>&1; }
P() { K get pod busybox -o jsonpath="$1" 2>/dev/null; }
export -f K P

cleanup() { "$OUT" stop >/dev/null 2>&1 || true; }
trap cleanup EXIT
cleanup
rm -rf "$OUTPOST_HOME"

echo "== containerd"
check "containerd's CRI socket $SOCKET exists (.ci/containerd start)" test -S "$SOCKET"

echo "== demo, with the pod manager on the gateway"
if "$OUT" demo >"$ROOT/karaf-assembly/target/e2e-pods-demo.log" 2>&1; then pass "./outpost demo returns with the node Ready"; else
  fail "./outpost demo returns with the node Ready" "$(tail -5 "$ROOT/karaf-assembly/target/e2e-pods-demo.log")"; summary e2e; exit 1; fi
printf 'socketPath = %s\nrequestTimeoutSeconds = 30\n' "$SOCKET" >"$OUTPOST_HOME/gateway/etc/io.outpost.runtime.cri.cfg"
check "feature:install outpost-pods (offline, from system/)" GW "feature:install outpost-pods"
wait_for 30 "the pod manager is active" bash -c "'$OUT' shell gateway 'service:list io.outpost.hub.api.LinkListener' 2>&1 | grep -q PodManagerComponent"

echo "== a pod bound to the gateway runs there"
T0=$(date +%s%N)
sed "s/nodeName: gateway-1/nodeName: $OUTPOST_GATEWAY_NAME/" "$ROOT/examples/pods/busybox.yaml" | K apply --validate=false -f - >/dev/null
check "kubectl apply -f examples/pods/busybox.yaml" bash -c 'K get pod busybox >/dev/null'
wait_for 60 "phase Running" bash -c '[ "$(P {.status.phase})" = Running ]'
echo "     (apply → Running in the API: $(( ($(date +%s%N) - T0) / 1000000 )) ms, kubectl polling included)"
wide="$(K get pod busybox -o wide 2>&1)"
echo "$wide" | sed 's/^/     /'
check "kubectl get pod -o wide shows Running with a pod IP from the CNI range" bash -c "grep -Eq 'Running .*10\\.88\\.[0-9]+\\.[0-9]+' <<<'$wide'"
check "conditions PodScheduled, Initialized, ContainersReady, Ready are True" bash -c \
  '[ "$(P "{.status.conditions[?(@.type==\"Ready\")].status} {.status.conditions[?(@.type==\"ContainersReady\")].status} {.status.conditions[?(@.type==\"Initialized\")].status} {.status.conditions[?(@.type==\"PodScheduled\")].status}")" = "True True True True" ]'
check "containerStatuses: a containerd id, an image id, running, restartCount 0" bash -c \
  'P "{.status.containerStatuses[0].containerID}" | grep -Eq "^containerd://[0-9a-f]{64}$" &&
   P "{.status.containerStatuses[0].imageID}" | grep -q "sha256:" &&
   P "{.status.containerStatuses[0].state.running.startedAt}" | grep -q "T" &&
   [ "$(P {.status.containerStatuses[0].restartCount})" = 0 ]'
check "startTime is set" bash -c 'P {.status.startTime} | grep -Eq "^[0-9]{4}-.*Z$"'
cid="$(P '{.status.containerStatuses[0].containerID}' | sed 's#containerd://##')"
check "the container runs in containerd" bash -c "ctr --address '$SOCKET' -n k8s.io tasks ls 2>/dev/null | grep -q '^$cid .*RUNNING'"

running_ids() { ctr --address "$SOCKET" -n k8s.io containers ls 2>/dev/null | grep -c "outpost.local/busybox" || true; }
echo "== the gateway restarts: the pod keeps running and is adopted, not recreated"
n_before="$(running_ids)"
"$OUT" stop gateway >/dev/null 2>&1
check "the container runs on while the gateway is down" bash -c "ctr --address '$SOCKET' -n k8s.io tasks ls 2>/dev/null | grep -q '^$cid .*RUNNING'"
if "$OUT" start gateway >"$ROOT/karaf-assembly/target/e2e-pods-restart.log" 2>&1; then pass "the gateway starts again"; else
  fail "the gateway starts again" "$(tail -5 "$ROOT/karaf-assembly/target/e2e-pods-restart.log")"; fi
wait_for 90 "the pod manager passed over the pod again (log: sandbox adopted, no new container)" \
  bash -c "grep -q 'pod default/busybox' '$OUTPOST_HOME/gateway/data/log/karaf.log' 2>/dev/null; '$OUT' shell gateway 'service:list io.outpost.hub.api.LinkListener' 2>&1 | grep -q PodManagerComponent"
sleep 5
check "same container id, restartCount 0, Running" bash -c \
  '[ "$(P {.status.containerStatuses[0].containerID})" = "containerd://'"$cid"'" ] && [ "$(P {.status.containerStatuses[0].restartCount})" = 0 ] && [ "$(P {.status.phase})" = Running ]'
check "no container was created in containerd" test "$(running_ids)" = "$n_before"

echo "== kubectl delete stops it and the object goes"
K delete pod busybox --wait=false >/dev/null 2>&1
wait_for 30 "the pod is gone from the API" bash -c '! K get pod busybox >/dev/null 2>&1'
wait_for 30 "the container is gone from containerd" bash -c "! ctr --address '$SOCKET' -n k8s.io containers ls -q 2>/dev/null | grep -q '^$cid$'"

echo "== a pod deleted while the gateway is down is stopped when it returns"
sed "s/nodeName: gateway-1/nodeName: $OUTPOST_GATEWAY_NAME/" "$ROOT/examples/pods/busybox.yaml" | K apply --validate=false -f - >/dev/null
wait_for 60 "a new busybox pod is Running" bash -c '[ "$(P {.status.phase})" = Running ] && P {.status.containerStatuses[0].containerID} | grep -q containerd://'
cid2="$(P '{.status.containerStatuses[0].containerID}' | sed 's#containerd://##')"
"$OUT" stop gateway >/dev/null 2>&1
K delete pod busybox --wait=false >/dev/null 2>&1
wait_for 30 "the API marks it deleted and keeps it until the gateway confirms" bash -c 'P {.metadata.deletionTimestamp} | grep -q T'
check "its container still runs (nobody told the gateway yet)" bash -c "ctr --address '$SOCKET' -n k8s.io tasks ls 2>/dev/null | grep -q '^$cid2 .*RUNNING'"
"$OUT" start gateway >>"$ROOT/karaf-assembly/target/e2e-pods-restart.log" 2>&1
wait_for 90 "back online, the gateway stops and removes the container" \
  bash -c "! ctr --address '$SOCKET' -n k8s.io containers ls -q 2>/dev/null | grep -q '^$cid2$'"
wait_for 30 "and the object goes from the API once the gateway confirmed" bash -c '! K get pod busybox >/dev/null 2>&1'
check "no error was exchanged about pods (ACKs are not handled as requests)" bash -c \
  "! grep -hE 'error for default/pod|handling .*default/pod/busybox.* failed' '$OUTPOST_HOME/gateway/data/log/karaf.log' '$OUTPOST_HOME/cloud/data/log/karaf.log'"

summary e2e
