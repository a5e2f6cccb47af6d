// Benchmark A (scripts/bench.sh): one Lambda invocation per iteration
// through k6/x/lambda, SigV4 signing included, against a fixed-response
// endpoint. Compare with http.js, the same request with k6/http.
import { AWSConfig, LambdaClient } from 'k6/x/lambda';
import { check } from 'k6';

export const options = {
  scenarios: {
    bench: {
      executor: 'constant-vus',
      vus: Number(__ENV.VUS || 10),
      duration: __ENV.DURATION || '10s',
    },
  },
  summaryTrendStats: ['avg', 'med', 'p(95)'],
};

if (!__ENV.LAMBDA_ENDPOINT) throw new Error('set LAMBDA_ENDPOINT');

const client = new LambdaClient(new AWSConfig({
  region: 'us-east-1',
  endpoint: __ENV.LAMBDA_ENDPOINT,
  accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
}));

export default async function () {
  const r = await client.invoke('add-numbers', '{"x":1,"y":2}');
  check(r, { 'status is 200': (r) => r.statusCode === 200 });
}
