import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import Database from "better-sqlite3";
import { BridgeStartError, BridgeState } from "../../../src/bridge/state.ts";
import { tempDir } from "../../support/temp.ts";

describe("the bridge's state file", () => {
  const file = () => join(tempDir("gc-state-"), "bridge.sqlite");
  /** A state file this bridge made, then altered by `sql` into what another version of it would have left. */
  const fileAltered = (sql: string) => {
    const path = file();
    new BridgeState(path).close();
    const db = new Database(path);
    db.exec(sql);
    db.close();
    return path;
  };

  it("keeps its instance id, its runs and its outbox across a reopen, in order", async () => {
    const path = file();
    const a = new BridgeState(path);
    const id = a.instanceId();
    a.claiming("r1", "Starting");
    a.claimed("r1");
    a.turnStarted("r1", "boot-1", "agent:main:groupchat-task_1");
    a.claiming("r2", undefined);
    for (let i = 0; i < 5; i++) {
      await a.enqueue({ id: `e${i}`, runId: "r1", kind: "comment", payload: { body: `c${i}` }, idempotencyKey: `k${i}`, createdAt: i });
    }
    await a.enqueue({ id: "final", runId: "r1", kind: "complete", payload: { body: "done", stepCostUsd: 0.5 }, idempotencyKey: "kf", createdAt: 9 });
    await a.ack("e0");
    a.close();

    const b = new BridgeState(path);
    assert.equal(b.instanceId(), id);
    assert.deepEqual(b.runs().map((r) => [r.runId, r.phase, r.bootId, r.turnStarted]), [["r1", "claimed", "boot-1", true], ["r2", "claiming", null, false]]);
    assert.deepEqual(b.turnOf("r1"), { bootId: "boot-1", sessionKey: "agent:main:groupchat-task_1" });
    assert.equal(b.turnOf("r2"), null);
    const pending = await b.pending();
    assert.deepEqual(pending.map((e) => e.id), ["e1", "e2", "e3", "e4", "final"]);
    assert.deepEqual(pending.at(-1), { id: "final", runId: "r1", kind: "complete", payload: { body: "done", stepCostUsd: 0.5 }, idempotencyKey: "kf", createdAt: 9 });
    assert.equal(b.hasFinalCall("r1"), true);
    assert.equal(b.hasFinalCall("r2"), false);
    assert.equal(b.outboxDepth, 5);
    b.forget("r2");
    assert.deepEqual(b.runs().map((r) => r.runId), ["r1"]);
    b.close();
  });
  it("is one bridge's at a time: a second open fails at once with a clear error, and works once the first closed", () => {
    const path = file();
    const first = new BridgeState(path);
    assert.throws(() => new BridgeState(path), (error: Error) => {
      assert.ok(error instanceof BridgeStartError);
      assert.equal(error.message, `Another bridge is using ${path}. Stop it first, or give this one its own --state (and --openclaw-state).`);
      return true;
    });
    const id = first.instanceId();
    first.close();
    const second = new BridgeState(path);
    assert.equal(second.instanceId(), id);
    second.close();
  });

  it("opens a file from before the layout was versioned, keeps its runs and outbox, and brings it to the current version", async () => {
    const path = file();
    // The layout bridges wrote until versions were kept, with a claimed run and a queued completion.
    const old = new Database(path);
    old.pragma("journal_mode = WAL");
    old.exec(`
      CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE runs (run_id TEXT PRIMARY KEY, phase TEXT NOT NULL CHECK (phase IN ('claiming', 'claimed')), boot_id TEXT, turn_started INTEGER NOT NULL DEFAULT 0, updated_at INTEGER NOT NULL);
      CREATE TABLE outbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, run_id TEXT NOT NULL, kind TEXT NOT NULL, payload TEXT NOT NULL, idempotency_key TEXT NOT NULL, created_at INTEGER NOT NULL);
      INSERT INTO meta VALUES ('instance_id', 'bridge-old');
      INSERT INTO runs VALUES ('r1', 'claimed', 'boot-1', 1, 5);
      INSERT INTO outbox (id, run_id, kind, payload, idempotency_key, created_at) VALUES ('e1', 'r1', 'complete', '{"body":"done"}', 'k1', 6);
    `);
    old.close();
    const state = new BridgeState(path);
    assert.equal(state.instanceId(), "bridge-old");
    // An older bridge did not keep the turn's session: it is read from the API when needed.
    assert.deepEqual(state.turnOf("r1"), { bootId: "boot-1", sessionKey: null });
    assert.deepEqual((await state.pending()).map((e) => [e.id, e.kind, e.payload]), [["e1", "complete", { body: "done" }]]);
    state.close();
    const check = new Database(path, { readonly: true });
    assert.equal(check.pragma("user_version", { simple: true }), 6);
    check.close();
  });

  it("hands a claim's replay the body it was first sent with, across a reopen, and takes the first body for a claim an older bridge made", () => {
    const path = file();
    const a = new BridgeState(path);
    assert.equal(a.claiming("r1", "Starting work on this now."), "Starting work on this now.");
    assert.equal(a.claiming("r2", undefined), undefined);
    a.close();
    const b = new BridgeState(path);
    assert.equal(b.claiming("r1", "A new default comment"), "Starting work on this now.");
    assert.equal(b.claiming("r2", "A new default comment"), undefined);
    // A row with no body known (an older bridge's, or a turn noted for a replayed claim): the next body sent sticks.
    b.turnStarted("r3", "boot-1", "agent:main:groupchat-task_3");
    assert.equal(b.claiming("r3", "Now"), "Now");
    assert.equal(b.claiming("r3", "Later"), "Now");
    b.forget("r1");
    assert.equal(b.claiming("r1", "Claimed afresh"), "Claimed afresh");
    b.close();
  });

  it("forgets a task's offered images when the task gets a new OpenClaw session, or its session took no turn for 90 days", () => {
    const path = file();
    let now = Date.UTC(2026, 0, 1);
    const state = new BridgeState(path, { now: () => now });
    state.imagesOffered("t1", "s1", ["a.png", "b.png"]);
    state.imagesOffered("t2", null, ["c.png"]);
    assert.deepEqual([...state.offeredImages("t1", "s1")], ["a.png", "b.png"]);
    assert.deepEqual([...state.offeredImages("t1", null)], ["a.png", "b.png"], "a gateway that names no session: the last one is assumed");
    // The same key, another session (OpenClaw pruned or reset the old one): it has none of them.
    assert.deepEqual([...state.offeredImages("t1", "s2")], []);
    state.imagesOffered("t1", "s2", ["b.png"]);
    assert.deepEqual([...state.offeredImages("t1", "s2")], ["b.png"]);
    // A session that took a turn lately is kept; one idle past the retention goes, with its images.
    now += 60 * 86_400_000;
    state.imagesOffered("t2", null, []);
    now += 40 * 86_400_000;
    state.imagesOffered("t3", "s3", ["d.png"]);
    assert.deepEqual([...state.offeredImages("t2", null)], ["c.png"]);
    assert.deepEqual([...state.offeredImages("t1", "s2")], []);
    state.close();
    const check = new Database(path, { readonly: true });
    assert.deepEqual(check.prepare("SELECT task_id, url FROM offered_images ORDER BY task_id").all(), [{ task_id: "t2", url: "c.png" }, { task_id: "t3", url: "d.png" }]);
    check.close();
  });

  it("keeps the images a version-4 file says were offered, for the task's session whatever its id", () => {
    const path = fileAltered("DROP TABLE forbidden_resumptions; DROP TABLE task_sessions; INSERT INTO offered_images VALUES ('t1', 'a.png'); PRAGMA user_version = 4;");
    const state = new BridgeState(path);
    assert.deepEqual([...state.offeredImages("t1", "s1")], ["a.png"]);
    state.imagesOffered("t1", "s1", []);
    assert.deepEqual([...state.offeredImages("t1", "s2")], []);
    state.close();
  });

  it("refuses a file written by a newer bridge with a clear error, and leaves it as it was", () => {
    const path = fileAltered("PRAGMA user_version = 7; CREATE TABLE later (x);");
    assert.throws(() => new BridgeState(path), (error: Error) => {
      assert.ok(error instanceof BridgeStartError);
      assert.equal(error.message, `${path} was written by a newer bridge (state version 7; this one knows up to 6). Run that version, or give this one its own --state.`);
      return true;
    });
    const check = new Database(path, { readonly: true });
    assert.equal(check.pragma("user_version", { simple: true }), 7);
    check.close();
  });
});
