#!/usr/bin/env bash
# End-to-end: the pod spec on a gateway (issue 3), through kubectl. The gateway boots the pod
# manager (no feature:install) against the containerd of .ci/containerd. A pod with env from a
# ConfigMap and a Secret, the ConfigMap as a volume (an edit changes the file in the running
# container, read with `ctr tasks exec`), startup/readiness/liveness probes; a missing ConfigMap
# (CreateContainerConfigError, Running once created); a crashing container (CrashLoopBackOff); a
# failing liveness probe (restart with the reason); a pod too big for the node (OutOfcpu); and
# autonomy: cloud stopped, gateway restarted — the pods run on, are adopted, not recreated; the
# cloud back — status converges, no duplicate.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../../.." && pwd)"
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

export OUTPOST_HOME="${E2E_HOME:-$ROOT/karaf-assembly/target/e2e-pods-spec}"
export OUTPOST_APISERVER_PORT=27453 OUTPOST_HUB_PORT=22010 OUTPOST_BOOTSTRAP_PORT=22012
export OUTPOST_CLOUD_SSH_PORT=29111 OUTPOST_GATEWAY_SSH_PORT=29112 OUTPOST_GATEWAY_NAME=e2e-spec-gw OUTPOST_GATEWAY_MQTT_PORT=22893
export KUBECONFIG="$OUTPOST_HOME/kubeconfig"
SOCKET="${OUTPOST_CRI_SOCKET:-/run/outpost-containerd/containerd.sock}"
export OUTPOST_CRI_SOCKET="$SOCKET"
OUT="$ROOT/outpost"
LOGS="$ROOT/karaf-assembly/target"
K() { kubectl --request-timeout=10s "$@"; }
P() { K get pod "$1" -o jsonpath="$2" 2>/dev/null; }
CID() { P "$1" '{.status.containerStatuses[0].containerID}' | sed 's#containerd://##'; }
# in the container, as `kubectl exec` would (CRI exec through containerd's task API)
X() { local cid="$1"; shift; ctr --address "$SOCKET" -n k8s.io tasks exec --exec-id "e2e-$RANDOM$RANDOM" "$cid" "$@"; }
APPLY() { sed "s/nodeName: gateway-1/nodeName: $OUTPOST_GATEWAY_NAME/" "$@" | K apply --validate=false -f - >/dev/null; }
# the events about a pod, as "REASON COUNT TYPE SOURCE-HOST MESSAGE" lines (what kubectl describe lists)
EV() { K get events --field-selector "involvedObject.kind=Pod,involvedObject.name=$1" \
  -o jsonpath='{range .items[*]}{.reason} {.count} {.type} {.source.host} {.message}{"\n"}{end}' 2>/dev/null; }
export -f K P CID X EV
export SOCKET

cleanup() { "$OUT" stop >/dev/null 2>&1 || true; }
trap cleanup EXIT
cleanup
rm -rf "$OUTPOST_HOME"

echo "== containerd"
check "containerd's CRI socket $SOCKET exists (.ci/containerd start)" test -S "$SOCKET"

echo "== demo: the gateway boots the pod manager"
if "$OUT" demo >"$LOGS/e2e-pods-spec-demo.log" 2>&1; then pass "./outpost demo returns with the node Ready"; else
  fail "./outpost demo returns with the node Ready" "$(tail -5 "$LOGS/e2e-pods-spec-demo.log")"; summary e2e; exit 1; fi
check "outpost-pods is booted (no feature:install)" bash -c "'$OUT' shell gateway 'feature:list -i' 2>&1 | grep -q '^outpost-pods '"
wait_for 30 "the Node's containerRuntimeVersion is containerd's" bash -c \
  'K get node '"$OUTPOST_GATEWAY_NAME"' -o jsonpath="{.status.nodeInfo.containerRuntimeVersion}" | grep -q "^containerd://"'

echo "== env from a ConfigMap and a Secret, the ConfigMap as files, probes"
APPLY "$ROOT/examples/pods/configured.yaml"
wait_for 60 "pod configured is Running and Ready (startup tcpSocket, readiness httpGet to the pod IP)" bash -c \
  '[ "$(P configured "{.status.phase} {.status.conditions[?(@.type==\"Ready\")].status}")" = "Running True" ]'
cid="$(CID configured)"
check "env: COLOR from the ConfigMap, APP_user and APP_password from the Secret, CPU limit from resourceFieldRef" bash -c \
  '[ "$(X '"$cid"' sh -c "echo \$COLOR \$APP_user \$APP_password \$CPU_LIMIT_MILLI")" = "blue admin s3cr3t 250" ]'
check "the ConfigMap is mounted as files" bash -c '[ "$(X '"$cid"' cat /etc/app/color)" = blue ]'
check "status.hostIP is the node's InternalIP" bash -c \
  '[ -n "$(P configured {.status.hostIP})" ] && [ "$(P configured {.status.hostIP})" = "$(K get node '"$OUTPOST_GATEWAY_NAME"' -o jsonpath="{.status.addresses[?(@.type==\"InternalIP\")].address}")" ]'
K patch configmap app-settings --type merge -p '{"data":{"color":"green"}}' >/dev/null
wait_for 30 "kubectl patch of the ConfigMap changes the file in the running container" bash -c '[ "$(X '"$cid"' cat /etc/app/color)" = green ]'
check "… without a restart" bash -c '[ "$(CID configured)" = '"$cid"' ] && [ "$(P configured "{.status.containerStatuses[0].restartCount}")" = 0 ]'

echo "== a missing ConfigMap keeps the container waiting; it starts once the ConfigMap exists"
cat <<YAML | APPLY /dev/stdin
apiVersion: v1
kind: Pod
metadata: {name: late, namespace: default}
spec:
  nodeName: gateway-1
  terminationGracePeriodSeconds: 1
  containers:
  - name: main
    image: outpost.local/busybox:1.0
    command: ["sh", "-c", "echo \$MODE; exec sleep 3600"]
    env:
    - name: MODE
      valueFrom: {configMapKeyRef: {name: late-settings, key: mode}}
YAML
wait_for 30 "waiting: CreateContainerConfigError, configmap \"late-settings\" not found" bash -c \
  '[ "$(P late "{.status.containerStatuses[0].state.waiting.reason}: {.status.containerStatuses[0].state.waiting.message}")" = "CreateContainerConfigError: configmap \"late-settings\" not found" ]'
check "phase Pending" bash -c '[ "$(P late {.status.phase})" = Pending ]'
K create configmap late-settings --from-literal=mode=fast >/dev/null
wait_for 30 "Running once the ConfigMap is created" bash -c '[ "$(P late {.status.phase})" = Running ] && [ -n "$(CID late)" ]'
check "with its value" bash -c '[ "$(X "$(CID late)" sh -c "echo \$MODE")" = fast ]'
check "event: Warning Failed 'Error: configmap \"late-settings\" not found' from the gateway" bash -c \
  'EV late | grep -q "^Failed [0-9]* Warning $OUTPOST_GATEWAY_NAME Error: configmap \"late-settings\" not found"'
check "events: Pulled, Created, Started (kubectl get events)" bash -c \
  'e="$(EV late)"; grep -q "^Pulled 1 Normal .*already present on machine" <<<"$e" && grep -q "^Created 1 Normal .* Created container main" <<<"$e" &&
   grep -q "^Started 1 Normal .* Started container main" <<<"$e"'
check "kubectl describe pod lists the events (Type Reason From Message)" bash -c \
  'K describe pod late | sed -n "/^Events:/,\$p" | grep -q "Normal  *Started .*kubelet.* Started container main"'

echo "== a crashing container: CrashLoopBackOff"
cat <<YAML | APPLY /dev/stdin
apiVersion: v1
kind: Pod
metadata: {name: crasher, namespace: default}
spec:
  nodeName: gateway-1
  containers:
  - {name: main, image: outpost.local/busybox:1.0, command: ["sh", "-c", "echo bye; exit 3"]}
YAML
wait_for 60 "restarted, then waiting in CrashLoopBackOff with the last exit code 3" bash -c \
  '[ "$(P crasher "{.status.containerStatuses[0].state.waiting.reason} {.status.containerStatuses[0].lastState.terminated.exitCode}")" = "CrashLoopBackOff 3" ] &&
   [ "$(P crasher "{.status.containerStatuses[0].restartCount}")" -ge 1 ]'
check "kubectl get pod shows CrashLoopBackOff" bash -c 'K get pod crasher | grep -q CrashLoopBackOff'
wait_for 30 "event: Warning BackOff 'Back-off restarting failed container main in pod crasher_default(…)'" bash -c \
  'EV crasher | grep -q "^BackOff [0-9]* Warning .* Back-off restarting failed container main in pod crasher_default("'
check "repeats are one event with a count (Started counted, not listed again)" bash -c \
  '[ "$(EV crasher | grep -c "^Started ")" = 1 ] && [ "$(EV crasher | awk "/^Started /{print \$2}")" -ge 2 ]'

echo "== a failing liveness probe restarts the container"
cat <<YAML | APPLY /dev/stdin
apiVersion: v1
kind: Pod
metadata: {name: unhealthy, namespace: default}
spec:
  nodeName: gateway-1
  terminationGracePeriodSeconds: 1
  containers:
  - name: main
    image: outpost.local/busybox:1.0
    command: ["sh", "-c", "touch /tmp/healthy; sleep 4; rm /tmp/healthy; exec sleep 3600"]
    livenessProbe:
      exec: {command: ["test", "-f", "/tmp/healthy"]}
      periodSeconds: 1
      failureThreshold: 2
YAML
wait_for 60 "restartCount 1, lastState says: Liveness probe failed" bash -c \
  '[ "$(P unhealthy "{.status.containerStatuses[0].restartCount}")" -ge 1 ] &&
   P unhealthy "{.status.containerStatuses[0].lastState.terminated.message}" | grep -q "^Liveness probe failed: command \[test -f /tmp/healthy\]\|^Liveness probe failed: command \[test, -f, /tmp/healthy\]"'
wait_for 20 "events: Warning Unhealthy 'Liveness probe failed: …' and Normal Killing 'Container main failed liveness probe, will be restarted'" bash -c \
  'e="$(EV unhealthy)"; grep -q "^Unhealthy [0-9]* Warning .* Liveness probe failed: " <<<"$e" &&
   grep -q "^Killing [0-9]* Normal .* Container main failed liveness probe, will be restarted" <<<"$e"'

echo "== a pod too big for the node is rejected, as by the kubelet"
cat <<YAML | APPLY /dev/stdin
apiVersion: v1
kind: Pod
metadata: {name: huge, namespace: default}
spec:
  nodeName: gateway-1
  containers:
  - {name: main, image: outpost.local/busybox:1.0, resources: {requests: {cpu: "500"}}}
YAML
wait_for 30 "phase Failed, reason OutOfcpu" bash -c '[ "$(P huge "{.status.phase} {.status.reason}")" = "Failed OutOfcpu" ]'
check "with the kubelet's message" bash -c 'P huge {.status.message} | grep -q "^Pod was rejected: Node didn.t have enough resource: cpu, requested: 500000"'
wait_for 20 "event: Warning OutOfcpu with the same message, once" bash -c \
  '[ "$(EV huge | grep -c "^OutOfcpu 1 Warning .* Pod was rejected: Node didn.t have enough resource: cpu")" = 1 ]'

echo "== autonomy: cloud stopped, gateway restarted; then the cloud returns"
# containerd containers (sandbox included) of a pod, by the label the pod manager gives them
pod_containers() { ctr --address "$SOCKET" -n k8s.io containers ls -q "labels.\"io.outpost.pod.name\"==$1" 2>/dev/null | sort; }
running_of() { for c in $(pod_containers "$1"); do ctr --address "$SOCKET" -n k8s.io tasks ls 2>/dev/null | grep -q "^$c .*RUNNING" && echo "$c"; done; }
export -f pod_containers running_of
configured_before="$(pod_containers configured)"
late_cid="$(CID late)"
check "pod configured is two containers in containerd (sandbox, app)" test "$(echo "$configured_before" | wc -l)" = 2
"$OUT" stop cloud >/dev/null 2>&1
"$OUT" stop gateway >/dev/null 2>&1
check "the containers run on while cloud and gateway are down" bash -c \
  "ctr --address '$SOCKET' -n k8s.io tasks ls 2>/dev/null | grep -q '^$cid .*RUNNING' && ctr --address '$SOCKET' -n k8s.io tasks ls 2>/dev/null | grep -q '^$late_cid .*RUNNING'"
ctr --address "$SOCKET" -n k8s.io tasks kill -s KILL "$late_cid" >/dev/null 2>&1
wait_for 10 "late's container dies while the gateway is down" bash -c "! ctr --address '$SOCKET' -n k8s.io tasks ls 2>/dev/null | grep -q '^$late_cid .*RUNNING'"
if "$OUT" start gateway >"$LOGS/e2e-pods-spec-restart.log" 2>&1; then pass "the gateway starts without the cloud"; else
  fail "the gateway starts without the cloud" "$(tail -5 "$LOGS/e2e-pods-spec-restart.log")"; fi
wait_for 90 "offline, the gateway restarts late's container from its local store" bash -c \
  '[ -n "$(running_of late | grep -v '"$late_cid"')" ] && [ "$(running_of late | wc -l)" = 2 ]'
check "offline: configured is adopted — the same two containers, none created" bash -c '[ "$(pod_containers configured)" = "'"$configured_before"'" ]'
check "offline: its mounted ConfigMap is still there" bash -c '[ "$(X '"$cid"' cat /etc/app/color)" = green ]'
if "$OUT" start cloud >"$LOGS/e2e-pods-spec-cloud.log" 2>&1; then pass "the cloud starts again"; else
  fail "the cloud starts again" "$(tail -5 "$LOGS/e2e-pods-spec-cloud.log")"; fi
wait_for 90 "the Node is Ready again" bash -c '[ "$(K get node '"$OUTPOST_GATEWAY_NAME"' -o jsonpath="{.status.conditions[?(@.type==\"Ready\")].status}")" = True ]'
wait_for 60 "status converges: configured Running, Ready, same container, restartCount 0" bash -c \
  '[ "$(P configured "{.status.phase} {.status.conditions[?(@.type==\"Ready\")].status} {.status.containerStatuses[0].restartCount}")" = "Running True 0" ] && [ "$(CID configured)" = '"$cid"' ]'
wait_for 30 "late shows the restart made offline: restartCount 1, lastState exit code 137" bash -c \
  '[ "$(P late "{.status.containerStatuses[0].restartCount} {.status.containerStatuses[0].lastState.terminated.exitCode}")" = "1 137" ]'
check "no duplicate: configured is still the same two containers" bash -c '[ "$(pod_containers configured)" = "'"$configured_before"'" ]'
K patch configmap app-settings --type merge -p '{"data":{"color":"red"}}' >/dev/null
wait_for 30 "an edit after the return reaches the running container" bash -c '[ "$(X '"$cid"' cat /etc/app/color)" = red ]'

echo "== kubectl delete stops them; objects and containers go"
K delete pod configured late crasher unhealthy huge --wait=false >/dev/null 2>&1
wait_for 60 "the pods are gone from the API" bash -c '[ -z "$(K get pods -o name 2>/dev/null)" ]'
wait_for 30 "their containers are gone from containerd" bash -c "! ctr --address '$SOCKET' -n k8s.io containers ls -q 2>/dev/null | grep -q '^$cid$'"
check "no pod errors in the logs (ACKs are not requests; no exceptions from the pod manager)" bash -c \
  "! grep -hE 'error for default/(pod|configmap|secret)|handling .*default/(pod|configmap|secret)/.* failed|pod reconcile failed' '$OUTPOST_HOME/gateway/data/log/karaf.log' '$OUTPOST_HOME/cloud/data/log/karaf.log'"

summary e2e
