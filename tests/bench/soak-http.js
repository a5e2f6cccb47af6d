// Soak, baseline side (scripts/soak.sh): the load of soak-invoke.js, the
// same POST to the same Invoke URL with k6/http (no signing), the body read.
import { endpoint, options } from './soak_lib.js';
import http from 'k6/http';
import { check } from 'k6';

export { options };

const url = `${endpoint()}/2015-03-31/functions/add-numbers/invocations`;

export default function () {
  const r = http.post(url, '{"x":1,"y":2}');
  check(r, { 'status 200, body 3': (r) => r.status === 200 && r.body === '3' });
}
