/**
 * The writer thread: the hub's writes run on a thread that owns the SQLite
 * connection. Its callers see results, typed errors and change notices exactly
 * as if the write had run on their own thread, and nothing is lost at shutdown
 * or when the thread dies.
 */
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { ChangeFeed, type ChangeSet } from "../../src/hub/changes.ts";
import { SqliteReader } from "../../src/hub/db/sqlite-reader.ts";
import { HubError } from "../../src/hub/errors.ts";
import type { Credentials } from "../../src/hub/setup.ts";
import { ThreadWriter } from "../../src/hub/writer/thread.ts";
import { runIn } from "../support/api.ts";
import { startTestHub } from "../support/hub.ts";
import { tempDir } from "../support/temp.ts";

const user = (creds: Credentials) => ({ kind: "user" as const, userId: creds.ownerId, name: "Ada" });

describe("the writer thread", () => {
  let dir: string;
  let feed: ChangeFeed;
  let writer: ThreadWriter;
  let creds: Credentials;
  const errors: Error[] = [];
  before(async () => {
    dir = tempDir("gc-writer-");
    feed = new ChangeFeed();
    writer = await ThreadWriter.start(join(dir, "hub.sqlite"), feed, Date.now, {
      entry: new URL("../support/crashing-writer.mjs", import.meta.url),
      onError: (error) => errors.push(error),
      restartDelayMs: 0,
    });
    creds = await writer.run("setUp", { ownerName: "Ada" });
  });
  after(() => writer.close());

  it("answers with the command's result, committed and readable from another connection", async () => {
    const task = await writer.run("createTask", { user: user(creds), task: { projectId: creds.projectId, title: "Fix the login bug" } });
    assert.equal(task.title, "Fix the login bug");
    const reader = new SqliteReader(join(dir, "hub.sqlite"));
    try {
      assert.deepEqual(await reader.get("SELECT title FROM tasks WHERE id = ?", [task.id]), { title: "Fix the login bug" });
    } finally {
      await reader.close();
    }
  });

  it("rejects with the typed error the command threw, status and fields intact", async () => {
    const task = await writer.run("createTask", { user: user(creds), task: { projectId: creds.projectId, title: "Twice" } });
    await writer.run("delegate", { user: user(creds), taskId: task.id, agentId: creds.agentId });
    const busy = await writer.run("delegate", { user: user(creds), taskId: task.id, agentId: creds.agentId }).catch((e: unknown) => e);
    assert.ok(busy instanceof HubError, String(busy));
    assert.equal(busy.status, 409);
    const run = await writer.run("delegate", { user: user(creds), taskId: "task_nope", agentId: creds.agentId }).catch((e: unknown) => e);
    assert.ok(run instanceof HubError && run.status === 404, String(run));
  });

  it("publishes what a write touched before its caller hears of it, and nothing for a failed write", async () => {
    const heard: string[] = [];
    const unsubscribe = feed.subscribe((changes: ChangeSet) => heard.push(`changes: ${[...changes.workspaces].join(",")}`));
    try {
      await writer.run("createTask", { user: user(creds), task: { projectId: creds.projectId, title: "Watched" } });
      heard.push("caller");
      await writer.run("createTask", { user: user(creds), task: { projectId: "prj_nope", title: "Nowhere" } }).catch(() => heard.push("failed"));
      assert.deepEqual(heard, [`changes: ${creds.workspaceId}`, "caller", "failed"]);
    } finally {
      unsubscribe();
    }
  });

  it("runs a burst of calls in order, each committed once", async () => {
    const titles = Array.from({ length: 300 }, (_, i) => `Burst ${i}`);
    const tasks = await Promise.all(titles.map((title) => writer.run("createTask", { user: user(creds), task: { projectId: creds.projectId, title } })));
    assert.deepEqual(tasks.map((t) => t.title), titles);
    assert.equal(new Set(tasks.map((t) => t.id)).size, 300);
    // Ids sort by creation: the thread ran them in the order they were made.
    assert.deepEqual([...tasks.map((t) => t.id)].sort(), tasks.map((t) => t.id));
  });

  it("fails the calls a dying thread held, says why, and serves the next call on a new thread", async () => {
    const lost = writer.run("issueLoginCode", { userId: "CRASH-NOW" });
    await assert.rejects(lost, /writer thread stopped \(code 3\)/);
    assert.match(errors.at(-1)?.message ?? "", /code 3/);
    const task = await writer.run("createTask", { user: user(creds), task: { projectId: creds.projectId, title: "After the crash" } });
    assert.equal(task.title, "After the crash");
  });

  it("terminates a thread that holds calls without a word, fails them, and serves the next call on a new thread", async () => {
    // A short limit of its own: on the shared writer it also cut off threads that were only slow (a crashing
    // one still on its way out, on a loaded machine), failing their calls as hung.
    const hangAfterMs = 2_000;
    const hanging = await ThreadWriter.start(join(tempDir("gc-writer-"), "hub.sqlite"), new ChangeFeed(), Date.now, {
      entry: new URL("../support/crashing-writer.mjs", import.meta.url), restartDelayMs: 0, hangAfterMs,
    });
    try {
      const owner = await hanging.run("setUp", { ownerName: "Hal" });
      const started = performance.now();
      await assert.rejects(hanging.run("issueLoginCode", { userId: "HANG-NOW" }), /did not answer for/);
      assert.ok(performance.now() - started >= hangAfterMs, "not before the limit");
      const task = await hanging.run("createTask", { user: user(owner), task: { projectId: owner.projectId, title: "After the hang" } });
      assert.equal(task.title, "After the hang");
    } finally {
      await hanging.close();
    }
  });

  it("finishes every call in flight when closed, then refuses new ones", async () => {
    const dir2 = tempDir("gc-writer-");
    const second = await ThreadWriter.start(join(dir2, "hub.sqlite"), new ChangeFeed());
    const owner = await second.run("setUp", { ownerName: "Bo" });
    const calls = Array.from({ length: 100 }, (_, i) => second.run("createTask", { user: user(owner), task: { projectId: owner.projectId, title: `Late ${i}` } }));
    await second.close();
    assert.equal((await Promise.all(calls)).length, 100);
    await assert.rejects(second.run("createTask", { user: user(owner), task: { projectId: owner.projectId, title: "Too late" } }), /shutting down/);
    const reader = new SqliteReader(join(dir2, "hub.sqlite"));
    try {
      assert.deepEqual(await reader.get("SELECT COUNT(*) AS n FROM tasks WHERE title LIKE 'Late %'"), { n: 100 });
    } finally {
      await reader.close();
    }
  });

  it("refuses to start on a path it cannot open, and says why", async () => {
    writeFileSync(join(dir, "a-file"), "");
    await assert.rejects(ThreadWriter.start(join(dir, "a-file", "hub.sqlite"), new ChangeFeed()), /EEXIST.*a-file/);
  });

  it("sheds load past its limit: a refused call is a 503 with Retry-After that wrote nothing", async () => {
    const t = await startTestHub({ maxPendingWrites: 3, writer: "thread" });
    try {
      const { runId } = await runIn(t, "RUNNING");
      const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => t.agent(t.creds.agentToken, "POST", `/runs/${runId}/comment`, { body: `burst ${i}` })));
      const refused = answers.filter((a) => a.status === 503);
      const stored = answers.filter((a) => a.status === 201);
      assert.equal(refused.length + stored.length, 40, JSON.stringify(answers.map((a) => a.status)));
      assert.ok(refused.length > 0, "40 calls at once against a limit of 3: some must be refused");
      for (const r of refused) {
        assert.deepEqual(r.body, { error: "The hub is busy; try again shortly" });
        assert.equal(r.headers.get("retry-after"), "1");
      }
      const feed = (await t.owner(t.creds.ownerToken, "GET", `/runs/${runId}`)).body.activity as { body: string }[];
      assert.equal(feed.filter((a) => a.body.startsWith("burst ")).length, stored.length);
    } finally {
      await t.close();
    }
  });
});
