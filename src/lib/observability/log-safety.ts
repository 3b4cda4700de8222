// What a log line may carry of client input: no token from a URL's query string, and no
// character that some reader takes for the end of a line (a forged or split record).
// Plain scanning and single-character classes only: linear in the input, and nothing
// allocated when there is nothing to change.

/** Query parameters that carry tokens (RFC 6750, OAuth 2.0, OpenID Connect, common usage). */
const TOKEN_PARAMETERS: readonly string[] = ['token', 'access_token', 'id_token', 'jwt', 'refresh_token'];
/** Longer names are not one of them, even percent-encoded (`%72%65...` is 3 characters a letter). */
const MAX_NAME_LENGTH = 3 * 'refresh_token'.length;
const REDACTED = '[Redacted]';

/**
 * The URL with the value of every token-carrying query parameter replaced by
 * `[Redacted]`; names compared without regard to case, percent-encoding decoded. A URL
 * without a query string is returned as it is, after one indexOf.
 */
export function redactUrl(url: string): string {
  const query = url.indexOf('?');
  if (query === -1) return url;
  let redacted = '';
  let copied = 0; // url[0, copied) is in `redacted` already
  let equals = query; // the next '=' at or after `start` (url.length: none), found once per '='
  for (let start = query + 1; start < url.length;) {
    let end = url.indexOf('&', start);
    if (end === -1) end = url.length;
    if (equals < start) {
      equals = url.indexOf('=', start);
      if (equals === -1) equals = url.length;
    }
    // A value to hide: name=value with a non-empty value, the name one of the above.
    if (equals < end - 1 && isTokenParameter(url, start, equals)) {
      redacted += url.slice(copied, equals + 1) + REDACTED;
      copied = end;
    }
    start = end + 1;
  }
  return copied === 0 ? url : redacted + url.slice(copied);
}

/** Whether url[start, end) names a token parameter; allocates only for a percent-encoded name. */
function isTokenParameter(url: string, start: number, end: number): boolean {
  const length = end - start;
  if (length > MAX_NAME_LENGTH || length < 3) return false;
  for (const name of TOKEN_PARAMETERS) {
    if (name.length === length && equalsIgnoringCase(url, start, name)) return true;
  }
  for (let i = start; i < end; i++) {
    if (url.charCodeAt(i) === 0x25) return isEncodedTokenParameter(url.slice(start, end));
  }
  return false;
}

/** url[start, start + name.length) equals `name` (lowercase), ASCII letters compared without case. */
function equalsIgnoringCase(url: string, start: number, name: string): boolean {
  for (let i = 0; i < name.length; i++) {
    let code = url.charCodeAt(start + i);
    if (code >= 0x41 && code <= 0x5a) code |= 0x20;
    if (code !== name.charCodeAt(i)) return false;
  }
  return true;
}

function isEncodedTokenParameter(encoded: string): boolean {
  try {
    return TOKEN_PARAMETERS.includes(decodeURIComponent(encoded).toLowerCase());
  } catch {
    return false; // not valid percent-encoding: no server would read it as a name either
  }
}

const LINE_BREAK = /[\n\r\u0085\u2028\u2029]/;
const LINE_BREAKS = /[\n\r\u0085\u2028\u2029]/g;
const ESCAPES: Readonly<Record<string, string>> = {
  '\n': '\\n',
  '\r': '\\r',
  '\u0085': '\\u0085',
  '\u2028': '\\u2028',
  '\u2029': '\\u2029',
};
const escape = (char: string): string => ESCAPES[char];

/**
 * Client text (a claim, a header) made fit for a log value: CR, LF, NEL (U+0085), and
 * the Unicode line and paragraph separators written as the escapes `\r`, `\n`, `\u0085`,
 * `\u2028`, `\u2029`, so that the value, once read back from JSON or printed by
 * pino-pretty, cannot end a line. Returns the same string when there is none.
 */
export function escapeLineBreaks(text: string): string {
  return LINE_BREAK.test(text) ? text.replace(LINE_BREAKS, escape) : text;
}

const UNICODE_LINE_BREAK = /[\u0085\u2028\u2029]/;
const UNICODE_LINE_BREAKS = /[\u0085\u2028\u2029]/g;
const escapeUnicode = (char: string): string => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`;

/**
 * pino's streamWrite hook, on every serialised JSON record, whatever logged it: JSON
 * escapes CR and LF inside strings but leaves U+0085, U+2028 and U+2029 raw, and many
 * readers end a line at them. They can only occur inside strings, where the JSON escape
 * (`\u2028`) means the same character: the record reads back identical, on one line.
 */
export function escapeUnicodeLineBreaks(record: string): string {
  return UNICODE_LINE_BREAK.test(record) ? record.replace(UNICODE_LINE_BREAKS, escapeUnicode) : record;
}
