// Compares builds of Gatehouse (before and after a change) on REST, side by side with
// the bare NestJS reference, in interleaved rounds:
//   cp -r dist dist-before; ...change, npx nest build...
//   node bench/compare-builds.mjs before=dist-before/main.js after=dist/main.js
// A build only runs from inside the repository (node_modules), so copy dist to a
// directory under it. `name=path?VAR=value&VAR=value` runs a build with more settings
// (after-nometrics=dist/main.js?METRICS_ENABLED=false). For each build: GET /api/session
// (guarded) and GET /health, every request with the same bearer token, as in the bench;
// medians of requests/s and server CPU µs per request, and
// each as a ratio to bare Nest (the median of per-round ratios; CPU inverted, so that
// 1.00 is parity and higher is better).
// Env: ROUNDS (5), DURATION (2) seconds per run, WARMUP (1), CONNECTIONS (50), PIN (1:
// servers on one CPU, the load generator on another; 0: not pinned), PATHS
// (/api/session,/health: the paths measured on each build).
import { resolve } from 'node:path';
import { runRounds } from './rest-phase.mjs';
import { pinProcesses, startAll, startNestReference, startScript } from './servers.mjs';
import { newSecret, sessionOf, userToken } from './tokens.mjs';

const builds = process.argv.slice(2).map((arg) => {
  const [name, spec] = arg.split(/=(.*)/s, 2);
  const [path, query = ''] = spec.split('?');
  return { name, path: resolve(path), env: Object.fromEntries(new URLSearchParams(query)) };
});
if (builds.length === 0) {
  process.stderr.write('usage: node bench/compare-builds.mjs name=path/to/main.js[?VAR=value] ...\n');
  process.exit(2);
}
const paths = (process.env.PATHS ?? '/api/session,/health').split(',');
const options = {
  rounds: Number(process.env.ROUNDS ?? 5),
  duration: Number(process.env.DURATION ?? 2),
  warmup: Number(process.env.WARMUP ?? 1),
  connections: Number(process.env.CONNECTIONS ?? 50),
};

if (process.env.PIN !== '0') process.stderr.write(`${pinProcesses()}\n`);
const secret = newSecret();
const token = userToken('bench-user', secret);
const secure = { AUTH_MODE: 'secure', AUTH_JWT_ALG: 'HS256', AUTH_JWT_KEY: secret };
const servers = await startAll([
  () => startNestReference(sessionOf(token)),
  ...builds.map((build) => () => startScript(build.name, build.path, { ...secure, ...build.env })),
]);
try {
  const [nest, ...gatehouses] = servers;
  const targets = [
    { key: 'bare Nest', pid: nest.pid, label: 'bare Nest /api/session', url: `${nest.url}/api/session`, headers: { authorization: `Bearer ${token}` } },
    ...gatehouses.flatMap((server) =>
      paths.map((path) => ({ key: `${server.name} ${path}`, pid: server.pid, label: `${server.name} ${path}`, url: `${server.url}${path}`, headers: { authorization: `Bearer ${token}` } })),
    ),
  ];
  const result = await runRounds(targets, options);
  const width = Math.max(...targets.map((t) => t.key.length));
  console.log(`${'target'.padEnd(width)}   req/s  µs CPU/req  rate/Nest  CPU Nest/this`);
  for (const { key } of targets) {
    const { rate, cpu } = result[key];
    const ratio = key === 'bare Nest' ? { rate: 1, cpu: 1 } : result.ratio(key, 'bare Nest');
    console.log(`${key.padEnd(width)} ${String(Math.round(rate)).padStart(7)} ${cpu.toFixed(1).padStart(11)} ${ratio.rate.toFixed(3).padStart(10)} ${ratio.cpu.toFixed(3).padStart(14)}`);
  }
} finally {
  await Promise.all(servers.map((server) => server.stop()));
}
