/**
 * Keeps WAL checkpoints off the event loop under load. SQLite's own checkpoint
 * runs inside the COMMIT that crosses its threshold: it copies pages into the
 * database file and fsyncs twice while every request waits. Once writes are
 * frequent (`startAt` commits in a second), a worker thread with its own
 * connection takes that over (PASSIVE: it never blocks the writer), a pass at
 * most every `intervalMs`. A quiet hub never pays for the thread (~250 ms of CPU
 * to start), and SQLite's own checkpoint serves it well enough.
 *
 * A passive checkpoint alone lets the WAL grow without end under steady writes:
 * the WAL starts over only when a write begins with every frame copied. So once
 * it holds `limitFrames`, the adapter pauses its write queue (asynchronously:
 * requests are still parsed and reads still served) until the worker has copied
 * the rest; the next write then starts the WAL from the top.
 */
import { Worker } from "node:worker_threads";

type Reply = { busy: number; log: number; checkpointed: number } | { error: string };

export interface CheckpointerOptions {
  /** WAL size, in frames (pages), at which writes pause for a full catch-up. */
  limitFrames?: number | undefined;
  /** Least time between two background passes. */
  intervalMs?: number | undefined;
  /** Commits within one second that start the thread (0: start at once). */
  startAt?: number | undefined;
  /** Called once the thread is started, so the writer can stand its own checkpoint down. */
  onStart?: () => void;
  onError?: (error: Error) => void;
}

/** Commits a writer may make past the last reported WAL size before it waits for a report. */
const MAX_UNREPORTED_COMMITS = 128;

export class Checkpointer {
  private worker: Worker | null = null;
  private readonly limitFrames: number;
  private readonly intervalMs: number;
  private readonly startAt: number;
  private readonly onStart: () => void;
  private readonly onError: (error: Error) => void;
  /** Frames in the WAL and how many of them are copied, as the last pass found them. */
  private log = 0;
  private checkpointed = 0;
  /** The WAL size that triggers the next catch-up. */
  private limit: number;
  private inFlight: Promise<void> | null = null;
  private lastPass = 0;
  private closed = false;
  /** Commits counted toward starting the thread, since `windowStart`. */
  private commits = 0;
  private windowStart = 0;
  /** Commits since the thread took over, and that count when the pass behind `log` began. */
  private total = 0;
  private reportedAt = 0;
  /** Resolves once the thread has its connection (or failed to get one); passes asked for before then wait. */
  private ready: Promise<void> = Promise.resolve();

  constructor(private readonly file: string, options: CheckpointerOptions = {}) {
    this.limitFrames = options.limitFrames ?? 4000;
    this.limit = this.limitFrames;
    this.intervalMs = options.intervalMs ?? 50;
    this.startAt = options.startAt ?? 50;
    this.onStart = options.onStart ?? (() => {});
    this.onError = options.onError ?? ((error) => console.error(`checkpoint: ${error.message}`));
    if (this.startAt === 0) this.start();
  }

  /** Whether the thread has taken over (it may still be starting). */
  get running(): boolean {
    return this.worker !== null && !this.closed;
  }

  /** Resolves once a started thread is up. */
  whenReady(): Promise<void> {
    return this.ready;
  }

  /** After a commit: counts toward starting the thread, or starts a pass unless one is running or ran just now. */
  afterCommit(): void {
    if (this.closed) return;
    if (!this.worker) {
      const now = performance.now();
      if (now - this.windowStart > 1000) {
        this.windowStart = now;
        this.commits = 0;
      }
      if (++this.commits >= this.startAt) this.start();
      return;
    }
    this.total++;
    if (this.inFlight || performance.now() - this.lastPass < this.intervalMs) return;
    void this.pass();
  }

  /**
   * True when the writer should wait for `catchUp`: the WAL is past its limit, or
   * so many commits went by since the last reported size (passes starved of CPU)
   * that the size is anybody's guess.
   */
  get mustCatchUp(): boolean {
    return this.running && (this.log >= this.limit || this.total - this.reportedAt >= MAX_UNREPORTED_COMMITS);
  }

  /**
   * Resolves once every frame is copied (the caller holds its writes meanwhile).
   * If another process's open read keeps part of the WAL pinned, it gives up after
   * a few short tries and lets the WAL grow by another limit before trying again.
   */
  async catchUp(): Promise<void> {
    for (let attempt = 0; attempt < 5 && this.running; attempt++) {
      await this.inFlight;
      await this.pass();
      if (this.checkpointed >= this.log) {
        this.log = 0;
        this.checkpointed = 0;
        this.limit = this.limitFrames;
        return;
      }
      // Called for a fresh report only, and the WAL is within its limit.
      if (this.log < this.limit) return;
      await new Promise((resolve) => setTimeout(resolve, 2 ** attempt));
    }
    this.limit = this.log + this.limitFrames;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const worker = this.worker;
    if (!worker) return;
    await this.inFlight;
    worker.ref();
    worker.postMessage("close");
    await new Promise((resolve) => worker.once("exit", resolve));
  }

  private start(): void {
    const worker = new Worker(new URL("./checkpoint-worker.mjs", import.meta.url), { workerData: { file: this.file } });
    this.worker = worker;
    // An idle checkpointer must not keep the process alive; one starting or at work must.
    this.ready = new Promise<void>((resolve) => {
      worker.once("message", () => resolve());
      worker.once("error", () => resolve());
    }).then(() => {
      if (!this.inFlight && !this.closed) worker.unref();
    });
    this.onStart();
  }

  private pass(): Promise<void> {
    const worker = this.worker!;
    this.lastPass = performance.now();
    const startedAt = this.total;
    worker.ref();
    this.inFlight = this.ready.then(() => new Promise<void>((resolve) => {
      const onReply = (reply: Reply) => {
        worker.off("error", onFailure);
        if ("error" in reply) this.onError(new Error(reply.error));
        else if (reply.log >= 0) {
          this.log = reply.log;
          this.checkpointed = reply.checkpointed;
          this.reportedAt = startedAt;
        }
        resolve();
      };
      const onFailure = (error: Error) => {
        worker.off("message", onReply);
        this.closed = true;
        this.onError(error);
        resolve();
      };
      worker.once("message", onReply);
      worker.once("error", onFailure);
      worker.postMessage("checkpoint");
    })).finally(() => {
      this.inFlight = null;
      worker.unref();
    });
    return this.inFlight;
  }
}
