import type { IssuersAuthConfig, SecureAuthConfig } from '../options/settings.js';
import { DiscoveryKeySource } from '../keys/discovery-key-source.js';
import { IssuerKeySources } from '../keys/issuer-key-sources.js';
import type { KeySource } from '../keys/key-source.js';
import { RemoteKeySource } from '../keys/remote-key-source.js';
import { StaticKeySource } from '../keys/static-key-source.js';

/** Secure mode's keys: fixed, a key set URL, found by discovery, or one of these per issuer. */
export function keySourceFor(auth: SecureAuthConfig | IssuersAuthConfig): KeySource {
  if ('issuers' in auth) return new IssuerKeySources(auth.issuers.map((issuer) => ({ label: issuer.label, source: keySourceFor(issuer) })));
  const source = auth.keySource;
  if (source.kind === 'jwks') return new RemoteKeySource(source.url, auth.algorithms);
  if (source.kind === 'discovery') return new DiscoveryKeySource(source.issuer, auth.algorithms);
  return new StaticKeySource(source.keys);
}
