import type { KeyObject } from 'node:crypto';
import type { Algorithm } from '../core/algorithms.js';
import type { JsonObject } from '../core/token-rules.js';
import type { KeySetEntry } from './jwk-import.js';

/**
 * The most keys one token's signature is checked against. Without it a token without
 * `kid` would cost one signature check per key of the set (2,000 keys: 2,000 checks),
 * for anyone who can send a request.
 */
export const MAX_KEYS_PER_TOKEN = 8;

/**
 * One fetched key set, immutable: a refresh builds a new one and swaps it in whole.
 * Keys are indexed by (URL, kid), so a kid only ever means a key of the set it came from.
 */
export class KeySet {
  private readonly byKid = new Map<string, KeySetEntry[]>();
  /** Per algorithm, the keys a token without kid is tried against: the first that fit, in set order. */
  private readonly withoutKid = new Map<Algorithm, KeyObject[]>();

  constructor(
    readonly url: string,
    readonly entries: readonly KeySetEntry[],
    readonly fetchedAt: Date,
  ) {
    for (const entry of entries) {
      for (const alg of entry.algorithms) {
        const keys = this.withoutKid.get(alg) ?? [];
        if (keys.length < MAX_KEYS_PER_TOKEN) keys.push(entry.key);
        this.withoutKid.set(alg, keys);
      }
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
   * its alg, or, when it has no kid, the first MAX_KEYS_PER_TOKEN keys of the set (in
   * the provider's order) that fit its alg. undefined: the set holds no key of that
   * kid (key_not_found). An empty list: keys exist but none fits the alg, which is a
   * bad signature rather than a missing key.
   */
  keysFor(header: JsonObject): readonly KeyObject[] | undefined {
    const alg = header.alg as Algorithm;
    if (header.kid === undefined) return this.withoutKid.get(alg) ?? [];
    const named = typeof header.kid === 'string' ? this.byKid.get(header.kid) : undefined;
    return named && firstFitting(named, alg);
  }
}

/** A kid the provider repeated many times is capped the same way. */
function firstFitting(entries: readonly KeySetEntry[], alg: Algorithm): KeyObject[] {
  const keys: KeyObject[] = [];
  for (const entry of entries) {
    if (keys.length === MAX_KEYS_PER_TOKEN) break;
    if (entry.algorithms.includes(alg)) keys.push(entry.key);
  }
  return keys;
}
