import type BetterSqlite3 from "better-sqlite3";
import type { SqlValue } from "./port.ts";

type Row = Record<string, unknown>;

/**
 * One prepared statement. Reads fetch raw rows (arrays) and turn them into plain
 * objects with a function compiled for the statement's columns: better-sqlite3
 * builds each row object property by property, which costs about a third of a
 * wide row's read; an object literal of a fixed shape is far cheaper.
 */
export class Prepared {
  private readonly build: ((row: unknown[]) => Row) | null = null;
  /** It changes the database (an INSERT, UPDATE or DELETE, with or without RETURNING). */
  readonly writes: boolean;

  constructor(private readonly statement: BetterSqlite3.Statement) {
    this.writes = !statement.readonly;
    if (statement.reader) {
      statement.raw(true);
      this.build = compileRow(statement.columns().map((c) => c.name));
    }
  }

  get(params: readonly SqlValue[]): Row | undefined {
    const row = this.statement.get(...params) as unknown[] | undefined;
    return row === undefined ? undefined : this.build!(row);
  }

  all(params: readonly SqlValue[]): Row[] {
    return (this.statement.all(...params) as unknown[][]).map(this.build!);
  }

  run(params: readonly SqlValue[] = []): { changes: number } {
    return { changes: this.statement.run(...params).changes };
  }
}

/** A connection's prepared statements, by SQL text. */
export class Statements {
  private readonly cache = new Map<string, Prepared>();

  constructor(private readonly db: BetterSqlite3.Database) {}

  get(sql: string): Prepared {
    let prepared = this.cache.get(sql);
    if (!prepared) {
      prepared = new Prepared(this.db.prepare(sql));
      this.cache.set(sql, prepared);
    }
    return prepared;
  }
}

/** `(r) => ({ "id": r[0], "name": r[1], … })`; with a repeated column name the last one wins, as in better-sqlite3. */
function compileRow(columns: string[]): (row: unknown[]) => Row {
  const fields = columns.map((name, i) => `${JSON.stringify(name)}: r[${i}]`).join(", ");
  return new Function("r", `return { ${fields} };`) as (row: unknown[]) => Row;
}
