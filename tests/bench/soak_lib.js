// What soak-invoke.js and soak-http.js share (scripts/soak.sh): the same
// load, RATE a second for DURATION seconds on VUS pre-allocated VUs (no
// VU is added during the run: its memory would look like growth), so the
// two runs differ only in how the request is sent.

export const vus = Number(__ENV.VUS || 50);

export const options = {
  scenarios: {
    soak: {
      executor: 'constant-arrival-rate',
      rate: Number(__ENV.RATE || 2000),
      timeUnit: '1s',
      duration: `${Number(__ENV.DURATION || 30)}s`,
      preAllocatedVUs: vus,
      maxVUs: vus,
    },
  },
  // A Rate: no per-sample storage, unlike a Trend's thresholds.
  thresholds: { checks: ['rate==1'] },
  summaryTrendStats: ['avg', 'med', 'p(99)', 'max'],
};

export function endpoint() {
  if (!__ENV.LAMBDA_ENDPOINT) throw new Error('set LAMBDA_ENDPOINT');
  return __ENV.LAMBDA_ENDPOINT;
}
