// Compares builds of Gatehouse (e.g. before and after a change) on REST, side by side:
//   cp -r dist /tmp/gh-before; ...change, nest build...;
//   node bench/compare-builds.mjs before=/tmp/gh-before/main.js after=dist/main.js
// A build is only runnable from inside the repository (node_modules), so copy dist to
// a directory under it, e.g. dist-before/. Interleaved rounds, medians, requests/s and
// server CPU µs per request for GET /api/session and GET /health, plus the reference.
// Env: ROUNDS (5), DURATION (2) seconds per run.
import { resolve } from 'node:path';
import { median } from './report.mjs';
import { measureRest } from './rest-load.mjs';
import { startReference, startScript } from './servers.mjs';
import { newSecret, userToken } from './tokens.mjs';

const builds = process.argv.slice(2).map((arg) => {
  const [name, path] = arg.split('=');
  return { name, path: resolve(path) };
});
if (builds.length === 0) {
  process.stderr.write('usage: node bench/compare-builds.mjs name=path/to/main.js [name=path/to/main.js ...]\n');
  process.exit(2);
}
const ROUNDS = Number(process.env.ROUNDS ?? 5);
const DURATION = Number(process.env.DURATION ?? 2);

const secret = newSecret();
const token = userToken('bench-user', secret);
const env = { AUTH_MODE: 'secure', AUTH_JWT_ALG: 'HS256', AUTH_JWT_KEY: secret };
const servers = await Promise.all([
  ...builds.map((build) => startScript(build.name, build.path, env)),
  startReference(secret),
]);
try {
  const targets = servers.flatMap((server) => [
    { label: `${server.name} /api/session`, pid: server.pid, url: `${server.url}/api/session`, headers: { authorization: `Bearer ${token}` } },
    { label: `${server.name} /health`, pid: server.pid, url: `${server.url}/health` },
  ]);
  for (const target of targets) await measureRest(target, { connections: 50, duration: DURATION });
  const rates = Object.fromEntries(targets.map((t) => [t.label, []]));
  const cpu = Object.fromEntries(targets.map((t) => [t.label, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (let i = 0; i < targets.length; i++) {
      const target = targets[(i + round) % targets.length];
      const result = await measureRest(target, { connections: 50, duration: DURATION });
      rates[target.label].push(result.rate);
      cpu[target.label].push(result.cpuPerRequest);
    }
    process.stderr.write(`round ${round + 1}/${ROUNDS} done\n`);
  }
  for (const target of targets) {
    console.log(`${target.label.padEnd(32)} ${String(Math.round(median(rates[target.label]))).padStart(7)} req/s ${median(cpu[target.label]).toFixed(1).padStart(7)} µs CPU/request`);
  }
} finally {
  await Promise.all(servers.map((server) => server.stop()));
}
