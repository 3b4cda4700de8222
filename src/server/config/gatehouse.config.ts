import { registerAs, type ConfigType } from '@nestjs/config';
import { ENV_VARIABLES, parseEnvironment, type Environment, type GatehouseConfig } from '../../lib/options/env.schema.js';

let last: { key: string; config: GatehouseConfig } | undefined;

/** parseEnvironment, remembered for the same settings so keys are parsed only once. */
export function loadConfiguration(env: Environment): GatehouseConfig {
  const key = JSON.stringify(Object.keys(ENV_VARIABLES).map((name) => env[name]));
  if (last?.key !== key) last = { key, config: parseEnvironment(env) };
  return last.config;
}

// The typed configuration, checked when the app starts. This is the only place that
// reads process.env (after @nestjs/config has merged .env into it, real environment
// variables winning).
export const gatehouseConfig = registerAs('gatehouse', () => loadConfiguration(process.env));

export type GatehouseConfiguration = ConfigType<typeof gatehouseConfig>;
