// `Authorization: Bearer <token>`, the scheme case-insensitive (RFC 6750). Any other
// scheme, or an empty token, is the same as no token at all.
const BEARER = /^[ \t]*bearer[ \t]+(.*?)[ \t]*$/is;

export function bearerToken(header: string | string[] | undefined): string | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined) return undefined;
  const token = BEARER.exec(value)?.[1];
  return token === undefined || token === '' ? undefined : token;
}
