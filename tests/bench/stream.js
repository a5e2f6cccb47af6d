// Benchmark S (scripts/bench.sh, the streaming case): one
// invokeWithResponseStream per iteration through k6/x/lambda, SigV4
// signing included, of tests/lambdaserver's `sleep` on the streaming
// route. Its lambda_stream_first_chunk (from the call's start to the
// first chunk, measured in the Rust core) less the server's delay is the
// overhead; stream_http.js is the same request with k6/http. The load is
// bench_lib.js's.
import { AWSConfig, LambdaClient } from 'k6/x/lambda';
import { check } from 'k6';
import { credentials, options, streamEndpoint, streamPayload } from './bench_lib.js';

export { options };

const client = new LambdaClient(new AWSConfig({ ...credentials, endpoint: streamEndpoint }));

export default async function () {
  const r = await client.invokeWithResponseStream('sleep', streamPayload);
  check(r, { 'status is 200, one chunk': (r) => r.statusCode === 200 && r.chunks === 1 });
}
