import { dropTimeOf, isJtiRevocation, revocationId, type Retention, type Revocation } from './revocation.js';

/**
 * Every revocation this process knows, indexed for the check every authentication
 * makes: one map lookup by jti and one by sub, no I/O. Entries come from the store
 * (file or Redis) and from this process's own writes; they are kept until no token
 * they cover can still pass (dropExpired).
 */
export class RevocationList {
  private readonly byId = new Map<string, Revocation>();
  private readonly jtis = new Set<string>();
  private readonly cutoffs = new Map<string, number>();

  constructor(private readonly retention: Retention) {}

  get size(): number {
    return this.byId.size;
  }

  /**
   * Whether a token of `sub` with this jti and iat is revoked: its jti is listed, or
   * its sub has a cut-off later than its iat. A token without iat cannot show it was
   * issued after a cut-off, so a cut-off covers it.
   */
  covers(sub: string, jti: string | undefined, issuedAt: number | undefined): boolean {
    if (jti !== undefined && this.jtis.has(jti)) return true;
    const before = this.cutoffs.get(sub);
    return before !== undefined && (issuedAt === undefined || issuedAt < before);
  }

  get(id: string): Revocation | undefined {
    return this.byId.get(id);
  }

  /** Stores (or replaces) the entry of its id, as the store holds it. */
  put(entry: Revocation): void {
    this.remove(entry.id);
    this.byId.set(entry.id, entry);
    if (isJtiRevocation(entry)) this.jtis.add(entry.jti);
    else this.cutoffs.set(entry.sub, entry.before);
  }

  /** Lifts an entry; false when there was none. */
  remove(id: string): boolean {
    const entry = this.byId.get(id);
    if (entry === undefined) return false;
    this.byId.delete(id);
    if (isJtiRevocation(entry)) this.jtis.delete(entry.jti);
    else this.cutoffs.delete(entry.sub);
    return true;
  }

  /** The whole set, loaded again (a start, or Redis reached again). */
  replaceAll(entries: Iterable<Revocation>): void {
    this.byId.clear();
    this.jtis.clear();
    this.cutoffs.clear();
    for (const entry of entries) this.put(entry);
  }

  /** Drops what no longer covers a token that could pass; returns how many. */
  dropExpired(now: number): number {
    let dropped = 0;
    for (const entry of this.byId.values()) {
      if (now >= dropTimeOf(entry, this.retention) && this.remove(entry.id)) dropped += 1;
    }
    return dropped;
  }

  entries(): IterableIterator<Revocation> {
    return this.byId.values();
  }

  /** The entry of a sub (its cut-off) or of a jti; every entry without either. */
  find(query: { readonly sub?: string; readonly jti?: string }): Revocation[] {
    if (query.sub === undefined && query.jti === undefined) return [...this.byId.values()];
    const ids = [
      ...(query.sub !== undefined ? [revocationId('sub', query.sub)] : []),
      ...(query.jti !== undefined ? [revocationId('jti', query.jti)] : []),
    ];
    return ids.flatMap((id) => this.byId.get(id) ?? []);
  }
}
