import autocannon from 'autocannon';
import { cpuMicros } from './process-cpu.mjs';

/**
 * One autocannon run against a target: requests/s over the run, the server's CPU time
 * per request, and how busy the server was (CPU time / wall time: near 1 when the load
 * generator keeps a one-core server saturated). A run in which any answer was not 2xx
 * (an expired or refused token, a 503) is an error, not a number.
 * target.headerPool: a list of request headers, sent in turn by each connection (autocannon
 * builds each request once, so a pool costs the load generator nothing per request).
 */
export async function measureRest(target, { connections, duration }) {
  const cpuBefore = cpuMicros(target.pid);
  const started = performance.now();
  const result = await autocannon({
    url: target.url,
    connections,
    pipelining: 1,
    duration,
    headers: target.headers ?? {},
    ...(target.headerPool && { requests: target.headerPool.map((headers) => ({ headers })) }),
  });
  const cpu = cpuMicros(target.pid) - cpuBefore;
  const wallMicros = (performance.now() - started) * 1000;
  const bad = result.non2xx + result.errors + result.timeouts;
  if (bad > 0) throw new Error(`${target.label}: ${bad} of ${result.requests.total} answers were not 2xx`);
  return {
    requests: result.requests.total,
    rate: result.requests.total / (result.duration || duration),
    cpuPerRequest: cpu / result.requests.total,
    busy: cpu / wallMicros,
  };
}
