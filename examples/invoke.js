// The k6-jslib-aws LambdaClient.invoke example, with its import changed to
// k6/x/lambda. Run it with scripts/demo.sh, or:
//   k6 run -e AWS_REGION=us-east-1 -e AWS_ACCESS_KEY_ID=... \
//     -e AWS_SECRET_ACCESS_KEY=... -e LAMBDA_ENDPOINT=http://127.0.0.1:9000 examples/invoke.js
// With no -e flags (k6 inspect, k6 archive, k6-operator's initializer) it
// still loads: a region and keys left unset come from the standard AWS
// chain at the first invocation.
import { AWSConfig, LambdaClient } from 'k6/x/lambda';
import { check } from 'k6';

export const options = {
  vus: 2,
  iterations: 20,
  // The run fails (exit code 99) unless every check passed.
  thresholds: { checks: ['rate==1'] },
};

const awsConfig = new AWSConfig({
  region: __ENV.AWS_REGION,
  accessKeyId: __ENV.AWS_ACCESS_KEY_ID,
  secretAccessKey: __ENV.AWS_SECRET_ACCESS_KEY,
  sessionToken: __ENV.AWS_SESSION_TOKEN,
  // Unset: the AWS endpoint of the region. Set: a local emulator or proxy.
  endpoint: __ENV.LAMBDA_ENDPOINT,
});

const lambdaClient = new LambdaClient(awsConfig);

export default async function () {
  const response = await lambdaClient.invoke('add-numbers', JSON.stringify({ x: 1, y: 2 }));

  check(response, {
    'status is 200': (r) => r.statusCode === 200,
    // The payload is the function's response body: a string.
    'payload is 3': (r) => r.payload === '3',
    'payload parses to 3': (r) => JSON.parse(r.payload) === 3,
  });
}
