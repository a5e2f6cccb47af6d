// Against `cargo lambda watch` serving tests/functions: a real Lambda
// runtime (lambda_runtime) behind the emulator's Invoke endpoint.
import { LambdaInvocationError, AWSError } from 'k6/x/lambda';
import { client, checkRejects, strictThresholds, verify } from './lib.js';

export const options = {
  iterations: 1,
  thresholds: strictThresholds(10),
};

const lambda = client();

export default async function () {
  const r = await lambda.invoke('add-numbers', JSON.stringify({ x: 1, y: 2 }));
  verify(r, {
    'add-numbers: status 200': (r) => r.statusCode === 200,
    'add-numbers: payload is the string 3': (r) => r.payload === '3',
    'add-numbers: has the response fields': (r) =>
      ['statusCode', 'executedVersion', 'logResult', 'payload'].every((k) => k in r),
  });

  const echo = await lambda.invoke('fail-on-demand', JSON.stringify({ name: 'zoë ☃' }));
  verify(echo, {
    'fail-on-demand echoes non-ASCII UTF-8': (r) => JSON.parse(r.payload).name === 'zoë ☃',
  });

  // The emulator answers a function error with HTTP 500 and the function's
  // error body (AWS would answer 200 with X-Amz-Function-Error): the script
  // gets a service error carrying the function's type and message.
  await checkRejects('failing function', lambda.invoke('fail-on-demand', JSON.stringify({ fail: 'it broke' })), {
    'is an AWSError': (e) => e instanceof AWSError && !(e instanceof LambdaInvocationError),
    'named after the function error type': (e) => e.name === 'FailedOnDemand' && e.code === 'FailedOnDemand',
    "carries the function's message": (e) => e.message === 'it broke',
    'has status 500': (e) => e.statusCode === 500,
  });

  await checkRejects('unknown function', lambda.invoke('no-such-function', '{}'), {
    'is ResourceNotFoundException': (e) => e.name === 'ResourceNotFoundException',
    'has status 404': (e) => e.statusCode === 404,
  });
}
