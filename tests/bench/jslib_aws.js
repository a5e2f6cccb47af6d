// Benchmark E (scripts/bench.sh): the same invocation through
// k6-jslib-aws's LambdaClient (SigV4 in JavaScript over k6/crypto, sent
// with http.asyncRequest). A template, not run as it is: k6's imports are
// static, so bench.sh writes a copy into its work directory with
// __JSLIB_AWS_LAMBDA__ replaced by $JSLIB_AWS_LAMBDA (a URL such as
// https://jslib.k6.io/aws/0.14.0/lambda.js, or a local copy of it), and
// this file's bench_lib.js beside it. The load is bench_lib.js's.
import { AWSConfig, LambdaClient } from '__JSLIB_AWS_LAMBDA__';
import { check } from 'k6';
import { credentials, endpoint, options, payload } from './bench_lib.js';

export { options };

const client = new LambdaClient(new AWSConfig({ ...credentials, endpoint }));

export default async function () {
  const r = await client.invoke('add-numbers', payload);
  check(r, { 'status is 200': (r) => r.statusCode === 200 });
}
