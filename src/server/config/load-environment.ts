import { existsSync, readFileSync } from 'node:fs';
import { parse } from 'dotenv';
import type { Environment } from '../../index.js';

export type { Environment };

/**
 * The environment as @nestjs/config sees it: `.env` in the working directory under
 * the real environment, which wins. For code that runs before or outside Nest (the
 * startup check in main.ts, the token CLI).
 */
export function readEnvironment(envFile = '.env'): Environment {
  const fromFile = existsSync(envFile) ? parse(readFileSync(envFile)) : {};
  return { ...fromFile, ...process.env };
}
