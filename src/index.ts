// The package's one public entry: everything a user of `gatehouse` imports comes from
// here (docs/library.md). Nothing else in src/lib is supported as an import path.

export { GatehouseModule } from './lib/gatehouse.module.js';
export { GATEHOUSE_OPTIONS } from './lib/gatehouse.module-definition.js';
export { GATEHOUSE_SETTINGS } from './lib/options/settings.js';
export type {
  CustomGatehouseOptions,
  FailureLimitOptions,
  GatehouseHostOptions,
  GatehouseOptions,
  InsecureGatehouseOptions,
  SecureGatehouseOptions,
  WsOptions,
} from './lib/options/gatehouse-options.js';
export type { GatehouseSettings, WsSettings, FailureLimitSettings } from './lib/options/settings.js';
export {
  gatehouseOptionsFromEnv,
  gatehouseSettingsFromEnv,
  GATEHOUSE_ENV_VARIABLES,
  type Environment,
  type EnvVariable,
} from './lib/options/options-from-env.js';
export { resolveOptions, isProduction } from './lib/options/resolve-options.js';
export { ConfigurationError } from './lib/options/configuration-error.js';

export { Public } from './lib/auth/public.decorator.js';
export { CurrentSession } from './lib/auth/current-session.decorator.js';
export { sessionOf } from './lib/auth/session-holder.js';
export { GatehouseGuard } from './lib/guards/gatehouse.guard.js';
export { GATEHOUSE_STRATEGY } from './lib/auth/gatehouse.strategy.js';
export { Authenticator, type Outcome } from './lib/auth/authenticator.js';
export { GatehouseRefusal, httpRefusal, type HttpRefusal } from './lib/auth/refusal-replies.js';
export type { Session, SessionClaims, ClaimsOf } from './lib/core/session.js';
export {
  AuthFailure,
  RateLimitedFailure,
  TOKEN_REASONS,
  WS_REASONS,
  LIMIT_REASONS,
  DEPENDENCY_REASONS,
  AUTH_UNAVAILABLE,
  type DependencyReason,
  type Reason,
  type TokenReason,
  type WsReason,
  type LimitReason,
} from './lib/core/auth-failure.js';
export type { Algorithm } from './lib/core/algorithms.js';
export { TokenVerifier, type VerifyResult } from './lib/core/token-verifier.js';

export { GatehouseWsAdapter } from './lib/ws/gatehouse-ws.adapter.js';
export { WsSessionGuard } from './lib/ws/ws-session.guard.js';
export type { OnGatewayAuthenticated } from './lib/ws/gateways.js';

export { GatehouseIoAdapter } from './lib/io/gatehouse-io.adapter.js';

export { GatehouseHealthModule } from './lib/health/health.module.js';
export { ReadinessChecks } from './lib/health/readiness-checks.js';
export { GatehouseMetricsModule, type GatehouseMetricsOptions } from './lib/metrics/gatehouse-metrics.module.js';
export { clientAddressOf, proxyTrust, type TrustProxy } from './lib/limits/client-address.js';
export { GatehouseMetrics } from './lib/observability/gatehouse-metrics.js';
export { escapeLineBreaks, escapeUnicodeLineBreaks, redactUrl } from './lib/observability/log-safety.js';
export { GatehouseHttpModule, type GatehouseHttpOptions } from './lib/http/gatehouse-http.module.js';

// Revocation, the admin API and several processes (docs/protocol.md §11).
export type { RevocationOptions } from './lib/options/gatehouse-options.js';
export type { RevocationSettings } from './lib/options/settings.js';
export { Revocations, InvalidRevocation, TOKEN_REVOKED, type RevocationRequest } from './lib/revocation/revocations.service.js';
export type { Revocation, JtiRevocation, SubRevocation } from './lib/revocation/revocation.js';
export { RevocationsFull, StoreUnavailable } from './lib/revocation/revocation-store.js';
export { GatehouseAdminModule, type GatehouseAdminOptions } from './lib/admin/gatehouse-admin.module.js';
export { MIN_ADMIN_KEY_LENGTH } from './lib/admin/admin-key.js';

// Authorization: scopes, roles, policies and channels (docs/authorization.md).
export { RequireScopes, RequireRoles, Authorize, AuthorizeChannel } from './lib/auth/authorization.decorators.js';
export type { Policy, ChannelSelector } from './lib/authz/requirements.js';
export { channelAllowed, type Rights } from './lib/core/rights.js';
export { AuthorizationGuard } from './lib/auth/authorization.guard.js';

// Several issuers and OpenID Connect discovery (docs/protocol.md §16).
export type { IssuerOptions } from './lib/options/gatehouse-options.js';
