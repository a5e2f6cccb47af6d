// The endpoint refuses connections: each invoke rejects with a network
// error; an uncaught one fails its iteration and k6 goes on with the next.
import { NetworkError } from 'k6/x/lambda';
import { client, verify } from './lib.js';

export const options = {
  iterations: 6,
  thresholds: {
    checks: ['rate==1'],
    e2e_checks: ['count==3'],
    // Odd iterations throw; k6 still runs all six.
    iterations: ['count==6'],
  },
};

const lambda = client();

export default async function () {
  if (__ITER % 2 === 1) {
    await lambda.invoke('add-numbers', '{}'); // rejects: fails this iteration only
    return;
  }
  try {
    await lambda.invoke('add-numbers', '{}');
    verify(null, { 'refused: rejects': () => false });
  } catch (e) {
    verify(e, {
      'refused: TCPError 1212, connection refused': (e) =>
        e instanceof NetworkError && e.name === 'TCPError' && e.code === 1212 && e.message.startsWith('connection refused'),
    });
  }
}
