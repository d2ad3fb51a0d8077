/**
 * Which subscriptions depend on which change keys (`agent:<id>`, ...), so a
 * committed change re-runs only the queries it can affect instead of scanning
 * every connection.
 *
 * It also closes a race: a query that is running when a change commits may have
 * read the state before it, and is not indexed under its new keys yet. `begin`
 * marks the start of a run; `end` says whether any of the keys the run reported
 * changed meanwhile, so the caller runs it again. Change keys are remembered only
 * while some run is in flight.
 */
export class SubscriptionIndex<S> {
  private readonly byKey = new Map<string, Set<S>>();
  private readonly keysOf = new Map<S, readonly string[]>();
  private seq = 0;
  private inFlight = 0;
  private readonly changedAt = new Map<string, number>();
  /** The seq of the last `changedAll` while runs were in flight. */
  private allChangedAt = -1;

  get size(): number {
    return this.keysOf.size;
  }

  /** Indexes `sub` under exactly `keys`. */
  set(sub: S, keys: readonly string[]): void {
    const old = this.keysOf.get(sub);
    if (old && old.length === keys.length && old.every((k, i) => k === keys[i])) return;
    if (old) this.unlink(sub, old);
    this.keysOf.set(sub, keys);
    for (const key of keys) {
      let set = this.byKey.get(key);
      if (!set) this.byKey.set(key, (set = new Set()));
      set.add(sub);
    }
  }

  delete(sub: S): void {
    const old = this.keysOf.get(sub);
    if (!old) return;
    this.unlink(sub, old);
    this.keysOf.delete(sub);
  }

  keys(sub: S): readonly string[] {
    return this.keysOf.get(sub) ?? [];
  }

  /** Records a committed change to `keys` and returns the subscriptions it can affect. */
  changed(keys: Iterable<string>): Set<S> {
    const affected = new Set<S>();
    this.seq++;
    for (const key of keys) {
      if (this.inFlight > 0) this.changedAt.set(key, this.seq);
      const subs = this.byKey.get(key);
      if (subs) for (const sub of subs) affected.add(sub);
    }
    return affected;
  }

  /** Records that anything may have changed (a missed change feed) and returns every subscription. */
  changedAll(): Set<S> {
    this.seq++;
    if (this.inFlight > 0) this.allChangedAt = this.seq;
    return new Set(this.keysOf.keys());
  }

  /** A query run starts; pass the mark to `end`. */
  begin(): number {
    this.inFlight++;
    return this.seq;
  }

  /** A query run that started at `mark` ended depending on `keys`: true when one of them changed meanwhile. */
  end(mark: number, keys: readonly string[]): boolean {
    const stale = this.allChangedAt > mark || keys.some((key) => (this.changedAt.get(key) ?? -1) > mark);
    if (--this.inFlight === 0) {
      this.changedAt.clear();
      this.allChangedAt = -1;
    }
    return stale;
  }

  private unlink(sub: S, keys: readonly string[]): void {
    for (const key of keys) {
      const set = this.byKey.get(key);
      set?.delete(sub);
      if (set?.size === 0) this.byKey.delete(key);
    }
  }
}
