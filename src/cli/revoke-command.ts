import { decodeJsonSegment } from '../lib/core/token-rules.js';
import type { Environment } from '../lib/options/options-from-env.js';
import { UsageError, parseOptions } from './usage.js';
import type { CommandResult } from './token-command.js';

// `gatehouse revoke --sub alice` (`npm run -s token -- revoke --sub alice` in the
// repository): asks a running server's admin API (docs/protocol.md §11) to revoke, with
// the key from ADMIN_API_KEY. Prints the stored entry as JSON.

export const REVOKE_USAGE = `Usage: gatehouse revoke --sub <user id> [--before <seconds>]
       gatehouse revoke --jti <id> --exp <seconds>
       gatehouse revoke --token <jwt>                    (its jti and exp, read from it)
       npm run -s token -- revoke ...                    (in the Gatehouse repository)

Revokes through the admin API of a running server; the key comes from ADMIN_API_KEY
(the environment, or .env). Prints the stored entry.

Options:
  --sub <id>          every token of this user issued before --before (default: now)
  --before <seconds>  the cut-off, seconds since the epoch
  --jti <id>          one token, by its jti ...
  --exp <seconds>     ... until its exp (seconds since the epoch)
  --token <jwt>       one token, given whole (it is not verified, only read)
  --url <url>         the server (default http://localhost:3000)
  -h, --help          this text

Exit status: 0 revoked, 1 refused by the server or unreachable, 2 usage error.
`;

type Fetch = typeof fetch;

export async function runRevokeCommand(argv: readonly string[], env: Environment, fetchImpl: Fetch = fetch): Promise<CommandResult> {
  let request: { url: string; key: string; body: Record<string, unknown> };
  try {
    const parsed = parseRevokeArgs(argv, env);
    if (parsed === 'help') return { code: 0, stdout: REVOKE_USAGE, stderr: '' };
    request = parsed;
  } catch (error) {
    if (error instanceof UsageError) return { code: 2, stdout: '', stderr: `revoke: ${error.message}\n` };
    throw error;
  }
  let res: Response;
  try {
    res = await fetchImpl(`${request.url}/admin/revocations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${request.key}`, 'content-type': 'application/json' },
      body: JSON.stringify(request.body),
      signal: AbortSignal.timeout(10_000),
    });
  } catch (error) {
    return { code: 1, stdout: '', stderr: `revoke: cannot reach ${request.url}: ${(error as Error).message}\n` };
  }
  const text = await res.text();
  if (res.status === 201) return { code: 0, stdout: `${printable(text)}\n`, stderr: '' };
  return { code: 1, stdout: '', stderr: `revoke: the server answered ${res.status}: ${printable(explain(res.status, text))}\n` };
}

/**
 * Text a server sent, made safe for a terminal: control characters (C0, DEL, C1: escape
 * sequences, carriage returns, line breaks), the Unicode line separators and the
 * bidirectional overrides are dropped, so a hostile or broken server cannot move the
 * cursor, rewrite what was printed before or fake a line of its own.
 */
export function printable(text: string): string {
  let out = '';
  for (const char of text) if (!unprintable(char.codePointAt(0)!)) out += char;
  return out;
}

function unprintable(code: number): boolean {
  return (
    code <= 0x1f ||
    (code >= 0x7f && code <= 0x9f) ||
    code === 0x2028 ||
    code === 0x2029 ||
    (code >= 0x202a && code <= 0x202e) ||
    (code >= 0x2066 && code <= 0x2069)
  );
}

function explain(status: number, text: string): string {
  if (status === 401) return "the admin key was refused (is ADMIN_API_KEY the server's?)";
  if (status === 404) return 'no admin API there (is ADMIN_API_KEY set on the server?)';
  try {
    const body = JSON.parse(text) as { message?: unknown };
    if (typeof body.message === 'string') return body.message;
  } catch {
    // not JSON: shown as it is
  }
  return text.slice(0, 500);
}

function parseRevokeArgs(argv: readonly string[], env: Environment): { url: string; key: string; body: Record<string, unknown> } | 'help' {
  const values = parseOptions(
    argv,
    {
      sub: { type: 'string' },
      before: { type: 'string' },
      jti: { type: 'string' },
      exp: { type: 'string' },
      token: { type: 'string' },
      url: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    REVOKE_USAGE,
  );
  if (values.help) return 'help';
  const url = (values.url ?? 'http://localhost:3000').replace(/\/+$/, '');
  if (!/^https?:\/\/[^\s]+$/.test(url))
    throw new UsageError(`--url has invalid value: ${JSON.stringify(values.url)}. Use http(s)://host:port`);
  const key = env.ADMIN_API_KEY?.trim();
  if (!key) throw new UsageError("ADMIN_API_KEY is not set: put the server's admin key in the environment or .env");

  const ways = [values.sub, values.jti, values.token].filter((value) => value !== undefined).length;
  if (ways !== 1) throw new UsageError(`give one of --sub, --jti (with --exp) or --token\n\n${REVOKE_USAGE}`);
  if (values.sub !== undefined) {
    if (values.exp !== undefined) throw new UsageError('--exp goes with --jti; with --sub, give --before (or nothing: now)');
    return { url, key, body: { sub: values.sub, ...(values.before !== undefined ? { before: seconds('--before', values.before) } : {}) } };
  }
  if (values.before !== undefined) throw new UsageError('--before goes with --sub');
  if (values.jti !== undefined) {
    if (values.exp === undefined)
      throw new UsageError("--jti needs --exp: the token's exp, so that the entry is dropped once the token has expired");
    return { url, key, body: { jti: values.jti, exp: seconds('--exp', values.exp) } };
  }
  if (values.exp !== undefined) throw new UsageError('--exp goes with --jti; with --token, the exp is read from the token');
  return { url, key, body: jtiAndExpOf(values.token!) };
}

function seconds(name: string, value: string): number {
  if (!/^\d+(\.\d+)?$/.test(value.trim()))
    throw new UsageError(`${name} has invalid value: ${JSON.stringify(value)}. Use seconds since the epoch`);
  return Number(value);
}

/** The jti and exp of a token, read (not verified: the server decides nothing from them but what to revoke). */
function jtiAndExpOf(token: string): { jti: string; exp: number } {
  const payload = decodeJsonSegment(token.trim().split('.')[1] ?? '');
  if (payload === undefined) throw new UsageError('--token is not a JWT: its payload could not be read');
  if (typeof payload.jti !== 'string' || payload.jti === '') {
    throw new UsageError('--token has no jti, so it cannot be revoked alone: revoke its user with --sub instead');
  }
  if (typeof payload.exp !== 'number') throw new UsageError('--token has no exp: revoke its user with --sub instead');
  return { jti: payload.jti, exp: payload.exp };
}
