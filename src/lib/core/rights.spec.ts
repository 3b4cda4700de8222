import type { Session } from './session.js';
import { DEFAULT_RIGHTS_PATHS, channelAllowed, noteRights, parseClaimPath, readRights, rightsOf, type RightsPaths } from './rights.js';

const paths = (scopes?: string, roles?: string, channels?: string): RightsPaths => ({
  scopes: scopes === undefined ? undefined : (parseClaimPath(scopes, []) as string[]),
  roles: parseClaimPath(roles, ['roles']) as string[],
  channels: parseClaimPath(channels, ['channels']) as string[],
});

describe('readRights', () => {
  it('reads scope as a space-separated string (RFC 8693), else scp as a string or an array', () => {
    expect([...readRights({ scope: 'notes:read  notes:write' }, DEFAULT_RIGHTS_PATHS).scopes]).toEqual(['notes:read', 'notes:write']);
    expect([...readRights({ scp: 'a b' }, DEFAULT_RIGHTS_PATHS).scopes]).toEqual(['a', 'b']);
    expect([...readRights({ scp: ['a', 'b', 3] }, DEFAULT_RIGHTS_PATHS).scopes]).toEqual(['a', 'b']);
    // scope wins when it is a string; scp is the fallback only
    expect([...readRights({ scope: 'x', scp: ['y'] }, DEFAULT_RIGHTS_PATHS).scopes]).toEqual(['x']);
  });

  it('reads roles, channels and scopes where the options point, by JSON Pointer or top-level key', () => {
    const payload = {
      permissions: ['notes:read'],
      realm_access: { roles: ['admin', 'user'] },
      'https://example.com/channels': ['room:1', 'team:*'],
    };
    const rights = readRights(payload, paths('permissions', '/realm_access/roles', 'https://example.com/channels'));
    expect([...rights.scopes]).toEqual(['notes:read']);
    expect([...rights.roles]).toEqual(['admin', 'user']);
    expect(rights.channels).toEqual(['room:1', 'team:*']);
  });

  it('grants nothing for a claim of the wrong type, and never throws', () => {
    for (const value of [null, 42, true, { admin: true }, [null, {}, 1]]) {
      const rights = readRights({ roles: value, channels: value, scope: value, scp: value }, DEFAULT_RIGHTS_PATHS);
      expect(rights.roles.size).toBe(0);
      expect(rights.channels).toEqual([]);
      expect(rights.scopes.size).toBe(0);
    }
    // channel patterns must be a list: one string is not taken as a pattern
    expect(readRights({ channels: 'room:*' }, DEFAULT_RIGHTS_PATHS).channels).toEqual([]);
    expect(readRights(undefined, DEFAULT_RIGHTS_PATHS).scopes.size).toBe(0);
  });

  it('takes one string as a single role (Supabase puts `role` there)', () => {
    expect([...readRights({ role: 'authenticated' }, paths(undefined, 'role')).roles]).toEqual(['authenticated']);
  });

  it('never reads the prototype', () => {
    expect(readRights({}, paths('constructor', '__proto__', 'toString')).roles.size).toBe(0);
  });
});

describe('channelAllowed', () => {
  it('matches a name exactly, or a prefix before a trailing *', () => {
    expect(channelAllowed(['room:1'], 'room:1')).toBe(true);
    expect(channelAllowed(['room:1'], 'room:10')).toBe(false);
    expect(channelAllowed(['room:*'], 'room:10')).toBe(true);
    expect(channelAllowed(['room:*'], 'roo')).toBe(false);
    expect(channelAllowed(['*'], 'anything')).toBe(true);
    expect(channelAllowed([], 'room:1')).toBe(false);
  });
});

describe('rightsOf', () => {
  const session: Session = { sub: 'alice', expiresAt: null, claims: { roles: ['from-claims'] }, authMode: 'custom' };

  it("reads a custom verifier's session from its claims, and what a JWT verifier noted from the payload", () => {
    expect([...rightsOf(session, DEFAULT_RIGHTS_PATHS).roles]).toEqual(['from-claims']);
    const noted: Session = { ...session };
    noteRights(noted, { roles: ['from-payload'] }, DEFAULT_RIGHTS_PATHS);
    expect([...rightsOf(noted, DEFAULT_RIGHTS_PATHS).roles]).toEqual(['from-payload']);
  });
});
