#!/usr/bin/env bash
# End-to-end: the gateway's local list/watch API (issue 3, ADR 0022), as an app on the gateway
# uses it. The demo (cloud, development API server, gateway with the pod manager on the
# containerd of .ci/containerd); a pod and a ConfigMap applied with kubectl on the cloud; kubectl
# on the gateway with the kubeconfig the gateway wrote (owner-only) lists and gets them, and
# watches a change; requests without the token get 401, writes 405; with the cloud stopped (and
# the gateway restarted) the same kubectl still lists them, with the pod's live status.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../../.." && pwd)"
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

export OUTPOST_HOME="${E2E_HOME:-$ROOT/karaf-assembly/target/e2e-local-api}"
export OUTPOST_APISERVER_PORT=14643 OUTPOST_HUB_PORT=14000 OUTPOST_BOOTSTRAP_PORT=14002
export OUTPOST_CLOUD_SSH_PORT=14101 OUTPOST_GATEWAY_SSH_PORT=14102 OUTPOST_GATEWAY_NAME=e2e-lapi-gw OUTPOST_GATEWAY_MQTT_PORT=14883
export OUTPOST_CONSOLE_PORT=14443 OUTPOST_LOCAL_API_PORT=14550
export KUBECONFIG="$OUTPOST_HOME/kubeconfig"
SOCKET="${OUTPOST_CRI_SOCKET:-/run/outpost-containerd/containerd.sock}"
LOCAL_KUBECONFIG="$OUTPOST_HOME/gateway/data/outpost/localapi/kubeconfig"
LOCAL_URL="https://127.0.0.1:$OUTPOST_LOCAL_API_PORT"
OUT="$ROOT/outpost"
WATCH_OUT="$ROOT/karaf-assembly/target/e2e-local-api-watch.txt"
K() { kubectl --request-timeout=10s "$@"; }
# kubectl on the gateway, through its local API (its own discovery cache, so nothing is shared with the cloud's)
L() { kubectl --kubeconfig "$LOCAL_KUBECONFIG" --cache-dir "$OUTPOST_HOME/local-kube-cache" --request-timeout=10s "$@"; }
token() { awk '/token:/ {print $2}' "$LOCAL_KUBECONFIG"; }
code() { curl -sk -o /dev/null -w '%{http_code}' "$@"; }
export -f K L token code
export LOCAL_KUBECONFIG OUTPOST_HOME

WATCHER=""
cleanup() {
  [ -z "$WATCHER" ] || kill "$WATCHER" 2>/dev/null || true
  # the pod's container lives in the shared containerd: delete it while cloud and gateway run
  if K get pod localapi-demo >/dev/null 2>&1 && "$OUT" status 2>/dev/null | grep -Eq '^gateway +running'; then
    K delete pod localapi-demo --wait=false >/dev/null 2>&1
    for _ in $(seq 1 60); do K get pod localapi-demo >/dev/null 2>&1 || break; sleep 0.5; done
  fi
  "$OUT" stop >/dev/null 2>&1 || true
}
trap cleanup EXIT
"$OUT" stop >/dev/null 2>&1 || true
rm -rf "$OUTPOST_HOME"

echo "== containerd"
check "containerd's CRI socket $SOCKET exists (.ci/containerd start)" test -S "$SOCKET"

echo "== demo"
if "$OUT" demo >"$ROOT/karaf-assembly/target/e2e-local-api-demo.log" 2>&1; then pass "./outpost demo returns with the node Ready"; else
  fail "./outpost demo returns with the node Ready" "$(tail -5 "$ROOT/karaf-assembly/target/e2e-local-api-demo.log")"; summary e2e; exit 1; fi
check "the demo's summary names the local API's kubeconfig" grep -q "localapi/kubeconfig get pods" "$ROOT/karaf-assembly/target/e2e-local-api-demo.log"
wait_for 30 "the gateway wrote the local API's kubeconfig" test -f "$LOCAL_KUBECONFIG"
check "the kubeconfig is owner-only (0600), its folder too (0700)" bash -c \
  "[ \"\$(stat -c %a '$LOCAL_KUBECONFIG')\" = 600 ] && [ \"\$(stat -c %a \"\$(dirname '$LOCAL_KUBECONFIG')\")\" = 700 ]"
check "it points at the local API over TLS with its own CA" bash -c \
  "grep -q 'server: $LOCAL_URL' '$LOCAL_KUBECONFIG' && grep -q 'certificate-authority-data:' '$LOCAL_KUBECONFIG'"

echo "== a pod and a ConfigMap, applied on the cloud"
sed -e "s/nodeName: gateway-1/nodeName: $OUTPOST_GATEWAY_NAME/" -e "s/name: busybox/name: localapi-demo/" "$ROOT/examples/pods/busybox.yaml" \
  | K apply --validate=false -f - >/dev/null
cat <<YAML | K apply --validate=false -f - >/dev/null
apiVersion: v1
kind: ConfigMap
metadata: {name: localapi-settings, namespace: default}
data: {mode: first}
YAML
# The ConfigMap reaches the gateway because a pod uses it (the cloud sends only what pods use).
cat <<YAML | K apply --validate=false -f - >/dev/null
apiVersion: v1
kind: Pod
metadata: {name: localapi-user, namespace: default}
spec:
  nodeName: $OUTPOST_GATEWAY_NAME
  terminationGracePeriodSeconds: 1
  containers:
  - name: main
    image: outpost.local/busybox:1.0
    command: ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done"]
    envFrom: [{configMapRef: {name: localapi-settings}}]
YAML
check "kubectl on the cloud sees both pods" bash -c 'K get pod localapi-demo localapi-user >/dev/null'

echo "== kubectl on the gateway, through the local API"
wait_for 60 "kubectl get pods lists the pods, Running (status from the pod manager)" bash -c \
  'out="$(L get pods)"; grep -Eq "^localapi-demo +1/1 +Running" <<<"$out" && grep -Eq "^localapi-user +1/1 +Running" <<<"$out"'
L get pods -o wide 2>&1 | sed 's/^/     /'
wait_for 30 "kubectl get configmap localapi-settings shows its data" bash -c '[ "$(L get configmap localapi-settings -o jsonpath={.data.mode})" = first ]'
check "kubectl get pods -A, by name, as JSON with uid and pod IP" bash -c \
  '[ "$(L get pod localapi-demo -o jsonpath={.metadata.uid})" = "$(K get pod localapi-demo -o jsonpath={.metadata.uid})" ] &&
   L get pod localapi-demo -o jsonpath={.status.podIP} | grep -Eq "^10\.88\." && L get pods -A | grep -q "^default  *localapi-demo"'
check "kubectl get nodes shows the gateway's own Node" bash -c "L get nodes | grep -Eq '^$OUTPOST_GATEWAY_NAME +Ready +agent,edge'"
check "label selectors work (kubectl get pods -l)" bash -c '[ -z "$(L get pods -l app=nothing -o name)" ]'
check "an unknown object: NotFound with its name" contains "$(L get pod nope 2>&1)" 'pods "nope" not found'

echo "== watch"
rm -f "$WATCH_OUT"
L get configmaps --watch --output-watch-events >"$WATCH_OUT" 2>&1 &
WATCHER=$!
wait_for 20 "kubectl get configmaps --watch prints the ConfigMap" grep -q "localapi-settings" "$WATCH_OUT"
K patch configmap localapi-settings --type merge -p '{"data":{"mode":"second"}}' >/dev/null
wait_for 30 "a change made on the cloud arrives as a MODIFIED event" grep -Eq "^MODIFIED +localapi-settings" "$WATCH_OUT"
kill "$WATCHER" 2>/dev/null; WATCHER=""
check "the watched value is the new one" bash -c '[ "$(L get configmap localapi-settings -o jsonpath={.data.mode})" = second ]'

echo "== authentication and read-only"
check "no token: 401" bash -c "[ \"\$(code $LOCAL_URL/api/v1/pods)\" = 401 ]"
check "a wrong token: 401" bash -c "[ \"\$(code -H 'Authorization: Bearer wrong' $LOCAL_URL/api/v1/pods)\" = 401 ]"
check "the kubeconfig's token: 200" bash -c "[ \"\$(code -H \"Authorization: Bearer \$(token)\" $LOCAL_URL/api/v1/pods)\" = 200 ]"
check "a write is refused: 405 (read-only, change objects in the cloud)" bash -c \
  "[ \"\$(code -X DELETE -H \"Authorization: Bearer \$(token)\" $LOCAL_URL/api/v1/namespaces/default/pods/localapi-demo)\" = 405 ]"
check "kubectl delete through the local API says it is read-only" contains "$(L delete pod localapi-demo 2>&1)" "read-only"
# (Java's sockets show as [::ffff:127.0.0.1]:port)
check "listening on loopback only" bash -c "ss -ltn | grep -Eq '127\\.0\\.0\\.1\\]?:$OUTPOST_LOCAL_API_PORT ' && ! ss -ltn | grep -Eq '(0\\.0\\.0\\.0|\\*|\\[::\\]):$OUTPOST_LOCAL_API_PORT '"

echo "== the cloud is stopped: the gateway still answers"
"$OUT" stop cloud >/dev/null 2>&1
check "the cloud is down" bash -c "! '$OUT' status 2>/dev/null | grep -Eq '^cloud +running'"
check "kubectl get pods still lists both pods Running" bash -c \
  'out="$(L get pods)"; grep -Eq "^localapi-demo +1/1 +Running" <<<"$out" && grep -Eq "^localapi-user +1/1 +Running" <<<"$out"'
check "kubectl get configmap still shows the last value" bash -c '[ "$(L get configmap localapi-settings -o jsonpath={.data.mode})" = second ]'
"$OUT" stop gateway >/dev/null 2>&1
"$OUT" start gateway >>"$ROOT/karaf-assembly/target/e2e-local-api-restart.log" 2>&1
wait_for 90 "after a gateway restart without the cloud, kubectl get pods lists them from the meta store" bash -c \
  'out="$(L get pods 2>&1)"; grep -q "^localapi-demo " <<<"$out" && grep -q "^localapi-user " <<<"$out"'
wait_for 60 "and their status is live again (the pod manager re-adopted the containers)" bash -c \
  'L get pods | grep -Eq "^localapi-demo +1/1 +Running"'
check "the Node is served from the meta store too" bash -c "L get nodes | grep -q '^$OUTPOST_GATEWAY_NAME '"
check "the same token still works (kept across restarts)" bash -c "[ \"\$(code -H \"Authorization: Bearer \$(token)\" $LOCAL_URL/api/v1/configmaps)\" = 200 ]"

echo "== the cloud returns; the pods are removed"
"$OUT" start cloud >>"$ROOT/karaf-assembly/target/e2e-local-api-restart.log" 2>&1
K delete pod localapi-demo localapi-user --wait=false >/dev/null 2>&1
wait_for 90 "the gateway stops the pods and the local API no longer lists them" bash -c \
  '! L get pods 2>/dev/null | grep -q "^localapi-"'
wait_for 30 "the objects are gone from the cloud's API" bash -c '! K get pod localapi-demo >/dev/null 2>&1 && ! K get pod localapi-user >/dev/null 2>&1'
check "no ERROR from the local API in the gateway's log" bash -c \
  "! grep -E 'ERROR' '$OUTPOST_HOME/gateway/data/log/karaf.log' | grep -qi 'localapi'"

summary e2e
