// The end of a run cuts invocations at every stage (run by
// tests/e2e/run_signals.sh): 50 VUs invoke `record` back to back for 2 s
// with `gracefulStop: 0s`, so that when the VUs stop, each has one
// invocation somewhere between connecting and its answer. Every payload,
// and the `id` tag of its samples, is unique ("VU-iteration"): the server's
// `recorded` counts and k6's samples can be matched one to one.
//
//   k6 run -e LAMBDA_ENDPOINT=http://127.0.0.1:PORT --out json=F tests/e2e/signals_churn.js
import exec from 'k6/execution';
import { TRANSPORTS, clientsFor } from './invoke_lib.js';

export const options = {
  scenarios: {
    churn: { executor: 'constant-vus', vus: 50, duration: '2s', gracefulStop: '0s' },
  },
};

const clients = clientsFor();

export default async function () {
  const id = `${exec.vu.idInTest}-${exec.vu.iterationInScenario}`;
  const client = clients[TRANSPORTS[exec.vu.idInTest % TRANSPORTS.length]];
  await client.invoke('record', JSON.stringify(id), { tags: { id } });
}
