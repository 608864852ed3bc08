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

echo "== the gateway's shell: outpost:pods and outpost:logs (over SSH)"
pods="$(GW outpost:pods)"
echo "$pods" | sed 's/^/     /'
check "outpost:pods: NAMESPACE NAME READY STATUS RESTARTS AGE IP, aligned as Karaf's tables" bash -c \
  "grep -Eq '^ *NAMESPACE +[│|] NAME +[│|] READY [│|] STATUS +[│|] RESTARTS [│|] AGE +[│|] IP' <<<'$pods'"
check "outpost:pods shows busybox 1/1 Running, 0 restarts, its pod IP" bash -c \
  "grep -Eq '^ *default +[│|] busybox +[│|] 1/1 +[│|] Running +[│|] 0 +[│|] [0-9]+[smh] +[│|] 10\\.88\\.[0-9]+\\.[0-9]+' <<<'$pods'"
check "outpost:logs default/busybox prints the container's output (CRI log under data/pods/logs)" contains "$(GW outpost:logs default/busybox)" "hello from outpost"
check "the log is in the kubelet's layout: <data>/pods/logs/<ns>_<name>_<uid>/<container>/0.log" bash -c \
  "ls '$OUTPOST_HOME'/gateway/data/pods/logs/default_busybox_*/main/0.log"
check "outpost:logs with a pod that is not there says how to find one" contains "$(GW outpost:logs default/nope)" "not on this gateway (see outpost:pods)"
check "outpost:logs -c with a wrong container names the pod's containers" contains "$(GW "outpost:logs -c sidecar busybox")" "it has main"
check "outpost:logs -p before any restart says there is no previous run" contains "$(GW "outpost:logs -p busybox")" "no previous run"
check "outpost:logs --tail 0 is refused with the allowed range" contains "$(GW "outpost:logs --tail 0 busybox")" "--tail must be from 1 to 100000"
check "outpost:logs without a pod gets Karaf's usage error" contains "$(GW outpost:logs)" "argument pod is required"
cat <<YAML | K apply --validate=false -f - >/dev/null
apiVersion: v1
kind: Pod
metadata: {name: ticker, namespace: default}
spec:
  nodeName: $OUTPOST_GATEWAY_NAME
  terminationGracePeriodSeconds: 1
  containers:
  - name: tick
    image: outpost.local/busybox:1.0
    command: ["sh", "-c", "i=0; trap 'exit 0' TERM; while true; do i=\$((i+1)); echo tick \$i; sleep 1; done"]
YAML
wait_for 60 "a second pod, printing a line a second, is Running" bash -c '[ "$(K get pod ticker -o jsonpath={.status.phase})" = Running ]'
sleep 2
# outpost:logs -f streams in an interactive session (Karaf's exec channel, `ssh host <command>`,
# sends a command's output only when it ends): type the command into a shell with a terminal
# and read what arrives within 20 s
followed="$( (echo 'outpost:logs -f --tail 1 default/ticker'; sleep 21) | timeout 20 ssh -tt -q -o StrictHostKeyChecking=no \
  -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o BatchMode=yes -i "$OUTPOST_HOME/ssh/id_rsa" -p "$OUTPOST_GATEWAY_SSH_PORT" \
  karaf@127.0.0.1 2>&1 | tr -d '\r' | grep -aoE 'tick [0-9]+')"
echo "$followed" | head -8 | sed 's/^/     /'
follows() { # the first line is the tail, the next ones arrived while following, in order
  local n; n="$(grep -c '^tick [0-9]*$' <<<"$followed")"; [ "$n" -ge 3 ] || { echo "only $n lines"; return 1; }
  local first last; first="$(head -1 <<<"$followed" | awk '{print $2}')"; last="$(tail -1 <<<"$followed" | awk '{print $2}')"
  [ "$last" -gt "$first" ]
}
check "outpost:logs -f follows new lines (interactive shell over SSH) until Ctrl-C or the client goes" follows
check "both pods are listed (the completer offers the same names)" bash -c "'$OUT' shell gateway outpost:pods | grep -q ticker"
K delete pod ticker --wait=false >/dev/null 2>&1
wait_for 30 "ticker is gone from the gateway's pods" bash -c "! '$OUT' shell gateway outpost:pods | grep -q ticker"

# this gateway's containers only (by the node label the pod manager gives them): other worktrees' tests share the containerd
running_ids() { ctr --address "$SOCKET" -n k8s.io containers ls -q "labels.\"io.outpost.node\"==$OUTPOST_GATEWAY_NAME" 2>/dev/null | sort | tr '\n' ' '; }
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
check "kubectl get events: Normal Killing 'Stopping container main' for the pod, from the gateway (kubelet)" bash -c \
  "K get events --field-selector involvedObject.name=busybox -o jsonpath='{range .items[*]}{.reason}|{.type}|{.source.component}|{.source.host}|{.message}{\"\\n\"}{end}' \
   | grep -q '^Killing|Normal|kubelet|$OUTPOST_GATEWAY_NAME|Stopping container main$'"
check "and Created/Started events with the container's fieldPath" bash -c \
  "K get events --field-selector involvedObject.name=busybox,reason=Started -o jsonpath='{.items[*].involvedObject.fieldPath}' | grep -q 'spec.containers{main}'"

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
check "no event was refused or dropped by the cloud" bash -c "! grep -hE 'event .* (refused|dropped)' '$OUTPOST_HOME/cloud/data/log/karaf.log'"
check "no error was exchanged about pods (ACKs are not handled as requests)" bash -c \
  "! grep -hE 'error for default/pod|handling .*default/pod/busybox.* failed' '$OUTPOST_HOME/gateway/data/log/karaf.log' '$OUTPOST_HOME/cloud/data/log/karaf.log'"

summary e2e
