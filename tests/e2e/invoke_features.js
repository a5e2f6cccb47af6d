// Today's Invoke API against tests/lambdaserver, through both transports:
// tenant isolation (tenantId: each tenant's first call cold, the next warm;
// the refusals), durable executions (durableExecutionName, the response's
// durableExecutionArn, DurableExecutionAlreadyStartedException) and a
// SnapStart function's restore (report.restoreDurationMs and
// billedRestoreDurationMs instead of initDurationMs).
//
// Every name that holds server state (tenants, execution names, the
// SnapStart version) is new to each run, so the script may run any number
// of times against one server. run_invoke_features.sh runs it, then again
// with --out json for check_invoke_features.py.
import { AWSError, InvalidInvocationError, LambdaInvocationError } from 'k6/x/lambda';
import { checkRejects, client, strictThresholds, verify } from './lib.js';

const TRANSPORTS = ['direct', 'sdk'];
const CHECKS_PER_TRANSPORT = 37;
export const options = { iterations: 1, thresholds: strictThresholds(2 * CHECKS_PER_TRANSPORT) };

const clients = Object.fromEntries(TRANSPORTS.map((t) => [t, client(undefined, { transport: t })]));

// A number no earlier run used: the SnapStart version, and part of every
// name (tenants, executions).
const run = `${Date.now()}${Math.floor(Math.random() * 1000)}`;

const invalid = (field) => ({
  'is an InvalidInvocationError': (e) => e instanceof InvalidInvocationError,
  [`names the field ${field}`]: (e) => e.field === field,
});
const awsError = (type, status) => ({
  [`is an AWSError named ${type}`]: (e) => e instanceof AWSError && e.name === type && e.code === type,
  [`has status ${status}`]: (e) => e.statusCode === status,
  'is not a function error': (e) => !(e instanceof LambdaInvocationError),
});

async function tenants(t, lambda) {
  const call = (tenant) =>
    lambda.invoke('tenant-isolated', '{}', { tenantId: tenant, logType: 'Tail', tags: { tenant } });
  const blue = `${t}-${run}-blue`;
  const green = `${t}-${run}-green team`;
  const first = await call(blue);
  const second = await call(blue);
  const other = await call(green);
  const body = (r) => JSON.parse(r.payload);
  verify(null, {
    [`${t}: a tenant's first call is a cold start`]: () =>
      body(first).tenant === blue && body(first).cold && first.report.initDurationMs > 0,
    [`${t}: its next call is warm`]: () =>
      body(second).tenant === blue && !body(second).cold && second.report.initDurationMs === undefined,
    [`${t}: another tenant's first call is cold again`]: () =>
      body(other).tenant === green && body(other).cold && other.report.initDurationMs > 0,
  });
  await checkRejects(`${t}: an isolated function without a tenant`, lambda.invoke('tenant-isolated', '{}'),
    awsError('InvalidParameterValueException', 400));
  await checkRejects(`${t}: a tenant for a function without isolation`, lambda.invoke('echo', '{}', { tenantId: blue }),
    awsError('InvalidParameterValueException', 400));
  const streamed = await lambda.invokeWithResponseStream('tenant-isolated', '{}', { tenantId: green });
  verify(streamed, {
    [`${t}: invokeWithResponseStream sends the tenant`]: (r) => JSON.parse(r.payload).tenant === green,
  });
  await checkRejects(`${t}: invokeWithResponseStream to an isolated function without a tenant`,
    lambda.invokeWithResponseStream('tenant-isolated', '{}'), {
      'is an InvalidParameterValueException': (e) => e.name === 'InvalidParameterValueException' && e.statusCode === 400,
    });
}

async function durable(t, lambda) {
  const name = `${t}-${run}-order`;
  const first = await lambda.invoke('durable', '{"n":1}', { durableExecutionName: name });
  const again = await lambda.invoke('durable', '{"n":1}', { durableExecutionName: name });
  const plain = await lambda.invoke('echo', '{}');
  const arn = first.durableExecutionArn;
  verify(null, {
    [`${t}: a durable invocation has its durableExecutionArn`]: () =>
      typeof arn === 'string' && arn.startsWith('arn:aws:lambda:us-east-1:123456789012:function:durable:$LATEST/durable-execution/' + name + '/'),
    [`${t}: the same name and payload return the same execution`]: () => again.durableExecutionArn === arn,
    [`${t}: other functions' answers have no durableExecutionArn`]: () => !('durableExecutionArn' in plain),
  });
  await checkRejects(`${t}: the same name with another payload`,
    lambda.invoke('durable', '{"n":2}', { durableExecutionName: name }),
    awsError('DurableExecutionAlreadyStartedException', 409));
}

async function snapStart(t, lambda) {
  // A version no run used before: its first environment is restored.
  const version = `${run}${t === 'direct' ? 1 : 2}`;
  const restored = await lambda.invoke('snapstart', '{}', { qualifier: version, logType: 'Tail', tags: { transport: t } });
  const warm = await lambda.invoke('snapstart', '{}', { qualifier: version, logType: 'Tail', tags: { transport: t } });
  verify(null, {
    [`${t}: a SnapStart restore has restoreDurationMs and billedRestoreDurationMs`]: () =>
      restored.report.restoreDurationMs === 312.5 && restored.report.billedRestoreDurationMs === 180,
    [`${t}: a restore is no init`]: () => restored.report.initDurationMs === undefined,
    [`${t}: the REPORT line says so`]: () => /Restore Duration: 312\.50 ms\tBilled Restore Duration: 180 ms\t/.test(restored.logResult),
    [`${t}: the restored environment then runs warm`]: () =>
      warm.report.restoreDurationMs === undefined && warm.report.billedRestoreDurationMs === undefined &&
      warm.report.initDurationMs === undefined,
  });
}

// Refused before sending, on both transports alike.
async function refusals(t, lambda) {
  const cases = [
    ['an empty tenantId', { tenantId: '' }, 'tenantId'],
    ['a tenantId that is no string', { tenantId: 5 }, 'tenantId'],
    ['a tenantId with a forbidden character', { tenantId: 'a#b' }, 'tenantId'],
    ['a tenantId over 256 characters', { tenantId: 't'.repeat(257) }, 'tenantId'],
    ['an empty durableExecutionName', { durableExecutionName: '' }, 'durableExecutionName'],
    ['a durableExecutionName outside [a-zA-Z0-9-_]', { durableExecutionName: 'dot.ted' }, 'durableExecutionName'],
    ['a durableExecutionName over 64 characters', { durableExecutionName: 'n'.repeat(65) }, 'durableExecutionName'],
  ];
  for (const [label, opts, field] of cases) {
    await checkRejects(`${t}: ${label}`, lambda.invoke('echo', '{}', opts), invalid(field));
  }
  await checkRejects(`${t}: invokeWithResponseStream has no durableExecutionName`,
    lambda.invokeWithResponseStream('echo', '{}', { durableExecutionName: 'x' }), invalid('durableExecutionName'));
}

export default async function () {
  for (const t of TRANSPORTS) {
    await tenants(t, clients[t]);
    await durable(t, clients[t]);
    await snapStart(t, clients[t]);
    await refusals(t, clients[t]);
  }
}
