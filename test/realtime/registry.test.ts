import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Type } from "typebox";
import { emptyChangeSet } from "../../src/hub/changes.ts";
import type { Database } from "../../src/hub/db/port.ts";
import { defineAgentWebSocketQueries } from "../../src/hub/realtime/queries/agent-web-socket.ts";
import { QueryError, QueryRegistry } from "../../src/hub/realtime/registry.ts";
import { delegatedRun, startTestHub, type TestHub } from "../support/hub.ts";

const ctx = { db: {} as Database, now: 0 };

function registry() {
  return new QueryRegistry()
    .define("demo:echo", { args: Type.Object({ x: Type.Unknown() }), evaluate: async (_ctx, { x }) => ({ value: x, keys: ["agent:a"] }) })
    .define("demo:deny", { args: Type.Object({}), evaluate: async () => { throw new QueryError("UNAUTHORIZED", "Invalid agent token"); } })
    .define("demo:crash", { args: Type.Object({}), evaluate: async () => { throw new Error("disk on fire"); } })
    .define("demo.js:default", { args: Type.Object({}), evaluate: async () => ({ value: undefined, keys: [] }) });
}

describe("query registry", () => {
  it("runs a query by its canonical path and fingerprints the encoded result", async () => {
    const outcome = await registry().run("demo.js:echo", [{ x: { $integer: "BQAAAAAAAAA=" } }], ctx);
    assert.ok(outcome.ok);
    assert.deepEqual(outcome.value, { $integer: "BQAAAAAAAAA=" });
    assert.deepEqual(outcome.keys, ["agent:a"]);
    const again = await registry().run("demo:echo", [{ x: 5n.toString() }], ctx);
    assert.notEqual(again.hash, outcome.hash);
    assert.ok((await registry().run("demo", [{}], ctx)).ok, "no ':' means :default");
  });

  it("turns a result the client could not decode into a failure, not a crash", async () => {
    const bad = new QueryRegistry().define("demo:bad", { args: Type.Object({}), evaluate: async () => ({ value: [{ "naïve": 1 }], keys: [] }) });
    const failed = await bad.run("demo:bad", [{}], ctx);
    assert.ok(!failed.ok);
    assert.equal(failed.error.code, "INVALID_VALUE");
    const dollar = new QueryRegistry().define("demo:bad", { args: Type.Object({}), evaluate: async () => ({ value: { $id: 1 }, keys: [] }) });
    assert.equal((await dollar.run("demo:bad", [{}], ctx)).ok, false);
  });

  it("maps unknown functions, bad args and thrown errors to coded failures", async () => {
    const codes = async (path: string, args: unknown[], componentPath: string | null = null) => {
      const outcome = await registry().run(path, args, ctx, componentPath);
      return outcome.ok ? "ok" : outcome.error.code;
    };
    assert.equal(await codes("demo:nope", [{}]), "NOT_FOUND");
    assert.equal(await codes("demo:echo", [{}], "some/component"), "NOT_FOUND");
    assert.equal(await codes("demo:echo", []), "BAD_REQUEST");
    assert.equal(await codes("demo:echo", [{ x: 1 }, { x: 2 }]), "BAD_REQUEST");
    assert.equal(await codes("demo:echo", ["x"]), "BAD_REQUEST");
    assert.equal(await codes("demo:echo", [{ "naïve": 1, x: 1 }]), "BAD_REQUEST");
    assert.equal(await codes("demo:deny", [{}]), "UNAUTHORIZED");
    assert.equal(await codes("demo:crash", [{}]), "INTERNAL");
    const crash = await registry().run("demo:crash", [{}], ctx);
    assert.ok(!crash.ok && crash.error.message === "Internal server error", "internals stay on the server");
  });

  it("tells change listeners about commits", () => {
    const seen: string[] = [];
    const r = new QueryRegistry().onChange((c) => seen.push(...c.agents));
    r.changed({ ...emptyChangeSet(), agents: new Set(["a"]) });
    assert.deepEqual(seen, ["a"]);
  });
});

describe("agentWebSocket queries", () => {
  let t: TestHub;
  before(async () => (t = await startTestHub()));
  after(() => t.close());

  it("checks the token's shape before anything else", async () => {
    const queries = defineAgentWebSocketQueries(new QueryRegistry());
    for (const args of [{ token: "" }, { token: "gcp_owner" }, { token: "gca_" }, { token: `gca_${"x".repeat(600)}` }]) {
      const outcome = await queries.run("agentWebSocket:pendingRuns", [args], { db: t.hub.db, now: Date.now() });
      assert.ok(!outcome.ok && outcome.error.code === "UNAUTHORIZED", JSON.stringify(args).slice(0, 40));
    }
    const extra = await queries.run("agentWebSocket:pendingRuns", [{ token: t.creds.agentToken, extra: 1 }], { db: t.hub.db, now: Date.now() });
    assert.ok(!extra.ok && extra.error.code === "BAD_REQUEST");
  });

  it("keeps a stopped run for 24 hours and says when it leaves the window", async () => {
    const queries = defineAgentWebSocketQueries(new QueryRegistry());
    const { runId } = await delegatedRun(t, "Stop me");
    const stopped = await t.owner(t.creds.ownerToken, "POST", `/runs/${runId}/stop`, {});
    assert.equal(stopped.status, 200);
    const endedAt: number = stopped.body.endedAt;
    const args = [{ token: t.creds.agentToken }];
    const inside = await queries.run("agentWebSocket:stoppedRuns", args, { db: t.hub.db, now: endedAt + 24 * 3_600_000 });
    assert.ok(inside.ok);
    assert.deepEqual((inside.value as { id: string }[]).map((r) => r.id), [runId]);
    assert.equal(inside.expiresAt, endedAt + 24 * 3_600_000 + 1);
    const outside = await queries.run("agentWebSocket:stoppedRuns", args, { db: t.hub.db, now: endedAt + 24 * 3_600_000 + 1 });
    assert.ok(outside.ok);
    assert.deepEqual(outside.value, []);
    assert.equal(outside.expiresAt, null);
  });
});
