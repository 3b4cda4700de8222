import type { Type } from '@nestjs/common';
import type { KeyObject } from 'node:crypto';
import type { Algorithm } from '../core/algorithms.js';
import type { NamespacePath } from '../core/namespace.js';
import type { TokenVerifier } from '../core/token-verifier.js';

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

export type KeySourceConfig = StaticKeysConfig | KeySetUrlConfig;

export interface SecureAuthConfig extends CommonAuthConfig {
  readonly mode: 'secure';
  /** The header algs accepted: the one algorithm with static keys; a list with a key set. */
  readonly algorithms: readonly Algorithm[];
  readonly keySource: KeySourceConfig;
  readonly issuer: string | undefined;
  readonly audience: string | undefined;
}

/** A TokenVerifier of the host app's own decides; Gatehouse checks no JWT. */
export interface CustomAuthConfig {
  readonly mode: 'custom';
  readonly verifier: Type<TokenVerifier>;
}

export type JwtAuthConfig = InsecureAuthConfig | SecureAuthConfig;
export type AuthConfig = JwtAuthConfig | CustomAuthConfig;

export interface WsSettings {
  readonly path: string;
  readonly authTimeoutMs: number;
  readonly expiryNoticeSeconds: number;
  readonly maxPayloadBytes: number;
  readonly pingIntervalMs: number;
  readonly maxSocketsPerSub: number;
  readonly maxBufferedBytes: number;
  readonly maxPendingFrames: number;
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
  /** What starts every key and channel name of this deployment in Redis (default `gatehouse:`). */
  readonly redisPrefix: string;
  /** Printed once at startup: things that work but deserve attention. */
  readonly warnings: readonly string[];
}
