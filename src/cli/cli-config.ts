import { gatehouseSettingsFromEnv, type Environment } from '../lib/options/options-from-env.js';
import { hasSeveralIssuers, type IssuersAuthConfig, type JwtAuthConfig } from '../lib/options/settings.js';
import { UsageError } from './usage.js';
import type { RightsPaths } from '../lib/core/rights.js';

/**
 * How the server, configured by this environment, checks tokens, and where it reads a
 * token's rights. Only the Gatehouse variables count: a bad PORT does not change which
 * tokens are accepted. Throws a ConfigurationError naming each bad variable.
 */
export function checkingFromEnv(env: Environment): { auth: JwtAuthConfig | IssuersAuthConfig; rights: RightsPaths } {
  const { auth, rights } = gatehouseSettingsFromEnv(env).settings;
  // Variables name a mode, never a verifier class.
  if (auth.mode === 'custom') throw new Error('unreachable: the environment cannot configure a custom verifier');
  return { auth, rights };
}

/** One issuer's settings: what the token command signs for. */
export function authFromEnv(env: Environment): JwtAuthConfig {
  const { auth } = checkingFromEnv(env);
  if (hasSeveralIssuers(auth)) {
    throw new UsageError(
      'AUTH_JWT_ISSUERS is set: tokens come from your identity providers (this command signs for one issuer, with AUTH_JWT_KEY)',
    );
  }
  return auth;
}
