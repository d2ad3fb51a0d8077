/**
 * A task's images one at a time (`POST /tasks/:id/images`, `DELETE /tasks/:id/images?url=`): appended
 * and taken off under the task's lock, so people adding images at the same time all land.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { assertError, assertStatus, createTask } from "../support/api.ts";
import { startTestHub, type TestHub } from "../support/hub.ts";

const url = (n: number | string) => `https://img.example/shots/${n}.png`;

describe("a task's images, one at a time", () => {
  let t: TestHub;
  let owner: (method: string, path: string, body?: unknown, headers?: Record<string, string>) => ReturnType<TestHub["owner"]>;

  before(async () => {
    t = await startTestHub();
    owner = (method, path, body, headers) => t.owner(t.creds.ownerToken, method, path, body, headers);
  });
  after(() => t.close());

  it("POST adds images after those the task has, by URL or {url, name}, and answers the task; a URL it holds already is left out", async () => {
    const task = await createTask(t, { images: [{ url: url("first"), name: "First" }] });
    const added = await owner("POST", `/tasks/${task.id}/images`, { images: [url("two%20words"), { url: url(3), name: "Third" }, url("first")] });
    assertStatus(added, 200);
    assert.equal(added.body.id, task.id);
    assert.deepEqual(added.body.images, [
      { url: url("first"), name: "First" }, { url: url("two%20words"), name: "two words.png" }, { url: url(3), name: "Third" },
    ]);
    assert.deepEqual((await owner("GET", `/tasks/${task.id}`)).body.images, added.body.images);
    // A retry with its Idempotency-Key answers the first one's result, adding nothing.
    const key = { "idempotency-key": "add-once" };
    const once = await owner("POST", `/tasks/${task.id}/images`, { images: [{ url: url(4), name: "" }] }, key);
    const again = await owner("POST", `/tasks/${task.id}/images`, { images: [{ url: url(4), name: "" }] }, key);
    assert.equal(again.headers.get("idempotent-replayed"), "true");
    assert.deepEqual(again.body, once.body);
    assert.equal((await owner("GET", `/tasks/${task.id}`)).body.images.length, 4);
  });

  it("POST names an image by URL with at most the first 500 characters of its last segment, never half of one (a lone surrogate strict JSON parsers refuse)", async () => {
    const task = await createTask(t);
    const long = `https://example.com/shots/${"a".repeat(499)}%F0%9F%98%80%F0%9F%98%80.png`;
    const res = await fetch(`${t.baseUrl}/api/v1/tasks/${task.id}/images`, {
      method: "POST", headers: { authorization: `Bearer ${t.creds.ownerToken}`, "content-type": "application/json" }, body: JSON.stringify({ images: [long] }),
    });
    const text = await res.text();
    assert.equal(res.status, 200);
    assert.ok(!/\\ud[89a-f]/i.test(text), "no lone surrogate escape in the answer");
    const name = `${"a".repeat(499)}\u{1F600}`;
    assert.deepEqual(JSON.parse(text).images, [{ url: long, name }]);
    assert.deepEqual((await owner("GET", `/tasks/${task.id}`)).body.images, [{ url: long, name }]);
    // The list sent back whole, as the web UI's edit does, is taken as it is.
    assertStatus(await owner("PATCH", `/tasks/${task.id}`, { images: [{ url: long, name }] }), 200);
  });

  it("DELETE takes the image with that URL off the task and answers the task; 404 when the task has none", async () => {
    const task = await createTask(t, { images: [{ url: url("a"), name: "A" }, { url: url("b"), name: "B" }] });
    const removed = await owner("DELETE", `/tasks/${task.id}/images?url=${encodeURIComponent(url("a"))}`);
    assertStatus(removed, 200);
    assert.deepEqual(removed.body.images, [{ url: url("b"), name: "B" }]);
    assertError(await owner("DELETE", `/tasks/${task.id}/images?url=${encodeURIComponent(url("a"))}`), 404, "Image on this task not found");
    assertError(await owner("DELETE", `/tasks/task_nope/images?url=${encodeURIComponent(url("b"))}`), 404, "Task not found");
    assertError(await owner("DELETE", `/tasks/${task.id}/images`), 400, 'Invalid querystring: missing required field "url"');
    assert.deepEqual((await owner("GET", `/tasks/${task.id}`)).body.images, [{ url: url("b"), name: "B" }]);
  });

  it("DELETE takes off any URL the task holds, one stored before today's checks too (not a web address, named twice); 404 for one it does not hold", async () => {
    const task = await createTask(t, { title: "Old images" });
    const old = [
      { url: "ftp://files.example/a b.png", name: "A" }, { url: url("twice"), name: "1" }, { url: url("twice"), name: "2" },
      { url: url("kept"), name: "K" }, { url: "javascript:alert(1)", name: "J" },
    ];
    await t.database().run("UPDATE tasks SET images = ? WHERE id = ?", [JSON.stringify(old), task.id]);
    for (const gone of ["ftp://files.example/a b.png", "javascript:alert(1)", url("twice")]) {
      assertStatus(await owner("DELETE", `/tasks/${task.id}/images?url=${encodeURIComponent(gone)}`), 200);
    }
    assert.deepEqual((await owner("GET", `/tasks/${task.id}`)).body.images, [{ url: url("kept"), name: "K" }]);
    assertError(await owner("DELETE", `/tasks/${task.id}/images?url=not%20a%20url`), 404, "Image on this task not found");
  });

  it("checks images as PATCH does: web addresses only, at most 50 on a task, no unknown fields, only your tasks", async () => {
    const task = await createTask(t, { images: Array.from({ length: 48 }, (_, i) => ({ url: url(`full-${i}`), name: "" })) });
    const path = `/tasks/${task.id}/images`;
    assertError(await owner("POST", path, { images: ["javascript:alert(1)"] }), 400, /^Invalid body: images\.0 /);
    assertError(await owner("POST", path, { images: [{ url: url(1), name: "x", size: 1 }] }), 400, /^Invalid body: images\.0 /);
    assert.equal((await owner("POST", path, { images: [] })).body.images.length, 48, "none: nothing added");
    assertError(await owner("POST", path, { images: [url(1)], extra: true }), 400, 'Invalid body: unknown field "extra"');
    assertError(await owner("POST", path, { images: [url(1), url(2), url(3)] }), 400,
      "A task holds at most 50 images; it has 48, and 3 more would be over");
    assertStatus(await owner("POST", path, { images: [url(1), url(2)] }), 200);
    assert.equal((await owner("GET", `/tasks/${task.id}`)).body.images.length, 50);
    // A task in a workspace of someone else's alone.
    const other = await t.hub.writer.run("addUser", { name: "Other" });
    const ws = (await t.owner(other.ownerToken, "POST", "/workspaces", { name: "Theirs" })).body.id;
    const prj = (await t.owner(other.ownerToken, "POST", "/projects", { name: "Theirs" }, { "x-workspace-id": ws })).body.id;
    const theirs = await createTask(t, { projectId: prj, images: [{ url: url(1), name: "" }] }, other.ownerToken);
    assertError(await owner("POST", `/tasks/${theirs.id}/images`, { images: [url(5)] }), 404, "Task not found");
    assertError(await owner("DELETE", `/tasks/${theirs.id}/images?url=${encodeURIComponent(url(1))}`), 404, "Task not found");
    assert.equal((await t.owner(other.ownerToken, "GET", `/tasks/${theirs.id}`)).body.images.length, 1);
  });

  it("a whole list of images (PATCH, or a new task) naming one URL twice is refused with 400 naming it, and changes nothing", async () => {
    const task = await createTask(t, { images: [{ url: url("kept"), name: "Kept" }] });
    const twice = [{ url: url("dup"), name: "One" }, { url: url("other"), name: "" }, { url: url("dup"), name: "Two" }];
    assertError(await owner("PATCH", `/tasks/${task.id}`, { images: twice, title: "Renamed" }), 400,
      `images names ${url("dup")} more than once`);
    const unchanged = (await owner("GET", `/tasks/${task.id}`)).body;
    assert.deepEqual(unchanged.images, [{ url: url("kept"), name: "Kept" }]);
    assert.equal(unchanged.title, task.title);
    assertError(await owner("POST", "/tasks", { projectId: task.projectId, title: "New", images: twice }), 400,
      `images names ${url("dup")} more than once`);
    assertStatus(await owner("PATCH", `/tasks/${task.id}`, { images: twice.slice(0, 2) }), 200);
  });

  it("images added by several people at the same time all land, and removals at the same time each take theirs", async () => {
    const task = await createTask(t);
    const path = `/tasks/${task.id}/images`;
    const many = Array.from({ length: 12 }, (_, i) => i);
    for (const res of await Promise.all(many.map((i) => owner("POST", path, { images: [url(`at-once-${i}`)] })))) assertStatus(res, 200);
    const images = (await owner("GET", `/tasks/${task.id}`)).body.images as { url: string }[];
    assert.deepEqual(images.map((i) => i.url).sort(), many.map((i) => url(`at-once-${i}`)).sort());
    const gone = many.filter((i) => i % 2 === 0);
    for (const res of await Promise.all(gone.map((i) => owner("DELETE", `${path}?url=${encodeURIComponent(url(`at-once-${i}`))}`)))) assertStatus(res, 200);
    const left = (await owner("GET", `/tasks/${task.id}`)).body.images as { url: string }[];
    assert.deepEqual(left.map((i) => i.url).sort(), many.filter((i) => i % 2 === 1).map((i) => url(`at-once-${i}`)).sort());
  });
});
