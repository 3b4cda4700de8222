import { Controller, Get, Module, Post } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { SubscribeMessage, WebSocketGateway } from '@nestjs/websockets';
import request from 'supertest';
import { GatehouseModule, GatehouseWsAdapter, RequireScopes } from '../src/index.js';
import { PLATFORMS, startHostApp, type HostApp } from './support/host-app.js';
import { eventually } from './support/jwks-server.js';
import { OidcProvider, RESOURCE, newSigningKey } from './support/oidc-provider.js';
import { connect } from './support/ws-client.js';

// Authorization (docs/protocol.md §15) with the access tokens of a real OpenID provider
// (oidc-provider's client credentials grant: RFC 9068 JWTs whose `scope` the provider
// wrote), found by discovery, on both HTTP platforms and a raw gateway.

@Controller('notes')
class NotesController {
  @RequireScopes('notes:read')
  @Get()
  list() {
    return { notes: [] };
  }

  @RequireScopes('notes:write')
  @Post()
  create() {
    return { created: true };
  }
}

@WebSocketGateway()
class NotesGateway {
  @RequireScopes('notes:write')
  @SubscribeMessage('write')
  write() {
    return { event: 'written', data: true };
  }
}

describe.each(PLATFORMS)('scopes from a real OpenID provider, on %s', (platform) => {
  const provider = new OidcProvider(newSigningKey('k1'));
  let host: HostApp;
  beforeAll(async () => {
    await provider.start();
    @Module({
      imports: [
        GatehouseModule.forRoot({
          mode: 'secure',
          oidcIssuer: provider.issuer,
          audience: RESOURCE,
          requireTyp: 'at+jwt',
          failureLimit: false,
        }),
      ],
      controllers: [NotesController],
      providers: [NotesGateway],
    })
    class HostModule {}
    const moduleRef = await Test.createTestingModule({ imports: [HostModule] }).compile();
    host = await startHostApp(moduleRef, platform, (app) => app.useWebSocketAdapter(new GatehouseWsAdapter(app)));
    const reader = await provider.accessToken('notes:read');
    // The keys come by discovery in the background: until then, 503.
    await eventually(async () => expect((await request(host.url).get('/notes').set('Authorization', `Bearer ${reader}`)).status).toBe(200));
  });
  afterAll(async () => {
    await host.app.close();
    await provider.stop();
  });

  it("allows what the provider's scope grants and refuses the rest with insufficient_scope", async () => {
    const reader = await provider.accessToken('notes:read');
    const writer = await provider.accessToken('notes:read notes:write');
    expect((await request(host.url).get('/notes').set('Authorization', `Bearer ${reader}`)).status).toBe(200);
    const refused = await request(host.url).post('/notes').set('Authorization', `Bearer ${reader}`).send({});
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ reason: 'insufficient_scope' });
    expect(refused.headers['www-authenticate']).toBe('Bearer realm="gatehouse", error="insufficient_scope", scope="notes:write"');
    expect((await request(host.url).post('/notes').set('Authorization', `Bearer ${writer}`).send({})).status).toBe(201);
  });

  it('judges gateway messages by the same scopes', async () => {
    const reader = await connect(host.port, await provider.accessToken('notes:read'));
    expect(await reader.next()).toMatchObject({ event: 'session' });
    reader.send({ event: 'write' });
    expect(await reader.next()).toMatchObject({ event: 'error', data: { reason: 'insufficient_scope', refused: 'write' } });
    await reader.close();
    const writer = await connect(host.port, await provider.accessToken('notes:write'));
    expect(await writer.next()).toMatchObject({ event: 'session' });
    writer.send({ event: 'write' });
    expect(await writer.next()).toEqual({ event: 'written', data: true });
    await writer.close();
  });
});
