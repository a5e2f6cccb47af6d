// k6's network options apply to LambdaClient as they do to k6/http, with
// both transports: blacklistIPs, blockHostnames, hosts, dns.policy,
// insecureSkipTLSVerify, tlsVersion, localIPs, and the proxies of the k6
// process's environment (HTTP_PROXY, HTTPS_PROXY, NO_PROXY and their
// lower-case forms, by Go's http.ProxyFromEnvironment rules: loopback is
// never proxied). k6's options are global, so each option set is one k6
// run: __ENV.CASE picks it (tests/e2e/run_network_policy.sh runs them all,
// with the proxy variables set on that k6 process only).
//
// Every step runs on a new client per transport (so its connections are
// new), invokes `record` with a payload of its own (or `whoami`), or, for
// a step with `calls`, each entry point it names (invoke, invokeUrl,
// invokeWithResponseStream), and
// checks how the promise settled and what tests/lambdaserver saw: the
// payload's count, invocations, TLS handshakes begun, the proxy's tunnels,
// forwarded requests and 407s (deltas of /_test/stats around the step, so
// "nothing was sent" is proven, not assumed). Where k6/http can make the
// same request, a k6/http step shows that k6 itself behaves as expected
// with the same options: the reference the extension must follow.
//
//   k6 run -e CASE=hosts -e LAMBDA_ENDPOINT=http://127.0.0.1:P \
//     -e LAMBDA_TLS_ENDPOINT=https://127.0.0.1:T \
//     -e LAMBDA_TLS12_ENDPOINT=https://127.0.0.1:T12 tests/e2e/network_policy.js
//
// (tests/lambdaserver -addr, -tls-listen, -tls12-listen; the proxy cases
// also need -proxy-listen and -proxy-auth user:pass, and the proxy
// variables in k6's environment: see run_network_policy.sh.)
import http from 'k6/http';
import * as lambda from 'k6/x/lambda';
import { TEST_KEYS, outcomeOf, verify } from './lib.js';
import { TRANSPORTS, stats } from './invoke_lib.js';

const { AWSConfig, AWSError, LambdaClient, NetworkError } = lambda;

function need(name) {
  const value = __ENV[name];
  if (!value) throw new Error(`set ${name} (see tests/e2e/run_network_policy.sh)`);
  return value;
}
const CASE = need('CASE');
const PLAIN = need('LAMBDA_ENDPOINT'); // http://127.0.0.1:P
const TLS = need('LAMBDA_TLS_ENDPOINT'); // https://127.0.0.1:T, up to TLS 1.3
const TLS12 = need('LAMBDA_TLS12_ENDPOINT'); // https://127.0.0.1:T12, up to TLS 1.2
const portOf = (url) => {
  const m = /^https?:\/\/[^/]+:(\d+)$/.exec(url);
  if (!m) throw new Error(`${url}: want scheme://host:port`);
  return m[1];
};
const P = portOf(PLAIN);
const T = portOf(TLS);
const T12 = portOf(TLS12);

// The whole invocation is bounded, so that a wrong implementation fails
// the check instead of hanging the run.
const CLIENT_TIMEOUT_MS = 10000;

// A k6/x/lambda error class by name, or undefined when this build does not
// export it (the instanceof check then fails, it does not throw).
const cls = (name) => (typeof lambda[name] === 'function' ? lambda[name] : undefined);
const isA = (e, name) => cls(name) !== undefined && e instanceof cls(name);

// Predicates on a rejection: a NetworkError subclass `name` (instanceof
// it and NetworkError, not an AWSError), its code, its message.
function networkError(name, codeText, codeOk, message) {
  const p = {
    [`rejects: instanceof ${name} and NetworkError, not AWSError`]: (e) =>
      isA(e, name) && e instanceof NetworkError && !(e instanceof AWSError),
    [`name ${name}, code ${codeText}`]: (e) => e.name === name && codeOk(e.code),
  };
  if (message) p[`message matches ${message}`] = (e) => message.test(e.message);
  return p;
}
// A configuration the client refuses before sending.
const configError = (message) => ({
  'rejects: instanceof InvalidAWSConfigError': (e) => isA(e, 'InvalidAWSConfigError') && e.name === 'InvalidAWSConfigError',
  [`message matches ${message}`]: (e) => message.test(e.message),
});
const dnsError = (codes, message) => networkError('DNSError', codes.join(' or '), (c) => codes.includes(c), message);
const tlsErrorRange = () => networkError('TLSError', '13xx', (c) => c >= 1300 && c < 1400);
// A DNS failure for a name nobody resolves (lambda.test outside the proxy).
const UNRESOLVED = [1100, 1101];

// The entry points a step may call (`calls`; `invoke` when not named):
// the policy holds for each, as each dials through the same network.
const CALLS = {
  invoke: (client, step, payload) => client.invoke(step.fn || 'record', payload),
  invokeUrl: (client, step, payload) =>
    client.invokeUrl(`${step.endpoint}/lambda-url/url-echo/`, { method: 'POST', body: payload }),
  invokeWithResponseStream: (client) => client.invokeWithResponseStream('stream-chunks', '{"count":1}'),
};
const EVERY_CALL = Object.keys(CALLS);
const callsOf = (step) => step.calls || ['invoke'];

// Predicates on a resolution: 200 and the payload sent back.
const echoed = { 'resolves: 200, the payload echoed': (r, payload) => r.statusCode === 200 && r.payload === payload };
// On whoami's answer.
const peer = (name, predicate) => ({
  [`resolves: 200, ${name}`]: (r) => {
    if (r.statusCode !== 200) return false;
    try {
      return predicate(JSON.parse(r.payload));
    } catch (e) {
      return false;
    }
  },
});

// k6/http reference predicates, on the response.
const httpOk = { 'k6/http: 200': (res) => res.status === 200 };
const httpError = (codes) => ({
  [`k6/http: error_code ${codes.join(' or ')}`]: (res) => res.status === 0 && codes.includes(res.error_code),
});
const httpFailed = { 'k6/http: no response (status 0, an error code)': (res) => res.status === 0 && res.error_code > 0 };
const httpErrorText = (text) => ({
  [`k6/http: no response, error matches ${text}`]: (res) => res.status === 0 && res.error_code > 0 && text.test(res.error),
});

// What the server counts for a step, as deltas of /_test/stats: a number
// (exactly) or '>=1'. Not named: 0. `recorded` is the step's payload.
const SERVER_KEYS = ['recorded', 'invocations', 'urlRequests', 'tlsHellos', 'proxyConnects', 'proxyForwards', 'proxyAuthFailures'];
// Reached the server over plain HTTP, not proxied.
const SENT = { recorded: 1, invocations: 1 };
const SENT_TLS = { recorded: 1, invocations: 1, tlsHellos: '>=1' };
// The invocation never left: nothing at all.
const NOTHING = {};

// For each [name, endpoint, {noHttp}] (k6 refuses `::` in a check's
// name: names say "IPv4-mapped", not the address): every entry point refused with
// 1110 (blacklisted), then k6/http's POST to the same URL refused alike
// (the reference), unless noHttp.
function mappedSteps(endpoints) {
  const steps = [];
  for (const [name, endpoint, { noHttp } = {}] of endpoints) {
    steps.push({ name, endpoint, calls: EVERY_CALL, rejects: dnsError([1110], /blacklisted/) });
    if (!noHttp) {
      steps.push({
        name: `k6/http POST, ${name}`,
        post: `${endpoint}/2015-03-31/functions/record/invocations`,
        expect: httpError([1110]),
      });
    }
  }
  return steps;
}

// The cases: k6 options, the steps, and whether k6/http can read the
// server's stats under those options (not when all of loopback is
// blacklisted: run_network_policy.sh then checks the server saw nothing).
// A step is `{ name, endpoint, fn?, calls?, resolves | rejects, server }`
// (a LambdaClient call per entry point in `calls`, per transport) or
// `{ name, get | post, expect, server }` (a k6/http GET or POST, once).
const CASES = {
  // 1. blacklistIPs: refused before any connection, by address, after
  // name resolution (/etc/hosts, k6's hosts) too. k6/http is blocked
  // likewise, stats included.
  blacklist: {
    options: { blacklistIPs: ['127.0.0.0/8'], hosts: { 'fn.lambda.test': '127.0.0.1' } },
    statsUnreachable: true,
    // No sample either: nothing was measured.
    thresholds: { lambda_invocations: ['count==0'] },
    steps: [
      { name: 'an IP in 127.0.0.0/8', endpoint: PLAIN, rejects: dnsError([1110], /blacklisted/) },
      { name: 'https, an IP in 127.0.0.0/8', endpoint: TLS, rejects: dnsError([1110], /blacklisted/) },
      { name: 'localhost (/etc/hosts: 127.0.0.1)', endpoint: `http://localhost:${P}`, rejects: dnsError([1110], /blacklisted/) },
      { name: 'a hosts entry to 127.0.0.1', endpoint: `http://fn.lambda.test:${P}`, rejects: dnsError([1110], /blacklisted/) },
      { name: 'k6/http, an IP in 127.0.0.0/8', get: `${PLAIN}/_test/stats`, expect: httpError([1110]) },
      { name: 'k6/http, localhost', get: `http://localhost:${P}/_test/stats`, expect: httpError([1110]) },
    ],
  },
  // An IPv4 address written as IPv6 is that IPv4 address: mapped
  // (::ffff:127.0.0.1, dotted or in hex), through a hosts entry, and
  // IPv4-compatible (::127.0.0.1, which k6/http does not map: stricter
  // here). Every entry point is refused, and k6/http's POST to the same
  // URL too.
  'blacklist-mapped': {
    options: {
      blacklistIPs: ['127.0.0.0/8'],
      hosts: { 'mapped.lambda.test': '::ffff:127.0.0.1', 'hex.lambda.test': '::ffff:7f00:1' },
    },
    statsUnreachable: true,
    thresholds: { lambda_invocations: ['count==0'] },
    steps: mappedSteps([
      ['IPv4-mapped, dotted', `http://[::ffff:127.0.0.1]:${P}`],
      ['IPv4-mapped, hex', `http://[::ffff:7f00:1]:${P}`],
      ['a hosts entry to IPv4-mapped, dotted', `http://mapped.lambda.test:${P}`],
      ['a hosts entry to IPv4-mapped, hex', `http://hex.lambda.test:${P}`],
      ['IPv4-compatible', `http://[::7f00:1]:${P}`, { noHttp: true }],
    ]),
  },
  // The system resolver's answer (getaddrinfo): run_network_policy.sh runs
  // this case with an /etc/hosts of its own, where these names have a
  // mapped address only.
  'blacklist-mapped-dns': {
    options: { blacklistIPs: ['127.0.0.0/8'] },
    statsUnreachable: true,
    thresholds: { lambda_invocations: ['count==0'] },
    steps: mappedSteps([
      ['a DNS answer IPv4-mapped, dotted', `http://mapped-dns.lambda.test:${P}`],
      ['a DNS answer IPv4-mapped, hex', `http://hex-dns.lambda.test:${P}`],
    ]),
  },
  // ... and a range that does not hold the endpoint leaves it alone, in
  // whatever form its address is written.
  'blacklist-other': {
    options: { blacklistIPs: ['10.0.0.0/8'], hosts: { 'mapped.lambda.test': '::ffff:127.0.0.1' } },
    steps: [
      { name: 'loopback, outside 10.0.0.0/8', endpoint: PLAIN, resolves: echoed, server: SENT },
      { name: 'localhost, outside 10.0.0.0/8', endpoint: `http://localhost:${P}`, resolves: echoed, server: SENT },
      { name: 'IPv4-mapped, dotted', endpoint: `http://[::ffff:127.0.0.1]:${P}`, resolves: echoed, server: SENT },
      { name: 'IPv4-mapped, hex', endpoint: `http://[::ffff:7f00:1]:${P}`, resolves: echoed, server: SENT },
      { name: 'a hosts entry to IPv4-mapped', endpoint: `http://mapped.lambda.test:${P}`, resolves: echoed, server: SENT },
      { name: 'k6/http, IPv4-mapped', get: `http://[::ffff:127.0.0.1]:${P}/_test/stats`, expect: httpOk },
    ],
  },
  // 2. blockHostnames: refused before resolution; other names and IP
  // literals go through.
  block: {
    options: {
      blockHostnames: ['*.lambda.test'],
      hosts: { 'fn.lambda.test': '127.0.0.1', 'fn.other.test': '127.0.0.1' },
    },
    steps: [
      {
        name: 'a name matching *.lambda.test', endpoint: `http://fn.lambda.test:${P}`,
        rejects: dnsError([1111], /blocked/), server: NOTHING,
      },
      { name: 'k6/http, a name matching', get: `http://fn.lambda.test:${P}/_test/stats`, expect: httpError([1111]) },
      { name: 'a name outside the pattern', endpoint: `http://fn.other.test:${P}`, resolves: echoed, server: SENT },
      { name: 'an IP literal (no host name to block)', endpoint: PLAIN, resolves: echoed, server: SENT },
    ],
  },
  // 3. hosts: a name only k6 knows, and a host:port entry that also
  // changes the port (http://fn.lambda.test is port 80).
  hosts: {
    options: { hosts: { 'fn.lambda.test': '127.0.0.1', 'fn.lambda.test:80': `127.0.0.1:${P}` } },
    steps: [
      { name: 'a name only hosts knows', endpoint: `http://fn.lambda.test:${P}`, resolves: echoed, server: SENT },
      { name: 'host:port entry, port 80 to the server\'s', endpoint: 'http://fn.lambda.test', resolves: echoed, server: SENT },
      { name: 'k6/http, port 80 entry', get: 'http://fn.lambda.test/_test/stats', expect: httpOk },
    ],
  },
  // 4. dns.policy: localhost is 127.0.0.1 only here (/etc/hosts), so
  // onlyIPv6 leaves no address; preferIPv6 falls back to it, onlyIPv4 uses
  // it. An IP literal is looked up by nobody.
  'dns-only-ipv6': {
    options: { dns: { policy: 'onlyIPv6' } },
    steps: [
      {
        name: 'localhost has no IPv6 address', endpoint: `http://localhost:${P}`,
        rejects: dnsError(UNRESOLVED), server: NOTHING,
      },
      // k6/http files this one under 1000 (GeneralError): k6's resolver
      // returns a plain error; the extension gives a DNSError.
      { name: 'k6/http, localhost', get: `http://localhost:${P}/_test/stats`, expect: httpErrorText(/no such host/) },
      { name: 'an IP literal needs no lookup', endpoint: PLAIN, resolves: echoed, server: SENT },
    ],
  },
  'dns-prefer-ipv6': {
    options: { dns: { policy: 'preferIPv6' } },
    steps: [
      { name: 'localhost, IPv4 when there is no IPv6', endpoint: `http://localhost:${P}`, resolves: echoed, server: SENT },
      { name: 'k6/http, localhost', get: `http://localhost:${P}/_test/stats`, expect: httpOk },
    ],
  },
  'dns-only-ipv4': {
    options: { dns: { policy: 'onlyIPv4' } },
    steps: [
      { name: 'localhost over IPv4', endpoint: `http://localhost:${P}`, resolves: echoed, server: SENT },
    ],
  },
  // 5. insecureSkipTLSVerify, and without it (the contrast: the
  // self-signed certificate is refused, nothing is sent).
  'tls-verify': {
    options: {},
    steps: [
      {
        name: 'self-signed, verified', endpoint: TLS,
        rejects: networkError('TLSError', '1310', (c) => c === 1310), server: { tlsHellos: '>=1' },
      },
      { name: 'k6/http, self-signed', get: `${TLS}/_test/stats`, expect: httpError([1310]), server: { tlsHellos: '>=1' } },
      { name: 'then a plain endpoint', endpoint: PLAIN, resolves: echoed, server: SENT },
    ],
  },
  'tls-insecure': {
    options: { insecureSkipTLSVerify: true },
    steps: [
      { name: 'self-signed, insecureSkipTLSVerify', endpoint: TLS, resolves: echoed, server: SENT_TLS },
      { name: 'by a name the certificate has', endpoint: `https://localhost:${T}`, resolves: echoed, server: SENT_TLS },
    ],
  },
  // 6. tlsVersion: min TLS 1.3 against a TLS 1.2 server fails in the
  // handshake; max TLS 1.2 is what a TLS 1.3 server then negotiates.
  'tls-min-1.3': {
    options: { insecureSkipTLSVerify: true, tlsVersion: { min: 'tls1.3' } },
    steps: [
      { name: 'min TLS 1.3, a TLS 1.2 server', endpoint: TLS12, rejects: tlsErrorRange(), server: { tlsHellos: '>=1' } },
      // k6/http files this alert under 1010 (a network error that is not
      // TCP's); the extension gives a TLSError.
      {
        name: 'k6/http, a TLS 1.2 server', get: `${TLS12}/_test/stats`,
        expect: httpErrorText(/protocol version/), server: { tlsHellos: '>=1' },
      },
      {
        name: 'min TLS 1.3, a TLS 1.3 server', endpoint: TLS, fn: 'whoami',
        resolves: peer('TLS 1.3', (p) => p.tlsVersion === 'TLS 1.3'), server: { invocations: 1, tlsHellos: '>=1' },
      },
    ],
  },
  'tls-max-1.2': {
    options: { insecureSkipTLSVerify: true, tlsVersion: { max: 'tls1.2' } },
    steps: [
      { name: 'max TLS 1.2, a TLS 1.2 server', endpoint: TLS12, resolves: echoed, server: SENT_TLS },
      {
        name: 'max TLS 1.2, a TLS 1.3 server', endpoint: TLS, fn: 'whoami',
        resolves: peer('TLS 1.2', (p) => p.tlsVersion === 'TLS 1.2'), server: { invocations: 1, tlsHellos: '>=1' },
      },
      {
        name: 'k6/http, a TLS 1.3 server', get: `${TLS}/_test/whoami`,
        expect: { 'k6/http: TLS 1.2': (res) => res.status === 200 && res.json().tlsVersion === 'TLS 1.2' },
        server: { tlsHellos: '>=1' },
      },
    ],
  },
  // 7. localIPs (k6 run --local-ips 127.0.0.2): the connection comes from
  // there.
  'local-ips': {
    options: {},
    steps: [
      {
        name: 'from 127.0.0.2', endpoint: PLAIN, fn: 'whoami',
        resolves: peer('remoteAddr 127.0.0.2:*', (p) => p.remoteAddr.startsWith('127.0.0.2:')), server: { invocations: 1 },
      },
      {
        name: 'k6/http, from 127.0.0.2', get: `${PLAIN}/_test/whoami`,
        expect: { 'k6/http: from 127.0.0.2': (res) => res.status === 200 && res.json().remoteAddr.startsWith('127.0.0.2:') },
      },
      // An IPv4 address written as IPv6 is dialled as IPv4, from the
      // VU's IPv4 address.
      {
        name: 'from 127.0.0.2 to IPv4-mapped 127.0.0.1', endpoint: `http://[::ffff:127.0.0.1]:${P}`, fn: 'whoami',
        resolves: peer('remoteAddr 127.0.0.2:*', (p) => p.remoteAddr.startsWith('127.0.0.2:')), server: { invocations: 1 },
      },
      {
        name: 'k6/http, from 127.0.0.2 to IPv4-mapped 127.0.0.1', get: `http://[::ffff:127.0.0.1]:${P}/_test/whoami`,
        expect: { 'k6/http: from 127.0.0.2': (res) => res.status === 200 && res.json().remoteAddr.startsWith('127.0.0.2:') },
      },
    ],
  },
  // 8. Proxies from the environment. HTTP_PROXY=http://user:pass@127.0.0.1:PP
  // (the proxy sends any name to 127.0.0.1, so lambda.test resolves only
  // through it).
  'proxy-http': {
    options: {},
    steps: [
      {
        name: 'http://lambda.test through HTTP_PROXY', endpoint: `http://lambda.test:${P}`,
        resolves: echoed, server: { ...SENT, proxyForwards: 1 },
      },
      {
        name: 'k6/http, http://lambda.test', get: `http://lambda.test:${P}/_test/stats`,
        expect: httpOk, server: { proxyForwards: 1 },
      },
      { name: '127.0.0.1 is never proxied', endpoint: PLAIN, resolves: echoed, server: SENT },
      { name: 'localhost is never proxied', endpoint: `http://localhost:${P}`, resolves: echoed, server: SENT },
      // Loopback written as IPv6 is loopback (Go's IsLoopback says so too).
      {
        name: 'IPv4-mapped 127.0.0.1 is never proxied', endpoint: `http://[::ffff:127.0.0.1]:${P}`,
        resolves: echoed, server: SENT,
      },
      { name: 'k6/http, IPv4-mapped 127.0.0.1', get: `http://[::ffff:127.0.0.1]:${P}/_test/stats`, expect: httpOk },
    ],
  },
  // https_proxy=http://user:pass@127.0.0.1:PP (lower case): CONNECT, then
  // TLS through the tunnel. It is not for http:// endpoints.
  'proxy-https': {
    options: { insecureSkipTLSVerify: true },
    steps: [
      {
        name: 'https://lambda.test through https_proxy (CONNECT)', endpoint: `https://lambda.test:${T}`,
        resolves: echoed, server: { ...SENT_TLS, proxyConnects: 1 },
      },
      {
        name: 'k6/http, https://lambda.test', get: `https://lambda.test:${T}/_test/stats`,
        expect: httpOk, server: { tlsHellos: '>=1', proxyConnects: 1 },
      },
      {
        name: 'http://lambda.test: https_proxy is not for http://', endpoint: `http://lambda.test:${P}`,
        rejects: dnsError(UNRESOLVED), server: NOTHING,
      },
      { name: '127.0.0.1 is never proxied', endpoint: TLS, resolves: echoed, server: SENT_TLS },
    ],
  },
  // HTTP_PROXY, and NO_PROXY=lambda.test: that name (and its subdomains)
  // goes direct, so does not resolve; others still use the proxy.
  'proxy-no-proxy': {
    options: {},
    steps: [
      {
        name: 'lambda.test is in NO_PROXY', endpoint: `http://lambda.test:${P}`,
        rejects: dnsError(UNRESOLVED), server: NOTHING,
      },
      { name: 'k6/http, lambda.test', get: `http://lambda.test:${P}/_test/stats`, expect: httpError(UNRESOLVED) },
      {
        name: 'fn.lambda.test is in NO_PROXY (a subdomain)', endpoint: `http://fn.lambda.test:${P}`,
        rejects: dnsError(UNRESOLVED), server: NOTHING,
      },
      {
        name: 'other.test is not: proxied', endpoint: `http://other.test:${P}`,
        resolves: echoed, server: { ...SENT, proxyForwards: 1 },
      },
    ],
  },
  // HTTPS_PROXY=socks5://127.0.0.1:9: only http:// proxies are supported.
  // Every invocation is refused before anything is sent, whatever its
  // endpoint (the variable is read for all), saying what is supported.
  'proxy-unsupported': {
    options: { insecureSkipTLSVerify: true },
    steps: [
      {
        name: 'https://, a socks5:// HTTPS_PROXY', endpoint: TLS,
        rejects: configError(/socks5:\/\/ proxies are not supported, only http:\/\/ proxies/), server: NOTHING,
      },
      {
        name: 'http:// too', endpoint: PLAIN,
        rejects: configError(/unset HTTPS_PROXY/), server: NOTHING,
      },
    ],
  },
  // HTTPS_PROXY with the wrong password: the proxy answers CONNECT with
  // 407, nothing reaches the server; an unproxied endpoint still works.
  'proxy-auth-refused': {
    options: { insecureSkipTLSVerify: true },
    steps: [
      {
        // Which subclass is not pinned (k6/http reports code 1000, a
        // GeneralError): both transports must agree on it.
        name: 'CONNECT refused with 407', endpoint: `https://lambda.test:${T}`,
        rejects: {
          'rejects: a NetworkError, not an AWSError': (e) => e instanceof NetworkError && !(e instanceof AWSError),
          'a NetworkError subclass (instanceof its name)': (e) => isA(e, e.name),
        },
        sameAcrossTransports: true,
        server: { proxyAuthFailures: '>=1' },
      },
      {
        name: 'k6/http, CONNECT refused', get: `https://lambda.test:${T}/_test/stats`,
        expect: httpFailed, server: { proxyAuthFailures: '>=1' },
      },
      { name: 'then an unproxied endpoint', endpoint: TLS, resolves: echoed, server: SENT_TLS },
    ],
  },
};

const C = CASES[CASE];
if (!C) throw new Error(`CASE=${CASE}: want one of ${Object.keys(CASES).join(', ')}`);
const reachable = !C.statsUnreachable;

const predicatesOf = (step) => step.expect || step.resolves || step.rejects;
const serverChecks = reachable ? SERVER_KEYS.length : 0;
const isHttpStep = (step) => step.get !== undefined || step.post !== undefined;
const checksPerStep = (step) =>
  (isHttpStep(step) ? 1 : TRANSPORTS.length * callsOf(step).length) *
    (Object.keys(predicatesOf(step)).length + serverChecks) +
  (step.sameAcrossTransports ? callsOf(step).length : 0);
const CHECKS = C.steps.reduce((n, s) => n + checksPerStep(s), 0);

export const options = {
  ...C.options,
  scenarios: {
    [CASE.replace(/[^a-z0-9_]/gi, '_')]: { executor: 'per-vu-iterations', vus: 1, iterations: 1, maxDuration: '40s' },
  },
  thresholds: {
    checks: ['rate==1'],
    // Every check ran.
    e2e_checks: [`count==${CHECKS}`],
    ...(C.thresholds || {}),
  },
};

const delta = (after, before, key, payload) =>
  key === 'recorded'
    ? (after.recorded[payload] || 0) - (before.recorded[payload] || 0)
    : (after[key] || 0) - (before[key] || 0);

// Checks the server's deltas for a step; logs them on a failure.
function checkServer(label, before, payload, want = {}) {
  if (!reachable) return;
  const after = stats();
  const got = {};
  const named = {};
  for (const key of SERVER_KEYS) {
    got[key] = delta(after, before, key, payload);
    const w = want[key] === undefined ? 0 : want[key];
    named[`${label}: server ${key} ${w === '>=1' ? '>= 1' : `= ${w}`}`] = () => (w === '>=1' ? got[key] >= 1 : got[key] === w);
  }
  if (!verify(got, named)) console.error(`${label}: server deltas ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
}

const describeError = (e) => `${e.name} ${JSON.stringify(e.code)}: ${e.message}`;

async function invokeStep(step, call, transport) {
  const label = `${CASE} [${transport}]${call === 'invoke' ? '' : ` ${call}`} ${step.name}`;
  const payload = JSON.stringify({ case: CASE, step: step.name, call, transport });
  const client = new LambdaClient(
    new AWSConfig({ region: 'us-east-1', endpoint: step.endpoint, ...TEST_KEYS }),
    { transport, maxAttempts: 1, timeout: CLIENT_TIMEOUT_MS },
  );
  const before = reachable ? stats() : null;
  const { value, error } = await outcomeOf(CALLS[call](client, step, payload));
  const named = {};
  for (const [name, predicate] of Object.entries(step.resolves || step.rejects)) {
    named[`${label}: ${name}`] = step.resolves
      ? () => error === null && predicate(value, payload)
      : () => error !== null && predicate(error);
  }
  const seen = error === null ? `a resolution ${JSON.stringify(value)}` : `a rejection ${describeError(error)}`;
  if (!verify(error || value, named)) {
    console.error(`${label}: got ${seen}`);
  } else if (error !== null) {
    console.log(`${label}: ${describeError(error)}`);
  }
  checkServer(label, before, payload, step.server);
  return error;
}

// The transports reject alike: the same name and code.
function checkSame(step, call, errors) {
  const label = `${CASE}${call === 'invoke' ? '' : ` ${call}`} ${step.name}`;
  const seen = TRANSPORTS.map((t) => `${t}: ${errors[t] ? `${errors[t].name} ${errors[t].code}` : 'resolved'}`).join(', ');
  const first = errors[TRANSPORTS[0]];
  const same = TRANSPORTS.every((t) => errors[t] && first && errors[t].name === first.name && errors[t].code === first.code);
  if (!verify(errors, { [`${label}: the same error name and code on every transport`]: () => same })) {
    console.error(`${label}: ${seen}`);
  }
}

// A k6/http request: `get: url`, or `post: url` (a body of `{}`, as an
// invocation would send).
function httpStep(step) {
  const label = `${CASE} [k6/http] ${step.name}`;
  const before = reachable ? stats() : null;
  const params = { tags: { name: step.name } };
  const res = step.post !== undefined ? http.post(step.post, '{}', params) : http.get(step.get, params);
  const named = {};
  for (const [name, predicate] of Object.entries(step.expect)) named[`${label}: ${name}`] = () => predicate(res);
  const seen = `status ${res.status}, error_code ${res.error_code}, error ${JSON.stringify(res.error)}`;
  if (!verify(res, named)) console.error(`${label}: got ${seen}`);
  else if (res.error_code) console.log(`${label}: ${seen}`);
  checkServer(label, before, undefined, step.server);
}

export default async function () {
  for (const step of C.steps) {
    if (isHttpStep(step)) {
      httpStep(step);
      continue;
    }
    for (const call of callsOf(step)) {
      const errors = {};
      for (const transport of TRANSPORTS) errors[transport] = await invokeStep(step, call, transport);
      if (step.sameAcrossTransports) checkSame(step, call, errors);
    }
  }
}
