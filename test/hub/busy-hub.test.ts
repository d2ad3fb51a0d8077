/**
 * A hub whose writes are refused (its writer's queue is full: 503 with Retry-After) still answers reads:
 * what a run is, for its agent and its owner, is not held up behind the writes waiting.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { assertError, assertStatus, runIn } from "../support/api.ts";
import { startTestHub, type TestHub } from "../support/hub.ts";

describe("a hub that sheds writes", () => {
  let first: TestHub;
  let busy: TestHub;
  let running: string;
  let pending: string;

  before(async () => {
    first = await startTestHub();
    ({ runId: running } = await runIn(first, "RUNNING"));
    ({ runId: pending } = await runIn(first, "PENDING"));
    await first.hub.close();
    // The same data, with no room for a single write: every one is refused as a full queue refuses it.
    busy = await startTestHub({ maxPendingWrites: 0, reuse: { dataDir: first.dataDir, databaseFlag: first.databaseFlag } });
  });
  after(async () => {
    await busy?.close();
    await first?.close();
  });

  it("refuses writes with 503 and Retry-After", async () => {
    const res = await busy.agent(busy.creds.agentToken, "POST", `/runs/${running}/comment`, { body: "later" });
    assertError(res, 503, "The hub is busy; try again shortly");
    assert.equal(res.headers.get("retry-after"), "1");
  });

  it("still answers GET /runs/:id, to the run's agent (a RUNNING run's too) and to its owner", async () => {
    for (const runId of [running, pending]) {
      const agentRead = await busy.agent(busy.creds.agentToken, "GET", `/runs/${runId}`);
      assertStatus(agentRead, 200);
      assert.equal(agentRead.body.id, runId);
      assertStatus(await busy.owner(busy.creds.ownerToken, "GET", `/runs/${runId}`), 200);
    }
  });
});
