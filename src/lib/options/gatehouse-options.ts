import type { Type } from '@nestjs/common';
import type { Algorithm } from '../core/algorithms.js';
import type { TokenVerifier } from '../core/token-verifier.js';

// GatehouseModule's options (docs/protocol.md §9): the variables of §2, §8 and §10 in
// camelCase, with the mode as a discriminant. Everything but the mode has a default.

/** Failed authentications per client address (docs/protocol.md §10). */
export interface FailureLimitOptions {
  /** Failures allowed per address per window before 429 (default 30). */
  readonly limit?: number;
  /** Length of the window in seconds (default 60). */
  readonly windowSeconds?: number;
  /** Most addresses tracked at once; when full, new addresses are not tracked (default 10000). */
  readonly maxAddresses?: number;
}

/** The WebSocket protocol of docs/protocol.md §5 and its limits (§10). */
export interface WsOptions {
  /** Where the gateway listens (default `/ws`). */
  readonly path?: string;
  readonly authTimeoutMs?: number;
  readonly expiryNoticeSeconds?: number;
  readonly maxPayloadBytes?: number;
  readonly pingIntervalMs?: number;
  readonly maxSocketsPerSub?: number;
  readonly maxBufferedBytes?: number;
  readonly maxPendingFrames?: number;
  /** Frames one socket may send per second, bursts up to twice that; faster closes it with 1008 rate_limited (default 50). */
  readonly maxFramesPerSecond?: number;
  /** Unauthenticated sockets (and Engine.IO sessions) per client address; one more is refused with too_many_connections (default 100). */
  readonly maxPendingPerAddress?: number;
}

/** Revocation (docs/protocol.md §11): revoked tokens and the data file of a single process. */
export interface RevocationOptions {
  /** Where one process keeps its revocations, in an append-only file (default `./data`). */
  readonly dataDir?: string;
  /**
   * The longest lifetime (exp − iat, seconds) of the tokens you accept. When set, a `sub`
   * cut-off is dropped that long after its `before`; unset, it is kept until lifted.
   */
  readonly maxTokenLifetimeSeconds?: number;
  /** The most revocations held at once (default 1000000); one more is refused with 507. */
  readonly maxEntries?: number;
}

/** What every mode shares: how the module behaves in the host app. */
export interface GatehouseHostOptions {
  /** true (default): every HTTP route needs a token unless `@Public()`. */
  readonly globalGuard?: boolean;
  /** The failed-authentication limit, or false to turn it off. */
  readonly failureLimit?: FailureLimitOptions | false;
  /** Proxies whose X-Forwarded-For is believed: true (one hop), a hop count, or addresses/CIDRs. */
  readonly trustProxy?: boolean | number | readonly string[];
  /** WebSocket settings, or false when the app serves no Gatehouse WebSocket. */
  readonly ws?: WsOptions | false;
  /** Revocation settings, or false to turn revocation off (no token is ever refused as revoked). */
  readonly revocation?: RevocationOptions | false;
  /** Several processes: `redis://` URL of the Redis holding revocations and the failure limit. */
  readonly redisUrl?: string;
  /** Where a token's scopes are (`/a/b` or one top-level key); default `scope` (space-separated), else `scp`. */
  readonly scopesClaim?: string;
  /** Where a token's roles are, an array of strings (default `roles`; Keycloak: `/realm_access/roles`). */
  readonly rolesClaim?: string;
  /** Where a token's channel patterns are, an array of strings (default `/channels`). */
  readonly channelsClaim?: string;
  /**
   * What starts every key and channel name in Redis (default `gatehouse:`): deployments
   * sharing one Redis database keep apart by giving each its own.
   */
  readonly redisPrefix?: string;
}

interface TokenOptions {
  /** Where the custom claims are: `/a/b` (JSON Pointer) or one literal top-level key. */
  readonly namespace?: string;
  /** Seconds of leeway for exp, nbf and iat (default 2, 0 to 300). */
  readonly clockTolerance?: number;
  /** Longer tokens are token_malformed without being parsed (default 8192). */
  readonly maxTokenBytes?: number;
}

export interface InsecureGatehouseOptions extends TokenOptions, GatehouseHostOptions {
  readonly mode: 'insecure';
  /** Lets insecure mode start when NODE_ENV is production. */
  readonly allowInProduction?: boolean;
  readonly verifier?: undefined;
}

export interface SecureGatehouseOptions extends TokenOptions, GatehouseHostOptions {
  readonly mode: 'secure';
  /** One algorithm, or (with `jwksUrl`) a list; with `jwksUrl` the default is every asymmetric one. */
  readonly algorithms?: Algorithm | readonly Algorithm[];
  /** HS*: the secret; others: PEM public key(s) or certificate(s). */
  readonly key?: string;
  /** A file whose content is used as `key`. */
  readonly keyFile?: string;
  /** An identity provider's JSON Web Key Set. */
  readonly jwksUrl?: string;
  /** HS* only: `key` is base64 (standard or URL-safe). */
  readonly keyIsBase64?: boolean;
  /** Tokens need an iss claim equal to it. */
  readonly issuer?: string;
  /** Tokens need an aud claim holding it (or, for a list, at least one of them). */
  readonly audience?: string | readonly string[];
  /** The header's typ must be this, e.g. `at+jwt` (RFC 9068); compared without case or `application/`. */
  readonly requireTyp?: string;
  /**
   * OpenID Connect discovery for one issuer: tokens need this iss, and the keys come from
   * the `jwks_uri` of `<oidcIssuer>/.well-known/openid-configuration`. Instead of
   * `issuer` and `key`/`keyFile`/`jwksUrl`.
   */
  readonly oidcIssuer?: string;
  /**
   * Several issuers (up to 100), each with its own keys and settings; a token's iss picks
   * one. Instead of `algorithms`, `key`, `keyFile`, `jwksUrl`, `keyIsBase64`, `issuer`,
   * `audience`, `requireTyp` and `oidcIssuer`; `namespace` and the claim options apply to every
   * issuer that does not set its own.
   */
  readonly issuers?: readonly IssuerOptions[];
  readonly verifier?: undefined;
}

/** One entry of `issuers` (docs/protocol.md §16). */
export interface IssuerOptions {
  /** The iss of its tokens, exactly; with no key given, also where discovery starts. */
  readonly issuer: string;
  /** Its key set; with none of jwksUrl, key, keyFile the keys are found by OpenID Connect discovery. */
  readonly jwksUrl?: string;
  readonly key?: string;
  readonly keyFile?: string;
  readonly keyIsBase64?: boolean;
  /** As the top-level `algorithms`: one with a key; a list (default every asymmetric one) with a key set. */
  readonly algorithms?: Algorithm | readonly Algorithm[];
  readonly audience?: string | readonly string[];
  readonly requireTyp?: string;
  /** Overrides the top-level option for this issuer's tokens. */
  readonly namespace?: string;
  readonly scopesClaim?: string;
  readonly rolesClaim?: string;
  readonly channelsClaim?: string;
}

/**
 * Your own check instead of the JWT one: the 401s, the WebSocket protocol, the failure
 * limit, the logs and the metrics stay the same.
 */
export interface CustomGatehouseOptions extends GatehouseHostOptions {
  readonly mode?: 'custom';
  readonly verifier: Type<TokenVerifier>;
}

export type GatehouseOptions = InsecureGatehouseOptions | SecureGatehouseOptions | CustomGatehouseOptions;
