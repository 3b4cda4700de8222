import { parseNamespace, placeAtPath, resolvePath } from './namespace.js';

describe('parseNamespace', () => {
  it('unset or empty is the payload itself', () => {
    expect(parseNamespace(undefined)).toEqual([]);
    expect(parseNamespace('')).toEqual([]);
  });
  it('a value not starting with / is one literal key', () => {
    expect(parseNamespace('https://electric-sql.com/jwt/claims')).toEqual(['https://electric-sql.com/jwt/claims']);
    expect(parseNamespace('claims')).toEqual(['claims']);
    expect(parseNamespace('a~b')).toEqual(['a~b']);
  });
  it('a value starting with / is an RFC 6901 pointer', () => {
    expect(parseNamespace('/app/claims')).toEqual(['app', 'claims']);
    expect(parseNamespace('/a~1b/c~0d')).toEqual(['a/b', 'c~d']);
    // ~01 is "~1" literally, not "/" (RFC 6901: ~1 first, then ~0).
    expect(parseNamespace('/~01')).toEqual(['~1']);
    expect(parseNamespace('/')).toEqual(['']);
  });
  it('refuses a ~ not followed by 0 or 1', () => {
    expect(parseNamespace('/a~2')).toBeInstanceOf(Error);
    expect(parseNamespace('/a~')).toBeInstanceOf(Error);
  });
});

describe('resolvePath', () => {
  it('walks own properties and array indexes', () => {
    expect(resolvePath({ a: { b: [10, { c: 'x' }] } }, ['a', 'b', '1', 'c'])).toBe('x');
    expect(resolvePath({ a: [1] }, ['a', '01'])).toBeUndefined();
    expect(resolvePath({ a: 'str' }, ['a', 'length'])).toBeUndefined();
  });
  it.each([['__proto__'], ['constructor'], ['toString'], ['hasOwnProperty']])('never reaches the prototype via %s', (key) => {
    expect(resolvePath({}, [key])).toBeUndefined();
    expect(resolvePath({ a: {} }, ['a', key])).toBeUndefined();
    expect(resolvePath([], [key])).toBeUndefined();
  });
  it('reads an own "__proto__" key from JSON as data', () => {
    const payload = JSON.parse('{"__proto__":{"sub":"x"}}') as unknown;
    expect(resolvePath(payload, ['__proto__'])).toEqual({ sub: 'x' });
  });
});

describe('placeAtPath', () => {
  it('puts claims at a nested path and merges into an existing object', () => {
    expect(placeAtPath({}, ['app', 'claims'], { sub: 'a' })).toEqual({ app: { claims: { sub: 'a' } } });
    expect(placeAtPath({ ns: { x: 1 } }, ['ns'], { sub: 'a' })).toEqual({ ns: { x: 1, sub: 'a' } });
    expect(placeAtPath({ exp: 1 }, [], { sub: 'a' })).toEqual({ exp: 1, sub: 'a' });
  });
  it('does not pollute Object.prototype', () => {
    placeAtPath({}, ['__proto__'], { polluted: true });
    placeAtPath({}, ['constructor', 'prototype'], { polluted: true });
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
  });
});

describe('placeAtPath then resolvePath', () => {
  it.each([['/__proto__'], ['constructor'], ['/constructor/prototype'], ['/app/claims'], ['https://electric-sql.com/jwt/claims']])(
    'a token minted for namespace %s is read back at that namespace',
    (ns) => {
      const path = parseNamespace(ns) as string[];
      const payload = JSON.parse(JSON.stringify(placeAtPath({ exp: 1 }, path, { sub: 'alice' }))) as unknown;
      expect(resolvePath(payload, path)).toEqual({ sub: 'alice' });
      expect(({} as { sub?: unknown }).sub).toBeUndefined();
    },
  );
});
