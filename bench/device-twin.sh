#!/usr/bin/env bash
# Device twin throughput and latency, one gateway: N simulated devices (virtual mapper) with P
# properties each, collected and reported every CYCLE ms, flow mapper → twin → edge hub → cloud →
# Device status. A watch on the Devices counts the property updates that reach the API per second
# and their latency from the moment the mapper read the value (the twin's timestamp) to the moment
# the watch delivers the status (p50/p90/p99). Then, K times, a desired value is patched and the
# time until the reported value follows is measured. Prints a table and writes it to
# bench/results/device-twin-<date>.md.
#
#   bench/device-twin.sh [DEVICES] [PROPERTIES] [CYCLE_MS] [SECONDS]     (default 100 10 100 30)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
N="${1:-100}" P="${2:-10}" CYCLE="${3:-100}" SECS="${4:-30}" K=20
export OUTPOST_HOME="${OUTPOST_HOME:-$ROOT/target/bench-devices}"
export OUTPOST_APISERVER_PORT=17463 OUTPOST_HUB_PORT=17000 OUTPOST_BOOTSTRAP_PORT=17002
export OUTPOST_CLOUD_SSH_PORT=17101 OUTPOST_GATEWAY_SSH_PORT=17102 OUTPOST_GATEWAY_NAME=bench-gw OUTPOST_GATEWAY_MQTT_PORT=17883
export KUBECONFIG="$OUTPOST_HOME/kubeconfig"
trap '"$ROOT/outpost" stop >/dev/null 2>&1 || true' EXIT
"$ROOT/outpost" demo >/dev/null
kubectl delete device thermometer-1 --ignore-not-found >/dev/null

python3 - "$N" "$P" "$CYCLE" >"$OUTPOST_HOME/bench-devices.yaml" <<'PY'
import sys
n, p, cycle = map(int, sys.argv[1:4])
props = "".join(f"""
    - {{name: p{i}, type: FLOAT, accessMode: ReadOnly}}""" for i in range(p))
print(f"""apiVersion: devices.kubeedge.io/v1beta1
kind: DeviceModel
metadata: {{name: bench-model, namespace: default}}
spec:
  protocol: virtual
  properties:{props}
    - {{name: knob, type: INT, accessMode: ReadWrite, minimum: "0", maximum: "1000000"}}""")
for d in range(n):
    dp = "".join(f"""
    - {{name: p{i}, collectCycle: {cycle}, reportCycle: {cycle}, reportToCloud: true,
       visitors: {{protocolName: virtual, configData: {{generator: sine, min: 0, max: 100, periodSeconds: {7 + i}}}}}}}""" for i in range(p))
    print(f"""---
apiVersion: devices.kubeedge.io/v1beta1
kind: Device
metadata: {{name: bench-{d}, namespace: default}}
spec:
  deviceModelRef: {{name: bench-model}}
  nodeName: bench-gw
  protocol: {{protocolName: virtual}}
  properties:{dp}
    - {{name: knob, collectCycle: 1000, reportCycle: 10000, reportToCloud: true, desired: {{value: "0"}},
       visitors: {{protocolName: virtual, configData: {{generator: register}}}}}}""")
PY
kubectl apply -f "$OUTPOST_HOME/bench-devices.yaml" >/dev/null
end=$(( $(date +%s) + 180 ))
until [ "$(kubectl get devices -o jsonpath='{range .items[*]}{.status.state}{"\n"}{end}' | grep -c online)" -ge "$N" ]; do
  [ "$(date +%s)" -lt "$end" ] || { echo "the devices did not come online within 180 s"; exit 1; }
  sleep 1
done
sleep 3
gw_pid=$(cat "$OUTPOST_HOME/gateway/karaf.pid")
cpu0=$(awk '{print $14+$15}' "/proc/$gw_pid/stat")

python3 - "$SECS" "$K" "$N" "$P" "$CYCLE" "$OUTPOST_HOME/result.txt" <<'PY'
import json, subprocess, sys, time, threading
secs, k, n, p, cycle, out = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), sys.argv[6]
w = subprocess.Popen(["kubectl", "get", "devices", "-w", "-o", "json", "--output-watch-events"], stdout=subprocess.PIPE, text=True, bufsize=1)
seen, lat, count = {}, [], [0]
knob_seen = {}
dec = json.JSONDecoder()
def reader():
    buf = ""
    for line in w.stdout:
        buf += line
        while True:
            s = buf.lstrip()
            if not s:
                buf = ""; break
            try:
                ev, end = dec.raw_decode(s)
            except ValueError:
                break
            buf = s[end:]
            now = time.time() * 1000
            o = ev.get("object", {})
            name = o.get("metadata", {}).get("name", "")
            for t in (o.get("status") or {}).get("twins") or []:
                r = t.get("reported") or {}
                ts = int((r.get("metadata") or {}).get("timestamp", "0") or 0)
                key = (name, t.get("propertyName"))
                if ts and seen.get(key) != ts:
                    seen[key] = ts
                    if measuring[0]:
                        count[0] += 1
                        lat.append(now - ts)
                if t.get("propertyName") == "knob":
                    knob_seen[name] = (r.get("value"), now)
measuring = [False]
threading.Thread(target=reader, daemon=True).start()
time.sleep(3)
measuring[0] = True
t0 = time.time(); time.sleep(secs); measuring[0] = False; el = time.time() - t0
rate = count[0] / el
lat.sort()
pc = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))] if lat else float("nan")
# desired -> reported
dl = []
for i in range(1, k + 1):
    dev = f"bench-{i % n}"
    t = time.time() * 1000
    subprocess.run(["kubectl", "patch", "device", dev, "--type=json", "-p",
                    json.dumps([{"op": "replace", "path": f"/spec/properties/{p}/desired/value", "value": str(1000 + i)}])],
                   check=True, stdout=subprocess.DEVNULL)
    while knob_seen.get(dev, ("", 0))[0] != str(1000 + i):
        if time.time() * 1000 - t > 15000:
            break
        time.sleep(0.005)
    dl.append(knob_seen.get(dev, ("", t + 15000))[1] - t)
dl.sort()
dp = lambda q: dl[min(len(dl) - 1, int(q * len(dl)))]
w.kill()
with open(out, "w") as f:
    f.write(f"{n}|{p}|{cycle}|{el:.0f}|{n*p*1000/cycle:.0f}|{rate:.0f}|{pc(.5):.0f}|{pc(.9):.0f}|{pc(.99):.0f}|{dp(.5):.0f}|{dp(.99):.0f}\n")
PY
cpu1=$(awk '{print $14+$15}' "/proc/$gw_pid/stat")
rss=$(awk '/^VmRSS:/ {print int($2/1024)}' "/proc/$gw_pid/status")
IFS='|' read -r n p cyc el offered rate p50 p90 p99 d50 d99 <"$OUTPOST_HOME/result.txt"
cpu=$(awk "BEGIN {printf \"%.0f\", ($cpu1-$cpu0)/$(getconf CLK_TCK)/($el+30)*100}")
mkdir -p "$ROOT/bench/results"
f="$ROOT/bench/results/device-twin-$(date +%Y%m%d).md"
{
  echo "# Device twin throughput and latency ($(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cores, one machine: API server, cloud and gateway)"
  echo
  echo "Command: \`bench/device-twin.sh $N $P $CYCLE $SECS\`"
  echo
  echo "| devices | properties each | cycle ms | offered updates/s | property updates/s in the API | latency p50 ms | p90 ms | p99 ms | desired→reported p50 ms | p99 ms | gateway CPU % (approx.) | gateway RSS MiB |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
  echo "| $n | $p | $cyc | $offered | $rate | $p50 | $p90 | $p99 | $d50 | $d99 | $cpu | $rss |"
  echo
  echo "Latency: from the mapper's read (the twin's timestamp) to the Device status delivered by a watch. It includes waiting for the next report cycle (up to one cycle) and the twin's 100 ms tick. desired→reported: kubectl patch of desired.value until the watch shows the reported value ($K samples)."
} | tee -a "$f"
