import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { AgentApiClient } from "../../src/sdk/client.ts";
import { AgentApiError } from "../../src/sdk/errors.ts";
import { RunSource } from "../../src/sdk/run-source.ts";
import { delegatedRun, startTestHub, type TestHub } from "../support/hub.ts";
import { commentsOf, ownerView, stopRun } from "./support/runs.ts";

const code = (expected: AgentApiError["code"], extra: (e: AgentApiError) => boolean = () => true) => (e: unknown) =>
  e instanceof AgentApiError && e.code === expected && extra(e);

describe("AgentApiClient against a real hub", () => {
  let t: TestHub;
  let client: AgentApiClient;
  before(async () => {
    t = await startTestHub();
    client = new AgentApiClient({ token: t.creds.agentToken, apiUrl: t.apiUrl });
  });
  after(() => t.close());

  it("me() reads the agent's profile", async () => {
    const me = await client.me();
    assert.equal(me.name, "OpenClaw Bot");
    assert.equal(typeof me.agentUserId, "string");
    assert.equal(typeof me.ownerId, "string");
    assert.equal(typeof me.ownerName, "string");
    assert.equal(typeof me.createdAt, "number");
  });

  it("runs() and tasks() list what was delegated, with our fields when present", async () => {
    const { runId, taskId } = await delegatedRun(t, "Listed task");
    const pending = await client.runs({ status: "PENDING", workspaceId: t.creds.workspaceId, limit: 10 });
    const run = pending.find((r) => r.id === runId);
    assert.ok(run);
    assert.equal(run.taskTitle, "Listed task");
    assert.equal(run.prompt, "Listed task\n\nIt crashes");
    assert.equal(run.status, "PENDING");
    assert.equal(run.taskId, taskId);
    const tasks = await client.tasks({ projectId: t.creds.projectId });
    assert.ok(tasks.some((task) => task.id === taskId && task.title === "Listed task"));
    await client.error(runId, { body: "Not for me" });
  });

  it("takes a run through start, run, comment, heartbeat and complete", async () => {
    const { runId, taskId } = await delegatedRun(t, "Full cycle");
    const started = await client.start(runId, "Starting work on this now.");
    assert.equal(started.status, "RUNNING");
    await assert.rejects(client.start(runId), code("conflict", (e) => e.runStatus === "RUNNING" && e.httpStatus === 409));

    const detail = await client.run(runId);
    assert.equal(detail.id, runId);
    assert.equal(detail.prompt, "Full cycle\n\nIt crashes");
    assert.equal(detail.lastFollowUpMessage, null);
    assert.equal(detail.task.id, taskId);
    assert.equal(detail.task.title, "Full cycle");
    assert.equal(detail.task.status, "doing");
    assert.equal(detail.owner?.id, t.creds.ownerId);
    assert.ok(detail.activity.some((a) => a.type === "comment" && a.body === "Starting work on this now."));

    const comment = await client.comment(runId, "Found it.");
    assert.equal(comment.body, "Found it.");
    assert.equal(await client.heartbeat(runId), true);
    const done = await client.complete(runId, { body: "Done!", stepCostUsd: 0.25 });
    assert.equal(done.status, "FINISHED");
    assert.equal(done.totalCostUsd, 0.25);
    await assert.rejects(client.comment(runId, "late"), code("conflict", (e) => e.runStatus === "FINISHED"));
    assert.deepEqual(commentsOf(await ownerView(t, runId)), ["Starting work on this now.", "Found it.", "Done!"]);
  });

  it("error() ends a running run with its message and costs", async () => {
    const { runId } = await delegatedRun(t, "Will fail");
    await client.start(runId);
    const ended = await client.error(runId, { body: "Build failed", totalCostUsd: 1 });
    assert.equal(ended.status, "ERROR");
    assert.equal(ended.totalCostUsd, 1);
  });

  it("sees a stopped run as a 409 conflict whose status is STOPPED, on every call", async () => {
    const { runId } = await delegatedRun(t, "Stopped");
    await client.start(runId);
    await stopRun(t, runId);
    for (const call of [() => client.comment(runId, "x"), () => client.heartbeat(runId), () => client.complete(runId, { body: "x" })]) {
      await assert.rejects(call(), code("conflict", (e) => e.runStatus === "STOPPED"));
    }
  });

  it("replays a POST sent twice with the same Idempotency-Key instead of doing it twice", async () => {
    const { runId } = await delegatedRun(t, "Idempotent");
    await client.start(runId);
    const first = await client.comment(runId, "Only once", { idempotencyKey: "key-1" });
    const second = await client.comment(runId, "Only once", { idempotencyKey: "key-1" });
    assert.equal(second.id, first.id);
    await assert.rejects(client.comment(runId, "Something else", { idempotencyKey: "key-1" }), code("bad_request", (e) => e.httpStatus === 422));
    assert.deepEqual(commentsOf(await ownerView(t, runId)).filter((b) => b === "Only once"), ["Only once"]);
    await client.complete(runId, { body: "ok" });
  });

  it("maps the hub's refusals to typed errors", async () => {
    const stranger = new AgentApiClient({ token: "gca_not_a_real_token", apiUrl: t.apiUrl });
    await assert.rejects(stranger.me(), code("unauthorized", (e) => e.httpStatus === 401));
    await assert.rejects(client.run("run_does_not_exist"), code("not_found"));
    const { runId } = await delegatedRun(t, "Bad input");
    await client.start(runId);
    await assert.rejects(client.comment(runId, "   "), code("bad_request", (e) => e.httpStatus === 400));
    await assert.rejects(client.comment(runId, "x".repeat(1_100_000)), code("bad_request", (e) => e.httpStatus === 413));
    await client.complete(runId, { body: "ok" });
  });

  it("follows no redirect: a 3xx (an http:// URL sent on to https://, say) is a bad_request naming where it points, not a 401", async () => {
    // Followed, a redirect to another origin drops the Authorization header (every call a 401, the token blamed)
    // and turns a POST into a GET.
    const redirector = createServer((req, res) => res.writeHead(301, { location: `${t.baseUrl}${req.url}` }).end());
    await new Promise<void>((resolve) => redirector.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = redirector.address() as AddressInfo;
      const redirected = new AgentApiClient({ token: t.creds.agentToken, apiUrl: `http://127.0.0.1:${port}/api/v1/agent` });
      const { runId } = await delegatedRun(t, "Behind a redirect");
      await client.start(runId);
      for (const [call, path] of [[() => redirected.me(), "/me"], [() => redirected.comment(runId, "Lost on the way"), `/runs/${runId}/comment`]] as const) {
        await assert.rejects(call(), (e: unknown) => {
          assert.ok(e instanceof AgentApiError);
          assert.equal(e.code, "bad_request");
          assert.equal(e.httpStatus, 301);
          assert.ok(e.message.includes(`redirected to ${t.apiUrl}${path}; the client follows no redirects, so set apiUrl to where it points`), e.message);
          return true;
        });
      }
      assert.deepEqual(commentsOf(await ownerView(t, runId)), []);
    } finally {
      redirector.closeAllConnections();
      redirector.close();
    }
  });

  it("refuses, unsent, an Idempotency-Key the API could not take, instead of reporting it as a network error and retrying", async () => {
    const { runId } = await delegatedRun(t, "Bad keys");
    await client.start(runId);
    for (const idempotencyKey of ["two words", "\u673a\u5668", "k".repeat(256), ""]) {
      await assert.rejects(client.comment(runId, "Never sent", { idempotencyKey }),
        code("bad_request", (e) => e.httpStatus === null && e.message.endsWith("not sent: an Idempotency-Key is 1 to 255 visible ASCII characters (no spaces)")));
    }
    assert.deepEqual(commentsOf(await ownerView(t, runId)), []);
    await client.comment(runId, "Sent", { idempotencyKey: "k".repeat(255) });
    assert.deepEqual(commentsOf(await ownerView(t, runId)), ["Sent"]);
  });

  it("refuses a token with whitespace (a line end read from a file) when made, instead of a 401 at every call that blames the token", () => {
    for (const token of [`${t.creds.agentToken}\n`, ` ${t.creds.agentToken}`]) {
      assert.throws(() => new AgentApiClient({ token, apiUrl: t.apiUrl }),
        new TypeError("AgentApiClient's token has whitespace in it (a line end read from a file?); an agent token has none"));
      assert.throws(() => new RunSource({ client, token }),
        new TypeError("RunSource's token has whitespace in it (a line end read from a file?); an agent token has none"));
    }
    assert.throws(() => new AgentApiClient({ token: "", apiUrl: t.apiUrl }), new TypeError("AgentApiClient needs a token"));
  });

  it("aborts a call when the caller's signal fires", async () => {
    await assert.rejects(client.me({ signal: AbortSignal.abort() }), code("aborted"));
  });

  it("reports a hub that is not there as a network error once the retries are spent", async () => {
    const nowhere = new AgentApiClient({ token: t.creds.agentToken, apiUrl: "http://127.0.0.1:1/api/v1/agent", retry: { maxAttempts: 2, baseDelayMs: 1 } });
    await assert.rejects(nowhere.me(), code("network"));
  });
});
