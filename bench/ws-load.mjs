import { WebSocket } from 'ws';

/**
 * Opens one socket per token against `url` with `Authorization: Bearer <token>`, at
 * most `concurrency` handshakes in flight, and resolves once every socket has received
 * its first frame (the `session` event). Returns the open sockets and the connect rate.
 */
export async function openSockets(url, tokens, { concurrency = 256 } = {}) {
  const sockets = [];
  let next = 0;
  const started = performance.now();
  async function worker() {
    while (next < tokens.length) {
      const token = tokens[next++];
      sockets.push(await openOne(url, token));
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, tokens.length) }, worker));
  const seconds = (performance.now() - started) / 1000;
  return { sockets, rate: tokens.length / seconds };
}

function openOne(url, token) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers: { authorization: `Bearer ${token}` }, perMessageDeflate: false });
    const fail = (error) => {
      ws.terminate();
      reject(error);
    };
    ws.once('unexpected-response', (_req, res) => fail(new Error(`upgrade refused: HTTP ${res.statusCode}`)));
    ws.once('error', fail);
    ws.once('message', (data) => {
      const frame = JSON.parse(data.toString());
      if (frame.event !== 'session') return fail(new Error(`first frame was ${data}`));
      ws.off('error', fail);
      ws.on('error', () => {});
      resolve(ws);
    });
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
