// Transitional: what the old env.schema.ts exported, for the files not yet moved to
// resolve-options.ts / options-from-env.ts / server-settings.ts. Delete with them.
export { ConfigurationError } from './configuration-error.js';
export { KEY_SET_ALGORITHMS } from './resolve-keys.js';
export type { Environment } from './options-from-env.js';
export type {
  InsecureAuthConfig,
  JwtAuthConfig as AuthConfig,
  KeySetUrlConfig,
  KeySourceConfig,
  SecureAuthConfig,
  StaticKeysConfig,
} from './settings.js';
export { ENV_VARIABLES, LOG_LEVELS, type EnvName, type LogLevelSetting } from '../../server/config/server-settings.js';
export { buildConfiguration as parseEnvironment, type GatehouseConfig } from '../../server/config/gatehouse.config.js';
