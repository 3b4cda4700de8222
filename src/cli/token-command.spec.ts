import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jwt from 'jsonwebtoken';
import { generateEc, generateRsa } from '../../test/support/tokens.js';
import { runTokenCommand } from './token-command.js';

const NOW = 1_800_000_000;
const SECRET = 'k'.repeat(32);
// The CLI's tokens are read and verified by jsonwebtoken, a library independent of the
// signer under test (tests that need a token get it from test/support/tokens.ts).
const decode = (token: string) => jwt.decode(token.trim(), { complete: true })!;

describe('npm run -s token', () => {
  it('insecure mode: an unsigned token for --sub, 1 hour by default', () => {
    const result = runTokenCommand(['--sub', 'alice'], { AUTH_MODE: 'insecure' }, NOW);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout.endsWith('.\n')).toBe(true);
    expect(result.stdout.trim().split('\n')).toHaveLength(1);
    const { header, payload } = decode(result.stdout);
    expect(header.alg).toBe('none');
    expect(payload).toEqual({ sub: 'alice', iat: NOW, exp: NOW + 3600 });
  });

  it('secure HS256 mode: signed with the configured key, iss and aud included', () => {
    const env = { AUTH_JWT_ALG: 'HS256', AUTH_JWT_KEY: SECRET, AUTH_JWT_ISS: 'me', AUTH_JWT_AUD: 'you' };
    const result = runTokenCommand(['--sub', 'bob', '--exp', '2h'], env, NOW);
    expect(result.code).toBe(0);
    const payload = jwt.verify(result.stdout.trim(), SECRET, { algorithms: ['HS256'], clockTimestamp: NOW }) as jwt.JwtPayload;
    expect(payload).toMatchObject({ sub: 'bob', iss: 'me', aud: 'you', iat: NOW, exp: NOW + 7200 });
  });

  it('--claims are merged into the claims object at the namespace; --sub wins', () => {
    const env = { AUTH_MODE: 'insecure', AUTH_JWT_NAMESPACE: '/app/claims' };
    const result = runTokenCommand(['--sub', 'c', '--claims', '{"role":"admin","sub":"other"}'], env, NOW);
    expect(decode(result.stdout).payload).toEqual({ iat: NOW, exp: NOW + 3600, app: { claims: { role: 'admin', sub: 'c' } } });
    const literal = runTokenCommand(['--sub', 'c', '--namespace', 'https://x.dev/claims'], env, NOW);
    expect(decode(literal.stdout).payload).toMatchObject({ 'https://x.dev/claims': { sub: 'c' } });
  });

  it.each([
    ['30', 30],
    ['30m', 1800],
    ['2h', 7200],
    ['7d', 604800],
  ])('--exp %s', (value, seconds) => {
    const result = runTokenCommand(['--sub', 'a', '--exp', value], { AUTH_MODE: 'insecure' }, NOW);
    expect((decode(result.stdout).payload as jwt.JwtPayload).exp).toBe(NOW + seconds);
  });

  it('an expired token on request is printed, with a warning that the server would refuse it', () => {
    const result = runTokenCommand(['--sub', 'a', '--exp=-5m'], { AUTH_MODE: 'insecure' }, NOW);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/warning: the server as configured would refuse this token: token_expired/);
  });

  it('--exp none omits exp in insecure mode and is refused in secure mode', () => {
    expect(decode(runTokenCommand(['--sub', 'a', '--exp', 'none'], { AUTH_MODE: 'insecure' }, NOW).stdout).payload).toEqual({
      sub: 'a',
      iat: NOW,
    });
    expect(runTokenCommand(['--sub', 'a', '--exp', 'none'], { AUTH_JWT_ALG: 'HS256', AUTH_JWT_KEY: SECRET }, NOW).code).toBe(2);
  });

  it('asymmetric algorithms sign with --private-key, checked against the configured key', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-cli-'));
    const rsa = generateRsa();
    writeFileSync(join(dir, 'key.pem'), rsa.privatePem);
    const env = { AUTH_JWT_ALG: 'RS256', AUTH_JWT_KEY: rsa.publicPem };
    const result = runTokenCommand(['--sub', 'a', '--private-key', join(dir, 'key.pem'), '--kid', 'k1'], env, NOW);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(decode(result.stdout).header).toMatchObject({ alg: 'RS256', kid: 'k1' });
    expect(runTokenCommand(['--sub', 'a'], env, NOW)).toMatchObject({ code: 2, stderr: expect.stringMatching(/--private-key/) });
    writeFileSync(join(dir, 'ec.pem'), generateEc('P-256').privatePem);
    expect(runTokenCommand(['--sub', 'a', '--private-key', join(dir, 'ec.pem')], env, NOW)).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/does not fit AUTH_JWT_ALG=RS256/),
    });
    const other = generateRsa();
    writeFileSync(join(dir, 'other.pem'), other.privatePem);
    expect(runTokenCommand(['--sub', 'a', '--private-key', join(dir, 'other.pem')], env, NOW).stderr).toMatch(
      /would refuse this token: signature_invalid/,
    );
  });

  it.each([
    [[], /--sub is required/],
    [['--sub', '  '], /--sub is required/],
    [['--sub', 'a', '--exp', 'soon'], /--exp has invalid value: "soon"/],
    [['--sub', 'a', '--claims', '{nope'], /--claims is not valid JSON/],
    [['--sub', 'a', '--claims', '[1]'], /--claims must be a JSON object/],
    [['--sub', 'a', '--namespace', '/a~2'], /--namespace has invalid value/],
    [['--sub', 'a', '--colour', 'red'], /Unknown option '--colour'/],
    [['--sub', 'a', 'extra'], /Unexpected argument 'extra'/],
  ])('bad options %j: exit 2 with an error on stderr', (argv, message) => {
    const result = runTokenCommand(argv, { AUTH_MODE: 'insecure' }, NOW);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(message);
  });

  it('an invalid configuration is exit 2 with the configuration errors', () => {
    const result = runTokenCommand(['--sub', 'a'], { AUTH_MODE: 'sideways' }, NOW);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/AUTH_MODE has invalid value: "sideways"/);
  });

  it('--help prints the usage on stdout', () => {
    expect(runTokenCommand(['--help'], {}, NOW)).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(/^Usage: gatehouse token --sub .*\n\s+npm run -s token -- --sub/),
    });
  });
});
