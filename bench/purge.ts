/**
 * bench/purge: what deleting a big project does to everyone else's writes. The real
 * CLI hub in its own process gets a project of `--tasks` tasks (each with a finished
 * run, its feed and its notifications, written straight into its database), while
 * `--loops` agents drive full run lifecycles (delegate, start, two comments, complete)
 * on tasks of another project. Their calls' latencies are measured first with nothing
 * else going on (the baseline), then from the DELETE of the big project until its rows
 * are gone (this checkout: the purger's batches after the marking write; an older one:
 * its one transaction), in the same run. It prints the longest stall and the p99 of the
 * agents' calls during the delete beside the baseline's.
 *
 *   npm run bench:purge [-- --tasks 20000 --loops 8 --seconds 5] [--database sqlite|postgres]
 *                        [--compare DIR]    # also DIR's hub (e.g. a checkout of main, built), same workload
 */
import Database from "better-sqlite3";
import pg from "pg";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { Pool } from "undici";
import { drive, startLifecycleHub, type LifecycleHub } from "./lifecycle-hub.ts";
import { BENCH_POSTGRES_URL, fmt, percentile } from "./support.ts";

const { values } = parseArgs({
  options: {
    tasks: { type: "string", default: "20000" },
    loops: { type: "string", default: "8" },
    seconds: { type: "string", default: "5" },
    database: { type: "string", default: "sqlite" },
    compare: { type: "string" },
  },
});
const TASKS = Number(values.tasks);
const LOOPS = Number(values.loops);
const BASELINE_MS = Number(values.seconds) * 1000;

/** The hub's database from outside it (SQLite's file, or its PostgreSQL schema): rows inserted in chunks, and one value read. */
interface Seeder {
  insert(table: string, columns: string[], rows: unknown[][]): Promise<void>;
  /** The first column of the first row. */
  value(sql: string, params: unknown[]): Promise<unknown>;
  close(): Promise<void>;
}

async function seeder(hub: LifecycleHub, database: string): Promise<Seeder> {
  if (database === "postgres") {
    const client = new pg.Client({ connectionString: BENCH_POSTGRES_URL, options: `-c search_path=${hub.schema}` });
    await client.connect();
    return {
      async insert(table, columns, rows) {
        for (let at = 0; at < rows.length; at += 1000) {
          const chunk = rows.slice(at, at + 1000);
          let n = 0;
          const tuples = chunk.map((row) => `(${row.map(() => `$${++n}`).join(", ")})`).join(", ");
          await client.query(`INSERT INTO ${table} (${columns.join(", ")}) VALUES ${tuples}`, chunk.flat());
        }
      },
      async value(sql, params) {
        let n = 0;
        const row = (await client.query({ text: sql.replace(/\?/g, () => `$${++n}`), values: params, rowMode: "array" })).rows[0];
        return row?.[0];
      },
      close: () => client.end(),
    };
  }
  const db = new Database(join(hub.dataDir, "hub.sqlite"));
  db.pragma("busy_timeout = 60000");
  return {
    async insert(table, columns, rows) {
      const statement = db.prepare(`INSERT INTO ${table} (${columns.join(", ")}) VALUES (${columns.map(() => "?").join(", ")})`);
      db.transaction(() => {
        for (const row of rows) statement.run(...row);
      })();
    },
    async value(sql, params) {
      return (db.prepare(sql).raw().get(...params) as unknown[] | undefined)?.[0];
    },
    async close() {
      db.close();
    },
  };
}

/** A project of TASKS tasks, each with a finished run, four feed entries of it, a comment of its own and two notifications. */
async function seed(hub: LifecycleHub, db: Seeder): Promise<{ projectId: string; rows: string }> {
  const creds = JSON.parse(readFileSync(join(hub.dataDir, "credentials.json"), "utf8"));
  const pool = new Pool(hub.origin, { connections: 1 });
  const created = await pool.request({
    method: "POST", path: "/api/v1/projects",
    headers: { authorization: hub.ownerAuth, "content-type": "application/json", "x-workspace-id": creds.workspaceId },
    body: JSON.stringify({ name: "Big" }),
  });
  const project = (await created.body.json()) as { id: string };
  await pool.close();
  const agentUser = String(await db.value("SELECT user_id FROM agents WHERE id = ?", [creds.agentId]));
  const now = Date.now() - TASKS * 10;
  const pad = (i: number) => String(i).padStart(7, "0");
  const tasks: unknown[][] = [];
  const runs: unknown[][] = [];
  const activity: unknown[][] = [];
  const notifications: unknown[][] = [];
  for (let i = 0; i < TASKS; i++) {
    const at = now + i * 10;
    const task = `task_big${pad(i)}`;
    const run = `run_big${pad(i)}`;
    tasks.push([task, creds.workspaceId, project.id, `Big task ${i}`, "Write the release notes.", "done", creds.ownerId, creds.ownerId, at, at + 5]);
    runs.push([run, task, creds.agentId, creds.ownerId, "FINISHED", "Write the release notes.", at, at + 1, at + 5, at + 5]);
    const entry = (n: number, runId: string | null, type: string, subject: string | null, author: string, body: string, from: string | null, to: string | null) =>
      activity.push([`act_big${pad(i)}${n}`, task, runId, type, subject, author, body, from, to, at + n]);
    entry(0, run, "status_change", "run", creds.ownerId, "Delegated to the agent", null, "PENDING");
    entry(1, run, "status_change", "run", agentUser, "Starting work on this now.", "PENDING", "RUNNING");
    entry(2, run, "comment", null, agentUser, "Found the issue.", null, null);
    entry(3, run, "status_change", "run", agentUser, "Done!", "RUNNING", "FINISHED");
    entry(4, null, "comment", null, creds.ownerId, "Thanks!", null, null);
    notifications.push([`ntf_big${pad(i)}0`, creds.ownerId, "run_started", task, run, agentUser, "Started", at + 1, at + 2]);
    notifications.push([`ntf_big${pad(i)}1`, creds.ownerId, "run_finished", task, run, agentUser, "Done!", at + 5, null]);
  }
  await db.insert("tasks", ["id", "workspace_id", "project_id", "title", "description", "status", "creator_id", "owner_id", "created_at", "updated_at"], tasks);
  await db.insert("runs", ["id", "task_id", "agent_id", "owner_id", "status", "prompt", "created_at", "started_at", "ended_at", "heartbeat_at"], runs);
  await db.insert("activity", ["id", "task_id", "run_id", "type", "subject", "author_id", "body", "from_status", "to_status", "created_at"], activity);
  await db.insert("notifications", ["id", "user_id", "type", "task_id", "run_id", "actor_id", "body", "created_at", "read_at"], notifications);
  return {
    projectId: project.id,
    rows: `${fmt(tasks.length)} tasks, ${fmt(runs.length)} runs, ${fmt(activity.length)} feed entries, ${fmt(notifications.length)} notifications`,
  };
}

interface Window { calls: number[]; ms: number }

/** The agents' calls' latencies while `during` runs (and for BASELINE_MS when it is null). */
async function agentCalls(hub: LifecycleHub, during: (() => Promise<void>) | null): Promise<Window> {
  const calls: number[] = [];
  let done = false;
  const start = performance.now();
  const loops = Promise.all(Array.from({ length: LOOPS }, async (_, i) => {
    while (!done) await hub.lifecycle(i, (ms) => calls.push(ms));
  }));
  if (during) {
    await new Promise((resolve) => setTimeout(resolve, 500)); // the loops under way first
    calls.length = 0;
    await during();
  } else {
    await new Promise((resolve) => setTimeout(resolve, BASELINE_MS));
  }
  done = true;
  await loops;
  return { calls: calls.sort((a, b) => a - b), ms: performance.now() - start };
}

const stats = (w: Window) => ({ p50: percentile(w.calls, 50), p99: percentile(w.calls, 99), longest: w.calls.at(-1) ?? NaN });
const line = (w: Window) => {
  const s = stats(w);
  return `${fmt(w.calls.length)} calls, p50 ${fmt(s.p50, 1)} ms, p99 ${fmt(s.p99, 1)} ms, longest ${fmt(s.longest, 1)} ms`;
};

interface Measured { baseline: Window; during: Window; deleteMs: number; goneMs: number }

async function measure(checkout: string): Promise<Measured> {
  const hub = await startLifecycleHub(checkout, undefined, LOOPS, values.database);
  const db = await seeder(hub, values.database!);
  try {
    const seedStart = performance.now();
    const big = await seed(hub, db);
    console.log(`hub of ${checkout} (${values.database}): seeded ${big.rows} in ${fmt((performance.now() - seedStart) / 1000, 1)} s`);
    await drive((i) => hub.lifecycle(i), LOOPS, 1000); // warm-up
    const baseline = await agentCalls(hub, null);
    const pool = new Pool(hub.origin, { connections: 1 });
    let deleteMs = 0;
    let goneMs = 0;
    const during = await agentCalls(hub, async () => {
      const start = performance.now();
      const res = await pool.request({ method: "DELETE", path: `/api/v1/projects/${big.projectId}`, headers: { authorization: hub.ownerAuth } });
      await res.body.dump();
      if (res.statusCode !== 204) throw new Error(`DELETE answered ${res.statusCode}`);
      deleteMs = performance.now() - start;
      // Until its rows are gone: at once for a one-transaction delete, after the purger's batches otherwise.
      while (Number(await db.value("SELECT count(*) FROM projects WHERE id = ?", [big.projectId])) !== 0) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      goneMs = performance.now() - start;
    });
    await pool.close();
    console.log(`  baseline (no delete):  ${line(baseline)}`);
    console.log(`  during the delete:     ${line(during)}; DELETE answered in ${fmt(deleteMs, 1)} ms, rows gone after ${fmt(goneMs / 1000, 2)} s`);
    const [b, d] = [stats(baseline), stats(during)];
    console.log(`  during / baseline:     longest ${fmt(d.longest / b.longest, 2)}×, p99 ${fmt(d.p99 / b.p99, 2)}×`);
    return { baseline, during, deleteMs, goneMs };
  } finally {
    await db.close();
    await hub.stop();
  }
}

const mine = await measure(".");
if (values.compare) {
  const theirs = await measure(values.compare);
  const [m, t] = [stats(mine.during), stats(theirs.during)];
  console.log(`this checkout vs ${values.compare}, during the delete: longest stall ${fmt(m.longest / t.longest, 3)}×, p99 ${fmt(m.p99 / t.p99, 3)}×; ` +
    `DELETE answered ${fmt(mine.deleteMs / theirs.deleteMs, 3)}× as long`);
}
