// Soak load, child process: 2,000 authenticated sockets that refresh their token and
// reconnect, and 200 slow readers (sockets that stop reading while asking for large
// replies, so the server closes them 1008 slow_consumer, and come back). Started by
// bench/soak.mjs; reports its counts when told to stop.
import { WebSocket } from 'ws';
import { signHs256 } from './tokens.mjs';

const { url, secret, sockets: SOCKETS, slowReaders: SLOW } = JSON.parse(process.argv[2]);
const stats = { opened: 0, refusedUpgrades: {}, closes: {}, sessions: 0, refreshes: 0, expiring: 0, errors: 0 };
let running = true;
const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const jitter = (min, max) => min + Math.random() * (max - min);
const count = (table, key) => (table[key] = (table[key] ?? 0) + 1);

function token(sub, claims = {}) {
  const iat = Math.floor(Date.now() / 1000);
  return signHs256({ sub, iat, exp: iat + 600, ...claims }, secret);
}

/** Opens a socket; header auth or an auth frame. Resolves the socket once its session came, or undefined. */
function open(sub, viaHeader, claims) {
  return new Promise((resolve) => {
    const jwt = token(sub, claims);
    const ws = new WebSocket(url, { headers: viaHeader ? { authorization: `Bearer ${jwt}` } : {}, perMessageDeflate: false });
    ws.on('error', () => {});
    ws.once('unexpected-response', (_req, res) => {
      count(stats.refusedUpgrades, res.statusCode);
      res.resume();
      resolve(undefined);
    });
    ws.once('open', () => {
      stats.opened++;
      if (!viaHeader) ws.send(JSON.stringify({ event: 'auth', data: { token: jwt } }));
    });
    ws.once('message', (data) => {
      if (JSON.parse(data.toString()).event === 'session') {
        stats.sessions++;
        resolve(ws);
      } else resolve(undefined);
    });
    ws.once('close', (code) => {
      count(stats.closes, code);
      resolve(undefined);
    });
  });
}

/** One well-behaved user: connect, whoami now and then, refresh every 5-15 s, leave after 10-40 s, again. */
async function user(i) {
  const sub = `user-${i}`;
  await pause(jitter(0, 10_000)); // spread the first connects
  while (running) {
    const ws = await open(sub, i % 2 === 0);
    if (!ws) {
      stats.errors++;
      await pause(1_000);
      continue;
    }
    ws.on('message', (data) => {
      const frame = JSON.parse(data.toString());
      if (frame.event === 'session') stats.refreshes++;
      if (frame.event === 'session_expiring') stats.expiring++;
    });
    const leaveAt = Date.now() + jitter(10_000, 40_000);
    while (running && Date.now() < leaveAt && ws.readyState === WebSocket.OPEN) {
      await pause(jitter(5_000, 15_000));
      if (ws.readyState !== WebSocket.OPEN) break;
      ws.send(JSON.stringify({ event: 'auth', data: { token: token(sub) } }));
      ws.send(JSON.stringify({ event: 'whoami' }));
    }
    if (ws.readyState === WebSocket.OPEN) ws.close(1000);
    await new Promise((resolve) => (ws.readyState === WebSocket.CLOSED ? resolve() : ws.once('close', resolve)));
  }
}

/**
 * A slow reader: a 5 kB claim (the token stays under AUTH_MAX_TOKEN_BYTES), stops
 * reading, and asks for its session 20 times a second (100 kB/s of replies it never
 * reads) until the server closes it (1008 slow_consumer, once 1 MiB waits in the
 * server past what the kernel's buffers took) or 30 s pass; again after 1-3 s.
 */
async function slowReader(i) {
  const sub = `slow-${i % 20}`; // 10 sockets per sub, well under WS_MAX_SOCKETS_PER_SUB
  await pause(jitter(0, 5_000));
  while (running) {
    const ws = await open(sub, false, { blob: 'x'.repeat(5_000) });
    if (ws) {
      ws.pause();
      const until = Date.now() + 30_000;
      while (running && Date.now() < until && ws.readyState === WebSocket.OPEN) {
        ws.send('{"event":"whoami"}');
        await pause(50);
      }
      ws.terminate(); // its close, if the server sent one, waits unread in the kernel; the server counts those
    }
    await pause(jitter(1_000, 3_000));
  }
}

process.on('message', async (message) => {
  if (message !== 'stop') return;
  running = false;
  await pause(1_000);
  process.send(stats, () => process.exit(0));
});

for (let i = 0; i < SOCKETS; i++) void user(i);
for (let i = 0; i < SLOW; i++) void slowReader(i);
