#!/usr/bin/env bash
# End-to-end: the mesh (issue 8) with real pods, as a user runs it. The demo (cloud, development
# API server, gateway) on its own ports (61xxx); outpost-cloud-mesh on the cloud, outpost-pods and
# outpost-mesh on the gateway; examples/mesh/web.yaml: two busybox httpd pods, a Service, a client
# pod whose resolver is the mesh's DNS. From the client (ctr exec): nslookup and HTTP (nc) by the
# Service's short and full names, both pods answer (round robin), a Service without endpoints is
# refused at once, names outside the cluster are refused (outsideNames=refuse), a deleted pod
# gets no more traffic. Then two more gateways, each in a network namespace made here (veth to
# the host, 10.231.0.0/30 and 10.232.0.0/30), with no route to each other. B has its own
# containerd, started here inside B's namespace (.ci/containerd as instance mesh-b: own paths,
# socket and CNI subnet 10.88.96.0/20), and its pod manager runs web-b (busybox httpd, applied
# with kubectl, nodeName e2e-mesh-b); the client pod on the first gateway reaches it through the
# direct tunnel, gateway C (no route to B) through the cloud's relay. UDP too: web-b's Service
# has a UDP port, served by a socat responder in web-b's own network namespace (the image's
# busybox has no UDP server), and a datagram to it from the first gateway (direct tunnel) and
# from C (relay) is answered by B's pod; a selector-less
# UDP Service whose endpoint is on the first gateway itself is answered locally. B going offline
# makes its endpoint go within seconds. feature:uninstall removes the mesh interface from the host.
# Needs root (the mesh's interface, network namespaces, containerd) and .ci/containerd start.
# B's containerd is stopped and its state removed on exit (.ci/containerd purge).
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
# GET HOST: an HTTP GET from the client pod with nc (busybox-static's wget crashes in these
# containers, exit 139, also against a pod's own address: not the mesh)
GET() { X client sh -c "printf 'GET / HTTP/1.0\r\n\r\n' | nc -w 5 $1 80"; }
# UDP [NS] HOST PORT WORD: one datagram (WORD) from the host or network namespace NS, prints the
# answer (socat: the pods' busybox nc has no UDP; -t waits for the answer after the datagram)
UDP() { local pre=(); [ $# = 4 ] && { pre=(ip netns exec "$1"); shift; }; echo "$3" | "${pre[@]}" socat -t 5 -T 5 - "UDP4:$1:$2"; }
export -f K CID X GET UDP
export SOCKET

NSB=omesh-b NSC=omesh-c
# B's containerd: a second instance of .ci/containerd, in B's namespace
CTRB=(env OUTPOST_CONTAINERD_INSTANCE=mesh-b OUTPOST_CONTAINERD_SUBNET=10.88.96.0/20 "$ROOT/.ci/containerd")
SOCKB="$("${CTRB[@]}" socket)"
# B and C: OUTPOST_GATEWAY_* for a gateway instance in a namespace ($1: b or c)
gwenv() { local n=2; [ "$1" = c ] && n=3; echo "OUTPOST_GATEWAY_INSTANCE=gw-$1 OUTPOST_GATEWAY_NAME=e2e-mesh-$1 OUTPOST_GATEWAY_SSH_PORT=61${n}02 OUTPOST_GATEWAY_MQTT_PORT=61${n}83 OUTPOST_CONSOLE_PORT=61${n}44 OUTPOST_NO_AUTOJOIN=1 $([ "$1" = b ] && echo OUTPOST_CRI_SOCKET=$SOCKB || echo OUTPOST_NO_PODS=1)"; }
GWN() { local which="$1"; shift; ip netns exec "omesh-$which" env $(gwenv "$which") "$OUT" shell gateway "$@" 2>&1; }
export -f gwenv GWN
export OUT NSB NSC SOCKB

cleanup() {
  K delete pod web-1 web-2 client web-b --wait=false >/dev/null 2>&1 || true
  for w in b c; do env $(gwenv $w) "$OUT" stop gateway >/dev/null 2>&1 || true; done
  "$OUT" stop >/dev/null 2>&1 || true
  for f in udp-b udp-a; do
    [ -f "${OUTPOST_HOME:-/nonexistent}/$f.pid" ] && kill "$(cat "$OUTPOST_HOME/$f.pid")" 2>/dev/null
  done
  "${CTRB[@]}" purge >/dev/null 2>&1 || true
  ip netns del "$NSB" >/dev/null 2>&1 || true
  ip netns del "$NSC" >/dev/null 2>&1 || true
  ip link del "$IFACE" >/dev/null 2>&1 || true
}
trap cleanup EXIT
cleanup
rm -rf "$OUTPOST_HOME"

echo "== containerd"
check "containerd's CRI socket $SOCKET exists (.ci/containerd start)" test -S "$SOCKET"
check "no mesh interface on the host before the test" bash -c "! ip link show $IFACE"

echo "== two network namespaces, B and C, each with a veth to the host and no route to each other"
for w in b:231 c:232; do
  ns=omesh-${w%%:*}; net=10.${w##*:}.0
  ip netns add "$ns" && ip -n "$ns" link set lo up &&
  ip link add "om${w%%:*}0" type veth peer name "om${w%%:*}1" && ip link set "om${w%%:*}1" netns "$ns" &&
  ip addr add "$net.1/30" dev "om${w%%:*}0" && ip link set "om${w%%:*}0" up &&
  ip -n "$ns" addr add "$net.2/30" dev "om${w%%:*}1" && ip -n "$ns" link set "om${w%%:*}1" up ||
  { fail "network namespace $ns"; summary e2e; exit 1; }
done
check "socat for the UDP checks (.ci/test-all installs it)" command -v socat
if "${CTRB[@]}" status >/dev/null 2>&1; then "${CTRB[@]}" purge >/dev/null 2>&1; fi
# nsenter (network only), not ip netns exec: the containers' mounts stay in the host's mount namespace
if nsenter --net="/run/netns/$NSB" "${CTRB[@]}" start >"$ROOT/karaf-assembly/target/e2e-mesh-containerd-b.log" 2>&1; then
  pass "B's own containerd runs in B's namespace ($SOCKB), the test images imported"; else
  fail "B's own containerd runs in B's namespace ($SOCKB), the test images imported" "$(tail -5 "$ROOT/karaf-assembly/target/e2e-mesh-containerd-b.log")"; fi
check "C has no route to B" bash -c "! ip netns exec $NSC bash -c 'exec 3<>/dev/tcp/10.231.0.2/61006' 2>/dev/null"
echo "== demo; mesh on the cloud, pods and mesh on the gateway"
if "$OUT" demo >"$ROOT/karaf-assembly/target/e2e-mesh-demo.log" 2>&1; then pass "./outpost demo returns with the node Ready"; else
  fail "./outpost demo returns with the node Ready" "$(tail -5 "$ROOT/karaf-assembly/target/e2e-mesh-demo.log")"; summary e2e; exit 1; fi
printf 'socketPath = %s\nrequestTimeoutSeconds = 30\n' "$SOCKET" >"$OUTPOST_HOME/gateway/etc/io.outpost.runtime.cri.cfg"
printf 'outsideNames = refuse\ntunnelPort = 61006\nrelayPort = 61007\n' >"$OUTPOST_HOME/gateway/etc/io.outpost.edge.mesh.cfg"
printf 'port = 61007\n' >"$OUTPOST_HOME/cloud/etc/io.outpost.cloud.mesh.relay.cfg"
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
check "GET http://web/ (nc to the short name) answers through the mesh" bash -c "GET web | grep -q 'hello from web-'"
answers="$(for i in 1 2 3 4 5 6; do GET web.default.svc.cluster.local 2>&1 | grep hello; done | sort | uniq -c)"
echo "$answers" | sed 's/^/     /'
check "round robin: both pods answer, three times each" bash -c "grep -q '3 hello from web-1' <<<'$answers' && grep -q '3 hello from web-2' <<<'$answers'"
check "a Service without endpoints is refused at once (no hang)" bash -c \
  "s=\$(date +%s%N); out=\$(X client nc -w 10 empty 80 </dev/null 2>&1); e=\$(( (\$(date +%s%N) - s) / 1000000 )); echo \"\$out (\$e ms)\"; grep -qi refused <<<\"\$out\""

echo "== an endpoint that goes gets no more traffic"
K delete pod web-1 --wait=false >/dev/null 2>&1
wait_for 30 "web-1 is gone" bash -c '! K get pod web-1 >/dev/null 2>&1'
check "six calls: all answered by web-2" bash -c \
  "[ \"\$(for i in 1 2 3 4 5 6; do GET web 2>&1 | grep hello; done | sort | uniq -c | sed 's/^ *//')\" = '6 hello from web-2' ]"


echo "== gateways B and C in their namespaces"
for w in b c; do
  n=231; [ $w = c ] && n=232
  TOKEN="$("$OUT" token 2>/dev/null | grep -Eo '^[0-9a-f]{64}\.[A-Za-z0-9_.-]+' | head -1)"
  if ip netns exec "omesh-$w" env $(gwenv $w) "$OUT" start gateway >"$ROOT/karaf-assembly/target/e2e-mesh-gw-$w.log" 2>&1; then
    pass "gateway $w starts in its namespace"; else fail "gateway $w starts in its namespace" "$(tail -3 "$ROOT/karaf-assembly/target/e2e-mesh-gw-$w.log")"; fi
  printf 'outsideNames = refuse\ntunnelPort = 61006\nrelayPort = 61007\n' >"$OUTPOST_HOME/gw-$w/etc/io.outpost.edge.mesh.cfg"
  wait_for 90 "gateway $w's shell answers" bash -c "GWN $w 'feature:list -i' | grep -q outpost-edge"
  check "gateway $w joins the cloud at 10.$n.0.1" GWN $w "outpost:join 10.$n.0.1:61002 $TOKEN"
  check "feature:install outpost-mesh on gateway $w" GWN $w "feature:install outpost-mesh"
done
for w in b c; do
  wait_for 60 "node e2e-mesh-$w is Ready" bash -c "[ \"\$(K get node e2e-mesh-$w -o jsonpath='{.status.conditions[?(@.type==\"Ready\")].status}')\" = True ]"
done
check "node e2e-mesh-b's InternalIP is its namespace's address" bash -c "K get node e2e-mesh-b -o jsonpath='{.status.addresses}' | grep -q 10.231.0.2"

echo "== a real pod on gateway B (B's pod manager, B's containerd), a Service for it"
printf 'apiVersion: v1\nkind: Pod\nmetadata: {name: web-b, namespace: default, labels: {app: web-b}}\nspec:\n  nodeName: e2e-mesh-b\n  terminationGracePeriodSeconds: 1\n  containers:\n  - name: httpd\n    image: outpost.local/busybox:1.0\n    command: ["sh", "-c", "mkdir -p /www && echo hello from $(hostname) > /www/index.html && exec httpd -f -p 8080 -h /www"]\n---\napiVersion: v1\nkind: Service\nmetadata: {name: web-b, namespace: default}\nspec:\n  selector: {app: web-b}\n  ports: [{name: http, port: 80, targetPort: 8080}, {name: echo, protocol: UDP, port: 7, targetPort: 7007}]\n' \
  | K apply --validate=false -f - >/dev/null
wait_for 90 "pod web-b Running and Ready (B's pod manager)" bash -c "[ \"\$(K get pod web-b -o jsonpath='{.status.phase} {.status.conditions[?(@.type==\"Ready\")].status}')\" = 'Running True' ]"
BPOD="$(K get pod web-b -o jsonpath='{.status.podIP}')"
BCID="$(CID web-b)"
echo "     (web-b: podIP $BPOD, container $BCID)"
check "web-b's address is on B's own CNI subnet (10.88.96.0/20)" bash -c "[[ '$BPOD' == 10.88.9[6-9].* || '$BPOD' == 10.88.10[0-9].* || '$BPOD' == 10.88.11[01].* ]]"
check "web-b's container runs in B's containerd, not the first gateway's" bash -c \
  "ctr --address $SOCKB -n k8s.io tasks ls -q | grep -qx '$BCID' && ! ctr --address $SOCKET -n k8s.io tasks ls -q | grep -qx '$BCID'"
# its UDP side, in the pod's own network namespace: answers each datagram from its own address
# and port (what a connected socket wants)
BPID="$(ctr --address "$SOCKB" -n k8s.io tasks ls | awk -v c="$BCID" '$1 == c {print $2}')"
nsenter --net="/proc/$BPID/ns/net" socat UDP4-RECVFROM:7007,bind="$BPOD",fork SYSTEM:'read -r l; echo "udp from web-b: $l"' & echo $! >"$OUTPOST_HOME/udp-b.pid"
BIP="$(K get svc web-b -o jsonpath='{.spec.clusterIP}')"
wait_for 30 "the first gateway proxies web-b ($BIP)" bash -c "grep -q 'proxying $BIP:80/TCP' '$OUTPOST_HOME/gateway/data/log/karaf.log'"
wait_for 20 "from the client pod, GET http://web-b/ answers through the direct tunnel to B" bash -c "GET web-b | grep -q 'hello from web-b'"
wait_for 30 "the first gateway proxies web-b's UDP port ($BIP:7/UDP)" bash -c "grep -q 'proxying $BIP:7/UDP' '$OUTPOST_HOME/gateway/data/log/karaf.log'"
wait_for 20 "from the first gateway, a datagram to $BIP:7/UDP is answered by B through the direct tunnel" bash -c \
  "UDP $BIP 7 ping-a | grep -qx 'udp from web-b: ping-a'"
wait_for 30 "gateway C has web-b's ClusterIP on its mesh interface" bash -c "ip -n $NSC -4 addr show dev $IFACE | grep -q 'inet $BIP/32'"
check "in C, nslookup web-b.default.svc.cluster.local (C's DNS) answers the ClusterIP" bash -c \
  "ip netns exec $NSC /bin/busybox nslookup web-b.default.svc.cluster.local 169.254.96.16 2>&1 | grep -A3 'Name:' | grep -q '$BIP'"
wait_for 20 "in C, GET http://$BIP/ answers: C has no route to B, so through the cloud's relay" bash -c \
  "printf 'GET / HTTP/1.0\r\n\r\n' | ip netns exec $NSC /bin/busybox nc -w 8 $BIP 80 | grep -q 'hello from web-b'"
wait_for 20 "in C, a datagram to $BIP:7/UDP is answered by B through the cloud's relay" bash -c \
  "UDP $NSC $BIP 7 ping-c | grep -qx 'udp from web-b: ping-c'"
check "C still has no route to B's tunnel (so the answers came through the relay)" bash -c \
  "! ip netns exec $NSC bash -c 'exec 3<>/dev/tcp/10.231.0.2/61006' 2>/dev/null"

echo "== a Service without a selector: the user's EndpointSlice names B's pod"
printf 'apiVersion: v1\nkind: Service\nmetadata: {name: legacy, namespace: default}\nspec:\n  ports: [{name: http, port: 80, targetPort: 8080, protocol: TCP}]\n---\napiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata: {name: legacy-1, namespace: default, labels: {kubernetes.io/service-name: legacy}}\naddressType: IPv4\nports: [{name: http, port: 8080, protocol: TCP}]\nendpoints: [{addresses: [%s], nodeName: e2e-mesh-b}]\n' "$BPOD" \
  | K apply --validate=false -f - >/dev/null
wait_for 30 "from the client pod, GET http://legacy/ (no selector; the user's EndpointSlice) answers from B" bash -c "GET legacy | grep -q 'hello from web-b'"

echo "== a UDP Service whose endpoint is on the first gateway itself (local, no tunnel)"
socat UDP4-RECVFROM:7007,bind=10.231.0.1,fork SYSTEM:'read -r l; echo "udp from gateway-a: $l"' & echo $! >"$OUTPOST_HOME/udp-a.pid"
printf 'apiVersion: v1\nkind: Service\nmetadata: {name: echo-a, namespace: default}\nspec:\n  ports: [{name: echo, port: 7, targetPort: 7007, protocol: UDP}]\n---\napiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata: {name: echo-a-1, namespace: default, labels: {kubernetes.io/service-name: echo-a}}\naddressType: IPv4\nports: [{name: echo, port: 7007, protocol: UDP}]\nendpoints: [{addresses: [10.231.0.1], nodeName: %s}]\n' "$OUTPOST_GATEWAY_NAME" \
  | K apply --validate=false -f - >/dev/null
AIP="$(K get svc echo-a -o jsonpath='{.spec.clusterIP}')"
wait_for 30 "from the first gateway, a datagram to echo-a ($AIP:7/UDP) is answered by the local endpoint" bash -c \
  "UDP $AIP 7 ping-local | grep -qx 'udp from gateway-a: ping-local'"

echo "== gateway B goes offline: its endpoint goes within seconds"
env $(gwenv b) "$OUT" stop gateway >/dev/null 2>&1
T0=$(date +%s)
wait_for 20 "the client pod's connection to web-b is refused at once (no ready endpoint)" bash -c \
  "out=\$(X client nc -w 5 web-b 80 </dev/null 2>&1); grep -qi refused <<<\"\$out\""
echo "     (refused $(( $(date +%s) - T0 )) s after B stopped)"

echo "== uninstall: nothing of the mesh stays on the host"
check "feature:uninstall outpost-mesh" GW "feature:uninstall outpost-mesh"
wait_for 15 "$IFACE is gone (with every address on it)" bash -c "! ip link show $IFACE"
# ERROR lines whose logger or bundle column is the mesh's (the thread column holds etc/'s path,
# which names this worktree and OUTPOST_HOME: fileinstall's occasional ClosedWatchServiceException
# at boot is not the mesh's)
check "no error was logged by the mesh" bash -c "! awk -F' [|] ' '\$2 ~ /ERROR/ && (\$4 ~ /[Mm]esh/ || \$5 ~ /mesh/)' '$OUTPOST_HOME/gateway/data/log/karaf.log' '$OUTPOST_HOME/cloud/data/log/karaf.log' | grep ."

summary e2e
