import request from 'supertest';
import { startApp, type RunningApp } from './support/app.js';
import { unsignedToken } from './support/tokens.js';

describe('smoke', () => {
  let running: RunningApp;
  beforeAll(async () => {
    running = await startApp({ AUTH_MODE: 'insecure' });
  });
  afterAll(() => running.app.close());

  it('answers a session', async () => {
    const res = await request(running.url).get('/api/session').set('Authorization', `Bearer ${unsignedToken({ sub: 'alice' })}`);
    expect(res.status).toBe(200);
    expect(res.body.sub).toBe('alice');
  });
});
