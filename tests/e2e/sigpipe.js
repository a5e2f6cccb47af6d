// A peer that resets the connection while a large payload is being sent
// (tests/lambdaserver's reset-during-upload reads 64 KiB of it, then sends
// RST). Before SIGPIPE was blocked on the runtime's threads, the next write
// raised SIGPIPE and k6 died with status 141 mid-test. Now every such
// invocation rejects with a TCPError, with both transports and several VUs
// at once, and the run goes on to its summary and thresholds.
import { NetworkError } from 'k6/x/lambda';
import { strictThresholds, verify } from './lib.js';
import { TRANSPORTS, clientsFor } from './invoke_lib.js';

export const options = {
  vus: 4,
  iterations: 24,
  thresholds: strictThresholds(24 * TRANSPORTS.length),
};

const clients = clientsFor();
const payload = JSON.stringify('x'.repeat(5 * 1024 * 1024)); // 5 MB, under the 6 MB limit

export default async function () {
  for (const transport of TRANSPORTS) {
    let error = null;
    try {
      await clients[transport].invoke('reset-during-upload', payload);
    } catch (e) {
      error = e;
    }
    verify(error, {
      [`${transport}: the cut upload is a TCPError (reset 1220 or broken pipe 1201)`]: (e) =>
        e instanceof NetworkError && e.name === 'TCPError' && (e.code === 1220 || e.code === 1201),
    });
  }
}
