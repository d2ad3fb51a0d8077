import type { IncomingMessage, ServerResponse } from "node:http";
import type { Socket } from "node:net";
import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import { DatabaseUnavailable, InvalidText, MissingReference } from "../db/port.ts";
import { badRequest, HubError, unavailable } from "../errors.ts";

/**
 * The one place errors become responses: `{ "error": "..." }` with the right
 * status. Client mistakes never turn into a 500; unexpected errors are logged and
 * answered with a generic message.
 */
export function errorHandler(error: FastifyError | HubError | Error, request: FastifyRequest, reply: FastifyReply) {
  if (error instanceof DatabaseUnavailable) {
    request.log.warn({ err: error, reqId: request.id }, "database unavailable");
    error = unavailable("The hub's database is unreachable; try again shortly", 2);
  } else if (error instanceof InvalidText) {
    error = badRequest(error.message);
  } else if (error instanceof MissingReference) {
    // Checked, then deleted by a write at the same time: as if it had been deleted first.
    error = new HubError("not_found", "Not found: it was deleted while this request ran");
  }
  if (error instanceof HubError) {
    if (error.retryAfterSeconds !== undefined) reply.header("retry-after", String(error.retryAfterSeconds));
    return reply.code(error.status).send({ error: error.message, ...error.extra });
  }
  const fastifyError = error as FastifyError;
  if (fastifyError.validation) {
    return reply.code(400).send({ error: `Invalid ${fastifyError.validationContext ?? "request"}: ${describe(fastifyError)}` });
  }
  const status = fastifyError.statusCode;
  if (status !== undefined && status >= 400 && status < 500) {
    return reply.code(status).send({ error: clientMessage(fastifyError, request.routeOptions.bodyLimit) });
  }
  request.log.error({ err: error, reqId: request.id }, "unhandled error");
  return reply.code(500).send({ error: "Internal server error" });
}

function describe(error: FastifyError): string {
  const first = error.validation?.[0];
  if (!first) return error.message;
  const where = first.instancePath ? first.instancePath.slice(1).replaceAll("/", ".") : "";
  if (first.keyword === "additionalProperties") {
    return `unknown field ${JSON.stringify((first.params as { additionalProperty?: string }).additionalProperty)}${where ? ` in ${where}` : ""}`;
  }
  if (first.keyword === "required") {
    return `missing required field ${JSON.stringify((first.params as { missingProperty?: string }).missingProperty)}`;
  }
  if (first.keyword === "const") {
    // One of a few literals (a status): Ajv says "must be equal to constant" once for each; name them all.
    const allowed = error.validation!
      .filter((e) => e.keyword === "const" && e.instancePath === first.instancePath)
      .map((e) => String((e.params as { allowedValue?: unknown }).allowedValue));
    return `${where || "value"} must be ${allowed.length > 1 ? "one of " : ""}${allowed.join(", ")}`;
  }
  return `${where || "value"} ${first.message ?? "is invalid"}`;
}

function clientMessage(error: FastifyError, bodyLimit: number | undefined): string {
  switch (error.code) {
    case "FST_ERR_CTP_INVALID_JSON_BODY":
    case "FST_ERR_CTP_EMPTY_JSON_BODY":
      return "Request body is not valid JSON";
    case "FST_ERR_CTP_BODY_TOO_LARGE":
      return `Request body is larger than ${Math.round((bodyLimit ?? 1024 * 1024) / (1024 * 1024))} MiB`;
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
      return "Content-Type must be application/json";
    case "FST_ERR_MAX_PARAM_LENGTH":
      return "An id in the URL is longer than 200 characters";
    case "FST_ERR_BAD_URL":
      return "The URL is malformed";
    default:
      return error.message;
  }
}

/**
 * What Node's HTTP parser refuses before any route sees it (a malformed request, headers over
 * its limit, one that took too long to arrive) gets a `{ "error": ... }` body as well; Fastify's
 * own answer added `message` and `statusCode` fields. The connection is closed after it, as Node does.
 */
export function clientErrorHandler(error: Error & { code?: string }, socket: Socket): void {
  // A reset connection has no one left to answer.
  if (error.code === "ECONNRESET" || socket.destroyed) return;
  const [status, reason, message] =
    error.code === "ERR_HTTP_REQUEST_TIMEOUT" ? [408, "Request Timeout", "The request took too long to arrive"]
    : error.code === "HPE_HEADER_OVERFLOW" ? [431, "Request Header Fields Too Large", "The request's headers are too large"]
    : [400, "Bad Request", "The request is not well-formed HTTP"];
  const body = JSON.stringify({ error: message });
  if (socket.writable) {
    socket.write(`HTTP/1.1 ${status} ${reason}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nContent-Type: application/json; charset=utf-8\r\nConnection: close\r\n\r\n${body}`);
  }
  socket.destroy(error);
}

/**
 * An `Expect` header other than `100-continue`: Node answers 417 itself, with no body, unless the server has a
 * `checkExpectation` listener, which this is, so the answer is `{ error }` like every other.
 */
export function expectationFailed(request: IncomingMessage, response: ServerResponse): void {
  const body = JSON.stringify({ error: `Expect: ${String(request.headers.expect).slice(0, 100)} is not supported (only 100-continue is)` });
  response.writeHead(417, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(body), connection: "close" });
  response.end(body);
}
