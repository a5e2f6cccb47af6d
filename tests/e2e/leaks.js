// The leak check at the end of a k6 run: every VU invokes, many times,
// every kind of outcome (success, function error, 429 and 5xx, a refused
// connection, a client timeout, a call refused before sending), with both
// transports, while other VUs are stopped with invocations in flight (a
// gracefulStop of 0: they complete cancelled). Then teardown(), which runs
// after every VU iteration finished, reads liveCounts() (polling briefly:
// the last completions may still be on their way to their free) and checks
// that nothing is in flight and nothing the native library handed over is
// still held: completions, invocation handles, error strings.
//
// Client handles are alive by design: each VU keeps the clients its init
// context made for as long as k6 keeps the VU (to the end of the run), and
// so do the VUs k6 makes for setup() and teardown() and the one it reads
// the options from; a handle goes only when the garbage collector finds
// its LambdaClient unreachable. So the check on clients is a bound: at
// most what those VUs made, nothing that grows with the invocations.
//
//   k6 run -e LAMBDA_ENDPOINT=http://127.0.0.1:PORT tests/e2e/leaks.js
//
// (tests/lambdaserver; tests/e2e/run_leaks.sh starts one.)
import { AWSConfig, LambdaClient, liveCounts, AWSError, InvalidInvocationError, LambdaInvocationError, NetworkError } from 'k6/x/lambda';
import { check, sleep } from 'k6';
import { Counter } from 'k6/metrics';
import { TEST_KEYS, outcomeOf } from './lib.js';
import { endpoint } from './invoke_lib.js';

// Nothing listens on port 1 of loopback: the connection is refused.
const REFUSING_ENDPOINT = 'http://127.0.0.1:1';
const TIMEOUT_MS = 300;

const MIXED = { vus: 10, iterations: 10 };
const STOPPED_VUS = 5;
// Every VU that exists at once, and those k6 may add: for setup(), for
// teardown(), to read the options from. (k6 v1.8.1 was seen with 16 VUs'
// worth, 80 handles: the 15 VUs and one more.)
const MAX_VUS = MIXED.vus + STOPPED_VUS + 3;

const config = (url) => new AWSConfig({ region: 'us-east-1', endpoint: url, ...TEST_KEYS });
const clients = {
  direct: new LambdaClient(config(endpoint())),
  sdk: new LambdaClient(config(endpoint()), { transport: 'sdk' }),
  refused: new LambdaClient(config(REFUSING_ENDPOINT)),
  slow: new LambdaClient(config(endpoint()), { timeout: TIMEOUT_MS }),
  slowSdk: new LambdaClient(config(endpoint()), { timeout: TIMEOUT_MS, transport: 'sdk' }),
};
const CLIENTS_PER_VU = Object.keys(clients).length;
const MAX_CLIENTS = MAX_VUS * CLIENTS_PER_VU;

const network = (name, code) => (e) => e instanceof NetworkError && e.name === name && e.code === code;

// [label, invocation, predicate on the result (resolves) or error (rejects)]
const CASES = [
  ['direct: resolves', () => clients.direct.invoke('add-numbers', '{"x":1,"y":2}'), { resolves: (r) => r.payload === '3' }],
  ['sdk: resolves', () => clients.sdk.invoke('add-numbers', '{"x":1,"y":2}', { logType: 'Tail' }), { resolves: (r) => r.payload === '3' }],
  ['direct: function error', () => clients.direct.invoke('fail-unhandled', '{}'), { rejects: (e) => e instanceof LambdaInvocationError }],
  ['sdk: function error', () => clients.sdk.invoke('fail-handled', '{}'), { rejects: (e) => e instanceof LambdaInvocationError }],
  ['direct: 429', () => clients.direct.invoke('throttle', '{}'), { rejects: (e) => e instanceof AWSError && e.statusCode === 429 }],
  ['sdk: 5xx', () => clients.sdk.invoke('server-error', '{}'), { rejects: (e) => e instanceof AWSError && e.statusCode >= 500 }],
  ['refused connection', () => clients.refused.invoke('add-numbers', '{}'), { rejects: network('TCPError', 1212) }],
  ['direct: timeout', () => clients.slow.invoke('sleep', '{"ms":3000}'), { rejects: network('GeneralError', 1050) }],
  ['sdk: timeout', () => clients.slowSdk.invoke('sleep', '{"ms":3000}'), { rejects: network('GeneralError', 1050) }],
  // Refused by the library before sending: an error string crosses the ABI.
  ['refused before sending', () => clients.direct.invoke('add-numbers', '{}', { logType: 'Full' }),
    { rejects: (e) => e instanceof InvalidInvocationError && e.field === 'logType' }],
];
const SETTLED = MIXED.vus * MIXED.iterations * CASES.length;

const settled = new Counter('leaks_settled');
const stoppedStarted = new Counter('leaks_stopped_started');
const teardownChecked = new Counter('leaks_teardown_checked');

export const options = {
  scenarios: {
    mixed: { executor: 'per-vu-iterations', ...MIXED, maxDuration: '1m' },
    // Stopped at 2 s with an invocation of 30 s in flight in each VU.
    stopped: { executor: 'constant-vus', vus: STOPPED_VUS, duration: '2s', gracefulStop: '0s', exec: 'hang' },
  },
  thresholds: {
    checks: ['rate==1'],
    leaks_settled: [`count==${SETTLED}`],
    leaks_stopped_started: ['count>0'],
    leaks_teardown_checked: ['count==1'],
  },
};

export default async function () {
  await Promise.all(CASES.map(async ([label, invoke, expect]) => {
    const { value, error } = await outcomeOf(invoke());
    settled.add(1);
    const ok = expect.resolves ? error === null && expect.resolves(value) : error !== null && expect.rejects(error);
    if (!check(null, { [label]: () => ok })) {
      console.error(`${label}: got ${error === null ? JSON.stringify(value) : `${error.name}: ${error.message}`}`);
    }
  }));
}

export async function hang() {
  stoppedStarted.add(1);
  try {
    await clients.direct.invoke('sleep', '{"ms":30000}');
  } catch (e) {
    // CancelledError when the scenario stops (if the VU still listens).
  }
}

// Polls liveCounts() until nothing is in flight or held, for at most 5 s.
function settledCounts() {
  const deadline = Date.now() + 5000;
  let counts = liveCounts();
  while (Date.now() < deadline &&
    !(counts.inFlight === 0 && counts.completions === 0 && counts.invocations === 0 && counts.strings === 0)) {
    sleep(0.05);
    counts = liveCounts();
  }
  return counts;
}

export function teardown() {
  const counts = settledCounts();
  console.log(`liveCounts() in teardown: ${JSON.stringify(counts)} (client bound ${MAX_CLIENTS})`);
  teardownChecked.add(1);
  const ok = check(counts, {
    'teardown: no invocation in flight': (c) => c.inFlight === 0,
    'teardown: every completion freed': (c) => c.completions === 0,
    'teardown: every invocation handle released': (c) => c.invocations === 0,
    'teardown: every error string freed': (c) => c.strings === 0,
    'teardown: the one completion queue': (c) => c.queues === 1,
    [`teardown: client handles ${CLIENTS_PER_VU} to ${MAX_CLIENTS} (the VUs' own)`]: (c) =>
      c.clients >= CLIENTS_PER_VU && c.clients <= MAX_CLIENTS,
  });
  if (!ok) console.error(`leak check failed: ${JSON.stringify(counts)}`);
}
