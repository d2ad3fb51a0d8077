import { createHash } from "node:crypto";
import type { FastifyReply, FastifyRequest } from "fastify";
import { UniqueViolation } from "../db/port.ts";
import { badRequest, unprocessable } from "../errors.ts";
import { findIdempotencyKey, insertIdempotencyKey, type IdempotencyRow } from "../store/idempotency.ts";
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
  // The check runs inside the write's transaction, so it also sees a same-key
  // request that committed (or shares this group commit) just before it.
  type Outcome = { stored: IdempotencyRow } | { stored: null; result: T };
  const attempt = () => deps.writer.write(async (w): Promise<Outcome> => {
    const stored = await findIdempotencyKey(w.sql, scope, key);
    if (stored) return { stored };
    const result = await fn(w);
    await insertIdempotencyKey(w.sql, {
      scope, key, request_hash: hash, status_code: status, response_body: JSON.stringify(result), created_at: w.now,
    });
    return { stored: null, result };
  });
  let outcome: Outcome;
  try {
    outcome = await attempt();
  } catch (error) {
    // A database with concurrent writers: the other request committed the key first.
    if (!(error instanceof UniqueViolation)) throw error;
    outcome = await attempt();
  }
  if (outcome.stored === null) return outcome.result;
  const { stored } = outcome;
  if (stored.request_hash !== hash) throw unprocessable("Idempotency-Key was already used with a different request");
  reply.code(stored.status_code).header("idempotent-replayed", "true");
  return JSON.parse(stored.response_body) as T;
}
