#!/usr/bin/env bash
# End-to-end: the container runtime feature in a real gateway. Starts an unjoined gateway of the
# built distribution (its own state folder and SSH port), points it at the containerd of
# .ci/containerd (OUTPOST_CRI_SOCKET, as .ci/test-all sets it), installs the feature
# outpost-runtime-cri from the distribution's own system repository, and checks that the
# ContainerRuntime service is registered and that containerd answered it.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../../.." && pwd)"
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

export OUTPOST_HOME="${E2E_HOME:-$ROOT/karaf-assembly/target/e2e-cri}"
export OUTPOST_GATEWAY_SSH_PORT=18122 OUTPOST_GATEWAY_NAME=e2e-cri-gw OUTPOST_NO_AUTOJOIN=1
# The runtime feature on its own: without the pod manager, which would keep it installed.
export OUTPOST_NO_PODS=1
export OUTPOST_HUB_PORT=11100 OUTPOST_BOOTSTRAP_PORT=11102
SOCKET="${OUTPOST_CRI_SOCKET:-/run/outpost-containerd/containerd.sock}"
OUT="$ROOT/outpost"
GW="$OUTPOST_HOME/gateway"
LOG="$GW/data/log/karaf.log"
sh_gw() { "$OUT" shell gateway "$@"; }

cleanup() { "$OUT" stop gateway >/dev/null 2>&1 || true; }
trap cleanup EXIT
cleanup
rm -rf "$OUTPOST_HOME"

echo "== containerd"
check "containerd's CRI socket $SOCKET exists (.ci/containerd start)" test -S "$SOCKET"

echo "== a gateway with the feature outpost-runtime-cri"
if "$OUT" start gateway >"$ROOT/karaf-assembly/target/e2e-cri-start.log" 2>&1; then pass "an unjoined gateway starts"; else
  fail "an unjoined gateway starts" "$(tail -5 "$ROOT/karaf-assembly/target/e2e-cri-start.log")"; summary e2e; exit 1; fi
printf 'socketPath = %s\nrequestTimeoutSeconds = 30\n' "$SOCKET" >"$GW/etc/io.outpost.runtime.cri.cfg"
wait_for 90 "the gateway's shell answers" sh_gw "bundle:list -t 0 outpost.edge.hub"
check "feature:install outpost-runtime-cri (offline, from system/)" sh_gw "feature:install outpost-runtime-cri"
wait_for 30 "the ContainerRuntime service is registered, configured with the socket" \
  bash -c "out=\"\$('$OUT' shell gateway 'service:list io.outpost.runtime.api.ContainerRuntime' 2>&1)\"; grep -q 'outpost.runtime = cri' <<<\"\$out\" && grep -q '$SOCKET' <<<\"\$out\""
wait_for 30 "containerd answered the gateway over CRI (its version is in the log)" \
  grep -Eq "container runtime: containerd [^ ]+ \(CRI v1\) on $SOCKET" "$LOG"
check "the epoll native transport was loaded inside OSGi (no fallback, no error)" \
  bash -c "! grep -Eq 'epoll transport, which is not available|no answer yet on $SOCKET' '$LOG'"
check "feature:uninstall outpost-runtime-cri" sh_gw "feature:uninstall outpost-runtime-cri"
wait_for 20 "the ContainerRuntime service is gone" \
  bash -c "! '$OUT' shell gateway 'service:list io.outpost.runtime.api.ContainerRuntime' 2>&1 | grep -q 'outpost.runtime = cri'"

summary e2e
