import type { KeyObject } from 'node:crypto';
import type { Algorithm } from '../core/algorithms.js';
import type { JsonObject } from '../core/token-rules.js';
import type { KeySetEntry } from './jwk-import.js';

/**
 * One fetched key set, immutable: a refresh builds a new one and swaps it in whole.
 * Keys are indexed by (URL, kid), so a kid only ever means a key of the set it came from.
 */
export class KeySet {
  private readonly byKid = new Map<string, KeySetEntry[]>();

  constructor(
    readonly url: string,
    readonly entries: readonly KeySetEntry[],
    readonly fetchedAt: Date,
  ) {
    for (const entry of entries) {
      if (entry.kid === undefined) continue;
      const list = this.byKid.get(entry.kid) ?? [];
      list.push(entry);
      this.byKid.set(entry.kid, list);
    }
  }

  get size(): number {
    return this.entries.length;
  }

  /**
   * The keys that may have signed a token with this header: those of its kid that fit
   * its alg, or every key that fits its alg when it has no kid. undefined: the set
   * holds no key of that kid (key_not_found). An empty list: keys exist but none fits
   * the alg, which is a bad signature rather than a missing key.
   */
  keysFor(header: JsonObject): readonly KeyObject[] | undefined {
    const alg = header.alg as Algorithm;
    const fits = (entry: KeySetEntry) => entry.algorithms.includes(alg);
    if (header.kid === undefined) return this.entries.filter(fits).map((entry) => entry.key);
    const named = typeof header.kid === 'string' ? this.byKid.get(header.kid) : undefined;
    return named?.filter(fits).map((entry) => entry.key);
  }
}
