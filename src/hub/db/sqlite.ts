import BetterSqlite3 from "better-sqlite3";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { makeDirs } from "../make-dir.ts";
import { Checkpointer } from "./checkpointer.ts";
import { SqliteReader } from "./sqlite-reader.ts";
import { Statements, type Prepared } from "./sqlite-statements.ts";
import { UniqueViolation, type Database, type Sql, type SqlValue } from "./port.ts";

const MIGRATIONS = join(dirname(fileURLToPath(import.meta.url)), "migrations", "sqlite");

type Settle = { resolve: (value: unknown) => void; reject: (error: unknown) => void };
type Job =
  | ({ kind: "read"; run: () => unknown } & Settle)
  | WriteJob;
type WriteJob = { kind: "write"; fn: (tx: Sql) => Promise<unknown> } & Settle;

export interface SqliteOptions {
  /** How many queued transactions may share one COMMIT (64). */
  maxBatch?: number;
  /**
   * Before a COMMIT, let one event-loop turn pass so that writes arriving meanwhile
   * join it (true). A writer fed in batches already has them all.
   */
  gather?: boolean;
  /**
   * A second, read-only connection for reads outside transactions (true). A writer
   * that reads only inside its transactions (the writer thread) does without.
   */
  readConnection?: boolean;
  /** WAL frames at which writes wait for the background checkpoint to catch up (8000: ~32 MB of 4 KiB pages). */
  walLimitFrames?: number;
  /** Least time between two background checkpoint passes. */
  checkpointIntervalMs?: number;
  /** Commits within a second that move checkpoints to their thread (0: from the start). */
  backgroundCheckpointAt?: number;
  /** With the thread running, SQLite's own checkpoint stays as a backstop at this many frames (0: none). */
  backstopFrames?: number;
  /** Told of each COMMIT with how many transactions shared it (the hub's metrics). */
  onCommit?: (transactions: number) => void;
}

/**
 * The embedded SQLite adapter (better-sqlite3: synchronous, so the fastest driver).
 *
 * Two connections. Reads outside a transaction go to a reader connection, which in
 * WAL mode sees the last committed state, never an open transaction's writes, and
 * never waits for one. Writes go through one queue on the writer connection: the
 * port is async, so while a transaction awaits, every other write waits. Under
 * load, transactions queued meanwhile are group-committed: they run one after
 * another and share one COMMIT, after which all of them resolve. Nobody hears of
 * a write before it is committed.
 *
 * A transaction that fails before it wrote anything needs nothing undone. One that
 * fails after writing rolls the whole batch back, and the batch runs again with a
 * SAVEPOINT per transaction, so its writes go alone: the common case pays for no
 * savepoints, and a transaction function may run more than once (see the port).
 */
export class SqliteDatabase implements Database {
  readonly dialect = "sqlite";
  private readonly db: BetterSqlite3.Database;
  /** Null for an in-memory database (a second connection could not see it) or when asked for none. */
  private readonly reader: SqliteReader | null = null;
  private readonly statements: Statements;
  private readonly checkpointer: Checkpointer | null = null;
  private readonly queue: Job[] = [];
  private busy = false;
  private closed = false;
  private readonly direct: Sql;
  /** Statements that wrote, so far: a failed transaction that wrote none has nothing to undo. */
  private writes = 0;
  private readonly maxBatch: number;
  private readonly gathers: boolean;
  private readonly onCommit: ((transactions: number) => void) | undefined;

  constructor(file: string, options: SqliteOptions = {}) {
    const walLimitFrames = options.walLimitFrames ?? 8000;
    this.maxBatch = options.maxBatch ?? 64;
    this.gathers = options.gather ?? true;
    this.onCommit = options.onCommit;
    if (file !== ":memory:") makeDirs(dirname(file));
    this.db = new BetterSqlite3(file);
    this.statements = new Statements(this.db);
    // A statement that wrote counts toward `writes` whichever call ran it (`… RETURNING` comes back through get/all).
    this.direct = {
      dialect: "sqlite",
      all: async (sql, params) => this.exec(sql, params, (s, p) => this.wrote(s, s.all(p))) as never,
      get: async (sql, params) => this.exec(sql, params, (s, p) => this.wrote(s, s.get(p))) as never,
      run: async (sql, params) => this.exec(sql, params, (s, p) => this.wrote(s, s.run(p))),
      // One writer at a time: nothing can change under a transaction, so nothing to lock.
      lock: async () => false,
    };
    try {
      this.db.pragma("journal_mode = WAL");
      // Durable across a crash of the process; a power loss may lose the last commits.
      this.db.pragma("synchronous = NORMAL");
      this.db.pragma("foreign_keys = ON");
      this.db.pragma("busy_timeout = 5000");
      // Savepoint and statement journals in memory: each transaction of a group
      // commit journals every page it touches, and a temp file made that a syscall each.
      this.db.pragma("temp_store = MEMORY");
      this.migrate();
      if (file !== ":memory:") {
        if (options.readConnection ?? true) this.reader = new SqliteReader(file);
        this.checkpointer = new Checkpointer(file, {
          limitFrames: walLimitFrames,
          intervalMs: options.checkpointIntervalMs,
          startAt: options.backgroundCheckpointAt,
          // SQLite's own checkpoint inside COMMIT stays only as a backstop, should the thread fall behind or die.
          onStart: () => this.db.pragma(`wal_autocheckpoint = ${options.backstopFrames ?? 4 * walLimitFrames}`),
        });
      }
    } catch (error) {
      // Nothing half-open stays behind: the file's handle, the read connection.
      void this.reader?.close().catch(() => undefined);
      this.db.close();
      throw error;
    }
  }

  /** Resolves once a started background checkpointer is up (tests wait for it; the hub need not). */
  async ready(): Promise<void> {
    await this.checkpointer?.whenReady();
  }

  all<T>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
    if (this.closed) return Promise.reject(new Error("The database is closed"));
    return this.reader ? this.reader.all<T>(sql, params) : this.read(() => this.exec(sql, params, (s, p) => s.all(p) as T[]));
  }

  get<T>(sql: string, params: readonly SqlValue[] = []): Promise<T | undefined> {
    if (this.closed) return Promise.reject(new Error("The database is closed"));
    return this.reader ? this.reader.get<T>(sql, params) : this.read(() => this.exec(sql, params, (s, p) => s.get(p) as T | undefined));
  }

  run(sql: string, params: readonly SqlValue[] = []): Promise<{ changes: number }> {
    return this.read(() => this.exec(sql, params, (s, p) => s.run(p)));
  }

  async lock(): Promise<boolean> {
    return false;
  }

  transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) =>
      this.submit({ kind: "write", fn, resolve: resolve as (v: unknown) => void, reject }));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await new Promise((resolve, reject) => this.submit({ kind: "read", run: () => undefined, resolve, reject }));
    this.closed = true;
    await this.checkpointer?.close();
    await this.reader?.close();
    this.db.close();
  }

  /** A lone write runs at once when nothing is queued; otherwise it waits its turn. */
  private read<T>(run: () => T): Promise<T> {
    if (!this.busy && this.queue.length === 0) {
      try {
        return Promise.resolve(run());
      } catch (error) {
        return Promise.reject(error);
      }
    }
    return new Promise<T>((resolve, reject) =>
      this.submit({ kind: "read", run, resolve: resolve as (v: unknown) => void, reject }));
  }

  private submit(job: Job): void {
    if (this.closed) return job.reject(new Error("The database is closed"));
    this.queue.push(job);
    if (!this.busy) void this.drain();
  }

  private async drain(): Promise<void> {
    this.busy = true;
    let committed = false;
    try {
      while (this.queue.length > 0) {
        const head = this.queue[0]!;
        if (head.kind === "read") {
          this.queue.shift();
          try {
            head.resolve(head.run());
          } catch (error) {
            head.reject(error);
          }
          continue;
        }
        // Past its limit the WAL must be copied out before it can start over:
        // writes wait here, without blocking the event loop.
        if (this.checkpointer?.mustCatchUp) await this.checkpointer.catchUp();
        // Between two COMMITs the event loop gets a turn (gathering gives it one
        // anyway): transactions chained through promises alone would otherwise
        // starve every callback, the checkpointer's replies among them.
        if (committed && !this.gathers) await new Promise((resolve) => setImmediate(resolve));
        const batch: WriteJob[] = [];
        while (batch.length < this.maxBatch && this.queue[0]?.kind === "write") batch.push(this.queue.shift() as never);
        await this.commit(batch);
        committed = true;
      }
    } finally {
      this.busy = false;
    }
  }

  /** Runs a batch of transactions under one BEGIN … COMMIT. */
  private async commit(batch: WriteJob[]): Promise<void> {
    const settled = new Set<WriteJob>();
    this.statement("BEGIN IMMEDIATE").run();
    let done = await this.runBatch(batch, settled, false);
    if (done === null) {
      // One failed after it wrote: undo them all, then run them again, each in a savepoint.
      this.statement("ROLLBACK").run();
      this.statement("BEGIN IMMEDIATE").run();
      done = (await this.runBatch(batch, settled, true))!;
    }
    try {
      this.statement("COMMIT").run();
    } catch (error) {
      if (this.db.inTransaction) this.statement("ROLLBACK").run();
      for (const d of done) d.job.reject(error);
      return;
    }
    this.checkpointer?.afterCommit();
    if (done.length > 0) this.onCommit?.(done.length);
    for (const d of done) d.job.resolve(d.value);
  }

  /**
   * Runs the batch's unsettled transactions in order, inside the open transaction.
   * Without savepoints, returns null as soon as one fails after writing (the caller
   * rolls back); a failure before any write, or inside a savepoint, is that job's alone.
   */
  private async runBatch(batch: WriteJob[], settled: Set<WriteJob>, savepoints: boolean): Promise<{ job: WriteJob; value: unknown }[] | null> {
    const done: { job: WriteJob; value: unknown }[] = [];
    const fail = (job: WriteJob, error: unknown) => {
      settled.add(job);
      job.reject(error);
    };
    let gathered = !this.gathers || savepoints;
    for (let i = 0; i < batch.length; i++) {
      const job = batch[i]!;
      if (settled.has(job)) continue;
      if (savepoints) this.statement("SAVEPOINT job").run();
      const writes = this.writes;
      try {
        const value = await job.fn(this.direct);
        if (savepoints) this.statement("RELEASE job").run();
        done.push({ job, value });
      } catch (error) {
        if (!this.db.inTransaction) {
          // SQLite rolled the whole transaction back (e.g. disk full): the batch so far is gone.
          fail(job, error);
          for (const d of done.splice(0)) fail(d.job, error);
          this.statement("BEGIN IMMEDIATE").run();
        } else if (savepoints) {
          this.statement("ROLLBACK TO job").run();
          this.statement("RELEASE job").run();
          fail(job, error);
        } else if (this.writes === writes) {
          fail(job, error);
        } else {
          return null;
        }
      }
      if (i === batch.length - 1 && !gathered) {
        gathered = true;
        await this.gather(batch);
      }
    }
    return done;
  }

  /**
   * Group commit: before committing, let one turn of the event loop pass so that
   * requests that arrived meanwhile join this COMMIT instead of paying for their own.
   */
  private async gather(batch: WriteJob[]): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve));
    while (batch.length < this.maxBatch && this.queue[0]?.kind === "write") batch.push(this.queue.shift() as never);
  }

  private wrote<R>(statement: Prepared, result: R): R {
    if (statement.writes) this.writes++;
    return result;
  }

  private statement(sql: string): Prepared {
    return this.statements.get(sql);
  }

  private exec<R>(sql: string, params: readonly SqlValue[] = [], fn: (s: Prepared, p: readonly SqlValue[]) => R): R {
    const statement = this.statement(sql);
    try {
      return fn(statement, params);
    } catch (error) {
      if ((error as { code?: string }).code?.startsWith("SQLITE_CONSTRAINT_UNIQUE") ||
          (error as { code?: string }).code === "SQLITE_CONSTRAINT_PRIMARYKEY") {
        throw new UniqueViolation((error as Error).message, { cause: error });
      }
      throw error;
    }
  }

  /** Applies the numbered files in migrations/sqlite that this file has not seen yet. */
  private migrate(): void {
    this.db.exec("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)");
    const applied = new Set(
      (this.db.prepare("SELECT version FROM schema_migrations").all() as { version: number }[]).map((r) => r.version),
    );
    for (const name of readdirSync(MIGRATIONS).filter((f) => /^\d{4}_.*\.sql$/.test(f)).sort()) {
      const version = Number(name.slice(0, 4));
      if (applied.has(version)) continue;
      const sql = readFileSync(join(MIGRATIONS, name), "utf8");
      this.db.transaction(() => {
        this.db.exec(sql);
        this.db.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)").run(version, name, Date.now());
      })();
    }
  }
}
