import assert from "node:assert/strict";
import { createServer } from "node:net";
import { afterEach, beforeEach, describe, it } from "node:test";
import { RunSource, type RunSourceEvent } from "../../src/sdk/run-source.ts";
import { NotSyncEndpointError } from "../../src/sdk/sync-endpoint.ts";
import type { WorkerEvent } from "../../src/sdk/worker.ts";
import { delegatedRun, startTestHub, type TestHub } from "../support/hub.ts";
import { startAgent, type TestAgent } from "./support/agent.ts";
import { commentsOf, deferred, EventLog, ownerView, stopRun } from "./support/runs.ts";
import { countingWebSocket } from "./support/sockets.ts";

/** A poller that never finds anything: whatever reaches the worker came through the socket. */
const silentPoller = { runs: async () => [] };
const HOUR = 3_600_000;

describe("RunWorker with the Convex source (stock client), against a real hub", { timeout: 300_000 }, () => {
  let t: TestHub;
  const agents: TestAgent[] = [];
  const sources: RunSource[] = [];
  beforeEach(async () => (t = await startTestHub()));
  afterEach(async () => {
    await Promise.all(agents.splice(0).map((a) => a.worker.stop({ graceMs: 0 })));
    await Promise.all(sources.splice(0).map((s) => s.close()));
    await t.close();
  });

  function socketOnlyAgent(executor: Parameters<typeof startAgent>[1]): TestAgent {
    const agent = startAgent(t, executor, {
      realtime: true,
      source: { client: silentPoller, pollIntervalMs: HOUR, reconcileIntervalMs: HOUR },
      worker: { heartbeatIntervalMs: HOUR },
    });
    agents.push(agent);
    return agent;
  }

  it("a delegated run reaches the worker through pendingRuns, without polling", async () => {
    const agent = socketOnlyAgent(async (run) => ({ summary: `Done: ${run.taskTitle}` }));
    await agent.events.until((events) => events.some((e) => e.type === "connection" && e.connected));
    const { runId } = await delegatedRun(t, "Pushed, not polled");
    await agent.events.until(() => agent.ids("finished").includes(runId));
    const detail = await ownerView(t, runId);
    assert.equal(detail.status, "FINISHED");
    assert.deepEqual(commentsOf(detail), ["Starting work on this now.", "Done: Pushed, not polled"]);
  });

  it("a stop reaches the executor through stoppedRuns and nothing is posted after it", async () => {
    const working = deferred();
    let sawAbort = false;
    const agent = socketOnlyAgent(async (_run, ctx) => {
      working.resolve();
      await new Promise((resolve) => ctx.signal.addEventListener("abort", resolve, { once: true }));
      sawAbort = true;
      ctx.progress("after the stop");
      return { summary: "should never be posted" };
    });
    await agent.events.until((events) => events.some((e) => e.type === "connection" && e.connected));
    const { runId } = await delegatedRun(t, "Stop me");
    await working.promise;
    await stopRun(t, runId);
    await agent.events.until(() => agent.ids("stopped").includes(runId));
    await agent.worker.stop({ graceMs: 1_000 });
    assert.equal(sawAbort, true);
    const detail = await ownerView(t, runId);
    assert.equal(detail.status, "STOPPED");
    const stoppedAt = detail.activity.findIndex((a) => a.to === "STOPPED");
    assert.deepEqual(detail.activity.slice(stoppedAt + 1), []);
    assert.deepEqual(commentsOf(detail), ["Starting work on this now."]);
  });

  it("a bad token reaches onError as an error event, and the process lives on", async () => {
    const log = new EventLog<RunSourceEvent>();
    // The trailing slash is on purpose: the source must not turn it into a `//api/…` socket path.
    const source = new RunSource({ client: silentPoller, token: "gca_wrong", convexUrl: `${t.hub.urls().convexUrl}/`, pollIntervalMs: HOUR, reconcileIntervalMs: HOUR });
    sources.push(source);
    source.subscribe(log.push);
    source.start();
    await log.until((events) => events.filter((e) => e.type === "error" && e.via === "socket").length === 2);
    const errors = log.events.flatMap((e) => (e.type === "error" ? [e.error] : []));
    assert.ok(errors.every((e) => e instanceof Error && /Invalid agent token|Unauthorized/i.test(e.message)), String(errors));
  });

  it("while the socket cannot connect, polling delivers the runs", async () => {
    const deadPort = await unusedPort();
    const events = new EventLog<WorkerEvent>();
    const agent = startAgent(t, async () => ({ summary: "polled" }), {
      source: { convexUrl: `http://127.0.0.1:${deadPort}`, pollIntervalMs: 25, reconcileIntervalMs: HOUR },
      events,
    });
    agents.push(agent);
    const { runId } = await delegatedRun(t, "Socket down");
    await events.until(() => agent.ids("finished").includes(runId));
    assert.equal(agent.source.connected, false);
    assert.equal((await ownerView(t, runId)).status, "FINISHED");
  });

  it("a convexUrl set to the API URL is said once, as an error naming the likely mistake, while polling delivers the runs", async () => {
    const sockets = countingWebSocket();
    const agent = startAgent(t, async () => ({ summary: "polled" }), {
      source: { convexUrl: t.apiUrl, webSocketConstructor: sockets.WebSocket, pollIntervalMs: 25, reconcileIntervalMs: HOUR },
    });
    agents.push(agent);
    const notSync = () => agent.events.events.flatMap((e) => (e.type === "error" && e.error instanceof NotSyncEndpointError ? [e.error] : []));
    // The stock client tries again and again (1 s, 2 s, 4 s… apart): by its fifth try the source has long said it.
    while (notSync().length === 0 && sockets.opened < 5) await new Promise((resolve) => setTimeout(resolve, 50));
    const [said] = notSync();
    assert.ok(said, "an error event says the URL is no sync endpoint");
    assert.equal(said.httpStatus, 404);
    assert.match(said.message, /^convexUrl \(GROUPCHAT_CONVEX_URL\) http:\/\/127\.0\.0\.1:\d+\/api\/v1\/agent is not a real-time sync endpoint: its sync path \(.*\/api\/v1\/agent\/api\/[\d.]+\/sync\) answered the WebSocket upgrade with HTTP 404 \("No real-time endpoint at this path"\)\. It looks like the Agent API's URL \(GROUPCHAT_API_URL\)/);
    const { runId } = await delegatedRun(t, "Polled, the URL being wrong");
    await agent.events.until(() => agent.ids("finished").includes(runId));
    // Said once: a later try of the client adds nothing.
    const after = sockets.opened;
    while (sockets.opened < after + 1) await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(notSync().length, 1);
  });
});

/** A loopback port nothing listens on (bound, read, released). */
async function unusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
