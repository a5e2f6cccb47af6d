// Benchmark B (scripts/bench.sh): the baseline for invoke.js, the same
// POST to the same Invoke URL with k6/http (no signing), the body read.
import http from 'k6/http';
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

const url = `${__ENV.LAMBDA_ENDPOINT}/2015-03-31/functions/add-numbers/invocations`;

export default function () {
  const r = http.post(url, '{"x":1,"y":2}');
  check(r, { 'status is 200': (r) => r.status === 200 });
}
