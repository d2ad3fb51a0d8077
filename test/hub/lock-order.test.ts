/**
 * Writes that lock the same rows take them in one order (services/lock-order.ts), so on PostgreSQL none waits for
 * another in a circle: the database never has to break a deadlock by failing one (which the hub runs again, after
 * a 1 s stall). Observed through this hub's own count of retried transactions (its metrics), not the database's,
 * which other tests' hubs share.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { assertStatus, createTask, runIn, secondAgent } from "../support/api.ts";
import { startTestHub, type TestHub } from "../support/hub.ts";

describe("writes that lock the same agents and project at once (PostgreSQL)", () => {
  let t: TestHub;
  before(async () => (t = await startTestHub({ database: "postgres", metricsPort: "0" })));
  after(() => t.close());

  /** Transactions this hub ran again because PostgreSQL found them deadlocked. */
  async function deadlocksRetried(): Promise<number> {
    const text = await (await fetch(t.hub.urls().metricsUrl!)).text();
    const found = /^groupchat_hub_postgres_transaction_retries_total\{reason="deadlock"\} (\d+)$/m.exec(text);
    assert.ok(found, "the hub counts its deadlock retries");
    return Number(found[1]);
  }

  it("delegations, follow-ups and comments that @mention the same two agents all succeed, and never deadlock", async () => {
    const first = { id: t.creds.agentId, token: t.creds.agentToken, name: "OpenClaw Bot" };
    const second = { ...(await secondAgent(t, "Helper Bot")), name: "Helper Bot" };
    const before = await deadlocksRetried();
    for (let round = 0; round < 12; round++) {
      const [toFirst, toSecond, mentionBoth, mentionBothBackwards] = [await createTask(t), await createTask(t), await createTask(t), await createTask(t)];
      const endedFirst = await runIn(t, "FINISHED");
      const endedSecond = await runIn(t, "FINISHED", { agentId: second.id, agentToken: second.token });
      // Each names both agents, in one order or the other, on tasks of the one project.
      const answers = await Promise.all([
        t.owner(t.creds.ownerToken, "POST", `/tasks/${toFirst.id}/delegate`, { agentId: first.id }),
        t.owner(t.creds.ownerToken, "POST", `/tasks/${toSecond.id}/delegate`, { agentId: second.id }),
        t.owner(t.creds.ownerToken, "POST", `/runs/${endedFirst.runId}/follow-up`, { message: `more, with @${second.name}` }),
        t.owner(t.creds.ownerToken, "POST", `/runs/${endedSecond.runId}/follow-up`, { message: `more, with @${first.name}` }),
        t.owner(t.creds.ownerToken, "POST", `/tasks/${mentionBoth.id}/comments`, { body: `@${first.name} and @${second.name}` }),
        t.owner(t.creds.ownerToken, "POST", `/tasks/${mentionBothBackwards.id}/comments`, { body: `@${second.name} and @${first.name}` }),
      ]);
      for (const res of answers) assertStatus(res, 201);
      // Every run asked for was made: one per delegation, two per follow-up (its own and the one it @mentions), two per comment.
      assert.deepEqual(answers.map((res) => (res.body.runs as unknown[] | undefined)?.length ?? 0), [0, 0, 1, 1, 2, 2], `round ${round}`);
    }
    assert.equal(await deadlocksRetried() - before, 0, "no transaction had to be run again after a deadlock");
  });
});
