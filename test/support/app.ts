import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { ENV_VARIABLES } from '../../src/server/config/server-settings.js';
import { createApp } from '../../src/server/create-app.js';

export type TestEnv = Partial<Record<keyof typeof ENV_VARIABLES, string>>;

/** Sets exactly these variables (every other one blank), as a user's .env would. */
export function setEnv(env: TestEnv): void {
  for (const name of Object.keys(ENV_VARIABLES)) process.env[name] = '';
  Object.assign(process.env, env);
}

export interface RunningApp {
  readonly app: NestFastifyApplication;
  /** http://127.0.0.1:<port> */
  readonly url: string;
  readonly port: number;
}

/** Gatehouse as main.ts builds it, listening on a free loopback port. */
export async function startApp(env: TestEnv): Promise<RunningApp> {
  // Tests send hundreds of bad tokens from one address: the failure limit is off
  // unless a test sets it (test/ops-limits.e2e-spec.ts does).
  setEnv({ AUTH_FAIL_LIMIT: '0', ...env });
  const app = await createApp({ logger: false });
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { app, url: `http://127.0.0.1:${port}`, port };
}
