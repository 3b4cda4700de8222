import request from 'supertest';
import { createApp } from '../src/create-app.js';
import { setEnv } from './support/app.js';

// Which routes answer without a token. A new route is guarded unless it says @Public();
// this snapshot makes every change to the public surface visible in review.
describe('the public surface', () => {
  it('every route, probed without a token', async () => {
    setEnv({ AUTH_MODE: 'insecure', METRICS_ENABLED: 'true' } as never);
    const app = await createApp({ logger: false });
    const routes: { method: string; url: string }[] = [];
    app.getHttpAdapter().getInstance().addHook('onRoute', (route) => {
      for (const method of [route.method].flat()) if (method !== 'HEAD') routes.push({ method, url: route.url });
    });
    await app.listen(0, '127.0.0.1');
    const url = await app.getUrl();
    const surface: string[] = [];
    for (const route of routes) {
      const path = route.url.replace(/:(\w+)/g, 'x');
      const res = await request(url)[route.method.toLowerCase() as 'get'](path);
      surface.push(`${route.method} ${route.url}: ${res.status === 401 ? 'token' : 'public'}`);
    }
    await app.close();
    expect(surface.sort()).toMatchInlineSnapshot(`
      [
        "GET /api/session: token",
        "GET /health: public",
      ]
    `);
  });
});
