import { AuthFailure } from '../core/auth-failure.js';
import type { Session } from '../core/session.js';
import { TokenVerifier } from '../core/token-verifier.js';
import { chooseTokenIssuer, type ValidationResult } from '../core/validate-token.js';
import type { IssuerKeySources } from '../keys/issuer-key-sources.js';
import type { IssuersAuthConfig } from '../options/settings.js';
import { TOKEN_CACHE_CAPACITY } from './verified-token-cache.js';
import { SecureJwtVerifier } from './secure-jwt-verifier.js';

/**
 * Several issuers (docs/protocol.md §16): one SecureJwtVerifier per issuer, each with
 * its own policy, keys, unknown-kid cooldown, verified-token cache and rights paths,
 * keyed by the exact `iss` string. A token's iss (read before its signature is checked)
 * picks one of them, which alone decides: one issuer's key never verifies another's
 * token, whatever its kid.
 *
 * Choosing costs a Map lookup, so 100 issuers cost what one does. A token seen before
 * skips even the decoding: its issuer is remembered by the token string (which cannot
 * name another iss), and that issuer's cache answers.
 */
export class MultiIssuerVerifier extends TokenVerifier {
  private readonly byIssuer = new Map<string, SecureJwtVerifier>();
  /** Which issuer each accepted token is for; a routing hint only, never a verdict. */
  private readonly routes = new Map<string, SecureJwtVerifier>();
  /** Each issuer's keys version when live sessions were last checked (keysLeftCheck). */
  private readonly checkedVersions = new Map<SecureJwtVerifier, number>();
  private readonly maxTokenBytes: number;

  constructor(
    auth: IssuersAuthConfig,
    keys: IssuerKeySources,
    private readonly routeCapacity = TOKEN_CACHE_CAPACITY,
  ) {
    super();
    this.maxTokenBytes = auth.maxTokenBytes;
    auth.issuers.forEach((issuer, index) => {
      const verifier = new SecureJwtVerifier(issuer, keys.issuers[index].source, issuer.rights, true);
      this.byIssuer.set(issuer.issuer, verifier);
      this.checkedVersions.set(verifier, keys.issuers[index].source.version);
    });
  }

  verify(token: string): ValidationResult | Promise<ValidationResult> {
    const known = this.routes.get(token);
    if (known !== undefined) return known.verify(token);
    const chosen = chooseTokenIssuer(token, this.byIssuer, this.maxTokenBytes);
    if (chosen instanceof AuthFailure) return chosen;
    const result = chosen.verify(token);
    return result instanceof Promise ? result.then((value) => this.route(token, chosen, value)) : this.route(token, chosen, result);
  }

  private route(token: string, verifier: SecureJwtVerifier, result: ValidationResult): ValidationResult {
    if (!(result instanceof AuthFailure)) {
      // Bounded: past capacity the hints start over (the issuers' caches keep their sessions).
      if (this.routes.size >= this.routeCapacity) this.routes.clear();
      this.routes.set(token, verifier);
    }
    return result;
  }

  /**
   * After some issuer's keys changed: refuses (key_not_found) a live session whose key
   * left its issuer's set. Only the issuers whose keys changed since the last call look.
   */
  keysLeftCheck(): (session: Session) => AuthFailure | undefined {
    const checks: ((session: Session) => AuthFailure | undefined)[] = [];
    for (const [verifier, version] of this.checkedVersions) {
      const now = verifier.keysVersion();
      if (now === version) continue;
      this.checkedVersions.set(verifier, now);
      checks.push(verifier.keysLeftCheck());
    }
    return (session) => {
      for (const check of checks) {
        const failure = check(session);
        if (failure !== undefined) return failure;
      }
      return undefined;
    };
  }
}
