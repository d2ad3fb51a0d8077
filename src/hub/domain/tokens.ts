import * as crypto from "node:crypto";
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/**
 * Agent tokens (`gca_`), owners' personal access tokens (`gcp_`), web sessions
 * (`gcs_`, only ever in an HttpOnly cookie), one-time sign-in codes (`gcl_`) and
 * one-time workspace invites (`gci_`).
 * Distinct prefixes keep each usable only where it belongs.
 */
export type TokenKind = "agent" | "owner" | "session" | "login" | "invite";
const PREFIX: Record<TokenKind, string> = { agent: "gca_", owner: "gcp_", session: "gcs_", login: "gcl_", invite: "gci_" };

export function newToken(kind: TokenKind): string {
  return PREFIX[kind] + randomBytes(32).toString("base64url");
}

export function hasPrefix(token: string, kind: TokenKind): boolean {
  return token.startsWith(PREFIX[kind]) && token.length > PREFIX[kind].length && token.length <= 512;
}

// crypto.hash (Node ≥ 20.12) is the one-shot form, about twice as fast for a token.
const oneShot = (crypto as { hash?: (algorithm: string, data: string, encoding: "hex") => string }).hash;

/** Only this hash is stored; the token itself is shown once and never logged. */
export function hashToken(token: string): string {
  return oneShot ? oneShot("sha256", token, "hex") : createHash("sha256").update(token).digest("hex");
}

/** Constant-time check that `token` hashes to `storedHash`. */
export function tokenMatches(token: string, storedHash: string): boolean {
  const a = Buffer.from(hashToken(token), "hex");
  const b = Buffer.from(storedHash, "hex");
  return a.length === b.length && timingSafeEqual(a, b);
}
