#!/usr/bin/env bash
# What k6-operator does with `parallelism: 3`: one test split over three k6
# instances with --execution-segment / --execution-segment-sequence, each on
# its own host. Here each host is a network namespace, linked to the test
# server's namespace by a veth pair on a bridge. The instances together must
# make exactly the invocations one undivided run makes: the same iterations,
# none twice, none lost, every check passed.
#
# Addresses: 127.77.0.0/24, a loopback range, on the veths (route_localnet
# on, and `lo` narrowed to 127.0.0.1/32 so that the rest of 127/8 routes to
# the link): traffic stays on this machine, between namespaces made here.
# Environment: K6 (default build/k6).
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=scripts/lib.sh
source scripts/lib.sh
K6=${K6:-$PWD/build/k6}
[ -x "$K6" ] || die "$K6 is missing: run scripts/build.sh"
command -v ip >/dev/null || apt_install iproute2 || die "cannot install iproute2"

id=$$
server_ns=xl-srv-$id
instance_ns=(xl-k6a-$id xl-k6b-$id xl-k6c-$id)
server_ip=127.77.0.1
port=9000
endpoint=http://$server_ip:$port
work=$(mktemp -d)
server_pid=""
cleanup() {
  set +e
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  for ns in "$server_ns" "${instance_ns[@]}"; do ip netns del "$ns" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

in_ns() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

# A host: `lo` for 127.0.0.1 only, route_localnet on everywhere.
make_host() {
  ip netns add "$1"
  in_ns "$1" ip link set lo up
  in_ns "$1" ip addr del 127.0.0.1/8 dev lo
  in_ns "$1" ip addr add 127.0.0.1/32 dev lo
  in_ns "$1" sysctl -qw net.ipv4.conf.all.route_localnet=1 net.ipv4.conf.default.route_localnet=1
}

make_host "$server_ns"
in_ns "$server_ns" ip link add br0 type bridge
in_ns "$server_ns" ip addr add "$server_ip/24" dev br0
in_ns "$server_ns" ip link set br0 up
for i in 0 1 2; do
  ns=${instance_ns[$i]}
  make_host "$ns"
  ip link add "k6-$i" netns "$ns" type veth peer name "srv-$i" netns "$server_ns"
  in_ns "$server_ns" ip link set "srv-$i" master br0 up
  in_ns "$ns" ip addr add "127.77.0.1$i/24" dev "k6-$i"
  in_ns "$ns" ip link set "k6-$i" up
done

(cd tests/lambdaserver && go build -o "$work/lambdaserver" .)
in_ns "$server_ns" "$work/lambdaserver" -addr "$server_ip:$port" >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 50); do
  in_ns "${instance_ns[0]}" bash -c "exec 3<>/dev/tcp/$server_ip/$port" 2>/dev/null && break
  sleep 0.1
done

# records: the server's {payload: count} of the record function, as JSON,
# read (and cleared) from instance 0's host.
take_records() {
  in_ns "${instance_ns[0]}" python3 -c '
import json, sys, urllib.request
request = urllib.request.Request(sys.argv[1] + "/_test/reset", method="POST")
print(json.dumps(json.load(urllib.request.urlopen(request, timeout=10))["recorded"], sort_keys=True))
' "$endpoint"
}
take_records >/dev/null

run_k6() {
  local ns=$1
  shift
  in_ns "$ns" "$K6" run --quiet -e LAMBDA_ENDPOINT="$endpoint" "$@" tests/e2e/segments.js
}

log "one undivided run, from ${instance_ns[0]}"
run_k6 "${instance_ns[0]}" >"$work/whole.log" 2>&1 || { cat "$work/whole.log" >&2; die "the undivided run failed"; }
take_records >"$work/whole.json"

# SEGMENTS and SEGMENT_SEQUENCE override them, to see this test fail.
read -r -a segments <<<"${SEGMENTS:-0:1/3 1/3:2/3 2/3:1}"
sequence=${SEGMENT_SEQUENCE:-0,1/3,2/3,1}
log "three instances at once, one per host: segments ${segments[*]}, sequence $sequence"
pids=()
for i in 0 1 2; do
  run_k6 "${instance_ns[$i]}" --execution-segment "${segments[$i]}" \
    --execution-segment-sequence "$sequence" --summary-export "$work/part$i.summary.json" \
    >"$work/part$i.log" 2>&1 &
  pids+=($!)
done
for i in 0 1 2; do
  wait "${pids[$i]}" || { cat "$work/part$i.log" >&2; die "instance $i (${segments[$i]}) failed"; }
done
take_records >"$work/split.json"

python3 - "$work/whole.json" "$work/split.json" "$work"/part{0,1,2}.summary.json <<'PY'
import json, sys
whole, split = (json.load(open(path)) for path in sys.argv[1:3])
# What each instance counted itself (its lambda_invocations samples).
parts = [int(json.load(open(path))["metrics"]["lambda_invocations"]["count"]) for path in sys.argv[3:]]
total = lambda records: sum(records.values())
twice = lambda records: sorted(p for p, n in records.items() if n != 1)
problems = []
if total(whole) != 300 or twice(whole):
    problems.append(f"the undivided run: {total(whole)} invocations, repeated: {twice(whole)[:5]}")
if twice(split):
    problems.append(f"invoked more than once across instances: {twice(split)[:5]}")
missing, extra = sorted(set(whole) - set(split)), sorted(set(split) - set(whole))
if missing or extra:
    problems.append(f"missing {missing[:5]} ({len(missing)}), extra {extra[:5]} ({len(extra)})")
if parts != [100, 100, 100] or sum(parts) != total(split):
    problems.append(f"the instances counted {parts}, the server {total(split)}")
if problems:
    sys.exit("segments: " + "; ".join(problems))
print(f"segments: {total(whole)} invocations in one run; {'+'.join(map(str, parts))} by three "
      "instances; the same payloads, none twice")
PY
