// Each hot-path change of the performance work, old way against new way, in one process
// (`node bench/micro.mjs`, after a build): single-threaded loops that other load on the
// machine disturbs far less than a server under autocannon. µs per operation, best of 5.
import Fastify from 'fastify';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host.js';
import { Counter, Histogram, Registry } from 'prom-client';
import { DurationHistogram } from '../dist/lib/observability/duration-histogram.js';
import { VerifiedTokenCache } from '../dist/lib/verify/verified-token-cache.js';
import { newSecret, userToken } from './tokens.mjs';

/** Best of 5 runs of n calls: µs per call. */
function measure(fn, n) {
  for (let i = 0; i < n / 5; i++) fn(i);
  let best = Infinity;
  for (let run = 0; run < 5; run++) {
    const started = performance.now();
    for (let i = 0; i < n; i++) fn(i);
    best = Math.min(best, ((performance.now() - started) * 1000) / n);
  }
  return best;
}

const rows = [];
function compare(name, old, now, n = 500_000) {
  const [a, b] = [measure(old, n), measure(now, n)];
  rows.push([name, a.toFixed(3), b.toFixed(3), (a - b).toFixed(3)]);
}

// 1. Verified-token cache hit: the token moved to the end of the Map (delete + set) on
// every hit, against a flag on the entry. A hit's token is a new string each time (sliced
// from the header), as in a server.
const secret = newSecret();
const now = Math.floor(Date.now() / 1000);
function filledCache(size) {
  const cache = new VerifiedTokenCache(2);
  const moved = new Map(); // the old way: the same entries, reordered on every hit
  const tokens = Array.from({ length: size }, (_, i) => userToken(`user-${i}`, secret));
  for (const token of tokens) {
    const payload = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());
    cache.set(token, { sub: payload.sub, expiresAt: payload.exp, claims: payload, authMode: 'secure' }, payload, now);
    moved.set(token, { payload });
  }
  return { cache, moved, headers: tokens.map((token) => `Bearer ${token}`) };
}
for (const size of [1, 1000, 9000]) {
  const { cache, moved, headers } = filledCache(size);
  const oldHit = (token) => {
    const entry = moved.get(token);
    moved.delete(token);
    moved.set(token, entry);
    return entry;
  };
  compare(
    `token cache hit, ${size} cached, one token again and again`,
    () => oldHit(headers[0].slice(7)),
    () => cache.get(headers[0].slice(7), now),
    200_000,
  );
  if (size > 1)
    compare(
      `token cache hit, ${size} cached, tokens in turn`,
      (i) => oldHit(headers[i % size].slice(7)),
      (i) => cache.get(headers[i % size].slice(7), now),
      200_000,
    );
}

// 1b. A new token in a full cache: the oldest dropped one at a time, against 1/64 of them
// at once (a Map walks past the slots of deleted entries from its head on every lookup
// of its oldest entry, until V8 rehashes it).
function fullMap(size) {
  const map = new Map();
  for (let i = 0; i < size; i++) map.set(`token-${i}`.padEnd(150, 'x'), i);
  return map;
}
const oneAtATime = fullMap(10_000);
const batched = fullMap(10_000);
compare(
  'token cache full (10,000): room for a new token',
  (i) => {
    while (oneAtATime.size >= 10_000) oneAtATime.delete(oneAtATime.keys().next().value);
    oneAtATime.set(`new-${i}`.padEnd(150, 'x'), i);
  },
  (i) => {
    if (batched.size >= 10_000) {
      let left = Math.ceil(10_000 / 64);
      for (const key of batched.keys()) {
        batched.delete(key);
        if (--left === 0) break;
      }
    }
    batched.set(`new-${i}`.padEnd(150, 'x'), i);
  },
  100_000,
);

// 2. RequestGate on a request without a body: request.routeOptions (an object built on
// every read) before the headers, against the headers first.
const fastify = Fastify();
let captured;
fastify.get('/api/session', (request, reply) => {
  captured = request;
  reply.send('ok');
});
await fastify.inject({ url: '/api/session' });
const hasBody = (headers) =>
  (headers['content-length'] !== undefined && headers['content-length'] !== '0') || headers['transfer-encoding'] !== undefined;
compare(
  'RequestGate, a request without a body',
  () => request_(captured.routeOptions.handler, captured) && hasBody(captured.headers),
  () => hasBody(captured.headers),
);
function request_(handler, request) {
  return handler !== undefined && request.routeOptions.url !== undefined;
}

// 3. The guard and @CurrentSession: switchToHttp().getRequest() against getArgByIndex(0).
const args = [captured, {}, () => {}];
compare(
  'guard: the request from the execution context',
  () => new ExecutionContextHost(args).switchToHttp().getRequest(),
  () => new ExecutionContextHost(args).getArgByIndex(0),
);

// 4. An accepted authentication: a labelled prom-client counter child, against a plain
// count added to the counter when it is scraped.
const counter = new Counter({ name: 'c', help: 'c', labelNames: ['transport', 'outcome', 'reason'], registers: [new Registry()] });
const child = counter.labels('http', 'accepted', 'none');
const pending = { http: 0, ws: 0 };
compare(
  'accepted authentication counted',
  () => child.inc(),
  () => (pending.http += 1),
);

// 5. The request duration: prom-client's Histogram child (looked up in a Map by a key
// string, as the hook did), against DurationHistogram's series.
const buckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
const histogram = new Histogram({
  name: 'h',
  help: 'h',
  labelNames: ['method', 'route', 'status_code'],
  buckets,
  registers: [new Registry()],
});
const children = new Map();
const durations = new DurationHistogram('d', 'd', buckets, new Registry());
const seconds = (i) => 0.0002 + (i % 8) * 0.0002;
compare(
  'request duration observed',
  (i) => {
    const key = `GET 200 /api/session`;
    let histogramChild = children.get(key);
    if (histogramChild === undefined) children.set(key, (histogramChild = histogram.labels('GET', '/api/session', '200')));
    histogramChild.observe(seconds(i));
  },
  (i) => durations.seriesFor('GET', '/api/session', 200).observe(seconds(i)),
);

const width = Math.max(...rows.map((row) => row[0].length));
console.log(`| ${'operation'.padEnd(width)} | before µs | after µs | saved µs |`);
console.log(`|:${'-'.repeat(width + 1)}|----------:|---------:|---------:|`);
for (const [name, a, b, saved] of rows)
  console.log(`| ${name.padEnd(width)} | ${a.padStart(9)} | ${b.padStart(8)} | ${saved.padStart(8)} |`);
