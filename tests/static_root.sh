#!/usr/bin/env bash
# dist/k6 (fully static) in an empty root filesystem, as in a scratch or
# distroless image or k6-operator's pods: the root holds only the binary, a
# static busybox (the `sh` k6-operator's initializer runs), /etc/hosts and
# the four device nodes a container runtime always creates.
# No NSS libraries, no CA certificates, no /etc/resolv.conf.
#   1. what k6-operator's initializer runs, with the TestRun's `arguments`
#      (deploy/k6-operator/testrun.yaml): `k6 archive` and
#      `k6 inspect --execution-requirements` of examples/invoke.js;
#   2. `k6 run` of the example and of its archive against the local emulator,
#      reached by a host name that only /etc/hosts knows, over http://;
#   3. both transports by host name (tests/e2e/hostname.js).
# Environment: WATCH_URL (cargo lambda watch on 127.0.0.1), K6 (dist/k6).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
source scripts/lib.sh
: "${WATCH_URL:?set WATCH_URL}"
K6=${K6:-dist/k6}
[ -x "$K6" ] || die "$K6 is missing: run scripts/release.sh"
[[ $(ldd "$K6" 2>&1 || true) == *"not a dynamic executable"* ]] || die "$K6 is not static"
if [[ ! -x /bin/busybox || $(ldd /bin/busybox 2>&1 || true) != *"not a dynamic executable"* ]]; then
  log "installing busybox-static (Debian)"
  apt_install busybox-static || die "cannot install busybox-static"
fi

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,dev,etc,scripts,tmp}
chmod 1777 "$root/tmp"
# The device nodes every container runtime provides.
mknod -m 666 "$root/dev/null" c 1 3
mknod -m 666 "$root/dev/zero" c 1 5
mknod -m 666 "$root/dev/random" c 1 8
mknod -m 666 "$root/dev/urandom" c 1 9
cp "$K6" "$root/bin/k6"
cp /bin/busybox "$root/bin/busybox"
ln -s busybox "$root/bin/sh"
printf '127.0.0.1 localhost\n127.0.0.1 lambda.internal.test\n' >"$root/etc/hosts"
cp examples/invoke.js tests/e2e/hostname.js tests/e2e/lib.js "$root/scripts/"

port=${WATCH_URL##*:}
endpoint="http://lambda.internal.test:$port"
keys=(-e AWS_REGION=us-east-1 -e AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE
  -e AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY -e "LAMBDA_ENDPOINT=$endpoint")
# in_root COMMAND: runs a shell command in the root, with nothing of this
# machine's environment.
in_root() { chroot "$root" /bin/sh -c "$1" </dev/null; }
# Only the variables k6 reads: nothing of this machine's AWS setup.
export_env='export PATH=/bin HOME=/tmp K6_NO_USAGE_REPORT=true;'

arguments=$(python3 -c 'import sys, yaml; print(yaml.safe_load(open(sys.argv[1]))["spec"]["arguments"])' \
  deploy/k6-operator/testrun.yaml)
log "initializer, with the TestRun's arguments: $arguments"
in_root "$export_env k6 archive $arguments -O /tmp/archive.tar /scripts/invoke.js &&
  k6 inspect --execution-requirements $arguments /tmp/archive.tar >/tmp/requirements.json &&
  k6 inspect /scripts/invoke.js >/dev/null"
grep -q '"iterations": 20' "$root/tmp/requirements.json" || die "unexpected requirements: $(cat "$root/tmp/requirements.json")"
log "initializer, with no -e at all"
in_root "$export_env k6 inspect /scripts/invoke.js >/dev/null && k6 archive -O /tmp/bare.tar /scripts/invoke.js"

log "k6 run of the example and of its archive by host name ($endpoint)"
in_root "$export_env k6 run --quiet ${keys[*]} /scripts/invoke.js"
in_root "$export_env k6 run --quiet ${keys[*]} /tmp/archive.tar"
log "both transports by host name"
in_root "$export_env k6 run --quiet ${keys[*]} /scripts/hostname.js"
log "static root: all passed"
