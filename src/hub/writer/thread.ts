/**
 * Runs commands on a thread of their own that owns the SQLite file's write
 * connection (worker.ts). The HTTP thread parses, authenticates and answers;
 * the writer thread runs the SQL, group-commits and serializes the bodies. On
 * two cores the two overlap instead of taking turns.
 *
 * Calls made during one event-loop turn go over as one message. Should the
 * thread die, or hold calls without a word for `hangAfterMs` (then it is
 * terminated), the calls it held fail (their outcome is unknown: a client
 * retries with its Idempotency-Key) and the next call starts a new one.
 */
import { once } from "node:events";
import { Worker } from "node:worker_threads";
import type { ChangeFeed } from "../changes.ts";
import type { CommandInput, CommandName, CommandResult } from "../commands.ts";
import type { SqliteOptions } from "../db/sqlite.ts";
import { unavailable } from "../errors.ts";
import type { Clock } from "../write.ts";
import type { Executed } from "./executor.ts";
import { decodeError, pushCall, readOutcomes, type Batch, type Control } from "./wire.ts";
import type { WriterThreadData } from "./worker.ts";
import { resultOf, type Idempotency, type OnTransitions, type Outcome, type Writer } from "./writer.ts";

const ENTRY = new URL("./worker-entry.mjs", import.meta.url);

export interface ThreadWriterOptions {
  sqlite?: SqliteOptions;
  /** Told when the thread dies or cannot start. */
  onError?: (error: Error) => void;
  /** The thread's entry module (tests wrap the real one). */
  entry?: URL;
  /** Least time between two starts of the thread (a thread that keeps dying is not restarted in a tight loop). */
  restartDelayMs?: number;
  /**
   * Calls held at once (sent or waiting) before new ones are refused with a 503
   * and Retry-After (10,000): an overloaded hub sheds load instead of queueing
   * without end. A refused call wrote nothing.
   */
  maxPending?: number;
  /** A thread that holds calls and says nothing for this long is stuck: it is terminated (30 s). */
  hangAfterMs?: number;
  onTransitions?: OnTransitions;
}

interface Pending {
  resolve(executed: Executed): void;
  reject(error: Error): void;
}

export class ThreadWriter implements Writer {
  private worker: Worker | null = null;
  private starting: Promise<void> | null = null;
  private lastStart = 0;
  /** When the thread last answered, or was handed work while it held none. */
  private lastHeard = 0;
  private hung: string | null = null;
  private readonly watchdog: NodeJS.Timeout;
  private readonly pending = new Map<number, Pending>();
  /** Calls not yet sent, and the ids among them. */
  private outgoing: Batch = [];
  private outgoingIds: number[] = [];
  private scheduled = false;
  private nextId = 1;
  private closing: Promise<void> | null = null;

  private constructor(
    private readonly file: string,
    private readonly feed: ChangeFeed,
    private readonly clock: Clock,
    private readonly options: ThreadWriterOptions,
  ) {
    const hangAfter = options.hangAfterMs ?? 30_000;
    this.watchdog = setInterval(() => this.checkAlive(hangAfter), Math.min(5000, Math.max(10, hangAfter / 4)));
    this.watchdog.unref();
  }

  /** Resolves once the thread has the database open and migrated. */
  static async start(file: string, feed: ChangeFeed, clock: Clock = Date.now, options: ThreadWriterOptions = {}): Promise<ThreadWriter> {
    const writer = new ThreadWriter(file, feed, clock, options);
    writer.starting = writer.spawn();
    try {
      await writer.starting;
    } catch (error) {
      clearInterval(writer.watchdog);
      throw error;
    } finally {
      writer.starting = null;
    }
    return writer;
  }

  async run<N extends CommandName>(name: N, input: CommandInput<N>): Promise<CommandResult<N>> {
    return resultOf<N>(await this.reply(name, input));
  }

  reply<N extends CommandName>(name: N, input: CommandInput<N>, idempotency?: Idempotency): Promise<Outcome> {
    if (this.closing) return Promise.reject(new Error("The hub is shutting down"));
    if (this.pending.size >= (this.options.maxPending ?? 10_000)) return Promise.reject(unavailable("The hub is busy; try again shortly"));
    return new Promise<Executed>((resolve, reject) => {
      const id = this.nextId++;
      this.pending.set(id, { resolve, reject });
      pushCall(this.outgoing, id, { name, input, now: this.clock(), idempotency });
      this.outgoingIds.push(id);
      this.schedule();
    }).then((executed) => executed.outcome);
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      clearInterval(this.watchdog);
      await this.starting?.catch(() => {});
      const worker = this.worker;
      if (!worker) return this.failOutgoing(new Error("The hub is shutting down"));
      this.flush();
      const exited = once(worker, "exit");
      worker.postMessage({ type: "close" } satisfies Control);
      await exited;
      this.failAll(new Error("The writer thread stopped before it answered"));
    })();
    return this.closing;
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    if (this.outgoing.length === 0) return;
    if (!this.worker) {
      if (!this.starting && !this.closing) this.restart();
      return;
    }
    // An idle thread handed work starts its clock now, not at its last answer.
    if (this.pending.size === this.outgoingIds.length) this.lastHeard = performance.now();
    const batch = this.outgoing;
    this.outgoing = [];
    this.outgoingIds = [];
    this.worker.postMessage(batch);
  }

  /** Terminates a thread that holds calls and has said nothing for `hangAfter` ms (its exit does the rest). */
  private checkAlive(hangAfter: number): void {
    const held = this.pending.size - this.outgoingIds.length;
    if (!this.worker || held === 0 || performance.now() - this.lastHeard < hangAfter) return;
    this.hung = `it held ${held} call(s) and did not answer for ${Math.round((performance.now() - this.lastHeard) / 1000)} s`;
    void this.worker.terminate();
  }

  private restart(): void {
    const wait = Math.max(0, this.lastStart + (this.options.restartDelayMs ?? 1000) - performance.now());
    // Not unref()d: calls are waiting on it.
    this.starting = new Promise((resolve) => setTimeout(resolve, wait))
      .then(() => this.spawn())
      .then(
        () => this.flush(),
        (error: Error) => {
          this.options.onError?.(error);
          this.failOutgoing(error);
        },
      )
      .finally(() => (this.starting = null));
  }

  private spawn(): Promise<void> {
    this.lastStart = performance.now();
    const data: WriterThreadData = { file: this.file, sqlite: this.options.sqlite ?? {} };
    // Its own loader (see worker-entry.mjs), so none of ours: --import tsx twice would load TypeScript twice.
    const worker = new Worker(this.options.entry ?? ENTRY, { workerData: data, execArgv: [] });
    return new Promise<void>((resolve, reject) => {
      let ready = false;
      worker.on("message", (message: Batch | Control) => {
        this.lastHeard = performance.now();
        if (Array.isArray(message)) return this.settle(message);
        if (message.type === "ready") {
          ready = true;
          this.worker = worker;
          resolve();
        } else if (message.type === "fatal") {
          reject(decodeError(message.error));
        }
      });
      let failure: Error | null = null;
      worker.on("error", (error) => (failure = error));
      worker.on("exit", (code) => {
        if (!ready) return reject(failure ?? new Error(`The writer thread exited (code ${code}) before it was ready`));
        if (this.worker === worker) this.worker = null;
        if (this.closing) return;
        const why = this.hung ? `: ${this.hung}` : failure ? `: ${failure.message}` : "";
        this.hung = null;
        const error = new Error(`The writer thread stopped (code ${code})${why}`, { cause: failure });
        this.options.onError?.(error);
        // What it held may or may not have committed; what was not sent yet goes to the next thread.
        this.failSent(error);
        if (this.outgoing.length > 0) this.restart();
      });
    });
  }

  private settle(batch: Batch): void {
    for (const outcome of readOutcomes(batch)) {
      const pending = this.pending.get(outcome.id);
      if (!pending) continue;
      this.pending.delete(outcome.id);
      if (!outcome.ok) {
        pending.reject(outcome.error);
        continue;
      }
      // Subscribers hear of the write before its caller does.
      this.feed.publish(outcome.executed.changes);
      if (outcome.executed.transitions.length > 0) this.options.onTransitions?.(outcome.executed.transitions);
      pending.resolve(outcome.executed);
    }
  }

  /** Fails the calls the thread was given (not those still waiting to be sent). */
  private failSent(error: Error): void {
    const unsent = new Set(this.outgoingIds);
    for (const [id, pending] of this.pending) {
      if (unsent.has(id)) continue;
      this.pending.delete(id);
      pending.reject(error);
    }
  }

  private failOutgoing(error: Error): void {
    for (const id of this.outgoingIds) {
      this.pending.get(id)?.reject(error);
      this.pending.delete(id);
    }
    this.outgoing = [];
    this.outgoingIds = [];
  }

  private failAll(error: Error): void {
    for (const pending of this.pending.values()) pending.reject(error);
    this.pending.clear();
    this.outgoing = [];
    this.outgoingIds = [];
  }
}
