// Another client, in a process of its own so that the load generator's work never shows
// in its times: GETs one URL after the other over one kept-alive connection (with the
// headers given) and records each answer's time and status.
//
//   const probe = startProbe(url, headers); ... const { times, at, statuses } = await probe.stop();
//
// Run as a script (the child side): argv[2] = url, argv[3] = JSON headers.
import { fork } from 'node:child_process';
import { Agent, request } from 'node:http';

export function startProbe(url, headers = {}) {
  const child = fork(import.meta.filename, [url, JSON.stringify(headers)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return {
    stop: () =>
      new Promise((resolve) => {
        child.once('message', (result) => {
          child.disconnect();
          resolve(result);
        });
        child.send('stop');
      }),
  };
}

if (process.argv[1] === import.meta.filename && process.send) {
  const [url, headerText] = process.argv.slice(2);
  const headers = JSON.parse(headerText);
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const times = [];
  /** When each request started, in ms since the probe started. */
  const at = [];
  const statuses = {};
  const origin = performance.now();
  let running = true;
  process.on('message', () => (running = false));
  const once = () =>
    new Promise((resolve) => {
      const started = performance.now();
      const req = request(url, { agent, headers }, (res) => {
        res.resume();
        res.on('end', () => resolve([performance.now() - started, res.statusCode]));
      });
      req.on('error', () => resolve([performance.now() - started, 'error']));
      req.end();
    });
  while (running) {
    at.push(performance.now() - origin);
    const [ms, status] = await once();
    times.push(ms);
    statuses[status] = (statuses[status] ?? 0) + 1;
    await new Promise((resolve) => setTimeout(resolve, 5)); // a steady client, not a flood
  }
  process.send({ times, at, statuses }, () => process.exit(0));
}
