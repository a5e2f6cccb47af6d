// Used by the scripts against tests/lambdaserver (network.js, faults.js,
// ...): clients per transport, checks on how an invocation resolved or
// rejected (with its elapsed time and the attempts the server counted),
// the server's counters, UTF-8 sizes.
import http from 'k6/http';
import { AWSConfig, LambdaClient } from 'k6/x/lambda';
import { TEST_KEYS, outcomeOf, verify } from './lib.js';

// Both transports must report every response and error alike.
export const TRANSPORTS = ['direct', 'sdk'];

export function endpoint() {
  const url = __ENV.LAMBDA_ENDPOINT;
  if (!url) throw new Error('set LAMBDA_ENDPOINT to the URL of tests/lambdaserver');
  return url;
}

export function config(keys = TEST_KEYS) {
  return new AWSConfig({ region: 'us-east-1', endpoint: endpoint(), ...keys });
}

// One client per transport, with the same keys and client options.
export function clientsFor(keys = TEST_KEYS, options = {}) {
  const clients = {};
  for (const transport of TRANSPORTS) {
    clients[transport] = new LambdaClient(config(keys), { ...options, transport });
  }
  return clients;
}

// Awaits `promise` and checks the value it resolves to against every
// predicate in `checks` (named `${label}: name`); a rejection fails every
// check (so the number of checks stays the same) and is logged.
export async function checkResolves(label, promise, checks) {
  const { value, error } = await outcomeOf(promise);
  const named = {};
  for (const [name, predicate] of Object.entries(checks)) {
    named[`${label}: ${name}`] = () => error === null && predicate(value);
  }
  if (!verify(value, named)) {
    console.error(`${label}: got ${error === null ? JSON.stringify(summarize(value)) : `${error.name}: ${error.message}`}`);
  }
  return error === null ? value : undefined;
}

// Calls `call` (a function returning the invocation's promise, which must
// reject) and checks the error against every predicate in `checks` (named
// `${label}: name`); each predicate gets the error and { elapsed, attempts }:
// the milliseconds until the promise settled and, when `fn` is given, how
// many invocations of `fn` the server counted meanwhile (GET /_test/stats
// before and after). A resolution fails every check (so the number of
// checks stays the same); a failure is logged. Returns the error, or null.
export async function rejects(label, fn, call, checks) {
  const before = fn === undefined ? 0 : counted(fn);
  const started = Date.now();
  let error = null;
  try {
    await call();
  } catch (e) {
    error = e;
  }
  const info = { elapsed: Date.now() - started };
  if (fn !== undefined) info.attempts = counted(fn) - before;
  const named = {};
  for (const [name, predicate] of Object.entries(checks)) {
    named[`${label}: ${name}`] = () => error !== null && predicate(error, info);
  }
  if (!verify(error, named)) {
    const what = error === null ? 'a resolved promise' : `${error.name} ${JSON.stringify(error.code)}: ${error.message}`;
    const attempts = fn === undefined ? '' : `, ${info.attempts} attempts`;
    console.error(`${label}: got ${what} after ${info.elapsed} ms${attempts}`);
  }
  return error;
}

// A response without its (possibly megabytes long) payload, for logs.
function summarize(r) {
  if (r === null || typeof r !== 'object' || Array.isArray(r)) return r;
  const out = { ...r };
  if (typeof out.payload === 'string' && out.payload.length > 200) {
    out.payload = `${out.payload.slice(0, 200)}... (${out.payload.length} chars)`;
  }
  return out;
}

// GET /_test/stats: the server's counters (tests/lambdaserver/stats.go).
export function stats() {
  const res = http.get(`${endpoint()}/_test/stats`);
  if (res.status !== 200) throw new Error(`GET /_test/stats: ${res.status} ${res.body}`);
  return JSON.parse(res.body);
}

// POST /_test/reset: zeroes the counters and forgets every environment
// (the next call of each function is cold); returns the old counters.
export function resetStats() {
  const res = http.post(`${endpoint()}/_test/reset`);
  if (res.status !== 200) throw new Error(`POST /_test/reset: ${res.status} ${res.body}`);
  return JSON.parse(res.body);
}

// How many invocations the server has counted for the function `fn`, or
// in all when fn is omitted.
export function counted(fn) {
  const s = stats();
  return fn === undefined ? s.invocations : s.byFunction[fn] || 0;
}

// The length of `text` in UTF-8 bytes (k6 has no TextEncoder).
export function utf8Length(text) {
  let n = 0;
  for (const ch of text) {
    const c = ch.codePointAt(0);
    n += c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
  }
  return n;
}
