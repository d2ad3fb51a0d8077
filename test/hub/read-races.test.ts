/**
 * Reads made of several statements, with a write committing between two of them: the
 * owner API's task and run details and a workspace's members check access in one statement
 * and read the rest in others, so what is deleted in between must answer 404 as it would a
 * moment later, never a 500 (nor an empty 200). The HTTP app is built over the hub's database with a reader that commits the
 * deletion right after the access check, which no timing could do at will.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Reader } from "../../src/hub/db/port.ts";
import { buildApp } from "../../src/hub/http/app.ts";
import type { App } from "../../src/hub/http/deps.ts";
import { createTask, delegateTo } from "../support/api.ts";
import { startTestHub, type TestHub } from "../support/hub.ts";

describe("a read that a deletion overtakes", () => {
  let t: TestHub;
  let app: App;
  /** Runs once, after the next statement that matches it has answered. */
  let between: { when: RegExp; then: () => Promise<unknown> } | null = null;
  before(async () => {
    t = await startTestHub();
    const db = t.hub.db;
    const after = async <T>(sql: string, result: T): Promise<T> => {
      const hook = between;
      if (hook && hook.when.test(sql)) {
        between = null;
        await hook.then();
      }
      return result;
    };
    const reader: Reader = {
      dialect: db.dialect,
      all: async (sql, params) => after(sql, await db.all(sql, params)),
      get: async (sql, params) => after(sql, await db.get(sql, params)),
    };
    app = buildApp({ db: reader, writer: t.hub.writer, feed: t.hub.feed, clock: Date.now, uploadQuotaBytes: 1024 });
    await app.ready();
  });
  after(async () => {
    await app.close();
    await t.close();
  });

  const get = (path: string) => app.inject({ method: "GET", url: `/api/v1${path}`, headers: { authorization: `Bearer ${t.creds.ownerToken}` } });
  const deleteTask = (taskId: string) => () => t.hub.writer.run("deleteTask", { user: { kind: "user", userId: t.creds.ownerId, name: "" }, taskId });

  it("GET /tasks/:id of a task deleted after its access check answers 404", async () => {
    const task = await createTask(t, { title: "Going" });
    between = { when: /JOIN workspace_members m ON m.workspace_id = t.workspace_id AND m.user_id = \? WHERE t.id = \?/, then: deleteTask(task.id) };
    const res = await get(`/tasks/${task.id}`);
    assert.equal(between, null, "the deletion came in between");
    assert.deepEqual([res.statusCode, res.json()], [404, { error: "Task not found" }]);
  });

  it("GET /runs/:id of a run whose task is deleted after its access check answers 404", async () => {
    const task = await createTask(t, { title: "Going too" });
    const run = await delegateTo(t, task.id);
    assert.equal((await t.owner(t.creds.ownerToken, "POST", `/runs/${run.id}/stop`)).status, 200);
    between = { when: /JOIN workspace_members m ON m.workspace_id = t.workspace_id AND m.user_id = \? WHERE r.id = \?/, then: deleteTask(task.id) };
    const res = await get(`/runs/${run.id}`);
    assert.equal(between, null, "the deletion came in between");
    assert.deepEqual([res.statusCode, res.json()], [404, { error: "Run not found" }]);
  });

  it("GET /workspaces/:id/members of a workspace deleted after its access check answers 404", async () => {
    const ws = (await t.owner(t.creds.ownerToken, "POST", "/workspaces", { name: "Going away" })).body;
    between = {
      when: /FROM workspace_members WHERE workspace_id = \? AND user_id = \?/,
      then: () => t.hub.writer.run("deleteWorkspace", { user: { kind: "user", userId: t.creds.ownerId, name: "" }, workspaceId: ws.id }),
    };
    const res = await get(`/workspaces/${ws.id}/members`);
    assert.equal(between, null, "the deletion came in between");
    assert.deepEqual([res.statusCode, res.json()], [404, { error: "Workspace not found" }]);
  });
});
