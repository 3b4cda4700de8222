import { Body, Controller, Injectable, Module, Post, type Type } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import {
  AuthFailure,
  ConfigurationError,
  CurrentSession,
  GatehouseAdminModule,
  GatehouseMetricsModule,
  GatehouseModule,
  InvalidRevocation,
  Public,
  Revocations,
  TokenVerifier,
  type GatehouseOptions,
  type Session,
} from '../src/index.js';
import { tokenOf } from './support/admin.js';
import { PLATFORMS, startHostApp, type Platform } from './support/host-app.js';
import { tempDir } from './support/server-process.js';
import { now } from './support/tokens.js';

// Revocation in a host app (docs/clusters.md "In your own app"): its own "sign out
// everywhere" through the injectable Revocations, revocation: false, a custom
// verifier's sessions, the admin module's own checks. Only the public entry is imported.

@Controller('account')
class AccountController {
  constructor(private readonly revocations: Revocations) {}

  @Post('sign-out-everywhere')
  signOut(@CurrentSession() session: Session) {
    return this.revocations.revoke({ sub: session.sub, before: now() });
  }

  @Public()
  @Post('revoke')
  async revoke(@Body() body: unknown) {
    try {
      return await this.revocations.revoke(body as never);
    } catch (error) {
      return { problems: error instanceof InvalidRevocation ? error.problems : String(error) };
    }
  }
}

@Module({ controllers: [AccountController] })
class AccountModule {}

describe.each(PLATFORMS)('revocation in a host app (%s)', (platform: Platform) => {
  async function appWith(options: GatehouseOptions, extra: Type[] = []) {
    const moduleRef = await Test.createTestingModule({
      imports: [GatehouseModule.forRoot(options), GatehouseMetricsModule.forRoot(), AccountModule, ...extra],
    }).compile();
    return startHostApp(moduleRef, platform);
  }

  it("the app's own sign-out-everywhere: the caller's tokens are refused from then on", async () => {
    const { app, url } = await appWith({ mode: 'insecure', revocation: { dataDir: tempDir() } });
    try {
      const token = tokenOf('alice');
      const res = await fetch(`${url}/account/sign-out-everywhere`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
      expect(res.status).toBe(201);
      expect(await res.json()).toMatchObject({ sub: 'alice', before: expect.any(Number) });
      const again = await fetch(`${url}/account/sign-out-everywhere`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
      expect(again.status).toBe(401);
      expect(await again.json()).toMatchObject({ reason: 'token_revoked' });
      // Bad requests through the service: every problem, in words.
      const bad = await fetch(`${url}/account/revoke`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"jti":"x"}',
      });
      expect(await bad.json()).toEqual({ problems: [expect.stringMatching(/^exp is required with jti/)] });
      const metrics = await (await fetch(`${url}/metrics`)).text();
      expect(metrics).toMatch(/^gatehouse_revocations_held 1$/m);
      expect(metrics).toMatch(/^gatehouse_revocations_stale 0$/m);
      expect(metrics).toMatch(/^gatehouse_auth_total\{transport="http",outcome="rejected",reason="token_revoked"\} 1$/m);
    } finally {
      await app.close();
    }
  });

  it('revocation: false: nothing is ever revoked, revoke() says revocation is off, the admin module refuses to start', async () => {
    const { app, url } = await appWith({ mode: 'insecure', revocation: false });
    try {
      const token = tokenOf('bob');
      const res = await fetch(`${url}/account/sign-out-everywhere`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
      // revoke() throws "revocation is off" (a 500 in this app, which does not catch it)...
      expect(res.status).toBe(500);
      // ...and the token still passes the guard: a 500 again, not a 401.
      expect(
        (await fetch(`${url}/account/sign-out-everywhere`, { method: 'POST', headers: { authorization: `Bearer ${token}` } })).status,
      ).toBe(500);
    } finally {
      await app.close();
    }
    await expect(
      appWith({ mode: 'insecure', revocation: false }, [GatehouseAdminModule.forRoot({ apiKey: 'k'.repeat(32) }) as never]),
    ).rejects.toThrow('GatehouseAdminModule needs revocation on: GatehouseModule has revocation: false');
  });

  it('a custom verifier: its sessions are revoked by sub, and by the jti and iat of their claims', async () => {
    @Injectable()
    class KeyVerifier extends TokenVerifier {
      verify(token: string): Session | AuthFailure {
        const [sub, jti] = token.split(':');
        if (!sub || !jti) return new AuthFailure('token_malformed', 'Invalid token');
        return { sub, expiresAt: null, claims: { sub, jti, iat: now() - 10 }, authMode: 'custom' };
      }
    }
    const { app, url } = await appWith({ verifier: KeyVerifier, revocation: { dataDir: tempDir() } });
    try {
      const revocations = app.get(Revocations);
      const call = (token: string) =>
        fetch(`${url}/account/sign-out-everywhere`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
      await revocations.revoke({ jti: 'k1', exp: now() + 60 });
      expect(await (await call('carol:k1')).json()).toMatchObject({ reason: 'token_revoked' });
      expect((await call('carol:k2')).status).toBe(201); // signs carol out everywhere, k2 included
      expect(await (await call('carol:k2')).json()).toMatchObject({ reason: 'token_revoked' });
      expect((await call('dave:k3')).status).toBe(201);
    } finally {
      await app.close();
    }
  });

  it('GatehouseAdminModule.forRoot refuses a key shorter than 32 characters', () => {
    expect(() => GatehouseAdminModule.forRoot({ apiKey: 'k'.repeat(31) })).toThrow(ConfigurationError);
    expect(() => GatehouseAdminModule.forRoot({ apiKey: 'k'.repeat(31) })).toThrow(/apiKey has to be at least 32 characters long/);
  });
});
