import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { setImmediate as tick } from "node:timers/promises";
import { Type } from "typebox";
import type { WebSocket } from "ws";
import { emptyChangeSet } from "../../src/hub/changes.ts";
import type { Database } from "../../src/hub/db/port.ts";
import { Peer } from "../../src/hub/realtime/peer.ts";
import type { StateModification } from "../../src/hub/realtime/protocol.ts";
import { Reactor } from "../../src/hub/realtime/reactor.ts";
import { QueryRegistry } from "../../src/hub/realtime/registry.ts";

/** A reactor over one fake socket, with a query per agent whose runs count and whose value the test sets. */
function setup() {
  const runs: Record<string, number> = {};
  const values: Record<string, unknown> = { a: 1, b: 1 };
  let gate: Promise<void> | null = null;
  const registry = new QueryRegistry().define("demo:agent", {
    args: Type.Object({ agent: Type.String() }),
    async evaluate(_ctx, { agent }) {
      runs[agent] = (runs[agent] ?? 0) + 1;
      const value = values[agent];
      // Held here, the query has read its data but not answered yet.
      if (gate) await gate;
      return { value, keys: [`agent:${agent}`] };
    },
  });
  const sent: StateModification[][] = [];
  const peer = new Peer({ readyState: 1 } as unknown as WebSocket, { maxQueries: 10 }, 60_000);
  const reactor = new Reactor({ db: {} as Database, registry, clock: Date.now }, {
    schedule: (p, task) => p.enqueue(task, (error) => assert.fail(String(error))),
    sendTransition: (_p, modifications) => void sent.push(modifications),
    queryFailed: () => assert.fail("no query should fail"),
  });
  peer.state.connect({ type: "Connect", sessionId: "s", connectionCount: 0 });
  const { added } = peer.state.modifyQuerySet({ type: "ModifyQuerySet", baseVersion: 0, newVersion: 1, modifications: [
    { type: "Add", queryId: 0, udfPath: "demo:agent", args: [{ agent: "a" }] },
    { type: "Add", queryId: 1, udfPath: "demo:agent", args: [{ agent: "b" }] },
  ] });
  const change = (agent: string) => {
    const changes = emptyChangeSet();
    changes.agents.add(agent);
    reactor.changed(changes);
  };
  const hold = () => {
    let open!: () => void;
    gate = new Promise((resolve) => (open = resolve));
    return () => { gate = null; open(); };
  };
  return { reactor, peer, added, runs, values, sent, change, hold };
}

const settle = async () => { for (let i = 0; i < 5; i++) await tick(); };

describe("the reactor", () => {
  it("re-runs only the subscriptions of the changed agent, once per burst", async () => {
    const { reactor, peer, added, runs, values, sent, change } = setup();
    await reactor.added(peer, added);
    assert.deepEqual(runs, { a: 1, b: 1 });
    values.a = 2;
    for (let i = 0; i < 5; i++) change("a");
    await settle();
    assert.deepEqual(runs, { a: 2, b: 1 });
    assert.deepEqual(sent, [[{ type: "QueryUpdated", queryId: 0, value: 2, logLines: [], journal: null }]]);
  });

  it("sends nothing when the result did not change", async () => {
    const { reactor, peer, added, runs, sent, change } = setup();
    await reactor.added(peer, added);
    change("b");
    await settle();
    assert.equal(runs.b, 2);
    assert.deepEqual(sent, []);
  });

  it("runs a query again when its inputs changed while it was running", async () => {
    const { reactor, peer, added, runs, values, sent, change, hold } = setup();
    const release = hold();
    const first = reactor.added(peer, added.slice(0, 1));
    await tick();
    // Committed after the query read its data: the first result is already stale.
    values.a = 3;
    change("a");
    release();
    const [initial] = await first;
    assert.deepEqual(initial, { type: "QueryUpdated", queryId: 0, value: 1, logLines: [], journal: null });
    await settle();
    assert.equal(runs.a, 2);
    assert.deepEqual(sent.map((m) => m.map((x) => x.type === "QueryUpdated" && x.value)), [[3]]);
  });

  it("forgets a closed socket's subscriptions", async () => {
    const { reactor, peer, added, runs, change } = setup();
    await reactor.added(peer, added);
    reactor.forget(peer);
    change("a");
    await settle();
    assert.equal(runs.a, 1);
  });
});
