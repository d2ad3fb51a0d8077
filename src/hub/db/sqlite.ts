import BetterSqlite3 from "better-sqlite3";
import { mkdirSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { UniqueViolation, type Database, type Sql, type SqlValue } from "./port.ts";

const MIGRATIONS = join(dirname(fileURLToPath(import.meta.url)), "migrations", "sqlite");

/**
 * The embedded SQLite adapter (better-sqlite3: synchronous, so the fastest driver).
 * One connection; the port is async, so while a transaction awaits, every other
 * statement waits for it: no request ever sees another's uncommitted writes.
 */
export class SqliteDatabase implements Database {
  readonly dialect = "sqlite";
  private readonly db: BetterSqlite3.Database;
  private readonly statements = new Map<string, BetterSqlite3.Statement>();
  private tail: Promise<unknown> = Promise.resolve();
  private pending = 0;
  private inTransaction = false;
  private readonly direct: Sql;

  constructor(file: string) {
    if (file !== ":memory:") mkdirSync(dirname(file), { recursive: true });
    this.db = new BetterSqlite3(file);
    this.db.pragma("journal_mode = WAL");
    this.db.pragma("synchronous = NORMAL");
    this.db.pragma("foreign_keys = ON");
    this.db.pragma("busy_timeout = 5000");
    this.direct = {
      all: async (sql, params) => this.exec(sql, params, (s, p) => s.all(...p)) as never,
      get: async (sql, params) => this.exec(sql, params, (s, p) => s.get(...p)) as never,
      run: async (sql, params) => this.exec(sql, params, (s, p) => ({ changes: s.run(...p).changes })),
    };
    this.migrate();
  }

  all<T>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
    return this.outside(() => this.direct.all<T>(sql, params));
  }

  get<T>(sql: string, params: readonly SqlValue[] = []): Promise<T | undefined> {
    return this.outside(() => this.direct.get<T>(sql, params));
  }

  run(sql: string, params: readonly SqlValue[] = []): Promise<{ changes: number }> {
    return this.outside(() => this.direct.run(sql, params));
  }

  transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T> {
    return this.enqueue(async () => {
      this.inTransaction = true;
      this.db.exec("BEGIN IMMEDIATE");
      try {
        const result = await fn(this.direct);
        this.db.exec("COMMIT");
        return result;
      } catch (error) {
        if (this.db.inTransaction) this.db.exec("ROLLBACK");
        throw error;
      } finally {
        this.inTransaction = false;
      }
    });
  }

  async close(): Promise<void> {
    await this.enqueue(async () => this.db.close());
  }

  /** A statement outside a transaction runs at once, unless a transaction is open: then it queues. */
  private outside<T>(fn: () => Promise<T>): Promise<T> {
    return this.inTransaction || this.pending > 0 ? this.enqueue(fn) : fn();
  }

  /** FIFO: each queued job starts when the one before it has settled. */
  private enqueue<T>(fn: () => Promise<T>): Promise<T> {
    this.pending++;
    const job = this.tail.then(fn).finally(() => this.pending--);
    this.tail = job.catch(() => undefined);
    return job;
  }

  private exec<R>(sql: string, params: readonly SqlValue[] = [], fn: (s: BetterSqlite3.Statement, p: readonly SqlValue[]) => R): R {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
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
