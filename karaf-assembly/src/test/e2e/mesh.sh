#!/usr/bin/env bash
# End-to-end: the mesh (issue 8) with real pods, as a user runs it. The demo (cloud, development
# API server, gateway) on its own ports (61xxx); outpost-cloud-mesh on the cloud, outpost-pods and
# outpost-mesh on the gateway; examples/mesh/web.yaml: two busybox httpd pods, a Service, a client
# pod whose resolver is the mesh's DNS. From the client (ctr exec): nslookup and wget by the
# Service's short and full names, both pods answer (round robin), a Service without endpoints is
# refused at once, names outside the cluster are refused (outsideNames=refuse), a deleted pod
# gets no more traffic; feature:uninstall removes the mesh interface from the host.
# Needs root (the mesh's interface; containerd) and .ci/containerd start.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../../.." && pwd)"
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

export OUTPOST_HOME="${E2E_HOME:-$ROOT/karaf-assembly/target/e2e-mesh}"
export OUTPOST_APISERVER_PORT=61443 OUTPOST_HUB_PORT=61000 OUTPOST_BOOTSTRAP_PORT=61002
export OUTPOST_CLOUD_SSH_PORT=61101 OUTPOST_GATEWAY_SSH_PORT=61102 OUTPOST_GATEWAY_NAME=e2e-mesh-gw
export OUTPOST_GATEWAY_MQTT_PORT=61883 OUTPOST_CONSOLE_PORT=61444
export KUBECONFIG="$OUTPOST_HOME/kubeconfig"
SOCKET="${OUTPOST_CRI_SOCKET:-/run/outpost-containerd/containerd.sock}"
IFACE=outpost-mesh0
OUT="$ROOT/outpost"
K() { kubectl --request-timeout=10s "$@"; }
GW() { "$OUT" shell gateway "$@" 2>&1; }
CL() { "$OUT" shell cloud "$@" 2>&1; }
CID() { K get pod "$1" -o jsonpath='{.status.containerStatuses[0].containerID}' 2>/dev/null | sed 's#containerd://##'; }
# X POD CMD...: runs a command in a pod's container, as kubectl exec would
X() { local c; c="$(CID "$1")"; shift; ctr --address "$SOCKET" -n k8s.io tasks exec --exec-id "e2e-$RANDOM$RANDOM" "$c" "$@"; }
export -f K CID X
export SOCKET

cleanup() {
  K delete pod web-1 web-2 client --wait=false >/dev/null 2>&1 || true
  "$OUT" stop >/dev/null 2>&1 || true
  ip link del "$IFACE" >/dev/null 2>&1 || true
}
trap cleanup EXIT
cleanup
rm -rf "$OUTPOST_HOME"

echo "== containerd"
check "containerd's CRI socket $SOCKET exists (.ci/containerd start)" test -S "$SOCKET"
check "no mesh interface on the host before the test" bash -c "! ip link show $IFACE"

echo "== demo; mesh on the cloud, pods and mesh on the gateway"
if "$OUT" demo >"$ROOT/karaf-assembly/target/e2e-mesh-demo.log" 2>&1; then pass "./outpost demo returns with the node Ready"; else
  fail "./outpost demo returns with the node Ready" "$(tail -5 "$ROOT/karaf-assembly/target/e2e-mesh-demo.log")"; summary e2e; exit 1; fi
printf 'socketPath = %s\nrequestTimeoutSeconds = 30\n' "$SOCKET" >"$OUTPOST_HOME/gateway/etc/io.outpost.runtime.cri.cfg"
printf 'outsideNames = refuse\ntunnelPort = 61006\n' >"$OUTPOST_HOME/gateway/etc/io.outpost.edge.mesh.cfg"
check "feature:install outpost-cloud-mesh on the cloud" CL "feature:install outpost-cloud-mesh"
check "feature:install outpost-pods outpost-mesh on the gateway (offline, from system/)" GW "feature:install outpost-pods outpost-mesh"
wait_for 30 "the mesh made its interface with the DNS address" bash -c "ip -4 addr show dev $IFACE | grep -q 'inet 169.254.96.16/32'"

echo "== pods and a Service"
sed "s/nodeName: gateway-1/nodeName: $OUTPOST_GATEWAY_NAME/" "$ROOT/examples/mesh/web.yaml" | K apply --validate=false -f - >/dev/null
check "kubectl apply -f examples/mesh/web.yaml" bash -c 'K get svc web >/dev/null && K get pod client >/dev/null'
printf 'apiVersion: v1\nkind: Service\nmetadata: {name: empty, namespace: default}\nspec:\n  selector: {app: nothing}\n  ports: [{port: 80, targetPort: 8080}]\n' | K apply --validate=false -f - >/dev/null
for p in web-1 web-2 client; do
  wait_for 90 "pod $p Running and Ready" bash -c "[ \"\$(K get pod $p -o jsonpath='{.status.phase} {.status.conditions[?(@.type==\"Ready\")].status}')\" = 'Running True' ]"
done
IP="$(K get svc web -o jsonpath='{.spec.clusterIP}')"
EMPTY_IP="$(K get svc empty -o jsonpath='{.spec.clusterIP}')"
echo "     (web: ClusterIP $IP; empty: $EMPTY_IP)"
wait_for 30 "the ClusterIPs are on $IFACE" bash -c "ip -4 addr show dev $IFACE | grep -q 'inet $IP/32' && ip -4 addr show dev $IFACE | grep -q 'inet $EMPTY_IP/32'"
wait_for 30 "the gateway stored the Service and its slice" bash -c "grep -q 'proxying $IP:80/TCP' '$OUTPOST_HOME/gateway/data/log/karaf.log'"

echo "== from the client pod"
wait_for 20 "nslookup web (short name, search domains) answers the ClusterIP" bash -c "X client nslookup web 2>&1 | grep -A3 'Name:' | grep -q '$IP'"
check "nslookup web.default.svc.cluster.local answers the ClusterIP" bash -c "X client nslookup web.default.svc.cluster.local 2>&1 | grep -A3 'Name:' | grep -q '$IP'"
check "a name outside the cluster is refused (outsideNames=refuse)" bash -c "X client nslookup example.org 2>&1 | grep -qi 'refused\|can.t resolve\|server can.t find'"
check "wget http://web/ answers through the mesh" bash -c "X client wget -q -T 5 -O - http://web/ | grep -q 'hello from web-'"
answers="$(for i in 1 2 3 4 5 6; do X client wget -q -T 5 -O - http://web.default.svc.cluster.local/ 2>&1; done | sort | uniq -c)"
echo "$answers" | sed 's/^/     /'
check "round robin: both pods answer, three times each" bash -c "grep -q '3 hello from web-1' <<<'$answers' && grep -q '3 hello from web-2' <<<'$answers'"
check "a Service without endpoints is refused at once (no hang)" bash -c \
  "s=\$(date +%s%N); out=\$(X client wget -q -T 10 -O - http://empty/ 2>&1); e=\$(( (\$(date +%s%N) - s) / 1000000 )); echo \"\$out (\$e ms)\"; grep -qi refused <<<\"\$out\" && [ \$e -lt 5000 ]"

echo "== an endpoint that goes gets no more traffic"
K delete pod web-1 --wait=false >/dev/null 2>&1
wait_for 30 "web-1 is gone" bash -c '! K get pod web-1 >/dev/null 2>&1'
check "six calls: all answered by web-2" bash -c \
  "[ \"\$(for i in 1 2 3 4 5 6; do X client wget -q -T 5 -O - http://web/ 2>&1; done | sort | uniq -c | sed 's/^ *//')\" = '6 hello from web-2' ]"

echo "== uninstall: nothing of the mesh stays on the host"
check "feature:uninstall outpost-mesh" GW "feature:uninstall outpost-mesh"
wait_for 15 "$IFACE is gone (with every address on it)" bash -c "! ip link show $IFACE"
check "no error was logged by the mesh" bash -c "! grep -E 'ERROR.*(mesh|Mesh)' '$OUTPOST_HOME/gateway/data/log/karaf.log' '$OUTPOST_HOME/cloud/data/log/karaf.log'"

summary e2e
