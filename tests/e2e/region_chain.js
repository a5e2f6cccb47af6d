// An AWSConfig with no region and no keys (what the seed example's
// `region: __ENV.AWS_REGION` amounts to when k6-operator's initializer runs
// `k6 inspect` with no -e flags): constructing it does no I/O and passes;
// the region and the keys come from the standard AWS chain at the first
// invocation. The script itself reads neither from __ENV (k6 run copies
// the process environment there), so only the chain can supply them.
// run_region_chain.sh runs it with the region and keys exported in the
// environment (EXPECT=ok) and with none anywhere (EXPECT=no-region).
import { AWSConfig, LambdaClient, InvalidAWSConfigError } from 'k6/x/lambda';
import { checkRejects, strictThresholds, verify } from './lib.js';

export const options = { iterations: 1, thresholds: strictThresholds(2) };

const lambda = new LambdaClient(new AWSConfig({ endpoint: __ENV.LAMBDA_ENDPOINT }));

export default async function () {
  if (__ENV.EXPECT === 'ok') {
    const response = await lambda.invoke('add-numbers', JSON.stringify({ x: 1, y: 2 }));
    verify(response, {
      'region and keys from the environment: 200': (r) => r.statusCode === 200,
      'region and keys from the environment: payload 3': (r) => r.payload === '3',
    });
    return;
  }
  await checkRejects('no region anywhere', lambda.invoke('add-numbers', '{}'), {
    'is InvalidAWSConfigError': (e) => e instanceof InvalidAWSConfigError,
    'says where a region comes from': (e) => e.message.includes('AWS_REGION'),
  });
}
