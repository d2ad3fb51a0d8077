/**
 * Uploaded images (`POST /api/v1/uploads`, `GET /files/:id/:key`): a person pastes a
 * screenshot into a task, the hub keeps the bytes and serves them at a capability URL
 * without auth, so the task's images (and the bridge that fetches them) just work.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { fetchAttachments } from "../../src/bridge/attachments.ts";
import { png } from "../bridge/support/image-server.ts";
import { assertError, assertStatus } from "../support/api.ts";
import { request, startTestHub, type Res, type TestHub } from "../support/hub.ts";
import { signIn } from "../web/support/session.ts";

describe("uploaded images", () => {
  let t: TestHub;
  before(async () => (t = await startTestHub()));
  after(() => t.close());

  const upload = (body: Uint8Array, options: { type?: string; query?: string; auth?: Record<string, string> } = {}): Promise<Res> =>
    request(`${t.baseUrl}/api/v1/uploads?${options.query ?? `workspaceId=${t.creds.workspaceId}`}`, {
      method: "POST",
      headers: { "content-type": options.type ?? "image/png", ...(options.auth ?? { authorization: `Bearer ${t.creds.ownerToken}` }) },
      body: body as BodyInit,
    });

  it("takes a PNG (201) and serves the same bytes at its URL, without auth, with headers that keep it an image", async () => {
    const res = await upload(png(), { query: `workspaceId=${t.creds.workspaceId}&name=shot.png` });
    assertStatus(res, 201);
    assert.deepEqual(Object.keys(res.body).sort(), ["bytes", "contentType", "id", "name", "url"]);
    assert.equal(res.body.bytes, png().length);
    assert.equal(res.body.contentType, "image/png");
    assert.equal(res.body.name, "shot.png");
    assert.match(res.body.url, new RegExp(`^${t.baseUrl}/files/${res.body.id}/[A-Za-z0-9_-]{32}$`));

    const file = await fetch(res.body.url);
    assert.equal(file.status, 200);
    assert.deepEqual(Buffer.from(await file.arrayBuffer()), png());
    assert.equal(file.headers.get("content-type"), "image/png");
    assert.equal(file.headers.get("x-content-type-options"), "nosniff");
    assert.equal(file.headers.get("content-security-policy"), "default-src 'none'");
    assert.equal(file.headers.get("cache-control"), "private, max-age=31536000, immutable");
    assert.equal(file.headers.get("content-disposition"), "inline");

    // Only the key's hash is kept.
    const [row] = await t.database().all<{ key_hash: string }>("SELECT key_hash FROM uploads WHERE id = ?", [res.body.id]);
    assert.ok(row && !res.body.url.endsWith(row.key_hash));
  });

  it("takes a name holding a NUL, kept as U+FFFD on both databases (PostgreSQL refused the upload: 400)", async () => {
    const res = await upload(png(), { query: `workspaceId=${t.creds.workspaceId}&name=a%00b.png` });
    assertStatus(res, 201);
    assert.equal(res.body.name, "a\uFFFDb.png");
    const [row] = await t.database().all<{ name: string }>("SELECT name FROM uploads WHERE id = ?", [res.body.id]);
    assert.equal(row?.name, "a\uFFFDb.png");
  });

  it("takes the same PNG where writes run on a writer thread (the bytes cross to it)", async (context) => {
    if (t.kind !== "sqlite") return context.skip("the writer thread is SQLite's");
    const threaded = await startTestHub({ writer: "thread" });
    try {
      const res = await request(`${threaded.baseUrl}/api/v1/uploads?workspaceId=${threaded.creds.workspaceId}`, {
        method: "POST", headers: { "content-type": "image/png", authorization: `Bearer ${threaded.creds.ownerToken}` }, body: png() as BodyInit,
      });
      assertStatus(res, 201);
      assert.deepEqual(Buffer.from(await (await fetch(res.body.url)).arrayBuffer()), png());
    } finally {
      await threaded.close();
    }
  });

  it("answers 404 for a wrong key or id", async () => {
    const { body } = await upload(png());
    const url = new URL(body.url);
    const [, , id, key] = url.pathname.split("/");
    for (const path of [`/files/${id}/${key!.replace(/^./, (c) => (c === "A" ? "B" : "A"))}`, `/files/upl_nope/${key}`, `/files/${id}/x`]) {
      assertError(await request(`${t.baseUrl}${path}`, {}), 404, "File not found");
    }
  });

  it("refuses HTML or SVG sent as an image, and a type it does not serve (415)", async () => {
    const html = Buffer.from("<!doctype html><script>alert(1)</script>");
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>');
    assertError(await upload(html), 415, /not a PNG, JPEG, GIF or WebP/);
    assertError(await upload(svg, { type: "image/gif" }), 415, /not a PNG, JPEG, GIF or WebP/);
    assertError(await upload(svg, { type: "image/svg+xml" }), 415, /Content-Type must be image\/png/);
    assertError(await upload(png(), { type: "text/html" }), 415, /Content-Type must be image\/png/);
    assertError(await upload(png(), { type: "application/json" }), 415, /Content-Type must be image\/png/);
    assertError(await upload(png(), { type: "image/jpeg" }), 415, "The body is image/png, not image/jpeg as Content-Type said");
    assertError(await upload(Buffer.alloc(0)), 415, /not a PNG/);
  });

  it("refuses a body over 10 MiB (413); the JSON API's limit stays 1 MiB", async () => {
    const big = Buffer.concat([png(), Buffer.alloc(10 * 1024 * 1024)]);
    assertError(await upload(big), 413, "Request body is larger than 10 MiB");
    const task = await t.owner(t.creds.ownerToken, "POST", "/tasks", { projectId: t.creds.projectId, title: "x", description: "y".repeat(1024 * 1024) });
    assertError(task, 413, "Request body is larger than 1 MiB");
  });

  it("needs the owner's token or session (401), a session's CSRF header (403), and a workspace the caller is in (404)", async () => {
    assertError(await upload(png(), { auth: {} }), 401);
    assertError(await upload(png(), { auth: { authorization: "Bearer gcp_wrong" } }), 401);
    const cookie = await signIn(t);
    assertError(await upload(png(), { auth: { cookie } }), 403);
    assertStatus(await upload(png(), { auth: { cookie, "x-groupchat-csrf": "1" } }), 201);
    const other = await t.hub.writer.run("addUser", { name: "Olga" });
    const theirs = await t.owner(other.ownerToken, "POST", "/workspaces", { name: "Olga's" });
    assertError(await upload(png(), { query: `workspaceId=${theirs.body.id}` }), 404, "Workspace not found");
    assertError(await upload(png(), { query: "" }), 400, /workspaceId/);
  });

  it("goes into a task's images; the agent's run detail lists it and the bridge fetches the PNG from the hub", async () => {
    const { body: uploaded } = await upload(png(), { query: `workspaceId=${t.creds.workspaceId}&name=shot.png` });
    const images = [{ url: uploaded.url, name: "shot.png" }];
    const task = await t.owner(t.creds.ownerToken, "POST", "/tasks", { projectId: t.creds.projectId, title: "See the screenshot", images });
    assertStatus(task, 201);
    const edited = await t.owner(t.creds.ownerToken, "PATCH", `/tasks/${task.body.id}`, { images });
    assertStatus(edited, 200);
    const run = await t.owner(t.creds.ownerToken, "POST", `/tasks/${task.body.id}/delegate`, { agentId: t.creds.agentId });
    assertStatus(run, 201);
    const detail = await t.agent(t.creds.agentToken, "GET", `/runs/${run.body.id}`);
    assertStatus(detail, 200);
    assert.deepEqual(detail.body.task.images, images);

    const { attachments, skipped } = await fetchAttachments(detail.body.task.images, { signal: AbortSignal.timeout(10_000) });
    assert.deepEqual(skipped, []);
    assert.equal(attachments.length, 1);
    assert.equal(attachments[0]!.mimeType, "image/png");
    assert.deepEqual(Buffer.from(attachments[0]!.content, "base64"), png());
    await t.owner(t.creds.ownerToken, "POST", `/runs/${run.body.id}/stop`);
  });

  it("stops serving a deleted workspace's uploads at once, and the purger removes their bytes", async () => {
    const workspace = await t.owner(t.creds.ownerToken, "POST", "/workspaces", { name: "Scratch" });
    assertStatus(workspace, 201);
    const { body } = await upload(png(), { query: `workspaceId=${workspace.body.id}` });
    assert.equal((await fetch(body.url)).status, 200);
    assertStatus(await t.owner(t.creds.ownerToken, "DELETE", `/workspaces/${workspace.body.id}`), 204);
    assertError(await request(body.url, {}), 404, "File not found");
    await t.hub.purger.drain();
    assert.deepEqual(await t.database().all("SELECT id FROM uploads WHERE workspace_id = ?", [workspace.body.id]), []);
    assert.deepEqual(await t.database().all("SELECT id FROM workspaces WHERE id = ?", [workspace.body.id]), []);
  });
});
