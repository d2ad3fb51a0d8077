/**
 * Reactivity: which subscriptions a committed change can affect, when they re-run,
 * and what is worth sending. The change feed fires after a write committed; the
 * subscriptions indexed under its keys (never a scan of every socket) are marked
 * dirty and re-run once per microtask burst, and a result goes out only when its
 * hash changed.
 */
import type { ChangeSet } from "../changes.ts";
import type { Reader } from "../db/port.ts";
import { changeKeys } from "./change-keys.ts";
import type { Subscription } from "./connection.ts";
import type { Peer } from "./peer.ts";
import { queryModification, type StateModification } from "./protocol.ts";
import type { Outcome, QueryRegistry } from "./registry.ts";
import { SubscriptionIndex } from "./subscription-index.ts";

export interface ReactorHost {
  /** Queues a task on the peer's socket, after the ones already queued. */
  schedule(peer: Peer, task: () => Promise<void>): void;
  sendTransition(peer: Peer, modifications: StateModification[]): void;
  queryFailed(error: unknown, udfPath: string): void;
}

/** Results one Transition carries before the rest wait for the client to read it (16 Mi characters). */
export const MAX_BATCH_CHARS = 16 * 1024 * 1024;

export class Reactor {
  private readonly index = new SubscriptionIndex<Subscription>();
  private readonly owners = new WeakMap<Subscription, Peer>();
  private readonly dirtyPeers = new Set<Peer>();
  /** The unexpected failure last logged for a subscription: one that fails again at each change is logged once. */
  private readonly loggedFailures = new WeakMap<Subscription, string>();
  private flushScheduled = false;

  constructor(
    private readonly deps: { db: Reader; registry: QueryRegistry; clock: () => number; maxBatchChars?: number },
    private readonly host: ReactorHost,
  ) {}

  /**
   * Runs newly added subscriptions for their first result, after `batch` (the rest of the answer). Past
   * maxBatchChars of results the batch so far goes to `flush` (which sends it once the client has read what came
   * before), so a query set whose results are huge together (a reconnect re-adds every query) never waits in
   * memory whole. Returns what is left to send.
   */
  async added(peer: Peer, subs: readonly Subscription[], batch: StateModification[] = [], flush?: (batch: StateModification[]) => Promise<void>): Promise<StateModification[]> {
    for (const sub of subs) this.owners.set(sub, peer);
    let modifications = batch;
    let chars = 0;
    for (const sub of subs) {
      // Removed again later in the same frame: its QueryRemoved is its answer, and a result after it would be one for no query.
      if (peer.state.queries.get(sub.queryId) !== sub) continue;
      const outcome = await this.evaluate(peer, sub);
      sub.hash = outcome.hash;
      modifications.push(queryModification(sub.queryId, outcome));
      chars += outcome.ok ? outcome.size : 0;
      if (flush && chars >= this.maxBatchChars && !peer.closed) {
        await flush(modifications);
        modifications = [];
        chars = 0;
      }
    }
    return modifications;
  }

  private get maxBatchChars(): number {
    return this.deps.maxBatchChars ?? MAX_BATCH_CHARS;
  }

  removed(subs: readonly Subscription[]): StateModification[] {
    return subs.map((sub) => {
      this.index.delete(sub);
      return { type: "QueryRemoved", queryId: sub.queryId };
    });
  }

  changed(changes: ChangeSet): void {
    this.deps.registry.changed(changes);
    const affected = changes.everything ? this.index.changedAll() : this.index.changed(changeKeys(changes));
    for (const sub of affected) this.markDirty(sub);
  }

  /** Re-runs the peer's results that went stale with time alone. */
  expire(peer: Peer, now: number): void {
    for (const sub of peer.state.queries.values()) if (sub.expiresAt !== null && sub.expiresAt <= now) this.markDirty(sub);
  }

  forget(peer: Peer): void {
    for (const sub of peer.state.queries.values()) this.index.delete(sub);
    this.dirtyPeers.delete(peer);
  }

  /** Runs one subscription's query and re-indexes it under the keys it now depends on. */
  private async evaluate(peer: Peer, sub: Subscription): Promise<Outcome> {
    const mark = this.index.begin();
    const outcome = await this.deps.registry.run(sub.udfPath, sub.args, { db: this.deps.db, now: this.deps.clock(), session: peer.session, identify: peer.identify }, sub.componentPath);
    // A failure depends on what it read before failing, if it says; else it keeps the old keys (after a token rotation,
    // later changes to the agent still reach it). It is indexed even with none, so a change to everything reaches it.
    const keys = outcome.ok ? outcome.keys : outcome.keys ?? this.index.keys(sub);
    const stale = this.index.end(mark, keys);
    // A socket closed meanwhile (e.g. the hub shutting down) no longer cares, nor does the log.
    if (peer.closed || peer.state.queries.get(sub.queryId) !== sub) return outcome;
    this.logFailure(sub, outcome);
    this.index.set(sub, keys);
    // An expected failure (a bad token, a task out of sight) waits for a change: re-run at every keepalive, a bad token
    // on each of thousands of sockets would cost a lookup each every 15 s. An unexpected one (SQLite busy, a database
    // out of reach) runs again at the socket's next keepalive: SQLite announces no "everything changed" when it mends.
    sub.expiresAt = outcome.ok ? outcome.expiresAt : outcome.error.code === "INTERNAL" ? this.deps.clock() : null;
    if (stale) this.markDirty(sub);
    return outcome;
  }

  /** Logs an unexpected failure once per subscription and cause, until it succeeds or fails otherwise. */
  private logFailure(sub: Subscription, outcome: Outcome): void {
    if (outcome.ok || outcome.error.code !== "INTERNAL") {
      this.loggedFailures.delete(sub);
      return;
    }
    const { cause } = outcome.error;
    const what = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
    if (this.loggedFailures.get(sub) === what) return;
    this.loggedFailures.set(sub, what);
    this.host.queryFailed(cause, sub.udfPath);
  }

  private markDirty(sub: Subscription): void {
    const peer = this.owners.get(sub);
    if (!peer || peer.closed || !peer.state.markDirty(sub) || peer.refreshQueued) return;
    this.dirtyPeers.add(peer);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    // A microtask, not a timer: commits in one burst coalesce, and nothing waits for the next loop turn.
    queueMicrotask(() => {
      this.flushScheduled = false;
      for (const dirty of this.dirtyPeers) {
        dirty.refreshQueued = true;
        this.host.schedule(dirty, () => this.refresh(dirty));
      }
      this.dirtyPeers.clear();
    });
  }

  /**
   * Re-runs a socket's dirty queries and sends one Transition with those whose result changed.
   * A client that has not read the last frames yet gets nothing more until it has, and then one
   * Transition with the newest results (Convex single-flights the same way): its buffer stays
   * bounded, it is not dropped for reading slowly, and it never reads a queue of stale results.
   */
  private async refresh(peer: Peer): Promise<void> {
    if (peer.backlogged) return peer.whenDrained(() => this.host.schedule(peer, () => this.refresh(peer)));
    peer.refreshQueued = false;
    let modifications: StateModification[] = [];
    let chars = 0;
    for (const sub of peer.state.takeDirty()) {
      const outcome = await this.evaluate(peer, sub);
      if (outcome.hash === sub.hash || peer.state.queries.get(sub.queryId) !== sub) continue;
      sub.hash = outcome.hash;
      modifications.push(queryModification(sub.queryId, outcome));
      chars += outcome.ok ? outcome.size : 0;
      // Past the batch's bound, the results so far go now and the rest once the client has read them.
      if (chars >= this.maxBatchChars && !peer.closed) {
        this.host.sendTransition(peer, modifications);
        modifications = [];
        chars = 0;
        await new Promise<void>((resolve) => peer.whenDrained(resolve));
      }
    }
    if (modifications.length > 0) this.host.sendTransition(peer, modifications);
  }
}
