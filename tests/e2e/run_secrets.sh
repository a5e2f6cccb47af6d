#!/usr/bin/env bash
# Passwords never reach k6's output (issue 20, item 2): tests/e2e/secrets.js
# plants one in endpoints, function URLs, HTTPS_PROXY / HTTP_PROXY and a
# credential_process's stderr, logs every outcome whole, and this script
# searches k6's whole output (stdout and stderr) for it. One k6 run per
# case (secrets.js, CASE), each with only its own proxy variables; the
# credential_process is a profile of a config file of its own.
#
# Environment: K6 (default build/k6). Starts its own tests/lambdaserver
# (TLS listener, and a proxy that wants user:pass).
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=scripts/lib.sh
source scripts/lib.sh
K6=${K6:-build/k6}
SECRET=s3cretPW

scratch_dir_with_server
work=$WORK
start_lambdaserver "$work" -tls-listen 127.0.0.1:0 -tls-port-file "$work/tls-port" \
  -proxy-listen 127.0.0.1:0 -proxy-port-file "$work/proxy-port" -proxy-auth user:pass
tls_url="https://127.0.0.1:$(cat "$work/tls-port")"
proxy="127.0.0.1:$(cat "$work/proxy-port")"

# A profile whose credential_process writes the password to stderr and
# fails, as a broken helper might (a token in its error message).
cat >"$work/config" <<CONFIG
[profile leaky]
region = us-east-1
credential_process = echo "helper failed: token=$SECRET" 1>&2; exit 3
CONFIG

failed=()
# run_case CASE [VAR=VALUE...]: one k6 run; fails when the run fails or
# when the password is anywhere in its output.
run_case() {
  local name=$1 out="$work/$1.out" status=0
  shift
  log "secrets: $name $*"
  env -u HTTP_PROXY -u http_proxy -u HTTPS_PROXY -u https_proxy -u NO_PROXY -u no_proxy \
    -u ALL_PROXY -u all_proxy -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY -u AWS_SESSION_TOKEN \
    -u AWS_REGION -u AWS_DEFAULT_REGION AWS_EC2_METADATA_DISABLED=true \
    AWS_CONFIG_FILE="$work/config" AWS_SHARED_CREDENTIALS_FILE="$work/none" AWS_PROFILE=leaky "$@" \
    "$K6" run --no-usage-report --address '' -e CASE="$name" -e SECRET="$SECRET" \
    -e LAMBDA_ENDPOINT="$LAMBDASERVER_URL" -e LAMBDA_TLS_ENDPOINT="$tls_url" \
    tests/e2e/secrets.js >"$out" 2>&1 || status=$?
  if grep -n -F "$SECRET" "$out" >"$work/$name.leaks"; then
    echo "FAIL: $name: the password is in k6's output, $(wc -l <"$work/$name.leaks") lines:" >&2
    cut -c1-400 "$work/$name.leaks" >&2
    status=1
  elif [ "$status" -ne 0 ]; then
    echo "FAIL: $name: k6 exited with $status:" >&2
    grep -E 'level=(info|error)' "$out" | cut -c1-400 >&2 || tail -20 "$out" >&2
  else
    echo "ok: $name: $(grep -c 'level=info' "$out") outcomes logged, the password in none"
  fi
  [ "$status" -eq 0 ] || failed+=("$name")
}

run_case urls
run_case proxy-invalid HTTPS_PROXY="https://user:$SECRET@proxy.example:3128"
run_case proxy-refused HTTPS_PROXY="http://user:$SECRET@$proxy" HTTP_PROXY="http://user:$SECRET@$proxy"

# proxy-refused's endpoints are http://lambda.test (through the proxy), not
# loopback: k6 warned, once, that credentials go there unencrypted; the
# loopback endpoints of urls gave no warning.
warned() { grep -c 'level=warning.*is not loopback' "$work/$1.out" || true; }
if [ "$(warned proxy-refused)" != 1 ] || [ "$(warned urls)" != 0 ]; then
  echo "FAIL: plain http:// warnings: $(warned proxy-refused) for http://lambda.test (want 1), $(warned urls) for loopback (want 0)" >&2
  failed+=(plain-http-warning)
else
  echo "ok: one warning for credentials over http://lambda.test, none for loopback"
fi

if [ "${#failed[@]}" -gt 0 ]; then
  echo "secrets: failed: ${failed[*]}" >&2
  exit 1
fi
echo "ok: no password in k6's output"
