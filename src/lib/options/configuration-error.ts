/**
 * Every configuration problem found, one line each, each naming its option (or its
 * variable). Thrown once, after everything has been checked, so that a user fixes
 * all of them in one go.
 */
export class ConfigurationError extends Error {
  constructor(readonly lines: readonly string[]) {
    super(`Invalid configuration:\n${lines.join('\n')}`);
    this.name = 'ConfigurationError';
  }
}
