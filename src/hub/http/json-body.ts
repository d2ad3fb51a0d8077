/**
 * How a request body is read: JSON alone, as UTF-8 text, uncompressed.
 *
 * - `application/json` is parsed here (an empty body counts as none, so `curl -X POST .../start` works
 *   without -d); text/plain, Fastify's other default, is 415 like any other type, rather than read as a
 *   JSON string and refused (400) for not being an object. Uploads have parsers of their own.
 * - A JSON body declared in another charset (`charset=latin1`) is 415: it was decoded as UTF-8 anyway,
 *   and its é kept as U+FFFD.
 * - An empty body (Content-Length: 0) is no body, whatever its Content-Type: `POST /runs/:id/stop` sent as
 *   text/plain with nothing in it works, where it was 415.
 * - A body with a `Content-Encoding` (gzip, br…) is 415 on every route: the hub reads bytes as sent,
 *   so a compressed JSON body was "not valid JSON" (400) and a compressed upload "not that image".
 */
import type { FastifyRequest } from "fastify";
import { HubError } from "../errors.ts";
import type { App } from "./deps.ts";
import { storableJson } from "./storable-text.ts";

const CHARSET = /;\s*charset\s*=\s*"?([^";\s]*)"?/i;
const UTF8 = new Set(["utf-8", "utf8"]);

export function jsonBody(app: App, bodyLimit: number): void {
  app.removeContentTypeParser("text/plain");
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser("application/json", { parseAs: "string", bodyLimit }, (_request, body, done) => {
    const text = (body as string).trim();
    if (text === "") return done(null, undefined);
    try {
      done(null, storableJson(text, JSON.parse(text)));
    } catch {
      done(new HubError("bad_request", "Request body is not valid JSON"), undefined);
    }
  });
  // Before a byte of the body is read.
  // A callback hook, not an async one: it runs on every request, and needs no promise of its own.
  app.addHook("preParsing", (request, _reply, payload, done) => {
    const refusal = unreadableBody(request);
    if (refusal) return done(new HubError("unsupported_media_type", refusal));
    // Nothing to parse: Fastify then hands the route no body, as when no Content-Type came (an upload's own checks say what an empty one is).
    if (!hasBody(request) && !(request.routeOptions.schema as { consumes?: unknown } | undefined)?.consumes) delete request.headers["content-type"];
    done(null, payload);
  });
}

function hasBody(request: FastifyRequest): boolean {
  return request.headers["transfer-encoding"] !== undefined || (request.headers["content-length"] ?? "0") !== "0";
}

/** Why a request's body cannot be read as sent, or null when it can (or there is none). */
function unreadableBody(request: FastifyRequest): string | null {
  const headers = request.headers;
  if (!hasBody(request)) return null;
  const encoding = headers["content-encoding"]?.trim();
  if (encoding && encoding.toLowerCase() !== "identity") return `Content-Encoding ${encoding.slice(0, 100)} is not supported: send the body uncompressed`;
  const type = headers["content-type"] ?? "";
  if (type.split(";")[0]!.trim().toLowerCase() !== "application/json") return null;
  const charset = CHARSET.exec(type)?.[1];
  if (charset !== undefined && !UTF8.has(charset.toLowerCase())) return `A JSON body must be UTF-8 (charset=${charset.slice(0, 100)} is not supported)`;
  return null;
}
