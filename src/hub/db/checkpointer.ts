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
 *
 * The WAL's size is read after every commit from the wal-index header in the
 * `-shm` file (mxFrame, a 32-bit native-order integer at offset 16; see
 * sqlite.org/walformat.html): a pass reports it only after it ran, and passes
 * starved of CPU would let the WAL grow unseen.
 */
import { closeSync, openSync, readSync } from "node:fs";
import { endianness } from "node:os";
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

const MX_FRAME_OFFSET = 16;

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
  /** Frames in the WAL after the last commit, from the wal-index (null: unreadable, go by `log`). */
  private frames: number | null = null;
  private shm: number | null = null;
  private readonly word = Buffer.alloc(4);
  /** Resolves once the thread has its connection (or failed to get one); passes asked for before then wait. */
  private ready: Promise<void> = Promise.resolve();

  constructor(private readonly file: string, options: CheckpointerOptions = {}) {
    this.limitFrames = options.limitFrames ?? 8000;
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
    this.frames = this.walFrames();
    if (this.inFlight || performance.now() - this.lastPass < this.intervalMs) return;
    void this.pass();
  }

  /** True when the WAL is past its limit and the writer should wait for `catchUp`. */
  get mustCatchUp(): boolean {
    return this.running && (this.frames ?? this.log) >= this.limit;
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
        // The next write starts the WAL over; its commit reads the new size.
        if (this.frames !== null) this.frames = 0;
        this.limit = this.limitFrames;
        return;
      }
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
    if (this.shm !== null) closeSync(this.shm);
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

  private walFrames(): number | null {
    try {
      this.shm ??= openSync(`${this.file}-shm`, "r");
      readSync(this.shm, this.word, 0, 4, MX_FRAME_OFFSET);
      return endianness() === "LE" ? this.word.readUInt32LE(0) : this.word.readUInt32BE(0);
    } catch {
      return null;
    }
  }

  private pass(): Promise<void> {
    const worker = this.worker!;
    this.lastPass = performance.now();
    worker.ref();
    this.inFlight = this.ready.then(() => new Promise<void>((resolve) => {
      const onReply = (reply: Reply) => {
        worker.off("error", onFailure);
        if ("error" in reply) this.onError(new Error(reply.error));
        else if (reply.log >= 0) {
          this.log = reply.log;
          this.checkpointed = reply.checkpointed;
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
