/**
 * Ids in a URL, checked once for the whole app, so both databases answer the same: a NUL passed to
 * PostgreSQL failed the query (400), where SQLite looked the id up and found nothing (404).
 *
 * - In the path (`/tasks/:id`, `/workspaces/:id/members/:userId`, `/files/:id/:key`), an id written
 *   with a character no id of the hub has cannot name anything: 404 `{ error: "Task not found" }`,
 *   as any unknown id gets, the noun the route's segment before it (`members/:userId`: Member).
 * - An empty one at the end (`/tasks/`, `/runs/`) names nothing either: the same 404, before the params' own
 *   check (at least 1 character) would call it invalid input (400). One inside the path (`/runs//start`) is
 *   no id at all: the router makes repeated slashes one (`/runs/start`, app.ts).
 * - In the query (`projectId`, `workspaceId`, `agentId`, the `before` cursor), a control character (NUL
 *   among them) is invalid input, 400, as a NUL in `q` is; other unknown ids find nothing, as before.
 */
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from "fastify";
import { badRequest, notFound } from "../errors.ts";

/** What every id the hub makes (`task_01…`) and a file's key (base64url) are written with. */
const ID_TEXT = /^[A-Za-z0-9_-]+$/;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;
/** The query parameters that hold an id, on either API. */
const QUERY_IDS = ["projectId", "workspaceId", "agentId", "before"] as const;

/** The noun for a path parameter: the route segment before it, singular (`/api/v1/runs/:id` → "Run"). */
export function nounOf(route: string, param: string): string {
  const segments = route.split("/");
  const plural = segments[segments.indexOf(`:${param}`) - 1] ?? "item";
  const singular = plural.endsWith("s") ? plural.slice(0, -1) : plural;
  return singular.charAt(0).toUpperCase() + singular.slice(1);
}

/** A preHandler: after auth and validation, as an unknown id's 404 comes, so every other answer stays as it was. */
export function checkUrlIds(request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction): void {
  const params = (request.params ?? {}) as Record<string, unknown>;
  for (const [name, value] of Object.entries(params)) {
    // "*" is a wildcard route's rest of the path, not an id (none of the hub's routes has one today).
    if (name !== "*" && typeof value === "string" && !ID_TEXT.test(value)) return done(notFound(nounOf(request.routeOptions.url ?? "", name)));
  }
  const query = (request.query ?? {}) as Record<string, unknown>;
  for (const name of QUERY_IDS) {
    const value = query[name];
    if (typeof value === "string" && CONTROL.test(value)) return done(badRequest(`${name} must not contain control characters (NUL)`));
  }
  done();
}

/** A preValidation hook: an empty path id is an unknown one (404), not a params error (400). */
export function checkEmptyUrlIds(request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction): void {
  const params = (request.params ?? {}) as Record<string, unknown>;
  for (const [name, value] of Object.entries(params)) {
    if (name !== "*" && value === "") return done(notFound(nounOf(request.routeOptions.url ?? "", name)));
  }
  done();
}
