import type { FailureLimitOptions, RevocationOptions, WsOptions } from './gatehouse-options.js';

// Error lines name what the user wrote: `ws.authTimeoutMs` to a module user,
// `WS_AUTH_TIMEOUT_MS` to someone who set environment variables. resolveOptions
// checks once and words its lines through an OptionNaming.

/** Where an option sits in GatehouseOptions: `clockTolerance`, `ws.authTimeoutMs`, `failureLimit.limit`. */
export type OptionPath =
  | 'mode'
  | 'namespace'
  | 'clockTolerance'
  | 'maxTokenBytes'
  | 'allowInProduction'
  | 'algorithms'
  | 'key'
  | 'keyFile'
  | 'jwksUrl'
  | 'keyIsBase64'
  | 'issuer'
  | 'audience'
  | 'requireTyp'
  | 'oidcIssuer'
  | 'issuers'
  | 'verifier'
  | 'globalGuard'
  | 'trustProxy'
  | 'failureLimit'
  | `failureLimit.${Extract<keyof FailureLimitOptions, string>}`
  | 'ws'
  | `ws.${Extract<keyof WsOptions, string>}`
  | 'revocation'
  | `revocation.${Extract<keyof RevocationOptions, string>}`
  | 'redisUrl'
  | 'scopesClaim'
  | 'rolesClaim'
  | 'channelsClaim'
  | 'redisPrefix';

export interface OptionNaming {
  /** What the user calls the option at `path` (for unknown keys, `path` is what they wrote). */
  readonly name: (path: string) => string;
  /**
   * Present when the options were converted from text (environment variables): the
   * text given for `path`, shown in "has invalid value" lines instead of the converted
   * value. With it, allowed values are shown as text too (`"true"`, not `true`).
   */
  readonly written?: (path: string) => string | undefined;
}

/** GatehouseModule's own naming: the option paths themselves. */
export const OPTION_NAMING: OptionNaming = { name: (path) => path };

/** A value as it reads in an error line: JSON where JSON says it, briefly. */
export function showValue(value: unknown): string {
  if (typeof value === 'function') return value.name ? `[class ${value.name}]` : 'a function';
  if (typeof value !== 'object' || value === null) {
    return typeof value === 'string'
      ? JSON.stringify(value)
      : String(value as string | number | boolean | bigint | symbol | null | undefined);
  }
  let text: string;
  try {
    text = JSON.stringify(value) ?? Object.prototype.toString.call(value);
  } catch {
    text = Object.prototype.toString.call(value);
  }
  return text.length > 200 ? `${text.slice(0, 199)}…` : text;
}
