import { Logger } from '@nestjs/common';
import { ConfigurationError } from './config/env.schema.js';
import { loadConfiguration } from './config/gatehouse.config.js';
import { readEnvironment } from './config/load-environment.js';
import { createApp } from './create-app.js';

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
  const app = await createApp();
  await app.listen(config.server.port, config.server.host);
  new Logger('Gatehouse').log(
    `listening on ${await app.getUrl()} (REST, and WebSocket at /ws), AUTH_MODE=${config.auth.mode}`,
  );

  // Not Nest's enableShutdownHooks: it re-raises the signal, so the process would end
  // "killed by SIGTERM" instead of with status 0. app.close() runs the same hooks:
  // stop accepting, close sockets, let in-flight requests finish.
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    new Logger('Gatehouse').log(`${signal} received: shutting down`);
    setTimeout(() => process.exit(0), SHUTDOWN_DEADLINE_MS - 500).unref();
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
}

await bootstrap();
