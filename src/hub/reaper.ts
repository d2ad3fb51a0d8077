import type { Reader } from "./db/port.ts";
import { Passes } from "./passes.ts";
import { listStaleRuns } from "./store/runs.ts";
import type { Clock } from "./write.ts";
import type { Writer } from "./writer/writer.ts";

const IDEMPOTENCY_TTL_MS = 24 * 3_600_000;

export interface ReaperHooks {
  onError?: (error: unknown) => void;
  /** Told of each run it ended (the hub's metrics). */
  onExpired?: () => void;
}

/**
 * The stale-run reaper: a RUNNING run whose agent has made no call about it for
 * `staleAfterMs` becomes ERROR ("Agent stopped responding") and its owner is told.
 * It also forgets idempotency keys older than a day.
 */
export class Reaper {
  private timer: NodeJS.Timeout | null = null;
  private readonly passes: Passes<number>;

  constructor(
    private readonly deps: { db: Reader; writer: Writer; clock: Clock },
    private readonly staleAfterMs: number,
    private readonly hooks: ReaperHooks = {},
  ) {
    this.passes = new Passes(() => this.pass(), 0, hooks.onError);
  }

  start(): void {
    const every = Math.max(50, Math.min(60_000, Math.floor(this.staleAfterMs / 4)));
    // A tick that finds a pass under way skips: the next one catches up.
    this.timer = setInterval(() => void (this.passes.busy || this.sweep()), every);
    this.timer.unref();
  }

  /**
   * One whole pass begun after this call (a pass already under way may have read
   * the clock earlier, so it is waited out first); returns how many runs it ended.
   */
  sweep(): Promise<number> {
    return this.passes.run();
  }

  private async pass(): Promise<number> {
    const now = this.deps.clock();
    const staleBefore = now - this.staleAfterMs;
    let ended = 0;
    for (const run of await listStaleRuns(this.deps.db, staleBefore, 500)) {
      if (await this.deps.writer.run("reapRun", { runId: run.id, staleBefore })) {
        ended++;
        this.hooks.onExpired?.();
      }
    }
    await this.deps.writer.run("forgetIdempotencyKeys", { before: now - IDEMPOTENCY_TTL_MS });
    return ended;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.passes.settled();
  }
}
