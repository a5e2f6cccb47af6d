// A short run with everything the dashboards chart (dashboards/*.json):
// warm and cold invocations with their REPORTs, function errors,
// throttles, streams, a SnapStart function's restores, and a k6/http
// request per iteration for the overview's HTTP panels. Run by
// run_dashboard.sh (k6's web dashboard and its HTML report) and
// run_prometheus.sh (two instances writing to Prometheus); every outcome
// is checked, so a call that did not do what it should fails the run.
//
// Environment: LAMBDA_ENDPOINT; RATE (iterations per second at the peak,
// default 40) and SECONDS (default 6): the arrival rate rises from a
// fifth of RATE to RATE, so the charts show the load growing.
import http from 'k6/http';
import exec from 'k6/execution';
import { client, verify, strictThresholds } from './lib.js';

const RATE = Number(__ENV.RATE || 40);
const SECONDS = Number(__ENV.SECONDS || 6);

// The SnapStart function of tests/lambdaserver: the first environment of
// each published version is restored, and its REPORT carries a Restore
// Duration (lambda_restore_duration).
const SNAPSTART_FUNCTION = 'snapstart';

const lambda = client();

// What each iteration calls, by its number in the test (split over k6
// instances, each takes its own share of the numbers): mostly warm or
// cold invocations with a REPORT, and one in CALLS.length of each of the
// rest, from the first seconds on.
const CALLS = [
  'cold-start', 'cold-start', 'cold-start', 'cold-start',
  'fail-handled', 'throttle', 'stream', 'snapstart',
];

export const options = {
  scenarios: {
    rising: {
      executor: 'ramping-arrival-rate',
      startRate: Math.max(1, Math.floor(RATE / 5)),
      timeUnit: '1s',
      preAllocatedVUs: 8,
      maxVUs: 16,
      stages: [{ target: RATE, duration: `${SECONDS}s` }],
    },
  },
  // Each iteration makes one check; a run of a few seconds makes dozens.
  thresholds: strictThresholds(SECONDS * 2),
};

// invoke → true when the call ended as its function must.
async function call(kind) {
  const tail = { logType: 'Tail' };
  try {
    switch (kind) {
      case 'stream': {
        const r = await lambda.invokeWithResponseStream('stream-chunks', { count: 3, firstMs: 5, gapMs: 5 }, tail);
        return r.chunks === 3 && r.report !== undefined;
      }
      case 'snapstart': {
        // One published version, whose environments the server replaces
        // every few calls: restores all along, in one time series, as a
        // steady load of a SnapStart alias sees them (a version per call
        // would make a series per restore, each of one sample).
        const r = await lambda.invoke(SNAPSTART_FUNCTION, '{}', { ...tail, qualifier: '1' });
        return r.statusCode === 200 && r.report !== undefined;
      }
      default: {
        const r = await lambda.invoke(kind, '{"x":1,"y":2}', tail);
        return kind === 'cold-start' && r.statusCode === 200 && r.report !== undefined;
      }
    }
  } catch (e) {
    switch (kind) {
      case 'fail-handled':
        return e.name === 'LambdaInvocationError';
      case 'throttle':
        return e.code === 'TooManyRequestsException';
      default:
        console.error(`${kind}: ${e.name}: ${e.message}`);
        return false;
    }
  }
}

export default async function () {
  const kind = CALLS[exec.scenario.iterationInTest % CALLS.length];
  const ok = await call(kind);
  // One k6/http request, so that the overview's HTTP panels have data.
  const stats = http.get(`${__ENV.LAMBDA_ENDPOINT}/_test/stats`, { tags: { name: 'stats' } });
  verify(null, { [`${kind} answered as expected, stats read`]: () => ok && stats.status === 200 });
}
