/**
 * Client mistakes the stock client repeats after every reconnect (it re-adds every query and re-sends
 * every unanswered mutation) must fail only what is wrong: a closed socket would be reopened and
 * refused again forever. Each case checks that the one socket stayed (one connection at the server,
 * one at the client) and that the client's good queries still deliver.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { ConvexClient } from "convex/browser";
import { anyApi, makeFunctionReference } from "convex/server";
import { Type } from "typebox";
import { emptyChangeSet } from "../../src/hub/changes.ts";
import { QueryRegistry } from "../../src/hub/realtime/registry.ts";
import { listeningSync, Recorder, stockClient, type ListeningSync } from "./support.ts";

describe("a client mistake the stock client would repeat after a reconnect", () => {
  let counter = 0;
  // Extra args are allowed, so a test can make them as large as it likes.
  const registry = new QueryRegistry()
    .define("demo:counter", { args: Type.Object({ i: Type.Number() }), evaluate: async () => ({ value: counter, keys: ["agent:a"] }) });
  let listening: ListeningSync;
  let client: ConvexClient;
  let live: Recorder;

  before(async () => {
    // Served: one query per socket; refused ones are kept with their args up to ten, by id alone past that.
    listening = await listeningSync(registry, { maxQueriesPerSocket: 1 });
    client = stockClient(listening.baseUrl);
    live = new Recorder(client, anyApi.demo!.counter!, { i: 0 });
    await live.until(() => true);
  });
  after(async () => {
    await client.close();
    await listening.close();
  });

  /** The live query still gets each change, and the client never had to reconnect. */
  async function stillServedOnOneSocket(): Promise<void> {
    const target = ++counter;
    const changes = emptyChangeSet();
    changes.agents.add("a");
    listening.feed.publish(changes);
    await live.until((v) => v === target, "the change on the live query");
    assert.equal(client.connectionState().connectionCount, 1, "the client's socket stayed open");
    assert.equal(listening.connections, 1, "no reconnect reached the server");
  }

  it("fails a query whose name the hub cannot read, alone", async () => {
    const unreadable = new Recorder(client, makeFunctionReference<"query">(`${"m".repeat(1100)}:q`), {});
    const error = await unreadable.untilError();
    assert.deepEqual(error.data, { code: "BAD_REQUEST" });
    assert.match(error.message, /Malformed query: \/udfPath/);
    unreadable.unsubscribe();
    await stillServedOnOneSocket();
  });

  it("fails a query whose args are over the bound, alone, and reads frames up to 16 MiB", async () => {
    const big = new Recorder(client, anyApi.demo!.counter!, { i: 1, pad: "x".repeat(1_100_000) });
    const error = await big.untilError();
    assert.deepEqual(error.data, { code: "BAD_REQUEST" });
    assert.match(error.message, /over the 1048576 one query may take/);
    big.unsubscribe();
    // A 10 MB frame: answered (the hub serves no mutations), not closed on.
    await assert.rejects(client.mutation(makeFunctionReference<"mutation">("demo:store"), { pad: "y".repeat(10_000_000) }), /serves no mutation/);
    await stillServedOnOneSocket();
  });

  /** Settles with `settles`, unless the client reconnects twice first: the loop an oversized frame once caused. */
  async function beforeAReconnectLoop<T>(settles: Promise<T>, what: string): Promise<T> {
    let settled = false;
    const loop = (async () => {
      while (!settled && listening.connections < 3) await new Promise((resolve) => setTimeout(resolve, 20));
      if (!settled) throw new Error(`the client reconnected twice instead of getting ${what}: a reconnect loop`);
    })();
    try {
      return await Promise.race([settles, loop as Promise<never>]);
    } finally {
      settled = true;
      await loop.catch(() => {});
    }
  }

  it("answers a mutation in a frame over 16 MiB with BAD_REQUEST, so the client stops sending it", async () => {
    const mutation = client.mutation(makeFunctionReference<"mutation">("demo:store"), { pad: "y".repeat(17 * 1024 * 1024) });
    const error = await beforeAReconnectLoop(mutation.then(() => assert.fail("resolved"), (e: Error & { data?: unknown }) => e), "an answer");
    assert.match(error.message, /Mutation of \d+ bytes, over the 16777216 one frame may take/);
    assert.deepEqual(error.data, { code: "BAD_REQUEST" });
    await stillServedOnOneSocket();
  });

  it("fails a query in a frame over 16 MiB alone, so the client does not subscribe it again and again", async () => {
    const huge = new Recorder(client, anyApi.demo!.counter!, { i: 2, pad: "z".repeat(17 * 1024 * 1024) });
    const error = await beforeAReconnectLoop(huge.untilError(), "the query's error");
    assert.deepEqual(error.data, { code: "BAD_REQUEST" });
    assert.match(error.message, /Query of \d+ bytes, in a frame of \d+ bytes, over the 16777216 one frame may take/);
    huge.unsubscribe();
    await stillServedOnOneSocket();
  });

  it("keeps queries far past the limit by id, fails them with TOO_MANY_QUERIES, and lets the client remove them", async () => {
    // 1 served, 10 refused with their args: every one past those was once the socket's end.
    const refused = Array.from({ length: 15 }, (_, i) => new Recorder(client, anyApi.demo!.counter!, { i: 100 + i }));
    const errors = await Promise.all(refused.map((r) => r.untilError()));
    assert.ok(errors.every((error) => (error.data as { code?: string }).code === "TOO_MANY_QUERIES"));
    assert.match(errors[9]!.message, /served once others are unsubscribed/);
    assert.match(errors[10]!.message, /served once the client reconnects with fewer/);
    for (const r of refused) r.unsubscribe();
    await stillServedOnOneSocket();
    assert.equal(listening.sync.queries, 1);
  });
});
