import { generateKeyPairSync } from 'node:crypto';
import { ConfigurationError } from './configuration-error.js';
import { gatehouseSettingsFromEnv, type Environment } from './options-from-env.js';
import { KEY_SET_ALGORITHMS } from './resolve-keys.js';
import { resolveOptions } from './resolve-options.js';
import type { GatehouseOptions } from './gatehouse-options.js';
import type { IssuersAuthConfig, SecureAuthConfig } from './settings.js';

// `issuers` / AUTH_JWT_ISSUERS and `oidcIssuer` / AUTH_OIDC_ISSUER (docs/protocol.md §16):
// each problem reported at once, naming its place in the list.

const linesOf = (run: () => unknown): readonly string[] => {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigurationError) return error.lines;
    throw error;
  }
  return [];
};
const fromEnv = (env: Environment) => gatehouseSettingsFromEnv(env).settings;
const envLines = (env: Environment) => linesOf(() => fromEnv(env));
const optionLines = (options: Record<string, unknown>) => linesOf(() => resolveOptions(options as unknown as GatehouseOptions));
const secret = 'a-shared-secret-that-is-long-enough!!';
const pem = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }).toString();

describe('AUTH_JWT_ISSUERS', () => {
  it('reads each issuer with its own keys, audience, type, namespace and claims', () => {
    const auth = fromEnv({
      AUTH_JWT_NAMESPACE: '/app',
      AUTH_ROLES_CLAIM: '/realm_access/roles',
      AUTH_JWT_ISSUERS: JSON.stringify([
        { issuer: 'https://idp.example/realms/a' },
        { issuer: 'first-party', key: secret, algorithms: 'HS256', audience: ['api', 'admin'], requireTyp: 'at+jwt', namespace: 'claims' },
        { issuer: 'https://partner.example/', jwksUrl: 'https://partner.example/keys', algorithms: ['ES256'], scopesClaim: 'scp' },
      ]),
    }).auth as IssuersAuthConfig;
    const [discovered, firstParty, partner] = auth.issuers;
    expect(discovered).toMatchObject({
      issuer: 'https://idp.example/realms/a',
      keySource: { kind: 'discovery', issuer: 'https://idp.example/realms/a' },
      algorithms: KEY_SET_ALGORITHMS,
      namespace: ['app'],
      label: 'idp.example',
      place: 'AUTH_JWT_ISSUERS[0]',
      rights: { roles: ['realm_access', 'roles'] },
    });
    expect(firstParty).toMatchObject({ algorithms: ['HS256'], audience: ['api', 'admin'], requireTyp: 'at+jwt', namespace: ['claims'] });
    expect(firstParty.keySource.kind).toBe('static');
    expect(partner).toMatchObject({ keySource: { kind: 'jwks', url: 'https://partner.example/keys' }, rights: { scopes: ['scp'] } });
    expect(partner.label).toBe('partner.example');
  });

  it('names every problem with its place in the list, all at once', () => {
    const lines = envLines({
      AUTH_JWT_ISSUERS: JSON.stringify([
        { issuer: 'https://a.example', audience: 5 },
        { issuer: 'https://a.example', key: pem, algorithms: 'HS256', colour: 'red' },
        { audience: 'x' },
        { issuer: 'not-a-url' },
        'nope',
      ]),
    });
    expect(lines).toEqual([
      'AUTH_JWT_ISSUERS[0].audience has invalid value: 5. Must be a string or a non-empty list of strings',
      'AUTH_JWT_ISSUERS[1].colour is not a Gatehouse option',
      'AUTH_JWT_ISSUERS[1].issuer is the same as AUTH_JWT_ISSUERS[0].issuer: list each issuer once',
      "AUTH_JWT_ISSUERS[1].key holds a PEM key, but AUTH_JWT_ISSUERS[1].algorithms=HS256 needs a shared secret; for a public key, set AUTH_JWT_ISSUERS[1].algorithms to the key's algorithm (RS256, ES256, ...)",
      "AUTH_JWT_ISSUERS[2].issuer not set: the iss of this issuer's tokens",
      'AUTH_JWT_ISSUERS[3].issuer has invalid value: "not-a-url". With no key given the keys are found by OpenID Connect discovery, which needs an http:// or https:// URL without query or fragment',
      'AUTH_JWT_ISSUERS[4] has invalid value: must be an object { issuer, jwksUrl? | key? | keyFile?, algorithms?, audience?, ... }',
    ]);
  });

  it('says where the JSON stops being JSON', () => {
    expect(envLines({ AUTH_JWT_ISSUERS: '[{"issuer": }]' })).toEqual([
      expect.stringMatching(/^AUTH_JWT_ISSUERS is not valid JSON \(.+\): it must be a JSON array of issuer objects$/),
    ]);
  });

  it('refuses the single-issuer variables beside it, naming both', () => {
    const lines = envLines({
      AUTH_JWT_ISSUERS: JSON.stringify([{ issuer: 'https://a.example' }]),
      AUTH_JWT_AUD: 'api',
      AUTH_JWT_JWKS_URL: 'https://a.example/jwks',
    });
    expect(lines).toEqual([
      'AUTH_JWT_ISSUERS and AUTH_JWT_JWKS_URL are both set: with several issuers each has its own (AUTH_JWT_ISSUERS[0].jwksUrl)',
      'AUTH_JWT_ISSUERS and AUTH_JWT_AUD are both set: with several issuers each has its own (AUTH_JWT_ISSUERS[0].audience)',
    ]);
  });

  it('takes up to 100 issuers', () => {
    const list = (n: number) => JSON.stringify(Array.from({ length: n }, (_, i) => ({ issuer: `https://idp.example/t/${i}` })));
    expect((fromEnv({ AUTH_JWT_ISSUERS: list(100) }).auth as IssuersAuthConfig).issuers).toHaveLength(100);
    expect(envLines({ AUTH_JWT_ISSUERS: list(101) })).toEqual(['AUTH_JWT_ISSUERS has 101 entries: at most 100']);
    expect(envLines({ AUTH_JWT_ISSUERS: '[]' })).toEqual([
      'AUTH_JWT_ISSUERS has invalid value: "[]". Must be a non-empty list of issuer objects [{ issuer, jwksUrl? | key? | keyFile?, ... }]',
    ]);
  });

  it('labels issuers that share a host with their place', () => {
    const auth = fromEnv({
      AUTH_JWT_ISSUERS: JSON.stringify([{ issuer: 'https://kc.example/realms/a' }, { issuer: 'https://kc.example/realms/b' }]),
    }).auth as IssuersAuthConfig;
    expect(auth.issuers.map((issuer) => issuer.label)).toEqual(['kc.example (AUTH_JWT_ISSUERS[0])', 'kc.example (AUTH_JWT_ISSUERS[1])']);
  });

  it('is not valid in insecure mode', () => {
    expect(envLines({ AUTH_MODE: 'insecure', AUTH_JWT_ISSUERS: '[]', AUTH_OIDC_ISSUER: 'https://a.example' })).toEqual(
      expect.arrayContaining([
        'AUTH_OIDC_ISSUER is not valid in Insecure auth mode. Did you forget to set AUTH_MODE=secure?',
        'AUTH_JWT_ISSUERS is not valid in Insecure auth mode. Did you forget to set AUTH_MODE=secure?',
      ]),
    );
  });
});

describe('the issuers option', () => {
  it('names its lines issuers[i].<option>', () => {
    expect(
      optionLines({ mode: 'secure', issuers: [{ issuer: 'https://a.example' }, { issuer: 'https://b.example', requireTyp: 'at jwt' }] }),
    ).toEqual([
      'issuers[1].requireTyp has invalid value: "at jwt". Must be a token type such as "at+jwt" (RFC 9068): visible characters, no spaces',
    ]);
    expect(optionLines({ mode: 'secure', issuers: [{ issuer: 'https://a.example' }], key: secret })).toEqual([
      'issuers and key are both set: with several issuers each has its own (issuers[0].key)',
    ]);
  });
});

describe('AUTH_OIDC_ISSUER, AUTH_JWT_AUD lists, AUTH_JWT_REQUIRE_TYP', () => {
  it('is one issuer found by discovery, with the single-issuer audience and type', () => {
    const auth = fromEnv({ AUTH_OIDC_ISSUER: 'https://accounts.google.com', AUTH_JWT_AUD: 'a, b', AUTH_JWT_REQUIRE_TYP: 'at+jwt' })
      .auth as SecureAuthConfig;
    expect(auth).toMatchObject({
      issuer: 'https://accounts.google.com',
      keySource: { kind: 'discovery', issuer: 'https://accounts.google.com' },
      algorithms: KEY_SET_ALGORITHMS,
      audience: ['a', 'b'],
      requireTyp: 'at+jwt',
    });
  });

  it('keeps a single AUTH_JWT_AUD a string, as before', () => {
    expect((fromEnv({ AUTH_JWT_ALG: 'HS256', AUTH_JWT_KEY: secret, AUTH_JWT_AUD: 'api' }).auth as SecureAuthConfig).audience).toBe('api');
  });

  it('refuses an issuer or key beside it, naming both', () => {
    expect(
      envLines({ AUTH_OIDC_ISSUER: 'https://a.example', AUTH_JWT_ISS: 'https://a.example', AUTH_JWT_KEY: secret, AUTH_JWT_ALG: 'HS256' }),
    ).toEqual([
      'AUTH_OIDC_ISSUER and AUTH_JWT_ISS are both set: use one of them (AUTH_OIDC_ISSUER is the issuer too)',
      'AUTH_OIDC_ISSUER and AUTH_JWT_KEY are both set: use one of them (AUTH_OIDC_ISSUER finds the keys by discovery)',
      'AUTH_JWT_ALG has invalid value: "HS256". HS* keys are never taken from keys found by OpenID Connect discovery; with a key set it must be among ["RS256", "RS384", "RS512", "ES256", "ES384", "ES512", "PS256", "PS384", "PS512", "EdDSA"]',
    ]);
  });
});
