/**
 * For bench/lifecycle-parts: the hub's write path alone, in this process, with
 * the SQLite options of the hub's default writer (`--writer thread`: the writer
 * thread's) and its executor, with no HTTP in front. Concurrent loops drive full lifecycles through the
 * executor; then the same again with every statement timed, which says how much
 * of a command is SQLite's own work. Prints one JSON line.
 *
 *   node --import tsx bench/write-path.ts [--seconds 3 --rounds 3 --concurrency 64] [--writer local|thread]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import type { CommandName } from "../src/hub/commands.ts";
import { Prepared } from "../src/hub/db/sqlite-statements.ts";
import { SqliteDatabase } from "../src/hub/db/sqlite.ts";
import { Executor } from "../src/hub/writer/executor.ts";
import { drive } from "./lifecycle-hub.ts";
import { setUpWritePath } from "./support.ts";

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "3" },
    rounds: { type: "string", default: "3" },
    concurrency: { type: "string", default: "64" },
    writer: { type: "string", default: "local" },
  },
});
const concurrency = Number(values.concurrency);

const dataDir = mkdtempSync(join(tmpdir(), "gc-bench-write-"));
try {
  const file = join(dataDir, "hub.sqlite");
  // Set up through the real write path, then measure on a connection configured as the chosen writer's.
  const setup = new SqliteDatabase(file);
  const { creds, agent, user } = await setUpWritePath(setup, dataDir);
  await setup.close();

  // The writer thread's options are worker.ts's; the local writer's are the adapter's defaults.
  const db = new SqliteDatabase(file, values.writer === "thread" ? { maxBatch: 16, gather: false, readConnection: false } : {});
  const executor = new Executor(db);
  const execute = async (name: CommandName, input: unknown): Promise<string> => {
    const { outcome } = await executor.execute({ name, input, now: Date.now() });
    return outcome.json;
  };
  const tasks: string[] = [];
  for (let i = 0; i < concurrency; i++) {
    tasks.push((JSON.parse(await execute("createTask", { user, task: { projectId: creds.projectId, title: `Bench task ${i}` } })) as { id: string }).id);
  }
  // The same five calls as bench/lifecycle's loops make over HTTP.
  const lifecycle = async (i: number) => {
    const run = JSON.parse(await execute("delegate", { user, taskId: tasks[i], agentId: creds.agentId })) as { id: string };
    await execute("startRun", { agent, runId: run.id, body: "Starting work on this now." });
    await execute("commentOnRun", { agent, runId: run.id, body: "Found the issue." });
    await execute("commentOnRun", { agent, runId: run.id, body: "Working on a fix now." });
    await execute("endRun", { agent, runId: run.id, action: "complete", input: { body: "Done!", stepCostUsd: 0.01 } });
  };

  const measure = async () => {
    let count = 0;
    let ms = 0;
    let cpu = 0;
    for (let r = 0; r < Number(values.rounds); r++) {
      const before = process.cpuUsage();
      const run = await drive(lifecycle, concurrency, Number(values.seconds) * 1000);
      const used = process.cpuUsage(before);
      cpu += (used.user + used.system) / 1e6;
      count += run.count;
      ms += run.ms;
    }
    return { lifecyclesPerSec: count / (ms / 1000), cpuUsPerCommand: (cpu * 1e6) / (count * 5), commands: count * 5 };
  };

  await drive(lifecycle, concurrency, 2000); // warm-up
  const plain = await measure();

  // Every statement timed, by its SQL text (the wrapper's own cost, two clock reads, is inside the figures).
  const bySql = new Map<string, { count: number; ns: bigint }>();
  const entryOf = new WeakMap<Prepared, { count: number; ns: bigint }>();
  const entry = (prepared: Prepared) => {
    let found = entryOf.get(prepared);
    if (!found) {
      // better-sqlite3's Statement keeps its SQL text as `source`.
      const sql = (prepared as unknown as { statement: { source: string } }).statement.source.replace(/\s+/g, " ");
      found = bySql.get(sql) ?? { count: 0, ns: 0n };
      bySql.set(sql, found);
      entryOf.set(prepared, found);
    }
    return found;
  };
  for (const method of ["run", "get", "all"] as const) {
    const original = Prepared.prototype[method] as (this: Prepared, params: unknown) => unknown;
    (Prepared.prototype as unknown as Record<string, unknown>)[method] = function (this: Prepared, params: unknown) {
      const start = process.hrtime.bigint();
      const result = original.call(this, params);
      const e = entry(this);
      e.count++;
      e.ns += process.hrtime.bigint() - start;
      return result;
    };
  }
  const timed = await measure();
  const sqlNs = [...bySql.values()].reduce((sum, e) => sum + e.ns, 0n);
  const statements = [...bySql]
    .sort((a, b) => Number(b[1].ns - a[1].ns))
    .map(([sql, e]) => ({ sql, perLifecycle: (e.count * 5) / timed.commands, usEach: Number(e.ns) / 1000 / e.count }));
  console.log(JSON.stringify({ plain, timed, sqlUsPerCommand: Number(sqlNs) / 1000 / timed.commands, statements }));
  await db.close();
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}
