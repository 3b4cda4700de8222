import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Controller, Get, type INestApplication } from '@nestjs/common';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { CurrentSession, GatehouseModule, type GatehouseOptions, type Session } from '../index.js';
import { insecureOptions, insecureToken, testPayload, TestSigner } from './index.js';

// nestjs-gatehouse/testing as a host's e2e test uses it: a real app with GatehouseModule
// configured from the helpers, and the helpers' tokens sent to a guarded route.

@Controller()
class SessionController {
  @Get('session')
  session(@CurrentSession() session: Session): Session {
    return session;
  }
}

async function appWith(options: GatehouseOptions): Promise<INestApplication> {
  const moduleRef = await Test.createTestingModule({
    imports: [GatehouseModule.forRoot({ ...options, failureLimit: false, ws: false, revocation: false })],
    controllers: [SessionController],
  }).compile();
  const app = moduleRef.createNestApplication(new FastifyAdapter(), { logger: false });
  await app.init();
  await (app.getHttpAdapter().getInstance() as { ready(): Promise<void> }).ready();
  return app;
}

const get = (app: INestApplication, token: string) => request(app.getHttpServer()).get('/session').set('Authorization', `Bearer ${token}`);

describe('testPayload', () => {
  it('puts the times at the top level and the claims at the namespace', () => {
    const payload = testPayload({ sub: 'alice', claims: { role: 'admin' }, namespace: '/app/claims', expiresIn: 60, now: 1000 });
    expect(payload).toEqual({ iat: 1000, exp: 1060, app: { claims: { role: 'admin', sub: 'alice' } } });
    expect(testPayload({ sub: 'bob', expiresIn: null, notBefore: 30, jti: 'j1', now: 5 })).toEqual({
      iat: 5,
      nbf: 35,
      jti: 'j1',
      sub: 'bob',
    });
    expect(() => testPayload({ sub: 'x', namespace: '/a~2' })).toThrow(TypeError);
  });
});

describe('insecure mode', () => {
  let app: INestApplication;
  beforeAll(async () => (app = await appWith(insecureOptions({ namespace: 'https://example.com/claims' }))));
  afterAll(() => app.close());

  it('accepts an insecure token with claims in the namespace, and refuses an expired one', async () => {
    const token = insecureToken({ sub: 'alice', claims: { team: 'red' }, namespace: 'https://example.com/claims' });
    const res = await get(app, token);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ sub: 'alice', claims: { sub: 'alice', team: 'red' }, authMode: 'insecure' });
    const expired = await get(app, insecureToken({ sub: 'alice', namespace: 'https://example.com/claims', expiresIn: -600 }));
    expect(expired.status).toBe(401);
    expect(expired.body.reason).toBe('token_expired');
  });
});

describe.each(['HS256', 'HS512', 'RS256', 'PS256', 'ES256', 'ES512', 'EdDSA'] as const)('TestSigner %s', (algorithm) => {
  const signer = TestSigner.create(algorithm);
  let app: INestApplication;
  beforeAll(async () => (app = await appWith(signer.options({ issuer: 'https://issuer.test', audience: 'api' }))));
  afterAll(() => app.close());

  it('signs tokens the module accepts with its options, and not with another key', async () => {
    const claims = { issuer: 'https://issuer.test', audience: 'api' };
    const res = await get(app, signer.token({ sub: 'alice', claims: { role: 'admin' }, ...claims }));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ sub: 'alice', claims: { role: 'admin' }, authMode: 'secure' });
    expect((await get(app, signer.token({ sub: 'alice', expiresIn: -60, ...claims }))).body.reason).toBe('token_expired');
    expect((await get(app, signer.token({ sub: 'alice', notBefore: 600, ...claims }))).body.reason).toBe('token_not_yet_valid');
    expect((await get(app, TestSigner.create(algorithm).token({ sub: 'alice', ...claims }))).body.reason).toBe('signature_invalid');
  });
});

describe('TestSigner with a key set', () => {
  const signer = TestSigner.create('ES256');
  let server: Server;
  let app: INestApplication;
  beforeAll(async () => {
    server = createServer((_request, response) => response.setHeader('content-type', 'application/json').end(JSON.stringify(signer.jwks)));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    app = await appWith(signer.jwksOptions(`http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`));
  });
  afterAll(async () => {
    await app.close();
    server.close();
  });

  it('serves a JWKS the module fetches, and its tokens carry the kid', async () => {
    expect(signer.jwks.keys).toEqual([expect.objectContaining({ kty: 'EC', crv: 'P-256', kid: signer.kid, alg: 'ES256', use: 'sig' })]);
    expect(signer.jwks.keys[0]).not.toHaveProperty('d');
    expect((await get(app, signer.token({ sub: 'carol' }))).body).toMatchObject({ sub: 'carol' });
  });
});
