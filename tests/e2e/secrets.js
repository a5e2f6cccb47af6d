// A password planted wherever a script or its environment can put one:
// the user information of an endpoint, of a function URL, of HTTPS_PROXY
// and HTTP_PROXY, and the stderr of a credential_process. Every call's
// outcome is logged whole (name, code, message and every field, as
// JSON), so that whatever an error carries is in k6's output;
// tests/e2e/run_secrets.sh then searches that whole output (stdout and
// stderr) for the password. The checks here say each call ended as it
// should, so that a run where nothing failed cannot pass for one where
// nothing leaked.
//
// __ENV.CASE picks what runs (one k6 run each, the proxy variables set
// on that k6 process only):
//   urls     endpoints and function URLs with user:SECRET@, and a
//            client without keys whose profile's credential_process
//            writes SECRET to stderr and exits 3 (AWS_PROFILE and
//            AWS_CONFIG_FILE set by the driver);
//   proxy-invalid   HTTPS_PROXY=https://user:SECRET@proxy.example:3128;
//   proxy-refused   HTTPS_PROXY and HTTP_PROXY=http://user:SECRET@<the
//            test server's proxy>, which wants other credentials (407).
//
//   k6 run -e CASE=urls -e SECRET=s3cretPW -e LAMBDA_ENDPOINT=http://127.0.0.1:P \
//     -e LAMBDA_TLS_ENDPOINT=https://127.0.0.1:T tests/e2e/secrets.js
import * as lambda from 'k6/x/lambda';
import { TEST_KEYS, outcomeOf, strictThresholds, verify } from './lib.js';
import { TRANSPORTS } from './invoke_lib.js';

const { AWSConfig, LambdaClient } = lambda;

function need(name) {
  const value = __ENV[name];
  if (!value) throw new Error(`set ${name} (see tests/e2e/run_secrets.sh)`);
  return value;
}
const CASE = need('CASE');
const SECRET = need('SECRET');
const PLAIN = need('LAMBDA_ENDPOINT'); // http://127.0.0.1:P
const TLS = need('LAMBDA_TLS_ENDPOINT'); // https://127.0.0.1:T
const hostPort = (url) => url.replace(/^[a-z]+:\/\//, '');
const P = PLAIN.replace(/^.*:/, '');
const T = TLS.replace(/^.*:/, '');
// The password's user information, and what a redacted one reads. The
// labels name it as NAMED: the script itself must not print the password.
const USERINFO = `user:${SECRET}@`;
const NAMED = 'user:<password>@';
const REDACTED = 'user:***@';

// Everything an outcome carries, for the log: an error's name, code,
// message and own fields, or a response's status and payload length.
function describe(outcome) {
  if (outcome.error === null) {
    const r = outcome.value;
    return `resolved: status ${r.statusCode}, ${String(r.payload).length} bytes of payload`;
  }
  const e = outcome.error;
  let fields = '';
  try {
    fields = JSON.stringify(e);
  } catch (err) {
    fields = `(not JSON: ${err})`;
  }
  return `rejected: ${e.name} ${JSON.stringify(e.code)}: ${e.message} ${fields}`;
}

// Runs one call, logs its outcome, checks it.
async function step(label, call, checks) {
  let outcome;
  try {
    outcome = await outcomeOf(call());
  } catch (error) {
    // Thrown synchronously (a constructor refusing its arguments).
    outcome = { value: undefined, error };
  }
  const text = describe(outcome);
  console.log(`${label}: ${text}`);
  const named = {};
  for (const [name, predicate] of Object.entries(checks)) named[`${label}: ${name}`] = () => predicate(outcome, text);
  named[`${label}: the password is not in the outcome`] = () => !text.includes(SECRET);
  verify(outcome, named);
}

const rejected = (name) => ({ [`rejects with ${name}`]: (o) => o.error !== null && o.error.name === name });
const resolved = { 'resolves with 200': (o) => o.error === null && o.value.statusCode === 200 };
// When the message shows the user information at all, it shows it redacted.
const redactedIfShown = {
  [`the user information, if shown, is ${REDACTED}`]: (o, text) => !text.includes('user:') || text.includes(REDACTED),
};
const showsRedacted = { [`the message shows ${REDACTED}`]: (o, text) => text.includes(REDACTED) };

const client = (endpoint, transport, keys = TEST_KEYS) =>
  new LambdaClient(new AWSConfig({ region: 'us-east-1', endpoint, ...keys }), { transport, timeout: 10000 });

const CASES = {
  urls: (transport) => [
    // Accepted: the user information is no part of where requests go.
    [`an endpoint with ${NAMED}`, () => client(`http://${USERINFO}${hostPort(PLAIN)}`, transport).invoke('echo', '{}'),
      { ...resolved }],
    [`an endpoint with ${NAMED}, nothing listening`, () => client(`http://${USERINFO}127.0.0.1:1`, transport) /* nothing listens on port 1 */.invoke('echo', '{}'),
      { ...rejected('TCPError'), ...redactedIfShown }],
    [`an endpoint with ${NAMED} and a space`, () => client(`http://${USERINFO}example.com/a b`, transport).invoke('echo', '{}'),
      { ...rejected('InvalidAWSConfigError'), ...showsRedacted }],
    [`an ftp:// endpoint with ${NAMED}`, () => client(`ftp://${USERINFO}example.com`, transport).invoke('echo', '{}'),
      { ...rejected('InvalidAWSConfigError'), ...showsRedacted }],
    [`a function URL with ${NAMED}`, () => client(PLAIN, transport).invokeUrl(`http://${USERINFO}${hostPort(PLAIN)}/lambda-url/url-echo/`),
      { ...rejected('InvalidInvocationError'), ...showsRedacted }],
    [`an ftp:// function URL with ${NAMED}`, () => client(PLAIN, transport).invokeUrl(`ftp://${USERINFO}example.com/`),
      { ...rejected('InvalidInvocationError'), ...showsRedacted }],
    ['a credential_process that writes the password to stderr (invoke)', () => client(PLAIN, transport, {}).invoke('echo', '{}'),
      { ...rejected('CredentialsError'), 'the message says it exited with code 3': (o) => /exit(ed with code| status).*3/.test(o.error.message) }],
    ['a credential_process that writes the password to stderr (stream)',
      () => client(PLAIN, transport, {}).invokeWithResponseStream('stream-chunks', '{}'),
      { ...rejected('CredentialsError') }],
    ['a credential_process that writes the password to stderr (function URL)',
      () => client(PLAIN, transport, {}).invokeUrl(`${PLAIN}/lambda-url/url-echo/`),
      { ...rejected('CredentialsError') }],
  ],
  // The case; what the error is may change (https:// proxies are
  // another item of it), the password must stay out of it.
  'proxy-invalid': (transport) => [
    ['HTTPS_PROXY with the password, an https:// endpoint',
      () => client(`https://lambda.test:${T}`, transport).invoke('echo', '{}'), { 'rejects': (o) => o.error !== null, ...redactedIfShown }],
    ['HTTPS_PROXY with the password, an http:// endpoint',
      () => client(`http://lambda.test:${P}`, transport).invoke('echo', '{}'), { 'rejects': (o) => o.error !== null, ...redactedIfShown }],
  ],
  'proxy-refused': (transport) => [
    ['HTTPS_PROXY with the password, refused (407)', () => client(`https://lambda.test:${T}`, transport).invoke('echo', '{}'),
      { 'rejects': (o) => o.error !== null, ...redactedIfShown }],
    ['HTTP_PROXY with the password, refused (407)', () => client(`http://lambda.test:${P}`, transport).invoke('echo', '{}'),
      { 'rejects': (o) => o.error !== null, ...redactedIfShown }],
    ['HTTP_PROXY with the password, a function URL', () => client(PLAIN, transport).invokeUrl(`http://lambda.test:${P}/lambda-url/url-echo/`),
      { 'resolves with 407': (o) => o.error === null && o.value.statusCode === 407, ...redactedIfShown }],
  ],
};
if (!CASES[CASE]) throw new Error(`CASE=${CASE}: expected one of ${Object.keys(CASES).join(', ')}`);

const steps = (transport) => CASES[CASE](transport);
// Checks per step: its own, and the password's absence.
const CHECKS = TRANSPORTS.reduce((n, t) => n + steps(t).reduce((m, [, , c]) => m + Object.keys(c).length + 1, 0), 0);

export const options = {
  vus: 1,
  iterations: 1,
  thresholds: strictThresholds(CHECKS),
};

export default async function () {
  for (const transport of TRANSPORTS) {
    for (const [label, call, checks] of steps(transport)) {
      await step(`${CASE}, ${transport}: ${label}`, call, checks);
    }
  }
}
