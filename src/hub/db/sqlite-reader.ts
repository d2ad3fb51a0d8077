import BetterSqlite3 from "better-sqlite3";
import type { ReadDatabase, SqlValue } from "./port.ts";

/**
 * A read-only connection to a SQLite file in WAL mode. Each read sees the last
 * committed state, never an open transaction's writes, and never waits for a
 * writer, whichever connection, thread or process that is.
 */
export class SqliteReader implements ReadDatabase {
  private readonly db: BetterSqlite3.Database;
  private readonly statements = new Map<string, BetterSqlite3.Statement>();
  private closed = false;

  constructor(file: string) {
    this.db = new BetterSqlite3(file);
    this.db.pragma("query_only = ON");
    this.db.pragma("busy_timeout = 5000");
  }

  all<T>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
    return this.select(sql, (s) => s.all(...params) as T[]);
  }

  get<T>(sql: string, params: readonly SqlValue[] = []): Promise<T | undefined> {
    return this.select(sql, (s) => s.get(...params) as T | undefined);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }

  private select<T>(sql: string, fn: (s: BetterSqlite3.Statement) => T): Promise<T> {
    if (this.closed) return Promise.reject(new Error("The database is closed"));
    try {
      let statement = this.statements.get(sql);
      if (!statement) {
        statement = this.db.prepare(sql);
        this.statements.set(sql, statement);
      }
      return Promise.resolve(fn(statement));
    } catch (error) {
      return Promise.reject(error);
    }
  }
}
