// What the benchmark scripts of scripts/bench.sh share: the load and the
// endpoint, so that the columns differ only in how the request is sent.
//
// The load: VUS VUs looping for DURATION (constant-vus), or, when RATE is
// set and above 0, RATE iterations a second for DURATION
// (constant-arrival-rate, on PRE_VUS pre-allocated VUs, at most MAX_VUS).

const rate = Number(__ENV.RATE || 0);
const duration = __ENV.DURATION || '10s';

export const options = {
  scenarios: {
    bench: rate > 0
      ? {
        executor: 'constant-arrival-rate',
        rate,
        timeUnit: '1s',
        duration,
        preAllocatedVUs: Number(__ENV.PRE_VUS || 200),
        maxVUs: Number(__ENV.MAX_VUS || 1000),
      }
      : {
        executor: 'constant-vus',
        vus: Number(__ENV.VUS || 10),
        duration,
      },
  },
  summaryTrendStats: ['avg', 'med', 'p(95)'],
};

if (!__ENV.LAMBDA_ENDPOINT) throw new Error('set LAMBDA_ENDPOINT');

export const endpoint = __ENV.LAMBDA_ENDPOINT;

// The Invoke URL of the function, for the k6/http scripts.
export const invokeUrl = `${endpoint}/2015-03-31/functions/add-numbers/invocations`;

export const payload = '{"x":1,"y":2}';

// The example keys of AWS's documentation: nginx checks no signature.
export const credentials = {
  region: 'us-east-1',
  accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
};

// The streaming case (S and H, scripts/bench.sh): tests/lambdaserver
// (-no-auth, so that k6/http's unsigned request is answered too) at
// STREAM_ENDPOINT, its `sleep` function on the InvokeWithResponseStream
// route. It sleeps STREAM_DELAY_MS, then sends the answer's head and its
// one PayloadChunk (`{"sleptMs":N}`) back to back: the server's own
// first-chunk delay, which both the time to the first chunk and
// http_req_waiting (the time to the first byte) include.
export const streamEndpoint = __ENV.STREAM_ENDPOINT || endpoint;
export const streamDelayMs = Number(__ENV.STREAM_DELAY_MS || 50);
export const streamPayload = JSON.stringify({ ms: streamDelayMs });
export const streamInvokeUrl = `${streamEndpoint}/2021-11-15/functions/sleep/response-streaming-invocations`;
