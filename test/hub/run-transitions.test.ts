/**
 * The run state machine at the HTTP boundary: every status × every action, each
 * on a fresh run driven into that status through the API, with the exact answer
 * and the status the run is left in.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { RunStatus } from "../../src/sdk/run-state.ts";
import { assertError, assertStatus, createTask, delegateTo, runIn, statusOf } from "../support/api.ts";
import { startTestHub, type Res, type TestHub } from "../support/hub.ts";

type Action = "start" | "comment" | "heartbeat" | "complete" | "error" | "stop" | "follow-up";
type State = RunStatus | "STOPPED while RUNNING";

/** What each action answers from each state: the success status and the run's new status, or a 409. */
const OK = (code: number, to: RunStatus | "new PENDING run") => ({ code, to });
const CONFLICT = null;
const MATRIX: Record<State, Record<Action, { code: number; to: RunStatus | "new PENDING run" } | null>> = {
  PENDING: {
    start: OK(200, "RUNNING"), comment: CONFLICT, heartbeat: CONFLICT, complete: CONFLICT,
    error: OK(200, "ERROR"), stop: OK(200, "STOPPED"), "follow-up": CONFLICT,
  },
  RUNNING: {
    start: CONFLICT, comment: OK(201, "RUNNING"), heartbeat: OK(200, "RUNNING"), complete: OK(200, "FINISHED"),
    error: OK(200, "ERROR"), stop: OK(200, "STOPPED"), "follow-up": CONFLICT,
  },
  FINISHED: {
    start: CONFLICT, comment: CONFLICT, heartbeat: CONFLICT, complete: CONFLICT, error: CONFLICT, stop: CONFLICT,
    "follow-up": OK(201, "new PENDING run"),
  },
  ERROR: {
    start: CONFLICT, comment: CONFLICT, heartbeat: CONFLICT, complete: CONFLICT, error: CONFLICT, stop: CONFLICT,
    "follow-up": OK(201, "new PENDING run"),
  },
  STOPPED: {
    start: CONFLICT, comment: CONFLICT, heartbeat: CONFLICT, complete: CONFLICT, error: CONFLICT, stop: CONFLICT,
    "follow-up": OK(201, "new PENDING run"),
  },
  "STOPPED while RUNNING": {
    start: CONFLICT, comment: CONFLICT, heartbeat: CONFLICT, complete: CONFLICT, error: CONFLICT, stop: CONFLICT,
    "follow-up": OK(201, "new PENDING run"),
  },
};

/** How a 409 names the action. */
const VERB: Record<Action, string> = {
  start: "start", comment: "comment on", heartbeat: "heartbeat", complete: "complete", error: "error", stop: "stop",
  "follow-up": "follow up on",
};

function act(t: TestHub, runId: string, action: Action): Promise<Res> {
  const agent = (path: string, body?: unknown) => t.agent(t.creds.agentToken, "POST", `/runs/${runId}/${path}`, body);
  switch (action) {
    case "start": return agent("start", { body: "Starting work on this now." });
    case "comment": return agent("comment", { body: "Found the issue." });
    case "heartbeat": return agent("heartbeat");
    case "complete": return agent("complete", { body: "Done!" });
    case "error": return agent("error", { body: "Build failed" });
    case "stop": return t.owner(t.creds.ownerToken, "POST", `/runs/${runId}/stop`);
    case "follow-up": return t.owner(t.creds.ownerToken, "POST", `/runs/${runId}/follow-up`, { message: "Can you also add tests?" });
  }
}

async function runInState(t: TestHub, state: State) {
  if (state !== "STOPPED while RUNNING") return runIn(t, state);
  const run = await runIn(t, "RUNNING");
  assertStatus(await t.owner(t.creds.ownerToken, "POST", `/runs/${run.runId}/stop`), 200);
  return run;
}

describe("run transitions: every status × every action", () => {
  let t: TestHub;
  before(async () => (t = await startTestHub()));
  after(() => t.close());

  for (const [state, row] of Object.entries(MATRIX) as [State, (typeof MATRIX)[State]][]) {
    const current: RunStatus = state === "STOPPED while RUNNING" ? "STOPPED" : state;
    for (const [action, expected] of Object.entries(row) as [Action, (typeof row)[Action]][]) {
      const title = expected
        ? `${action} on a ${state} run answers ${expected.code} and leaves ${expected.to === "new PENDING run" ? `it ${current} with a new PENDING run` : expected.to}`
        : `${action} on a ${state} run answers 409 { error, status: ${current} } and changes nothing`;
      it(title, async () => {
        const { taskId, runId } = await runInState(t, state);
        const res = await act(t, runId, action);
        if (!expected) {
          assertError(res, 409, `Cannot ${VERB[action]} a run that is ${current}`, { status: current });
          assert.equal(await statusOf(t, runId), current);
          return;
        }
        assertStatus(res, expected.code);
        if (expected.to === "new PENDING run") {
          assert.notEqual(res.body.id, runId);
          assert.equal(res.body.status, "PENDING");
          assert.equal(res.body.taskId, taskId);
          assert.equal(res.body.prompt, "Can you also add tests?");
          assert.equal(res.body.lastFollowUpMessage, "Can you also add tests?");
          assert.equal(await statusOf(t, runId), current);
          return;
        }
        if (action === "comment") assert.equal(res.body.runId, runId);
        else assert.equal(res.body.status, expected.to);
        assert.equal(await statusOf(t, runId), expected.to);
      });
    }
  }

  it("lets exactly one of two racing starts win; the loser learns the run is RUNNING", async () => {
    const task = await createTask(t);
    const run = await delegateTo(t, task.id);
    const results = await Promise.all([1, 2].map(() => t.agent(t.creds.agentToken, "POST", `/runs/${run.id}/start`, {})));
    const codes = results.map((r) => r.status).sort();
    assert.deepEqual(codes, [200, 409]);
    assertError(results.find((r) => r.status === 409)!, 409, "Cannot start a run that is RUNNING", { status: "RUNNING" });
    const detail = await t.owner(t.creds.ownerToken, "GET", `/runs/${run.id}`);
    const starts = detail.body.activity.filter((a: { to: string | null; subject: string | null }) => a.subject === "run" && a.to === "RUNNING");
    assert.equal(starts.length, 1);
  });

  it("keeps a stopped run's timestamps: started and ended, and no cost", async () => {
    const { runId } = await runInState(t, "STOPPED while RUNNING");
    const run = (await t.owner(t.creds.ownerToken, "GET", `/runs/${runId}`)).body;
    assert.equal(typeof run.startedAt, "number");
    assert.equal(typeof run.endedAt, "number");
    assert.ok(run.endedAt >= run.startedAt);
    assert.equal(run.stepCostUsd, null);
    assert.equal(run.totalCostUsd, null);
  });
});
