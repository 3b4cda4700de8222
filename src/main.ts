import { Logger } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { ConfigurationError } from './index.js';
import { readEnvironment } from './server/config/load-environment.js';
import { parseServerEnvironment } from './server/config/server-settings.js';
import { createApp } from './server/create-app.js';

/** docs/protocol.md §1: after SIGTERM or SIGINT the process exits 0 within 10 seconds. */
const SHUTDOWN_DEADLINE_MS = 10_000;

async function bootstrap(): Promise<void> {
  // Checked before Nest starts, so that a bad setting prints every problem, one line
  // each, and nothing else: no Nest error log, no stack trace.
  const env = readEnvironment();
  let server;
  try {
    ({ server } = parseServerEnvironment(env));
  } catch (error) {
    if (!(error instanceof ConfigurationError)) throw error;
    process.stderr.write(`${error.lines.join('\n')}\n`);
    process.exit(1);
  }
  // Not Nest's enableShutdownHooks: it re-raises the signal, so the process would end
  // "killed by SIGTERM" instead of with status 0. Installed before startup, so that a
  // signal while starting also ends with 0.
  let app: NestFastifyApplication | undefined;
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    if (app === undefined) process.exit(0);
    new Logger('Gatehouse').log(`${signal} received: shutting down`);
    setTimeout(() => process.exit(0), SHUTDOWN_DEADLINE_MS - 500).unref();
    // app.close(): new requests get 503 at once (GatehouseHttpModule), every socket is
    // closed with 1001, in-flight requests finish, then the server stops.
    app.close().then(
      () => process.exit(0),
      (error: unknown) => {
        new Logger('Gatehouse').error(`error while shutting down: ${String(error)}`);
        process.exit(0);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);

  try {
    app = await createApp({ env });
    await app.listen(server.port, server.host);
  } catch (error) {
    // What startup itself refuses (a data directory in use, a data file that cannot be
    // loaded): one line saying why, as for a bad variable.
    if (!(error instanceof ConfigurationError)) throw error;
    process.stderr.write(`${error.lines.join('\n')}\n`);
    process.exit(1);
  }
  new Logger('Gatehouse').log(`listening on ${await app.getUrl()} (REST, and WebSocket at /ws)`);
}

await bootstrap();
