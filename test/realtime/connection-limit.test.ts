/**
 * --sync-max-connections: past it a new socket is accepted and closed with 1013
 * "TooManyConcurrentRequests" (the stock client backs off 3 s on that reason),
 * and the hub logs one warning per spell of refusals, not one per socket.
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import { connect } from "node:net";
import { after, before, describe, it } from "node:test";
import type { ConvexClient } from "convex/browser";
import { anyApi } from "convex/server";
import { Type } from "typebox";
import { ConnectionLimit } from "../../src/hub/realtime/connection-limit.ts";
import { startTestHub } from "../support/hub.ts";
import { QueryRegistry } from "../../src/hub/realtime/registry.ts";
import { eventually, listeningSync, RawSync, Recorder, stockClient, type ListeningSync } from "./support.ts";

describe("the connection limit", () => {
  it("serves sockets up to the limit, and warns once per spell of refusals, which ends once a tenth have closed", () => {
    const limit = new ConnectionLimit(20);
    assert.equal(limit.admit(19), "serve");
    assert.deepEqual([limit.admit(20), limit.admit(20)], ["refuse and warn", "refuse"]);
    limit.closed(19);
    assert.deepEqual([limit.admit(19), limit.admit(20)], ["serve", "refuse"], "churn at the limit is the same spell");
    limit.closed(18);
    assert.equal(limit.admit(20), "refuse and warn");
    const small = new ConnectionLimit(2);
    assert.equal(small.admit(2), "refuse and warn");
    small.closed(1);
    assert.equal(small.admit(2), "refuse and warn", "a tenth of a small limit is one socket");
  });
});

describe("a sync server at its connection limit", () => {
  const registry = new QueryRegistry()
    .define("demo:echo", { args: Type.Object({ i: Type.Number() }), evaluate: async (_ctx, { i }) => ({ value: i, keys: [] }) });
  const warnings: string[] = [];
  const log = { warn: (_details: object, message: string) => void warnings.push(message), error: () => {} };
  let listening: ListeningSync;
  const clients: ConvexClient[] = [];
  const served = async (i: number) => {
    const client = stockClient(listening.baseUrl);
    clients.push(client);
    const recorder = new Recorder(client, anyApi.demo!.echo!, { i });
    return { client, value: recorder.until(() => true) };
  };
  const refused = async () => {
    const raw = await RawSync.open(listening.baseUrl);
    return raw.closed;
  };

  before(async () => (listening = await listeningSync(registry, { maxConnections: 2, closeGraceMs: 200 }, { log })));
  after(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await listening.close();
  });

  it("refuses sockets past the limit with 1013 TooManyConcurrentRequests, warns once, and takes one again once a socket closes", async () => {
    const [first, second] = [await served(1), await served(2)];
    assert.deepEqual([await first.value, await second.value], [1, 2]);
    assert.deepEqual(await refused(), { code: 1013, reason: "TooManyConcurrentRequests" });
    // A stock client turned away backs off and tries again.
    const third = await served(3);
    assert.deepEqual(await refused(), { code: 1013, reason: "TooManyConcurrentRequests" });
    assert.equal(warnings.length, 1, "one warning for the spell");
    assert.match(warnings[0]!, /limit \(2, --sync-max-connections\)/);
    assert.equal(listening.sync.connections, 2);

    await first.client.close();
    await eventually(() => listening.sync.connections === 1, "the first socket closed at the server");
    assert.equal(await third.value, 3, "the turned-away client got in on a later try");
    assert.deepEqual(await refused(), { code: 1013, reason: "TooManyConcurrentRequests" });
    assert.equal(warnings.length, 2, "full again after sockets closed: a new spell, a new warning");
  });

  it("drops a turned-away peer that does not finish the close handshake", async () => {
    assert.equal(listening.sync.connections, 2, "still full");
    const { port } = new URL(listening.baseUrl);
    const socket = connect({ host: "127.0.0.1", port: Number(port) });
    socket.on("error", () => {});
    await once(socket, "connect");
    socket.write("GET /api/1.48.0/sync HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
    // It reads the 101 and the close frame, and never answers: the hub ends the connection itself (ws alone waits 30 s).
    const received: Buffer[] = [];
    socket.on("data", (chunk: Buffer) => received.push(chunk));
    const closed = once(socket, "close");
    const giveUp = new Promise<never>((_, reject) => setTimeout(() => reject(new Error("the hub kept the connection")), 15_000).unref());
    await Promise.race([closed, giveUp]);
    const text = Buffer.concat(received).toString("latin1");
    assert.match(text, /^HTTP\/1\.1 101 /);
    assert.match(text, /TooManyConcurrentRequests/);
  });
});

describe("the hub's --sync-max-connections", () => {
  it("bounds the sockets its real-time endpoint serves", async () => {
    const t = await startTestHub({ syncMaxConnections: "1" });
    try {
      const served = await RawSync.open(t.baseUrl);
      served.connect();
      served.send({ type: "ModifyQuerySet", baseVersion: 0, newVersion: 1, modifications: [] });
      assert.equal((await served.next()).type, "Transition");
      const refused = await RawSync.open(t.baseUrl);
      assert.deepEqual(await refused.closed, { code: 1013, reason: "TooManyConcurrentRequests" });
      await served.close();
    } finally {
      await t.close();
    }
  });
});
