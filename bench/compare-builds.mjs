// Compares builds of Gatehouse (before and after a change) on REST, side by side with
// the bare NestJS reference, the way the bench does (batches of fresh processes,
// interleaved rounds in a new order each, the same request everywhere). Two ways:
//
// 1. Against a commit, built here (not part of npm test: it installs and builds):
//      npx nest build && node_modules/.bin/node bench/compare-builds.mjs --against 4538a62
//    builds the commit in a temporary git worktree (npm ci, nest build; bench/commit-build.mjs),
//    then measures the bench's Fastify rows (GET /health and GET /api/session with the
//    defaults, GET /api/session with METRICS_ENABLED=false) of that build and of this
//    checkout's dist/ in the same rounds, and prints them side by side: each build's
//    figures, the new build against the old (the median of per-round ratios, and their
//    range), and each against bare Nest. --keep leaves the old build for the next run
//    (and reuses one left before).
//
// 2. Builds you give, by path:
//      cp -r dist dist-before; ...change, npx nest build...
//      node bench/compare-builds.mjs before=dist-before/main.js after=dist/main.js
//    A build only runs from inside a repository with node_modules, so copy dist to a
//    directory under it. `name=path?VAR=value&VAR=value` runs a build with more settings
//    (after-nometrics=dist/main.js?METRICS_ENABLED=false). For each build, the paths in
//    PATHS (/api/session,/health).
//
// Figures: medians of requests/s and server CPU µs per request; ratios are medians of
// per-round ratios, CPU inverted (1.00 is parity, higher is better for the build named first).
// Options: --batches B (3) of fresh processes, --rounds R (3) per batch, --duration S (2)
// seconds per run, --warmup S (1), --connections C (50), --pin on|off (on: servers on one
// CPU, the load generator on another). The environment variables BATCHES, ROUNDS,
// DURATION, WARMUP, CONNECTIONS, PATHS and PIN=0 of earlier versions still work.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { buildCommit } from './commit-build.mjs';
import { int, micros, ratio, table } from './report.mjs';
import { assertSameAnswer, batchedRounds } from './rest-phase.mjs';
import { GATEHOUSE_MAIN, pinProcesses, startNestReference, startScript } from './servers.mjs';
import { newSecret, secureEnv, sessionOf, userToken } from './tokens.mjs';

const env = process.env;
const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    against: { type: 'string' },
    keep: { type: 'boolean', default: false },
    batches: { type: 'string', default: env.BATCHES ?? '3' },
    rounds: { type: 'string', default: env.ROUNDS ?? '3' },
    duration: { type: 'string', default: env.DURATION ?? '2' },
    warmup: { type: 'string', default: env.WARMUP ?? '1' },
    connections: { type: 'string', default: env.CONNECTIONS ?? '50' },
    pin: { type: 'string', default: env.PIN === '0' ? 'off' : 'on' },
  },
});
const options = {
  batches: Number(args.batches),
  rounds: Number(args.rounds),
  duration: Number(args.duration),
  warmup: Number(args.warmup),
  connections: Number(args.connections),
};
const log = (line) => process.stderr.write(`${line}\n`);

if (args.against === undefined && positionals.length === 0) {
  log('usage: node bench/compare-builds.mjs --against <commit> [--keep] [--batches B --rounds R ...]');
  log('       node bench/compare-builds.mjs name=path/to/main.js[?VAR=value] ...');
  process.exit(2);
}
if (args.against !== undefined && !existsSync(GATEHOUSE_MAIN)) {
  log(`${GATEHOUSE_MAIN} is missing: run "npx nest build" first`);
  process.exit(1);
}

const pinning = args.pin === 'off' ? 'not pinned' : pinProcesses();
log(pinning);
const secret = newSecret();
const token = userToken('bench-user', secret);
const secure = secureEnv(secret);
const bearer = { authorization: `Bearer ${token}` };

/** Every build's server and path as targets, with bare Nest's /api/session first; each build's answer checked against bare Nest's. */
async function measure(servers) {
  const result = await batchedRounds({
    ...options,
    withOutputOnFailure: async (started, run) => {
      try {
        return await run();
      } catch (error) {
        for (const server of started) log(`--- ${server.name} (pid ${server.pid}) output:\n${server.output()}`);
        throw error;
      }
    },
    starters: {
      'bare Nest': () => startNestReference(sessionOf(token)),
      ...Object.fromEntries(servers.map((s) => [s.name, () => startScript(s.name, s.path, { ...secure, ...s.env })])),
    },
    targetsFor: async (started) => {
      const nest = `${started['bare Nest'].url}/api/session`;
      for (const { name } of servers) await assertSameAnswer(`${started[name].url}/api/session`, nest, bearer);
      return [
        { key: 'bare Nest', label: 'bare Nest', pid: started['bare Nest'].pid, url: nest, headers: bearer },
        ...servers.flatMap(({ name, paths }) =>
          paths.map((path) => ({
            key: `${name} ${path}`,
            label: `${name} ${path}`,
            pid: started[name].pid,
            url: `${started[name].url}${path}`,
            headers: bearer,
          })),
        ),
      ];
    },
  });
  return result;
}

const settings = `${options.batches} batches of fresh server processes x ${options.rounds} interleaved rounds x ${options.duration} s, ${options.connections} connections, ${pinning}, node ${process.version}`;

if (args.against !== undefined) {
  const old = buildCommit(args.against, { keep: args.keep });
  try {
    const builds = [
      { label: old.commit, main: old.main },
      { label: 'this build', main: GATEHOUSE_MAIN },
    ];
    const rows = [
      { label: 'GET /health, public, defaults', server: '', path: '/health' },
      { label: 'GET /api/session, guarded, defaults', server: '', path: '/api/session' },
      { label: 'GET /api/session, guarded, metrics off', server: ' metrics off', path: '/api/session', env: { METRICS_ENABLED: 'false' } },
    ];
    const servers = builds.flatMap((build) =>
      [...new Set(rows.map((row) => row.server))].map((suffix) => ({
        name: `${build.label}${suffix}`,
        path: build.main,
        env: rows.find((row) => row.server === suffix).env ?? {},
        paths: rows.filter((row) => row.server === suffix).map((row) => row.path),
      })),
    );
    const result = await measure(servers);
    const key = (build, row) => `${build.label}${row.server} ${row.path}`;
    const [before, after] = builds;
    const range = (list) => `${ratio(Math.min(...list))}-${ratio(Math.max(...list))}`;
    console.log(
      `\nThe bench's Fastify rows, ${before.label} (${old.dir}) against this build (${GATEHOUSE_MAIN}), in the same rounds: ${settings}. "this / ${before.label}": the median of per-round ratios, CPU inverted (above 1.00 this build is cheaper; below, dearer), and the range of the per-round CPU ratios.\n`,
    );
    console.log(
      table(
        [
          'Fastify row',
          `req/s ${before.label}`,
          'this build',
          `µs CPU/req ${before.label}`,
          'this build',
          `this / ${before.label}: CPU`,
          'CPU, per-round range',
          `this / ${before.label}: rate`,
          `CPU vs bare Nest: ${before.label}`,
          'this build',
        ],
        rows.map((row) => {
          const [a, b] = [key(before, row), key(after, row)];
          const change = result.ratio(b, a);
          return [
            row.label,
            int(result[a].rate),
            int(result[b].rate),
            micros(result[a].cpu),
            micros(result[b].cpu),
            ratio(change.cpu),
            range(result.ratios(b, a).cpu),
            ratio(change.rate),
            ratio(result.ratio(a, 'bare Nest').cpu),
            ratio(result.ratio(b, 'bare Nest').cpu),
          ];
        }),
      ),
    );
    console.log(`\nbare Nest: ${int(result['bare Nest'].rate)} req/s at ${micros(result['bare Nest'].cpu)} µs CPU per request.`);
  } finally {
    old.remove();
  }
} else {
  const paths = (env.PATHS ?? '/api/session,/health').split(',');
  const builds = positionals.map((arg) => {
    const [name, spec] = arg.split(/=(.*)/s, 2);
    const [path, query = ''] = spec.split('?');
    return { name, path: resolve(path), env: Object.fromEntries(new URLSearchParams(query)), paths };
  });
  const result = await measure(builds);
  const keys = ['bare Nest', ...builds.flatMap(({ name }) => paths.map((path) => `${name} ${path}`))];
  const width = Math.max(...keys.map((key) => key.length));
  console.log(`\n${settings}\n`);
  console.log(`${'target'.padEnd(width)}   req/s  µs CPU/req  rate/Nest  CPU Nest/this`);
  for (const key of keys) {
    const { rate, cpu } = result[key];
    const r = key === 'bare Nest' ? { rate: 1, cpu: 1 } : result.ratio(key, 'bare Nest');
    console.log(
      `${key.padEnd(width)} ${String(Math.round(rate)).padStart(7)} ${cpu.toFixed(1).padStart(11)} ${r.rate.toFixed(3).padStart(10)} ${r.cpu.toFixed(3).padStart(14)}`,
    );
  }
}
