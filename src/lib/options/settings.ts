import type { Type } from '@nestjs/common';
import type { KeyObject } from 'node:crypto';
import type { Algorithm } from '../core/algorithms.js';
import type { NamespacePath } from '../core/namespace.js';
import type { TokenVerifier } from '../core/token-verifier.js';
import type { RightsPaths } from '../core/rights.js';

/** The injection token of the checked options: what every Gatehouse provider is built from. */
export const GATEHOUSE_SETTINGS = Symbol('GATEHOUSE_SETTINGS');

// GatehouseOptions after checking: every default filled in, keys parsed. What the
// module's providers are built from; nothing below reads the environment.

interface CommonAuthConfig {
  readonly namespace: NamespacePath;
  /** The namespace as configured, for messages and the token CLI. */
  readonly namespaceSetting: string | undefined;
  readonly clockTolerance: number;
  readonly maxTokenBytes: number;
}

export interface InsecureAuthConfig extends CommonAuthConfig {
  readonly mode: 'insecure';
}

/** `key` or `keyFile`: keys known at startup, kid ignored, each one tried. */
export interface StaticKeysConfig {
  readonly kind: 'static';
  readonly keys: readonly KeyObject[];
}

/** `jwksUrl`: keys fetched from an identity provider and chosen by kid. */
export interface KeySetUrlConfig {
  readonly kind: 'jwks';
  readonly url: string;
}

/** No key given: the issuer's key set is found by OpenID Connect discovery (docs/protocol.md §16). */
export interface DiscoveryConfig {
  readonly kind: 'discovery';
  /** The issuer, exactly as configured: `<issuer>/.well-known/openid-configuration` must name it. */
  readonly issuer: string;
}

export type KeySourceConfig = StaticKeysConfig | KeySetUrlConfig | DiscoveryConfig;

/** One issuer's check: the single-issuer options, or one entry of `issuers`. */
export interface SecureAuthConfig extends CommonAuthConfig {
  readonly mode: 'secure';
  /** The header algs accepted: the one algorithm with static keys; a list with a key set. */
  readonly algorithms: readonly Algorithm[];
  readonly keySource: KeySourceConfig;
  readonly issuer: string | undefined;
  /** One audience, or a list of which the token's aud must hold at least one. */
  readonly audience: string | readonly string[] | undefined;
  /** The header's typ must be this (e.g. `at+jwt`), compared without case or `application/`; unset: any. */
  readonly requireTyp?: string;
}

/** One entry of `issuers`: its own keys, claims and rights; tokens whose iss is exactly `issuer`. */
export interface IssuerAuthConfig extends SecureAuthConfig {
  readonly issuer: string;
  /** Where this issuer's tokens hold scopes, roles and channels. */
  readonly rights: RightsPaths;
  /** How /health names it: the host of its URL, never the URL itself. */
  readonly label: string;
  /** How error lines name it: `issuers[1]`, `AUTH_JWT_ISSUERS[1]`. */
  readonly place: string;
}

/**
 * Secure mode with several issuers (`issuers`, AUTH_JWT_ISSUERS): a token's iss picks
 * one entry, which checks it with its own keys and settings only.
 */
export interface IssuersAuthConfig extends CommonAuthConfig {
  readonly mode: 'secure';
  readonly issuers: readonly IssuerAuthConfig[];
}

/** At most this many entries in `issuers`. */
export const MAX_ISSUERS = 100;

export function hasSeveralIssuers(auth: AuthConfig): auth is IssuersAuthConfig {
  return 'issuers' in auth;
}

/** A TokenVerifier of the host app's own decides; Gatehouse checks no JWT. */
export interface CustomAuthConfig {
  readonly mode: 'custom';
  readonly verifier: Type<TokenVerifier>;
}

export type JwtAuthConfig = InsecureAuthConfig | SecureAuthConfig;
export type AuthConfig = JwtAuthConfig | IssuersAuthConfig | CustomAuthConfig;

export interface WsSettings {
  readonly path: string;
  readonly authTimeoutMs: number;
  readonly expiryNoticeSeconds: number;
  readonly maxPayloadBytes: number;
  readonly pingIntervalMs: number;
  readonly maxSocketsPerSub: number;
  readonly maxBufferedBytes: number;
  readonly maxPendingFrames: number;
  readonly maxFramesPerSecond: number;
  readonly maxPendingPerAddress: number;
}

export interface FailureLimitSettings {
  /** Failed authentications per address per window; 0: no limit. */
  readonly limit: number;
  readonly windowSeconds: number;
  readonly maxAddresses: number;
}

export interface RevocationSettings {
  readonly dataDir: string;
  /** null: a sub cut-off is kept until lifted. */
  readonly maxTokenLifetimeSeconds: number | null;
  /** The most revocations held at once; one more is refused (507). */
  readonly maxEntries: number;
}

export interface GatehouseSettings {
  readonly auth: AuthConfig;
  readonly globalGuard: boolean;
  readonly failureLimit: FailureLimitSettings;
  /** false, true (one hop), a hop count, or proxy addresses/CIDRs. */
  readonly trustProxy: boolean | number | readonly string[];
  /** false: no Gatehouse WebSocket (an adapter installed anyway refuses to start). */
  readonly ws: WsSettings | false;
  /** false: revocation off. */
  readonly revocation: RevocationSettings | false;
  /** Revocations and the failure limit in Redis (several processes); undefined: this process alone. */
  readonly redisUrl: string | undefined;
  /** Where scopes, roles and channel patterns are read (docs/protocol.md §15). */
  readonly rights: RightsPaths;
  /** What starts every key and channel name of this deployment in Redis (default `gatehouse:`). */
  readonly redisPrefix: string;
  /** Printed once at startup: things that work but deserve attention. */
  readonly warnings: readonly string[];
}
