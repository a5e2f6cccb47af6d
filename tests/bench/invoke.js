// Benchmark A (scripts/bench.sh): one Lambda invocation per iteration
// through k6/x/lambda, SigV4 signing included, against a fixed-response
// endpoint. Compare with http.js and http_async.js, the same request with
// k6/http. The load is bench_lib.js's.
import { AWSConfig, LambdaClient } from 'k6/x/lambda';
import { check } from 'k6';
import { credentials, endpoint, options, payload } from './bench_lib.js';

export { options };

const client = new LambdaClient(new AWSConfig({ ...credentials, endpoint }));

export default async function () {
  const r = await client.invoke('add-numbers', payload);
  check(r, { 'status is 200': (r) => r.statusCode === 200 });
}
