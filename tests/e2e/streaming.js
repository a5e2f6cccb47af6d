// Response streaming and function URLs against tests/lambdaserver, through
// both transports ('direct' and 'sdk'), which must report alike:
// invokeWithResponseStream (chunks handed to onChunk as they arrive, the
// joined payload, the time to the first chunk, DryRun, Tail logs, function
// errors in the InvokeComplete, each broken stream rejected without a
// hang, onChunk throwing) and invokeUrl (every method, paths and queries,
// empty, text and binary bodies, headers both ways, reserved headers
// refused, 4xx and 5xx answers, streamed bodies, network errors).
// Run by tests/e2e/run_streaming.sh; the run fails if a check fails.
import http from 'k6/http';
import { check } from 'k6';
import { setTimeout } from 'k6/timers';
import encoding from 'k6/encoding';
import {
  AWSConfig, LambdaClient, AWSError, InvalidSignatureError, LambdaInvocationError, NetworkError, GeneralError, TCPError,
} from 'k6/x/lambda';
import { TEST_KEYS, checkRejects, outcomeOf, strictThresholds, verify } from './lib.js';

const TRANSPORTS = ['direct', 'sdk'];
// Checks per transport (each name in verify() and checkRejects() counts).
const CHECKS_PER_TRANSPORT = 124;
// A function URL of another region than the clients' (us-east-1), on this
// test server (k6's hosts option): its signature must name eu-west-1.
const OTHER_REGION_HOST = 'abc123.lambda-url.eu-west-1.on.aws';
export const options = {
  iterations: 1,
  thresholds: strictThresholds(TRANSPORTS.length * CHECKS_PER_TRANSPORT),
  hosts: { [OTHER_REGION_HOST]: '127.0.0.1' },
};

const endpoint = __ENV.LAMBDA_ENDPOINT;
const urlBase = `${endpoint}/lambda-url`;
const config = (keys = TEST_KEYS) => new AWSConfig({ region: 'us-east-1', endpoint, ...keys });
const perTransport = (keys, clientOptions) =>
  Object.fromEntries(TRANSPORTS.map((t) => [t, new LambdaClient(config(keys), { transport: t, ...clientOptions })]));
// Each call bounded: a stream that hangs fails its check at the timeout
// instead of hanging the run.
const clients = perTransport(TEST_KEYS, { timeout: '10s' });
const shortTimeout = perTransport(TEST_KEYS, { timeout: '1s' });
const wrongSecret = perTransport({ accessKeyId: TEST_KEYS.accessKeyId, secretAccessKey: 'wrongwrongwrongwrong' }, { timeout: '10s' });
const session = perTransport(
  { accessKeyId: 'ASIAIOSFODNN7EXAMPLE', secretAccessKey: 'sessiontestsecretsecretsecret0000000000', sessionToken: 'testsessiontoken' },
  { timeout: '10s' },
);

// --- helpers ---------------------------------------------------------------

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// A promise of fn(): a synchronous throw becomes a rejection, so that a
// refusal is checked alike whether the method throws or rejects.
const attempt = async (fn) => fn();

const stats = () => {
  const r = http.get(`${endpoint}/_test/stats`);
  if (r.status !== 200) throw new Error(`cannot read the test server's stats: ${r.status}`);
  return r.json();
};

// The UTF-8 bytes of a string.
function utf8(text) {
  const out = [];
  for (const ch of text) {
    const c = ch.codePointAt(0);
    if (c < 0x80) out.push(c);
    else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 63));
    else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
  }
  return out;
}

const sameBytes = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);

// Timing checks leave the 2 shared cores of CI room: 400 ms of scripted
// gaps must show as at least 200 ms between the first chunk and the last
// (a buffered answer would hand them over together).
// An onChunk that records each call: its bytes, when, and whether the
// promise had settled by then (`recorder.settled` is set by the caller).
function recorder() {
  const rec = {
    calls: [],
    settled: false,
    started: Date.now(),
    // k6's APIs work in the callback, which runs on the VU's event loop.
    k6Api: true,
    onChunk: (chunk) => {
      try {
        rec.k6Api = rec.k6Api && check(chunk, { 'onChunk: check() works in the callback': (c) => c.byteLength > 0 });
      } catch (e) {
        console.error(`check() in onChunk: ${e}`);
        rec.k6Api = false;
      }
      rec.calls.push({
        isArrayBuffer: chunk instanceof ArrayBuffer,
        bytes: chunk instanceof ArrayBuffer ? Array.from(new Uint8Array(chunk)) : [],
        at: Date.now(),
        settled: rec.settled,
      });
    },
  };
  return rec;
}

// Awaits promise with rec as its onChunk's recorder: {value, error, ended}
// (ended: ms after rec.started), and marks rec settled. Then waits a
// little, so that a late onChunk call would be seen.
async function settle(rec, promise) {
  const { value, error } = await outcomeOf(promise);
  rec.settled = true;
  const ended = Date.now() - rec.started;
  await sleep(100);
  return { value, error, ended };
}

const echoed = (r) => JSON.parse(r.payload);

// --- InvokeWithResponseStream ----------------------------------------------

async function streams(t) {
  const lambda = clients[t];

  // Three chunks, the first 400 ms after the call, the others 200 ms apart.
  const plan = { chunks: ['one\n', 'zoë ☃ 🚀\n', 'three\n'], firstMs: 400, gapMs: 200 };
  const rec = recorder();
  const { value: r, error, ended } = await settle(rec, lambda.invokeWithResponseStream('stream-chunks', plan, { onChunk: rec.onChunk }));
  if (error) console.error(`${t}: stream-chunks: ${error.name}: ${error.message}`);
  const calls = rec.calls;
  verify(r, {
    [`${t}: stream-chunks: 200, the function's content type and version`]: (r) =>
      r !== undefined && r.statusCode === 200 && r.contentType === 'application/octet-stream' && r.executedVersion === '$LATEST',
    [`${t}: stream-chunks: the payload is the chunks joined`]: (r) => r !== undefined && r.payload === plan.chunks.join(''),
    [`${t}: stream-chunks: chunks counts them`]: (r) => r !== undefined && r.chunks === 3,
    [`${t}: stream-chunks: timeToFirstChunkMs at least the scripted 400 ms`]: (r) =>
      r !== undefined && typeof r.timeToFirstChunkMs === 'number' && r.timeToFirstChunkMs >= 400,
    [`${t}: stream-chunks: timeToFirstChunkMs well before the end (2 gaps of 200 ms)`]: (r) =>
      r !== undefined && r.timeToFirstChunkMs <= ended - 200,
    [`${t}: stream-chunks: no log or report without Tail`]: (r) =>
      r !== undefined && r.logResult === undefined && r.report === undefined,
  });
  verify(null, {
    [`${t}: onChunk: once per chunk, each an ArrayBuffer`]: () => calls.length === 3 && calls.every((c) => c.isArrayBuffer),
    [`${t}: onChunk: each chunk's bytes, in order`]: () =>
      calls.length === 3 && calls.every((c, i) => sameBytes(c.bytes, utf8(plan.chunks[i]))),
    [`${t}: onChunk: every call before the promise settled`]: () => calls.length === 3 && calls.every((c) => !c.settled),
    [`${t}: onChunk: the first not before the scripted 400 ms`]: () => calls.length > 0 && calls[0].at - rec.started >= 400,
    [`${t}: onChunk: called as the chunks arrived, not at the end`]: () =>
      calls.length === 3 && calls[2].at - calls[0].at >= 200 && calls[1].at - calls[0].at >= 100,
    [`${t}: onChunk: k6's check() works in it (the VU's event loop)`]: () => calls.length === 3 && rec.k6Api,
  });

  // The payload as a plain object, an ArrayBuffer; no onChunk.
  const object = await lambda.invokeWithResponseStream('stream-chunks', { count: 2 });
  const buffer = await lambda.invokeWithResponseStream('stream-chunks', new Uint8Array(utf8('{"chunks":["a","b","c","d"]}')).buffer);
  verify(null, {
    [`${t}: an object payload is sent as JSON, no onChunk needed`]: () =>
      object.payload === 'chunk 1\nchunk 2\n' && object.chunks === 2 && object.timeToFirstChunkMs >= 0,
    [`${t}: an ArrayBuffer payload is sent as bytes`]: () => buffer.payload === 'abcd' && buffer.chunks === 4,
  });

  // Qualifiers, as invoke.
  const alias = await lambda.invokeWithResponseStream('stream-chunks:live', '{"count":1}');
  const option = await lambda.invokeWithResponseStream('stream-chunks', '{"count":1}', { qualifier: '3' });
  const arn = await lambda.invokeWithResponseStream('arn:aws:lambda:us-east-1:123456789012:function:stream-chunks', '{"count":1}');
  verify(null, {
    [`${t}: name:alias runs the alias`]: () => alias.executedVersion === '7',
    [`${t}: the qualifier option`]: () => option.executedVersion === '3',
    [`${t}: a full ARN`]: () => arn.statusCode === 200 && arn.payload === 'chunk 1\n',
  });

  // A function that does not stream, on the streaming route: its whole
  // answer in one chunk.
  const buffered = await lambda.invokeWithResponseStream('add-numbers', { x: 1, y: 2 });
  verify(buffered, {
    [`${t}: a buffered function: its answer in one chunk, application/json`]: (r) =>
      r.statusCode === 200 && r.payload === '3' && r.chunks === 1 && r.contentType === 'application/json',
  });

  // DryRun: 204, no stream, no chunk.
  const dryRec = recorder();
  const { value: dry } = await settle(dryRec, lambda.invokeWithResponseStream('stream-chunks', '{}', {
    invocationType: 'DryRun', onChunk: dryRec.onChunk,
  }));
  verify(dry, {
    [`${t}: DryRun: 204, no chunk, no payload`]: (r) => r !== undefined && r.statusCode === 204 && r.chunks === 0 && r.payload === '',
    [`${t}: DryRun: timeToFirstChunkMs undefined, onChunk never called`]: (r) =>
      r !== undefined && r.timeToFirstChunkMs === undefined && dryRec.calls.length === 0,
  });

  // Tail: the log and its REPORT come in the InvokeComplete.
  const tail = await lambda.invokeWithResponseStream('stream-chunks', '{"count":2}', { logType: 'Tail' });
  verify(tail, {
    [`${t}: Tail: the decoded log, ending with its REPORT`]: (r) =>
      typeof r.logResult === 'string' && /REPORT RequestId: [^\n]*Duration: [\d.]+ ms/.test(r.logResult) &&
      r.logResult.includes('chunk 2 of 2'),
    [`${t}: Tail: report has Lambda's figures`]: (r) =>
      r.report !== undefined && r.report.memorySizeMB === 128 &&
      ['durationMs', 'billedDurationMs', 'maxMemoryUsedMB'].every((k) => typeof r.report[k] === 'number'),
    [`${t}: Tail: the chunks as without it`]: (r) => r.payload === 'chunk 1\nchunk 2\n' && r.chunks === 2,
  });
  const clientContext = await lambda.invokeWithResponseStream('client-context', '{}', {
    clientContext: encoding.b64encode('{"custom":{"k":"v"}}'),
  });
  verify(clientContext, {
    [`${t}: the client context reaches the function`]: (r) => r.payload === '{"custom":{"k":"v"}}',
  });

  // Refused before sending: nothing reaches the server.
  const before = stats().streamInvocations;
  await checkRejects(`${t}: Event`, attempt(() => lambda.invokeWithResponseStream('stream-chunks', '{}', { invocationType: 'Event' })), {
    'InvalidInvocationError for invocationType': (e) => e.name === 'InvalidInvocationError' && e.field === 'invocationType',
    'names the types a stream takes': (e) => e.message.includes('RequestResponse') && e.message.includes('DryRun'),
  });
  await checkRejects(`${t}: a misspelt option`, attempt(() => lambda.invokeWithResponseStream('stream-chunks', '{}', { onchunk: () => {} })), {
    'InvalidInvocationError for onchunk': (e) => e.name === 'InvalidInvocationError' && e.field === 'onchunk',
  });
  await checkRejects(`${t}: onChunk not a function`, attempt(() => lambda.invokeWithResponseStream('stream-chunks', '{}', { onChunk: 'x' })), {
    'InvalidInvocationError for onChunk': (e) => e.name === 'InvalidInvocationError' && e.field === 'onChunk',
  });
  await checkRejects(`${t}: a bad name`, attempt(() => lambda.invokeWithResponseStream('no/such', '{}')), {
    'InvalidInvocationError for name': (e) => e.name === 'InvalidInvocationError' && e.field === 'name',
  });
  verify(null, { [`${t}: refusals sent nothing`]: () => stats().streamInvocations === before });

  // Service errors before the stream, as invoke's.
  await checkRejects(`${t}: unknown function`, lambda.invokeWithResponseStream('no-such-function', '{}'), {
    'ResourceNotFoundException 404': (e) => e instanceof AWSError && e.name === 'ResourceNotFoundException' && e.statusCode === 404,
  });
  await checkRejects(`${t}: throttled`, lambda.invokeWithResponseStream('throttle', '{}'), {
    'TooManyRequestsException 429 with retryAfterSeconds': (e) =>
      e.name === 'TooManyRequestsException' && e.statusCode === 429 && e.retryAfterSeconds === 2,
  });
  await checkRejects(`${t}: wrong secret`, wrongSecret[t].invokeWithResponseStream('stream-chunks', '{}'), {
    'InvalidSignatureError, a 403 AWSError': (e) =>
      e instanceof InvalidSignatureError && e instanceof AWSError && e.code === 'InvalidSignatureException' && e.statusCode === 403,
  });
  const sessionStream = await session[t].invokeWithResponseStream('stream-chunks', '{"count":1}');
  verify(sessionStream, { [`${t}: session credentials sign a stream`]: (r) => r.statusCode === 200 && r.chunks === 1 });
}

async function functionErrors(t) {
  const lambda = clients[t];
  const rec = recorder();
  const { error } = await settle(rec, lambda.invokeWithResponseStream('stream-error', '{"count":2}', { onChunk: rec.onChunk, logType: 'Tail' }));
  const details = '{"errorType":"Error","errorMessage":"failed after 2 chunks","trace":[]}';
  await checkRejects(`${t}: stream-error`, error === null ? Promise.resolve() : Promise.reject(error), {
    'is a LambdaInvocationError': (e) => e instanceof LambdaInvocationError && e.name === 'LambdaInvocationError',
    'message "<ErrorCode>: <ErrorDetails>"': (e) => e.message === `Error: ${details}`,
    'functionError is the ErrorCode': (e) => e.functionError === 'Error',
    'errorType and errorMessage from the ErrorDetails': (e) => e.errorType === 'Error' && e.errorMessage === 'failed after 2 chunks',
    'response: what was streamed before': (e) =>
      e.response !== undefined && e.response.statusCode === 200 && e.response.payload === 'chunk 1\nchunk 2\n' &&
      e.response.chunks === 2 && typeof e.response.timeToFirstChunkMs === 'number',
    "response: the InvokeComplete's log and REPORT": (e) =>
      e.response !== undefined && typeof e.response.logResult === 'string' && e.response.report !== undefined,
    'onChunk got both chunks before the rejection': () => rec.calls.length === 2 && rec.calls.every((c) => !c.settled),
  });
  // A buffered function's error: no chunk, the InvokeComplete alone.
  await checkRejects(`${t}: a buffered function's handled error`, lambda.invokeWithResponseStream('fail-handled', '{}'), {
    'LambdaInvocationError, functionError the error type': (e) => e instanceof LambdaInvocationError && e.functionError === 'ValidationError',
    'errorType and errorMessage': (e) => e.errorType === 'ValidationError' && e.errorMessage === 'x must be a number',
    'response with no chunk': (e) => e.response.chunks === 0 && e.response.payload === '' && e.response.timeToFirstChunkMs === undefined,
  });
  await checkRejects(`${t}: a text ErrorDetails`, lambda.invokeWithResponseStream('fail-text', '{}'), {
    'no errorType for details that are not JSON': (e) =>
      e instanceof LambdaInvocationError && e.errorType === undefined &&
      e.message === 'Sandbox.Timedout: Task timed out after 3.00 seconds',
  });
}

// Each broken stream: a clear rejection after the chunk(s) before, never
// a hang (the 1 s client timeout bounds each; only the stall may reach it).
async function brokenStreams(t) {
  const cases = [
    { fn: 'stream-bad-prelude-crc', chunks: 1, what: 'prelude', network: 1000 },
    { fn: 'stream-bad-message-crc', chunks: 1, what: 'message', network: 1000 },
    { fn: 'stream-cut-frame', chunks: 1, what: 'broke off', network: 1000 },
    { fn: 'stream-no-complete', chunks: 3, what: 'without invokecomplete', network: 1000 },
    { fn: 'stream-exception', chunks: 1, what: 'in the event stream', service: 'ServiceException' },
    { fn: 'stream-stall', chunks: 1, what: 'timeout', network: 1050, stall: true },
  ];
  for (const c of cases) {
    const rec = recorder();
    const { error, ended } = await settle(rec, shortTimeout[t].invokeWithResponseStream(c.fn, '{}', { onChunk: rec.onChunk }));
    const after = c.chunks === 1 ? 'after 1 chunk' : `after ${c.chunks} chunks`;
    const kind = c.service
      ? { [`an AWSError named ${c.service}`]: (e) => e instanceof AWSError && e.name === c.service }
      : { [`a GeneralError ${c.network}`]: (e) => e instanceof NetworkError && e instanceof GeneralError && e.code === c.network };
    await checkRejects(`${t}: ${c.fn}`, error === null ? Promise.resolve() : Promise.reject(error), {
      ...kind,
      [`the message says "${c.what}" and "${after}"`]: (e) => e.message.toLowerCase().includes(c.what) && e.message.includes(after),
      [`onChunk got the ${c.chunks} chunk(s) before`]: () => rec.calls.length === c.chunks,
      [c.stall ? 'ends at the 1 s timeout' : 'at once, not at the timeout']: () =>
        (c.stall ? ended >= 900 && ended < 3000 : ended < 900),
    });
  }
}

async function onChunkThrows(t) {
  const lambda = clients[t];
  // Five chunks 300 ms apart; onChunk throws at the first.
  const thrown = new Error('enough after one chunk');
  let calls = 0;
  const before = stats().streamChunks;
  const started = Date.now();
  let error = null;
  try {
    await lambda.invokeWithResponseStream('stream-chunks', '{"count":5,"gapMs":300}', {
      onChunk: () => {
        calls++;
        throw thrown;
      },
    });
  } catch (e) {
    error = e;
  }
  const ended = Date.now() - started;
  await sleep(1800); // the rest of the stream, had it gone on
  const sent = stats().streamChunks - before;
  await checkRejects(`${t}: onChunk throws`, error === null ? Promise.resolve() : Promise.reject(error), {
    'rejects with what it threw': (e) => e === thrown,
    'at once, not at the end of the stream': () => ended < 900,
    'onChunk called once': () => calls === 1,
    'the call was cancelled: the server stopped streaming': () => sent < 5,
  });
  let threw = null;
  try {
    await lambda.invokeWithResponseStream('stream-chunks', '{"count":2}', {
      onChunk: () => {
        throw 'a string'; // eslint-disable-line no-throw-literal
      },
    });
  } catch (e) {
    threw = e;
  }
  verify(null, { [`${t}: onChunk throwing a string: rejects with that string`]: () => threw === 'a string' });
  // The client goes on after a cancelled call.
  const next = await lambda.invokeWithResponseStream('stream-chunks', '{"count":1}');
  verify(next, { [`${t}: the next call after a cancelled one`]: (r) => r.statusCode === 200 && r.payload === 'chunk 1\n' });
}

// --- function URLs ---------------------------------------------------------

async function functionUrls(t) {
  const lambda = clients[t];

  // Every method; the default is GET, POST with a body.
  for (const method of ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']) {
    const body = ['POST', 'PUT', 'PATCH'].includes(method) ? `a ${method} body` : undefined;
    const r = await lambda.invokeUrl(`${urlBase}/url-echo/m`, body === undefined ? { method } : { method, body });
    verify(r, {
      [`${t}: url ${method}: 200, signed and echoed`]: (r) =>
        r.statusCode === 200 &&
        (method === 'HEAD'
          ? r.payload === '' && r.chunks === 0
          : echoed(r).method === method && echoed(r).path === '/m' && encoding.b64decode(echoed(r).body, 'std', 's') === (body || '')),
    });
  }
  const lower = await lambda.invokeUrl(`${urlBase}/url-echo`, { method: 'patch', body: 'p' });
  verify(lower, { [`${t}: url: a method in lower case is sent in upper case`]: (r) => echoed(r).method === 'PATCH' });
  const byDefault = await lambda.invokeUrl(`${urlBase}/url-echo`);
  const withBody = await lambda.invokeUrl(`${urlBase}/url-echo`, { body: '{"a":1}' });
  verify(null, {
    [`${t}: url: GET by default, no body`]: () =>
      echoed(byDefault).method === 'GET' && echoed(byDefault).bodyLength === 0 && echoed(byDefault).path === '/',
    [`${t}: url: POST with a body`]: () => echoed(withBody).method === 'POST' && echoed(withBody).bodyLength === 7,
  });

  // The path and the query as given, signed as they go.
  const query = await lambda.invokeUrl(`${urlBase}/url-echo/a%20b/%C3%A9/x%2Fy?q=1%202&b=%2B&a=&a=2`);
  verify(echoed(query), {
    [`${t}: url: the path as given`]: (e) => e.path === '/a%20b/%C3%A9/x%2Fy',
    [`${t}: url: the query as given`]: (e) =>
      e.rawQuery === 'q=1%202&b=%2B&a=&a=2' && e.query.q[0] === '1 2' && e.query.b[0] === '+' &&
      e.query.a.length === 2 && e.query.a[1] === '2',
  });

  // Bodies: empty, UTF-8 text, binary, 1 MB.
  const empty = await lambda.invokeUrl(`${urlBase}/url-echo`, { method: 'POST', body: '' });
  const text = await lambda.invokeUrl(`${urlBase}/url-echo`, { method: 'PUT', body: 'zoë ☃' });
  const binary = await lambda.invokeUrl(`${urlBase}/url-echo`, { method: 'POST', body: new Uint8Array([0, 255, 1, 128]).buffer });
  const big = await lambda.invokeUrl(`${urlBase}/url-echo`, { method: 'POST', body: 'x'.repeat(1024 * 1024) });
  verify(null, {
    [`${t}: url: an empty body`]: () => echoed(empty).method === 'POST' && echoed(empty).bodyLength === 0 && echoed(empty).body === '',
    [`${t}: url: a text body as UTF-8`]: () => echoed(text).bodyLength === utf8('zoë ☃').length,
    [`${t}: url: a binary body byte for byte`]: () => echoed(binary).body === 'AP8BgA==' && echoed(binary).bodyLength === 4,
    [`${t}: url: a 1 MB body, signed`]: () => big.statusCode === 200 && echoed(big).bodyLength === 1024 * 1024,
  });

  // Request headers: sent and signed (the server checks the signature).
  const headers = await lambda.invokeUrl(`${urlBase}/url-echo`, {
    method: 'POST', body: 'h', headers: { 'Content-Type': 'text/plain', 'X-Test': 'a b', 'x-lower': 'v' },
  });
  verify(headers, {
    [`${t}: url: custom headers arrive`]: (r) => {
      const h = echoed(r).headers;
      return r.statusCode === 200 && h['content-type'][0] === 'text/plain' && h['x-test'][0] === 'a b' && h['x-lower'][0] === 'v';
    },
    [`${t}: url: signed (Authorization, X-Amz-Date)`]: (r) =>
      echoed(r).headers.authorization[0].startsWith('AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/') &&
      echoed(r).headers.authorization[0].includes('/us-east-1/lambda/aws4_request') && echoed(r).headers['x-amz-date'].length === 1,
  });
  const otherRegion = await lambda.invokeUrl(`${endpoint.replace('127.0.0.1', OTHER_REGION_HOST)}/lambda-url/url-echo`);
  verify(otherRegion, {
    [`${t}: url: a function URL's host names the region it is signed for, whatever the client's`]: (r) =>
      r.statusCode === 200 && echoed(r).headers.authorization[0].includes('/eu-west-1/lambda/aws4_request'),
  });
  const withToken = await session[t].invokeUrl(`${urlBase}/url-echo`);
  verify(withToken, {
    [`${t}: url: temporary credentials send and sign the session token`]: (r) =>
      r.statusCode === 200 && echoed(r).headers['x-amz-security-token'][0] === 'testsessiontoken',
  });

  // Reserved headers are refused before sending, in any case.
  const reserved = ['Host', 'Authorization', 'X-Amz-Date', 'X-Amz-Security-Token', 'X-Amz-Content-Sha256', 'Content-Length',
    'Transfer-Encoding', 'Connection', 'Upgrade', 'authorization', 'HOST'];
  const urlsBefore = stats().urlRequests;
  for (const name of reserved) {
    await checkRejects(`${t}: url: the header ${name}`, attempt(() => lambda.invokeUrl(`${urlBase}/url-echo`, { headers: { [name]: 'x' } })), {
      'InvalidInvocationError naming it': (e) =>
        e.name === 'InvalidInvocationError' && e.message.toLowerCase().includes(name.toLowerCase()),
    });
  }
  verify(null, { [`${t}: url: refused headers sent nothing`]: () => stats().urlRequests === urlsBefore });

  // Response headers: lower-case names, repeated ones joined with ", ".
  const answer = await lambda.invokeUrl(`${urlBase}/url-headers?X-One=a&X-One=b%2C%20c&x-two=d&Set-Cookie=s%3D1&Set-Cookie=t%3D2`);
  verify(answer, {
    [`${t}: url: response headers, lower-case names`]: (r) =>
      r.statusCode === 200 && Object.keys(r.headers).length > 0 && Object.keys(r.headers).every((k) => k === k.toLowerCase()) &&
      r.headers['content-type'] === 'application/json' && typeof r.headers['x-amzn-requestid'] === 'string' &&
      r.headers['x-two'] === 'd',
    [`${t}: url: repeated headers joined with ", "`]: (r) =>
      r.headers['x-one'] === 'a, b, c' && r.headers['set-cookie'] === 's=1, t=2',
  });

  // Any HTTP answer resolves: 4xx, 5xx, 204, a signature refused.
  for (const status of [400, 404, 429, 500, 503]) {
    const r = await lambda.invokeUrl(`${urlBase}/url-status?status=${status}`);
    verify(r, {
      [`${t}: url: ${status} resolves with its status and body`]: (r) =>
        r.statusCode === status && r.payload === `{"status":${status}}` && r.chunks >= 1,
    });
  }
  const noContent = await lambda.invokeUrl(`${urlBase}/url-status?status=204`, { method: 'DELETE' });
  const notFound = await lambda.invokeUrl(`${urlBase}/no-such-function/`);
  const forbidden = await wrongSecret[t].invokeUrl(`${urlBase}/url-echo`);
  verify(null, {
    [`${t}: url: 204, no body, no chunk`]: () =>
      noContent.statusCode === 204 && noContent.payload === '' && noContent.chunks === 0 && noContent.timeToFirstChunkMs === undefined,
    [`${t}: url: an unknown function URL is the server's 404`]: () =>
      notFound.statusCode === 404 && notFound.payload === '{"Message":"Not Found"}',
    [`${t}: url: a wrong signature is the server's 403, resolved`]: () =>
      forbidden.statusCode === 403 && forbidden.payload.includes('signature') &&
      forbidden.headers['x-amzn-errortype'] === 'InvalidSignatureException',
  });

  // A streamed body: each piece as it arrives.
  const rec = recorder();
  const { value: streamed, ended } = await settle(rec, lambda.invokeUrl(`${urlBase}/url-stream?chunks=3&firstMs=400&gapMs=200`, {
    onChunk: rec.onChunk,
  }));
  const calls = rec.calls;
  verify(streamed, {
    [`${t}: url-stream: 200, the body, text/plain`]: (r) =>
      r !== undefined && r.statusCode === 200 && r.payload === 'chunk 1\nchunk 2\nchunk 3\n' &&
      r.headers['content-type'] === 'text/plain; charset=utf-8',
    [`${t}: url-stream: 3 chunks, onChunk once each, in order, before the promise settled`]: (r) =>
      r !== undefined && r.chunks === 3 && calls.length === 3 && calls.every((c) => c.isArrayBuffer && !c.settled) &&
      calls.every((c, i) => sameBytes(c.bytes, utf8(`chunk ${i + 1}\n`))),
    [`${t}: url-stream: timeToFirstChunkMs at least the scripted 400 ms, well before the end`]: (r) =>
      r !== undefined && r.timeToFirstChunkMs >= 400 && r.timeToFirstChunkMs <= ended - 200,
    [`${t}: url-stream: onChunk called as the pieces arrived`]: () => calls.length === 3 && calls[2].at - calls[0].at >= 200,
  });

  // onChunk throwing cancels a function URL call too.
  const thrown = new Error('stop the URL');
  const startedThrow = Date.now();
  await checkRejects(`${t}: url: onChunk throws`, lambda.invokeUrl(`${urlBase}/url-stream?chunks=5&gapMs=300`, {
    onChunk: () => {
      throw thrown;
    },
  }), {
    'rejects with what it threw, at once': (e) => e === thrown && Date.now() - startedThrow < 900,
  });

  // No answer: network errors, as invoke's.
  const closed = `http://127.0.0.1:${__ENV.CLOSED_PORT || 1}/`;
  await checkRejects(`${t}: url: a refused connection`, lambda.invokeUrl(closed), {
    'TCPError 1212': (e) => e instanceof NetworkError && e instanceof TCPError && e.code === 1212,
  });
  const startedSlow = Date.now();
  await checkRejects(`${t}: url: a body that does not come in time`, shortTimeout[t].invokeUrl(`${urlBase}/url-stream?chunks=2&firstMs=3000`), {
    'GeneralError 1050 at the 1 s timeout': (e) =>
      e instanceof GeneralError && e.code === 1050 && Date.now() - startedSlow >= 900 && Date.now() - startedSlow < 3000,
  });
}

export default async function () {
  for (const t of TRANSPORTS) {
    await streams(t);
    await functionErrors(t);
    await brokenStreams(t);
    await onChunkThrows(t);
    await functionUrls(t);
  }
}
