/**
 * Coming back into a workspace: one its creator removed gets back in only on the creator's say (whoever the creator
 * is now), by a link of theirs or by being added; another member's link or add is refused (403) and the link stays
 * for others. One who left by themself comes back by anyone's link.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { assertError, assertStatus } from "../support/api.ts";
import { request, startTestHub, type Res, type TestHub } from "../support/hub.ts";
import { CSRF, signIn } from "./support/session.ts";

for (const database of ["sqlite", "postgres"] as const) describe(`coming back into a workspace (${database})`, () => {
  let t: TestHub;
  before(async () => (t = await startTestHub({ database })));
  after(() => t.close());

  const person = (name: string) => t.hub.writer.run("addUser", { name });
  const invite = async (workspaceId: string, token: string) => {
    const res = await t.owner(token, "POST", `/workspaces/${workspaceId}/invites`);
    assertStatus(res, 201);
    return res.body.code as string;
  };
  const post = (body: unknown, cookie?: string): Promise<Res> => request(`${t.baseUrl}/api/v1/session/join`, {
    method: "POST", headers: { "content-type": "application/json", ...CSRF, ...(cookie ? { cookie } : {}) }, body: JSON.stringify(body),
  });
  /** Opens the link signed in as this person, or as a new person by this name. */
  const join = async (code: string, as: { userId: string } | { name: string }): Promise<Res> =>
    "userId" in as ? post({ code }, await signIn(t, as.userId)) : post({ code, name: as.name });
  const memberIds = async (workspaceId: string) =>
    (await t.owner(t.creds.ownerToken, "GET", `/workspaces/${workspaceId}/members`)).body.map((m: { id: string }) => m.id) as string[];
  const openInvites = async (workspaceId: string, token: string) =>
    ((await t.owner(token, "GET", `/workspaces/${workspaceId}/invites`)).body as unknown[]).length;

  /** A workspace of the hub's owner (its creator) with a member, Mia, and another, the one the tests take out. */
  async function workspace(name: string) {
    const ws = (await t.owner(t.creds.ownerToken, "POST", "/workspaces", { name })).body as { id: string; name: string };
    const [mia, out] = [await person(`${name} Mia`), await person(`${name} Rex`)];
    for (const p of [mia, out]) assertStatus(await t.owner(t.creds.ownerToken, "POST", `/workspaces/${ws.id}/members`, { userId: p.userId }), 201);
    return { ws, mia, out };
  }
  const remove = async (workspaceId: string, userId: string, token = t.creds.ownerToken) =>
    assert.equal((await t.owner(token, "DELETE", `/workspaces/${workspaceId}/members/${userId}`)).status, 204);
  const ownerName = async () => (await t.owner(t.creds.ownerToken, "GET", "/me")).body.name as string;

  it("removed by the creator, they are refused another member's link, made before or after (403, the link left for others), and another member's add", async () => {
    const { ws, mia, out } = await workspace("Locked");
    const before = await invite(ws.id, mia.ownerToken);
    await remove(ws.id, out.userId);
    const afterwards = await invite(ws.id, mia.ownerToken);
    const refusal = `You were removed from Locked by its creator: only the workspace's creator (${await ownerName()}) can let you back in. Ask them to add you, or for an invite link of theirs.`;
    for (const code of [before, afterwards]) assertError(await join(code, out), 403, refusal);
    assert.equal(await openInvites(ws.id, mia.ownerToken), 2, "both links are still open");
    assert.ok(!(await memberIds(ws.id)).includes(out.userId));
    assert.ok(!(await t.owner(out.ownerToken, "GET", "/workspaces")).body.some((w: { id: string }) => w.id === ws.id));

    assertError(await t.owner(mia.ownerToken, "POST", `/workspaces/${ws.id}/members`, { userId: out.userId }), 403,
      `Locked Rex was removed from Locked by its creator: only the workspace's creator (${await ownerName()}) can let them back in. Ask them to.`);
    assert.ok(!(await memberIds(ws.id)).includes(out.userId));

    // Whom the links were for still gets in by them.
    const newcomer = await join(before, { name: "Nia" });
    assertStatus(newcomer, 200);
    const other = await person("Locked Oli");
    assertStatus(await join(afterwards, other), 200);
    assert.equal(await openInvites(ws.id, mia.ownerToken), 0);
  });

  it("the creator lets them back in by a link of theirs, made before or after, or by adding them; back in, the mark is gone", async () => {
    const { ws, mia, out } = await workspace("Door");
    const earlier = await invite(ws.id, t.creds.ownerToken);
    await remove(ws.id, out.userId);
    const joined = await join(earlier, out);
    assertStatus(joined, 200);
    assert.deepEqual([joined.body.userId, joined.body.workspaceId], [out.userId, ws.id]);
    assert.ok((await memberIds(ws.id)).includes(out.userId));

    await remove(ws.id, out.userId);
    assertStatus(await join(await invite(ws.id, t.creds.ownerToken), out), 200);

    await remove(ws.id, out.userId);
    assertStatus(await t.owner(t.creds.ownerToken, "POST", `/workspaces/${ws.id}/members`, { userId: out.userId }), 201);
    assert.ok((await memberIds(ws.id)).includes(out.userId));
    // Let back in, then leaving by themself: any member's link lets them in again.
    await remove(ws.id, out.userId, out.ownerToken);
    assertStatus(await join(await invite(ws.id, mia.ownerToken), out), 200);
  });

  it("someone who left by themself comes back by any member's link, or any member's add", async () => {
    const { ws, mia, out } = await workspace("Revolving");
    await remove(ws.id, out.userId, out.ownerToken);
    const joined = await join(await invite(ws.id, mia.ownerToken), out);
    assertStatus(joined, 200);
    assert.ok((await memberIds(ws.id)).includes(out.userId));
    await remove(ws.id, out.userId, out.ownerToken);
    assertStatus(await t.owner(mia.ownerToken, "POST", `/workspaces/${ws.id}/members`, { userId: out.userId }), 201);
    assert.ok((await memberIds(ws.id)).includes(out.userId));
  });

  it("handed to another member, the workspace's new creator lets them back in, by any link of theirs; the former creator no longer can", async () => {
    const { ws, mia, out } = await workspace("Handed");
    const miasEarlier = await invite(ws.id, mia.ownerToken);
    const formers = await invite(ws.id, t.creds.ownerToken);
    await remove(ws.id, out.userId);
    assertStatus(await t.owner(t.creds.ownerToken, "PATCH", `/workspaces/${ws.id}`, { creatorId: mia.userId }), 200);

    assertError(await join(formers, out), 403,
      "You were removed from Handed by its creator: only the workspace's creator (Handed Mia) can let you back in. Ask them to add you, or for an invite link of theirs.");
    assertError(await t.owner(t.creds.ownerToken, "POST", `/workspaces/${ws.id}/members`, { userId: out.userId }), 403);
    // Made before she was its creator, the link is hers: she is its creator as it is opened.
    assertStatus(await join(miasEarlier, out), 200);
    assert.ok((await memberIds(ws.id)).includes(out.userId));

    // And by adding them.
    await remove(ws.id, out.userId, mia.ownerToken);
    assertError(await join(formers, out), 403);
    assertStatus(await t.owner(mia.ownerToken, "POST", `/workspaces/${ws.id}/members`, { userId: out.userId }), 201);
  });

  it("removed while opening another member's link at the same moment, they are left out either way, and the link unused", async () => {
    const { ws, mia, out } = await workspace("Race");
    const code = await invite(ws.id, mia.ownerToken);
    const cookie = await signIn(t, out.userId);
    const [joined] = await Promise.all([post({ code }, cookie), remove(ws.id, out.userId)]);
    // Before the removal it found them in already (nothing to join), after it they were refused.
    assert.ok([200, 403].includes(joined.status), `${joined.status} ${JSON.stringify(joined.body)}`);
    assert.ok(!(await memberIds(ws.id)).includes(out.userId));
    assert.equal(await openInvites(ws.id, mia.ownerToken), 1);
  });

  it("a removed person's own invites went with them, and a deleted workspace keeps no mark", async () => {
    const { ws, out } = await workspace("Gone");
    const theirs = await invite(ws.id, out.ownerToken);
    await remove(ws.id, out.userId);
    assertError(await join(theirs, out), 401, "Invalid or expired invite");
    assertError(await join(theirs, { name: "Their friend" }), 401, "Invalid or expired invite");
    const marks = async () => Number((await t.database().get<{ n: number }>("SELECT count(*) AS n FROM workspace_removals WHERE workspace_id = ?", [ws.id]))!.n);
    assert.equal(await marks(), 1);
    assert.equal((await t.owner(t.creds.ownerToken, "DELETE", `/workspaces/${ws.id}`)).status, 204);
    assert.equal(await marks(), 0);
  });
});
