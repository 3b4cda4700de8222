import autocannon from 'autocannon';
import { cpuMicros } from './process-cpu.mjs';

/**
 * One autocannon run against a target: requests/s over the run, and the server's CPU
 * time per request. A run in which any answer was not 2xx (an expired or refused
 * token, a 503) is an error, not a number.
 */
export async function measureRest(target, { connections, duration }) {
  const cpuBefore = cpuMicros(target.pid);
  const result = await autocannon({
    url: target.url,
    connections,
    pipelining: 1,
    duration,
    headers: target.headers ?? {},
  });
  const bad = result.non2xx + result.errors + result.timeouts;
  if (bad > 0) throw new Error(`${target.label}: ${bad} of ${result.requests.total} answers were not 2xx`);
  return {
    rate: result.requests.total / (result.duration || duration),
    cpuPerRequest: (cpuMicros(target.pid) - cpuBefore) / result.requests.total,
  };
}
