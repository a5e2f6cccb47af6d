#!/usr/bin/env bash
# End-to-end runs of lambda-invoke against real servers: `cargo lambda
# watch` serving tests/functions, moto_server prepared by tests/moto/setup.py,
# and tests/lambdaserver. Stops at the first mismatch, printing what it
# expected and what it got.
#
# Environment:
#   LAMBDA_INVOKE     path of the lambda-invoke binary (required)
#   WATCH_URL         http://127.0.0.1:PORT of cargo lambda watch
#   MOTO_URL          http://127.0.0.1:PORT of moto_server, after setup.py
#   LAMBDASERVER_URL  http://127.0.0.1:PORT of tests/lambdaserver
# tests/cli_stream_e2e.sh (--stream, --function-url) runs at the end, against
# watch and lambdaserver.
# A server whose URL is unset is skipped; at least one must be set.
set -uo pipefail

: "${LAMBDA_INVOKE:?set LAMBDA_INVOKE to the path of the lambda-invoke binary}"
WATCH_URL=${WATCH_URL:-}
MOTO_URL=${MOTO_URL:-}
LAMBDASERVER_URL=${LAMBDASERVER_URL:-}
if [ -z "$WATCH_URL$MOTO_URL$LAMBDASERVER_URL" ]; then
  echo "cli_e2e.sh: set at least one of WATCH_URL, MOTO_URL, LAMBDASERVER_URL" >&2
  exit 2
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Nothing from the caller's AWS setup leaks in: each check says what it uses.
unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_REGION \
  AWS_DEFAULT_REGION AWS_PROFILE AWS_ENDPOINT_URL AWS_ENDPOINT_URL_LAMBDA
export AWS_CONFIG_FILE="$work/no-config" AWS_SHARED_CREDENTIALS_FILE="$work/no-credentials"
export AWS_EC2_METADATA_DISABLED=true
# The AWS documentation's example keys: moto accepts any, lambdaserver
# verifies signatures with these.
KEY_ID=AKIAIOSFODNN7EXAMPLE
SECRET=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY

checks=0

# expect NAME CODE STDOUT STDERR [--stdin TEXT] -- ARGS...
# Runs lambda-invoke ARGS. The exit code must be CODE; stdout must match the
# glob STDOUT (`3` is exact, `*"statusCode":202*` a substring, `?*` any
# non-empty output); stderr must contain STDERR (empty: anything).
expect() {
  local name=$1 code=$2 want_out=$3 want_err=$4
  shift 4
  local stdin=""
  if [ "${1:-}" = "--stdin" ]; then
    stdin=$2
    shift 2
  fi
  [ "${1:-}" = "--" ] && shift
  local out rc err
  if [ -n "$stdin" ]; then
    out=$(printf '%s' "$stdin" | "$LAMBDA_INVOKE" "$@" 2>"$work/stderr")
  else
    out=$("$LAMBDA_INVOKE" "$@" 2>"$work/stderr" </dev/null)
  fi
  rc=$?
  err=$(cat "$work/stderr")
  # shellcheck disable=SC2053 # $want_out is a glob on purpose
  if [ "$rc" != "$code" ] || [[ $out != $want_out ]] || [[ $err != *"$want_err"* ]]; then
    printf 'FAILED: %s\n  command:  lambda-invoke %s\n' "$name" "$*" >&2
    printf '  expected: exit %s, stdout matching %s, stderr containing %s\n' \
      "$code" "'$want_out'" "'$want_err'" >&2
    printf '  got:      exit %s\n  stdout:   %s\n  stderr:   %s\n' "$rc" "$out" "$err" >&2
    exit 1
  fi
  checks=$((checks + 1))
  printf 'ok: %s\n' "$name"
}

if [ -n "$WATCH_URL" ]; then
  # The emulator's default target, pointed at the port in use. Generous
  # timeout: watch compiles a function on its first invocation.
  address=${WATCH_URL#http://}
  host=${address%:*}
  port=${address##*:}
  watch=(--invoke-address "$host" --invoke-port "$port" --timeout 300s)
  expect "watch: add-numbers" 0 '3' '' -- \
    add-numbers --data-ascii '{"x": 1, "y": 2}' "${watch[@]}"
  expect "watch: payload from stdin" 0 '5' '' --stdin '{"x": 2, "y": 3}' -- \
    add-numbers --data-file - "${watch[@]}"
  expect "watch: an example event, as JSON" 0 '*"httpMethod"*' '' -- \
    fail-on-demand --data-example apigw-request --output-format json "${watch[@]}"
  # The emulator reports a function error as HTTP 500 with the function's
  # error body: a service error named after the errorType, exit 3.
  expect "watch: function error (emulator: HTTP 500)" 3 '' 'FailedOnDemand: boom' -- \
    fail-on-demand --data-ascii '{"fail": "boom"}' "${watch[@]}"
  expect "watch: unknown function" 3 '' 'ResourceNotFoundException' -- \
    no-such-function --data-ascii '{}' "${watch[@]}"
fi

if [ -n "$MOTO_URL" ]; then
  moto=(--endpoint-url "$MOTO_URL" --region us-east-1)
  export AWS_ACCESS_KEY_ID=$KEY_ID AWS_SECRET_ACCESS_KEY=$SECRET
  # Without Docker, moto runs no code: RequestResponse echoes the payload
  # (for any function name, known or not).
  expect "moto: RequestResponse" 0 '{"x": 1, "y": 2}' '' -- \
    add-numbers --data-ascii '{"x": 1, "y": 2}' "${moto[@]}"
  expect "moto: Event is 202" 0 '*"statusCode":202*' '' -- \
    add-numbers --data-ascii '{"x": 1, "y": 2}' --invocation-type Event \
    --output-format response "${moto[@]}"
  expect "moto: DryRun is 204" 0 '*"statusCode":204*' '' -- \
    add-numbers --data-ascii '{}' --invocation-type DryRun \
    --output-format response "${moto[@]}"
  unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY

  # --remote with a custom endpoint and a profile: keys and region come
  # from the profile alone.
  printf '[profile e2e]\nregion = us-east-1\n' >"$work/config"
  printf '[e2e]\naws_access_key_id = %s\naws_secret_access_key = %s\n' \
    "$KEY_ID" "$SECRET" >"$work/credentials"
  AWS_CONFIG_FILE="$work/config" AWS_SHARED_CREDENTIALS_FILE="$work/credentials" \
    expect "moto: --remote --endpoint-url --profile" 0 '*"statusCode":200*' '' -- \
    add-numbers --remote --endpoint-url "$MOTO_URL" --profile e2e \
    --data-ascii '{"x": 1, "y": 2}' --output-format response
fi

if [ -n "$LAMBDASERVER_URL" ]; then
  export AWS_ACCESS_KEY_ID=$KEY_ID AWS_SECRET_ACCESS_KEY=$SECRET
  server=(--endpoint-url "$LAMBDASERVER_URL" --region us-east-1)
  expect "lambdaserver: add-numbers" 0 '3' '' -- \
    add-numbers --data-ascii '{"x": 1, "y": 2}' "${server[@]}"
  expect "lambdaserver: handled function error" 1 '' 'ValidationError: x must be a number' -- \
    fail-handled --data-ascii '{"x": "one", "y": 2}' "${server[@]}"
  expect "lambdaserver: echo, with the Tail log on stderr" 0 '{"x": 1}' 'REPORT RequestId' -- \
    echo --data-ascii '{"x": 1}' --log-type Tail "${server[@]}"
  expect "lambdaserver: throttled" 3 '' 'TooManyRequestsException' -- \
    throttle --data-ascii '{}' "${server[@]}"
  expect "lambdaserver: unknown function" 3 '' 'ResourceNotFoundException' -- \
    no-such-function --data-ascii '{}' "${server[@]}"

  # Tenant isolation, durable executions, SnapStart: names new to this
  # run (the server keeps their state), so the checks hold on any rerun.
  run=$(date +%s%N)
  tenant="cli-$run-blue team"
  expect "lambdaserver: a tenant's first call is cold" 0 "{\"tenant\":\"$tenant\",\"cold\":true,\"call\":1}" '' -- \
    tenant-isolated --tenant-id "$tenant" --data-ascii '{}' "${server[@]}"
  expect "lambdaserver: its second call is warm" 0 "{\"tenant\":\"$tenant\",\"cold\":false,\"call\":2}" '' -- \
    tenant-isolated --tenant-id "$tenant" --data-ascii '{}' "${server[@]}"
  expect "lambdaserver: another tenant is cold" 0 '*"cold":true*' '' -- \
    tenant-isolated --tenant-id "cli-$run-green" --data-ascii '{}' "${server[@]}"
  expect "lambdaserver: an isolated function without a tenant" 3 '' 'InvalidParameterValueException' -- \
    tenant-isolated --data-ascii '{}' "${server[@]}"
  expect "lambdaserver: --stream sends the tenant" 0 "*\"tenant\":\"cli-$run-green\"*" '' -- \
    tenant-isolated --stream --tenant-id "cli-$run-green" --data-ascii '{}' "${server[@]}"
  expect "lambdaserver: a tenant ID outside the API's pattern, refused" 2 '' 'invalid tenantId `a#b`' -- \
    tenant-isolated --tenant-id 'a#b' --data-ascii '{}' "${server[@]}"
  expect "lambdaserver: --stream has no durable execution" 2 '' 'durableExecutionName' -- \
    durable --stream --durable-execution-name x --data-ascii '{}' "${server[@]}"
  expect "lambdaserver: an execution name outside the API's pattern, refused" 2 '' 'invalid durableExecutionName' -- \
    durable --durable-execution-name 'dot.ted' --data-ascii '{}' "${server[@]}"
  durable=(durable --durable-execution-name "cli-$run-order" --output-format response "${server[@]}")
  arn_prefix="arn:aws:lambda:us-east-1:123456789012:function:durable:\$LATEST/durable-execution/cli-$run-order/"
  expect "lambdaserver: a durable execution's ARN in the response JSON" 0 "*\"durableExecutionArn\":\"$arn_prefix*" '' -- \
    "${durable[@]}" --data-ascii '{"n": 1}'
  arn=$("$LAMBDA_INVOKE" "${durable[@]}" --data-ascii '{"n": 1}' | python3 -c 'import json, sys; print(json.load(sys.stdin)["durableExecutionArn"])')
  expect "lambdaserver: the same name and payload, the same execution" 0 "*\"durableExecutionArn\":\"$arn\"*" '' -- \
    "${durable[@]}" --data-ascii '{"n": 1}'
  expect "lambdaserver: the same name, another payload" 3 '*"DurableExecutionAlreadyStartedException"*' 'HTTP 409' -- \
    "${durable[@]}" --data-ascii '{"n": 2}'
  expect "lambdaserver: a SnapStart restore's REPORT on stderr" 0 '*' $'Restore Duration: 312.50 ms\tBilled Restore Duration: 180 ms' -- \
    snapstart --qualifier "${run}1" --log-type Tail --data-ascii '{}' "${server[@]}"
  expect "lambdaserver: the restore's figures in the response JSON" 0 \
    '*"report":{*"restoreDurationMs":312.5,"billedRestoreDurationMs":180.0}*' '' -- \
    snapstart --qualifier "${run}2" --log-type Tail --output-format response --data-ascii '{}' "${server[@]}"
  unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
  # The local-emulator target signs with the same example keys, which the
  # server verifies.
  address=${LAMBDASERVER_URL#http://}
  expect "lambdaserver: the local target's signature" 0 '3' '' -- \
    add-numbers --data-ascii '{"x": 1, "y": 2}' \
    --invoke-address "${address%:*}" --invoke-port "${address##*:}"
fi

# --stream and --function-url (against lambdaserver and watch): their own
# file, sharing `expect`.
# shellcheck source=tests/cli_stream_e2e.sh
. "$(dirname "$0")/cli_stream_e2e.sh"

echo "cli_e2e.sh: all $checks checks passed"
