/**
 * The worker's `runTimeoutMs` against a real hub: an executor that never settles (and ignores its signal) no longer
 * holds its slot and its RUNNING run for ever.
 */
import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { AgentApiClient } from "../../src/sdk/client.ts";
import type { Executor } from "../../src/sdk/worker.ts";
import { startTestHub, type TestHub } from "../support/hub.ts";
import { startAgent, type TestAgent } from "./support/agent.ts";
import { commentsOf, delegateMany, deferred, ownerView, runTransitions, stopRun } from "./support/runs.ts";

const GAVE_UP = /^The agent gave up after 0\.3 s \(runTimeoutMs\)/;

// Each test takes a few seconds; one that waits for ever fails on its own, not with the whole file.
const EACH = { timeout: 15_000 };

describe("RunWorker's runTimeoutMs, against a real hub", () => {
  let t: TestHub;
  const agents: TestAgent[] = [];
  beforeEach(async () => (t = await startTestHub()));
  afterEach(async () => {
    await Promise.all(agents.splice(0).map((a) => a.worker.stop({ graceMs: 0 })));
    await t.close();
  });

  it("ends a run whose executor never settles with an error that says so, stops its heartbeats, and its slot takes the next run", EACH, async () => {
    const [stuck] = await delegateMany(t, 1, "Never settles");
    const working = deferred();
    let reason: unknown = null;
    const client = new AgentApiClient({ token: t.creds.agentToken, apiUrl: t.apiUrl, retry: { baseDelayMs: 10, maxDelayMs: 100 } });
    const beats: string[] = [];
    const heartbeat = client.heartbeat.bind(client);
    client.heartbeat = (runId, options) => (beats.push(runId), heartbeat(runId, options));
    const executor: Executor = async (run, ctx) => {
      if (run.id !== stuck) return { summary: "Next one done" };
      ctx.signal.addEventListener("abort", () => (reason = ctx.signal.reason), { once: true });
      working.resolve();
      return new Promise(() => {}); // never settles, whatever its signal says
    };
    const agent = startAgent(t, executor, { client, worker: { concurrency: 1, runTimeoutMs: 300, startComment: null } });
    agents.push(agent);
    await working.promise;
    const [next] = await delegateMany(t, 1, "Waits for the slot");
    await agent.events.until(() => agent.ids("finished").includes(next!));

    const detail = await ownerView(t, stuck!);
    assert.equal(detail.status, "ERROR");
    assert.deepEqual(runTransitions(detail), ["→PENDING", "PENDING→RUNNING", "RUNNING→ERROR"]);
    const comments = commentsOf(detail);
    assert.equal(comments.length, 1);
    assert.match(comments[0]!, GAVE_UP);
    assert.equal((reason as Error | null)?.name, "TimeoutError");
    assert.match((reason as Error).message, GAVE_UP);
    assert.deepEqual(agent.ids("failed"), [stuck]);
    assert.equal((await ownerView(t, next!)).status, "FINISHED");
    // No heartbeat for it after it ended (several intervals of 50 ms).
    const beatsAtEnd = beats.filter((id) => id === stuck).length;
    await sleep(300);
    assert.equal(beats.filter((id) => id === stuck).length, beatsAtEnd);
  });

  it("ignores what an executor that outlived runTimeoutMs settles with later: the run stays ERROR, nothing more in its feed", EACH, async () => {
    const [late] = await delegateMany(t, 1, "Settles late");
    const settledLate = deferred();
    const agent = startAgent(t, async (_run, ctx) => {
      await sleep(900); // ignores ctx.signal
      ctx.progress("after the timeout, ignored");
      setImmediate(() => settledLate.resolve());
      return { summary: "Too late" };
    }, { worker: { runTimeoutMs: 300, startComment: null } });
    agents.push(agent);
    await agent.events.until(() => agent.ids("failed").includes(late!));
    const ended = await ownerView(t, late!);
    assert.equal(ended.status, "ERROR");
    await settledLate.promise;
    await sleep(300); // time for anything the late result would send
    const after = await ownerView(t, late!);
    assert.equal(after.status, "ERROR");
    assert.deepEqual(after.activity, ended.activity);
    assert.match(commentsOf(after)[0]!, GAVE_UP);
    assert.deepEqual(agent.ids("finished"), []);
    assert.deepEqual(agent.ids("failed"), [late]);
  });

  it("leaves a run its owner stopped meanwhile STOPPED: the timeout errors nothing", EACH, async () => {
    const [stopped] = await delegateMany(t, 1, "Stopped first");
    const working = deferred();
    const agent = startAgent(t, async () => {
      working.resolve();
      return new Promise(() => {});
    }, { worker: { runTimeoutMs: 300, stopGraceMs: 50, startComment: null } });
    agents.push(agent);
    await working.promise;
    await stopRun(t, stopped!);
    await agent.events.until(() => agent.ids("stopped").includes(stopped!));
    await sleep(600);
    const detail = await ownerView(t, stopped!);
    assert.equal(detail.status, "STOPPED");
    assert.deepEqual(commentsOf(detail), []);
    assert.deepEqual(agent.ids("failed"), []);
  });

  it("without runTimeoutMs, an executor that takes a second finishes as before", EACH, async () => {
    const [slow] = await delegateMany(t, 1, "Takes a second");
    const agent = startAgent(t, async () => {
      await sleep(1_000);
      return { summary: "Done in a second" };
    }, { worker: { startComment: null } });
    agents.push(agent);
    await agent.events.until(() => agent.ids("finished").includes(slow!));
    const detail = await ownerView(t, slow!);
    assert.equal(detail.status, "FINISHED");
    assert.deepEqual(commentsOf(detail), ["Done in a second"]);
    assert.deepEqual(agent.ids("failed"), []);
  });
});
