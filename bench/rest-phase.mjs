// REST: Gatehouse against the bare NestJS reference (same Node, same Fastify adapter,
// one public route answering the same JSON with the same headers), in interleaved
// rounds, in batches of fresh server processes. Two more servers run in the same rounds, to show the floors: bare Nest with a
// pass-through global guard and a session parameter (the framework's part of any guarded
// route), and the framework-free node:http server.
import { median } from './report.mjs';
import { measureRest } from './rest-load.mjs';
import { startAll, startGatehouse, startNestReference, startReference } from './servers.mjs';
import { secureEnv, sessionOf, userToken } from './tokens.mjs';

const log = (line) => process.stderr.write(`${line}\n`);

export async function restPhase({ secret, batches, rounds, duration, warmup, connections, withOutputOnFailure }) {
  const token = userToken('bench-user', secret);
  const secure = secureEnv(secret);
  const bearer = { authorization: `Bearer ${token}` };
  return batchedRounds({
    batches,
    rounds,
    duration,
    warmup,
    connections,
    withOutputOnFailure,
    starters: {
      gatehouse: () => startGatehouse('gatehouse', secure),
      metricsOff: () =>
        startGatehouse('gatehouse-metrics-off', {
          ...secure,
          METRICS_ENABLED: 'false',
        }),
      nest: () => startNestReference(sessionOf(token)),
      nestGuarded: () => startNestReference(sessionOf(token), { GUARDED: '1' }),
      node: () => startReference(secret),
    },
    targetsFor: async ({ gatehouse, metricsOff, nest, nestGuarded, node }) => {
      await assertSameAnswer(`${gatehouse.url}/api/session`, `${nest.url}/api/session`, bearer);
      // Every target gets the same request, the bearer token included: the servers
      // differ only in what they do with it.
      return [
        { key: 'nest', server: nest, path: '/api/session' },
        { key: 'health', server: gatehouse, path: '/health' },
        { key: 'session', server: gatehouse, path: '/api/session' },
        { key: 'metricsOff', server: metricsOff, path: '/api/session' },
        { key: 'nestGuarded', server: nestGuarded, path: '/api/session' },
        { key: 'node', server: node, path: '/api/session' },
      ].map(({ key, server, path }) => ({
        key,
        pid: server.pid,
        label: `${server.name} GET ${path}`,
        url: `${server.url}${path}`,
        headers: bearer,
      }));
    },
  });
}

/**
 * Rounds in batches: each batch starts every server afresh (in a new order), warms each
 * target up, runs its rounds, and stops them. One process can settle faster or slower
 * than another of the very same code (by 10-15 % here: what the JIT made of it, where
 * its memory lies), for as long as it lives; fresh processes each batch spread that
 * over every server, as the rounds spread the load from elsewhere on the machine.
 * starters: { name: () => server }; targetsFor(servers by name) => targets.
 */
export async function batchedRounds({ batches, rounds, duration, warmup, connections, withOutputOnFailure, starters, targetsFor }) {
  const runs = {};
  for (let batch = 0; batch < batches; batch++) {
    const random = seededRandom(batch + 1);
    const names = shuffled(Object.keys(starters), random);
    const started = await startAll(names.map((name) => starters[name]));
    const servers = Object.fromEntries(names.map((name, i) => [name, started[i]]));
    try {
      await withOutputOnFailure(started, async () => {
        const targets = await targetsFor(servers);
        log(`REST batch ${batch + 1}/${batches}: servers started (${names.join(', ')}), ${warmup} s warm-up per target`);
        const batchRuns = await runRounds(targets, {
          rounds,
          duration,
          warmup,
          connections,
          random,
        });
        for (const [key, list] of Object.entries(batchRuns)) (runs[key] ??= []).push(...list);
      });
    } finally {
      await Promise.all(started.map((server) => server.stop()));
    }
  }
  return summarise(runs);
}

/** The comparison is only fair if both answer alike: same body, same header names. */
async function assertSameAnswer(gatehouseUrl, nestUrl, headers) {
  const [a, b] = await Promise.all([fetch(gatehouseUrl, { headers }), fetch(nestUrl)]);
  const names = (response) =>
    [...response.headers.keys()]
      .filter((name) => name !== 'date')
      .sort()
      .join(',');
  const [bodyA, bodyB] = await Promise.all([a.text(), b.text()]);
  if (a.status !== 200 || bodyA !== bodyB || names(a) !== names(b)) {
    throw new Error(
      `the bare Nest reference does not answer as Gatehouse does:\n${a.status} ${names(a)}\n${bodyA}\n${b.status} ${names(b)}\n${bodyB}`,
    );
  }
}

/** One warm-up per target, then `rounds` rounds, each in a new order: every target's runs, round by round. */
async function runRounds(targets, { rounds, duration, warmup, connections, random }) {
  for (const target of targets) await measureRest(target, { connections, duration: warmup });
  const runs = Object.fromEntries(targets.map((t) => [t.key, []]));
  for (let round = 0; round < rounds; round++) {
    // Interleaved, in a new order each round, so that noise from other work on the
    // machine spreads over every target instead of hitting one. Shuffled rather than
    // rotated: a rotation keeps each target right after the same one, and a server that
    // was just loaded goes on working for a while (garbage collection, compilation)
    // on the CPU the next one is measured on.
    const order = shuffled(targets, random);
    const line = [];
    for (const target of order) {
      const run = await measureRest(target, { connections, duration });
      runs[target.key].push(run);
      line.push(`${target.key} ${Math.round(run.rate)}/s ${run.cpuPerRequest.toFixed(1)} µs ${Math.round(run.busy * 100)}%`);
    }
    log(`REST round ${round + 1}/${rounds}: ${line.join(', ')}`);
  }
  return runs;
}

/** A copy of `list` in random order (Fisher-Yates). */
function shuffled(list, random) {
  const copy = [...list];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j], copy[i]];
  }
  return copy;
}

/** A small deterministic generator (mulberry32), so that a run's orders can be repeated. */
function seededRandom(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/**
 * Medians of rate and CPU per request for each target, and each ratio as the median of
 * its per-round ratios: the two runs of a round are seconds apart, so load from
 * elsewhere on the machine hits both alike.
 */
export function summarise(runs) {
  const pick = (key, field) => runs[key].map((run) => run[field]);
  const result = {};
  for (const key of Object.keys(runs)) {
    result[key] = {
      rate: median(pick(key, 'rate')),
      cpu: median(pick(key, 'cpuPerRequest')),
      busy: median(pick(key, 'busy')),
    };
  }
  /** key's rate over ref's (higher is better for key), and ref's CPU over key's (the same sense). */
  result.ratio = (key, ref) => ({
    rate: median(runs[key].map((run, i) => run.rate / runs[ref][i].rate)),
    cpu: median(runs[key].map((run, i) => runs[ref][i].cpuPerRequest / run.cpuPerRequest)),
  });
  return result;
}
