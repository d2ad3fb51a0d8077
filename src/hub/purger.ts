import { DEFAULT_UPLOADS } from "./config.ts";
import type { Reader } from "./db/port.ts";
import { Passes } from "./passes.ts";
import { UPLOADS_PER_BATCH, type Purged } from "./services/purge.ts";
import { anythingToPurge } from "./store/purge.ts";
import { anyUploadUnreferencedSince } from "./store/uploads.ts";
import type { Clock } from "./write.ts";
import type { Writer } from "./writer/writer.ts";

export interface PurgerOptions {
  /** Tasks removed per transaction (200): each batch is one short write, others' go between two. */
  batch?: number;
  /** How often it looks for something deleted to purge (1 s); it looks at once when started. */
  everyMs?: number;
  /** How long an upload no task names is kept (--upload-grace, 24 h). */
  uploadGraceMs?: number;
}

export interface PurgerHooks {
  onError?: (error: unknown) => void;
}

/**
 * The purger: removes, in small batches, what a deletion of a project or workspace only
 * marked (services/purge.ts), then the uploads no task has named for the grace period
 * (services/uploads.ts). Started with the hub, it finds what a stopped or crashed hub
 * left half-purged, since the marks are in the database. Hubs sharing a PostgreSQL
 * database each run one; their batches claim different rows (FOR UPDATE SKIP LOCKED).
 */
export class Purger {
  private timer: NodeJS.Timeout | null = null;
  private stopping = false;
  private readonly passes: Passes<number>;
  private readonly batch: number;
  private readonly everyMs: number;
  private readonly uploadGraceMs: number;

  constructor(
    private readonly deps: { db: Reader; writer: Writer; clock: Clock },
    options: PurgerOptions = {},
    hooks: PurgerHooks = {},
  ) {
    this.passes = new Passes(() => this.pass(), 0, hooks.onError);
    this.batch = options.batch ?? 200;
    this.everyMs = options.everyMs ?? 1000;
    this.uploadGraceMs = options.uploadGraceMs ?? DEFAULT_UPLOADS.graceMs;
  }

  start(): void {
    this.stopping = false;
    void this.drain();
    // A tick that finds a drain under way skips it: that one goes on until nothing is left.
    this.timer = setInterval(() => void (this.passes.busy || this.drain()), this.everyMs);
    this.timer.unref();
  }

  /** Purges batch after batch until nothing is left (or the hub stops); resolves with how many tasks went. */
  drain(): Promise<number> {
    return this.passes.run();
  }

  /** One batch, whatever else is going on (tests: a hub stopped half-way through a purge). */
  step(): Promise<Purged> {
    return this.deps.writer.run("purgeDeleted", { limit: this.batch });
  }

  private async pass(): Promise<number> {
    let tasks = 0;
    if (await anythingToPurge(this.deps.db)) {
      while (!this.stopping) {
        const purged = await this.step();
        tasks += purged.tasks;
        if (!purged.more) break;
      }
    }
    // After the deletions: a purged task's uploads are named by nothing from then on, and wait out their grace.
    const before = this.deps.clock() - this.uploadGraceMs;
    if (await anyUploadUnreferencedSince(this.deps.db, before)) {
      while (!this.stopping) {
        const { more } = await this.deps.writer.run("purgeUnreferencedUploads", { before, limit: UPLOADS_PER_BATCH });
        if (!more) break;
      }
    }
    return tasks;
  }

  /** Stops after the batch under way (its transaction is whole either way); the rest waits for the next start. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.passes.settled();
  }
}
