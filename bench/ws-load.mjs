import { WebSocket } from 'ws';

// WebSocket load: open authenticated sockets, refresh their sessions, close them. At most
// `concurrency` handshakes or refreshes are in flight at once; a step counts as done when
// the server's `session` frame arrives.

const authFrame = (token) => JSON.stringify({ event: 'auth', data: { token } });

/** Runs `step(i)` for i in [0, count), at most `concurrency` at once; resolves to their results and the rate per second. */
async function inWaves(count, concurrency, step) {
  const results = new Array(count);
  let next = 0;
  const started = performance.now();
  async function worker() {
    while (next < count) {
      const i = next++;
      results[i] = await step(i);
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return { results, rate: count / ((performance.now() - started) / 1000) };
}

/**
 * Opens one socket per token against `url` and resolves once every socket has received
 * its first frame (the `session` event). `firstFrame`: authenticate with an `auth` frame
 * once open, as a browser must, instead of `Authorization: Bearer` on the upgrade.
 * Returns the open sockets and the connect rate.
 */
export async function openSockets(url, tokens, { concurrency = 256, firstFrame = false } = {}) {
  const { results, rate } = await inWaves(tokens.length, concurrency, (i) => openOne(url, tokens[i], firstFrame));
  return { sockets: results, rate };
}

function openOne(url, token, firstFrame) {
  return new Promise((resolve, reject) => {
    const headers = firstFrame ? {} : { authorization: `Bearer ${token}` };
    const ws = new WebSocket(url, { headers, perMessageDeflate: false });
    const fail = (error) => {
      ws.terminate();
      reject(error);
    };
    ws.once('unexpected-response', (_req, res) => fail(new Error(`upgrade refused: HTTP ${res.statusCode}`)));
    ws.once('error', fail);
    if (firstFrame) ws.once('open', () => ws.send(authFrame(token)));
    ws.once('message', (data) => {
      const frame = JSON.parse(data.toString());
      if (frame.event !== 'session') return fail(new Error(`first frame was ${data}`));
      ws.off('error', fail);
      ws.on('error', () => {});
      resolve(ws);
    });
  });
}

/**
 * Refreshes every socket's session: sends an `auth` frame with tokens[i] (a new token
 * for the same user) on sockets[i] and waits for the new `session` frame. Returns the
 * refresh rate (frames answered per second).
 */
export async function refreshSockets(sockets, tokens, { concurrency = 256 } = {}) {
  const { rate } = await inWaves(sockets.length, concurrency, (i) => refreshOne(sockets[i], tokens[i]));
  return { rate };
}

function refreshOne(ws, token) {
  return new Promise((resolve, reject) => {
    const closed = (code, reason) => reject(new Error(`socket closed on refresh: ${code} ${reason}`));
    ws.once('close', closed);
    ws.once('message', (data) => {
      ws.off('close', closed);
      const frame = JSON.parse(data.toString());
      if (frame.event !== 'session') return reject(new Error(`refresh answered with ${data}`));
      resolve();
    });
    ws.send(authFrame(token));
  });
}

/** Closes the sockets (the server ends each TCP connection, so its side holds TIME_WAIT). */
export async function closeSockets(sockets) {
  await Promise.all(
    sockets.map(
      (ws) =>
        new Promise((resolve) => {
          if (ws.readyState === WebSocket.CLOSED) return resolve();
          ws.once('close', resolve);
          ws.close(1000);
        }),
    ),
  );
}
