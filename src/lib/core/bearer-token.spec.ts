import { bearerToken } from './bearer-token.js';

describe('bearerToken', () => {
  it.each(['Bearer abc.def.ghi', 'bearer abc.def.ghi', 'BEARER abc.def.ghi', 'BeArEr abc.def.ghi', '  Bearer   abc.def.ghi  ', 'Bearer\tabc.def.ghi\t'])(
    '%j → the token',
    (header) => expect(bearerToken(header)).toBe('abc.def.ghi'),
  );
  it.each([undefined, '', ' ', 'Bearer', 'Bearer ', 'Bearer    ', 'Basic dXNlcjpwYXNz', 'Token abc', 'abc.def.ghi', 'Bearerabc.def.ghi', 'xBearer abc'])(
    '%j → undefined',
    (header) => expect(bearerToken(header)).toBeUndefined(),
  );
  it('takes the first of repeated headers', () => {
    expect(bearerToken(['Bearer one', 'Bearer two'])).toBe('one');
    expect(bearerToken([])).toBeUndefined();
  });
});
