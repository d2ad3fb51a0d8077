import { createHash } from "node:crypto";

/**
 * A query result's fingerprint. The client fires its callbacks on every
 * QueryUpdated, equal value or not, so the hub sends one only when this changes.
 * Successes and failures hash apart, so a recovery from an error is always sent.
 */
export function resultHash(kind: "value" | "error", json: string): string {
  return createHash("sha256").update(kind).update("\0").update(json).digest("base64url");
}
