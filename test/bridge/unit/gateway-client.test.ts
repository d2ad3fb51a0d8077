import assert from "node:assert/strict";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { WebSocketServer } from "ws";
import { GatewayClient } from "../../../src/bridge/gateway/client.ts";
import { FakeClock } from "../../sdk/support/fake-clock.ts";

/** A loopback gateway that, like one whose token is a paired device's, refuses operator.admin. */
function gatewayRefusingAdmin() {
  const scopesSeen: string[][] = [];
  const server = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  server.on("connection", (socket) => {
    socket.send(JSON.stringify({ type: "event", event: "connect.challenge", payload: { nonce: "n" } }));
    socket.on("message", (data) => {
      const frame = JSON.parse(String(data)) as { id: string; method: string; params: { scopes: string[] } };
      if (frame.method !== "connect") return;
      scopesSeen.push(frame.params.scopes);
      if (frame.params.scopes.includes("operator.admin")) {
        socket.send(JSON.stringify({ type: "res", id: frame.id, ok: false, error: { code: "FORBIDDEN", message: "missing scope: operator.admin" } }));
        return;
      }
      socket.send(JSON.stringify({ type: "res", id: frame.id, ok: true, payload: { type: "hello-ok", protocol: 4, server: { version: "test", bootId: "b1" } } }));
    });
  });
  return { server, scopesSeen, url: () => `ws://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

describe("the gateway client", () => {
  const gateway = gatewayRefusingAdmin();
  before(() => new Promise<void>((resolve) => gateway.server.once("listening", () => resolve())));
  after(() => new Promise<void>((resolve) => gateway.server.close(() => resolve())));

  it("connects without operator.admin to a gateway that refuses it", async () => {
    const client = new GatewayClient({ url: gateway.url(), token: "t", backoff: { baseDelayMs: 1, maxDelayMs: 5 } });
    try {
      const hello = await client.ready();
      assert.equal(hello.server.bootId, "b1");
      assert.deepEqual(gateway.scopesSeen, [
        ["operator.read", "operator.write", "operator.admin"],
        ["operator.read", "operator.write"],
      ]);
    } finally {
      await client.close();
    }
  });
  it("close() during the handshake returns, even when hello-ok arrives after it", async () => {
    const server = new WebSocketServer({ host: "127.0.0.1", port: 0 });
    await new Promise<void>((resolve) => server.once("listening", () => resolve()));
    let connectSeen: () => void = () => {};
    const seen = new Promise<void>((resolve) => (connectSeen = resolve));
    server.on("connection", (socket) => {
      socket.send(JSON.stringify({ type: "event", event: "connect.challenge", payload: { nonce: "n" } }));
      socket.on("message", (data) => {
        const frame = JSON.parse(String(data)) as { id: string; method: string };
        if (frame.method !== "connect") return;
        connectSeen();
        // The answer comes late: after the client was told to close.
        setTimeout(() => socket.send(JSON.stringify({ type: "res", id: frame.id, ok: true, payload: { type: "hello-ok", protocol: 4, server: { version: "test", bootId: "b2" } } })), 50);
      });
      socket.on("error", () => {});
    });
    const client = new GatewayClient({ url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}`, token: "t" });
    client.start();
    await seen;
    await client.close();
    assert.equal(client.state, "closed");
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it("close() is over in moments when the gateway never answers the close (hung, or out of reach), not after ws's 30 s", { timeout: 15_000 }, async () => {
    const server = new WebSocketServer({ host: "127.0.0.1", port: 0 });
    await new Promise<void>((resolve) => server.once("listening", () => resolve()));
    server.on("connection", (socket) => {
      socket.on("error", () => {});
      socket.send(JSON.stringify({ type: "event", event: "connect.challenge", payload: { nonce: "n" } }));
      socket.once("message", (data) => {
        const frame = JSON.parse(String(data)) as { id: string };
        socket.send(JSON.stringify({ type: "res", id: frame.id, ok: true, payload: { type: "hello-ok", protocol: 4, server: { version: "test", bootId: "b3" } } }));
        // Hung from here on: it reads nothing more, so the client's close frame is never answered.
        (socket as unknown as { _socket: { pause(): void } })._socket.pause();
      });
    });
    const clock = new FakeClock();
    const client = new GatewayClient({ url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}`, token: "t", clock });
    await client.ready();
    const closing = client.close();
    await clock.advance(5_000);
    await closing;
    assert.equal(client.state, "closed");
    for (const socket of server.clients) socket.terminate();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
});
