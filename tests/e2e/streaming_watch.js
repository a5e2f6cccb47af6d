// A function URL on a real Lambda runtime: tests/functions' stream-lines
// (lambda_runtime's streaming API) behind `cargo lambda watch`'s function
// URL route, /lambda-url/stream-lines/. It writes `count` lines, the first
// at once, the others `gapMs` apart: with 4 lines 600 ms apart the first
// must reach the script (timeToFirstChunkMs, onChunk) about 1.8 s before
// the last, which a buffered answer could not do. Run by
// tests/e2e/run_streaming.sh with LAMBDA_ENDPOINT the emulator's URL;
// watch checks no signature, but the request is signed all the same.
import { strictThresholds, client, verify } from './lib.js';

export const options = { iterations: 1, thresholds: strictThresholds(7) };

// The first call may build and start the function: a generous bound.
const lambda = client(undefined, { timeout: '300s' });
const lines = `${__ENV.LAMBDA_ENDPOINT}/lambda-url/stream-lines/`;

export default async function () {
  // Warm-up: watch starts the function on its first call.
  const warm = await lambda.invokeUrl(`${lines}?count=1`);
  verify(warm, {
    'stream-lines: 200, one line, text/plain': (r) =>
      r.statusCode === 200 && r.payload === 'line 1\n' && r.headers['content-type'] === 'text/plain',
  });

  const started = Date.now();
  const arrivals = [];
  const r = await lambda.invokeUrl(`${lines}?count=4&gapMs=600`, {
    onChunk: (chunk) => arrivals.push({ at: Date.now() - started, bytes: chunk.byteLength }),
  });
  const total = Date.now() - started;
  console.log(`stream-lines: first chunk after ${r.timeToFirstChunkMs} ms, ${r.chunks} chunks, ${total} ms in all`);
  verify(r, {
    'stream-lines: the four lines': (r) => r.statusCode === 200 && r.payload === 'line 1\nline 2\nline 3\nline 4\n',
    'stream-lines: the whole answer took the function its 3 pauses': () => total >= 1800,
    'stream-lines: timeToFirstChunkMs well below the total (by 1.5 s of the 1.8 s of pauses)': (r) =>
      typeof r.timeToFirstChunkMs === 'number' && r.timeToFirstChunkMs <= total - 1500,
    'stream-lines: onChunk got the first line while the function still ran': () =>
      arrivals.length > 0 && arrivals[0].at <= total - 1500,
    'stream-lines: the lines came apart (one chunk each), onChunk once per chunk': (r) =>
      r.chunks >= 4 && arrivals.length === r.chunks && arrivals.reduce((n, a) => n + a.bytes, 0) === r.payload.length,
    'stream-lines: the last line about 1.8 s after the first': () =>
      arrivals.length >= 2 && arrivals[arrivals.length - 1].at - arrivals[0].at >= 1500,
  });
}
