import fc from 'fast-check';
import { bearerToken } from './bearer-token.js';

describe('bearerToken', () => {
  it.each([
    'Bearer abc.def.ghi',
    'bearer abc.def.ghi',
    'BEARER abc.def.ghi',
    'BeArEr abc.def.ghi',
    '  Bearer   abc.def.ghi  ',
    'Bearer\tabc.def.ghi\t',
  ])('%j → the token', (header) => expect(bearerToken(header)).toBe('abc.def.ghi'));
  it.each([
    undefined,
    '',
    ' ',
    'Bearer',
    'Bearer ',
    'Bearer    ',
    'Basic dXNlcjpwYXNz',
    'Token abc',
    'abc.def.ghi',
    'Bearerabc.def.ghi',
    'xBearer abc',
  ])('%j → undefined', (header) => expect(bearerToken(header)).toBeUndefined());
  it('takes the first of repeated headers', () => {
    expect(bearerToken(['Bearer one', 'Bearer two'])).toBe('one');
    expect(bearerToken([])).toBeUndefined();
  });
});

describe('bearerToken, against the regular expression it replaces', () => {
  // The old definition: right by construction, but quadratic on long runs of blanks.
  const reference = (value: string): string | undefined => {
    const token = /^[ \t]*bearer[ \t]+(.*?)[ \t]*$/is.exec(value)?.[1];
    return token === undefined || token === '' ? undefined : token;
  };

  it('agrees on every header made of blanks, scheme letters and token characters', () => {
    const chars = [' ', '\t', 'b', 'B', 'e', 'E', 'a', 'r', 'R', 'x', '.', '\n', 'é', 'ß'];
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...chars), { maxLength: 24 }), fc.boolean(), (parts, prefixed) => {
        const value = (prefixed ? 'Bearer' : '') + parts.join('');
        expect(bearerToken(value)).toBe(reference(value));
      }),
      { numRuns: 5000 },
    );
  });

  it('reads a 16 KB header of blanks in linear time', () => {
    const blanks = ' \t'.repeat(8000);
    expect(bearerToken(`Bearer a${blanks}b`)).toBe(`a${blanks}b`);
    expect(bearerToken(`${blanks}Bearer${blanks}`)).toBeUndefined();
    expect(bearerToken(`${blanks}bEaReR${blanks}tok${blanks}`)).toBe('tok');
  });
});
