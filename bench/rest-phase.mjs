// REST: Gatehouse against the bare NestJS reference (same Node, same Fastify adapter,
// one public route answering the same JSON with the same headers), in interleaved
// rounds whose order rotates. The framework-free node:http server runs in the same
// rounds, to show the framework's own floor.
import { median } from './report.mjs';
import { measureRest } from './rest-load.mjs';
import { startAll, startGatehouse, startNestReference, startReference } from './servers.mjs';
import { sessionOf, userToken } from './tokens.mjs';

const log = (line) => process.stderr.write(`${line}\n`);

export async function restPhase({ secret, rounds, duration, warmup, connections, withOutputOnFailure }) {
  const token = userToken('bench-user', secret);
  const secure = { AUTH_MODE: 'secure', AUTH_JWT_ALG: 'HS256', AUTH_JWT_KEY: secret };
  const servers = await startAll([
    () => startGatehouse('gatehouse', secure),
    () => startGatehouse('gatehouse-metrics-off', { ...secure, METRICS_ENABLED: 'false' }),
    () => startNestReference(sessionOf(token)),
    () => startReference(secret),
  ]);
  const [gatehouse, metricsOff, nest, node] = servers;
  try {
    return await withOutputOnFailure(servers, async () => {
      const bearer = { authorization: `Bearer ${token}` };
      await assertSameAnswer(`${gatehouse.url}/api/session`, `${nest.url}/api/session`, bearer);
      // Every target gets the same request, the bearer token included: the servers
      // differ only in what they do with it.
      const targets = [
        { key: 'nest', pid: nest.pid, label: 'bare Nest GET /api/session', url: `${nest.url}/api/session` },
        { key: 'health', pid: gatehouse.pid, label: 'Gatehouse GET /health', url: `${gatehouse.url}/health` },
        { key: 'session', pid: gatehouse.pid, label: 'Gatehouse GET /api/session', url: `${gatehouse.url}/api/session` },
        { key: 'metricsOff', pid: metricsOff.pid, label: 'Gatehouse (metrics off) GET /api/session', url: `${metricsOff.url}/api/session` },
        { key: 'node', pid: node.pid, label: 'node:http GET /api/session', url: `${node.url}/api/session` },
      ].map((target) => ({ ...target, headers: bearer }));
      return await runRounds(targets, { rounds, duration, warmup, connections });
    });
  } finally {
    await Promise.all(servers.map((server) => server.stop()));
  }
}

/** The comparison is only fair if both answer alike: same body, same header names. */
async function assertSameAnswer(gatehouseUrl, nestUrl, headers) {
  const [a, b] = await Promise.all([fetch(gatehouseUrl, { headers }), fetch(nestUrl)]);
  const names = (response) => [...response.headers.keys()].filter((name) => name !== 'date').sort().join(',');
  const [bodyA, bodyB] = await Promise.all([a.text(), b.text()]);
  if (a.status !== 200 || bodyA !== bodyB || names(a) !== names(b)) {
    throw new Error(`the bare Nest reference does not answer as Gatehouse does:\n${a.status} ${names(a)}\n${bodyA}\n${b.status} ${names(b)}\n${bodyB}`);
  }
}

export async function runRounds(targets, { rounds, duration, warmup, connections }) {
  log(`REST warm-up: ${warmup} s per target`);
  for (const target of targets) await measureRest(target, { connections, duration: warmup });
  const runs = Object.fromEntries(targets.map((t) => [t.key, []]));
  for (let round = 0; round < rounds; round++) {
    // Interleaved, and the order rotates, so that noise from other work on the
    // machine spreads over every target instead of hitting one.
    const order = targets.map((_, i) => targets[(i + round) % targets.length]);
    const line = [];
    for (const target of order) {
      const run = await measureRest(target, { connections, duration });
      runs[target.key].push(run);
      line.push(`${target.key} ${Math.round(run.rate)}/s ${run.cpuPerRequest.toFixed(1)} µs ${Math.round(run.busy * 100)}%`);
    }
    log(`REST round ${round + 1}/${rounds}: ${line.join(', ')}`);
  }
  return summarise(runs);
}

/**
 * Medians of rate and CPU per request for each target, and each ratio as the median of
 * its per-round ratios: the two runs of a round are seconds apart, so load from
 * elsewhere on the machine hits both alike.
 */
function summarise(runs) {
  const pick = (key, field) => runs[key].map((run) => run[field]);
  const result = {};
  for (const key of Object.keys(runs)) {
    result[key] = { rate: median(pick(key, 'rate')), cpu: median(pick(key, 'cpuPerRequest')), busy: median(pick(key, 'busy')) };
  }
  /** key's rate over ref's (higher is better for key), and ref's CPU over key's (the same sense). */
  result.ratio = (key, ref) => ({
    rate: median(runs[key].map((run, i) => run.rate / runs[ref][i].rate)),
    cpu: median(runs[key].map((run, i) => runs[ref][i].cpuPerRequest / run.cpuPerRequest)),
  });
  return result;
}
