import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { UniqueViolation } from "../../src/hub/db/port.ts";
import { delegatedRun, startTestHub, type TestHub } from "../support/hub.ts";

describe("the schema", () => {
  let t: TestHub;
  before(async () => (t = await startTestHub()));
  after(() => t.close());

  const copyRun = (from: string, id: string, status: string) =>
    t.database().transaction((tx) =>
      tx.run(
        `INSERT INTO runs (id, task_id, agent_id, owner_id, status, prompt, created_at)
         SELECT ?, task_id, agent_id, owner_id, ?, prompt, created_at FROM runs WHERE id = ?`,
        [id, status, from],
      ));

  it("holds at most one PENDING or RUNNING run per task and agent, whatever the code above it does", async () => {
    const { runId } = await delegatedRun(t);
    await assert.rejects(copyRun(runId, "run_dup_pending", "PENDING"), UniqueViolation);
    await assert.rejects(copyRun(runId, "run_dup_running", "RUNNING"), UniqueViolation);
    await copyRun(runId, "run_old_finished", "FINISHED"); // ended runs are history: any number
    await copyRun(runId, "run_old_stopped", "STOPPED");
  });
});
