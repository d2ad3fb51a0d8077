import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ConvexHttpClient } from "convex/browser";
import { anyApi } from "convex/server";
import { ConvexError } from "convex/values";
import { delegatedRun, request, startTestHub, type TestHub } from "../support/hub.ts";

const agentWebSocket = anyApi.agentWebSocket!;

/** What the stock client threw: a ConvexError carries the hub's `errorData` as `data`. */
async function thrown(call: Promise<unknown>): Promise<Error & { data?: unknown }> {
  try {
    await call;
  } catch (error) {
    return error as Error & { data?: unknown };
  }
  assert.fail("expected the call to fail");
}

describe("the stock ConvexHttpClient against a hub", () => {
  let t: TestHub;
  const client = () => new ConvexHttpClient(t.baseUrl, { logger: false });
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    request(`${t.baseUrl}${path}`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });

  before(async () => (t = await startTestHub()));
  after(() => t.close());

  it("answers an agent's pendingRuns and stoppedRuns with its token in the args, as the socket and GET /runs do", async () => {
    const { runId } = await delegatedRun(t, "Over HTTP");
    const http = client();
    const pending = await http.query(agentWebSocket.pendingRuns!, { token: t.creds.agentToken });
    assert.deepEqual((pending as { id: string }[]).map((r) => r.id), [runId]);
    assert.deepEqual(pending, (await t.agent(t.creds.agentToken, "GET", "/runs?status=PENDING")).body, "same items as GET /runs?status=PENDING");
    assert.deepEqual(await http.query(agentWebSocket.stoppedRuns!, { token: t.creds.agentToken }), []);
    // The client's internal call of a function of any kind sends the args object itself.
    const any = await post("/api/function", { path: "agentWebSocket:pendingRuns", args: { token: t.creds.agentToken }, format: "convex_encoded_json" });
    assert.deepEqual(any.body, { status: "success", value: pending, logLines: [] });
  });

  it("works from a hub URL written with a trailing slash (the client then asks //api/query), as without", async () => {
    const { runId } = await delegatedRun(t, "Trailing slash");
    const http = new ConvexHttpClient(`${t.baseUrl}/`, { logger: false });
    const pending = await http.query(agentWebSocket.pendingRuns!, { token: t.creds.agentToken });
    assert.ok((pending as { id: string }[]).some((r) => r.id === runId));
    assert.deepEqual(pending, await client().query(agentWebSocket.pendingRuns!, { token: t.creds.agentToken }));
  });

  it("routes a path with repeated slashes (//api/v1/agent/me, as curl sends a base URL's trailing slash) as the path without them", async () => {
    const basic = { authorization: `Basic ${Buffer.from(`${t.creds.agentToken}:`).toString("base64")}` };
    const me = await request(`${t.baseUrl}/api/v1/agent/me`, { headers: basic });
    assert.equal(me.status, 200);
    for (const path of ["//api/v1/agent/me", "/api//v1/agent/me", "//api/v1//agent///me"]) {
      const res = await request(`${t.baseUrl}${path}`, { headers: basic });
      assert.equal(res.status, 200, path);
      assert.deepEqual(res.body, me.body, path);
    }
    // A method the path does not take is the 405 it is without the extra slashes, and an unknown path still a 404.
    const deleted = await request(`${t.baseUrl}//api/v1/agent/me`, { method: "DELETE", headers: basic });
    assert.equal(deleted.status, 405);
    assert.equal(deleted.headers.get("allow"), "GET, HEAD");
    assert.equal((await request(`${t.baseUrl}//api/v1/nowhere`, { headers: basic })).status, 404);
  });

  it("fails a query with a wrong agent token as the socket does: UNAUTHORIZED in the error's data", async () => {
    const error = await thrown(client().query(agentWebSocket.pendingRuns!, { token: "gca_not_a_token" }));
    assert.ok(error instanceof ConvexError, `a ConvexError, not ${error.name}: ${error.message}`);
    assert.deepEqual(error.data, { code: "UNAUTHORIZED" });
    assert.match(error.message, /Invalid agent token/);
  });

  it("cuts a rotated token off at once, as the socket does, and the new token works", async () => {
    const created = await t.owner(t.creds.ownerToken, "POST", "/agents", { name: "Rotated over HTTP" });
    assert.equal(created.status, 201);
    const http = client();
    assert.deepEqual(await http.query(agentWebSocket.pendingRuns!, { token: created.body.token }), []);
    const rotated = await t.owner(t.creds.ownerToken, "POST", `/agents/${created.body.id}/token`, {});
    assert.equal(rotated.status, 201);
    const error = await thrown(http.query(agentWebSocket.pendingRuns!, { token: created.body.token }));
    assert.deepEqual(error.data, { code: "UNAUTHORIZED" });
    assert.deepEqual(await http.query(agentWebSocket.pendingRuns!, { token: rotated.body.token }), []);
  });

  it("refuses a setAuth token with 401, a valid agent token too, saying where the token goes", async () => {
    const http = client();
    http.setAuth(t.creds.agentToken);
    const error = await thrown(http.query(agentWebSocket.pendingRuns!, { token: t.creds.agentToken }));
    assert.match(error.message, /Unauthenticated/);
    assert.match(error.message, /agents pass their token in query args/);
    const raw = await post("/api/query", { path: "agentWebSocket:pendingRuns", args: [{ token: t.creds.agentToken }], format: "convex_encoded_json" },
      { authorization: "Bearer expired.jwt.token" });
    assert.equal(raw.status, 401);
    assert.equal(raw.body.code, "Unauthenticated");
  });

  it("answers a mutation, an action and an unknown query as functions the hub does not serve", async () => {
    const http = client();
    const mutation = await thrown(http.mutation(agentWebSocket.claimRun!, { token: t.creds.agentToken }));
    assert.deepEqual(mutation.data, { code: "NOT_FOUND" });
    assert.match(mutation.message, /serves no mutation "agentWebSocket:claimRun"/);
    const action = await thrown(http.action(agentWebSocket.echo!, {}));
    assert.deepEqual(action.data, { code: "NOT_FOUND" });
    assert.match(action.message, /serves no action "agentWebSocket:echo"/);
    const query = await thrown(http.query(anyApi.nowhere!.nothing!, {}));
    assert.deepEqual(query.data, { code: "NOT_FOUND" });
    assert.match(query.message, /Could not find public function for 'nowhere:nothing'/);
  });

  it("answers the web UI's owner queries UNAUTHORIZED: they need the session of its socket", async () => {
    const error = await thrown(client().query(anyApi.owner!.me!, {}));
    assert.deepEqual(error.data, { code: "UNAUTHORIZED" });
    assert.match(error.message, /Not signed in/);
  });

  it("fails bad args alone with BAD_REQUEST, and refuses a body that is no function call with 400", async () => {
    const error = await thrown(client().query(agentWebSocket.pendingRuns!, { token: 5 }));
    assert.deepEqual(error.data, { code: "BAD_REQUEST" });
    for (const body of [{ args: [{}] }, { path: "agentWebSocket:pendingRuns", args: "nope" }, { path: "owner:me", args: [{}], format: "xml" }]) {
      const res = await post("/api/query", body);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.equal(typeof res.body.error, "string");
    }
  });

  it("answers the endpoints it does not serve (consistentQuery's /api/query_ts among them) 404 { error }", async () => {
    const error = await thrown(client().consistentQuery(agentWebSocket.pendingRuns!, { token: t.creds.agentToken }));
    assert.match(error.message, /"error"/);
    for (const path of ["/api/query_ts", "/api/query_at_ts", "/api/query_batch", "/api/run/agentWebSocket/pendingRuns"]) {
      const res = await post(path, { path: "agentWebSocket:pendingRuns", args: [{ token: t.creds.agentToken }] });
      assert.equal(res.status, 404, path);
      assert.equal(typeof res.body.error, "string", path);
    }
  });
});
