import { securityHeaders } from './helmet-options.js';

describe('securityHeaders', () => {
  it("are helmet's, with a CSP the docs UI can live with, computed once", () => {
    const headers = securityHeaders();
    expect(headers['x-content-type-options']).toBe('nosniff');
    expect(headers['strict-transport-security']).toMatch(/^max-age=\d+/);
    expect(headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(headers['content-security-policy']).toContain("style-src 'self' 'unsafe-inline'");
    expect(headers['content-security-policy']).not.toContain('upgrade-insecure-requests');
    expect(Object.isFrozen(headers)).toBe(true);
    expect(Object.keys(headers).every((name) => name === name.toLowerCase())).toBe(true);
  });
});
