import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { AgentApiClient } from "../../../src/sdk/client.ts";
import { AgentApiError } from "../../../src/sdk/errors.ts";
import { FakeClock, settle } from "../support/fake-clock.ts";

type Handler = (url: string, init: RequestInit) => Promise<Response>;

function fakeFetch(handlers: Handler[]) {
  const seen: Array<{ url: string; init: RequestInit }> = [];
  const fetch = (async (input: RequestInfo | URL, init: RequestInit = {}) => {
    seen.push({ url: String(input), init });
    const handler = handlers.shift();
    if (!handler) throw new Error("unexpected request");
    return handler(String(input), init);
  }) as typeof globalThis.fetch;
  return { fetch, seen };
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) => async () =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });
/** Never answers until the request's signal aborts. */
const hang: Handler = (_url, init) =>
  new Promise((_resolve, reject) => init.signal?.addEventListener("abort", () => reject(init.signal?.reason)));
const header = (init: RequestInit, name: string) => (init.headers as Record<string, string>)[name];

describe("AgentApiClient (fake fetch, fake clock)", () => {
  it("sends Basic auth and one Idempotency-Key across a POST's retries", async () => {
    const clock = new FakeClock();
    const { fetch, seen } = fakeFetch([json(503, { error: "busy" }), json(429, { error: "slow" }, { "retry-after": "1" }), json(201, { id: "a1", body: "hi" })]);
    const client = new AgentApiClient({ token: "gca_x", apiUrl: "http://h/api/v1/agent/", fetch, clock, random: () => 0 });
    const result = client.comment("r 1", "hi");
    await clock.advance(5_000);
    assert.deepEqual(await result, { id: "a1", body: "hi" });
    assert.equal(seen.length, 3);
    assert.equal(seen[0]!.url, "http://h/api/v1/agent/runs/r%201/comment");
    assert.equal(header(seen[0]!.init, "authorization"), `Basic ${Buffer.from("gca_x:").toString("base64")}`);
    const keys = new Set(seen.map((s) => header(s.init, "idempotency-key")));
    assert.equal(keys.size, 1);
    assert.match([...keys][0]!, /^[0-9a-f-]{36}$/);
    assert.equal(clock.pending, 0);
  });

  it("gives each logical POST its own key; GETs and heartbeats (idempotent anyway) none", async () => {
    const { fetch, seen } = fakeFetch([json(201, {}), json(201, {}), json(200, []), json(200, {})]);
    const client = new AgentApiClient({ token: "gca_x", apiUrl: "http://h", fetch, clock: new FakeClock() });
    await client.comment("r", "a");
    await client.comment("r", "a");
    await client.runs({ status: "PENDING", limit: 5 });
    await client.heartbeat("r");
    assert.notEqual(header(seen[0]!.init, "idempotency-key"), header(seen[1]!.init, "idempotency-key"));
    assert.equal(header(seen[2]!.init, "idempotency-key"), undefined);
    assert.equal(seen[2]!.url, "http://h/runs?status=PENDING&limit=5");
    assert.equal(header(seen[3]!.init, "idempotency-key"), undefined);
  });

  it("times an attempt out as a network error, then retries it", async () => {
    const clock = new FakeClock();
    const { fetch, seen } = fakeFetch([hang, json(200, [])]);
    const client = new AgentApiClient({ token: "gca_x", apiUrl: "http://h", fetch, clock, timeoutMs: 1_000, random: () => 0 });
    const result = client.runs();
    await clock.advance(1_000);
    await clock.advance(1_000);
    assert.deepEqual(await result, []);
    assert.equal(seen.length, 2);
  });

  it("stops at once, with code aborted, when the caller's signal fires (also between retries)", async () => {
    const clock = new FakeClock();
    const { fetch } = fakeFetch([hang, json(503, {})]);
    const client = new AgentApiClient({ token: "gca_x", apiUrl: "http://h", fetch, clock });
    const first = new AbortController();
    const during = client.me({ signal: first.signal });
    await settle();
    first.abort(new Error("bye"));
    await assert.rejects(during, (e: unknown) => e instanceof AgentApiError && e.code === "aborted");

    const second = new AbortController();
    const between = client.me({ signal: second.signal });
    await settle();
    second.abort();
    await assert.rejects(between, (e: unknown) => e instanceof AgentApiError && e.code === "aborted");
    assert.equal(clock.pending, 0);
  });

  it("keeps nothing per call on a caller's signal that lives on (a daemon polling for months with one)", async () => {
    const { fetch } = fakeFetch(Array.from({ length: 1_000 }, () => json(200, [])));
    const client = new AgentApiClient({ token: "gca_x", apiUrl: "http://h", fetch, clock: new FakeClock() });
    const lifelong = new AbortController().signal;
    for (let i = 0; i < 1_000; i++) await client.runs({}, { signal: lifelong });
    // Node 20's AbortSignal.any keeps a reference to each signal made from `lifelong` on it, dead or alive, until
    // it aborts (~60 bytes a call, never freed). Node keeps that set under this symbol; a Node without it has no such set.
    const dependants = Object.getOwnPropertySymbols(lifelong).find((symbol) => symbol.description === "kDependantSignals");
    const kept = dependants ? ((lifelong as unknown as Record<symbol, Set<unknown> | undefined>)[dependants]?.size ?? 0) : 0;
    assert.ok(kept < 10, `the caller's signal holds ${kept} signals after 1,000 calls`);
  });

  it("does not retry an answer such as 409, and carries its run status", async () => {
    const { fetch, seen } = fakeFetch([json(409, { error: "Cannot start a run that is RUNNING", status: "RUNNING" })]);
    const client = new AgentApiClient({ token: "gca_x", apiUrl: "http://h", fetch, clock: new FakeClock() });
    await assert.rejects(client.start("r"), (e: unknown) => e instanceof AgentApiError && e.code === "conflict" && e.runStatus === "RUNNING");
    assert.equal(seen.length, 1);
  });

  it("reports a 2xx without the documented fields as invalid_response", async () => {
    const { fetch } = fakeFetch([json(200, [{ id: "r" }])]);
    const client = new AgentApiClient({ token: "gca_x", apiUrl: "http://h", fetch, clock: new FakeClock() });
    await assert.rejects(client.runs(), (e: unknown) => e instanceof AgentApiError && e.code === "invalid_response");
  });

  it("pauses heartbeats when the API says it has none (405), probes after heartbeatProbeMs, doubling, and says when they are back", async () => {
    const clock = new FakeClock();
    const told: boolean[] = [];
    const refused = json(405, { error: "Method Not Allowed" });
    const beat = json(200, { id: "r", status: "RUNNING" });
    const { fetch, seen } = fakeFetch([refused, refused, beat, beat]);
    const client = new AgentApiClient({ token: "gca_x", apiUrl: "http://h", fetch, clock, heartbeatProbeMs: 1_000, onHeartbeats: (on) => told.push(on) });
    assert.equal(await client.heartbeat("r"), false);
    assert.equal(await client.heartbeat("r"), false);
    assert.deepEqual([client.heartbeatSupported, seen.length, told], [false, 1, [false]]);
    await clock.advance(1_000);
    assert.equal(await client.heartbeat("r"), false, "the probe, refused: the next waits twice as long");
    await clock.advance(1_000);
    assert.equal(await client.heartbeat("r"), false);
    assert.equal(seen.length, 2);
    await clock.advance(1_000);
    assert.equal(await client.heartbeat("r"), true);
    assert.equal(await client.heartbeat("r"), true);
    assert.deepEqual([client.heartbeatSupported, seen.length, told], [true, 4, [false, true]]);
  });

  it("takes a first heartbeat's 404 for the run being gone when the run is gone too, and keeps heartbeats on", async () => {
    const { fetch, seen } = fakeFetch([json(404, { error: "run not found" }), json(404, { error: "run not found" }), json(200, { id: "r2", status: "RUNNING" })]);
    const client = new AgentApiClient({ token: "gca_x", apiUrl: "http://h", fetch, clock: new FakeClock() });
    await assert.rejects(client.heartbeat("r1"), (e: unknown) => e instanceof AgentApiError && e.code === "not_found");
    assert.equal(client.heartbeatSupported, true, "one deleted run must not turn heartbeats off for every later run");
    assert.equal(await client.heartbeat("r2"), true);
    assert.deepEqual(seen.map((s) => `${s.init.method} ${s.url}`), ["POST http://h/runs/r1/heartbeat", "GET http://h/runs/r1", "POST http://h/runs/r2/heartbeat"]);
  });

  it("takes a first heartbeat's 404 for a run that is there as an API without heartbeats (hosted GroupChat)", async () => {
    const detail = { id: "r1", taskTitle: "T", prompt: "p", status: "RUNNING", task: { id: "t1" }, activity: [] };
    const { fetch, seen } = fakeFetch([json(404, { error: "Not Found" }), json(200, detail)]);
    const client = new AgentApiClient({ token: "gca_x", apiUrl: "http://h", fetch, clock: new FakeClock() });
    assert.equal(await client.heartbeat("r1"), false);
    assert.equal(await client.heartbeat("r1"), false);
    assert.equal(client.heartbeatSupported, false);
    assert.equal(seen.length, 2, "paused: the second sent nothing");
  });
});
