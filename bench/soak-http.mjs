// Soak load, child process: a failed-authentication flood from many addresses (bad
// tokens over REST and WebSocket upgrades, each with an X-Forwarded-For address of its
// own; a few addresses hammer until they are limited) and ordinary REST traffic with
// valid tokens. Started by bench/soak.mjs; reports its counts when told to stop.
import { Agent, request } from 'node:http';
import { WebSocket } from 'ws';
import { signHs256 } from './tokens.mjs';

const { url, secret, floodPerSecond, restPerSecond, addresses: ADDRESSES } = JSON.parse(process.argv[2]);
const stats = { flood: {}, floodUpgrades: {}, rest: {}, errors: 0 };
let running = true;
const count = (table, key) => (table[key] = (table[key] ?? 0) + 1);
const agent = new Agent({ keepAlive: true, maxSockets: 64 });

const address = (n) => `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
let next = 0;
/** Most attempts from a new address (filling the server's table); one in ten from one of 20 hammering ones. */
const floodAddress = () => (Math.random() < 0.1 ? `192.0.2.${Math.floor(Math.random() * 20)}` : address(next++ % ADDRESSES));

const garbage = () => `${Buffer.from('{"alg":"HS256"}').toString('base64url')}.${Buffer.from(JSON.stringify({ sub: 'x', n: Math.random() })).toString('base64url')}.bad`;
const valid = Array.from({ length: 100 }, (_, i) => {
  const iat = Math.floor(Date.now() / 1000);
  return signHs256({ sub: `reader-${i}`, iat, exp: iat + 3600 }, secret);
});

function get(headers, table) {
  return new Promise((resolve) => {
    const req = request(`${url}/api/session`, { agent, headers }, (res) => {
      count(table, res.statusCode);
      res.resume();
      res.on('end', resolve);
    });
    req.on('error', () => {
      stats.errors++;
      resolve();
    });
    req.end();
  });
}

function badUpgrade() {
  return new Promise((resolve) => {
    const ws = new WebSocket(url.replace('http', 'ws') + '/ws', {
      headers: { authorization: `Bearer ${garbage()}`, 'x-forwarded-for': floodAddress() },
      perMessageDeflate: false,
    });
    ws.on('error', () => resolve());
    ws.once('unexpected-response', (_req, res) => {
      count(stats.floodUpgrades, res.statusCode);
      res.resume();
      ws.terminate();
      resolve();
    });
    ws.once('open', () => {
      count(stats.floodUpgrades, 'opened');
      ws.terminate();
      resolve();
    });
  });
}

/** Calls `send` `perSecond` times a second, in ticks of 50 ms, without waiting for answers (an open loop). */
function every(perSecond, send) {
  let due = 0;
  const timer = setInterval(() => {
    due += perSecond / 20;
    for (; due >= 1; due--) void send();
  }, 50);
  return () => clearInterval(timer);
}

const stops = [
  every(floodPerSecond * 0.8, () => get({ authorization: `Bearer ${garbage()}`, 'x-forwarded-for': floodAddress() }, stats.flood)),
  every(floodPerSecond * 0.2, badUpgrade),
  every(restPerSecond, () => get({ authorization: `Bearer ${valid[Math.floor(Math.random() * valid.length)]}` }, stats.rest)),
];

process.on('message', async (message) => {
  if (message !== 'stop' || !running) return;
  running = false;
  for (const stop of stops) stop();
  await new Promise((resolve) => setTimeout(resolve, 2_000)); // answers in flight
  process.send(stats, () => process.exit(0));
});
