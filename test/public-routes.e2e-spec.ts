import request from 'supertest';
import { createApp } from '../src/server/create-app.js';

// Which routes answer without a token. A new route is guarded unless it says @Public();
// this snapshot makes every change to the public surface visible in review.

/** Every GET route from Fastify's route tree (printRoutes draws it with ├── / └──). */
function routesOf(tree: string): string[] {
  const stack: string[] = [];
  const routes: string[] = [];
  for (const line of tree.split('\n')) {
    const match = /^((?:│   |    )*)[├└]── (.+?) \(([A-Z, ]+)\)$/.exec(line);
    if (!match) continue;
    const depth = match[1].length / 4;
    stack.length = depth;
    const path = (stack[depth - 1] ?? '') + match[2];
    stack[depth] = path;
    if (match[3].split(', ').includes('GET')) routes.push(path);
  }
  return routes;
}

describe('the public surface', () => {
  it('every GET route, probed without a token', async () => {
    const app = await createApp({ env: { AUTH_MODE: 'insecure', METRICS_ENABLED: 'true', API_DOCS_ENABLED: 'true' }, logger: false });
    await app.listen(0, '127.0.0.1');
    const url = await app.getUrl();
    const surface: string[] = [];
    for (const path of routesOf(app.getHttpAdapter().getInstance().printRoutes({ commonPrefix: false }))) {
      const res = await request(url).get(path.replace('*', 'anything'));
      surface.push(`GET ${path}: ${res.status === 401 ? 'token' : 'public'}`);
    }
    await app.close();
    expect(surface.sort()).toMatchInlineSnapshot(`
      [
        "GET /api/docs/*: token",
        "GET /api/docs/: public",
        "GET /api/docs/LICENSE: public",
        "GET /api/docs/docs/swagger-ui-init.js: public",
        "GET /api/docs/index.html: public",
        "GET /api/docs/json: public",
        "GET /api/docs/swagger-ui-init.js: public",
        "GET /api/docs: public",
        "GET /api/session: token",
        "GET /dev/client.js: public",
        "GET /dev/console.css: public",
        "GET /dev/console.js: public",
        "GET /dev/settings.json: public",
        "GET /dev: public",
        "GET /health/live: public",
        "GET /health/ready: public",
        "GET /health: public",
        "GET /metrics: public",
      ]
    `);
  });
});
