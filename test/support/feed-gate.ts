/**
 * Holds a PostgreSQL test hub's task feeds (its `activity` table, against inserts) from a connection of its own, so a
 * test can stop writes at their feed entry, after the rows they locked before it, and let them go on together: the
 * interleaving in which two writes that lock rows in opposite orders deadlock, made certain rather than left to luck.
 */
import pg from "pg";
import { TEST_POSTGRES_URL, type TestHub } from "./hub.ts";

export interface FeedGate {
  /** Resolves once `count` of the hub's transactions wait, on the gate or on one that waits on it. */
  waiting(count: number): Promise<void>;
  /** Lets every write through (the gate's transaction ends). */
  open(): Promise<void>;
}

export async function closeFeedGate(t: TestHub): Promise<FeedGate> {
  const schema = new URL(t.databaseFlag).searchParams.get("schema");
  if (!schema) throw new Error("a feed gate needs a hub on PostgreSQL");
  const client = new pg.Client({ connectionString: TEST_POSTGRES_URL });
  await client.connect();
  await client.query("BEGIN");
  // SHARE: every INSERT (ROW EXCLUSIVE) waits for it; reads go on.
  await client.query(`LOCK TABLE ${client.escapeIdentifier(schema)}.activity IN SHARE MODE`);
  const gate = (await client.query<{ pid: number }>("SELECT pg_backend_pid() AS pid")).rows[0]!.pid;
  let opened = false;
  return {
    async waiting(count) {
      for (;;) {
        const { rows } = await client.query<{ pid: number; blockers: number[] }>(
          // pg_locks, not pg_stat_activity: that one is read once per transaction, and this one stays open.
          "SELECT pid, pg_blocking_pids(pid) AS blockers FROM (SELECT DISTINCT pid FROM pg_locks WHERE NOT granted) waiting",
        );
        // Those behind the gate, then those behind them, and so on.
        const behind = new Set([gate]);
        for (let grew = true; grew;) {
          grew = false;
          for (const row of rows) {
            if (behind.has(row.pid) || !row.blockers.some((pid) => behind.has(pid))) continue;
            behind.add(row.pid);
            grew = true;
          }
        }
        if (behind.size - 1 >= count) return;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
    async open() {
      if (opened) return;
      opened = true;
      try {
        await client.query("ROLLBACK");
      } finally {
        await client.end();
      }
    },
  };
}
