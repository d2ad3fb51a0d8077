import { createHash } from "node:crypto";
import type { FastifyReply, FastifyRequest } from "fastify";
import { commands, type CommandInput, type CommandName } from "../commands.ts";
import { badRequest, conflict, unprocessable } from "../errors.ts";
import { SECRET_WITHHELD, type Idempotency, type Writer } from "../writer/writer.ts";

const KEY = /^[\x21-\x7e]{1,255}$/;
const JSON_TYPE = "application/json; charset=utf-8";

/**
 * Answers a POST with a command's result. With an `Idempotency-Key`, the
 * response is stored in the same transaction as the write, so a retry after any
 * failure either replays it (same request) or is refused with 422 (another
 * body, path or workspace); it never runs twice. The body arrives serialized by the writer (with
 * the route's own schema) and goes out as it is.
 */
export async function mutation<N extends CommandName>(
  deps: { writer: Writer },
  request: FastifyRequest,
  reply: FastifyReply,
  scope: string,
  status: number,
  name: N,
  input: CommandInput<N>,
): Promise<void> {
  const key = request.headers["idempotency-key"];
  let idempotency: Idempotency | undefined;
  if (key !== undefined) {
    if (typeof key !== "string" || !KEY.test(key)) throw badRequest("Idempotency-Key must be 1 to 255 visible ASCII characters");
    // The workspace header picks where `POST /projects` writes, so it is part of the request
    // (added only when sent: other requests keep the hash they had). The path as routed: `//api/v1/tasks` is `/api/v1/tasks`.
    const workspace = request.headers["x-workspace-id"];
    const path = request.url.split("?")[0]!.replace(/\/{2,}/g, "/");
    const requestHash = createHash("sha256")
      .update(`${request.method} ${path}${typeof workspace === "string" ? `\nx-workspace-id: ${workspace}` : ""}\n${JSON.stringify(request.body ?? null)}`)
      .digest("hex");
    idempotency = { scope, key, requestHash, status };
  }
  const outcome = await deps.writer.reply(name, input, idempotency);
  if (outcome.kind === "done") return sendJson(reply, status, outcome.json);
  if (outcome.requestHash !== idempotency?.requestHash) throw unprocessable("Idempotency-Key was already used with a different request");
  if (outcome.json === SECRET_WITHHELD) throw conflict(`This request already succeeded; ${commands[name].secret ?? "what it made is shown only once."}`);
  sendJson(reply.header("idempotent-replayed", "true"), outcome.status, outcome.json);
}

/**
 * Sends a body the writer already serialized. The handler then resolves with
 * nothing, and Fastify leaves the sent reply alone.
 */
export function sendJson(reply: FastifyReply, status: number, json: string): void {
  reply.code(status).type(JSON_TYPE).send(json);
}
