// A well-behaved client, in a process of its own (so the flood's work never shows in its
// times): GET /health one request after the other over one kept-alive connection, and,
// at the same time, WebSocket round trips on one authenticated socket (`whoami`, wait
// for `session`, 25 ms, again: 40 a second at most, under WS_MAX_FRAMES_PER_SECOND).
// Over raw WebSocket (/ws) or Socket.IO (socket.io-client over its websocket transport).
//
//   const probe = await startSoakProbe({ url, token, transport: 'ws' | 'socket.io' });
//   ... const { rest, ws } = await probe.stop(); // each { times, statuses }
//
// Run as a script (the child side): argv[2] = the JSON config.
import { fork } from 'node:child_process';
import { Agent, request } from 'node:http';

/** Starts the probe; resolves once its socket is authenticated and both loops run. */
export function startSoakProbe(config) {
  const child = fork(import.meta.filename, [JSON.stringify(config)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`soak probe exited with ${code} before it was ready`)));
    child.once('message', (message) => {
      if (message !== 'ready') return reject(new Error(`soak probe: ${JSON.stringify(message)}`));
      resolve({
        pid: child.pid,
        stop: () =>
          new Promise((done) => {
            child.removeAllListeners('exit');
            child.once('message', (result) => {
              child.disconnect();
              done(result);
            });
            child.send('stop');
          }),
      });
    });
  });
}

const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const count = (table, key) => (table[key] = (table[key] ?? 0) + 1);

/** A raw WebSocket with the token in the upgrade: `roundTrip()` resolves once `session` answers `whoami`. */
async function rawSocket(url, token) {
  const { WebSocket } = await import('ws');
  const ws = new WebSocket(`${url.replace('http', 'ws')}/ws`, { headers: { authorization: `Bearer ${token}` }, perMessageDeflate: false });
  let waiting;
  const closed = new Promise((resolve) => ws.once('close', (code) => resolve(code)));
  ws.on('error', () => {});
  ws.on('message', (data) => {
    if (JSON.parse(data.toString()).event === 'session') waiting?.('ok');
  });
  void closed.then((code) => waiting?.(`close ${code}`));
  await new Promise((resolve, reject) => {
    ws.once('message', resolve); // the first session: authenticated
    void closed.then((code) => reject(new Error(`probe socket closed ${code} before its session`)));
  });
  return {
    roundTrip: () =>
      new Promise((resolve) => {
        waiting = resolve;
        ws.send('{"event":"whoami"}');
      }),
    close: () => ws.close(1000),
  };
}

async function ioSocket(url, token) {
  const { io } = await import('socket.io-client');
  const socket = io(url, { transports: ['websocket'], auth: { token }, reconnection: false });
  let waiting;
  socket.on('session', () => waiting?.('ok'));
  socket.on('disconnect', (why) => waiting?.(`disconnect ${why}`));
  await new Promise((resolve, reject) => {
    socket.once('session', resolve);
    socket.once('connect_error', (error) => reject(new Error(`probe socket refused: ${error.message}`)));
  });
  return {
    roundTrip: () =>
      new Promise((resolve) => {
        waiting = resolve;
        socket.emit('whoami');
      }),
    close: () => socket.close(),
  };
}

if (process.argv[1] === import.meta.filename && process.send) {
  const { url, token, transport } = JSON.parse(process.argv[2]);
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const rest = { times: [], statuses: {} };
  const ws = { times: [], statuses: {} };
  let running = true;
  process.on('message', () => (running = false));

  const get = () =>
    new Promise((resolve) => {
      const req = request(`${url}/health`, { agent }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode));
      });
      req.on('error', () => resolve('error'));
      req.end();
    });
  /** Runs `once` one call after the other, `gap` ms apart, recording each call's time and answer. */
  async function loop(record, once, gap) {
    while (running) {
      const started = performance.now();
      const status = await once();
      record.times.push(performance.now() - started);
      count(record.statuses, status);
      if (status !== 'ok' && typeof status === 'string' && status !== 'error') break; // the socket is gone
      await pause(gap);
    }
  }

  const socket = await (transport === 'socket.io' ? ioSocket(url, token) : rawSocket(url, token));
  process.send('ready');
  await Promise.all([loop(rest, get, 5), loop(ws, socket.roundTrip, 25)]);
  socket.close();
  process.send({ rest, ws }, () => process.exit(0));
}
