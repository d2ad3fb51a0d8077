/**
 * Letting people in from the web UI: a member makes a one-time invite link for a
 * workspace; whoever opens it joins, as a new person named on the spot (signed in
 * by a new session cookie) or as the person already signed in.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { hashToken } from "../../src/hub/domain/tokens.ts";
import { assertError, assertStatus } from "../support/api.ts";
import { request, startTestHub, type Res, type TestHub } from "../support/hub.ts";
import { CSRF, signIn, withCookie } from "./support/session.ts";

describe("workspace invites", () => {
  let t: TestHub;
  before(async () => (t = await startTestHub()));
  after(() => t.close());

  const invite = async (workspaceId = t.creds.workspaceId, token = t.creds.ownerToken) => {
    const res = await t.owner(token, "POST", `/workspaces/${workspaceId}/invites`);
    assertStatus(res, 201);
    return res.body as { code: string; url: string; expiresAt: number; workspaceName: string };
  };
  const join = (body: unknown, headers: Record<string, string> = CSRF): Promise<Res> =>
    request(`${t.baseUrl}/api/v1/session/join`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });

  it("a new person joins with a name: a member of that workspace, signed in by an HttpOnly cookie; the link works once", async () => {
    const made = await invite();
    assert.match(made.code, /^gci_/);
    assert.equal(made.url, `/join#code=${made.code}`);
    assert.equal(made.workspaceName, `${(await t.owner(t.creds.ownerToken, "GET", "/me")).body.name}'s workspace`);
    const joined = await join({ code: made.code, name: "  Dana  " });
    assertStatus(joined, 200);
    assert.deepEqual([joined.body.name, joined.body.workspaceId], ["Dana", t.creds.workspaceId]);
    const cookie = joined.headers.get("set-cookie")!;
    assert.match(cookie, /^gc_session=gcs_[^;]+; Path=\/; HttpOnly; SameSite=Strict/);
    const session = cookie.split(";")[0]!;
    assert.deepEqual((await withCookie(t, session, "GET", "/workspaces")).body.map((w: { id: string }) => w.id), [t.creds.workspaceId]);
    assertStatus(await withCookie(t, session, "POST", "/tasks", { projectId: t.creds.projectId, title: "Dana's first task" }), 201);
    // Once only, and only the code itself: no hash, no other kind of token.
    assertError(await join({ code: made.code, name: "Eve" }), 401, "Invalid or expired invite");
    assertError(await join({ code: hashToken(made.code), name: "Eve" }), 401, "Invalid or expired invite");
    assertError(await join({ code: t.creds.ownerToken, name: "Eve" }), 401, "Invalid or expired invite");
  });

  it("someone signed in joins as themselves: no second account, the same session", async () => {
    const other = await t.hub.writer.run("addUser", { name: "Finn" });
    const ws = (await t.owner(other.ownerToken, "POST", "/workspaces", { name: "Finn's" })).body;
    const made = await invite(ws.id, other.ownerToken);
    const cookie = await signIn(t);
    const joined = await join({ code: made.code }, { ...CSRF, cookie });
    assertStatus(joined, 200);
    assert.deepEqual([joined.body.userId, joined.body.workspaceId], [t.creds.ownerId, ws.id]);
    assert.equal(joined.headers.get("set-cookie"), null, "the session it has is kept");
    assert.ok((await t.owner(t.creds.ownerToken, "GET", "/workspaces")).body.some((w: { id: string }) => w.id === ws.id));
  });

  it("someone signed in who is in the workspace already leaves the invite unused, for the person it was made for", async () => {
    const made = await invite();
    const cookie = await signIn(t);
    const checked = await join({ code: made.code }, { ...CSRF, cookie });
    assertStatus(checked, 200);
    assert.deepEqual([checked.body.userId, checked.body.workspaceId], [t.creds.ownerId, t.creds.workspaceId]);
    assert.ok((await t.owner(t.creds.ownerToken, "GET", `/workspaces/${t.creds.workspaceId}/invites`)).body.length > 0);
    const joined = await join({ code: made.code, name: "Mo" });
    assertStatus(joined, 200);
    assert.equal(joined.body.name, "Mo");
    assertError(await join({ code: made.code, name: "Nell" }), 401, "Invalid or expired invite");
  });

  it("refuses: no name and no session (400), an expired link (401), no CSRF header (403), a workspace you are not in (404)", async () => {
    assertError(await join({ code: (await invite()).code }), 400, "name must not be blank (empty, or only spaces or invisible characters)");
    const expired = await invite();
    await t.database().run("UPDATE invites SET expires_at = 1 WHERE code_hash = ?", [hashToken(expired.code)]);
    assertError(await join({ code: expired.code, name: "Gus" }), 401, "Invalid or expired invite");
    assert.equal((await join({ code: (await invite()).code, name: "Gus" }, {})).status, 403);
    const stranger = await t.hub.writer.run("addUser", { name: "Hal" });
    const theirs = (await t.owner(stranger.ownerToken, "POST", "/workspaces", { name: "Hal's" })).body;
    assertError(await t.owner(t.creds.ownerToken, "POST", `/workspaces/${theirs.id}/invites`), 404, "Workspace not found");
    assert.equal((await join({ code: "gci_nothing", name: "Gus" })).status, 401);
  });

  it("a workspace holds at most 50 open invites (the list shows them all): the 51st is 409 until one is used, taken back or expired", async () => {
    const ws = (await t.owner(t.creds.ownerToken, "POST", "/workspaces", { name: "Crowded" })).body;
    const made = [];
    for (let i = 0; i < 50; i++) made.push(await invite(ws.id));
    const refused = await t.owner(t.creds.ownerToken, "POST", `/workspaces/${ws.id}/invites`);
    assertError(refused, 409, "This workspace has 50 open invites, the most it may have: take one back (or let one be used) first");
    assertStatus(await join({ code: made[0]!.code, name: "Lu" }), 200);
    await invite(ws.id);
    await t.database().run("UPDATE invites SET expires_at = 1 WHERE workspace_id = ? AND id IN (SELECT id FROM invites WHERE workspace_id = ? ORDER BY id LIMIT 1)", [ws.id, ws.id]);
    await invite(ws.id);
    assert.equal((await t.owner(t.creds.ownerToken, "GET", `/workspaces/${ws.id}/invites`)).body.length, 50);
    // Another workspace's are its own.
    await invite();
  });

  it("lists the open invites (never their codes) and revokes one: its link stops working at once", async () => {
    const ws = (await t.owner(t.creds.ownerToken, "POST", "/workspaces", { name: "Revocable" })).body;
    const [a, b] = [await invite(ws.id), await invite(ws.id)];
    const open = await t.owner(t.creds.ownerToken, "GET", `/workspaces/${ws.id}/invites`);
    assertStatus(open, 200);
    assert.equal(open.body.length, 2);
    assert.deepEqual(Object.keys(open.body[0]).sort(), ["createdAt", "createdBy", "expiresAt", "id"]);
    assert.ok(!JSON.stringify(open.body).includes(a.code) && !JSON.stringify(open.body).includes(b.code));
    const newest = open.body[0].id;
    assert.equal((await t.owner(t.creds.ownerToken, "DELETE", `/workspaces/${ws.id}/invites/${newest}`)).status, 204);
    assertError(await join({ code: b.code, name: "Ike" }), 401, "Invalid or expired invite");
    assertStatus(await join({ code: a.code, name: "Jo" }), 200);
    assert.deepEqual((await t.owner(t.creds.ownerToken, "GET", `/workspaces/${ws.id}/invites`)).body, []);
    assertError(await t.owner(t.creds.ownerToken, "DELETE", `/workspaces/${ws.id}/invites/${newest}`), 404, "Invite not found");
    // Not a member: nothing to see or take back.
    const stranger = await t.hub.writer.run("addUser", { name: "Kit" });
    assertError(await t.owner(stranger.ownerToken, "GET", `/workspaces/${ws.id}/invites`), 404, "Workspace not found");
  });

  it("a member taken out of the workspace takes their open invites along: they cannot come back by one, nor let anyone else in", async () => {
    const ws = (await t.owner(t.creds.ownerToken, "POST", "/workspaces", { name: "Closed door" })).body;
    const gil = await t.hub.writer.run("addUser", { name: "Gil" });
    assertStatus(await t.owner(t.creds.ownerToken, "POST", `/workspaces/${ws.id}/members`, { userId: gil.userId }), 201);
    const [forSelf, forFriend] = [await invite(ws.id, gil.ownerToken), await invite(ws.id, gil.ownerToken)];
    const mine = await invite(ws.id);
    assert.equal((await t.owner(t.creds.ownerToken, "DELETE", `/workspaces/${ws.id}/members/${gil.userId}`)).status, 204);
    const open = await t.owner(t.creds.ownerToken, "GET", `/workspaces/${ws.id}/invites`);
    assert.deepEqual(open.body.map((i: { createdBy: { id: string } }) => i.createdBy.id), [t.creds.ownerId]);
    assertError(await join({ code: forSelf.code }, { ...CSRF, cookie: await signIn(t, gil.userId) }), 401, "Invalid or expired invite");
    assertError(await join({ code: forFriend.code, name: "Gil's friend" }), 401, "Invalid or expired invite");
    assert.deepEqual((await t.owner(t.creds.ownerToken, "GET", `/workspaces/${ws.id}/members`)).body.map((m: { id: string }) => m.id), [t.creds.ownerId]);
    // Those the others made still work.
    assertStatus(await join({ code: mine.code, name: "Lee" }), 200);
  });

  it("an invite retried with its Idempotency-Key is not shown again (409), and the code is stored only as a hash", async () => {
    const key = { "idempotency-key": "invite-once" };
    const first = await t.owner(t.creds.ownerToken, "POST", `/workspaces/${t.creds.workspaceId}/invites`, undefined, key);
    assertStatus(first, 201);
    const again = await t.owner(t.creds.ownerToken, "POST", `/workspaces/${t.creds.workspaceId}/invites`, undefined, key);
    assertError(again, 409, "This request already succeeded; the invite link it made is shown only once. Make another one.");
    const rows = await t.database().all<{ code_hash: string }>("SELECT code_hash FROM invites");
    assert.ok(rows.some((r) => r.code_hash === hashToken(first.body.code)));
    assert.ok(!JSON.stringify(rows).includes(first.body.code));
  });
});
