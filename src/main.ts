import { Logger } from '@nestjs/common';
import { ConfigurationError } from './lib/options/env.schema.js';
import { loadConfiguration } from './server/config/gatehouse.config.js';
import { readEnvironment } from './server/config/load-environment.js';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApp, stopAccepting } from './server/create-app.js';

/** Contract section 1: after SIGTERM or SIGINT the process exits 0 within 10 seconds. */
const SHUTDOWN_DEADLINE_MS = 10_000;

async function bootstrap(): Promise<void> {
  // Checked before Nest starts, so that a bad setting prints every problem, one line
  // each, and nothing else: no Nest error log, no stack trace.
  let config;
  try {
    config = loadConfiguration(readEnvironment());
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
    // New requests get 503 at once; app.close() then closes every socket (1001), lets
    // in-flight requests finish and stops the server.
    stopAccepting(app);
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

  app = await createApp();
  await app.listen(config.server.port, config.server.host);
  new Logger('Gatehouse').log(
    `listening on ${await app.getUrl()} (REST, and WebSocket at /ws), AUTH_MODE=${config.auth.mode}`,
  );
}

await bootstrap();
