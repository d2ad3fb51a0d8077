import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { encodeServerMessage, isSyncPath, MAX_MODIFICATIONS, notServed, parseClientFrame, syncPathVersion, takesTransitionChunks, transitionChunks } from "../../src/hub/realtime/protocol.ts";

describe("sync protocol frames", () => {
  it("parses the frames the stock client sends", () => {
    const frames = [
      { type: "Connect", sessionId: "75756e26", connectionCount: 0, lastCloseReason: "InitialConnect", clientTs: 1795621034190 },
      { type: "ModifyQuerySet", baseVersion: 0, newVersion: 1, modifications: [
        { type: "Add", queryId: 0, udfPath: "agentWebSocket:pendingRuns", args: [{ token: "gca_x" }], journal: null },
        { type: "Remove", queryId: 3 }] },
      { type: "Mutation", requestId: 0, udfPath: "agentWebSocket:claimRun", args: [{ runId: "r" }] },
      { type: "Action", requestId: 1, udfPath: "a:b", args: [{}] },
      { type: "Authenticate", tokenType: "None", baseVersion: 0 },
      { type: "Event", eventType: "NetworkRecoveryReconnect", event: { timeSavedMs: 3 } },
    ];
    for (const frame of frames) {
      const parsed = parseClientFrame(JSON.stringify(frame));
      assert.ok(parsed.ok, JSON.stringify(parsed));
      assert.deepEqual(parsed.message, frame);
    }
  });

  it("decodes a reconnecting client's maxObservedTimestamp", () => {
    const parsed = parseClientFrame(JSON.stringify({ type: "Connect", sessionId: "s", connectionCount: 1, lastCloseReason: null, clientTs: 1, maxObservedTimestamp: "AQAAAAAAAAA=" }));
    assert.ok(parsed.ok && parsed.message.type === "Connect");
    assert.equal(parsed.message.maxObservedTimestamp, 1n);
    assert.equal(parseClientFrame(JSON.stringify({ type: "Connect", sessionId: "s", connectionCount: 1, maxObservedTimestamp: "x" })).ok, false);
  });

  it("gives a reason for every malformed frame", () => {
    const bad = [
      "not json", "[]", "null", '"Connect"', '{"type":"Nope"}', '{"no":"type"}',
      '{"type":"Connect","connectionCount":0}',
      '{"type":"ModifyQuerySet","baseVersion":"0","newVersion":1,"modifications":[]}',
      '{"type":"ModifyQuerySet","baseVersion":-1,"newVersion":1,"modifications":[]}',
      '{"type":"ModifyQuerySet","baseVersion":0,"newVersion":1,"modifications":[{"type":"Add","queryId":-1,"udfPath":"a:b","args":[{}]}]}',
      '{"type":"ModifyQuerySet","baseVersion":0,"newVersion":1,"modifications":[{"type":"Remove"}]}',
      '{"type":"Mutation","requestId":0.5,"udfPath":"a:b","args":[]}',
      '{"type":"Authenticate","tokenType":"Bogus","baseVersion":0}',
    ];
    for (const text of bad) {
      const parsed = parseClientFrame(text);
      assert.equal(parsed.ok, false, text);
      assert.ok(!parsed.ok && parsed.reason.length > 0);
      assert.equal(!parsed.ok && parsed.request, undefined, "nothing to answer: the socket is closed");
    }
  });

  it("reads a query set change whose Adds are malformed past their queryId, marking each such Add unreadable", () => {
    const text = JSON.stringify({ type: "ModifyQuerySet", baseVersion: 0, newVersion: 1, modifications: [
      { type: "Add", queryId: 0 }, { type: "Add", queryId: 1, udfPath: "x".repeat(2000), args: [{}] }, { type: "Add", queryId: 2, udfPath: "a:b", args: [{}] },
      { type: "Remove", queryId: 3 },
    ] });
    const parsed = parseClientFrame(text);
    assert.ok(parsed.ok && parsed.message.type === "ModifyQuerySet");
    const [missing, long, good, remove] = parsed.message.modifications;
    assert.match((missing as { unreadable: string }).unreadable, /^Malformed query: /);
    assert.match((long as { unreadable: string }).unreadable, /^Malformed query: \/udfPath /);
    assert.deepEqual([good, remove], [{ type: "Add", queryId: 2, udfPath: "a:b", args: [{}] }, { type: "Remove", queryId: 3 }]);
  });

  it("refuses a query set change of more than MAX_MODIFICATIONS", () => {
    const modifications = Array.from({ length: MAX_MODIFICATIONS + 1 }, () => ({ type: "Remove", queryId: 0 }));
    const parsed = parseClientFrame(JSON.stringify({ type: "ModifyQuerySet", baseVersion: 0, newVersion: 1, modifications }));
    assert.ok(!parsed.ok && /Malformed ModifyQuerySet: \/modifications/.test(parsed.reason));
    assert.ok(parseClientFrame(JSON.stringify({ type: "ModifyQuerySet", baseVersion: 0, newVersion: 1, modifications: modifications.slice(1) })).ok);
  });

  it("names the request of a malformed mutation or action, to answer it", () => {
    const long = JSON.stringify({ type: "Mutation", requestId: 3, udfPath: "x".repeat(2000), args: [{}] });
    const parsed = parseClientFrame(long);
    assert.deepEqual(!parsed.ok && parsed.request, { type: "Mutation", requestId: 3 });
    const action = parseClientFrame('{"type":"Action","requestId":4,"udfPath":"a:b"}');
    assert.deepEqual(!action.ok && action.request, { type: "Action", requestId: 4 });
  });

  it("encodes timestamps in Transitions and successful mutation responses", () => {
    const text = encodeServerMessage({
      type: "Transition", startVersion: { querySet: 0, identity: 0, ts: 0n }, endVersion: { querySet: 1, identity: 0, ts: 1n }, modifications: [],
    });
    assert.deepEqual(JSON.parse(text), {
      type: "Transition", startVersion: { querySet: 0, identity: 0, ts: "AAAAAAAAAAA=" }, endVersion: { querySet: 1, identity: 0, ts: "AQAAAAAAAAA=" }, modifications: [],
    });
    const failed = JSON.parse(encodeServerMessage(notServed("MutationResponse", 4, "x:y")));
    assert.equal(failed.success, false);
    assert.equal(typeof failed.result, "string");
    assert.equal(failed.requestId, 4);
  });
});

describe("the sync path", () => {
  it("accepts any client version, doubled slashes and a query string", () => {
    for (const url of ["/api/1.48.0/sync", "//api/1.48.0/sync", "/api/1.13.0/sync?x=1", "///api//1.48.0//sync", "/api/1.48.0/sync/"]) {
      assert.ok(isSyncPath(url), url);
    }
  });

  it("refuses everything else", () => {
    for (const url of [undefined, "/", "/api/sync", "/api/v1/agent/runs", "/api/1.48.0/sync/x", "/x/api/1.48.0/sync"]) {
      assert.equal(isSyncPath(url), false, String(url));
    }
  });
});

describe("TransitionChunks", () => {
  it("split a Transition's text into frames the client joins back, never inside a surrogate pair", () => {
    const text = JSON.stringify({ type: "Transition", modifications: [{ value: `a😀b"\\c😀😀` }] });
    for (const max of [1, 2, 3, 7, text.length - 1]) {
      const frames = transitionChunks(text, max).map((f) => JSON.parse(f));
      assert.equal(frames.map((f) => f.chunk).join(""), text);
      assert.ok(frames.every((f, i) => f.type === "TransitionChunk" && f.partNumber === i && f.totalParts === frames.length));
      assert.equal(new Set(frames.map((f) => f.transitionId)).size, 1);
      if (max > 1) assert.ok(frames.every((f) => !/[\ud800-\udbff]$/.test(f.chunk)), `max ${max}`);
    }
  });

  it("go only to clients from 1.28.0, which join them", () => {
    for (const version of ["1.28.0", "1.48.0", "2.0.0", "1.28.0-alpha.1"]) assert.equal(takesTransitionChunks(version), true, version);
    for (const version of [null, "1.27.5", "1.13.0", "0.9.0", "latest"]) assert.equal(takesTransitionChunks(version), false, String(version));
    assert.equal(syncPathVersion("//api/1.48.0/sync?x=1"), "1.48.0");
  });
});
