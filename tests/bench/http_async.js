// Benchmark D (scripts/bench.sh): http.js's request through k6/http's
// promise API, awaited in an async iteration: the path k6-jslib-aws takes,
// and the closest peer of invoke.js's `await client.invoke(...)` (no
// signing). The load is bench_lib.js's.
import http from 'k6/http';
import { check } from 'k6';
import { invokeUrl, options, payload } from './bench_lib.js';

export { options };

export default async function () {
  const r = await http.asyncRequest('POST', invokeUrl, payload);
  check(r, { 'status is 200': (r) => r.status === 200 });
}
