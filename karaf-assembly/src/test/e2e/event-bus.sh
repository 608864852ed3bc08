#!/usr/bin/env bash
# End-to-end: an external mapper on the gateway's event bus. The built distribution is started by
# ./outpost as a user would; a Device is declared with kubectl; mosquitto_pub/mosquitto_sub
# (Debian's mosquitto-clients, a real MQTT client) speak KubeEdge's topics to the gateway's
# embedded broker, backed by the real device twin. Own state folder and ports.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../../.." && pwd)"
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

export OUTPOST_HOME="${E2E_HOME:-$ROOT/karaf-assembly/target/e2e-bus}"
export OUTPOST_APISERVER_PORT=15453 OUTPOST_HUB_PORT=15000 OUTPOST_BOOTSTRAP_PORT=15002
export OUTPOST_CLOUD_SSH_PORT=15101 OUTPOST_GATEWAY_SSH_PORT=15102 OUTPOST_GATEWAY_NAME=e2e-bus-gw OUTPOST_GATEWAY_MQTT_PORT=15883
export KUBECONFIG="$OUTPOST_HOME/kubeconfig"
OUT="$ROOT/outpost"
MQ=15883
NODE=e2e-bus-gw
DEV='$hw/events/device/default/thermometer-1'
K() { kubectl --request-timeout=10s "$@"; }

cleanup() { "$OUT" stop >/dev/null 2>&1 || true; jobs -p | xargs -r kill 2>/dev/null || true; }
trap cleanup EXIT
cleanup
rm -rf "$OUTPOST_HOME"
mkdir -p "$OUTPOST_HOME"

for tool in mosquitto_pub mosquitto_sub; do
  command -v "$tool" >/dev/null || { fail "$tool is installed (Debian package mosquitto-clients; .ci/test-all installs it)"; summary e2e; exit 1; }
done

echo "== demo: API server, cloud, one gateway"
if "$OUT" demo >"$OUTPOST_HOME/demo.log" 2>&1; then pass "./outpost demo returns with the node Ready"; else
  fail "./outpost demo returns with the node Ready" "$(tail -5 "$OUTPOST_HOME/demo.log")"; summary e2e; exit 1; fi
wait_for 30 "the gateway's MQTT broker listens on 127.0.0.1:$MQ" bash -c "mosquitto_pub -h 127.0.0.1 -p $MQ -t outpost/e2e/ping -m x"
wait_for 30 "the cloud installed the devices.kubeedge.io CRDs" K get crd devices.devices.kubeedge.io
sed "s/nodeName: gateway-1/nodeName: $NODE/" "$ROOT/examples/devices/thermometer.yaml" >"$OUTPOST_HOME/thermometer.yaml"
K apply -f "$OUTPOST_HOME/thermometer.yaml" >/dev/null
wait_for 30 "the gateway received the Device" bash -c "'$OUT' shell gateway outpost:devices | grep -q thermometer-1"

# sub FILE COUNT TOPIC...: listens in the background (verbose: "topic payload" per line) for COUNT messages, 20 s at most
sub() {
  local f="$1" n="$2"; shift 2
  local a=(); for t in "$@"; do a+=(-t "$t"); done
  mosquitto_sub -h 127.0.0.1 -p $MQ -V mqttv311 -q 1 -v -C "$n" -W 20 "${a[@]}" >"$f" 2>&1 &
  sleep 1
}
pub() { mosquitto_pub -h 127.0.0.1 -p $MQ -q 1 -t "$1" -m "$2"; }
waitfile() { # FILE PATTERN: the listener wrote a line matching PATTERN
  local end=$(( $(date +%s) + 20 ))
  until grep -q -- "$2" "$1" 2>/dev/null; do [ "$(date +%s)" -lt "$end" ] || { cat "$1"; return 1; }; sleep 0.3; done
}

echo "== KubeEdge's mapper topics over MQTT"
sub "$OUTPOST_HOME/membership.txt" 1 "\$hw/events/node/$NODE/membership/get/result"
pub "\$hw/events/node/$NODE/membership/get" '{"event_id":"m-1"}'
check "membership/get answers with this gateway's devices" waitfile "$OUTPOST_HOME/membership.txt" '"id":"default/thermometer-1"'

sub "$OUTPOST_HOME/update.txt" 2 "$DEV/twin/update/result" "$DEV/twin/update/document"
pub "$DEV/twin/update" '{"event_id":"e2e-1","timestamp":1,"twin":{"temperature":{"actual":{"value":"20.5"}}}}'
check "twin/update is answered on twin/update/result with the changed twin" waitfile "$OUTPOST_HOME/update.txt" \
  'twin/update/result {"event_id":"e2e-1".*"temperature":{.*"actual":{"value":"20.5"'
check "the change is published on twin/update/document" waitfile "$OUTPOST_HOME/update.txt" 'twin/update/document {.*"current":'

sub "$OUTPOST_HOME/get.txt" 1 "$DEV/twin/get/result"
pub "$DEV/twin/get" '{"event_id":"g-1"}'
check "twin/get returns the twins, with the desired setpoint" waitfile "$OUTPOST_HOME/get.txt" '"setpoint":{"expected":{"value":"21.5"'

sub "$OUTPOST_HOME/404.txt" 1 '$hw/events/device/default/ghost/twin/update/result'
pub '$hw/events/device/default/ghost/twin/update' '{"event_id":"e-404","twin":{"temperature":{"actual":{"value":"1"}}}}'
check "a device not on this gateway gets a 404 result" waitfile "$OUTPOST_HOME/404.txt" '"code":404'

sub "$OUTPOST_HOME/400.txt" 1 "$DEV/twin/update/result"
pub "$DEV/twin/update" '{"event_id": "e-400", "twin": {'
check "malformed JSON gets a 400 result that says so" waitfile "$OUTPOST_HOME/400.txt" '"code":400,"reason":"the payload is not JSON'

sub "$OUTPOST_HOME/state.txt" 1 "$DEV/state/update/result"
pub "$DEV/state/update" '{"event_id":"s-1","timestamp":1,"state":"online"}'
check "state/update is answered on state/update/result" waitfile "$OUTPOST_HOME/state.txt" '"device":{"name":"thermometer-1","state":"online"'

sub "$OUTPOST_HOME/spy.txt" 1 '$hw/events/node/#'
refused="$(mosquitto_pub -h 127.0.0.1 -p $MQ -V mqttv5 -q 1 -t '$hw/events/node/other-node/membership/get' -m '{}' 2>&1)"
check "publishing to another node's membership topic is refused (MQTT 5: not authorized)" contains "$refused" "Not authorized"
sleep 1
check "the refused message reached no subscriber" bash -c "! grep -q other-node '$OUTPOST_HOME/spy.txt'"

sub "$OUTPOST_HOME/added.txt" 1 "\$hw/events/node/$NODE/membership/updated"
sed 's/thermometer-1/thermometer-2/' "$OUTPOST_HOME/thermometer.yaml" >"$OUTPOST_HOME/thermometer-2.yaml"
K apply -f "$OUTPOST_HOME/thermometer-2.yaml" >/dev/null
check "a Device added in Kubernetes is announced on membership/updated" waitfile "$OUTPOST_HOME/added.txt" '"added_devices":\[{"id":"default/thermometer-2"'

echo "== an external mapper (any language, here mosquitto clients) drives a device end to end"
cat >"$OUTPOST_HOME/external.yaml" <<YAML
apiVersion: devices.kubeedge.io/v1beta1
kind: Device
metadata: {name: ext-1, namespace: default}
spec:
  deviceModelRef: {name: thermometer-model}
  nodeName: $NODE
  protocol: {protocolName: my-external-protocol}
  properties:
    - {name: temperature, reportCycle: 1000, reportToCloud: true}
    - {name: setpoint, reportCycle: 1000, reportToCloud: true, desired: {value: "20"}}
YAML
K apply -f "$OUTPOST_HOME/external.yaml" >/dev/null
wait_for 30 "the gateway received the Device of the external mapper" bash -c "'$OUT' shell gateway outpost:devices | grep -q default/ext-1"
EXT='$hw/events/device/default/ext-1'
pub "$EXT/state/update" '{"event_id":"x-1","timestamp":1,"state":"online"}'
pub "$EXT/twin/update" '{"event_id":"x-2","timestamp":1,"twin":{"temperature":{"actual":{"value":"33.3"}}}}'
wait_for 20 "its value reaches the Device's status.twins in Kubernetes" bash -c \
  "[ \"\$(kubectl get device ext-1 -o jsonpath='{.status.twins[?(@.propertyName==\"temperature\")].reported.value}')\" = 33.3 ]"
wait_for 20 "its state/update reaches status.state (online)" bash -c "[ \"\$(kubectl get device ext-1 -o jsonpath='{.status.state}')\" = online ]"
sub "$OUTPOST_HOME/delta.txt" 1 "$EXT/twin/update/delta"
K patch device ext-1 --type=json -p '[{"op":"replace","path":"/spec/properties/1/desired/value","value":"24"}]' >/dev/null
check "a desired value set with kubectl reaches the external mapper as a delta" waitfile "$OUTPOST_HOME/delta.txt" '"delta":{"setpoint":"24"}'
pub "$EXT/twin/update" '{"event_id":"x-3","timestamp":1,"twin":{"setpoint":{"actual":{"value":"24"}}}}'
wait_for 20 "the external mapper's new value is reported in Kubernetes" bash -c \
  "[ \"\$(kubectl get device ext-1 -o jsonpath='{.status.twins[?(@.propertyName==\"setpoint\")].reported.value}')\" = 24 ]"

summary e2e
