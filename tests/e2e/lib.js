// Shared by the end-to-end scripts: a client for the endpoint under test,
// and a helper that checks how a promise was rejected.
import { AWSConfig, LambdaClient } from 'k6/x/lambda';
import { check } from 'k6';
import { Counter } from 'k6/metrics';

// How many checks ran: a threshold on it makes sure a script did not pass
// by skipping its checks.
const checksRun = new Counter('e2e_checks');

// check() that also counts.
export function verify(value, named) {
  checksRun.add(Object.keys(named).length);
  return check(value, named);
}

export const TEST_KEYS = {
  accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
};

// A client of the endpoint under test; `options` are LambdaClient's.
export function client(endpoint = __ENV.LAMBDA_ENDPOINT, options = undefined) {
  if (!endpoint) throw new Error('set LAMBDA_ENDPOINT');
  return new LambdaClient(new AWSConfig({ region: 'us-east-1', endpoint, ...TEST_KEYS }), options);
}

// Checks `error` (null: nothing was thrown) against the predicates in
// `checks`; with no error, every check fails. `nothing` says what came instead.
function checkError(label, error, checks, nothing) {
  const named = {};
  for (const [name, predicate] of Object.entries(checks)) {
    named[`${label}: ${name}`] = () => error !== null && predicate(error);
  }
  if (!verify(null, named)) {
    console.error(`${label}: got ${error === null ? nothing : `${error.name}: ${error.message}`}`);
  }
}

// Awaits `promise`: { value, error }, error null when it resolved (and
// value undefined when it rejected).
export async function outcomeOf(promise) {
  try {
    return { value: await promise, error: null };
  } catch (error) {
    return { value: undefined, error };
  }
}

// Awaits `promise` and checks that it rejects with an error for which
// every predicate in `checks` holds; a resolution fails every check.
export async function checkRejects(label, promise, checks) {
  const { error } = await outcomeOf(promise);
  checkError(label, error, checks, 'a resolved promise');
}

// Calls `fn` (which must throw) and checks the thrown error.
export function checkThrows(label, fn, checks) {
  let error = null;
  try {
    fn();
  } catch (e) {
    error = e;
  }
  checkError(label, error, checks, 'no exception');
}

// Every end-to-end script fails the run (exit code 99) if a check failed
// or if fewer than `count` checks ran.
export function strictThresholds(count) {
  return { checks: ['rate==1'], e2e_checks: [`count>=${count}`] };
}
