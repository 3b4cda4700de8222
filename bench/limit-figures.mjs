// `node bench/limit-figures.mjs` (after `npm run build`): the memory figures of
// docs/limits.md, measured. Servers are dist/main.js processes (heap after a settled GC
// through bench/memory-probe.mjs; peak resident memory from /proc); the two bounded
// tables are measured in this process, from dist.
import { generateKeyPairSync, sign } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { WebSocket } from 'ws';
import { FailureLimiter } from '../dist/lib/limits/failure-limiter.js';
import { VerifiedTokenCache } from '../dist/lib/verify/verified-token-cache.js';
import { startGatehouse } from './servers.mjs';
import { newSecret, secureEnv, signHs256 } from './tokens.mjs';

const log = (line) => process.stdout.write(`${line}\n`);
const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const kib = (bytes) => `${(bytes / 1024).toFixed(1)} KiB`;
const mib = (bytes) => `${(bytes / 1048576).toFixed(1)} MiB`;
const status = (pid, field) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) * 1024;
const resetPeak = (pid) => writeFileSync(`/proc/${pid}/clear_refs`, '5');

function openSocket(url, { token, auth } = {}) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers: token ? { authorization: `Bearer ${token}` } : {}, perMessageDeflate: false });
    ws.on('error', () => {});
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once('open', () => {
      if (auth) ws.send(JSON.stringify({ event: 'auth', data: { token: auth } }));
      if (!token && !auth) resolve(ws);
    });
    if (token || auth) ws.once('message', () => resolve(ws));
  });
}

async function perSocket(env, count, open) {
  const server = await startGatehouse('gatehouse', env);
  try {
    const before = await server.settledRss();
    const sockets = [];
    for (let i = 0; i < count; i += 100) sockets.push(...(await Promise.all(Array.from({ length: Math.min(100, count - i) }, (_, j) => open(server, i + j)))));
    const after = await server.settledRss();
    for (const ws of sockets) ws.terminate();
    return (after.heapUsed - before.heapUsed) / count;
  } finally {
    await server.stop();
  }
}

const secret = newSecret();
const hsEnv = secureEnv(secret, { AUTH_FAIL_LIMIT: '0' });
const userToken = (sub, claims = {}) => {
  const iat = Math.floor(Date.now() / 1000);
  return signHs256({ sub, iat, exp: iat + 3600, ...claims }, secret);
};

// 1. An idle socket, authenticated or waiting for its auth frame.
const authenticated = await perSocket(hsEnv, 2000, (server, i) => openSocket(`ws://127.0.0.1:${server.port}/ws`, { token: userToken(`u${i}`) }));
const waiting = await perSocket({ ...hsEnv, WS_AUTH_TIMEOUT_MS: '600000' }, 2000, (server) => openSocket(`ws://127.0.0.1:${server.port}/ws`));
log(`| heap per idle authenticated socket | ${kib(authenticated)} |`);
log(`| heap per socket waiting for its auth frame | ${kib(waiting)} |`);

// 2. One sub's 100 sockets (WS_MAX_SOCKETS_PER_SUB), each a slow reader pushed past WS_MAX_BUFFERED_BYTES.
{
  // 200 frames a second per socket: the buffer limit, not the frame rate, must decide.
  const server = await startGatehouse('gatehouse', { ...hsEnv, WS_MAX_FRAMES_PER_SECOND: '1000' });
  try {
    const url = `ws://127.0.0.1:${server.port}/ws`;
    const jwt = userToken('mallory', { blob: 'x'.repeat(5_000) });
    const before = status(server.pid, 'VmRSS');
    resetPeak(server.pid);
    const sockets = await Promise.all(Array.from({ length: 100 }, () => openSocket(url, { auth: jwt })));
    for (const ws of sockets) ws.pause();
    for (let round = 0; round < 60 && sockets.some((ws) => ws.readyState === WebSocket.OPEN); round++) {
      for (const ws of sockets) for (let k = 0; k < 50 && ws.readyState === WebSocket.OPEN; k++) ws.send('{"event":"whoami"}');
      await pause(250);
    }
    await pause(1_000);
    const peak = status(server.pid, 'VmHWM');
    // Read at last: what came, then how each ended.
    const codes = await Promise.all(sockets.map((ws) => new Promise((resolve) => {
      ws.once('close', (code) => resolve(code));
      ws.resume();
      setTimeout(() => resolve('open'), 10_000);
    })));
    const slow = codes.filter((code) => code === 1008).length;
    log(`| one sub, 100 slow readers (5 kB session, 1 MiB bound): server peak RSS growth | ${mib(peak - before)} (${slow} of 100 closed 1008 slow_consumer) |`);
    for (const ws of sockets) ws.terminate();
  } finally {
    await server.stop();
  }
}

// 3. Unauthenticated sockets flooding frames behind a slow auth frame (a refetch that takes 8 s).
{
  const key = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const b64 = (v) => Buffer.from(JSON.stringify(v)).toString('base64url');
  let delay = 0;
  const jwks = createServer((_req, res) =>
    setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [{ ...key.publicKey.export({ format: 'jwk' }), kid: 'k1', alg: 'ES256' }] })), delay),
  );
  await new Promise((resolve) => jwks.listen(0, '127.0.0.1', resolve));
  const server = await startGatehouse('gatehouse', { AUTH_MODE: 'secure', AUTH_JWT_ALG: 'ES256', AUTH_JWT_JWKS_URL: `http://127.0.0.1:${jwks.address().port}/`, AUTH_FAIL_LIMIT: '0' });
  try {
    delay = 8_000;
    const input = `${b64({ alg: 'ES256', kid: 'unknown' })}.${b64({ sub: 'x', iat: Math.floor(Date.now() / 1000) })}`;
    const slowAuth = `${input}.${sign('sha256', Buffer.from(input), { key: key.privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`;
    const url = `ws://127.0.0.1:${server.port}/ws`;
    const before = status(server.pid, 'VmRSS');
    resetPeak(server.pid);
    const SOCKETS = 50;
    const frame = JSON.stringify({ event: 'x', data: 'x'.repeat(65_000) });
    const sockets = await Promise.all(Array.from({ length: SOCKETS }, () => openSocket(url)));
    for (const ws of sockets) {
      ws.send(JSON.stringify({ event: 'auth', data: { token: slowAuth } }));
      for (let k = 0; k < 32; k++) ws.send(frame); // exactly the allowance: all are kept
    }
    await pause(3_000);
    const peak = status(server.pid, 'VmHWM');
    log(`| ${SOCKETS} unauthenticated sockets, 32 pending 64 kB frames each: server peak RSS growth | ${mib(peak - before)} (${mib((peak - before) / SOCKETS)} per socket) |`);
    for (const ws of sockets) ws.terminate();
  } finally {
    await server.stop();
    jwks.close();
  }
}

// 4. The bounded tables, in this process.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc');
const heap = () => (gc(), gc(), process.memoryUsage().heapUsed);
{
  const limiter = new FailureLimiter({ limit: 30, windowMs: 60_000, maxAddresses: 10_000 });
  const before = heap();
  for (let i = 0; i < 10_000; i++) limiter.recordFailure(`2001:db8:${i.toString(16)}::${i.toString(16)}`);
  log(`| failure table, full (10,000 addresses) | ${mib(heap() - before)} |`);
}
/** A full verified-token cache (TOKEN_CACHE_CAPACITY, 10,000) of tokens with a claim of `claimBytes`. */
function fullCache(claimBytes) {
  const cache = new VerifiedTokenCache(0);
  const now = Math.floor(Date.now() / 1000);
  let tokenBytes = 0;
  for (let i = 0; i < 10_000; i++) {
    const payload = { sub: `user-${i}`, iat: now, exp: now + 3600, blob: 'x'.repeat(claimBytes) + i };
    const token = signHs256(payload, secret);
    tokenBytes = token.length;
    const parsed = JSON.parse(JSON.stringify(payload)); // what validation holds: one parsed payload, its claims
    cache.set(token, { sub: parsed.sub, expiresAt: parsed.exp, claims: parsed, authMode: 'secure' }, parsed, now);
  }
  return { cache, tokenBytes };
}
for (const claimBytes of [300, 5_500]) {
  const before = heap();
  const { cache, tokenBytes } = fullCache(claimBytes);
  const after = heap();
  log(`| verified-token cache, full (${cache.size.toLocaleString('en-US')} tokens of ${tokenBytes} bytes) | ${mib(after - before)} |`);
}
