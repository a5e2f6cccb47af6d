// One test, split the way k6-operator splits it: run undivided, or as one
// of several instances with --execution-segment. Each iteration invokes
// the test server's `record` function once with a payload that names the
// iteration (exec.scenario.iterationInTest is unique across instances), so
// the server's record says which iterations arrived and how often.
// tests/e2e/segments.sh compares the records of both runs.
import exec from 'k6/execution';
import { AWSConfig, LambdaClient } from 'k6/x/lambda';
import { TEST_KEYS, verify } from './lib.js';

export const options = {
  scenarios: {
    split: { executor: 'shared-iterations', vus: 6, iterations: 300, maxDuration: '60s' },
  },
  thresholds: { checks: ['rate==1'] },
};

const lambda = new LambdaClient(new AWSConfig({ region: 'us-east-1', endpoint: __ENV.LAMBDA_ENDPOINT, ...TEST_KEYS }));

export default async function () {
  const payload = JSON.stringify({ iteration: exec.scenario.iterationInTest });
  const response = await lambda.invoke('record', payload);
  verify(response, { 'recorded: 200, echoed': (r) => r.statusCode === 200 && r.payload === payload });
}
