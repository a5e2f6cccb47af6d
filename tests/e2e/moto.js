// Against moto_server (no Docker): the three invocation types answer with
// their own status codes. (moto sends a body with its 202 and no
// X-Amz-Executed-Version, unlike AWS: the client reports what came.)
import { client, strictThresholds, verify } from './lib.js';

export const options = { iterations: 1, thresholds: strictThresholds(6) };

const lambda = client();

export default async function () {
  const sync = await lambda.invoke('add-numbers', JSON.stringify({ x: 1, y: 2 }));
  verify(sync, {
    'RequestResponse: 200': (r) => r.statusCode === 200,
    'RequestResponse: a payload': (r) => typeof r.payload === 'string' && r.payload.length > 0,
  });

  const event = await lambda.invoke('add-numbers', JSON.stringify({ x: 1, y: 2 }), { invocationType: 'Event' });
  verify(event, {
    'Event: 202': (r) => r.statusCode === 202,
    'Event: payload is a string': (r) => typeof r.payload === 'string',
  });

  const dryRun = await lambda.invoke('add-numbers', '{}', { invocationType: 'DryRun' });
  verify(dryRun, {
    'DryRun: 204': (r) => r.statusCode === 204,
    'DryRun: empty payload': (r) => r.payload === '',
  });
}
