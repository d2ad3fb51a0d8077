import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { WebSocket as WsWebSocket, WebSocketServer } from "ws";
import type { RunFilters } from "../../../src/sdk/client.ts";
import { AgentApiError } from "../../../src/sdk/errors.ts";
import type { AgentRun } from "../../../src/sdk/parse.ts";
import { pollDelayMs, RunSource, type RunSourceEvent } from "../../../src/sdk/run-source.ts";
import { FakeClock, settle } from "../support/fake-clock.ts";

const run = (id: string): AgentRun => ({ id, taskTitle: `Task ${id}`, prompt: "p" });

function fakeClient(answers: Partial<Record<string, Array<AgentRun[] | Error>>> = {}) {
  const calls: RunFilters[] = [];
  return {
    calls,
    runs: async (filters: RunFilters = {}) => {
      calls.push(filters);
      const next = answers[filters.status ?? ""]?.shift() ?? [];
      if (next instanceof Error) throw next;
      return next;
    },
  };
}

describe("RunSource polling (no socket)", () => {
  it("polls pending and stopped runs at once, then every pollIntervalMs, until closed", async () => {
    const clock = new FakeClock();
    const client = fakeClient({ PENDING: [[run("a")], [run("a"), run("b")]], STOPPED: [[], [run("z")]] });
    const source = new RunSource({ client, token: "gca_x", clock, pollIntervalMs: 1_000 });
    const events: RunSourceEvent[] = [];
    source.subscribe((e) => events.push(e));
    source.start();
    await settle();
    assert.deepEqual(events, [
      { type: "pending", runs: [run("a")], via: "poll" },
      { type: "stopped", runs: [], via: "poll" },
    ]);
    await clock.advance(999);
    assert.equal(client.calls.length, 2);
    await clock.advance(1);
    assert.deepEqual(events.slice(2), [
      { type: "pending", runs: [run("a"), run("b")], via: "poll" },
      { type: "stopped", runs: [run("z")], via: "poll" },
    ]);
    assert.deepEqual(client.calls[0], { status: "PENDING", limit: 200 });
    await source.close();
    assert.equal(clock.pending, 0);
    await clock.advance(10_000);
    assert.equal(client.calls.length, 4);
  });

  it("reports a failed poll as an error event and keeps polling", async () => {
    const clock = new FakeClock();
    const down = new AgentApiError("network", "down");
    const client = fakeClient({ PENDING: [down, [run("a")]] });
    const source = new RunSource({ client, token: "gca_x", clock, pollIntervalMs: 500, pollStopped: false });
    const events: RunSourceEvent[] = [];
    source.subscribe((e) => events.push(e));
    source.start();
    await clock.advance(500);
    assert.deepEqual(events, [{ type: "error", error: down, via: "poll" }, { type: "pending", runs: [run("a")], via: "poll" }]);
    await source.close();
  });

  it("waits out a Retry-After longer than its poll period before it polls again", async () => {
    const clock = new FakeClock();
    // The client hands back a 429 whose Retry-After is beyond what it waits out itself.
    const limited = new AgentApiError("rate_limited", "slow down", { httpStatus: 429, retryAfterMs: 120_000 });
    const client = fakeClient({ PENDING: [limited, [run("a")]] });
    const source = new RunSource({ client, token: "gca_x", clock, pollIntervalMs: 5_000, pollStopped: false });
    const events: RunSourceEvent[] = [];
    source.subscribe((e) => events.push(e));
    source.start();
    await clock.advance(119_999);
    assert.equal(client.calls.length, 1, "no poll before the API said it would take one");
    await clock.advance(1);
    assert.equal(client.calls.length, 2);
    assert.deepEqual(events.at(-1), { type: "pending", runs: [run("a")], via: "poll" });
    // Once answered, the usual period again.
    await clock.advance(5_000);
    assert.equal(client.calls.length, 3);
    await source.close();
  });

  it("survives a listener that throws", async () => {
    const clock = new FakeClock();
    const source = new RunSource({ client: fakeClient({ PENDING: [[run("a")]] }), token: "gca_x", clock, pollStopped: false });
    const events: RunSourceEvent[] = [];
    source.subscribe((e) => {
      if (e.type === "pending") throw new Error("listener bug");
    });
    source.subscribe((e) => events.push(e));
    source.start();
    await settle();
    assert.deepEqual(events.map((e) => e.type), ["pending", "error"]);
    await source.close();
  });

  it("polls often while the socket is down, rarely while it is up", () => {
    const intervals = { pollIntervalMs: 5_000, reconcileIntervalMs: 30_000 };
    assert.equal(pollDelayMs(false, intervals), 5_000);
    assert.equal(pollDelayMs(true, intervals), 30_000);
  });
});

describe("RunSource with a socket", () => {
  it("is not connected once closed, nor says it was connected after", async () => {
    // Takes the socket and says nothing: connected as far as the stock client can tell.
    const server = new WebSocketServer({ host: "127.0.0.1", port: 0 });
    await new Promise((resolve) => server.once("listening", resolve));
    try {
      const { port } = server.address() as { port: number };
      const source = new RunSource({
        client: fakeClient(), token: "gca_x", convexUrl: `http://127.0.0.1:${port}`,
        webSocketConstructor: WsWebSocket as unknown as typeof WebSocket, pollIntervalMs: 3_600_000, reconcileIntervalMs: 3_600_000,
      });
      const events: RunSourceEvent[] = [];
      source.subscribe((e) => events.push(e));
      source.start();
      while (!source.connected) await new Promise((resolve) => setTimeout(resolve, 10));
      await source.close();
      assert.equal(source.connected, false);
      assert.deepEqual(events.filter((e) => e.type === "connection"), [{ type: "connection", connected: true }]);
    } finally {
      for (const client of server.clients) client.terminate();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
