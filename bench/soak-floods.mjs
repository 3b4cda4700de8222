// Soak load, child process: one of two floods, started by bench/soak.mjs; reports its
// counts when told to stop.
//
// frames: `sockets` authenticated raw WebSockets of one sub (the token in the upgrade),
//   each sending `whoami` as fast as it can (whenever its send buffer is nearly empty)
//   and reading every answer. The server closes each with 1008 rate_limited once it is
//   past WS_MAX_FRAMES_PER_SECOND's burst; the flooder reconnects at once and floods again.
// handshakes: one client (one X-Forwarded-For address) opening Engine.IO polling sessions
//   (GET /socket.io/?EIO=4&transport=polling) as fast as it can, `concurrency` at a time,
//   never joining a namespace: past WS_MAX_PENDING_PER_ADDRESS they are answered 429.
import { Agent, request } from 'node:http';
import { WebSocket } from 'ws';
import { signHs256 } from './tokens.mjs';

const config = JSON.parse(process.argv[2]);
let running = true;
const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const count = (table, key) => (table[key] = (table[key] ?? 0) + 1);

function token(sub) {
  const iat = Math.floor(Date.now() / 1000);
  return signHs256({ sub, iat, exp: iat + 3600 }, config.secret);
}

function frameFlood({ url, sockets }) {
  const stats = { connects: 0, refusedUpgrades: {}, framesSent: 0, answers: 0, closes: {}, closeReasons: {}, errors: 0 };
  const frame = '{"event":"whoami"}';
  const open = new Set();
  /** One flooding socket: resolves when it is closed. */
  const floodOnce = () =>
    new Promise((resolve) => {
      const ws = new WebSocket(`${url.replace('http', 'ws')}/ws`, {
        headers: { authorization: `Bearer ${token('flooder')}` },
        perMessageDeflate: false,
      });
      open.add(ws);
      ws.on('error', () => stats.errors++);
      ws.once('unexpected-response', (_req, res) => {
        count(stats.refusedUpgrades, res.statusCode);
        res.resume();
        resolve();
      });
      ws.on('message', () => stats.answers++);
      ws.once('open', () => {
        stats.connects++;
        const pump = () => {
          if (ws.readyState !== WebSocket.OPEN || !running) return;
          // As fast as the socket takes them: keep its buffer topped up, never let it grow.
          while (ws.bufferedAmount < 16 * 1024 && ws.readyState === WebSocket.OPEN) {
            ws.send(frame);
            stats.framesSent++;
            if (stats.framesSent % 64 === 0) break;
          }
          setImmediate(pump);
        };
        pump();
      });
      ws.once('close', (code, reason) => {
        open.delete(ws);
        if (running) {
          count(stats.closes, code);
          if (reason.length > 0) count(stats.closeReasons, reason.toString());
        }
        resolve();
      });
    });
  const flooders = Array.from({ length: sockets }, async () => {
    while (running) {
      await floodOnce();
      if (running && Object.keys(stats.refusedUpgrades).length > 0) await pause(50);
    }
  });
  const stop = () => {
    for (const ws of open) ws.terminate();
  };
  return { stats, stop, done: Promise.all(flooders) };
}

function handshakeFlood({ url, concurrency, address }) {
  const stats = { handshakes: {}, errors: 0 };
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const handshake = () =>
    new Promise((resolve) => {
      const req = request(`${url}/socket.io/?EIO=4&transport=polling`, { agent, headers: { 'x-forwarded-for': address } }, (res) => {
        count(stats.handshakes, res.statusCode);
        res.resume();
        res.on('end', resolve);
      });
      req.on('error', () => {
        stats.errors++;
        resolve();
      });
      req.end();
    });
  const loops = Array.from({ length: concurrency }, async () => {
    while (running) await handshake();
  });
  return { stats, stop: () => {}, done: Promise.all(loops) };
}

const flood = config.kind === 'frames' ? frameFlood(config) : handshakeFlood(config);
process.on('message', async (message) => {
  if (message !== 'stop' || !running) return;
  running = false;
  flood.stop();
  await Promise.race([flood.done, pause(5_000)]);
  process.send(flood.stats, () => process.exit(0));
});
