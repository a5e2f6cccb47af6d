// The smoke test `xk6 lint` runs (`k6 run tests/smoke.js`, no endpoint, no
// environment): the module loads, every export is there, the classes
// validate without I/O, and an invocation to a closed loopback port is a
// NetworkError. A failed check fails the run.
import {
  AWSConfig,
  LambdaClient,
  exampleEvent,
  AWSError,
  InvalidSignatureError,
  InvalidAWSConfigError,
  LambdaInvocationError,
  NetworkError,
  InvalidInvocationError,
} from 'k6/x/lambda';
import { check } from 'k6';

export const options = { vus: 1, iterations: 1, thresholds: { checks: ['rate==1'] } };

function thrown(fn) {
  try {
    fn();
  } catch (e) {
    return e;
  }
  return null;
}

const config = new AWSConfig({
  region: 'us-east-1',
  accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  endpoint: 'http://127.0.0.1:1', // nothing listens on port 1
});
const client = new LambdaClient(config, { timeout: '5s' });

export default async function () {
  const classes = [AWSError, InvalidSignatureError, InvalidAWSConfigError, LambdaInvocationError, NetworkError, InvalidInvocationError];
  check(null, {
    'every export is there': () =>
      [AWSConfig, LambdaClient, exampleEvent, ...classes].every((f) => typeof f === 'function'),
    'error classes are Errors': () => classes.every((C) => C.prototype instanceof Error),
    'InvalidSignatureError is an AWSError': () => InvalidSignatureError.prototype instanceof AWSError,
    'AWSConfig keeps its region': () => config.region === 'us-east-1',
    'exampleEvent: an SQS event': () => JSON.parse(exampleEvent('sqs-event')).Records.length > 0,
    'a bad access key is InvalidAWSConfigError': () =>
      thrown(() => new AWSConfig({ region: 'us-east-1', accessKeyId: 'AKIA', secretAccessKey: 'x' })) instanceof
      InvalidAWSConfigError,
    'an unknown client option is a TypeError': () => thrown(() => new LambdaClient(config, { retries: 3 })) instanceof TypeError,
  });

  let refused = null;
  try {
    await client.invoke('add-numbers', '{}', { logtype: 'Tail' });
  } catch (e) {
    refused = e;
  }
  check(refused, { 'a misspelt option is InvalidInvocationError': (e) => e instanceof InvalidInvocationError && e.field === 'logtype' });

  let failed = null;
  try {
    await client.invoke('add-numbers', JSON.stringify({ x: 1, y: 2 }));
  } catch (e) {
    failed = e;
  }
  check(failed, { 'a closed port is a NetworkError (TCPError 1212)': (e) => e instanceof NetworkError && e.code === 1212 });
}
