import request from 'supertest';
import { AuthEventsService } from '../src/lib/observability/auth-events.service.js';
import { startApp, type RunningApp } from './support/app.js';
import { now, unsignedToken } from './support/tokens.js';

/** The value of one sample line, e.g. `gatehouse_auth_total{...} 3`. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('GET /metrics', () => {
  let server: RunningApp;
  beforeAll(async () => {
    server = await startApp({ AUTH_MODE: 'insecure', AUTH_FAIL_LIMIT: '2', TRUST_PROXY: 'true' });
  });
  afterAll(() => server.app.close());

  const scrape = async () => {
    const res = await request(server.url).get('/metrics');
    expect(res.status).toBe(200);
    return res.text;
  };

  it('is public Prometheus text, with zero series for every reason from the start', async () => {
    const res = await request(server.url).get('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(res.text).toContain('# TYPE gatehouse_auth_total counter');
    expect(sample(res.text, 'gatehouse_auth_total{transport="http",outcome="rejected",reason="signature_invalid"}')).toBe(0);
    expect(sample(res.text, 'gatehouse_auth_total{transport="ws",outcome="rejected",reason="sub_mismatch"}')).toBe(0);
    expect(res.text).toContain('process_cpu_user_seconds_total');
  });

  it('counts outcomes by transport and reason, and times requests by route', async () => {
    const session = (token: string, ip = '198.51.100.1') =>
      request(server.url).get('/api/session').set('X-Forwarded-For', ip).set('Authorization', `Bearer ${token}`);
    await session(unsignedToken({ sub: 'alice' })).expect(200);
    await session(unsignedToken({ sub: 'alice' })).expect(200);
    await session(unsignedToken({ sub: 'bob', exp: now() - 600 })).expect(401);
    await request(server.url).get('/api/session').expect(401);
    await session('x.y', '198.51.100.2').expect(401);
    await session('x.y', '198.51.100.2').expect(401);
    await session('x.y', '198.51.100.2').expect(429);

    const text = await scrape();
    expect(sample(text, 'gatehouse_auth_total{transport="http",outcome="accepted",reason="none"}')).toBe(2);
    expect(sample(text, 'gatehouse_auth_total{transport="http",outcome="rejected",reason="token_expired"}')).toBe(1);
    expect(sample(text, 'gatehouse_auth_total{transport="http",outcome="rejected",reason="token_missing"}')).toBe(1);
    expect(sample(text, 'gatehouse_auth_total{transport="http",outcome="rejected",reason="token_malformed"}')).toBe(2);
    expect(sample(text, 'gatehouse_auth_total{transport="http",outcome="rate_limited",reason="rate_limited"}')).toBe(1);
    // Only 198.51.100.2: an expired token does not count against its address.
    expect(sample(text, 'gatehouse_auth_limiter_tracked_addresses')).toBe(1);
    expect(sample(text, 'gatehouse_http_request_duration_seconds_count{method="GET",route="/api/session",status_code="200"}')).toBe(2);
    expect(sample(text, 'gatehouse_http_request_duration_seconds_count{method="GET",route="/api/session",status_code="401"}')).toBe(4);
    expect(sample(text, 'gatehouse_http_request_duration_seconds_count{method="GET",route="/api/session",status_code="429"}')).toBe(1);
  });

  it('labels unknown paths as one route, so they cannot create series', async () => {
    await request(server.url).get('/a/b/c/1').set('X-Forwarded-For', '198.51.100.50');
    await request(server.url).get('/a/b/c/2').set('X-Forwarded-For', '198.51.100.51');
    const text = await scrape();
    expect(text).not.toContain('/a/b/c');
    expect(sample(text, 'gatehouse_http_request_duration_seconds_count{method="GET",route="unmatched",status_code="401"}')).toBe(2);
  });

  it('exposes what the WebSocket gateway reports through AuthEventsService', async () => {
    const events = server.app.get(AuthEventsService);
    events.socketOpened();
    events.socketOpened();
    events.sessionStarted();
    events.refreshed({ sub: 'alice' });
    events.expiryClosed({ sub: 'alice' });
    events.socketClosed(true);
    const text = await scrape();
    expect(sample(text, 'gatehouse_ws_open_sockets')).toBe(1);
    expect(sample(text, 'gatehouse_ws_authenticated_sessions')).toBe(0);
    expect(sample(text, 'gatehouse_ws_session_refreshes_total')).toBe(1);
    expect(sample(text, 'gatehouse_ws_expiry_closes_total')).toBe(1);
  });
});

describe('METRICS_ENABLED=false', () => {
  let server: RunningApp;
  beforeAll(async () => {
    server = await startApp({ AUTH_MODE: 'insecure', METRICS_ENABLED: 'false' });
  });
  afterAll(() => server.app.close());

  it('serves no /metrics: an unknown route like any other', async () => {
    expect((await request(server.url).get('/metrics')).status).toBe(401);
    const token = unsignedToken({ sub: 'alice' });
    expect((await request(server.url).get('/metrics').set('Authorization', `Bearer ${token}`)).status).toBe(404);
  });
});

describe('two apps in one process', () => {
  it('keep their own metrics', async () => {
    const a = await startApp({ AUTH_MODE: 'insecure' });
    const b = await startApp({ AUTH_MODE: 'insecure' });
    try {
      await request(a.url)
        .get('/api/session')
        .set('Authorization', `Bearer ${unsignedToken({ sub: 'x' })}`)
        .expect(200);
      const series = 'gatehouse_auth_total{transport="http",outcome="accepted",reason="none"}';
      expect(sample((await request(a.url).get('/metrics')).text, series)).toBe(1);
      expect(sample((await request(b.url).get('/metrics')).text, series)).toBe(0);
    } finally {
      await a.app.close();
      await b.app.close();
    }
  });
});
