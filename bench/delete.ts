/**
 * What deleting a task costs as the hub's history grows. The hub's write path
 * (the executor on the SQLite adapter, no HTTP) builds a history of full run
 * lifecycles, then deletes tasks (each with one finished run, its feed and its
 * notifications) through the `deleteTask` command, on a small history and on one
 * `--scale` times larger, in the same run. A delete that looks its rows up by
 * index costs the same on both (ratio ~1); one that scans a table grows with it.
 * While a delete runs, no other write does (one writer), so its time is how long
 * every agent's call waits.
 *
 *   npm run bench:delete -- [--small 1000 --scale 20 --deletes 30]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import type { CommandName } from "../src/hub/commands.ts";
import { SqliteDatabase } from "../src/hub/db/sqlite.ts";
import { Executor } from "../src/hub/writer/executor.ts";
import { drive } from "./lifecycle-hub.ts";
import { fmt, percentile, setUpWritePath } from "./support.ts";

const { values } = parseArgs({
  options: {
    small: { type: "string", default: "1000" },
    scale: { type: "string", default: "20" },
    deletes: { type: "string", default: "30" },
  },
});
const CONCURRENCY = 32;

interface Measured { tasks: number; rows: Record<string, number>; ms: number[] }

async function measure(lifecycles: number): Promise<Measured> {
  const dataDir = mkdtempSync(join(tmpdir(), "gc-bench-delete-"));
  try {
    const db = new SqliteDatabase(join(dataDir, "hub.sqlite"));
    const { creds, agent, user } = await setUpWritePath(db, dataDir);
    const executor = new Executor(db);
    const execute = async (name: CommandName, input: unknown) => {
      const { outcome } = await executor.execute({ name, input, now: Date.now() });
      return JSON.parse(outcome.json) as { id: string };
    };
    // Each lifecycle on a task of its own, as on a real board: delegate, start, two comments, complete.
    let made = 0;
    const tasks: string[] = [];
    const lifecycle = async () => {
      if (made >= lifecycles) return;
      made++;
      const task = await execute("createTask", { user, task: { projectId: creds.projectId, title: `Task ${made}`, description: "Write the release notes." } });
      tasks.push(task.id);
      const run = await execute("delegate", { user, taskId: task.id, agentId: creds.agentId });
      await execute("startRun", { agent, runId: run.id, body: "Starting work on this now." });
      await execute("commentOnRun", { agent, runId: run.id, body: "Reading the task." });
      await execute("commentOnRun", { agent, runId: run.id, body: "Drafting the notes." });
      await execute("endRun", { agent, runId: run.id, action: "complete", input: { body: "Done.", stepCostUsd: 0.01 } });
    };
    while (made < lifecycles) await drive(lifecycle, CONCURRENCY, 1000);
    const rows: Record<string, number> = {};
    for (const table of ["tasks", "runs", "activity", "notifications"]) {
      rows[table] = Number((await db.get<{ n: number }>(`SELECT count(*) AS n FROM ${table}`))!.n);
    }
    // Delete tasks spread over the history, one at a time (each its own command, as a person clicks).
    const count = Number(values.deletes);
    const victims = Array.from({ length: count }, (_, i) => tasks[Math.floor(((i + 0.5) * tasks.length) / count)]!);
    const ms: number[] = [];
    for (const taskId of victims) {
      const start = performance.now();
      await execute("deleteTask", { user, taskId });
      ms.push(performance.now() - start);
    }
    await db.close();
    return { tasks: lifecycles, rows, ms: ms.sort((a, b) => a - b) };
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const smallSize = Number(values.small);
const small = await measure(smallSize);
const large = await measure(smallSize * Number(values.scale));
const line = (name: string, m: Measured) =>
  `${name.padEnd(6)} ${fmt(m.tasks).padStart(7)} tasks (${Object.entries(m.rows).map(([t, n]) => `${t} ${fmt(n)}`).join(", ")}): ` +
  `delete p50 ${fmt(percentile(m.ms, 50), 2)} ms, p95 ${fmt(percentile(m.ms, 95), 2)} ms`;
console.log(line("small", small));
console.log(line("large", large));
console.log(`large / small, p50: ${fmt(percentile(large.ms, 50) / percentile(small.ms, 50), 2)}× (history ${values.scale}× larger)`);
