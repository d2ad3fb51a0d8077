import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import type { ConvexClient } from "convex/browser";
import { anyApi } from "convex/server";
import { Type } from "typebox";
import { ChangeFeed, emptyChangeSet } from "../../src/hub/changes.ts";
import type { Database } from "../../src/hub/db/port.ts";
import { QueryRegistry } from "../../src/hub/realtime/registry.ts";
import { SyncServer } from "../../src/hub/realtime/sync-server.ts";
import { RawSync, Recorder, stockClient, type Frame } from "./support.ts";

const MB = 1024 * 1024;

/** Big results and clients that read slowly, on a sync server whose keepalive stays out of the way. */
describe("the sync server with big results and slow readers", () => {
  const feed = new ChangeFeed();
  let version = 0;
  let largeRuns = 0;
  const registry = new QueryRegistry()
    // Each version is 2 MiB: a few unread ones fill the kernel's socket buffers.
    .define("demo:big", { args: Type.Object({}), evaluate: async () => ({ value: { version, pad: "x".repeat(2 * MB) }, keys: ["agent:big"] }) })
    // Bigger than what the kernel's socket buffers take in on loopback: one unread copy leaves megabytes waiting in the hub.
    .define("demo:large", { args: Type.Object({}), evaluate: async () => ({ value: { run: ++largeRuns, pad: "z".repeat(24 * MB) }, keys: ["agent:large"] }) })
    .define("demo:small", { args: Type.Object({}), evaluate: async () => ({ value: "small", keys: [] }) })
    // Over the `ws` client's default maxPayload (100 MiB), which the stock client on Node uses.
    .define("demo:huge", { args: Type.Object({}), evaluate: async () => ({ value: "y".repeat(101 * MB), keys: [] }) });
  let server: Server;
  let sync: SyncServer;
  let baseUrl: string;
  const clients: ConvexClient[] = [];

  before(async () => {
    server = createServer((_request, response) => response.writeHead(404).end());
    sync = new SyncServer({ db: {} as Database, feed, registry }, { pingIntervalMs: 600_000 });
    sync.attach(server);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await sync.close();
    await new Promise((resolve) => server.close(resolve));
  });

  it("keeps a client that reads slowly and sends it the newest result once it catches up", async () => {
    const raw = await RawSync.open(baseUrl);
    raw.connect();
    raw.send({ type: "ModifyQuerySet", baseVersion: 0, newVersion: 1, modifications: [{ type: "Add", queryId: 0, udfPath: "demo:big", args: [{}] }] });
    assert.equal((await raw.next()).modifications[0].value.version, 0);

    raw.ws.pause();
    const last = 40;
    for (let v = 1; v <= last; v++) {
      version = v;
      const changes = emptyChangeSet();
      changes.agents.add("big");
      feed.publish(changes);
      // Let the hub run the query for this change before the next one (they would coalesce otherwise).
      await new Promise((resolve) => setImmediate(resolve));
    }
    raw.ws.resume();

    const closed = raw.closed.then(({ code }) => assert.fail(`the hub dropped the slow client (close ${code})`));
    let frame: Frame;
    do frame = await Promise.race([raw.next(), closed]);
    while (frame.modifications[0]?.value.version !== last);
    await raw.close();
  });

  it("answers a query set change from a client that has not read its last big result once it has, instead of dropping it", async () => {
    // A client from before TransitionChunks: each result is one frame.
    const raw = await RawSync.open(baseUrl, "/api/1.27.0/sync");
    raw.connect();
    raw.send({ type: "ModifyQuerySet", baseVersion: 0, newVersion: 1, modifications: [{ type: "Add", queryId: 0, udfPath: "demo:large", args: [{}] }] });
    assert.equal((await raw.next()).modifications[0].value.run, 1);

    // The client stops reading; a new result is pushed to it, most of which waits in the hub.
    raw.ws.pause();
    const changes = emptyChangeSet();
    changes.agents.add("large");
    feed.publish(changes);
    while (largeRuns < 2) await new Promise((resolve) => setTimeout(resolve, 10));
    await new Promise((resolve) => setTimeout(resolve, 50)); // the frame is sent in the same task as the run
    // A browser tab switching pages does this: changes its queries while a big result is on its way.
    raw.send({ type: "ModifyQuerySet", baseVersion: 1, newVersion: 2, modifications: [{ type: "Add", queryId: 1, udfPath: "demo:small", args: [{}] }] });
    raw.send({ type: "ModifyQuerySet", baseVersion: 2, newVersion: 3, modifications: [{ type: "Remove", queryId: 1 }] });
    raw.send({ type: "ModifyQuerySet", baseVersion: 3, newVersion: 4, modifications: [{ type: "Add", queryId: 2, udfPath: "demo:small", args: [{}] }] });
    await new Promise((resolve) => setTimeout(resolve, 200));
    raw.ws.resume();

    const closed = raw.closed.then(({ code }) => assert.fail(`the hub dropped the client (close ${code})`));
    const pushed = await Promise.race([raw.next(), closed]);
    assert.equal(pushed.modifications[0].value.run, 2);
    // Each change answered, in order, each Transition chained from the one before.
    let held = pushed.endVersion;
    const answers: unknown[] = [];
    for (let n = 0; n < 3; n++) {
      const answer = await Promise.race([raw.next(), closed]);
      assert.deepEqual(answer.startVersion, held);
      held = answer.endVersion;
      answers.push([answer.endVersion.querySet, answer.modifications.map((m: { type: string; queryId: number; value?: unknown }) => [m.type, m.queryId, m.value])]);
    }
    assert.deepEqual(answers, [
      [2, [["QueryUpdated", 1, "small"]]], [3, [["QueryRemoved", 1, undefined]]], [4, [["QueryUpdated", 2, "small"]]],
    ]);
    await raw.close();
  });

  it("delivers a Transition bigger than the client's largest frame, in TransitionChunks", async () => {
    const client = stockClient(baseUrl);
    clients.push(client);
    const huge = new Recorder<string>(client, anyApi.demo!.huge!, {});
    // Each copy of 101 MiB takes a second or two on a busy machine: a longer wait than usual.
    assert.equal((await huge.until(() => true, "the 101 MiB result", 120_000)).length, 101 * MB);
    assert.equal(huge.errors.length, 0);
  });
});
