/**
 * The OpenAPI 3.1 document, generated from the very schemas the routes validate
 * and serialize with (collected as routes are registered).
 */
import type { RouteOptions } from "fastify";
import { ErrorBody } from "../../sdk/types.ts";

/** The headers answers carry, by when: a 503's, a 401's, a paged list's, a replay's. */
const RETRY_AFTER = { description: "Seconds to wait before trying again", schema: { type: "integer", minimum: 1 } };
const WWW_AUTHENTICATE = (scheme: string) => ({ description: "The scheme to authenticate with", schema: { type: "string", examples: [scheme] } });
const LINK = {
  description: "On a full page, where the next one is: `<…&before=LAST_ID>; rel=\"next\"` (relative to the request); none on the last page",
  schema: { type: "string" },
};
const IDEMPOTENT_REPLAYED = {
  description: "`true` when this is the stored answer to an earlier request with the same Idempotency-Key (nothing was done again); absent otherwise",
  schema: { type: "string", const: "true" },
};

/** Every POST takes one (http/idempotency.ts), but those whose schema says `noIdempotencyKey`. */
const IDEMPOTENCY_KEY = {
  name: "Idempotency-Key", in: "header" as const, required: false,
  description: "The same key with the same request replays the first response (Idempotent-Replayed: true); with another request, 422.",
  schema: { type: "string", minLength: 1, maxLength: 255, pattern: "^[\\x21-\\x7e]+$" },
};

interface CollectedRoute {
  method: string;
  url: string;
  schema: Record<string, unknown>;
}

export class OpenApiCollector {
  private readonly routes: CollectedRoute[] = [];

  onRoute = (route: RouteOptions): void => {
    const schema = route.schema as Record<string, unknown> | undefined;
    if (!schema || (schema as { hide?: boolean }).hide) return;
    for (const method of [route.method].flat()) {
      if (method === "HEAD") continue;
      this.routes.push({ method: method.toLowerCase(), url: route.url, schema });
    }
  };

  document(info: { title: string; version: string }): Record<string, unknown> {
    const paths: Record<string, Record<string, unknown>> = {};
    for (const route of this.routes) {
      const path = route.url.replace(/:([A-Za-z0-9_]+)/g, "{$1}");
      const s = route.schema;
      const parameters: Array<{ name: string; in: string; required: boolean; schema: unknown }> = [
        ...params(s.params, "path"),
        ...params(s.querystring, "query"),
        ...params(s.headers, "header"),
      ];
      // An upload (a raw body) makes a new file each time: no replay to key; nor a webhook's test ping.
      const keyed = route.method === "post" && !s.consumes && !s.noIdempotencyKey;
      if (keyed) parameters.push(IDEMPOTENCY_KEY);
      const answers: Record<string, unknown> = { ...((s.response as Record<string, unknown>) ?? {}) };
      // What the server answers before or beside a route's own schema: over-long ids, bodies that are not JSON, and a 503
      // on any route (a write shed, the hub shutting down, its database unreachable: a read as well as a write).
      if (s.params) answers["414"] ??= ErrorBody;
      if (route.method === "post" || route.method === "patch") answers["415"] ??= ErrorBody;
      answers["503"] ??= ErrorBody;
      const headers: Record<string, Record<string, unknown>> = {
        "401": { "WWW-Authenticate": WWW_AUTHENTICATE(isAgentApi(route.url) ? 'Basic realm="agent"' : 'Bearer realm="owner"') },
        "503": { "Retry-After": RETRY_AFTER },
      };
      const success = Object.keys(answers).find((code) => /^2\d\d$/.test(code));
      if (success && keyed) headers[success] = { "Idempotent-Replayed": IDEMPOTENT_REPLAYED };
      if (hasParam(s.querystring, "before")) headers["200"] = { ...headers["200"], Link: LINK };
      const responses: Record<string, unknown> = {};
      for (const [code, schema] of Object.entries(answers)) {
        const documented = code === "204"
          ? { description: "No content" }
          : { description: describeStatus(code), content: { "application/json": { schema: plain(schema) } } };
        responses[code] = headers[code] ? { ...documented, headers: headers[code] } : documented;
      }
      (paths[path] ??= {})[route.method] = {
        summary: s.summary,
        tags: s.tags,
        security: s.security,
        parameters: parameters.length ? parameters : undefined,
        requestBody: s.body
          ? { required: !isOptional(s.body), content: { "application/json": { schema: plain(s.body) } } }
          : rawBody(s.consumes),
        responses,
      };
    }
    return {
      openapi: "3.1.0",
      info: {
        ...info,
        description: "GroupChat's Agent API (as documented) and the hub's owner API. A method a path does not take is answered "
          + "405 with an `Allow` header naming those it does (and `{ \"error\" }`), on every path: not repeated on each operation.",
      },
      servers: [{ url: "/" }],
      components: {
        securitySchemes: {
          agentBasic: { type: "http", scheme: "basic", description: "gca_ token as the username, empty password" },
          agentBearer: { type: "http", scheme: "bearer", description: "gca_ token" },
          ownerBearer: { type: "http", scheme: "bearer", description: "gcp_ personal access token" },
        },
      },
      paths,
    };
  }
}

/** A body of raw bytes (an upload): the media types it takes, each any bytes. */
function rawBody(consumes: unknown) {
  if (!Array.isArray(consumes)) return undefined;
  return { required: true, content: Object.fromEntries(consumes.map((type: string) => [type, { schema: { type: "string", format: "binary" } }])) };
}

function isAgentApi(url: string): boolean {
  return url.startsWith("/api/v1/agent/");
}

function hasParam(schema: unknown, name: string): boolean {
  return Boolean((schema as { properties?: Record<string, unknown> } | undefined)?.properties?.[name]);
}

function plain(schema: unknown): unknown {
  return JSON.parse(JSON.stringify(schema));
}

function isOptional(schema: unknown): boolean {
  return Object.getOwnPropertySymbols(schema as object).some((s) => String(s).includes("Optional")) ||
    (schema as { "~optional"?: boolean })["~optional"] === true;
}

function params(schema: unknown, where: "path" | "query" | "header") {
  const object = schema as { properties?: Record<string, unknown>; required?: string[] } | undefined;
  if (!object?.properties) return [];
  return Object.entries(object.properties).map(([name, property]) => ({
    name, in: where, required: where === "path" || (object.required ?? []).includes(name), schema: plain(property),
  }));
}

function describeStatus(code: string): string {
  return ({ "200": "OK", "201": "Created", "400": "Invalid input", "401": "Missing or invalid token", "403": "Not allowed",
    "404": "Not found (or not yours)", "409": "Conflict with the current state", "413": "Body over 1 MiB (an upload's: over 10 MiB)",
    "414": "An id in the URL over 200 characters", "415": "Content-Type is not application/json (an upload's: not an image type, or the bytes are not that image)",
    "422": "Idempotency-Key reused with another request",
    "503": "The hub is overloaded, shutting down, or cannot reach its database: nothing was written; retry after Retry-After seconds" } as Record<string, string>)[code] ?? "Response";
}
