import { registerAs, type ConfigType } from '@nestjs/config';
import type { Environment } from '../../lib/options/options-from-env.js';
import type { JwtAuthConfig, WsSettings } from '../../lib/options/settings.js';
import { ENV_VARIABLES, parseServerEnvironment, type LogLevelSetting } from './server-settings.js';

// Transitional: the old one-object configuration, built from the new parts
// (GatehouseSettings + ServerSettings), for the providers that still inject
// gatehouseConfig.KEY. Goes away once they take GatehouseSettings.

export interface GatehouseConfig {
  readonly server: { readonly port: number; readonly host: string; readonly nodeEnv: string | undefined };
  readonly auth: JwtAuthConfig;
  readonly ws: WsSettings;
  readonly ops: {
    readonly logLevel: LogLevelSetting;
    readonly logFormat: 'auto' | 'json' | 'pretty';
    readonly logRequests: boolean;
    readonly metricsEnabled: boolean;
    readonly docsEnabled: boolean;
  };
  readonly limits: {
    readonly authFailLimit: number;
    readonly authFailWindowSeconds: number;
    readonly authFailMaxAddresses: number;
  };
  readonly http: {
    readonly trustProxy: boolean | number | string[];
    readonly corsOrigins: readonly string[];
  };
  readonly warnings: readonly string[];
}

/** parseServerEnvironment, in the old shape. */
export function buildConfiguration(env: Environment): GatehouseConfig {
  const { settings, server } = parseServerEnvironment(env);
  const { auth, ws, failureLimit, trustProxy } = settings;
  if (auth.mode === 'custom' || ws === false) throw new Error('the environment never asks for a custom verifier or no WebSocket');
  return {
    server: { port: server.port, host: server.host, nodeEnv: server.nodeEnv },
    auth,
    ws,
    ops: {
      logLevel: server.logLevel,
      logFormat: server.logFormat,
      logRequests: server.logRequests,
      metricsEnabled: server.metricsEnabled,
      docsEnabled: server.docsEnabled,
    },
    limits: {
      authFailLimit: failureLimit.limit,
      authFailWindowSeconds: failureLimit.windowSeconds,
      authFailMaxAddresses: failureLimit.maxAddresses,
    },
    http: { trustProxy: Array.isArray(trustProxy) ? [...trustProxy] : (trustProxy as boolean | number), corsOrigins: server.corsOrigins },
    warnings: settings.warnings,
  };
}

let last: { key: string; config: GatehouseConfig } | undefined;

/** buildConfiguration, remembered for the same settings so keys are parsed only once. */
export function loadConfiguration(env: Environment): GatehouseConfig {
  const key = JSON.stringify(Object.keys(ENV_VARIABLES).map((name) => env[name]));
  if (last?.key !== key) last = { key, config: buildConfiguration(env) };
  return last.config;
}

// The typed configuration, checked when the app starts (after @nestjs/config has
// merged .env into process.env, real environment variables winning).
export const gatehouseConfig = registerAs('gatehouse', () => loadConfiguration(process.env));

export type GatehouseConfiguration = ConfigType<typeof gatehouseConfig>;
