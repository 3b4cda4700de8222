import autocannon from 'autocannon';

/**
 * One autocannon run against a target: requests/s over the run. A run in which any
 * answer was not 2xx (an expired or refused token, a 503) is an error, not a number.
 */
export async function measureRest(target, { connections, duration }) {
  const result = await autocannon({
    url: target.url,
    connections,
    pipelining: 1,
    duration,
    headers: target.headers ?? {},
  });
  const bad = result.non2xx + result.errors + result.timeouts;
  if (bad > 0) throw new Error(`${target.label}: ${bad} of ${result.requests.total} answers were not 2xx`);
  return result.requests.total / (result.duration || duration);
}
