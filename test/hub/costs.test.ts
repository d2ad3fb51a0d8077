/**
 * Cost derivation over a task's turns (its runs, in the order they report their
 * costs): given only a step, total = previous total + step; given only a total,
 * step = total − previous total (none when that is negative); both are stored
 * as sent; neither records nothing. On /complete and on /error alike.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { assertStatus, createTask, delegateTo, secondAgent } from "../support/api.ts";
import { startTestHub, type TestHub } from "../support/hub.ts";

type Costs = { stepCostUsd?: number; totalCostUsd?: number };

describe("cost derivation", () => {
  let t: TestHub;
  before(async () => (t = await startTestHub()));
  after(() => t.close());

  /** Runs one turn to its end with `costs`, answering the run's [step, total]. */
  async function turn(runId: string, end: "complete" | "error", costs: Costs, token = t.creds.agentToken): Promise<[number | null, number | null]> {
    assertStatus(await t.agent(token, "POST", `/runs/${runId}/start`, {}), 200);
    const res = await t.agent(token, "POST", `/runs/${runId}/${end}`, { body: `${end}d`, ...costs });
    assertStatus(res, 200);
    return [res.body.stepCostUsd, res.body.totalCostUsd];
  }

  async function firstTurn(end: "complete" | "error", costs: Costs) {
    const run = await delegateTo(t, (await createTask(t)).id);
    return { runId: run.id, costs: await turn(run.id, end, costs) };
  }

  async function followUp(runId: string): Promise<string> {
    const res = await t.owner(t.creds.ownerToken, "POST", `/runs/${runId}/follow-up`, { message: "And the next step" });
    assertStatus(res, 201);
    return res.body.id;
  }

  it("records nothing when neither is given", async () => {
    assert.deepEqual((await firstTurn("complete", {})).costs, [null, null]);
  });

  it("takes a first turn's step as its total", async () => {
    assert.deepEqual((await firstTurn("complete", { stepCostUsd: 0.5 })).costs, [0.5, 0.5]);
  });

  it("takes a first turn's total as its step", async () => {
    assert.deepEqual((await firstTurn("complete", { totalCostUsd: 0.75 })).costs, [0.75, 0.75]);
  });

  it("stores both as sent, even when they disagree", async () => {
    assert.deepEqual((await firstTurn("complete", { stepCostUsd: 0.1, totalCostUsd: 5 })).costs, [0.1, 5]);
  });

  it("derives the same way on /error", async () => {
    assert.deepEqual((await firstTurn("error", { stepCostUsd: 0.25 })).costs, [0.25, 0.25]);
    assert.deepEqual((await firstTurn("error", { totalCostUsd: 0.3 })).costs, [0.3, 0.3]);
    assert.deepEqual((await firstTurn("error", {})).costs, [null, null]);
  });

  it("derives on /error of a PENDING run that the agent refuses", async () => {
    const run = await delegateTo(t, (await createTask(t)).id);
    const res = await t.agent(t.creds.agentToken, "POST", `/runs/${run.id}/error`, { body: "Cannot do this", stepCostUsd: 0.02 });
    assertStatus(res, 200);
    assert.deepEqual([res.body.stepCostUsd, res.body.totalCostUsd], [0.02, 0.02]);
  });

  it("keeps a running total across the turns (follow-ups) of one task, skipping turns without costs", async () => {
    const first = await firstTurn("complete", { stepCostUsd: 0.1 });
    assert.deepEqual(first.costs, [0.1, 0.1]);
    const second = await followUp(first.runId);
    assert.deepEqual(await turn(second, "complete", { stepCostUsd: 0.2 }), [0.2, 0.3]); // not 0.30000000000000004
    const third = await followUp(second);
    assert.deepEqual(await turn(third, "complete", { totalCostUsd: 1 }), [0.7, 1]);
    const fourth = await followUp(third);
    assert.deepEqual(await turn(fourth, "complete", {}), [null, null]);
    const fifth = await followUp(fourth);
    assert.deepEqual(await turn(fifth, "error", { stepCostUsd: 0.05 }), [0.05, 1.05]);
    const sixth = await followUp(fifth);
    assert.deepEqual(await turn(sixth, "error", { totalCostUsd: 2 }), [0.95, 2]);
    const seventh = await followUp(sixth);
    assert.deepEqual(await turn(seventh, "complete", { stepCostUsd: 0.5, totalCostUsd: 2.5 }), [0.5, 2.5]);

    // The costs show on every view of the runs: the task's runs, the agent's list and the detail.
    const task = (await t.owner(t.creds.ownerToken, "GET", `/runs/${first.runId}`)).body.taskId;
    const runs = (await t.owner(t.creds.ownerToken, "GET", `/tasks/${task}`)).body.runs;
    assert.deepEqual(runs.map((r: { stepCostUsd: number | null; totalCostUsd: number | null }) => [r.stepCostUsd, r.totalCostUsd]), [
      [0.1, 0.1], [0.2, 0.3], [0.7, 1], [null, null], [0.05, 1.05], [0.95, 2], [0.5, 2.5],
    ]);
    const listed = (await t.agent(t.creds.agentToken, "GET", "/runs?limit=200")).body.find((r: { id: string }) => r.id === sixth);
    assert.deepEqual([listed.stepCostUsd, listed.totalCostUsd], [0.95, 2]);
    const detail = (await t.agent(t.creds.agentToken, "GET", `/runs/${third}`)).body;
    assert.deepEqual([detail.stepCostUsd, detail.totalCostUsd], [0.7, 1]);
  });

  it("adds nothing for a stopped turn, and counts turns of every agent on the task", async () => {
    const task = await createTask(t);
    const first = await delegateTo(t, task.id);
    assert.deepEqual(await turn(first.id, "complete", { totalCostUsd: 1.5 }), [1.5, 1.5]);
    const stopped = await followUp(first.id);
    assertStatus(await t.owner(t.creds.ownerToken, "POST", `/runs/${stopped}/stop`), 200);
    const helper = await secondAgent(t, "Cost Helper");
    const other = await delegateTo(t, task.id, helper.id);
    assert.deepEqual(await turn(other.id, "complete", { stepCostUsd: 0.25 }, helper.token), [0.25, 1.75]);
    const last = await followUp(stopped);
    assert.deepEqual(await turn(last, "complete", { totalCostUsd: 2 }), [0.25, 2]);
  });

  it("builds each total on the turn that ended last, when two agents' turns end out of order", async () => {
    const task = await createTask(t);
    const helper = await secondAgent(t, "Out Of Order Helper");
    const first = await delegateTo(t, task.id);
    const second = await delegateTo(t, task.id, helper.id);
    for (const [run, token] of [[first.id, t.creds.agentToken], [second.id, helper.token]] as const) {
      assertStatus(await t.agent(token, "POST", `/runs/${run}/start`, {}), 200);
    }
    const end = async (run: string, token: string, costs: Costs) => {
      const res = await t.agent(token, "POST", `/runs/${run}/complete`, { body: "done", ...costs });
      assertStatus(res, 200);
      return [res.body.stepCostUsd, res.body.totalCostUsd];
    };
    // The later-created run ends first; the earlier one's cost still counts towards what follows.
    assert.deepEqual(await end(second.id, helper.token, { stepCostUsd: 1 }), [1, 1]);
    assert.deepEqual(await end(first.id, t.creds.agentToken, { stepCostUsd: 2 }), [2, 3]);
    const next = await followUp(first.id);
    assert.deepEqual(await turn(next, "complete", { stepCostUsd: 0.5 }), [0.5, 3.5]);
    const last = await followUp(next);
    assert.deepEqual(await turn(last, "complete", { totalCostUsd: 4 }), [0.5, 4]);
  });

  it("records no step, not a negative one, for a total below the task's running total; the total stands as sent", async () => {
    // Another agent spent on the task first; this one reports only its own running total.
    const task = await createTask(t);
    const helper = await secondAgent(t, "Big Spender");
    const first = await delegateTo(t, task.id, helper.id);
    assert.deepEqual(await turn(first.id, "complete", { stepCostUsd: 3 }, helper.token), [3, 3]);
    const second = await delegateTo(t, task.id);
    assert.deepEqual(await turn(second.id, "complete", { totalCostUsd: 1 }), [null, 1]);
    const third = await followUp(second.id);
    assert.deepEqual(await turn(third, "complete", { totalCostUsd: 1.25 }), [0.25, 1.25]);
  });

  it("keeps each task's total to itself", async () => {
    await firstTurn("complete", { totalCostUsd: 100 });
    assert.deepEqual((await firstTurn("complete", { stepCostUsd: 1 })).costs, [1, 1]);
  });
});
