// Nothing lost, nothing sent twice: 500 invocations with unique payloads
// from 10 VUs; the server's count must match exactly, and retries
// (maxAttempts) must show up as extra attempts only when asked for.
import http from 'k6/http';
import { AWSConfig, LambdaClient } from 'k6/x/lambda';
import { TEST_KEYS, checkRejects, strictThresholds, verify } from './lib.js';

const VUS = 10;
const PER_VU = 50;
export const options = {
  scenarios: {
    echo: { executor: 'per-vu-iterations', vus: VUS, iterations: PER_VU },
    retries: { executor: 'per-vu-iterations', vus: 1, iterations: 1, exec: 'retries', startTime: '0s' },
  },
  // The echoes, 4 retry checks per transport, and teardown's.
  thresholds: strictThresholds(VUS * PER_VU + 2 * 4 + 1),
};

const endpoint = __ENV.LAMBDA_ENDPOINT;
const config = new AWSConfig({ region: 'us-east-1', endpoint, ...TEST_KEYS });

const stats = () => JSON.parse(http.get(`${endpoint}/_test/stats`).body);
const throttled = () => stats().byFunction.throttle || 0;

export function setup() {
  if (http.post(`${endpoint}/_test/reset`).status !== 200) throw new Error('cannot reset the test server');
}

const lambda = new LambdaClient(config);

export default async function () {
  const payload = JSON.stringify({ vu: __VU, iter: __ITER });
  const r = await lambda.invoke('echo', payload);
  verify(r, { 'echo returns its own payload': (r) => r.payload === payload });
}

export async function retries() {
  for (const transport of ['direct', 'sdk']) {
    const once = new LambdaClient(config, { transport });
    const thrice = new LambdaClient(config, { transport, maxAttempts: 3 });
    let before = throttled();
    await checkRejects(`${transport}: default`, once.invoke('throttle', '{}'), {
      'one attempt': () => throttled() - before === 1,
    });
    before = throttled();
    const started = Date.now();
    await checkRejects(`${transport}: maxAttempts 3`, thrice.invoke('throttle', '{}'), {
      'three attempts': () => throttled() - before === 3,
      'still TooManyRequestsException': (e) => e.name === 'TooManyRequestsException',
      // The direct transport waits the server's Retry-After (2 s) before
      // each retry; the SDK's standard policy uses its own jittered backoff.
      'waited between them': () => Date.now() - started >= (transport === 'direct' ? 3900 : 0) && throttled() - before === 3,
    });
  }
}

export function teardown() {
  const s = stats();
  const echoes = s.byFunction.echo || 0;
  // A check here counts toward the thresholds; the throw makes sure a
  // mismatch fails the run even if it did not.
  const ok = verify(s, { 'the server served exactly 500 echoes': () => echoes === VUS * PER_VU });
  if (!ok) throw new Error(`server counted ${echoes} echo invocations, want ${VUS * PER_VU}`);
}
