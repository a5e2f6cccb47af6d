// 1,000 VUs, each awaiting a 200 ms invocation, for scripts/threads.sh,
// which watches the k6 process's OS threads while this runs.
import { client, strictThresholds, verify } from './lib.js';

export const options = {
  scenarios: {
    hold: {
      executor: 'constant-vus',
      vus: Number(__ENV.VUS || 1000),
      duration: __ENV.DURATION || '10s',
    },
  },
  thresholds: strictThresholds(1000),
};

const lambda = client();

export default async function () {
  const r = await lambda.invoke('sleep', JSON.stringify({ ms: 200 }));
  verify(r, { 'sleep: 200': (r) => r.statusCode === 200 && r.payload === '{"sleptMs":200}' });
}
