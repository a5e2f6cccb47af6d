// Soak, baseline side (scripts/soak.sh): the load of soak-invoke.js, the
// same POST to the same Invoke URL with k6/http (no signing), the body read.
import http from 'k6/http';
import { check } from 'k6';

const vus = Number(__ENV.VUS || 50);

export const options = {
  scenarios: {
    soak: {
      executor: 'constant-arrival-rate',
      rate: Number(__ENV.RATE || 2000),
      timeUnit: '1s',
      duration: `${Number(__ENV.DURATION || 30)}s`,
      preAllocatedVUs: vus,
      maxVUs: vus,
    },
  },
  thresholds: { checks: ['rate==1'] },
  summaryTrendStats: ['avg', 'med', 'p(99)', 'max'],
};

if (!__ENV.LAMBDA_ENDPOINT) throw new Error('set LAMBDA_ENDPOINT');

const url = `${__ENV.LAMBDA_ENDPOINT}/2015-03-31/functions/add-numbers/invocations`;

export default function () {
  const r = http.post(url, '{"x":1,"y":2}');
  check(r, { 'status 200, body 3': (r) => r.status === 200 && r.body === '3' });
}
