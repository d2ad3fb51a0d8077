import type { Sql } from "./db/port.ts";
import type { ChangeSet } from "./changes.ts";

/** What a service gets to make one atomic change: the transaction, its clock reading, and what it touched. */
export interface Write {
  readonly sql: Sql;
  readonly now: number;
  readonly changes: ChangeSet;
}

export type Clock = () => number;
