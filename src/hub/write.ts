import type { Database, Sql } from "./db/port.ts";
import { emptyChangeSet, type ChangeFeed, type ChangeSet } from "./changes.ts";

/** What a service gets to make one atomic change: the transaction, its clock reading, and what it touched. */
export interface Write {
  readonly sql: Sql;
  readonly now: number;
  readonly changes: ChangeSet;
}

export type Clock = () => number;

/**
 * Runs a write in one transaction and, only once it has committed, tells the
 * change feed what it touched.
 */
export class Writer {
  constructor(
    private readonly db: Database,
    private readonly feed: ChangeFeed,
    private readonly clock: Clock = Date.now,
  ) {}

  async write<T>(fn: (w: Write) => Promise<T>): Promise<T> {
    const changes = emptyChangeSet();
    const result = await this.db.transaction((sql) => fn({ sql, now: this.clock(), changes }));
    this.feed.publish(changes);
    return result;
  }
}
