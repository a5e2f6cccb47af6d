// Metrics of every invocation, for run_metrics.sh, which checks the JSON
// output (--out json) against what the test server counted.
// FAIL_EVERY=N makes every Nth iteration call a failing function.
// THRESHOLD_ONLY=1 runs the metrics scenario alone, for its exit code.
// The streaming scenario makes one call per STREAM_CASES entry, through
// invokeWithResponseStream and invokeUrl, tagged stream_case:
// check_metrics.py knows what each must emit (CLOSED_PORT, default 1: a
// port nothing listens on, for a refused function URL; port 1 is privileged
// and outside the ephemeral range, so nothing can take it during the run).
import http from 'k6/http';
import { client, verify, strictThresholds } from './lib.js';

const ITERATIONS = 60;
const FAIL_EVERY = Number(__ENV.FAIL_EVERY || 0);

const lambda = client();
const armLambda = client(undefined, { pricing: { architecture: 'arm64' } });
// Round figures, far from the defaults, so that a price mixed up shows.
const customLambda = client(undefined, { pricing: { usdPerGbSecond: 0.0001, usdPerMillionRequests: 2 } });

// The cost scenario's invocations, one each, tagged cost_case: check_metrics.py
// knows each case's prices, and which have a REPORT (so a lambda_cost_usd
// sample). The first call of each function has the log, so that its cold
// start is seen.
const COST_CASES = [
  { label: 'text-x86', client: lambda, fn: 'add-numbers', options: { logType: 'Tail' }, report: true },
  { label: 'json-x86', client: lambda, fn: 'json-log', options: { logType: 'Tail' }, report: true },
  { label: 'text-arm', client: armLambda, fn: 'add-numbers', options: { logType: 'Tail' }, report: true },
  { label: 'json-arm', client: armLambda, fn: 'json-log', options: { logType: 'Tail' }, report: true },
  { label: 'text-custom', client: customLambda, fn: 'add-numbers', options: { logType: 'Tail' }, report: true },
  { label: 'json-custom', client: customLambda, fn: 'json-log', options: { logType: 'Tail' }, report: true },
  // A function error is billed too: its log has a REPORT.
  { label: 'function-error', client: lambda, fn: 'fail-handled', options: { logType: 'Tail' }, report: true,
    error: 'LambdaInvocationError' },
  // No REPORT, no cost.
  { label: 'no-tail', client: lambda, fn: 'add-numbers', options: {}, report: false },
  { label: 'event', client: lambda, fn: 'json-log', options: { logType: 'Tail', invocationType: 'Event' }, report: false },
  { label: 'dry-run', client: armLambda, fn: 'add-numbers', options: { logType: 'Tail', invocationType: 'DryRun' },
    report: false },
  { label: 'not-found', client: lambda, fn: 'no-such-function', options: { logType: 'Tail' }, report: false,
    error: 'ResourceNotFoundException' },
];

// The streaming scenario's calls, one each, in order. `url` cases call
// invokeUrl with that URL (as given: check_metrics.py compares the url
// tag with it); the others invokeWithResponseStream. `error`: the name of
// the error it must reject with.
const URL_BASE = `${__ENV.LAMBDA_ENDPOINT}/lambda-url`;
const STREAM_CASES = [
  { label: 'stream-chunks', fn: 'stream-chunks', payload: { count: 4, firstMs: 100, gapMs: 50 },
    options: { logType: 'Tail', qualifier: 'live' } },
  { label: 'stream-dry-run', fn: 'stream-chunks', payload: { count: 4 }, options: { invocationType: 'DryRun' } },
  { label: 'stream-error', fn: 'stream-error', payload: { count: 2, gapMs: 50 }, options: { logType: 'Tail' },
    error: 'LambdaInvocationError' },
  // Broken after 2 chunks: no InvokeComplete, so no REPORT either.
  { label: 'stream-broken', fn: 'stream-no-complete', payload: { count: 2 }, options: {}, error: 'GeneralError' },
  { label: 'url-stream', url: `${URL_BASE}/url-stream?chunks=3&firstMs=100&gapMs=50`, params: {} },
  // The method in lower case: tagged in upper case.
  { label: 'url-put', url: `${URL_BASE}/url-echo/item`, params: { method: 'put', body: 'put body' } },
  { label: 'url-404', url: `${URL_BASE}/url-status?status=404`, params: {} },
  { label: 'url-503', url: `${URL_BASE}/url-status?status=503`, params: { method: 'POST', body: '{}' } },
  { label: 'url-refused', url: `http://127.0.0.1:${__ENV.CLOSED_PORT || 1}/refused`, params: {}, error: 'TCPError' },
  // An ID in the path, grouped by the call's url tag, which replaces the URL's.
  { label: 'url-grouped', url: `${URL_BASE}/url-echo/items/42`, params: { tags: { url: '/items/{id}' } } },
];

export const options = {
  scenarios: __ENV.THRESHOLD_ONLY
    ? {
        metrics: { executor: 'shared-iterations', vus: 4, iterations: ITERATIONS, tags: { suite: 'metrics' } },
      }
    : {
        metrics: { executor: 'shared-iterations', vus: 4, iterations: ITERATIONS, tags: { suite: 'metrics' } },
        cost: { executor: 'per-vu-iterations', vus: 1, iterations: 1, exec: 'cost', tags: { suite: 'metrics' } },
        streaming: { executor: 'per-vu-iterations', vus: 1, iterations: 1, exec: 'streaming', tags: { suite: 'metrics' } },
      },
  thresholds: __ENV.THRESHOLD_ONLY
    ? { lambda_invocation_failed: ['rate<0.01'] }
    : strictThresholds(ITERATIONS + COST_CASES.length + STREAM_CASES.length),
};

export function setup() {
  const reset = http.post(`${__ENV.LAMBDA_ENDPOINT}/_test/reset`);
  if (reset.status !== 200) throw new Error(`cannot reset the test server: ${reset.status}`);
}

export default async function () {
  const fail = FAIL_EVERY > 0 && __ITER % FAIL_EVERY === 0;
  let ok = false;
  try {
    const r = await lambda.invoke(fail ? 'fail-handled' : 'cold-start', '{"x":1,"y":2}', {
      logType: 'Tail',
      qualifier: 'live',
      tags: { flow: 'metrics-e2e' },
    });
    ok = r.statusCode === 200 && r.report !== undefined;
  } catch (e) {
    ok = fail && e.name === 'LambdaInvocationError';
  }
  verify(null, { 'invocation answered as expected': () => ok });
}

// One invocation per cost case, in order.
export async function cost() {
  for (const c of COST_CASES) {
    let response;
    let error = null;
    try {
      response = await c.client.invoke(c.fn, '{"x":1,"y":2}', { ...c.options, tags: { cost_case: c.label } });
    } catch (e) {
      error = e;
      response = e.response;
    }
    const ok = (error === null ? undefined : error.name) === c.error &&
      (response !== undefined && response.report !== undefined) === c.report;
    if (!ok) console.error(`cost case ${c.label}: ${error} ${JSON.stringify(response)}`);
    verify(null, { [`cost case ${c.label} answered as expected`]: () => ok });
  }
}

// One call per streaming case, in order.
export async function streaming() {
  for (const c of STREAM_CASES) {
    const tags = { stream_case: c.label };
    let response;
    let error = null;
    try {
      response = c.url
        ? await lambda.invokeUrl(c.url, { ...c.params, tags: { ...c.params.tags, ...tags } })
        : await lambda.invokeWithResponseStream(c.fn, c.payload, { ...c.options, tags });
    } catch (e) {
      error = e;
    }
    const ok = (error === null ? undefined : error.name) === c.error;
    if (!ok) console.error(`stream case ${c.label}: ${error} ${JSON.stringify(response)}`);
    verify(null, { [`stream case ${c.label} answered as expected`]: () => ok });
  }
}
