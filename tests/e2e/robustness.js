// Findings of the robustness review, each through the real k6 against
// tests/lambdaserver, both transports:
// - invoke() in the init context throws, and nothing reaches the server
//   (k6 runs the init code more than once per VU);
// - samples carry the tags in force when invoke() was called, not when the
//   answer arrived;
// - lambda_invocations counts only invocations that reached the network
//   (not a credentials failure), and data_sent only bytes that left (none
//   for a refused connection);
// - network errors are instances of k6-jslib-aws's subclasses.
// Run with no AWS credentials in the environment (run_lambdaserver.sh
// clears them): the `nocreds` client must find none.
//
//   build/k6 run -q -e LAMBDA_ENDPOINT=http://127.0.0.1:PORT tests/e2e/robustness.js
import exec from 'k6/execution';
import { AWSConfig, LambdaClient, NetworkError } from 'k6/x/lambda';
import * as lambda from 'k6/x/lambda';
import { TEST_KEYS, checkRejects, strictThresholds, verify } from './lib.js';
import { TRANSPORTS, clientsFor, counted, endpoint } from './invoke_lib.js';

const ITERATIONS = 10;
const CALLS = ITERATIONS * TRANSPORTS.length;
const CHECKS_PER_CALL = 6;

export const options = {
  scenarios: { robustness: { executor: 'shared-iterations', vus: 2, iterations: ITERATIONS } },
  thresholds: {
    ...strictThresholds(CALLS * CHECKS_PER_CALL + 2),
    // Tagged at the call: exec.vu.tags.phase changes before the await.
    'lambda_invocations{case:tags,phase:call}': [`count==${CALLS}`],
    'lambda_invocations{case:tags,phase:after-call}': ['count==0'],
    // Never sent: no sample of the function.
    'lambda_invocations{case:nocreds}': ['count==0'],
    // Refused: an invocation attempted, with nothing sent.
    'lambda_invocations{case:refused}': [`count==${CALLS}`],
    'data_sent{case:refused}': ['count==0'],
  },
};

const PROBE = 'init-context-probe';
const clients = clientsFor();
let initError = null;
try {
  clients.direct.invoke(PROBE, '{}');
} catch (e) {
  initError = e;
}

const nocreds = {};
const refused = {};
for (const transport of TRANSPORTS) {
  nocreds[transport] = new LambdaClient(new AWSConfig({ region: 'us-east-1', endpoint: endpoint() }), { transport });
  refused[transport] = new LambdaClient(
    new AWSConfig({ region: 'us-east-1', endpoint: 'http://127.0.0.1:1', ...TEST_KEYS }),
    { transport },
  );
}

export function setup() {
  verify(initError, {
    'invoke() in the init context throws, naming it': (e) => e !== null && /init context/.test(String(e.message)),
  });
}

export default async function () {
  for (const t of TRANSPORTS) {
    exec.vu.tags.phase = 'call';
    const pending = clients[t].invoke('add-numbers', '{"x":1,"y":2}', { tags: { case: 'tags' } });
    exec.vu.tags.phase = 'after-call';
    const r = await pending;
    delete exec.vu.tags.phase;
    verify(r, { [`${t}: resolves`]: (res) => res.statusCode === 200 && res.payload === '3' });

    await checkRejects(`${t}: no credentials`, nocreds[t].invoke('add-numbers', '{}', { tags: { case: 'nocreds' } }), {
      'CredentialsError': (e) => e.name === 'CredentialsError',
      'an instance of CredentialsError': (e) =>
        typeof lambda.CredentialsError === 'function' && e instanceof lambda.CredentialsError,
    });
    await checkRejects(`${t}: refused`, refused[t].invoke('add-numbers', '{}', { tags: { case: 'refused' } }), {
      'TCPError 1212': (e) => e instanceof NetworkError && e.name === 'TCPError' && e.code === 1212,
      'an instance of TCPError': (e) => typeof lambda.TCPError === 'function' && e instanceof lambda.TCPError,
      'not a DNSError': (e) => typeof lambda.DNSError === 'function' && !(e instanceof lambda.DNSError),
    });
  }
}

export function teardown() {
  verify(counted(PROBE), { 'nothing from the init context reached the server': (n) => n === 0 });
}
