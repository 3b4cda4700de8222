// Socket.IO: connect rate, server CPU per connect and memory per idle socket, Gatehouse
// (dist/main.js with WS_TRANSPORT=socket.io, secure mode, HS256) against a bare
// Socket.IO server doing the same check (bench/io-reference-server.mjs), with the real
// socket.io-client. Every socket is another user with a token never seen before.
//
// npm run bench:io [-- --sockets N (2000) --rounds R (3) --transports websocket,polling]
import { parseArgs } from 'node:util';
import { io } from 'socket.io-client';
import { cpuMicros } from './process-cpu.mjs';
import { median, table } from './report.mjs';
import { startGatehouse, startScript } from './servers.mjs';
import { newSecret, secureEnv, userToken } from './tokens.mjs';

const { values: args } = parseArgs({
  options: {
    sockets: { type: 'string', default: '2000' },
    rounds: { type: 'string', default: '3' },
    transports: { type: 'string', default: 'websocket,polling' },
    concurrency: { type: 'string', default: '64' },
  },
});
const SOCKETS = Number(args.sockets);
const ROUNDS = Number(args.rounds);
const CONCURRENCY = Number(args.concurrency);
const TRANSPORTS = args.transports.split(',').map((t) => t.trim());
const log = (line) => process.stderr.write(`${line}\n`);
const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** One socket per token, at most CONCURRENCY handshakes at once; resolves when each has its `session` event. */
async function openSockets(url, tokens, transport) {
  const sockets = [];
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < tokens.length) sockets.push(await openOne(url, tokens[next++], transport));
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, tokens.length) }, worker));
  return { sockets, rate: tokens.length / ((performance.now() - started) / 1000) };
}

function openOne(url, token, transport) {
  return new Promise((resolve, reject) => {
    const socket = io(url, { transports: [transport], forceNew: true, reconnection: false, auth: { token } });
    socket.once('connect_error', (error) => {
      socket.close();
      reject(new Error(`refused: ${JSON.stringify(error.data ?? error.message)}`));
    });
    socket.once('session', () => resolve(socket));
  });
}

async function closeSockets(sockets) {
  for (const socket of sockets) socket.close();
  await pause(1000); // the servers finish their side of the closes
}

async function measure(entries, transport, secret) {
  const tokensFor = (prefix, n) => Array.from({ length: n }, (_, i) => userToken(`${prefix}-${i}`, secret));
  // Warm-up: both servers' code compiled before anything is counted.
  for (const entry of entries) {
    const { sockets } = await openSockets(entry.url, tokensFor(`warm-${transport}-${entry.key}`, Math.min(1000, SOCKETS)), transport);
    await closeSockets(sockets);
  }
  const results = Object.fromEntries(entries.map((e) => [e.key, { rates: [], cpu: [] }]));
  for (const entry of entries) results[entry.key].before = await entry.server.settledRss();
  for (let round = 0; round < ROUNDS; round++) {
    const tokens = tokensFor(`${transport}-${round}`, SOCKETS);
    const order = round % 2 ? [...entries].reverse() : entries;
    const line = [];
    for (const entry of order) {
      const result = results[entry.key];
      const cpuBefore = cpuMicros(entry.server.pid);
      const { sockets, rate } = await openSockets(entry.url, tokens, transport);
      result.cpu.push((cpuMicros(entry.server.pid) - cpuBefore) / SOCKETS);
      result.rates.push(rate);
      if (round === 0) {
        await pause(1000);
        const after = await entry.server.settledRss();
        result.perSocket = (after.rss - result.before.rss) / SOCKETS;
        result.heapPerSocket = (after.heapUsed - result.before.heapUsed) / SOCKETS;
      }
      await closeSockets(sockets);
      line.push(`${entry.key} ${Math.round(rate)}/s`);
    }
    log(`${transport} round ${round + 1}/${ROUNDS} (${SOCKETS} sockets): ${line.join(', ')}`);
  }
  const summary = (r) => ({ rate: median(r.rates), cpu: median(r.cpu), perSocket: r.perSocket, heapPerSocket: r.heapPerSocket });
  return { gatehouse: summary(results.gatehouse), reference: summary(results.reference) };
}

function rows(transport, { gatehouse: g, reference: r }) {
  const row = (name, gv, rv, lowerIsBetter) => ({ name: `Socket.IO ${transport}: ${name}`, gatehouse: gv, reference: rv, ratioName: lowerIsBetter ? 'G/ref' : 'G/ref', ratio: gv / rv });
  return [
    row('connects per second', g.rate, r.rate),
    row('server CPU per connect (µs)', g.cpu, r.cpu, true),
    row('memory per idle socket (RSS bytes)', g.perSocket, r.perSocket, true),
    row('heap per idle socket (bytes)', g.heapPerSocket, r.heapPerSocket, true),
  ];
}

const secret = newSecret();
const [gatehouse, reference] = await Promise.all([
  startGatehouse('gatehouse-socket.io', secureEnv(secret, { WS_TRANSPORT: 'socket.io', LOG_LEVEL: 'warn' })),
  startScript('socket.io-reference', new URL('./io-reference-server.mjs', import.meta.url).pathname, { SECRET: secret }),
]);
const entries = [
  { key: 'gatehouse', server: gatehouse, url: gatehouse.url },
  { key: 'reference', server: reference, url: reference.url },
];
const all = [];
try {
  for (const transport of TRANSPORTS) all.push(...rows(transport, await measure(entries, transport, secret)));
} catch (error) {
  for (const server of [gatehouse, reference]) log(`--- ${server.name} (pid ${server.pid}) output:\n${server.output()}`);
  throw error;
} finally {
  await Promise.all([gatehouse.stop(), reference.stop()]);
}
const int = (n) => (n === undefined || Number.isNaN(n) ? '-' : Math.round(n).toLocaleString('en-US'));
console.log(
  table(
    ['measurement', 'Gatehouse', 'reference', 'ratio'],
    all.map((row) => [row.name, int(row.gatehouse), int(row.reference), Number.isFinite(row.ratio) ? row.ratio.toFixed(2) : '-']),
  ),
);
