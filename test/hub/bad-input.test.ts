/**
 * Bad input of every kind, on both APIs: malformed JSON, wrong types (never
 * coerced), unknown and missing fields, bodies over 1 MiB, unknown ids, bad query
 * parameters and Idempotency-Keys. Every answer is an exact 4xx with a body of
 * exactly `{ "error": string }`; nothing reaches a 500 and nothing changes.
 */
import assert from "node:assert/strict";
import { connect } from "node:net";
import { brotliCompressSync, deflateSync, gzipSync } from "node:zlib";
import { after, before, describe, it } from "node:test";
import { assertError, assertStatus, runIn } from "../support/api.ts";
import { request, startTestHub, type Res, type TestHub } from "../support/hub.ts";

const MiB = 1024 * 1024;

/** A POST of raw bytes (a compressed body), Bearer auth on either API. */
function bytes(base: string, token: string, path: string, body: Buffer, headers: Record<string, string>) {
  return request(`${base}${path}`, { method: "POST", headers: { authorization: `Bearer ${token}`, ...headers }, body: new Uint8Array(body) });
}

describe("bad input", () => {
  let t: TestHub;
  let runId: string;
  let taskId: string;
  let agent: (method: string, path: string, body?: unknown, headers?: Record<string, string>) => ReturnType<TestHub["agent"]>;
  let owner: (method: string, path: string, body?: unknown, headers?: Record<string, string>) => ReturnType<TestHub["owner"]>;

  before(async () => {
    t = await startTestHub();
    agent = (method, path, body, headers) => t.agent(t.creds.agentToken, method, path, body, headers);
    owner = (method, path, body, headers) => t.owner(t.creds.ownerToken, method, path, body, headers);
    ({ runId, taskId } = await runIn(t, "RUNNING"));
  });
  after(() => t.close());

  /** The RUNNING run and its task are exactly as they were. */
  async function unchanged(activityLength?: number): Promise<number> {
    const detail = await owner("GET", `/runs/${runId}`);
    assert.equal(detail.body.status, "RUNNING");
    assert.equal(detail.body.stepCostUsd, null);
    if (activityLength !== undefined) assert.equal(detail.body.activity.length, activityLength);
    return detail.body.activity.length;
  }

  it("answers 400 for malformed JSON on both APIs", async () => {
    const before = await unchanged();
    for (const text of ["{nope", '{"body": "x"', '{"body": "x"} trailing', "{'body': 'x'}", "undefined"]) {
      assertError(await agent("POST", `/runs/${runId}/comment`, text), 400, "Request body is not valid JSON");
      assertError(await owner("POST", `/tasks/${taskId}/comments`, text), 400, "Request body is not valid JSON");
    }
    await unchanged(before);
  });

  it("answers 400 for wrong types instead of coercing them", async () => {
    const before = await unchanged();
    const cases: Array<[string, unknown, string]> = [
      ["comment", { body: 5 }, "Invalid body: body must be string"],
      ["comment", { body: null }, "Invalid body: body must be string"],
      ["comment", { body: ["x"] }, "Invalid body: body must be string"],
      ["comment", { body: true }, "Invalid body: body must be string"],
      ["start", { body: 5 }, "Invalid body: body must be string"],
      ["complete", { body: 5 }, "Invalid body: body must be string"],
      ["complete", { stepCostUsd: "0.5" }, "Invalid body: stepCostUsd must be number"],
      ["complete", { totalCostUsd: true }, "Invalid body: totalCostUsd must be number"],
      ["complete", { stepCostUsd: -0.01 }, "Invalid body: stepCostUsd must be >= 0"],
      ["error", { totalCostUsd: 1_000_001 }, "Invalid body: totalCostUsd must be <= 1000000"],
      ["error", '{"stepCostUsd": 1e400}', "Invalid body: stepCostUsd must be <= 1000000"],
      ["comment", "[]", "Invalid body: value must be object"],
      ["comment", '"just text"', "Invalid body: value must be object"],
      ["comment", "42", "Invalid body: value must be object"],
      ["comment", "null", "Invalid body: value must be object"],
    ];
    for (const [action, body, message] of cases) {
      assertError(await agent("POST", `/runs/${runId}/${action}`, body), 400, message);
    }
    const owners: Array<[string, string, unknown, string]> = [
      ["POST", "/tasks", { projectId: t.creds.projectId, title: 5 }, "Invalid body: title must be string"],
      ["POST", "/tasks", { projectId: 5, title: "x" }, "Invalid body: projectId must be string"],
      ["POST", "/tasks", { projectId: t.creds.projectId, title: "x", dueDate: "tomorrow" }, 'Invalid body: dueDate must match pattern "^\\d{4}-\\d{2}-\\d{2}$"'],
      ["POST", "/tasks", { projectId: t.creds.projectId, title: "x", dueDate: "2030-02-30" }, 'Invalid body: dueDate must match format "date"'],
      ["POST", "/tasks", { projectId: t.creds.projectId, title: "x", dueDate: 20300101 }, "Invalid body: dueDate must be string"],
      ["POST", "/tasks", { projectId: t.creds.projectId, title: "x", images: "a.png" }, "Invalid body: images must be array"],
      ["POST", "/tasks", { projectId: t.creds.projectId, title: "x", images: [{ url: "https://x/u.png" }] }, 'Invalid body: missing required field "name"'],
      ...["javascript:alert(1)", "file:///etc/passwd", "data:image/png;base64,AAAA", "example.com/a.png", "https://x/a b.png"].map((url): [string, string, unknown, string] =>
        ["POST", "/tasks", { projectId: t.creds.projectId, title: "x", images: [{ url, name: "a" }] }, 'Invalid body: images.0.url must match pattern "^https?://[^\\s]+$"']),
      ["PATCH", `/tasks/${taskId}`, { status: "finished" }, "Invalid body: status must be one of todo, doing, done"],
      ["PATCH", `/tasks/${taskId}`, { title: 1 }, "Invalid body: title must be string"],
      ["POST", `/tasks/${taskId}/comments`, { body: 5 }, "Invalid body: body must be string"],
      ["POST", `/tasks/${taskId}/delegate`, { agentId: 5 }, "Invalid body: agentId must be string"],
      ["POST", `/tasks/${taskId}/delegate`, { agentId: t.creds.agentId, prompt: 5 }, "Invalid body: prompt must be string"],
      ["POST", `/runs/${runId}/follow-up`, { message: 5 }, "Invalid body: message must be string"],
      ["POST", "/agents", { name: 5 }, "Invalid body: name must be string"],
      ["POST", "/agents", { name: "x", description: 5 }, "Invalid body: description must be string"],
      ["POST", "/workspaces", { name: ["x"] }, "Invalid body: name must be string"],
      ["POST", "/notifications/read", { ids: "ntf_1" }, "Invalid body: ids must be array"],
      ["POST", "/notifications/read", { ids: [1] }, "Invalid body: ids.0 must be string"],
    ];
    for (const [method, path, body, message] of owners) assertError(await owner(method, path, body), 400, message);
    const task = (await owner("GET", `/tasks/${taskId}`)).body;
    assert.equal(task.status, "doing");
    await unchanged(before);
  });

  it("answers 400 for an unknown field on every route that takes a body", async () => {
    const before = await unchanged();
    const agentRoutes: Array<[string, Record<string, unknown>]> = [
      ["start", { body: "x" }], ["comment", { body: "x" }], ["heartbeat", {}], ["complete", { body: "x", stepCostUsd: 1 }], ["error", { body: "x" }],
    ];
    for (const [action, body] of agentRoutes) {
      assertError(await agent("POST", `/runs/${runId}/${action}`, { ...body, bogus: 1 }), 400, 'Invalid body: unknown field "bogus"');
    }
    assertError(await agent("POST", `/runs/${runId}/heartbeat`, { body: "x" }), 400, 'Invalid body: unknown field "body"');
    const ownerRoutes: Array<[string, string, Record<string, unknown>, Record<string, string>?]> = [
      ["POST", "/agents", { name: "Bogus Bot" }],
      ["POST", `/agents/${t.creds.agentId}/token`, {}],
      ["POST", "/workspaces", { name: "W" }],
      ["POST", `/workspaces/${t.creds.workspaceId}/members`, { userId: t.creds.ownerId }],
      ["POST", "/projects", { name: "P" }, { "x-workspace-id": t.creds.workspaceId }],
      ["POST", "/tasks", { projectId: t.creds.projectId, title: "T" }],
      ["PATCH", `/tasks/${taskId}`, { title: "T" }],
      ["POST", `/tasks/${taskId}/comments`, { body: "hello" }],
      ["POST", `/tasks/${taskId}/delegate`, { agentId: t.creds.agentId }],
      ["POST", `/runs/${runId}/follow-up`, { message: "more" }],
      ["POST", `/runs/${runId}/stop`, {}],
      ["POST", "/notifications/read", { ids: [] }],
    ];
    for (const [method, path, body, headers] of ownerRoutes) {
      assertError(await owner(method, path, { ...body, bogus: 1 }, headers), 400, 'Invalid body: unknown field "bogus"');
    }
    assertError(await owner("POST", "/tasks", { projectId: t.creds.projectId, title: "T", images: [{ url: "https://x/u.png", name: "n", size: 1 }] }), 400, 'Invalid body: unknown field "size" in images.0');
    assertError(await owner("POST", "/tasks", '{"projectId": "x", "title": "T", "__proto__": {"admin": true}}'), 400, 'Invalid body: unknown field "__proto__"');
    // The agent's token still works: the rotate above never ran.
    assertStatus(await agent("GET", "/me"), 200);
    await unchanged(before);
  });

  it("answers 400 for a missing required field or an empty required body", async () => {
    const before = await unchanged();
    const cases: Array<[string, string, unknown, string, Record<string, string>?]> = [
      ["POST", "/agents", {}, 'Invalid body: missing required field "name"'],
      ["POST", "/workspaces", {}, 'Invalid body: missing required field "name"'],
      ["POST", `/workspaces/${t.creds.workspaceId}/members`, {}, 'Invalid body: missing required field "userId"'],
      ["POST", "/projects", {}, 'Invalid body: missing required field "name"', { "x-workspace-id": t.creds.workspaceId }],
      ["POST", "/tasks", { title: "T" }, 'Invalid body: missing required field "projectId"'],
      ["POST", "/tasks", { projectId: t.creds.projectId }, 'Invalid body: missing required field "title"'],
      ["PATCH", `/tasks/${taskId}`, {}, "Invalid body: value must NOT have fewer than 1 properties"],
      ["POST", `/tasks/${taskId}/comments`, {}, 'Invalid body: missing required field "body"'],
      ["POST", `/tasks/${taskId}/delegate`, {}, 'Invalid body: missing required field "agentId"'],
      ["POST", `/runs/${runId}/follow-up`, {}, 'Invalid body: missing required field "message"'],
      ["POST", "/notifications/read", {}, 'Invalid body: missing required field "ids"'],
      ["POST", "/notifications/read-all", {}, 'Invalid body: missing required field "upTo"'],
      ["POST", "/tasks", undefined, "Invalid body: value must be object"],
    ];
    for (const [method, path, body, message, headers] of cases) assertError(await owner(method, path, body, headers), 400, message);
    assertError(await agent("POST", `/runs/${runId}/comment`, {}), 400, 'Invalid body: missing required field "body"');
    assertError(await agent("POST", `/runs/${runId}/comment`, { body: "" }), 400, "Invalid body: body must NOT have fewer than 1 characters");
    assertError(await agent("POST", `/runs/${runId}/comment`), 400, "Invalid body: value must be object");
    await unchanged(before);
  });

  it("answers 400 for empty or blank text where text is required", async () => {
    const before = await unchanged();
    assertError(await agent("POST", `/runs/${runId}/comment`, { body: "   \n " }), 400, "body must not be blank (empty, or only spaces or invisible characters)");
    assertError(await owner("POST", "/agents", { name: "" }), 400, "Invalid body: name must NOT have fewer than 1 characters");
    assertError(await owner("POST", "/agents", { name: "   " }), 400, "name must not be blank (empty, or only spaces or invisible characters)");
    assertError(await owner("POST", "/workspaces", { name: " " }), 400, "name must not be blank (empty, or only spaces or invisible characters)");
    assertError(await owner("POST", "/projects", { name: " " }, { "x-workspace-id": t.creds.workspaceId }), 400, "name must not be blank (empty, or only spaces or invisible characters)");
    assertError(await owner("POST", "/tasks", { projectId: t.creds.projectId, title: "" }), 400, "Invalid body: title must NOT have fewer than 1 characters");
    assertError(await owner("POST", "/tasks", { projectId: t.creds.projectId, title: "  " }), 400, "title must not be blank (empty, or only spaces or invisible characters)");
    assertError(await owner("POST", `/tasks/${taskId}/comments`, { body: "  " }), 400, "body must not be blank (empty, or only spaces or invisible characters)");
    assertError(await owner("POST", `/runs/${runId}/follow-up`, { message: "" }), 400, "Invalid body: message must NOT have fewer than 1 characters");
    await unchanged(before);
  });

  it("answers 400 for text of only invisible characters (zero-width spaces, joiners, BOM, bidi marks…) where text is required", async () => {
    const before = await unchanged();
    const blank = "blank (empty, or only spaces or invisible characters)";
    const invisible = ["\u200b", "\u200b\u200c\u200d\u2060\ufeff", " \u00ad\u200e\u3164\u2800 ", "\u3000\u180e\ufe0f\u{e0020}"];
    const [ws] = (await owner("GET", "/workspaces")).body as Array<{ id: string }>;
    const task = await owner("POST", "/tasks", { projectId: t.creds.projectId, title: "Stays titled" });
    for (const text of invisible) {
      assertError(await agent("POST", `/runs/${runId}/comment`, { body: text }), 400, `body must not be ${blank}`);
      assertError(await owner("POST", `/tasks/${taskId}/comments`, { body: text }), 400, `body must not be ${blank}`);
      assertError(await owner("POST", "/tasks", { projectId: t.creds.projectId, title: text }), 400, `title must not be ${blank}`);
      assertError(await owner("PATCH", `/tasks/${task.body.id}`, { title: text }), 400, `title must not be ${blank}`);
      assertError(await owner("POST", "/agents", { name: text }), 400, `name must not be ${blank}`);
      assertError(await owner("POST", "/workspaces", { name: text }), 400, `name must not be ${blank}`);
      assertError(await owner("PATCH", `/workspaces/${ws!.id}`, { name: text }), 400, `name must not be ${blank}`);
      assertError(await owner("POST", "/projects", { name: text }, { "x-workspace-id": t.creds.workspaceId }), 400, `name must not be ${blank}`);
      assertError(await owner("POST", "/tokens", { name: text }), 400, `name must not be ${blank}`);
      assertError(await owner("POST", `/runs/${runId}/follow-up`, { message: text }), 400, `message must not be ${blank}`);
    }
    assert.equal((await owner("GET", `/tasks/${task.body.id}`)).body.title, "Stays titled");
    await unchanged(before);
  });

  it("answers 413 for a body over 1 MiB, and 400 for a text field over its own limit", async () => {
    const before = await unchanged();
    const huge = { body: "x".repeat(MiB + 16) };
    assertError(await agent("POST", `/runs/${runId}/comment`, huge), 413, "Request body is larger than 1 MiB");
    assertError(await agent("POST", `/runs/${runId}/complete`, huge), 413, "Request body is larger than 1 MiB");
    assertError(await owner("POST", "/tasks", { projectId: t.creds.projectId, title: "T", description: "d".repeat(MiB) }), 413, "Request body is larger than 1 MiB");
    assertError(await owner("POST", `/tasks/${taskId}/comments`, huge), 413, "Request body is larger than 1 MiB");
    assertError(await agent("POST", `/runs/${runId}/comment`, { body: "x".repeat(200_001) }), 400, "Invalid body: body must NOT have more than 200000 characters");
    await unchanged(before);
  });

  it("answers 415 naming application/json for any other content type, plain text included, on both APIs, and takes an empty JSON body as none", async () => {
    const before = await unchanged();
    for (const type of ["application/xml", "text/plain", "text/plain; charset=utf-8", "application/x-www-form-urlencoded"]) {
      assertError(await agent("POST", `/runs/${runId}/comment`, '{"body":"x"}', { "content-type": type }), 415, "Content-Type must be application/json");
      assertError(await owner("POST", `/tasks/${taskId}/comments`, '{"body":"x"}', { "content-type": type }), 415, "Content-Type must be application/json");
      assertError(await owner("PATCH", `/tasks/${taskId}`, '{"title":"x"}', { "content-type": type }), 415, "Content-Type must be application/json");
    }
    await unchanged(before);
    // An empty JSON body is no body, with or without a charset.
    assertStatus(await agent("POST", `/runs/${runId}/heartbeat`, "", { "content-type": "application/json; charset=utf-8" }), 200);
  });

  it("takes an empty body as none whatever its Content-Type: a POST that needs none works, one that needs a body says so (400)", async () => {
    for (const type of ["text/plain", "application/x-www-form-urlencoded", "application/json; charset=latin1"]) {
      assertStatus(await agent("POST", `/runs/${runId}/heartbeat`, "", { "content-type": type }), 200);
      const { runId: pending } = await runIn(t, "PENDING");
      assertStatus(await owner("POST", `/runs/${pending}/stop`, "", { "content-type": type }), 200);
      assertError(await agent("POST", `/runs/${runId}/comment`, "", { "content-type": type }), 400, "Invalid body: value must be object");
    }
    await unchanged();
  });

  it("answers 415 for a JSON body in a charset other than UTF-8, or compressed (Content-Encoding), on both APIs, and changes nothing", async () => {
    const before = await unchanged();
    for (const charset of ["latin1", "ISO-8859-1", "utf-16", "\"windows-1252\""]) {
      const headers = { "content-type": `application/json; charset=${charset}` };
      const named = charset.replaceAll('"', "");
      assertError(await agent("POST", `/runs/${runId}/comment`, '{"body":"caf\u00e9"}', headers), 415, `A JSON body must be UTF-8 (charset=${named} is not supported)`);
      assertError(await owner("PATCH", `/tasks/${taskId}`, '{"title":"x"}', headers), 415, `A JSON body must be UTF-8 (charset=${named} is not supported)`);
    }
    for (const encoding of ["gzip", "deflate", "br", "gzip, identity"]) {
      const compressed = encoding === "deflate" ? deflateSync('{"body":"x"}') : encoding === "br" ? brotliCompressSync('{"body":"x"}') : gzipSync('{"body":"x"}');
      const headers = { "content-encoding": encoding, "content-type": "application/json" };
      const message = `Content-Encoding ${encoding} is not supported: send the body uncompressed`;
      assertError(await bytes(t.apiUrl, t.creds.agentToken, `/runs/${runId}/comment`, compressed, headers), 415, message);
      assertError(await bytes(`${t.baseUrl}/api/v1`, t.creds.ownerToken, `/tasks/${taskId}/comments`, compressed, headers), 415, message);
    }
    await unchanged(before);
    // UTF-8 however it is spelled, and no encoding at all ("identity"), are read as ever.
    for (const headers of [{ "content-type": "application/json; charset=UTF-8" }, { "content-type": "application/json;charset=\"utf8\"" }, { "content-encoding": "identity" }] as Array<Record<string, string>>) {
      assertStatus(await agent("POST", `/runs/${runId}/heartbeat`, "{}", headers), 200);
    }
  });

  it("keeps text with a NUL or a lone surrogate (JSON \\u0000, \\ud800) as U+FFFD: what is answered is what is kept, on both databases", async () => {
    // JSON.stringify sends a lone surrogate as its escape, as a client slicing a string between a pair's halves would.
    const made = await owner("POST", "/tasks", {
      projectId: t.creds.projectId, title: "cut \ud83d", description: "\ude00 half", images: [{ url: "https://example.com/\ud800.png", name: "n\udbff" }],
    });
    assertStatus(made, 201);
    const expected = { title: "cut \uFFFD", description: "\uFFFD half", images: [{ url: "https://example.com/\uFFFD.png", name: "n\uFFFD" }] };
    const pick = (task: Record<string, unknown>) => ({ title: task.title, description: task.description, images: task.images });
    assert.deepEqual(pick(made.body), expected);
    assert.deepEqual(pick((await owner("GET", `/tasks/${made.body.id}`)).body), expected);
    // Served to everyone as well-formed text: a strict JSON parser (jq, serde) refused the lone escapes.
    const listed = await fetch(`${t.baseUrl}/api/v1/tasks?projectId=${t.creds.projectId}&limit=1`, { headers: { authorization: `Bearer ${t.creds.ownerToken}` } });
    assert.ok(!/\\ud[89a-f]/i.test(await listed.text()), "no lone surrogate escape in the list");

    const workspace = await owner("POST", "/workspaces", { name: "ws \udc00 \u0000" });
    assert.equal(workspace.body.name, "ws \uFFFD \uFFFD");
    const kept = (await owner("GET", "/workspaces")).body.find((w: { id: string }) => w.id === workspace.body.id);
    assert.equal(kept.name, "ws \uFFFD \uFFFD");
    // PostgreSQL cannot store a NUL: it refused the request (400) where SQLite kept it.
    const nul = await owner("PATCH", `/tasks/${made.body.id}`, { title: "a\u0000b" });
    assertStatus(nul, 200);
    assert.equal((await owner("GET", `/tasks/${made.body.id}`)).body.title, "a\uFFFDb");
  });

  it("answers HTTP that cannot be parsed (400), headers over the limit (431) and an Expect it cannot meet (417) with { error } too", async () => {
    const raw = async (text: string) => {
      const socket = connect(Number(new URL(t.baseUrl).port), "127.0.0.1");
      socket.end(text);
      let answer = "";
      for await (const chunk of socket) answer += String(chunk);
      const [head, body] = answer.split("\r\n\r\n");
      return { status: Number(head!.split(" ")[1]), body: JSON.parse(body!) as unknown };
    };
    const malformed = await raw("GET /api/v1/me HTTP/1.1\r\nHost: hub\r\nNot a header\r\n\r\n");
    assert.deepEqual(malformed, { status: 400, body: { error: "The request is not well-formed HTTP" } });
    const huge = await raw(`GET /api/v1/me HTTP/1.1\r\nHost: hub\r\nX-Big: ${"x".repeat(20_000)}\r\n\r\n`);
    assert.deepEqual(huge, { status: 431, body: { error: "The request's headers are too large" } });
    const expecting = await raw("POST /api/v1/me HTTP/1.1\r\nHost: hub\r\nExpect: 100-banana\r\nContent-Length: 2\r\n\r\n{}");
    assert.deepEqual(expecting, { status: 417, body: { error: "Expect: 100-banana is not supported (only 100-continue is)" } });
  });

  it("answers 404 for unknown ids on every route that takes one", async () => {
    const agentCalls: Array<[string, string, unknown?]> = [
      ["GET", "/runs/run_nope"], ["POST", "/runs/run_nope/start", {}], ["POST", "/runs/run_nope/comment", { body: "x" }],
      ["POST", "/runs/run_nope/heartbeat"], ["POST", "/runs/run_nope/complete", {}], ["POST", "/runs/run_nope/error", {}],
    ];
    for (const [method, path, body] of agentCalls) assertError(await agent(method, path, body), 404, "Run not found");
    const ownerCalls: Array<[string, string, unknown, string, Record<string, string>?]> = [
      ["GET", "/tasks/task_nope", undefined, "Task not found"],
      ["PATCH", "/tasks/task_nope", { title: "x" }, "Task not found"],
      ["POST", "/tasks/task_nope/comments", { body: "x" }, "Task not found"],
      ["POST", "/tasks/task_nope/delegate", { agentId: t.creds.agentId }, "Task not found"],
      ["POST", `/tasks/${taskId}/delegate`, { agentId: "agt_nope" }, "Agent not found"],
      ["GET", "/runs/run_nope", undefined, "Run not found"],
      ["POST", "/runs/run_nope/follow-up", { message: "x" }, "Run not found"],
      ["POST", "/runs/run_nope/stop", undefined, "Run not found"],
      ["POST", "/agents/agt_nope/token", undefined, "Agent not found"],
      ["DELETE", "/agents/agt_nope", undefined, "Agent not found"],
      ["GET", "/agents/agt_nope/runs", undefined, "Agent not found"],
      ["POST", "/workspaces/ws_nope/members", { userId: t.creds.ownerId }, "Workspace not found"],
      ["POST", `/workspaces/${t.creds.workspaceId}/members`, { userId: "usr_nope" }, "User not found"],
      ["GET", "/projects", undefined, "Workspace not found", { "x-workspace-id": "ws_nope" }],
      ["POST", "/tasks", { projectId: "prj_nope", title: "x" }, "Project not found"],
      ["PATCH", `/tasks/${taskId}`, { projectId: "prj_nope" }, "Project not found"],
    ];
    for (const [method, path, body, message, headers] of ownerCalls) assertError(await owner(method, path, body, headers), 404, message);
    assertError(await agent("GET", "/nope"), 404, "No route for GET /api/v1/agent/nope");
    assertError(await owner("POST", "/nope", {}), 404, "No route for POST /api/v1/nope");
    assertError(await request(`${t.baseUrl}/nowhere?x=1`, {}), 404, "No route for GET /nowhere");
  });

  it("answers 405 with an Allow header for a method a known path does not take, and HEAD where GET is", async () => {
    const cases: Array<[(method: string, path: string, body?: unknown) => Promise<Res>, string, string, string]> = [
      [agent, "DELETE", "/me", "GET, HEAD"],
      [agent, "POST", `/runs/${runId}`, "GET, HEAD"],
      [agent, "GET", `/runs/${runId}/start`, "POST"],
      [owner, "PUT", "/tasks", "GET, HEAD, POST"],
      [owner, "POST", "/runs", "GET, HEAD"],
      [owner, "PUT", `/tasks/${taskId}`, "DELETE, GET, HEAD, PATCH"],
      [owner, "GET", "/notifications/read", "POST"],
      [owner, "OPTIONS", "/me", "GET, HEAD"],
    ];
    for (const [api, method, path, allow] of cases) {
      const res = await api(method, path, method === "GET" || method === "OPTIONS" ? undefined : {});
      const url = `${api === agent ? "/api/v1/agent" : "/api/v1"}${path}`;
      assertError(res, 405, `${method} is not allowed on ${url} (it takes ${allow})`);
      assert.equal(res.headers.get("allow"), allow, `${method} ${path}`);
    }
    // Without a token too: which methods a path takes is no secret (the OpenAPI document lists them).
    const anonymous = await request(`${t.baseUrl}/api/v1/tasks`, { method: "PUT" });
    assertError(anonymous, 405);
    assert.equal(anonymous.headers.get("allow"), "GET, HEAD, POST");
    // HEAD where GET is answers as GET does, without a body.
    const head = await agent("HEAD", "/me");
    assertStatus(head, 200);
    assert.equal(head.body, null);
    const headRun = await owner("HEAD", `/runs/${runId}`);
    assertStatus(headRun, 200);
    // A method on a path nothing is at stays 404.
    assertError(await owner("DELETE", "/nope"), 404, "No route for DELETE /api/v1/nope");
    await unchanged();
  });

  it("answers 404 for an id in the path that no id can be (a NUL, a space, a dot), naming what, on every route with one; 400 for a NUL in an id of the query", async () => {
    const ws = t.creds.workspaceId;
    for (const bad of ["x%00y", "%00", "a%20b", "a.b", "%C3%A9"]) {
      const agentCalls: Array<[string, string, unknown?]> = [
        ["GET", `/runs/${bad}`], ["POST", `/runs/${bad}/start`, {}], ["POST", `/runs/${bad}/comment`, { body: "x" }],
        ["POST", `/runs/${bad}/heartbeat`], ["POST", `/runs/${bad}/complete`, {}], ["POST", `/runs/${bad}/error`, {}],
      ];
      for (const [method, path, body] of agentCalls) assertError(await agent(method, path, body), 404, "Run not found");
      const ownerCalls: Array<[string, string, unknown, string]> = [
        ["GET", `/tasks/${bad}`, undefined, "Task not found"], ["PATCH", `/tasks/${bad}`, { title: "x" }, "Task not found"],
        ["DELETE", `/tasks/${bad}`, undefined, "Task not found"], ["POST", `/tasks/${bad}/comments`, { body: "x" }, "Task not found"],
        ["POST", `/tasks/${bad}/delegate`, { agentId: t.creds.agentId }, "Task not found"],
        ["POST", `/tasks/${bad}/images`, { images: ["https://example.com/a.png"] }, "Task not found"],
        ["DELETE", `/tasks/${bad}/images?url=https://example.com/a.png`, undefined, "Task not found"],
        ["GET", `/runs/${bad}`, undefined, "Run not found"], ["POST", `/runs/${bad}/follow-up`, { message: "x" }, "Run not found"],
        ["POST", `/runs/${bad}/stop`, undefined, "Run not found"],
        ["POST", `/agents/${bad}/token`, undefined, "Agent not found"], ["DELETE", `/agents/${bad}`, undefined, "Agent not found"],
        ["GET", `/agents/${bad}/runs`, undefined, "Agent not found"], ["DELETE", `/tokens/${bad}`, undefined, "Token not found"],
        ["PATCH", `/workspaces/${bad}`, { name: "x" }, "Workspace not found"], ["DELETE", `/workspaces/${bad}`, undefined, "Workspace not found"],
        ["GET", `/workspaces/${bad}/members`, undefined, "Workspace not found"],
        ["POST", `/workspaces/${bad}/members`, { userId: t.creds.ownerId }, "Workspace not found"],
        ["DELETE", `/workspaces/${bad}/members/${t.creds.ownerId}`, undefined, "Workspace not found"],
        ["DELETE", `/workspaces/${ws}/members/${bad}`, undefined, "Member not found"],
        ["POST", `/workspaces/${bad}/invites`, undefined, "Workspace not found"], ["GET", `/workspaces/${bad}/invites`, undefined, "Workspace not found"],
        ["DELETE", `/workspaces/${ws}/invites/${bad}`, undefined, "Invite not found"],
        ["GET", `/workspaces/${bad}/storage`, undefined, "Workspace not found"],
        ["PATCH", `/projects/${bad}`, { name: "x" }, "Project not found"], ["DELETE", `/projects/${bad}`, undefined, "Project not found"],
      ];
      for (const [method, path, body, message] of ownerCalls) assertError(await owner(method, path, body), 404, message);
      assertError(await request(`${t.baseUrl}/files/${bad}/key`, {}), 404, "File not found");
    }
    for (const path of ["/tasks?projectId=a%00b", "/tasks?workspaceId=%00", "/tasks?before=task_%00", "/notifications?before=%00", `/agents/${t.creds.agentId}/runs?before=%00`]) {
      const name = /[?&](\w+)=/.exec(path)![1];
      assertError(await owner("GET", path), 400, `${name} must not contain control characters (NUL)`);
    }
    assertError(await agent("GET", "/tasks?projectId=%00"), 400, "projectId must not contain control characters (NUL)");
    // Printable but unknown: nothing found, as before.
    assert.deepEqual((await owner("GET", "/tasks?projectId=prj%20nope")).body, []);
  });

  it("answers 404 for an empty id at the end of the path (runs/, tasks/), naming what, as for an unknown one", async () => {
    assertError(await agent("GET", "/runs/"), 404, "Run not found");
    const ownerCalls: Array<[string, string, unknown, string]> = [
      ["GET", "/tasks/", undefined, "Task not found"], ["PATCH", "/tasks/", { title: "x" }, "Task not found"],
      ["PATCH", `/tasks/${taskId}/comments/`, { body: "x" }, "Comment not found"], ["GET", "/runs/", undefined, "Run not found"],
      ["DELETE", `/workspaces/${t.creds.workspaceId}/members/`, undefined, "Member not found"],
    ];
    for (const [method, path, body, message] of ownerCalls) assertError(await owner(method, path, body), 404, message);
    await unchanged();
  });

  it("routes a path with an empty id inside it (runs//start) as the path with its slashes made one, as every path: never another route's action", async () => {
    // runs//start is runs/start: a run's address (GET), where POST is not allowed.
    const agentCalls: Array<[string, string, unknown?]> = [["POST", "/runs//start", {}], ["POST", "/runs//comment", { body: "x" }], ["POST", "/runs//heartbeat"]];
    for (const [method, path, body] of agentCalls) {
      const res = await agent(method, path, body);
      assertError(res, 405, `POST is not allowed on /api/v1/agent${path} (it takes GET, HEAD)`);
      assert.equal(res.headers.get("allow"), "GET, HEAD");
    }
    assertError(await owner("POST", "/tasks//comments", { body: "x" }), 405, "POST is not allowed on /api/v1/tasks//comments (it takes DELETE, GET, HEAD, PATCH)");
    assertError(await owner("POST", "/runs//stop"), 405, "POST is not allowed on /api/v1/runs//stop (it takes GET, HEAD)");
    assertError(await request(`${t.baseUrl}/files//key`, {}), 404);
    await unchanged();
  });

  it("answers an over-long id (414) and a malformed URL (400) with an { error } body too", async () => {
    assertError(await agent("GET", `/runs/${"r".repeat(201)}`), 414, "An id in the URL is longer than 200 characters");
    assertError(await owner("GET", `/tasks/${"t".repeat(300)}`), 414, "An id in the URL is longer than 200 characters");
    assertError(await agent("GET", "/runs/%E0%A4%A"), 400, "The URL is malformed");
    assertError(await agent("GET", `/runs/${"r".repeat(200)}`), 404, "Run not found");
  });

  it("answers a page address with a broken %-escape with the web app and 400 (the app says it is not a valid address); elsewhere the { error } body", async () => {
    for (const path of ["/tasks/%E0%A4%A", "/projects/%"]) {
      const page = await request(`${t.baseUrl}${path}`, {});
      assert.equal(page.status, 400, path);
      assert.match(page.headers.get("content-type") ?? "", /^text\/html/);
      assert.match(String(page.body), /<!doctype html>/i);
      assert.ok(page.headers.get("content-security-policy"), "with the app's own headers");
    }
    assertError(await request(`${t.baseUrl}/tasks/%E0%A4%A`, { method: "POST" }), 400, "The URL is malformed");
    assertError(await request(`${t.baseUrl}/nowhere/%E0`, {}), 400, "The URL is malformed");
  });

  it("answers 400 for bad query parameters, a bad status naming the ones there are", async () => {
    const agentQueries: Array<[string, string]> = [
      ["/runs?limit=0", "Invalid querystring: limit must be >= 1"],
      ["/runs?limit=abc", "Invalid querystring: limit must be integer"],
      ["/runs?limit=1.5", "Invalid querystring: limit must be integer"],
      ["/runs?limit=201", "Invalid querystring: limit must be <= 200"],
      ["/runs?limit=", "Invalid querystring: limit must be integer"],
      ["/runs?status=NOPE", "Invalid querystring: status must be one of PENDING, RUNNING, FINISHED, ERROR, STOPPED"],
      ["/runs?status=pending", "Invalid querystring: status must be one of PENDING, RUNNING, FINISHED, ERROR, STOPPED"],
      ["/runs?sort=asc", 'Invalid querystring: unknown field "sort"'],
      ["/tasks?dueDate=2030-1-1", 'Invalid querystring: dueDate must match pattern "^\\d{4}-\\d{2}-\\d{2}$"'],
      ["/tasks?dueDate=2030-02-30", 'Invalid querystring: dueDate must match format "date"'],
      ["/tasks?dueBefore=soon", "Invalid querystring: dueBefore must be integer"],
      ["/tasks?dueAfter=-1", "Invalid querystring: dueAfter must be >= 0"],
      ["/tasks?includeCompleted=maybe", "Invalid querystring: includeCompleted must be boolean"],
      ["/tasks?status=finished", "Invalid querystring: status must be one of todo, doing, done"],
      ["/tasks?limit=0", "Invalid querystring: limit must be >= 1"],
      ["/tasks?owner=me", 'Invalid querystring: unknown field "owner"'],
    ];
    for (const [path, message] of agentQueries) assertError(await agent("GET", path), 400, message);
    const ownerQueries: Array<[string, string]> = [
      ["/tasks?status=NOPE", "Invalid querystring: status must be one of todo, doing, done"],
      ["/tasks?limit=0", "Invalid querystring: limit must be >= 1"],
      ["/tasks?limit=501", "Invalid querystring: limit must be <= 500"],
      ["/tasks?color=red", 'Invalid querystring: unknown field "color"'],
      ["/notifications?unread=maybe", "Invalid querystring: unread must be boolean"],
      ["/notifications?limit=abc", "Invalid querystring: limit must be integer"],
      [`/agents/${t.creds.agentId}/runs?limit=0`, "Invalid querystring: limit must be >= 1"],
    ];
    for (const [path, message] of ownerQueries) assertError(await owner("GET", path), 400, message);
  });

  it("answers 400 for a paging cursor (before) that is not an id from that list: another list's, or none at all", async () => {
    await owner("POST", `/tasks/${taskId}/comments`, { body: "a notification for the owner" });
    const [notification] = (await owner("GET", "/notifications?limit=1")).body as Array<{ id: string }>;
    const lists: Array<[string, string, string[]]> = [
      ["/tasks", 'before must be a task id (task_…), as this list\'s Link rel="next" gives', [notification!.id, runId, "zzz"]],
      ["/runs", 'before must be a run id (run_…), as this list\'s Link rel="next" gives', [notification!.id, taskId, "zzz"]],
      [`/agents/${t.creds.agentId}/runs`, 'before must be a run id (run_…), as this list\'s Link rel="next" gives', [taskId, "0"]],
      ["/notifications", 'before must be a notification id (ntf_…), as this list\'s Link rel="next" gives', [runId, taskId, "zzz"]],
    ];
    for (const [path, message, cursors] of lists) {
      for (const cursor of cursors) assertError(await owner("GET", `${path}?before=${cursor}`), 400, message);
    }
    // Its own kind of id is a cursor as ever (the one it is: nothing older).
    assertStatus(await owner("GET", `/tasks?before=${taskId}`), 200);
    assertStatus(await owner("GET", `/runs?before=${runId}`), 200);
    assertStatus(await owner("GET", `/notifications?before=${notification!.id}`), 200);
  });

  it("answers 400 for an empty id filter (?agentId=, ?projectId=, ?workspaceId=) on both APIs, rather than reading it as absent or as matching nothing", async () => {
    const empty = (name: string) => `Invalid querystring: ${name} must NOT have fewer than 1 characters`;
    for (const name of ["agentId", "workspaceId"]) assertError(await owner("GET", `/runs?${name}=`), 400, empty(name));
    for (const name of ["projectId", "workspaceId"]) {
      assertError(await owner("GET", `/tasks?${name}=`), 400, empty(name));
      assertError(await agent("GET", `/tasks?${name}=`), 400, empty(name));
    }
    assertError(await agent("GET", "/runs?workspaceId="), 400, empty("workspaceId"));
  });

  it("answers 400 for an empty X-Workspace-Id header wherever the owner API reads it, rather than reading it as no filter", async () => {
    const empty = "The X-Workspace-Id header is empty: send a workspace id (ws_…), or leave the header out where it is optional";
    for (const path of ["/projects", "/tasks", "/tasks?limit=1"]) assertError(await owner("GET", path, undefined, { "x-workspace-id": "" }), 400, empty);
    const projects = (await owner("GET", "/projects", undefined, { "x-workspace-id": t.creds.workspaceId })).body.length as number;
    assertError(await owner("POST", "/projects", { name: "Never made" }, { "x-workspace-id": "" }), 400, empty);
    assert.equal((await owner("GET", "/projects", undefined, { "x-workspace-id": t.creds.workspaceId })).body.length, projects, "no project was made");
  });

  it("answers 400 naming the id for a read of ids one of which is not a notification id, and marks nothing read", async () => {
    await owner("POST", `/tasks/${taskId}/comments`, { body: "another one to read" });
    const unread = (await owner("GET", "/notifications?unread=true")).body as Array<{ id: string }>;
    assert.ok(unread.length > 0);
    for (const bad of [runId, taskId, "zzz", "ntf"]) {
      assertError(await owner("POST", "/notifications/read", { ids: [unread[0]!.id, bad] }), 400, `ids: ${JSON.stringify(bad)} is not a notification id (ntf_…)`);
    }
    assert.equal((await owner("GET", "/me")).body.unreadNotifications, unread.length);
    // A well-formed id of no notification of yours marks nothing, as one already read does.
    assert.deepEqual((await owner("POST", "/notifications/read", { ids: ["ntf_00000000000000000000000000"] })).body, { updated: 0 });
  });

  it("answers 400 for a read-all whose upTo is not a notification id, and marks nothing read", async () => {
    await owner("POST", `/tasks/${taskId}/comments`, { body: "one more to read" });
    const unread = (await owner("GET", "/me")).body.unreadNotifications as number;
    assert.ok(unread > 0);
    for (const upTo of [runId, taskId, "zzz", "ntf"]) {
      assertError(await owner("POST", "/notifications/read-all", { upTo }), 400, "upTo must be a notification id (ntf_…)");
    }
    assert.equal((await owner("GET", "/me")).body.unreadNotifications, unread);
  });

  it("answers 400 for a bad Idempotency-Key, before doing anything", async () => {
    const before = await unchanged();
    for (const key of ["", "two words", "k".repeat(256), "caf\u00e9", "tab\there"]) {
      assertError(
        await agent("POST", `/runs/${runId}/comment`, { body: "should not land" }, { "idempotency-key": key }),
        400, "Idempotency-Key must be 1 to 255 visible ASCII characters",
      );
      assertError(
        await owner("POST", `/tasks/${taskId}/comments`, { body: "should not land" }, { "idempotency-key": key }),
        400, "Idempotency-Key must be 1 to 255 visible ASCII characters",
      );
    }
    await unchanged(before);
    assertStatus(await agent("POST", `/runs/${runId}/comment`, { body: "lands" }, { "idempotency-key": "k".repeat(255) }), 201);
    assertStatus(await agent("POST", `/runs/${runId}/comment`, { body: "lands too" }, { "idempotency-key": "!~#$%&'*+-.^_`|" }), 201);
  });
});
