// Compares builds of Gatehouse (before and after a change) on REST, side by side with
// the bare NestJS reference, the way the bench does (batches of fresh processes,
// interleaved rounds in a new order each, the same request everywhere):
//   cp -r dist dist-before; ...change, npx nest build...
//   node bench/compare-builds.mjs before=dist-before/main.js after=dist/main.js
// A build only runs from inside the repository (node_modules), so copy dist to a
// directory under it. `name=path?VAR=value&VAR=value` runs a build with more settings
// (after-nometrics=dist/main.js?METRICS_ENABLED=false). For each build, the paths in
// PATHS; medians of requests/s and server CPU µs per request, and each as a ratio to
// bare Nest (the median of per-round ratios; CPU inverted: 1.00 is parity, higher is
// better).
// Env: BATCHES (3) of fresh processes, ROUNDS (3) per batch, DURATION (2) seconds per
// run, WARMUP (1), CONNECTIONS (50), PATHS (/api/session,/health), PIN (1: servers on
// one CPU, the load generator on another; 0: not pinned).
import { resolve } from 'node:path';
import { batchedRounds } from './rest-phase.mjs';
import { pinProcesses, startNestReference, startScript } from './servers.mjs';
import { newSecret, secureEnv, sessionOf, userToken } from './tokens.mjs';

const builds = process.argv.slice(2).map((arg) => {
  const [name, spec] = arg.split(/=(.*)/s, 2);
  const [path, query = ''] = spec.split('?');
  return {
    name,
    path: resolve(path),
    env: Object.fromEntries(new URLSearchParams(query)),
  };
});
if (builds.length === 0) {
  process.stderr.write('usage: node bench/compare-builds.mjs name=path/to/main.js[?VAR=value] ...\n');
  process.exit(2);
}
const paths = (process.env.PATHS ?? '/api/session,/health').split(',');
const options = {
  batches: Number(process.env.BATCHES ?? 3),
  rounds: Number(process.env.ROUNDS ?? 3),
  duration: Number(process.env.DURATION ?? 2),
  warmup: Number(process.env.WARMUP ?? 1),
  connections: Number(process.env.CONNECTIONS ?? 50),
};

if (process.env.PIN !== '0') process.stderr.write(`${pinProcesses()}\n`);
const secret = newSecret();
const token = userToken('bench-user', secret);
const secure = secureEnv(secret);
const bearer = { authorization: `Bearer ${token}` };
const result = await batchedRounds({
  ...options,
  withOutputOnFailure: (_servers, run) => run(),
  starters: {
    'bare Nest': () => startNestReference(sessionOf(token)),
    ...Object.fromEntries(builds.map((build) => [build.name, () => startScript(build.name, build.path, { ...secure, ...build.env })])),
  },
  targetsFor: (servers) => [
    {
      key: 'bare Nest',
      label: 'bare Nest',
      pid: servers['bare Nest'].pid,
      url: `${servers['bare Nest'].url}/api/session`,
      headers: bearer,
    },
    ...builds.flatMap(({ name }) =>
      paths.map((path) => ({
        key: `${name} ${path}`,
        label: `${name} ${path}`,
        pid: servers[name].pid,
        url: `${servers[name].url}${path}`,
        headers: bearer,
      })),
    ),
  ],
});
const keys = ['bare Nest', ...builds.flatMap(({ name }) => paths.map((path) => `${name} ${path}`))];
const width = Math.max(...keys.map((key) => key.length));
console.log(`${'target'.padEnd(width)}   req/s  µs CPU/req  rate/Nest  CPU Nest/this`);
for (const key of keys) {
  const { rate, cpu } = result[key];
  const ratio = key === 'bare Nest' ? { rate: 1, cpu: 1 } : result.ratio(key, 'bare Nest');
  console.log(
    `${key.padEnd(width)} ${String(Math.round(rate)).padStart(7)} ${cpu.toFixed(1).padStart(11)} ${ratio.rate.toFixed(3).padStart(10)} ${ratio.cpu.toFixed(3).padStart(14)}`,
  );
}
