// Misbehaving endpoints and retries against tests/lambdaserver, for both
// transports ('direct' and 'sdk'): timeouts, a body cut short, a reset, a
// malformed header, an empty 200, and which errors maxAttempts retries (the
// server's counters, GET /_test/stats, tell how many attempts arrived).
// Nothing else may use the server while this runs: the counts are deltas.
//
//   build/k6 run -q -e LAMBDA_ENDPOINT=http://127.0.0.1:PORT tests/e2e/network.js
import * as lambda from 'k6/x/lambda';
import { AWSConfig, AWSError, LambdaClient, LambdaInvocationError, NetworkError } from 'k6/x/lambda';
import { TEST_KEYS, strictThresholds } from './lib.js';
import { TRANSPORTS, checkResolves, clientsFor, counted, rejects } from './invoke_lib.js';

const CHECKS_PER_TRANSPORT = 55;
export const options = {
  iterations: 1,
  thresholds: strictThresholds(TRANSPORTS.length * CHECKS_PER_TRANSPORT),
};

const once = clientsFor();
const thrice = clientsFor(undefined, { maxAttempts: 3 });
const twice = clientsFor(undefined, { maxAttempts: 2 });
const fast = clientsFor(undefined, { timeout: 500 });
const fastString = clientsFor(undefined, { timeout: '1s' });
const fastThrice = clientsFor(undefined, { timeout: 500, maxAttempts: 3 });
// Port 1 on loopback: nothing listens there, the connection is refused.
const nowhere = {};
for (const transport of TRANSPORTS) {
  nowhere[transport] = new LambdaClient(
    new AWSConfig({ region: 'us-east-1', endpoint: 'http://127.0.0.1:1', ...TEST_KEYS }),
    { transport },
  );
}

// k6-jslib-aws scripts test the subclass: `e instanceof TCPError`.
const networkError = (name, code) => ({
  [`a NetworkError named ${name}, code ${code}`]: (e) =>
    e instanceof NetworkError && !(e instanceof AWSError) && e.name === name && e.code === code,
  [`an instance of ${name}`]: (e) => typeof lambda[name] === 'function' && e instanceof lambda[name],
});

// What the direct transport reported for a case, so that the sdk pass can
// compare.
const seen = {};
const sameAsDirect = (t, key) => ({
  'reported as the direct transport did': (e) =>
    t === 'direct' ? ((seen[key] = `${e.name} ${e.code}`), true) : seen[key] === `${e.name} ${e.code}`,
});

async function timeouts(t) {
  await rejects(`${t}: slow-headers 3 s, timeout 500`, 'slow-headers', () => fast[t].invoke('slow-headers', '{"ms":3000}'), {
    ...networkError('GeneralError', 1050),
    'after about 500 ms (0.45 to 2 s)': (e, { elapsed }) => elapsed >= 450 && elapsed < 2000,
    'one attempt': (e, { attempts }) => attempts === 1,
  });
  await rejects(`${t}: slow-headers 3 s, timeout '1s'`, 'slow-headers', () => fastString[t].invoke('slow-headers', '{"ms":3000}'), {
    ...networkError('GeneralError', 1050),
    'after about 1 s (0.95 to 2.5 s)': (e, { elapsed }) => elapsed >= 950 && elapsed < 2500,
  });
  // The timeout bounds the invocation, retries included.
  await rejects(`${t}: timeout 500, maxAttempts 3`, 'slow-headers', () => fastThrice[t].invoke('slow-headers', '{"ms":3000}'), {
    ...networkError('GeneralError', 1050),
    'after about 500 ms (0.45 to 2 s)': (e, { elapsed }) => elapsed >= 450 && elapsed < 2000,
  });
  await checkResolves(`${t}: slow-headers 200 ms, timeout 500`, fast[t].invoke('slow-headers', '{"ms":200}'), {
    'answers in time': (r) => r.statusCode === 200 && r.payload === '{"sleptMs":200}',
  });
}

async function brokenConnections(t) {
  await rejects(`${t}: close-mid-body`, 'close-mid-body', () => once[t].invoke('close-mid-body', '{}'), {
    'a NetworkError from k6/x/lambda with a numeric code': (e) =>
      e instanceof NetworkError && ['GeneralError', 'TCPError'].includes(e.name) && typeof e.code === 'number',
    // Recorded: both transports give GeneralError 1000 (k6's generic error).
    ...networkError('GeneralError', 1000),
    'says the body was cut short': (e) => e.message.includes('end of file before message length reached'),
    ...sameAsDirect(t, 'close-mid-body'),
  });
  await rejects(`${t}: reset`, 'reset', () => once[t].invoke('reset', '{}'), {
    ...networkError('TCPError', 1220),
    'says connection reset': (e) => e.message.startsWith('connection reset by peer'),
  });
  await rejects(`${t}: malformed-header`, 'malformed-header', () => once[t].invoke('malformed-header', '{}'), {
    'a NetworkError with a numeric code': (e) => e instanceof NetworkError && typeof e.code === 'number',
    ...networkError('GeneralError', 1000),
    ...sameAsDirect(t, 'malformed-header'),
  });
  await rejects(`${t}: connection refused`, 'add-numbers', () => nowhere[t].invoke('add-numbers', '{}'), {
    ...networkError('TCPError', 1212),
    'nothing reached the test server': (e, { attempts }) => attempts === 0,
  });
  await checkResolves(`${t}: empty-200`, once[t].invoke('empty-200', '{}'), {
    "resolves: 200, payload ''": (r) => r.statusCode === 200 && r.payload === '',
    'executedVersion and logResult undefined': (r) =>
      'executedVersion' in r && r.executedVersion === undefined && r.logResult === undefined,
  });
}

const attempts = (n) => ({ [`${n} attempt${n === 1 ? '' : 's'}`]: (e, a) => a.attempts === n });

async function retries(t) {
  await rejects(`${t}: throttle, default maxAttempts`, 'throttle', () => once[t].invoke('throttle', '{}'), {
    ...attempts(1),
    TooManyRequestsException: (e) => e.name === 'TooManyRequestsException' && e.statusCode === 429,
  });
  await rejects(`${t}: throttle, maxAttempts 3`, 'throttle', () => thrice[t].invoke('throttle', '{}'), {
    ...attempts(3),
    'still TooManyRequestsException': (e) =>
      e.name === 'TooManyRequestsException' && e.statusCode === 429 && e.retryAfterSeconds === 2,
    // The direct transport waits Retry-After (2 s) before each retry; the
    // SDK's standard policy (as the README says) uses its own backoff.
    'waited as its policy says': (e, { elapsed }) => (t === 'direct' ? elapsed >= 3900 && elapsed < 6000 : elapsed < 6000),
  });
  await rejects(`${t}: server-error, maxAttempts 3`, 'server-error', () => thrice[t].invoke('server-error', '{}'), {
    ...attempts(3),
    'still ServiceException 500': (e) => e instanceof AWSError && e.name === 'ServiceException' && e.statusCode === 500,
  });
  await rejects(`${t}: bad-gateway, maxAttempts 3`, 'bad-gateway', () => thrice[t].invoke('bad-gateway', '{}'), {
    ...attempts(3),
    'still the 502': (e) => e.name === 'InvalidRuntimeException' && e.statusCode === 502,
  });
  // Not retried: a 4xx other than 429, and function errors.
  await rejects(`${t}: unknown function, maxAttempts 3`, 'no-such-function', () => thrice[t].invoke('no-such-function', '{}'), {
    ...attempts(1),
    ResourceNotFoundException: (e) => e.name === 'ResourceNotFoundException',
  });
  await rejects(`${t}: fail-handled, maxAttempts 3`, 'fail-handled', () => thrice[t].invoke('fail-handled', '{}'), {
    ...attempts(1),
    LambdaInvocationError: (e) => e instanceof LambdaInvocationError && e.functionError === 'Handled',
  });
  await rejects(`${t}: fail-unhandled, maxAttempts 3`, 'fail-unhandled', () => thrice[t].invoke('fail-unhandled', '{}'), {
    ...attempts(1),
    LambdaInvocationError: (e) => e instanceof LambdaInvocationError && e.functionError === 'Unhandled',
  });
  // Network errors are retried (README: "throttling, 5xx and network
  // errors are retried"), except once the server answered: an answer that
  // could not be parsed (the SDK does not retry it either), or a 200 whose
  // body broke off (the function ran: another attempt would run it again,
  // and Invoke is not idempotent). Both transports make one attempt then.
  await rejects(`${t}: reset, maxAttempts 3`, 'reset', () => thrice[t].invoke('reset', '{}'), {
    ...attempts(3),
    ...networkError('TCPError', 1220),
  });
  await rejects(`${t}: close-mid-body, maxAttempts 3`, 'close-mid-body', () => thrice[t].invoke('close-mid-body', '{}'), {
    ...attempts(1),
    ...networkError('GeneralError', 1000),
  });
  await rejects(`${t}: malformed-header, maxAttempts 3`, 'malformed-header', () => thrice[t].invoke('malformed-header', '{}'), {
    ...attempts(1),
    ...networkError('GeneralError', 1000),
  });
  const before = counted('echo');
  await checkResolves(`${t}: echo, maxAttempts 3`, thrice[t].invoke('echo', '"once"'), {
    'a success is sent once': (r) => r.payload === '"once"' && counted('echo') - before === 1,
  });
}

// Full jitter: the wait before a first retry is uniform in [0, 1 s) (1 s
// base) for both transports. Ten samples spread over less than 250 ms
// would happen by chance about 3 times in 100,000.
async function backoffSpread(t) {
  const SAMPLES = 10;
  const waits = [];
  for (let i = 0; i < SAMPLES; i++) {
    const before = counted('server-error');
    const started = Date.now();
    try {
      await twice[t].invoke('server-error', '{}');
    } catch (e) {
      if (e.name === 'ServiceException' && counted('server-error') - before === 2) waits.push(Date.now() - started);
    }
  }
  const spread = waits.length ? Math.max(...waits) - Math.min(...waits) : 0;
  await checkResolves(`${t}: backoff before a retried 500`, Promise.resolve(waits), {
    [`${SAMPLES} retries, each within the 1 s ceiling`]: (w) => w.length === SAMPLES && w.every((ms) => ms < 1100),
    'spread over the ceiling (max - min >= 250 ms)': () => spread >= 250,
  });
}

export default async function () {
  for (const t of TRANSPORTS) {
    await timeouts(t);
    await brokenConnections(t);
    await retries(t);
    await backoffSpread(t);
  }
}
