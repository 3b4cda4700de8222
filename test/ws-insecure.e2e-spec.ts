import { startApp, type RunningApp } from './support/app.js';
import { now, unsignedToken } from './support/tokens.js';
import { connect, refusedUpgrade } from './support/ws-client.js';

describe('WebSocket, insecure mode', () => {
  let running: RunningApp;
  beforeAll(async () => {
    running = await startApp({ AUTH_MODE: 'insecure', WS_AUTH_TIMEOUT_MS: '300' });
  });
  afterAll(() => running.app.close());

  it('header auth: the first frame is the session', async () => {
    const client = await connect(running.port, unsignedToken({ sub: 'alice', exp: now() + 60 }));
    const frame = await client.next();
    expect(frame.event).toBe('session');
    expect(frame.data.sub).toBe('alice');
    client.send({ event: 'whoami' });
    const f = await client.next(); console.log(JSON.stringify(f)); expect(f.data.sub).toBe('alice');
    await client.close();
  });

  it('first frame auth', async () => {
    const client = await connect(running.port);
    client.auth(unsignedToken({ sub: 'bob' }));
    client.send({ event: 'whoami' });
    expect(await client.next()).toEqual({ event: 'session', data: { sub: 'bob', expiresAt: null, claims: { sub: 'bob' }, authMode: 'insecure' } });
    expect((await client.next()).data.sub).toBe('bob');
    await client.close();
  });

  it('401 on a bad header token', async () => {
    const res = await refusedUpgrade(running.port, { Authorization: 'Bearer nope' });
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ statusCode: 401, error: 'Unauthorized', reason: 'token_malformed', message: 'Invalid token' });
  });
});
