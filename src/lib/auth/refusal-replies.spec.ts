import { AuthFailure, MISSING_TOKEN } from '../core/auth-failure.js';
import { httpRefusal, unauthorizedBody, wwwAuthenticate } from './refusal-replies.js';
import { FORBIDDEN } from '../authz/authorize.js';
import { InsufficientScope } from '../core/auth-failure.js';
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

describe('httpRefusal: authorization (docs/protocol.md §15)', () => {
  it('insufficient_scope: 403 and the RFC 6750 challenge with every required scope', () => {
    const refusal = httpRefusal(new InsufficientScope(['notes:read', 'notes:write']));
    expect(refusal.status).toBe(403);
    expect(refusal.body).toEqual({
      statusCode: 403,
      error: 'Forbidden',
      reason: 'insufficient_scope',
      message: 'Token lacks the required scope',
    });
    expect(refusal.headers).toEqual({
      'WWW-Authenticate': 'Bearer realm="gatehouse", error="insufficient_scope", scope="notes:read notes:write"',
    });
  });

  it('forbidden: 403 without a challenge (a token cannot fix a missing role)', () => {
    const refusal = httpRefusal(FORBIDDEN);
    expect(refusal).toEqual({
      status: 403,
      headers: {},
      body: { statusCode: 403, error: 'Forbidden', reason: 'forbidden', message: 'Not allowed' },
    });
  });

  it('a scope name cannot break the header', () => {
    const header = httpRefusal(new InsufficientScope(['a"b\\c\u00e9'])).headers['WWW-Authenticate'];
    expect(header).toBe('Bearer realm="gatehouse", error="insufficient_scope", scope="a?b?c?"');
  });
});
