// Cold starts and Lambda's own timings: with logType 'Tail', each response
// carries the REPORT line of the function's log, which k6/x/lambda turns
// into metrics (lambda_duration, lambda_billed_duration, lambda_init_duration,
// lambda_max_memory_used, lambda_cold_starts) and into `response.report`.
//
//   AWS_REGION=eu-west-1 build/k6 run -e FUNCTION=my-function examples/cold-start.js
import { AWSConfig, LambdaClient } from 'k6/x/lambda';
import { check } from 'k6';

export const options = {
  scenarios: {
    // A burst of new concurrency forces Lambda to start new instances.
    burst: { executor: 'per-vu-iterations', vus: 20, iterations: 5 },
  },
  thresholds: {
    lambda_invocation_failed: ['rate<0.01'],
    // At most one cold start in four invocations...
    lambda_cold_starts: ['rate<0.25'],
    // ...and cold starts that stay short.
    lambda_init_duration: ['p(95)<1000'],
    // What the function spent, as Lambda measured it.
    lambda_duration: ['p(95)<200'],
  },
};

const client = new LambdaClient(
  new AWSConfig({
    region: __ENV.AWS_REGION || 'us-east-1',
    accessKeyId: __ENV.AWS_ACCESS_KEY_ID,
    secretAccessKey: __ENV.AWS_SECRET_ACCESS_KEY,
    sessionToken: __ENV.AWS_SESSION_TOKEN,
    endpoint: __ENV.LAMBDA_ENDPOINT,
  }),
);

const FUNCTION = __ENV.FUNCTION || 'cold-start';

export default async function () {
  const r = await client.invoke(FUNCTION, JSON.stringify({ x: 1, y: 2 }), {
    logType: 'Tail',
    tags: { flow: 'cold-start-probe' },
  });
  check(r, {
    'status 200': (r) => r.statusCode === 200,
    'has a REPORT': (r) => r.report !== undefined && r.report.durationMs >= 0,
  });
  if (r.report && r.report.initDurationMs !== undefined) {
    console.log(`cold start: init ${r.report.initDurationMs} ms, run ${r.report.durationMs} ms`);
  }
}
