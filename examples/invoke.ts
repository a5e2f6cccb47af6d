// examples/invoke.js in TypeScript, with the types of index.d.ts: k6 runs
// it as it is (scripts/test.sh does, against the local emulator), and
// `tsc --strict` checks it (scripts/typecheck.sh).
//   k6 run -e AWS_REGION=us-east-1 -e AWS_ACCESS_KEY_ID=... \
//     -e AWS_SECRET_ACCESS_KEY=... -e LAMBDA_ENDPOINT=http://127.0.0.1:9000 examples/invoke.ts
import { AWSConfig, LambdaClient, LambdaInvocationError } from 'k6/x/lambda';
import type { InvocationResponse, InvokeOptions } from 'k6/x/lambda';
import { check } from 'k6';
import type { Options } from 'k6/options';

export const options: Options = {
  vus: 2,
  iterations: 20,
  // The run fails (exit code 99) unless every check passed.
  thresholds: { checks: ['rate==1'] },
};

const lambdaClient = new LambdaClient(
  new AWSConfig({
    region: __ENV.AWS_REGION,
    accessKeyId: __ENV.AWS_ACCESS_KEY_ID,
    secretAccessKey: __ENV.AWS_SECRET_ACCESS_KEY,
    endpoint: __ENV.LAMBDA_ENDPOINT,
  }),
  { timeout: '10s', transport: 'direct' },
);

const invokeOptions: InvokeOptions = { invocationType: 'RequestResponse', tags: { example: 'typescript' } };

export default async function (): Promise<void> {
  try {
    const response: InvocationResponse = await lambdaClient.invoke(
      'add-numbers',
      { x: 1, y: 2 }, // a plain object is sent as its JSON text
      invokeOptions,
    );
    check(response, {
      'status is 200': (r) => r.statusCode === 200,
      'payload parses to 3': (r) => JSON.parse(r.payload) === 3,
    });
  } catch (e) {
    // The function failed: the checks fail, and so does the iteration,
    // with the runtime's error type and message.
    check(null, { 'status is 200': () => false, 'payload parses to 3': () => false });
    if (e instanceof LambdaInvocationError) {
      throw new Error(`${e.functionError}: ${e.errorType}: ${e.errorMessage}`);
    }
    throw e;
  }
}
