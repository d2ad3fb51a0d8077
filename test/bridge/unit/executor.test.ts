/**
 * The OpenClaw executor's decisions against a scripted gateway (no sockets):
 * which requests it sends, how it resumes a turn after a drop, when a turn
 * counts as lost, how a stop aborts, and what becomes the result.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { createOpenClawExecutor, type TurnStore } from "../../../src/bridge/executor.ts";
import { TurnError } from "../../../src/bridge/failure.ts";
import { GatewayError, type EventListener } from "../../../src/bridge/gateway/client.ts";
import type { EventFrame } from "../../../src/bridge/gateway/frames.ts";
import type { AgentRunDetail } from "../../../src/sdk/index.ts";
import { FakeClock } from "../../sdk/support/fake-clock.ts";
import { tempDir } from "../../support/temp.ts";

type Answer = unknown | ((params: Record<string, unknown>) => unknown);

class FakeGateway {
  bootId: string | null = "boot-1";
  readonly sent: Array<{ method: string; params: Record<string, unknown> }> = [];
  readonly listeners = new Set<EventListener>();
  /** Per method, the answers to give in order (an Error rejects). */
  readonly script = new Map<string, Answer[]>();

  async ready(): Promise<{ type: "hello-ok"; protocol: number; server: { version: string } }> {
    return { type: "hello-ok", protocol: 4, server: { version: "test" } };
  }

  onEvent(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(frame: EventFrame): void {
    for (const listener of this.listeners) listener(frame);
  }

  async request<T>(method: string, params: unknown): Promise<T> {
    this.sent.push({ method, params: params as Record<string, unknown> });
    const answers = this.script.get(method) ?? [];
    let answer = answers.shift();
    if (typeof answer === "function") answer = await answer(params as Record<string, unknown>);
    if (answer instanceof Error) throw answer;
    if (answer === undefined) return new Promise<T>(() => {}); // never answers
    return answer as T;
  }
}

class MemoryTurns implements TurnStore {
  readonly turns = new Map<string, { bootId: string | null }>();
  turnOf(runId: string) {
    return this.turns.get(runId) ?? null;
  }
  turnStarted(runId: string, bootId: string | null) {
    this.turns.set(runId, { bootId });
  }
}

const run: AgentRunDetail = {
  id: "run_1", taskTitle: "Fix it", prompt: "Fix the bug", lastFollowUpMessage: null, taskId: "task_1",
  task: { id: "task_1", title: "Fix it", description: "Crash on login" }, activity: [],
};

const final = (text: string, cost?: number) => ({
  runId: "groupchat-run-run_1", status: "ok", summary: "completed",
  result: { payloads: [{ text }], meta: { agentMeta: cost === undefined ? {} : { costUsd: cost } } },
});

function setup() {
  const gateway = new FakeGateway();
  const turns = new MemoryTurns();
  const clock = new FakeClock();
  const workRoot = tempDir("gc-exec-");
  const logs: Array<{ level: string; message: string; fields?: Record<string, unknown> }> = [];
  const executor = createOpenClawExecutor({
    gateway, turns, clock, workRoot, turnTimeoutSeconds: 600, progressIntervalMs: 5_000, log: (level, message, fields) => logs.push({ level, message, fields }),
  });
  gateway.script.set("sessions.create", [{ ok: true, key: "agent:main:groupchat-task_1" }]);
  const progress: string[] = [];
  const controller = new AbortController();
  const ctx = { runId: run.id, signal: controller.signal, progress: (text: string) => progress.push(text) };
  return { gateway, turns, clock, executor, progress, controller, ctx, workRoot, logs };
}

/** A fresh setup with a turn the test answers later (`answer`), and tool events for it (or for another turn). */
async function heldTurn() {
  const o = setup();
  let answer: (value: unknown) => void = () => {};
  o.gateway.script.set("agent", [() => new Promise((resolve) => (answer = resolve))]);
  const done = o.executor(run, o.ctx);
  await new Promise((resolve) => setImmediate(resolve));
  const tool = (command: string, runId = "groupchat-run-run_1") =>
    o.gateway.emit({ type: "event", event: "agent", payload: { runId, stream: "tool", data: { phase: "start", name: "exec", args: { command } } } });
  return { done, tool, answer: (value: unknown) => answer(value), progress: o.progress };
}

describe("the OpenClaw executor", () => {
  it("sends one turn on the task's session with its context and a time limit, and returns the answer and its cost", async () => {
    const { gateway, executor, ctx, turns } = setup();
    gateway.script.set("agent", [final("Fixed: the login works.", 0.0123)]);
    const result = await executor(run, ctx);
    assert.deepEqual(result, { summary: "Fixed: the login works.", stepCostUsd: 0.0123 });
    const [create, sent] = gateway.sent;
    assert.equal(create!.method, "sessions.create");
    assert.equal(sent!.method, "agent");
    assert.equal(sent!.params.message, "Fix the bug");
    assert.equal(sent!.params.sessionKey, "agent:main:groupchat-task_1");
    assert.equal(sent!.params.idempotencyKey, "groupchat-run-run_1");
    assert.equal(sent!.params.timeout, 600);
    assert.match(String(sent!.params.extraSystemPrompt), /Crash on login/);
    assert.deepEqual(turns.turnOf("run_1"), { bootId: "boot-1" });
  });

  it("first creates (or reuses) the task's session with the task's own directory as its cwd", async () => {
    const { gateway, executor, ctx, workRoot } = setup();
    gateway.script.set("agent", [final("Done.")]);
    await executor(run, ctx);
    assert.deepEqual(gateway.sent.map((s) => s.method), ["sessions.create", "agent"]);
    const cwd = join(workRoot, "task_1");
    assert.deepEqual(gateway.sent[0]!.params, { key: "agent:main:groupchat-task_1", cwd });
    assert.ok(existsSync(cwd), "the directory exists before the session points at it");
    assert.match(String(gateway.sent[1]!.params.extraSystemPrompt), new RegExp(`Work in this directory.*${cwd}`));
    assert.equal(gateway.sent[1]!.params.cwd, undefined, "agent itself never gets a cwd");
  });

  it("a gateway that refuses sessions.create costs only the cwd: a warning, and the turn goes ahead", async () => {
    const { gateway, executor, ctx, logs } = setup();
    gateway.script.set("sessions.create", [new GatewayError("rejected", "missing scope: operator.admin", { code: "FORBIDDEN", message: "missing scope: operator.admin" })]);
    gateway.script.set("agent", [final("Done anyway.")]);
    const result = await executor(run, ctx);
    assert.equal(result.summary, "Done anyway.");
    assert.deepEqual(gateway.sent.map((s) => s.method), ["sessions.create", "agent"]);
    const warning = logs.find((l) => l.level === "warn");
    assert.match(warning?.message ?? "", /working directory/);
    assert.equal(warning?.fields?.error, "missing scope: operator.admin");
  });

  it("a turn already sent (resumed after a restart on the same gateway) does not create the session again", async () => {
    const { gateway, executor, ctx, turns } = setup();
    turns.turnStarted("run_1", "boot-1");
    gateway.script.set("agent", [final("Resumed.")]);
    assert.equal((await executor(run, ctx)).summary, "Resumed.");
    assert.deepEqual(gateway.sent.map((s) => s.method), ["agent"]);
  });

  it("turns tool events into progress comments, coalesced, the rest flushed before the answer", async () => {
    const { done, tool, answer: finish, progress } = await heldTurn();
    tool("npm install");
    tool("npm test");
    tool("ls", "someone-elses-turn");
    tool("npm run build");
    finish(final("Built."));
    await done;
    assert.deepEqual(progress, ["Running `npm install`", "Running `npm test`\nRunning `npm run build`"]);
  });

  it("after a dropped connection sends the same turn again, waits for it while it runs, then takes its answer", async () => {
    const { gateway, executor, ctx } = setup();
    gateway.script.set("agent", [
      new GatewayError("disconnected", "gateway connection closed (1006)"),
      { runId: "groupchat-run-run_1", status: "in_flight" },
      final("Done after the drop."),
    ]);
    gateway.script.set("agent.wait", [{ runId: "groupchat-run-run_1", status: "timeout" }, { runId: "groupchat-run-run_1", status: "ok" }]);
    const result = await executor(run, ctx);
    assert.equal(result.summary, "Done after the drop.");
    assert.deepEqual(gateway.sent.map((s) => s.method), ["sessions.create", "agent", "agent", "agent.wait", "agent.wait", "agent"]);
    assert.ok(gateway.sent.filter((s) => s.method === "agent").every((s) => s.params.idempotencyKey === "groupchat-run-run_1"));
  });

  it("a turn begun on a gateway that has restarted since is lost: a clear error, no new turn", async () => {
    const { gateway, executor, ctx, turns } = setup();
    turns.turnStarted("run_1", "boot-0");
    await assert.rejects(executor(run, ctx), (error: unknown) => error instanceof TurnError && error.code === "lost");
    assert.deepEqual(gateway.sent, []);
  });

  it("a stop sends chat.abort for the turn at once", async () => {
    const { gateway, executor, ctx, controller, progress } = setup();
    gateway.script.set("agent", [() => new Promise(() => {})]);
    gateway.script.set("chat.abort", [{ ok: true, aborted: true }]);
    const done = executor(run, ctx);
    await new Promise((resolve) => setImmediate(resolve));
    controller.abort(new Error("The run was stopped"));
    gateway.emit({ type: "event", event: "agent", payload: { runId: "groupchat-run-run_1", stream: "tool", data: { phase: "start", name: "exec", args: { command: "late" } } } });
    await new Promise((resolve) => setImmediate(resolve));
    const abort = gateway.sent.find((s) => s.method === "chat.abort");
    assert.deepEqual(abort?.params, { sessionKey: "agent:main:groupchat-task_1", runId: "groupchat-run-run_1" });
    assert.deepEqual(progress, [], "nothing posted after the stop");
    void done.catch(() => undefined);
  });

  it("a stop while the gateway is down aborts the turn once it is back", async () => {
    const { gateway, executor, ctx, controller } = setup();
    gateway.script.set("agent", [() => new Promise(() => {})]);
    let reconnected: () => void = () => {};
    const back = new Promise<void>((resolve) => (reconnected = resolve));
    let down = false;
    gateway.ready = async () => {
      if (down) await back;
      return { type: "hello-ok", protocol: 4, server: { version: "test" } };
    };
    // The connection drops just as the stop comes: the abort fails at once, as the real client's requests do then.
    gateway.script.set("chat.abort", [() => ((down = true), new GatewayError("disconnected", "not connected to the gateway")), { ok: true, aborted: true }]);
    const done = executor(run, ctx);
    await new Promise((resolve) => setImmediate(resolve));
    controller.abort(new Error("The run was stopped"));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(gateway.sent.filter((s) => s.method === "chat.abort").length, 1);
    down = false;
    reconnected();
    await new Promise((resolve) => setImmediate(resolve));
    const aborts = gateway.sent.filter((s) => s.method === "chat.abort");
    assert.equal(aborts.length, 2);
    assert.deepEqual(aborts[1]!.params, { sessionKey: "agent:main:groupchat-task_1", runId: "groupchat-run-run_1" });
    void done.catch(() => undefined);
  });

  it("a turn that fails still posts the progress it had gathered, before its error", async () => {
    const { done, tool, answer: fail, progress } = await heldTurn();
    tool("npm install");
    tool("npm test");
    // The gateway refuses the turn outright (not an answer with status "error"): the request itself throws.
    fail(Promise.reject(new GatewayError("rejected", "agent: INVALID_REQUEST session is closing")));
    await assert.rejects(done);
    assert.deepEqual(progress, ["Running `npm install`", "Running `npm test`"]);
  });

  it("maps OpenClaw's own failures: an error, a timeout", async () => {
    const a = setup();
    a.gateway.script.set("agent", [{ runId: "x", status: "error", summary: "failed", error: "No API key found for provider openai" }]);
    await assert.rejects(a.executor(run, a.ctx), (error: unknown) => error instanceof TurnError && error.code === "model");
    const b = setup();
    b.gateway.script.set("agent", [{ runId: "x", status: "timeout", summary: "timeout" }]);
    await assert.rejects(b.executor(run, b.ctx), (error: unknown) => error instanceof TurnError && error.code === "timeout");
  });
});
