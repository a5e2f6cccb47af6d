// Each line marked @ts-expect-error must be a type error: if index.d.ts
// ever accepts a misspelt option or value, `tsc --strict` fails on the
// unused directive (scripts/typecheck.sh).
import { AWSConfig, LambdaClient, NetworkError, exampleEvent, liveCounts } from 'k6/x/lambda';

const client = new LambdaClient(new AWSConfig({ region: 'us-east-1' }));

export async function misuse(): Promise<void> {
  // @ts-expect-error: the option is logType
  await client.invoke('f', '{}', { logtype: 'Tail' });
  // @ts-expect-error: not an invocation type
  await client.invoke('f', '{}', { invocationType: 'Async' });
  // @ts-expect-error: not a log type
  await client.invoke('f', '{}', { logType: 'tail' });
  // @ts-expect-error: tags are strings
  await client.invoke('f', '{}', { tags: { n: 1 } });
  // @ts-expect-error: payload cannot be a number
  await client.invoke('f', 42);
  // @ts-expect-error: not a transport
  new LambdaClient(new AWSConfig({}), { transport: 'http2' });
  // @ts-expect-error: unknown client option
  new LambdaClient(new AWSConfig({}), { retries: 3 });
  // @ts-expect-error: not an architecture
  new LambdaClient(new AWSConfig({}), { pricing: { architecture: 'arm' } });
  // @ts-expect-error: prices are numbers
  new LambdaClient(new AWSConfig({}), { pricing: { usdPerGbSecond: '0.0000166667' } });
  // @ts-expect-error: usdPerGbSecond, not usdPerGBSecond
  new LambdaClient(new AWSConfig({}), { pricing: { usdPerGBSecond: 0.0000166667 } });
  // @ts-expect-error: unknown AWSConfig option
  new AWSConfig({ regoin: 'us-east-1' });
  // @ts-expect-error: the response has no body field
  (await client.invoke('f', '{}')).body;
  // @ts-expect-error: the live counts are per process, not per client
  liveCounts(client);
  // @ts-expect-error: inFlight, not in_flight
  liveCounts().in_flight;
  // @ts-expect-error: tenantId, not tenantID
  await client.invoke('f', '{}', { tenantID: 'blue' });
  // @ts-expect-error: a tenant ID is a string
  await client.invoke('f', '{}', { tenantId: 7 });
  // @ts-expect-error: InvokeWithResponseStream has no durable execution
  await client.invokeWithResponseStream('f', '{}', { durableExecutionName: 'order-1' });
  // @ts-expect-error: a streamed response has no durableExecutionArn
  (await client.invokeWithResponseStream('f', '{}')).durableExecutionArn;
  // @ts-expect-error: InvokeWithResponseStream has no Event invocations
  await client.invokeWithResponseStream('f', '{}', { invocationType: 'Event' });
  // @ts-expect-error: onChunk takes the chunk, an ArrayBuffer, not text
  await client.invokeWithResponseStream('f', '{}', { onChunk: (chunk: string) => chunk.length });
  // @ts-expect-error: the streamed response's count is chunks, not chunkCount
  (await client.invokeWithResponseStream('f', '{}')).chunkCount;
  // @ts-expect-error: signing sets Authorization
  await client.invokeUrl('https://x.lambda-url.us-east-1.on.aws/', { headers: { Authorization: 'mine' } });
  // @ts-expect-error: header values are strings
  await client.invokeUrl('https://x.lambda-url.us-east-1.on.aws/', { headers: { 'X-N': 1 } });
  // @ts-expect-error: the URL is a string
  await client.invokeUrl(new URL('https://x.lambda-url.us-east-1.on.aws/'));
}

// And what is right stays right.
export async function use(): Promise<string> {
  const r = await client.invoke('f', exampleEvent('sqs-event'), { logType: 'Tail', qualifier: 'live' });
  const billed: number | undefined = r.report?.billedDurationMs;
  const durable = await client.invoke('f', '{}', { tenantId: 'blue', durableExecutionName: 'order-1' });
  const execution: string | undefined = durable.durableExecutionArn;
  const restored: number | undefined = durable.report?.restoreDurationMs ?? durable.report?.billedRestoreDurationMs;
  await client.invokeWithResponseStream('f', '{}', { tenantId: 'blue' });
  try {
    await client.invoke('f', new ArrayBuffer(8), { invocationType: 'Event' });
  } catch (e) {
    if (e instanceof NetworkError && e.name === 'TCPError' && e.code === 1212) return 'refused';
  }
  new LambdaClient(new AWSConfig({}), { pricing: { architecture: 'arm64', usdPerMillionRequests: 0 } });
  const streamed = await client.invokeWithResponseStream('f', { prompt: 'hi' }, {
    logType: 'Tail',
    onChunk: (chunk: ArrayBuffer) => chunk.byteLength,
  });
  const first: number | undefined = streamed.timeToFirstChunkMs;
  const page = await client.invokeUrl('https://x.lambda-url.us-east-1.on.aws/p?q=1', {
    method: 'POST', body: new ArrayBuffer(2), headers: { 'Content-Type': 'application/octet-stream' }, tags: { name: 'page' },
  });
  const type: string | undefined = page.headers['content-type'];
  const live = liveCounts();
  const leaked: number = live.inFlight + live.completions + live.invocations + live.strings;
  return `${r.statusCode} ${r.executedVersion ?? ''} ${billed ?? 0} ${leaked} ${live.clients} ${live.queues} ` +
    `${streamed.chunks} ${first ?? 0} ${page.statusCode} ${type ?? ''} ${execution ?? ''} ${restored ?? 0}`;
}
