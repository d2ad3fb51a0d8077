import { createHash } from "node:crypto";
import type { FastifyReply, FastifyRequest } from "fastify";
import { UniqueViolation } from "../db/port.ts";
import { badRequest, unprocessable } from "../errors.ts";
import { findIdempotencyKey, insertIdempotencyKey } from "../store/idempotency.ts";
import type { Write, Writer } from "../write.ts";
import type { Database } from "../db/port.ts";

const KEY = /^[\x21-\x7e]{1,255}$/;

/**
 * Runs a POST's write and sets the reply's status; the caller returns the body. With an `Idempotency-Key`, the response is stored in the
 * same transaction as the write, so a retry after any failure either replays it
 * (same body) or is refused with 422 (different body); it never runs twice.
 */
export async function mutation<T>(
  deps: { db: Database; writer: Writer },
  request: FastifyRequest,
  reply: FastifyReply,
  scope: string,
  status: number,
  fn: (w: Write) => Promise<T>,
): Promise<T> {
  reply.code(status);
  const key = request.headers["idempotency-key"];
  if (key === undefined) return deps.writer.write(fn);
  if (typeof key !== "string" || !KEY.test(key)) {
    throw badRequest("Idempotency-Key must be 1 to 255 visible ASCII characters");
  }
  const hash = createHash("sha256")
    .update(`${request.method} ${request.url.split("?")[0]}\n${JSON.stringify(request.body ?? null)}`)
    .digest("hex");
  const replay = async () => {
    const stored = await findIdempotencyKey(deps.db, scope, key);
    if (!stored) return null;
    if (stored.request_hash !== hash) {
      throw unprocessable("Idempotency-Key was already used with a different request");
    }
    reply.code(stored.status_code).header("idempotent-replayed", "true");
    return { body: JSON.parse(stored.response_body) as T };
  };
  const earlier = await replay();
  if (earlier) return earlier.body;
  try {
    const body = await deps.writer.write(async (w) => {
      const result = await fn(w);
      await insertIdempotencyKey(w.sql, {
        scope, key, request_hash: hash, status_code: status, response_body: JSON.stringify(result), created_at: w.now,
      });
      return result;
    });
    return body;
  } catch (error) {
    // A concurrent request with the same key committed first: answer as it did.
    if (error instanceof UniqueViolation) {
      const raced = await replay();
      if (raced) return raced.body;
    }
    throw error;
  }
}
