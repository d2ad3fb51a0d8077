/**
 * Generated requests against every route of the hub's OpenAPI document (and the
 * web session's): path ids that exist, belong to no one, or are hostile strings;
 * bodies valid by the route's own schema, nearly valid, any JSON, or not JSON;
 * every kind of credential; stray query parameters and headers. Whatever comes
 * in, the answer is a 2xx/3xx, or a 4xx whose body is `{ error: string }` (plus
 * a 409's `status`) and that changed nothing in the database; never a 5xx. And
 * the hub still serves a full lifecycle afterwards. fast-check prints the seed
 * and the smallest failing request.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import fc from "fast-check";
import { assertStatus, createTask, delegateTo, runIn, secondAgent } from "../support/api.ts";
import { request, startTestHub, type Res, type TestHub } from "../support/hub.ts";

interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  enum?: unknown[];
  const?: unknown;
  format?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  maxItems?: number;
}

interface Operation {
  method: string;
  /** The path template, `{id}` for the path parameter. */
  path: string;
  query: string[];
  body: JsonSchema | null;
}

type OpenApi = {
  paths: Record<string, Record<string, {
    parameters?: { name: string; in: string }[];
    requestBody?: { content: { "application/json"?: { schema: JsonSchema } } };
  }>>;
};

const text = fc.string({ maxLength: 40 });
const ascii = fc.string({ unit: "grapheme-ascii", maxLength: 60 });

/**
 * Values the schema accepts. Strings are short (the limits themselves are
 * bad-input.test.ts's) and often one of `known`: ids that exist, @mentions.
 */
function valid(schema: JsonSchema, known: fc.Arbitrary<string>): fc.Arbitrary<unknown> {
  if (schema.anyOf) return fc.oneof(...schema.anyOf.map((s) => valid(s, known)));
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (schema.enum) return fc.constantFrom(...schema.enum);
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case "string":
      if (schema.format === "date") return fc.date({ min: new Date("1970-01-01"), max: new Date("2999-12-31"), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10));
      return fc.oneof(known, fc.string({ minLength: schema.minLength ?? 0, maxLength: Math.min(schema.maxLength ?? 40, 40) }))
        .filter((value) => value.length >= (schema.minLength ?? 0) && value.length <= (schema.maxLength ?? Infinity));
    case "number":
    case "integer": {
      const min = schema.minimum ?? -1e6;
      const max = schema.maximum ?? 1e6;
      // The edges are where arithmetic goes wrong; give them their own share.
      const edges = fc.constantFrom(...[min, max, 0, 1, 0.01, 0.1 + 0.2].filter((n) => n >= min && n <= max && (type === "number" || Number.isInteger(n))));
      return fc.oneof(edges, type === "integer" ? fc.integer({ min, max }) : fc.double({ min, max, noNaN: true }));
    }
    case "boolean":
      return fc.boolean();
    case "null":
      return fc.constant(null);
    case "array":
      return fc.array(schema.items ? valid(schema.items, known) : fc.jsonValue(), { maxLength: Math.min(schema.maxItems ?? 4, 4) });
    case "object": {
      const properties = schema.properties ?? {};
      const record = Object.fromEntries(Object.entries(properties).map(([key, value]) => [key, valid(value, known)]));
      return fc.record(record, { requiredKeys: schema.required ?? [] });
    }
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

/** A valid body with one field dropped, retyped or added: the near misses that reach deepest. */
function nearlyValid(schema: JsonSchema, known: fc.Arbitrary<string>): fc.Arbitrary<unknown> {
  return fc.tuple(valid(schema, known), fc.jsonValue({ maxDepth: 2 }), text, fc.nat()).map(([body, other, key, pick]) => {
    if (typeof body !== "object" || body === null || Array.isArray(body)) return other;
    const copy: Record<string, unknown> = { ...body };
    const keys = Object.keys(schema.properties ?? {});
    const field = keys.length > 0 ? keys[pick % keys.length]! : key;
    switch (pick % 3) {
      case 0: delete copy[field]; break;
      case 1: copy[field] = other; break;
      default: copy[key] = other;
    }
    return copy;
  });
}

describe("arbitrary requests", () => {
  let t: TestHub;
  let operations: Operation[];
  let ids: string[];
  /** Every row of every table, as one string: a refused request must leave it as it was. */
  let snapshot: () => Promise<string>;

  before(async () => {
    // No purge in the background: a deleted project's rows going meanwhile would look like a refused request's change.
    t = await startTestHub({ purge: { everyMs: 3_600_000 } });
    const running = await runIn(t, "RUNNING");
    const finished = await runIn(t, "FINISHED");
    const pending = await delegateTo(t, (await createTask(t)).id);
    // Agents the generated calls may rotate or delete, so the hub's own agent keeps working; likewise a
    // workspace and project of their own to rename, hand over or delete, so the hub's own stay.
    const spare = await secondAgent(t, "Spare Bot");
    const spareWorkspace = (await t.owner(t.creds.ownerToken, "POST", "/workspaces", { name: "Spare" })).body;
    const spareProject = (await t.owner(t.creds.ownerToken, "POST", "/projects", { name: "Spare" }, { "x-workspace-id": spareWorkspace.id })).body;
    await t.owner(t.creds.ownerToken, "POST", `/tasks/${running.taskId}/comments`, { body: "A comment before anything" });
    // The start notified the owner: one notification id to mark read, or not.
    const notifications = await t.owner(t.creds.ownerToken, "GET", "/notifications");
    assert.match(notifications.body[0]?.id ?? "", /./);
    ids = [
      running.taskId, running.runId, finished.runId, pending.id, spare.id, spareWorkspace.id, spareProject.id,
      t.creds.ownerId, notifications.body[0].id,
    ];
    const doc = (await request(`${t.baseUrl}/api/v1/openapi.json`, {})).body as OpenApi;
    operations = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, op]) => ({
        method: method.toUpperCase(),
        path,
        query: (op.parameters ?? []).filter((p) => p.in === "query").map((p) => p.name),
        body: op.requestBody?.content["application/json"]?.schema ?? null,
      })));
    // The web session's routes stay out of the document; they take arbitrary input all the same.
    operations.push(
      { method: "POST", path: "/api/v1/session", query: [], body: { type: "object", required: ["code"], properties: { code: { type: "string", minLength: 1 } } } },
      { method: "GET", path: "/api/v1/session", query: [], body: null },
      { method: "DELETE", path: "/api/v1/session", query: [], body: null },
    );
    assert.ok(operations.length >= 30, `the document lists ${operations.length} operations`);
    const db = t.database();
    // Every row of every table, one string per table, in each database's own words.
    const postgres = t.kind === "postgres";
    const tables = await db.all<{ name: string }>(postgres
      ? "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY 1"
      : "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name");
    const queries = await Promise.all(tables.map(async ({ name }) => {
      // A token's last use records a call, refused or not (at most once a minute, a moment after it): not a change the call made.
      const columns = (await db.all<{ name: string }>(postgres
        ? `SELECT column_name AS name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = '${name}' ORDER BY ordinal_position`
        : `SELECT name FROM pragma_table_info('${name}')`)).filter((c) => !(name === "owner_tokens" && c.name === "last_used_at"));
      return postgres
        ? `SELECT string_agg(row, chr(10) ORDER BY row) AS rows FROM (SELECT concat_ws(',', ${columns.map((c) => `quote_nullable("${c.name}")`).join(", ")}) AS row FROM "${name}") s`
        : `SELECT group_concat(row, char(10)) AS rows FROM (SELECT ${columns.map((c) => `quote("${c.name}")`).join(" || ',' || ")} AS row FROM "${name}" ORDER BY 1)`;
    }));
    snapshot = async () => (await Promise.all(queries.map(async (q) => (await db.get<{ rows: string | null }>(q))?.rows ?? ""))).join("\n--\n");
  });
  after(() => t.close());

  it("answers every generated request with a success, or a 4xx { error } that changed nothing; never a 5xx", async () => {
    const hostile = fc.constantFrom("%", "%zz", "%00", "..", ".", "a/b", "run_", "x".repeat(201), "' OR 1=1 --", "\u{1F600}", " ", "null", "0");
    const known = fc.constantFrom(...ids, "@Spare Bot have a look", "@OpenClaw Bot and @spare bot", "**bold** <script>x</script>", "  ");
    /** Mostly an id of the kind the path names (its prefix), else any id, a hostile string or any string. */
    const idFor = (path: string) => {
      const kind = /\/(tasks|runs|agents|workspaces|projects)\/\{id\}/.exec(path)?.[1];
      const prefix = { tasks: "task_", runs: "run_", agents: "agt_", workspaces: "ws_", projects: "prj_" }[kind ?? "tasks"]!;
      const fitting = ids.filter((id) => id.startsWith(prefix));
      return fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...(fitting.length > 0 ? fitting : ids)) }, fc.constantFrom(...ids), hostile, text);
    };
    const rarely = <T>(arbitrary: fc.Arbitrary<T>, weight = 4) => fc.oneof({ weight, arbitrary: fc.constant(null) }, arbitrary);
    // The writes get three times the calls of the reads: that is where state can go wrong.
    const operation_ = fc.oneof(...operations.map((op) => ({ weight: op.method === "GET" ? 1 : 3, arbitrary: fc.constant(op) })));
    const request_ = operation_.chain((operation) => fc.record({
      operation: fc.constant(operation),
      // Now and then the method of another route on this path.
      method: rarely(fc.constantFrom("GET", "POST", "PATCH", "DELETE", "PUT"), 12),
      id: idFor(operation.path),
      rawId: fc.boolean(),
      // Mostly the credential the API asks for, so the call gets past auth.
      auth: fc.oneof(
        { weight: 8, arbitrary: fc.constant(operation.path.startsWith("/api/v1/agent/") ? "agent-basic" : "owner") },
        fc.constantFrom("owner", "agent-basic", "agent-bearer", "none", "garbage", "owner-as-agent", "agent-as-owner"),
      ),
      garbage: ascii,
      // Mostly valid by the route's schema, or nearly: those get past validation into the services.
      body: fc.oneof({ weight: 8, arbitrary: fc.constant("generated") }, fc.constantFrom("json", "not-json", "none")),
      generated: operation.body
        ? fc.oneof({ weight: 3, arbitrary: valid(operation.body, known) }, { weight: 2, arbitrary: nearlyValid(operation.body, known) })
        : fc.jsonValue({ maxDepth: 2 }),
      json: fc.jsonValue({ maxDepth: 3 }),
      raw: fc.string({ maxLength: 80 }),
      query: fc.dictionary(
        fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...(operation.query.length > 0 ? operation.query : ["limit"])) }, text),
        fc.oneof(ascii, fc.constantFrom(...ids), fc.constantFrom("-1", "0", "5", "1e3", "true", "false", "RUNNING", "PENDING", "doing", "2030-02-30", "2030-01-31", "1700000000000")),
        { maxKeys: 3 },
      ),
      idempotencyKey: rarely(ascii, 2),
      workspace: operation.path === "/api/v1/projects" ? fc.oneof(fc.constantFrom(...ids), ascii) : rarely(fc.oneof(fc.constantFrom(...ids), ascii), 6),
      contentType: fc.oneof(
        { weight: 8, arbitrary: fc.constant("application/json") },
        fc.constantFrom("application/json; charset=utf-8", "text/plain", "application/x-www-form-urlencoded", ""),
      ),
      cookie: rarely(ascii.map((v) => `gc_session=${v}`), 8),
    }));

    await fc.assert(
      fc.asyncProperty(request_, async (r) => {
        const id = r.rawId ? r.id : encodeURIComponent(r.id);
        const path = r.operation.path.replace("{id}", id);
        const query = new URLSearchParams(r.query).toString();
        const headers: Record<string, string> = {};
        const agentToken = t.creds.agentToken;
        const ownerToken = t.creds.ownerToken;
        switch (r.auth) {
          case "owner": headers.authorization = `Bearer ${ownerToken}`; break;
          case "agent-basic": headers.authorization = `Basic ${Buffer.from(`${agentToken}:`).toString("base64")}`; break;
          case "agent-bearer": headers.authorization = `Bearer ${agentToken}`; break;
          case "garbage": headers.authorization = r.garbage; break;
          case "owner-as-agent": headers.authorization = `Basic ${Buffer.from(`${ownerToken}:`).toString("base64")}`; break;
          case "agent-as-owner": headers.authorization = `Bearer ${agentToken.slice(0, -1)}x`; break;
        }
        if (r.idempotencyKey !== null) headers["idempotency-key"] = r.idempotencyKey;
        if (r.workspace !== null) headers["x-workspace-id"] = r.workspace;
        if (r.cookie !== null) headers.cookie = r.cookie;
        let body: string | undefined;
        if (r.body === "generated") body = JSON.stringify(r.generated) ?? "";
        else if (r.body === "json") body = JSON.stringify(r.json);
        else if (r.body === "not-json") body = r.raw;
        if (body !== undefined && r.contentType) headers["content-type"] = r.contentType;
        const method = r.method ?? r.operation.method;
        const url = `${t.baseUrl}${path}${query ? `?${query}` : ""}`;
        const before = await snapshot();
        let res: Res;
        try {
          res = await request(url, { method, headers, body: method === "GET" || method === "HEAD" ? undefined : body });
        } catch (error) {
          // fetch refuses some URLs and header values itself; those never reach the hub.
          if (error instanceof TypeError) return;
          throw error;
        }
        const what = `${method} ${url} ${JSON.stringify(headers)} ${body ?? ""} → ${res.status} ${JSON.stringify(res.body)}`;
        assert.ok(res.status < 500, what);
        if (res.status >= 400) {
          assert.equal(typeof res.body, "object", what);
          assert.equal(typeof res.body?.error, "string", what);
          const extra = Object.keys(res.body).filter((key) => key !== "error");
          assert.deepEqual(extra, res.status === 409 && extra.length > 0 ? ["status"] : [], what);
          assert.match(res.headers.get("content-type") ?? "", /^application\/json/, what);
          assert.equal(await snapshot(), before, `a refused request changed the database: ${what}`);
        }
      }),
      { numRuns: 2000, includeErrorInReport: true },
    );

    // And the hub is whole: a full lifecycle on its own agent still goes through.
    const { runId } = await runIn(t, "FINISHED");
    const detail = await t.owner(t.creds.ownerToken, "GET", `/runs/${runId}`);
    assertStatus(detail, 200);
    assert.equal(detail.body.status, "FINISHED");
  });
});
