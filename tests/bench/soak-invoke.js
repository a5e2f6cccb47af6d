// Soak, lambda side (scripts/soak.sh): RATE invocations a second for
// DURATION seconds through k6/x/lambda, SigV4 signing included, against the
// fixed-response endpoint of scripts/nginx.sh, on VUS pre-allocated VUs
// (no VU is added during the run: its memory would look like growth).
// soak-http.js is the same load with k6/http.
//
// k6 keeps every Trend sample for its end-of-test summary, and an
// http.post makes 9 (the 7 http_req_* timings, the
// http_req_duration{expected_response:true} submetric and
// iteration_duration) where an invocation makes 2
// (lambda_invocation_duration and iteration_duration): TREND_PAD (7) more
// Trends, soak_trend_pad_1..7, of one sample an iteration each, make k6's
// own growth the same in both runs (9 arrays of one value an iteration,
// grown at the same iterations), so that the difference in RSS growth is
// ours.
import { endpoint, options } from './soak_lib.js';
import { AWSConfig, LambdaClient } from 'k6/x/lambda';
import { check } from 'k6';
import { Trend } from 'k6/metrics';

const pads = Array.from({ length: Number(__ENV.TREND_PAD ?? 7) }, (_, i) => new Trend(`soak_trend_pad_${i + 1}`));

export { options };

const client = new LambdaClient(new AWSConfig({
  region: 'us-east-1',
  endpoint: endpoint(),
  accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
}));

export default async function () {
  const r = await client.invoke('add-numbers', '{"x":1,"y":2}');
  check(r, { 'status 200, payload 3': (r) => r.statusCode === 200 && r.payload === '3' });
  for (const pad of pads) pad.add(0);
}
