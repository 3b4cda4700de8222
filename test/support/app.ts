import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { ENV_VARIABLES } from '../../src/server/config/server-settings.js';
import { createApp } from '../../src/server/create-app.js';

export type TestEnv = Partial<Record<keyof typeof ENV_VARIABLES, string>>;

export interface RunningApp {
  readonly app: NestFastifyApplication;
  /** http://127.0.0.1:<port> */
  readonly url: string;
  readonly port: number;
}

/** Gatehouse as main.ts builds it, with exactly these variables, listening on a free loopback port. */
export async function startApp(env: TestEnv): Promise<RunningApp> {
  // Tests send hundreds of bad tokens from one address: the failure limit is off
  // unless a test sets it (test/ops-limits.e2e-spec.ts does).
  const app = await createApp({ env: { AUTH_FAIL_LIMIT: '0', ...env }, logger: false });
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { app, url: `http://127.0.0.1:${port}`, port };
}
