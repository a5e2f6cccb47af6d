// An answer that arrived before the VU stopped is counted, even when the
// VU never got to see it (run by tests/e2e/run_signals.sh). Each of the 4
// VUs invokes `echo` (answered within milliseconds), then keeps its
// JavaScript busy for 6 s, so the event loop cannot settle the promise;
// k6 stops the VU at 2 s (`duration: 1s`, `gracefulStop: 1s`), and the
// iteration is interrupted. The invocation was answered 2 s earlier: it
// is in lambda_invocations, as k6/http counts an http.asyncRequest()
// whose response came before the stop.
//
//   k6 run -e LAMBDA_ENDPOINT=http://127.0.0.1:PORT --out json=F tests/e2e/signals_answered.js
import exec from 'k6/execution';
import { TRANSPORTS, clientsFor } from './invoke_lib.js';

export const options = {
  scenarios: {
    answered: { executor: 'constant-vus', vus: 4, duration: '1s', gracefulStop: '1s' },
  },
};

const clients = clientsFor();

export default async function () {
  const client = clients[TRANSPORTS[exec.vu.idInTest % TRANSPORTS.length]];
  const answer = client.invoke('echo', '"answered"');
  const busyUntil = Date.now() + 6000;
  while (Date.now() < busyUntil) {
    // The event loop cannot run while this does: the answer waits.
  }
  await answer;
}
