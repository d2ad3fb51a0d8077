/**
 * Personal access tokens anyone manages (`/api/v1/tokens`): make a named gcp_
 * token (shown once), list yours (never the secret), revoke one (it stops working
 * at once). A person who joined by invite link, with only a session cookie, makes
 * one to script the owner API.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { hashToken } from "../../src/hub/domain/tokens.ts";
import type { ApiTokenView } from "../../src/hub/services/api-tokens.ts";
import { assertError, assertStatus } from "../support/api.ts";
import { request, startTestHub, type TestHub } from "../support/hub.ts";
import { CSRF, signIn, withCookie } from "../web/support/session.ts";

/** A row of GET /tokens: the service's view, as the route sends it. */
type Listed = ApiTokenView;

describe("personal access tokens", () => {
  let t: TestHub;
  const logLines: string[] = [];
  before(async () => (t = await startTestHub({ logLines })));
  after(() => t.close());

  const make = async (name: string, token = t.creds.ownerToken) => {
    const res = await t.owner(token, "POST", "/tokens", { name });
    assertStatus(res, 201);
    return res.body as { id: string; name: string; createdAt: number; token: string };
  };
  const list = async (token = t.creds.ownerToken): Promise<Listed[]> => {
    const res = await t.owner(token, "GET", "/tokens");
    assertStatus(res, 200);
    return res.body;
  };

  it("POST /tokens makes a named gcp_ token, shown this once, that works as Bearer; GET /tokens lists it without the secret", async () => {
    const made = await make("  CI deploys  ");
    assert.deepEqual(Object.keys(made).sort(), ["createdAt", "id", "name", "token"]);
    assert.equal(made.name, "CI deploys");
    assert.match(made.id, /^tok_/);
    assert.match(made.token, /^gcp_[A-Za-z0-9_-]{43}$/);
    assert.equal((await t.owner(made.token, "GET", "/me")).body.id, t.creds.ownerId);

    const listed = await list(made.token);
    assert.deepEqual(listed[0], {
      id: made.id, name: "CI deploys", createdAt: made.createdAt, lastUsedAt: listed[0]!.lastUsedAt, prefix: made.token.slice(0, 8), inCredentialsFile: false,
    });
    for (const item of listed) assert.deepEqual(Object.keys(item).sort(), ["createdAt", "id", "inCredentialsFile", "lastUsedAt", "name", "prefix"]);
    const text = JSON.stringify(listed);
    assert.ok(!text.includes(made.token) && !text.includes(hashToken(made.token)), "neither the token nor its hash is listed");
    // Kept only as its hash.
    const rows = await t.database().all<{ token_hash: string }>("SELECT token_hash FROM owner_tokens WHERE id = ?", [made.id]);
    assert.deepEqual(rows, [{ token_hash: hashToken(made.token) }]);
  });

  it("lists the tokens made before, by hub init and hub user add, under names saying so; sessions are not listed", async () => {
    const added = await t.hub.writer.run("addUser", { name: "Uma" });
    assert.deepEqual((await list(added.ownerToken)).map((x) => [x.name, x.prefix]), [["Created by hub user add", added.ownerToken.slice(0, 8)]]);
    await signIn(t);
    const mine = await list();
    assert.equal(mine.at(-1)!.name, "Created by hub init", "oldest last");
    const sessions = await t.database().all<{ id: string }>("SELECT id FROM owner_tokens WHERE kind = 'session' AND user_id = ?", [t.creds.ownerId]);
    assert.ok(sessions.length > 0);
    assert.ok(sessions.every((s) => !mine.some((x) => x.id === s.id)));
  });

  it("marks the token hub init wrote to credentials.json, and no other: not one named like it, nor anyone else's", async () => {
    const lookalike = await make("Created by hub init");
    const inFile = (await t.database().get<{ id: string }>("SELECT id FROM owner_tokens WHERE token_hash = ?", [hashToken(t.creds.ownerToken)]))!.id;
    const mine = await list();
    assert.deepEqual(mine.filter((x) => x.inCredentialsFile).map((x) => x.id), [inFile]);
    assert.equal(mine.find((x) => x.id === lookalike.id)!.inCredentialsFile, false);
    const added = await t.hub.writer.run("addUser", { name: "Vic" });
    assert.deepEqual((await list(added.ownerToken)).map((x) => x.inCredentialsFile), [false]);
  });

  it("records a token's last use (not at each call: at most once a minute)", async () => {
    const made = await make("Used once");
    assert.equal((await list()).find((x) => x.id === made.id)!.lastUsedAt, null);
    assertStatus(await t.owner(made.token, "GET", "/workspaces"), 200);
    // Written off the request's path: it lands a moment after the call.
    let used: number | null = null;
    for (let i = 0; i < 200 && used === null; i++) {
      used = (await list()).find((x) => x.id === made.id)!.lastUsedAt;
      if (used === null) await new Promise((resolve) => setTimeout(resolve, 10));
    }
    assert.ok(used !== null && used >= made.createdAt, "lastUsedAt was recorded");
  });

  it("DELETE /tokens/:id revokes it: 204, refused at once (401) though it was just used, gone from the list; again 404", async () => {
    const made = await make("Short-lived");
    assertStatus(await t.owner(made.token, "GET", "/workspaces"), 200);
    assert.equal((await t.owner(t.creds.ownerToken, "DELETE", `/tokens/${made.id}`)).status, 204);
    assertError(await t.owner(made.token, "GET", "/workspaces"), 401, "Invalid owner token");
    assert.ok(!(await list()).some((x) => x.id === made.id));
    assertError(await t.owner(t.creds.ownerToken, "DELETE", `/tokens/${made.id}`), 404, "Token not found");
  });

  it("a token can revoke itself", async () => {
    const made = await make("Self-revoking");
    assert.equal((await t.owner(made.token, "DELETE", `/tokens/${made.id}`)).status, 204);
    assertError(await t.owner(made.token, "GET", "/tokens"), 401);
  });

  it("another person's token, a session and an unknown id are 404 (not yours), and theirs keeps working", async () => {
    const other = await t.hub.writer.run("addUser", { name: "Vic" });
    const theirs = await make("Vic's script", other.ownerToken);
    assertError(await t.owner(t.creds.ownerToken, "DELETE", `/tokens/${theirs.id}`), 404, "Token not found");
    assert.ok(!(await list()).some((x) => x.id === theirs.id), "nor listed to anyone else");
    assertStatus(await t.owner(theirs.token, "GET", "/me"), 200);
    const [session] = await t.database().all<{ id: string }>("SELECT id FROM owner_tokens WHERE kind = 'session'");
    assertError(await t.owner(t.creds.ownerToken, "DELETE", `/tokens/${session!.id}`), 404, "Token not found");
    assertError(await t.owner(t.creds.ownerToken, "DELETE", "/tokens/tok_nothing"), 404, "Token not found");
  });

  it("refuses bad input with 400 { error }, and a person's 51st token with 409", async () => {
    for (const body of [{}, { name: "" }, { name: 7 }, { name: "x".repeat(101) }, { name: "ok", scope: "all" }]) {
      assertError(await t.owner(t.creds.ownerToken, "POST", "/tokens", body), 400);
    }
    assertError(await t.owner(t.creds.ownerToken, "POST", "/tokens", { name: "   " }), 400, "name must not be blank (empty, or only spaces or invisible characters)");
    assertError(await t.owner(t.creds.ownerToken, "POST", "/tokens", "not json", { "content-type": "application/json" }), 400);
    assertStatus(await t.owner(t.creds.ownerToken, "POST", "/tokens", { name: "x".repeat(100) }), 201);

    const many = await t.hub.writer.run("addUser", { name: "Wes" });
    for (let i = 1; i < 50; i++) await make(`Token ${i}`, many.ownerToken);
    assert.equal((await list(many.ownerToken)).length, 50);
    assertError(await t.owner(many.ownerToken, "POST", "/tokens", { name: "One too many" }), 409,
      "You have 50 API tokens, the most one person may have: revoke one you no longer use first");
    const newest = (await list(many.ownerToken))[0]!;
    assert.equal((await t.owner(many.ownerToken, "DELETE", `/tokens/${newest.id}`)).status, 204);
    assertStatus(await t.owner(many.ownerToken, "POST", "/tokens", { name: "Room again" }), 201);
  });

  it("counts a name's characters, not its UTF-16 units: 100 emoji are a name, 101 are not", async () => {
    const made = await make("🔑".repeat(100));
    assert.equal(made.name, "🔑".repeat(100));
    assertError(await t.owner(t.creds.ownerToken, "POST", "/tokens", { name: "🔑".repeat(101) }), 400);
    assert.equal((await t.owner(t.creds.ownerToken, "DELETE", `/tokens/${made.id}`)).status, 204);
  });

  it("a retry with the same Idempotency-Key does not show the token again (409); another body with it is 422", async () => {
    const key = { "idempotency-key": "token-once" };
    const first = await t.owner(t.creds.ownerToken, "POST", "/tokens", { name: "Retried" }, key);
    assertStatus(first, 201);
    const again = await t.owner(t.creds.ownerToken, "POST", "/tokens", { name: "Retried" }, key);
    assertError(again, 409, "This request already succeeded; the token it made is shown only once. Make another one (and revoke this one if it is lost).");
    assert.ok(!JSON.stringify(again.body).includes(first.body.token));
    assertError(await t.owner(t.creds.ownerToken, "POST", "/tokens", { name: "Other" }, key), 422);
    assert.equal((await list()).filter((x) => x.name === "Retried").length, 1, "made once");
  });

  it("someone who joined by invite link (a session cookie only) makes a token and scripts the owner API with it", async () => {
    const invite = await t.owner(t.creds.ownerToken, "POST", `/workspaces/${t.creds.workspaceId}/invites`);
    assertStatus(invite, 201);
    const joined = await request(`${t.baseUrl}/api/v1/session/join`, {
      method: "POST", headers: { "content-type": "application/json", ...CSRF }, body: JSON.stringify({ code: invite.body.code, name: "Xena" }),
    });
    assertStatus(joined, 200);
    const cookie = joined.headers.get("set-cookie")!.split(";")[0]!;
    assert.deepEqual((await withCookie(t, cookie, "GET", "/tokens")).body, [], "no token until they make one");
    assert.equal((await withCookie(t, cookie, "POST", "/tokens", { name: "Laptop" }, {})).status, 403, "a cookie needs the CSRF header to make one");
    const made = await withCookie(t, cookie, "POST", "/tokens", { name: "Laptop" });
    assertStatus(made, 201);
    const workspaces = await t.owner(made.body.token, "GET", "/workspaces");
    assertStatus(workspaces, 200);
    assert.deepEqual(workspaces.body.map((w: { id: string }) => w.id), [t.creds.workspaceId]);
    assert.deepEqual((await withCookie(t, cookie, "GET", "/tokens")).body.map((x: Listed) => x.name), ["Laptop"]);
    assert.equal((await withCookie(t, cookie, "DELETE", `/tokens/${made.body.id}`)).status, 204);
    assertError(await t.owner(made.body.token, "GET", "/workspaces"), 401);
  });

  it("never writes a token to the log", async () => {
    const made = await make("Logged?");
    await t.owner(made.token, "GET", "/nothing-here");
    await t.owner(made.token, "POST", "/tokens", { name: "x".repeat(101) });
    await t.owner(made.token, "DELETE", `/tokens/${made.id}`);
    await t.owner(made.token, "GET", "/tokens");
    const log = logLines.join("");
    assert.ok(!log.includes(made.token) && !log.includes(hashToken(made.token)) && !log.includes(t.creds.ownerToken));
  });
});
