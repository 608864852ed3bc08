#!/usr/bin/env bash
# End-to-end: the gateway's web console, on the built distribution started by ./outpost as a user
# would (its own state folder and ports; they do not collide with node-lifecycle.sh). The API's
# rules are checked with curl, then Debian's chromium, driven by Selenium WebDriver
# (tests/console-browser), logs in, changes the password, a setting and a feature, and writes
# screenshots to docs/screenshots/. Run under the shared lock: flock /work/wt/e2e.lock ...
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../../.." && pwd)"
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

export OUTPOST_HOME="${E2E_CONSOLE_HOME:-$ROOT/karaf-assembly/target/e2e-console}"
export OUTPOST_APISERVER_PORT=16543 OUTPOST_HUB_PORT=11100 OUTPOST_BOOTSTRAP_PORT=11102
export OUTPOST_CLOUD_SSH_PORT=18111 OUTPOST_GATEWAY_SSH_PORT=18112 OUTPOST_GATEWAY_NAME=e2e-console-gw
export OUTPOST_CONSOLE_PORT=18453
# The Pods page is first seen without the pod manager; the browser installs it.
export OUTPOST_NO_PODS=1
export KUBECONFIG="$OUTPOST_HOME/kubeconfig"
OUT="$ROOT/outpost"
URL="https://127.0.0.1:$OUTPOST_CONSOLE_PORT"
SOCKET="${OUTPOST_CRI_SOCKET:-/run/outpost-containerd/containerd.sock}"
C() { curl -sk --max-time 20 "$@"; }
code() { curl -sk --max-time 20 -o /dev/null -w '%{http_code}' "$@"; }

cleanup() {
  # the browser's pod runs in containerd, which outlives the gateway: have the gateway stop it first
  if kubectl --request-timeout=5s get pod ticker >/dev/null 2>&1; then
    kubectl --request-timeout=5s delete pod ticker --wait=false >/dev/null 2>&1
    for _ in $(seq 60); do "$OUT" shell gateway outpost:pods 2>/dev/null | grep -q ticker || break; sleep 0.5; done
  fi
  "$OUT" stop >/dev/null 2>&1 || true
}
trap cleanup EXIT
cleanup
rm -rf "$OUTPOST_HOME"

echo "== demo with the console"
if "$OUT" demo >"$ROOT/karaf-assembly/target/e2e-console-demo.log" 2>&1; then pass "./outpost demo returns with the node Ready"; else
  fail "./outpost demo returns with the node Ready" "$(tail -5 "$ROOT/karaf-assembly/target/e2e-console-demo.log")"; summary e2e; exit 1; fi
check "the demo prints the console's URL" grep -q "web console: $URL/" "$ROOT/karaf-assembly/target/e2e-console-demo.log"
wait_for 60 "the console answers over HTTPS" bash -c "[ \"\$(curl -sk -o /dev/null -w '%{http_code}' $URL/)\" = 200 ]"
check "plain HTTP gets no page" bash -c "! curl -s --max-time 5 http://127.0.0.1:$OUTPOST_CONSOLE_PORT/ | grep -q html"
cert="$(echo | openssl s_client -connect 127.0.0.1:$OUTPOST_CONSOLE_PORT 2>/dev/null | openssl x509 -noout -text 2>/dev/null)"
check "the self-signed certificate is EC P-256" contains "$cert" "prime256v1"
check "its key is under the gateway's data directory, owner-only" test "$(stat -c %a "$OUTPOST_HOME/gateway/data/outpost/console/console.key")" = 600

echo "== the API's rules (curl)"
PW="$(cat "$OUTPOST_HOME/gateway/.password")"
J="$OUTPOST_HOME/cookies"
check "without a session the API answers 401 with a JSON error" contains "$(C "$URL/api/status")" '"error":"not logged in'
login="$(C -c "$J" -X POST "$URL/api/login" -d "{\"username\":\"karaf\",\"password\":\"$PW\"}")"
check "login with the generated password works and demands a new one" contains "$login" '"mustChangePassword":true'
check "the session cookie is HttpOnly, Secure, SameSite=Strict" bash -c "curl -sk -D - -o /dev/null -X POST '$URL/api/login' -d '{\"username\":\"karaf\",\"password\":\"$PW\"}' | grep -i '^set-cookie:' | grep -q 'HttpOnly; Secure; SameSite=Strict'"
check "until then the API refuses everything else" contains "$(C -b "$J" "$URL/api/status")" "change your password first"
check "a state-changing request without the CSRF token is refused (403, JSON)" bash -c \
  "[ \"\$(curl -sk -b '$J' -o /dev/null -w '%{http_code}' -X POST '$URL/api/password' -d '{}')\" = 403 ] && curl -sk -b '$J' -X POST '$URL/api/password' -d '{}' | grep -q 'missing or wrong CSRF token'"
check "a body over the size cap is refused with 413" test "$(head -c 2000000 /dev/zero | tr '\0' 'a' | curl -sk -o /dev/null -w '%{http_code}' -X POST "$URL/api/login" --data-binary @-)" = 413
for i in 1 2 3 4 5; do C -X POST "$URL/api/login" -d '{"username":"intruder","password":"guess'$i'"}' >/dev/null; done
locked="$(C -X POST "$URL/api/login" -d '{"username":"intruder","password":"guess6"}')"
check "after 5 wrong passwords the user name is locked out (429)" contains "$locked" "too many failed logins for intruder"
check "the lockout is logged" grep -q "failed login for 'intruder'" "$OUTPOST_HOME/gateway/data/log/karaf.log"

wait_for 60 "the demo's simulated device reached the gateway (the Devices page lists it)" bash -c "'$OUT' shell gateway outpost:devices | grep -q thermometer-1"

echo "== a pod for the Pods page: bound to the gateway now, run once the browser installs outpost-pods"
check "containerd's CRI socket $SOCKET exists (.ci/containerd start)" test -S "$SOCKET"
printf 'socketPath = %s\nrequestTimeoutSeconds = 30\n' "$SOCKET" >"$OUTPOST_HOME/gateway/etc/io.outpost.runtime.cri.cfg"
cat <<YAML | kubectl --request-timeout=10s apply --validate=false -f - >/dev/null
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
check "kubectl apply of a pod bound to the gateway" kubectl --request-timeout=10s get pod ticker
check "before the browser installs it, the gateway has no pod manager" bash -c "! '$OUT' shell gateway 'feature:list -i' | grep -q '^outpost-pods '"

echo "== OTA for the OTA page: one update before the browser comes, one it watches live"
K() { kubectl --request-timeout=10s "$@"; }
CL() { "$OUT" shell cloud "$@" 2>&1; }
wait_for 60 "the cloud installed the GatewayRollout CRD" K get crd gatewayrollouts.outpost.io
check "the OTA agent runs on the gateway (feature outpost-ota booted)" contains "$("$OUT" shell gateway 'feature:list -i' 2>&1)" "outpost-ota"
mkdir -p "$OUTPOST_HOME/kars" "$OUTPOST_HOME/gateway/etc/outpost-ota-trusted"
check "outpost:artifact keygen on the cloud" contains "$(CL "outpost:artifact keygen $OUTPOST_HOME/cloud/etc/outpost-ota-signing.pem")" "key id"
cp "$OUTPOST_HOME/cloud/etc/outpost-ota-signing.pem.pub" "$OUTPOST_HOME/gateway/etc/outpost-ota-trusted/publisher.pem"
if [ ! -f "$ROOT"/examples/ota-hello/target/outpost.examples.ota-hello-*.jar ]; then
  (cd "$ROOT" && ./mvnw -B -q -o -pl examples/ota-hello install -DskipTests) >/dev/null 2>&1
fi
for v in 1.0.0 1.1.0; do
  "$ROOT/examples/ota-hello/kar.sh" "$v" "$OUTPOST_HOME/kars/ota-hello-$v.kar" >/dev/null
  check "publish ota-hello $v" contains "$(CL "outpost:artifact publish $OUTPOST_HOME/kars/ota-hello-$v.kar ota-hello $v")" "published ota-hello $v"
done
rollout_yaml() {
  printf 'apiVersion: outpost.io/v1alpha1\nkind: GatewayRollout\nmetadata: {name: %s, namespace: default}\nspec:\n  gateways: {names: [%s]}\n  artifacts: [{name: ota-hello, version: "%s"}]\n  strategy: {canary: 1, batchSize: 1}\n' \
    "$1" "$OUTPOST_GATEWAY_NAME" "$2"
}
rollout_yaml console-hello-v1 1.0.0 | K apply --validate=false -f - >/dev/null
wait_for 90 "GatewayRollout console-hello-v1 reaches Succeeded" bash -c "[ \"\$(kubectl --request-timeout=10s get gatewayrollout console-hello-v1 -o jsonpath='{.status.phase}')\" = Succeeded ]"
# the browser test applies this one with kubectl while the OTA page is open
rollout_yaml console-hello-v2 1.1.0 >"$OUTPOST_HOME/rollout-v2.yaml"

# The Bundles & features page updates an installed feature to a newer version from the gateway's
# own repositories: ota-hello 1.2.0 goes into the gateway's system/ (as a newer distribution would
# carry it) and its features repository is registered; the browser updates 1.1.0 (from the OTA
# rollout above) to it. to_system <version> [--unresolvable]
to_system() {
  "$ROOT/examples/ota-hello/kar.sh" "$1" "$OUTPOST_HOME/kars/ota-hello-$1-local.kar" ${2:-} >/dev/null
  python3 - "$OUTPOST_HOME/kars/ota-hello-$1-local.kar" "$OUTPOST_HOME/gateway/system" <<'PY2'
import os, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
for n in z.namelist():
    if n.startswith("repository/") and not n.endswith("/"):
        out = os.path.join(sys.argv[2], n[len("repository/"):])
        os.makedirs(os.path.dirname(out), exist_ok=True)
        open(out, "wb").write(z.read(n))
PY2
  "$OUT" shell gateway "feature:repo-add mvn:io.outpost.examples/ota-hello/$1/xml/features" 2>&1
}
to_system 1.2.0 >/dev/null
# a setting of ota-hello's component: the update must keep it
"$OUT" shell gateway "config:property-set -p io.outpost.examples.otahello.Greeter note kept-over-update" >/dev/null 2>&1
check "ota-hello 1.2.0 is in the gateway's system/ repository, not installed" bash -c "'$OUT' shell gateway 'feature:list' 2>&1 | grep ota-hello | grep 1.2.0 | grep -q Uninstalled"

echo "== in chromium (Selenium WebDriver, tests/console-browser)"
NEWPW="console-e2e-$(head -c 6 /dev/urandom | od -An -tx1 | tr -d ' \n')"
rm -rf "$ROOT/tests/console-browser/target/failsafe-reports"
(cd "$ROOT" && ./mvnw -B -o -q -f tests/console-browser/pom.xml verify -DskipITs=false -Dconsole.url="$URL/" -Dconsole.user=karaf \
  -Dconsole.password="$PW" -Dconsole.newPassword="$NEWPW" -Dconsole.screenshots="$ROOT/docs/screenshots" \
  -Dconsole.otaRollout="$OUTPOST_HOME/rollout-v2.yaml") \
  >"$ROOT/karaf-assembly/target/e2e-console-browser.log" 2>&1
results="$(python3 - "$ROOT/tests/console-browser/target/failsafe-reports" <<'PY'
import glob, sys, xml.etree.ElementTree as ET
for p in sorted(glob.glob(sys.argv[1] + '/TEST-*.xml')):
    for tc in ET.parse(p).getroot().iter('testcase'):
        bad = tc.find('failure') if tc.find('failure') is not None else tc.find('error')
        skipped = tc.find('skipped') is not None
        msg = '' if bad is None else (bad.get('message') or '').replace('\n', ' ')[:300]
        print(('FAIL' if bad is not None or skipped else 'PASS') + '\t' + tc.get('name') + '\t' + ('skipped' if skipped else msg))
PY
)"
if [ -z "$results" ]; then fail "the browser test ran" "$(tail -20 "$ROOT/karaf-assembly/target/e2e-console-browser.log")"; fi
while IFS=$'\t' read -r verdict name msg; do
  [ -n "$verdict" ] || continue
  if [ "$verdict" = PASS ]; then pass "browser: $name"; else fail "browser: $name" "$msg"; fi
done <<<"$results"


# Tab completion needs an interactive session: ssh with a terminal (a pty), as a user types.
# Prints what the terminal showed after the typed text and a tab. complete_over_ssh <typed> [ssh port]
complete_over_ssh() {
  python3 - "${2:-$OUTPOST_GATEWAY_SSH_PORT}" "$OUTPOST_HOME/ssh/id_rsa" "$1" <<'PY'
import os, pty, select, sys, time
port, key, typed = sys.argv[1:4]
pid, fd = pty.fork()
if pid == 0:
    os.execvp("ssh", ["ssh", "-tt", "-q", "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "BatchMode=yes",
                      "-o", "ConnectTimeout=10", "-i", key, "-p", port, "karaf@127.0.0.1"])
out = b""
def read(seconds, until=None):
    global out
    end = time.time() + seconds
    while time.time() < end and not (until and until in out):
        r, _, _ = select.select([fd], [], [], 0.2)
        if r:
            try:
                out += os.read(fd, 65536)
            except OSError:
                return
read(20, b"karaf@")                      # the prompt
mark = len(out)
os.write(fd, typed.encode() + b"\t")
read(4)
shown = out[mark:]
os.write(fd, b"\x15logout\r")          # clear the line, leave
read(2)
os.kill(pid, 9)
import re
# terminal control sequences out: what is left is the text the user saw
sys.stdout.write(re.sub(r"\x1b(\[[0-9;?]*[ -/]*[@-~]|[()][0-9A-Za-z]|[=>])", "", shown.decode("utf-8", "replace")).replace("\r", ""))
PY
}

echo "== what the browser changed, seen from outside"
askpass="$OUTPOST_HOME/askpass"
pwssh() { # password command: an SSH login with a password, no key
  printf '#!/bin/sh\necho %s\n' "$1" >"$askpass"; chmod 700 "$askpass"
  SSH_ASKPASS="$askpass" SSH_ASKPASS_REQUIRE=force DISPLAY=:0 setsid ssh -q -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
    -o PubkeyAuthentication=no -o PreferredAuthentications=password,keyboard-interactive -o NumberOfPasswordPrompts=1 \
    -o ConnectTimeout=10 -p "$OUTPOST_GATEWAY_SSH_PORT" karaf@127.0.0.1 "$2" </dev/null
}
check "SSH accepts the password chosen in the browser (one realm: etc/users.properties)" contains "$(pwssh "$NEWPW" "bundle:list -s -t 0 | grep outpost.edge.console" 2>&1)" "Active"
old_pw_refused() { ! pwssh "$PW" "bundle:list -t 0" >/dev/null 2>&1; }
check "SSH no longer accepts the generated password" old_pw_refused
check "the setting changed in the browser is in etc/io.outpost.edge.node.cfg" grep -Eq '^statusUpdateSeconds *= *I?"?7"?' "$OUTPOST_HOME/gateway/etc/io.outpost.edge.node.cfg"
check "the feature installed in the browser is installed (feature:list -i)" contains "$("$OUT" shell gateway "feature:list -i" 2>&1)" "instance"
check "the pod manager installed in the browser runs the pod (outpost:pods over SSH)" bash -c "'$OUT' shell gateway outpost:pods | grep ticker | grep -q Running"
check "the rollout the browser applied installed ota-hello 1.1.0 (outpost:ota)" bash -c "'$OUT' shell gateway outpost:ota 2>&1 | grep console-hello-v2 | grep -q Succeeded"
check "the browser's update replaced ota-hello 1.1.0 by 1.2.0 (feature:list -i)" bash -c \
  "fl=\"\$('$OUT' shell gateway 'feature:list -i' 2>&1 | grep ota-hello)\"; echo \"\$fl\" | grep -q 1.2.0 && ! echo \"\$fl\" | grep -q 1.1.0"
check "one ota-hello bundle runs after the update, version 1.2.0, Active" bash -c \
  "bl=\"\$('$OUT' shell gateway 'bundle:list -s -t 0' 2>&1 | grep ota-hello)\"; [ \"\$(echo \"\$bl\" | wc -l)\" = 1 ] && echo \"\$bl\" | grep 1.2.0 | grep -q Active"
check "ota-hello's configuration survived the update (config:list)" bash -c "'$OUT' shell gateway 'config:list \"(service.pid=io.outpost.examples.otahello.Greeter)\"' 2>&1 | grep -q kept-over-update"
check "ota-hello 1.2.0 started (gateway log)" grep -q "ota-hello 1.2.0 started" "$OUTPOST_HOME/gateway/data/log/karaf.log"
# a refused update: 1.3.0 does not resolve (it imports a package nothing exports)
to_system 1.3.0 --unresolvable >/dev/null
J2="$OUTPOST_HOME/cookies2"
csrf="$(C -c "$J2" -X POST "$URL/api/login" -d "{\"username\":\"karaf\",\"password\":\"$NEWPW\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["csrfToken"])')"
check "GET /api/features offers the update to 1.3.0 for the installed ota-hello 1.2.0" bash -c \
  "curl -sk -b '$J2' '$URL/api/features' | python3 -c 'import json,sys; f=[x for x in json.load(sys.stdin) if x[\"name\"]==\"ota-hello\" and x[\"installed\"]]; sys.exit(not (len(f)==1 and f[0][\"version\"]==\"1.2.0\" and f[0].get(\"update\")==\"1.3.0\"))'"
check "an update without the CSRF token is refused (403)" test "$(curl -sk -b "$J2" -o /dev/null -w '%{http_code}' -X POST "$URL/api/features/ota-hello/update" -d '{}')" = 403
refused="$(curl -sk -b "$J2" -H "X-CSRF-Token: $csrf" -w ' HTTP %{http_code}' -X POST "$URL/api/features/ota-hello/update" -d '{}')"
check "the unresolvable update is refused with 409" contains "$refused" "HTTP 409"
check "the refusal names the versions" contains "$refused" "updating ota-hello from 1.2.0 to 1.3.0 failed"
check "the refusal carries Karaf's reason (the package nothing exports)" contains "$refused" "io.outpost.examples.nowhere"
check "the refusal says the old version is still installed" contains "$refused" "installed now: ota-hello 1.2.0"
check "after the refused update ota-hello 1.2.0 still runs (bundle:list)" bash -c "'$OUT' shell gateway 'bundle:list -s -t 0' 2>&1 | grep ota-hello | grep 1.2.0 | grep -q Active"
check "outpost:ota over SSH shows both updates the OTA page showed" bash -c "[ \"\$('$OUT' shell gateway outpost:ota 2>&1 | grep -c 'Succeeded')\" -ge 2 ]"
tw_completion="$(complete_over_ssh 'outpost:twin default/thermo')"
check "tab completes a device name in an SSH session (outpost:twin default/thermo → thermometer-1)" contains "$tw_completion" "thermometer-1"
logs_completion="$(complete_over_ssh 'outpost:logs default/tic')"
check "tab completes a pod name in an SSH session (outpost:logs default/tic → ticker)" contains "$logs_completion" "ticker"
tok="$(CL "outpost:token --ttl 10m -d console-e2e create" | sed -n 's/^id \([^,]*\),.*/\1/p' | head -1)"
check "outpost:token create on the cloud prints the new token's id" test -n "$tok"
tok_completion="$(complete_over_ssh "outpost:token revoke ${tok:0:6}" "$OUTPOST_CLOUD_SSH_PORT")"
check "tab completes a token id in an SSH session on the cloud (outpost:token revoke ${tok:0:6} → $tok)" contains "$tok_completion" "${tok:-<no token id>}"
check "the completed id revokes the token" contains "$(CL "outpost:token revoke $tok")" "revoked $tok"
check "outpost:ota --limit 0 over SSH says what is allowed" contains "$("$OUT" shell gateway 'outpost:ota --limit 0' 2>&1)" "--limit must be from 1 to 1000"
check "outpost:ota on the cloud says it runs on a gateway" contains "$("$OUT" shell cloud outpost:ota 2>&1)" "runs on a gateway with the OTA agent"
check "outpost:twin set without a value prints its usage" contains "$("$OUT" shell gateway 'outpost:twin thermometer-1 set setpoint' 2>&1)" "usage: outpost:twin <device> set <property> <value>"
check "the desired value set in the browser is the twin's (outpost:twin)" contains "$("$OUT" shell gateway outpost:twin default/thermometer-1 2>&1)" "24.5"
for s in login change-password status status-phone configuration configuration-invalid configuration-form bundles-features bundles-update logs devices \
    devices-invalid pods-not-installed pods pods-phone pod-logs ota ota-phone; do
  check "screenshot docs/screenshots/$s.png was written" test -s "$ROOT/docs/screenshots/$s.png"
done
check "a config snapshot was taken before the change" bash -c "ls '$OUTPOST_HOME/gateway/data/outpost/console/snapshots/' | grep -q json"

summary e2e
