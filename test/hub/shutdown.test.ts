/**
 * The hub's HTTP side once close() began: a request that still reaches the router (one sent on
 * a kept-alive connection before the connections are ended) is refused like the hub's other 503s.
 */
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, it } from "node:test";
import { startTestHub } from "../support/hub.ts";

describe("a hub shutting down", () => {
  it("answers a request that reaches it after close() began with 503 { error }, Retry-After, and the connection closed", async () => {
    const t = await startTestHub();
    const app = t.hub.app;
    await t.close();
    // The closed app's own request handler, behind a server of the test's: the request arrives
    // as one on a kept-alive connection would, after close() began and before that connection ends.
    const late = createServer((req, res) => app.routing(req, res));
    await new Promise<void>((resolve) => late.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = late.address() as AddressInfo;
      for (const path of ["/api/v1/agent/me", "/api/v1/no-such-route"]) {
        const res = await fetch(`http://127.0.0.1:${port}${path}`, { headers: { authorization: `Bearer ${t.creds.agentToken}` } });
        assert.equal(res.status, 503, path);
        assert.deepEqual(await res.json(), { error: "The hub is shutting down; try again shortly" }, path);
        assert.equal(res.headers.get("retry-after"), "2", path);
        assert.equal(res.headers.get("connection"), "close", path);
      }
    } finally {
      late.closeAllConnections();
      await new Promise((resolve) => late.close(resolve));
    }
  });
});
