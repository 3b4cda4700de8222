import fc from 'fast-check';
import { escapeLineBreaks, escapeUnicodeLineBreaks, redactUrl } from './log-safety.js';

describe('redactUrl', () => {
  it.each([
    ['/ws?token=abc.def.ghi&x=1', '/ws?token=[Redacted]&x=1'],
    ['/a?x=1&access_token=abc', '/a?x=1&access_token=[Redacted]'],
    ['/a?id_token=a&jwt=b&refresh_token=c', '/a?id_token=[Redacted]&jwt=[Redacted]&refresh_token=[Redacted]'],
    ['/a?JWT=b&Id_Token=c', '/a?JWT=[Redacted]&Id_Token=[Redacted]'],
    ['/a?%6Awt=b&%74oken=c', '/a?%6Awt=[Redacted]&%74oken=[Redacted]'],
    ['/a?jwt=b=c#d&e=f', '/a?jwt=[Redacted]&e=f'],
    ['/a?jwt=x&jwt=y', '/a?jwt=[Redacted]&jwt=[Redacted]'],
  ])('%s → %s', (url, expected) => expect(redactUrl(url)).toBe(expected));

  it.each(['/api/session', '/a?', '/a?jwt', '/a?jwt=', '/a?tokens=x&my_token=y&jw=z', '/a?x=token&y=jwt', '/a?%zz=1', '/a?&&='])(
    '%s is left as it is',
    (url) => expect(redactUrl(url)).toBe(url),
  );

  it('never lets a token value through, whatever surrounds it', () => {
    const part = fc.constantFrom('a', '=', '&', '?', '%', 'jwt', 'token', 'x=1');
    fc.assert(
      fc.property(fc.array(part, { maxLength: 6 }), fc.array(part, { maxLength: 6 }), (before, after) => {
        const url = `/p?${before.join('')}&jwt=SECRET&${after.join('')}`;
        expect(redactUrl(url)).not.toContain('SECRET');
      }),
    );
  });

  it('takes linear time on queries built to make a scanner rescan: 8x the input, about 8x the time', () => {
    // The fastest of several runs: other load on the machine only ever adds time.
    const fastest = (run: () => void) => {
      const times = [0, 1, 2, 3, 4, 5, 6].map(() => {
        const started = performance.now();
        run();
        return performance.now() - started;
      });
      return Math.min(...times);
    };
    for (const unit of ['x&', 'jwt=1&', '&=', 'x=&']) {
      const n = Math.floor(100_000 / unit.length);
      const small = `/a?${unit.repeat(n)}y=1`;
      const large = `/a?${unit.repeat(8 * n)}y=1`;
      for (let i = 0; i < 3; i++) {
        redactUrl(small); // warm up the JIT
        redactUrl(large);
      }
      const ratio =
        fastest(() => redactUrl(large)) /
        Math.max(
          fastest(() => redactUrl(small)),
          0.05,
        );
      expect(ratio, unit).toBeLessThan(24); // quadratic: 64
    }
  });
});

describe('escapeLineBreaks', () => {
  it('writes every line break as an escape and leaves other text alone', () => {
    expect(escapeLineBreaks('a\r\nb\u0085c\u2028d\u2029e')).toBe('a\\r\\nb\\u0085c\\u2028d\\u2029e');
    const plain = 'alice ünïcode \t tab';
    expect(escapeLineBreaks(plain)).toBe(plain);
  });
});

describe('escapeUnicodeLineBreaks', () => {
  it('keeps a JSON record identical while removing raw U+0085, U+2028, U+2029', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('a', '\u0085', '\u2028', '\u2029', '"', '\\', '\n') }), (text) => {
        const line = escapeUnicodeLineBreaks(JSON.stringify({ text }));
        expect(line).not.toMatch(/[\u0085\u2028\u2029]/);
        expect(JSON.parse(line)).toEqual({ text });
      }),
    );
  });
});
