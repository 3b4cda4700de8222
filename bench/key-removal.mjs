// `node bench/key-removal.mjs [--sockets N]` (after `npm run build`): what closing the
// sockets whose key left the key set costs (docs/limits.md). Gatehouse (dist/main.js,
// secure mode on a key set served from here) holds N sockets, half signed by k1, half by
// k2, each with its own token. Then the set changes twice: k3 is added (nothing leaves:
// every live socket is checked, none closed), then k1 is removed (half are closed).
// Prints the server's own timing of each pass, and the memory the key bookkeeping takes.
import { generateKeyPairSync, sign } from 'node:crypto';
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { startProbe } from './latency-probe.mjs';
import { median } from './report.mjs';
import { startGatehouse } from './servers.mjs';
import { closeSockets, openSockets } from './ws-load.mjs';

const { values: args } = parseArgs({ options: { sockets: { type: 'string', default: '10000' } } });
const SOCKETS = Number(args.sockets);
const log = (line) => process.stderr.write(`${line}\n`);
const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const b64 = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');

const keys = Object.fromEntries(['k1', 'k2', 'k3', 'k4'].map((kid) => [kid, generateKeyPairSync('ec', { namedCurve: 'P-256' })]));
const jwk = (kid) => ({ ...keys[kid].publicKey.export({ format: 'jwk' }), kid, alg: 'ES256', use: 'sig' });

function token(kid, sub) {
  const iat = Math.floor(Date.now() / 1000);
  const input = `${b64({ alg: 'ES256', typ: 'JWT', kid })}.${b64({ sub, iat, exp: iat + 3600 })}`;
  const signature = sign('sha256', Buffer.from(input), { key: keys[kid].privateKey, dsaEncoding: 'ieee-p1363' });
  return `${input}.${signature.toString('base64url')}`;
}

let published = ['k1', 'k2'];
const jwks = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: published.map(jwk) })));
await new Promise((resolve) => jwks.listen(0, '127.0.0.1', resolve));

const server = await startGatehouse('gatehouse', {
  AUTH_MODE: 'secure',
  AUTH_JWT_JWKS_URL: `http://127.0.0.1:${jwks.address().port}/jwks.json`,
  AUTH_JWT_ALG: 'ES256',
  AUTH_FAIL_LIMIT: '0',
  LOG_LEVEL: 'debug',
  LOG_FORMAT: 'json',
});

/** Publishes `kids`, makes Gatehouse refetch (a token naming a kid it lacks), returns the pass's log line. */
async function rotate(kids, trigger) {
  published = kids;
  // The server's output is kept as a rolling tail: wait for a new last key-check line.
  const lastCheck = () => server.output().split('\n').findLast((l) => /checked in|done in/.test(l));
  const before = lastCheck();
  const res = await fetch(`${server.url}/api/session`, { headers: { authorization: `Bearer ${token(trigger, 'rotator')}` } });
  if (res.status !== 200) throw new Error(`refetch trigger answered ${res.status}`);
  for (let i = 0; i < 100; i++) {
    const line = lastCheck();
    if (line !== undefined && line !== before) return JSON.parse(line).msg;
    await pause(50);
  }
  throw new Error('no key-check line in the server log');
}

try {
  const idle = await server.settledRss();
  const tokens = Array.from({ length: SOCKETS }, (_, i) => token(i % 2 === 0 ? 'k1' : 'k2', `user-${i}`));
  const { sockets } = await openSockets(`ws://127.0.0.1:${server.port}/ws`, tokens);
  const held = await server.settledRss();
  log(`${SOCKETS} sockets: server heap ${(idle.heapUsed / 1e6).toFixed(1)} -> ${(held.heapUsed / 1e6).toFixed(1)} MB, ` +
    `${((held.heapUsed - idle.heapUsed) / SOCKETS).toFixed(0)} bytes of heap per authenticated socket (everything, ws included)`);

  log(`k3 added, nothing removed: ${await rotate(['k1', 'k2', 'k3'], 'k3')}`);
  await pause(31_000); // the unknown-kid refetch cooldown
  const closedAt = performance.now();
  let closedByServer = 0;
  const allClosed = new Promise((resolve) => {
    for (const ws of sockets) ws.once('close', (code) => code === 4401 && ++closedByServer === SOCKETS / 2 && resolve());
  });
  // Another client's view (a process of its own): /health, one request after the other.
  const idleProbe = startProbe(`${server.url}/health`);
  await pause(2_000);
  const idleTimes = (await idleProbe.stop()).times;
  const probe = startProbe(`${server.url}/health`);
  log(`k1 removed: ${await rotate(['k2', 'k3', 'k4'], 'k4')}`);
  await allClosed;
  const { times } = await probe.stop();
  log(`all ${closedByServer} k1 clients saw close 4401 within ${(performance.now() - closedAt).toFixed(0)} ms; ` +
    `/health meanwhile: ${times.length} requests, median ${median(times).toFixed(1)} ms, slowest ${Math.max(...times).toFixed(1)} ms ` +
    `(idle: median ${median(idleTimes).toFixed(1)} ms, slowest ${Math.max(...idleTimes).toFixed(1)} ms)`);
  // For comparison: the other half leave at once, closing from their side.
  const leaveProbe = startProbe(`${server.url}/health`);
  const leftAt = performance.now();
  await closeSockets(sockets);
  const left = (await leaveProbe.stop()).times;
  log(`for comparison, ${SOCKETS / 2} clients leaving at once: ${(performance.now() - leftAt).toFixed(0)} ms; ` +
    `/health meanwhile: ${left.length} requests, median ${median(left).toFixed(1)} ms, slowest ${Math.max(...left).toFixed(1)} ms`);
} finally {
  await server.stop();
  jwks.close();
}

// The bookkeeping alone, in this process: what SecureJwtVerifier keeps per verified
// session (a WeakMap entry to { header, key }, the header shared per kid), for SOCKETS sessions.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc');
const sessions = Array.from({ length: SOCKETS }, (_, i) => ({ sub: `user-${i}`, expiresAt: 0, claims: {}, authMode: 'secure' }));
gc();
const bare = process.memoryUsage().heapUsed;
const signers = new WeakMap();
const header = Object.freeze({ alg: 'ES256', kid: 'k1' });
for (const session of sessions) signers.set(session, { header, key: keys.k1.publicKey });
gc();
const perSession = (process.memoryUsage().heapUsed - bare) / SOCKETS;
log(`key bookkeeping: ${perSession.toFixed(0)} bytes per session (${signers instanceof WeakMap ? 'measured in this process' : ''})`);
