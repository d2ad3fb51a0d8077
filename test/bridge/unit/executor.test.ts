/**
 * The OpenClaw executor's decisions against a scripted gateway (no sockets):
 * which requests it sends, how it resumes a turn after a drop, when a turn
 * counts as lost, how a stop aborts, and what becomes the result.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { createOpenClawExecutor, type ImageLedger } from "../../../src/bridge/executor.ts";
import { GATEWAY_REFUSES_IMAGES, png, startImageServer, type ImageServer } from "../support/image-server.ts";
import type { TurnStore } from "../../../src/bridge/turn.ts";
import { TurnError } from "../../../src/bridge/failure.ts";
import { GatewayError, type EventListener } from "../../../src/bridge/gateway/client.ts";
import type { EventFrame } from "../../../src/bridge/gateway/frames.ts";
import type { AgentRunDetail } from "../../../src/sdk/index.ts";
import { FakeClock } from "../../sdk/support/fake-clock.ts";
import { tempDir } from "../../support/temp.ts";

type RequestOptions = { signal?: AbortSignal; onInterim?: (payload: unknown) => void };
type Answer = unknown | ((params: Record<string, unknown>, options: RequestOptions) => unknown);

class FakeGateway {
  bootId: string | null = "boot-1";
  policy: { maxPayload?: number; attachments?: { maxImageBytes?: number } } | null = null;
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

  async request<T>(method: string, params: unknown, options: RequestOptions = {}): Promise<T> {
    // As sent: the real client serializes the params at once.
    this.sent.push({ method, params: { ...(params as Record<string, unknown>) } });
    const answers = this.script.get(method) ?? [];
    let answer = answers.shift();
    // What a failed turn spent is read from its transcript: unscripted, the transcript is empty.
    if (answer === undefined && method === "chat.history") answer = { messages: [] };
    if (typeof answer === "function") answer = await answer(params as Record<string, unknown>, options);
    if (answer instanceof Error) throw answer;
    if (answer === undefined) {
      // Never answers; gives up on an abort, as the real client does.
      return new Promise<T>((_, reject) => options.signal?.addEventListener("abort", () => reject(new GatewayError("aborted", `${method} aborted`)), { once: true }));
    }
    return answer as T;
  }
}

class MemoryTurns implements TurnStore {
  readonly turns = new Map<string, { bootId: string | null; sessionKey: string | null }>();
  turnOf(runId: string) {
    return this.turns.get(runId) ?? null;
  }
  turnStarted(runId: string, bootId: string | null, sessionKey: string | null = null) {
    this.turns.set(runId, { bootId, sessionKey });
  }
}

const run: AgentRunDetail = {
  id: "run_1", taskTitle: "Fix it", prompt: "Fix the bug", lastFollowUpMessage: null, taskId: "task_1",
  task: { id: "task_1", title: "Fix it", description: "Crash on login" }, activity: [],
};

const TURN = "groupchat-run-run_1";

/** A session's transcript as `chat.history` gives it (shape taken from OpenClaw 2026.9.6): an earlier turn, then this run's tool call and answer. */
const transcript = [
  { role: "user", content: "Earlier question", idempotencyKey: "groupchat-run-run_0:user", __openclaw: { seq: 1 } },
  { role: "assistant", content: [{ type: "text", text: "Earlier answer." }], stopReason: "stop", usage: { cost: { total: 0.5 } }, __openclaw: { runId: "groupchat-run-run_0", seq: 2 } },
  { role: "user", content: "Fix the bug", idempotencyKey: `${TURN}:user`, __openclaw: { seq: 3 } },
  { role: "assistant", content: [{ type: "toolCall", id: "call_1", name: "exec", arguments: { command: "npm test" } }], stopReason: "toolUse", usage: { input: 1000, output: 100, cost: { total: 0.0012 } }, __openclaw: { runId: TURN, seq: 4 } },
  { role: "toolResult", content: [{ type: "text", text: "1 passing" }], __openclaw: { runId: TURN, seq: 5 } },
  { role: "assistant", content: [{ type: "thinking", thinking: "done" }, { type: "text", text: "Fixed: the login " }, { type: "text", text: "no longer crashes." }], stopReason: "stop", usage: { cost: { total: 0.0012 } }, __openclaw: { runId: TURN, seq: 6 } },
];

const final = (text: string, cost?: number) => ({
  runId: "groupchat-run-run_1", status: "ok", summary: "completed",
  result: { payloads: [{ text }], meta: { agentMeta: cost === undefined ? {} : { costUsd: cost } } },
});

function setup(options: { images?: ImageLedger } = {}) {
  const gateway = new FakeGateway();
  const turns = new MemoryTurns();
  const clock = new FakeClock();
  const workRoot = tempDir("gc-exec-");
  const logs: Array<{ level: string; message: string; fields?: Record<string, unknown> }> = [];
  const executor = createOpenClawExecutor({
    gateway, turns, clock, workRoot, turnTimeoutSeconds: 600, progressIntervalMs: 5_000, log: (level, message, fields) => logs.push({ level, message, fields }),
    images: options.images,
  });
  gateway.script.set("sessions.create", [{ ok: true, key: "agent:main:groupchat-task_1" }]);
  gateway.script.set("sessions.subscribe", [{ subscribed: true }]);
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
    assert.deepEqual(turns.turnOf("run_1"), { bootId: "boot-1", sessionKey: "agent:main:groupchat-task_1" });
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
    gateway.script.set("tasks.list", [{ tasks: [{ runId: TURN, status: "running" }] }, { tasks: [{ runId: TURN, status: "completed" }] }]);
    gateway.script.set("agent.wait", [{ runId: TURN, status: "ok" }]);
    gateway.script.set("chat.history", [{ messages: transcript }]);
    assert.equal((await executor(run, ctx)).summary, "Fixed: the login no longer crashes.");
    assert.deepEqual(gateway.sent.map((s) => s.method), ["sessions.subscribe", "tasks.list", "agent.wait", "tasks.list", "chat.history"]);
  });

  it("a resumed turn's tool calls, sent by OpenClaw to the connection before, still become progress comments", async () => {
    const { gateway, executor, ctx, turns, progress } = setup();
    turns.turnStarted("run_1", "boot-1");
    let ended: (value: unknown) => void = () => {};
    gateway.script.set("tasks.list", [{ tasks: [{ runId: TURN, status: "running" }] }, { tasks: [{ runId: TURN, status: "completed" }] }]);
    gateway.script.set("agent.wait", [() => new Promise((resolve) => (ended = resolve))]);
    gateway.script.set("chat.history", [{ messages: transcript }]);
    const done = executor(run, ctx);
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(gateway.sent.map((s) => s.method), ["sessions.subscribe", "tasks.list", "agent.wait"]);
    gateway.emit({ type: "event", event: "session.tool", payload: { runId: TURN, stream: "tool", data: { phase: "start", name: "exec", args: { command: "npm test" } }, sessionKey: "agent:main:groupchat-task_1" } });
    gateway.emit({ type: "event", event: "session.tool", payload: { runId: "groupchat-run-other", stream: "tool", data: { phase: "start", name: "exec", args: { command: "rm -rf x" } } } });
    ended({ runId: TURN, status: "ok" });
    assert.equal((await done).summary, "Fixed: the login no longer crashes.");
    assert.deepEqual(progress, ["Running `npm test`"]);
  });

  it("a turn OpenClaw's ledger still shows running just after it ended is looked up again after a pause, not sent", async () => {
    const { gateway, executor, ctx, turns, clock } = setup();
    turns.turnStarted("run_1", "boot-1");
    const running = { tasks: [{ runId: TURN, status: "running" }] };
    gateway.script.set("tasks.list", [running, running, { tasks: [{ runId: TURN, status: "completed" }] }]);
    gateway.script.set("agent.wait", [{ runId: TURN, status: "ok" }, { runId: TURN, status: "ok" }]);
    gateway.script.set("chat.history", [{ messages: transcript }]);
    const done = executor(run, ctx);
    await clock.advance(249);
    assert.deepEqual(gateway.sent.map((s) => s.method), ["sessions.subscribe", "tasks.list", "agent.wait", "tasks.list"]);
    await clock.advance(1);
    assert.equal((await done).summary, "Fixed: the login no longer crashes.");
    assert.deepEqual(gateway.sent.map((s) => s.method), ["sessions.subscribe", "tasks.list", "agent.wait", "tasks.list", "agent.wait", "tasks.list", "chat.history"]);
  });

  it("a turn that ended while the bridge was down is reported from OpenClaw's records, never sent again", async () => {
    // The gateway forgets a turn's key 5 minutes after it ends: sending it again then would run the whole turn over.
    const { gateway, executor, ctx, turns } = setup();
    turns.turnStarted("run_1", "boot-1");
    gateway.script.set("tasks.list", [
      { tasks: [{ runId: "groupchat-run-other", status: "completed" }], nextCursor: "page-2" },
      { tasks: [{ runId: TURN, status: "completed", terminalSummary: "completed" }] },
    ]);
    gateway.script.set("chat.history", [{ messages: transcript }]);
    const result = await executor(run, ctx);
    assert.equal(result.summary, "Fixed: the login no longer crashes.");
    assert.ok(Math.abs((result.stepCostUsd ?? 0) - 0.0024) < 1e-12, String(result.stepCostUsd));
    assert.deepEqual(gateway.sent.map((s) => s.method), ["sessions.subscribe", "tasks.list", "tasks.list", "chat.history"]);
    assert.equal(gateway.sent[2]!.params.cursor, "page-2");
    assert.equal(gateway.sent[1]!.params.sessionKey, "agent:main:groupchat-task_1");
  });

  it("a turn OpenClaw recorded as failed, timed out or cancelled ends with that failure, not a new turn", async () => {
    for (const [status, code] of [["failed", "model"], ["timed_out", "timeout"], ["cancelled", "failed"]] as const) {
      const { gateway, executor, ctx, turns } = setup();
      turns.turnStarted("run_1", "boot-1");
      gateway.script.set("tasks.list", [{ tasks: [{ runId: TURN, status, error: "provider answered 429 rate limit" }] }]);
      // What it spent before it failed is read from the transcript: its two model calls, not the earlier turn's.
      gateway.script.set("chat.history", [{ messages: transcript }]);
      await assert.rejects(executor(run, ctx), (error: unknown) => error instanceof TurnError && error.code === code && (error as { stepCostUsd?: number }).stepCostUsd === 0.0024, status);
      assert.deepEqual(gateway.sent.map((s) => s.method), ["sessions.subscribe", "tasks.list", "chat.history"], status);
    }
  });

  it("a turn OpenClaw never took is sent; so it is to a restarted gateway, which then owns it", async () => {
    for (const bootId of ["boot-1", "boot-0"]) {
      const { gateway, executor, ctx, turns } = setup();
      turns.turnStarted("run_1", bootId, "agent:main:groupchat-task_1");
      gateway.script.set("tasks.list", [{ tasks: [] }]);
      gateway.script.set("chat.history", [{ messages: transcript.slice(0, 2) }]);
      gateway.script.set("agent", [final("Sent now.")]);
      assert.equal((await executor(run, ctx)).summary, "Sent now.");
      assert.deepEqual(gateway.sent.map((s) => s.method), ["sessions.subscribe", "tasks.list", "chat.history", "agent"]);
      assert.deepEqual(turns.turnOf("run_1"), { bootId: "boot-1", sessionKey: "agent:main:groupchat-task_1" });
    }
  });

  it("a turn whose ledger record is gone (pruned after 7 days) but is in the transcript ends as its last model call did, never sent again", async () => {
    const cases: Array<[string, unknown[], (result: Promise<unknown>) => Promise<void>]> = [
      ["answered", transcript, async (result) => assert.equal(((await result) as { summary: string }).summary, "Fixed: the login no longer crashes.")],
      ["cut off after a tool call", transcript.slice(0, 5), (result) => assert.rejects(result, (e: unknown) => e instanceof TurnError && e.code === "failed" && /cut off/.test(e.message))],
      ["cut off before any answer", transcript.slice(0, 3), (result) => assert.rejects(result, (e: unknown) => e instanceof TurnError && e.code === "failed")],
      ["aborted", [...transcript.slice(0, 3), { role: "assistant", content: [{ type: "text", text: "" }], stopReason: "aborted", errorMessage: "request timed out", __openclaw: { runId: TURN } }],
        (result) => assert.rejects(result, (e: unknown) => e instanceof TurnError && /aborted inside OpenClaw \(request timed out\)/.test(e.message))],
    ];
    for (const [name, messages, check] of cases) {
      // The session has no run going (as `chat.history` says once a turn ended).
      const history = { messages, sessionInfo: { hasActiveRun: false } };
      const { gateway, executor, ctx, turns } = setup();
      turns.turnStarted("run_1", "boot-1");
      gateway.script.set("tasks.list", [{ tasks: [{ runId: "groupchat-run-run_0", status: "completed" }] }]);
      gateway.script.set("chat.history", [history]);
      await check(executor(run, ctx));
      // A failed one's transcript is read again for its cost.
      const costRead = name === "answered" ? [] : ["chat.history"];
      assert.deepEqual(gateway.sent.map((s) => s.method), ["sessions.subscribe", "tasks.list", "chat.history", ...costRead], name);
    }
  });

  it("a turn with no ledger record whose session still has a run going is awaited, not taken for cut off", async () => {
    const { gateway, executor, ctx, turns } = setup();
    turns.turnStarted("run_1", "boot-1");
    gateway.script.set("tasks.list", [{ tasks: [] }, { tasks: [] }]);
    gateway.script.set("chat.history", [
      { messages: transcript.slice(0, 5), sessionInfo: { hasActiveRun: true } },
      { messages: transcript, sessionInfo: { hasActiveRun: false } },
    ]);
    gateway.script.set("agent.wait", [{ runId: TURN, status: "ok" }]);
    assert.equal((await executor(run, ctx)).summary, "Fixed: the login no longer crashes.");
    assert.deepEqual(gateway.sent.map((s) => s.method), ["sessions.subscribe", "tasks.list", "chat.history", "agent.wait", "tasks.list", "chat.history"]);
  });

  it("a gateway that keeps no task ledger: the turn is sent again under its key, as before", async () => {
    const { gateway, executor, ctx, turns, logs } = setup();
    turns.turnStarted("run_1", "boot-1");
    gateway.script.set("tasks.list", [new GatewayError("rejected", "tasks.list: INVALID_REQUEST unknown method")]);
    gateway.script.set("agent", [final("Replayed.")]);
    assert.equal((await executor(run, ctx)).summary, "Replayed.");
    assert.deepEqual(gateway.sent.map((s) => s.method), ["sessions.subscribe", "tasks.list", "agent"]);
    assert.ok(logs.some((l) => l.level === "warn" && l.message.includes("could not look up")));
  });

  it("a gateway that never ends the turn: past the time limit and a grace the bridge aborts it, and the run fails as timed out", async () => {
    const { gateway, executor, ctx, clock, progress } = setup();
    gateway.script.set("chat.abort", [{ ok: true, aborted: true }]);
    const done = executor(run, ctx);
    await new Promise((resolve) => setImmediate(resolve));
    gateway.emit({ type: "event", event: "agent", payload: { runId: TURN, stream: "tool", data: { phase: "start", name: "exec", args: { command: "make" } } } });
    await clock.advance(600_000 + 119_000);
    assert.equal(gateway.sent.filter((s) => s.method === "chat.abort").length, 0);
    await clock.advance(1_000);
    await assert.rejects(done, (error: unknown) => error instanceof TurnError && error.code === "timeout");
    assert.deepEqual(gateway.sent.find((s) => s.method === "chat.abort")?.params, { sessionKey: "agent:main:groupchat-task_1", runId: TURN });
    assert.ok(progress.includes("Running `make`"), JSON.stringify(progress));
  });

  it("a turn the gateway refuses as retryable (still starting) is tried again after the wait it asked for; the run does not fail", async () => {
    const { gateway, executor, ctx, clock } = setup();
    const unavailable = new GatewayError("rejected", "agent: UNAVAILABLE gateway starting", { code: "UNAVAILABLE", message: "gateway starting", retryable: true, retryAfterMs: 2_000 });
    gateway.script.set("agent", [unavailable, final("Done on the second try.")]);
    gateway.script.set("tasks.list", [{ tasks: [] }]);
    gateway.script.set("chat.history", [{ messages: [] }]);
    const done = executor(run, ctx);
    await clock.advance(1_999);
    assert.deepEqual(gateway.sent.map((s) => s.method), ["sessions.create", "agent"]);
    await clock.advance(1);
    assert.equal((await done).summary, "Done on the second try.");
    assert.deepEqual(gateway.sent.map((s) => s.method), ["sessions.create", "agent", "sessions.subscribe", "tasks.list", "chat.history", "agent"]);
  });

  it("a lookup the gateway cannot answer yet is retried, never replaced by sending the turn again", async () => {
    const { gateway, executor, ctx, turns, clock } = setup();
    turns.turnStarted("run_1", "boot-1");
    const unsettled = new GatewayError("rejected", "tasks.list: UNAVAILABLE Task activity did not stabilize", { code: "UNAVAILABLE", message: "Task activity did not stabilize", retryable: true, retryAfterMs: 250 });
    gateway.script.set("tasks.list", [unsettled, new GatewayError("timeout", "tasks.list timed out"), { tasks: [{ runId: TURN, status: "completed" }] }]);
    gateway.script.set("chat.history", [{ messages: transcript }]);
    const done = executor(run, ctx);
    await clock.advance(60_000);
    assert.equal((await done).summary, "Fixed: the login no longer crashes.");
    assert.deepEqual(gateway.sent.map((s) => s.method), ["sessions.subscribe", "tasks.list", "tasks.list", "tasks.list", "chat.history"]);
  });

  it("a turn that keeps failing transiently fails after a bounded number of tries", async () => {
    const { gateway, executor, ctx, clock } = setup();
    const busy = () => new GatewayError("rejected", "agent: UNAVAILABLE busy", { code: "UNAVAILABLE", message: "busy", retryable: true, retryAfterMs: 1_000 });
    gateway.script.set("agent", Array.from({ length: 20 }, busy));
    gateway.script.set("tasks.list", Array.from({ length: 20 }, () => ({ tasks: [] })));
    gateway.script.set("chat.history", Array.from({ length: 20 }, () => ({ messages: [] })));
    const done = executor(run, ctx);
    void done.catch(() => undefined);
    await clock.advance(60_000);
    await assert.rejects(done, (error: unknown) => error instanceof GatewayError && error.code === "rejected");
    assert.equal(gateway.sent.filter((s) => s.method === "agent").length, 9);
  });

  it("a sessions.create the gateway does not answer in time is asked again before the turn goes ahead without its directory", async () => {
    const { gateway, executor, ctx, clock, logs } = setup();
    gateway.script.set("sessions.create", [new GatewayError("timeout", "sessions.create timed out"), { ok: true }]);
    gateway.script.set("agent", [final("In its directory.")]);
    const done = executor(run, ctx);
    await clock.advance(10_000);
    assert.equal((await done).summary, "In its directory.");
    assert.deepEqual(gateway.sent.map((s) => s.method), ["sessions.create", "sessions.create", "agent"]);
    assert.ok(!logs.some((l) => l.level === "warn"), JSON.stringify(logs));
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

  it("after a dropped connection finds the turn again, waits for it while it runs, then takes its answer from OpenClaw's records", async () => {
    const { gateway, executor, ctx } = setup();
    gateway.script.set("agent", [new GatewayError("disconnected", "gateway connection closed (1006)")]);
    gateway.script.set("tasks.list", [{ tasks: [{ runId: TURN, status: "running" }] }, { tasks: [{ runId: TURN, status: "completed" }] }]);
    gateway.script.set("agent.wait", [{ runId: TURN, status: "timeout" }, { runId: TURN, status: "ok" }]);
    gateway.script.set("chat.history", [{ messages: transcript }]);
    const result = await executor(run, ctx);
    assert.equal(result.summary, "Fixed: the login no longer crashes.");
    assert.deepEqual(gateway.sent.map((s) => s.method), ["sessions.create", "agent", "sessions.subscribe", "tasks.list", "agent.wait", "agent.wait", "tasks.list", "chat.history"]);
  });

  it("a turn OpenClaw answers in_flight (it had queued it) is waited for, then looked up", async () => {
    const { gateway, executor, ctx, turns } = setup();
    turns.turnStarted("run_1", "boot-1");
    gateway.script.set("tasks.list", [{ tasks: [] }, { tasks: [{ runId: TURN, status: "completed" }] }]);
    gateway.script.set("agent", [{ runId: TURN, status: "in_flight" }]);
    gateway.script.set("agent.wait", [{ runId: TURN, status: "ok" }]);
    gateway.script.set("chat.history", [{ messages: [] }, { messages: transcript }]);
    assert.equal((await executor(run, ctx)).summary, "Fixed: the login no longer crashes.");
    assert.deepEqual(gateway.sent.map((s) => s.method), ["sessions.subscribe", "tasks.list", "chat.history", "agent", "agent.wait", "tasks.list", "chat.history"]);
    assert.equal(gateway.sent[3]!.params.idempotencyKey, TURN);
  });

  it("a turn still running when its gateway restarted is lost: a clear error, no new turn", async () => {
    // As the ledger says it: still running, or cancelled by the new process (as OpenClaw records it).
    for (const record of [{ status: "running" }, { status: "cancelled", error: "Task execution process exited before restart." }]) {
      const { gateway, executor, ctx, turns } = setup();
      turns.turnStarted("run_1", "boot-0");
      gateway.script.set("tasks.list", [{ tasks: [{ runId: TURN, ...record }] }]);
      await assert.rejects(executor(run, ctx), (error: unknown) => error instanceof TurnError && error.code === "lost", record.status);
      assert.deepEqual(gateway.sent.map((s) => s.method), ["sessions.subscribe", "tasks.list", "chat.history"]);
    }
  });

  it("a turn that ended before its gateway restarted is still reported", async () => {
    const { gateway, executor, ctx, turns } = setup();
    turns.turnStarted("run_1", "boot-0");
    gateway.script.set("tasks.list", [{ tasks: [{ runId: TURN, status: "completed" }] }]);
    gateway.script.set("chat.history", [{ messages: transcript }]);
    assert.equal((await executor(run, ctx)).summary, "Fixed: the login no longer crashes.");
    assert.deepEqual(gateway.sent.map((s) => s.method), ["sessions.subscribe", "tasks.list", "chat.history"]);
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

  it("maps OpenClaw's own failures: an error, a timeout (its limit on a model that never answered too), an abort", async () => {
    const a = setup();
    a.gateway.script.set("agent", [{ runId: "x", status: "error", summary: "failed", error: "No API key found for provider openai" }]);
    await assert.rejects(a.executor(run, a.ctx), (error: unknown) => error instanceof TurnError && error.code === "model");
    const b = setup();
    b.gateway.script.set("agent", [{ runId: "x", status: "timeout", summary: "timeout" }]);
    await assert.rejects(b.executor(run, b.ctx), (error: unknown) => error instanceof TurnError && error.code === "timeout");
    // OpenClaw's own limit on a model that never answered reads "aborted" too; an abort names its stop reason.
    const c = setup();
    c.gateway.script.set("agent", [{ runId: "x", status: "timeout", summary: "aborted", timeoutPhase: "provider", providerStarted: true }]);
    await assert.rejects(c.executor(run, c.ctx), (error: unknown) => error instanceof TurnError && error.code === "timeout");
    const d = setup();
    d.gateway.script.set("agent", [{ runId: "x", status: "timeout", summary: "aborted", stopReason: "rpc" }]);
    await assert.rejects(d.executor(run, d.ctx), (error: unknown) => error instanceof TurnError && error.code === "failed" && /aborted inside OpenClaw \(rpc\)/.test(error.message));
  });

  it("sends a model override `provider/model` as OpenClaw's provider and model fields, and a bare one as the model", async () => {
    for (const [override, expected] of [["scripted/m2", { provider: "scripted", model: "m2" }], ["openrouter/anthropic/claude", { provider: "openrouter", model: "anthropic/claude" }], ["m3", { model: "m3" }]] as const) {
      const gateway = new FakeGateway();
      gateway.script.set("sessions.create", [{ ok: true }]);
      gateway.script.set("agent", [final("Done.")]);
      const executor = createOpenClawExecutor({ gateway, turns: new MemoryTurns(), clock: new FakeClock(), workRoot: tempDir("gc-exec-"), turnTimeoutSeconds: 600, progressIntervalMs: 5_000, model: override });
      await executor(run, { runId: run.id, signal: new AbortController().signal, progress: () => {} });
      const { provider, model } = gateway.sent.find((s) => s.method === "agent")!.params;
      assert.deepEqual({ ...(provider ? { provider } : {}), model }, expected);
    }
  });

  describe("with the task's images", () => {
    /** Runs `test` with a loopback image server, closed after. */
    async function withServer(test: (server: ImageServer) => Promise<void>): Promise<void> {
      const server = await startImageServer();
      try {
        await test(server);
      } finally {
        await server.close();
      }
    }
    const withImages = (url: string): AgentRunDetail => ({
      ...run, task: { ...run.task, images: [{ name: "Crash screen", url: `${url}/shot.png` }, { name: "Gone", url: `${url}/missing.png` }] },
    });

    it("sends them with a new turn, says which could not be attached, and does not send them again on the task's next turn", async () => withServer(async (server) => {
      const { gateway, executor, ctx, progress, logs } = setup();
      gateway.script.set("agent", [final("I see it."), final("Again.")]);
      await executor(withImages(server.url), ctx);
      // An uploaded image's URL is its key: the log names the image, never its address.
      assert.ok(logs.some((l) => l.message === "some of the task's images were not attached"));
      assert.doesNotMatch(JSON.stringify(logs), /missing\.png/);
      const sent = gateway.sent.find((s) => s.method === "agent")!;
      assert.deepEqual(sent.params.attachments, [{ type: "image", mimeType: "image/png", fileName: "shot.png", content: png().toString("base64") }]);
      assert.deepEqual(progress, ["Could not attach an image; the model has the link only: Gone (HTTP 404)."]);

      gateway.script.set("sessions.create", [{ ok: true }]);
      await executor({ ...withImages(server.url), id: "run_2" }, { ...ctx, runId: "run_2" });
      const next = gateway.sent.filter((s) => s.method === "agent")[1]!;
      assert.equal(next.params.attachments, undefined);
      assert.equal(server.requests.length, 2, "each image was fetched once");
    }));

    it("gives them again to a new session under the task's key (OpenClaw pruned or reset the old one), never twice to one", async () => withServer(async (server) => {
      const { gateway, executor, ctx } = setup();
      gateway.script.set("sessions.create", [{ ok: true, sessionId: "s1" }, { ok: true, sessionId: "s1" }, { ok: true, sessionId: "s2" }, { ok: true }]);
      gateway.script.set("agent", [final("First."), final("Same session."), final("New session."), final("Unnamed session.")]);
      for (const id of ["run_1", "run_2", "run_3", "run_4"]) await executor({ ...withImages(server.url), id }, { ...ctx, runId: id });
      const attached = gateway.sent.filter((s) => s.method === "agent").map((s) => (s.params.attachments as unknown[] | undefined)?.length ?? 0);
      assert.deepEqual(attached, [1, 0, 1, 0]);
    }));

    it("remembers the images of a turn stopped after OpenClaw took it (its session has them): the task's next turn does not send them again", async () => withServer(async (server) => {
      const { gateway, executor, ctx, controller } = setup();
      gateway.script.set("sessions.create", [{ ok: true, sessionId: "s1" }, { ok: true, sessionId: "s1" }]);
      gateway.script.set("chat.abort", [{ ok: true, aborted: true }]);
      let taken = () => {};
      const took = new Promise<void>((resolve) => (taken = resolve));
      gateway.script.set("agent", [
        (_params: Record<string, unknown>, options: RequestOptions) => new Promise((_resolve, reject) => {
          options.onInterim?.({ runId: TURN, status: "accepted" });
          taken();
          options.signal?.addEventListener("abort", () => reject(new GatewayError("aborted", "agent aborted")), { once: true });
        }),
        final("Again."),
      ]);
      const stopped = executor(withImages(server.url), ctx);
      await took;
      controller.abort(new Error("The run was stopped"));
      await assert.rejects(stopped);
      await executor({ ...withImages(server.url), id: "run_2" }, { ...ctx, runId: "run_2", signal: new AbortController().signal });
      const [first, next] = gateway.sent.filter((s) => s.method === "agent");
      assert.equal((first!.params.attachments as unknown[]).length, 1);
      assert.equal(next!.params.attachments, undefined);
    }));

    it("tries an image that timed out again on the task's next turn, not one that is gone", async () => withServer(async (server) => {
      const { gateway, ctx } = setup();
      const executor = createOpenClawExecutor({
        gateway, turns: new MemoryTurns(), clock: new FakeClock(), workRoot: tempDir("gc-exec-"), turnTimeoutSeconds: 600, progressIntervalMs: 5_000,
        attachmentLimits: { timeoutMs: 300 },
      });
      const images: AgentRunDetail = { ...run, task: { ...run.task, images: [{ name: "Slow", url: `${server.url}/slow.png` }, { name: "Gone", url: `${server.url}/missing.png` }] } };
      gateway.script.set("sessions.create", [{ ok: true }, { ok: true }]);
      gateway.script.set("agent", [final("First."), final("Second.")]);
      await executor(images, ctx);
      await executor({ ...images, id: "run_2" }, { ...ctx, runId: "run_2" });
      assert.deepEqual(server.requests, ["/slow.png", "/missing.png", "/slow.png"]);
    }));

    it("sends the turn again without them, under the same key, when the model takes no images, and says so", async () => withServer(async (server) => {
      const { gateway, executor, ctx, progress } = setup();
      gateway.script.set("agent", [GATEWAY_REFUSES_IMAGES(), final("Read the links.")]);
      assert.deepEqual(await executor(withImages(server.url), ctx), { summary: "Read the links." });
      const [first, second] = gateway.sent.filter((s) => s.method === "agent");
      assert.equal((first!.params.attachments as unknown[]).length, 1);
      assert.equal(second!.params.attachments, undefined);
      assert.equal(second!.params.idempotencyKey, first!.params.idempotencyKey);
      assert.match(progress.at(-1)!, /^The model does not take images, so it has their links only \(UnsupportedAttachmentError: .*does not accept image inputs\)\.$/);
    }));

    it("keeps to the gateway's own limit for one image", async () => withServer(async (server) => {
      const { gateway, executor, ctx, progress } = setup();
      gateway.policy = { maxPayload: 25 * 1024 * 1024, attachments: { maxImageBytes: 16 } };
      gateway.script.set("agent", [final("Done.")]);
      await executor(withImages(server.url), ctx);
      assert.equal(gateway.sent.find((s) => s.method === "agent")!.params.attachments, undefined);
      assert.match(progress[0]!, /^Could not attach 2 images; the model has the links only: Crash screen \(over 1 KB, more than the 1 KB an image may have\), Gone \(HTTP 404\)\.$/);
    }));
  });
});
