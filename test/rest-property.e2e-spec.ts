import fc from 'fast-check';
import request from 'supertest';
import { TOKEN_REASONS } from '../src/lib/core/auth-failure.js';
import { startApp, type RunningApp } from './support/app.js';
import { rawGet } from './support/raw-http.js';
import { signedToken, validFor } from './support/tokens.js';

// Random and mutated tokens through the real REST stack: never a 5xx, always the
// contract's 401 with one of its reason codes (or 200 for a token that is still valid).
const SECRET = 'q'.repeat(32);
const b64 = (value: string) => Buffer.from(value).toString('base64url');
const printable = fc.string({ minLength: 1, maxLength: 200 }).filter((s) => /^[\x21-\x7e]+$/.test(s));
const structured = fc
  .tuple(fc.jsonValue({ maxDepth: 2 }), fc.jsonValue({ maxDepth: 2 }), fc.string({ maxLength: 20 }))
  .map(([h, p, s]) => `${b64(JSON.stringify(h))}.${b64(JSON.stringify(p))}.${b64(s)}`);

describe('REST with arbitrary tokens (secure HS256)', () => {
  let server: RunningApp;
  const valid = () => signedToken({ sub: 'alice', ...validFor() }, { alg: 'HS256', key: SECRET });
  beforeAll(async () => {
    server = await startApp({ AUTH_JWT_ALG: 'HS256', AUTH_JWT_KEY: SECRET });
  });
  afterAll(() => server.app.close());

  it('random and structured tokens: 401 with a reason code, never 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(printable, structured), async (token) => {
        const res = await request(server.url).get('/api/session').set('Authorization', `Bearer ${token}`);
        expect(res.status).toBe(401);
        expect(TOKEN_REASONS).toContain(res.body.reason);
      }),
      { numRuns: 300 },
    );
  });

  it('mutated valid tokens: 200 for the same user or 401 with a reason code', async () => {
    const token = valid();
    await fc.assert(
      fc.asyncProperty(fc.nat(token.length - 1), fc.constantFrom(...'Aa0-_.=+/%'.split('')), async (index, char) => {
        const mutated = token.slice(0, index) + char + token.slice(index + 1);
        const res = await request(server.url).get('/api/session').set('Authorization', `Bearer ${mutated}`);
        if (res.status === 200) expect(res.body.sub).toBe('alice');
        else {
          expect(res.status).toBe(401);
          expect(TOKEN_REASONS).toContain(res.body.reason);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('arbitrary bytes in the header never produce a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ unit: 'binary', maxLength: 120 }).filter((s) => !/[\r\n]/.test(s)),
        async (value) => {
          expect(await rawGet(server.port, '/api/session', value)).toBeLessThan(500);
        },
      ),
      { numRuns: 200 },
    );
    expect((await request(server.url).get('/health')).status).toBe(200);
  });
});
