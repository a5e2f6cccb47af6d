// Metrics of every invocation, for run_metrics.sh, which checks the JSON
// output (--out json) against what the test server counted.
// FAIL_EVERY=N makes every Nth iteration call a failing function.
import http from 'k6/http';
import { client, verify, strictThresholds } from './lib.js';

const ITERATIONS = 60;
const FAIL_EVERY = Number(__ENV.FAIL_EVERY || 0);

export const options = {
  scenarios: {
    metrics: { executor: 'shared-iterations', vus: 4, iterations: ITERATIONS, tags: { suite: 'metrics' } },
  },
  thresholds: __ENV.THRESHOLD_ONLY
    ? { lambda_invocation_failed: ['rate<0.01'] }
    : strictThresholds(ITERATIONS),
};

const lambda = client();

export function setup() {
  const reset = http.post(`${__ENV.LAMBDA_ENDPOINT}/_test/reset`);
  if (reset.status !== 200) throw new Error(`cannot reset the test server: ${reset.status}`);
}

export default async function () {
  const fail = FAIL_EVERY > 0 && __ITER % FAIL_EVERY === 0;
  let ok = false;
  try {
    const r = await lambda.invoke(fail ? 'fail-handled' : 'cold-start', '{"x":1,"y":2}', {
      logType: 'Tail',
      qualifier: 'live',
      tags: { flow: 'metrics-e2e' },
    });
    ok = r.statusCode === 200 && r.report !== undefined;
  } catch (e) {
    ok = fail && e.name === 'LambdaInvocationError';
  }
  verify(null, { 'invocation answered as expected': () => ok });
}
