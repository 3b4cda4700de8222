import { createRequire } from 'node:module';
import { ConfigurationError } from './configuration-error.js';

// Socket.IO, Redis, Prometheus, terminus and helmet are optional peer dependencies: an
// app that does not use them neither installs nor loads them. Each is loaded here, on
// first use, synchronously (Node 22 can require() ES modules too), so that a missing one
// stops the app at startup with one line saying what to install.
const requireHere = createRequire(import.meta.url);

/**
 * The package `packageName`, loaded now. `whatNeedsIt` names the option or class that
 * asked for it: a missing package throws a ConfigurationError such as
 * `REDIS_URL needs the package "ioredis": npm install ioredis`. Any other error (the
 * package is there but fails to load) is thrown as it is.
 */
export function loadOptionalPeer<T>(packageName: string, whatNeedsIt: string): T {
  try {
    return requireHere(packageName) as T;
  } catch (error) {
    if (isMissing(error, packageName)) {
      throw new ConfigurationError([`${whatNeedsIt} needs the package "${packageName}": npm install ${packageName}`]);
    }
    throw error;
  }
}

/** Node's "Cannot find module 'x'" for the package itself, not for a file or a dependency inside it. */
function isMissing(error: unknown, packageName: string): boolean {
  if (!(error instanceof Error) || (error as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') return false;
  return error.message.split('\n')[0].includes(`'${packageName}'`);
}

type AnyClass = abstract new (...args: never[]) => object;

/**
 * A base class for `class X extends lazyBase(() => Peer)`, where Peer comes from an
 * optional package: defining X loads nothing; constructing the first X loads Peer and
 * puts it under the stand-in, so X's methods, `super` calls and statics reach Peer's.
 */
export function lazyBase<T extends AnyClass>(load: () => T): T {
  let loaded: T | undefined;
  const base = function (this: object, ...args: unknown[]): object {
    if (loaded === undefined) {
      loaded = load();
      Object.setPrototypeOf(base.prototype, loaded.prototype);
      Object.setPrototypeOf(base, loaded);
    }
    return Reflect.construct(loaded as unknown as new (...a: unknown[]) => object, args, new.target ?? base) as object;
  };
  return base as unknown as T;
}
