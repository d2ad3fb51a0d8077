/**
 * The run worker's bookkeeping, as pure decisions over plain data (no I/O, no
 * timers: the time comes in as `now`). The coordinator (`worker.ts`) asks it
 * what to do and does it.
 *
 *   seen ─▶ queued ──next()──▶ claiming ──claimed()──▶ running ──executed()──▶ ending ──ended()──▶ (done)
 *              │                  │ claimFailed()           │                        │
 *              └── stopped() ─────┴─────────────── stopped() / conflict() ───────────┴──▶ (done)
 *
 * - A run is handled once: every id it saw recently is remembered (`doneTtlMs`),
 *   so the same run seen again in a later callback, after a reconnect or by a
 *   poll is a no-op.
 * - At most `concurrency` runs are claiming, running or ending at once; the
 *   rest wait in FIFO order.
 * - A stopped run leaves the queue, or is marked so the coordinator aborts it
 *   and posts nothing more for it.
 */
import { isEnded, type RunStatus } from "./run-state.ts";

export type RunPhase = "queued" | "claiming" | "running" | "ending";

export interface TrackedRun {
  runId: string;
  phase: RunPhase;
  /** When it was first seen PENDING. */
  seenAt: number;
  /** Stopped (or ended by someone else) while in flight: post nothing more. */
  stopped: boolean;
}

/** What to do about a stop (or a 409 saying the run ended) for a run. */
export type StopDecision =
  /** It was only queued: it is gone, nothing to abort. */
  | "dequeued"
  /** It is in flight: abort its executor and drop its outbox entries. */
  | "abort"
  /** Not ours, already handled, or already stopped. */
  | "ignore";

export interface WorkerStateOptions {
  concurrency: number;
  /** How long a handled run id is remembered. Default 10 minutes. */
  doneTtlMs?: number;
}

export class WorkerState {
  readonly concurrency: number;
  readonly #doneTtlMs: number;
  readonly #runs = new Map<string, TrackedRun>();
  readonly #queue: string[] = [];
  readonly #done = new Map<string, number>();
  #active = 0;
  #accepting = true;

  constructor(options: WorkerStateOptions) {
    if (!Number.isInteger(options.concurrency) || options.concurrency < 1) throw new RangeError("concurrency must be an integer ≥ 1");
    this.concurrency = options.concurrency;
    this.#doneTtlMs = options.doneTtlMs ?? 600_000;
  }

  /** Pending runs seen (a callback, a poll): queues the new ones; returns their ids. */
  seen(runIds: readonly string[], now: number): string[] {
    this.#prune(now);
    if (!this.#accepting) return [];
    const added: string[] = [];
    for (const runId of runIds) {
      if (this.#runs.has(runId) || this.#done.has(runId)) continue;
      this.#runs.set(runId, { runId, phase: "queued", seenAt: now, stopped: false });
      this.#queue.push(runId);
      added.push(runId);
    }
    return added;
  }

  /**
   * Runs this worker claimed before a restart (RUNNING now, so never in a pending
   * list): queued ahead of everything else. Claiming them again replays the
   * worker's own `start` (same key) or gets a 409 if they are not its own.
   */
  adopt(runIds: readonly string[], now: number): string[] {
    const added = this.seen(runIds, now);
    this.#queue.splice(this.#queue.length - added.length, added.length);
    this.#queue.unshift(...added);
    return added;
  }

  /** The queued runs to claim now, oldest first, within the concurrency limit; they become `claiming`. */
  next(): string[] {
    const out: string[] = [];
    while (this.#accepting && this.#active < this.concurrency && this.#queue.length > 0) {
      const run = this.#runs.get(this.#queue.shift()!)!;
      run.phase = "claiming";
      this.#active++;
      out.push(run.runId);
    }
    return out;
  }

  /** `start` succeeded. Returns false if the run was stopped meanwhile: abort it at once. */
  claimed(runId: string): boolean {
    const run = this.#expect(runId, "claiming");
    run.phase = "running";
    return !run.stopped;
  }

  /** `start` failed: someone else has it (`taken`), or the call failed and a later sighting may retry. */
  claimFailed(runId: string, reason: "taken" | "failed", now: number): void {
    this.#expect(runId, "claiming");
    this.#finish(runId, now, reason === "taken");
  }

  /** The executor settled (or was given up on); its final call is being delivered. */
  executed(runId: string): void {
    this.#expect(runId, "running").phase = "ending";
  }

  /** Nothing more will be sent for the run: its slot is free. */
  ended(runId: string, now: number): void {
    if (!this.#runs.has(runId)) return;
    this.#finish(runId, now, true);
  }

  /** The owner stopped the run (a `stoppedRuns` entry). */
  stopped(runId: string, now: number): StopDecision {
    const run = this.#runs.get(runId);
    if (!run || run.stopped) return "ignore";
    if (run.phase === "queued") {
      this.#queue.splice(this.#queue.indexOf(runId), 1);
      this.#runs.delete(runId);
      this.#done.set(runId, now);
      return "dequeued";
    }
    run.stopped = true;
    return "abort";
  }

  /**
   * A call for the run got a 409 saying it is `status` now. While claiming, it
   * means another worker has it: `claimFailed(…, "taken")` handles that. Later,
   * an ended status means the run is gone (stopped, or ended by the hub).
   */
  conflict(runId: string, status: RunStatus | null, now: number): StopDecision {
    const run = this.#runs.get(runId);
    if (!run || run.phase === "claiming" || run.phase === "queued") return "ignore";
    if (status !== null && !isEnded(status)) return "ignore";
    return this.stopped(runId, now);
  }

  /** Stop taking work: the queue is emptied (those runs stay PENDING for others); returns their ids. */
  shutdown(): string[] {
    this.#accepting = false;
    const dropped = this.#queue.splice(0);
    for (const runId of dropped) this.#runs.delete(runId);
    return dropped;
  }

  get accepting(): boolean {
    return this.#accepting;
  }

  get active(): number {
    return this.#active;
  }

  get queued(): number {
    return this.#queue.length;
  }

  get(runId: string): Readonly<TrackedRun> | undefined {
    return this.#runs.get(runId);
  }

  /** Runs claiming, running or ending. */
  inFlight(): Readonly<TrackedRun>[] {
    return [...this.#runs.values()].filter((run) => run.phase !== "queued");
  }

  #expect(runId: string, phase: RunPhase): TrackedRun {
    const run = this.#runs.get(runId);
    if (!run || run.phase !== phase) throw new Error(`run ${runId} is ${run?.phase ?? "unknown"}, not ${phase}`);
    return run;
  }

  #finish(runId: string, now: number, remember: boolean): void {
    const run = this.#runs.get(runId)!;
    if (run.phase !== "queued") this.#active--;
    this.#runs.delete(runId);
    if (remember) this.#done.set(runId, now);
  }

  #prune(now: number): void {
    // Map order is insertion order, which is time order here: stop at the first fresh one.
    for (const [runId, at] of this.#done) {
      if (now - at < this.#doneTtlMs) break;
      this.#done.delete(runId);
    }
  }
}
