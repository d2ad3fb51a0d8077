import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConnectionState, ProtocolViolation } from "../../src/hub/realtime/connection.ts";
import { MAX_MODIFICATIONS, type AddQuery, type ModifyQuerySet } from "../../src/hub/realtime/protocol.ts";

const connect = { type: "Connect", sessionId: "s1", connectionCount: 0, lastCloseReason: "InitialConnect", clientTs: 1 } as const;
const add = (queryId: number): AddQuery => ({ type: "Add", queryId, udfPath: "agentWebSocket:pendingRuns", args: [{ token: "gca_x" }] });
const mqs = (baseVersion: number, modifications: ModifyQuerySet["modifications"]): ModifyQuerySet =>
  ({ type: "ModifyQuerySet", baseVersion, newVersion: baseVersion + 1, modifications });

function connected(): ConnectionState {
  const state = new ConnectionState();
  state.connect(connect);
  return state;
}

describe("connection state", () => {
  it("chains every Transition from the version the client holds, starting at 0/0/0", () => {
    const state = connected();
    state.modifyQuerySet(mqs(0, [add(0)]));
    const first = state.transition([], 100n);
    assert.deepEqual(first.startVersion, { querySet: 0, identity: 0, ts: 0n });
    assert.deepEqual(first.endVersion, { querySet: 1, identity: 0, ts: 100n });
    const second = state.transition([], 200n);
    assert.deepEqual(second.startVersion, first.endVersion);
    assert.deepEqual(state.version, second.endVersion);
  });

  it("keeps ts strictly increasing on one socket even if asked to go back", () => {
    const state = connected();
    state.transition([], 500n);
    assert.equal(state.transition([], 400n).endVersion.ts, 501n);
    assert.equal(state.transition([], 501n).endVersion.ts, 502n);
  });

  it("applies adds and removes and reports what changed", () => {
    const state = connected();
    const { added } = state.modifyQuerySet(mqs(0, [add(0), add(1)]));
    assert.deepEqual(added.map((s) => s.queryId), [0, 1]);
    const { removed } = state.modifyQuerySet(mqs(1, [{ type: "Remove", queryId: 0 }]));
    assert.deepEqual(removed.map((s) => s.queryId), [0]);
    assert.deepEqual([...state.queries.keys()], [1]);
    assert.equal(state.transition([], 1n).endVersion.querySet, 2);
  });

  it("refuses a base version that is not the last one received", () => {
    const state = connected();
    state.modifyQuerySet(mqs(0, []));
    assert.throws(() => state.modifyQuerySet(mqs(0, [])), (e: Error) => e instanceof ProtocolViolation && /BaseVersionMismatch/.test(e.message));
    assert.throws(() => state.modifyQuerySet(mqs(5, [])), ProtocolViolation);
    assert.throws(() => state.modifyQuerySet({ ...mqs(1, []), newVersion: 1 }), ProtocolViolation);
  });

  it("refuses a duplicate query id and removing an unknown one", () => {
    assert.throws(() => connected().modifyQuerySet(mqs(0, [add(0), add(0)])), ProtocolViolation);
    assert.throws(() => connected().modifyQuerySet(mqs(0, [{ type: "Remove", queryId: 9 }])), ProtocolViolation);
  });

  it("refuses only the queries over the limit, and keeps them until removed, by id alone past ten times the limit", () => {
    const small = new ConnectionState({ maxQueries: 2 });
    small.connect(connect);
    const first = small.modifyQuerySet(mqs(0, [add(0), add(1), add(2)]));
    assert.deepEqual([first.added.map((s) => s.queryId), first.refused.map((s) => s.queryId)], [[0, 1], [2]]);
    assert.throws(() => small.modifyQuerySet(mqs(1, [add(2)])), ProtocolViolation, "a refused id is still taken");
    const freed = new ConnectionState({ maxQueries: 2 });
    freed.connect(connect);
    freed.modifyQuerySet(mqs(0, [add(0), add(1), add(2)]));
    assert.deepEqual(freed.modifyQuerySet(mqs(1, [{ type: "Remove", queryId: 2 }])).removed.map((s) => s.queryId), [2]);
    assert.deepEqual(freed.modifyQuerySet(mqs(2, [{ type: "Remove", queryId: 0 }, add(3)])).added.map((s) => s.queryId), [3]);
    const flood = new ConnectionState({ maxQueries: 2 });
    flood.connect(connect);
    const many = Array.from({ length: 22 }, (_, i) => add(i));
    assert.equal(flood.modifyQuerySet(mqs(0, many)).refused.length, 20);
    assert.deepEqual(flood.modifyQuerySet(mqs(1, [add(22)])).refused.map((s) => s.queryId), [22], "refused, not the socket ended");
    assert.deepEqual(flood.queries.get(22)!.args, [], "kept by id, without its args");
    assert.deepEqual([flood.waits(flood.queries.get(21)!), flood.waits(flood.queries.get(22)!)], [true, false]);
    assert.deepEqual(flood.modifyQuerySet(mqs(2, [{ type: "Remove", queryId: 22 }])).removed.map((s) => s.queryId), [22]);
    assert.equal(flood.transition([], 1n).endVersion.querySet, 3);
  });

  it("fails an unreadable query or one with args over the bound alone, keeps it by id, and never serves it", () => {
    const state = new ConnectionState({ maxQueries: 2, maxArgsChars: 100 });
    state.connect(connect);
    const big: AddQuery = { ...add(1), args: [{ token: "x".repeat(100) }] };
    const change = state.modifyQuerySet(mqs(0, [{ type: "Add", queryId: 0, unreadable: "Malformed query: /udfPath is too long" }, big, add(2)]));
    assert.deepEqual(change.unreadable.map(({ sub, reason }) => [sub.queryId, reason]), [
      [0, "Malformed query: /udfPath is too long"], [1, "Query args of 114 characters, over the 100 one query may take"],
    ]);
    assert.deepEqual([change.added.map((s) => s.queryId), change.refused], [[2], []]);
    assert.equal(state.served, 1);
    assert.throws(() => state.modifyQuerySet(mqs(1, [add(0)])), ProtocolViolation, "its id is taken");
    const removed = state.modifyQuerySet(mqs(1, [{ type: "Remove", queryId: 0 }, { type: "Remove", queryId: 1 }, add(3)]));
    assert.deepEqual([removed.removed.map((s) => s.queryId), removed.added.map((s) => s.queryId)], [[0, 1], [3]]);
  });

  it("holds as many queries on one socket as one frame may re-add, and ends a socket that asks for more", () => {
    const state = new ConnectionState({ maxQueries: 1 });
    state.connect(connect);
    const change = state.modifyQuerySet(mqs(0, Array.from({ length: MAX_MODIFICATIONS }, (_, i) => add(i))));
    assert.equal(change.refused.length, MAX_MODIFICATIONS - 1);
    assert.throws(() => state.modifyQuerySet(mqs(1, [add(MAX_MODIFICATIONS)])), (e: Error) => e instanceof ProtocolViolation && /More than 200000 queries/.test(e.message));
  });

  it("serves the oldest queries once the set is back under the limit, as a reconnect that re-adds them in order would", () => {
    const state = new ConnectionState({ maxQueries: 2 });
    state.connect(connect);
    assert.deepEqual(state.modifyQuerySet(mqs(0, [add(0), add(1), add(2)])).refused.map((s) => s.queryId), [2]);
    const change = state.modifyQuerySet(mqs(1, [{ type: "Remove", queryId: 0 }, add(3)]));
    assert.deepEqual([change.added.map((s) => s.queryId), change.refused.map((s) => s.queryId)], [[2], [3]]);
    assert.deepEqual(state.queries.get(2)!.args, [{ token: "gca_x" }], "a refused query keeps its args to run later");
    const sameFrame = state.modifyQuerySet(mqs(2, [add(4), { type: "Remove", queryId: 1 }, { type: "Remove", queryId: 2 }]));
    assert.deepEqual([sameFrame.added.map((s) => s.queryId), sameFrame.refused], [[3, 4], []]);
    assert.equal(state.served, 2);
  });

  it("keeps the args of refused queries up to a bound per socket, and leaves those past it failed until a reconnect", () => {
    const state = new ConnectionState({ maxQueries: 1, maxArgsChars: 3_100_000 });
    state.connect(connect);
    const big = (queryId: number): AddQuery => ({ ...add(queryId), args: [{ token: "x".repeat(3_000_000) }] });
    const first = state.modifyQuerySet(mqs(0, [add(0), big(1), big(2), add(3)]));
    assert.deepEqual(first.refused.map((s) => s.queryId), [1, 2, 3]);
    assert.deepEqual(state.queries.get(2)!.args, [], "over the bound: its args are not kept");
    assert.deepEqual(state.modifyQuerySet(mqs(1, [{ type: "Remove", queryId: 0 }])).added.map((s) => s.queryId), [1]);
    assert.deepEqual(state.modifyQuerySet(mqs(2, [{ type: "Remove", queryId: 1 }])).added.map((s) => s.queryId), [3], "2 cannot run");
    assert.deepEqual(state.modifyQuerySet(mqs(3, [{ type: "Remove", queryId: 3 }, add(4)])).added.map((s) => s.queryId), [4]);
  });

  it("wants Connect first and only once", () => {
    const state = new ConnectionState();
    assert.throws(() => state.modifyQuerySet(mqs(0, [])), ProtocolViolation);
    assert.throws(() => state.requireConnect(), ProtocolViolation);
    state.connect(connect);
    assert.equal(state.sessionId, "s1");
    assert.throws(() => state.connect(connect), ProtocolViolation);
  });

  it("bumps identity on Authenticate from the client's base version", () => {
    const state = connected();
    assert.equal(state.authenticate({ type: "Authenticate", tokenType: "None", baseVersion: 0 }), true);
    assert.equal(state.transition([], 1n).endVersion.identity, 1);
    assert.throws(() => state.authenticate({ type: "Authenticate", tokenType: "None", baseVersion: 0 }), ProtocolViolation);
  });

  it("refuses a token it cannot verify and keeps the identity version", () => {
    const state = connected();
    for (const tokenType of ["User", "Admin"] as const) {
      assert.equal(state.authenticate({ type: "Authenticate", tokenType, value: "jwt", baseVersion: 0 }), false);
      assert.equal(state.identityVersion, 0);
    }
  });

  it("tracks dirty queries once each, and forgets removed ones", () => {
    const state = connected();
    const [a, b] = state.modifyQuerySet(mqs(0, [add(0), add(1)])).added;
    assert.ok(state.markDirty(a!));
    assert.ok(state.markDirty(a!));
    assert.ok(state.markDirty(b!));
    state.modifyQuerySet(mqs(1, [{ type: "Remove", queryId: 1 }]));
    assert.equal(state.markDirty(b!), false);
    assert.deepEqual(state.takeDirty(), [a]);
    assert.deepEqual(state.takeDirty(), []);
  });

  it("bounds the characters of the served queries' args together: past it a query waits, and is served once a removal makes room", () => {
    // Each args array is 20 characters as JSON: three fit in 60.
    const state = new ConnectionState({ maxQuerySetChars: 60 });
    state.connect(connect);
    const sized = (queryId: number): AddQuery => ({ type: "Add", queryId, udfPath: "demo:q", args: [{ pad: "x".repeat(8) }] });
    const first = state.modifyQuerySet(mqs(0, [sized(0), sized(1), sized(2), sized(3)]));
    assert.deepEqual([first.added.map((s) => s.queryId), first.refused.map((s) => s.queryId)], [[0, 1, 2], [3]]);
    // Removing a refused one frees nothing; removing a served one serves the waiting one.
    const second = state.modifyQuerySet(mqs(1, [sized(4), { type: "Remove", queryId: 4 }, { type: "Remove", queryId: 0 }]));
    assert.deepEqual(second.added.map((s) => s.queryId), [3]);
    assert.equal(state.served, 3);
    const third = state.modifyQuerySet(mqs(2, [sized(5)]));
    assert.deepEqual([third.added.length, third.refused.map((s) => s.queryId)], [0, [5]]);
  });
});
