import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { RunSource, type RunSourceEvent } from "../../../src/sdk/run-source.ts";
import { judgeSyncAnswer, likelyMistake, NotSyncEndpointError } from "../../../src/sdk/sync-endpoint.ts";

describe("is a Convex URL a sync endpoint", () => {
  it("judges an upgrade's answer: 101 is one, another HTTP answer is not, a passing failure or none says nothing", () => {
    const verdicts = [
      judgeSyncAnswer({ kind: "upgraded" }),
      ...[200, 301, 400, 401, 403, 404, 405].map((status) => judgeSyncAnswer({ kind: "http", status })),
      ...[408, 429, 500, 502, 503].map((status) => judgeSyncAnswer({ kind: "http", status })),
      judgeSyncAnswer({ kind: "unreachable", error: new Error("ECONNREFUSED") }),
    ];
    assert.deepEqual(verdicts, ["sync", ...Array(7).fill("not_sync"), ...Array(5).fill("unsure"), "unsure"]);
  });

  it("names the likely mistake: the API URL, a .convex.site host, a path", () => {
    assert.match(likelyMistake("https://groupchat.ai/api/v1/agent"), /^It looks like the Agent API's URL \(GROUPCHAT_API_URL\)/);
    assert.match(likelyMistake("http://127.0.0.1:3210/api/v1/"), /^It looks like the Agent API's URL/);
    assert.match(likelyMistake("https://fantastic-jay-464.convex.site"), /HTTP actions host; its real-time URL ends in \.convex\.cloud/);
    assert.match(likelyMistake("http://127.0.0.1:3210/realtime"), /^The real-time URL has no path \(not \/realtime\)/);
  });

  it("a URL the stock client refuses outright is said as an error event, and the source polls on instead of throwing", async () => {
    const events: RunSourceEvent[] = [];
    let polls = 0;
    const source = new RunSource({ client: { runs: async () => (polls++, []) }, token: "gca_x", convexUrl: "https://fantastic-jay-464.convex.site", pollIntervalMs: 3_600_000 });
    source.subscribe((event) => events.push(event));
    source.start();
    await source.refresh();
    await source.close();
    const errors = events.flatMap((e) => (e.type === "error" ? [e.error] : []));
    assert.equal(errors.length, 1);
    assert.ok(errors[0] instanceof NotSyncEndpointError);
    assert.equal(errors[0].httpStatus, null);
    assert.match(errors[0].message, /^convexUrl \(GROUPCHAT_CONVEX_URL\) https:\/\/fantastic-jay-464\.convex\.site is not a real-time sync endpoint: the real-time client refuses it/);
    assert.ok(polls > 0);
  });
});
