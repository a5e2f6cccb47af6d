// Benchmark H (scripts/bench.sh, the streaming case): stream.js's request
// with k6's own blocking http.post, unsigned (the server checks no
// signature here), the event stream read as a body. Its http_req_waiting
// (the time to the first byte of the answer, which the server sends with
// the chunk) is the peer of S's time to the first chunk. The load is
// bench_lib.js's.
import http from 'k6/http';
import { check } from 'k6';
import { options, streamInvokeUrl, streamPayload } from './bench_lib.js';

export { options };

const params = { headers: { 'Content-Type': 'application/json' } };

export default function () {
  const r = http.post(streamInvokeUrl, streamPayload, params);
  check(r, {
    'status is 200, an event stream': (r) =>
      r.status === 200 && r.headers['Content-Type'] === 'application/vnd.amazon.eventstream',
  });
}
