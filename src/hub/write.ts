import type { Sql } from "./db/port.ts";
import type { ChangeSet } from "./changes.ts";
import type { RunStatus } from "../sdk/run-state.ts";

/** What a service gets to make one atomic change: the transaction, its clock reading, and what it touched. */
export interface Write {
  readonly sql: Sql;
  readonly now: number;
  readonly changes: ChangeSet;
  /** The status each run it created (PENDING) or moved went to, in order: counted once the write commits. */
  readonly transitions: RunStatus[];
}

export type Clock = () => number;
