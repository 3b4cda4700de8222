import { now, unsignedToken } from './tokens.js';

// The admin API of docs/protocol.md §11 as an operator's script calls it.

/** A key that passes the 32-character minimum. */
export const ADMIN_KEY = 'test-admin-key-7f3c9a1e5b2d4086aa19c3e7';

export interface AdminAnswer {
  readonly status: number;
  readonly body: any;
  readonly headers: Headers;
}

export async function admin(
  url: string,
  method: 'GET' | 'POST' | 'DELETE',
  path: string,
  body?: unknown,
  /** null: no Authorization header. */
  key: string | null = ADMIN_KEY,
): Promise<AdminAnswer> {
  const headers: Record<string, string> = {};
  if (key !== null) headers.authorization = `Bearer ${key}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const init: RequestInit = body === undefined ? { method, headers } : { method, headers, body: JSON.stringify(body) };
  const res = await fetch(`${url}${path}`, init);
  const text = await res.text();
  return { status: res.status, body: text === '' ? undefined : JSON.parse(text), headers: res.headers };
}

export const revoke = (url: string, body: unknown) => admin(url, 'POST', '/admin/revocations', body);

/** An unsigned token issued `age` seconds ago (a cut-off made now covers it), valid for an hour. */
export function tokenOf(sub: string, claims: Record<string, unknown> = {}, age = 10): string {
  return unsignedToken({ sub, iat: now() - age, exp: now() + 3600, ...claims });
}

/** The status and reason of GET /api/session with this token. */
export async function sessionStatus(url: string, token: string): Promise<{ status: number; reason?: string }> {
  const res = await fetch(`${url}/api/session`, { headers: { authorization: `Bearer ${token}` } });
  const body = (await res.json()) as { reason?: string };
  return { status: res.status, reason: body.reason };
}

/** Polls `check` until it is true or `ms` have passed; resolves the milliseconds it took (Infinity: never). */
export async function within(ms: number, check: () => Promise<boolean>): Promise<number> {
  const started = performance.now();
  while (performance.now() - started < ms) {
    if (await check()) return performance.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return (await check()) ? performance.now() - started : Number.POSITIVE_INFINITY;
}
