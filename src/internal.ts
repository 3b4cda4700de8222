// What the server (src/server, src/main.ts) needs from the library beyond the public
// entry: settings, the environment's table, log escaping. Not part of the package's API
// (not in package.json `exports`); the server reaches the library through these two files only.

export { GATEHOUSE_SETTINGS, type GatehouseSettings } from './lib/options/settings.js';
export { GATEHOUSE_ENV_VARIABLES, gatehouseSettingsFromEnv, type EnvVariable, type Environment } from './lib/options/options-from-env.js';
export { isProduction } from './lib/options/resolve-options.js';
export { MIN_ADMIN_KEY_LENGTH } from './lib/admin/admin-key.js';
export { proxyTrust } from './lib/limits/client-address.js';
export { escapeLineBreaks, escapeUnicodeLineBreaks, redactUrl } from './lib/observability/log-safety.js';
