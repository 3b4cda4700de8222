import { ConfigurationError } from './configuration-error.js';
import { lazyBase, loadOptionalPeer } from './optional-peer.js';

describe('loadOptionalPeer', () => {
  it('loads an installed package, ESM ones included', () => {
    expect(typeof loadOptionalPeer<typeof import('prom-client')>('prom-client', 'GatehouseMetricsModule').Registry).toBe('function');
    expect(typeof loadOptionalPeer<typeof import('@nestjs/terminus')>('@nestjs/terminus', 'x').TerminusModule).toBe('function');
  });

  it('names the package to install, on one line, when it is missing', () => {
    let thrown: unknown;
    try {
      loadOptionalPeer('no-such-package-gatehouse', 'REDIS_URL (redisUrl)');
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigurationError);
    expect((thrown as ConfigurationError).lines).toEqual([
      'REDIS_URL (redisUrl) needs the package "no-such-package-gatehouse": npm install no-such-package-gatehouse',
    ]);
  });
});

describe('lazyBase', () => {
  class Peer {
    static kind = 'peer';
    constructor(readonly name: string) {}
    greet(): string {
      return `hello ${this.name}`;
    }
  }

  it('loads the base when the first instance is made, not when the class is defined', () => {
    let loads = 0;
    const Base = lazyBase(() => {
      loads += 1;
      return Peer;
    });
    class Child extends Base {
      readonly extra = 'child';
      override greet(): string {
        return `${super.greet()}!`;
      }
    }
    expect(loads).toBe(0);
    const child = new Child('alice');
    const second = new Child('bob');
    expect(loads).toBe(1);
    expect(child.greet()).toBe('hello alice!');
    expect(second.greet()).toBe('hello bob!');
    expect(child.extra).toBe('child');
    expect(child).toBeInstanceOf(Child);
    expect(child).toBeInstanceOf(Peer);
    expect((Child as unknown as typeof Peer).kind).toBe('peer');
  });

  it('lets the missing package error through when an instance is made', () => {
    const Base = lazyBase<typeof Peer>(() => loadOptionalPeer('no-such-package-gatehouse', 'GatehouseIoAdapter'));
    class Child extends Base {}
    expect(() => new Child('x')).toThrow('GatehouseIoAdapter needs the package "no-such-package-gatehouse"');
  });
});
