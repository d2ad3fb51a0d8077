/**
 * The worker against a real hub behind a loopback proxy that answers on cue what a hub alone never would: 404s
 * for a started run (a proxy's hiccup: a run is let go only once re-reads confirm it is gone), 405s for
 * heartbeats (hosted GroupChat may have no such endpoint: they pause, and a probe brings them back), and a 429
 * or no answer at all for a progress comment (progress is bounded, and never holds the run's final call back).
 */
import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it } from "node:test";
import { AgentApiClient } from "../../src/sdk/client.ts";
import { SHUTDOWN_MESSAGE } from "../../src/sdk/job.ts";
import type { RunWorkerOptions } from "../../src/sdk/worker.ts";
import { startForwardProxy, type ForwardProxy, type ProxyRequest } from "../support/forward.ts";
import { startTestHub, type TestHub } from "../support/hub.ts";
import { startAgent, type TestAgent } from "./support/agent.ts";
import { FakeClock } from "./support/fake-clock.ts";
import { commentsOf, deferred, delegateMany, EventLog, ownerView } from "./support/runs.ts";

const HOUR = 3_600_000;
const tick = () => new Promise((resolve) => setTimeout(resolve, 10));

describe("RunWorker against a real hub behind a proxy: 404s for a started run, 405s for heartbeats, progress held up", { timeout: 120_000 }, () => {
  let t: TestHub;
  let proxy: ForwardProxy;
  const agents: TestAgent[] = [];
  beforeEach(async () => {
    t = await startTestHub();
    proxy = await startForwardProxy(t.baseUrl, "/api/v1/agent");
  });
  afterEach(async () => {
    await Promise.all(agents.splice(0).map((a) => a.worker.stop({ graceMs: 0 })));
    await proxy.close();
    await t.close();
  });

  /** A worker whose calls (polls included) go through the proxy; heartbeats kept out of the way. */
  function agentBehindProxy(executor: Parameters<typeof startAgent>[1], worker: Partial<RunWorkerOptions> = {}): TestAgent {
    const client = new AgentApiClient({ token: t.creds.agentToken, apiUrl: proxy.url, retry: { baseDelayMs: 10, maxDelayMs: 100 } });
    const agent = startAgent(t, executor, { client, worker: { startComment: null, heartbeatIntervalMs: HOUR, ...worker } });
    agents.push(agent);
    return agent;
  }

  /** The proxy's log for the run's own calls, from its first 404 on, as "METHOD call → status". */
  function afterFirst404(runId: string): string[] {
    const lines = proxy.log.filter((line) => line.includes(`/runs/${runId}`));
    return lines.slice(lines.findIndex((line) => line.endsWith(" 404"))).map((line) => line.replace(/\/api\/v1\/agent\/runs\/[^/ ]+/, "run"));
  }

  it("does not let go of a run whose comment answered 404 while re-reads find it (a proxy's hiccup): its comment and completion land", async () => {
    const [runId] = await delegateMany(t, 1, "Hiccup");
    const onRun = (request: ProxyRequest) => request.path.includes(`/runs/${runId}`);
    const agent = agentBehindProxy(async (_run, ctx) => {
      proxy.answer(404, 3, onRun);
      ctx.progress("through the hiccup");
      while (afterFirst404(runId!).length < 5 && !ctx.signal.aborted) await tick();
      return { summary: "Done despite it" };
    });
    await agent.events.until(() => agent.ids("finished").includes(runId!) || agent.ids("stopped").includes(runId!));
    assert.deepEqual(agent.ids("stopped"), [], "a 404 the run's re-reads did not confirm");
    const detail = await ownerView(t, runId!);
    assert.equal(detail.status, "FINISHED");
    assert.deepEqual(commentsOf(detail), ["through the hiccup", "Done despite it"]);
    assert.deepEqual(afterFirst404(runId!), [
      "POST run/comment → 404", "GET run → 404", "GET run → 404", "GET run → 200", "POST run/comment → 201", "POST run/complete → 200",
    ]);
  });

  it("reads a claimed run again when its first read answered 404 while a re-read finds it, instead of ending it with an error", async () => {
    const [runId] = await delegateMany(t, 1, "Read hiccup");
    proxy.answer(404, 2, (request) => request.method === "GET" && request.path.endsWith(`/runs/${runId}`));
    const agent = agentBehindProxy(async (run) => ({ summary: `Read ${run.taskTitle}` }));
    await agent.events.until(() => agent.ids("finished").includes(runId!) || agent.ids("failed").includes(runId!) || agent.ids("stopped").includes(runId!));
    assert.deepEqual([agent.ids("failed"), agent.ids("stopped")], [[], []]);
    assert.deepEqual(commentsOf(await ownerView(t, runId!)), ["Read Read hiccup 1"]);
    assert.deepEqual(afterFirst404(runId!), ["GET run → 404", "GET run → 404", "GET run → 200", "GET run → 200", "POST run/complete → 200"]);
  });

  it("claims again a run whose start answered 404 while a re-read finds it (a proxy's hiccup), instead of skipping it as gone", async () => {
    const [runId] = await delegateMany(t, 1, "Start hiccup");
    proxy.answer(404, 1, (request) => request.method === "POST" && request.path.endsWith(`/runs/${runId}/start`));
    const agent = agentBehindProxy(async (run) => ({ summary: `Claimed ${run.taskTitle}` }));
    await agent.events.until(() => agent.ids("finished").includes(runId!) || agent.ids("skipped").includes(runId!));
    assert.deepEqual(agent.ids("skipped"), [], "a 404 the run's re-reads did not confirm");
    assert.equal((await ownerView(t, runId!)).status, "FINISHED");
    assert.deepEqual(afterFirst404(runId!), [
      "POST run/start → 404", "GET run → 200", "POST run/start → 200", "GET run → 200", "POST run/complete → 200",
    ]);
  });

  it("skips a run whose start answers 404 only once confirmGone (a worker option) agrees it is gone", async () => {
    const [runId] = await delegateMany(t, 1, "Start gone");
    const asked: string[] = [];
    proxy.answer(404, Number.POSITIVE_INFINITY, (request) => request.path.includes(`/runs/${runId}`));
    const agent = agentBehindProxy(async () => ({ summary: "never" }), { confirmGone: async (id) => (asked.push(id), true) });
    await agent.events.until(() => agent.ids("skipped").includes(runId!) || agent.ids("claimed").includes(runId!));
    assert.deepEqual([agent.ids("skipped"), asked], [[runId], [runId]]);
    assert.deepEqual(afterFirst404(runId!), ["POST run/start → 404"]);
  });

  it("lets go of a run that keeps answering 404 once confirmGone (a worker option) agrees, and posts nothing more for it", async () => {
    const [runId] = await delegateMany(t, 1, "Gone under it");
    const working = deferred();
    const asked: string[] = [];
    const agent = agentBehindProxy(async (_run, ctx) => {
      working.resolve();
      await new Promise((resolve) => ctx.signal.addEventListener("abort", resolve, { once: true }));
      throw new Error("aborted");
    }, { heartbeatIntervalMs: 20, confirmGone: async (id) => (asked.push(id), true) });
    await working.promise;
    // Gone, as far as the worker can tell (the heartbeat is the call that meets it).
    proxy.answer(404, Number.POSITIVE_INFINITY, (request) => request.path.includes(`/runs/${runId}`));
    await agent.events.until(() => agent.ids("stopped").includes(runId!));
    await agent.worker.stop({ graceMs: 1_000 });
    assert.deepEqual(asked, [runId]);
    assert.deepEqual([agent.ids("failed"), agent.ids("finished")], [[], []]);
    assert.ok(!proxy.log.some((line) => /\/(comment|complete|error) /.test(line)), "nothing posted for it");
  });

  // The heartbeat client's probe schedule runs on a fake clock, moved by hand; everything else on real time.
  it("pauses heartbeats at the API's first 405 instead of sending one every interval, probes after heartbeatProbeMs (then twice as long), and resumes them", async () => {
    const [runId] = await delegateMany(t, 1, "Long job");
    proxy.answer(405, 2, (request) => request.path.endsWith("/heartbeat"));
    const probeClock = new FakeClock(Date.now());
    const told = new EventLog<boolean>();
    const beats = new AgentApiClient({ token: t.creds.agentToken, apiUrl: proxy.url, clock: probeClock, heartbeatProbeMs: 60_000, onHeartbeats: told.push });
    const client = new AgentApiClient({ token: t.creds.agentToken, apiUrl: t.apiUrl, retry: { baseDelayMs: 10, maxDelayMs: 100 } });
    // The worker's ticks (every 10 ms, real time) go to the heartbeat client; each returns before the next starts.
    let ticks = 0;
    client.heartbeat = async (id, options) => {
      const sent = await beats.heartbeat(id, options);
      ticks++;
      return sent;
    };
    const ticksLater = async (n: number) => {
      const from = ticks;
      while (ticks < from + n) await tick();
    };
    const sentBeats = () => proxy.log.filter((line) => line.includes("/heartbeat")).map((line) => line.slice(line.lastIndexOf(" ") + 1));
    const release = deferred();
    const agent = startAgent(t, async () => (await release.promise, { summary: "Done at last" }), { client, worker: { startComment: null, heartbeatIntervalMs: 10 } });
    agents.push(agent);

    await told.until((said) => said.length === 1);
    await ticksLater(5);
    assert.deepEqual(sentBeats(), ["405"], "paused: the ticks since sent nothing");
    await probeClock.advance(60_000);
    await ticksLater(5);
    assert.deepEqual(sentBeats(), ["405", "405"], "one probe, refused");
    await probeClock.advance(60_000);
    await ticksLater(5);
    assert.deepEqual(sentBeats(), ["405", "405"], "the next probe waits twice as long");
    await probeClock.advance(60_000);
    await told.until((said) => said.length === 2);
    await ticksLater(2);
    release.resolve();
    await agent.events.until(() => agent.ids("finished").includes(runId!));

    assert.deepEqual(told.events, [false, true]);
    assert.deepEqual(sentBeats().slice(0, 4), ["405", "405", "200", "200"], "beating again at every tick");
    assert.equal((await ownerView(t, runId!)).status, "FINISHED");
  });

  const commentOf = (runId: string) => (request: ProxyRequest) => request.path.endsWith(`/runs/${runId}/comment`);
  /** The proxy's log for the run's own calls, as "METHOD call → what". */
  const callsOf = (runId: string) =>
    proxy.log.filter((line) => line.includes(`/runs/${runId}`)).map((line) => line.replace(/\/api\/v1\/agent\/runs\/[^/ ]+/, "run"));

  it("posts a burst of 2,000 progress updates as two comments that hold every one, in order, and then the completion", async () => {
    const [runId] = await delegateMany(t, 1, "Chatty");
    const steps = Array.from({ length: 2_000 }, (_, i) => `step ${i + 1}`);
    // Returns at once: what waits is sent before the completion, not dropped for it.
    const agent = agentBehindProxy(async (_run, ctx) => {
      for (const step of steps) ctx.progress(step);
      return { summary: "Done chatting" };
    });
    await agent.events.until(() => agent.ids("finished").includes(runId!));
    const comments = commentsOf(await ownerView(t, runId!));
    assert.deepEqual(comments, ["step 1", steps.slice(1).join("\n\n"), "Done chatting"]);
    assert.deepEqual(callsOf(runId!).filter((line) => line.includes("/comment")), ["POST run/comment → 201", "POST run/comment → 201"]);
  });

  it("retries a progress comment that fails for a moment (503) as the run ends, and posts it before the completion", async () => {
    const [runId] = await delegateMany(t, 1, "Flaky comment");
    proxy.answer(503, 2, commentOf(runId!));
    const agent = agentBehindProxy(async (_run, ctx) => {
      ctx.progress("the last thing it said");
      return { summary: "Done despite the hiccup" };
    });
    await agent.events.until(() => agent.ids("finished").includes(runId!));
    assert.deepEqual(commentsOf(await ownerView(t, runId!)), ["the last thing it said", "Done despite the hiccup"]);
    assert.deepEqual(callsOf(runId!).filter((line) => /comment|complete/.test(line)), [
      "POST run/comment → 503", "POST run/comment → 503", "POST run/comment → 201", "POST run/complete → 200",
    ]);
  });

  it("sends the completion next when the API refuses a progress comment for now (429, Retry-After an hour): the comment is given up, the run FINISHED", { timeout: 30_000 }, async () => {
    const [runId] = await delegateMany(t, 1, "Rate limited");
    proxy.answer(429, 1, commentOf(runId!), { "retry-after": "3600" });
    const agent = agentBehindProxy(async (_run, ctx) => {
      ctx.progress("almost there");
      while (!callsOf(runId!).includes("POST run/comment → 429")) await tick();
      return { summary: "Done without waiting an hour" };
    });
    await agent.events.until(() => agent.ids("finished").includes(runId!));
    const detail = await ownerView(t, runId!);
    assert.equal(detail.status, "FINISHED");
    assert.deepEqual(commentsOf(detail), ["Done without waiting an hour"]);
    assert.deepEqual(callsOf(runId!).slice(-2), ["POST run/comment → 429", "POST run/complete → 200"]);
  });

  it("stop() past the grace period ends the run with its error while a progress comment hangs unanswered, instead of losing the error behind it", async () => {
    const [runId] = await delegateMany(t, 1, "Hung comment");
    proxy.hang(Number.POSITIVE_INFINITY, commentOf(runId!));
    const working = deferred();
    // Ignores its abort, as a stubborn executor does: shutdown ends the run for it.
    const agent = agentBehindProxy(async (_run, ctx) => {
      for (let i = 1; i <= 1_000; i++) ctx.progress(`step ${i}`);
      working.resolve();
      return new Promise(() => {});
    }, { drainMs: 10_000 });
    await working.promise;
    while (!callsOf(runId!).includes("POST run/comment → hang")) await tick();
    await agent.worker.stop({ graceMs: 0 });
    const detail = await ownerView(t, runId!);
    assert.equal(detail.status, "ERROR");
    assert.deepEqual(commentsOf(detail), [SHUTDOWN_MESSAGE]);
    assert.deepEqual(agent.ids("aborted"), [runId]);
    assert.deepEqual(callsOf(runId!).filter((line) => line.includes("/comment")), ["POST run/comment → hang"]);
  });
});
