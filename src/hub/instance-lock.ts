/**
 * One serving hub per data dir. Two hubs on one SQLite file would each keep
 * their own caches (a token rotated through one would still pass at the other),
 * their own change feed (subscribers of one would not hear the other's writes)
 * and their own reaper. The lock is an exclusive SQLite lock on `DIR/hub.lock`,
 * held while the hub serves: the OS drops it when the process ends, however it
 * ends, so a crash leaves no stale lock. One-shot commands (init, user add,
 * login) do not take it: they may run beside a serving hub.
 */
import BetterSqlite3 from "better-sqlite3";
import { join } from "node:path";
import { HubStartError } from "./errors.ts";

export class InstanceLock {
  private constructor(private readonly db: BetterSqlite3.Database) {}

  /** Takes the data dir's lock at once, or throws HubStartError if another hub holds it. */
  static acquire(dataDir: string): InstanceLock {
    const file = join(dataDir, "hub.lock");
    // No busy wait: a held lock is an answer, not a contention to sit out.
    const db = new BetterSqlite3(file, { timeout: 0 });
    try {
      // Exclusive locking mode keeps the lock until the connection closes; the open
      // transaction writes nothing, so the file stays empty and no journal appears.
      db.pragma("locking_mode = EXCLUSIVE");
      db.exec("BEGIN EXCLUSIVE");
    } catch (error) {
      db.close();
      if ((error as { code?: string }).code === "SQLITE_BUSY") {
        throw new HubStartError(`Another hub is already serving ${dataDir} (it holds ${file}). Stop it first, or give this one another --data.`, { cause: error });
      }
      throw error;
    }
    return new InstanceLock(db);
  }

  /** Lets the next hub take the data dir. Idempotent. */
  release(): void {
    if (!this.db.open) return;
    this.db.exec("ROLLBACK");
    this.db.close();
  }
}
