/**
 * The database port: the one narrow interface domain code talks to. Each driver
 * (SQLite now, PostgreSQL later) is one adapter. SQL is written in the portable
 * subset both speak, with `?` placeholders; adapters translate if they must.
 */
export type SqlValue = string | number | bigint | null | Uint8Array;

export type Dialect = "sqlite" | "postgres";

/**
 * Marks a statement whose best plan depends on its parameters' values: a LIKE pattern that
 * matches few rows wants an index, one that matches most wants the list's own order.
 * PostgreSQL then plans it at every call, where it would settle on one generic plan after
 * five (seconds instead of milliseconds for a search that found nothing).
 */
export const PLAN_PER_CALL = "/* plan per call */";

/** Reads of committed data: all the HTTP layer and the real-time queries may do. */
export interface Reader {
  /** Which SQL it speaks, for the few statements the two write differently (task search). */
  readonly dialect: Dialect;
  all<T>(sql: string, params?: readonly SqlValue[]): Promise<T[]>;
  get<T>(sql: string, params?: readonly SqlValue[]): Promise<T | undefined>;
}

/**
 * What a write sees: reads and writes inside its transaction. Here `get` and
 * `all` may also run a statement that writes and returns rows (`… RETURNING`):
 * one statement instead of a write and a read.
 */
export interface Sql extends Reader {
  run(sql: string, params?: readonly SqlValue[]): Promise<{ changes: number }>;
  /**
   * Locks a row until the transaction ends, so that a read, a check and a write
   * on it hold against writers running at the same time (PostgreSQL). Lock before
   * reading: then the reads see the latest commit. Answers true when the lock may
   * have waited for another writer, so rows read before it must be read again;
   * false where transactions run one at a time anyway (SQLite). An idempotency
   * key is locked by its id (`scope` and `key`), before its row exists.
   */
  lock(table: LockableTable, id: string): Promise<boolean>;
}

/**
 * The rows whose read-check-write steps cross transactions: a task's status and
 * cost total (`tasks`; its deletion: `task_deletions`, which also waits for the writes
 * that add to it, and for those that change its feed's rows: `task_contents`), an agent's deletion, the names of a person's agents, an
 * Idempotency-Key's first use, a project's or workspace's deletion (its row, and a
 * workspace's projects: `workspace_projects` locks those by the workspace's id).
 * A write that adds to a project or workspace (a task, a run, a comment, a member)
 * holds it with `project_contents` or `workspace_contents`: such writes go side by
 * side, and a deletion waits for them, or they wait for it and then find it deleted.
 * An edit of a project's name or description holds it with `project_edits`: edits go one
 * after another (each reads what the one before wrote), and beside the writes that add to it.
 * A write that takes several takes them in one order: services/lock-order.ts.
 */
export type LockableTable =
  | "tasks" | "task_deletions" | "task_contents" | "agents" | "users" | "idempotency_keys" | "projects" | "workspaces" | "workspace_projects"
  | "project_contents" | "workspace_contents" | "project_edits";

/** A connection that can also be closed; the hub's reads go through one. */
export interface ReadDatabase extends Reader {
  close(): Promise<void>;
}

export interface Database extends Sql, ReadDatabase {
  /**
   * Runs `fn` in one transaction: committed when it resolves, rolled back when it
   * throws. An adapter may call `fn` again (after rolling back the first call's
   * writes), so `fn` must have no effects outside the database; only the last
   * call's writes and result count.
   */
  transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** Raised by adapters for a unique-constraint violation, whatever the driver calls it. */
export class UniqueViolation extends Error {
  override readonly name = "UniqueViolation";
}

/**
 * Raised by adapters when a row would refer to one that is gone: deleted by a
 * writer at the same time (PostgreSQL), after this one checked it. Nothing was written.
 */
export class MissingReference extends Error {
  override readonly name = "MissingReference";
}

/** Raised by adapters when the database server cannot be reached (the request may be tried again later). */
export class DatabaseUnavailable extends Error {
  override readonly name = "DatabaseUnavailable";
}

/** Raised by adapters for text the database cannot store (PostgreSQL refuses the NUL character). */
export class InvalidText extends Error {
  override readonly name = "InvalidText";
}
