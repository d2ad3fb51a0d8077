/**
 * End to end with the real `openclaw` package: hub (real, listening) → bridge →
 * OpenClaw gateway (real, Node 24) → scripted model server (the only stand-in).
 * Run inside a loopback-only network namespace by ../openclaw-e2e.test.ts; one
 * gateway is shared by all scenarios (it takes long to start and much memory).
 */
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { once } from "node:events";
import { dirname, join } from "node:path";
import { after, before, describe, it, type TestContext } from "node:test";
import { sessionKeyFor, turnKeyFor, workdirName } from "../../../src/bridge/context.ts";
import { GatewayError } from "../../../src/bridge/gateway/client.ts";
import { request, startTestHub, type TestHub } from "../../support/hub.ts";
import type { RunDetail } from "../../../src/sdk/types.ts";
import { commentsOf, ownerView, runTransitions, stopRun } from "../../sdk/support/runs.ts";
import { startTestBridge, type TestBridge } from "../support/bridge.ts";
import { startImageServer, type ImageServer } from "../support/image-server.ts";
import { startSwitchProxy, type SwitchProxy } from "../support/switch-proxy.ts";
import { afterToolCall, startModelServer, textOf, turnMessage, type ChatRequest, type ModelServer, type Reply } from "../support/model-server.ts";
import { openClawConfig, startTestGateway, type TestGateway } from "../support/openclaw.ts";
import { tempDir } from "../../support/temp.ts";

const gates = new Map<string, { promise: Promise<void>; release: () => void }>();
function gate(name: string) {
  let entry = gates.get(name);
  if (!entry) {
    let release = () => {};
    const promise = new Promise<void>((resolve) => (release = resolve));
    entry = { promise, release };
    gates.set(name, entry);
  }
  return entry;
}
const seen: Array<(request: ChatRequest) => void> = [];

function script(request: ChatRequest): Reply {
  for (const listener of seen) listener(request);
  const message = turnMessage(request);
  const all = request.messages.map((m) => (typeof m.content === "string" ? m.content : JSON.stringify(m.content ?? ""))).join("\n");
  if (message.includes("[tool]")) {
    return afterToolCall(request) ? { text: "Built it: the build printed built-ok." } : { toolCalls: [{ name: "exec", arguments: { command: "echo built-ok" } }] };
  }
  // A model call that spends, a tool call, then a model call that fails (refused, or never answered).
  if (message.includes("[toolfail]")) {
    return afterToolCall(request) ? { fail: 400, message: "The scripted model refuses to go on." } : { toolCalls: [{ name: "exec", arguments: { command: "echo spent" } }] };
  }
  if (message.includes("[toolhang]")) return afterToolCall(request) ? { hang: true } : { toolCalls: [{ name: "exec", arguments: { command: "echo spent" } }] };
  if (message.includes("[pwd]")) {
    // Answers with what `pwd` printed (the tool result), so the test sees where the tool ran.
    const result = afterToolCall(request) ? request.messages.findLast((m) => m.role === "tool") : undefined;
    return result ? { text: `Ran in: ${textOf(result).trim()}` } : { toolCalls: [{ name: "exec", arguments: { command: "pwd" } }] };
  }
  if (message.includes("[look]")) {
    // What the model was shown: the image parts of the turn's message (OpenAI's image_url, as data URLs).
    const parts = request.messages.filter((m) => m.role === "user" && Array.isArray(m.content)).flatMap((m) => m.content as Array<{ type?: string; image_url?: { url?: string } }>);
    const images = parts.filter((p) => p.type === "image_url").map((p) => p.image_url?.url?.slice(0, 22) ?? "");
    return { text: images.length ? `I see ${images.length} image(s): ${images.join(", ")}` : "I see no image." };
  }
  if (message.includes("[recall]")) return { text: all.includes("Built it: the build printed built-ok.") ? "I remember the build: it printed built-ok." : "I do not remember anything." };
  if (message.includes("[hang]")) return { hang: true, text: "Thinking" };
  // Asked again by OpenClaw after an empty answer, it answers empty again: the whole conversation is looked at.
  if (all.includes("[empty]")) return { text: "" };
  if (all.includes("[blank]")) return { text: " \n\t " };
  if (message.includes("[huge]")) return { text: `${"x".repeat(700_000)}${"é".repeat(500_000)}` };
  if (message.includes("[silent]")) return { silent: true };
  // Held like [gate:…], then a tool call, then the answer.
  const gatedTool = /\[gatetool:(\w+)\]/.exec(message);
  if (gatedTool) {
    const name = gatedTool[1]!;
    return afterToolCall(request) ? { text: `Answer for ${name}.` } : { gate: gate(name).promise, then: { toolCalls: [{ name: "exec", arguments: { command: `echo ${name}-resumed` } }] } };
  }
  const gated = /\[gate:(\w+)\]/.exec(message);
  if (gated) return { gate: gate(gated[1]!).promise, then: { text: `Answer for ${gated[1]}.` } };
  return { text: "Plain answer." };
}

function requestsWith(model: ModelServer, marker: string): ChatRequest[] {
  return model.requests.filter((r) => turnMessage(r).includes(marker));
}

/** What a scenario waits on now, and since when: told when it fails (a timeout says nothing of where). */
let waiting: { what: string; since: number } | undefined;

async function until<T>(what: string, probe: () => Promise<T | undefined | false>): Promise<T> {
  waiting = { what, since: Date.now() };
  for (;;) {
    const value = await probe();
    if (value) {
      waiting = undefined;
      return value;
    }
    // Polling the hub (no event to wait on); the test's own timeout ends a wait that never comes true.
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The body of a scenario that, when it fails, prints what it waited on and the logs `context` gives. */
function explained(context: () => string, body: () => Promise<void>): (t: TestContext) => Promise<void> {
  return async (t) => {
    const explain = (how: string) => {
      const wait = waiting ? `waiting for "${waiting.what}" for ${Math.round((Date.now() - waiting.since) / 1000)} s` : "not waiting";
      process.stderr.write(`\n--- the scenario ${how}, ${wait}; what led there:\n${context()}\n---\n`);
    };
    // A timeout aborts the test's signal and leaves its body running: told from there.
    const onAbort = () => explain("timed out");
    t.signal.addEventListener("abort", onAbort, { once: true });
    try {
      await body();
    } catch (error) {
      explain("failed");
      throw error;
    } finally {
      t.signal.removeEventListener("abort", onAbort);
    }
  };
}

const tail = (text: string, lines: number) => text.split("\n").slice(-lines).join("\n");
const fileTail = (path: string, lines: number) => {
  try {
    return tail(readFileSync(path, "utf8"), lines);
  } catch (error) {
    return String(error);
  }
};

async function delegate(t: TestHub, title: string, prompt: string): Promise<{ taskId: string; runId: string }> {
  const task = await t.owner(t.creds.ownerToken, "POST", "/tasks", { projectId: t.creds.projectId, title, description: "From the e2e test" });
  const run = await t.owner(t.creds.ownerToken, "POST", `/tasks/${task.body.id}/delegate`, { agentId: t.creds.agentId, prompt });
  assert.equal(run.status, 201, JSON.stringify(run.body));
  return { taskId: task.body.id, runId: run.body.id };
}

/**
 * A managed gateway's processes (it and its workers), found by its state dir (`--openclaw-state`) in their
 * environment: the gateway renames itself, so its argv says little.
 */
function managedGatewayProcesses(openclawState: string): number[] {
  const marker = `OPENCLAW_STATE_DIR=${join(openclawState, "state")}`;
  return readdirSync("/proc").filter((name) => /^\d+$/.test(name)).map(Number).filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/environ`, "utf8").split("\0").includes(marker) && !readFileSync(`/proc/${pid}/stat`, "utf8").includes(") Z ");
    } catch {
      return false; // gone meanwhile
    }
  });
}

/** Should a test fail half-way, nothing it started outlives it: its child processes, a managed gateway's processes. */
function killLeftovers(children: ChildProcess[], gatewayPids: number[]): void {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  for (const pid of gatewayPids) process.kill(pid, "SIGKILL");
}

describe("the bridge with a real OpenClaw", { timeout: 540_000 }, () => {
  let model: ModelServer;
  let gateway: TestGateway;
  let t: TestHub;

  before(async () => {
    model = await startModelServer(script);
    gateway = await startTestGateway(model.url);
    t = await startTestHub();
  });
  after(async () => {
    for (const g of gates.values()) g.release();
    await t?.close();
    await gateway?.close();
    await model?.close();
  });

  describe("one bridge in process", () => {
    let b: TestBridge;
    before(async () => (b = await startTestBridge(t, { gateway })));
    after(async () => b?.stop());

    let first: { taskId: string; runId: string };

    it("a delegated task ends FINISHED with the model's answer, a progress comment from its tool call, and its cost", async () => {
      first = await delegate(t, "Build the project", "Build it please [tool]");
      await b.events.until(() => b.ids("finished").includes(first.runId));
      const detail = await ownerView(t, first.runId);
      assert.equal(detail.status, "FINISHED");
      assert.deepEqual(runTransitions(detail), ["→PENDING", "PENDING→RUNNING", "RUNNING→FINISHED"]);
      const comments = commentsOf(detail);
      assert.equal(comments[0], "Starting work on this now.");
      assert.ok(comments.some((c) => c.includes("Running `echo built-ok`")), JSON.stringify(comments));
      assert.equal(comments.at(-1), "Built it: the build printed built-ok.");
      // Two model calls of 1000 input + 100 output tokens at $1 / $2 per million.
      assert.ok(Math.abs((detail.stepCostUsd ?? 0) - 0.0024) < 1e-9, `stepCostUsd ${detail.stepCostUsd}`);
      assert.ok(Math.abs((detail.totalCostUsd ?? 0) - 0.0024) < 1e-9, `totalCostUsd ${detail.totalCostUsd}`);
      // The task's context reached OpenClaw's system prompt.
      const request = requestsWith(model, "[tool]")[0]!;
      assert.ok(request.messages.some((m) => m.role === "system" && String(m.content).includes("Build the project")));
    });

    it("a follow-up continues the same OpenClaw session: the model sees the earlier turn", async () => {
      const res = await t.owner(t.creds.ownerToken, "POST", `/runs/${first.runId}/follow-up`, { message: "What did the build print? [recall]" });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      const runId = res.body.id as string;
      await b.events.until(() => b.ids("finished").includes(runId));
      const detail = await ownerView(t, runId);
      assert.equal(detail.status, "FINISHED");
      assert.equal(commentsOf(detail).at(-1), "I remember the build: it printed built-ok.");
      assert.ok(Math.abs((detail.totalCostUsd ?? 0) - 0.0036) < 1e-9, `totalCostUsd ${detail.totalCostUsd}`);
    });

    it("a task's tool calls run in the task's own working directory, a follow-up's too", async () => {
      const { taskId, runId } = await delegate(t, "Where am I", "Print the working directory [pwd]");
      await b.events.until(() => b.ids("finished").includes(runId));
      const workdir = realpathSync(join(dirname(b.stateFile), "tasks", workdirName(taskId)));
      const detail = await ownerView(t, runId);
      assert.equal(detail.status, "FINISHED");
      assert.ok(commentsOf(detail).some((c) => c.includes("Running `pwd`")), JSON.stringify(commentsOf(detail)));
      assert.equal(commentsOf(detail).at(-1), `Ran in: ${workdir}`);
      const res = await t.owner(t.creds.ownerToken, "POST", `/runs/${runId}/follow-up`, { message: "And now? [pwd]" });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      await b.events.until(() => b.ids("finished").includes(res.body.id as string));
      assert.equal(commentsOf(await ownerView(t, res.body.id as string)).at(-1), `Ran in: ${workdir}`);
    });

    it("a stop mid-turn aborts the OpenClaw turn; the run is STOPPED and nothing is posted after", async () => {
      const hanging = new Promise<void>((resolve) => (model.onHang = () => resolve()));
      const closedBefore = model.closedHangs;
      const { runId } = await delegate(t, "Think forever", "Take your time [hang]");
      await hanging;
      const stoppedAt = performance.now();
      await stopRun(t, runId);
      await until("the model stream closed", async () => model.closedHangs > closedBefore);
      console.warn(`# stop → model stream closed: ${(performance.now() - stoppedAt).toFixed(0)} ms`);
      await b.events.until(() => b.ids("stopped").includes(runId));
      const detail = await ownerView(t, runId);
      assert.equal(detail.status, "STOPPED");
      const stopIndex = detail.activity.findIndex((a) => a.type === "status_change" && a.subject === "run" && a.to === "STOPPED");
      assert.ok(stopIndex >= 0);
      assert.deepEqual(detail.activity.slice(stopIndex + 1).filter((a) => a.runId === runId && a.type === "comment"), []);
      // The gateway reports the turn ended (aborted), not still running.
      const wait = await gateway.client.request<{ status: string }>("agent.wait", { runId: turnKeyFor(runId), timeoutMs: 10_000 });
      assert.notEqual(wait.status, "timeout");
    });

    it("a model that answers nothing (empty, or only white space) ends the run with an error that says so and what to do", async () => {
      const runs = [await delegate(t, "Say nothing", "Answer [empty]"), await delegate(t, "Say blanks", "Answer [blank]")];
      for (const { runId } of runs) {
        await b.events.until(() => b.ids("failed").includes(runId) || b.ids("finished").includes(runId));
        const detail = await ownerView(t, runId);
        assert.equal(detail.status, "ERROR");
        // Not OpenClaw's bare status ("OpenClaw failed: failed."), which tells the owner nothing.
        assert.equal(commentsOf(detail).at(-1), "OpenClaw could not get an answer from its model: its answer was empty. Check the model provider in the OpenClaw configuration, then send a follow-up.");
      }
    });

    it("an answer of over a megabyte is kept, cut to what a message takes with a note that says so", async () => {
      const { runId } = await delegate(t, "Say a lot", "Answer at length [huge]");
      await b.events.until(() => b.ids("finished").includes(runId) || b.ids("failed").includes(runId));
      const detail = await ownerView(t, runId);
      assert.equal(detail.status, "FINISHED");
      const summary = commentsOf(detail).at(-1)!;
      // Compared by its parts: a failed comparison of the whole would print 100,000 characters.
      assert.ok(summary.length <= 100_000 && summary.startsWith("x".repeat(90_000)), `${summary.length} characters`);
      assert.equal(summary.slice(summary.lastIndexOf("\n")), "\n(Cut short: the whole text had 1,200,000 characters, more than the 100,000 a message takes.)");
    });
  });

  it("a model that never answers: OpenClaw's turn time limit ends the run with an error that says so", async () => {
    const b = await startTestBridge(t, { gateway, flags: { "turn-timeout": "3s" } });
    try {
      const { runId } = await delegate(t, "Ask a dead model", "Anything [silent]");
      await b.events.until(() => b.ids("failed").includes(runId) || b.ids("finished").includes(runId));
      const detail = await ownerView(t, runId);
      assert.equal(detail.status, "ERROR");
      assert.equal(commentsOf(detail).at(-1), "OpenClaw did not finish within the bridge's turn time limit (its --turn-timeout). Send a follow-up to try again.");
    } finally {
      await b.stop();
    }
  });

  it("a turn that fails after its model spent (a failed model call, or its time limit) ends the run with that cost", async () => {
    const b = await startTestBridge(t, { gateway, flags: { "turn-timeout": "20s" } });
    try {
      const runs = [await delegate(t, "Fail after spending", "Build it [toolfail]"), await delegate(t, "Time out after spending", "Build it [toolhang]")];
      for (const { runId } of runs) {
        await b.events.until(() => b.ids("failed").includes(runId) || b.ids("finished").includes(runId));
        const detail = await ownerView(t, runId);
        assert.equal(detail.status, "ERROR", JSON.stringify(commentsOf(detail)));
        assert.ok(commentsOf(detail).some((c) => c.includes("Running `echo spent`")), JSON.stringify(commentsOf(detail)));
        // The model call before the tool: 1000 input + 100 output tokens at $1 / $2 per million; the failed one spent nothing.
        assert.ok(Math.abs((detail.stepCostUsd ?? 0) - 0.0012) < 1e-9, `stepCostUsd ${detail.stepCostUsd}`);
        assert.ok(Math.abs((detail.totalCostUsd ?? 0) - 0.0012) < 1e-9, `totalCostUsd ${detail.totalCostUsd}`);
      }
    } finally {
      await b.stop();
    }
  });

  describe("a task with images", () => {
    let server: ImageServer;
    before(async () => (server = await startImageServer()));
    after(async () => server?.close());

    async function delegateWithImages(title: string): Promise<string> {
      const task = await t.owner(t.creds.ownerToken, "POST", "/tasks", {
        projectId: t.creds.projectId, title, images: [{ name: "Crash screen", url: `${server.url}/shot.png` }, { name: "Gone", url: `${server.url}/missing.png` }],
      });
      assert.equal(task.status, 201, JSON.stringify(task.body));
      const run = await t.owner(t.creds.ownerToken, "POST", `/tasks/${task.body.id}/delegate`, { agentId: t.creds.agentId, prompt: "What does the screenshot show? [look]" });
      assert.equal(run.status, 201, JSON.stringify(run.body));
      return run.body.id as string;
    }

    it("a model that takes images sees the task's screenshot inline; one that could not be fetched is said in a comment", async () => {
      const b = await startTestBridge(t, { gateway, flags: { model: "scripted/m2" } });
      try {
        const runId = await delegateWithImages("Look at the crash");
        await b.events.until(() => b.ids("finished").includes(runId) || b.ids("failed").includes(runId));
        const detail = await ownerView(t, runId);
        assert.equal(detail.status, "FINISHED", JSON.stringify(commentsOf(detail)));
        assert.deepEqual(commentsOf(detail), [
          "Starting work on this now.",
          "Could not attach an image; the model has the link only: Gone (HTTP 404).",
          "I see 1 image(s): data:image/png;base64,",
        ]);
      } finally {
        await b.stop();
      }
    });

    it("a follow-up in the task's session is not given its images again; one in a new session (OpenClaw dropped the old) is", async () => {
      const b = await startTestBridge(t, { gateway, flags: { model: "scripted/m2" } });
      try {
        const shots = () => server.requests.filter((path) => path === "/shot.png").length;
        const followUp = async (runId: string) => {
          const res = await t.owner(t.creds.ownerToken, "POST", `/runs/${runId}/follow-up`, { message: "And now? [look]" });
          assert.equal(res.status, 201, JSON.stringify(res.body));
          const next = res.body.id as string;
          await b.events.until(() => b.ids("finished").includes(next) || b.ids("failed").includes(next));
          assert.equal((await ownerView(t, next)).status, "FINISHED");
          return next;
        };
        const before = shots();
        const first = await delegateWithImages("Look twice");
        await b.events.until(() => b.ids("finished").includes(first) || b.ids("failed").includes(first));
        assert.equal(shots(), before + 1);
        const second = await followUp(first);
        assert.equal(shots(), before + 1, "the session has the screenshot already");
        const { taskId } = await ownerView(t, second);
        await b.bridge.gateway!.request("sessions.delete", { key: sessionKeyFor(taskId) });
        const third = await followUp(second);
        assert.equal(shots(), before + 2, "a new session is given it again");
        assert.equal(commentsOf(await ownerView(t, third)).at(-1), "I see 1 image(s): data:image/png;base64,");
      } finally {
        await b.stop();
      }
    });

    it("a model that takes no images gets the turn without them, and the owner is told", async () => {
      const b = await startTestBridge(t, { gateway });
      try {
        const runId = await delegateWithImages("Look at the crash, text only");
        await b.events.until(() => b.ids("finished").includes(runId) || b.ids("failed").includes(runId));
        const detail = await ownerView(t, runId);
        assert.equal(detail.status, "FINISHED", JSON.stringify(commentsOf(detail)));
        const comments = commentsOf(detail);
        assert.equal(comments.at(-1), "I see no image.");
        assert.ok(comments.some((c) => /^The model does not take images, so it has their links only \(.*does not accept image inputs\)\.$/.test(c)), JSON.stringify(comments));
      } finally {
        await b.stop();
      }
    });
  });

  describe("the Agent API failing during a turn", () => {
    let b: TestBridge;
    let proxy: SwitchProxy;
    before(async () => {
      proxy = await startSwitchProxy(t.baseUrl, "/api/v1/agent");
      b = await startTestBridge(t, { gateway, apiUrl: proxy.url });
    });
    after(async () => {
      proxy.mode = "up";
      await b?.stop();
      await proxy?.close();
    });

    it("loses nothing and doubles nothing: the result arrives once the API is back", async () => {
      const arrived = new Promise<void>((resolve) => seen.push((request) => turnMessage(request).includes("[gate:outage]") && resolve()));
      const { runId } = await delegate(t, "Work through an outage", "Run the build, then answer [gate:outage]");
      await arrived;
      proxy.mode = "drop";
      gate("outage").release();
      // OpenClaw finishes while every call to the API fails; then answers are lost after the hub acted.
      await gateway.client.request("agent.wait", { runId: turnKeyFor(runId), timeoutMs: 30_000 });
      await until("calls failed", async () => proxy.failed >= 10);
      proxy.mode = "lost-answer";
      await until("answers lost", async () => proxy.failed >= 15);
      proxy.mode = "up";
      await b.events.until(() => b.ids("finished").includes(runId));
      const detail = await ownerView(t, runId);
      assert.equal(detail.status, "FINISHED");
      assert.deepEqual(commentsOf(detail), ["Starting work on this now.", "Answer for outage."]);
      assert.deepEqual(runTransitions(detail), ["→PENDING", "PENDING→RUNNING", "RUNNING→FINISHED"]);
    });
  });

  describe("a bridge process killed with SIGKILL mid-turn", () => {
    const children: ChildProcess[] = [];
    const logsOf = new Map<ChildProcess, string[]>();
    after(() => {
      for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
    });

    function startBridgeProcess(stateDir: string): ChildProcess {
      const child = spawn(process.execPath, ["bin/openclaw-groupchat.mjs", "bridge", "--state", join(stateDir, "bridge.sqlite"), "--workdir", join(stateDir, "tasks"), "--metrics", "off", "--log-format", "json", "--log-level", "debug", "--no-status-line"], {
        env: {
          PATH: process.env.PATH, HOME: stateDir,
          GROUPCHAT_AGENT_TOKEN: t.creds.agentToken, GROUPCHAT_API_URL: t.apiUrl, GROUPCHAT_CONVEX_URL: t.hub.urls().convexUrl,
          OPENCLAW_GATEWAY_URL: gateway.url, OPENCLAW_GATEWAY_TOKEN: gateway.token,
        },
        stdio: ["ignore", "ignore", "pipe"],
      });
      const logs: string[] = [];
      child.stderr!.on("data", (d: Buffer) => logs.push(String(d)));
      logsOf.set(child, logs);
      child.on("exit", (code, signal) => {
        if (code !== null && code !== 0) console.warn(`bridge process exited ${code}:\n${logs.join("")}`);
        void signal;
      });
      children.push(child);
      return child;
    }

    it("after a restart ends each run correctly, once: a turn still going is awaited (its tool calls still reported), a turn that finished meanwhile is reported", async () => {
      const stateDir = tempDir("gc-kill-");
      const arrived = new Set<string>();
      seen.push((request) => {
        for (const name of ["still", "done"]) if (/\[gate(tool)?:(still|done)\]/.exec(turnMessage(request))?.[2] === name) arrived.add(name);
      });
      const first = startBridgeProcess(stateDir);
      const still = await delegate(t, "Long job", "Work on it [gatetool:still]");
      const done = await delegate(t, "Short job", "Work on it [gate:done]");
      await until("both turns reached the model", async () => arrived.size === 2);

      first.kill("SIGKILL");
      await new Promise((resolve) => first.once("exit", resolve));
      // While the bridge is down, one turn finishes inside OpenClaw.
      gate("done").release();
      const finished = await gateway.client.request<{ status: string }>("agent.wait", { runId: turnKeyFor(done.runId), timeoutMs: 30_000 });
      assert.equal(finished.status, "ok");
      assert.equal((await ownerView(t, done.runId)).status, "RUNNING");

      const second = startBridgeProcess(stateDir);
      // The other turn ends only once the restarted bridge has found it running.
      await until("the restarted bridge looked up the running turn", async () => logsOf.get(second)!.join("").includes(`"runId":"${still.runId}","turn":"running"`));
      gate("still").release();
      for (const { runId } of [still, done]) {
        await until(`${runId} ended`, async () => (await ownerView(t, runId)).status !== "RUNNING");
      }
      second.kill("SIGTERM");
      // "close", not "exit": its log lines are read below, and the last of them may still be in the pipe at its exit.
      await new Promise((resolve) => second.once("close", resolve));

      for (const [{ runId }, name, marker, comments, modelCalls] of [
        // The tool call came after the restart, on the turn the first bridge had sent: still a progress comment.
        [still, "still", "[gatetool:still]", ["Starting work on this now.", "Running `echo still-resumed`", "Answer for still."], 2],
        [done, "done", "[gate:done]", ["Starting work on this now.", "Answer for done."], 1],
      ] as const) {
        const detail = await ownerView(t, runId);
        assert.equal(detail.status, "FINISHED", `${name}: ${JSON.stringify(commentsOf(detail))}`);
        assert.deepEqual(runTransitions(detail), ["→PENDING", "PENDING→RUNNING", "RUNNING→FINISHED"]);
        assert.deepEqual(commentsOf(detail), comments);
        // One turn each: the restarted bridge found the turn again instead of starting another.
        assert.equal(requestsWith(model, marker).length, modelCalls);
      }
      // The finished turn was read back from OpenClaw's task ledger and transcript (not re-sent: the gateway
      // forgets a key 5 minutes after its turn ends), its cost included: one model call of 1000 + 100 tokens.
      const lookups = logsOf.get(second)!.join("").split("\n").filter((l) => l.includes("looked up a turn sent before")).map((l) => JSON.parse(l) as { runId: string; turn: string });
      const seenOf = (runId: string) => lookups.filter((l) => l.runId === runId).map((l) => l.turn);
      assert.deepEqual(seenOf(done.runId), ["ended"]);
      assert.equal(seenOf(still.runId)[0], "running");
      assert.equal(seenOf(still.runId).at(-1), "ended");
      assert.ok(Math.abs(((await ownerView(t, done.runId)).stepCostUsd ?? 0) - 0.0012) < 1e-9);
    });

    for (const deleted of [false, true]) {
      const what = deleted ? "a run stopped and its task deleted" : "a run stopped";
      it(`${what} while the bridge was down: the restarted bridge aborts the turn it had begun`, async () => {
        const stateDir = tempDir("gc-kill-stop-");
        const hanging = new Promise<void>((resolve) => (model.onHang = () => resolve()));
        const first = startBridgeProcess(stateDir);
        const { taskId, runId } = await delegate(t, deleted ? "Left running, then deleted" : "Left running", "Take your time [hang]");
        await hanging;
        first.kill("SIGKILL");
        await new Promise((resolve) => first.once("exit", resolve));
        const closedBefore = model.closedHangs;
        await stopRun(t, runId);
        // Deleted, the run can no longer be read: its turn's session is known from the state file alone.
        if (deleted) assert.equal((await t.owner(t.creds.ownerToken, "DELETE", `/tasks/${taskId}`)).status, 204);
        const second = startBridgeProcess(stateDir);
        await until("the turn's model stream closed", async () => model.closedHangs > closedBefore);
        second.kill("SIGTERM");
        await new Promise((resolve) => second.once("exit", resolve));
        if (!deleted) assert.equal((await ownerView(t, runId)).status, "STOPPED");
        const wait = await gateway.client.request<{ status: string }>("agent.wait", { runId: turnKeyFor(runId), timeoutMs: 10_000 });
        assert.notEqual(wait.status, "timeout");
      });
    }
  });
});

// Two gateway starts (~50 s each on a loaded 2-core machine) and a restart's wait: a CI run took 315 s of it.
describe("a managed OpenClaw gateway (what npm start runs)", { timeout: 600_000 }, () => {
  let model: ModelServer;
  let t: TestHub;
  let b: TestBridge;
  let dir: string;

  before(async () => {
    model = await startModelServer(script);
    t = await startTestHub();
    dir = tempDir("gc-managed-");
    mkdirSync(join(dir, "workspace"));
    // As `npm start` on a fresh machine: OpenClaw's config names no model yet (the first test sets it).
    const { agents: _model, models: _providers, ...noModel } = openClawConfig(model.url, dir);
    writeFileSync(join(dir, "openclaw.json"), JSON.stringify({ ...noModel, agents: { defaults: { workspace: join(dir, "workspace"), skipBootstrap: true } } }));
    b = await startTestBridge(t, {
      flags: { openclaw: "managed", "openclaw-config": join(dir, "openclaw.json"), "openclaw-state": join(dir, "managed") },
      env: { PATH: process.env.PATH, HOME: dir, OPENCLAW_HOME: dir, TMPDIR: dir },
      // OpenClaw's CLI, asked after a model failure, can take longer than the bridge waits on a busy machine.
      deps: { modelCheck: { timeoutMs: 120_000 } },
    });
  });
  after(async () => {
    await b?.stop();
    await t?.close();
    await model?.close();
    rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
  });
  const managedLogs = () => {
    const bridge = b.logs.filter((line) => /"level":"(warn|error)"|gateway/i.test(line) && !line.includes('"msg":"OpenClaw gateway connecting"')).slice(-40).join("\n");
    return `the bridge (warnings and gateway lines, last 40):\n${bridge}\nthe gateway's log (last 60 lines):\n${fileTail(join(dir, "managed", "gateway.log"), 60)}`;
  };

  it("a run delegated before a model is set ends with an error that says where to set one", explained(managedLogs, async () => {
    await until("the gateway is up", async () => b.bridge.gatewayState === "connected");
    const run = await delegate(t, "Before a model", "Anything [plain]");
    await b.events.until(() => b.ids("failed").includes(run.runId) || b.ids("finished").includes(run.runId));
    const detail = await ownerView(t, run.runId);
    assert.equal(detail.status, "ERROR");
    const said = commentsOf(detail).at(-1)!;
    assert.ok(said.includes(`No model is set: set agents.defaults.model.primary in ${join(dir, "openclaw.json")}`), said);
  }));

  it("a model set in OpenClaw's config while the bridge runs is used by the next run, with no restart (as start and the README say)", explained(managedLogs, async () => {
    await until("the gateway is up", async () => b.bridge.gatewayState === "connected");
    writeFileSync(join(dir, "openclaw.json"), JSON.stringify(openClawConfig(model.url, dir)));
    // OpenClaw watches its config file; the run goes once it says it applied the change.
    await until("OpenClaw reloaded its config", async () => /config (hot reload applied|reload forced restart)/.test(readFileSync(join(dir, "managed", "gateway.log"), "utf8")));
    const run = await delegate(t, "Configured later", "Anything [plain]");
    await b.events.until(() => b.ids("finished").includes(run.runId));
    assert.equal(commentsOf(await ownerView(t, run.runId)).at(-1), "Plain answer.");
  }));

  it("starts the gateway, runs a turn on it, and restarts it when it dies; the turn it died in ends with an error that says so, one stopped meanwhile is stopped, and OpenClaw resumes neither", explained(managedLogs, async () => {
    const first = await delegate(t, "Managed", "Build it please [tool]");
    await b.events.until(() => b.ids("finished").includes(first.runId));
    assert.equal(commentsOf(await ownerView(t, first.runId)).at(-1), "Built it: the build printed built-ok.");

    let hung = 0;
    const hanging = new Promise<void>((resolve) => (model.onHang = () => ++hung === 2 && resolve()));
    const cut = await delegate(t, "Cut off", "Take your time [hang]");
    const stopped = await delegate(t, "Stopped while OpenClaw restarts", "Take your time [hang]");
    await hanging;
    const pid = Number(readFileSync(join(dir, "managed", "gateway.pid"), "utf8"));
    process.kill(pid, "SIGKILL");
    await until("the bridge lost the gateway", async () => b.bridge.gatewayState !== "connected");
    await stopRun(t, stopped.runId);
    await b.events.until(() => b.ids("failed").includes(cut.runId));
    assert.equal(commentsOf(await ownerView(t, cut.runId)).at(-1), "OpenClaw restarted while working on this, so the work in progress was lost. Send a follow-up to try again.");
    await until("the gateway is back", async () => {
      const again = Number(readFileSync(join(dir, "managed", "gateway.pid"), "utf8"));
      return again !== pid && b.bridge.gatewayState === "connected";
    });
    const second = await delegate(t, "Managed again", "Anything [plain]");
    await b.events.until(() => b.ids("finished").includes(second.runId));
    assert.equal(commentsOf(await ownerView(t, second.runId)).at(-1), "Plain answer.");
    const detail = await ownerView(t, stopped.runId);
    assert.deepEqual([detail.status, commentsOf(detail)], ["STOPPED", ["Starting work on this now."]]);

    // Back, OpenClaw resumes each session a restart cut off, by itself, under a run id of its own ("Your previous turn
    // was interrupted…"): for these two runs, which are over, the bridge aborts that, or it would run on for nothing.
    for (const { taskId } of [cut, stopped]) {
      const resumed = await until(`OpenClaw resumed ${taskId} and that ended`, async () => {
        // A connection that drops meanwhile is waited out: the bridge reconnects (or restarts the gateway).
        const listed = await b.bridge.gateway!.request<{ tasks: Array<{ runId?: string; status: string }> }>("tasks.list", { sessionKey: sessionKeyFor(taskId), limit: 20 }).catch((error: unknown) => {
          if (error instanceof GatewayError && error.code === "disconnected") return { tasks: [] };
          throw error;
        });
        const { tasks } = listed;
        const own = tasks.find((task) => task.runId && !task.runId.startsWith("groupchat-run-"));
        return own && own.status !== "running" && own.status !== "queued" && own;
      });
      // Cancelled, or failed when the abort came while it was starting; never completed.
      assert.ok(["cancelled", "failed"].includes(resumed.status), resumed.status);
    }
  }));
});

describe("a managed OpenClaw gateway that outlives a crashed bridge", { timeout: 400_000 }, () => {
  let model: ModelServer;
  let t: TestHub;
  let dir: string;
  const children: ChildProcess[] = [];
  const logsOf = new Map<ChildProcess, string[]>();
  before(async () => {
    // Every answer hangs: a turn OpenClaw resumed can only be seen, never get to a tool.
    model = await startModelServer(() => ({ hang: true }));
    t = await startTestHub();
    dir = tempDir("gc-guard-");
    mkdirSync(join(dir, "workspace"));
    writeFileSync(join(dir, "openclaw.json"), JSON.stringify(openClawConfig(model.url, dir)));
  });
  after(async () => {
    killLeftovers(children, gatewayProcesses());
    await t?.close();
    await model?.close();
    rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
  });

  /** `bridge` with a managed gateway, as a process of its own (so it can be killed), its JSON log collected. */
  function startBridgeProcess(): { child: ChildProcess; said: (pattern: RegExp) => boolean } {
    const child = spawn(process.execPath, [
      "bin/openclaw-groupchat.mjs", "bridge", "--state", join(dir, "bridge.sqlite"), "--workdir", join(dir, "tasks"), "--metrics", "off",
      "--openclaw", "managed", "--openclaw-config", join(dir, "openclaw.json"), "--openclaw-state", join(dir, "managed"),
      "--log-format", "json", "--log-level", "debug", "--no-status-line",
    ], {
      env: {
        PATH: process.env.PATH, HOME: dir, OPENCLAW_HOME: dir, TMPDIR: dir,
        GROUPCHAT_AGENT_TOKEN: t.creds.agentToken, GROUPCHAT_API_URL: t.apiUrl, GROUPCHAT_CONVEX_URL: t.hub.urls().convexUrl,
      },
      stdio: ["ignore", "ignore", "pipe"],
    });
    const logs: string[] = [];
    child.stderr!.on("data", (d: Buffer) => logs.push(String(d)));
    logsOf.set(child, logs);
    children.push(child);
    return { child, said: (pattern) => pattern.test(logs.join("")) };
  }
  const exited = (child: ChildProcess) => (child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : once(child, "exit").then(() => undefined));
  const gatewayPid = () => Number(readFileSync(join(dir, "managed", "gateway.pid"), "utf8"));
  const gatewayProcesses = () => managedGatewayProcesses(join(dir, "managed"));

  it("a run stopped while its gateway restarts, and then the bridge restarted: OpenClaw's own resumption of its turn is still aborted", async () => {
    const first = startBridgeProcess();
    const hanging = new Promise<void>((resolve) => (model.onHang = () => resolve()));
    const { runId } = await delegate(t, "Stopped, then its bridge crashed", "Take your time");
    await hanging;
    const oldPid = gatewayPid();
    process.kill(oldPid, "SIGKILL");
    await until("the bridge saw the gateway die", async () => first.said(/the OpenClaw gateway exited/));
    await until("the turn's model stream closed", async () => model.closedHangs === 1);
    // Stopped while OpenClaw is down: the bridge cannot abort the turn, and OpenClaw resumes it once back.
    await stopRun(t, runId);
    await until("the bridge ended the run", async () => first.said(new RegExp(`"msg":"run stopped","runId":"${runId}"`)));
    first.child.kill("SIGKILL");
    await exited(first.child);

    const asked = model.requests.length;
    const second = startBridgeProcess();
    // The gateway the first bridge was restarting (or one the second starts) resumes the session by itself, and the
    // restarted bridge, told by its state file, aborts that (an older one knew nothing of it: the turn ran on).
    await until("the resumed turn was aborted", async () => second.said(/aborted the turn OpenClaw resumed after its restart/));
    assert.notEqual(gatewayPid(), oldPid);
    // Whatever of it reached the model was cut off (every answer hangs here, so no tool can have run).
    await until("every model call of the resumed turn ended", async () => model.closedHangs - 1 === model.requests.length - asked);
    const detail = await ownerView(t, runId);
    assert.deepEqual([detail.status, commentsOf(detail)], ["STOPPED", ["Starting work on this now."]]);
    second.child.kill("SIGTERM");
    await exited(second.child);
    assert.deepEqual(gatewayProcesses(), [], "the bridge stopped its gateway");
  });
});

describe("npm start: the hub and the bridge with a managed gateway in one process (the README's main job)", { timeout: 300_000 }, () => {
  let model: ModelServer;
  let dir: string;
  const children: ChildProcess[] = [];
  before(async () => {
    model = await startModelServer(script);
    dir = tempDir("gc-start-");
    mkdirSync(join(dir, "workspace"));
    writeFileSync(join(dir, "openclaw.json"), JSON.stringify(openClawConfig(model.url, dir)));
  });
  after(async () => {
    killLeftovers(children, gatewayProcesses());
    await model?.close();
    rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
  });

  const data = () => join(dir, "data");
  /** `openclaw-groupchat start` as `npm start` runs it, with its output collected. */
  function start(): { child: ChildProcess; output: () => string; printed: (pattern: RegExp) => Promise<RegExpExecArray> } {
    const child = spawn(process.execPath, ["bin/openclaw-groupchat.mjs", "start", "--data", data(), "--port", "0", "--openclaw-config", join(dir, "openclaw.json")], {
      env: { PATH: process.env.PATH, HOME: dir, OPENCLAW_HOME: dir, TMPDIR: dir },
      stdio: ["ignore", "pipe", "pipe"],
    });
    children.push(child);
    let output = "";
    const waiters: Array<() => void> = [];
    const hear = (chunk: Buffer) => {
      output += chunk.toString();
      for (const waiter of waiters.splice(0)) waiter();
    };
    child.stdout!.on("data", hear);
    child.stderr!.on("data", hear);
    const printed = async (pattern: RegExp) => {
      for (;;) {
        const match = pattern.exec(output);
        if (match) return match;
        if (child.exitCode !== null) throw new Error(`start exited (${child.exitCode}) before printing ${pattern}:\n${output}`);
        await new Promise<void>((resolve) => waiters.push(resolve));
      }
    };
    return { child, output: () => output, printed };
  }
  const exited = (child: ChildProcess) =>
    child.exitCode !== null || child.signalCode !== null ? Promise.resolve([child.exitCode, child.signalCode]) : once(child, "exit");
  const gatewayProcesses = () => managedGatewayProcesses(join(data(), "bridge", "openclaw"));

  /** The gateway's processes still there 10 s after its bridge stopped (its workers may take a moment to exit). */
  async function gatewayGone(): Promise<number[]> {
    const deadline = Date.now() + 10_000;
    while (gatewayProcesses().length > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    return gatewayProcesses();
  }

  it("serves the hub, runs a delegated task on OpenClaw to FINISHED, and on SIGTERM stops everything it started (exit 0)", async () => {
    const s = start();
    const [, baseUrl] = await s.printed(/GroupChat hub: (\S+)/);
    await s.printed(/Delegate a task to "OpenClaw Bot"/);
    const creds = JSON.parse(readFileSync(join(data(), "credentials.json"), "utf8"));
    const owner = (method: string, path: string, body?: unknown) => request(`${baseUrl}/api/v1${path}`, {
      method, headers: { authorization: `Bearer ${creds.ownerToken}`, ...(body ? { "content-type": "application/json" } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const task = await owner("POST", "/tasks", { projectId: creds.projectId, title: "Build from npm start" });
    const run = await owner("POST", `/tasks/${task.body.id}/delegate`, { agentId: creds.agentId, prompt: "Build it please [tool]" });
    assert.equal(run.status, 201, JSON.stringify(run.body));
    const detail = await until("the run ended", async () => {
      const view = (await owner("GET", `/runs/${run.body.id}`)).body as RunDetail;
      return view.status !== "PENDING" && view.status !== "RUNNING" && view;
    });
    assert.equal(detail.status, "FINISHED", s.output());
    assert.deepEqual(runTransitions(detail), ["→PENDING", "PENDING→RUNNING", "RUNNING→FINISHED"]);
    assert.equal(commentsOf(detail).at(-1), "Built it: the build printed built-ok.");
    assert.ok(gatewayProcesses().length > 0, "the managed gateway runs");

    s.child.kill("SIGTERM");
    assert.deepEqual(await exited(s.child), [0, null], s.output());
    assert.deepEqual(await gatewayGone(), [], "the managed gateway stopped with it");
  });

  it("stopped by SIGTERM while it starts, it still stops what it started, the gateway included (exit 0)", async () => {
    const s = start();
    await s.printed(/GroupChat hub: /);
    s.child.kill("SIGTERM");
    assert.deepEqual(await exited(s.child), [0, null], s.output());
    assert.deepEqual(await gatewayGone(), [], s.output());
  });
});
