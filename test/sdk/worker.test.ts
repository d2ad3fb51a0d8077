import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it } from "node:test";
import { AgentApiClient } from "../../src/sdk/client.ts";
import { AgentApiError } from "../../src/sdk/errors.ts";
import { SHUTDOWN_MESSAGE } from "../../src/sdk/job.ts";
import { RunWorker, type Executor, type WorkerEvent } from "../../src/sdk/worker.ts";
import { delegatedRun, startTestHub, type TestHub } from "../support/hub.ts";
import { startAgent, type TestAgent } from "./support/agent.ts";
import { FakeClock } from "./support/fake-clock.ts";
import { startFlakyProxy } from "./support/flaky-proxy.ts";
import { commentsOf, deferred, delegateMany, EventLog, ownerView, runTransitions, stopRun } from "./support/runs.ts";

describe("RunWorker with a polling source, against a real hub", { timeout: 300_000 }, () => {
  let t: TestHub;
  const agents: TestAgent[] = [];
  // A hub per test: runs another test left PENDING must not reach this one's worker.
  beforeEach(async () => (t = await startTestHub()));
  afterEach(async () => {
    await Promise.all(agents.splice(0).map((a) => a.worker.stop({ graceMs: 0 })));
    await t.close();
  });

  async function statuses(runIds: string[]): Promise<string[]> {
    return Promise.all(runIds.map(async (id) => (await ownerView(t, id)).status));
  }

  it("processes 20 runs, each FINISHED exactly once, never more than `concurrency` at a time", async () => {
    const runIds = await delegateMany(t, 20, "Batch");
    const calls = new Map<string, number>();
    let running = 0;
    let peak = 0;
    const executor: Executor = async (run, ctx) => {
      calls.set(run.id, (calls.get(run.id) ?? 0) + 1);
      peak = Math.max(peak, ++running);
      ctx.progress(`Working on ${run.taskTitle}`);
      await new Promise((resolve) => setImmediate(resolve));
      running--;
      return { summary: `Did ${run.taskTitle}`, stepCostUsd: 0.01 };
    };
    const agent = startAgent(t, executor, { worker: { concurrency: 3 } });
    agents.push(agent);
    await agent.events.until(() => runIds.every((id) => agent.ids("finished").includes(id)));
    assert.ok(peak <= 3, `peak concurrency ${peak}`);
    assert.deepEqual(runIds.map((id) => calls.get(id)), runIds.map(() => 1));
    for (const id of runIds) {
      const detail = await ownerView(t, id);
      assert.equal(detail.status, "FINISHED");
      assert.equal(detail.stepCostUsd, 0.01);
      assert.deepEqual(runTransitions(detail), ["→PENDING", "PENDING→RUNNING", "RUNNING→FINISHED"]);
      assert.deepEqual(commentsOf(detail), ["Starting work on this now.", `Working on ${detail.taskTitle}`, `Did ${detail.taskTitle}`]);
    }
  });

  it("lives on through async listeners that reject (onEvent, onRetry, a run source's subscriber): each failure is logged, the run finishes", async (ctx) => {
    const logged: string[] = [];
    ctx.mock.method(console, "error", (label: unknown) => void logged.push(String(label)));
    const events = new EventLog<WorkerEvent>();
    // One 503 first, so the client retries (and tells onRetry) once.
    const proxy = await startFlakyProxy(t.baseUrl, "/api/v1/agent", ["503"]);
    try {
      const client = new AgentApiClient({
        token: t.creds.agentToken, apiUrl: proxy.url, retry: { baseDelayMs: 1, maxDelayMs: 10 },
        onRetry: async () => { throw new Error("onRetry's own failure"); },
      });
      const agent = startAgent(t, async () => ({ summary: "Done despite the listeners" }), {
        client,
        worker: { onEvent: async (event) => { events.push(event); throw new Error("onEvent's own failure"); } },
      });
      agents.push(agent);
      agent.source.subscribe(async () => { throw new Error("a subscriber's own failure"); });
      const [runId] = await delegateMany(t, 1, "Async listeners");
      await events.until(() => events.events.some((e) => e.type === "finished" && e.runId === runId));
      assert.equal((await ownerView(t, runId!)).status, "FINISHED");
      // The source tells its subscribers of the subscriber's failure as an error event (which fails again: logged).
      for (const label of ["RunWorker onEvent listener failed", "AgentApiClient onRetry listener failed", "RunSource listener failed on an error event"]) {
        assert.ok(logged.includes(label), `${label} in ${JSON.stringify([...new Set(logged)])}`);
      }
    } finally {
      await proxy.close();
    }
  });

  it("refuses at once an instanceId the API could not take in an Idempotency-Key, instead of refusing every claim", () => {
    const client = new AgentApiClient({ token: t.creds.agentToken, apiUrl: t.apiUrl });
    const source = { subscribe: () => () => {}, start: () => {}, close: async () => {} };
    const executor: Executor = async () => ({ summary: "Done." });
    for (const instanceId of ["my bridge", "\u673a\u5668", "x".repeat(101), ""]) {
      assert.throws(() => new RunWorker({ client, source, executor, instanceId }),
        (e: unknown) => e instanceof RangeError && e.message.startsWith("instanceId must be 1 to 100 visible ASCII characters (no spaces), not "), instanceId);
    }
    for (const instanceId of ["bridge-2f6c1d0e-5d3a-4b8e-9a57-0c1f2e3d4b5a", "x".repeat(100)]) {
      assert.doesNotThrow(() => new RunWorker({ client, source, executor, instanceId }));
    }
  });

  it("ends a run with an error when its executor throws", async () => {
    const [runId] = await delegateMany(t, 1, "Broken");
    const agent = startAgent(t, async () => {
      throw new Error("the build is broken");
    }, { worker: { startComment: null } });
    agents.push(agent);
    await agent.events.until(() => agent.ids("failed").includes(runId!));
    const detail = await ownerView(t, runId!);
    assert.equal(detail.status, "ERROR");
    assert.deepEqual(commentsOf(detail), ["Error: the build is broken"]);
  });

  it("an executor's error that says what the attempt cost ends the run with that cost", async () => {
    const [runId] = await delegateMany(t, 1, "Broken after spending");
    const agent = startAgent(t, async () => {
      throw Object.assign(new Error("the model failed half-way"), { stepCostUsd: 0.25 });
    }, { worker: { startComment: null } });
    agents.push(agent);
    await agent.events.until(() => agent.ids("failed").includes(runId!));
    const detail = await ownerView(t, runId!);
    assert.deepEqual([detail.status, detail.stepCostUsd, detail.totalCostUsd], ["ERROR", 0.25, 0.25]);
  });

  it("ends a run with the plain error when formatError itself throws, instead of leaving it RUNNING", async () => {
    const [runId] = await delegateMany(t, 1, "Broken twice");
    const agent = startAgent(t, async () => {
      throw "not an Error"; // what some executors throw
    }, { worker: { startComment: null, formatError: (error) => (error as Error).message.slice(0, 100) } });
    agents.push(agent);
    await agent.events.until(() => agent.ids("failed").includes(runId!));
    const detail = await ownerView(t, runId!);
    assert.equal(detail.status, "ERROR");
    assert.deepEqual(commentsOf(detail), ["Error: not an Error"]);
    assert.ok(agent.events.events.some((e) => e.type === "error" && e.error instanceof TypeError), "the formatter's failure is reported");
  });

  it("posts no progress that shows nothing (only zero-width or other invisible characters) and completes such a summary as \"Done.\", with nothing refused", async () => {
    const [runId] = await delegateMany(t, 1, "Invisible output");
    const agent = startAgent(t, async (_run, ctx) => {
      ctx.progress("\u200b\u2060");
      ctx.progress("real progress");
      return { summary: "\ufeff\u200b " };
    }, { worker: { startComment: null } });
    agents.push(agent);
    await agent.events.until(() => agent.ids("finished").includes(runId!));
    assert.deepEqual(commentsOf(await ownerView(t, runId!)), ["real progress", "Done."]);
    assert.deepEqual(agent.events.events.filter((e) => e.type === "error"), []);
  });

  it("clips a summary over 100,000 characters with a note that says so, without cutting a character in two (the hub kept the half as U+FFFD)", async () => {
    const [runId] = await delegateMany(t, 1, "Long output");
    const note = "\n(Cut short: the whole text had 100,010 characters, more than the 100,000 a message takes.)";
    // The emoji straddles the cut: it goes whole.
    const agent = startAgent(t, async () => ({ summary: `${"a".repeat(99_998 - note.length)}😀${"b".repeat(10 + note.length)}` }), { worker: { startComment: null } });
    agents.push(agent);
    await agent.events.until(() => agent.ids("finished").includes(runId!));
    const [summary] = commentsOf(await ownerView(t, runId!));
    // Compared by its end and length: a failed comparison of the whole would print 100,000 characters.
    assert.deepEqual([summary!.length, JSON.stringify(summary!.slice(-3 - note.length))], [99_999, JSON.stringify(`aa…${note}`)]);
  });

  it("leaves out a cost the API would refuse, says so, and completes the run", async () => {
    const [runId] = await delegateMany(t, 1, "Odd cost");
    const agent = startAgent(t, async () => ({ summary: "Done", stepCostUsd: -0.5, totalCostUsd: Number.NaN }), { worker: { startComment: null } });
    agents.push(agent);
    await agent.events.until(() => agent.ids("finished").includes(runId!));
    const detail = await ownerView(t, runId!);
    assert.deepEqual([detail.status, detail.stepCostUsd, detail.totalCostUsd], ["FINISHED", null, null]);
    const left = agent.events.events.flatMap((e) => (e.type === "error" && e.error instanceof RangeError ? [e.error.message] : []));
    assert.deepEqual(left, [
      "Left out stepCostUsd -0.5: a cost is a number of USD from 0 to 1000000",
      "Left out totalCostUsd NaN: a cost is a number of USD from 0 to 1000000",
    ]);
  });

  it("ends the run with an error that says why when the API refuses its completion, instead of leaving it RUNNING", async () => {
    const [runId] = await delegateMany(t, 1, "Refused");
    const client = new AgentApiClient({ token: t.creds.agentToken, apiUrl: t.apiUrl, retry: { baseDelayMs: 10, maxDelayMs: 100 } });
    // A server stricter than the SDK knows: here the real hub refusing a cost the SDK did not check.
    const complete = client.complete.bind(client);
    client.complete = (id, result, options) => complete(id, { ...result, stepCostUsd: -1 }, options);
    const agent = startAgent(t, async () => ({ summary: "All done" }), { client, worker: { startComment: null } });
    agents.push(agent);
    await agent.events.until(() => agent.ids("failed").includes(runId!));
    const detail = await ownerView(t, runId!);
    assert.equal(detail.status, "ERROR");
    assert.deepEqual(commentsOf(detail), [
      "The agent's result was refused (HTTP 400: Invalid body: stepCostUsd must be >= 0).",
    ]);
    assert.deepEqual(agent.ids("finished"), []);
  });

  it("waits out a Retry-After longer than a minute while reading a claimed run, and finishes it", async () => {
    const [runId] = await delegateMany(t, 1, "Maintenance");
    const clock = new FakeClock(Date.now());
    let refused = 0;
    const fetchWithMaintenance: typeof fetch = async (input, init) => {
      const url = String(input instanceof Request ? input.url : input);
      if (refused === 0 && url.endsWith(`/runs/${runId}`) && (init?.method ?? "GET") === "GET") {
        refused++;
        return new Response('{"error":"Down for maintenance"}', { status: 503, headers: { "retry-after": "120", "content-type": "application/json" } });
      }
      return fetch(input, init);
    };
    const client = new AgentApiClient({ token: t.creds.agentToken, apiUrl: t.apiUrl, fetch: fetchWithMaintenance, clock });
    const agent = startAgent(t, async () => ({ summary: "Done after the window" }), { client, worker: { startComment: null } });
    agents.push(agent);
    // The client waits out the Retry-After on the fake clock, where its requests' 30 s timeouts run too: once
    // it sleeps, move the clock past that wait, once. Moving it on and on would also time out the read that
    // follows, whenever the machine takes longer to answer it than the test's pause between moves.
    while (clock.furthest < 60_000) await new Promise((resolve) => setTimeout(resolve, 10));
    await clock.advance(clock.furthest);
    await agent.events.until(() => agent.ids("finished").includes(runId!) || agent.ids("failed").includes(runId!));
    assert.deepEqual(agent.ids("failed"), []);
    assert.equal(refused, 1);
    assert.equal((await ownerView(t, runId!)).status, "FINISHED");
  });

  it("takes back an adopted run it had started even when its repeated start gets 409 RUNNING, and leaves an unsure one alone", async () => {
    const [started, unsure] = await delegateMany(t, 2, "Adopted");
    // Both started by an earlier process whose key the server does not replay (here: another instance id).
    const before = new AgentApiClient({ token: t.creds.agentToken, apiUrl: t.apiUrl });
    for (const runId of [started!, unsure!]) await before.start(runId, undefined, { idempotencyKey: `earlier:start:${runId}` });
    const agent = startAgent(t, async () => ({ summary: "Picked up again" }), { worker: { instanceId: "later" } });
    agents.push(agent);
    agent.worker.adopt([started!, unsure!], { started: [started!] });
    await agent.events.until(() => agent.ids("finished").includes(started!) && agent.ids("skipped").includes(unsure!));
    assert.equal((await ownerView(t, started!)).status, "FINISHED");
    assert.equal((await ownerView(t, unsure!)).status, "RUNNING");
  });

  it("stop() gives up a claim still in flight instead of leaving it running past the shutdown", async () => {
    const [runId] = await delegateMany(t, 1, "Slow claim");
    const client = new AgentApiClient({ token: t.creds.agentToken, apiUrl: t.apiUrl });
    const abandoned = deferred<unknown>();
    const claiming = deferred();
    client.start = (_id, _body, options) => new Promise((_resolve, reject) => {
      claiming.resolve();
      options?.signal?.addEventListener("abort", () => (abandoned.resolve(options.signal!.reason), reject(options.signal!.reason)), { once: true });
    });
    const agent = startAgent(t, async () => ({ summary: "never" }), { client, worker: { drainMs: 50 } });
    await claiming.promise;
    await agent.worker.stop({ graceMs: 0 });
    assert.match(String(await abandoned.promise), /The worker stopped/);
    assert.deepEqual([agent.ids("claimed"), agent.ids("error")], [[], []]);
    assert.equal((await ownerView(t, runId!)).status, "PENDING");
  });

  it("gives up a claim the API keeps failing once the owner stops its run, instead of asking on until the API answers", { timeout: 60_000 }, async () => {
    const [runId] = await delegateMany(t, 1, "Stopped mid-claim");
    const client = new AgentApiClient({ token: t.creds.agentToken, apiUrl: t.apiUrl });
    let attempts = 0;
    const retried = deferred();
    client.start = async () => {
      if (++attempts === 2) retried.resolve();
      throw new AgentApiError("server", "start failed with HTTP 503", { httpStatus: 503 });
    };
    const agent = startAgent(t, async () => ({ summary: "never" }), { client });
    agents.push(agent);
    await retried.promise;
    await stopRun(t, runId!);
    await agent.events.until(() => agent.ids("stopped").includes(runId!));
    // Its slot is free again: the claim's retries ended with the stop (they used to go on while the API failed).
    while (agent.worker.stats.active > 0) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.deepEqual([agent.ids("claimed"), agent.ids("skipped"), agent.ids("stopped")], [[], [], [runId]]);
    assert.equal((await ownerView(t, runId!)).status, "STOPPED");
  });

  it("aborts a stopped run's executor and posts nothing for it afterwards", async () => {
    const [runId] = await delegateMany(t, 1, "To be stopped");
    const working = deferred();
    let sawAbort = false;
    const agent = startAgent(t, async (_run, ctx) => {
      ctx.progress("before the stop");
      working.resolve();
      await new Promise((resolve) => ctx.signal.addEventListener("abort", resolve, { once: true }));
      sawAbort = true;
      ctx.progress("after the stop");
      throw new Error("aborted");
    });
    agents.push(agent);
    await working.promise;
    // Let "before the stop" reach the hub, so what follows is about the stop alone.
    await waitForComment(runId!, "before the stop");
    await stopRun(t, runId!);
    await agent.events.until(() => agent.ids("stopped").includes(runId!));
    await agent.worker.stop({ graceMs: 1_000 });
    assert.equal(sawAbort, true);
    const detail = await ownerView(t, runId!);
    assert.equal(detail.status, "STOPPED");
    const stoppedAt = detail.activity.findIndex((a) => a.to === "STOPPED");
    assert.deepEqual(detail.activity.slice(stoppedAt + 1), []);
    assert.deepEqual(commentsOf(detail), ["Starting work on this now.", "before the stop"]);
    assert.deepEqual(agent.ids("failed"), []);
    assert.deepEqual(agent.ids("finished"), []);
  });

  it("lets go of a stopped run whose executor ignores its abort after stopGraceMs: the slot takes the next run, and nothing is posted for the stopped one", async () => {
    const [stubborn] = await delegateMany(t, 1, "Ignores its stop");
    const working = deferred();
    let lateResult = false;
    const agent = startAgent(t, async (run, ctx) => {
      if (run.id !== stubborn) return { summary: "Next one done" };
      working.resolve();
      // Never looks at ctx.signal; settles only once the test is over (then its result must be ignored).
      await new Promise<void>((resolve) => setTimeout(resolve, 3_000).unref());
      lateResult = true;
      ctx.progress("after the stop, ignored");
      return { summary: "Too late" };
    }, { worker: { concurrency: 1, stopGraceMs: 50 } });
    agents.push(agent);
    await working.promise;
    await stopRun(t, stubborn!);
    const [next] = await delegateMany(t, 1, "Waits for the slot");
    await agent.events.until(() => agent.ids("finished").includes(next!));
    const said = agent.events.events.find((e) => e.type === "error" && e.runId === stubborn);
    assert.match(String((said as { error: unknown } | undefined)?.error), /ignored its abort for 50 ms; its slot takes the next run/);
    const detail = await ownerView(t, stubborn!);
    assert.equal(detail.status, "STOPPED");
    assert.deepEqual(commentsOf(detail), ["Starting work on this now."]);
    assert.equal(lateResult, false);
    assert.deepEqual(agent.ids("stopped"), [stubborn]);
  });

  it("a heartbeat's 404 for a run deleted under it lets that run go and keeps heartbeats on for the others", async () => {
    const { taskId, runId } = await delegatedRun(t, "Stopped and deleted");
    const beats: number[] = [];
    // Heartbeats can be held back while the run is stopped and deleted: one that came between the two would
    // rightly get a 409 STOPPED (and let the run go as stopped), which is not what this test is about.
    let held: Promise<void> | null = null;
    let lastBeat: Promise<unknown> = Promise.resolve();
    const recording: typeof fetch = async (input, init) => {
      if (!String(input instanceof Request ? input.url : input).endsWith("/heartbeat")) return fetch(input, init);
      while (held) await held;
      const answer = fetch(input, init);
      lastBeat = answer.catch(() => undefined);
      const response = await answer;
      beats.push(response.status);
      return response;
    };
    const client = new AgentApiClient({ token: t.creds.agentToken, apiUrl: t.apiUrl, fetch: recording, retry: { baseDelayMs: 10, maxDelayMs: 100 } });
    const working = deferred();
    // Polls rarely: the stop reaches this worker only through the heartbeat.
    const agent = startAgent(t, async (_run, ctx) => {
      working.resolve();
      await new Promise((resolve) => ctx.signal.addEventListener("abort", resolve, { once: true }));
      throw new Error("aborted");
    }, { client, source: { pollIntervalMs: 3_600_000, reconcileIntervalMs: 3_600_000, pollStopped: false } });
    agents.push(agent);
    await working.promise;
    while (!beats.includes(200)) await new Promise((resolve) => setTimeout(resolve, 10));
    const release = deferred();
    held = release.promise;
    await lastBeat;
    await stopRun(t, runId);
    assert.equal((await t.owner(t.creds.ownerToken, "DELETE", `/tasks/${taskId}`)).status, 204);
    held = null;
    release.resolve();
    // The heartbeat's 404 either turns heartbeats off for good or, rightly, tells of the run being gone.
    while (client.heartbeatSupported && !agent.ids("stopped").includes(runId)) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.deepEqual(beats.slice(-1), [404]);
    assert.equal(client.heartbeatSupported, true, "the API has heartbeats: one run gone must not turn them off");
    assert.deepEqual(agent.ids("stopped"), [runId]);
  });

  it("a 405 after heartbeats worked (a proxy misrouting a call) neither lets the run go nor loses its comments or completion", async () => {
    const [runId] = await delegateMany(t, 1, "Behind a proxy");
    let misroute = false;
    const refused: string[] = [];
    const proxied: typeof fetch = async (input, init) => {
      const url = String(input instanceof Request ? input.url : input);
      const call = url.slice(url.lastIndexOf("/") + 1);
      // The hub has these routes: a 405 for them comes from something in front of it, not from the run.
      if (misroute && ["heartbeat", "comment", "complete"].includes(call) && !refused.includes(call)) {
        refused.push(call);
        return new Response(JSON.stringify({ error: "Method Not Allowed" }), { status: 405, headers: { "content-type": "application/json" } });
      }
      return fetch(input, init);
    };
    const client = new AgentApiClient({ token: t.creds.agentToken, apiUrl: t.apiUrl, fetch: proxied, retry: { baseDelayMs: 10, maxDelayMs: 100 } });
    let beats = 0;
    const beat = client.heartbeat.bind(client);
    client.heartbeat = async (id, options) => {
      const answered = await beat(id, options);
      beats++;
      return answered;
    };
    const agent = startAgent(t, async (_run, ctx) => {
      while (beats === 0) await new Promise((resolve) => setTimeout(resolve, 10));
      misroute = true;
      while (!refused.includes("heartbeat")) await new Promise((resolve) => setTimeout(resolve, 10));
      // Beats go on past the refused one (the worker would have let the run go by now).
      const before = beats;
      while (beats < before + 3 && !ctx.signal.aborted) await new Promise((resolve) => setTimeout(resolve, 10));
      if (ctx.signal.aborted) throw new Error("aborted");
      ctx.progress("still working");
      return { summary: "Done behind the proxy" };
    }, { client, worker: { startComment: null, heartbeatIntervalMs: 20 } });
    agents.push(agent);
    await agent.events.until(() => agent.ids("finished").includes(runId!) || agent.ids("stopped").includes(runId!));
    assert.deepEqual(agent.ids("stopped"), [], "a 405 says nothing about the run");
    const detail = await ownerView(t, runId!);
    assert.equal(detail.status, "FINISHED");
    assert.deepEqual(commentsOf(detail), ["still working", "Done behind the proxy"]);
    assert.deepEqual(refused.sort(), ["comment", "complete", "heartbeat"]);
  });

  it("a claim answered 405 (a proxy misrouting it) is tried again at the next sighting, not skipped as another agent's", async () => {
    const [runId] = await delegateMany(t, 1, "Claimed behind a proxy");
    let refused = 0;
    const proxied: typeof fetch = async (input, init) => {
      const url = String(input instanceof Request ? input.url : input);
      if (url.endsWith("/start") && refused++ === 0) {
        return new Response(JSON.stringify({ error: "Method Not Allowed" }), { status: 405, headers: { "content-type": "application/json" } });
      }
      return fetch(input, init);
    };
    const client = new AgentApiClient({ token: t.creds.agentToken, apiUrl: t.apiUrl, fetch: proxied, retry: { baseDelayMs: 10, maxDelayMs: 100 } });
    const agent = startAgent(t, async () => ({ summary: "Claimed at last" }), { client, worker: { startComment: null } });
    agents.push(agent);
    await agent.events.until(() => agent.ids("finished").includes(runId!) || agent.ids("skipped").includes(runId!));
    assert.deepEqual(agent.ids("skipped"), []);
    assert.equal((await ownerView(t, runId!)).status, "FINISHED");
  });

  async function waitForComment(runId: string, body: string): Promise<void> {
    while (!commentsOf(await ownerView(t, runId)).includes(body)) await new Promise((resolve) => setTimeout(resolve, 10));
  }

  it("shares 30 runs between two workers on one token, each processed exactly once", async () => {
    const runIds = await delegateMany(t, 30, "Shared");
    const calls = new Map<string, number>();
    const executor: Executor = async (run) => {
      calls.set(run.id, (calls.get(run.id) ?? 0) + 1);
      await new Promise((resolve) => setImmediate(resolve));
      return { summary: "done" };
    };
    const both = new EventLog<WorkerEvent>();
    const a = startAgent(t, executor, { worker: { concurrency: 4 }, events: both });
    const b = startAgent(t, executor, { worker: { concurrency: 4 }, events: both });
    agents.push(a, b);
    await both.until(() => runIds.every((id) => a.ids("finished").includes(id)));
    assert.deepEqual(runIds.map((id) => calls.get(id)), runIds.map(() => 1));
    assert.equal(a.ids("finished").length, 30, "one finished event per run over both workers");
    for (const id of runIds) {
      const detail = await ownerView(t, id);
      assert.equal(detail.status, "FINISHED");
      assert.deepEqual(runTransitions(detail), ["→PENDING", "PENDING→RUNNING", "RUNNING→FINISHED"]);
      assert.equal(commentsOf(detail).filter((c) => c === "Starting work on this now.").length, 1);
    }
  });

  it("loses nothing and doubles nothing while the API keeps failing (503s, drops, lost answers)", async () => {
    const runIds = await delegateMany(t, 5, "Flaky");
    const proxy = await startFlakyProxy(t.baseUrl, "/api/v1/agent", Array.from({ length: 120 }, (_, i) => (["lost-answer", null, "503", "drop", null] as const)[i % 5]!));
    try {
      const client = new AgentApiClient({ token: t.creds.agentToken, apiUrl: proxy.url, retry: { baseDelayMs: 5, maxDelayMs: 20 } });
      const agent = startAgent(t, async (run, ctx) => {
        ctx.progress("step one");
        ctx.progress("step two");
        return { summary: `done ${run.taskTitle}` };
      }, { client, worker: { concurrency: 2 } });
      agents.push(agent);
      await agent.events.until(() => runIds.every((id) => agent.ids("finished").includes(id)));
      await agent.worker.stop();
      for (const id of runIds) {
        const detail = await ownerView(t, id);
        assert.equal(detail.status, "FINISHED");
        assert.deepEqual(runTransitions(detail), ["→PENDING", "PENDING→RUNNING", "RUNNING→FINISHED"]);
        assert.deepEqual(commentsOf(detail), ["Starting work on this now.", "step one", "step two", `done ${detail.taskTitle}`]);
      }
      assert.ok(proxy.log.some((line) => line.endsWith("lost-answer")));
    } finally {
      await proxy.close();
    }
  });

  it("stop() lets an in-flight run finish within the grace period and leaves queued runs PENDING", async () => {
    const runIds = await delegateMany(t, 3, "Graceful");
    const started = deferred();
    const release = deferred();
    const agent = startAgent(t, async (run) => {
      started.resolve();
      await release.promise;
      return { summary: `finished ${run.taskTitle}` };
    }, { worker: { concurrency: 1 } });
    agents.push(agent);
    await started.promise;
    const stopping = agent.worker.stop({ graceMs: 30_000 });
    assert.equal(agent.worker.stop(), stopping, "stop is idempotent");
    release.resolve();
    await stopping;
    assert.deepEqual((await statuses(runIds)).sort(), ["FINISHED", "PENDING", "PENDING"]);
    assert.deepEqual(agent.ids("aborted"), []);
  });

  it("stop() aborts what outlives the grace period and ends it with a clear error", async () => {
    const runIds = await delegateMany(t, 2, "Slow");
    const started = deferred();
    let signalled = false;
    const agent = startAgent(t, async (_run, ctx) => {
      started.resolve();
      // Ignores its signal on purpose: the worker must not wait for it.
      ctx.signal.addEventListener("abort", () => (signalled = true));
      await new Promise(() => {});
      return { summary: "never" };
    }, { worker: { concurrency: 1 } });
    agents.push(agent);
    await started.promise;
    await agent.worker.stop({ graceMs: 50 });
    assert.equal(signalled, true);
    const [aborted] = agent.ids("aborted");
    assert.ok(aborted);
    const detail = await ownerView(t, aborted);
    assert.equal(detail.status, "ERROR");
    assert.equal(commentsOf(detail).at(-1), SHUTDOWN_MESSAGE);
    assert.deepEqual((await statuses(runIds)).sort(), ["ERROR", "PENDING"]);
  });
});
