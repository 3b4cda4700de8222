// WebSocket: Gatehouse against the framework-free node:http + ws reference, which
// does the same checks. Each round, on each server in turn (the order alternates):
// N sockets authenticate with the upgrade's header (connect rate); in round 1 they are
// left idle and the resident memory they cost is measured; every socket then refreshes
// its session with an `auth` frame carrying a new token (refresh rate); they close, and
// N more sockets authenticate with their first frame instead (first-frame connect rate).
// Every token is new to the server, so each step is a full verification in both.
import { median } from './report.mjs';
import { cpuMicros } from './process-cpu.mjs';
import { startAll, startGatehouse, startReference } from './servers.mjs';
import { secureEnv, userToken } from './tokens.mjs';
import { closeSockets, openSockets, refreshSockets } from './ws-load.mjs';

const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const log = (line) => process.stderr.write(`${line}\n`);

export async function wsPhase({ secret, sockets, rounds, withOutputOnFailure }) {
  const servers = await startAll([
    () => startGatehouse('gatehouse', secureEnv(secret)),
    () => startReference(secret),
  ]);
  const entries = servers.map((server) => ({ key: server === servers[0] ? 'gatehouse' : 'reference', server, url: `ws://127.0.0.1:${server.port}/ws`, runs: [] }));
  try {
    return await withOutputOnFailure(servers, () => wsRounds(entries, { secret, sockets, rounds }));
  } finally {
    await Promise.all(servers.map((server) => server.stop()));
  }
}

/** Runs `step` and returns its result with the server's CPU µs per item. */
async function measured(pid, count, step) {
  const before = cpuMicros(pid);
  const result = await step();
  return { ...result, cpu: (cpuMicros(pid) - before) / count };
}

async function wsRounds(entries, { secret, sockets: count, rounds }) {
  // Tokens for users `${prefix}-0` .. `${prefix}-(n-1)`; lifetime tells a refresh token from the first one.
  const tokensFor = (prefix, n, lifetime = 3600) => Array.from({ length: n }, (_, i) => userToken(`${prefix}-${i}`, secret, lifetime));
  // Warm-up: Gatehouse has far more code for the JIT to compile than the reference;
  // a few thousand of each step get both to their steady state.
  const warm = Math.min(2000, count);
  for (let pass = 0; pass < 2; pass++) {
    for (const entry of entries) {
      const prefix = `warm${pass}-${entry.key}`;
      const { sockets } = await openSockets(entry.url, tokensFor(prefix, warm));
      await refreshSockets(sockets, tokensFor(prefix, warm, 7200));
      await closeSockets(sockets);
      await closeSockets((await openSockets(entry.url, tokensFor(`${prefix}-ff`, warm), { firstFrame: true })).sockets);
    }
  }
  await pause(500);
  for (const entry of entries) entry.before = await entry.server.settledRss();
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 ? [...entries].reverse() : entries;
    const line = [];
    for (const entry of order) {
      const { pid } = entry.server;
      const run = {};
      const header = await measured(pid, count, () => openSockets(entry.url, tokensFor(`round${round}`, count)));
      run.connect = { rate: header.rate, cpu: header.cpu };
      entry.held = Math.max(entry.held ?? 0, header.sockets.length);
      if (round === 0) {
        // Memory of idle authenticated sockets: settle, then compare with the baseline.
        await pause(1000);
        entry.after = await entry.server.settledRss();
      }
      run.refresh = await measured(pid, count, () => refreshSockets(header.sockets, tokensFor(`round${round}`, count, 7200)));
      await closeSockets(header.sockets);
      await pause(500); // let the server finish its side of the closes
      const first = await measured(pid, count, () => openSockets(entry.url, tokensFor(`round${round}-ff`, count), { firstFrame: true }));
      run.firstFrame = { rate: first.rate, cpu: first.cpu };
      await closeSockets(first.sockets);
      await pause(500);
      entry.runs.push(run);
      line.push(`${entry.key} connect ${Math.round(run.connect.rate)}/s, refresh ${Math.round(run.refresh.rate)}/s, first-frame ${Math.round(run.firstFrame.rate)}/s`);
    }
    log(`WS round ${round + 1}/${rounds} (${count} sockets): ${line.join('; ')}`);
  }
  const mib = (bytes) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
  for (const entry of entries) {
    log(`WS ${entry.key}: RSS ${mib(entry.before.rss)} -> ${mib(entry.after.rss)}, heap ${mib(entry.before.heapUsed)} -> ${mib(entry.after.heapUsed)} with ${count} sockets`);
  }
  return summarise(entries, count);
}

/** Medians per step, and per-round ratios Gatehouse/reference (CPU inverted: higher is better). */
function summarise([gatehouse, reference], count) {
  const result = {};
  for (const step of ['connect', 'refresh', 'firstFrame']) {
    const of = (entry, field) => median(entry.runs.map((run) => run[step][field]));
    result[step] = {
      gatehouse: { rate: of(gatehouse, 'rate'), cpu: of(gatehouse, 'cpu') },
      reference: { rate: of(reference, 'rate'), cpu: of(reference, 'cpu') },
      rateRatio: median(gatehouse.runs.map((run, i) => run[step].rate / reference.runs[i][step].rate)),
      cpuRatio: median(gatehouse.runs.map((run, i) => reference.runs[i][step].cpu / run[step].cpu)),
    };
  }
  const perSocket = (entry, field) => (entry.after[field] - entry.before[field]) / count;
  result.memory = {
    gatehouse: { rss: perSocket(gatehouse, 'rss'), heap: perSocket(gatehouse, 'heapUsed') },
    reference: { rss: perSocket(reference, 'rss'), heap: perSocket(reference, 'heapUsed') },
  };
  result.held = { gatehouse: gatehouse.held, reference: reference.held };
  return result;
}
