#!/usr/bin/env bash
# k6's network options against LambdaClient, both transports
# (tests/e2e/network_policy.js): blacklistIPs, blockHostnames, hosts,
# dns.policy, insecureSkipTLSVerify, tlsVersion, localIPs (--local-ips) and
# the proxies of k6's environment. k6's options are global: one k6 run per
# option set (CASE), each with only its own proxy variables. Every case
# runs, then this fails if any did.
#
# It starts its own tests/lambdaserver with every listener: plain, TLS (up
# to 1.3), TLS up to 1.2, and the proxy (credentials user:pass). Under
# blacklistIPs 127.0.0.0/8, k6/http cannot read the server's stats, so this
# script checks that the server saw nothing at all during that run.
#
# blacklist-mapped-dns needs names the system resolver answers with an
# IPv4-mapped IPv6 address: k6 runs in a mount namespace of its own
# (unshare) where /etc/hosts is a copy with those names added, so
# getaddrinfo (the extension's) and Go's resolver (k6/http's) both see them.
#
# Environment: K6 (default build/k6).
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=scripts/lib.sh
. scripts/lib.sh
K6=${K6:-build/k6}

scratch_dir_with_server
work=$WORK

start_lambdaserver "$work" \
  -tls-listen 127.0.0.1:0 -tls-port-file "$work/tls-port" \
  -tls12-listen 127.0.0.1:0 -tls12-port-file "$work/tls12-port" \
  -proxy-listen 127.0.0.1:0 -proxy-port-file "$work/proxy-port" -proxy-auth user:pass
url=$LAMBDASERVER_URL
tls_url="https://127.0.0.1:$(cat "$work/tls-port")"
tls12_url="https://127.0.0.1:$(cat "$work/tls12-port")"
proxy="127.0.0.1:$(cat "$work/proxy-port")"

# The server's counters that anything reaching it moves, on one line.
server_counts() {
  curl -sf --noproxy '*' "$url/_test/stats" | python3 -c 'import json, sys
s = json.load(sys.stdin)
print(" ".join(f"{k}={s[k]}" for k in ("invocations", "urlRequests", "tlsHellos", "proxyConnects", "proxyForwards", "proxyAuthFailures")))'
}

# The system's /etc/hosts, plus names that have an IPv4-mapped address only.
mapped_hosts=$work/hosts
{
  cat /etc/hosts
  echo '::ffff:127.0.0.1 mapped-dns.lambda.test'
  echo '::ffff:7f00:1 hex-dns.lambda.test'
} >"$mapped_hosts"
unshare --user --map-root-user --mount true ||
  die "unshare (user and mount namespaces) is needed for blacklist-mapped-dns"

passed=()
failed=()
# run_case CASE [VAR=VALUE...] [-- k6 flags...]: one k6 run, with no proxy
# variable but those given. With UNTOUCHED=1, the server must count nothing
# during the run. With HOSTS_FILE, k6 sees that file as /etc/hosts.
run_case() {
  local name=$1 vars=() flags=() before after status=0 runner=()
  shift
  if [ -n "${HOSTS_FILE:-}" ]; then
    # shellcheck disable=SC2016 # expanded by that sh
    runner=(unshare --user --map-root-user --mount sh -c 'mount --bind "$0" /etc/hosts && exec "$@"' "$HOSTS_FILE")
  fi
  while [ $# -gt 0 ] && [ "$1" != -- ]; do
    vars+=("$1")
    shift
  done
  [ $# -eq 0 ] || shift
  flags=("$@")
  log "network policy: $name ${vars[*]} ${flags[*]}"
  before=$(server_counts)
  "${runner[@]}" env -u HTTP_PROXY -u http_proxy -u HTTPS_PROXY -u https_proxy -u NO_PROXY -u no_proxy \
    -u ALL_PROXY -u all_proxy -u REQUEST_METHOD "${vars[@]}" \
    "$K6" run --quiet --no-usage-report --address '' "${flags[@]}" -e CASE="$name" \
    -e LAMBDA_ENDPOINT="$url" -e LAMBDA_TLS_ENDPOINT="$tls_url" -e LAMBDA_TLS12_ENDPOINT="$tls12_url" \
    tests/e2e/network_policy.js || status=$?
  if [ "${UNTOUCHED:-0}" = 1 ]; then
    after=$(server_counts)
    if [ "$before" != "$after" ]; then
      echo "$name: the server was reached: before: $before; after: $after" >&2
      status=1
    fi
  fi
  if [ "$status" -eq 0 ]; then
    passed+=("$name")
  else
    echo "FAIL: $name (tests/e2e/network_policy.js)" >&2
    failed+=("$name")
  fi
}

UNTOUCHED=1 run_case blacklist
UNTOUCHED=1 run_case blacklist-mapped
UNTOUCHED=1 HOSTS_FILE=$mapped_hosts run_case blacklist-mapped-dns
run_case blacklist-other
run_case block
run_case hosts
run_case dns-only-ipv6
run_case dns-prefer-ipv6
run_case dns-only-ipv4
run_case tls-verify
run_case tls-insecure
run_case tls-min-1.3
run_case tls-max-1.2
run_case local-ips -- --local-ips 127.0.0.2
run_case proxy-http HTTP_PROXY="http://user:pass@$proxy"
run_case proxy-https https_proxy="http://user:pass@$proxy"
run_case proxy-no-proxy HTTP_PROXY="http://user:pass@$proxy" NO_PROXY=lambda.test
run_case proxy-auth-refused HTTPS_PROXY="http://user:wrong@$proxy"
run_case proxy-unsupported HTTPS_PROXY=socks5://127.0.0.1:9

echo "network policy: ${#passed[@]} passed${passed[*]:+ (${passed[*]})}, ${#failed[@]} failed${failed[*]:+ (${failed[*]})}"
[ "${#failed[@]}" -eq 0 ]
