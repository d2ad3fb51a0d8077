// For bench/write-instructions: a fixed number of full lifecycles through a
// checkout's compiled write path (dist/node: executor, services, SQLite as the
// hub's default writer configures it), with no timers and no HTTP, so that the
// same count runs the same code every time. Plain JS, so no TypeScript loader
// runs inside the measurement.
//
//   node bench/write-workload.mjs CHECKOUT LIFECYCLES [LOOPS]
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

const [checkout, lifecyclesText, loopsText = "16"] = process.argv.slice(2);
const lifecycles = Number(lifecyclesText);
const loops = Number(loopsText);
const dist = (path) => import(pathToFileURL(join(resolve(checkout), "dist/node/hub", path)).href);
const [{ ChangeFeed }, { SqliteDatabase }, { agentFromToken, OwnerAuth }, { initialize }, { Executor }, { LocalWriter }] = await Promise.all([
  dist("changes.js"), dist("db/sqlite.js"), dist("http/auth.js"), dist("setup.js"), dist("writer/executor.js"), dist("writer/local.js"),
]);

const dataDir = mkdtempSync(join(tmpdir(), "gc-bench-instr-"));
try {
  const db = new SqliteDatabase(join(dataDir, "hub.sqlite"));
  const creds = await initialize({ writer: new LocalWriter(db, new ChangeFeed()) }, dataDir);
  const agent = await agentFromToken(db, creds.agentToken);
  const user = await new OwnerAuth(db).principal({ method: "POST", headers: { authorization: `Bearer ${creds.ownerToken}` } }, Date.now());
  const executor = new Executor(db);
  const execute = async (name, input) => (await executor.execute({ name, input, now: Date.now() })).outcome.json;
  const tasks = [];
  for (let i = 0; i < loops; i++) tasks.push(JSON.parse(await execute("createTask", { user, task: { projectId: creds.projectId, title: `Task ${i}` } })).id);
  // The same five calls as bench/lifecycle's loops make over HTTP.
  let left = lifecycles;
  await Promise.all(tasks.map(async (taskId) => {
    while (left > 0) {
      left--;
      const run = JSON.parse(await execute("delegate", { user, taskId, agentId: creds.agentId }));
      await execute("startRun", { agent, runId: run.id, body: "Starting work on this now." });
      await execute("commentOnRun", { agent, runId: run.id, body: "Found the issue." });
      await execute("commentOnRun", { agent, runId: run.id, body: "Working on a fix now." });
      await execute("endRun", { agent, runId: run.id, action: "complete", input: { body: "Done!", stepCostUsd: 0.01 } });
    }
  }));
  await db.close();
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}
