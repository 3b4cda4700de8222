import type { IncomingMessage } from 'node:http';
import { AUTH_UNAVAILABLE, AuthFailure, RateLimitedFailure } from '../core/auth-failure.js';
import type { Session } from '../core/session.js';
import { EXPIRED } from '../core/token-rules.js';
import type { TokenVerifier, VerifyResult } from '../core/token-verifier.js';
import { COUNTED, type FailureCount, type FailureLimit } from '../limits/failure-limit.js';
import type { AuthEventsService } from '../observability/auth-events.service.js';
import type { GatehouseSettings } from '../options/settings.js';
import type { Revocations } from '../revocation/revocations.service.js';
import { TOKEN_REVOKED } from '../revocation/revocations.service.js';
import { Authenticator, SUB_MISMATCH } from './authenticator.js';

// The one authentication path with fakes for what it depends on: a verifier, the
// failure limit, the revocations, the events. Every way a dependency fails must end
// in auth_unavailable, never in a throw or a rejection.

const session = (sub: string): Session => ({ sub, expiresAt: null, claims: { sub }, authMode: 'custom' });
const BAD = new AuthFailure('signature_invalid', 'Invalid token signature');

type Answer = VerifyResult | Promise<VerifyResult> | (() => never);

function setup({
  verify = session('alice') as Answer,
  count = (() => COUNTED) as () => FailureCount | Promise<FailureCount>,
  revoked = () => undefined as AuthFailure | undefined,
} = {}) {
  const calls: { event: string; args: unknown[] }[] = [];
  const record =
    (event: string) =>
    (...args: unknown[]) =>
      void calls.push({ event, args });
  const events = {
    accepted: record('accepted'),
    rejected: record('rejected'),
    rateLimited: record('rateLimited'),
    addressBlocked: record('addressBlocked'),
    trackedAddresses: record('trackedAddresses'),
    unavailable: record('unavailable'),
  } as unknown as AuthEventsService;
  const counted: string[] = [];
  const limiter = {
    limit: 3,
    windowMs: 60_000,
    enabled: true,
    trackedAddresses: undefined,
    countFailure: (address: string) => {
      counted.push(address);
      return count();
    },
  } as unknown as FailureLimit;
  const verifier: TokenVerifier = { verify: () => (typeof verify === 'function' ? verify() : verify) };
  const revocations = { check: revoked } as unknown as Revocations;
  const settings = { trustProxy: false, auth: { mode: 'insecure' } } as unknown as GatehouseSettings;
  const authenticator = new Authenticator(verifier, limiter, revocations, events, settings);
  return { authenticator, calls, counted };
}

const unavailableCalls = (calls: { event: string; args: unknown[] }[]) => calls.filter((call) => call.event === 'unavailable');

describe('Authenticator', () => {
  it('a synchronous verifier answers in this turn: the session, logged as accepted', () => {
    const { authenticator, calls } = setup();
    expect(authenticator.authenticate('http', 't', '10.0.0.1')).toEqual(session('alice'));
    expect(calls).toEqual([{ event: 'accepted', args: ['http', '10.0.0.1', 'alice'] }]);
  });

  it('no token: token_missing, not counted', () => {
    const { authenticator, counted } = setup();
    expect(authenticator.authenticate('http', undefined, '10.0.0.1')).toMatchObject({ reason: 'token_missing' });
    expect(counted).toEqual([]);
  });

  it('a failure is counted against the address; token_expired and token_revoked are not', () => {
    const { authenticator, counted } = setup({ verify: BAD });
    expect(authenticator.authenticate('ws', 't', 'a')).toBe(BAD);
    expect(counted).toEqual(['a']);
    const expired = setup({ verify: EXPIRED });
    expect(expired.authenticator.authenticate('ws', 't', 'a')).toBe(EXPIRED);
    expect(expired.counted).toEqual([]);
    const revoked = setup({ revoked: () => TOKEN_REVOKED });
    expect(revoked.authenticator.authenticate('ws', 't', 'a')).toBe(TOKEN_REVOKED);
    expect(revoked.counted).toEqual([]);
  });

  it('over the limit a failure becomes rate_limited, but a valid token still passes', () => {
    const blocked = () => ({ retryAfterSeconds: 7, blocked: false });
    const failing = setup({ verify: BAD, count: blocked });
    const outcome = failing.authenticator.authenticate('http', 't', 'a');
    expect(outcome).toBeInstanceOf(RateLimitedFailure);
    expect((outcome as RateLimitedFailure).retryAfterSeconds).toBe(7);
    expect(setup({ count: blocked }).authenticator.authenticate('http', 't', 'a')).toEqual(session('alice'));
  });

  it('a refresh with another sub is sub_mismatch', () => {
    const { authenticator } = setup({ verify: session('mallory') });
    expect(authenticator.authenticate('ws', 't', 'a', 'alice')).toBe(SUB_MISMATCH);
  });

  describe('a dependency that fails: auth_unavailable, logged once with its cause, never counted', () => {
    it('a verifier that throws', () => {
      const cause = new Error('verifier down');
      const { authenticator, calls, counted } = setup({
        verify: () => {
          throw cause;
        },
      });
      expect(authenticator.authenticate('http', 't', 'a')).toBe(AUTH_UNAVAILABLE);
      expect(unavailableCalls(calls)).toEqual([{ event: 'unavailable', args: ['http', 'verifier', cause, { address: 'a' }] }]);
      expect(counted).toEqual([]);
      expect(calls.some((call) => call.event === 'rejected')).toBe(false);
    });

    it('a verifier that rejects: the promise resolves (never rejects) with auth_unavailable', async () => {
      const { authenticator, calls } = setup({ verify: Promise.reject(new Error('timeout')) });
      const outcome = authenticator.authenticate('ws', 't', 'a');
      expect(outcome).toBeInstanceOf(Promise);
      await expect(outcome).resolves.toBe(AUTH_UNAVAILABLE);
      expect(unavailableCalls(calls)).toHaveLength(1);
    });

    it('the revocation check that throws', () => {
      const { authenticator, calls } = setup({
        revoked: () => {
          throw new Error('list corrupt');
        },
      });
      expect(authenticator.authenticate('ws', 't', 'a')).toBe(AUTH_UNAVAILABLE);
      expect(unavailableCalls(calls)[0].args.slice(0, 2)).toEqual(['ws', 'revocations']);
      expect(calls.some((call) => call.event === 'accepted')).toBe(false);
    });

    it('the failure limit that throws or rejects', async () => {
      const throwing = setup({
        verify: BAD,
        count: () => {
          throw new Error('redis gone');
        },
      });
      expect(throwing.authenticator.authenticate('http', 't', 'a')).toBe(AUTH_UNAVAILABLE);
      expect(unavailableCalls(throwing.calls)[0].args.slice(0, 2)).toEqual(['http', 'failure limit']);
      const rejecting = setup({ verify: BAD, count: () => Promise.reject(new Error('redis gone')) });
      await expect(rejecting.authenticator.authenticate('http', 't', 'a')).resolves.toBe(AUTH_UNAVAILABLE);
    });
  });

  it('REST requests are read from their Authorization header and client address', () => {
    const { authenticator, calls } = setup();
    const raw = { socket: { remoteAddress: '192.0.2.7' }, headers: {} } as unknown as IncomingMessage;
    expect(authenticator.authenticateRequest({ headers: { authorization: 'Bearer abc' }, raw })).toEqual(session('alice'));
    expect(calls[0].args[1]).toBe('192.0.2.7');
  });
});
