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
  readonly issuer?: string;
  readonly audience?: string;
  readonly verifier?: undefined;
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
