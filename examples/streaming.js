// Response streaming: a function that streams its answer
// (InvokeWithResponseStream), each chunk handed to onChunk as it arrives,
// and, when FUNCTION_URL is given, a Lambda function URL with IAM auth,
// streamed the same way. Thresholds on the time to the first chunk
// (lambda_stream_first_chunk) and between chunks (lambda_stream_chunk_gap).
//
//   k6 run -e AWS_REGION=eu-west-1 -e FUNCTION=my-streaming-fn \
//     -e FUNCTION_URL=https://abc.lambda-url.eu-west-1.on.aws/ examples/streaming.js
//
// FUNCTION defaults to stream-lines (tests/functions: `cargo lambda deploy
// stream-lines` puts it on AWS); PAYLOAD (default {"count":5,"gapMs":100})
// is sent as it is. Against tests/lambdaserver, as scripts/test.sh runs it:
//   -e LAMBDA_ENDPOINT=http://127.0.0.1:PORT -e FUNCTION=stream-chunks \
//   -e FUNCTION_URL=http://127.0.0.1:PORT/lambda-url/url-stream/?chunks=5
import { AWSConfig, LambdaClient, LambdaInvocationError } from 'k6/x/lambda';
import { check } from 'k6';

const FUNCTION = __ENV.FUNCTION || 'stream-lines';
const PAYLOAD = __ENV.PAYLOAD || '{"count":5,"gapMs":100}';
const FUNCTION_URL = __ENV.FUNCTION_URL;

const thresholds = {
  // The run fails (exit code 99) unless every check passed.
  checks: ['rate==1'],
  lambda_invocation_failed: ['rate<0.01'],
  // The first chunk within a second for 95% of the streamed calls...
  'lambda_stream_first_chunk{operation:InvokeWithResponseStream}': ['p(95)<1000'],
  // ...and no long silence in the middle of a stream.
  lambda_stream_chunk_gap: ['p(95)<500'],
};
if (FUNCTION_URL) {
  thresholds['lambda_stream_first_chunk{operation:FunctionUrl}'] = ['p(95)<1000'];
}

export const options = { vus: 2, iterations: 10, thresholds };

const client = new LambdaClient(
  new AWSConfig({
    region: __ENV.AWS_REGION,
    accessKeyId: __ENV.AWS_ACCESS_KEY_ID,
    secretAccessKey: __ENV.AWS_SECRET_ACCESS_KEY,
    sessionToken: __ENV.AWS_SESSION_TOKEN,
    endpoint: __ENV.LAMBDA_ENDPOINT,
  }),
  // Bounds each call, its stream included: a stream that stalls ends here.
  { timeout: '30s' },
);

export default async function () {
  let seen = 0;
  let bytes = 0;
  try {
    const r = await client.invokeWithResponseStream(FUNCTION, PAYLOAD, {
      logType: 'Tail', // the REPORT, for lambda_duration and lambda_cost_usd
      // Each chunk, as it arrives: on the VU's event loop, before the
      // promise settles.
      onChunk: (chunk) => {
        seen++;
        bytes += chunk.byteLength;
      },
    });
    check(r, {
      'stream: status 200': (r) => r.statusCode === 200,
      'stream: some chunks came': (r) => r.chunks > 0 && r.timeToFirstChunkMs !== undefined,
      'stream: onChunk saw every chunk': (r) => seen === r.chunks && bytes > 0,
    });
  } catch (e) {
    check(null, { 'stream: status 200': () => false });
    if (e instanceof LambdaInvocationError) {
      // The function failed (the stream's InvokeComplete said so) after
      // streaming e.response.chunks chunks, which e.response.payload holds.
      console.error(`${FUNCTION} failed after ${e.response.chunks} chunks: ${e.message}`);
    }
    throw e;
  }

  if (!FUNCTION_URL) return;
  let pieces = 0;
  const u = await client.invokeUrl(FUNCTION_URL, {
    headers: { Accept: 'text/plain' },
    onChunk: () => pieces++,
  });
  check(u, {
    'url: status 200': (u) => u.statusCode === 200,
    'url: a body, streamed': (u) => u.payload.length > 0 && u.chunks === pieces && u.timeToFirstChunkMs !== undefined,
  });
}
