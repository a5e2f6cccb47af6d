// Answers larger than Lambda sends (issue 20, item 3), through both
// transports, from tests/lambdaserver's oversize functions: each is
// refused with a clear error, reading stopped at the bound, or, within
// Lambda's limits, taken whole. tests/e2e/run_bounds.sh runs each CASE
// in a k6 of its own and bounds its peak RSS.
//
//   refused   Invoke: a 200 with a 64 MiB payload (Content-Length, and
//             chunked): a GeneralError (1000) that names Lambda's 6 MB;
//             Invoke and InvokeWithResponseStream: a 500 with a 64 MiB
//             error body: the ServiceException, its message cut to a
//             few KiB;
//   accepted  a 64 MiB InvokeWithResponseStream, a function URL's 200
//             and 500 with 64 MiB bodies: under Lambda's 200 MB for a
//             streamed response, taken whole;
//   streamed-over   InvokeWithResponseStream and a function URL past
//             200 MiB: a GeneralError (1000) that names Lambda's 200 MB.
//
//   k6 run -e CASE=refused -e LAMBDA_ENDPOINT=http://127.0.0.1:P [-e VUS=8] tests/e2e/bounds.js
import { outcomeOf, strictThresholds, verify } from './lib.js';
import { TRANSPORTS, clientsFor, endpoint } from './invoke_lib.js';

const CASE = __ENV.CASE;
const VUS = Number(__ENV.VUS || 8);
const ITERATIONS = Number(__ENV.ITERATIONS || 2);

const MiB = 1024 * 1024;
const BIG = 64 * MiB;
// Lambda's bounds, as the library applies them (src/limits.rs).
const SYNC_LIMIT = '6,291,556';
const STREAM_LIMIT = '209,715,200';
// Past the streamed bound: 200 MiB and one more.
const OVER_STREAM = 200 * MiB + MiB;
// What an error's message may keep of a body (4 KiB) and the note that
// says it was cut.
const MESSAGE_MAX = 4 * 1024 + 200;

const clients = clientsFor(undefined, { timeout: 120000 });

const tooLarge = (limit) => ({
  'rejects with GeneralError 1000': (o) => o.error !== null && o.error.name === 'GeneralError' && o.error.code === 1000,
  [`the message names the bound, ${limit} bytes`]: (o) => o.error !== null && o.error.message.includes(`${limit} bytes`),
});
const cutServiceError = {
  'rejects with ServiceException, status 500': (o) =>
    o.error !== null && o.error.name === 'ServiceException' && o.error.statusCode === 500,
  [`a message of at most ${MESSAGE_MAX} characters`]: (o) => o.error !== null && o.error.message.length <= MESSAGE_MAX,
  'the message says the body was cut': (o) => o.error !== null && /cut/.test(o.error.message),
};
const whole = (status, bytes) => ({
  [`resolves with ${status}`]: (o) => o.error === null && o.value.statusCode === status,
  [`the whole payload, ${bytes} bytes`]: (o) => o.error === null && o.value.payload.length === bytes,
});

const CASES = {
  refused: (c) => [
    ['Invoke, 200 with 64 MiB (Content-Length)', () => c.invoke('oversize', JSON.stringify({ bytes: BIG })), tooLarge(SYNC_LIMIT)],
    ['Invoke, 200 with 64 MiB (chunked)', () => c.invoke('oversize', JSON.stringify({ bytes: BIG, chunked: true })), tooLarge(SYNC_LIMIT)],
    ['Invoke, 500 with 64 MiB', () => c.invoke('oversize-error', JSON.stringify({ bytes: BIG })), cutServiceError],
    ['InvokeWithResponseStream, 500 with 64 MiB',
      () => c.invokeWithResponseStream('oversize-error', JSON.stringify({ bytes: BIG })), cutServiceError],
  ],
  accepted: (c) => [
    ['InvokeWithResponseStream, 64 MiB', () => c.invokeWithResponseStream('stream-oversize', JSON.stringify({ bytes: BIG })),
      whole(200, BIG)],
    ['function URL, 200 with 64 MiB', () => c.invokeUrl(`${endpoint()}/lambda-url/url-oversize/?bytes=${BIG}&status=200`),
      whole(200, BIG)],
    ['function URL, 500 with 64 MiB', () => c.invokeUrl(`${endpoint()}/lambda-url/url-oversize/?bytes=${BIG}&status=500`),
      whole(500, BIG)],
  ],
  'streamed-over': (c) => [
    ['InvokeWithResponseStream, past 200 MiB',
      () => c.invokeWithResponseStream('stream-oversize', JSON.stringify({ bytes: OVER_STREAM })), tooLarge(STREAM_LIMIT)],
    ['function URL, past 200 MiB', () => c.invokeUrl(`${endpoint()}/lambda-url/url-oversize/?bytes=${OVER_STREAM}`),
      tooLarge(STREAM_LIMIT)],
  ],
};
if (!CASES[CASE]) throw new Error(`CASE=${CASE}: expected one of ${Object.keys(CASES).join(', ')}`);

const CHECKS = VUS * ITERATIONS * TRANSPORTS.reduce((n, t) => n + CASES[CASE](clients[t]).reduce((m, [, , c]) => m + Object.keys(c).length, 0), 0);

export const options = {
  scenarios: { bounds: { executor: 'per-vu-iterations', vus: VUS, iterations: ITERATIONS, maxDuration: '10m' } },
  thresholds: { ...strictThresholds(CHECKS), iterations: [`count==${VUS * ITERATIONS}`] },
};

// An outcome for the log, without a 64 MiB payload.
function describe(o) {
  if (o.error !== null) return `${o.error.name} ${JSON.stringify(o.error.code)}: ${o.error.message.slice(0, 300)} (${o.error.message.length} characters)`;
  return `status ${o.value.statusCode}, ${o.value.payload.length} bytes`;
}

export default async function () {
  for (const transport of TRANSPORTS) {
    for (const [label, call, checks] of CASES[CASE](clients[transport])) {
      const o = await outcomeOf(call());
      const named = {};
      for (const [name, predicate] of Object.entries(checks)) named[`${transport}: ${label}: ${name}`] = () => predicate(o);
      if (!verify(o, named)) console.error(`${transport}: ${label}: got ${describe(o)}`);
    }
  }
}
