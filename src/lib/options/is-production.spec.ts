import { isProduction } from './resolve-options.js';

describe('isProduction', () => {
  it.each(['production', 'Production', 'PRODUCTION', ' prod ', 'Prod', '\tproduction\n'])('%j is production', (value) => {
    expect(isProduction(value)).toBe(true);
  });
  it.each([undefined, '', 'development', 'test', 'preproduction', 'production-eu', 'pro d', 'staging'])('%j is not', (value) => {
    expect(isProduction(value)).toBe(false);
  });
});
