// Bad input from a script gets a clear JS error, never a crash of k6, and
// nothing is sent. Every case is a check; the run fails if one fails.
import { AWSConfig, LambdaClient, InvalidAWSConfigError } from 'k6/x/lambda';
import { client, checkRejects, checkThrows, strictThresholds } from './lib.js';

export const options = { iterations: 1, thresholds: strictThresholds(34) };

const lambda = client();

const invalid = (field, text) => ({
  'is InvalidInvocationError': (e) => e.name === 'InvalidInvocationError',
  [`names the field ${field}`]: (e) => e.field === field,
  [`says "${text}"`]: (e) => e.message.includes(text),
});

export default async function () {
  await checkRejects('missing name', lambda.invoke(), invalid('name', 'must be a string, got undefined'));
  await checkRejects('empty name', lambda.invoke('', '{}'), invalid('name', 'empty'));
  // Path segments: /functions/../invocations would be sent.
  await checkRejects('name ..', lambda.invoke('..', '{}'), invalid('name', '`.` or `..`'));
  await checkRejects('name .', lambda.invoke('.', '{}'), invalid('name', '`.` or `..`'));
  await checkRejects('stream name ..', lambda.invokeWithResponseStream('..', '{}'), invalid('name', '`.` or `..`'));
  await checkRejects('payload not a string', lambda.invoke('add-numbers', 42), invalid('payload', 'must be a string'));
  await checkRejects(
    'unknown invocationType',
    lambda.invoke('add-numbers', '{}', { invocationType: 'Sync' }),
    invalid('invocationType', 'RequestResponse, Event, DryRun'),
  );
  await checkRejects(
    'unknown logType',
    lambda.invoke('add-numbers', '{}', { logType: 'Full' }),
    invalid('logType', 'None, Tail'),
  );
  await checkRejects(
    'clientContext not base64',
    lambda.invoke('add-numbers', '{}', { clientContext: '{"custom":1}' }),
    invalid('clientContext', 'base64'),
  );
  await checkRejects(
    'clientContext too large',
    lambda.invoke('add-numbers', '{}', { clientContext: 'QUFB'.repeat(900) }),
    invalid('clientContext', '3583'),
  );

  checkThrows('LambdaClient without config', () => new LambdaClient(), {
    'is a TypeError': (e) => e instanceof TypeError,
    'asks for an AWSConfig': (e) => e.message.includes('expected an AWSConfig'),
  });
  checkThrows('blank region', () => new AWSConfig({ region: ' ' }), {
    'is InvalidAWSConfigError': (e) => e instanceof InvalidAWSConfigError && e.name === 'InvalidAWSConfigError',
    'names the region': (e) => e.message.startsWith('invalid AWS region'),
  });
  checkThrows(
    'short access key',
    () => new AWSConfig({ region: 'us-east-1', accessKeyId: 'AKIA', secretAccessKey: 'secret' }),
    {
      'is InvalidAWSConfigError': (e) => e instanceof InvalidAWSConfigError,
      'gives the rule': (e) => e.message.includes('between 16 and 128 characters, got 4'),
    },
  );
}
