import type { RightsPaths } from '../core/rights.js';
import type { TokenVerifier } from '../core/token-verifier.js';
import { IssuerKeySources } from '../keys/issuer-key-sources.js';
import type { KeySource } from '../keys/key-source.js';
import { hasSeveralIssuers, type IssuersAuthConfig, type JwtAuthConfig } from '../options/settings.js';
import { InsecureJwtVerifier } from './insecure-jwt-verifier.js';
import { MultiIssuerVerifier } from './multi-issuer-verifier.js';
import { SecureJwtVerifier } from './secure-jwt-verifier.js';

/** The built-in JWT check of the configured mode, reading the keys of `keys` (keySourceFor's). */
export function jwtVerifierFor(auth: JwtAuthConfig | IssuersAuthConfig, keys: KeySource, rights: RightsPaths): TokenVerifier {
  if (hasSeveralIssuers(auth)) {
    if (!(keys instanceof IssuerKeySources))
      throw new Error('several issuers need the KeySource built by keySourceFor (one source per issuer)');
    return new MultiIssuerVerifier(auth, keys);
  }
  return auth.mode === 'secure' ? new SecureJwtVerifier(auth, keys, rights) : new InsecureJwtVerifier(auth, rights);
}
