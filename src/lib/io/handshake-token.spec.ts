import { handshakeToken } from './handshake-token.js';

describe('handshakeToken', () => {
  const of = (auth: unknown, authorization?: string) =>
    handshakeToken({ auth, headers: authorization === undefined ? {} : { authorization } });

  it('reads auth.token, then an Authorization: Bearer header', () => {
    expect(of({ token: 'a.b.c' })).toBe('a.b.c');
    expect(of({}, 'Bearer h.e.d')).toBe('h.e.d');
    expect(of({}, 'bEaReR h.e.d')).toBe('h.e.d');
    expect(of({ token: 'a.b.c' }, 'Bearer h.e.d')).toBe('a.b.c');
  });

  it('anything else is no token', () => {
    for (const auth of [undefined, null, 'a.b.c', ['a.b.c'], { token: '' }, { token: 42 }, { token: null }, { jwt: 'a.b.c' }]) {
      expect(of(auth)).toBeUndefined();
    }
    expect(of({}, 'Basic dXNlcg==')).toBeUndefined();
    expect(of({}, 'Bearer ')).toBeUndefined();
  });
});
