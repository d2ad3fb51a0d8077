/**
 * --trust-proxy: behind a reverse proxy on this host every client reaches the hub from loopback, which
 * --sync-max-connections-per-ip does not hold; the proxy's X-Forwarded-For names the client, and the hub believes it
 * only from a peer it trusts. Untrusted, the header is anyone's to send, so it is ignored.
 */
import assert from "node:assert/strict";
import { after, afterEach, describe, it } from "node:test";
import { eventually, RawSync } from "../realtime/support.ts";
import { png } from "../bridge/support/image-server.ts";
import { request, startTestHub, type TestHub } from "../support/hub.ts";
import { CSRF, loginCode, redeem } from "../web/support/session.ts";

const FULL = { code: 1013, reason: "TooManyConcurrentRequests" };

describe("the hub's --trust-proxy", () => {
  let t: TestHub | null = null;
  const sockets: RawSync[] = [];
  afterEach(async () => {
    await Promise.all(sockets.splice(0).map((s) => s.close()));
    await t?.close();
    t = null;
  });
  after(() => t?.close());

  /** A socket from loopback whose upgrade carries `forwardedFor` (none: this host's own, the bridge's say): how it ended, or its first answer. */
  const socket = async (hub: TestHub, forwardedFor?: string) => {
    const raw = await RawSync.open(hub.baseUrl, undefined, { headers: forwardedFor === undefined ? {} : { "x-forwarded-for": forwardedFor } });
    sockets.push(raw);
    raw.connect();
    raw.send({ type: "ModifyQuerySet", baseVersion: 0, newVersion: 1,
      modifications: [{ type: "Add", queryId: 0, udfPath: "agentWebSocket:pendingRuns", args: [{ token: hub.creds.agentToken }] }] });
    const ending = await Promise.race([raw.closed, raw.next()]);
    return "code" in ending ? ending : "served";
  };
  const cookieAttributes = async (hub: TestHub, forwardedProto: string) => {
    const res = await redeem(hub, await loginCode(hub), { ...CSRF, "x-forwarded-proto": forwardedProto });
    assert.equal(res.status, 200);
    return res.headers.get("set-cookie")!.split(";").slice(1).map((part) => part.trim());
  };
  /** Where an upload sent through a proxy that says the client reached it at https://hub.example.com says it is served. */
  const uploadOrigin = async (hub: TestHub) => {
    const res = await request(`${hub.baseUrl}/api/v1/uploads?workspaceId=${hub.creds.workspaceId}`, {
      method: "POST", body: png() as BodyInit,
      headers: { "content-type": "image/png", authorization: `Bearer ${hub.creds.ownerToken}`, "x-forwarded-proto": "https", "x-forwarded-host": "hub.example.com" },
    });
    assert.equal(res.status, 201);
    return new URL(res.body.url).origin;
  };

  it("holds each client a trusted proxy forwards to --sync-max-connections-per-ip, by the address the proxy added", async () => {
    t = await startTestHub({ trustProxy: "loopback", syncMaxConnectionsPerIp: "2" });
    assert.equal(await socket(t, "203.0.113.7"), "served");
    assert.equal(await socket(t, "203.0.113.7"), "served");
    assert.deepEqual(await socket(t, "203.0.113.7"), FULL);
    // A client that sends its own X-Forwarded-For: the proxy appends the address it saw, and that one counts.
    assert.deepEqual(await socket(t, "198.51.100.1, 203.0.113.7"), FULL);
    assert.equal(await socket(t, "203.0.113.8"), "served");
    // This host's own sockets (no header: the bridge, a local browser) are still not held to it.
    for (let i = 0; i < 3; i++) assert.equal(await socket(t), "served");
    await sockets[0]!.close();
    await eventually(() => t!.hub.realtime.connections === 5, "the first socket closed at the hub");
    assert.equal(await socket(t, "203.0.113.7"), "served");
  });

  it("reads X-Forwarded-Proto and -Host from a trusted proxy: a Secure cookie over its https, uploads' URLs at its address", async () => {
    t = await startTestHub({ trustProxy: "127.0.0.1" });
    assert.ok((await cookieAttributes(t, "https")).includes("Secure"));
    assert.ok(!(await cookieAttributes(t, "http")).includes("Secure"));
    assert.equal(await uploadOrigin(t), "https://hub.example.com");
  });

  for (const [label, trustProxy] of [["off (the default)", undefined], ["naming other proxies than the peer", "10.0.0.0/8"]] as const) {
    it(`${label}, ignores X-Forwarded-For and X-Forwarded-Proto, which any client could send`, async () => {
      t = await startTestHub({ syncMaxConnectionsPerIp: "2", ...(trustProxy ? { trustProxy } : {}) });
      // The peer is loopback, not held to the bound, whatever the header claims.
      for (let i = 0; i < 3; i++) assert.equal(await socket(t, "203.0.113.7"), "served");
      assert.ok(!(await cookieAttributes(t, "https")).includes("Secure"));
      assert.equal(await uploadOrigin(t), t.baseUrl);
    });
  }
});
