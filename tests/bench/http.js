// Benchmark B (scripts/bench.sh): the baseline for invoke.js, the same
// POST to the same Invoke URL with k6/http's blocking http.post (no
// signing), the body read. The load is bench_lib.js's.
import http from 'k6/http';
import { check } from 'k6';
import { invokeUrl, options, payload } from './bench_lib.js';

export { options };

export default function () {
  const r = http.post(invokeUrl, payload);
  check(r, { 'status is 200': (r) => r.status === 200 });
}
