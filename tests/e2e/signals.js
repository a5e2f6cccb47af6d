// Stopped from outside: tests/e2e/run_signals.sh sends SIGINT or SIGTERM
// to k6 while every VU awaits a slow invocation. Each VU invokes `echo`
// (answered at once, counted) and then `slow-headers` (the server holds
// the answer SLOW_MS ms), half of the VUs through each transport. After
// the signal, teardown() still runs (k6 runs it on the global context):
// it invokes `echo`, or, with TEARDOWN_MS, `slow-headers` for that long,
// for the second signal to cut short.
//
//   k6 run -e LAMBDA_ENDPOINT=http://127.0.0.1:PORT -e VUS=300 tests/e2e/signals.js
import exec from 'k6/execution';
import { TRANSPORTS, clientsFor } from './invoke_lib.js';

const VUS = Number(__ENV.VUS || 300);
const SLOW_MS = Number(__ENV.SLOW_MS || 30000);
const TEARDOWN_MS = Number(__ENV.TEARDOWN_MS || 0);

export const options = {
  scenarios: {
    in_flight: { executor: 'per-vu-iterations', vus: VUS, iterations: 1, maxDuration: '2m' },
  },
};

const clients = clientsFor();

export default async function () {
  const client = clients[TRANSPORTS[exec.vu.idInTest % TRANSPORTS.length]];
  await client.invoke('echo', '"before"');
  await client.invoke('slow-headers', JSON.stringify({ ms: SLOW_MS }));
}

export async function teardown() {
  if (TEARDOWN_MS > 0) {
    await clients.direct.invoke('slow-headers', JSON.stringify({ ms: TEARDOWN_MS }));
  } else {
    await clients.direct.invoke('echo', '"teardown"');
  }
}
