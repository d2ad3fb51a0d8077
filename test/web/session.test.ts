import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { hashToken } from "../../src/hub/domain/tokens.ts";
import { cli } from "../support/cli.ts";
import { request, startTestHub, type TestHub } from "../support/hub.ts";
import { CSRF, loginCode, redeem, signIn, withCookie } from "./support/session.ts";

describe("web session", () => {
  let t: TestHub;
  before(async () => (t = await startTestHub()));
  after(() => t.close());

  it("redeeming a sign-in code sets an HttpOnly, SameSite=Strict session cookie that the owner API accepts", async () => {
    const res = await redeem(t, await loginCode(t));
    assert.equal(res.status, 200);
    assert.equal(res.body.userId, t.creds.ownerId);
    const cookie = res.headers.get("set-cookie")!;
    assert.match(cookie, /^gc_session=gcs_[^;]+; Path=\/; HttpOnly; SameSite=Strict; Max-Age=\d+/);
    const me = await withCookie(t, cookie.split(";")[0]!, "GET", "/me");
    assert.equal(me.status, 200);
    assert.equal(me.body.id, t.creds.ownerId);
  });

  it("the sign-in page's help names this hub's own hub login command to a browser on its machine, one that prints a link to this hub; behind --public-url, none", async () => {
    const help = await request(`${t.baseUrl}/api/v1/session/sign-in-help`, {});
    assert.equal(help.status, 200);
    const port = new URL(t.baseUrl).port;
    if (t.kind === "sqlite") {
      assert.deepEqual(help.body, { command: `npx openclaw-groupchat hub login --data ${t.dataDir} --port ${port}`, cli: "npx openclaw-groupchat" });
      // As printed (npx runs the package's bin): its link is for this hub, and signs in.
      const words = (help.body.command as string).split(" ").slice(2);
      const printed = await cli(...words, "--json");
      assert.equal(printed.code, 0, printed.stderr);
      const link = JSON.parse(printed.stdout) as { url: string; code: string };
      assert.equal(new URL(link.url).origin, t.baseUrl);
      assert.equal((await redeem(t, link.code)).status, 200);
    } else {
      assert.match(help.body.command, new RegExp(`^npx openclaw-groupchat hub login --data ${t.dataDir} --database \\S+ --port ${port}$`));
      assert.doesNotMatch(help.body.command, /:[^@/]*@/, "no password");
    }
    const behind = await startTestHub({ publicUrl: "https://hub.example.com" });
    try {
      const elsewhere = await request(`${behind.baseUrl}/api/v1/session/sign-in-help`, {});
      assert.deepEqual([elsewhere.status, elsewhere.body], [200, { command: null, cli: "npx openclaw-groupchat" }]);
    } finally {
      await behind.close();
    }
  });

  it("behind an https --public-url (a TLS proxy in front, plain HTTP to the hub) the cookies are Secure: a browser never sends them over http", async () => {
    const behind = await startTestHub({ publicUrl: "https://hub.example.com" });
    try {
      const signedIn = await redeem(behind, await loginCode(behind));
      assert.equal(signedIn.status, 200);
      assert.match(signedIn.headers.get("set-cookie")!, /; Secure$/);
      const out = await withCookie(behind, signedIn.headers.get("set-cookie")!.split(";")[0]!, "DELETE", "/session");
      assert.equal(out.status, 204);
      assert.match(out.headers.get("set-cookie")!, /^gc_session=; .*; Secure$/);
    } finally {
      await behind.close();
    }
  });

  it("a code works once; a bad, used or expired-looking code is 401", async () => {
    const code = await loginCode(t);
    assert.equal((await redeem(t, code)).status, 200);
    assert.equal((await redeem(t, code)).status, 401);
    assert.equal((await redeem(t, "gcl_not-a-real-code")).status, 401);
    assert.equal((await redeem(t, t.creds.ownerToken)).status, 401, "a gcp_ token is not a sign-in code");
  });

  it("a signed-in person makes a one-time link for another device (POST /session/link); it signs them in there, once", async () => {
    const bo = await t.hub.writer.run("addUser", { name: "Bo" });
    const cookie = await signIn(t, bo.userId);
    const made = await withCookie(t, cookie, "POST", "/session/link");
    assert.equal(made.status, 201);
    assert.equal(made.headers.get("cache-control"), "no-store");
    const code = decodeURIComponent(/^\/login#code=(.+)$/.exec(made.body.url)![1]!);
    const there = await redeem(t, code);
    assert.equal(there.status, 200);
    assert.deepEqual([there.body.userId, there.body.name], [bo.userId, "Bo"]);
    assert.equal((await redeem(t, code)).status, 401, "once");
    assert.equal((await withCookie(t, cookie, "POST", "/session/link", undefined, {})).status, 403, "CSRF header needed");
    assert.equal((await request(`${t.baseUrl}/api/v1/session/link`, { method: "POST", headers: CSRF })).status, 401, "signed in needed");
  });

  it("an expired code is 401", async () => {
    const code = await loginCode(t);
    await t.database().run("UPDATE owner_tokens SET expires_at = 1 WHERE token_hash = ?", [hashToken(code)]);
    assert.equal((await redeem(t, code)).status, 401);
  });

  it("redeeming without the CSRF header is 403", async () => {
    assert.equal((await redeem(t, await loginCode(t), {})).status, 403);
  });

  it("a cookie-authenticated mutation without the CSRF header is 403 and changes nothing; reads need no header", async () => {
    const cookie = await signIn(t);
    const denied = await withCookie(t, cookie, "POST", "/tasks", { projectId: t.creds.projectId, title: "forged" }, {});
    assert.equal(denied.status, 403);
    const tasks = await withCookie(t, cookie, "GET", "/tasks", undefined, {});
    assert.equal(tasks.status, 200);
    assert.ok(!tasks.body.some((task: { title: string }) => task.title === "forged"));
    const created = await withCookie(t, cookie, "POST", "/tasks", { projectId: t.creds.projectId, title: "allowed" });
    assert.equal(created.status, 201);
  });

  it("Bearer calls are unaffected: no CSRF header needed", async () => {
    const res = await t.owner(t.creds.ownerToken, "POST", "/tasks", { projectId: t.creds.projectId, title: "by token" });
    assert.equal(res.status, 201);
  });

  it("a session token is not a Bearer token, and a gcp_ token is not a session cookie", async () => {
    const cookie = await signIn(t);
    const sessionToken = cookie.split("=")[1]!;
    assert.equal((await t.owner(sessionToken, "GET", "/me")).status, 401);
    assert.equal((await withCookie(t, `gc_session=${t.creds.ownerToken}`, "GET", "/me")).status, 401);
  });

  it("logout invalidates the session at once", async () => {
    const cookie = await signIn(t);
    assert.equal((await withCookie(t, cookie, "GET", "/session")).status, 200);
    const out = await withCookie(t, cookie, "DELETE", "/session");
    assert.equal(out.status, 204);
    assert.match(out.headers.get("set-cookie")!, /gc_session=; .*Max-Age=0/);
    assert.equal((await withCookie(t, cookie, "GET", "/me")).status, 401);
    assert.equal((await withCookie(t, cookie, "GET", "/session")).status, 401);
  });

  it("logout without the CSRF header is 403 and keeps the session", async () => {
    const cookie = await signIn(t);
    assert.equal((await withCookie(t, cookie, "DELETE", "/session", undefined, {})).status, 403);
    assert.equal((await withCookie(t, cookie, "GET", "/me")).status, 200);
  });
});
