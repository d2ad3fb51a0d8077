import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import type { ConvexClient } from "convex/browser";
import { anyApi } from "convex/server";
import { resolveHubConfig } from "../../src/hub/config.ts";
import { createHub, type Hub } from "../../src/hub/hub.ts";
import { delegatedRun, startTestHub, type TestHub } from "../support/hub.ts";
import { ids, RawSync, Recorder, stockClient } from "./support.ts";

describe("a hub restart", () => {
  let t: TestHub | undefined;
  let second: Hub | undefined;
  let client: ConvexClient | undefined;
  after(async () => {
    await client?.close();
    await second?.close();
    await t?.close();
  });

  it("closes sockets with 1012, and the stock client reconnects on its own to the current list", async () => {
    t = await startTestHub();
    client = stockClient(t.baseUrl);
    const runs = new Recorder(client, anyApi.agentWebSocket!.pendingRuns!, { token: t.creds.agentToken });
    const before = await delegatedRun(t, "Before the restart");
    await runs.until((v) => ids(v).includes(before.runId));
    const raw = await RawSync.open(t.baseUrl);
    raw.connect();

    await t.hub.close();
    assert.deepEqual(await raw.closed, { code: 1012, reason: "ServiceRestart" });

    // Same data, same port: what an agent sees as a restart.
    const port = new URL(t.baseUrl).port;
    second = await createHub(resolveHubConfig({ data: t.dataDir, port, host: "127.0.0.1", logLevel: "silent", database: t.databaseFlag }, {}));
    await second.listen();
    assert.equal(second.credentials.agentToken, t.creds.agentToken);
    // fetch may first try a keep-alive socket of the old hub ("other side closed"): one retry.
    const afterRestart = await delegatedRun(t, "After the restart").catch(() => delegatedRun(t!, "After the restart"));

    const current = await runs.until((v) => ids(v).includes(afterRestart.runId));
    assert.deepEqual(ids(current), [before.runId, afterRestart.runId]);
    assert.ok(client.connectionState().connectionCount >= 2, "it reconnected");
    assert.equal(runs.errors.length, 0);
  });
});
