/**
 * The worker against an Agent API in memory that fails on cue (a refused token, an outage), on a fake clock:
 * what it says, what it asks again and what it keeps.
 */
import assert from "node:assert/strict";
import { createServer, type Socket } from "node:net";
import { describe, it } from "node:test";
import { WebSocket as WsWebSocket } from "ws";
import { COMMENT_GRACE_MS, isTokenRefused, MemoryOutbox, RunSource, RunWorker, SHUTDOWN_MESSAGE, type Executor, type WorkerEvent } from "../../src/sdk/index.ts";
import { FakeApi } from "./support/fake-api.ts";
import { FakeClock, settle } from "./support/fake-clock.ts";
import { deferred } from "./support/runs.ts";

function startWorker(api: FakeApi, clock: FakeClock, executor: Executor) {
  const events: WorkerEvent[] = [];
  const source = new RunSource({ client: api.client, token: "gca_test", clock, pollIntervalMs: 1_000 });
  const worker = new RunWorker({ client: api.client, source, executor, clock, heartbeatIntervalMs: 1_000, startComment: null, onEvent: (e) => events.push(e) });
  worker.start();
  return { worker, source, events };
}

const errorsOf = (events: WorkerEvent[]) => events.flatMap((e) => (e.type === "error" ? [e.error] : []));

describe("RunWorker when its token is refused (rotated or revoked)", () => {
  it("says so once and stops polling, instead of one 401 per poll for ever", async () => {
    const api = new FakeApi();
    const clock = new FakeClock();
    api.mode = "revoked";
    const { worker, source, events } = startWorker(api, clock, async () => ({ summary: "never" }));
    await clock.advance(60_000);
    const errors = errorsOf(events);
    assert.equal(errors.length, 1, `one error, not ${errors.length}`);
    assert.ok(isTokenRefused(errors[0]));
    assert.equal(api.count("runs"), 1, "no poll after the refusal");
    assert.equal(source.connected, false);
    await worker.stop({ graceMs: 0 });
  });

  it("says so once for a run in flight, and sends no more heartbeats or lifecycle calls with the dead token", async () => {
    const api = new FakeApi();
    const clock = new FakeClock();
    api.add("r1");
    const release = deferred();
    const executing: Array<(text: string) => void> = [];
    const { worker, events } = startWorker(api, clock, async (_run, ctx) => {
      executing.push(ctx.progress);
      await release.promise;
      return { summary: "done" };
    });
    await clock.advance(10);
    assert.equal(executing.length, 1, "the executor runs");
    api.mode = "revoked";
    await clock.advance(1_000); // a heartbeat: refused
    const calls = api.count();
    executing[0]!("still working");
    await clock.advance(10_000);
    release.resolve();
    await clock.advance(10_000);
    const errors = errorsOf(events);
    assert.equal(errors.length, 1, `one error, not ${errors.length}: ${errors.map(String).join("; ")}`);
    assert.ok(isTokenRefused(errors[0]));
    assert.equal(api.count(), calls, `nothing asked after the refusal: ${JSON.stringify(api.calls.slice(calls))}`);
    await worker.stop({ graceMs: 0 });
  });
  it("holds a run's completion in the outbox when the refusal came over the real-time socket, as for a 401", async () => {
    const api = new FakeApi();
    const clock = new FakeClock();
    api.add("r1");
    const release = deferred();
    let started = false;
    const polled = new RunSource({ client: api.client, token: "gca_test", clock, pollIntervalMs: 1_000 });
    // The real source, and a way to say what its socket would: the query refusing the token.
    const listeners: Array<Parameters<RunSource["subscribe"]>[0]> = [];
    const source = {
      start: () => polled.start(),
      close: () => polled.close(),
      subscribe: (listener: Parameters<RunSource["subscribe"]>[0]) => (listeners.push(listener), polled.subscribe(listener)),
    };
    const events: WorkerEvent[] = [];
    const outbox = new MemoryOutbox();
    const worker = new RunWorker({
      client: api.client, source, clock, outbox, heartbeatIntervalMs: 1_000, startComment: null, onEvent: (e) => events.push(e),
      executor: async () => {
        started = true;
        await release.promise;
        return { summary: "done" };
      },
    });
    worker.start();
    await clock.advance(10);
    assert.ok(started, "the executor runs");
    const refusal = Object.assign(new Error("Invalid agent token"), { data: { code: "UNAUTHORIZED" } });
    for (const listener of listeners) listener({ type: "error", error: refusal, via: "socket" });
    release.resolve();
    await clock.advance(60_000);
    assert.deepEqual(api.delivered, [], "nothing sent with the refused token");
    const held = (await outbox.pending()).map((entry) => `${entry.kind}:${entry.runId}`);
    assert.deepEqual(held, ["complete:r1"], "the completion is held for a start with a valid token, not given up");
    assert.equal(errorsOf(events).length, 1);
    await worker.stop({ graceMs: 0 });
  });
});

describe("RunWorker through an outage", () => {
  it("keeps the last progress comment through an outage longer than the comment grace, and posts it before the completion once the API is back", async () => {
    const api = new FakeApi();
    const clock = new FakeClock();
    api.add("r1");
    const { worker, events } = startWorker(api, clock, async (_run, ctx) => {
      api.mode = "offline";
      ctx.progress("the last thing said");
      return { summary: "done" };
    });
    // Ten times the grace without the API.
    assert.equal(COMMENT_GRACE_MS, 30_000);
    await clock.advance(10 * COMMENT_GRACE_MS);
    assert.deepEqual(api.delivered, []);
    api.mode = "up";
    await clock.advance(60_000);
    assert.deepEqual(api.delivered, ["comment:the last thing said", "complete:done"]);
    assert.ok(events.some((e) => e.type === "finished" && e.runId === "r1"));
    await worker.stop({ graceMs: 0 });
  });
});

describe("RunWorker.stop()", () => {
  it("resolves promptly while the real-time socket is still connecting (a server that never answers the upgrade)", async () => {
    const held: Socket[] = [];
    const server = createServer((socket) => void held.push(socket));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = server.address() as { port: number };
      const api = new FakeApi();
      const source = new RunSource({
        client: api.client, token: "gca_test", convexUrl: `http://127.0.0.1:${port}`,
        webSocketConstructor: WsWebSocket as unknown as typeof WebSocket, pollIntervalMs: 3_600_000,
      });
      const worker = new RunWorker({ client: api.client, source, executor: async () => ({ summary: "never" }) });
      worker.start();
      while (held.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
      const began = Date.now();
      const stopped = worker.stop({ graceMs: 0 }).then(() => "stopped");
      const late = new Promise((resolve) => setTimeout(resolve, 3_000, "still waiting").unref());
      assert.equal(await Promise.race([stopped, late]), "stopped");
      assert.ok(Date.now() - began < 2_000, `stopped after ${Date.now() - began} ms`);
      assert.equal(source.connected, false);
    } finally {
      for (const socket of held) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe("RunWorker.stop() called again", () => {
  it("with a shorter grace forces the stop: the shorter deadline wins over the first call's longer one", async () => {
    const api = new FakeApi();
    const clock = new FakeClock();
    api.add("r1");
    // Works until aborted.
    const { worker, events } = startWorker(api, clock, (_run, ctx) => new Promise((_resolve, reject) => {
      ctx.signal.addEventListener("abort", () => reject(ctx.signal.reason), { once: true });
    }));
    await clock.advance(10);
    let firstDone = false;
    let secondDone = false;
    const first = worker.stop({ graceMs: 600_000 }).then(() => (firstDone = true));
    await clock.advance(1_000);
    assert.equal(firstDone, false, "the first stop waits out its grace");
    const second = worker.stop({ graceMs: 0 }).then(() => (secondDone = true));
    await settle();
    await clock.advance(0);
    assert.deepEqual([firstDone, secondDone], [true, true]);
    await Promise.all([first, second]);
    assert.deepEqual(api.delivered, [`error:${SHUTDOWN_MESSAGE}`]);
    assert.ok(events.some((e) => e.type === "aborted" && e.runId === "r1"));
  });

  it("with a longer grace changes nothing: the first call's shorter deadline still holds", async () => {
    const api = new FakeApi();
    const clock = new FakeClock();
    api.add("r1");
    const { worker } = startWorker(api, clock, (_run, ctx) => new Promise((_resolve, reject) => {
      ctx.signal.addEventListener("abort", () => reject(ctx.signal.reason), { once: true });
    }));
    await clock.advance(10);
    let done = false;
    void worker.stop({ graceMs: 5_000 }).then(() => (done = true));
    void worker.stop({ graceMs: 600_000 });
    await clock.advance(5_000);
    assert.equal(done, true);
    assert.deepEqual(api.delivered, [`error:${SHUTDOWN_MESSAGE}`]);
  });
});

describe("RunWorker with an executor's result it cannot read", () => {
  for (const field of ["summary", "stepCostUsd"] as const) {
    it(`ends the run with an error when the result's ${field} getter throws, instead of leaving it RUNNING`, async () => {
      const api = new FakeApi();
      const clock = new FakeClock();
      api.add("r1");
      const result = { summary: "fine", stepCostUsd: 0.01 };
      Object.defineProperty(result, field, { get: () => { throw new Error(`the ${field} getter failed`); } });
      const { worker, events } = startWorker(api, clock, async () => result);
      await clock.advance(1_000);
      assert.deepEqual(api.delivered, [`error:Error: the ${field} getter failed`]);
      assert.ok(events.some((e) => e.type === "failed" && e.runId === "r1"), JSON.stringify(events));
      await worker.stop({ graceMs: 0 });
    });
  }
});

describe("RunWorker with a cost it cannot even name", () => {
  it("completes the run without a cost that has no string form (an object without a prototype), instead of leaving it RUNNING", async () => {
    const api = new FakeApi();
    const clock = new FakeClock();
    api.add("r1");
    const { worker, events } = startWorker(api, clock, async () => ({ summary: "fine", stepCostUsd: Object.create(null) as number }));
    await clock.advance(1_000);
    assert.deepEqual(api.delivered, ["complete:fine"]);
    assert.ok(events.some((e) => e.type === "finished" && e.runId === "r1"), JSON.stringify(events));
    await worker.stop({ graceMs: 0 });
  });
});
