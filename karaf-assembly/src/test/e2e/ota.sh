#!/usr/bin/env bash
# End-to-end: OTA (issue 6), as a user drives it. The demo (development API server, cloud,
# gateway); a signing key made on the cloud, its public half trusted on the gateway; the example
# feature examples/ota-hello packed as KARs of several versions and published with
# outpost:artifact; GatewayRollouts applied with kubectl and watched to their end; feature:list
# on the gateway; then the bad cases: a feature that does not resolve (rolled back, canary halts),
# an untrusted key, an unsigned artifact, a tampered artifact, a downgrade, an artifact larger than
# declared, names with shell metacharacters; pause and resume; a feature that never becomes healthy;
# a feature whose own (Felix) health check fails; a real full disk mid-download (a tmpfs over the
# agent's download folder, removed on exit; needs root, as CI runs); old versions pruned; a gateway
# killed in the middle of an update. A second real gateway (instance gw2, no pod manager) joins the
# label-selected upgrade, stays untouched when the canary (the first gateway) fails, and is updated
# with the first one by a rollout with batch size 1.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../../.." && pwd)"
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

export OUTPOST_HOME="${E2E_HOME:-$ROOT/karaf-assembly/target/e2e-ota}"
export OUTPOST_APISERVER_PORT=13443 OUTPOST_HUB_PORT=13000 OUTPOST_BOOTSTRAP_PORT=13002
export OUTPOST_CLOUD_SSH_PORT=13101 OUTPOST_GATEWAY_SSH_PORT=13102 OUTPOST_GATEWAY_NAME=e2e-ota-gw OUTPOST_GATEWAY_MQTT_PORT=13883
export OUTPOST_CONSOLE_PORT=13453
export KUBECONFIG="$OUTPOST_HOME/kubeconfig"
OUT="$ROOT/outpost"
GWN="$OUTPOST_GATEWAY_NAME"
# The second gateway: its own instance folder, name and ports (console and local API set, so no
# default collides with the first gateway's or the API server's).
GWN2=e2e-ota-gw2
G2ENV="OUTPOST_GATEWAY_INSTANCE=gw2 OUTPOST_GATEWAY_NAME=$GWN2 OUTPOST_GATEWAY_SSH_PORT=13103 OUTPOST_GATEWAY_MQTT_PORT=13884 OUTPOST_CONSOLE_PORT=13454 OUTPOST_LOCAL_API_PORT=13552 OUTPOST_NO_PODS=1"
GW2() { env $G2ENV "$OUT" shell gateway "$@" 2>&1; }
K() { kubectl --request-timeout=10s "$@"; }
GW() { "$OUT" shell gateway "$@" 2>&1; }
CL() { "$OUT" shell cloud "$@" 2>&1; }
R() { K get gatewayrollout "$1" -o jsonpath="$2" 2>/dev/null; }
gwphase() { R "$1" "{.status.gateways[?(@.name==\"$GWN\")].phase}"; }
gwreason() { R "$1" "{.status.gateways[?(@.name==\"$GWN\")].reason}"; }
gw2phase() { R "$1" "{.status.gateways[?(@.name==\"$GWN2\")].phase}"; }
export -f K R gwphase gwreason gw2phase GW2
export GWN GWN2 G2ENV OUT

DL="$OUTPOST_HOME/gateway/data/outpost/ota/downloads"
cleanup() {
  [ -n "${WATCH_PID:-}" ] && kill "$WATCH_PID" 2>/dev/null
  [ -n "${FILL_PID:-}" ] && kill "$FILL_PID" 2>/dev/null
  mountpoint -q "$DL" 2>/dev/null && umount -l "$DL"
  env $G2ENV "$OUT" stop gateway >/dev/null 2>&1 || true
  "$OUT" stop >/dev/null 2>&1 || true
}
trap cleanup EXIT
cleanup
rm -rf "$OUTPOST_HOME"
mkdir -p "$OUTPOST_HOME/kars"

# rollout NAME VERSION [extra artifact fields (yaml flow)] [strategy (yaml flow)]; GWS: the gateways' names
rollout() {
  cat <<YAML | K apply --validate=false -f - >/dev/null
apiVersion: outpost.io/v1alpha1
kind: GatewayRollout
metadata: {name: $1, namespace: default}
spec:
  gateways: {names: [${GWS:-$GWN}]}
  artifacts: [{name: ota-hello, version: "$2"${3:+, $3}}]
  strategy: {canary: 1, batchSize: 1, failureThreshold: 0${4:+, $4}}
YAML
}

echo "== demo"
if "$OUT" demo >"$ROOT/karaf-assembly/target/e2e-ota-demo.log" 2>&1; then pass "./outpost demo returns with the node Ready"; else
  fail "./outpost demo returns with the node Ready" "$(tail -5 "$ROOT/karaf-assembly/target/e2e-ota-demo.log")"; summary e2e; exit 1; fi
wait_for 60 "the cloud installed the GatewayRollout CRD" K get crd gatewayrollouts.outpost.io
check "the OTA agent runs on the gateway (feature outpost-ota booted)" contains "$(GW 'feature:list -i')" "outpost-ota"
# The second gateway boots while the artifacts are made (it joins with a token of its own).
env $G2ENV "$OUT" start gateway >"$ROOT/karaf-assembly/target/e2e-ota-gw2.log" 2>&1 &
G2_START_PID=$!

echo "== keys and artifacts"
CLOUD_ETC="$OUTPOST_HOME/cloud/etc"
check "outpost:artifact keygen makes the cloud's signing key" contains "$(CL "outpost:artifact keygen $CLOUD_ETC/outpost-ota-signing.pem")" "key id"
check "the private key is owner-only" test "$(stat -c %a "$CLOUD_ETC/outpost-ota-signing.pem")" = 600
mkdir -p "$OUTPOST_HOME/gateway/etc/outpost-ota-trusted"
cp "$CLOUD_ETC/outpost-ota-signing.pem.pub" "$OUTPOST_HOME/gateway/etc/outpost-ota-trusted/publisher.pem"
openssl genpkey -algorithm ed25519 -out "$OUTPOST_HOME/untrusted.pem" 2>/dev/null
check "an openssl key works too (untrusted on the gateway)" test -s "$OUTPOST_HOME/untrusted.pem"

if [ ! -f "$ROOT"/examples/ota-hello/target/outpost.examples.ota-hello-*.jar ]; then
  (cd "$ROOT" && ./mvnw -B -q -o -pl examples/ota-hello install -DskipTests) >/dev/null 2>&1
fi
for v in 1.0.0 1.1.0 1.3.0 1.4.0 1.5.0 1.6.0 1.7.0; do "$ROOT/examples/ota-hello/kar.sh" "$v" "$OUTPOST_HOME/kars/ota-hello-$v.kar" >/dev/null; done
"$ROOT/examples/ota-hello/kar.sh" 1.2.0 "$OUTPOST_HOME/kars/ota-hello-1.2.0.kar" --unresolvable >/dev/null
for v in 1.8.0 1.9.0; do "$ROOT/examples/ota-hello/kar.sh" "$v" "$OUTPOST_HOME/kars/ota-hello-$v.kar" --unhealthy >/dev/null; done
"$ROOT/examples/ota-hello/kar.sh" 1.10.0 "$OUTPOST_HOME/kars/ota-hello-1.10.0.kar" --failing-check >/dev/null
# 1.11.0 carries 8 MiB of noise (does not compress): a download long enough to fill the disk under it.
"$ROOT/examples/ota-hello/kar.sh" 1.11.0 "$OUTPOST_HOME/kars/ota-hello-1.11.0.kar" >/dev/null
python3 - "$OUTPOST_HOME/kars/ota-hello-1.11.0.kar" <<'PY2'
import os, sys, zipfile
with zipfile.ZipFile(sys.argv[1], "a", zipfile.ZIP_STORED) as z:
    z.writestr("repository/io/outpost/examples/ota-hello/1.11.0/noise.bin", os.urandom(8 * 1024 * 1024))
PY2
pub() { CL "outpost:artifact publish $OUTPOST_HOME/kars/ota-hello-$1.kar ota-hello $1 ${2:-}"; }
check "publish 1.0.0 (signed)" contains "$(pub 1.0.0)" "published ota-hello 1.0.0 at /artifacts/ota-hello/1.0.0"
for v in 1.1.0 1.2.0 1.5.0 1.6.0 1.7.0 1.8.0 1.9.0 1.10.0 1.11.0; do pub "$v" >/dev/null; done
pub 1.3.0 "--key $OUTPOST_HOME/untrusted.pem" >/dev/null
check "publish 1.4.0 --unsigned says so" contains "$(pub 1.4.0 --unsigned)" "(unsigned)"
list="$(CL 'outpost:artifact list')"
check "outpost:artifact list shows 12 artifacts" test "$(grep -c 'ota-hello' <<<"$list")" -eq 12
check "publishing a name with shell metacharacters is refused, saying what to fix" contains "$(CL "outpost:artifact publish $OUTPOST_HOME/kars/ota-hello-1.0.0.kar 'x;reboot' 1.0.0")" "invalid artifact name"
check "publishing other bytes as an existing version is refused" contains "$(CL "outpost:artifact publish $OUTPOST_HOME/kars/ota-hello-1.1.0.kar ota-hello 1.0.0")" "already published with other content"
check "the repository refuses a client without a certificate" bash -c \
  "curl -sk -o /dev/null -w '%{http_code}' https://127.0.0.1:$OUTPOST_BOOTSTRAP_PORT/artifacts/ota-hello/1.0.0 | grep -q 401"
check "ota-hello is not on the gateway yet" bash -c "! '$OUT' shell gateway 'feature:list -i' 2>&1 | grep -q ota-hello"
wait "$G2_START_PID"
wait_for 120 "the second gateway $GWN2 is a Ready node" bash -c \
  "[ \"\$(K get node $GWN2 -o jsonpath='{.status.conditions[?(@.type==\"Ready\")].status}')\" = True ]"
mkdir -p "$OUTPOST_HOME/gw2/etc/outpost-ota-trusted"
cp "$CLOUD_ETC/outpost-ota-signing.pem.pub" "$OUTPOST_HOME/gw2/etc/outpost-ota-trusted/publisher.pem"
check "the OTA agent runs on the second gateway" contains "$(GW2 'feature:list -i')" "outpost-ota"

echo "== a rollout installs 1.0.0"
K get gatewayrollouts -w >"$OUTPOST_HOME/watch.txt" 2>&1 &
WATCH_PID=$!
T0=$(date +%s%N)
rollout hello-v1 1.0.0
wait_for 90 "GatewayRollout hello-v1 reaches Succeeded" bash -c '[ "$(R hello-v1 {.status.phase})" = Succeeded ]'
echo "     (apply → Succeeded: $(( ($(date +%s%N) - T0) / 1000000 )) ms, kubectl polling included; per phase: $(R hello-v1 '{.status.gateways[0].millis}'))"
check "the gateway's phase is Succeeded, counts say 1 of 1" bash -c '[ "$(gwphase hello-v1)" = Succeeded ] && [ "$(R hello-v1 {.status.counts.succeeded})/$(R hello-v1 {.status.counts.total})" = 1/1 ]'
check "feature:list on the gateway shows ota-hello 1.0.0 Started" bash -c "'$OUT' shell gateway 'feature:list -i' 2>&1 | grep ota-hello | grep -q '1.0.0.*Started'"
check "the bundle's component ran (log)" grep -q "ota-hello 1.0.0 started" "$OUTPOST_HOME/gateway/data/log/karaf.log"
check "outpost:ota shows the update" contains "$(GW outpost:ota)" "Succeeded"
check "kubectl get gatewayrollouts has the printer columns" contains "$(K get gatewayrollouts)" "PHASE"
check "the GATEWAYS column summarises the gateways" contains "$(K get gatewayrollout hello-v1)" "1/1 done"
check "kubectl get -w showed the rollout progressing" grep -q "hello-v1" "$OUTPOST_HOME/watch.txt"
check "kubectl get -w showed the gateway's phases in the GATEWAYS column" bash -c "grep hello-v1 '$OUTPOST_HOME/watch.txt' | grep -Eq '$GWN (Downloading|Verifying|Installing|HealthChecking)'"
wait_for 10 "Kubernetes events name the gateway's success" bash -c "kubectl get events -n default 2>/dev/null | grep -q 'GatewaySucceeded'"
check "the artifact was served in Range requests with the gateway's certificate (files only in the agent's folder)" \
  test -d "$OUTPOST_HOME/gateway/data/outpost/ota/repo"

echo "== an upgrade to 1.1.0 by label selector; configuration survives"
GW "config:property-set -p io.outpost.e2e.ota answer 42" >/dev/null
cat <<YAML | K apply --validate=false -f - >/dev/null
apiVersion: outpost.io/v1alpha1
kind: GatewayRollout
metadata: {name: hello-v2, namespace: default}
spec:
  gateways: {selector: {matchLabels: {node-role.kubernetes.io/edge: ""}}}
  artifacts: [{name: ota-hello, version: "1.1.0"}]
  strategy: {canary: 1, batchSize: 10}
YAML
wait_for 90 "hello-v2 reaches Succeeded" bash -c '[ "$(R hello-v2 {.status.phase})" = Succeeded ]'
GW 'feature:list -i' | grep ota-hello >"$OUTPOST_HOME/features.txt"
check "feature:list shows ota-hello 1.1.0, and 1.0.0 is gone" bash -c "grep -q 1.1.0 '$OUTPOST_HOME/features.txt' && ! grep -q 1.0.0 '$OUTPOST_HOME/features.txt'"
check "configuration survived the update" contains "$(GW 'config:property-get -p io.outpost.e2e.ota answer')" "42"
check "the selector took both gateways, both Succeeded (2/2)" bash -c \
  '[ "$(R hello-v2 {.status.counts.succeeded})/$(R hello-v2 {.status.counts.total})" = 2/2 ] && [ "$(gw2phase hello-v2)" = Succeeded ]'
check "feature:list on the second gateway shows ota-hello 1.1.0 Started" bash -c "GW2 'feature:list -i' | grep ota-hello | grep -q '1.1.0.*Started'"

echo "== a feature that does not resolve is rolled back; the canary halts the rollout before the second gateway"
GW2 'feature:list' | sort >"$OUTPOST_HOME/gw2-features-before.txt"
GWS="$GWN, $GWN2" rollout hello-broken 1.2.0
wait_for 90 "the gateway ends RolledBack" bash -c '[ "$(gwphase hello-broken)" = RolledBack ]'
check "the reason names the missing package and the restored version" bash -c 'gwreason hello-broken | grep -q "io.outpost.examples.nowhere" && gwreason hello-broken | grep -q "ota-hello=1.1.0"'
wait_for 10 "the rollout is Halted (CanaryFailed)" bash -c '[ "$(R hello-broken {.status.phase})" = Halted ] && [ "$(R hello-broken {.status.reason})" = CanaryFailed ]'
check "1.1.0 still runs" bash -c "'$OUT' shell gateway 'feature:list -i' 2>&1 | grep ota-hello | grep -q '1.1.0.*Started'"
check "the message says the other gateways were not updated" contains "$(R hello-broken {.status.message})" "canary gateway $GWN failed; the other gateways were not updated"
check "the second gateway was never started: Pending, counts 1 rolled back and 1 pending of 2" bash -c \
  '[ "$(gw2phase hello-broken)" = Pending ] && [ "$(R hello-broken {.status.counts.rolledBack})/$(R hello-broken {.status.counts.pending})/$(R hello-broken {.status.counts.total})" = 1/1/2 ]'
check "outpost:ota on the second gateway shows its earlier update and no attempt of hello-broken" bash -c \
  "GW2 outpost:ota >'$OUTPOST_HOME/gw2-ota.txt'; grep -q 'default/hello-v2' '$OUTPOST_HOME/gw2-ota.txt' && ! grep -q 'hello-broken' '$OUTPOST_HOME/gw2-ota.txt'"
check "feature:list on the second gateway is unchanged (ota-hello 1.1.0 Started, nothing of 1.2.0)" bash -c \
  "GW2 'feature:list' | sort >'$OUTPOST_HOME/gw2-features-after.txt'; grep ota-hello '$OUTPOST_HOME/gw2-features-before.txt' >'$OUTPOST_HOME/gw2-hello-before.txt'; grep ota-hello '$OUTPOST_HOME/gw2-features-after.txt' | diff -q - '$OUTPOST_HOME/gw2-hello-before.txt' >/dev/null && grep -q '1.1.0.*Started' '$OUTPOST_HOME/gw2-hello-before.txt' && ! grep ota-hello '$OUTPOST_HOME/gw2-features-after.txt' | grep -q '1.2.0'"
check "kubectl get gwro shows the rolled-back gateway and its reason in the GATEWAYS column" contains "$(K get gatewayrollout hello-broken)" "$GWN RolledBack (feature ota-hello 1.2.0 did not install"
wait_for 10 "Kubernetes events: GatewayRolledBack (Warning) and the rollout's CanaryFailed (Warning)" bash -c \
  "kubectl get events -n default 2>/dev/null | grep hello-broken >'$OUTPOST_HOME/events.txt'; grep -q 'Warning.*GatewayRolledBack' '$OUTPOST_HOME/events.txt' && grep -q 'Warning.*CanaryFailed' '$OUTPOST_HOME/events.txt'"

echo "== bad artifacts are refused before anything changes"
rollout hello-untrusted 1.3.0
wait_for 60 "signed by an untrusted key: Failed, saying so" bash -c '[ "$(gwphase hello-untrusted)" = Failed ] && gwreason hello-untrusted | grep -q "not made by a key this gateway trusts"'
rollout hello-unsigned 1.4.0
wait_for 60 "unsigned: Failed, saying so" bash -c '[ "$(gwphase hello-unsigned)" = Failed ] && gwreason hello-unsigned | grep -q "not signed"'
SHA15="$(sha256sum "$OUTPOST_HOME/kars/ota-hello-1.5.0.kar" | cut -c1-64)"
python3 - "$OUTPOST_HOME/cloud/data/outpost/artifacts/blobs/$SHA15" <<'PY'
import sys
p = sys.argv[1]; b = bytearray(open(p, "rb").read()); b[len(b) // 2] ^= 0xFF; open(p, "wb").write(b)
PY
rollout hello-tampered 1.5.0
wait_for 60 "tampered on the cloud's disk: Failed on the SHA-256" bash -c '[ "$(gwphase hello-tampered)" = Failed ] && gwreason hello-tampered | grep -q "sha256 mismatch"'
SIZE16="$(stat -c %s "$OUTPOST_HOME/kars/ota-hello-1.6.0.kar")"
rollout hello-oversize 1.6.0 "size: $((SIZE16 - 100))"
wait_for 60 "larger than declared: download aborted" bash -c '[ "$(gwphase hello-oversize)" = Failed ] && gwreason hello-oversize | grep -q "not the declared"'
rollout hello-down 1.0.0
wait_for 60 "a downgrade is refused" bash -c '[ "$(gwphase hello-down)" = Failed ] && gwreason hello-down | grep -q "downgrade of ota-hello from 1.1.0 to 1.0.0 refused"'
rollout hello-evil '1.0.0;reboot'
wait_for 30 "a version with shell metacharacters: the rollout is Invalid and never sent" bash -c \
  '[ "$(R hello-evil {.status.phase})" = Invalid ] && R hello-evil {.status.message} | grep -q "invalid version"'
check "after all that, 1.1.0 still runs" bash -c "'$OUT' shell gateway 'feature:list -i' 2>&1 | grep ota-hello | grep -q '1.1.0.*Started'"
check "no file outside the agent's folder: nothing named reboot anywhere in the gateway" bash -c "! find '$OUTPOST_HOME/gateway' -name '*reboot*' | grep -q ."

echo "== pause and resume; an allowed downgrade"
rollout hello-paused 1.7.0 "" "paused: true"
wait_for 30 "a paused rollout starts no gateway" bash -c '[ "$(R hello-paused {.status.phase})" = Paused ] && [ "$(R hello-paused {.status.counts.pending})" = 1 ]'
K patch gatewayrollout hello-paused --type=merge -p '{"spec":{"strategy":{"paused":false}}}' >/dev/null
wait_for 90 "resumed, it reaches Succeeded" bash -c '[ "$(R hello-paused {.status.phase})" = Succeeded ]'
rollout hello-back 1.1.0 "" "allowDowngrade: true"
wait_for 90 "a downgrade with allowDowngrade: true succeeds" bash -c '[ "$(R hello-back {.status.phase})" = Succeeded ]'
check "feature:list shows 1.1.0 again" bash -c "'$OUT' shell gateway 'feature:list -i' 2>&1 | grep ota-hello | grep -q '1.1.0.*Started'"
check "old versions are pruned: the gateway keeps ota-hello 1.1.0 (installed) and 1.7.0 (previous) only" bash -c \
  "[ \"\$(ls '$OUTPOST_HOME/gateway/data/outpost/ota/repo' | grep '^ota-hello-' | sed -E 's/-[0-9a-f]{12}\$//' | sort | tr '\n' ' ')\" = 'ota-hello-1.1.0 ota-hello-1.7.0 ' ]"
check "no downloaded KAR is left once installed" bash -c "! ls '$DL' | grep -q '\\.kar\$'"

echo "== an update that never becomes healthy is rolled back; a restart in the middle ends consistent"
rollout hello-unhealthy 1.8.0
wait_for 90 "a DS component with an unsatisfied reference: RolledBack after the health check" bash -c \
  '[ "$(gwphase hello-unhealthy)" = RolledBack ] && gwreason hello-unhealthy | grep -Eq "unsatisfied references: (.*, )?missing"'
check "1.1.0 runs again" bash -c "'$OUT' shell gateway 'feature:list -i' 2>&1 | grep ota-hello | grep -q '1.1.0.*Started'"
rollout hello-check 1.10.0
wait_for 90 "the feature's own Felix health check reports CRITICAL: RolledBack with the check's message" bash -c \
  '[ "$(gwphase hello-check)" = RolledBack ] && gwreason hello-check | grep -q "health check .ota-hello greets. is CRITICAL: greeting table is empty" && gwreason hello-check | grep -q "ota-hello=1.1.0"'
check "1.1.0 runs after the failed check" bash -c "'$OUT' shell gateway 'feature:list -i' 2>&1 | grep ota-hello | grep -q '1.1.0.*Started'"

echo "== a real full disk in the middle of a download"
# Small ranges and no reserve, so the space check passes on a 26 MiB tmpfs and the download of
# 8 MiB takes hundreds of requests; once the .part file appears, another writer fills the disk.
GW "config:property-set -p io.outpost.edge.ota chunkBytes 16384" >/dev/null
GW "config:property-set -p io.outpost.edge.ota minFreeBytes 0" >/dev/null
mkdir -p "$DL" && rm -f "$DL"/*
if mount -t tmpfs -o size=26m outpost-e2e-ota "$DL"; then pass "a 26 MiB tmpfs is mounted over the gateway's download folder"; else fail "mounting a tmpfs over $DL (needs root, as CI runs)"; fi
( for _ in $(seq 1 3000); do ls "$DL"/*.part >/dev/null 2>&1 && break; sleep 0.01; done
  fallocate -l "$(( $(stat -f -c '%a*%S' "$DL") ))" "$DL/filler" 2>/dev/null || dd if=/dev/zero of="$DL/filler" bs=1M 2>/dev/null ) &
FILL_PID=$!
rollout hello-full 1.11.0
wait_for 90 "the disk filled mid-download: Failed, the reason says no space and that nothing changed" bash -c \
  '[ "$(gwphase hello-full)" = Failed ] && gwreason hello-full | grep -q "No space left on device" && gwreason hello-full | grep -q "the installed version stays"'
check "no partial state: no .part or .kar on the full disk" bash -c "[ \"\$(ls '$DL')\" = filler ]"
check "nothing of 1.11.0 was unpacked" bash -c "! ls '$OUTPOST_HOME/gateway/data/outpost/ota/repo' | grep -q '^ota-hello-1.11.0'"
check "1.1.0 still runs" bash -c "'$OUT' shell gateway 'feature:list -i' 2>&1 | grep ota-hello | grep -q '1.1.0.*Started'"
wait "$FILL_PID" 2>/dev/null; FILL_PID=""
umount -l "$DL"
GW "config:property-delete -p io.outpost.edge.ota chunkBytes" >/dev/null
GW "config:property-delete -p io.outpost.edge.ota minFreeBytes" >/dev/null

rollout hello-restart 1.9.0
wait_for 60 "the next update reaches HealthChecking" bash -c '[ "$(gwphase hello-restart)" = HealthChecking ]'
kill -KILL "$(cat "$OUTPOST_HOME/gateway/karaf.pid")" 2>/dev/null
sleep 1
"$OUT" start gateway >/dev/null 2>&1
wait_for 150 "killed mid-update and started again, the gateway reports RolledBack, naming the restart and the version it runs" bash -c \
  '[ "$(gwphase hello-restart)" = RolledBack ] && gwreason hello-restart | grep -q "restarted while HealthChecking" && gwreason hello-restart | grep -q "ota-hello=1.1.0"'
wait_for 60 "feature:list shows 1.1.0 only: the old version, not half" bash -c \
  "'$OUT' shell gateway 'feature:list -i' 2>&1 | grep ota-hello >'$OUTPOST_HOME/features.txt'; grep -q '1.1.0.*Started' '$OUTPOST_HOME/features.txt' && ! grep -q 1.9.0 '$OUTPOST_HOME/features.txt'"

echo "== a good rollout with batch size 1 over both gateways"
GWS="$GWN, $GWN2" rollout hello-pair 1.7.0
wait_for 150 "hello-pair reaches Succeeded" bash -c '[ "$(R hello-pair {.status.phase})" = Succeeded ]'
check "both gateways Succeeded, counts 2 of 2" bash -c \
  '[ "$(gwphase hello-pair)/$(gw2phase hello-pair)" = Succeeded/Succeeded ] && [ "$(R hello-pair {.status.counts.succeeded})/$(R hello-pair {.status.counts.total})" = 2/2 ]'
check "feature:list shows ota-hello 1.7.0 Started on the first gateway" bash -c "'$OUT' shell gateway 'feature:list -i' 2>&1 | grep ota-hello | grep -q '1.7.0.*Started'"
check "feature:list shows ota-hello 1.7.0 Started on the second gateway" bash -c "GW2 'feature:list -i' | grep ota-hello | grep -q '1.7.0.*Started'"
check "outpost:ota on the second gateway now shows hello-pair Succeeded" bash -c "GW2 outpost:ota | grep 'default/hello-pair' | grep -q Succeeded"

echo "== the gateway still installs Outpost's features offline"
check "feature:install outpost-mapper-modbus from system/" GW "feature:install outpost-mapper-modbus"
check "outpost:ota lists every update with its phase" bash -c "'$OUT' shell gateway outpost:ota 2>&1 | grep -c 'default/hello' | grep -Eq '^[89]|^1[0-9]'"

summary e2e
