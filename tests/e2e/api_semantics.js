// Every Invoke API behaviour against tests/lambdaserver, through both
// transports ('direct' and 'sdk'), which must report alike.
import encoding from 'k6/encoding';
import { AWSConfig, LambdaClient, AWSError, InvalidSignatureError, LambdaInvocationError, NetworkError } from 'k6/x/lambda';
import { TEST_KEYS, checkRejects, strictThresholds, verify } from './lib.js';

const TRANSPORTS = ['direct', 'sdk'];
export const options = { iterations: 1, thresholds: strictThresholds(2 * 48) };

const endpoint = __ENV.LAMBDA_ENDPOINT;
const config = (keys = TEST_KEYS) => new AWSConfig({ region: 'us-east-1', endpoint, ...keys });
const clients = Object.fromEntries(TRANSPORTS.map((t) => [t, new LambdaClient(config(), { transport: t })]));
const slowClients = Object.fromEntries(
  TRANSPORTS.map((t) => [t, new LambdaClient(config(), { transport: t, timeout: '500ms' })]),
);
const wrongSecret = Object.fromEntries(
  TRANSPORTS.map((t) => [
    t,
    new LambdaClient(config({ accessKeyId: TEST_KEYS.accessKeyId, secretAccessKey: 'wrongwrongwrongwrong' }), { transport: t }),
  ]),
);
// Temporary credentials: the session token is sent and signed (the test
// server knows this key only with its token).
const SESSION_KEYS = {
  accessKeyId: 'ASIAIOSFODNN7EXAMPLE',
  secretAccessKey: 'sessiontestsecretsecretsecret0000000000',
};
const session = Object.fromEntries(
  TRANSPORTS.map((t) => [t, new LambdaClient(config({ ...SESSION_KEYS, sessionToken: 'testsessiontoken' }), { transport: t })]),
);
const wrongToken = Object.fromEntries(
  TRANSPORTS.map((t) => [t, new LambdaClient(config({ ...SESSION_KEYS, sessionToken: 'anothertoken' }), { transport: t })]),
);
const unknownKey = Object.fromEntries(
  TRANSPORTS.map((t) => [
    t,
    new LambdaClient(config({ accessKeyId: 'AKIAAAAAAAAAAAAAAAAA', secretAccessKey: TEST_KEYS.secretAccessKey }), { transport: t }),
  ]),
);

async function responses(t, lambda) {
  const r = await lambda.invoke('add-numbers', JSON.stringify({ x: 1, y: 2 }));
  verify(r, {
    [`${t}: 200 with the InvocationResponse fields`]: (r) =>
      r.statusCode === 200 && r.payload === '3' && r.executedVersion === '$LATEST' &&
      ['statusCode', 'executedVersion', 'logResult', 'payload'].every((k) => k in r) && r.logResult === undefined,
  });
  const alias = await lambda.invoke('add-numbers:live', '{"x":1,"y":2}');
  const option = await lambda.invoke('add-numbers', '{"x":1,"y":2}', { qualifier: 'live' });
  const version = await lambda.invoke('add-numbers', '{"x":1,"y":2}', { qualifier: '3' });
  const partial = await lambda.invoke('123456789012:function:add-numbers', '{"x":1,"y":2}');
  const arn = await lambda.invoke('arn:aws:lambda:us-east-1:123456789012:function:add-numbers:live', '{"x":1,"y":2}');
  verify(null, {
    [`${t}: name:alias runs the alias`]: () => alias.executedVersion === '7',
    [`${t}: the qualifier option`]: () => option.executedVersion === '7',
    [`${t}: a version qualifier`]: () => version.executedVersion === '3',
    [`${t}: a partial ARN`]: () => partial.statusCode === 200 && partial.payload === '3',
    [`${t}: a full ARN with an alias`]: () => arn.statusCode === 200 && arn.executedVersion === '7',
  });
  const event = await lambda.invoke('echo', '{"a":1}', { invocationType: 'Event' });
  const dryRun = await lambda.invoke('echo', '{"a":1}', { invocationType: 'DryRun' });
  verify(null, {
    [`${t}: Event is 202 with no payload`]: () => event.statusCode === 202 && event.payload === '',
    [`${t}: DryRun is 204 with no payload`]: () => dryRun.statusCode === 204 && dryRun.payload === '',
  });
}

async function tailLogs(t, lambda) {
  const r = await lambda.invoke('add-numbers', '{"x":1,"y":2}', { logType: 'Tail' });
  verify(r, {
    [`${t}: Tail log is decoded text`]: (r) => r.logResult.startsWith('START RequestId: ') || r.logResult.includes('START RequestId: '),
    [`${t}: the log ends with its REPORT line`]: (r) => /REPORT RequestId: [^\n]*Duration: [\d.]+ ms[^\n]*\n?$/.test(r.logResult),
    [`${t}: report has Lambda's figures`]: (r) =>
      ['durationMs', 'billedDurationMs', 'memorySizeMB', 'maxMemoryUsedMB'].every((k) => typeof r.report[k] === 'number') &&
      r.report.memorySizeMB === 128,
  });
  const big = await lambda.invoke('big-log', '{}', { logType: 'Tail' });
  verify(big, {
    [`${t}: a long log is cut to its last 4 KB`]: (r) => encoding.b64encode(r.logResult).length <= Math.ceil(4096 / 3) * 4,
    [`${t}: the cut log keeps the REPORT`]: (r) => r.report !== undefined && r.logResult.includes('REPORT RequestId'),
  });
  // cold-start tells in its payload whether the call was cold: the report
  // must agree, call by call.
  let agree = 0;
  let cold = 0;
  for (let i = 0; i < 8; i++) {
    const c = await lambda.invoke('cold-start', '{}', { logType: 'Tail' });
    const wasCold = JSON.parse(c.payload).cold;
    if (wasCold) cold++;
    if (wasCold === (c.report.initDurationMs !== undefined)) agree++;
  }
  verify(null, {
    [`${t}: initDurationMs exactly on the cold starts`]: () => agree === 8,
    [`${t}: some calls were cold`]: () => cold >= 1 && cold < 8,
  });
}

async function functionErrors(t, lambda) {
  await checkRejects(`${t}: Handled`, lambda.invoke('fail-handled', '{}'), {
    'is a LambdaInvocationError': (e) => e instanceof LambdaInvocationError && e.name === 'LambdaInvocationError',
    'message as k6-jslib-aws': (e) => e.message === `Handled: ${e.response.payload}`,
    'functionError, errorType, errorMessage': (e) =>
      e.functionError === 'Handled' && e.errorType === 'ValidationError' && e.errorMessage === 'x must be a number',
    'carries the response': (e) => e.response.statusCode === 200 && JSON.parse(e.response.payload).errorType === 'ValidationError',
  });
  await checkRejects(`${t}: Unhandled`, lambda.invoke('fail-unhandled', '{}'), {
    'functionError and errorType': (e) => e.functionError === 'Unhandled' && e.errorType === 'Runtime.ExitError',
  });
  await checkRejects(`${t}: Unhandled text`, lambda.invoke('fail-text', '{}'), {
    'no errorType for a text payload': (e) =>
      e.functionError === 'Unhandled' && e.errorType === undefined && e.message === 'Unhandled: Task timed out after 3.00 seconds',
  });
}

async function serviceErrors(t, lambda) {
  await checkRejects(`${t}: unknown function`, lambda.invoke('no-such-function', '{}'), {
    'ResourceNotFoundException, an AWSError': (e) =>
      e instanceof AWSError && e.name === 'ResourceNotFoundException' && e.code === 'ResourceNotFoundException',
    "404, AWS's message and a request ID": (e) =>
      e.statusCode === 404 && e.message.startsWith('Function not found') && typeof e.requestId === 'string' && e.requestId.length > 0,
  });
  await checkRejects(`${t}: long error type`, lambda.invoke('long-error-type', '{}'), {
    'the type without its URL': (e) => e.name === 'ResourceNotFoundException',
  });
  await checkRejects(`${t}: throttled`, lambda.invoke('throttle', '{}'), {
    'TooManyRequestsException 429': (e) => e.name === 'TooManyRequestsException' && e.statusCode === 429,
    'retryAfterSeconds and reason': (e) =>
      e.retryAfterSeconds === 2 && e.reason === 'ReservedFunctionConcurrentInvocationLimitExceeded',
  });
  await checkRejects(`${t}: 500`, lambda.invoke('server-error', '{}'), {
    'ServiceException 500': (e) => e.name === 'ServiceException' && e.statusCode === 500,
  });
  await checkRejects(`${t}: 502`, lambda.invoke('bad-gateway', '{}'), {
    'a 502 service error': (e) => e instanceof AWSError && e.statusCode === 502 && e.name === 'InvalidRuntimeException',
  });
  await checkRejects(`${t}: bad JSON`, lambda.invoke('echo', 'not json'), {
    'InvalidRequestContentException 400': (e) => e.name === 'InvalidRequestContentException' && e.statusCode === 400,
  });
}

async function limitsAndPayloads(t, lambda) {
  const six = 6 * 1024 * 1024;
  const big = 'x'.repeat(six - 2);
  const echoed = await lambda.invoke('echo', `"${big}"`);
  verify(echoed, {
    [`${t}: a 6 MB payload round-trips`]: (r) => r.payload.length === six && r.payload === `"${big}"`,
  });
  await checkRejects(`${t}: over 6 MB`, lambda.invoke('echo', 'x'.repeat(six + 1)), {
    'refused before sending': (e) => e.name === 'InvalidInvocationError' && e.field === 'payload',
  });
  const mb = 1024 * 1024;
  const eventOk = await lambda.invoke('echo', `"${'y'.repeat(mb - 2)}"`, { invocationType: 'Event' });
  verify(eventOk, { [`${t}: a 1 MB Event is accepted`]: (r) => r.statusCode === 202 });
  await checkRejects(`${t}: Event over 1 MB`, lambda.invoke('echo', 'y'.repeat(mb + 1), { invocationType: 'Event' }), {
    'refused before sending': (e) => e.name === 'InvalidInvocationError' && e.message.includes('Event'),
  });
  const text = JSON.stringify({ name: 'zoë ☃ 日本 🚀' });
  const utf8 = await lambda.invoke('echo', text);
  const buffer = await lambda.invoke('echo', new Uint8Array([0x5b, 0x31, 0x2c, 0x32, 0x5d]).buffer);
  const object = await lambda.invoke('echo', { b: [1, 'zoë'] });
  verify(null, {
    [`${t}: non-ASCII UTF-8 round-trips (and signs)`]: () => utf8.payload === text,
    [`${t}: an ArrayBuffer is sent as bytes`]: () => buffer.payload === '[1,2]',
    [`${t}: an object is sent as JSON`]: () => object.payload === '{"b":[1,"zoë"]}',
  });
  const context = await lambda.invoke('client-context', '{}', {
    clientContext: encoding.b64encode(JSON.stringify({ custom: { a: 1 } })),
  });
  verify(context, {
    [`${t}: the client context reaches the function`]: (r) => JSON.stringify(JSON.parse(r.payload)) === '{"custom":{"a":1}}',
  });
}

async function signatures(t) {
  const withToken = await session[t].invoke('arn:aws:lambda:us-east-1:123456789012:function:add-numbers', '{"x":1,"y":2}', {
    qualifier: 'live', logType: 'Tail', clientContext: encoding.b64encode('{"custom":{"a":"b"}}'),
  });
  verify(null, {
    [`${t}: session credentials, an ARN, a qualifier, every signed header`]: () =>
      withToken.statusCode === 200 && withToken.payload === '3' && withToken.executedVersion === '7',
  });
  await checkRejects(`${t}: wrong session token`, wrongToken[t].invoke('add-numbers', '{"x":1,"y":2}'), {
    'a 403 AWSError': (e) => e instanceof AWSError && e.statusCode === 403,
  });
  await checkRejects(`${t}: wrong secret`, wrongSecret[t].invoke('add-numbers', '{"x":1,"y":2}'), {
    'InvalidSignatureError, an AWSError': (e) => e instanceof InvalidSignatureError && e instanceof AWSError,
    'code InvalidSignatureException, 403': (e) => e.code === 'InvalidSignatureException' && e.statusCode === 403,
  });
  await checkRejects(`${t}: unknown key`, unknownKey[t].invoke('add-numbers', '{"x":1,"y":2}'), {
    'UnrecognizedClientException 403': (e) => e.name === 'UnrecognizedClientException' && e.statusCode === 403,
  });
}

async function network(t) {
  const started = Date.now();
  await checkRejects(`${t}: timeout`, slowClients[t].invoke('slow-headers', '{"ms":3000}'), {
    'GeneralError 1050': (e) => e instanceof NetworkError && e.name === 'GeneralError' && e.code === 1050,
    'after the 500 ms timeout': () => Date.now() - started >= 450 && Date.now() - started < 2500,
  });
  const lambda = clients[t];
  await checkRejects(`${t}: closed mid-body`, lambda.invoke('close-mid-body', '{}'), {
    'a network error': (e) => e instanceof NetworkError && typeof e.code === 'number',
  });
  await checkRejects(`${t}: reset`, lambda.invoke('reset', '{}'), {
    'TCPError 1220': (e) => e.name === 'TCPError' && e.code === 1220,
  });
  await checkRejects(`${t}: malformed header`, lambda.invoke('malformed-header', '{}'), {
    'a network error': (e) => e instanceof NetworkError,
  });
  const empty = await lambda.invoke('empty-200', '{}');
  verify(empty, {
    [`${t}: an empty 200`]: (r) => r.statusCode === 200 && r.payload === '' && r.executedVersion === undefined,
  });
}

export default async function () {
  for (const t of TRANSPORTS) {
    const lambda = clients[t];
    await responses(t, lambda);
    await tailLogs(t, lambda);
    await functionErrors(t, lambda);
    await serviceErrors(t, lambda);
    await limitsAndPayloads(t, lambda);
    await signatures(t);
    await network(t);
  }
}
