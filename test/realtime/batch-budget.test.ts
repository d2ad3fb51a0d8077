/**
 * What one socket may make the hub hold, whatever its client does. A huge query set: the served queries' args
 * together are bounded, past which a new query fails alone (TOO_MANY_QUERIES) until others are removed.
 * A socket whose results add up to more than the batch bound (a reconnect re-adds every query at once, a change
 * touches them all) gets them in several Transitions, each sent once the client has read the one before, so what
 * waits in the hub's memory for one socket stays about the bound plus one result.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { ConvexClient } from "convex/browser";
import { anyApi } from "convex/server";
import { Type } from "typebox";
import { emptyChangeSet } from "../../src/hub/changes.ts";
import { QueryRegistry } from "../../src/hub/realtime/registry.ts";
import { listeningSync, RawSync, Recorder, stockClient, type Frame, type ListeningSync } from "./support.ts";

const MB = 1024 * 1024;
const PARTS = 12;

describe("a sync server whose batch bound is 4 Mi characters, and whose query sets' args may take 500,000", () => {
  let version = 0;
  const registry = new QueryRegistry()
    .define("demo:echo", { args: Type.Object({ i: Type.Number() }), evaluate: async (_ctx, { i }) => ({ value: i, keys: [] }) })
    .define("demo:part", { args: Type.Object({ i: Type.Number() }), evaluate: async (_ctx, { i }) => ({ value: { i, version, pad: "p".repeat(MB) }, keys: ["agent:parts"] }) });
  let listening: ListeningSync;
  const clients: ConvexClient[] = [];
  const change = () => {
    version++;
    const changes = emptyChangeSet();
    changes.agents.add("parts");
    listening.feed.publish(changes);
  };

  before(async () => (listening = await listeningSync(registry, { maxBatchChars: 4 * MB, maxQuerySetChars: 500_000 })));
  after(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await listening.close();
  });

  /** Transitions read until every part has `version`; each must start where the last ended. */
  async function untilAll(raw: RawSync, from: Frame | null, want: number): Promise<Frame[]> {
    const seen = new Set<number>();
    const frames: Frame[] = [];
    let held = from;
    while (seen.size < PARTS) {
      const frame = await raw.next();
      assert.equal(frame.type, "Transition", "whole Transitions, none so large it comes in chunks");
      if (held) assert.deepEqual(frame.startVersion, held, "each Transition chains from the one before");
      held = frame.endVersion;
      frames.push(frame);
      for (const m of frame.modifications) if (m.value?.version === want) seen.add(m.value.i);
    }
    return frames;
  }

  it("answers a query set change whose results add up to 12 MiB in several Transitions of about the bound, the first acknowledging it", async () => {
    const raw = await RawSync.open(listening.baseUrl);
    raw.connect();
    raw.send({ type: "ModifyQuerySet", baseVersion: 0, newVersion: 1,
      modifications: Array.from({ length: PARTS }, (_, i) => ({ type: "Add", queryId: i, udfPath: "demo:part", args: [{ i }] })) });
    const added = await untilAll(raw, null, version);
    assert.ok(added.length >= 3, `${added.length} Transitions`);
    assert.equal(added[0].endVersion.querySet, 1);
    for (const frame of added) assert.ok(frame.modifications.length <= 5, `${frame.modifications.length} results of 1 MiB in one Transition`);

    change();
    const pushed = await untilAll(raw, added.at(-1).endVersion, version);
    assert.ok(pushed.length >= 3, `${pushed.length} Transitions`);
    await raw.close();
  });

  it("gets the stock client every result, and every change to them, when they come in several Transitions", async () => {
    const client = stockClient(listening.baseUrl);
    clients.push(client);
    const parts = Array.from({ length: PARTS }, (_, i) => new Recorder<{ version: number }>(client, anyApi.demo!.part!, { i }));
    await Promise.all(parts.map((p) => p.until(() => true)));
    change();
    const want = version;
    await Promise.all(parts.map((p) => p.until((v) => v.version === want, `version ${want}`)));
    assert.ok(parts.every((p) => p.errors.length === 0));
  });

  it("fails a query whose args would take the socket's query set past its bound alone, and serves it once others are removed", async () => {
    const client = stockClient(listening.baseUrl);
    clients.push(client);
    const echo = (i: number) => new Recorder<number>(client, anyApi.demo!.echo!, { i, pad: "a".repeat(200_000) });
    const served = [echo(1), echo(2)];
    assert.deepEqual(await Promise.all(served.map((r) => r.until(() => true))), [1, 2]);
    const third = echo(3);
    const error = await third.untilError();
    assert.deepEqual(error.data, { code: "TOO_MANY_QUERIES" });
    assert.match(error.message, /served once others are unsubscribed/);
    served[0]!.unsubscribe();
    assert.equal(await third.until((v) => v === 3, "the refused query, served once there is room"), 3);
    assert.equal(client.connectionState().connectionCount, 1, "one socket throughout");
  });
});
