import pg from "pg";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { backoffDelay } from "../../sdk/retry.ts";
import { DatabaseUnavailable, InvalidText, MissingReference, UniqueViolation, type Database, type LockableTable, type Sql, type SqlValue } from "./port.ts";
import { placeholders, SCHEMA_NAME } from "./postgres-sql.ts";

const MIGRATIONS = join(dirname(fileURLToPath(import.meta.url)), "migrations", "postgres");

export interface PostgresOptions {
  /** Connections in the pool (10). */
  maxConnections?: number;
  /** Attempts of a transaction that lost a serialization conflict or a deadlock (20). */
  maxAttempts?: number;
  /** How long to wait for a connection before a request fails with 503 (10 s). */
  connectTimeoutMs?: number;
  /** Called with an idle connection's failure (the pool replaces it; nothing else is affected). */
  onIdleError?: (error: Error) => void;
  /** Called each time a transaction is rolled back to run again, with why. */
  onRetry?: (reason: RetryReason) => void;
}

/** Why a transaction ran again: PostgreSQL broke a deadlock by failing it, or a serialization check failed. */
export type RetryReason = "deadlock" | "serialization";

/** SQLSTATEs after which a transaction is run again from the start. */
const RETRY = new Map<string, RetryReason>([["40P01", "deadlock"], ["40001", "serialization"]]);
const LOCK: Record<LockableTable, string> = {
  // NO KEY: rows that refer to the task by a foreign key (an image a comment shows) go on being inserted meanwhile (services/lock-order.ts).
  tasks: "SELECT 1 FROM tasks WHERE id = ? FOR NO KEY UPDATE",
  // Its deletion's: writes that add to it (a run, a comment) wait for it, then find it gone.
  task_deletions: "SELECT 1 FROM tasks WHERE id = ? FOR UPDATE",
  // What a change of a row that refers to it holds (a comment's edit or deletion), as an insert's foreign key would: its deletion waits.
  task_contents: "SELECT 1 FROM tasks WHERE id = ? FOR KEY SHARE",
  agents: "SELECT 1 FROM agents WHERE id = ? FOR UPDATE",
  // A deletion's: writes that add to these (a task, a run, a comment, a member) wait for it, then find them deleted.
  projects: "SELECT 1 FROM projects WHERE id = ? FOR UPDATE",
  workspaces: "SELECT 1 FROM workspaces WHERE id = ? FOR UPDATE",
  workspace_projects: "SELECT 1 FROM projects WHERE workspace_id = ? FOR UPDATE",
  // What those writes hold: KEY SHARE, so they go side by side (and beside inserts that refer to the row), while a FOR UPDATE waits.
  project_contents: "SELECT 1 FROM projects WHERE id = ? FOR KEY SHARE",
  workspace_contents: "SELECT 1 FROM workspaces WHERE id = ? FOR KEY SHARE",
  // NO KEY: an edit waits for another edit and for a deletion, not for the writes that add to the project (KEY SHARE).
  project_edits: "SELECT 1 FROM projects WHERE id = ? FOR NO KEY UPDATE",
  // NO KEY: rows that refer to the user (its comments, runs, notifications) go on being inserted meanwhile.
  users: "SELECT 1 FROM users WHERE id = ? FOR NO KEY UPDATE",
  // No row yet to lock: a transaction-scoped advisory lock on the key's hash (a collision only makes two keys wait in turn).
  idempotency_keys: "SELECT pg_advisory_xact_lock(hashtextextended('openclaw-groupchat idempotency ' || current_schema() || ' ' || ?, 0))",
};
/** SQLSTATE classes that mean the server is gone or refusing, not that the request was wrong. */
const GONE = ["08", "53", "57"];
const NETWORK = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH"]);

// BIGINT (ms timestamps, counts) and NUMERIC (sums) come back as numbers, as SQLite gives them.
const INT8 = 20;
const NUMERIC = 1700;
const types = {
  getTypeParser: ((oid: number, format?: string) =>
    oid === INT8 || oid === NUMERIC ? Number : pg.types.getTypeParser(oid, format as "text")) as typeof pg.types.getTypeParser,
};

/**
 * The PostgreSQL adapter (node-postgres), for several hubs on one database.
 *
 * Transactions run side by side on pooled connections at READ COMMITTED. What
 * SQLite's single writer gave for free, the domain code keeps here by its own
 * means: every run transition is one conditional UPDATE (PostgreSQL re-checks
 * its WHERE after waiting for the row), a second active run is refused by a
 * unique index, and the few read-check-write steps across rows lock the row
 * first (`lock`). SERIALIZABLE was measured and dropped: its predicate locks on
 * the hot right-hand index pages failed most concurrent lifecycles with
 * serialization errors (bench/RESULTS.md). A deadlock is rolled back and run
 * again (the port allows it). Reads outside a transaction see the last commit.
 * `schema` puts every table in a schema of its own (several hubs, or tests, in
 * one database).
 */
export class PostgresDatabase implements Database {
  readonly dialect = "postgres";
  private readonly pool: pg.Pool;
  private readonly maxAttempts: number;
  private readonly onRetry: ((reason: RetryReason) => void) | undefined;
  private closed = false;

  private constructor(url: string, readonly schema: string | null, options: PostgresOptions) {
    if (schema !== null && !SCHEMA_NAME.test(schema)) throw new Error(`Invalid schema name "${schema}": letters, digits and _ only`);
    this.maxAttempts = options.maxAttempts ?? 20;
    this.onRetry = options.onRetry;
    this.pool = new pg.Pool({
      connectionString: url,
      max: options.maxConnections ?? 10,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
      application_name: "openclaw-groupchat hub",
      types,
      ...(schema ? { options: `-c search_path=${schema}` } : {}),
    });
    // An idle connection that dies (server restart) must not crash the process: the pool drops it.
    this.pool.on("error", (error) => options.onIdleError?.(error));
  }

  /** Connects, creates the schema if one is named, and applies the migrations it lacks. */
  static async open(url: string, options: PostgresOptions & { schema?: string | null } = {}): Promise<PostgresDatabase> {
    const db = new PostgresDatabase(url, options.schema ?? null, options);
    try {
      await db.migrate();
    } catch (error) {
      await db.pool.end().catch(() => undefined);
      throw error;
    }
    return db;
  }

  async all<T>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
    return (await this.query<T>(this.pool, sql, params)).rows;
  }

  async get<T>(sql: string, params: readonly SqlValue[] = []): Promise<T | undefined> {
    return (await this.query<T>(this.pool, sql, params)).rows[0];
  }

  async run(sql: string, params: readonly SqlValue[] = []): Promise<{ changes: number }> {
    return { changes: (await this.query(this.pool, sql, params)).rowCount ?? 0 };
  }

  async transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.attempt(fn);
      } catch (error) {
        const reason = RETRY.get((error as { code?: string }).code ?? "");
        if (!(attempt < this.maxAttempts && reason)) throw translate(error);
        this.onRetry?.(reason);
        // Two transactions that keep colliding must not collide again at once.
        await new Promise((resolve) => setTimeout(resolve, backoffDelay(attempt - 1, { baseDelayMs: 2, maxDelayMs: 100 })));
      }
    }
  }

  /** Outside a transaction a lock would end with its statement: nothing to hold. */
  async lock(): Promise<boolean> {
    return false;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }

  private async attempt<T>(fn: (tx: Sql) => Promise<T>): Promise<T> {
    const client = await this.connect();
    let broken = false;
    try {
      await client.query("BEGIN");
      const notices: string[] = [];
      const tx: PostgresTx = {
        dialect: "postgres",
        all: async <R>(sql: string, params: readonly SqlValue[] = []) => (await this.query<R>(client, sql, params)).rows,
        get: async <R>(sql: string, params: readonly SqlValue[] = []) => (await this.query<R>(client, sql, params)).rows[0],
        run: async (sql, params = []) => ({ changes: (await this.query(client, sql, params)).rowCount ?? 0 }),
        lock: async (table, id) => {
          await this.query(client, LOCK[table], [id]);
          return true;
        },
        notifyAtCommit: (channel, payload) => void notices.push(`SELECT pg_notify(${client.escapeLiteral(channel)}, ${client.escapeLiteral(payload)})`),
      };
      const result = await fn(tx);
      // The notifications go with the COMMIT, in one round trip: listeners hear of them only if it commits.
      await client.query(notices.length > 0 ? `${notices.join("; ")}; COMMIT` : "COMMIT");
      return result;
    } catch (error) {
      try {
        await client.query("ROLLBACK");
      } catch {
        broken = true;
      }
      throw error;
    } finally {
      // A connection whose ROLLBACK failed is in an unknown state: the pool closes it.
      client.release(broken);
    }
  }

  private async connect(): Promise<pg.PoolClient> {
    if (this.closed) throw new Error("The database is closed");
    try {
      return await this.pool.connect();
    } catch (error) {
      throw translate(error);
    }
  }

  private async query<R>(on: pg.Pool | pg.PoolClient, sql: string, params: readonly SqlValue[]): Promise<pg.QueryResult<R & pg.QueryResultRow>> {
    if (this.closed) throw new Error("The database is closed");
    const { text, name } = placeholders(sql);
    try {
      // Named: each connection parses and plans a statement once, then reuses it (unnamed: planned at each call).
      return await on.query<R & pg.QueryResultRow>({ name, text, values: params as unknown[] });
    } catch (error) {
      // The domain code sees the port's errors inside a transaction too (a duplicate run is a 409); a conflict keeps its code for the retry.
      throw translate(error);
    }
  }

  /** Applies the numbered files in migrations/postgres this database lacks, one hub at a time. */
  private async migrate(): Promise<void> {
    const client = await this.connect();
    try {
      await client.query("BEGIN");
      // Two hubs starting at once: the second waits here, then finds the schema and the migrations there.
      await client.query("SELECT pg_advisory_xact_lock(hashtext('openclaw-groupchat migrations ' || coalesce($1::text, current_schema())))", [this.schema]);
      if (this.schema) await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(this.schema)}`);
      await client.query("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)");
      const applied = new Set((await client.query<{ version: number }>("SELECT version FROM schema_migrations")).rows.map((r) => r.version));
      for (const name of readdirSync(MIGRATIONS).filter((f) => /^\d{4}_.*\.sql$/.test(f)).sort()) {
        const version = Number(name.slice(0, 4));
        if (applied.has(version)) continue;
        await client.query(readFileSync(join(MIGRATIONS, name), "utf8"));
        await client.query("INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)", [version, name, Date.now()]);
      }
      await client.query("COMMIT");
    } catch (error) {
      await client.query("ROLLBACK").catch(() => undefined);
      throw translate(error);
    } finally {
      client.release();
    }
  }
}

/** A transaction on PostgreSQL: the port's, plus notifications sent with its COMMIT. */
export interface PostgresTx extends Sql {
  notifyAtCommit(channel: string, payload: string): void;
}

/** The port's errors for what the domain code handles; the rest as they came. */
function translate(error: unknown): unknown {
  if (!(error instanceof Error)) return error;
  const code = (error as { code?: unknown }).code;
  if (code === "23505") return new UniqueViolation(error.message);
  if (code === "23503") return new MissingReference(error.message, { cause: error });
  // 22021: a NUL character (or bytes that are no UTF-8) in a text parameter; SQLite would have stored it.
  if (code === "22021" || code === "22P05") return new InvalidText("Text cannot contain the NUL character (\\u0000)", { cause: error });
  const sqlState = typeof code === "string" && /^[0-9A-Z]{5}$/.test(code) ? code : null;
  if (
    (sqlState && GONE.some((cls) => sqlState.startsWith(cls))) ||
    (typeof code === "string" && NETWORK.has(code)) ||
    // node-postgres's own words for a connection it lost or could not get in time.
    /^Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/.test(error.message)
  ) {
    return new DatabaseUnavailable(`PostgreSQL is unreachable (${typeof code === "string" ? code : error.message})`, { cause: error });
  }
  return error;
}

function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

