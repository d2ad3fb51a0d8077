/**
 * A durable outbox across a crash at its worst moments: an entry is off to the API (or given up) and the process
 * dies before its crossing-off is written. A courier started again on the same file sends it again; what it sent
 * must not be posted twice, and a comment given up behind a final call must not come after it.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { BridgeState } from "../../src/bridge/state.ts";
import { AgentApiClient, Courier, type Outbox, type OutboxEntry } from "../../src/sdk/index.ts";
import { eventually } from "../realtime/support.ts";
import { delegatedRun, startTestHub, type TestHub } from "../support/hub.ts";
import { tempDir } from "../support/temp.ts";
import { commentsOf, ownerView, runTransitions } from "./support/runs.ts";

/** The state file's outbox, in a process about to die: crossing off an entry `dies` picks never lands (`dead` from then on). */
function dyingOutbox(state: BridgeState, dies: (entry: OutboxEntry, order: number) => boolean): Outbox & { dead: boolean } {
  const enqueued: OutboxEntry[] = [];
  const outbox = {
    dead: false,
    enqueue: async (entry: OutboxEntry) => {
      enqueued.push(entry);
      await state.enqueue(entry);
    },
    pending: () => state.pending(),
    ack: async (id: string) => {
      const order = enqueued.findIndex((entry) => entry.id === id);
      if (dies(enqueued[order]!, order)) {
        outbox.dead = true;
        return new Promise<void>(() => {});
      }
      await state.ack(id);
    },
  };
  return outbox;
}

describe("a durable outbox after a crash", () => {
  let t: TestHub;
  before(async () => (t = await startTestHub()));
  after(() => t.close());

  const claimed = async (title: string) => {
    const { runId } = await delegatedRun(t, title);
    assert.equal((await t.agent(t.creds.agentToken, "POST", `/runs/${runId}/start`, {})).status, 200);
    return runId;
  };
  /** The API as the agent reaches it; `refuse` answers some calls 503 before they reach it. */
  const api = (refuse: (url: string) => boolean = () => false) => new AgentApiClient({
    token: t.creds.agentToken, apiUrl: t.apiUrl,
    fetch: async (input, init) => (refuse(String(input)) ? new Response(JSON.stringify({ error: "down" }), { status: 503 }) : fetch(input, init)),
  });
  /** A courier started again on the state file, after the crash: it delivers what is left, and leaves nothing behind. */
  const restart = async (file: string) => {
    const state = new BridgeState(file);
    const courier = new Courier({ api: api(), outbox: state, retry: { baseDelayMs: 10, maxDelayMs: 50 } });
    await courier.resume();
    await courier.idle();
    courier.close();
    assert.deepEqual(await state.pending(), [], "the outbox is empty");
    state.close();
  };

  it("answers a comment that landed just before the crash from its idempotency record, so it is posted once", async () => {
    const runId = await claimed("Crash after a comment landed");
    const file = join(tempDir("gc-outbox-"), "bridge.sqlite");
    const state = new BridgeState(file);
    const outbox = dyingOutbox(state, (entry) => entry.kind === "comment");
    const courier = new Courier({ api: api(), outbox, retry: { baseDelayMs: 10, maxDelayMs: 50 } });
    void courier.send(runId, "comment", { body: "step one" });
    void courier.send(runId, "complete", { body: "Done." });
    await eventually(() => outbox.dead, "the comment delivered, and the process dying as it is crossed off");
    courier.close();
    state.close();

    await restart(file);
    const detail = await ownerView(t, runId);
    assert.deepEqual(commentsOf(detail), ["step one", "Done."]);
    assert.deepEqual(runTransitions(detail).slice(-1), ["RUNNING→FINISHED"]);
  });

  it("never sends a comment given up behind the final call after it, nor the final call twice, when the crash loses both crossings-off", async () => {
    const runId = await claimed("Crash after the final call landed");
    const file = join(tempDir("gc-outbox-"), "bridge.sqlite");
    const state = new BridgeState(file);
    // The API takes no comments for now; the first comment is under way, the second waits behind it, then the final call.
    let refused = 0;
    const outbox = dyingOutbox(state, (entry, order) => order === 1 || entry.kind === "complete");
    const courier = new Courier({
      api: api((url) => url.endsWith("/comment") && ++refused > 0), outbox, retry: { baseDelayMs: 10, maxDelayMs: 50 },
    });
    void courier.send(runId, "comment", { body: "step one" });
    void courier.send(runId, "comment", { body: "step two" });
    await eventually(() => refused > 0, "a comment refused for now");
    void courier.send(runId, "complete", { body: "Done." });
    // A shutdown gives the comments up: the second's crossing-off never lands, nor the final call's once it landed.
    courier.dropComments();
    await eventually(() => outbox.dead, "the process dying as the comments are given up");
    const ended = async () => (await ownerView(t, runId)).status === "FINISHED";
    for (let i = 0; !(await ended()); i++) {
      assert.ok(i < 500, "the final call landed");
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    courier.close();
    state.close();

    await restart(file);
    const detail = await ownerView(t, runId);
    assert.deepEqual(commentsOf(detail), ["Done."]);
    assert.deepEqual(runTransitions(detail).slice(-1), ["RUNNING→FINISHED"]);
  });
});
