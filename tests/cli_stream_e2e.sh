# lambda-invoke --stream and --function-url:
# - against tests/lambdaserver (LAMBDASERVER_URL): InvokeWithResponseStream's
#   functions (stream-*, and the Invoke functions on the streaming route),
#   its misbehaving streams, and function URLs with the server's SigV4
#   verifier (written from the specification, checked against the AWS test
#   suite: an independent check of our signatures);
# - against `cargo lambda watch` (WATCH_URL): tests/functions' stream-lines,
#   a function written with lambda_runtime's streaming API, on its function
#   URL route (watch does not implement InvokeWithResponseStream).
#
# Sourced by tests/cli_e2e.sh: it uses that script's `expect`, `$work`,
# `$LAMBDA_INVOKE`, `$KEY_ID`, `$SECRET` and the URLs.
# shellcheck shell=bash
# shellcheck disable=SC2154 # work, checks, KEY_ID, SECRET...: tests/cli_e2e.sh's

# streams_before_end NAME PATTERN MIN_MS -- ARGS...: runs lambda-invoke ARGS
# in the background and watches its stdout. PATTERN (the first chunk) must
# be printed while the process still runs, at least MIN_MS before it ends:
# the chunk was printed as it arrived, not at the end of the stream.
streams_before_end() {
  local name=$1 pattern=$2 min_ms=$3
  shift 3
  [ "${1:-}" = "--" ] && shift
  local out="$work/timed.out" first="" end pid rc
  : >"$out"
  "$LAMBDA_INVOKE" "$@" >"$out" 2>"$work/timed.err" </dev/null &
  pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    if [ -z "$first" ] && grep -q "$pattern" "$out"; then
      first=$(date +%s%N)
    fi
    sleep 0.02
  done
  wait "$pid"
  rc=$?
  end=$(date +%s%N)
  local ahead_ms=-1
  [ -n "$first" ] && ahead_ms=$(((end - first) / 1000000))
  if [ "$rc" != 0 ] || [ -z "$first" ] || [ "$ahead_ms" -lt "$min_ms" ]; then
    printf 'FAILED: %s\n  command:  lambda-invoke %s\n' "$name" "$*" >&2
    printf '  expected: exit 0, %s printed at least %s ms before the end\n' "'$pattern'" "$min_ms" >&2
    printf '  got:      exit %s, printed %s ms before the end (-1: only after it)\n' "$rc" "$ahead_ms" >&2
    printf '  stdout:   %s\n  stderr:   %s\n' "$(cat "$out")" "$(cat "$work/timed.err")" >&2
    exit 1
  fi
  checks=$((checks + 1))
  printf 'ok: %s (the first chunk %s ms before the end)\n' "$name" "$ahead_ms"
}

nl=$'\n'

if [ -n "$WATCH_URL" ]; then
  # watch checks no signature, but one is made: any keys do.
  export AWS_ACCESS_KEY_ID=$KEY_ID AWS_SECRET_ACCESS_KEY=$SECRET
  lines="$WATCH_URL/lambda-url/stream-lines/"
  watch_url=(--region us-east-1 --timeout 300s)
  expect "watch: a streaming function's URL" 0 "line 1${nl}line 2${nl}line 3" \
    'HTTP 200, 3 chunks (21 bytes), first chunk after ' -- \
    --function-url "$lines?count=3" "${watch_url[@]}"
  streams_before_end "watch: its lines printed as the function writes them" 'line 1' 1000 -- \
    --function-url "$lines?count=3&gapMs=700" "${watch_url[@]}"
  expect "watch: the metadata prelude's headers" 0 \
    '{"statusCode":200,"headers":{*"content-type":"text/plain"*},"payload":"line 1\\nline 2\\n","chunks":2,*' '' -- \
    --function-url "$lines?count=2" --output-format response "${watch_url[@]}"
  unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
fi

[ -n "$LAMBDASERVER_URL" ] || return 0

export AWS_ACCESS_KEY_ID=$KEY_ID AWS_SECRET_ACCESS_KEY=$SECRET
server=(--endpoint-url "$LAMBDASERVER_URL" --region us-east-1)

# InvokeWithResponseStream.
expect "stream: stream-chunks" 0 "chunk 1${nl}chunk 2${nl}chunk 3" \
  'status 200, 3 chunks (24 bytes), first chunk after ' -- \
  stream-chunks --stream --data-ascii '{}' "${server[@]}"
expect "stream: the chunks given, the log and its REPORT on stderr" 0 'ab' 'REPORT RequestId' -- \
  stream-chunks --stream --data-ascii '{"chunks": ["a", "b"]}' --log-type Tail "${server[@]}"
expect "stream: executed version of the alias" 0 'x' 'executed version 7' -- \
  stream-chunks:live --stream --data-ascii '{"chunks": ["x"]}' "${server[@]}"
expect "stream: the whole answer as JSON" 0 '{"statusCode":200,*"payload":"chunk 1\\nchunk 2\\n","chunks":2,*"timeToFirstChunkNs":*' '' -- \
  stream-chunks --stream --data-ascii '{"count": 2}' --output-format response "${server[@]}"
streams_before_end "stream: each chunk printed as it arrives" 'chunk 1' 1000 -- \
  stream-chunks --stream --data-ascii '{"count": 3, "gapMs": 700}' "${server[@]}"
expect "stream: a buffered function, one chunk" 0 '3' 'status 200, 1 chunk (1 bytes)' -- \
  add-numbers --stream --data-ascii '{"x": 1, "y": 2}' "${server[@]}"
expect "stream: DryRun streams nothing" 0 '' 'status 204, 0 chunks' -- \
  stream-chunks --stream --invocation-type DryRun --data-ascii '{}' "${server[@]}"

# Function errors: InvokeComplete with an ErrorCode, exit 1, the chunks
# before it printed.
expect "stream: stream-error after its chunks" 1 "chunk 1${nl}chunk 2" 'Error: failed after 2 chunks' -- \
  stream-error --stream --data-ascii '{"count": 2}' "${server[@]}"
expect "stream: a buffered function's handled error" 1 '' 'ValidationError: x must be a number' -- \
  fail-handled --stream --data-ascii '{"x": "one"}' "${server[@]}"

# Streams that break: exit 3, what came before printed, never a hang.
expect "stream: bad prelude CRC" 3 'chunk 1' 'prelude CRC' -- \
  stream-bad-prelude-crc --stream --data-ascii '{}' "${server[@]}"
expect "stream: bad message CRC" 3 'chunk 1' 'message CRC' -- \
  stream-bad-message-crc --stream --data-ascii '{}' "${server[@]}"
expect "stream: a frame cut short" 3 'chunk 1' 'the event stream broke off after 1 chunk' -- \
  stream-cut-frame --stream --data-ascii '{}' "${server[@]}"
expect "stream: the frame cut short is named" 3 'chunk 1' 'in the middle of an event stream frame' -- \
  stream-cut-frame --stream --data-ascii '{}' "${server[@]}"
expect "stream: no InvokeComplete" 3 "chunk 1${nl}chunk 2${nl}chunk 3" \
  'the event stream ended after 3 chunks without InvokeComplete' -- \
  stream-no-complete --stream --data-ascii '{}' "${server[@]}"
expect "stream: an exception in the stream" 3 'chunk 1' \
  'ServiceException: The AWS Lambda service encountered an internal error. (in the event stream, after 1 chunk)' -- \
  stream-exception --stream --data-ascii '{}' "${server[@]}"
started=$SECONDS
expect "stream: a stall ends at --timeout" 3 'chunk 1' \
  'did not end within 1s (the client'"'"'s timeout option, which bounds the whole call, the stream included); it stopped after 1 chunk (k6 error code 1050)' -- \
  stream-stall --stream --data-ascii '{}' --timeout 1s "${server[@]}"
if [ $((SECONDS - started)) -gt 5 ]; then
  echo "FAILED: the stalled stream took $((SECONDS - started)) s with --timeout 1s" >&2
  exit 1
fi

# Refused before the stream: as Invoke.
expect "stream: Event is refused before sending" 2 '' 'RequestResponse, DryRun' -- \
  stream-chunks --stream --invocation-type Event --data-ascii '{}' "${server[@]}"
expect "stream: throttled" 3 '' 'TooManyRequestsException' -- \
  throttle --stream --data-ascii '{}' "${server[@]}"
expect "stream: unknown function" 3 '' 'ResourceNotFoundException' -- \
  no-such-function --stream --data-ascii '{}' "${server[@]}"
expect "stream: json output is refused" 2 '' '--output-format json cannot be used with --stream' -- \
  stream-chunks --stream --data-ascii '{}' --output-format json "${server[@]}"
AWS_SECRET_ACCESS_KEY=wrong expect "stream: a bad signature" 3 '' 'InvalidSignatureException' -- \
  stream-chunks --stream --data-ascii '{}' "${server[@]}"

# Function URLs: the server verifies every signature (a failure is 403,
# exit 1), over the path and query as sent, the signed headers and the
# body's SHA-256.
url="$LAMBDASERVER_URL/lambda-url"
expect "url: GET, no body" 0 '{"method":"GET","path":"/","rawQuery":"",*"bodyLength":0}' 'HTTP 200, 1 chunk' -- \
  --function-url "$url/url-echo" --region us-east-1
expect "url: PUT with a path, a query, headers and a body" 0 \
  '{"method":"PUT","path":"/a%20b/%C3%A9/x%2Fy","rawQuery":"q=1%202&b=%2B+&a=","query":{*},"headers":{*"content-type":\["text/plain"\]*"x-amz-content-sha256":\["2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"\]*"x-test":\["1","2"\]*},"body":"aGVsbG8=","bodyLength":5}' '' -- \
  --function-url "$url/url-echo/a b/é/x%2Fy?q=1 2&b=%2B+&a=#not-sent" --region us-east-1 \
  -X put -H 'Content-Type: text/plain' -H 'X-Test: 1' --header 'x-test:2' --data-ascii hello
printf '\000\377\001' >"$work/binary"
expect "url: a binary body, dot segments in the path" 0 '*"path":"/./p//q/../r"*"body":"AP8B","bodyLength":3}' '' -- \
  --function-url "$url/url-echo/./p//q/../r" --region us-east-1 --data-file "$work/binary"
expect "url: any method" 0 '*"method":"PATCH"*' '' -- \
  --function-url "$url/url-echo" --region us-east-1 -X PATCH --data-ascii '{}'
expect "url: HEAD has no body" 0 '' 'HTTP 200, 0 chunks' -- \
  --function-url "$url/url-echo" --region us-east-1 -X HEAD
expect "url: the answer as JSON, headers included" 0 '{"statusCode":200,"headers":{*"content-type":"text/plain; charset=utf-8"*},"payload":"chunk 1\\nchunk 2\\n","chunks":*' '' -- \
  --function-url "$url/url-stream?chunks=2" --region us-east-1 --output-format response
streams_before_end "url: a streamed body printed as it arrives" 'chunk 1' 1000 -- \
  --function-url "$url/url-stream?chunks=3&gapMs=700" --region us-east-1
expect "url: an error status is an answer: printed, exit 1" 1 '{"status":503}' 'error: the function URL answered HTTP 503' -- \
  --function-url "$url/url-status?status=503" --region us-east-1
expect "url: 204" 0 '' 'HTTP 204, 0 chunks' -- \
  --function-url "$url/url-status?status=204" --region us-east-1 -X DELETE
expect "url: unknown function" 1 '{"Message":"Not Found"}' 'HTTP 404' -- \
  --function-url "$url/no-such-url" --region us-east-1
AWS_SECRET_ACCESS_KEY=wrong expect "url: a bad signature is the server's 403" 1 \
  '{"message":"The request signature we calculated does not match*' 'HTTP 403 (InvalidSignatureException)' -- \
  --function-url "$url/url-echo" --region us-east-1
AWS_ACCESS_KEY_ID=ASIAIOSFODNN7EXAMPLE AWS_SECRET_ACCESS_KEY=sessiontestsecretsecretsecret0000000000 \
  AWS_SESSION_TOKEN=testsessiontoken expect "url: temporary credentials sign the session token" 0 \
  '*"x-amz-security-token":\["testsessiontoken"\]*' '' -- \
  --function-url "$url/url-echo" --region us-east-1
expect "url: a reserved header is refused before sending" 2 '' "the header \`Authorization\` cannot be set" -- \
  --function-url "$url/url-echo" --region us-east-1 -H 'Authorization: x'
expect "url: a header needs a colon" 2 '' 'expected NAME:VALUE' -- \
  --function-url "$url/url-echo" --region us-east-1 -H 'no-colon'
expect "url: not a URL" 2 '' 'no scheme' -- \
  --function-url "127.0.0.1/x" --region us-east-1
expect "url: no region is exit 2" 2 '' 'no AWS region' -- \
  --function-url "$url/url-echo"
closed=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
expect "url: a refused connection" 3 '' 'TCPError: connection refused' -- \
  --function-url "http://127.0.0.1:$closed/" --region us-east-1
unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
expect "url: no credentials" 3 '' 'CredentialsError' -- \
  --function-url "$url/url-echo" --region us-east-1
