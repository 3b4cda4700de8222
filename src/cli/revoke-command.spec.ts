import { runRevokeCommand } from './revoke-command.js';

// The revoke command's own checks, before any request is made (the requests
// themselves: test/revoke-cli.e2e-spec.ts).

const KEY = 'k'.repeat(40);
const unsigned = (payload: unknown) => `e30.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.`;

async function usage(args: string[], env: Record<string, string> = { ADMIN_API_KEY: KEY }) {
  const requests: string[] = [];
  const result = await runRevokeCommand(args, env, (async (url: string) => {
    requests.push(url);
    return new Response('{}', { status: 201 });
  }) as typeof fetch);
  return { ...result, requests };
}

describe('revoke command: usage', () => {
  it.each([
    [['--sub', 'a', '--jti', 'b'], /give one of --sub, --jti \(with --exp\) or --token/],
    [[], /give one of --sub, --jti \(with --exp\) or --token/],
    [['--jti', 'b'], /--jti needs --exp/],
    [['--sub', 'a', '--exp', '5'], /--exp goes with --jti/],
    [['--jti', 'a', '--exp', '5', '--before', '1'], /--before goes with --sub/],
    [['--jti', 'a', '--exp', 'tomorrow'], /--exp has invalid value: "tomorrow"/],
    [['--token', 'not-a-jwt'], /--token is not a JWT/],
    [['--token', unsigned({ sub: 'a', exp: 5 })], /--token has no jti/],
    [['--token', unsigned({ jti: 'a' })], /--token has no exp/],
    [['--sub', 'a', '--url', 'localhost:3000'], /--url has invalid value/],
    [['--sub', 'a', '--color'], /Unknown option '--color'/],
  ])('%j: exit 2, nothing sent', async (args, message) => {
    const result = await usage(args);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.requests).toEqual([]);
  });

  it('needs ADMIN_API_KEY', async () => {
    expect(await usage(['--sub', 'a'], {})).toMatchObject({ code: 2, stderr: expect.stringMatching(/ADMIN_API_KEY is not set/) });
  });

  it('posts to --url (default http://localhost:3000)', async () => {
    expect((await usage(['--sub', 'a'])).requests).toEqual(['http://localhost:3000/admin/revocations']);
    expect((await usage(['--sub', 'a', '--url', 'https://gate.example.com/'])).requests).toEqual([
      'https://gate.example.com/admin/revocations',
    ]);
  });

  it('--help', async () => {
    expect(await usage(['--help'])).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(/^Usage: gatehouse revoke --sub .*\n[^]*\n\s+npm run -s token -- revoke /),
    });
  });
});

describe('text from the server', () => {
  const answering = (status: number, body: string) => (async () => new Response(body, { status })) as unknown as typeof fetch;
  const env = { ADMIN_API_KEY: 'k'.repeat(40) };

  it('is printed without control characters, line separators or bidirectional overrides', async () => {
    const hostile = '{"id":"sub_x","sub":"alice\u001b[2J\u001b]0;pwned\u0007\r\nfake line\u2028\u202e"}';
    const ok = await runRevokeCommand(['--sub', 'alice'], env, answering(201, hostile));
    expect(ok.stdout).toBe('{"id":"sub_x","sub":"alice[2J]0;pwnedfake line"}\n');
    const refused = await runRevokeCommand(
      ['--sub', 'alice'],
      env,
      answering(400, JSON.stringify({ message: 'bad\u001b[31m red\u0085\nnext' })),
    );
    expect(refused.stderr).toBe('revoke: the server answered 400: bad[31m rednext\n');
    const notJson = await runRevokeCommand(['--sub', 'alice'], env, answering(500, 'oops\r\u001b[1A\u001b[2Kdone'));
    expect(notJson.stderr).toBe('revoke: the server answered 500: oops[1A[2Kdone\n');
  });
});
