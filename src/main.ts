import { ConfigurationError } from './config/env.schema.js';
import { loadConfiguration } from './config/gatehouse.config.js';
import { readEnvironment } from './config/load-environment.js';
import { createApp } from './create-app.js';

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
}

await bootstrap();
