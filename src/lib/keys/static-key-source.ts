import type { KeyObject } from 'node:crypto';
import { KeySource, type KeySourceStatus } from './key-source.js';

/**
 * Keys given at startup (or none, in insecure mode): always ready, and `kid` is
 * ignored, every key is tried, so several PEM blocks allow a rotation.
 */
export class StaticKeySource extends KeySource {
  constructor(private readonly keys: readonly KeyObject[]) {
    super();
  }

  override get changes(): boolean {
    return false;
  }

  status(): KeySourceStatus {
    return { ready: true };
  }

  keysFor(): readonly KeyObject[] {
    return this.keys;
  }

  refreshForUnknownKid(): Promise<boolean> {
    return Promise.resolve(false);
  }
}
