/**
 * What becomes of uploaded images: one that some task names (its images, its description,
 * its feed) is kept; one that no task has named for the grace period (--upload-grace) is
 * removed by the purger. And a workspace's uploads are bounded (--upload-quota): one that
 * would take it over is refused (413), however many arrive at once. Time is the hub's
 * injected clock, moved by hand; the purger runs when a test drains it.
 */
import assert from "node:assert/strict";
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { png } from "../bridge/support/image-server.ts";
import { assertError, assertStatus } from "../support/api.ts";
import { request, startTestHub } from "../support/hub.ts";

const HOUR = 3_600_000;
const BY_HAND = { everyMs: 3_600_000 };
const SIZE = png().length;

/** A hub whose clock the test moves, with helpers for the calls these tests make. */
async function clockedHub(options: { uploadQuota?: string } = {}) {
  let now = Date.UTC(2030, 0, 1);
  const t = await startTestHub({ clock: () => now, purge: BY_HAND, ...options });
  const owner = (method: string, path: string, body?: unknown) => t.owner(t.creds.ownerToken, method, path, body);
  return {
    t,
    owner,
    later: (ms: number) => void (now += ms),
    async workspace(): Promise<{ id: string; projectId: string }> {
      const workspace = await owner("POST", "/workspaces", { name: "Shots" });
      assertStatus(workspace, 201);
      const project = await t.owner(t.creds.ownerToken, "POST", "/projects", { name: "P" }, { "x-workspace-id": workspace.body.id });
      assertStatus(project, 201);
      return { id: workspace.body.id, projectId: project.body.id };
    },
    upload: (workspaceId: string) =>
      request(`${t.baseUrl}/api/v1/uploads?workspaceId=${workspaceId}`, {
        method: "POST", headers: { "content-type": "image/png", authorization: `Bearer ${t.creds.ownerToken}` }, body: png() as BodyInit,
      }),
    async url(workspaceId: string): Promise<string> {
      const res = await this.upload(workspaceId);
      assertStatus(res, 201);
      return res.body.url as string;
    },
    async task(projectId: string, fields: { images?: string[]; description?: string } = {}): Promise<string> {
      const res = await owner("POST", "/tasks", {
        projectId, title: "See the screenshot", description: fields.description ?? "", images: (fields.images ?? []).map((url) => ({ url, name: "shot.png" })),
      });
      assertStatus(res, 201);
      return res.body.id as string;
    },
    images: (taskId: string, urls: string[]) => owner("PATCH", `/tasks/${taskId}`, { images: urls.map((url) => ({ url, name: "shot.png" })) }),
  };
}

/** The status GET /files answers for each URL. */
const served = async (urls: string[]) => Promise.all(urls.map(async (url) => (await fetch(url)).status));

describe("uploads no task names", () => {
  let h: Awaited<ReturnType<typeof clockedHub>>;
  before(async () => (h = await clockedHub()));
  after(() => h.t.close());

  it("are removed once no task has named them for the grace period (24 h); those a task names, and younger ones, stay", async () => {
    const ws = await h.workspace();
    const [named, orphan] = [await h.url(ws.id), await h.url(ws.id)];
    await h.task(ws.projectId, { images: [named] });
    h.later(25 * HOUR);
    const young = await h.url(ws.id);
    await h.t.hub.purger.drain();
    assert.deepEqual(await served([named, orphan, young]), [200, 404, 200]);
    assertError(await request(orphan, {}), 404, "File not found");
    // Its bytes went back to the workspace's quota.
    assert.deepEqual((await h.owner("GET", `/workspaces/${ws.id}/storage`)).body, { usedBytes: 2 * SIZE, quotaBytes: 1024 ** 3 });
  });

  it("counts the grace from when the last task let go of it: deleting the task, or taking the image off it", async () => {
    const ws = await h.workspace();
    const [deleted, takenOff, stillNamed] = [await h.url(ws.id), await h.url(ws.id), await h.url(ws.id)];
    const first = await h.task(ws.projectId, { images: [deleted] });
    const second = await h.task(ws.projectId, { images: [takenOff, stillNamed] });
    h.later(30 * HOUR);
    await h.t.hub.purger.drain();
    assert.deepEqual(await served([deleted, takenOff, stillNamed]), [200, 200, 200]);

    assertStatus(await h.owner("DELETE", `/tasks/${first}`), 204);
    assertStatus(await h.images(second, [stillNamed]), 200);
    h.later(23 * HOUR);
    await h.t.hub.purger.drain();
    assert.deepEqual(await served([deleted, takenOff, stillNamed]), [200, 200, 200]);
    h.later(2 * HOUR);
    await h.t.hub.purger.drain();
    assert.deepEqual(await served([deleted, takenOff, stillNamed]), [404, 404, 200]);
  });

  it("are let go by a deleted project's tasks once the purger removes them", async () => {
    const ws = await h.workspace();
    const url = await h.url(ws.id);
    await h.task(ws.projectId, { images: [url] });
    assertStatus(await h.owner("DELETE", `/projects/${ws.projectId}`), 204);
    await h.t.hub.purger.drain(); // the project's tasks go; its upload waits out its grace
    assert.deepEqual(await served([url]), [200]);
    h.later(25 * HOUR);
    await h.t.hub.purger.drain();
    assert.deepEqual(await served([url]), [404]);
  });

  it("are kept when an image taken off is put back before the grace ends, or named by another task", async () => {
    const ws = await h.workspace();
    const [putBack, elsewhere, gone] = [await h.url(ws.id), await h.url(ws.id), await h.url(ws.id)];
    const task = await h.task(ws.projectId, { images: [putBack, elsewhere, gone] });
    assertStatus(await h.images(task, []), 200);
    h.later(12 * HOUR);
    assertStatus(await h.images(task, [putBack]), 200);
    await h.task(ws.projectId, { images: [elsewhere] });
    h.later(30 * HOUR);
    await h.t.hub.purger.drain();
    assert.deepEqual(await served([putBack, elsewhere, gone]), [200, 200, 404]);
  });

  it("are kept while a description, a comment or a delegation's prompt shows them (Markdown), on any origin; a wrong key names nothing", async () => {
    const ws = await h.workspace();
    const [described, commented, prompted, wrongKey] = [await h.url(ws.id), await h.url(ws.id), await h.url(ws.id), await h.url(ws.id)];
    const task = await h.task(ws.projectId, { description: `Look: ![shot](${described})` });
    assertStatus(await h.owner("POST", `/tasks/${task}/comments`, { body: `Same here ![](${commented.replace(/^http:\/\/[^/]+/, "https://hub.example.com")})` }), 201);
    const run = await h.owner("POST", `/tasks/${task}/delegate`, { agentId: h.t.creds.agentId, prompt: `Fix what ${prompted} shows` });
    assertStatus(run, 201);
    assertStatus(await h.owner("POST", `/runs/${run.body.id}/stop`), 200);
    const forged = wrongKey.replace(/.$/, (c) => (c === "A" ? "B" : "A"));
    assertStatus(await h.owner("PATCH", `/tasks/${task}`, { title: "Still here", images: [{ url: forged, name: "x.png" }] }), 200);
    h.later(25 * HOUR);
    await h.t.hub.purger.drain();
    assert.deepEqual(await served([described, commented, prompted, wrongKey]), [200, 200, 200, 404]);

    // A description edited to no longer show it lets it go; the feed keeps what it shows until the task goes.
    assertStatus(await h.owner("PATCH", `/tasks/${task}`, { description: "No picture" }), 200);
    h.later(25 * HOUR);
    await h.t.hub.purger.drain();
    assert.deepEqual(await served([described, commented, prompted]), [404, 200, 200]);
    assertStatus(await h.owner("DELETE", `/tasks/${task}`), 204);
    h.later(25 * HOUR);
    await h.t.hub.purger.drain();
    assert.deepEqual(await served([commented, prompted]), [404, 404]);
  });

  it("are let go by a comment edited or deleted to no longer show them, unless the feed shows them elsewhere", async () => {
    const ws = await h.workspace();
    const [edited, deleted, twice, prompted, added] = [await h.url(ws.id), await h.url(ws.id), await h.url(ws.id), await h.url(ws.id), await h.url(ws.id)];
    const task = await h.task(ws.projectId);
    const post = async (body: string) => {
      const res = await h.owner("POST", `/tasks/${task}/comments`, { body });
      assertStatus(res, 201);
      return `/tasks/${task}/comments/${res.body.comment.id}`;
    };
    const first = await post(`![a](${edited}) ![b](${twice}) ${prompted}`);
    const second = await post(`![c](${deleted})`);
    await post(`Again ![b](${twice})`);
    const run = await h.owner("POST", `/tasks/${task}/delegate`, { agentId: h.t.creds.agentId, prompt: `See ${prompted}` });
    assertStatus(run, 201);
    assertStatus(await h.owner("POST", `/runs/${run.body.id}/stop`), 200);

    assertStatus(await h.owner("PATCH", first, { body: `Now only ![e](${added})` }), 200);
    assertStatus(await h.owner("DELETE", second), 204);
    h.later(25 * HOUR);
    await h.t.hub.purger.drain();
    assert.deepEqual(await served([edited, deleted, twice, prompted, added]), [404, 404, 200, 200, 200]);
  });

  it("are kept only by their own workspace's tasks: another's naming one keeps it from neither the purger nor its quota's count", async () => {
    const [home, other] = [await h.workspace(), await h.workspace()];
    const url = await h.url(home.id);
    const task = await h.task(other.projectId, { images: [url], description: `Look: ![shot](${url})` });
    assertStatus(await h.owner("POST", `/tasks/${task}/comments`, { body: `Again: ![shot](${url})` }), 201);
    h.later(25 * HOUR);
    await h.t.hub.purger.drain();
    assert.deepEqual(await served([url]), [404]);
    assert.deepEqual((await h.owner("GET", `/workspaces/${home.id}/storage`)).body, { usedBytes: 0, quotaBytes: 1024 ** 3 });
  });
});

describe("the purger's removal of uploads", () => {
  it("is finished by a hub started again, from the marks in the database", async () => {
    let now = Date.UTC(2030, 0, 1);
    const first = await startTestHub({ clock: () => now, purge: BY_HAND });
    try {
      const res = await request(`${first.baseUrl}/api/v1/uploads?workspaceId=${first.creds.workspaceId}`, {
        method: "POST", headers: { "content-type": "image/png", authorization: `Bearer ${first.creds.ownerToken}` }, body: png() as BodyInit,
      });
      assertStatus(res, 201);
      await first.hub.close();
      now += 25 * HOUR;
      const second = await startTestHub({ clock: () => now, purge: BY_HAND, reuse: { dataDir: first.dataDir, databaseFlag: first.databaseFlag } });
      try {
        await second.hub.purger.drain(); // it began at start; this waits for it, and looks once more
        assertError(await request(`${second.baseUrl}${new URL(res.body.url).pathname}`, {}), 404, "File not found");
      } finally {
        await second.close();
      }
    } finally {
      await first.close();
    }
  });

  it("on PostgreSQL, is shared with another hub: each upload removed by one of them, the quota's count right, neither failing", { skip: process.env.GROUPCHAT_TEST_DATABASE !== "postgres" }, async () => {
    const h = await clockedHub();
    const dir = mkdtempSync(join(tmpdir(), "gc-hub-second-"));
    copyFileSync(join(h.t.dataDir, "credentials.json"), join(dir, "credentials.json"));
    const lines: string[] = [];
    try {
      const second = await startTestHub({ clock: () => Date.UTC(2030, 0, 3), purge: BY_HAND, reuse: { dataDir: dir, databaseFlag: h.t.databaseFlag }, logLines: lines });
      try {
        const ws = await h.workspace();
        const urls = await Promise.all(Array.from({ length: 50 }, () => h.url(ws.id)));
        const kept = await h.url(ws.id);
        await h.task(ws.projectId, { images: [kept] });
        h.later(2 * 24 * HOUR);
        await Promise.all([h.t.hub.purger.drain(), second.hub.purger.drain()]);
        assert.deepEqual(new Set(await served(urls)), new Set([404]));
        assert.deepEqual(await served([kept]), [200]);
        assert.deepEqual((await h.owner("GET", `/workspaces/${ws.id}/storage`)).body, { usedBytes: SIZE, quotaBytes: 1024 ** 3 });
        assert.deepEqual(lines.filter((line) => /purge failed/.test(line)), []);
      } finally {
        await second.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await h.t.close();
    }
  });
});

describe("a workspace's quota", () => {
  let h: Awaited<ReturnType<typeof clockedHub>>;
  before(async () => (h = await clockedHub({ uploadQuota: `${3 * SIZE}B` })));
  after(() => h.t.close());

  it("refuses (413) an upload that would take the workspace over it, saying the limit and the usage", async () => {
    const ws = await h.workspace();
    for (let i = 0; i < 3; i++) await h.url(ws.id);
    const refused = await h.upload(ws.id);
    assertError(refused, 413, new RegExp(`limited to ${3 * SIZE} B and take ${3 * SIZE} B already \\(${3 * SIZE} of ${3 * SIZE} bytes\\)`), {
      usedBytes: 3 * SIZE, quotaBytes: 3 * SIZE,
    });
    assert.deepEqual((await h.owner("GET", `/workspaces/${ws.id}/storage`)).body, { usedBytes: 3 * SIZE, quotaBytes: 3 * SIZE });
    // Another workspace has its own.
    assertStatus(await h.upload((await h.workspace()).id), 201);
  });

  it("counts uploads waiting for removal until they are removed, then has room again", async () => {
    const ws = await h.workspace();
    for (let i = 0; i < 3; i++) await h.url(ws.id);
    h.later(23 * HOUR);
    await h.t.hub.purger.drain();
    assertError(await h.upload(ws.id), 413, /would go over/, { usedBytes: 3 * SIZE, quotaBytes: 3 * SIZE });
    h.later(2 * HOUR);
    await h.t.hub.purger.drain();
    assert.deepEqual((await h.owner("GET", `/workspaces/${ws.id}/storage`)).body, { usedBytes: 0, quotaBytes: 3 * SIZE });
    assertStatus(await h.upload(ws.id), 201);
  });

  it("lets through only as many uploads as fit when they arrive at once", async () => {
    const ws = await h.workspace();
    const answers = await Promise.all(Array.from({ length: 10 }, () => h.upload(ws.id)));
    assert.deepEqual(answers.map((a) => a.status).sort(), [201, 201, 201, 413, 413, 413, 413, 413, 413, 413]);
    assert.deepEqual((await h.owner("GET", `/workspaces/${ws.id}/storage`)).body, { usedBytes: 3 * SIZE, quotaBytes: 3 * SIZE });
    const rows = await h.t.database().all<{ id: string }>("SELECT id FROM uploads WHERE workspace_id = ?", [ws.id]);
    assert.equal(rows.length, 3);
  });

  it("is shown to the workspace's members only (404 for anyone else)", async () => {
    const other = await h.t.hub.writer.run("addUser", { name: "Olga" });
    const ws = await h.workspace();
    assertError(await h.t.owner(other.ownerToken, "GET", `/workspaces/${ws.id}/storage`), 404, "Workspace not found");
    assertError(await h.owner("GET", "/workspaces/ws_nope/storage"), 404, "Workspace not found");
  });
});
