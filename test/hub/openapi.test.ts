/**
 * The OpenAPI 3.1 document at /api/v1/openapi.json: it lists every route, and
 * what it says about request bodies and query parameters is what the server
 * enforces (checked by generating requests from the document itself).
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { assertError, assertStatus } from "../support/api.ts";
import { request, startTestHub, type Res, type TestHub } from "../support/hub.ts";

interface Schema {
  type?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean;
  minProperties?: number;
  anyOf?: Schema[];
  items?: Schema;
  pattern?: string;
  format?: string;
  const?: unknown;
  examples?: unknown[];
  minimum?: number;
  maximum?: number;
  maxLength?: number;
}
interface Parameter { name: string; in: "path" | "query" | "header"; required: boolean; schema: Schema }
interface Operation {
  summary?: string;
  tags?: string[];
  security?: Array<Record<string, string[]>>;
  parameters?: Parameter[];
  requestBody?: { required: boolean; content: { "application/json"?: { schema: Schema } } & Record<string, { schema: Schema }> };
  responses: Record<string, { description: string; headers?: Record<string, { description: string; schema: Schema }>; content?: { "application/json": { schema: Schema } } }>;
}

const ROUTES = [
  "get /api/v1/agent/me", "get /api/v1/agent/tasks", "get /api/v1/agent/runs", "get /api/v1/agent/runs/{id}",
  "post /api/v1/agent/runs/{id}/start", "post /api/v1/agent/runs/{id}/comment", "post /api/v1/agent/runs/{id}/heartbeat",
  "post /api/v1/agent/runs/{id}/complete", "post /api/v1/agent/runs/{id}/error",
  "get /api/v1/me", "get /api/v1/agents", "post /api/v1/agents", "post /api/v1/agents/{id}/token", "delete /api/v1/agents/{id}",
  "get /api/v1/agents/{id}/runs", "get /api/v1/tokens", "post /api/v1/tokens", "delete /api/v1/tokens/{id}", "get /api/v1/webhooks", "post /api/v1/webhooks", "delete /api/v1/webhooks/{id}", "post /api/v1/webhooks/{id}/test", "get /api/v1/workspaces", "post /api/v1/workspaces", "patch /api/v1/workspaces/{id}", "delete /api/v1/workspaces/{id}", "post /api/v1/workspaces/{id}/members", "get /api/v1/workspaces/{id}/members", "delete /api/v1/workspaces/{id}/members/{userId}", "post /api/v1/workspaces/{id}/invites", "get /api/v1/workspaces/{id}/invites", "delete /api/v1/workspaces/{id}/invites/{inviteId}", "get /api/v1/workspaces/{id}/storage",
  "get /api/v1/projects", "post /api/v1/projects", "patch /api/v1/projects/{id}", "delete /api/v1/projects/{id}", "get /api/v1/tasks", "post /api/v1/tasks", "get /api/v1/tasks/{id}",
  "patch /api/v1/tasks/{id}", "delete /api/v1/tasks/{id}", "post /api/v1/tasks/{id}/images", "delete /api/v1/tasks/{id}/images", "post /api/v1/tasks/{id}/comments", "patch /api/v1/tasks/{id}/comments/{activityId}", "delete /api/v1/tasks/{id}/comments/{activityId}", "post /api/v1/tasks/{id}/delegate", "get /api/v1/runs", "get /api/v1/runs/{id}",
  "post /api/v1/runs/{id}/follow-up", "post /api/v1/runs/{id}/retry", "post /api/v1/runs/{id}/stop", "get /api/v1/notifications", "post /api/v1/notifications/read", "post /api/v1/notifications/read-all", "post /api/v1/notifications/read-task",
  "post /api/v1/uploads",
];

/** A value the schema accepts (for the simple shapes request bodies use). */
function valid(schema: Schema): unknown {
  if (schema.anyOf) return valid(schema.anyOf[0]!);
  if (schema.const !== undefined) return schema.const;
  if (schema.examples?.length) return schema.examples[0];
  switch (schema.type) {
    case "string": return schema.format === "date" || schema.pattern ? "2030-01-01" : "x";
    case "number": case "integer": return schema.minimum ?? 1;
    case "boolean": return true;
    case "array": return [];
    case "object": {
      // The required fields, plus optional ones up to minProperties.
      const optional = Object.keys(schema.properties ?? {}).filter((name) => !schema.required?.includes(name));
      const names = [...(schema.required ?? []), ...optional.slice(0, Math.max(0, (schema.minProperties ?? 0) - (schema.required?.length ?? 0)))];
      return Object.fromEntries(names.map((name) => [name, valid(schema.properties![name]!)]));
    }
    default: throw new Error(`no valid value for ${JSON.stringify(schema)}`);
  }
}

/** A value of the wrong JSON type for the schema. */
function wrongType(schema: Schema): unknown {
  if (schema.anyOf || schema.const !== undefined) return 12345;
  return ({ string: 5, number: "5", integer: "5", boolean: "yes", array: "x", object: "x" } as Record<string, unknown>)[schema.type!];
}

describe("OpenAPI document", () => {
  let t: TestHub;
  let doc: { openapi: string; info: { title: string; version: string; description: string }; paths: Record<string, Record<string, Operation>>; components: { securitySchemes: Record<string, unknown> } };
  const operations: Array<{ method: string; path: string; op: Operation }> = [];

  before(async () => {
    t = await startTestHub();
    const res = await request(`${t.baseUrl}/api/v1/openapi.json`, {});
    assertStatus(res, 200);
    doc = res.body;
    for (const [path, methods] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(methods)) operations.push({ method, path, op });
    }
  });
  after(() => t.close());

  /** Calls an operation with the right token, "x" for path ids and "x" for required headers. */
  function call(method: string, path: string, op: Operation, body?: unknown, query = ""): Promise<Res> {
    const isAgent = path.startsWith("/api/v1/agent/");
    const url = path.replaceAll("{id}", "x").slice(isAgent ? "/api/v1/agent".length : "/api/v1".length) + query;
    const headers: Record<string, string> = {};
    for (const p of op.parameters ?? []) if (p.in === "header" && p.required) headers[p.name] = "x";
    return isAgent
      ? t.agent(t.creds.agentToken, method.toUpperCase(), url, body, headers)
      : t.owner(t.creds.ownerToken, method.toUpperCase(), url, body, headers);
  }

  it("is OpenAPI 3.1 with the hub's title and its three security schemes", () => {
    assert.equal(doc.openapi, "3.1.0");
    assert.equal(doc.info.title, "openclaw-groupchat hub");
    // Said once, not on every operation: any path answers a method it does not take with 405 and Allow.
    assert.match(doc.info.description, /405/);
    assert.match(doc.info.description, /Allow/);
    assert.deepEqual(Object.keys(doc.components.securitySchemes).sort(), ["agentBasic", "agentBearer", "ownerBearer"]);
    assert.deepEqual(doc.components.securitySchemes.agentBasic, { type: "http", scheme: "basic", description: "gca_ token as the username, empty password" });
  });

  it("lists exactly the hub's routes, each with a summary, tags, security and its error responses", () => {
    assert.deepEqual(operations.map((o) => `${o.method} ${o.path}`).sort(), [...ROUTES].sort());
    for (const { method, path, op } of operations) {
      const where = `${method} ${path}`;
      assert.ok(op.summary && op.tags?.length, where);
      const schemes = (op.security ?? []).flatMap((s) => Object.keys(s)).sort();
      assert.deepEqual(schemes, path.startsWith("/api/v1/agent/") ? ["agentBasic", "agentBearer"] : ["ownerBearer"], where);
      for (const code of ["400", "401", "404"]) {
        assert.deepEqual(op.responses[code]?.content?.["application/json"].schema.required, ["error"], `${where} ${code}`);
      }
      assert.ok(Object.keys(op.responses).some((c) => /^2\d\d$/.test(c)), where);
    }
  });

  it("documents the Idempotency-Key header on every POST, and the 414, 415 and 503 answers the server gives", async () => {
    for (const { method, path, op } of operations) {
      const where = `${method} ${path}`;
      const key = (op.parameters ?? []).find((p) => p.in === "header" && p.name === "Idempotency-Key");
      // An upload's body is the image's bytes (`consumes`), not JSON, and each makes a new file: no key.
      const raw = op.requestBody !== undefined && !("application/json" in op.requestBody.content);
      // A webhook's test delivery sends a ping each time: it takes no key (one sent is not even looked at).
      assert.equal(Boolean(key), method === "post" && !raw && path !== "/api/v1/webhooks/{id}/test", where);
      // Every operation, a GET too: the hub shutting down or its database unreachable answers any request 503.
      assert.ok("503" in op.responses, where);
      if (method === "post" || method === "patch") {
        assert.ok("415" in op.responses, where);
        const isAgent = path.startsWith("/api/v1/agent/");
        const url = path.replaceAll("{id}", "x").slice(isAgent ? "/api/v1/agent".length : "/api/v1".length);
        // What `curl -d` sends without -H.
        const headers = { "content-type": "application/x-www-form-urlencoded" };
        const res = isAgent
          ? await t.agent(t.creds.agentToken, method.toUpperCase(), url, "hello", headers)
          : await t.owner(t.creds.ownerToken, method.toUpperCase(), url, "hello", headers);
        assertError(res, 415, raw ? "Content-Type must be image/png, image/jpeg, image/gif or image/webp" : "Content-Type must be application/json");
      }
      if (path.includes("{id}")) {
        assert.ok("414" in op.responses, where);
        const res = await call(method, path.replaceAll("{id}", "i".repeat(201)), op);
        assertError(res, 414, "An id in the URL is longer than 200 characters");
      }
    }
  });

  it("documents the headers answers carry: Retry-After on a 503, WWW-Authenticate on a 401, Link on a paged list, Idempotent-Replayed on a replay", async () => {
    for (const { method, path, op } of operations) {
      const where = `${method} ${path}`;
      assert.equal(op.responses["503"]?.headers?.["Retry-After"]?.schema.type, "integer", where);
      assert.match(op.responses["503"]!.description, /shutting down/, where);
      assert.match(op.responses["503"]!.description, /database/, where);
      assert.ok(op.responses["401"]?.headers?.["WWW-Authenticate"], where);
      const paged = (op.parameters ?? []).some((p) => p.in === "query" && p.name === "before");
      assert.equal(Boolean(op.responses["200"]?.headers?.Link), paged, where);
      const keyed = (op.parameters ?? []).some((p) => p.name === "Idempotency-Key");
      const success = Object.keys(op.responses).find((code) => /^2\d\d$/.test(code))!;
      assert.equal(Boolean(op.responses[success]!.headers?.["Idempotent-Replayed"]), keyed, where);
    }
    // As the server answers: a 401 names its scheme, a full page links to the next, a replay says so.
    const noToken = await request(`${t.apiUrl}/me`, {});
    assertError(noToken, 401);
    assert.equal(noToken.headers.get("www-authenticate"), 'Basic realm="agent"');
    const ownerNoToken = await request(`${t.baseUrl}/api/v1/tasks`, {});
    assertError(ownerNoToken, 401);
    assert.equal(ownerNoToken.headers.get("www-authenticate"), 'Bearer realm="owner"');
    const body = { projectId: t.creds.projectId, title: "Paged" };
    const made = await t.owner(t.creds.ownerToken, "POST", "/tasks", body, { "idempotency-key": "openapi-replay" });
    assertStatus(made, 201);
    const replayed = await t.owner(t.creds.ownerToken, "POST", "/tasks", body, { "idempotency-key": "openapi-replay" });
    assert.equal(replayed.headers.get("idempotent-replayed"), "true");
    assert.match((await t.owner(t.creds.ownerToken, "GET", "/tasks?limit=1")).headers.get("link") ?? "", /rel="next"$/);
    // The webhook test route does not look at a key: a malformed one is not refused (an unknown webhook is 404).
    assertError(await t.owner(t.creds.ownerToken, "POST", "/webhooks/whk_nope/test", undefined, { "idempotency-key": "two words" }), 404);
  });

  it("documents the seed's fields: a run's prompt, task, activity, owner and lastFollowUpMessage", () => {
    const detail = doc.paths["/api/v1/agent/runs/{id}"]!.get!.responses["200"]!.content!["application/json"].schema as { allOf?: Schema[] };
    const fields = (detail.allOf ?? []).flatMap((s) => Object.keys(s.properties ?? {}));
    for (const field of ["id", "taskTitle", "prompt", "lastFollowUpMessage", "task", "activity", "owner", "status"]) assert.ok(fields.includes(field), field);
    const list = doc.paths["/api/v1/agent/runs"]!.get!;
    assert.deepEqual(list.parameters!.map((p) => p.name).sort(), ["limit", "status", "workspaceId"]);
  });

  it("documents a comment's edit and deletion, with editedAt on the owner's feed entries and not on the agent's", () => {
    const comment = doc.paths["/api/v1/tasks/{id}/comments/{activityId}"]!;
    const edited = comment.patch!.responses["200"]!.content!["application/json"].schema as Schema;
    assert.ok(Object.keys(edited.properties ?? {}).includes("editedAt"));
    assert.deepEqual(Object.keys(comment.patch!.requestBody!.content["application/json"]!.schema.properties ?? {}), ["body"]);
    assert.ok(comment.delete!.responses["204"] && comment.delete!.responses["403"] && comment.delete!.responses["404"]);
    const agents = doc.paths["/api/v1/agent/runs/{id}"]!.get!.responses["200"]!.content!["application/json"].schema as { allOf?: Schema[] };
    const activity = (agents.allOf ?? []).map((s) => s.properties?.activity).find(Boolean) as { items: Schema };
    assert.ok(!Object.keys(activity.items.properties ?? {}).includes("editedAt"));
  });

  it("says stepCostUsd is a number from 0 to 1,000,000, and the server holds /complete to exactly that", async () => {
    const schema = doc.paths["/api/v1/agent/runs/{id}/complete"]!.post!.requestBody!.content["application/json"]!.schema;
    assert.deepEqual(schema.properties!.stepCostUsd, { type: "number", minimum: 0, maximum: 1_000_000 });
    assert.deepEqual(schema.properties!.body, { type: "string", maxLength: 200_000 });
    const path = "/runs/run_unknown/complete";
    assertError(await t.agent(t.creds.agentToken, "POST", path, { stepCostUsd: "0.5" }), 400, "Invalid body: stepCostUsd must be number");
    assertError(await t.agent(t.creds.agentToken, "POST", path, { stepCostUsd: -1 }), 400, "Invalid body: stepCostUsd must be >= 0");
    assertError(await t.agent(t.creds.agentToken, "POST", path, { stepCostUsd: 1_000_001 }), 400, "Invalid body: stepCostUsd must be <= 1000000");
    // Within the documented range, validation passes and the request reaches the (unknown) run.
    assertError(await t.agent(t.creds.agentToken, "POST", path, { stepCostUsd: 0 }), 404, "Run not found");
    assertError(await t.agent(t.creds.agentToken, "POST", path, { stepCostUsd: 1_000_000, body: "x".repeat(200_000) }), 404, "Run not found");
  });

  it("rejects what each documented request body forbids: unknown fields, wrong types, missing required fields", async () => {
    let checked = 0;
    for (const { method, path, op } of operations) {
      const schema = op.requestBody?.content["application/json"]?.schema;
      if (!schema) continue;
      const where = `${method} ${path}`;
      const base = valid(schema) as Record<string, unknown>;
      if (schema.additionalProperties === false) {
        assertError(await call(method, path, op, { ...base, zz_unknown: 1 }), 400, 'Invalid body: unknown field "zz_unknown"');
        checked++;
      }
      for (const [name, property] of Object.entries(schema.properties ?? {})) {
        const res = await call(method, path, op, { ...base, [name]: wrongType(property) });
        assert.equal(res.status, 400, `${where} ${name}: ${JSON.stringify(res.body)}`);
        assertError(res, 400, new RegExp(`^Invalid body: ${name} must `));
        checked++;
      }
      for (const name of schema.required ?? []) {
        const { [name]: _dropped, ...rest } = base;
        assertError(await call(method, path, op, rest), 400, `Invalid body: missing required field "${name}"`);
        checked++;
      }
    }
    assert.ok(checked > 40, `only ${checked} checks`);
  });

  it("accepts a body built from the documented required fields alone (no 400), and no body where the body is optional", async () => {
    for (const { method, path, op } of operations) {
      const schema = op.requestBody?.content["application/json"]?.schema;
      if (!schema) continue;
      const where = `${method} ${path}`;
      const withBody = await call(method, path, op, valid(schema));
      assert.ok(withBody.status !== 400 && withBody.status < 500, `${where}: ${withBody.status} ${JSON.stringify(withBody.body)}`);
      const without = await call(method, path, op);
      if (op.requestBody!.required) assertError(without, 400, "Invalid body: value must be object");
      else assert.ok(without.status !== 400 && without.status < 500, `${where} without a body: ${without.status} ${JSON.stringify(without.body)}`);
    }
  });

  it("rejects what each documented query parameter forbids", async () => {
    let checked = 0;
    for (const { method, path, op } of operations) {
      for (const p of (op.parameters ?? []).filter((x) => x.in === "query")) {
        const bad = p.schema.type === "string" && !p.schema.pattern ? null : p.schema.type === "string" ? "2030-1-1" : "not-valid";
        if (bad === null) continue;
        assertError(await call(method, path, op, undefined, `?${p.name}=${bad}`), 400, new RegExp(`^Invalid querystring: ${p.name} must `));
        if (p.schema.minimum !== undefined) {
          assertError(await call(method, path, op, undefined, `?${p.name}=${p.schema.minimum - 1}`), 400, `Invalid querystring: ${p.name} must be >= ${p.schema.minimum}`);
        }
        if (p.schema.maximum !== undefined) {
          assertError(await call(method, path, op, undefined, `?${p.name}=${p.schema.maximum + 1}`), 400, `Invalid querystring: ${p.name} must be <= ${p.schema.maximum}`);
        }
        checked++;
      }
    }
    assert.ok(checked >= 12, `only ${checked} checks`);
  });
});
