import BetterSqlite3 from "better-sqlite3";
import type { ReadDatabase, SqlValue } from "./port.ts";
import { Statements } from "./sqlite-statements.ts";

/**
 * A read-only connection to a SQLite file in WAL mode. Each read sees the last
 * committed state, never an open transaction's writes, and never waits for a
 * writer, whichever connection, thread or process that is.
 */
export class SqliteReader implements ReadDatabase {
  readonly dialect = "sqlite";
  private readonly db: BetterSqlite3.Database;
  private readonly statements: Statements;
  private closed = false;

  constructor(file: string) {
    this.db = new BetterSqlite3(file);
    this.db.pragma("query_only = ON");
    this.db.pragma("busy_timeout = 5000");
    this.statements = new Statements(this.db);
  }

  all<T>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
    return this.select(() => this.statements.get(sql).all(params) as T[]);
  }

  get<T>(sql: string, params: readonly SqlValue[] = []): Promise<T | undefined> {
    return this.select(() => this.statements.get(sql).get(params) as T | undefined);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }

  private select<T>(fn: () => T): Promise<T> {
    if (this.closed) return Promise.reject(new Error("The database is closed"));
    try {
      return Promise.resolve(fn());
    } catch (error) {
      return Promise.reject(error);
    }
  }
}
