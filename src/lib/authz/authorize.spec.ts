import type { Session } from '../core/session.js';
import { authorize, FORBIDDEN, InsufficientScope, PolicyFailed } from './authorize.js';
import { Authorize, AuthorizeChannel, RequireRoles, RequireScopes } from '../auth/authorization.decorators.js';
import { requirementsOf, type Requirements } from './requirements.js';
import { DEFAULT_RIGHTS_PATHS, readRights } from '../core/rights.js';

const session: Session = { sub: 'alice', expiresAt: null, claims: {}, authMode: 'insecure' };
const rights = (payload: object) => readRights(payload, DEFAULT_RIGHTS_PATHS);
/** A method as Nest sees it: the function on the prototype (never called here). */
const handler = (type: abstract new (...args: never[]) => object, name: string) => (type.prototype as Record<string, object>)[name];
const none: Requirements = { scopes: [], roles: [], policies: [], channels: [] };

@RequireScopes('notes:read')
class Notes {
  list() {}
  @RequireScopes('notes:write') @RequireRoles('editor', 'admin') write() {}
  @Authorize((s: Session, input: { owner?: string }) => input.owner === s.sub) own() {}
  @AuthorizeChannel((data: { room: string }) => `room:${data.room}`) join() {}
}

describe('requirementsOf', () => {
  it("gathers the class's and the method's requirements together", () => {
    expect(requirementsOf(Notes, handler(Notes, 'list'))?.scopes).toEqual(['notes:read']);
    const write = requirementsOf(Notes, handler(Notes, 'write'))!;
    expect(write.scopes).toEqual(['notes:read', 'notes:write']);
    expect(write.roles).toEqual([['editor', 'admin']]);
  });

  it('reads a base class through a subclass, but a subclass decorator never reaches its base', () => {
    @RequireRoles('auditor')
    class Audited extends Notes {}
    expect(requirementsOf(Audited, handler(Notes, 'list'))?.roles).toEqual([['auditor']]);
    expect(requirementsOf(Notes, handler(Notes, 'list'))?.roles).toEqual([]);
  });

  it('is undefined for a route without requirements', () => {
    class Plain {
      get() {}
    }
    expect(requirementsOf(Plain, handler(Plain, 'get'))).toBeUndefined();
  });

  it('refuses empty or spaced names at decoration time', () => {
    expect(() => RequireScopes()).toThrow(/one or more names/);
    expect(() => RequireRoles('a b')).toThrow(/without spaces/);
  });
});

describe('authorize', () => {
  it('needs every scope, naming all the required ones when one is missing', () => {
    const write = requirementsOf(Notes, handler(Notes, 'write'))!;
    const refused = authorize(write, session, rights({ scope: 'notes:read', roles: ['admin'] }), {});
    expect(refused).toBeInstanceOf(InsufficientScope);
    expect((refused as InsufficientScope).requiredScopes).toEqual(['notes:read', 'notes:write']);
    expect(authorize(write, session, rights({ scope: 'notes:write notes:read', roles: ['admin'] }), {})).toBeUndefined();
  });

  it('needs any one role of each @RequireRoles', () => {
    const write = requirementsOf(Notes, handler(Notes, 'write'))!;
    expect(authorize(write, session, rights({ scope: 'notes:read notes:write', roles: ['viewer'] }), {})).toBe(FORBIDDEN);
    expect(authorize(write, session, rights({ scope: 'notes:read notes:write', roles: ['editor'] }), {})).toBeUndefined();
  });

  it('asks the policy with the session and the input', () => {
    const own = requirementsOf(Notes, handler(Notes, 'own'))!;
    const granted = rights({ scope: 'notes:read' });
    expect(authorize(own, session, granted, { owner: 'alice' })).toBeUndefined();
    expect(authorize(own, session, granted, { owner: 'bob' })).toBe(FORBIDDEN);
  });

  it('counts only a policy answer of true, and turns a throw or a rejection into auth_unavailable with its cause', async () => {
    const failure = new Error('database down');
    const of = (policy: (s: Session) => unknown): Requirements => ({ ...none, policies: [policy as () => boolean] });
    expect(
      authorize(
        of(() => 'yes'),
        session,
        rights({}),
        {},
      ),
    ).toBe(FORBIDDEN);
    const thrown = authorize(
      of(() => {
        throw failure;
      }),
      session,
      rights({}),
      {},
    );
    expect(thrown).toBeInstanceOf(PolicyFailed);
    expect((thrown as PolicyFailed).cause).toBe(failure);
    expect(
      (
        (await authorize(
          of(() => Promise.reject(failure)),
          session,
          rights({}),
          {},
        )) as PolicyFailed
      ).reason,
    ).toBe('auth_unavailable');
    expect(
      await authorize(
        of(() => Promise.resolve(true)),
        session,
        rights({}),
        {},
      ),
    ).toBeUndefined();
    expect(
      await authorize(
        of(() => Promise.resolve(false)),
        session,
        rights({}),
        {},
      ),
    ).toBe(FORBIDDEN);
  });

  it("lets a channel handler run only for a channel the token's patterns match", () => {
    const join = requirementsOf(Notes, handler(Notes, 'join'))!;
    const granted = rights({ scope: 'notes:read', channels: ['room:1', 'team:*'] });
    expect(authorize(join, session, granted, { room: '1' })).toBeUndefined();
    expect(authorize(join, session, granted, { room: '2' })).toBe(FORBIDDEN);
    // data the selector cannot read names no channel
    expect(authorize(join, session, granted, null)).toBe(FORBIDDEN);
  });
});
