/**
 * The courier delivers outbox entries: in enqueue order within a run, runs in
 * parallel, each entry retried (with the policy's backoff, `Retry-After`
 * honoured) until the API acknowledges it (a 405, from something in front of it,
 * included, and a 404 that `confirmGone` does not confirm). A final answer (409,
 * 404, 400…) ends the entry too: retrying cannot change it. After a 409 saying
 * the run ended, or a 404 (the run is gone), the run's later entries are
 * dropped: it takes no more calls.
 *
 * A run's final call (`complete` or `error`) is not held back long by its comments: once one is queued, the run's
 * comments ahead of it are still sent in order and retried, but only for `COMMENT_GRACE_MS` more (a comment the API
 * refuses for now, a 429 with a long `Retry-After`, must not hold the completion back for an hour). A comment that
 * got no answer at all (a network outage) is not given up so: the final call behind it could not be delivered
 * either, and the comment is retried until the API is back, then delivered ahead of it.
 * `dropComments()` goes further for a shutdown's last moments: every comment is given up, the attempt under way
 * aborted.
 *
 * Two failures lose nothing: an entry the outbox could not write down is still
 * sent (only its durability is gone), and a 401/403 (a revoked or rotated token)
 * holds the run's entries in the outbox for a start with a valid token. A
 * listener (`onRejected`, `onRetry`, `onError`) that throws is logged; deliveries go on.
 */
import { randomUUID } from "node:crypto";
import type { AgentApiClient, RunResult } from "./client.ts";
import { sleep, systemClock, type Clock } from "./clock.ts";
import { isAgentApiError, isMisrouted } from "./errors.ts";
import type { Outbox, OutboxEntry, OutboxKind } from "./outbox.ts";
import { callListener } from "./listener.ts";
import { linkedSignal } from "./signal.ts";
import { isEnded } from "./run-state.ts";
import { backoffDelay, decideRetry, DEFAULT_RETRY_POLICY, type Random, type RetryPolicy } from "./retry.ts";

export type DeliveryOutcome =
  | { kind: "delivered" }
  /** A final error: the API's answer (an `AgentApiError`) or, from a custom api, anything it threw. */
  | { kind: "rejected"; error: unknown }
  /**
   * Crossed off unsent: its run was dropped (stopped), or an earlier entry got a 409 or a 404; or, a comment, not
   * delivered within its grace once the run's final call waited behind it (or `dropComments` gave it up).
   */
  | { kind: "dropped" }
  /** The courier closed first; the entry stays in the outbox. */
  | { kind: "closed" }
  /** Refused for the token (401/403): the entry stays in the outbox, for a start with a valid one. */
  | { kind: "held"; error: unknown };

export type LifecycleApi = Pick<AgentApiClient, "comment" | "complete" | "error">;

export interface CourierOptions {
  api: LifecycleApi;
  outbox: Outbox;
  clock?: Clock;
  random?: Random;
  /** Backoff between attempts; attempts are unlimited. */
  retry?: Partial<Pick<RetryPolicy, "baseDelayMs" | "maxDelayMs">>;
  newId?: () => string;
  /** Told of every final error, e.g. a 409 that says the run was stopped, and of an entry held for its token. */
  onRejected?: (entry: OutboxEntry, error: unknown) => void;
  /** Told of every failed attempt that will be retried. */
  onRetry?: (entry: OutboxEntry, error: unknown, delayMs: number) => void;
  /** Told when the outbox itself fails (to write an entry down, or to ack one). */
  onError?: (error: unknown) => void;
  /**
   * Asked about a 404: is the run really gone? False (it is there, or nothing is sure) retries the entry, for a
   * 404 from something in front of the API (a proxy's hiccup). Without it, a 404 is final.
   */
  confirmGone?: (runId: string, signal: AbortSignal) => Promise<boolean>;
}

/** How much longer a run's comments may be retried once its final call waits behind them. */
export const COMMENT_GRACE_MS = 30_000;

interface Item {
  entry: OutboxEntry;
  /** The outbox write: delivery waits for it, so nothing is sent that was not written down. */
  stored: Promise<void>;
  settle: (outcome: DeliveryOutcome) => void;
  /** Aborted when a final call is queued behind this comment, which then has until `deadline` to be delivered. */
  hurry: AbortController;
  deadline: number;
  /** Aborted to give the comment up at once, its attempt under way included. */
  cut: AbortController;
}

interface Lane {
  items: Item[];
  abort: AbortController;
  running: boolean;
}

export class Courier {
  readonly #o: Required<Pick<CourierOptions, "api" | "outbox" | "clock" | "random" | "newId">> & CourierOptions;
  readonly #policy: RetryPolicy;
  readonly #lanes = new Map<string, Lane>();
  readonly #idle = new Set<() => void>();
  #closed = false;

  constructor(options: CourierOptions) {
    this.#o = { clock: systemClock, random: Math.random, newId: randomUUID, ...options };
    this.#policy = { ...DEFAULT_RETRY_POLICY, ...options.retry, maxAttempts: Infinity, maxRetryAfterMs: Infinity };
  }

  /**
   * Writes the call to the outbox and delivers it after the run's earlier ones;
   * resolves once it is off the outbox (or the courier closed). Never rejects.
   */
  send(runId: string, kind: OutboxKind, payload: RunResult): Promise<DeliveryOutcome> {
    if (this.#closed) return Promise.resolve({ kind: "closed" });
    const entry: OutboxEntry = { id: this.#o.newId(), runId, kind, payload, idempotencyKey: this.#o.newId(), createdAt: this.#o.clock.now() };
    // The lane keeps call order even if the outbox's writes finish out of order.
    return this.#push(entry, Promise.resolve().then(() => this.#o.outbox.enqueue(entry)));
  }

  /** Delivers what an earlier process left in the outbox (a durable one). */
  async resume(): Promise<void> {
    for (const entry of await this.#o.outbox.pending()) void this.#push(entry, Promise.resolve());
  }

  /** Crosses off everything still queued for `runId` unsent, and cuts its delivery short. */
  async drop(runId: string): Promise<void> {
    const lane = this.#lanes.get(runId);
    if (!lane) return;
    this.#lanes.delete(runId);
    lane.abort.abort(new Error("run dropped"));
    for (const item of lane.items.splice(0)) {
      if (await item.stored.then(() => true, () => false)) await this.#ack(item.entry);
      item.settle({ kind: "dropped" });
    }
    this.#checkIdle();
  }

  /** Gives up every comment, of every run, its attempt under way included: a shutdown's drain is for final calls. */
  dropComments(): void {
    for (const lane of this.#lanes.values()) {
      for (const item of lane.items) if (item.entry.kind === "comment") item.cut.abort(new Error("comment given up"));
      this.#crossOffComments(lane);
    }
  }

  /** Entries not yet delivered, over all runs. */
  get depth(): number {
    let n = 0;
    for (const lane of this.#lanes.values()) n += lane.items.length;
    return n;
  }

  /** Resolves once nothing is left to deliver. */
  idle(): Promise<void> {
    if (this.#lanes.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.add(resolve));
  }

  /** Stops delivering; undelivered entries stay in the outbox. Idempotent. */
  close(): void {
    this.#closed = true;
    for (const lane of this.#lanes.values()) {
      lane.abort.abort(new Error("courier closed"));
      for (const item of lane.items.splice(0)) item.settle({ kind: "closed" });
    }
    this.#lanes.clear();
    this.#checkIdle();
  }

  #push(entry: OutboxEntry, stored: Promise<void>): Promise<DeliveryOutcome> {
    stored.catch(() => undefined); // read in #run; this only marks it handled
    return new Promise((settle) => {
      let lane = this.#lanes.get(entry.runId);
      if (!lane) {
        lane = { items: [], abort: new AbortController(), running: false };
        this.#lanes.set(entry.runId, lane);
      }
      // A final call behind comments: they still go first, in order, but may be retried only a little longer.
      if (entry.kind !== "comment") {
        const deadline = this.#o.clock.now() + COMMENT_GRACE_MS;
        for (const item of lane.items) {
          if (item.entry.kind !== "comment" || item.hurry.signal.aborted) continue;
          item.deadline = deadline;
          item.hurry.abort(new Error("the run's final call waits"));
        }
      }
      lane.items.push({ entry, stored, settle, hurry: new AbortController(), deadline: Number.POSITIVE_INFINITY, cut: new AbortController() });
      if (!lane.running) void this.#run(entry.runId, lane);
    });
  }

  /** Crosses off the lane's comments that are not being delivered (the head of a running lane is: it settles itself). */
  #crossOffComments(lane: Lane): void {
    const keep = lane.items.filter((item, i) => item.entry.kind !== "comment" || (i === 0 && lane.running));
    for (const item of lane.items) {
      if (keep.includes(item)) continue;
      void item.stored.then(() => this.#ack(item.entry), () => undefined);
      item.settle({ kind: "dropped" });
    }
    lane.items.splice(0, lane.items.length, ...keep);
  }

  async #run(runId: string, lane: Lane): Promise<void> {
    lane.running = true;
    while (lane.items.length > 0 && !lane.abort.signal.aborted) {
      const item = lane.items[0]!;
      // Not written down: sent all the same, so only a crash before it lands can lose it.
      const unwritten = await item.stored.then(() => null, (error: unknown) => error ?? new Error("outbox write failed"));
      if (unwritten) this.#tell(this.#o.onError, unwritten);
      const attempt = linkedSignal([lane.abort.signal, item.cut.signal]);
      const outcome = await this.#deliver(item, attempt.signal).finally(attempt.dispose);
      if (lane.abort.signal.aborted) break; // drop() or close() settled it
      if (outcome.kind === "held") {
        // The token is refused: this entry and the run's later ones wait in the outbox, unsent.
        this.#tell(this.#o.onRejected, item.entry, outcome.error);
        for (const held of lane.items.splice(0)) held.settle(outcome);
        break;
      }
      lane.items.shift();
      await this.#ack(item.entry);
      item.settle(outcome);
      if (outcome.kind === "rejected") {
        this.#tell(this.#o.onRejected, item.entry, outcome.error);
        // The run has ended (or says no more), or is gone: its later calls would only get the same answer.
        const error = outcome.error;
        const over = isAgentApiError(error, "conflict") && (error.runStatus === null || isEnded(error.runStatus));
        if (over || isAgentApiError(error, "not_found")) await this.drop(runId);
      }
    }
    lane.running = false;
    if (this.#lanes.get(runId) === lane && lane.items.length === 0) this.#lanes.delete(runId);
    this.#checkIdle();
  }

  /** `signal` gives the entry up at once; once hurried, a retry that would come past its deadline is not made. */
  async #deliver(item: Item, signal: AbortSignal): Promise<DeliveryOutcome> {
    const { entry, hurry } = item;
    const clock = this.#o.clock;
    const options = { signal, idempotencyKey: entry.idempotencyKey, retry: { maxAttempts: 1 } };
    for (let attempt = 1; ; attempt++) {
      try {
        if (entry.kind === "comment") await this.#o.api.comment(entry.runId, entry.payload.body, options);
        else await this.#o.api[entry.kind](entry.runId, entry.payload, options);
        return { kind: "delivered" };
      } catch (error) {
        if (signal.aborted) return { kind: "dropped" };
        if (isAgentApiError(error, "unauthorized")) return { kind: "held", error };
        // A 405 for a documented call came from something in front of the API, and so did a 404 for a run that is
        // there after all: retried like a 5xx, never final.
        const notTheRun = isMisrouted(error) || (isAgentApiError(error, "not_found") && !(await this.#gone(entry.runId, signal)));
        if (signal.aborted) return { kind: "dropped" };
        const decision = notTheRun
          ? { retry: true as const, delayMs: backoffDelay(attempt - 1, this.#policy, this.#o.random) }
          : decideRetry(error, attempt, this.#policy, this.#o.random);
        if (!decision.retry) return { kind: "rejected", error };
        const wakeAt = clock.now() + decision.delayMs;
        // Only an answer (the API refusing the comment for now) runs out its grace: through an outage the final call
        // behind it would not get through either, and giving the comment up would lose it for nothing.
        const bounded = !isAgentApiError(error, "network");
        if (bounded && wakeAt > item.deadline) return { kind: "dropped" };
        this.#tell(this.#o.onRetry, entry, error, decision.delayMs);
        // A final call queued during the wait sets a deadline the wait may outlast: then the comment is given up.
        const wait = linkedSignal([signal, hurry.signal]);
        let slept = await sleep(clock, decision.delayMs, wait.signal).then(() => true, () => false).finally(wait.dispose);
        if (!slept && !signal.aborted && (!bounded || wakeAt <= item.deadline)) {
          slept = await sleep(clock, wakeAt - clock.now(), signal).then(() => true, () => false);
        }
        if (!slept) return { kind: "dropped" };
      }
    }
  }

  /** The run answered 404: gone for sure? A `confirmGone` that fails is reported and the 404 taken as it stands. */
  async #gone(runId: string, signal: AbortSignal): Promise<boolean> {
    try {
      return (await this.#o.confirmGone?.(runId, signal)) ?? true;
    } catch (error) {
      this.#tell(this.#o.onError, error);
      return true;
    }
  }

  async #ack(entry: OutboxEntry): Promise<void> {
    try {
      await this.#o.outbox.ack(entry.id);
    } catch (error) {
      this.#tell(this.#o.onError, error);
    }
  }

  /** Calls a listener; one that throws must not stop the run's deliveries (its lane would never run again). */
  #tell<A extends unknown[]>(listener: ((...args: A) => void) | undefined, ...args: A): void {
    callListener(listener, args, (error) => console.error("Courier listener failed", error));
  }

  #checkIdle(): void {
    if (this.#lanes.size > 0) return;
    for (const resolve of this.#idle) resolve();
    this.#idle.clear();
  }
}
