import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { CallOptions, RunResult } from "../../../src/sdk/client.ts";
import { Courier, type LifecycleApi } from "../../../src/sdk/courier.ts";
import { AgentApiError } from "../../../src/sdk/errors.ts";
import { MemoryOutbox } from "../../../src/sdk/outbox.ts";
import { FakeClock, settle } from "../support/fake-clock.ts";

interface Call {
  kind: string;
  runId: string;
  body: string;
  key: string | undefined;
}

/** An API whose next answers the test scripts; records every call. */
function fakeApi(script: Array<Error | null> = []) {
  const calls: Call[] = [];
  const answer = async (kind: string, runId: string, body: string, options?: CallOptions) => {
    calls.push({ kind, runId, body, key: options?.idempotencyKey });
    const next = script.shift();
    if (next) throw next;
    return {};
  };
  const api: LifecycleApi = {
    comment: (runId: string, body: string, o?: CallOptions) => answer("comment", runId, body, o),
    complete: (runId: string, r: RunResult, o?: CallOptions) => answer("complete", runId, r.body, o),
    error: (runId: string, r: RunResult, o?: CallOptions) => answer("error", runId, r.body, o),
  };
  return { api, calls };
}

const network = () => new AgentApiError("network", "down");

describe("Courier", () => {
  it("delivers a run's calls in order and crosses them off the outbox", async () => {
    const { api, calls } = fakeApi();
    const outbox = new MemoryOutbox();
    const courier = new Courier({ api, outbox, clock: new FakeClock() });
    const outcomes = await Promise.all([
      courier.send("r1", "comment", { body: "one" }),
      courier.send("r1", "comment", { body: "two" }),
      courier.send("r1", "complete", { body: "done" }),
    ]);
    assert.deepEqual(outcomes.map((o) => o.kind), ["delivered", "delivered", "delivered"]);
    assert.deepEqual(calls.map((c) => c.body), ["one", "two", "done"]);
    assert.deepEqual(await outbox.pending(), []);
  });

  it("gives up a comment whose retry would hold the run's final call back past the grace (a 429 for an hour), and sends the rest in order", async () => {
    const { api, calls } = fakeApi([new AgentApiError("rate_limited", "429", { httpStatus: 429, retryAfterMs: 3_600_000 })]);
    const clock = new FakeClock();
    const outbox = new MemoryOutbox();
    const courier = new Courier({ api, outbox, clock });
    const sending = courier.send("r1", "comment", { body: "being sent" });
    const waiting = courier.send("r1", "comment", { body: "waiting" });
    const other = courier.send("r2", "comment", { body: "another run's" });
    await settle();
    // The first comment waits out its Retry-After (an hour) when the final call comes.
    const final = courier.send("r1", "complete", { body: "done" });
    assert.deepEqual([(await sending).kind, (await waiting).kind, (await final).kind, (await other).kind], ["dropped", "delivered", "delivered", "delivered"]);
    assert.deepEqual(calls.map((c) => c.body), ["being sent", "another run's", "waiting", "done"]);
    assert.deepEqual(await outbox.pending(), []);
    assert.equal(clock.pending, 0);
  });

  it("dropComments() gives up every comment at once, the attempt under way included, and keeps the final calls", async () => {
    const calls: string[] = [];
    const aborted: unknown[] = [];
    const api: LifecycleApi = {
      // Never answered: only the abort ends it.
      comment: (_runId, body, options) => new Promise((_resolve, reject) => {
        calls.push(body ?? "");
        options?.signal?.addEventListener("abort", () => (aborted.push(body), reject(options.signal!.reason)), { once: true });
      }),
      complete: async (_runId, result) => (calls.push(result.body ?? ""), {}),
      error: async (_runId, result) => (calls.push(result.body ?? ""), {}),
    };
    const courier = new Courier({ api, outbox: new MemoryOutbox(), clock: new FakeClock() });
    const hung = courier.send("r1", "comment", { body: "hung" });
    const final = courier.send("r1", "error", { body: "shut down" });
    const alone = courier.send("r2", "comment", { body: "alone" });
    await settle();
    courier.dropComments();
    assert.deepEqual([(await hung).kind, (await final).kind, (await alone).kind], ["dropped", "delivered", "dropped"]);
    assert.deepEqual([calls, aborted], [["hung", "alone", "shut down"], ["hung", "alone"]]);
  });

  it("retries until acknowledged, with one idempotency key per entry", async () => {
    const { api, calls } = fakeApi([network(), network(), new AgentApiError("server", "503"), null, null]);
    const clock = new FakeClock();
    const retries: number[] = [];
    const courier = new Courier({ api, outbox: new MemoryOutbox(), clock, random: () => 0, onRetry: (_e, _err, ms) => retries.push(ms) });
    const first = courier.send("r1", "comment", { body: "a" });
    const second = courier.send("r1", "comment", { body: "b" });
    await clock.advance(60_000);
    assert.deepEqual(await first, { kind: "delivered" });
    assert.deepEqual(await second, { kind: "delivered" });
    assert.deepEqual(calls.map((c) => c.body), ["a", "a", "a", "a", "b"]);
    assert.equal(new Set(calls.slice(0, 4).map((c) => c.key)).size, 1);
    assert.notEqual(calls[4]!.key, calls[0]!.key);
    assert.deepEqual(retries, [125, 250, 500]);
    assert.equal(clock.pending, 0);
  });

  it("after a 409, reports it and drops the run's later calls unsent", async () => {
    const conflict = new AgentApiError("conflict", "stopped", { httpStatus: 409, runStatus: "STOPPED" });
    const { api, calls } = fakeApi([conflict]);
    const rejected: unknown[] = [];
    const outbox = new MemoryOutbox();
    const courier = new Courier({ api, outbox, clock: new FakeClock(), onRejected: (_entry, error) => rejected.push(error) });
    const outcomes = await Promise.all([courier.send("r1", "comment", { body: "x" }), courier.send("r1", "complete", { body: "y" })]);
    assert.deepEqual(outcomes.map((o) => o.kind), ["rejected", "dropped"]);
    assert.deepEqual(rejected, [conflict]);
    assert.equal(calls.length, 1);
    assert.deepEqual(await outbox.pending(), []);
  });

  it("retries a call answered 404 while confirmGone says the run is there (a proxy's hiccup), and rejects it once it says gone", async () => {
    const notFound = () => new AgentApiError("not_found", "404", { httpStatus: 404 });
    const { api, calls } = fakeApi([notFound(), null, notFound()]);
    const clock = new FakeClock();
    const verdicts = [false, true];
    const asked: string[] = [];
    const courier = new Courier({ api, outbox: new MemoryOutbox(), clock, confirmGone: async (runId) => (asked.push(runId), verdicts.shift()!) });
    const first = courier.send("r1", "comment", { body: "x" });
    await clock.advance(10_000);
    const second = courier.send("r1", "complete", { body: "y" });
    await clock.advance(10_000);
    assert.deepEqual([(await first).kind, (await second).kind], ["delivered", "rejected"]);
    assert.deepEqual([calls.map((c) => c.body), asked], [["x", "x", "y"], ["r1", "r1"]]);
  });

  it("keeps a run's later calls after a 409 that says the run is still RUNNING", async () => {
    const { api, calls } = fakeApi([new AgentApiError("conflict", "odd", { runStatus: "RUNNING" })]);
    const courier = new Courier({ api, outbox: new MemoryOutbox(), clock: new FakeClock() });
    const outcomes = await Promise.all([courier.send("r1", "comment", { body: "x" }), courier.send("r1", "complete", { body: "y" })]);
    assert.deepEqual(outcomes.map((o) => o.kind), ["rejected", "delivered"]);
    assert.equal(calls.length, 2);
  });

  it("goes on delivering when a listener throws: the run's later calls are sent, and it settles idle", { timeout: 30_000 }, async (t) => {
    t.mock.method(console, "error", () => undefined);
    const { api, calls } = fakeApi([new AgentApiError("conflict", "odd", { runStatus: "RUNNING" }), new AgentApiError("server", "503")]);
    const clock = new FakeClock();
    const fail = () => {
      throw new Error("a listener's bug");
    };
    const courier = new Courier({ api, outbox: new MemoryOutbox(), clock, random: () => 0, onRejected: fail, onRetry: fail });
    const outcomes = Promise.all([courier.send("r1", "comment", { body: "x" }), courier.send("r1", "complete", { body: "y" })]);
    await settle();
    await clock.advance(1_000);
    assert.deepEqual((await outcomes).map((o) => o.kind), ["rejected", "delivered"]);
    await courier.idle();
    assert.deepEqual(calls.map((c) => c.body), ["x", "y", "y"]);
  });

  it("holds a run's calls in the outbox on a 401, unsent, for a start with a valid token to deliver", async () => {
    const revoked = new AgentApiError("unauthorized", "token revoked", { httpStatus: 401 });
    const { api, calls } = fakeApi([revoked]);
    const outbox = new MemoryOutbox();
    const held: unknown[] = [];
    const courier = new Courier({ api, outbox, clock: new FakeClock(), onRejected: (_entry, error) => held.push(error) });
    const outcomes = await Promise.all([courier.send("r1", "comment", { body: "x" }), courier.send("r1", "complete", { body: "y" })]);
    assert.deepEqual(outcomes, [{ kind: "held", error: revoked }, { kind: "held", error: revoked }]);
    assert.deepEqual(held, [revoked]);
    assert.equal(calls.length, 1);
    assert.deepEqual((await outbox.pending()).map((e) => e.payload.body), ["x", "y"]);
    await courier.idle();
    // The next start, with the new token, delivers them in order with their keys.
    const next = fakeApi();
    const later = new Courier({ api: next.api, outbox, clock: new FakeClock() });
    await later.resume();
    await later.idle();
    assert.deepEqual(next.calls.map((c) => [c.kind, c.body]), [["comment", "x"], ["complete", "y"]]);
    assert.equal(next.calls[0]!.key, calls[0]!.key);
    assert.deepEqual(await outbox.pending(), []);
  });

  it("sends a call the outbox failed to write down, and reports the failure", async () => {
    const { api, calls } = fakeApi();
    const outbox = new MemoryOutbox();
    const diskFull = new Error("SQLITE_FULL: database or disk is full");
    let failures = 1;
    const failing = {
      enqueue: (entry: Parameters<MemoryOutbox["enqueue"]>[0]) => (failures-- > 0 ? Promise.reject(diskFull) : outbox.enqueue(entry)),
      pending: () => outbox.pending(),
      ack: (id: string) => outbox.ack(id),
    };
    const errors: unknown[] = [];
    const courier = new Courier({ api, outbox: failing, clock: new FakeClock(), onError: (error) => errors.push(error) });
    const outcomes = await Promise.all([courier.send("r1", "complete", { body: "done" }), courier.send("r1", "comment", { body: "after" })]);
    assert.deepEqual(outcomes.map((o) => o.kind), ["delivered", "delivered"]);
    assert.deepEqual(calls.map((c) => c.body), ["done", "after"]);
    assert.deepEqual(errors, [diskFull]);
    assert.deepEqual(await outbox.pending(), []);
  });

  it("drop() crosses off a run's calls unsent and cuts its retries short", async () => {
    const { api, calls } = fakeApi([network(), network(), network()]);
    const clock = new FakeClock();
    const outbox = new MemoryOutbox();
    const courier = new Courier({ api, outbox, clock });
    const a = courier.send("r1", "comment", { body: "a" });
    const b = courier.send("r1", "comment", { body: "b" });
    const other = courier.send("r2", "comment", { body: "c" });
    await settle();
    await courier.drop("r1");
    assert.deepEqual([(await a).kind, (await b).kind], ["dropped", "dropped"]);
    await clock.advance(60_000);
    assert.equal((await other).kind, "delivered");
    assert.deepEqual(calls.filter((c) => c.runId === "r1").map((c) => c.body), ["a"]);
    assert.deepEqual(await outbox.pending(), []);
    await courier.idle();
    assert.equal(clock.pending, 0);
  });

  it("resume() delivers what an earlier process left in the outbox, with its key", async () => {
    const outbox = new MemoryOutbox();
    await outbox.enqueue({ id: "e1", runId: "r1", kind: "complete", payload: { body: "left over" }, idempotencyKey: "k1", createdAt: 0 });
    const { api, calls } = fakeApi();
    const courier = new Courier({ api, outbox, clock: new FakeClock() });
    await courier.resume();
    await courier.idle();
    assert.deepEqual(calls, [{ kind: "complete", runId: "r1", body: "left over", key: "k1" }]);
    assert.deepEqual(await outbox.pending(), []);
  });

  it("close() stops delivering and leaves entries in the outbox", async () => {
    const { api } = fakeApi([network()]);
    const clock = new FakeClock();
    const outbox = new MemoryOutbox();
    const courier = new Courier({ api, outbox, clock });
    const pending = courier.send("r1", "complete", { body: "z" });
    await settle();
    courier.close();
    assert.equal((await pending).kind, "closed");
    assert.equal((await outbox.pending()).length, 1);
    assert.equal((await courier.send("r1", "comment", { body: "late" })).kind, "closed");
    assert.equal(clock.pending, 0);
  });
});
