#!/usr/bin/env bash
# Builds Outpost's container images locally, as OCI image archives, from Debian's busybox-static
# (no registry is needed or contacted):
#   outpost.local/busybox:1.0  busybox with its applets linked in /bin; default command: sh
#   outpost.local/pause:1.0    the pod sandbox image: a shell that sleeps until SIGTERM/SIGINT
#                              and reaps orphans while it waits
# The archives go to target/images/<name>.tar (reproducible: same busybox, same bytes).
#
#   examples/images/build.sh                     build only
#   examples/images/build.sh --import SOCKET     build, then import into containerd's k8s.io
#                                                namespace (what CRI uses) through ctr
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
OUT="$ROOT/target/images"
BUSYBOX=/bin/busybox
TAG=1.0

die() { echo "images: $*" >&2; exit 1; }
[ -x "$BUSYBOX" ] && dpkg -S "$BUSYBOX" 2>/dev/null | grep -q '^busybox-static:' \
  || die "$BUSYBOX is not Debian's busybox-static; apt-get install busybox-static"
case "$(dpkg --print-architecture)" in
  amd64) ARCH=amd64 ;; arm64) ARCH=arm64 ;; *) die "unsupported architecture $(dpkg --print-architecture)" ;;
esac

sha() { sha256sum "$1" | cut -d' ' -f1; }
size() { stat -c %s "$1"; }

# build NAME 'JSON array of the default command'
build() {
  local name="$1" cmd="$2" work rootfs blobs
  work="$(mktemp -d)"; rootfs="$work/rootfs"; blobs="$work/oci/blobs/sha256"
  mkdir -p "$rootfs"/{bin,etc,proc,sys,dev,tmp,root,var} "$blobs"
  install -m 0755 "$BUSYBOX" "$rootfs/bin/busybox"
  for applet in $("$BUSYBOX" --list); do
    [ "$applet" = busybox ] || ln -sf busybox "$rootfs/bin/$applet"
  done
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' > "$rootfs/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' > "$rootfs/etc/group"
  chmod 1777 "$rootfs/tmp"

  # One layer; fixed owners, order and times so that the digest only depends on busybox.
  tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -C "$rootfs" -cf "$work/layer.tar" .
  local diff_id; diff_id="$(sha "$work/layer.tar")"
  gzip -n -9 < "$work/layer.tar" > "$work/layer.tar.gz"
  local layer; layer="$(sha "$work/layer.tar.gz")"
  cp "$work/layer.tar.gz" "$blobs/$layer"

  printf '{"architecture":"%s","os":"linux","config":{"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],"Cmd":%s,"WorkingDir":"/"},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]},"history":[{"created_by":"outpost examples/images/build.sh from Debian busybox-static"}]}' \
    "$ARCH" "$cmd" "$diff_id" > "$work/config.json"
  local config; config="$(sha "$work/config.json")"
  cp "$work/config.json" "$blobs/$config"

  printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%d},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:%s","size":%d}]}' \
    "$config" "$(size "$work/config.json")" "$layer" "$(size "$work/layer.tar.gz")" > "$work/manifest.json"
  local manifest; manifest="$(sha "$work/manifest.json")"
  cp "$work/manifest.json" "$blobs/$manifest"

  printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%d,"platform":{"architecture":"%s","os":"linux"},"annotations":{"io.containerd.image.name":"outpost.local/%s:%s","org.opencontainers.image.ref.name":"%s"}}]}' \
    "$manifest" "$(size "$work/manifest.json")" "$ARCH" "$name" "$TAG" "$TAG" > "$work/oci/index.json"
  printf '{"imageLayoutVersion":"1.0.0"}' > "$work/oci/oci-layout"

  mkdir -p "$OUT"
  tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -C "$work/oci" -cf "$OUT/$name.tar" .
  rm -rf "$work"
  echo "images: built outpost.local/$name:$TAG ($OUT/$name.tar, manifest sha256:${manifest:0:12})"
}

build busybox '["sh"]'
# PID 1 of the sandbox: exits on TERM/INT; 'wait' reaps whatever gets orphaned into the pod.
build pause '["/bin/sh","-c","trap \"exit 0\" TERM INT; while true; do sleep 86400 & wait $!; done"]'

if [ "${1:-}" = --import ]; then
  socket="${2:?--import needs the containerd socket}"
  for name in busybox pause; do
    ctr --address "$socket" -n k8s.io images import --platform "linux/$ARCH" "$OUT/$name.tar" >/dev/null \
      || die "could not import $OUT/$name.tar into containerd at $socket"
    echo "images: imported outpost.local/$name:$TAG into containerd (namespace k8s.io)"
  done
fi
