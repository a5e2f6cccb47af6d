// A scenario's gracefulStop expiring with invocations in flight (run by
// tests/e2e/run_signals.sh). 20 VUs, `duration: 2s`, `gracefulStop: 2s`:
// each VU's first iteration invokes `echo` (answered at once), then
// `slow-headers`, held 3 s by the server for the even VUs (answered within
// the graceful stop: the iteration completes) and 10 s for the odd ones
// (still waiting at 4 s, when k6 stops the VU: the iteration is
// interrupted and its invocation cancelled). Half of the VUs use each
// transport.
//
//   k6 run -e LAMBDA_ENDPOINT=http://127.0.0.1:PORT tests/e2e/signals_graceful.js
import exec from 'k6/execution';
import { TRANSPORTS, clientsFor } from './invoke_lib.js';

const VUS = 20;
const FINISH_MS = 3000;
const STUCK_MS = 10000;

export const options = {
  scenarios: {
    graceful: { executor: 'constant-vus', vus: VUS, duration: '2s', gracefulStop: '2s' },
  },
};

const clients = clientsFor();

export default async function () {
  const id = exec.vu.idInTest;
  // Transport by id / 2, length by id % 2: each transport has both kinds.
  const client = clients[TRANSPORTS[Math.floor(id / 2) % TRANSPORTS.length]];
  await client.invoke('echo', '"before"');
  await client.invoke('slow-headers', JSON.stringify({ ms: id % 2 === 0 ? FINISH_MS : STUCK_MS }));
}
