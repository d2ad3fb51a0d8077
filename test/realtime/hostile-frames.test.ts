import assert from "node:assert/strict";
import { after, afterEach, before, describe, it } from "node:test";
import WebSocket from "ws";
import { delegatedRun, startTestHub, type TestHub } from "../support/hub.ts";
import { RawSync } from "./support.ts";

const add = (queryId: number, args: unknown[], udfPath = "agentWebSocket:pendingRuns") => ({ type: "Add", queryId, udfPath, args });
const mqs = (baseVersion: number, modifications: unknown[] = []) => ({ type: "ModifyQuerySet", baseVersion, newVersion: baseVersion + 1, modifications });

describe("the sync endpoint survives malformed and hostile frames", () => {
  let t: TestHub;
  let sockets: RawSync[] = [];
  const open = async (path?: string) => {
    const s = await RawSync.open(t.baseUrl, path);
    sockets.push(s);
    return s;
  };

  /** A well-behaved raw client still gets its subscription served. */
  async function hubStillServes(): Promise<void> {
    const s = await open();
    s.connect();
    s.send(mqs(0, [add(0, [{ token: t.creds.agentToken }])]));
    const initial = await s.next();
    assert.equal(initial.type, "Transition");
    const { runId } = await delegatedRun(t, `Still serving ${Math.random()}`);
    const pushed = await s.next();
    assert.ok(pushed.modifications[0].value.some((r: { id: string }) => r.id === runId));
    await t.agent(t.creds.agentToken, "POST", `/runs/${runId}/start`, {});
    await s.next();
  }

  before(async () => (t = await startTestHub()));
  afterEach(async () => {
    await Promise.all(sockets.map((s) => s.close()));
    sockets = [];
  });
  after(() => t.close());

  const cases: [string, (s: RawSync) => Promise<void> | void, number, RegExp][] = [
    ["bad JSON", (s) => s.send("{not json"), 1008, /not JSON/],
    ["an unknown message type", (s) => s.send({ type: "Hello" }), 1008, /unknown message type/],
    ["wrong field types", (s) => s.send({ type: "Connect", sessionId: 5, connectionCount: 0 }), 1008, /Malformed Connect/],
    ["a query set change before Connect", (s) => s.send(mqs(0)), 1008, /Connect/],
    ["a second Connect", (s) => { s.connect(); s.connect(); }, 1008, /Connect sent twice/],
    ["a base version that skips ahead", (s) => { s.connect(); s.send(mqs(3)); }, 1008, /BaseVersionMismatch/],
    ["a replayed base version", async (s) => { s.connect(); s.send(mqs(0)); await s.next(); s.send(mqs(0)); }, 1008, /BaseVersionMismatch/],
    ["a duplicate query id", (s) => { s.connect(); s.send(mqs(0, [add(0, [{ token: "gca_x" }]), add(0, [{ token: "gca_x" }])])); }, 1008, /already/],
    ["removing a query never added", (s) => { s.connect(); s.send(mqs(0, [{ type: "Remove", queryId: 7 }])); }, 1008, /not in the query set/],
    ["a wrong identity version", (s) => { s.connect(); s.send({ type: "Authenticate", tokenType: "None", baseVersion: 4 }); }, 1008, /IdentityVersionMismatch/],
    ["a binary frame", (s) => s.send(Buffer.from([1, 2, 3])), 1003, /Binary/],
    ["a frame over the size limit (16 MiB)", (s) => s.send(JSON.stringify({ type: "Event", eventType: "x", event: "x".repeat(16 * 1024 * 1024) })), 1009, /^/],
    ["more than 200,000 query set changes in one frame", (s) => {
      s.connect();
      s.send(mqs(0, Array.from({ length: 200_001 }, () => ({ type: "Remove", queryId: 0 }))));
    }, 1008, /Malformed ModifyQuerySet: \/modifications/],
    // ws itself refuses these two, by close code alone (1009 too big, 1007 invalid text).
    ["invalid UTF-8", (s) => s.ws.send(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), { binary: false }), 1007, /^/],
  ];

  for (const [what, act, code, reason] of cases) {
    it(`closes only the socket that sent ${what}`, async () => {
      const bystander = await open();
      bystander.connect();
      bystander.send(mqs(0, [add(0, [{ token: t.creds.agentToken }])]));
      await bystander.next();

      const s = await open();
      await act(s);
      const closed = await s.closed;
      assert.equal(closed.code, code);
      assert.match(closed.reason, reason);
      assert.equal(bystander.ws.readyState, WebSocket.OPEN);
      await hubStillServes();
    });
  }

  it("answers invalid argument keys with a QueryFailed and keeps the socket", async () => {
    const s = await open();
    s.connect();
    s.send(mqs(0, [add(0, [{ "naïve": 1 }]), add(1, [{ $bad: 1 }]), add(2, []), add(3, [{ token: 5 }]), add(4, [{ token: "gca_x" }], "nope:nope")]));
    const transition = await s.next();
    assert.deepEqual(transition.modifications.map((m: { type: string; errorData?: { code: string } }) => [m.type, m.errorData?.code]), [
      ["QueryFailed", "BAD_REQUEST"], ["QueryFailed", "BAD_REQUEST"], ["QueryFailed", "BAD_REQUEST"], ["QueryFailed", "BAD_REQUEST"],
      ["QueryFailed", "NOT_FOUND"],
    ]);
    assert.equal(s.ws.readyState, WebSocket.OPEN);
  });

  it("fails unreadable queries and those with args over 1 Mi characters alone, and serves the others in the same frame", async () => {
    const s = await open();
    s.connect();
    const token = [{ token: t.creds.agentToken }];
    s.send(mqs(0, [
      add(0, token), { type: "Add", queryId: 1, udfPath: "x".repeat(2000), args: token }, { type: "Add", queryId: 2, udfPath: 5 },
      { type: "Add", queryId: 3, udfPath: "agentWebSocket:pendingRuns", args: "nope" }, add(4, [{ token: "x".repeat(1024 * 1024) }]), add(5, token),
    ]));
    const transition = await s.next();
    const outcome = (m: { type: string; queryId: number; errorData?: { code: string } }) => [m.queryId, m.type, m.errorData?.code];
    assert.deepEqual(transition.modifications.map(outcome).sort(), [
      [0, "QueryUpdated", undefined], [1, "QueryFailed", "BAD_REQUEST"], [2, "QueryFailed", "BAD_REQUEST"], [3, "QueryFailed", "BAD_REQUEST"],
      [4, "QueryFailed", "BAD_REQUEST"], [5, "QueryUpdated", undefined],
    ]);
    // Each is in the query set: the client's Remove finds it.
    s.send(mqs(1, [1, 2, 3, 4].map((queryId) => ({ type: "Remove", queryId }))));
    assert.deepEqual((await s.next()).modifications.map((m: { type: string }) => m.type), ["QueryRemoved", "QueryRemoved", "QueryRemoved", "QueryRemoved"]);
    assert.equal(s.ws.readyState, WebSocket.OPEN);
  });

  it("acknowledges every query set change with exactly one Transition, chained from the last one", async () => {
    const s = await open();
    s.connect();
    s.send(mqs(0));
    s.send(mqs(1, [add(0, [{ token: t.creds.agentToken }])]));
    s.send(mqs(2, [{ type: "Remove", queryId: 0 }]));
    const frames = [await s.next(), await s.next(), await s.next()];
    assert.deepEqual(frames.map((f) => [f.startVersion.querySet, f.endVersion.querySet]), [[0, 1], [1, 2], [2, 3]]);
    assert.deepEqual(frames[0].startVersion, { querySet: 0, identity: 0, ts: "AAAAAAAAAAA=" });
    assert.deepEqual(frames[1].startVersion, frames[0].endVersion);
    assert.deepEqual(frames[2].startVersion, frames[1].endVersion);
    assert.deepEqual(frames[0].modifications, []);
    assert.equal(frames[1].modifications[0].type, "QueryUpdated");
    assert.deepEqual(frames[2].modifications, [{ type: "QueryRemoved", queryId: 0 }]);
  });

  it("answers a query added and removed in one frame with its QueryRemoved alone, and one added again there with its result", async () => {
    const s = await open();
    s.connect();
    const token = [{ token: t.creds.agentToken }];
    s.send(mqs(0, [add(0, token), { type: "Remove", queryId: 0 }, add(1, token), { type: "Remove", queryId: 1 }, add(1, token)]));
    const transition = await s.next();
    assert.deepEqual(transition.modifications.map((m: { type: string; queryId: number }) => [m.type, m.queryId]), [
      ["QueryRemoved", 0], ["QueryRemoved", 1], ["QueryUpdated", 1],
    ]);
  });

  it("fails a mutation and an action it does not serve, then sends the Transition a mutation waits for", async () => {
    const s = await open();
    s.connect();
    s.send({ type: "Mutation", requestId: 0, udfPath: "agentWebSocket:claimRun", args: [{ runId: "r" }] });
    s.send({ type: "Action", requestId: 1, udfPath: "agentWebSocket:echo", args: [{}] });
    s.send({ type: "Authenticate", tokenType: "None", baseVersion: 0 });
    s.send({ type: "Event", eventType: "ClientConnect", event: {} });
    const [response, transition, action, auth] = [await s.next(), await s.next(), await s.next(), await s.next()];
    assert.deepEqual([response.type, response.requestId, response.success, typeof response.result], ["MutationResponse", 0, false, "string"]);
    assert.equal(transition.type, "Transition");
    assert.deepEqual([action.type, action.requestId, action.success], ["ActionResponse", 1, false]);
    assert.deepEqual([auth.type, auth.endVersion.identity], ["Transition", 1]);
    assert.deepEqual(auth.startVersion, transition.endVersion);
  });

  it("serves a doubled slash and refuses other upgrade paths without crashing", async () => {
    const s = await open("//api/1.48.0/sync");
    s.connect();
    s.send(mqs(0));
    assert.equal((await s.next()).type, "Transition");
    await assert.rejects(RawSync.open(t.baseUrl, "/api/v1/agent/runs"), /404/);
    await hubStillServes();
  });
});
