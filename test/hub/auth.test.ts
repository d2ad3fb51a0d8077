/**
 * Authentication: Basic (`-u gca_X:`) and Bearer on every agent endpoint, 401
 * with `WWW-Authenticate` for anything else, and tokens that stop working the
 * moment they are rotated or their agent is deleted.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { assertError, assertStatus, createTask, delegateTo, secondAgent } from "../support/api.ts";
import { request, startTestHub, type TestHub } from "../support/hub.ts";

const basic = (user: string) => `Basic ${Buffer.from(user).toString("base64")}`;

/** Every agent endpoint, with a body where it takes one. */
const AGENT_ENDPOINTS: Array<[string, string, unknown?]> = [
  ["GET", "/me"],
  ["GET", "/tasks"],
  ["GET", "/runs?status=PENDING"],
  ["GET", "/runs/RUN"],
  ["POST", "/runs/RUN/start", { body: "Starting" }],
  ["POST", "/runs/RUN/comment", { body: "Working" }],
  ["POST", "/runs/RUN/heartbeat"],
  ["POST", "/runs/RUN/complete", { body: "Done" }],
  ["POST", "/runs/RUN/error", { body: "Failed" }],
];

describe("authentication", () => {
  let t: TestHub;
  let runId: string;
  before(async () => {
    t = await startTestHub();
    runId = (await delegateTo(t, (await createTask(t)).id)).id;
  });
  after(() => t.close());

  const call = (method: string, path: string, authorization: string | null, body?: unknown) => {
    const headers: Record<string, string> = {};
    if (authorization !== null) headers.authorization = authorization;
    if (body !== undefined) headers["content-type"] = "application/json";
    return request(`${t.apiUrl}${path.replace("RUN", runId)}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  };

  const rejected = (label: string, authorization: () => string | null) => {
    it(`answers 401 with WWW-Authenticate on every agent endpoint for ${label}`, async () => {
      for (const [method, path, body] of AGENT_ENDPOINTS) {
        const res = await call(method, path, authorization(), body);
        assertError(res, 401, /token/i);
        assert.equal(res.headers.get("www-authenticate"), 'Basic realm="agent"', `${method} ${path}`);
      }
      assert.equal((await t.owner(t.creds.ownerToken, "GET", `/runs/${runId}`)).body.status, "PENDING");
    });
  };

  rejected("a missing Authorization header", () => null);
  rejected("a malformed header (no scheme)", () => t.creds.agentToken);
  rejected("an unknown scheme", () => `Token ${t.creds.agentToken}`);
  rejected("an empty Bearer", () => "Bearer ");
  rejected("an empty Basic username", () => basic(":"));
  rejected("Basic that is not base64 of user:password", () => "Basic %%%not-base64%%%");
  rejected("a token without the gca_ prefix", () => `Bearer ${t.creds.agentToken.slice(4)}`);
  rejected("the bare prefix", () => "Bearer gca_");
  rejected("an unknown gca_ token (Bearer)", () => "Bearer gca_0000000000000000000000000000000000000000000");
  rejected("an unknown gca_ token (Basic)", () => basic("gca_0000000000000000000000000000000000000000000:"));
  rejected("an oversized token", () => `Bearer gca_${"a".repeat(600)}`);
  rejected("the owner's gcp_ token (Bearer)", () => `Bearer ${t.creds.ownerToken}`);
  rejected("the owner's gcp_ token (Basic)", () => basic(`${t.creds.ownerToken}:`));

  it("accepts Basic with the token as username, with or without the empty password's colon, in any scheme case", async () => {
    assertStatus(await call("GET", "/me", basic(`${t.creds.agentToken}:`)), 200);
    assertStatus(await call("GET", "/me", basic(t.creds.agentToken)), 200);
    assertStatus(await call("GET", "/me", `basic ${Buffer.from(`${t.creds.agentToken}:`).toString("base64")}`), 200);
  });

  it("accepts Bearer, whatever the scheme's case", async () => {
    assertStatus(await call("GET", "/me", `Bearer ${t.creds.agentToken}`), 200);
    assertStatus(await call("GET", "/me", `bearer ${t.creds.agentToken}`), 200);
  });

  it("answers the owner API 401 with WWW-Authenticate for no token, an agent token, or an unknown one", async () => {
    for (const authorization of [null, `Bearer ${t.creds.agentToken}`, "Bearer gcp_unknown", basic(`${t.creds.ownerToken}:`).replace("Basic", "Digest")]) {
      const headers: Record<string, string> = authorization ? { authorization } : {};
      for (const path of ["/me", "/agents", "/tasks", "/notifications", `/runs/${runId}`]) {
        const res = await request(`${t.baseUrl}/api/v1${path}`, { headers });
        assertError(res, 401, /token/i);
        assert.equal(res.headers.get("www-authenticate"), 'Bearer realm="owner"');
      }
    }
  });

  it("says a token sent to the other API is the other API's, instead of calling it invalid", async () => {
    for (const authorization of [`Bearer ${t.creds.ownerToken}`, basic(`${t.creds.ownerToken}:`)]) {
      assertError(await call("GET", "/me", authorization), 401,
        "An owner token (gcp_) is for the owner API at /api/v1; the agent API at /api/v1/agent takes an agent token (gca_)");
    }
    for (const authorization of [`Bearer ${t.creds.agentToken}`, basic(`${t.creds.agentToken}:`)]) {
      assertError(await request(`${t.baseUrl}/api/v1/me`, { headers: { authorization } }), 401,
        "An agent token (gca_) is for the agent API at /api/v1/agent; this route takes an owner token (gcp_)");
    }
  });

  it("rejects the old token the moment the agent's token is rotated, and accepts the new one", async () => {
    const agent = await secondAgent(t, "Rotating Bot");
    assertStatus(await t.agent(agent.token, "GET", "/me"), 200);
    const rotated = await t.owner(t.creds.ownerToken, "POST", `/agents/${agent.id}/token`);
    assertStatus(rotated, 201);
    assert.deepEqual(Object.keys(rotated.body), ["token"]);
    assert.match(rotated.body.token, /^gca_[A-Za-z0-9_-]{43}$/);
    assert.notEqual(rotated.body.token, agent.token);
    const old = await t.agent(agent.token, "GET", "/me");
    assertError(old, 401, "Invalid agent token");
    assert.equal(old.headers.get("www-authenticate"), 'Basic realm="agent"');
    assert.equal((await t.agent(rotated.body.token, "GET", "/me")).body.id, agent.id);
  });

  it("rejects a deleted agent's token", async () => {
    const agent = await secondAgent(t, "Doomed Bot");
    const gone = await t.owner(t.creds.ownerToken, "DELETE", `/agents/${agent.id}`);
    assert.equal(gone.status, 204);
    assertError(await t.agent(agent.token, "GET", "/me"), 401, "Invalid agent token");
  });
});
