import { existsSync, readFileSync } from 'node:fs';
import { parse } from 'dotenv';
import type { Environment } from '../lib/options/options-from-env.js';

export type { Environment };

/**
 * The environment as @nestjs/config sees it: `.env` in the working directory under
 * the real environment, which wins. For code that runs before or outside Nest (the
 * server's startup check, the `gatehouse` CLI).
 */
export function readEnvironment(envFile = '.env'): Environment {
  const fromFile = existsSync(envFile) ? parse(readFileSync(envFile)) : {};
  return { ...fromFile, ...process.env };
}
