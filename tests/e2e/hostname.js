// Run by tests/static_root.sh in an empty root: both transports reach the
// emulator by a host name that only /etc/hosts knows, over http:// (no CA
// certificates in the root), and a lookup of a name nobody knows fails as
// a DNSError instead of hanging or crashing.
import { AWSConfig, LambdaClient, NetworkError } from 'k6/x/lambda';
import { checkRejects, strictThresholds, verify } from './lib.js';

export const options = { iterations: 1, thresholds: strictThresholds(6) };

const config = new AWSConfig({
  region: __ENV.AWS_REGION,
  accessKeyId: __ENV.AWS_ACCESS_KEY_ID,
  secretAccessKey: __ENV.AWS_SECRET_ACCESS_KEY,
  endpoint: __ENV.LAMBDA_ENDPOINT,
});
const unknownHost = new AWSConfig({ ...config, endpoint: 'http://no-such-host.internal.test:9' });

export default async function () {
  for (const transport of ['direct', 'sdk']) {
    const response = await new LambdaClient(config, { transport }).invoke('add-numbers', '{"x":1,"y":2}');
    verify(response, { [`${transport}: by host name, 3`]: (r) => r.statusCode === 200 && r.payload === '3' });
    await checkRejects(`${transport}: unknown host`, new LambdaClient(unknownHost, { transport }).invoke('add-numbers', '{}'), {
      'is a NetworkError': (e) => e instanceof NetworkError,
      'is DNSError': (e) => e.name === 'DNSError',
    });
  }
}
