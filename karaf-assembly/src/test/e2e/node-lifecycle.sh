#!/usr/bin/env bash
# End-to-end: the built distribution, started by ./outpost as a user would, driven through
# kubectl and the Karaf shell over SSH. Uses its own state folder and ports, so it does not
# disturb a running demo.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../../.." && pwd)"
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

export OUTPOST_HOME="${E2E_HOME:-$ROOT/karaf-assembly/target/e2e}"
export OUTPOST_APISERVER_PORT=16443 OUTPOST_HUB_PORT=11000 OUTPOST_BOOTSTRAP_PORT=11002
export OUTPOST_CLOUD_SSH_PORT=18101 OUTPOST_GATEWAY_SSH_PORT=18102 OUTPOST_GATEWAY_NAME=e2e-gw-1 OUTPOST_GATEWAY_MQTT_PORT=11883
export KUBECONFIG="$OUTPOST_HOME/kubeconfig"
OUT="$ROOT/outpost"
K() { kubectl --request-timeout=10s "$@"; }
ready() { K get node "$1" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}'; }
is_ready() { [ "$(ready "$1")" = True ]; }
not_ready() { local s; s="$(ready "$1")"; [ -n "$s" ] && [ "$s" != True ]; }

cleanup() { "$OUT" stop >/dev/null 2>&1 || true; OUTPOST_GATEWAY_INSTANCE=gw2 OUTPOST_GATEWAY_SSH_PORT=18103 "$OUT" stop gateway >/dev/null 2>&1 || true; }
trap cleanup EXIT
cleanup
rm -rf "$OUTPOST_HOME"

echo "== demo: API server, cloud, one gateway"
T0=$(date +%s)
if "$OUT" demo >"$ROOT/karaf-assembly/target/e2e-demo.log" 2>&1; then pass "./outpost demo returns with the node Ready"; else
  fail "./outpost demo returns with the node Ready" "$(tail -5 "$ROOT/karaf-assembly/target/e2e-demo.log")"; summary e2e; exit 1; fi
echo "     (demo took $(( $(date +%s) - T0 )) s, build included)"
check "demo printed the KUBECONFIG export line" grep -q "export KUBECONFIG=$KUBECONFIG" "$ROOT/karaf-assembly/target/e2e-demo.log"

echo "== the Node"
wide="$(K get nodes -o wide 2>&1)"
check "get nodes -o wide lists the gateway Ready" contains "$wide" "e2e-gw-1"
check "the gateway is Ready" is_ready e2e-gw-1
node_json="$(K get node e2e-gw-1 -o json)"
jp() { printf '%s' "$node_json" | python3 -c "import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1]))" "$1"; }
check "label node-role.kubernetes.io/edge is set" test "$(jp "d['metadata']['labels'].get('node-role.kubernetes.io/edge')")" = ""
check "capacity cpu is this machine's CPU count" test "$(jp "d['status']['capacity']['cpu']")" = "$(nproc)"
memkb=$(awk '/^MemTotal:/ {print $2}' /proc/meminfo)
check "capacity memory is MemTotal of /proc/meminfo" test "$(jp "d['status']['capacity']['memory']")" = "${memkb}Ki"
check "capacity pods is set" test "$(jp "d['status']['capacity']['pods']")" = "110"
check "allocatable memory is below capacity" test "$(jp "int(d['status']['allocatable']['memory'][:-2]) < int(d['status']['capacity']['memory'][:-2])")" = True
check "nodeInfo kernel is this kernel" test "$(jp "d['status']['nodeInfo']['kernelVersion']")" = "$(uname -r)"
check "nodeInfo OS is linux/$(dpkg --print-architecture 2>/dev/null || echo amd64)" test "$(jp "d['status']['nodeInfo']['operatingSystem'] + '/' + d['status']['nodeInfo']['architecture']")" = "linux/$(dpkg --print-architecture 2>/dev/null || echo amd64)"
check "nodeInfo names the Outpost version" contains "$(jp "d['status']['nodeInfo']['kubeletVersion']")" "outpost"
check "an InternalIP address is reported" test -n "$(jp "[a['address'] for a in d['status']['addresses'] if a['type']=='InternalIP'][0]")"
desc="$(K describe node e2e-gw-1)"
check "describe node shows Ready True with a reason" contains "$desc" "EdgeReady"
check "describe node shows the memory condition" contains "$desc" "EdgeHasSufficientMemory"
check "the node's Lease is renewed in kube-node-lease" test "$(K get lease -n kube-node-lease e2e-gw-1 -o jsonpath='{.spec.holderIdentity}')" = e2e-gw-1
hb1="$(K get node e2e-gw-1 -o jsonpath='{.status.conditions[?(@.type=="Ready")].lastHeartbeatTime}')"
wait_for 25 "the heartbeat advances with periodic node status" bash -c "[ \"\$(kubectl get node e2e-gw-1 -o jsonpath='{.status.conditions[?(@.type==\"Ready\")].lastHeartbeatTime}')\" != '$hb1' ]"

echo "== KubeEdge's device API"
wait_for 30 "the cloud installed the devices.kubeedge.io CRDs" K get crd devices.devices.kubeedge.io devicemodels.devices.kubeedge.io
sed 's/nodeName: gateway-1/nodeName: e2e-gw-1/' "$ROOT/examples/devices/thermometer.yaml" >"$OUTPOST_HOME/thermometer.yaml"
check "a KubeEdge DeviceModel and Device apply unchanged" K apply -f "$OUTPOST_HOME/thermometer.yaml"
devs="$(K get devices 2>&1)"
check "kubectl get devices shows node, model and protocol columns" bash -c "grep -q 'NODE' <<<'$devs' && grep -q 'MODEL' <<<'$devs' && grep -q 'PROTOCOL' <<<'$devs' && grep -q 'STATE' <<<'$devs' && grep -Eq 'thermometer-1 +e2e-gw-1 +thermometer-model +virtual' <<<'$devs'"
check "kubectl get devicemodels shows the protocol" contains "$(K get devicemodels 2>&1)" "virtual"
wait_for 30 "the gateway received the Device with its model (outpost:devices)" bash -c \
  "'$OUT' shell gateway outpost:devices | grep -E 'default/thermometer-1 +\| thermometer-model +\| virtual +\| temperature,setpoint'"
K delete device thermometer-1 >/dev/null
wait_for 30 "a deleted Device leaves the gateway" bash -c "! '$OUT' shell gateway outpost:devices | grep -q thermometer-1"
K apply -f "$OUTPOST_HOME/thermometer.yaml" >/dev/null
twin() { K get device thermometer-1 -o jsonpath="{.status.twins[?(@.propertyName==\"$1\")].reported.value}"; }
wait_for 30 "reported values appear in the Device's status twins (virtual mapper)" bash -c "[ -n \"\$(kubectl get device thermometer-1 -o jsonpath='{.status.twins[?(@.propertyName==\"temperature\")].reported.value}')\" ]"
check "the Device's state is online" test "$(K get device thermometer-1 -o jsonpath='{.status.state}')" = online
t1="$(twin temperature)"
wait_for 15 "the reported temperature changes over time" bash -c "[ \"\$(kubectl get device thermometer-1 -o jsonpath='{.status.twins[?(@.propertyName==\"temperature\")].reported.value}')\" != '$t1' ]"
check "the reported setpoint is the desired value" test "$(twin setpoint)" = 21.5
check "observedDesired carries the desired value the gateway saw" test "$(K get device thermometer-1 -o jsonpath='{.status.twins[?(@.propertyName=="setpoint")].observedDesired.value}')" = 21.5
K patch device thermometer-1 --type=json -p '[{"op":"replace","path":"/spec/properties/1/desired/value","value":"23"}]' >/dev/null
wait_for 15 "a new desired value reaches the device and the reported value follows" bash -c "[ \"\$(kubectl get device thermometer-1 -o jsonpath='{.status.twins[?(@.propertyName==\"setpoint\")].reported.value}')\" = 23 ]"

echo "== the shells"
st="$("$OUT" shell gateway outpost:status 2>&1)"
check "gateway shell: outpost:status shows CONNECTED" contains "$st" "CONNECTED"
check "cloud shell: outpost:sessions lists the gateway" contains "$("$OUT" shell cloud outpost:sessions 2>&1)" "e2e-gw-1"
check "cloud shell: outpost:sessions shows the link's round trip the cloud measured" bash -c \
  "'$OUT' shell cloud outpost:sessions 2>&1 | grep e2e-gw-1 | grep -Eq '[│|] [0-9]+ ms +[│|]'"
check "gateway shell: outpost:status shows the latency the gateway measured" bash -c "'$OUT' shell gateway outpost:status 2>&1 | grep -Eq 'Latency +[│|] [0-9]+ ms'"
check "a cloud command on the gateway says where it runs" contains "$("$OUT" shell gateway outpost:token list 2>&1)" "runs on the cloud"
nodes="$("$OUT" shell cloud outpost:nodes 2>&1)"
echo "$nodes" | sed 's/^/     /'
check "cloud shell: outpost:nodes shows the gateway Ready with its session and a recent heartbeat" bash -c \
  "grep -Eq '^ *e2e-gw-1 +[│|] Ready +[│|] [^│|]+[│|] [^│|]+[│|] connected [0-9]+[smhd], seen [0-9]+s ago, rtt [0-9]+ ms +[│|] [0-9]+s ago' <<<'$nodes'"
check "outpost:nodes on the gateway says it runs on the cloud" contains "$("$OUT" shell gateway outpost:nodes 2>&1)" "runs on the cloud"
check "outpost:pods on the gateway prints its table (the pod manager boots where containerd is)" contains "$("$OUT" shell gateway outpost:pods 2>&1)" "RESTARTS"
check "a missing argument gets Karaf's usage error" contains "$("$OUT" shell gateway outpost:join 2>&1)" "argument cloud is required"

fl="$("$OUT" shell gateway "feature:list -o" 2>&1)"
has_features() { local f; for f in "$@"; do grep -q "^$f " <<<"$fl" || { echo "missing $f"; return 1; }; done; }
check "the gateway offers every Outpost feature from its own repository" has_features outpost-edge outpost-cloud outpost-link outpost-shell \
  outpost-meta outpost-twin outpost-mapper-virtual
check "the gateway's Karaf has no remote Maven repository" bash -c "grep -q '^org.ops4j.pax.url.mvn.repositories=\$' '$OUTPOST_HOME/gateway/etc/org.ops4j.pax.url.mvn.cfg'"

check "feature:install of a feature not booted works offline" contains "$("$OUT" shell gateway "feature:install outpost-lib-fabric8; feature:list -i" 2>&1)" "outpost-lib-fabric8"
"$OUT" shell gateway "feature:uninstall outpost-lib-fabric8" >/dev/null 2>&1

echo "== the Modbus mapper is a feature installed and removed on the running gateway"
"$OUT" shell gateway "feature:install outpost-mapper-modbus" >/dev/null 2>&1
wait_for 30 "feature:install outpost-mapper-modbus registers a Mapper for protocol modbus (offline, from system/)" bash -c \
  "'$OUT' shell gateway 'service:list io.outpost.mapper.api.Mapper' | grep -q 'outpost.mapper.protocol = modbus'"
"$OUT" shell gateway "feature:uninstall outpost-mapper-modbus" >/dev/null 2>&1
wait_for 30 "feature:uninstall outpost-mapper-modbus removes it" bash -c \
  "! '$OUT' shell gateway 'service:list io.outpost.mapper.api.Mapper' | grep -q 'outpost.mapper.protocol = modbus'"
"$OUT" shell gateway "feature:install outpost-mapper-opcua" >/dev/null 2>&1
wait_for 30 "feature:install outpost-mapper-opcua registers a Mapper for protocol opcua (offline, from system/)" bash -c \
  "'$OUT' shell gateway 'service:list io.outpost.mapper.api.Mapper' | grep -q 'outpost.mapper.protocol = opcua'"
"$OUT" shell gateway "feature:uninstall outpost-mapper-opcua" >/dev/null 2>&1
wait_for 30 "feature:uninstall outpost-mapper-opcua removes it" bash -c \
  "! '$OUT' shell gateway 'service:list io.outpost.mapper.api.Mapper' | grep -q 'outpost.mapper.protocol = opcua'"
check "the gateway's link stayed up meanwhile" contains "$("$OUT" shell gateway outpost:status 2>&1)" "CONNECTED"

echo "== hot swap: a handler bundle that stops simply stops receiving"
"$OUT" shell cloud "bundle:stop outpost.cloud.node" >/dev/null 2>&1
wait_for 30 "with the node controller stopped, the gateway's status is refused by the hub" \
  grep -q "no handler for group 'resource'" "$OUTPOST_HOME/gateway/data/log/karaf.log"
check "the cloud hub keeps the session meanwhile" contains "$("$OUT" shell cloud outpost:sessions 2>&1)" "e2e-gw-1"
"$OUT" shell cloud "bundle:start outpost.cloud.node" >/dev/null 2>&1
hb2="$(K get node e2e-gw-1 -o jsonpath='{.status.conditions[?(@.type=="Ready")].lastHeartbeatTime}')"
wait_for 30 "started again, it receives the status again (heartbeat advances)" bash -c "[ \"\$(kubectl get node e2e-gw-1 -o jsonpath='{.status.conditions[?(@.type==\"Ready\")].lastHeartbeatTime}')\" != '$hb2' ]"

echo "== stopping the gateway makes its Node NotReady within the grace period (40 s)"
"$OUT" stop gateway >/dev/null
T=$(date +%s)
wait_for 46 "Node NotReady after the gateway stopped" not_ready e2e-gw-1
echo "     (NotReady after $(( $(date +%s) - T )) s)"
check "NotReady node carries the unreachable NoExecute taint" contains "$(K get node e2e-gw-1 -o jsonpath='{.spec.taints}')" "node.kubernetes.io/unreachable"
check "outpost:nodes shows it NotReady, without a session" bash -c "'$OUT' shell cloud outpost:nodes 2>&1 | grep -E '^ *e2e-gw-1 ' | grep 'NotReady' | grep -Eq '[│|] - '"

echo "== starting it again: Ready, no duplicate, no new join"
"$OUT" start gateway >/dev/null 2>&1
T=$(date +%s)
wait_for 90 "Node Ready again after restart" is_ready e2e-gw-1
echo "     (Ready $(( $(date +%s) - T )) s after start)"
check "the unreachable taints are gone" test -z "$(K get node e2e-gw-1 -o jsonpath='{.spec.taints}')"
check "exactly one Node for the gateway" test "$(K get nodes -o name | grep -c e2e-gw-1)" = 1
wait_for 30 "after the restart the cloud sends the gateway its devices again" bash -c "'$OUT' shell gateway outpost:devices | grep -q thermometer-1"
check "the restart did not join again" test "$(grep -h -c 'joined the cloud' "$OUTPOST_HOME"/gateway/data/log/karaf.log* | awk '{s+=$1} END {print s}')" = 1

echo "== a second gateway joins with a fresh token through outpost:join"
tok="$("$OUT" token)"
check "the cloud prints a fresh token" contains "$tok" "."
export OUTPOST_GATEWAY_INSTANCE=gw2 OUTPOST_GATEWAY_NAME=e2e-gw-2 OUTPOST_GATEWAY_SSH_PORT=18103 OUTPOST_GATEWAY_MQTT_PORT=11884 OUTPOST_NO_AUTOJOIN=1 OUTPOST_NO_PODS=1
"$OUT" start gateway >/dev/null 2>&1
wait_for 60 "the second gateway's shell answers" bash -c "'$OUT' shell gateway outpost:status | grep -q NOT_JOINED"
check "join with a malformed token says it is malformed" contains "$("$OUT" shell gateway outpost:join 127.0.0.1:11002 not-a-token 2>&1)" "malformed"
check "join at an address with nothing listening says it cannot reach" contains "$("$OUT" shell gateway outpost:join 127.0.0.1:1 "$tok" 2>&1)" "cannot reach"
other_ca="$(printf '%064d' 0).$(printf '%s' "$tok" | cut -d. -f2-)"
check "join with a token of another cloud's CA names the hash mismatch" contains "$("$OUT" shell gateway outpost:join 127.0.0.1:11002 "$other_ca" 2>&1)" "another cloud"
rev="$("$OUT" token)"; rev_id="$("$OUT" shell cloud outpost:token list 2>&1 | grep valid | tail -1 | awk '{print $1}')"
"$OUT" shell cloud outpost:token revoke "$rev_id" >/dev/null 2>&1
check "join with a revoked token is refused with 403" contains "$("$OUT" shell gateway outpost:join 127.0.0.1:11002 "$rev" 2>&1)" "403"
check "outpost:token list shows the revoked token" contains "$("$OUT" shell cloud outpost:token list 2>&1)" "revoked"
jo="$("$OUT" shell gateway outpost:join 127.0.0.1:11002 "$tok" 2>&1)"
check "outpost:join with the fresh token succeeds" contains "$jo" "joined"
wait_for 60 "the second gateway is a Ready Node" is_ready e2e-gw-2
check "both gateways are listed" test "$(K get nodes -o name | grep -c e2e-gw)" = 2
key_mode="$(stat -c %a "$OUTPOST_HOME/gw2/data/outpost/hub/node.key")"
check "the gateway's private key is owner-only (0600)" test "$key_mode" = 600
check "outpost:pods on a gateway started without the pod manager says how to install it" contains "$("$OUT" shell gateway outpost:pods 2>&1)" "feature:install outpost-pods"
"$OUT" stop gateway >/dev/null 2>&1
unset OUTPOST_GATEWAY_INSTANCE OUTPOST_NO_AUTOJOIN OUTPOST_NO_PODS
export OUTPOST_GATEWAY_NAME=e2e-gw-1 OUTPOST_GATEWAY_SSH_PORT=18102 OUTPOST_GATEWAY_MQTT_PORT=11883

echo "== the API server keeps its state while the cloud restarts"
"$OUT" stop cloud >/dev/null
check "nodes are still there with the cloud stopped" test "$(K get nodes -o name | grep -c e2e-gw)" = 2
"$OUT" start cloud >/dev/null 2>&1
wait_for 90 "gateway 1 reconnects to the restarted cloud and stays Ready" bash -c "'$OUT' shell cloud outpost:sessions | grep -q e2e-gw-1"
check "gateway 1 is Ready" is_ready e2e-gw-1

summary e2e
