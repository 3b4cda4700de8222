import { AuthFailure, MISSING_TOKEN } from '../core/auth-failure.js';
import { unauthorizedBody, wwwAuthenticate } from './refusal-replies.js';
import { validateToken } from '../core/validate-token.js';
import { securePolicy } from '../../../test/support/policies.js';
import { createSecretKey } from 'node:crypto';
import { signedTokenOfTexts } from '../../../test/support/tokens.js';

describe('wwwAuthenticate', () => {
  it('token_missing: only the realm', () => {
    expect(wwwAuthenticate(MISSING_TOKEN)).toBe('Bearer realm="gatehouse"');
  });
  it('others: error="invalid_token" and the message as error_description', () => {
    expect(wwwAuthenticate(new AuthFailure('token_expired', 'Expired token'))).toBe(
      'Bearer realm="gatehouse", error="invalid_token", error_description="Expired token"',
    );
    expect(wwwAuthenticate(new AuthFailure('sub_invalid', "Missing or invalid 'sub' claim"))).toBe(
      `Bearer realm="gatehouse", error="invalid_token", error_description="Missing or invalid 'sub' claim"`,
    );
  });

  const description = (header: string) => /error_description="(.*)"$/.exec(header)![1];
  it('a hostile claim value yields printable ASCII only, with no " inside the description', () => {
    const secret = 'k'.repeat(32);
    const hostile = 'evil"\\\r\nSet-Cookie: a=b\u0000é€😀';
    const token = signedTokenOfTexts('{"alg":"HS256"}', JSON.stringify({ iss: hostile, iat: 1, exp: 9e9, sub: 'a' }), {
      alg: 'HS256',
      key: secret,
    });
    const result = validateToken(token, securePolicy('HS256', createSecretKey(Buffer.from(secret)), { issuer: 'good' }), 100);
    expect(result).toMatchObject({ reason: 'claim_invalid' });
    const header = wwwAuthenticate(result as AuthFailure);
    expect(header).toMatch(/^[\x20-\x7e]*$/);
    expect(description(header)).not.toMatch(/["\\]/);
    expect(header.startsWith('Bearer realm="gatehouse", error="invalid_token", error_description="Invalid ')).toBe(true);
    // the body keeps the message intact
    expect(unauthorizedBody(result as AuthFailure)).toEqual({
      statusCode: 401,
      error: 'Unauthorized',
      reason: 'claim_invalid',
      message: `Invalid "iss" claim value: ${JSON.stringify(hostile)}`,
    });
  });
  it.each(['a"b', 'a\\b', 'a\r\nb', 'a\tb', 'ü', '\u007f'])('escapes %j', (text) => {
    const header = wwwAuthenticate(new AuthFailure('claim_invalid', text));
    expect(header).toMatch(/^[\x20-\x7e]*$/);
    expect(description(header)).not.toMatch(/["\\]/);
    expect(description(header)).not.toBe('');
  });
});
