import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ALGORITHMS } from '../src/lib/core/algorithms.js';
import { runServer, startServer, tempDir } from './support/server-process.js';
import { generateEc } from './support/tokens.js';

// Contract sections 1 and 2 as an operator meets them: `node dist/main.js` with a bad
// setting prints every problem, one line each, naming its variable, and exits 1.
const insecureHint = 'is not valid in Insecure auth mode. Did you forget to set AUTH_MODE=secure?';

async function refuses(env: Record<string, string>, lines: string[]) {
  const result = await runServer(env);
  expect(result.code).toBe(1);
  expect(result.stdout).toBe('');
  expect(result.stderr).toBe(`${lines.join('\n')}\n`);
}

describe('startup configuration errors', () => {
  it('secure mode (the default) without algorithm and key', async () => {
    await refuses({}, ['AUTH_JWT_ALG not set', 'AUTH_JWT_KEY not set']);
  });

  it('an unknown AUTH_MODE, without the misleading lines of a mode nobody chose', async () => {
    await refuses({ AUTH_MODE: 'foo', AUTH_JWT_CLOCK_TOLERANCE: 'x' }, [
      'AUTH_MODE has invalid value: "foo". Must be one of ["secure", "insecure"]',
      'AUTH_JWT_CLOCK_TOLERANCE has invalid value: "x". Must be a whole number from 0 to 300',
    ]);
  });

  it('an unknown algorithm lists the known ones', async () => {
    await refuses({ AUTH_JWT_ALG: 'XS256', AUTH_JWT_KEY: 'k'.repeat(40) }, [
      `AUTH_JWT_ALG has invalid value: "XS256". Must be one of [${ALGORITHMS.map((a) => `"${a}"`).join(', ')}]`,
    ]);
  });

  it('HS* secrets shorter than the hash, measured after base64 decoding', async () => {
    await refuses({ AUTH_JWT_ALG: 'HS256', AUTH_JWT_KEY: 'x'.repeat(31) }, ['AUTH_JWT_KEY has to be at least 32 bytes long for HS256']);
    await refuses({ AUTH_JWT_ALG: 'HS512', AUTH_JWT_KEY: Buffer.alloc(48, 7).toString('base64'), AUTH_JWT_KEY_IS_BASE64_ENCODED: 'true' }, [
      'AUTH_JWT_KEY has to be at least 64 bytes long for HS512',
    ]);
  });

  it('a key that is not base64', async () => {
    await refuses({ AUTH_JWT_ALG: 'HS256', AUTH_JWT_KEY: 'not base64 at all!', AUTH_JWT_KEY_IS_BASE64_ENCODED: 'true' }, [
      'AUTH_JWT_KEY has invalid base64 encoding',
    ]);
  });

  it('a PEM key that does not fit the algorithm', async () => {
    const result = await runServer({ AUTH_JWT_ALG: 'RS256', AUTH_JWT_KEY: generateEc('P-256').publicPem });
    expect(result.code).toBe(1);
    const lines = result.stderr.trimEnd().split('\n');
    expect(lines).toEqual([
      'AUTH_JWT_KEY is not a valid key for AUTH_JWT_ALG=RS256',
      expect.stringMatching(/^AUTH_JWT_KEY .*RSA public key of at least 2048 bits.*EC key on curve P-256/),
    ]);
  });

  it('secure-only options in insecure mode, all reported together with other errors', async () => {
    await refuses({ AUTH_MODE: 'insecure', AUTH_JWT_ALG: 'HS256', AUTH_JWT_ISS: 'me', AUTH_JWT_CLOCK_TOLERANCE: '301', PORT: 'http' }, [
      'AUTH_JWT_CLOCK_TOLERANCE has invalid value: "301". Must be a whole number from 0 to 300',
      `AUTH_JWT_ALG ${insecureHint}`,
      `AUTH_JWT_ISS ${insecureHint}`,
      'PORT has invalid value: "http". Must be a whole number from 0 to 65535',
    ]);
  });

  it('insecure mode refuses NODE_ENV=production unless explicitly allowed', async () => {
    const result = await runServer({ AUTH_MODE: 'insecure', NODE_ENV: 'production' });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/AUTH_MODE/);
    expect(result.stderr).toMatch(/AUTH_INSECURE_ALLOW_IN_PRODUCTION/);
    const server = await startServer({ AUTH_MODE: 'insecure', NODE_ENV: 'production', AUTH_INSECURE_ALLOW_IN_PRODUCTION: 'true' });
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
  });

  it.each(['Production', ' prod ', 'PROD', '\tproduction\n'])(
    'insecure mode refuses NODE_ENV=%j too: case and surrounding blanks do not matter',
    async (nodeEnv) => {
      const result = await runServer({ AUTH_MODE: 'insecure', NODE_ENV: nodeEnv });
      expect(result.code).toBe(1);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(/AUTH_MODE/);
      expect(result.stderr).toMatch(/AUTH_INSECURE_ALLOW_IN_PRODUCTION/);
    },
  );

  it('insecure mode starts under other NODE_ENV values that only look alike', async () => {
    const server = await startServer({ AUTH_MODE: 'insecure', NODE_ENV: 'preproduction' });
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
  });

  it('never prints a stack trace', async () => {
    const result = await runServer({ AUTH_JWT_ALG: 'ES256', AUTH_JWT_KEY: '-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----' });
    expect(result.code).toBe(1);
    expect(result.stderr).not.toMatch(/^\s+at /m);
    expect(result.stderr.split('\n')[0]).toBe('AUTH_JWT_KEY is not a valid key for AUTH_JWT_ALG=ES256');
  });
});

describe('starting and stopping', () => {
  it('reads .env from the working directory; the real environment wins', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, '.env'), 'AUTH_MODE=insecure\nAUTH_JWT_CLOCK_TOLERANCE=5\n');
    const server = await startServer({}, dir);
    const health = await (await fetch(`${server.url}/health`)).json();
    expect(health.authMode).toBe('insecure');
    expect(server.output()).toMatch(/insecure.*not verified/i);
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);

    const overridden = await runServer({ AUTH_MODE: 'secure' }, dir);
    expect(overridden.code).toBe(1);
    expect(overridden.stderr).toBe('AUTH_JWT_ALG not set\nAUTH_JWT_KEY not set\n');
  });

  it('exits 0 on SIGINT', async () => {
    const server = await startServer({ AUTH_MODE: 'insecure' });
    server.child.kill('SIGINT');
    expect(await server.exited).toBe(0);
  });
});
