// REST, in interleaved rounds, in batches of fresh server processes:
// - Fastify: the Gatehouse server against the bare NestJS reference (same Node, same
//   Fastify adapter, one public route answering the same JSON with the same headers).
//   Two more servers show the floors: bare Nest with a pass-through global guard and a
//   session parameter (the framework's part of any guarded route), and the
//   framework-free node:http server.
// - Express: a library host app (bench/host-app.mjs, GatehouseModule) against the bare
//   NestJS reference on Express, a public and a guarded route; in that host app,
//   @RequireScopes('notes:read') against the same guarded route without it.
// - Several issuers: the host app with 100 issuers configured against the one with one
//   issuer, each answering a pool of tokens it has seen before (docs/performance.md says why).
import { median } from './report.mjs';
import { measureRest } from './rest-load.mjs';
import { startAll, startGatehouse, startHostApp, startNestReference, startReference } from './servers.mjs';
import { issuerToken, issuerUrl, newSecret, secureEnv, sessionOf, userToken } from './tokens.mjs';

const log = (line) => process.stderr.write(`${line}\n`);

/** Issuers configured in the several-issuers row, and tokens in each pool (one per issuer there). */
export const ISSUER_COUNT = 100;

export async function restPhase({ secret, batches, rounds, duration, warmup, connections, withOutputOnFailure }) {
  const token = userToken('bench-user', secret);
  const secure = secureEnv(secret);
  const bearer = { authorization: `Bearer ${token}` };
  const express = expressSetup(secret);
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
      ...express.starters,
    },
    targetsFor: async (servers) => {
      const { gatehouse, metricsOff, nest, nestGuarded, node } = servers;
      await assertSameAnswer(`${gatehouse.url}/api/session`, `${nest.url}/api/session`, bearer);
      // Every target gets the same request, the bearer token included: the servers
      // differ only in what they do with it.
      const fastify = [
        { key: 'nest', server: nest, path: '/api/session' },
        { key: 'health', server: gatehouse, path: '/health' },
        { key: 'session', server: gatehouse, path: '/api/session' },
        { key: 'metricsOff', server: metricsOff, path: '/api/session' },
        { key: 'nestGuarded', server: nestGuarded, path: '/api/session' },
        { key: 'node', server: node, path: '/api/session' },
      ].map(({ key, server, path }) => target(key, server, path, bearer));
      return [...fastify, ...(await express.targetsFor(servers))];
    },
  });
}

function target(key, server, path, headers, headerPool) {
  return { key, pid: server.pid, label: `${server.name} GET ${path}`, url: `${server.url}${path}`, headers, headerPool };
}

/**
 * The Express rows' servers and targets. One token, carrying the scope notes:read, for the
 * public, guarded and scoped routes (so those answer alike); for the issuers rows, a pool
 * of ISSUER_COUNT tokens each: one per issuer where 100 are configured, as many users of
 * the one issuer where one is, of the same size, so that both answers are the same size.
 */
function expressSetup(secret) {
  const iss = issuerUrl(0);
  const token = issuerToken({ iss, sub: 'bench-user', scope: 'notes:read', secret });
  const bearer = { authorization: `Bearer ${token}` };
  const secrets = Array.from({ length: ISSUER_COUNT }, (_, i) => (i === 0 ? secret : newSecret()));
  const issuers = secrets.map((key, i) => ({ issuer: issuerUrl(i), key }));
  const pool = (issuerOf) =>
    secrets.map((_, i) => {
      const n = issuerOf(i);
      const sub = `user-${String(i).padStart(3, '0')}`;
      return { authorization: `Bearer ${issuerToken({ iss: issuerUrl(n), sub, scope: 'notes:read', secret: secrets[n] })}` };
    });
  const oneIssuerPool = pool(() => 0);
  const issuersPool = pool((i) => i);
  const session = sessionOf(token);
  return {
    starters: {
      nestExpress: () => startNestReference(session, { PLATFORM: 'express' }),
      hostExpress: () => startHostApp('host-express', session, { PLATFORM: 'express', SECRET: secret, ISSUER: iss }),
      // The issuers row's two sides each have a process of their own, serving only their
      // pool: a process that also served the other Express rows would come to the row with
      // another history (what its JIT made of other routes), which is not the issuers' cost.
      hostOneIssuer: () => startHostApp('host-express-one-issuer', session, { PLATFORM: 'express', SECRET: secret, ISSUER: iss }),
      hostIssuers: () => startHostApp('host-express-issuers', session, { PLATFORM: 'express', ISSUERS: JSON.stringify(issuers) }),
    },
    targetsFor: async ({ nestExpress, hostExpress, hostOneIssuer, hostIssuers }) => {
      const reference = `${nestExpress.url}/api/session`;
      for (const path of ['/api/public', '/api/session', '/api/notes'])
        await assertSameAnswer(`${hostExpress.url}${path}`, reference, bearer);
      await assertRefused(`${hostExpress.url}/api/notes`, issuerToken({ iss, sub: 'bench-user', secret }), 403);
      await assertAllAccepted(`${hostOneIssuer.url}/api/session`, oneIssuerPool);
      await assertAllAccepted(`${hostIssuers.url}/api/session`, issuersPool);
      await assertRefused(`${hostOneIssuer.url}/api/session`, issuersPool.at(-1).authorization.slice(7), 401);
      return [
        target('expressNest', nestExpress, '/api/session', bearer),
        target('expressPublic', hostExpress, '/api/public', bearer),
        target('expressSession', hostExpress, '/api/session', bearer),
        target('expressScoped', hostExpress, '/api/notes', bearer),
        {
          ...target('oneIssuer', hostOneIssuer, '/api/session', undefined, oneIssuerPool),
          label: 'host-express-one-issuer GET /api/session, 100 tokens of one issuer',
        },
        {
          ...target('issuers', hostIssuers, '/api/session', undefined, issuersPool),
          label: `host-express-issuers GET /api/session, a token of each of ${ISSUER_COUNT} issuers`,
        },
      ];
    },
  };
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
export async function assertSameAnswer(gatehouseUrl, nestUrl, headers) {
  const [a, b] = await Promise.all([fetch(gatehouseUrl, { headers }), fetch(nestUrl, { headers })]);
  const names = (response) =>
    [...response.headers.keys()]
      .filter((name) => name !== 'date')
      .sort()
      .join(',');
  const [bodyA, bodyB] = await Promise.all([a.text(), b.text()]);
  if (a.status !== 200 || bodyA !== bodyB || names(a) !== names(b)) {
    throw new Error(
      `${nestUrl} does not answer as ${gatehouseUrl} does:\n${a.status} ${names(a)}\n${bodyA}\n${b.status} ${names(b)}\n${bodyB}`,
    );
  }
}

/** Each of `pool` (request headers) gets a 200: the configuration accepts every token of the row. */
async function assertAllAccepted(url, pool) {
  for (const headers of pool) {
    const response = await fetch(url, { headers });
    if (response.status !== 200) throw new Error(`${url} refused a token of the pool: ${response.status} ${await response.text()}`);
  }
}

/** `token` gets `status`: the route does check what the row says it checks. */
async function assertRefused(url, token, status) {
  const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  if (response.status !== status) throw new Error(`${url} answered ${response.status}, not ${status}: ${await response.text()}`);
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
  /** Per round: key's rate over ref's (higher is better for key), and ref's CPU over key's (the same sense). */
  result.ratios = (key, ref) => ({
    rate: runs[key].map((run, i) => run.rate / runs[ref][i].rate),
    cpu: runs[key].map((run, i) => runs[ref][i].cpuPerRequest / run.cpuPerRequest),
  });
  /** The medians of those. */
  result.ratio = (key, ref) => {
    const { rate, cpu } = result.ratios(key, ref);
    return { rate: median(rate), cpu: median(cpu) };
  };
  return result;
}
