// The fault suite: every way the endpoint can fail, with one VU and then
// with twenty, through both transports ('direct' and 'sdk'). For each
// fault: k6 survives, the promise rejects with the documented class, name
// and code (or resolves, for the faults a client should take in its
// stride), and the client works afterwards (an echo on the same client;
// on the main endpoint's client for the two faults whose endpoint never
// works: nothing listening, a certificate nobody trusts). At the end, the
// server's count of each function equals the number of lambda_invocations
// samples k6 wrote for it: both must equal what the script invoked
// (thresholds check k6's side, teardown the server's), so nothing was
// lost and nothing sent twice (maxAttempts: 1 everywhere).
//
// Nothing else may use the server while this runs: the counts are deltas.
//
//   k6 run -e LAMBDA_ENDPOINT=http://127.0.0.1:PORT \
//     -e LAMBDA_TLS_ENDPOINT=https://127.0.0.1:TLSPORT tests/e2e/faults.js
//
// (tests/lambdaserver with -tls-listen serves the second: the same server,
// behind a self-signed certificate.)
import * as lambda from 'k6/x/lambda';
import { sleep } from 'k6';
import exec from 'k6/execution';
import { TEST_KEYS, verify } from './lib.js';
import { TRANSPORTS, checkResolves, endpoint, rejects, stats } from './invoke_lib.js';

const { AWSConfig, AWSError, LambdaClient, NetworkError } = lambda;

const tlsEndpoint = __ENV.LAMBDA_TLS_ENDPOINT;
if (!tlsEndpoint) throw new Error('set LAMBDA_TLS_ENDPOINT to the https:// URL of tests/lambdaserver -tls-listen');

// Nothing listens on port 1 of loopback: the connection is refused.
const REFUSING_ENDPOINT = 'http://127.0.0.1:1';
// The no-answer client's timeout.
const TIMEOUT_MS = 2000;

// Each scenario runs every case once per iteration, per transport. The
// twenty VUs start once the one VU is done: its two iterations take about
// 9 s (two 2 s timeouts each) of the 30 s it is given.
const ONE_VU = { vus: 1, iterations: 2 };
const MANY_VUS = { vus: 20, iterations: 1 };
const ITERATIONS = ONE_VU.vus * ONE_VU.iterations + MANY_VUS.vus * MANY_VUS.iterations;
// How often each fault is invoked in all.
const N = ITERATIONS * TRANSPORTS.length;

// A k6 error class by name, or undefined while this build does not export
// it: the checks on it are then skipped (they pass).
const exported = (name) => (typeof lambda[name] === 'function' ? lambda[name] : undefined);

const network = (name, code, message) => ({
  'a NetworkError, not an AWSError': (e) => e instanceof NetworkError && !(e instanceof AWSError),
  [`name ${name}, code ${code}`]: (e) => e.name === name && e.code === code,
  [`instanceof ${name} (when exported)`]: (e) => exported(name) === undefined || e instanceof exported(name),
  [`message: ${message}`]: (e) => message.test(e.message),
});

// The payload reset-during-upload gets: far more than the 64 KiB it reads
// before the reset (5 MB, under the 6 MB limit).
const UPLOAD = JSON.stringify('x'.repeat(5 * 1024 * 1024));

// The cases. `fn` is the function invoked, a name no other case uses, so
// that its counts are the case's. `client` is which client invokes it
// ('main', 'slow' for the timeout, 'refused', 'tls'); `server` is what the
// server counts for it: 'invocation' (byFunction), 'nothing' (refused) or
// 'tlsHello'. `outcome` is the byStatus entry each invocation adds. A case
// has `rejects` (predicates on the error) or `resolves` (on the response).
const CASES = [
  {
    name: 'connection refused', fn: 'refused', client: 'refused', server: 'nothing',
    rejects: network('TCPError', 1212, /^connection refused/),
  },
  {
    name: 'reset during upload', fn: 'reset-during-upload', payload: UPLOAD, outcome: 'reset',
    rejects: {
      'a NetworkError, not an AWSError': (e) => e instanceof NetworkError && !(e instanceof AWSError),
      'TCPError 1220 (reset) or 1201 (broken pipe)': (e) => e.name === 'TCPError' && (e.code === 1220 || e.code === 1201),
      'instanceof TCPError (when exported)': (e) => exported('TCPError') === undefined || e instanceof exported('TCPError'),
      'message: connection reset by peer or broken pipe': (e) => /^(connection reset by peer|broken pipe)/.test(e.message),
    },
  },
  {
    name: 'reset before the answer', fn: 'reset', outcome: 'reset',
    rejects: network('TCPError', 1220, /^connection reset by peer/),
  },
  {
    // 200, Content-Length: 100, 10 bytes, then the connection closes.
    name: 'truncated body', fn: 'close-mid-body', outcome: 'truncated',
    rejects: network('GeneralError', 1000, /end of file before message length reached/),
  },
  {
    name: 'bytes that are not HTTP', fn: 'not-http', outcome: 'not-http',
    rejects: network('GeneralError', 1000, /invalid HTTP/),
  },
  {
    name: 'no answer (client timeout)', fn: 'no-answer', client: 'slow', outcome: 'client-closed',
    rejects: {
      ...network('GeneralError', 1050, /^request timeout/),
      [`after the ${TIMEOUT_MS} ms timeout (and within 5 s of it)`]: (e, { elapsed }) =>
        elapsed >= TIMEOUT_MS - 50 && elapsed < TIMEOUT_MS + 5000,
    },
  },
  {
    name: 'a proxy 502 (HTML, no X-Amzn-ErrorType)', fn: 'proxy-502', outcome: '502',
    rejects: {
      'an AWSError, not a NetworkError': (e) => e instanceof AWSError && !(e instanceof NetworkError),
      'statusCode 502': (e) => e.statusCode === 502,
      // No error type was sent: the type Lambda's 5xx have.
      'name and code ServiceException': (e) => e.name === 'ServiceException' && e.code === 'ServiceException',
      'message: the page sent': (e) => e.message.includes('502 Bad Gateway'),
      'no requestId (Lambda never saw it)': (e) => e.requestId === undefined,
    },
  },
  {
    // Over the 6 MB Lambda answers with (6,291,556 bytes): refused from
    // its Content-Length, not read (src/limits.rs).
    name: 'a 7 MB response', fn: 'big-response', outcome: '200',
    rejects: network('GeneralError', 1000, /^invalid response \(HTTP 200\): the body is over 6,291,556 bytes/),
  },
  {
    // The header is always sent; with logType 'Tail' as a script would ask.
    name: 'an X-Amz-Log-Result that is not base64', fn: 'bad-log-result', payload: '{"log":"bad"}',
    options: { logType: 'Tail' }, outcome: '200',
    resolves: {
      'status 200, the payload': (r) => r.statusCode === 200 && r.payload === '{"log":"bad"}',
      'logResult is the header as sent': (r) => r.logResult === 'this log is not base64!',
      'no report from it': (r) => r.report === undefined,
    },
  },
  {
    name: 'TLS, a certificate of an unknown authority', fn: 'tls-bad-cert', client: 'tls', server: 'tlsHello',
    rejects: network('TLSError', 1310, /certificate|UnknownIssuer/i),
  },
];

const AFTER_CHECKS = 1;
const checksPerIteration = TRANSPORTS.length *
  CASES.reduce((n, c) => n + Object.keys(c.rejects || c.resolves).length + AFTER_CHECKS, 0);
// The echo after each case.
const ECHOES = N * CASES.length;

const invocationCounts = {};
for (const c of CASES) invocationCounts[`lambda_invocations{function:${c.fn}}`] = [`count==${N}`];

export const options = {
  scenarios: {
    one_vu: { executor: 'per-vu-iterations', ...ONE_VU, maxDuration: '30s' },
    many_vus: { executor: 'per-vu-iterations', ...MANY_VUS, startTime: '30s', maxDuration: '2m' },
  },
  thresholds: {
    checks: ['rate==1'],
    // Every check ran, teardown's included.
    e2e_checks: [`count==${ITERATIONS * checksPerIteration + Object.keys(expected()).length}`],
    iterations: [`count==${ITERATIONS}`],
    // k6's side of the counts: one sample per invocation, per function.
    ...invocationCounts,
    'lambda_invocations{function:echo}': [`count==${ECHOES}`],
    lambda_invocations: [`count==${N * CASES.length + ECHOES}`],
  },
};

const config = (url) => new AWSConfig({ region: 'us-east-1', endpoint: url, ...TEST_KEYS });
const clients = {};
for (const transport of TRANSPORTS) {
  const o = { transport, maxAttempts: 1 };
  clients[transport] = {
    main: new LambdaClient(config(endpoint()), o),
    slow: new LambdaClient(config(endpoint()), { ...o, timeout: TIMEOUT_MS }),
    refused: new LambdaClient(config(REFUSING_ENDPOINT), o),
    tls: new LambdaClient(config(tlsEndpoint), o),
  };
}

export function setup() {
  return { before: stats() };
}

async function run(transport, c) {
  const label = `${transport}: ${c.name}`;
  const own = clients[transport][c.client || 'main'];
  const call = () => own.invoke(c.fn, c.payload || '{}', c.options || {});
  if (c.resolves) {
    await checkResolves(label, call(), c.resolves);
  } else {
    await rejects(label, undefined, call, c.rejects);
  }
  // The client still works: on the same client, unless its endpoint never does.
  const after = ['refused', 'tls'].includes(c.client) ? 'main' : c.client || 'main';
  const payload = JSON.stringify({ after: c.fn, transport, vu: exec.vu.idInTest, iteration: exec.vu.iterationInScenario });
  await checkResolves(`${label}: then an echo on the ${after} client`, clients[transport][after].invoke('echo', payload), {
    'answers its payload': (r) => r.statusCode === 200 && r.payload === payload,
  });
}

export default async function () {
  for (const transport of TRANSPORTS) {
    for (const c of CASES) await run(transport, c);
  }
}

const delta = (after, before, [group, key]) => {
  const get = (s) => (key === undefined ? s[group] : (s[group] || {})[key]) || 0;
  return get(after) - get(before);
};

// What the server must have counted, as deltas: "group.key" or "counter".
function expected() {
  const want = { 'byFunction.echo': ECHOES, tlsHellos: 0, invocations: ECHOES };
  const outcomes = { 200: ECHOES };
  for (const c of CASES) {
    want[`byFunction.${c.fn}`] = c.server === 'nothing' || c.server === 'tlsHello' ? 0 : N;
    if (c.server === 'tlsHello') want.tlsHellos += N;
    if (!c.server) want.invocations += N;
    if (c.outcome) outcomes[c.outcome] = (outcomes[c.outcome] || 0) + N;
  }
  for (const [outcome, n] of Object.entries(outcomes)) want[`byStatus.${outcome}`] = n;
  return want;
}

// The server's side of the counts. The no-answer invocations are counted
// as client-closed when the server notices the client left: wait for that.
export function teardown({ before }) {
  let now = stats();
  for (let i = 0; i < 50 && delta(now, before, ['byStatus', 'client-closed']) < N; i++) {
    sleep(0.1);
    now = stats();
  }
  const want = expected();
  const got = {};
  const named = {};
  for (const [key, n] of Object.entries(want)) {
    got[key] = delta(now, before, key.split('.'));
    named[`server: ${key} = ${n}`] = () => got[key] === n;
  }
  console.log(`server counts (deltas): ${JSON.stringify(got)}`);
  if (!verify(got, named)) {
    console.error(`server counts: got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
  }
}
