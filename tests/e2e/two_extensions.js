// Run by tests/xk6_build.sh with a k6 that xk6 built with two extensions:
// k6/x/lambda and tests/companion's k6/x/companion. Each iteration calls
// both, so a module left inactive (xk6's "conflicting k6 versions" case:
// k6 does not find it, and the run stops at the import) or answering
// wrong fails the run (exit code 99).
import { AWSConfig, LambdaClient } from 'k6/x/lambda';
import companion from 'k6/x/companion';
import { check } from 'k6';
import { Counter } from 'k6/metrics';

// Iterations in which both modules answered as they should: all of them.
const bothAnswered = new Counter('both_answered');

export const options = {
  vus: 2,
  iterations: 10,
  thresholds: { checks: ['rate==1'], both_answered: ['count==10'] },
};

const lambda = new LambdaClient(
  new AWSConfig({
    region: 'us-east-1',
    accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
    secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    endpoint: __ENV.LAMBDA_ENDPOINT,
  }),
);

export default async function () {
  const x = __ITER + 1;
  const y = __VU * 10;
  const r = await lambda.invoke('add-numbers', JSON.stringify({ x, y }));
  const sum = companion.sum(x, y);
  const ok = check(r, {
    'k6/x/lambda: status 200': (r) => r.statusCode === 200,
    'k6/x/companion: sum': () => sum === x + y,
    'both modules agree': (r) => JSON.parse(r.payload) === sum,
  });
  if (ok) {
    bothAnswered.add(1);
  }
}
