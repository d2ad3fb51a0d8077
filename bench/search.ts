/**
 * bench/search: how long a task search takes in one project of many tasks, on the
 * store functions the routes and the board's live query call: `GET /tasks?projectId&q`
 * (one page of 100) and `owner:board {projectId, q}` (three columns of 100 and their
 * counts). Each text is timed as the median of several runs, after warm-up runs
 * (PostgreSQL moves a prepared statement to a generic plan after five).
 *
 *   npm run bench:search [-- --tasks 50000 --database sqlite|postgres --scan]
 *
 * `--scan` times what the search costs without its index: on PostgreSQL the same
 * ILIKE with the pg_trgm indexes dropped; on SQLite a LIKE over both columns in
 * place of the FTS5 lookup.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import type { Database, Reader } from "../src/hub/db/port.ts";
import { PostgresDatabase } from "../src/hub/db/postgres.ts";
import { SqliteDatabase } from "../src/hub/db/sqlite.ts";
import { likeContains } from "../src/hub/domain/search.ts";
import { countTasksByStatus, listBoardColumn } from "../src/hub/store/owner-views.ts";
import { listTasksForUser } from "../src/hub/store/task-lists.ts";
import { BENCH_POSTGRES_URL, dropBenchSchema, fmt } from "./support.ts";

const { values } = parseArgs({
  options: {
    tasks: { type: "string", default: "50000" },
    database: { type: "string", default: "sqlite" },
    scan: { type: "boolean", default: false },
    runs: { type: "string", default: "7" },
  },
});
const TASKS = Number(values.tasks);
const RUNS = Number(values.runs);

/** Words for titles and descriptions; "rareword" goes into 1 task in 100. */
const WORDS = "alpha beta gamma delta deploy review fix bug login page database migration search index cache server client report invoice customer".split(" ");
const TEXTS: Array<[string, string | undefined]> = [
  ["no q (the board as it is)", undefined],
  ["no match", "zzzq"],
  ["1 % of the tasks", "rareword"],
  ["every task", "deploy"],
  ["2 characters", "de"],
];

let seed = 42;
function random(): number {
  seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
  return seed / 2 ** 31;
}
const words = (n: number) => Array.from({ length: n }, () => WORDS[Math.floor(random() * WORDS.length)]).join(" ");

const dir = mkdtempSync(join(tmpdir(), "gc-bench-search-"));
const schema = `gc_bench_search_${process.pid}`;
let db: Database;
if (values.database === "postgres") db = await PostgresDatabase.open(BENCH_POSTGRES_URL, { schema });
else db = new SqliteDatabase(join(dir, "hub.sqlite"));
try {
  await seedProject(db);
  if (values.scan && db.dialect === "postgres") for (const index of ["tasks_title_trgm", "tasks_description_trgm"]) await db.run(`DROP INDEX ${index}`);
  await db.run(db.dialect === "postgres" ? "ANALYZE tasks" : "ANALYZE");
  const reader = values.scan && db.dialect === "sqlite" ? likeInsteadOfFts(db) : db;
  console.log(`bench/search  ${fmt(TASKS)} tasks in one project, ${db.dialect}${values.scan ? ", without the index" : ""}; median of ${RUNS} runs\n`);
  console.log("| q | GET /tasks?q= (100) | owner:board {q} | matches |");
  console.log("|---|---|---|---|");
  for (const [label, q] of TEXTS) {
    const list = () => listTasksForUser(reader, { userId: "usr_bench", projectId: "prj_bench", search: q, limit: 100 });
    const filter = { projectId: "prj_bench", search: q };
    const board = () => Promise.all([
      ...(["todo", "doing", "done"] as const).map((s) => listBoardColumn(reader, filter, s, 100)), countTasksByStatus(reader, filter),
    ]);
    const counts = await countTasksByStatus(reader, filter);
    console.log(`| ${q === undefined ? "" : `\`${q}\``} ${label} | ${fmt(await median(list), 1)} ms | ${fmt(await median(board), 1)} ms | ${fmt(counts.todo + counts.doing + counts.done)} |`);
  }
} finally {
  await db.close();
  rmSync(dir, { recursive: true, force: true });
  if (db.dialect === "postgres") await dropBenchSchema(schema);
}

async function median(fn: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < 6; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const start = performance.now();
    await fn();
    times.push(performance.now() - start);
  }
  return times.sort((a, b) => a - b)[Math.floor(RUNS / 2)]!;
}

/** One person, workspace and project, and TASKS tasks in it, a third in each column. */
async function seedProject(db: Database): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.run("INSERT INTO users (id, name, kind, created_at) VALUES ('usr_bench', 'Bench', 'user', 0)");
    await tx.run("INSERT INTO workspaces (id, name, created_by, created_at) VALUES ('ws_bench', 'Bench', 'usr_bench', 0)");
    await tx.run("INSERT INTO workspace_members (workspace_id, user_id, created_at) VALUES ('ws_bench', 'usr_bench', 0)");
    await tx.run("INSERT INTO projects (id, workspace_id, name, created_at) VALUES ('prj_bench', 'ws_bench', 'Bench', 0)");
  });
  const BATCH = 500;
  for (let from = 0; from < TASKS; from += BATCH) {
    const rows: Array<string | number>[] = [];
    for (let i = from; i < Math.min(from + BATCH, TASKS); i++) {
      rows.push([`task_${String(i).padStart(8, "0")}`, ["todo", "doing", "done"][i % 3]!, words(6) + (i % 100 === 0 ? " rareword" : ""), words(60), i, i]);
    }
    await db.transaction((tx) => tx.run(
      `INSERT INTO tasks (id, workspace_id, project_id, status, title, description, creator_id, owner_id, created_at, updated_at)
       VALUES ${rows.map(() => "(?, 'ws_bench', 'prj_bench', ?, ?, ?, 'usr_bench', 'usr_bench', ?, ?)").join(", ")}`,
      rows.flat(),
    ));
  }
}

/** The reader with each FTS5 lookup replaced by the LIKE scan it stands for. */
function likeInsteadOfFts(db: Reader): Reader {
  const FTS = "+t.rowid IN (SELECT rowid FROM tasks_search WHERE tasks_search MATCH ?)";
  const rewrite = (sql: string, params: readonly (string | number | bigint | null | Uint8Array)[] = []) => {
    if (!sql.includes(FTS)) return { sql, params };
    const at = sql.slice(0, sql.indexOf(FTS)).split("?").length - 1;
    const phrase = String(params[at]);
    const pattern = likeContains(phrase.slice(1, -1).replaceAll('""', '"'));
    return {
      sql: sql.replace(FTS, "(t.title LIKE ? ESCAPE '\\' OR t.description LIKE ? ESCAPE '\\')"),
      params: [...params.slice(0, at), pattern, pattern, ...params.slice(at + 1)],
    };
  };
  return {
    dialect: db.dialect,
    all: (sql, params) => { const r = rewrite(sql, params); return db.all(r.sql, r.params); },
    get: (sql, params) => { const r = rewrite(sql, params); return db.get(r.sql, r.params); },
  };
}
