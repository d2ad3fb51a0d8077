/**
 * The plan and the time of every statement the hub runs (test/support/hot-statements.ts),
 * on a large history: by default 50,000 tasks in 3 projects, 100,000 runs of 4 agents,
 * 1,000,000 feed rows, 500,000 notifications of one person and 11,000 uploads (1 KiB each), bulk-inserted. On
 * SQLite with no statistics (the hub never runs ANALYZE) and, with --postgres, on a
 * schema of its own (vacuumed and analyzed, as autovacuum would have; dropped at the end). Each
 * call is timed through the adapter, the way the hub runs it (on PostgreSQL after 6
 * runs a named statement may take a generic plan); a write is rolled back each time.
 *
 *   npm run bench:query-plans -- [--tasks 50000] [--postgres postgres://postgres@127.0.0.1:5432/test] [--only listNotifications,countUnread]
 */
import BetterSqlite3 from "better-sqlite3";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import pg from "pg";
import type { Database } from "../src/hub/db/port.ts";
import { PostgresDatabase } from "../src/hub/db/postgres.ts";
import { SqliteDatabase } from "../src/hub/db/sqlite.ts";
import { HOT_CALLS, recording, type Fixture, type HotCall, type Recorded } from "../test/support/hot-statements.ts";
import { fmt } from "./support.ts";

const { values } = parseArgs({
  options: {
    tasks: { type: "string", default: "50000" },
    postgres: { type: "string" },
    only: { type: "string" },
    plans: { type: "boolean", default: false },
  },
});
const TASKS = Number(values.tasks);
const only = values.only?.split(",");
const calls = HOT_CALLS.filter((c) => !only || only.some((name) => c.name.startsWith(name)));

// Two runs per task (4 agents), 9 feed rows per run and 2 per task outside any run,
// 5 notifications per run to usr_1 (all but the last 5,000 read); the newest 200 tasks
// are on the board's To do and Doing columns, their runs PENDING or RUNNING. Every 5th task names an
// upload in its images; 1,000 more uploads are named by none, half of them past the purger's grace.
const fixture: Fixture = {
  userId: "usr_1", agentId: "agt_1", workspaceId: "ws_1", projectId: "prj_1",
  taskId: `task_${String(TASKS / 2).padStart(8, "0")}`, runId: `run_${String(TASKS - 1).padStart(8, "0")}`,
  notificationId: `ntf_${String(TASKS - 1).padStart(8, "0")}_1`,
  // The fixture's task (TASKS / 2, a multiple of 5 at the default size) names the first.
  uploadIds: [`upl_${String(TASKS / 10).padStart(8, "0")}`, `upl_${String(TASKS / 5 + 1).padStart(8, "0")}`], now: TASKS * 1000 + 10_000,
};

/**
 * The history in either dialect: `id(prefix, expr)` makes a zero-padded id, `series(n)` numbers 1..n as `i`,
 * `blob` is a 1 KiB value.
 */
function historySql(id: (prefix: string, expr: string) => string, series: (n: number) => string, blob: string): string[] {
  const T = TASKS;
  const R = 2 * T;
  const U = T / 5;
  return [
    `INSERT INTO users (id, name, kind, created_at) VALUES ('usr_1', 'Ada', 'user', 0), ('usr_2', 'Bea', 'user', 0),
       ('usr_a1', 'Bot 1', 'agent', 0), ('usr_a2', 'Bot 2', 'agent', 0), ('usr_a3', 'Bot 3', 'agent', 0), ('usr_a4', 'Bot 4', 'agent', 0)`,
    `INSERT INTO agents (id, user_id, creator_id, name, created_at) VALUES ('agt_1', 'usr_a1', 'usr_1', 'Bot 1', 0),
       ('agt_2', 'usr_a2', 'usr_1', 'Bot 2', 0), ('agt_3', 'usr_a3', 'usr_1', 'Bot 3', 0), ('agt_4', 'usr_a4', 'usr_2', 'Bot 4', 0)`,
    "INSERT INTO workspaces (id, name, created_by, created_at) VALUES ('ws_1', 'One', 'usr_1', 0), ('ws_2', 'Two', 'usr_1', 0)",
    "INSERT INTO workspace_members (workspace_id, user_id, created_at) VALUES ('ws_1', 'usr_1', 0), ('ws_2', 'usr_1', 0), ('ws_1', 'usr_2', 0)",
    "INSERT INTO projects (id, workspace_id, name, created_at) VALUES ('prj_1', 'ws_1', 'A', 0), ('prj_2', 'ws_1', 'B', 0), ('prj_3', 'ws_2', 'C', 0)",
    `INSERT INTO tasks (id, workspace_id, project_id, title, status, due_date, creator_id, owner_id, created_at, updated_at)
       SELECT ${id("task", "i")}, CASE WHEN i % 3 = 2 THEN 'ws_2' ELSE 'ws_1' END, 'prj_' || (i % 3 + 1), 'Task ' || i,
         CASE WHEN i <= ${T - 200} THEN 'done' WHEN i % 2 = 0 THEN 'todo' ELSE 'doing' END,
         CASE WHEN i % 5 = 0 THEN '2024-01-01' END, 'usr_1', 'usr_1', i * 1000, i * 1000 + 500 FROM ${series(T)}`,
    `INSERT INTO runs (id, task_id, agent_id, owner_id, status, prompt, created_at, started_at, ended_at, heartbeat_at, task_done)
       SELECT ${id("run", "i")}, ${id("task", "(i + 1) / 2")}, 'agt_' || (i % 4 + 1), 'usr_1',
         CASE WHEN i > ${R - 400} THEN (CASE WHEN i % 2 = 0 THEN 'PENDING' ELSE 'RUNNING' END)
              WHEN i % 10 = 0 THEN 'ERROR' WHEN i % 7 = 0 THEN 'STOPPED' ELSE 'FINISHED' END,
         'Do it', i * 500, i * 500 + 10, CASE WHEN i <= ${R - 400} THEN i * 500 + 100 END, i * 500 + 100, (i + 1) / 2 <= ${T - 200} FROM ${series(R)}`,
    `INSERT INTO activity (id, task_id, run_id, type, author_id, body, created_at)
       SELECT ${id("act", "i")} || '_' || j, ${id("task", "(i + 1) / 2")}, ${id("run", "i")}, 'comment', 'usr_a1',
         'Progress on the task, a line or two of it.', i * 500 + j FROM ${series(R)}, (SELECT i AS j FROM ${series(9)}) k`,
    `INSERT INTO activity (id, task_id, run_id, type, author_id, body, created_at)
       SELECT ${id("act", "i")} || '_t' || j, ${id("task", "i")}, NULL, 'comment', 'usr_1', 'A comment.', i * 1000 + j
         FROM ${series(T)}, (SELECT i AS j FROM ${series(2)}) k`,
    `INSERT INTO notifications (id, user_id, type, task_id, run_id, actor_id, body, created_at, read_at)
       SELECT ${id("ntf", "i")} || '_' || j, 'usr_1', 'run_comment', ${id("task", "(i + 1) / 2")}, ${id("run", "i")}, 'usr_a1',
         'Progress on the task.', i * 500 + j, CASE WHEN i <= ${R - 1000} THEN i * 500 + 1000 END FROM ${series(R)}, (SELECT i AS j FROM ${series(5)}) k`,
    // Upload i is named by task 5i; those past U by no task, since before or after the grace's cut-off.
    `INSERT INTO uploads (id, workspace_id, key_hash, content_type, name, bytes, data, created_by, created_at, unreferenced_since)
       SELECT ${id("upl", "i")}, 'ws_1', 'h' || i, 'image/png', NULL, 1024, ${blob}, 'usr_1', i * 1000,
         CASE WHEN i > ${U} THEN (CASE WHEN i % 2 = 0 THEN i ELSE ${T * 1000 + 20_000} END) END FROM ${series(U + 1000)}`,
    `INSERT INTO task_uploads (task_id, field, upload_id) SELECT ${id("task", "5 * i")}, 'images', ${id("upl", "i")} FROM ${series(U)}`,
    `UPDATE workspaces SET upload_bytes = ${(U + 1000) * 1024} WHERE id = 'ws_1'`,
  ];
}

interface Timed { call: HotCall; ms: number; reps: number; statements: Recorded[] }

class Rollback extends Error {}

/** Median time of the call through the adapter: repeated for ~300 ms (6 runs at least, for PostgreSQL's generic plans). */
async function time(db: Database, call: HotCall): Promise<Timed> {
  const statements: Recorded[] = [];
  const once = async (record: boolean): Promise<number> => {
    let ms = 0;
    const run = async (sql: Parameters<HotCall["call"]>[0]) => {
      const start = performance.now();
      await call.call(record ? recording(sql, call, statements) : sql, fixture);
      ms = performance.now() - start;
    };
    if (!call.write) await run(db);
    else await db.transaction(async (tx) => { await run(tx); throw new Rollback(); }).catch((e: unknown) => { if (!(e instanceof Rollback)) throw e; });
    return ms;
  };
  await once(true);
  const times: number[] = [];
  const until = performance.now() + 300;
  while (times.length < 6 || (performance.now() < until && times.length < 50)) times.push(await once(false));
  times.sort((a, b) => a - b);
  return { call, ms: times[Math.floor(times.length / 2)]!, reps: times.length, statements: unique(statements) };
}

/** The statements a call sent, each once (a rolled-back SQLite batch runs again with savepoints). */
function unique(statements: Recorded[]): Recorded[] {
  const seen = new Set<string>();
  return statements.filter((s) => !seen.has(s.sql) && seen.add(s.sql));
}

function report(label: string, timed: Timed[], plans: Map<string, string>): void {
  console.log(`\n## ${label}\n`);
  for (const t of timed) {
    const flagged = t.statements.map((s) => plans.get(s.sql) ?? "").filter((p) => /\bSCAN\b|TEMP B-TREE|Seq Scan|Sort\b/.test(p));
    const mark = flagged.length > 0 ? "!" : " ";
    console.log(`${mark} ${t.call.name.padEnd(44)} ${t.call.path.padEnd(7)} ${fmt(t.ms, 2).padStart(9)} ms`);
    if (values.plans || flagged.length > 0) for (const s of t.statements) console.log(`      ${(plans.get(s.sql) ?? "").replaceAll("\n", "\n      ")}`);
  }
}

async function sqlite(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "gc-bench-plans-"));
  try {
    const file = join(dir, "hub.sqlite");
    await new SqliteDatabase(file).close(); // migrations
    const raw = new BetterSqlite3(file);
    const start = performance.now();
    raw.transaction(() => {
      for (const sql of historySql((p, e) => `printf('${p}_%08d', ${e})`, (n) => `(WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < ${n}) SELECT i FROM s)`, "zeroblob(1024)")) {
        raw.exec(sql);
      }
    })();
    console.log(`SQLite history: ${counts(raw)} in ${fmt(performance.now() - start)} ms; statistics: ${(raw.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'sqlite_stat1'").get() as { n: number }).n ? "yes" : "none"}`);
    raw.close();
    const db = new SqliteDatabase(file);
    try {
      const timed: Timed[] = [];
      for (const call of calls) timed.push(await time(db, call));
      const plans = new Map<string, string>();
      for (const s of timed.flatMap((t) => t.statements)) {
        plans.set(s.sql, (await db.all<{ detail: string }>(`EXPLAIN QUERY PLAN ${s.sql}`, s.params)).map((p) => p.detail).join(" | "));
      }
      report("SQLite", timed, plans);
    } finally {
      await db.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function counts(raw: BetterSqlite3.Database): string {
  return ["tasks", "runs", "activity", "notifications", "uploads"].map((t) => `${(raw.prepare(`SELECT count(*) AS n FROM ${t}`).get() as { n: number }).n} ${t}`).join(", ");
}

async function postgres(url: string): Promise<void> {
  const schema = `gc_plans_bench_${process.pid}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    const db = await PostgresDatabase.open(url, { schema });
    try {
      const start = performance.now();
      await db.transaction(async (tx) => {
        for (const sql of historySql((p, e) => `'${p}_' || lpad((${e})::text, 8, '0')`, (n) => `generate_series(1, ${n}) AS s(i)`, "decode(repeat('00', 1024), 'hex')")) await tx.run(sql);
      });
      // As autovacuum leaves a table of history: statistics, and a visibility map that lets an index answer alone.
      await db.run("VACUUM ANALYZE");
      console.log(`\nPostgreSQL history in ${fmt(performance.now() - start)} ms (schema ${schema}, vacuumed and analyzed)`);
      const timed: Timed[] = [];
      for (const call of calls) timed.push(await time(db, call));
      const plans = new Map<string, string>();
      await admin.query(`SET search_path = ${schema}`);
      for (const s of timed.flatMap((t) => t.statements)) {
        let n = 0;
        const text = s.sql.replace(/\?/g, () => `$${++n}`);
        const explain = /^\(?SELECT/.test(s.sql) ? "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON)" : "EXPLAIN (COSTS OFF)";
        const rows = (await admin.query<{ "QUERY PLAN": string }>(`${explain} ${text}`, s.params as unknown[])).rows;
        plans.set(s.sql, rows.map((r) => r["QUERY PLAN"]).join("\n"));
      }
      report("PostgreSQL", timed, plans);
    } finally {
      await db.close();
    }
  } finally {
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.end();
  }
}

await sqlite();
if (values.postgres) await postgres(values.postgres);
