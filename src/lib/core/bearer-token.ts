// `Authorization: Bearer <token>`, the scheme case-insensitive (RFC 6750), spaces and
// tabs around the scheme and the token ignored. Any other scheme, or an empty token, is
// the same as no token at all; of repeated headers the first counts.
//
// Plain index scanning rather than a regular expression: every character is looked at
// at most twice, so a 16 KB header of blanks costs what a short one does (a regex with
// a lazy group before trailing blanks took quadratic time on it), and nothing is
// allocated but the token itself.

const SPACE = 0x20;
const TAB = 0x09;
/** `bearer` in lowercase char codes; `code | 0x20` lowercases an ASCII letter (and only maps B/b to b). */
const SCHEME = [0x62, 0x65, 0x61, 0x72, 0x65, 0x72];

function isBlank(code: number): boolean {
  return code === SPACE || code === TAB;
}

function schemeAt(value: string, at: number): boolean {
  for (let i = 0; i < SCHEME.length; i++) {
    if ((value.charCodeAt(at + i) | 0x20) !== SCHEME[i]) return false;
  }
  return true;
}

export function bearerToken(header: string | string[] | undefined): string | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined) return undefined;
  let start = 0;
  while (start < value.length && isBlank(value.charCodeAt(start))) start++;
  if (!schemeAt(value, start)) return undefined; // NaN past the end never matches
  start += SCHEME.length;
  // At least one blank between the scheme and the token ("Bearerabc" is not a bearer token).
  if (!isBlank(value.charCodeAt(start))) return undefined;
  while (start < value.length && isBlank(value.charCodeAt(start))) start++;
  let end = value.length;
  while (end > start && isBlank(value.charCodeAt(end - 1))) end--;
  return end > start ? value.slice(start, end) : undefined;
}
