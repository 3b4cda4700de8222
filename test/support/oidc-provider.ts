import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';
import { signedToken, validFor } from './tokens.js';

// A real OpenID provider (the `oidc-provider` package) on its own free loopback port,
// with keys the test chose: its discovery document, its key set, and access tokens as
// JWTs (RFC 9068, `typ: at+jwt`) minted by its client credentials grant for a resource
// server, with scopes. Requests are counted by path, so a test can tell which provider
// Gatehouse asked for what.

export const RESOURCE = 'https://api.gatehouse.test';
const CLIENT = { id: 'service', secret: 'service-secret-of-some-length' };
const SCOPES = ['notes:read', 'notes:write'];

export interface SigningKeyPair {
  readonly kid: string;
  readonly privateKey: KeyObject;
}

export function newSigningKey(kid: string): SigningKeyPair {
  return { kid, privateKey: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey };
}

export class OidcProvider {
  readonly hits = new Map<string, number>();
  private server: Server | undefined;
  private handler: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  private portNumber = 0;

  constructor(public key: SigningKeyPair) {}

  get port(): number {
    return this.portNumber;
  }

  /** The issuer URL, which its tokens carry as iss and its discovery document names. */
  get issuer(): string {
    return `http://127.0.0.1:${this.portNumber}`;
  }

  /** The host, as /health names the issuer. */
  get host(): string {
    return `127.0.0.1:${this.portNumber}`;
  }

  hitsOf(path: string): number {
    return this.hits.get(path) ?? 0;
  }

  /** Listens on `port` (0: a free one). */
  async start(port = 0): Promise<void> {
    this.server = createServer((req, res) => {
      const path = (req.url ?? '').split('?')[0];
      this.hits.set(path, this.hitsOf(path) + 1);
      if (this.handler) this.handler(req, res);
      else res.writeHead(503).end();
    });
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    this.portNumber = (this.server.address() as AddressInfo).port;
    this.handler = this.provider().callback();
  }

  /** A new signing key: the provider is rebuilt with it (same issuer, same port), as after a rotation. */
  rotate(key: SigningKeyPair): void {
    this.key = key;
    this.handler = this.provider().callback();
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** An access token minted by the provider itself (client credentials, for RESOURCE). */
  async accessToken(scope = 'notes:read'): Promise<string> {
    const response = await fetch(`${this.issuer}/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${CLIENT.id}:${CLIENT.secret}`).toString('base64')}`,
      },
      body: new URLSearchParams({ grant_type: 'client_credentials', scope, resource: RESOURCE }).toString(),
    });
    const body = (await response.json()) as { access_token?: string };
    if (!response.ok || body.access_token === undefined)
      throw new Error(`token endpoint answered ${response.status}: ${JSON.stringify(body)}`);
    return body.access_token;
  }

  /**
   * A token that says it is this provider's (its iss, its audience, the kid it uses) but
   * is signed with `key`: what an attacker holding another issuer's key could make.
   */
  forged(key: KeyObject, claims: Record<string, unknown> = {}, typ = 'at+jwt'): string {
    const payload = { iss: this.issuer, aud: RESOURCE, sub: 'mallory', scope: 'notes:read', ...validFor(600), ...claims };
    return signedToken(payload, { alg: 'ES256', key, kid: this.key.kid, header: { typ } });
  }

  private provider(): Provider {
    const jwk = { ...this.key.privateKey.export({ format: 'jwk' }), kid: this.key.kid, alg: 'ES256', use: 'sig' };
    const provider = new Provider(this.issuer, {
      jwks: { keys: [jwk as never] },
      clients: [
        {
          client_id: CLIENT.id,
          client_secret: CLIENT.secret,
          grant_types: ['client_credentials'],
          redirect_uris: [],
          response_types: [],
          id_token_signed_response_alg: 'ES256',
        },
      ],
      scopes: SCOPES,
      ttl: { ClientCredentials: 600 },
      features: {
        devInteractions: { enabled: false },
        clientCredentials: { enabled: true },
        resourceIndicators: {
          enabled: true,
          defaultResource: () => RESOURCE,
          useGrantedResource: () => true,
          getResourceServerInfo: () => ({
            scope: SCOPES.join(' '),
            audience: RESOURCE,
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg: 'ES256' } },
          }),
        },
      },
    });
    return provider;
  }
}
