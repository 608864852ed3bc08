#!/usr/bin/env bash
# Packs examples/ota-hello as a KAR of feature 'ota-hello' at any version, for OTA demos and tests:
#   examples/ota-hello/kar.sh <version> <out.kar> [--unresolvable|--unhealthy|--failing-check]
# The bundle built by Maven (target/*.jar) is re-stamped with Bundle-Version <version>.
# --unresolvable adds an import of a package nothing exports: the feature then does not resolve
# on a gateway (the rollout ends RolledBack there). --unhealthy gives the DS component a mandatory
# reference to a service nobody offers: it installs, but never passes the health check.
# --failing-check makes the feature's own Felix health check (GreeterCheck, tagged ota-hello)
# report CRITICAL "greeting table is empty": everything is Active, the check rolls it back.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
[ $# -ge 2 ] || { echo "usage: $0 <version> <out.kar> [--unresolvable|--unhealthy|--failing-check]" >&2; exit 2; }
VERSION="$1" OUTFILE="$2" BROKEN="${3:-}"
JAR="$(ls "$HERE"/target/outpost.examples.ota-hello-*.jar 2>/dev/null | grep -v -- '-sources\|-tests' | head -1 || true)"
[ -n "$JAR" ] || { echo "build it first: ./mvnw -q -pl examples/ota-hello install" >&2; exit 1; }
python3 - "$JAR" "$VERSION" "$OUTFILE" "$BROKEN" <<'PY'
import io, re, sys, zipfile
jar, version, out, broken = sys.argv[1:5]
if not re.fullmatch(r"\d+(\.\d+){0,2}(\.[A-Za-z0-9_-]+)?", version):
    sys.exit("invalid version " + version)
src = zipfile.ZipFile(jar)
buf = io.BytesIO()
with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as dst:
    for item in src.infolist():
        data = src.read(item.filename)
        if item.filename == "META-INF/MANIFEST.MF":
            text = data.decode("utf-8").replace("\r\n", "\n").replace("\n ", "")  # unfold continuation lines
            text = re.sub(r"(?m)^Bundle-Version: .*$", "Bundle-Version: " + version, text)
            if broken == "--unresolvable":
                text = re.sub(r"(?m)^Import-Package: (.*)$", r'Import-Package: \1,io.outpost.examples.nowhere;version="[1,2)"', text)
            lines = []
            for line in text.replace("\r\n", "\n").split("\n"):
                b = line.encode("utf-8")
                first = True
                while len(b) > (72 if first else 71):
                    cut = 72 if first else 71
                    lines.append((b"" if first else b" ") + b[:cut]); b = b[cut:]; first = False
                lines.append((b"" if first else b" ") + b)
            data = b"\r\n".join(lines)
        if broken == "--unhealthy" and item.filename.startswith("OSGI-INF/") and item.filename.endswith(".xml"):
            data = data.decode("utf-8").replace("<implementation", '<reference name="missing" interface="io.outpost.examples.NobodyOffersThis"/><implementation', 1).encode("utf-8")
        if broken == "--failing-check" and item.filename.endswith("GreeterCheck.xml"):
            data = data.decode("utf-8").replace('name="failWith" type="String" value=""', 'name="failWith" type="String" value="greeting table is empty"', 1).encode("utf-8")
        dst.writestr(item.filename, data)
base = "repository/io/outpost/examples/ota-hello/%s/" % version
features = """<?xml version="1.0" encoding="UTF-8"?>
<features xmlns="http://karaf.apache.org/xmlns/features/v1.6.0" name="ota-hello-%s">
  <feature name="ota-hello" version="%s" description="OTA example: one bundle, one DS component">
    <feature>scr</feature>
    <bundle dependency="true">mvn:org.apache.felix/org.apache.felix.healthcheck.api/2.0.4</bundle>
    <bundle>mvn:io.outpost.examples/ota-hello/%s</bundle>
  </feature>
</features>
""" % (version, version, version)
with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as kar:
    kar.writestr(base + "ota-hello-%s.jar" % version, buf.getvalue())
    kar.writestr(base + "ota-hello-%s-features.xml" % version, features)
print(out)
PY
