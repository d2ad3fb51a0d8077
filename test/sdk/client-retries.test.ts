import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { AgentApiClient } from "../../src/sdk/client.ts";
import { AgentApiError } from "../../src/sdk/errors.ts";
import { delegatedRun, startTestHub, type TestHub } from "../support/hub.ts";
import { startFlakyProxy, type FlakyProxy } from "./support/flaky-proxy.ts";
import { commentsOf, ownerView, runTransitions } from "./support/runs.ts";

describe("AgentApiClient retries through a flaky proxy", () => {
  let t: TestHub;
  let proxy: FlakyProxy;
  let client: AgentApiClient;
  const retried: string[] = [];
  before(async () => {
    t = await startTestHub();
    proxy = await startFlakyProxy(t.baseUrl, "/api/v1/agent");
    client = new AgentApiClient({
      token: t.creds.agentToken, apiUrl: proxy.url, retry: { maxAttempts: 8, baseDelayMs: 5, maxDelayMs: 20 },
      onRetry: ({ what, error }) => retried.push(`${what}: ${(error as AgentApiError).code}`),
    });
  });
  after(async () => {
    await proxy.close();
    await t.close();
  });

  it("posts a comment exactly once through 503, 429 (Retry-After), a dropped connection and a lost answer", async () => {
    const { runId } = await delegatedRun(t, "Flaky comment");
    await client.start(runId);
    proxy.faults.push("lost-answer", "503", "429", "drop", "lost-answer");
    retried.length = 0;
    const comment = await client.comment(runId, "Progress that must not double");
    assert.equal(comment.body, "Progress that must not double");
    assert.deepEqual(retried.map((r) => r.split(": ")[1]), ["network", "server", "rate_limited", "network", "network"]);
    const detail = await ownerView(t, runId);
    assert.deepEqual(commentsOf(detail).filter((b) => b === "Progress that must not double"), ["Progress that must not double"]);
    await client.complete(runId, { body: "ok" });
  });

  it("starts and completes a run exactly once when every answer is lost the first time", async () => {
    const { runId } = await delegatedRun(t, "Flaky lifecycle");
    proxy.faults.push("lost-answer");
    assert.equal((await client.start(runId, "On it")).status, "RUNNING");
    proxy.faults.push("lost-answer", "lost-answer");
    assert.equal((await client.complete(runId, { body: "All done", stepCostUsd: 0.1 })).status, "FINISHED");
    const detail = await ownerView(t, runId);
    assert.deepEqual(runTransitions(detail), ["→PENDING", "PENDING→RUNNING", "RUNNING→FINISHED"]);
    assert.deepEqual(commentsOf(detail), ["On it", "All done"]);
    assert.equal(detail.totalCostUsd, 0.1);
  });

  it("retries reads too, and gives up with the last error once maxAttempts are spent", async () => {
    proxy.faults.push("503", "drop");
    assert.equal((await client.me()).name, "OpenClaw Bot");
    proxy.faults.push("503", "503", "503");
    const impatient = new AgentApiClient({ token: t.creds.agentToken, apiUrl: proxy.url, retry: { maxAttempts: 3, baseDelayMs: 1 } });
    await assert.rejects(impatient.me(), (e: unknown) => e instanceof AgentApiError && e.code === "server" && e.httpStatus === 503);
    assert.deepEqual(proxy.faults, []);
  });

  it("does not retry a 409: it is an answer", async () => {
    const { runId } = await delegatedRun(t, "Conflict");
    await client.start(runId);
    const before = proxy.log.length;
    await assert.rejects(client.start(runId), (e: unknown) => e instanceof AgentApiError && e.code === "conflict");
    assert.equal(proxy.log.length - before, 1);
    await client.complete(runId, { body: "ok" });
  });
});
