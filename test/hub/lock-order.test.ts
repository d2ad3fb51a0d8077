/**
 * Writes that lock the same rows take them in one order (services/lock-order.ts), so on PostgreSQL none waits for
 * another in a circle: the database never has to break a deadlock by failing one (which the hub runs again, after
 * a 1 s stall). Observed through this hub's own count of retried transactions (its metrics), not the database's,
 * which other tests' hubs share.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { assertStatus, createTask, delegateTo, memberWithAgent, runIn, secondAgent } from "../support/api.ts";
import { closeFeedGate } from "../support/feed-gate.ts";
import type { Database, LockableTable, Sql } from "../../src/hub/db/port.ts";
import { Executor } from "../../src/hub/writer/executor.ts";
import { png } from "../bridge/support/image-server.ts";
import { request, startTestHub, type Res, type TestHub } from "../support/hub.ts";

/** Transactions `t` ran again because PostgreSQL found them deadlocked. */
async function deadlocksRetried(t: TestHub): Promise<number> {
  const text = await (await fetch(t.hub.urls().metricsUrl!)).text();
  const found = /^groupchat_hub_postgres_transaction_retries_total\{reason="deadlock"\} (\d+)$/m.exec(text);
  assert.ok(found, "the hub counts its deadlock retries");
  return Number(found[1]);
}

describe("writes that lock the same agents and project at once (PostgreSQL)", () => {
  let t: TestHub;
  before(async () => (t = await startTestHub({ database: "postgres", metricsPort: "0" })));
  after(() => t.close());

  it("delegations, follow-ups, retries and comments that @mention the same two agents all succeed, and never deadlock", async () => {
    const first = { id: t.creds.agentId, token: t.creds.agentToken, name: "OpenClaw Bot" };
    const second = { ...(await secondAgent(t, "Helper Bot")), name: "Helper Bot" };
    const before = await deadlocksRetried(t);
    for (let round = 0; round < 12; round++) {
      const [toFirst, toSecond, mentionBoth, mentionBothBackwards] = [await createTask(t), await createTask(t), await createTask(t), await createTask(t)];
      const endedFirst = await runIn(t, "FINISHED");
      const endedSecond = await runIn(t, "FINISHED", { agentId: second.id, agentToken: second.token });
      const failedFirst = await runIn(t, "ERROR");
      const stoppedSecond = await runIn(t, "STOPPED", { agentId: second.id, agentToken: second.token });
      // Each names both agents, in one order or the other, on tasks of the one project.
      const answers = await Promise.all([
        t.owner(t.creds.ownerToken, "POST", `/tasks/${toFirst.id}/delegate`, { agentId: first.id }),
        t.owner(t.creds.ownerToken, "POST", `/tasks/${toSecond.id}/delegate`, { agentId: second.id }),
        t.owner(t.creds.ownerToken, "POST", `/runs/${endedFirst.runId}/follow-up`, { message: `more, with @${second.name}` }),
        t.owner(t.creds.ownerToken, "POST", `/runs/${endedSecond.runId}/follow-up`, { message: `more, with @${first.name}` }),
        t.owner(t.creds.ownerToken, "POST", `/tasks/${mentionBoth.id}/comments`, { body: `@${first.name} and @${second.name}` }),
        t.owner(t.creds.ownerToken, "POST", `/tasks/${mentionBothBackwards.id}/comments`, { body: `@${second.name} and @${first.name}` }),
        t.owner(t.creds.ownerToken, "POST", `/runs/${failedFirst.runId}/retry`),
        t.owner(t.creds.ownerToken, "POST", `/runs/${stoppedSecond.runId}/retry`),
      ]);
      for (const res of answers) assertStatus(res, 201);
      // Every run asked for was made: one per delegation and retry, two per follow-up (its own and the one it @mentions), two per comment.
      assert.deepEqual(answers.map((res) => (res.body.runs as unknown[] | undefined)?.length ?? 0), [0, 0, 1, 1, 2, 2, 0, 0], `round ${round}`);
    }
    assert.equal(await deadlocksRetried(t) - before, 0, "no transaction had to be run again after a deadlock");
  });

  it("a comment or a follow-up that @mentions agents locks each once, in id order, before it writes (not again as it starts their runs)", async () => {
    const first = { id: t.creds.agentId, name: "OpenClaw Bot" };
    const second = { ...(await secondAgent(t, "Locked Once Bot")), name: "Locked Once Bot" };
    const locked: string[] = [];
    const db = t.database();
    const counting: Database = Object.assign(Object.create(db) as Database, {
      transaction: <T>(fn: (tx: Sql) => Promise<T>) =>
        db.transaction((tx) => fn({ ...tx, lock: (table: LockableTable, id: string) => (locked.push(`${table} ${id}`), tx.lock(table, id)) })),
    });
    const executor = new Executor(counting);
    const user = { kind: "user" as const, userId: t.creds.ownerId, name: "Owner" };
    const agentsLocked = () => locked.filter((l) => l.startsWith("agents ")).map((l) => l.slice("agents ".length));
    const inIdOrder = [first.id, second.id].sort();

    const task = await createTask(t);
    const commented = await executor.execute({ name: "commentOnTask", input: { user, taskId: task.id, body: `@${second.name} and @${first.name}` }, now: Date.now() });
    assert.equal(JSON.parse((commented.outcome as { json: string }).json).runs.length, 2);
    assert.deepEqual(agentsLocked(), inIdOrder);

    locked.length = 0;
    const { runId } = await runIn(t, "FINISHED");
    const followed = await executor.execute({ name: "followUp", input: { user, runId, message: `more, with @${second.name}` }, now: Date.now() });
    assert.equal(JSON.parse((followed.outcome as { json: string }).json).runs.length, 1);
    assert.deepEqual(agentsLocked(), inIdOrder);
  });
});

/**
 * Two writes on one task and its run, held at their feed entries (closeFeedGate) after the rows each locked first, then
 * let go together: the one order, task before run, has the second wait for the first; the other way round they
 * deadlocked, and PostgreSQL failed one after a 1 s stall.
 */
describe("writes that meet on a task and its run (PostgreSQL)", () => {
  let t: TestHub;
  before(async () => (t = await startTestHub({ database: "postgres", metricsPort: "0" })));
  after(() => t.close());

  /** `first` is sent and held at its feed entry, then `second` is sent and waits; both are then let go. No deadlock. */
  async function oneAfterTheOther(first: () => Promise<Res>, second: () => Promise<Res>): Promise<[Res, Res]> {
    const before = await deadlocksRetried(t);
    const gate = await closeFeedGate(t);
    try {
      const firstDone = first();
      await gate.waiting(1);
      const secondDone = second();
      await gate.waiting(2);
      await gate.open();
      const answers = await Promise.all([firstDone, secondDone]);
      assert.equal(await deadlocksRetried(t) - before, 0, "no transaction had to be run again after a deadlock");
      return answers;
    } finally {
      await gate.open();
    }
  }

  it("a run's start and an edit that marks its task done: the start moves the task to doing, then the edit to done", async () => {
    const task = await createTask(t);
    const run = await delegateTo(t, task.id);
    const [started, edited] = await oneAfterTheOther(
      () => t.agent(t.creds.agentToken, "POST", `/runs/${run.id}/start`, { body: "On it" }),
      () => t.owner(t.creds.ownerToken, "PATCH", `/tasks/${task.id}`, { status: "done" }),
    );
    assertStatus(started, 200);
    assertStatus(edited, 200);
    assert.equal(edited.body.status, "done");
    const feed = (await t.owner(t.creds.ownerToken, "GET", `/tasks/${task.id}`)).body.activity as Array<{ subject: string; from: string; to: string }>;
    assert.deepEqual(feed.filter((a) => a.subject === "task").map((a) => [a.from, a.to]), [["todo", "doing"], ["doing", "done"]]);
  });

  it("a run's start and a delegation of the task to the same agent: the delegation waits, then finds the run going (409)", async () => {
    const task = await createTask(t);
    const run = await delegateTo(t, task.id);
    const [started, delegated] = await oneAfterTheOther(
      () => t.agent(t.creds.agentToken, "POST", `/runs/${run.id}/start`, { body: "On it" }),
      () => t.owner(t.creds.ownerToken, "POST", `/tasks/${task.id}/delegate`, { agentId: t.creds.agentId }),
    );
    assertStatus(started, 200);
    assert.equal(delegated.status, 409);
  });

  it("a run's start and its agent's creator leaving the workspace: the run starts, then is stopped, and their task handed over", async () => {
    const { ws, prj, member, bot } = await memberWithAgent(t, "Ines");
    const task = await createTask(t, { projectId: prj }, member.ownerToken);
    const run = await delegateTo(t, task.id, bot.id, member.ownerToken);
    const [started, removed] = await oneAfterTheOther(
      () => t.agent(bot.token, "POST", `/runs/${run.id}/start`, { body: "On it" }),
      () => t.owner(t.creds.ownerToken, "DELETE", `/workspaces/${ws}/members/${member.userId}`),
    );
    assertStatus(started, 200);
    assertStatus(removed, 204);
    const seen = (await t.owner(t.creds.ownerToken, "GET", `/tasks/${task.id}`)).body;
    assert.equal(seen.owner.id, t.creds.ownerId);
    assert.deepEqual(seen.runs.map((r: { status: string }) => r.status), ["STOPPED"]);
  });

  it("an agent's comment that shows an image, on its run, and an edit that marks the task done: the image's row holds the task only against its deletion, beside the edit's hold (FOR NO KEY UPDATE)", async () => {
    const { taskId, runId } = await runIn(t, "RUNNING");
    const uploaded = await request(`${t.baseUrl}/api/v1/uploads?workspaceId=${t.creds.workspaceId}`, {
      method: "POST", headers: { "content-type": "image/png", authorization: `Bearer ${t.creds.ownerToken}` }, body: png() as BodyInit,
    });
    assertStatus(uploaded, 201);
    const [commented, edited] = await oneAfterTheOther(
      () => t.agent(t.creds.agentToken, "POST", `/runs/${runId}/comment`, { body: `Here it is: ![shot](${uploaded.body.url})` }),
      () => t.owner(t.creds.ownerToken, "PATCH", `/tasks/${taskId}`, { status: "done" }),
    );
    assertStatus(commented, 201);
    assertStatus(edited, 200);
    assert.equal(edited.body.status, "done");
  });

  it("a run's end and its agent's creator leaving the workspace: the removal holds the task it hands over before it stops the run, so the end waits and finds it stopped", async () => {
    const { ws, prj, member, bot } = await memberWithAgent(t, "Jude");
    const task = await createTask(t, { projectId: prj }, member.ownerToken);
    const run = await delegateTo(t, task.id, bot.id, member.ownerToken);
    assertStatus(await t.agent(bot.token, "POST", `/runs/${run.id}/start`, {}), 200);
    const [removed, completed] = await oneAfterTheOther(
      () => t.owner(t.creds.ownerToken, "DELETE", `/workspaces/${ws}/members/${member.userId}`),
      () => t.agent(bot.token, "POST", `/runs/${run.id}/complete`, { body: "Done" }),
    );
    assertStatus(removed, 204);
    assert.equal(completed.status, 409);
    assert.equal(completed.body.status, "STOPPED");
  });
});
