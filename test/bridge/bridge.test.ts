/**
 * The bridge against a real listening hub, with the stock convex client, and a
 * trivial executor in place of OpenClaw (the OpenClaw side is in
 * openclaw-e2e.test.ts): sharing work, API outages, restarts, metrics.
 */
import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it } from "node:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { TurnError } from "../../src/bridge/failure.ts";
import { runtimePaths } from "../../src/bridge/runtime.ts";
import { BridgeStartError, BridgeState } from "../../src/bridge/state.ts";
import type { Executor } from "../../src/sdk/index.ts";
import { delegatedRun, startTestHub, type TestHub } from "../support/hub.ts";
import { commentsOf, delegateMany, deferred, ownerView, runTransitions } from "../sdk/support/runs.ts";
import { tempDir } from "../support/temp.ts";
import { startTestBridge, type TestBridge } from "./support/bridge.ts";
import { startSwitchProxy, type SwitchProxy } from "./support/switch-proxy.ts";
import { countingWebSocket } from "../sdk/support/sockets.ts";
import type { ProxyRequest } from "../support/forward.ts";

/** Polls until `probe` is true; the test's timeout ends a wait that never comes true. */
async function until(probe: () => boolean | Promise<boolean>): Promise<void> {
  while (!(await probe())) await new Promise((resolve) => setTimeout(resolve, 20));
}

describe("the bridge against a real hub", { timeout: 300_000 }, () => {
  let t: TestHub;
  const bridges: TestBridge[] = [];
  const proxies: SwitchProxy[] = [];
  beforeEach(async () => (t = await startTestHub()));
  afterEach(async () => {
    for (const p of proxies) p.mode = "up";
    await Promise.all(bridges.splice(0).map((b) => b.stop()));
    await Promise.all(proxies.splice(0).map((p) => p.close()));
    await t.close();
  });

  it("two bridges on one token process each of 50 runs exactly once", async () => {
    const calls = new Map<string, number>();
    const executor: Executor = async (run, ctx) => {
      calls.set(run.id, (calls.get(run.id) ?? 0) + 1);
      ctx.progress(`Working on ${run.taskTitle}`);
      await new Promise((resolve) => setImmediate(resolve));
      return { summary: `Did ${run.taskTitle}`, stepCostUsd: 0.01 };
    };
    const a = await startTestBridge(t, { executor, flags: { concurrency: "8" } });
    const b = await startTestBridge(t, { executor, flags: { concurrency: "8" } });
    bridges.push(a, b);
    assert.notEqual(a.bridge.instanceId, b.bridge.instanceId);
    const runIds = await delegateMany(t, 50, "Shared");
    const finished = () => new Set([...a.ids("finished"), ...b.ids("finished")]);
    await until(() => runIds.every((id) => finished().has(id)));
    assert.deepEqual(runIds.map((id) => calls.get(id)), runIds.map(() => 1));
    assert.equal(a.ids("claimed").length + b.ids("claimed").length, 50);
    for (const id of runIds) {
      const detail = await ownerView(t, id);
      assert.equal(detail.status, "FINISHED");
      assert.deepEqual(runTransitions(detail), ["→PENDING", "PENDING→RUNNING", "RUNNING→FINISHED"]);
      assert.deepEqual(commentsOf(detail), ["Starting work on this now.", `Working on ${detail.taskTitle}`, `Did ${detail.taskTitle}`]);
    }
  });

  it("the API failing for a while loses nothing and doubles nothing", async () => {
    const proxy = await startSwitchProxy(t.baseUrl, "/api/v1/agent");
    proxies.push(proxy);
    const release = deferred();
    const executor: Executor = async (run, ctx) => {
      ctx.progress("step one");
      await release.promise;
      ctx.progress("step two");
      return { summary: `Done: ${run.taskTitle}` };
    };
    const b = await startTestBridge(t, { executor, apiUrl: proxy.url, flags: { concurrency: "20" } });
    bridges.push(b);
    const early = await delegateMany(t, 5, "Early");
    await until(() => early.every((id) => b.ids("claimed").includes(id)));

    // The API goes away: progress, results and new claims all fail for a while.
    proxy.mode = "drop";
    const late = await delegateMany(t, 5, "Late");
    release.resolve();
    await until(() => proxy.failed >= 30);
    proxy.mode = "503";
    await until(() => proxy.failed >= 60);
    // It answers again, but the first answers are lost after the hub did the work.
    proxy.mode = "lost-answer";
    await until(() => proxy.failed >= 70);
    proxy.mode = "up";

    await until(() => [...early, ...late].every((id) => b.ids("finished").includes(id)));
    for (const id of [...early, ...late]) {
      const detail = await ownerView(t, id);
      assert.equal(detail.status, "FINISHED");
      assert.deepEqual(runTransitions(detail), ["→PENDING", "PENDING→RUNNING", "RUNNING→FINISHED"]);
      assert.deepEqual(commentsOf(detail), ["Starting work on this now.", "step one", "step two", `Done: ${detail.taskTitle}`]);
    }
  });

  it("a restart delivers what the outbox still held, once", async () => {
    const proxy = await startSwitchProxy(t.baseUrl, "/api/v1/agent");
    proxies.push(proxy);
    const first = await startTestBridge(t, {
      apiUrl: proxy.url, realtime: false,
      executor: async (run) => {
        proxy.mode = "503"; // the API fails just as the result is ready
        return { summary: `Result of ${run.taskTitle}`, stepCostUsd: 0.25 };
      },
    });
    const [runId] = await delegateMany(t, 1, "Outage");
    await until(() => proxy.failed >= 3);
    await first.stop();
    assert.equal((await ownerView(t, runId!)).status, "RUNNING");

    proxy.mode = "up";
    const calls: string[] = [];
    const second = await startTestBridge(t, {
      apiUrl: proxy.url, realtime: false, stateFile: first.stateFile,
      executor: async (run) => (calls.push(run.id), { summary: "should not run" }),
    });
    bridges.push(second);
    assert.equal(second.bridge.instanceId, first.bridge.instanceId);
    await until(async () => (await ownerView(t, runId!)).status === "FINISHED");
    const detail = await ownerView(t, runId!);
    assert.deepEqual(commentsOf(detail), ["Starting work on this now.", "Result of Outage 1"]);
    assert.equal(detail.stepCostUsd, 0.25);
    assert.deepEqual(calls, [], "the run's work was not done again");
  });

  it("lets go of runs deleted while the bridge was down instead of taking them back at every start", async () => {
    // A bridge had claimed one run and was claiming another (its state file says so), then went down;
    // meanwhile the owner stopped both and deleted their tasks.
    const stateFile = join(tempDir("gc-bridge-"), "bridge.sqlite");
    const before = new BridgeState(stateFile);
    const instanceId = before.instanceId();
    const claimed = await delegatedRun(t, "Claimed, then deleted");
    const claiming = await delegatedRun(t, "Claiming, then deleted");
    before.claiming(claiming.runId, "Starting work on this now.");
    before.claiming(claimed.runId, "Starting work on this now.");
    const start = await t.agent(t.creds.agentToken, "POST", `/runs/${claimed.runId}/start`, { body: "Starting work on this now." }, { "idempotency-key": `${instanceId}:start:${claimed.runId}` });
    assert.equal(start.status, 200);
    before.claimed(claimed.runId);
    before.close();
    for (const { taskId, runId } of [claimed, claiming]) {
      assert.equal((await t.owner(t.creds.ownerToken, "POST", `/runs/${runId}/stop`)).status, 200);
      assert.equal((await t.owner(t.creds.ownerToken, "DELETE", `/tasks/${taskId}`)).status, 204);
    }

    const b = await startTestBridge(t, { stateFile, realtime: false, executor: async () => ({ summary: "never" }) });
    const heardOf = (runId: string) => (["skipped", "stopped", "error"] as const).some((type) => b.ids(type).includes(runId));
    await b.events.until(() => heardOf(claimed.runId) && heardOf(claiming.runId));
    await b.stop();
    const after = new BridgeState(stateFile);
    try {
      assert.deepEqual(after.runs().map((run) => run.runId), [], "the next start would take them back again");
    } finally {
      after.close();
    }
    assert.deepEqual(b.ids("error"), []);
  });

  it("a run stopped while its claim is being retried leaves no note in the state file, and frees its slot", async () => {
    // The Agent API fails (the real-time subscription, straight to the hub, still tells of runs and stops).
    const proxy = await startSwitchProxy(t.baseUrl, "/api/v1/agent");
    proxies.push(proxy);
    proxy.mode = "503";
    const b = await startTestBridge(t, { apiUrl: proxy.url, executor: async () => ({ summary: "never" }) });
    bridges.push(b);
    const { runId } = await delegatedRun(t, "Stopped while claiming");
    await until(() => b.events.events.filter((e) => e.type === "error" && e.runId === runId).length >= 2);
    assert.equal((await t.owner(t.creds.ownerToken, "POST", `/runs/${runId}/stop`)).status, 200);
    await until(() => b.ids("stopped").includes(runId) && b.bridge.status().inFlight === 0);
    await b.stop();
    const after = new BridgeState(b.stateFile);
    try {
      assert.deepEqual(after.runs().map((run) => run.runId), [], "the next start would claim a stopped run again");
    } finally {
      after.close();
    }
  });

  it("leaves a run whose claim the API refuses (403, 422): the worker says refused and does not ask again, the bridge forgets its note", async () => {
    const proxy = await startSwitchProxy(t.baseUrl, "/api/v1/agent");
    proxies.push(proxy);
    const forbidden = await delegatedRun(t, "Not for this agent");
    const invalid = await delegatedRun(t, "Refused as unprocessable");
    const startOf = (runId: string) => (request: ProxyRequest) => request.method === "POST" && request.path.endsWith(`/runs/${runId}/start`);
    proxy.forward.answer(403, Number.POSITIVE_INFINITY, startOf(forbidden.runId));
    proxy.forward.answer(422, Number.POSITIVE_INFINITY, startOf(invalid.runId));
    const b = await startTestBridge(t, { apiUrl: proxy.url, realtime: false, executor: async () => ({ summary: "never" }) });
    bridges.push(b);
    await b.events.until(() => b.ids("refused").length === 2);
    // The runs stay PENDING, so polls keep listing them: a few more, and no claim was sent again.
    const polls = () => proxy.forward.log.filter((line) => line.includes("status=PENDING")).length;
    const seen = polls();
    await until(() => polls() >= seen + 3);
    await b.stop();
    const refused = b.events.events.flatMap((e) => (e.type === "refused" ? [[e.runId, e.status]] : []));
    assert.deepEqual(refused.sort(), [[forbidden.runId, 403], [invalid.runId, 422]].sort());
    assert.equal(proxy.forward.log.filter((line) => line.includes("/start ")).length, 2, "each claim sent once");
    const said = b.logs.map((line) => JSON.parse(line) as { msg: string; runId?: string; status?: number }).filter((line) => line.msg.includes("refused to let this agent claim"));
    assert.deepEqual(said.map((line) => [line.runId, line.status]).sort(), refused.sort());
    const after = new BridgeState(b.stateFile);
    try {
      assert.deepEqual(after.runs().map((run) => run.runId), [], "the next start would claim them again");
    } finally {
      after.close();
    }
    for (const { runId } of [forbidden, invalid]) assert.equal((await ownerView(t, runId)).status, "PENDING");
  });

  it("takes back a claim an earlier start sent with another start comment, instead of stranding it on a 422", async () => {
    // A bridge sent the claim with the comment of its version, then went down before it heard back; the
    // bridge started next would say something else, and the API refuses a key it knows with another body.
    const stateFile = join(tempDir("gc-bridge-"), "bridge.sqlite");
    const before = new BridgeState(stateFile);
    const instanceId = before.instanceId();
    const { runId } = await delegatedRun(t, "Claimed by an older version");
    before.claiming(runId, "On it (an older default).");
    const start = await t.agent(t.creds.agentToken, "POST", `/runs/${runId}/start`, { body: "On it (an older default)." }, { "idempotency-key": `${instanceId}:start:${runId}` });
    assert.equal(start.status, 200);
    before.close();

    const b = await startTestBridge(t, { stateFile, realtime: false, executor: async () => ({ summary: "Done after the restart" }) });
    bridges.push(b);
    await b.events.until(() => b.ids("finished").includes(runId) || b.ids("error").includes(runId));
    const detail = await ownerView(t, runId);
    assert.equal(detail.status, "FINISHED");
    assert.deepEqual(commentsOf(detail), ["On it (an older default).", "Done after the restart"]);
    assert.deepEqual(b.ids("error"), []);
  });

  it("logs once, as an error naming the mistake, a GROUPCHAT_CONVEX_URL set to the API URL, and takes runs by polling", async () => {
    const sockets = countingWebSocket();
    const b = await startTestBridge(t, {
      realtime: false, flags: { "convex-url": t.apiUrl }, deps: { webSocketConstructor: sockets.WebSocket },
      executor: async () => ({ summary: "Polled" }),
    });
    bridges.push(b);
    const said = () => b.logs.map((line) => JSON.parse(line) as { level: string; msg: string; status?: number }).filter((line) => /GROUPCHAT_CONVEX_URL/.test(line.msg));
    // The stock client tries again and again (1 s, 2 s, 4 s… apart): by its fifth try the bridge has long said it.
    await until(() => said().length > 0 || sockets.opened >= 5);
    const { runId } = await delegatedRun(t, "Polled, the real-time URL being wrong");
    await until(() => b.ids("finished").includes(runId));
    const after = sockets.opened;
    await until(() => sockets.opened >= after + 1);
    assert.deepEqual(said().map((line) => [line.level, line.status]), [["error", 404]]);
    assert.match(said()[0]!.msg, /is not a real-time sync endpoint: .* HTTP 404 .* It looks like the Agent API's URL \(GROUPCHAT_API_URL\); the real-time URL has no path/);
  });

  it("stops by itself and says why when its token is refused (rotated under it), holding what it could not deliver", async () => {
    const b = await startTestBridge(t, { executor: async () => ({ summary: "never" }) });
    bridges.push(b);
    await until(() => b.bridge.status().realtime);
    const rotated = await t.owner(t.creds.ownerToken, "POST", `/agents/${t.creds.agentId}/token`, {});
    assert.equal(rotated.status, 201);
    const why = await b.bridge.halted;
    assert.match(String(why), /GroupChat refused the agent token/);
    const said = b.logs.map((line) => JSON.parse(line) as { level: string; msg: string }).filter((line) => line.level === "error");
    assert.deepEqual(said.map((line) => line.msg), [why.message]);
    assert.equal(b.bridge.stop(), b.bridge.stop(), "it is stopping (or stopped) already");
    await b.bridge.stop();
  });

  it("a token rotated mid-run: said once, nothing more asked of GroupChat with it, and a start with the new token delivers the held comment and completion once", async () => {
    const proxy = await startSwitchProxy(t.baseUrl, "/api/v1/agent");
    proxies.push(proxy);
    const refusedSaid = deferred<void>();
    let executed = 0;
    const b = await startTestBridge(t, {
      apiUrl: proxy.url, realtime: false, heartbeatIntervalMs: 10,
      executor: async (_run, { progress }) => {
        executed++;
        await refusedSaid.promise;
        progress("Half-way");
        return { summary: "Done" };
      },
    });
    bridges.push(b);
    const [runId] = await delegateMany(t, 1, "Rotated under it");
    await until(() => executed === 1);
    const rotated = await t.owner(t.creds.ownerToken, "POST", `/agents/${t.creds.agentId}/token`, {});
    assert.equal(rotated.status, 201);
    const lines = () => b.logs.map((line) => JSON.parse(line) as { level: string; msg: string; error?: string });
    await until(() => lines().some((line) => line.level === "error"));
    // Long enough for the old bridge to poll (every 50 ms) and beat (every 10 ms) dozens of times, each refused.
    await new Promise((resolve) => setTimeout(resolve, 500));
    refusedSaid.resolve();
    const why = await b.bridge.halted;
    const refused = proxy.forward.log.filter((entry) => entry.endsWith("→ 401"));
    // What was in flight when the first refusal came, at most: the two polls, a heartbeat, a comment.
    assert.ok(refused.length <= 4, refused.join("\n"));
    assert.deepEqual(lines().filter((line) => line.level === "error" || line.level === "warn").map((line) => [line.level, line.msg]), [["error", why.message]]);
    assert.equal((await ownerView(t, runId!)).status, "RUNNING");

    const again = await startTestBridge(t, { token: rotated.body.token as string, stateFile: b.stateFile, executor: async () => ({ summary: "never" }) });
    bridges.push(again);
    await until(async () => (await ownerView(t, runId!)).status !== "RUNNING");
    const detail = await ownerView(t, runId!);
    assert.deepEqual([detail.status, commentsOf(detail)], ["FINISHED", ["Starting work on this now.", "Half-way", "Done"]], again.logs.join("\n"));
    assert.equal(executed, 1);
  });

  it("a run claimed just before its token was refused is taken back by the next start and done, not ended with an error", async () => {
    const proxy = await startSwitchProxy(t.baseUrl, "/api/v1/agent");
    proxies.push(proxy);
    // The claim gets through; the run's read, right after it, is refused for the token.
    proxy.forward.answer(401, 1, (request) => request.method === "GET" && /\/runs\/run_[^/?]+$/.test(request.path));
    const b = await startTestBridge(t, { apiUrl: proxy.url, realtime: false, executor: async () => ({ summary: "never" }) });
    bridges.push(b);
    const [runId] = await delegateMany(t, 1, "Claimed, then refused");
    // It halts (what an older bridge did instead: end the run with "Could not read the run", which the next start delivered).
    let halted = false;
    void b.bridge.halted.then(() => (halted = true));
    const ended = async () => !["PENDING", "RUNNING"].includes((await ownerView(t, runId!)).status);
    await until(async () => halted || (await ended()));
    await b.stop();
    const again = await startTestBridge(t, { stateFile: b.stateFile, executor: async (run) => ({ summary: `Done ${run.taskTitle}` }) });
    bridges.push(again);
    await until(ended);
    const detail = await ownerView(t, runId!);
    assert.deepEqual([detail.status, commentsOf(detail)], ["FINISHED", ["Starting work on this now.", "Done Claimed, then refused 1"]]);
  });

  it("stops by itself when its agent is deleted under it, and says a deleted agent's token is refused too", async () => {
    const b = await startTestBridge(t, { executor: async () => ({ summary: "never" }) });
    bridges.push(b);
    await until(() => b.bridge.status().realtime);
    assert.equal((await t.owner(t.creds.ownerToken, "DELETE", `/agents/${t.creds.agentId}`)).status, 204);
    const why = await b.bridge.halted;
    // Not only "rotated or revoked": there is no current token of a deleted agent to set.
    assert.match(why.message, /GroupChat refused the agent token \(rotated or revoked, or the agent deleted\?\)\. Set GROUPCHAT_AGENT_TOKEN to the agent's current token \(a new agent's, if it was deleted\)/);
    await b.bridge.stop();
  });

  it("says once that heartbeats are paused when the API refuses them, and once that they are back when a probe gets through", async () => {
    const proxy = await startSwitchProxy(t.baseUrl, "/api/v1/agent");
    proxies.push(proxy);
    proxy.forward.answer(405, 1, (request) => request.path.endsWith("/heartbeat"));
    const said = (b: TestBridge) => b.logs.map((line) => JSON.parse(line) as { msg: string }).map((line) => line.msg).filter((msg) => /heartbeat/i.test(msg));
    // The run works until the bridge said both (the executor runs once `b` is set: after the delegation below).
    const b: TestBridge = await startTestBridge(t, {
      apiUrl: proxy.url, heartbeatIntervalMs: 10, deps: { heartbeatProbeMs: 20 },
      executor: async () => {
        while (said(b).length < 2) await new Promise((resolve) => setTimeout(resolve, 10));
        return { summary: "Done" };
      },
    });
    bridges.push(b);
    const [runId] = await delegateMany(t, 1, "Long job");
    await until(() => b.ids("finished").includes(runId!));
    assert.deepEqual(said(b), [
      "GroupChat has no heartbeat endpoint: heartbeats paused (tried again now and then)",
      "GroupChat takes heartbeats again: leases are renewed",
    ]);
  });

  it("a second bridge on a state file a running one holds is refused, and the first goes on", async () => {
    const first = await startTestBridge(t, { executor: async (run) => ({ summary: `Done ${run.taskTitle}` }) });
    bridges.push(first);
    await assert.rejects(startTestBridge(t, { stateFile: first.stateFile, executor: async () => ({ summary: "never" }) }), BridgeStartError);
    const [runId] = await delegateMany(t, 1, "Still served");
    await until(async () => (await ownerView(t, runId!)).status === "FINISHED");
  });

  it("on shutdown, a run that outlives the grace period ends with an error that says to follow up", async () => {
    const started = deferred();
    const b = await startTestBridge(t, {
      executor: (_run, ctx) => new Promise((_resolve, reject) => {
        started.resolve();
        ctx.signal.addEventListener("abort", () => reject(ctx.signal.reason), { once: true });
      }),
    });
    const [runId] = await delegateMany(t, 1, "Endless");
    await started.promise;
    await b.stop(50);
    const detail = await ownerView(t, runId!);
    assert.equal(detail.status, "ERROR");
    assert.match(commentsOf(detail).at(-1)!, /shut down before it finished.*follow-up/);
  });

  it("a run failing on its model says where to set one when OpenClaw's config names none (OpenClaw's own CLI asked), and points at the provider when it names one", {
    skip: !runtimePaths().installed && "OpenClaw is not installed under runtime/",
  }, async () => {
    const dir = tempDir("gc-model-");
    const config = join(dir, "openclaw.json");
    writeFileSync(config, "{ agents: { defaults: { skipBootstrap: true } } }  // JSON5, as users write it\n");
    const b = await startTestBridge(t, {
      flags: { "openclaw-config": config },
      env: { PATH: process.env.PATH, HOME: dir, OPENCLAW_HOME: dir, TMPDIR: dir },
      // Asked afresh for each failure; and a CLI slowed by a busy machine must not drop the hint under test.
      deps: { modelCheck: { ttlMs: 0, timeoutMs: 120_000 } },
      executor: async () => {
        throw new TurnError("model", "No API key found for provider \"anthropic\"");
      },
    });
    bridges.push(b);
    const failed = async (title: string) => {
      const [runId] = await delegateMany(t, 1, title);
      await until(() => b.ids("failed").includes(runId!));
      const detail = await ownerView(t, runId!);
      assert.equal(detail.status, "ERROR");
      return commentsOf(detail).at(-1)!;
    };
    assert.equal(await failed("No model yet"), "OpenClaw could not get an answer from its model: No API key found for provider \"anthropic\". "
      + `No model is set: set agents.defaults.model.primary in ${config} (see the README's "OpenClaw's model"), then send a follow-up.`);
    writeFileSync(config, JSON.stringify({ agents: { defaults: { skipBootstrap: true, model: { primary: "anthropic/claude-sonnet-4-6" } } } }));
    assert.match(await failed("A model now"), /from its model: No API key found for provider "anthropic"\. Check the model provider in the OpenClaw configuration/);
  });

  it("serves Prometheus metrics: runs by outcome, pickup latency, executor time, outbox depth", async () => {
    const b = await startTestBridge(t, {
      executor: async (run) => {
        if (run.taskTitle.endsWith("2")) throw new Error("broken");
        return { summary: "ok" };
      },
    });
    bridges.push(b);
    const runIds = await delegateMany(t, 3, "Metric");
    await until(() => b.ids("finished").length + b.ids("failed").length === 3);
    const text = await (await fetch(b.bridge.metricsUrl!)).text();
    assert.match(text, /groupchat_bridge_runs_total\{outcome="finished"\} 2/);
    assert.match(text, /groupchat_bridge_runs_total\{outcome="failed"\} 1/);
    assert.match(text, /groupchat_bridge_pickup_latency_seconds_count 3/);
    assert.match(text, /groupchat_bridge_executor_seconds_count 3/);
    assert.match(text, /groupchat_bridge_outbox_depth 0/);
    assert.match(text, /groupchat_bridge_connected\{link="realtime"\} 1/);
    assert.equal(runIds.length, 3);
    // The failure's message is the actionable one; the token never reaches the logs.
    assert.ok(!b.logs.join("\n").includes(t.creds.agentToken));
  });
});
